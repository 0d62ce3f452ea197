"""`docrules serve`: the HTTP JSON API and the clerk's page, a thin layer over the public API.

Needs the `serve` extra (FastAPI + uvicorn). One `PackHolder` owns the pack in use: a reload loads the
pack again, runs its test cases, and swaps it in with one reference assignment only when both pass.
A request holds the pack it started with until it ends; a replaced pack is closed when its last
request is done. Request bodies are never logged (they hold names, ids and phone numbers); each check
writes one decision record (see `decisions`) with codes and durations only.

Every answer names the pack in `X-Docrules-Pack-Digest`; a request that sends that header pins the
pack and gets 409 from a server holding another. Given an expected digest, the service refuses to
start or reload with any other pack, and /healthz is ready only while it holds that one. With
several worker processes (`workers > 1`) `POST /v1/reload` is refused: a request reaches one worker,
so it would leave the others on the old pack (see `workers`).

request is done. Request bodies are never logged (they hold names, ids and phone numbers).

Every answer that is not a result is `{"errors": [{code, path, message, hint}]}`, whatever went wrong
(bad facts, an unknown route, a wrong method, a bug): never an HTML page or a traceback. `POST /v1/reload`
costs a pack load, so it is off unless a token is configured, and then needs the token, a JSON content
type (which a cross-origin page cannot send without a preflight this server never grants) and a Host
and Origin of this server's own.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import docrules

from ..diagnostics import did_you_mean
from ..facts.boundary import LIMITS, parse_bytes, quote, too_large
from ..pack.archive import mismatch
from ..tools.cases import run_cases
from .decisions import Decision, decision_log

MAX_BODY = LIMITS.max_bytes
BODY_SECONDS = 10.0  # a body that has not arrived by then is a stalled client, not a slow network
# what each boundary code answers: the body could not be read as JSON (400), was too large (413), or
# held values out of range (422, like every other bad fact)
_STATUS = {"DR520": 413, "DR502": 400, "DR522": 400, "DR526": 400}
DIGEST_HEADER = "X-Docrules-Pack-Digest"
WEB = Path(__file__).parent / "web"
log = logging.getLogger("docrules.server")


class ReloadRefused(docrules.DocrulesError):
    """The pack did not load or its test cases failed; the pack in use (if any) stays."""


def _located(diagnostic: docrules.Diagnostic) -> dict[str, Any]:
    out = diagnostic.model_dump(mode="json", exclude={"severity", "zh"})
    out["text"] = {"zh": diagnostic.zh or diagnostic.message, "en": diagnostic.message}
    return out


class PackHolder:
    """The pack in use and how many requests hold each pack, so a replaced one is closed only when
    nothing uses it any more (closing frees its engine memory; a running check would fail)."""

    def __init__(self, path: Path | None, expect: str | None = None) -> None:
        self.path = path
        self.expect = expect  # the only digest this holder accepts, when given
        self._lock = threading.Lock()
        self._users: dict[int, int] = {}
        self._retired: dict[int, docrules.Pack] = {}
        self.current = self._load()

    def _load(self) -> docrules.Pack:
        try:
            pack = docrules.load_pack(self.path)
        except docrules.PackError as exc:
            raise ReloadRefused(exc.diagnostics) from None
        if self.expect is not None and pack.digest != self.expect:
            found = pack.digest
            pack.close()
            raise ReloadRefused(mismatch(str(self.path or docrules.default_pack_path()), found,
                                         self.expect).diagnostics)
        tests = (self.path or docrules.default_pack_path()) / "tests"
        try:
            failed = [o for o in run_cases(pack, [tests]) if not o.passed] if tests.is_dir() else []
        except docrules.DocrulesError as exc:
            pack.close()
            raise ReloadRefused(exc.diagnostics) from None
        if failed:
            pack.close()
            raise ReloadRefused([docrules.Diagnostic(code="DR600", file=str(o.case.path),
                                                     message=f"test case fails: {'; '.join(o.problems)}")
                                 for o in failed])
        return pack

    def reload(self) -> tuple[docrules.Pack, docrules.Pack]:
        """Load, test and swap in the pack; (old, new). Raises `ReloadRefused` and keeps the old."""
        new = self._load()
        with self._lock:
            old, self.current = self.current, new
            if old is not new:
                self._retire(old)
        return old, new

    def _retire(self, pack: docrules.Pack) -> None:
        if self._users.get(id(pack), 0):
            self._retired[id(pack)] = pack
        else:
            pack.close()

    @contextmanager
    def use(self) -> Iterator[docrules.Pack]:
        with self._lock:
            pack = self.current
            self._users[id(pack)] = self._users.get(id(pack), 0) + 1
        try:
            yield pack
        finally:
            with self._lock:
                left = self._users[id(pack)] - 1
                if left:
                    self._users[id(pack)] = left
                else:
                    del self._users[id(pack)]
                    retired = self._retired.pop(id(pack), None)
                    if retired is not None:
                        retired.close()


def _info(pack: docrules.Pack) -> dict[str, str]:
    return {"name": pack.name, "version": pack.version, "digest": pack.digest}


def _json(data: Any, status: int = 200) -> Response:
    # compact and in insertion order, like the result's own JSON: the same answer is the same bytes
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    media_type="application/json")


def _error(status: int, code: str, message: str, path: str | None = None) -> Response:
    return _json({"errors": [{"code": code, "path": path, "message": message, "hint": None}]}, status)


def _errors(diagnostics: list[docrules.Diagnostic], status: int) -> Response:
    """Diagnostics as `{"errors": [...]}`; a position inside the body rides along when there is one."""
    out = []
    for d in diagnostics:
        item: dict[str, Any] = {"code": d.code, "path": d.path, "message": d.message, "hint": d.hint}
        if d.line is not None:
            item |= {"line": d.line, "column": d.column}
        out.append(item)
    return _json({"errors": out}, status)


async def _body(request: Request) -> Any:
    """The JSON body through the input boundary, refusing more than MAX_BODY bytes before reading it
    all (413) and a body that stalls (408)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        return _errors(too_large().diagnostics, 413)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    return _errors(too_large().diagnostics, 413)
                chunks.append(chunk)
    except TimeoutError:
        return _error(408, "DR528", f"the body did not arrive within {BODY_SECONDS:.0f} seconds")
    try:
        return parse_bytes(b"".join(chunks) or b"null")
    except docrules.FactsError as exc:
        return _errors(exc.diagnostics, max(_STATUS.get(d.code, 422) for d in exc.diagnostics))


def _as_of(request: Request) -> date | Response | None:
    text = request.query_params.get("as_of")
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _error(422, "DR521", f"as_of: must be a date YYYY-MM-DD (got {quote(text)})", "as_of")


_FACTS_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Facts"}}}}
_ERRORS = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
# read by `_as_of` (one parser for every route); declared here so the schema tells of it
_AS_OF = Query(None, description="preview the policy (and ages) as if signed on this day, YYYY-MM-DD")
# every route may answer these (the catch-all handlers below)
_COMMON: dict[int | str, dict[str, Any]] = {
    400: {"description": "the body is not JSON, not UTF-8, or nested too deeply", **_ERRORS},
    404: {"description": "no such route", **_ERRORS},
    405: {"description": "the route does not take this method", **_ERRORS},
    500: {"description": "a fault of the service, never of the request", **_ERRORS}}
_FACTS_ANSWERS: dict[int | str, dict[str, Any]] = {
    **_COMMON, 408: {"description": "the body stalled", **_ERRORS},
    413: {"description": "the body is larger than the limit", **_ERRORS},
    422: {"description": "bad facts or query, each by path", **_ERRORS}}


class Errors(BaseModel):
    """What every refused request answers."""

    class Error(BaseModel):
        code: str
        path: str | None
        message: str
        hint: str | None
        line: int | None = None
        column: int | None = None

    errors: list[Error]


class _Faults:
    """Answers any exception a route lets through as a JSON 500, and logs its type and where it was
    raised, never its message or the request (either may quote the facts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            # file, line and function only: the source lines and the message may hold request values
            where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}"
                               for f in reversed(traceback.extract_tb(exc.__traceback__)))
            log.error("%s %s failed with %s at %s", scope.get("method"), scope.get("path"), type(exc).__name__, where)
            if started:  # a half-sent answer cannot be replaced; the client sees the connection end
                raise
            response = _error(500, "DR599", "the service failed on this request; it is logged by type only")
            await response(scope, receive, send)


def _reload_guard(request: Request, token: str | None, hosts: Collection[str] | None) -> Response | None:
    """Why this reload request is refused, or None: the token, then JSON content, then Host and Origin."""
    if token is None:
        return _error(403, "DR530", "reload over HTTP is off: start the service with --reload-token-file "
                                    "or DOCRULES_RELOAD_TOKEN (SIGHUP reloads too)")
    given = request.headers.get("authorization", "")
    scheme, _, secret = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(secret.strip().encode(), token.encode()):
        response = _error(401, "DR531", "reload needs Authorization: Bearer <token>")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "application/json":
        return _error(415, "DR532", "reload takes Content-Type: application/json")
    host = request.headers.get("host", "")
    if hosts is not None and host.lower() not in hosts:
        return _error(403, "DR533", f"Host {quote(host)} is not this service's")
    origin = request.headers.get("origin")
    if origin is not None and origin.partition("://")[2].lower() != host.lower():
        return _error(403, "DR533", f"cross-origin reload refused (Origin {quote(origin)})")
    return None


def create_app(pack_path: str | Path | None = None, *, expect_digest: str | None = None, workers: int = 1,
               decisions: logging.Logger | None = None, reload_token: str | None = None,
               hosts: Collection[str] | None = None) -> FastAPI:
    """The service for one pack folder (default: the Foshan pack). Raises `ReloadRefused` when the
    pack does not load, its cases fail or (given `expect_digest`) it has another digest, so such a pack
    is never served. `workers` is how many processes serve this app (reload is off above one).
    `POST /v1/reload` is off without `reload_token`; `hosts` (`name:port`, lower case) are the Host
    values a reload may name (None: any, for in-process use)."""
    holder = PackHolder(None if pack_path is None else Path(pack_path), expect_digest)
    log_decision = decision_log(decisions)
    allowed = None if hosts is None else {h.lower() for h in hosts}
    reloading = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        loop = asyncio.get_running_loop()
        # SIGHUP reloads, as for other daemons; loading runs off the event loop. Not possible off the
        # main thread (in-process tests) or on Windows.
        # With several workers the supervisor owns SIGHUP (it restarts the workers one by one).
        if workers == 1:
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, _logged_reload))
        yield

    def _logged_reload() -> None:
        try:
            old, new = holder.reload()
        except ReloadRefused as exc:
            log.error("reload refused, still serving %s:\n%s", holder.current.digest, exc)
        else:
            app.openapi_schema = None  # it lists the pack's documents
            log.info("reloaded pack %s -> %s", old.digest, new.digest)

    # No /docs: Swagger UI loads from a CDN, and the service must work offline. /openapi.json stays.
    app = FastAPI(title="docrules", version=_version(), docs_url=None, redoc_url=None,
                  lifespan=lifespan, responses=_COMMON)
    app.state.holder = holder

    @app.middleware("http")
    async def pack_digest(request: Request, call_next: Callable[[Request], Any]) -> Response:
        """A request id for the decision log, the pin check, and the digest on every answer."""
        request.state.request_id = uuid.uuid4().hex  # ours only: a client's id might be a name
        pinned = request.headers.get(DIGEST_HEADER)
        current = holder.current.digest
        response: Response
        if pinned is not None and pinned != current:
            response = _pin_refused(pinned, current)
        else:
            response = await call_next(request)
        response.headers.setdefault(DIGEST_HEADER, current)
        response.headers["X-Request-Id"] = request.state.request_id
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {404: "DR534", 405: "DR535"}.get(exc.status_code, "DR536")
        response = _error(exc.status_code, code, f"{request.method} {quote(request.url.path, 80)}: {exc.detail}")
        for name, value in (exc.headers or {}).items():  # Allow, on a 405
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_query(request: Request, exc: RequestValidationError) -> Response:
        return _json({"errors": [{"code": "DR521", "path": ".".join(map(str, e["loc"][1:])) or None, "hint": None,
                                  "message": f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg'].lower()}"}
                                 for e in exc.errors()]}, 422)

    app.add_middleware(_Faults)

    @app.post("/v1/check", openapi_extra={"requestBody": _FACTS_BODY},
              responses={200: {"model": docrules.Result}, **_FACTS_ANSWERS})
    async def check(request: Request, as_of: str | None = _AS_OF) -> Response:
        """Facts in, the result contract out (the pack digest in `pack`). `?as_of=YYYY-MM-DD` previews
        the policy of another day."""
        return await _on_facts(request, holder, lambda pack, facts, as_of: pack.check(facts, as_of=as_of),
                               log_decision)

    @app.post("/v1/explain", openapi_extra={"requestBody": _FACTS_BODY},
              responses={200: {"model": docrules.Explanation}, **_FACTS_ANSWERS})
    async def explain(request: Request, as_of: str | None = _AS_OF,
                      document: str | None = Query(None, min_length=1, max_length=64),
                      party: str | None = Query(None, min_length=1, max_length=LIMITS.max_string),
                      why_not: str | None = Query(None, min_length=1, max_length=64)) -> Response:
        """Why each item and issue is on the result (only `document` or `party`'s if given), and with
        `why_not` why a document is not: every rule that could ask for it, with its tests."""
        return await _on_facts(request, holder, lambda pack, facts, as_of: docrules.explain(
            facts, pack=pack, as_of=as_of, document=_document(pack, document, "document"), party=party,
            why_not=_document(pack, why_not, "why_not")), log_decision)

    @app.get("/v1/pack")
    def pack_info() -> Response:
        """The pack in use: name, version, digest, and the settings in force today."""
        with holder.use() as pack:
            today = pack.today()
            program, _ = pack.program(today)
            return _json({**_info(pack), "as_of": today.isoformat(), "settings": program.settings})

    @app.get("/v1/schema/facts")
    def facts_schema() -> Response:
        """The facts this pack takes (each pack declares its own)."""
        with holder.use() as pack:
            return _json(pack.facts_model.model_json_schema())

    @app.get("/v1/schema/result")
    def result_schema() -> Response:
        return _json(docrules.Result.model_json_schema())

    @app.get("/v1/facts")
    def facts_description() -> Response:
        """Each fact the pack takes: kind, allowed values, zh/en labels, question, help, how many rules
        it decides (`gates`); and the roles, groups and stages. For forms and question flows."""
        with holder.use() as pack:
            # the pack's [words] too: the page says outcomes and amounts the pack's way
            return _json({**pack.describe(), "words": {k: t.model_dump() for k, t in pack.rules.words.items()}})

    @app.get("/healthz", responses={503: {"description": "not ready: the pack held is not the expected one"}})
    def healthz() -> Response:
        """Ready (200) while the pack held is the expected one (any loaded pack when none is expected)."""
        current = holder.current
        if holder.expect is None:
            return _json({"status": "ok", "pack": _info(current)})
        ready = current.digest == holder.expect
        return _json({"status": "ok" if ready else "wrong_pack", "pack": _info(current),
                      "expected_digest": holder.expect}, 200 if ready else 503)

    @app.post("/v1/reload", responses={
        401: {"description": "no or a wrong bearer token", **_ERRORS},
        429: {"description": "a reload is already running", **_ERRORS},
        403: {"description": "reload is off (no token configured), or a Host or Origin not this service's",
              **_ERRORS},
        415: {"description": "not Content-Type: application/json", **_ERRORS},
        422: {"description": "the edited pack was refused; the old one stays"}})
    def reload(request: Request) -> Response:
        """Load the pack folder again; swap it in only if it loads and its test cases pass. Needs
        `Authorization: Bearer <token>` and `Content-Type: application/json`."""
        if workers > 1:  # off for a reason no token changes: say that first
            return _json({"reloaded": False, "pack": _info(holder.current), "errors": [{
                "code": "DR546", "path": None, "hint": "restart the service (or send SIGHUP to its supervisor)",
                "message": f"reload is off with {workers} worker processes: a request reaches one of them"}]}, 409)
        refused = _reload_guard(request, reload_token, allowed)
        if refused is not None:
            return refused
        # one reload at a time: each costs a pack load and its test cases, and a second one at the same
        # moment would load the same files again
        if not reloading.acquire(blocking=False):
            return _error(429, "DR537", "a reload is already running; try again when it ends")
        try:
            old, new = holder.reload()
        except ReloadRefused as exc:
            return _json({"reloaded": False, "pack": _info(holder.current),
                          "errors": [_located(d) for d in exc.diagnostics]}, 422)
        finally:
            reloading.release()
        app.openapi_schema = None  # it lists the pack's documents
        return _json({"reloaded": True, "pack": _info(new), "previous": _info(old)})

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB / "index.html")

    app.mount("/static", StaticFiles(directory=WEB), name="static")

    described: list[str] = []  # the digest the cached OpenAPI document describes

    def openapi() -> dict[str, Any]:
        current = holder.current
        if app.openapi_schema is None or described != [current.digest]:
            described[:] = [current.digest]
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            facts = current.facts_model.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(facts.pop("$defs", {}))
            # what the boundary and validation require, said in the schema so that clients (and a
            # schema-driven fuzzer) send what is accepted; relations between parties (unique ids, `of`
            # naming a party of the right role) are beyond JSON Schema and answered 422 by path
            facts["properties"]["parties"] |= {"minItems": 1, "maxItems": LIMITS.max_parties, "contains": {
                "type": "object", "properties": {"role": {"const": current.vocabulary.principal}},
                "required": ["role"]}}
            components["Facts"] = facts
            errors = Errors.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(errors.pop("$defs", {}))
            components["Errors"] = errors
            # a document the pack does not have is refused (422), so the schema lists the pack's own
            documents = sorted(current.rules.documents)
            for path in ("/v1/check", "/v1/explain"):
                for parameter in schema["paths"][path]["post"]["parameters"]:
                    if parameter["name"] in ("document", "why_not"):
                        parameter["schema"] = {"type": "string", "enum": documents}
                    elif parameter["name"] == "as_of":
                        parameter["schema"] = {"type": "string", "format": "date"}
            components["Received"]["properties"]["document"] = {"type": "string", "enum": documents}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


async def _on_facts(request: Request, holder: PackHolder,
                    work: Callable[[docrules.Pack, Any, date | None], BaseModel],
                    log_decision: Callable[[Decision], None]) -> Response:
    """Read the facts and `?as_of=`, then run `work` off the event loop (checks are CPU-bound)."""
    decision = Decision(request_id=request.state.request_id, route=request.url.path)
    data = await _body(request)
    if isinstance(data, Response):
        response = data
    else:
        as_of = _as_of(request)
        if isinstance(as_of, Response):
            response = as_of
        else:
            response = await asyncio.to_thread(_answer, holder, lambda pack: work(pack, data, as_of),
                                               request.headers.get(DIGEST_HEADER), decision)
    decision.finish(response.status_code)
    log_decision(decision)
    return response


def _answer(holder: PackHolder, work: Callable[[docrules.Pack], BaseModel], pinned: str | None,
            decision: Decision) -> Response:
    """Run `work` on the pack in use (held until it returns): its model as JSON, or the errors."""
    with holder.use() as pack:
        decision.digest = pack.digest
        if pinned is not None and pinned != pack.digest:  # swapped since the request came in
            return _pin_refused(pinned, pack.digest)
        started = time.perf_counter()
        try:
            answer = work(pack)
        except docrules.FactsError as exc:
            decision.errors = [d.code for d in exc.diagnostics]
            return _errors(exc.diagnostics, 422)
        except docrules.EngineError as exc:  # the engine failed this check; the next one gets a fresh ruleset
            decision.errors = [d.code for d in exc.diagnostics]
            return _json({"errors": [_located(d) for d in exc.diagnostics]}, 500)
        finally:
            decision.check_ms = (time.perf_counter() - started) * 1000
    decision.record(answer)
    response = Response(answer.model_dump_json(), media_type="application/json")
    response.headers[DIGEST_HEADER] = pack.digest
    return response


def _pin_refused(pinned: str, current: str) -> Response:
    return _json({"errors": [{"code": "DR545", "path": None, "hint": None,
                              "message": f"this server holds pack {current}, the request pinned {pinned}"}]}, 409)


def _document(pack: docrules.Pack, name: str | None, param: str) -> str | None:
    """A document id given in the query, checked against the pack's catalog."""
    if name is not None and name not in pack.rules.documents:
        raise docrules.FactsError([docrules.Diagnostic(
            code="DR517", path=param, message=f"{param}: the pack has no document {quote(name)}",
            hint=did_you_mean(name, pack.rules.documents))])
    return name


def _version() -> str:
    from importlib.metadata import version

    return version("docrules")


class _NoQuery(logging.Filter):
    """Drops the query string from uvicorn's access log lines: `?party=` may be a person's name."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).partition("?")[0], version, status)
        return True


HEADER_SECONDS = 10.0  # a client that has not sent a whole request head by then is let go
KEEP_ALIVE_SECONDS = 5


def read_token(file: str | None) -> str | None:
    """The reload token: from `file` (first line), else DOCRULES_RELOAD_TOKEN, else None (reload off)."""
    import os

    if file is not None:
        token = Path(file).read_text(encoding="utf-8").strip()
    else:
        token = os.environ.get("DOCRULES_RELOAD_TOKEN", "").strip()
    if file is not None and len(token) < 16:
        raise ValueError(f"{file}: the reload token must be at least 16 characters")
    return token or None


def local_hosts(host: str, port: int) -> set[str]:
    """The Host values that name this service: the address it listens on and the loopback names."""
    names = {host, "localhost", "127.0.0.1", "[::1]"}
    return {f"{n}:{port}".lower() for n in names} | ({n.lower() for n in names} if port == 80 else set())
