"""Ground: the one settings object, built once from the environment and the command line.

Every setting has a default and a `REFORMKG_*` environment variable; a command-line option
overrides both. `Settings.from_env()` is called once, by the CLI verb or by the app factory
when uvicorn starts it, and the object is then passed to whatever needs it: no module reads
the environment or a global on its own.

The bundled documents, ontology and named questions are package data (`reformkg.data`,
`reformkg.ontology`, `reformkg.queries`), so an installed copy works from any folder; the build
folder defaults to `./build` under the current folder.

    setting            variable                    default
    data_dir           REFORMKG_DATA               the bundled documents (manifest.toml, raw/, tables)
    build_dir          REFORMKG_BUILD              ./build
    ontology_dir       REFORMKG_ONTOLOGY           the bundled ontology/
    queries_dir        REFORMKG_QUERIES            the bundled queries/
    timeout            REFORMKG_SPARQL_TIMEOUT     seconds a query may run (20)
    max_rows           REFORMKG_SPARQL_MAX_ROWS    rows/triples returned at most (10000)
    max_bytes          REFORMKG_SPARQL_MAX_BYTES   bytes of one answer at most (16000000)
    max_request_bytes  REFORMKG_MAX_REQUEST_BYTES  request body and query string size (1000000)
    workers            REFORMKG_QUERY_WORKERS      queries that may run long at once (2; one
                                                   worker process more keeps a cheap one moving)
    query_memory_mb    REFORMKG_QUERY_MEMORY_MB    a worker's private memory for one query (1024)
    query_grace        REFORMKG_QUERY_GRACE        seconds before a query counts as long (0.5)
    query_queue        REFORMKG_QUERY_QUEUE        requests that may wait for a worker (16)
    search_timeout     REFORMKG_SEARCH_TIMEOUT     seconds a full-text search may run (3)
    client_timeout     REFORMKG_CLIENT_TIMEOUT     seconds a client may take to send a request's
                                                   head, or pause inside its body (10)
    store_url          REFORMKG_STORE_URL          external SPARQL query endpoint (none: embedded)
    store_user         REFORMKG_STORE_USER         user for the external server (digest auth)
    store_password     REFORMKG_STORE_PASSWORD     its password
    cors_origins       REFORMKG_CORS_ORIGINS       comma-separated origins ("*")
    warm_views         REFORMKG_WARM_VIEWS         "0": do not compute the views at start (on)
    review             REFORMKG_REVIEW             "1": local review mode, confirm/reject on links (off)
    reviewer           REFORMKG_REVIEWER           the name review mode records decisions under
    build_date         REFORMKG_BUILD_DATE         the date the dataset description gives (YYYY-MM-DD;
                                                   default: the date of the checkout's commit)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from reformkg.errors import ReformKGError

__all__ = ["ENVIRONMENT", "Settings", "bundled"]


def bundled(name: str) -> Path:
    """The folder of a bundled resource: "data", "ontology" or "queries" (package data)."""
    return Path(str(files(f"reformkg.{name}")))


#: Setting → its environment variable (the docs test checks every one is documented).
ENVIRONMENT: dict[str, str] = {
    "data_dir": "REFORMKG_DATA",
    "build_dir": "REFORMKG_BUILD",
    "ontology_dir": "REFORMKG_ONTOLOGY",
    "queries_dir": "REFORMKG_QUERIES",
    "timeout": "REFORMKG_SPARQL_TIMEOUT",
    "max_rows": "REFORMKG_SPARQL_MAX_ROWS",
    "max_bytes": "REFORMKG_SPARQL_MAX_BYTES",
    "max_request_bytes": "REFORMKG_MAX_REQUEST_BYTES",
    "workers": "REFORMKG_QUERY_WORKERS",
    "query_memory_mb": "REFORMKG_QUERY_MEMORY_MB",
    "query_grace": "REFORMKG_QUERY_GRACE",
    "query_queue": "REFORMKG_QUERY_QUEUE",
    "search_timeout": "REFORMKG_SEARCH_TIMEOUT",
    "client_timeout": "REFORMKG_CLIENT_TIMEOUT",
    "store_url": "REFORMKG_STORE_URL",
    "store_user": "REFORMKG_STORE_USER",
    "store_password": "REFORMKG_STORE_PASSWORD",
    "cors_origins": "REFORMKG_CORS_ORIGINS",
    "warm_views": "REFORMKG_WARM_VIEWS",
    "review": "REFORMKG_REVIEW",
    "reviewer": "REFORMKG_REVIEWER",
    "build_date": "REFORMKG_BUILD_DATE",
}


@dataclass(frozen=True)
class Settings:
    """Where things are and how the endpoint is bounded (see the module docstring)."""

    data_dir: Path
    build_dir: Path
    ontology_dir: Path
    queries_dir: Path
    timeout: float = 20.0
    max_rows: int = 10_000
    max_bytes: int = 16_000_000
    max_request_bytes: int = 1_000_000
    workers: int = 2
    query_memory_mb: float = 1024.0
    query_grace: float = 0.5
    query_queue: int = 16
    search_timeout: float = 3.0
    client_timeout: float = 10.0
    store_url: str | None = None
    store_user: str | None = None
    store_password: str | None = None
    cors_origins: tuple[str, ...] = ("*",)
    warm_views: bool = True
    review: bool = False
    reviewer: str = ""
    build_date: str | None = None

    @property
    def manifest(self) -> Path:
        return self.data_dir / "manifest.toml"

    @property
    def raw_dir(self) -> Path:
        """The documents' folder: only the build reads it."""
        return self.data_dir / "raw"

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed; None values are ignored (an option not given)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def defaults(cls) -> Settings:
        """The bundled documents, ontology and questions, building into ./build."""
        return cls(
            data_dir=bundled("data"),
            build_dir=Path("build"),
            ontology_dir=bundled("ontology"),
            queries_dir=bundled("queries"),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """The defaults, overridden by REFORMKG_* variables, then by `overrides` (CLI options).

        A malformed number is a ReformKGError naming the variable (one line, no traceback).
        """
        env = os.environ if env is None else env
        base = cls.defaults()
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENVIRONMENT[f.name])
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = _parse(f.name, raw, getattr(base, f.name))
        return replace(base, **values).with_(**overrides)


def _parse(name: str, raw: str, default: object) -> object:
    variable = ENVIRONMENT[name]
    if isinstance(default, Path):
        return Path(raw)
    if isinstance(default, bool):
        return raw.strip() != "0"
    if isinstance(default, int | float):
        kind = type(default)
        try:
            value = kind(raw)
        except ValueError:
            raise ReformKGError(f"{variable}={raw!r} is not a {kind.__name__}") from None
        if value <= 0:
            raise ReformKGError(f"{variable}={raw!r} must be positive")
        return value
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if name == "build_date":
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            raise ReformKGError(f"{variable}={raw!r} is not a date YYYY-MM-DD") from None
    return raw
