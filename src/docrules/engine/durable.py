"""The only module that knows durable-rules. It drives the engine's C binding directly.

Why not `durable.engine.Host`:
- its timer threads run actions on another thread and inject events into live sessions;
- it raises before running any action when one fact of a batch matches no rule;
- it swallows exceptions raised in actions into the session state;
- it re-posts the whole session state as JSON after every action (about 20 µs each).
Here an "action" is only a record of which engine rule matched which facts: nothing of ours runs inside
the engine, so nothing can be swallowed, and results are built afterwards by the caller.

The C core has no locks and a global handle table, so every engine call of the process runs under one
lock, and every check ends its session (the C core holds at most 1,024 live sessions per ruleset and fails past
that) — also on error.

The engine's answers are memoised (engine/cache.py): facts the engine cannot tell apart get the
activations it gave the first time, without a session. The engine still decides every answer.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import chain
from typing import Any, NamedTuple

import durable_rules_engine as _dre

from ..diagnostics import Diagnostic, EngineError
from .cache import Coder, Shape, Signer, Split, Uncacheable, program_shape
from .memo import Memo, Stats
from .rows import Fact, Rows

# Re-entrant: a dropped ruleset is freed by its finalizer, which may run (garbage collection) in a
# thread that already holds the lock between two engine calls.
_LOCK = threading.RLock()
_NAMES = itertools.count()
_SIDS = itertools.count()
_NO_MATCH, _OBSERVED = 1, 2  # assert_facts codes: some fact matched no rule (fine); a duplicate id
# Answers remembered per ruleset, in each of its two memos (whole facts, groups of rules): an entry is a
# key of a few codes and a tuple of engine rule names, so the bound holds a few MiB at most
# (bench/memory.py).
CACHE_SIZE = 16_384

Activations = list[tuple[str, dict[str, str]]]  # as the engine reports them: each rule with its frame
# Engine rules that matched, in chunks, each with a frame: the ids of the facts they matched, by alias
# (a frame may bind aliases a rule of its chunk does not use, never one it uses to another fact).
Answers = list[tuple[dict[str, str], tuple[str, ...]]]
_FRAMES_LIMIT = 4096  # frames kept per ruleset: one per (anchor id, member kind, member id), and ids repeat

# durable-rules' JSON reader refuses a number with an exponent but no decimal point (error 204), which
# is how Python writes 0.00001 (1e-05) and 1e20 (1e+20); with the point (1.0e-05) it reads the same value.
_JSON_STRING_OR_EXPONENT = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.])(-?[0-9]+)([eE][+-]?[0-9]+)')


def engine_json(data: Any) -> str:
    """`data` as JSON text that durable-rules reads (numbers in exponent form get a decimal point)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return _JSON_STRING_OR_EXPONENT.sub(lambda m: m.group() if m.group(1) is None else f"{m[1]}.0{m[2]}", text)


class _Plan(NamedTuple):  # a tuple: made on every check, and a frozen dataclass costs a microsecond more
    """How one check splits: its anchor (the application) and its members (the parties), each with its
    key in the whole-fact memo."""

    split: Split
    rows: Rows
    anchor: Fact
    members: Sequence[Fact]
    member_keys: list[Hashable]
    context: Hashable  # what of the anchor the member groups see: members alike in one session need it alike
    anchor_codes: tuple[Hashable, ...]  # each fact's codes by position (`Split.index`); the anchor's key
    member_codes: list[tuple[Hashable, ...]]


class Ruleset:
    """One registered ruleset. Its name is unique in the process (names are global to the C core),
    so a reloaded pack or a second pack lives beside the first."""

    def __init__(self, definition: dict[str, Any], *, cache_size: int = CACHE_SIZE) -> None:
        self._shape: Shape | None = None
        if cache_size > 0:
            try:
                self._shape = program_shape(definition)
            except Uncacheable:  # a test the signature cannot stand for: every check asks the engine
                self._shape = None
        self._signer = Signer(self._shape.tests if self._shape else {})
        # a group's key, or a whole fact's → the engine rules matched
        self._memo: Memo[Hashable, tuple[str, ...]] = Memo(max(cache_size, 0))
        self._whole: Memo[Hashable, tuple[str, ...]] = Memo(max(cache_size, 0))
        self._frames: dict[tuple[str, str | None, str | None], dict[str, str]] = {}  # few: ids repeat
        self._coders: dict[tuple[str, tuple[str, ...]], Coder] = {}  # by fact kind and the order of its rows
        self.checks = 0  # checks run, and the engine sessions they needed
        self.sessions = 0
        # dumps copies: durable mutates definitions it is given, and ours stays the caller's
        text = engine_json(definition)
        self.name = f"docrules-{next(_NAMES)}"
        self.live_sessions = 0
        self.broken = False
        self.last_sid: str | None = None
        with _LOCK:
            try:
                self._handle: int | None = _dre.create_ruleset(self.name, text)
            except Exception as exc:  # the C core reports every refusal as a bare error code
                raise EngineError([Diagnostic(code="DR307", message=f"durable-rules refused the compiled "
                                              f"pack: {exc}")]) from None
        # A pack dropped without close() must not keep its engine memory (~1.5 MiB) for ever.
        self._free = weakref.finalize(self, _delete_ruleset, self._handle)

    def run(self, facts: Rows | Sequence[dict[str, Any]]) -> Answers:
        """What the engine matches for `facts`: engine rules, each chunk of them with the ids of the
        facts they matched, by alias. Remembered for facts of the same signature, else from a session
        of the engine about the application and the parties with a group of rules not seen before.
        Frames are shared between checks: read them, never change them. Facts need unique `id`s."""
        if self._handle is None:
            raise EngineError([Diagnostic(code="DR308", message="this pack was closed")])
        self.checks += 1
        rows = facts if isinstance(facts, Rows) else Rows.of(facts)
        plan = self._plan(rows)
        if plan is None:
            return _single(self.match(rows.dicts()))
        get = self._whole.get
        own = get(plan.anchor_codes)
        found = [get(key) for key in plan.member_keys]
        if own is None or None in found:
            own, whole = self._from_groups(plan, own, found)
        else:
            whole = [names for names in found if names is not None]
        return self._answers(plan, own, whole)

    def _from_groups(self, plan: _Plan, own: tuple[str, ...] | None, found: list[tuple[str, ...] | None]
                     ) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        """The facts not remembered whole, answered from their groups (the engine is asked about the
        groups not seen); each then remembered whole."""
        split, memo = plan.split, self._memo
        todo = [i for i, names in enumerate(found) if names is None]
        anchor_keys, keys = self._group_keys(plan, todo)
        anchor_answers: Sequence[tuple[str, ...] | None] = memo.get_all(anchor_keys) if own is None else []
        everyone = memo.get_all(list(chain.from_iterable(keys.values())))  # one look-up for all the parties
        answers: dict[int, Sequence[tuple[str, ...] | None]] = {}
        at = 0
        for i, mine in keys.items():
            answers[i] = everyone[at:at + len(mine)]
            at += len(mine)
        unseen = [i for i in todo if None in answers[i]]
        if unseen or None in anchor_answers:
            dicts = plan.rows.dicts()
            learned = self._learn([dicts[0], *(dicts[1 + i] for i in unseen)], split.anchor)
            if own is None:
                anchor_answers = self._remember(split, split.alone, anchor_keys, learned.get(plan.anchor[1], ()))
            for i in unseen:
                kind, member_id, _ = plan.members[i]
                answers[i] = self._remember(split, split.members[kind], keys[i], learned.get(member_id, ()))
        if own is None:
            own = _joined(anchor_answers)
            self._whole.put(plan.anchor_codes, own)
        whole = []
        for i, names in enumerate(found):
            if names is None:
                names = _joined(answers[i])
                self._whole.put(plan.member_keys[i], names)
            whole.append(names)
        return own, whole

    def run_many(self, checks: Sequence[Rows | Sequence[dict[str, Any]]]) -> list[Answers]:
        """`run` for many checks: the engine is asked only about the applications and parties with a
        group of rules not seen before, each once, in a few sessions — the applications together (no
        rule matches two of them), and the unseen parties together with one application that their
        rules see alike — instead of a session per check."""
        if self._handle is None:
            raise EngineError([Diagnostic(code="DR308", message="this pack was closed")])
        if self._shape is None or "id" in self._shape.tests:  # ids are renamed in shared sessions
            return [self.run(facts) for facts in checks]
        self.checks += len(checks)
        many = [facts if isinstance(facts, Rows) else Rows.of(facts) for facts in checks]
        plans = [self._plan(rows) for rows in many]
        groups = [None if plan is None else self._group_keys(plan, range(len(plan.members))) for plan in plans]
        known: dict[Hashable, tuple[str, ...]] = {}  # what this call needs, safe from the bound's evictions
        anchors: dict[tuple[Hashable, ...], tuple[_Plan, list[Hashable]]] = {}  # unseen applications
        parties: dict[Hashable, tuple[_Plan, dict[tuple[Hashable, ...], tuple[str, dict[str, Any]]]]] = {}
        for plan, keys in zip(plans, groups, strict=True):
            if plan is None or keys is None:
                continue
            anchor_keys, member_keys = keys
            if not self._known(anchor_keys, known):
                anchors.setdefault(tuple(anchor_keys), (plan, anchor_keys))
            for n, mine in member_keys.items():
                if not self._known(mine, known):
                    parties.setdefault(plan.context, (plan, {}))[1].setdefault(
                        tuple(mine), (plan.members[n][0], plan.rows.dicts()[1 + n]))
        for chunk in _chunks(list(anchors.values())):
            learned = self._learn([{**plan.rows.dicts()[0], "id": f"a{n}"} for n, (plan, _) in enumerate(chunk)],
                                  None)
            for n, (plan, anchor_keys) in enumerate(chunk):
                known.update(zip(anchor_keys, self._remember(plan.split, plan.split.alone, anchor_keys,
                                                             learned.get(f"a{n}", ())), strict=True))
        for plan, unseen in parties.values():  # the plan of one check of the context: its application will do
            for members in _chunks(list(unseen.items())):
                renamed = [{**member, "id": f"m{n}"} for n, (_, (_, member)) in enumerate(members)]
                learned = self._learn([{**plan.rows.dicts()[0], "id": "a"}, *renamed], plan.split.anchor)
                for n, (keys, (kind, _)) in enumerate(members):
                    known.update(zip(keys, self._remember(plan.split, plan.split.members[kind], keys,
                                                          learned.get(f"m{n}", ())), strict=True))
        return [_single(self.match(rows.dicts())) if plan is None or keys is None
                else self._answers(plan, _joined([known[k] for k in keys[0]]),
                                   [_joined([known[k] for k in mine]) for mine in keys[1].values()])
                for rows, plan, keys in zip(many, plans, groups, strict=True)]

    def _known(self, keys: list[Hashable], known: dict[Hashable, tuple[str, ...]]) -> bool:
        """Whether every key's answer is known (copied into `known` as found)."""
        unseen = [key for key in keys if key not in known]
        for key, answer in zip(unseen, self._memo.get_all(unseen), strict=True):
            if answer is not None:
                known[key] = answer
        return all(key in known for key in keys)

    def _learn(self, facts: list[dict[str, Any]], anchor: str | None) -> dict[str, list[str]]:
        """One session: the engine rules that matched each fact — a party's are those that matched it
        with the application (`anchor`: the application's kind); an application's, those that matched
        it alone (with no `anchor`, every fact is an application of its own)."""
        learned: dict[str, list[str]] = {}
        for name, frame in self.match(facts):
            aliases = self._aliases(name)
            other = [alias for kind, alias in aliases.items() if kind != anchor]
            owner = frame[other[0]] if other and anchor is not None else frame[next(iter(aliases.values()))]
            learned.setdefault(owner, []).append(name)
        return learned

    def _remember(self, split: Split, groups: Sequence[int], keys: Sequence[Hashable],
                  names: Sequence[str]) -> list[tuple[str, ...]]:
        """Store what the engine matched for one fact under each of its groups' keys; the answers, in
        the order of the keys."""
        by_group: dict[int, list[str]] = {n: [] for n in groups}
        for name in names:
            by_group[split.group_of[name]].append(name)
        answers = [tuple(by_group[n]) for n in groups]
        for key, answer in zip(keys, answers, strict=True):
            self._memo.put(key, answer)
        return answers

    def _aliases(self, name: str) -> dict[str, str]:
        assert self._shape is not None
        return self._shape.aliases[name]

    def _plan(self, rows: Rows) -> _Plan | None:
        """How a check splits; None when it does not (no cache, a program or facts the split cannot
        stand for)."""
        shape, facts = self._shape, rows.facts
        if shape is None or not facts:
            return None
        anchor, members = facts[0], facts[1:]
        split = shape.split(anchor[0])
        if (split is None or any(m[0] not in split.members for m in members)
                or len({f[1] for f in facts}) < len(facts)):  # the engine refuses shared ids: let it
            return None
        coders = {kind: self._coder(kind, keys, split) for kind, keys in rows.keys.items()}
        own = coders[anchor[0]].codes(anchor[2])
        context = split.pick_shared(own)
        found = [coders[kind].codes(values) for kind, _, values in members]
        return _Plan(split, rows, anchor, members,
                     [(context, m[0], c) for m, c in zip(members, found, strict=True)], context, own, found)

    def _coder(self, kind: str, keys: tuple[str, ...], split: Split) -> Coder:
        coder = self._coders.get((kind, keys))
        if coder is None:
            if len(self._coders) >= _FRAMES_LIMIT:  # kinds are few, and so are the orders of their rows
                self._coders.clear()
            coder = self._coders[(kind, keys)] = Coder(self._signer, keys, split.index.get(kind, {}))
        return coder

    def _group_keys(self, plan: _Plan, members: Iterable[int]) -> tuple[list[Hashable], dict[int, list[Hashable]]]:
        """The keys of the anchor's groups, and of the groups of each member at a position in `members`."""
        split, codes = plan.split, plan.anchor_codes
        shared = [g.pick_anchor(codes) for g in split.groups]
        of_kind: dict[str, list[tuple[int, Hashable, Callable[[Sequence[Any]], tuple[Any, ...]]]]] = {}
        keys: dict[int, list[Hashable]] = {}
        for i in members:
            kind = plan.members[i][0]
            mine = of_kind.get(kind)
            if mine is None:
                mine = of_kind[kind] = [(n, shared[n], split.groups[n].pick_member) for n in split.members[kind]]
            member_codes = plan.member_codes[i]
            keys[i] = [(n, seen, pick(member_codes)) for n, seen, pick in mine]
        return [(n, shared[n]) for n in split.alone], keys

    def _answers(self, plan: _Plan, own: tuple[str, ...], found: Sequence[tuple[str, ...]]) -> Answers:
        """Each fact's engine rules with one frame binding every alias they use to this check's ids."""
        anchor, anchor_id = plan.split.anchor, plan.anchor[1]
        out: Answers = [(self._frame(anchor, anchor_id, None, None), own)]
        for (kind, member_id, _), names in zip(plan.members, found, strict=True):
            out.append((self._frame(anchor, anchor_id, kind, member_id), names))
        return out

    def _frame(self, anchor: str, anchor_id: str, kind: str | None, member_id: str | None) -> dict[str, str]:
        """Every alias of the anchor's kind bound to the anchor, and of the member's kind to the member:
        in a chunk of one fact's answers no alias can mean any other fact."""
        key = (anchor_id, kind, member_id)
        frame = self._frames.get(key)
        if frame is None:
            assert self._shape is not None
            frame = dict.fromkeys(self._shape.kind_aliases.get(anchor, ()), anchor_id)
            if kind is not None and member_id is not None:
                frame.update(dict.fromkeys(self._shape.kind_aliases.get(kind, ()), member_id))
            if len(self._frames) < _FRAMES_LIMIT:
                self._frames[key] = frame
        return frame

    def cache_stats(self) -> Stats:
        """Both memos together: answers of whole facts and of groups, their bound, and the look-ups."""
        whole, groups = self._whole.stats(), self._memo.stats()
        return Stats(whole.size + groups.size, whole.limit + groups.limit, whole.hits + groups.hits,
                     whole.misses + groups.misses)

    def match(self, facts: Sequence[dict[str, Any]]) -> Activations:
        """Assert `facts` in a fresh session, collect every activation, end the session."""
        sid = str(next(_SIDS))
        self.last_sid = sid
        self.sessions += 1
        # "id" first in every fact: activations echo each matched fact's JSON text as asserted, so the
        # ids are read from its start instead of decoding whole facts (most of the cost per activation)
        batch = json.dumps([{"id": f["id"], **f, "sid": sid} for f in facts], ensure_ascii=False)
        messages: list[str] = []
        with _LOCK:
            handle = self._handle
            if handle is None:
                raise EngineError([Diagnostic(code="DR308", message="this pack was closed")])
            self.live_sessions += 1
            clean = False
            try:
                code, state = _dre.assert_facts(handle, batch)
                if code == _OBSERVED:
                    raise EngineError([Diagnostic(code="DR309", message="two facts of one check share an id")])
                started = _dre.start_action_for_state(handle, state)
                message = started[1] if started else None
                while message:
                    messages.append(message)
                    message = _dre.complete_and_start_action(handle, state)
                clean = started is not None
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError([Diagnostic(code="DR307", message=f"durable-rules failed this check: {exc}",
                                              hint="the pack is too large for the engine on these facts")]) from None
            finally:
                if clean:
                    _dre.delete_state(handle, sid)
                    self.live_sessions -= 1
                else:
                    # A state whose actions did not all run may hold an uninitialised context that
                    # delete_state would free (a crash in the C core): give up this ruleset (freeing it does not walk
                    # its states) and let the owner register a fresh one.
                    self._free()
                    self._handle = None
                    self.broken = True
                    self.live_sessions = 0
        return [_activation(m) for m in messages]

    @property
    def closed(self) -> bool:
        return self._handle is None

    def session_exists(self, sid: str) -> bool:
        """For tests: whether the engine still holds a session."""
        with _LOCK:
            if self._handle is None:
                return False
            try:
                _dre.get_state(self._handle, sid)
            except Exception:
                return False
            return True

    def close(self) -> None:
        """Free the engine's memory for this ruleset; only once no check can use it any more."""
        with _LOCK:
            self._free()
            self._handle = None


# An activation: {"<rule>":{"<alias>":{"id": "<id>", ...},...}}. Inside a JSON string every quote is
# escaped, so this only occurs where a matched fact starts; str.find is the cheapest scan of the text.
_FACT_START = '":{"id": "'


def _activation(message: str) -> tuple[str, dict[str, str]]:
    name_end = message.index('":')
    bound: dict[str, str] = {}
    at = message.find(_FACT_START, name_end + 2)
    while at >= 0:
        alias = message[message.rindex('"', 0, at) + 1:at]
        id_start = at + len(_FACT_START)
        id_end = message.index('"', id_start)
        bound[alias] = message[id_start:id_end]
        at = message.find(_FACT_START, id_end)
    return message[2:name_end], bound


def _chunks(items: list[Any], size: int = 32) -> list[list[Any]]:
    """A shared session holds at most `size` checks' facts (the engine's ids are 32-bit hashes)."""
    return [items[n:n + size] for n in range(0, len(items), size)]


def _delete_ruleset(handle: int) -> None:
    with _LOCK:
        _dre.delete_ruleset(handle)


def _single(activations: Activations) -> Answers:
    """The engine's own report as answers: a chunk per activation."""
    return [(frame, (name,)) for name, frame in activations]


def _joined(answers: Sequence[tuple[str, ...] | None]) -> tuple[str, ...]:
    """One fact's engine rules, from the answers of its groups (every one known by now)."""
    return tuple(chain.from_iterable(answers))  # type: ignore[arg-type]  # none is None by now
