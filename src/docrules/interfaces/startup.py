"""Starting `docrules serve`: one process, or `workers` processes behind one socket (uvicorn's
supervisor), each with its own pack and engine (the engine lock serialises a process's checks, so
processes are how the service uses more cores).

A pack archive is extracted once, by the supervisor, into a temporary folder every worker reads. The
pack is loaded, its digest compared and its cases run once before any worker starts, so a wrong pack
is one located error and exit 2, not N workers failing; each worker then loads it again and checks
the same digest. Workers get their settings through one environment variable (uvicorn starts them
by import string).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from ..pack.archive import resolve
from .decisions import LOGGER
from .server import PackHolder, _NoQuery, create_app

ENV = "DOCRULES_SERVE_SETTINGS"


def configure_logging() -> None:
    """Text logs for the service, JSON lines for decisions (both on standard error), no query strings
    in the access log. Called in every worker process."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoQuery) for f in access.filters):
        access.addFilter(_NoQuery())
    decisions = logging.getLogger(LOGGER)
    if not decisions.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        decisions.addHandler(handler)
        decisions.setLevel(logging.INFO)
        decisions.propagate = False


def app_from_environment() -> FastAPI:
    """The app of one worker process (uvicorn's factory), from the settings the supervisor left."""
    settings: dict[str, Any] = json.loads(os.environ[ENV])
    configure_logging()
    return create_app(settings["pack"], expect_digest=settings["expect"], workers=settings["workers"])


def serve(pack: str | None, host: str, port: int, *, workers: int = 1, expect_digest: str | None = None) -> None:
    """Run the service until interrupted. Raises `ReloadRefused` (a `DocrulesError`) before listening
    when the pack does not load, fails its cases, or has a digest other than `expect_digest`."""
    import uvicorn

    folder, extracted = (None, None) if pack is None else resolve(pack)
    try:
        PackHolder(folder, expect_digest).current.close()  # the whole start-up check, once
        configure_logging()
        if workers == 1:
            app = create_app(folder, expect_digest=expect_digest)
            uvicorn.run(app, host=host, port=port, log_level="info")
            return
        os.environ[ENV] = json.dumps({"pack": None if folder is None else str(Path(folder)),
                                      "expect": expect_digest, "workers": workers})
        uvicorn.run("docrules.interfaces.startup:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, log_level="info")
    finally:
        if extracted is not None:
            extracted.cleanup()
