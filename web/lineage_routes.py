"""Serve time: reform lineages for people: /lineages (the list) and /lineages/{doc}/{number}.

Thin routes over `reformkg.graph.read.lineages`: the list filters (theme, place, agency) and
sorts (length, first or last batch, theme) on the server, so the page needs no script; a
lineage's page shows its timeline, the links between its versions with their evidence and
status, and the versions side by side, aligned by practice point and sentence.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from reformkg.graph.read import lineages as read
from reformkg.graph.read.lineages import STAGES, LineageSummary
from reformkg.viz.common import doc_colour
from reformkg.vocab import ID
from reformkg.web.pages import _page, _store, templates
from reformkg.web.review import review_context

router = APIRouter()


def measure_ref(iri: str) -> str:
    """`doc_id:number[-part]` of a measure IRI, the form of data/link-reviews.csv and `trace`."""
    doc, _, tail = iri.removeprefix(f"{ID}measure/").partition("/")
    return f"{doc}:{tail}"


def evidence_term(term: str) -> str:
    """An evidence term as an analyst reads it: 单位 / 地点 / 主题 / 经由 for the prefixed ones.

    >>> evidence_term("via:ndrc-sz-ccr-2023-b2/5")
    '经由 ndrc-sz-ccr-2023-b2/5'
    """
    kind, sep, rest = term.partition(":")
    names = {"agency": "单位", "place": "地点", "theme": "主题", "via": "经由"}
    return f"{names[kind]} {rest}" if sep and kind in names else term


templates.env.globals["measure_ref"] = measure_ref
templates.env.filters["evidence_term"] = evidence_term


def links_block(request: Request, iri: str) -> dict[str, Any]:
    """What the measure page's cross-batch links block adds: the lineage the measure is a
    version of, each link's status, the documents' colours, and review buttons in review mode."""
    store = _store(request)
    docs = _docs(request)
    found = read.lineage_of(store, iri)
    return {
        "lineage": None
        if found is None
        else {"tail": read.lineage_tail(found[0]), "label": found[1]},
        "link_status": read.link_statuses(store, iri),
        "doc_colour": {d.iri: doc_colour(d.index) for d in docs},
        "doc_short": {d.iri: d.short_title for d in docs},
        **review_context(request),
    }


SORTS = {
    "length": ("版本数 versions", lambda x: (-x.length, _first(x), x.iri)),
    "first": ("首批 first batch", lambda x: (_first(x), -x.length, x.iri)),
    "last": ("末批 last batch", lambda x: (_last(x), -x.length, x.iri)),
    "theme": ("主题 theme", lambda x: (x.themes[0][1] if x.themes else "\uffff", x.iri)),
}


def _first(x: LineageSummary) -> tuple[int, str]:
    return (x.versions[0].batch_order, x.versions[0].issued or "")


def _last(x: LineageSummary) -> int:
    """Latest last batch first (batch order is date order in the manifest)."""
    return -x.versions[-1].batch_order


def _summaries(request: Request) -> list[LineageSummary]:
    """All lineages (read once per app: the store does not change while it runs)."""
    state = request.app.state
    cached = getattr(state, "lineage_summaries", None)
    if cached is None:
        cached = state.lineage_summaries = read.lineage_summaries(_store(request))
    return list(cached)


def _docs(request: Request) -> list[read.Doc]:
    state = request.app.state
    cached = getattr(state, "lineage_docs", None)
    if cached is None:
        cached = state.lineage_docs = read.documents(_store(request))
    return list(cached)


def _matches(x: LineageSummary, theme: str, place: str, agency: str) -> bool:
    return (
        (not theme or theme in x.theme_ids)
        and (not place or place in {p for p, _ in x.places})
        and (not agency or any(agency in a for a in x.agencies))
    )


@router.get("/lineages", response_class=HTMLResponse, include_in_schema=False)
def lineages_page(
    request: Request,
    theme: str = Query("", description="Only lineages with a version of this theme (theme id)"),
    place: str = Query("", description="Only lineages with a version from this place (place id)"),
    agency: str = Query("", description="Only lineages an agency takes part in (part of its name)"),
    sort: str = Query("length", description="length, first, last or theme"),
) -> HTMLResponse:
    """Every reform lineage, filterable by theme, place and agency, sortable."""
    all_rows = _summaries(request)
    theme, place, agency = theme.strip(), place.strip(), agency.strip()
    rows = [x for x in all_rows if _matches(x, theme, place, agency)]
    key = SORTS.get(sort, SORTS["length"])[1]
    rows.sort(key=key)
    docs = _docs(request)
    themes = sorted({t for x in all_rows for t in x.themes}, key=lambda t: t[1])
    places = sorted({p for x in all_rows for p in x.places}, key=lambda p: p[0])
    agencies = sorted({a for x in all_rows for a in x.agencies})
    return _page(
        request,
        "lineages.html",
        {
            "title": "改革沿革 Reform lineages",
            "nav": "lineages",
            "rows": rows,
            "total": len(all_rows),
            "docs": {d.iri: d for d in docs},
            "colour": {d.iri: doc_colour(d.index) for d in docs},
            "options": {"theme": themes, "place": places, "agency": agencies},
            "selected": {"theme": theme, "place": place, "agency": agency, "sort": sort},
            "sorts": {k: v[0] for k, v in SORTS.items()},
        },
    )


@router.get("/lineages/{doc}/{number}", response_class=HTMLResponse, include_in_schema=False)
def lineage_page(request: Request, doc: str, number: str) -> HTMLResponse:
    """One lineage: timeline, links between versions, versions side by side."""
    iri = f"{ID}reform/{doc}/{number}"
    detail = read.lineage(_store(request), iri)
    if detail is None:
        return _page(
            request,
            "not_found.html",
            {
                "title": "Not found",
                "what": f"lineage {doc}/{number}",
                "hint": "No reform lineage starts at this measure; see /lineages.",
            },
            status=404,
        )
    index = {v.iri: n for n, v in enumerate(detail.versions, start=1)}
    context: dict[str, Any] = {
        "title": f"{detail.label} · 改革沿革",
        "links": sorted(detail.links, key=lambda x: (index[x.source], index[x.target])),
        "nav": "lineages",
        "x": detail,
        "colour": {d.iri: doc_colour(d.index) for d in detail.docs.values()},
        "stages": STAGES,
        "index": index,
        **review_context(request),
    }
    return _page(request, "lineage.html", context)


__all__ = ["router", "templates"]
