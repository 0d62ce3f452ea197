"""`docrules check` imports only what checking needs: never the service's web framework, the batch or Dask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "local-couple-mortgage.toml"
# top-level packages and docrules modules only other commands need
NOT_FOR_CHECK = {"fastapi", "uvicorn", "starlette", "dask", "distributed", "docrules.interfaces.server",
                 "docrules.interfaces.startup", "docrules.interfaces.batch", "docrules.interfaces.pool",
                 "docrules.dask", "docrules.tools.diff", "docrules.tools.cases", "docrules.tools.coverage",
                 "docrules.tools.explain", "docrules.tools.lint"}


def _imported(*argv: str) -> set[str]:
    """Every module a fresh `python -m docrules ARGV` process imports, from `-X importtime`."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "docrules", *argv],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode in (0, 1, 3), run.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}


def test_check_imports_none_of_the_other_commands_modules() -> None:
    modules = _imported("check", str(FIXTURE), "--format", "json")
    assert "docrules.api" in modules  # the listing is real: it names what check does import
    assert not {m for m in modules if m in NOT_FOR_CHECK or m.split(".")[0] in NOT_FOR_CHECK}


def test_the_listing_sees_a_command_that_needs_the_tools() -> None:
    # the same listing for `schema case` names the tool it needs: the check above could fail
    assert "docrules.tools.cases" in _imported("schema", "case")
