"""Graph views and workload analytics over HTTP: /viz…, /api/workload, /api/network.

Thin routes: each reads the store from app.state, turns the URL parameters into a
`reformkg.graph.read.analytics.Filters`, and calls reformkg.viz.pages / reformkg.graph.read.analytics. The store does not change
while the app runs, so pages and JSON are kept in a small per-app cache keyed by the filters.
vis-network is served from the installed pyvis package at /viz/assets/…, never from a CDN.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from reformkg.graph.read.analytics import (
    Filters,
    busiest_agencies,
    collective_share,
    network_summary,
    workload,
)
from reformkg.viz.assets import asset_path, media_type
from reformkg.viz.pages import index_page, view_page
from reformkg.viz.render import Page, filter_options

router = APIRouter()
PAGE = Page(standalone=False)
CACHE_SIZE = 64
VIEWS = ("agencies", "evolution", "themes")
_LOCK = threading.Lock()

DOC = Query(None, description="Only measures of this document (its id, e.g. sz-bizenv-2022-b1)")
THEME = Query(None, description="Only measures with this theme or a narrower one (theme id)")
PLACE = Query(None, description="Only measures from this place or a place within it (place id)")
AGENCY = Query(None, description="Only measures this agency leads or shares (canonical name)")
MEASURE = Query(None, description="Only this measure (e.g. sz-bizenv-2022-b1/7-2)")


T = TypeVar("T")


def cached(state: Any, key: tuple[Hashable, ...], make: Callable[[], T]) -> T:
    """Compute once per app and key (least recently used entries dropped past CACHE_SIZE).

    One lock per key: a request that arrives while the same page is being computed (by the
    warm-up or another request) waits for that result instead of computing it again.
    """
    with _LOCK:
        cache = getattr(state, "viz_cache", None)
        if cache is None:
            cache = state.viz_cache = OrderedDict()
            state.viz_locks = {}
        lock = state.viz_locks.setdefault(key, threading.Lock())
    with lock:
        with _LOCK:
            if key in cache:
                cache.move_to_end(key)
                hit: T = cache[key]  # made by `make` of the same key
                return hit
        value = make()
        with _LOCK:
            cache[key] = value
            if len(cache) > CACHE_SIZE:
                dropped, _ = cache.popitem(last=False)
                state.viz_locks.pop(dropped, None)
        return value


def warm(state: Any) -> None:
    """Compute the overview and the three views without filters, the pages most visits start
    from. Run in a background thread when the app starts: at 100x data the agency network
    takes seconds to compute, which the first visitor would otherwise wait for."""
    overview(state)
    unfiltered = _filters(None, None, None, None, None)
    for name in VIEWS:
        view_html(state, name, unfiltered)


def overview(state: Any) -> str:
    """The /viz page (cached)."""
    return cached(state, ("index",), lambda: index_page(state.store, PAGE))


def view_html(state: Any, name: str, filters: Filters) -> str:
    """One view's page for these filters (cached; the filter options are cached once)."""
    store = state.store
    options = cached(state, ("options",), lambda: filter_options(store))
    return cached(state, (name, filters), lambda: view_page(store, name, filters, PAGE, options))


def _filters(
    doc: str | None, theme: str | None, place: str | None, agency: str | None, measure: str | None
) -> Filters:
    return Filters.from_params(
        {"doc": doc, "theme": theme, "place": place, "agency": agency, "measure": measure}
    )


def _view(request: Request, name: str, filters: Filters) -> HTMLResponse:
    return HTMLResponse(view_html(request.app.state, name, filters))


@router.get("/viz", response_class=HTMLResponse, include_in_schema=False)
def viz_index(request: Request) -> HTMLResponse:
    """The overview: the three views, the busiest agencies, the share of collective entries."""
    return HTMLResponse(overview(request.app.state))


@router.get("/viz/agencies", response_class=HTMLResponse, include_in_schema=False)
def viz_agencies(
    request: Request,
    doc: str | None = DOC,
    theme: str | None = THEME,
    place: str | None = PLACE,
    agency: str | None = AGENCY,
    measure: str | None = MEASURE,
) -> HTMLResponse:
    """The agency workload network."""
    return _view(request, "agencies", _filters(doc, theme, place, agency, measure))


@router.get("/viz/evolution", response_class=HTMLResponse, include_in_schema=False)
def viz_evolution(
    request: Request,
    doc: str | None = DOC,
    theme: str | None = THEME,
    place: str | None = PLACE,
    agency: str | None = AGENCY,
    measure: str | None = MEASURE,
) -> HTMLResponse:
    """Measures by batch with 'same reform' and 'evolves from' links."""
    return _view(request, "evolution", _filters(doc, theme, place, agency, measure))


@router.get("/viz/themes", response_class=HTMLResponse, include_in_schema=False)
def viz_themes(
    request: Request,
    doc: str | None = DOC,
    theme: str | None = THEME,
    place: str | None = PLACE,
    agency: str | None = AGENCY,
    measure: str | None = MEASURE,
) -> HTMLResponse:
    """Themes with their SKOS hierarchy, measures and places."""
    return _view(request, "themes", _filters(doc, theme, place, agency, measure))


@router.get("/viz/assets/{name}", include_in_schema=False)
def viz_asset(name: str) -> Response:
    """vis-network (from the installed pyvis package) and the views' own script and styles."""
    path = asset_path(name)
    if path is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(
        path, media_type=media_type(name), headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/api/workload", summary="Agency workload: measures led and co-responsible")
def api_workload(
    request: Request,
    doc: str | None = DOC,
    theme: str | None = THEME,
    place: str | None = PLACE,
    agency: str | None = AGENCY,
    measure: str | None = MEASURE,
    top: int = Query(10, ge=1, le=1000, description="How many busiest agencies"),
) -> JSONResponse:
    """Per agency: measures led, co-responsible and in total, by document, section, theme and
    deadline month, with centralities and community; plus the busiest agencies and the share of
    collective entries."""
    filters = _filters(doc, theme, place, agency, measure)
    store = request.app.state.store

    def make() -> dict[str, Any]:
        rows = workload(store, filters)
        return {
            "filters": filters.as_params(),
            "agencies": rows,
            "collective_share": collective_share(store, filters),
        }

    body = cached(request.app.state, ("workload-json", filters), make)
    busiest = [r["agency"] for r in busiest_agencies(body["agencies"], top)]
    return JSONResponse({**body, "busiest": busiest})


@router.get("/api/network", summary="Co-responsibility network of agencies")
def api_network(
    request: Request,
    doc: str | None = DOC,
    theme: str | None = THEME,
    place: str | None = PLACE,
    agency: str | None = AGENCY,
    measure: str | None = MEASURE,
) -> JSONResponse:
    """Agencies linked when named on the same measure (weight = shared measures): nodes with
    degree and betweenness centrality, weighted edges, and communities (greedy modularity)."""
    filters = _filters(doc, theme, place, agency, measure)
    store = request.app.state.store
    return JSONResponse(
        cached(request.app.state, ("network", filters), lambda: network_summary(store, filters))
    )
