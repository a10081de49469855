"""The theme map: themes with their SKOS hierarchy, the measures they cover and the places
those measures come from.

Nodes: the measures passing the filters, every theme they have (``rk:hasTheme``, asserted for
the most specific themes) with all its broader themes, and their source places. Edges:
``skos:broader`` between shown themes, ``rk:hasTheme`` from a measure to its themes,
``rk:sourcePlace`` from a measure to its place. Past `cap` measures, measures are grouped into
one node per theme ("N 项举措") and places link to themes instead; the page says so.
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import pyoxigraph as ox

from reformkg.graph.query.store import select
from reformkg.graph.read.analytics import PREFIXES, Filters, select_measures, short_id
from reformkg.viz.agencies import natural_key
from reformkg.viz.common import (
    View,
    filter_notice,
    layout,
    lines,
    measure_href,
    new_network,
    vis_lists,
)
from reformkg.viz.facets import attach_facets

__all__ = ["theme_view"]

THEME_COLOUR = "#8e44ad"
TOP_THEME_COLOUR = "#5b2c6f"
MEASURE_COLOUR = "#5dade2"
PLACE_COLOUR = "#e67e22"
GROUP_COLOUR = "#aed6f1"


def _themes(store: ox.Store) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Theme labels (zh preferred) and (narrower, broader) pairs of the SKOS scheme."""
    rows = select(
        store,
        PREFIXES
        + """SELECT ?t (SAMPLE(?zh) AS ?lzh) (SAMPLE(?any) AS ?l) WHERE {
        ?t a skos:Concept . OPTIONAL { ?t skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }
        OPTIONAL { ?t skos:prefLabel ?any } } GROUP BY ?t""",
    )
    labels = {str(r["t"]): str(r["lzh"] or r["l"] or short_id(str(r["t"]), "theme")) for r in rows}
    pairs = select(store, PREFIXES + "SELECT DISTINCT ?t ?b WHERE { ?t skos:broader ?b }")
    return labels, sorted((str(r["t"]), str(r["b"])) for r in pairs)


def theme_view(
    store: ox.Store,
    filters: Filters | None = None,
    *,
    cap: int = 400,
    panel_cap: int = 80,
    link_base: str = "/id/",
    facets: bool = False,
) -> View:
    """The view model of the theme map for `filters` (see `reformkg.viz.common.View`)."""
    filters = filters or Filters()
    measures = {
        str(r["m"]): str(r["l"] or short_id(str(r["m"]), "measure"))
        for r in select_measures(
            store,
            "SELECT ?m (SAMPLE(?x) AS ?l) WHERE { OPTIONAL { ?m rdfs:label ?x } } GROUP BY ?m",
            filters,
        )
    }
    has_theme = defaultdict(set)
    for r in select_measures(store, "SELECT DISTINCT ?m ?t WHERE { ?m rk:hasTheme ?t }", filters):
        has_theme[str(r["m"])].add(str(r["t"]))
    place_of = defaultdict(set)
    for r in select_measures(
        store, "SELECT DISTINCT ?m ?p WHERE { ?m rk:sourcePlace ?p }", filters
    ):
        place_of[str(r["m"])].add(str(r["p"]))
    place_labels = {
        str(r["p"]): str(r["l"])
        for r in select(
            store,
            PREFIXES + "SELECT ?p (SAMPLE(?x) AS ?l) WHERE { ?p a rk:Place ; rdfs:label ?x } "
            "GROUP BY ?p",
        )
    }
    labels, broader = _themes(store)
    up = defaultdict(set)
    for t, b in broader:
        up[t].add(b)

    def ancestors(t: str) -> set[str]:
        seen, todo = {t}, [t]
        while todo:
            for b in up[todo.pop()]:
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    covered: dict[str, set[str]] = defaultdict(set)  # theme → measures (with narrower themes)
    for m, ts in has_theme.items():
        for t in ts:
            for a in ancestors(t):
                covered[a].add(m)
    shown_themes = sorted(covered)
    notices = filter_notice(filters.as_params())
    grouped = len(measures) > cap
    net = new_network(directed=True)
    panels: dict[str, dict] = {}
    members: dict[str, set[str]] = {}
    top = {t for t in shown_themes if not up[t]}
    for t in shown_themes:
        n = len(covered[t])
        net.add_node(
            t,
            label=labels.get(t, short_id(t, "theme")),
            shape="box",
            color=TOP_THEME_COLOUR if t in top else THEME_COLOUR,
            font={"color": "#ffffff", "size": 16 if t in top else 13},
            title=lines(labels.get(t, ""), f"{short_id(t, 'theme')} · {n} 项举措 measures"),
        )
        panels[t] = _list_panel(
            "theme",
            labels.get(t, t),
            f"主题 theme · {short_id(t, 'theme')}",
            measure_href(t, link_base),
            covered[t],
            measures,
            panel_cap,
            link_base,
        )
        members[t] = covered[t]
    places = sorted({p for m in measures for p in place_of.get(m, ())})
    for p in places:
        ms = {m for m in measures if p in place_of.get(m, ())}
        net.add_node(
            p,
            label=place_labels.get(p, short_id(p, "place")),
            shape="diamond",
            size=18,
            color=PLACE_COLOUR,
            title=lines(place_labels.get(p, ""), f"{len(ms)} 项举措 measures"),
        )
        panels[p] = _list_panel(
            "place",
            place_labels.get(p, p),
            f"地点 place · {short_id(p, 'place')}",
            measure_href(p, link_base),
            ms,
            measures,
            panel_cap,
            link_base,
        )
        members[p] = ms
    for t, b in broader:
        if t in covered and b in covered:
            net.add_edge(t, b, title="上位主题 skos:broader", color="#5b2c6f", width=2, arrows="to")
    if not grouped:
        for m in sorted(measures, key=natural_key):
            short = measures[m] if len(measures[m]) <= 8 else measures[m][:7] + "…"
            net.add_node(
                m,
                label=short,
                size=6,
                color=MEASURE_COLOUR,
                font={"size": 10},
                title=lines(measures[m], short_id(m, "measure")),
            )
            panels[m] = {
                "kind": "measure",
                "title": measures[m],
                "subtitle": short_id(m, "measure"),
                "href": measure_href(m, link_base),
                "items_title": "主题与地点 Themes and places",
                "items": [
                    {"label": labels.get(t, t), "href": measure_href(t, link_base), "note": "主题"}
                    for t in sorted(has_theme.get(m, ()))
                ]
                + [
                    {
                        "label": place_labels.get(p, p),
                        "href": measure_href(p, link_base),
                        "note": "地点",
                    }
                    for p in sorted(place_of.get(m, ()))
                ],
            }
            members[m] = {m}
            for t in sorted(has_theme.get(m, ())):
                net.add_edge(m, t, title="rk:hasTheme", color="#a9cce3", arrows="")
            for p in sorted(place_of.get(m, ())):
                net.add_edge(m, p, title="rk:sourcePlace", color="#f5cba7", arrows="")
    else:
        notices.append(
            f"共 {len(measures)} 项举措，超过 {cap}：按主题合并显示 (more than {cap} "
            f"measures: grouped into one node per theme; places link to themes)"
        )
        by_theme: dict[str, set[str]] = defaultdict(set)
        for m, ts in has_theme.items():
            for t in ts:
                by_theme[t].add(m)
        for t in sorted(by_theme):
            gid = f"group:{t}"
            ms = by_theme[t]
            net.add_node(
                gid,
                label=f"{len(ms)} 项举措",
                size=round(6 + 2 * math.sqrt(len(ms)), 1),
                color=GROUP_COLOUR,
                title=f"{labels.get(t, t)}: {len(ms)} 项举措 measures",
            )
            panels[gid] = _list_panel(
                "group",
                f"{labels.get(t, t)}: {len(ms)} 项举措",
                "",
                "",
                ms,
                measures,
                panel_cap,
                link_base,
            )
            members[gid] = ms
            net.add_edge(gid, t, title="rk:hasTheme", color="#a9cce3", arrows="")
        weights: dict[tuple[str, str], int] = defaultdict(int)
        for m, ts in has_theme.items():
            for t in ts:
                for p in place_of.get(m, ()):
                    weights[t, p] += 1
        for (t, p), w in sorted(weights.items()):
            net.add_edge(
                p,
                t,
                title=f"{w} 项举措 measures",
                width=round(1 + math.log2(w), 2),
                color="#f5cba7",
                arrows="",
            )
    nodes, edges = vis_lists(net)
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in nodes)
    graph.add_edges_from((e["from"], e["to"]) for e in edges)
    pos = layout(graph, scale=1100)
    for n in nodes:
        n["x"], n["y"] = pos[n["id"]]
    if not nodes:
        notices.append("没有符合筛选条件的举措 (no measure matches these filters)")
    view = View(
        view="themes",
        title="主题地图 Theme map",
        nodes=nodes,
        edges=edges,
        panels=panels,
        notices=notices,
        legend=[
            {"colour": TOP_THEME_COLOUR, "text": "一级主题 top theme"},
            {"colour": THEME_COLOUR, "text": "主题 theme"},
            {
                "colour": MEASURE_COLOUR if not grouped else GROUP_COLOUR,
                "text": "举措 measure" if not grouped else "举措组 measures grouped",
            },
            {"colour": PLACE_COLOUR, "text": "地点 place"},
        ],
        filters=filters.as_params(),
        stats={
            "nodes": len(nodes),
            "edges": len(edges),
            "measures": len(measures),
            "themes": len(shown_themes),
            "places": len(places),
            "grouped": grouped,
        },
    )
    if facets:
        attach_facets(view, store, members)
    return view


def _list_panel(
    kind: str,
    title: str,
    subtitle: str,
    href: str,
    ms: set[str],
    measures: dict[str, str],
    panel_cap: int,
    link_base: str,
) -> dict:
    items = sorted(ms, key=natural_key)
    return {
        "kind": kind,
        "title": title,
        "subtitle": subtitle,
        "href": href,
        "facts": [["举措 measures", len(items)]],
        "items": [
            {
                "label": measures.get(m, m),
                "href": measure_href(m, link_base),
                "note": short_id(m, "measure"),
            }
            for m in items[:panel_cap]
        ],
        "more": max(len(items) - panel_cap, 0),
    }
