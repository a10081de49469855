"""Serve time: the workbench pages: agency workload with deadline statuses, and deadlines by
agency × month (/workload, /deadlines).

Thin routes: the filters come from a form (document, theme, place, level or agency, as-of
date), the figures from `reformkg.graph.read.analytics` (the workload the views draw) and
`reformkg.graph.read.deadlines` (statuses computed as of the chosen date), the page from a
template in the app's layout. A bad parameter is one sentence on an HTML page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from reformkg.errors import RequestError
from reformkg.graph.read.analytics import Filters, measure_roles, workload
from reformkg.graph.read.deadlines import NOTE, STATUS_KEYS, deadline_grid, parse_as_of
from reformkg.graph.read.options import Options, resolve_agency
from reformkg.graph.read.terms import LEVELS
from reformkg.web import pages
from reformkg.web.deps import get_measure_rows, get_options, get_status_labels, get_store
from reformkg.web.viz_routes import cached

router = APIRouter()

DOC = Query(None, description="文件 Only measures of this document (its id)")
THEME = Query(None, description="主题 Only measures with this theme or a narrower one")
PLACE = Query(None, description="来源 Only measures from this place or a place within it")
AS_OF = Query(None, description="截至日期 Deadline status as of this date (default today)")


def _as_of(value: str | None) -> dt.date:
    try:
        return parse_as_of(value)
    except ValueError as err:
        raise RequestError(400, str(err)) from None


def _check(opts: Options, doc: str | None, theme: str | None, place: str | None) -> None:
    """A value that is no choice of the form is one clear sentence, not an empty table."""
    for name, value, known in (
        ("doc", doc, {d.id for d in opts.documents}),
        ("theme", theme, {t.value for t in opts.themes}),
        ("place", place, {p.value for p in opts.places}),
    ):
        if value and value not in known:
            raise RequestError(400, f"{name}={value!r} is not a {name} of the graph")


def _doc_choices(opts: Options) -> list[dict[str, str]]:
    return [
        {"value": d.id, "zh": f"{d.short_title}（{d.year or '日期不详'}）", "en": d.id}
        for d in opts.documents
    ]


@router.get("/workload", response_class=HTMLResponse, include_in_schema=False)
def workload_page(
    request: Request,
    doc: str | None = DOC,
    theme: str | None = THEME,
    place: str | None = PLACE,
    level: str | None = Query(None, description="级别 Only agencies of this level"),
    asOf: str | None = AS_OF,  # noqa: N803 - the parameter's name in URLs and forms
) -> HTMLResponse:
    """Every agency's measures led and co-responsible, with their deadline statuses."""
    opts = get_options(request)
    _check(opts, doc, theme, place)
    if level and level not in LEVELS:
        raise RequestError(400, f"level={level!r} is not one of {', '.join(LEVELS)}")
    as_of = _as_of(asOf)
    filters = Filters.from_params({"doc": doc, "theme": theme, "place": place})
    store = get_store(request)
    rows = get_measure_rows(request)

    def make() -> list[dict[str, Any]]:
        per_agency: dict[str, set[str]] = {}
        for m, a, _ in measure_roles(store, filters):
            per_agency.setdefault(a, set()).add(m)
        out = []
        for w in workload(store, filters):
            statuses = Counter(
                rows[m].status(as_of) for m in per_agency.get(w["agency"], ()) if m in rows
            )
            out.append(
                {
                    "w": w,
                    "statuses": [statuses.get(k, 0) for k in STATUS_KEYS],
                    "themes": len([k for k in w["by_theme"] if k != "none"]),
                    "documents": len(w["by_document"]),
                }
            )
        return out

    table = cached(request.app.state, ("workload-page", filters, as_of), make)
    if level:
        table = [r for r in table if r["w"]["level"] == level]
    return pages.page(
        request,
        "workload.html",
        {
            "title": "单位工作量 Workload",
            "nav": "workload",
            "wide": True,
            "rows": table,
            "opts": opts,
            "docs": _doc_choices(opts),
            "levels": opts.levels,
            "selected": {"doc": doc, "theme": theme, "place": place, "level": level},
            "as_of": as_of.isoformat(),
            "today": dt.date.today().isoformat(),
            "statuses": get_status_labels(request),
            "status_keys": STATUS_KEYS,
            "note": NOTE,
            "level_names": LEVELS,
        },
    )


@router.get("/deadlines", response_class=HTMLResponse, include_in_schema=False)
def deadlines_page(
    request: Request,
    doc: str | None = DOC,
    theme: str | None = THEME,
    place: str | None = PLACE,
    role: str = Query("lead", description="lead: 牵头单位 only; all: 牵头 and 责任"),
    agency: str | None = Query(None, description="单位 Show this agency's measures"),
    month: str | None = Query(None, description="月份 YYYY-MM, or 'landed'"),
    asOf: str | None = AS_OF,  # noqa: N803 - the parameter's name in URLs and forms
) -> HTMLResponse:
    """Deadlines per agency × month, coloured by status; a cell lists its measures."""
    opts = get_options(request)
    _check(opts, doc, theme, place)
    if role not in ("lead", "all"):
        raise RequestError(400, f"role={role!r} is not lead or all")
    as_of = _as_of(asOf)
    chosen = resolve_agency(opts, agency) if agency else None
    if agency and chosen is None:
        raise RequestError(400, f"agency={agency!r} is no agency, alias or short name known")
    filters = Filters.from_params({"doc": doc, "theme": theme, "place": place})
    store = get_store(request)
    rows = get_measure_rows(request)
    roles = cached(request.app.state, ("roles", filters), lambda: measure_roles(store, filters))
    kept = [r for r in roles if role == "all" or r[2] == "lead"]
    names = {a.iri: a.name for a in opts.agencies}
    months, grid = deadline_grid(kept, names, {m: r.deadline for m, r in rows.items()}, as_of)
    listed: list[dict[str, Any]] = []
    if chosen is not None:
        row = next((g for g in grid if g.agency == chosen.iri), None)
        if row is not None:
            if month == "landed":
                iris = row.landed
            elif month:
                cell = row.cells.get(month)
                iris = cell.measures if cell else []
            else:
                iris = [m for c in row.cells.values() for m in c.measures] + row.landed
            listed = [
                {"row": rows[m], "status": rows[m].status(as_of)}
                for m in sorted(
                    iris,
                    key=lambda i: (rows[i].deadline.date or "9", rows[i].batch, rows[i].number_key),
                )
                if m in rows
            ]
    return pages.page(
        request,
        "deadlines.html",
        {
            "title": "完成时限 Deadlines",
            "nav": "deadlines",
            "wide": True,
            "months": months,
            "grid": grid,
            "opts": opts,
            "docs": _doc_choices(opts),
            "selected": {"doc": doc, "theme": theme, "place": place, "role": role},
            "agency": chosen,
            "month": month,
            "listed": listed,
            "as_of": as_of.isoformat(),
            "statuses": get_status_labels(request),
            "note": NOTE,
        },
    )
