"""The only module that knows durable-rules. It drives the engine's C binding directly.

Why not `durable.engine.Host` (research note shared/research/durable-rules.md):
- its timer threads run actions on another thread and inject events into live sessions (§2, §7);
- it raises before running any action when one asserted fact matches no rule (§4, batch trap);
- it swallows exceptions raised in actions into the session state (§5);
- it re-posts the whole session state as JSON after every action (~20 µs each, §9).
Here an "action" is only a record of which engine rule matched which facts: nothing of ours runs inside
the engine, so nothing can be swallowed, and results are built afterwards by the caller.

The C core has no locks and a global handle table, so every engine call of the process runs under one
lock, and every check ends its session (at most 1,024 live sessions per ruleset, §6) — also on error.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from typing import Any

import durable_rules_engine as _dre

from .diagnostics import Diagnostic, EngineError

_LOCK = threading.Lock()
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

    def run(self, facts: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        """Assert `facts` in a fresh session, collect every activation (engine rule name and the
        facts it matched, by alias), end the session. Facts need unique `id`s."""
        sid = str(next(_SIDS))
        self.last_sid = sid
        batch = json.dumps([{**f, "sid": sid} for f in facts], ensure_ascii=False)
        fired: list[tuple[str, dict[str, Any]]] = []
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
                    ((name, frame),) = json.loads(message).items()
                    fired.append((name, frame))
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
                    # delete_state would free (§7): give up this ruleset (freeing it does not walk
                    # its states) and let the owner register a fresh one.
                    _dre.delete_ruleset(handle)
                    self._handle = None
                    self.broken = True
                    self.live_sessions = 0
        return fired

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
            if self._handle is not None:
                _dre.delete_ruleset(self._handle)
                self._handle = None

