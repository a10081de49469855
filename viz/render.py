"""Turn view models into HTML pages: served by the web app, or standalone files for disk.

One Jinja2 environment (autoescaped) renders every page. The graph data goes into the page as
JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped
(`reformkg.viz.common.script_json`), and viz.js draws it by setting text, never HTML, so a measure named
``<script>`` shows as text.

Two modes:
- served (``standalone=False``): assets are linked at ``asset_base`` (/viz/assets/), views link
  to each other at /viz/…, filter forms submit to the server;
- standalone (``standalone=True``): assets are inlined, views link to ``<view>.html`` beside
  them, and the filters run in the page (viz.js) since there is no server to ask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2

from reformkg.graph.query.store import Row, SparqlStore, select
from reformkg.graph.read.analytics import PREFIXES, short_id
from reformkg.script import printed_only
from reformkg.viz.assets import TEMPLATES, inline_script, inline_style
from reformkg.viz.common import CJK_FONT, View, script_json

__all__ = ["VIEWS", "Page", "filter_options", "render_index", "render_table", "render_view"]

#: View name → (title, one-line description); the order of the navigation bar.
VIEWS: dict[str, tuple[str, str]] = {
    "agencies": (
        "单位工作量网络 Agency network",
        "Agencies linked by shared measures; size = measures led, colour = level.",
    ),
    "evolution": (
        "演进视图 Evolution",
        "Measures by batch date, with 'same reform' and 'evolves from' links and the "
        "text difference between versions.",
    ),
    "themes": (
        "主题地图 Theme map",
        "Themes (SKOS hierarchy), the measures they cover and the places they come from.",
    ),
}

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Page:
    """Where a page lives: how it links to assets and to the other pages."""

    standalone: bool = False
    asset_base: str = "/viz/assets/"
    extras: Mapping[str, Any] = field(default_factory=dict)

    def href(self, name: str, params: Mapping[str, str] | None = None) -> str:
        """The link to a view (``agencies``), ``index`` or ``workload`` in this mode."""
        from urllib.parse import urlencode

        query = ("?" + urlencode(dict(params))) if params else ""
        if self.standalone:
            return f"{name}.html{query}"
        if name == "index":
            return f"/viz{query}"
        if name == "workload":
            return f"/workload{query}"
        return f"/viz/{name}{query}"


def filter_options(store: SparqlStore) -> dict[str, list[dict[str, str]]]:
    """The choices of the filter form, from the store: documents, themes, places, agencies."""

    def rows(query: str) -> list[Row]:
        return select(store, PREFIXES + query)

    docs = rows(f"""SELECT ?d (SAMPLE(?t) AS ?title) (SAMPLE(?o) AS ?order) WHERE {{
        ?d a rk:Document . OPTIONAL {{ ?d dcterms:title ?t {printed_only("?t", "?d", "dcterms:title")} }}
        OPTIONAL {{ ?d rk:batchOrder ?o }} }} GROUP BY ?d""")
    themes = rows("""SELECT ?t (SAMPLE(?l) AS ?label) WHERE {
        ?m rk:hasTheme/skos:broader* ?t . OPTIONAL { ?t skos:prefLabel ?l FILTER(langMatches(lang(?l), "zh")) }
        } GROUP BY ?t""")
    places = rows("""SELECT ?p (SAMPLE(?l) AS ?label) WHERE {
        ?m (rk:sourcePlace|rk:jurisdiction)/rk:withinPlace* ?p . OPTIONAL { ?p rdfs:label ?l } } GROUP BY ?p""")
    agencies = rows("""SELECT DISTINCT ?a WHERE { ?m rk:leadAgency|rk:responsibleAgency ?a }""")
    return {
        "doc": [
            {"value": short_id(str(r["d"]), "doc"), "label": str(r["title"] or "")}
            for r in sorted(docs, key=lambda r: (r["order"] or 0, str(r["d"])))
        ],
        "theme": sorted(
            (
                {"value": short_id(str(r["t"]), "theme"), "label": str(r["label"] or "")}
                for r in themes
            ),
            key=lambda o: o["value"],
        ),
        "place": sorted(
            (
                {"value": short_id(str(r["p"]), "place"), "label": str(r["label"] or "")}
                for r in places
            ),
            key=lambda o: o["value"],
        ),
        "agency": sorted(
            ({"value": short_id(str(r["a"]), "agency"), "label": ""} for r in agencies),
            key=lambda o: o["value"],
        ),
    }


def _assets(page: Page, scripts: Sequence[str], styles: Sequence[str]) -> dict[str, Any]:
    if page.standalone:
        return {
            "inline_scripts": [inline_script(n) for n in scripts],
            "inline_styles": [inline_style(n) for n in styles],
            "script_links": [],
            "style_links": [],
        }
    return {
        "inline_scripts": [],
        "inline_styles": [],
        "script_links": [page.asset_base + n for n in scripts],
        "style_links": [page.asset_base + n for n in styles],
    }


def _nav(page: Page, current: str) -> list[dict[str, Any]]:
    """The views' own navigation (served pages show it under the site's header)."""
    items = [("index", "概览 Overview")] + [(k, v[0]) for k, v in VIEWS.items()]
    if page.standalone:
        items.append(("workload", "工作量表 Workload table"))
    out = [{"href": page.href(k), "text": t, "current": k == current} for k, t in items]
    if not page.standalone:  # the lineage pages are served, never written to files
        out.append({"href": "/lineages", "text": "改革沿革 Lineages", "current": False})
    return out


def _site(page: Page, current: str) -> dict[str, Any]:
    """What the shared header (_header.html) needs: the current section and its stylesheet."""
    section = "workload" if current == "workload" else "viz"
    return {
        "current": section,
        "site_css": [] if page.standalone else [page.asset_base + "site.css"],
    }


def render_view(view: View, options: Mapping[str, list[dict[str, str]]], page: Page) -> str:
    """One graph view as a complete HTML page."""
    data = dict(view)
    data["font"] = CJK_FONT
    data["standalone"] = page.standalone
    return _ENV.get_template("view.html").render(
        view=view,
        data_json=script_json(data),
        options=options,
        page=page,
        selected={
            k: view["filters"].get(k, "") for k in ("doc", "theme", "place", "agency", "measure")
        },
        nav=_nav(page, view["view"]),
        **_site(page, view["view"]),
        font=CJK_FONT,
        description=VIEWS[view["view"]][1],
        action=page.href(view["view"]).split("?")[0],
        **_assets(page, ["vis-network.min.js", "viz.js"], ["vis-network.css", "viz.css"]),
    )


def render_index(summary: Mapping[str, Any], page: Page) -> str:
    """The /viz overview: what each view shows, the busiest agencies, the collective share."""
    views = [{"href": page.href(k), "title": t, "description": d} for k, (t, d) in VIEWS.items()]
    return _ENV.get_template("index.html").render(
        views=views,
        summary=summary,
        page=page,
        nav=_nav(page, "index"),
        **_site(page, "index"),
        font=CJK_FONT,
        **_assets(page, [], ["viz.css"]),
    )


def render_table(
    columns: Sequence[tuple[str, str, str]],
    rows: Sequence[Mapping[str, Any]],
    page: Page,
    title: str,
    notices: Sequence[str] = (),
) -> str:
    """A table sortable by any column in the browser (table.js; numbers sort as numbers).

    ``columns`` are (key, heading, kind) with kind ``text`` or ``num``; a row's ``_href``
    links its first cell.
    """
    return _ENV.get_template("table.html").render(
        columns=columns,
        rows=rows,
        page=page,
        title=title,
        notices=list(notices),
        nav=_nav(page, "workload"),
        **_site(page, "workload"),
        font=CJK_FONT,
        **_assets(page, ["table.js"], ["viz.css"]),
    )
