"""Complete pages from the store: what both the web app (/viz/…) and `reformkg viz` write.

Plain functions from (store, filters, page mode) to HTML text, so the HTTP routes and the CLI
are a few lines each and produce the same pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reformkg.graph.query.store import SparqlStore
from reformkg.graph.read.analytics import (
    Filters,
    busiest_agencies,
    collective_share,
    measure_roles,
    workload,
)
from reformkg.viz.agencies import agency_view, canonical_agency
from reformkg.viz.common import LEVEL_NAMES, View, filter_notice, measure_href
from reformkg.viz.evolution import evolution_view
from reformkg.viz.render import VIEWS, Page, filter_options, render_index, render_table, render_view
from reformkg.viz.themes import theme_view

__all__ = [
    "BUILDERS",
    "index_page",
    "view_page",
    "workload_page",
    "workload_table_rows",
    "write_standalone",
]

#: View name → the function building its view model.
BUILDERS: dict[str, Callable[..., View]] = {
    "agencies": agency_view,
    "evolution": evolution_view,
    "themes": theme_view,
}

TABLE_COLUMNS: list[tuple[str, str, str]] = [
    ("label", "单位 Agency", "text"),
    ("level", "级别 Level", "text"),
    ("collective", "集体 Collective", "text"),
    ("led", "牵头 Led", "num"),
    ("responsible", "责任 Co-responsible", "num"),
    ("total", "合计 Total", "num"),
    ("documents", "文件 Documents", "num"),
    ("sections", "章节 Sections", "num"),
    ("themes", "主题 Themes", "num"),
    ("months", "时限月份 Deadline months", "num"),
    ("degree", "度中心性 Degree", "num"),
    ("betweenness", "中介中心性 Betweenness", "num"),
    ("strength", "共同举措 Shared (weighted degree)", "num"),
    ("community", "社区 Community", "num"),
]


def view_page(
    store: SparqlStore,
    name: str,
    filters: Filters,
    page: Page,
    options: Mapping[str, list[dict[str, str]]] | None = None,
    **caps: Any,
) -> str:
    """One graph view (``agencies``, ``evolution`` or ``themes``) as HTML.

    An agency filter given as a printed name or alias is read as the agency it names."""
    link_base = page.extras.get("link_base", "/id/")
    if filters.agency:
        filters = replace(filters, agency=canonical_agency(store, filters.agency) or filters.agency)
    view = BUILDERS[name](store, filters, link_base=link_base, facets=page.standalone, **caps)
    return render_view(view, options if options is not None else filter_options(store), page)


def summary(store: SparqlStore, n: int = 15) -> dict[str, Any]:
    """What the overview page states: the busiest agencies and the share of collective entries."""
    rows = workload(store)
    return {
        "busiest": [
            {**r, "level": LEVEL_NAMES.get(str(r["level"]), r["level"])}
            for r in busiest_agencies(rows, n)
        ],
        "collective": collective_share(store),
        "agencies": len(rows),
        "measures": len({m for m, _, _ in measure_roles(store)}),
    }


def index_page(store: SparqlStore, page: Page) -> str:
    """The /viz overview page."""
    return render_index(summary(store), page)


def workload_table_rows(
    store: SparqlStore, filters: Filters, link_base: str = "/id/"
) -> list[dict[str, Any]]:
    """One row per agency for the sortable workload table (busiest first)."""
    out = []
    for r in workload(store, filters):
        out.append(
            {
                "label": r["label"],
                "_href": measure_href(str(r["agency"]), link_base),
                "level": LEVEL_NAMES.get(str(r["level"]), r["level"]),
                "collective": "是 yes" if r["collective"] else "否 no",
                "led": r["led"],
                "responsible": r["responsible"],
                "total": r["total"],
                "documents": len(r["by_document"]),
                "sections": len(r["by_section"]),
                "themes": len([k for k in r["by_theme"] if k != "none"]),
                "months": len([k for k in r["by_month"] if k != "none"]),
                "degree": f"{r['degree']:.3f}",
                "betweenness": f"{r['betweenness']:.3f}",
                "strength": r["strength"],
                "community": r["community"],
            }
        )
    return out


def workload_page(store: SparqlStore, filters: Filters, page: Page) -> str:
    """The workload as an HTML table sortable by any column."""
    rows = workload_table_rows(store, filters, page.extras.get("link_base", "/id/"))
    return render_table(
        TABLE_COLUMNS, rows, page, "单位工作量 Agency workload", filter_notice(filters.as_params())
    )


def write_standalone(
    store: SparqlStore, out_dir: Path, link_base: str = "https://w3id.org/reformkg/id/"
) -> list[Path]:
    """Write index.html, one file per view and workload.html: self-contained, no server needed.

    Measure links point at ``link_base`` (the IRIs themselves by default).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    page = Page(standalone=True, extras={"link_base": link_base})
    options = filter_options(store)
    written = []
    files = {
        "index.html": index_page(store, page),
        "workload.html": workload_page(store, Filters(), page),
    }
    for name in VIEWS:
        files[f"{name}.html"] = view_page(store, name, Filters(), page, options)
    for name, html in sorted(files.items()):
        path = out_dir / name
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written
