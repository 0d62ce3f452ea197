"""Compiled programs, remembered by what they are a function of: the pack's meaning (its digest), the
policy period and whether it is traced. Loading a pack compiles each period to validate it, and the
loaded pack then compiles the same periods to check: the second is the first."""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from datetime import date

from ..facts.vocabulary import Vocabulary
from ..pack.model import RulePack
from .compile import Program, compile_pack, policy_boundaries

_LIMIT = 8  # a process serves a few packs, each with a few periods; a program holds its memos of results
_PROGRAMS: OrderedDict[tuple[str, int, bool], Program] = OrderedDict()
_LOCK = threading.Lock()


def program_for(pack: RulePack, day: date, *, trace: bool = False, vocabulary: Vocabulary | None = None) -> Program:
    """`compile_pack`, once per pack meaning, policy period and tracing (a refusal is never remembered;
    a pack without a digest is compiled every time)."""
    if not pack.digest:
        return compile_pack(pack, day, trace=trace, vocabulary=vocabulary)
    key = (pack.digest, bisect_right(policy_boundaries(pack), day), trace)
    with _LOCK:
        found = _PROGRAMS.get(key)
        if found is not None:
            _PROGRAMS.move_to_end(key)
            return found
    program = compile_pack(pack, day, trace=trace, vocabulary=vocabulary)
    with _LOCK:
        _PROGRAMS[key] = program
        while len(_PROGRAMS) > _LIMIT:
            _PROGRAMS.popitem(last=False)
    return program
