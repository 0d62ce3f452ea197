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
"""

from __future__ import annotations

import itertools
import json
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import durable_rules_engine as _dre

from ..diagnostics import Diagnostic, EngineError

# Re-entrant: a dropped ruleset is freed by its finalizer, which may run (garbage collection) in a
# thread that already holds the lock between two engine calls.
_LOCK = threading.RLock()
_NAMES = itertools.count()
_SIDS = itertools.count()
_NO_MATCH, _OBSERVED = 1, 2  # assert_facts codes: some fact matched no rule (fine); a duplicate id


class Ruleset:
    """One registered ruleset. Its name is unique in the process (names are global to the C core),
    so a reloaded pack or a second pack lives beside the first."""

    def __init__(self, definition: dict[str, Any]) -> None:
        # dumps copies: durable mutates definitions it is given, and ours stays the caller's
        text = json.dumps(definition, ensure_ascii=False, sort_keys=True)
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

    def run(self, facts: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
        """Assert `facts` in a fresh session, collect every activation (engine rule name and the ids of
        the facts it matched, by alias), end the session. Facts need unique `id`s."""
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


def _delete_ruleset(handle: int) -> None:
    with _LOCK:
        _dre.delete_ruleset(handle)

