"""Serve time: the theme map, drawn for each /viz/themes request and each standalone file.

Analysts read it to see which policy areas a set of measures touches and where those measures
come from. A measure is tagged with its most specific themes only, so a theme here counts the
measures of all its narrower themes too, and the whole SKOS path up to a top theme is shown.
Past `cap` measures, single measures would bury the themes, so they are grouped into one node
per theme and places link to themes instead; the page says so.

The work is split so each part can be checked alone: `read_themes` is the only stage that asks
the store, `model_themes` decides what is shown without one, and `draw_themes` decides how it
looks; `theme_view` runs them in turn.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import networkx as nx
from pyvis.network import Network

from reformkg.graph.query.store import SparqlStore, select
from reformkg.graph.read.analytics import PREFIXES, Filters, select_measures, short_id
from reformkg.script import printed_only
from reformkg.viz.agencies import natural_key
from reformkg.viz.common import (
    View,
    attach_find,
    filter_notice,
    label_box,
    layout,
    lines,
    measure_href,
    measure_items,
    new_network,
    separate,
    vis_lists,
)
from reformkg.viz.facets import attach_graph_facets

__all__ = ["ThemeRows", "draw_themes", "model_themes", "read_themes", "theme_view"]

THEME_COLOUR = "#8e44ad"
TOP_THEME_COLOUR = "#5b2c6f"
MEASURE_COLOUR = "#5dade2"
PLACE_COLOUR = "#e67e22"
GROUP_COLOUR = "#aed6f1"

#: A side panel's content, as viz.js reads it.
Panel = dict[str, Any]


@dataclass(frozen=True)
class ThemeRows:
    """The store's answers, as plain values, so the map can be modelled and tested without it.

    The theme scheme and the place labels are read whole, not filtered: a filtered measure's
    theme still needs its broader themes to hang in the hierarchy.
    """

    measures: dict[str, str]  # measure IRI → label, the measures passing the filters
    has_theme: list[tuple[str, str]]  # (measure, theme), as asserted (most specific)
    source_place: list[tuple[str, str]]  # (measure, place)
    theme_labels: dict[str, str]  # every skos:Concept → label (zh preferred)
    broader: list[tuple[str, str]]  # (narrower, broader), sorted
    place_labels: dict[str, str]  # every rk:Place → label


def theme_view(
    store: SparqlStore,
    filters: Filters | None = None,
    *,
    cap: int = 400,
    panel_cap: int = 80,
    link_base: str = "/id/",
    facets: bool = False,
) -> View:
    """The view model of the theme map for `filters` (see `reformkg.viz.common.View`).

    With ``facets``, nodes carry the measures they stand for (standalone pages filter in the
    browser, with no store to ask).
    """
    filters = filters or Filters()
    graph = model_themes(read_themes(store, filters), cap=cap)
    view = draw_themes(graph, filters, panel_cap=panel_cap, link_base=link_base)
    if facets:
        attach_graph_facets(view, store, graph)
    return view


def read_themes(store: SparqlStore, filters: Filters) -> ThemeRows:
    """One round of queries per page, and the only one: the later stages never see the store."""
    measures = {
        str(r["m"]): str(r["l"] or short_id(str(r["m"]), "measure"))
        for r in select_measures(
            store,
            "SELECT ?m (SAMPLE(?x) AS ?l) WHERE { OPTIONAL { ?m rdfs:label ?x "
            + printed_only("?x", "?m", "rdfs:label")
            + " } } GROUP BY ?m",
            filters,
        )
    }
    has_theme = [
        (str(r["m"]), str(r["t"]))
        for r in select_measures(
            store,
            "SELECT DISTINCT ?m ?t WHERE { ?m rk:themeAssignment/rk:assignedTheme ?t }",
            filters,
        )
    ]
    source_place = [
        (str(r["m"]), str(r["p"]))
        for r in select_measures(
            store, "SELECT DISTINCT ?m ?p WHERE { ?m rk:sourcePlace|rk:jurisdiction ?p }", filters
        )
    ]
    place_labels = {
        str(r["p"]): str(r["l"])
        for r in select(
            store,
            PREFIXES + "SELECT ?p (SAMPLE(?x) AS ?l) WHERE { ?p a rk:Place ; rdfs:label ?x } "
            "GROUP BY ?p",
        )
    }
    theme_labels, broader = _themes(store)
    return ThemeRows(measures, has_theme, source_place, theme_labels, broader, place_labels)


def _themes(store: SparqlStore) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Chinese labels first because analysts read the scheme in Chinese; the id stands in
    for a concept with no label, so every theme can still be named."""
    rows = select(
        store,
        PREFIXES
        + """SELECT ?t (SAMPLE(?zh) AS ?lzh) (SAMPLE(?any) AS ?l) WHERE {
        ?t a skos:Concept . OPTIONAL { ?t skos:prefLabel ?zh FILTER(langMatches(lang(?zh), "zh")) }
        OPTIONAL { ?t skos:prefLabel ?any } } GROUP BY ?t""",
    )
    labels = {str(r["t"]): str(r["lzh"] or r["l"] or short_id(str(r["t"]), "theme")) for r in rows}
    pairs = select(store, PREFIXES + "SELECT DISTINCT ?t ?b WHERE { ?t skos:broader ?b }")
    return labels, sorted((str(r["t"]), str(r["b"])) for r in pairs)


def model_themes(rows: ThemeRows, *, cap: int = 400) -> nx.DiGraph[str]:
    """What the map shows, decided apart from how it looks, so the counting rules can be
    tested on a handful of rows.

    Nodes are added in drawing order (themes, places, then measures or groups) and carry
    ``kind`` (``theme``, ``place``, ``measure`` or ``group``), ``label`` (None where the store
    has none; groups name their ``theme`` instead) and ``measures``, the measures a node stands
    for: its panel's list and its facets. Themes also carry ``top`` (no broader theme).
    Edges carry ``relation`` (``broader``, ``hasTheme``, ``sourcePlace``); grouped, a place's
    link to a theme carries ``weight``, the measures they share. The graph carries ``grouped``,
    ``cap`` and ``measure_labels`` (panels list measures that are not nodes when grouped).
    """
    has_theme: dict[str, set[str]] = defaultdict(set)
    for m, t in rows.has_theme:
        has_theme[m].add(t)
    place_of: dict[str, set[str]] = defaultdict(set)
    for m, p in rows.source_place:
        place_of[m].add(p)
    up: dict[str, set[str]] = defaultdict(set)
    for t, b in rows.broader:
        up[t].add(b)

    def ancestors(t: str) -> set[str]:
        seen, todo = {t}, [t]
        while todo:
            for b in up.get(todo.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    covered: dict[str, set[str]] = defaultdict(set)  # theme → measures (with narrower themes)
    for m, ts in has_theme.items():
        for t in ts:
            for a in ancestors(t):
                covered[a].add(m)
    grouped = len(rows.measures) > cap
    graph: nx.DiGraph[str] = nx.DiGraph(
        grouped=grouped, cap=cap, measure_labels=dict(rows.measures)
    )
    for t in sorted(covered):
        graph.add_node(
            t, kind="theme", label=rows.theme_labels.get(t), top=not up.get(t), measures=covered[t]
        )
    for p in sorted({p for m in rows.measures for p in place_of.get(m, ())}):
        ms = {m for m in rows.measures if p in place_of.get(m, ())}
        graph.add_node(p, kind="place", label=rows.place_labels.get(p), measures=ms)
    for t, b in rows.broader:
        if t in covered and b in covered:
            graph.add_edge(t, b, relation="broader")
    if not grouped:
        for m in sorted(rows.measures, key=natural_key):
            graph.add_node(m, kind="measure", label=rows.measures[m], measures={m})
            for t in sorted(has_theme.get(m, ())):
                graph.add_edge(m, t, relation="hasTheme")
            for p in sorted(place_of.get(m, ())):
                graph.add_edge(m, p, relation="sourcePlace")
        return graph
    by_theme: dict[str, set[str]] = defaultdict(set)
    for m, ts in has_theme.items():
        for t in ts:
            by_theme[t].add(m)
    for t in sorted(by_theme):
        graph.add_node(f"group:{t}", kind="group", label=None, theme=t, measures=by_theme[t])
        graph.add_edge(f"group:{t}", t, relation="hasTheme")
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for m, ts in has_theme.items():
        for t in ts:
            for p in place_of.get(m, ()):
                weights[t, p] += 1
    for (t, p), w in sorted(weights.items()):
        graph.add_edge(p, t, relation="sourcePlace", weight=w)
    return graph


def draw_themes(
    graph: nx.DiGraph[str],
    filters: Filters,
    *,
    panel_cap: int = 80,
    link_base: str = "/id/",
) -> View:
    """How the map looks, kept apart from what it shows, so a hand-made graph can be drawn
    and checked. `filters` only label the page: the graph is already filtered."""
    measures: dict[str, str] = graph.graph["measure_labels"]
    grouped: bool = graph.graph["grouped"]
    cap: int = graph.graph["cap"]
    notices = filter_notice(filters.as_params())
    net = new_network(directed=True)
    panels: dict[str, Panel] = {}
    for n in graph:
        panels[n] = _draw_node(net, graph, n, panel_cap, link_base)
    for u, v, e in _edge_order(graph):
        if e["relation"] == "broader":
            net.add_edge(u, v, title="上位主题 skos:broader", color="#5b2c6f", width=2, arrows="to")
        elif "weight" in e:
            w: int = e["weight"]
            net.add_edge(
                u,
                v,
                title=f"{w} 项举措 measures",
                width=round(1 + math.log2(w), 2),
                color="#f5cba7",
                arrows="",
            )
        elif e["relation"] == "hasTheme":
            net.add_edge(u, v, title="rk:hasTheme", color="#a9cce3", arrows="")
        else:
            net.add_edge(u, v, title="rk:sourcePlace", color="#f5cba7", arrows="")
    if grouped:
        notices.append(
            f"共 {len(measures)} 项举措，超过 {cap}：按主题合并显示 (more than {cap} "
            f"measures: grouped into one node per theme; places link to themes)"
        )
    nodes, edges = vis_lists(net)
    drawn: nx.Graph[str] = nx.Graph()
    drawn.add_nodes_from(node["id"] for node in nodes)
    drawn.add_edges_from((e["from"], e["to"]) for e in edges)
    # themes are boxes holding their names: keep them that far apart, so no name covers another
    sizes = {
        node["id"]: _half_width(node)
        for node in nodes
        if graph.nodes[node["id"]]["kind"] == "theme"
    }
    pos = layout(drawn, scale=1100)
    pos.update(separate({n: pos[n] for n in sizes}, sizes))
    for node in nodes:
        node["x"], node["y"] = pos[node["id"]]
    if not nodes:
        notices.append("没有符合筛选条件的举措 (no measure matches these filters)")
    kinds = [graph.nodes[n]["kind"] for n in graph]
    for node in nodes:
        node["rank"] = len(graph.nodes[node["id"]]["measures"])
    tops = [
        n for n in nodes if graph.nodes[n["id"]]["kind"] == "theme" and graph.nodes[n["id"]]["top"]
    ]
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
            "themes": kinds.count("theme"),
            "places": kinds.count("place"),
            "grouped": grouped,
        },
        focus=_focus(tops),
    )
    attach_find(view, {n: _names(graph, n, measures) for n in graph})
    return view


def _half_width(node: dict[str, Any]) -> float:
    """Half the width of a theme's box: its name at its font size, and the box's padding."""
    box = label_box(0.0, 0.0, str(node["label"]), float(node["font"]["size"]), 0.0)
    return (box[2] - box[0]) / 2 + 8


def _focus(tops: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first view: the top themes, their labels (22 px on the canvas) at least 12 px."""
    if not tops:
        return None
    xs = [float(n["x"]) for n in tops]
    ys = [float(n["y"]) for n in tops]
    return {
        "x0": min(xs) - 60,
        "y0": min(ys) - 40,
        "x1": max(xs) + 60,
        "y1": max(ys) + 40,
        "min": 0.55,
        "max": 1.0,
    }


def _names(graph: nx.DiGraph[str], n: str, measures: dict[str, str]) -> list[str]:
    """What the find box matches for a node: its label and its id (a theme's, a place's)."""
    d = graph.nodes[n]
    if d["kind"] == "measure":
        return [measures[n], short_id(n, "measure")]
    if d["kind"] == "group":
        return [str(graph.nodes[d["theme"]]["label"] or "")]
    return [str(d["label"] or ""), short_id(n, d["kind"])]


def _draw_node(
    net: Network, graph: nx.DiGraph[str], n: str, panel_cap: int, link_base: str
) -> Panel:
    """Add node `n` to `net` and return its panel: each kind has its own shape and colour, so
    the legend can tell them apart, and a label only where it fits (a measure's is cut)."""
    d = graph.nodes[n]
    ms: set[str] = d["measures"]
    measures: dict[str, str] = graph.graph["measure_labels"]

    def name(node: str, fallback: str) -> str:
        label: str | None = graph.nodes[node]["label"]
        return fallback if label is None else label

    def list_panel(kind: str, title: str, subtitle: str, href: str) -> Panel:
        return _list_panel(kind, title, subtitle, href, ms, measures, panel_cap, link_base)

    if d["kind"] == "theme":
        theme = short_id(n, "theme")
        net.add_node(
            n,
            label=name(n, theme),
            shape="box",
            color=TOP_THEME_COLOUR if d["top"] else THEME_COLOUR,
            font={"color": "#ffffff", "size": 22 if d["top"] else 15},
            title=lines(name(n, ""), f"{theme} · {len(ms)} 项举措 measures"),
        )
        return list_panel("theme", name(n, n), f"主题 theme · {theme}", measure_href(n, link_base))
    if d["kind"] == "place":
        place = short_id(n, "place")
        net.add_node(
            n,
            label=name(n, place),
            shape="diamond",
            size=18,
            color=PLACE_COLOUR,
            title=lines(name(n, ""), f"{len(ms)} 项举措 measures"),
        )
        return list_panel("place", name(n, n), f"地点 place · {place}", measure_href(n, link_base))
    if d["kind"] == "measure":
        label = measures[n]
        net.add_node(
            n,
            label=label if len(label) <= 8 else label[:7] + "…",
            size=6,
            color=MEASURE_COLOUR,
            font={"size": 10},
            title=lines(label, short_id(n, "measure")),
        )
        return _measure_panel(graph, n, label, link_base)
    theme_name = name(d["theme"], d["theme"])
    net.add_node(
        n,
        label=f"{len(ms)} 项举措",
        size=round(6 + 2 * math.sqrt(len(ms)), 1),
        color=GROUP_COLOUR,
        title=f"{theme_name}: {len(ms)} 项举措 measures",
    )
    return list_panel("group", f"{theme_name}: {len(ms)} 项举措", "", "")


def _edge_order(graph: nx.DiGraph[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """Hierarchy first, then each measure's (or group's) links in node order, then the places'
    links by theme: a fixed order, so the same data gives the same page byte for byte (edge
    ids are positions in it)."""
    at = {n: i for i, n in enumerate(graph)}

    def rank(edge: tuple[str, str, dict[str, Any]]) -> tuple[int, int, int]:
        u, v, d = edge
        if d["relation"] == "broader":
            return (0, at[u], at[v])
        if graph.nodes[u]["kind"] == "place":
            return (2, at[v], at[u])
        return (1, at[u], at[v])

    return sorted(graph.edges(data=True), key=rank)


def _measure_panel(graph: nx.DiGraph[str], m: str, label: str, link_base: str) -> Panel:
    """A measure's panel names its themes and places, the two things this map places it by."""
    linked = sorted(graph.successors(m))
    kinds = {n: graph.nodes[n]["kind"] for n in linked}

    def item(n: str, note: str) -> dict[str, str]:
        name: str | None = graph.nodes[n]["label"]
        return {
            "label": n if name is None else name,
            "href": measure_href(n, link_base),
            "note": note,
        }

    return {
        "kind": "measure",
        "title": label,
        "subtitle": short_id(m, "measure"),
        "href": measure_href(m, link_base),
        "items_title": "主题与地点 Themes and places",
        "items": [item(t, "主题") for t in linked if kinds[t] == "theme"]
        + [item(p, "地点") for p in linked if kinds[p] == "place"],
    }


def _list_panel(
    kind: str,
    title: str,
    subtitle: str,
    href: str,
    ms: set[str],
    measures: dict[str, str],
    panel_cap: int,
    link_base: str,
) -> Panel:
    """At most `panel_cap` measures, in printed order, so a top theme's panel stays readable;
    ``more`` says how many were left out."""
    items = sorted(ms, key=natural_key)
    listed, more = measure_items(items, measures, panel_cap, link_base)
    return {
        "kind": kind,
        "title": title,
        "subtitle": subtitle,
        "href": href,
        "facts": [["举措 measures", len(items)]],
        "items": listed,
        "more": more,
    }
