"""Serve time: what routes may ask for: the settings, the store, the query runner, the dataset.

Everything lives on `app.state` (set once by `reformkg.web.app.create_app`), so a test builds an
app with its own settings and nothing is read from module globals. Routes take these through
FastAPI's `Depends` or call them with the request.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from reformkg.graph.query.store import Dataset
from reformkg.settings import Settings


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
