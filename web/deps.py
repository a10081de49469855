"""What routes may ask for: the settings, the store, the query runner and the endpoint limits.

Everything lives on `app.state` (set once by `web.app.create_app`), so a test builds an app
with its own settings and nothing is read from module globals. Routes take these through
FastAPI's `Depends` or call them with the request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from fastapi import Request

from reformkg.config import Settings
from reformkg.errors import ReformKGError


@dataclass(frozen=True)
class EndpointConfig:
    """Limits and backend of the SPARQL endpoint; each has an environment override.

    timeout           REFORMKG_SPARQL_TIMEOUT       seconds a query may run (default 20)
    max_rows          REFORMKG_SPARQL_MAX_ROWS      rows/triples returned at most (default 10000)
    max_request_bytes REFORMKG_MAX_REQUEST_BYTES    request body and query string size (1 MB)
    workers           REFORMKG_QUERY_WORKERS        query worker processes (default 2)
    store_url         REFORMKG_STORE_URL            external SPARQL query endpoint (default: none,
                                                    the embedded pyoxigraph store)
    store_user        REFORMKG_STORE_USER           user for the external server (digest auth)
    store_password    REFORMKG_STORE_PASSWORD
    cors_origins      REFORMKG_CORS_ORIGINS         comma-separated origins (default "*")
    warm_views        REFORMKG_WARM_VIEWS           "0" to skip computing the unfiltered views
                                                    in the background at start (default on)
    """

    timeout: float = 20.0
    max_rows: int = 10_000
    max_request_bytes: int = 1_000_000
    workers: int = 2
    store_url: str | None = None
    store_user: str | None = None
    store_password: str | None = None
    cors_origins: tuple[str, ...] = ("*",)
    warm_views: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> EndpointConfig:
        """The defaults, overridden by REFORMKG_* variables; a malformed number is a
        ReformKGError naming the variable (one line, not a traceback)."""
        env = dict(os.environ) if env is None else env
        default = cls()

        def number(name: str, kind: type, fallback: float) -> float:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return fallback
            try:
                value = kind(raw)
            except ValueError:
                raise ReformKGError(f"{name}={raw!r} is not a {kind.__name__}") from None
            if value <= 0:
                raise ReformKGError(f"{name}={raw!r} must be positive")
            return value

        return cls(
            timeout=number("REFORMKG_SPARQL_TIMEOUT", float, default.timeout),
            max_rows=number("REFORMKG_SPARQL_MAX_ROWS", int, default.max_rows),
            max_request_bytes=number("REFORMKG_MAX_REQUEST_BYTES", int, default.max_request_bytes),
            workers=number("REFORMKG_QUERY_WORKERS", int, default.workers),
            store_url=env.get("REFORMKG_STORE_URL") or None,
            store_user=env.get("REFORMKG_STORE_USER") or None,
            store_password=env.get("REFORMKG_STORE_PASSWORD") or None,
            cors_origins=tuple(
                o.strip() for o in env.get("REFORMKG_CORS_ORIGINS", "*").split(",") if o.strip()
            ),
            warm_views=env.get("REFORMKG_WARM_VIEWS", "1").strip() != "0",
        )


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request):
    """The pyoxigraph Store (or graph.remote_store.RemoteStore with the same query interface)."""
    return request.app.state.store


def get_runner(request: Request):
    """The QueryPool (or InlineRunner for a remote store) that runs queries under the timeout."""
    return request.app.state.runner


def get_endpoint(request: Request) -> EndpointConfig:
    return request.app.state.endpoint


def get_dataset(request: Request):
    """The graphs of the store (web.sparql.Dataset), listed once at start."""
    return request.app.state.dataset
