"""Serve time: the app factory, the one place that wires settings, store, runner, routers, errors.

`reformkg serve` passes the settings it built from its options and the environment;
`uvicorn reformkg.web.app:create_app --factory` calls `create_app()`, which builds them from the
environment once. The store is the embedded pyoxigraph store loaded from the build output, or an
external SPARQL server when a store URL is set; the app never builds (the serve command may, before
it starts the app). Errors become HTTP answers here and nowhere else, all in one JSON shape:
{"error": {"status", "type", "message"}}; an unexpected exception is a 500 that says what
failed in one sentence. `reformkg.web.guard` is the outermost layer (security headers, HEAD,
URL checks) and `reformkg.web.server` the bounded HTTP server `reformkg serve` runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reformkg import __version__
from reformkg.errors import ReformKGError
from reformkg.graph.query.pool import InlineRunner, QueryPool
from reformkg.graph.query.remote import RemoteStore
from reformkg.graph.query.store import BuildStore, load_dataset, open_store
from reformkg.settings import Settings
from reformkg.web import (
    health,
    lineage_routes,
    linked_data,
    pages,
    queries_routes,
    review,
    sparql,
    viz_routes,
    workbench,
)
from reformkg.web.guard import Guard

log = logging.getLogger("reformkg.web")


def error_response(
    status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error shape of every JSON answer."""
    return JSONResponse(
        {"error": {"status": status, "type": kind, "message": message}},
        status_code=status,
        headers=headers,
    )


class BodyLimit:
    """Refuses request bodies over `limit` bytes (413) and query strings over it (414), whether
    or not the client sends Content-Length: a chunked body is counted as it arrives."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if len(scope.get("query_string", b"")) > self.limit:
            return await error_response(
                414, "too-large", f"the query string is over {self.limit} bytes; POST the query"
            )(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.limit:
            return await error_response(
                413, "too-large", f"the request body is over {self.limit} bytes"
            )(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await error_response(413, "too-large", f"the request body is over {self.limit} bytes")(
                scope, receive, send
            )


class _TooLarge(Exception):
    pass


def _open(
    settings: Settings,
) -> tuple[BuildStore, QueryPool] | tuple[RemoteStore, InlineRunner]:
    """The store and the runner that bounds each query's time and memory (BuildMissing without
    a build). The web process and each query worker open the build's store read-only."""
    if settings.store_url:
        remote = RemoteStore(
            settings.store_url,
            user=settings.store_user,
            password=settings.store_password,
            timeout=settings.timeout,
        )
        return remote, InlineRunner(remote, settings.timeout)
    store = open_store(settings.build_dir)
    pool = QueryPool(
        settings.build_dir,
        settings.workers,
        settings.timeout,
        memory_mb=settings.query_memory_mb,
        grace=settings.query_grace,
        queue=settings.query_queue,
    )
    return store, pool


def _answer(
    request: Request, status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The error as a page in the app's layout for a person (an HTML request to a page or a
    named question), else in the one JSON shape."""
    if pages.wants_html(request):
        return pages.error_page(request, status, message, headers)
    return error_response(status, kind, message, headers)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ReformKGError)
    async def _domain(request: Request, err: ReformKGError) -> Response:
        return _answer(request, err.status, err.kind, str(err), err.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> Response:
        parts = [
            "{}: {}".format(".".join(str(x) for x in e.get("loc", ())), e.get("msg"))
            for e in err.errors()
        ]
        return _answer(request, 400, "bad-request", "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        return _answer(request, err.status_code, "http", str(err.detail), dict(err.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> Response:
        """Anything else: one sentence saying what failed, never the exception's class or text
        (Starlette logs the traceback after this answer is sent). The page for a person falls
        back to the JSON shape if the page itself cannot be drawn."""
        message = (
            f"the server failed while answering {request.method} {request.url.path}; "
            "the details are in the server's log"
        )
        try:
            return _answer(request, 500, "internal", message)
        except Exception:  # noqa: BLE001 - the error page must not fail in turn
            return error_response(500, "internal", message)


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "type", "message"],
            "properties": {
                "status": {"type": "integer"},
                "type": {"type": "string"},
                "message": {"type": "string"},
            },
        }
    },
}
ERRORS = {
    "400": "Bad request: malformed query or parameter (message says where)",
    "403": "Refused: updates, SERVICE",
    "404": "Not found",
    "406": "No acceptable media type",
    "413": "Request body too large",
    "414": "URL too long (over 64 KiB, or a query string over the request limit)",
    "415": "Unsupported Content-Type",
    "431": "Request headers too large",
    "500": "The store or the server failed (one sentence, no internals)",
    "503": "Timeout: the query ran too long and was stopped",
}


class ReformKGApp(FastAPI):
    """FastAPI with OpenAPI that says what the app does: validation errors are 400 in the one
    error shape (not FastAPI's 422), and every operation may answer with the errors above;
    and with `reformkg.web.guard.Guard` around the whole stack, Starlette's error middleware
    included, so that every answer carries the security headers."""

    def build_middleware_stack(self) -> ASGIApp:
        return Guard(super().build_middleware_stack())

    def openapi(self) -> dict[str, Any]:
        from fastapi.openapi.utils import get_openapi

        if self.openapi_schema:
            return self.openapi_schema
        spec = get_openapi(
            title=self.title, version=self.version, description=self.description, routes=self.routes
        )
        spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for path, item in spec.get("paths", {}).items():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                wanted = (
                    ERRORS
                    if path.startswith(("/sparql", "/queries"))
                    else {"400": ERRORS["400"], "404": ERRORS["404"]}
                )
                for code, text in wanted.items():
                    responses.setdefault(
                        code,
                        {"description": text, "content": {"application/json": {"schema": ref}}},
                    )
        self.openapi_schema = spec
        return spec


def _warm(state: State, started: float) -> None:
    """Background warm-up of the views; a failure is logged, the page is computed on request.
    /healthz says how it went (`state.views`): the warm-up takes a core for tens of seconds
    at 100x data (30 s of CPU), so the queries answered meanwhile share the machine with it."""
    try:
        viz_routes.warm(state)
    except Exception:  # noqa: BLE001 - a warm-up must never take the server down
        logging.getLogger("reformkg.web").exception("warming the views failed")
        state.views = {"status": "failed", "seconds": None}
    else:
        state.views = {"status": "warm", "seconds": round(time.monotonic() - started, 2)}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ReformKG web app: /sparql, /queries, /healthz, the pages and the views.

    Without `settings` (uvicorn's --factory), they are built from the environment, once."""
    settings = settings or Settings.from_env()
    store, runner = _open(settings)
    triples = len(store)

    @asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        if settings.warm_views:
            started.state.views = {"status": "warming", "seconds": None}
            threading.Thread(
                target=_warm, args=(started.state, time.monotonic()), daemon=True
            ).start()
        yield
        runner.close()

    app = ReformKGApp(
        title="ReformKG",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        description="SPARQL endpoint, named analyst questions and pages of the "
        "ReformKG knowledge graph of Chinese reform measures.",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.runner = runner
    app.state.dataset = load_dataset(store)
    app.state.triples = triples
    app.state.views = {"status": "off", "seconds": None}  # the warm-up's (see _warm)
    review.enable(app.state, settings)

    app.include_router(health.router)
    app.include_router(sparql.router, tags=["sparql"])
    app.include_router(queries_routes.router, tags=["queries"])
    app.include_router(viz_routes.router)
    app.include_router(workbench.router)
    app.include_router(lineage_routes.router)
    app.include_router(review.router)
    app.include_router(linked_data.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    _install_errors(app)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-ReformKG-Truncated"],
        max_age=3600,
    )
    return app
