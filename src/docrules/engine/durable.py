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
from collections.abc import Hashable, Sequence
from typing import Any

import durable_rules_engine as _dre

from ..diagnostics import Diagnostic, EngineError
from .cache import Memo, Shape, Signer, Stats, Uncacheable, program_shape

# Re-entrant: a dropped ruleset is freed by its finalizer, which may run (garbage collection) in a
# thread that already holds the lock between two engine calls.
_LOCK = threading.RLock()
_NAMES = itertools.count()
_SIDS = itertools.count()
_NO_MATCH, _OBSERVED = 1, 2  # assert_facts codes: some fact matched no rule (fine); a duplicate id
# Signatures remembered per ruleset: an entry (a signature and the engine rule names it fired) is about
# half a KiB, so the default bound holds a few MiB at most (bench/memory.py).
CACHE_SIZE = 4096
# Signatures cost time on every check and pay only when they repeat. Every WINDOW checks the hit rate of
# the window is looked at; below PAYS with the cache full (a cold cache always misses), checks go
# straight to the engine for the next REST checks (the cache keeps what it has), then the cache is tried
# again. Answers are the engine's either way.
WINDOW, PAYS, REST = 1024, 0.3, 8192

Activations = list[tuple[str, dict[str, str]]]



# durable-rules' JSON reader refuses a number with an exponent but no decimal point (error 204), which
# is how Python writes 0.00001 (1e-05) and 1e20 (1e+20); with the point (1.0e-05) it reads the same value.
_JSON_STRING_OR_EXPONENT = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.])(-?[0-9]+)([eE][+-]?[0-9]+)')


def engine_json(data: Any) -> str:
    """`data` as JSON text that durable-rules reads (numbers in exponent form get a decimal point)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return _JSON_STRING_OR_EXPONENT.sub(lambda m: m.group() if m.group(1) is None else f"{m[1]}.0{m[2]}", text)


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
        self._memo: Memo[Hashable, tuple[str, ...]] = Memo(max(cache_size, 0))
        self._window = (0, 0, 0)  # checks, hits and misses when the window started
        self._checks = 0
        self._resting = 0
        self.bypassed = 0  # checks that went straight to the engine because the cache did not pay
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

    def run(self, facts: Sequence[dict[str, Any]]) -> Activations:
        """Every activation of `facts` (engine rule name and the ids of the facts it matched, by alias):
        remembered for facts of the same signature, else from a session of the engine. The frames are
        shared between checks: read them, never change them. Facts need unique `id`s."""
        if self._handle is None:
            raise EngineError([Diagnostic(code="DR308", message="this pack was closed")])
        if self._resting > 0:
            self._resting -= 1
            self.bypassed += 1
            return self.match(facts)
        plan = self._plan(facts)
        if plan is None:
            return self.match(facts)
        self._pays()
        kind, anchor, own_key, _, members, keys = plan
        own = self._memo.get(own_key)
        found = [self._memo.get(key) for key in keys]
        unseen = [i for i, names in enumerate(found) if names is None]
        if own is None or unseen:
            # one session for the application and every party not seen before
            learned: dict[str, list[str]] = {members[i]["id"]: [] for i in unseen}
            alone: list[str] = []
            for name, frame in self.match([anchor, *(members[i] for i in unseen)]):
                other = [alias for k, alias in self._aliases(name).items() if k != kind]
                (learned[frame[other[0]]] if other else alone).append(name)
            own = tuple(alone)
            self._memo.put(own_key, own)
            for i in unseen:
                names = found[i] = tuple(learned[members[i]["id"]])
                self._memo.put(keys[i], names)
        return self._frames(kind, anchor, own, members, found)

    def run_many(self, checks: Sequence[Sequence[dict[str, Any]]]) -> list[Activations]:
        """`run` for many checks: the engine is asked only about the applications and parties whose
        signatures it has not seen, each once, in a few sessions — the applications together (no rule
        matches two of them), and the unseen parties together with one application that rules about
        both see alike — instead of a session per check."""
        if self._handle is None:
            raise EngineError([Diagnostic(code="DR308", message="this pack was closed")])
        plans = [self._plan(facts) for facts in checks]
        if self._shape is None or "id" in self._shape.tests:  # ids are renamed in shared sessions
            return [self.run(facts) for facts in checks]
        known: dict[Hashable, tuple[str, ...]] = {}
        anchors: dict[Hashable, dict[str, Any]] = {}  # unseen application signature → one such fact
        parties: dict[tuple[str, Hashable], tuple[dict[str, Any], dict[Hashable, dict[str, Any]]]] = {}
        for plan in plans:
            if plan is None:
                continue
            kind, anchor, own_key, shared, members, keys = plan
            for key, fact, group in [(own_key, anchor, None), *((k, m, (kind, shared)) for k, m in zip(keys, members,
                                                                                                       strict=True))]:
                if key in known or key in anchors or (group in parties and key in parties[group][1]):
                    continue
                got = self._memo.get(key)
                if got is not None:
                    known[key] = got
                elif group is None:
                    anchors[key] = fact
                else:
                    parties.setdefault(group, (anchor, {}))[1][key] = fact
        for chunk in _chunks(list(anchors.items())):
            learned = self._learn([{**fact, "id": f"a{n}"} for n, (_, fact) in enumerate(chunk)], None)
            for n, (key, _) in enumerate(chunk):
                known[key] = tuple(learned.get(f"a{n}", ()))
                self._memo.put(key, known[key])
        for (kind, _), (anchor, unseen) in parties.items():
            for chunk in _chunks(list(unseen.items())):
                renamed = [{**fact, "id": f"m{n}"} for n, (_, fact) in enumerate(chunk)]
                learned = self._learn([{**anchor, "id": "a"}, *renamed], kind)
                for n, (key, _) in enumerate(chunk):
                    known[key] = tuple(learned.get(f"m{n}", ()))
                    self._memo.put(key, known[key])
        out: list[Activations] = []
        for facts, plan in zip(checks, plans, strict=True):
            if plan is None:
                out.append(self.match(facts))
            else:
                kind, anchor, own_key, _, members, keys = plan
                out.append(self._frames(kind, anchor, known[own_key], members, [known[k] for k in keys]))
        return out

    def _learn(self, facts: list[dict[str, Any]], anchor_kind: str | None) -> dict[str, list[str]]:
        """One session: the rules each fact was matched by — each application's own (no anchor kind), or
        each party's with the one application (`anchor_kind`: the application's kind)."""
        learned: dict[str, list[str]] = {}
        for name, frame in self.match(facts):
            aliases = self._aliases(name)
            if anchor_kind is None:
                if len(aliases) == 1:
                    learned.setdefault(frame[next(iter(aliases.values()))], []).append(name)
            else:
                other = [alias for k, alias in aliases.items() if k != anchor_kind]
                if other:
                    learned.setdefault(frame[other[0]], []).append(name)
        return learned

    def _pays(self) -> None:
        """Count a cached check; at the end of a window, rest the cache if it did not pay. Unlocked:
        a lost count between threads only moves a window's end."""
        self._checks += 1
        checks, hits, misses = self._window
        if self._checks - checks >= WINDOW:
            stats = self._memo.stats()
            looked = stats.hits + stats.misses - hits - misses
            if looked and stats.size >= stats.limit and (stats.hits - hits) / looked < PAYS:
                self._resting = REST
            self._window = (self._checks, stats.hits, stats.misses)

    def _aliases(self, name: str) -> dict[str, str]:
        assert self._shape is not None
        return self._shape.aliases[name]

    def _plan(self, facts: Sequence[dict[str, Any]]) -> tuple[str, dict[str, Any], Hashable, Hashable,
                                                              Sequence[dict[str, Any]], list[Hashable]] | None:
        """How a check splits: the application (anchor), its keys, its parties and theirs; None when it
        does not (no cache, a program or facts the split cannot stand for)."""
        shape = self._shape
        if shape is None or not facts:
            return None
        anchor, members = facts[0], facts[1:]
        kind = anchor.get("t")
        if (not isinstance(kind, str) or not shape.anchors(kind) or any(m.get("t") == kind for m in members)
                or len({f.get("id") for f in facts}) < len(facts)):  # the engine refuses shared ids: let it
            return None
        signer = self._signer
        shared = signer.fact(anchor, shape.shared[kind])
        keys: list[Hashable] = [("member", shared, signer.fact(m)) for m in members]
        return kind, anchor, ("anchor", signer.fact(anchor)), shared, members, keys

    def _frames(self, kind: str, anchor: dict[str, Any], own: tuple[str, ...],
                members: Sequence[dict[str, Any]], found: Sequence[tuple[str, ...] | None]) -> Activations:
        """Activations as the engine reports them: each rule with the id of each fact it matched, by alias."""
        out: Activations = [(name, {alias: anchor["id"] for alias in self._aliases(name).values()}) for name in own]
        for member, names in zip(members, found, strict=True):
            for name in names or ():
                out.append((name, {alias: anchor["id"] if k == kind else member["id"]
                                   for k, alias in self._aliases(name).items()}))
        return out

    def cache_stats(self) -> Stats:
        return self._memo.stats()

    def match(self, facts: Sequence[dict[str, Any]]) -> Activations:
        """Assert `facts` in a fresh session, collect every activation, end the session."""
        sid = str(next(_SIDS))
        self.last_sid = sid
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

