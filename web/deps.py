"""Serve time: what routes may ask for: the settings, the store, the query runner, the dataset.

Everything lives on `app.state` (set once by `reformkg.web.app.create_app`), so a test builds an
app with its own settings and nothing is read from module globals. Routes take these through
FastAPI's `Depends` or call them with the request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from reformkg.graph.query.store import Dataset
from reformkg.graph.read.deadlines import StatusLabel, status_labels
from reformkg.graph.read.measure_table import MeasureRow, measure_table
from reformkg.graph.read.options import Options, options
from reformkg.settings import Settings

T = TypeVar("T")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Any:
    """The pyoxigraph Store (or a RemoteStore with the same query interface)."""
    return request.app.state.store


def get_runner(request: Request) -> Any:
    """The QueryPool (or InlineRunner for a remote store) that runs queries under the timeout."""
    return request.app.state.runner


def get_dataset(request: Request) -> Dataset:
    """The graphs of the store, listed once at start."""
    dataset: Dataset = request.app.state.dataset
    return dataset


_lock = threading.Lock()


def _once(request: Request, name: str, make: Callable[[], T]) -> T:
    """A value computed once per app (the store does not change while it runs)."""
    state = request.app.state
    with _lock:
        value: T | None = getattr(state, name, None)
        if value is None:
            value = make()
            setattr(state, name, value)
        return value


def get_options(request: Request) -> Options:
    """The forms' choices (documents, themes, places, agencies), read once."""
    return _once(request, "form_options", lambda: options(get_store(request)))


def get_measure_rows(request: Request) -> dict[str, MeasureRow]:
    """Every measure as a workbench table row, read once."""
    opts = get_options(request)
    return _once(request, "measure_rows", lambda: measure_table(get_store(request), opts))


def get_status_labels(request: Request) -> dict[str, StatusLabel]:
    """The deadline statuses' labels (the graph's status scheme, or the product's words)."""
    return _once(request, "status_labels", lambda: status_labels(get_store(request)))
