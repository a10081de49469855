"""Serve time: the agency workload network, drawn for each /viz/agencies request and each
standalone file.

Analysts read it to see who works with whom and who carries the load: agencies are linked
when they are named on the same measure, a node's size is the measures it leads and its
colour its level. Hovering shows the figures, clicking opens the agency's measures. Past
`cap_nodes` agencies, the least busy are grouped into one node, and past `cap_edges` links the
weakest are dropped, because a browser cannot lay out or show more; the page says so.

The work is split so each part can be checked alone: `read_agencies` is the only stage that
asks the store (through `reformkg.graph.read.analytics`, like the workload table, so the two
agree), `model_agencies` decides what is shown without one, and `draw_agencies` decides how it
looks; `agency_view` runs them in turn.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from reformkg.graph.query.store import SparqlStore, select
from reformkg.graph.read.analytics import (
    PREFIXES,
    AgencyInfo,
    Filters,
    MeasureFacts,
    agency_info,
    agency_projection,
    bipartite_from_rows,
    centralities,
    communities,
    measure_facts,
    measure_roles,
    short_id,
)
from reformkg.viz.common import (
    LEVEL_COLOURS,
    LEVEL_NAMES,
    View,
    attach_find,
    declutter,
    filter_notice,
    fmt,
    label_box,
    layout,
    lines,
    measure_href,
    measure_items,
    new_network,
    vis_lists,
)
from reformkg.viz.facets import attach_graph_facets

__all__ = [
    "OTHER",
    "AgencyRows",
    "agency_view",
    "draw_agencies",
    "model_agencies",
    "natural_key",
    "read_agencies",
]

#: The id of the node that groups the agencies beyond the cap.
OTHER = "other-agencies"

#: A side panel's content, as viz.js reads it.
Panel = dict[str, Any]


def natural_key(iri: str) -> tuple[str | int, ...]:
    """Sort measure IRIs as printed: ``…/2`` before ``…/10``.

    >>> sorted(["d/10", "d/2-1", "d/2"], key=natural_key)
    ['d/2', 'd/2-1', 'd/10']
    """
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(iri)))


@dataclass(frozen=True)
class AgencyRows:
    """The store's answers, as plain values, so the network can be modelled and tested
    without it. Agencies are read whole: a role may name one the filters did not select."""

    roles: list[tuple[str, str, str]]  # (measure, agency, "lead" | "responsible"), sorted
    facts: dict[str, MeasureFacts]  # measure IRI → label …, the measures passing the filters
    agencies: dict[str, AgencyInfo]  # agency IRI → label, level, collective
    aliases: dict[str, list[str]] = field(default_factory=dict)  # agency → printed names


def agency_view(
    store: SparqlStore,
    filters: Filters | None = None,
    *,
    cap_nodes: int = 120,
    cap_edges: int = 1500,
    panel_cap: int = 80,
    link_base: str = "/id/",
    facets: bool = False,
) -> View:
    """The view model of the agency network for `filters` (see `reformkg.viz.common.View`).

    With ``facets``, nodes and edges carry the measures they stand for (standalone pages filter
    in the browser, with no store to ask).
    """
    filters = filters or Filters()
    rows = read_agencies(store, filters)
    graph = model_agencies(rows, cap_nodes=cap_nodes, cap_edges=cap_edges)
    view = draw_agencies(graph, filters, panel_cap=panel_cap, link_base=link_base)
    if facets:
        attach_graph_facets(view, store, graph, edges=True)
    return view


def canonical_agency(store: SparqlStore, name: str) -> str | None:
    """The agency an analyst meant by `name`: its canonical name, a printed name or alias
    (市市场监管局 → 深圳市市场监督管理局), or a part of one, in either script; the busiest agency
    when several contain it; None when none does.

    Why: the agency filter takes a canonical name, and analysts type what the documents print.
    """
    from reformkg.viz.common import find_key

    wanted = find_key(name)
    if not wanted:
        return None
    rows = select(
        store,
        PREFIXES
        + """SELECT ?a ?name ?alias (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?a a rk:Agency ; skos:prefLabel ?name . OPTIONAL { ?a skos:altLabel ?alias }
        OPTIONAL { ?m rk:leadAgency|rk:responsibleAgency ?a } } GROUP BY ?a ?name ?alias""",
    )
    exact: dict[str, int] = {}
    partial: dict[str, int] = {}
    for r in rows:
        canonical, count = str(r["name"]), int(r["n"] or 0)
        for key in {find_key(canonical), find_key(str(r["alias"] or ""))} - {""}:
            if key == wanted:
                exact[canonical] = count
            elif wanted in key:
                partial[canonical] = count
    found = exact or partial
    return min(found, key=lambda a: (-found[a], a)) if found else None


def read_agencies(store: SparqlStore, filters: Filters) -> AgencyRows:
    """One round of queries per page, and the only one: the later stages never see the store."""
    aliases: dict[str, list[str]] = {}
    for r in select(
        store,
        PREFIXES
        + "SELECT ?a ?alias WHERE { ?a a rk:Agency ; skos:altLabel ?alias } ORDER BY ?a ?alias",
    ):
        aliases.setdefault(str(r["a"]), []).append(str(r["alias"]))
    return AgencyRows(
        roles=measure_roles(store, filters),
        facts=measure_facts(store, filters),
        agencies=agency_info(store),
        aliases=aliases,
    )


def model_agencies(
    rows: AgencyRows, *, cap_nodes: int = 120, cap_edges: int = 1500
) -> nx.Graph[str]:
    """What the network shows, decided apart from how it looks, so the figures, the ranking
    and the caps can be tested on a handful of rows.

    Centralities and communities are those of all agencies, not of the capped drawing, so an
    agency's figures do not change with the cap. Nodes are added busiest first (then
    `OTHER`); an agency carries ``kind="agency"``, ``label``, ``level``, ``led``,
    ``responsible``, ``total``, ``degree``, ``betweenness``, ``partners``, ``community`` and
    ``roles`` (measure → its roles); `OTHER` carries ``kind="group"``, ``led`` and ``agencies``
    ((IRI, label, total) of each agency grouped). Every node and edge carries ``measures``,
    the measures it stands for (an edge: the measures both ends share), and an edge its
    ``weight`` (how many). The graph carries ``agencies`` and ``measures`` (all of them),
    ``cap_nodes``, ``cap_edges``, ``links`` (links found before the cap) and
    ``measure_labels``.
    """
    B = bipartite_from_rows(rows.roles, rows.facts, rows.agencies)
    G = agency_projection(B)
    cent = centralities(G)
    community_of = {n: i + 1 for i, c in enumerate(communities(G)) for n in c}
    figures = {a: (*_roles(B, a), int(B.degree(a))) for a in G}
    ranked = sorted(G, key=lambda a: (-figures[a][2], -figures[a][0], G.nodes[a]["label"], a))
    keep, rest = ranked[:cap_nodes], ranked[cap_nodes:]
    graph: nx.Graph[str] = nx.Graph(
        agencies=len(G),
        measures=sum(1 for n in B if B.nodes[n]["kind"] == "measure"),
        cap_nodes=cap_nodes,
        cap_edges=cap_edges,
        measure_labels={m: B.nodes[m]["label"] for m in B if B.nodes[m]["kind"] == "measure"},
    )
    for a in keep:
        led, resp, total = figures[a]
        graph.add_node(
            a,
            kind="agency",
            label=G.nodes[a]["label"],
            level=G.nodes[a]["level"],
            led=led,
            responsible=resp,
            total=total,
            degree=cent[a]["degree"],
            betweenness=cent[a]["betweenness"],
            partners=G.degree(a),
            community=community_of[a],
            roles={m: B.edges[a, m]["roles"] for m in B[a]},
            measures=set(B[a]),
            aliases=rows.aliases.get(a, []),
        )
    kept = set(keep)
    pairs: list[tuple[int, str, str]] = [
        (int(d["weight"]), min(u, v), max(u, v))
        for u, v, d in G.edges(data=True)
        if u in kept and v in kept
    ]
    shared_with_rest: dict[str, set[str]] = {}
    if rest:
        rest_set = set(rest)
        graph.add_node(
            OTHER,
            kind="group",
            led=sum(figures[a][0] for a in rest),
            agencies=[(a, G.nodes[a]["label"], figures[a][2]) for a in rest],
            measures={m for a in rest for m in B[a]},
        )
        for a in keep:
            shared = {m for m in B[a] if any(x in rest_set for x in B[m])}
            if shared:
                pairs.append((len(shared), a, OTHER))
                shared_with_rest[a] = shared
    graph.graph["links"] = len(pairs)
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    for w, u, v in pairs[:cap_edges]:
        shared = shared_with_rest[u] if v == OTHER else set(B[u]) & set(B[v])
        graph.add_edge(u, v, weight=w, measures=shared)
    return graph


def _roles(B: nx.Graph[str], a: str) -> tuple[int, int]:
    """Led and co-responsible counted apart: leading a measure is the heavier load."""
    led = sum(1 for m in B[a] if "lead" in B.edges[a, m]["roles"])
    resp = sum(1 for m in B[a] if "responsible" in B.edges[a, m]["roles"])
    return led, resp


def draw_agencies(
    graph: nx.Graph[str],
    filters: Filters,
    *,
    panel_cap: int = 80,
    link_base: str = "/id/",
) -> View:
    """How the network looks, kept apart from what it shows, so a hand-made graph can be
    drawn and checked. `filters` only label the page: the graph is already filtered."""
    notices = filter_notice(filters.as_params())
    net = new_network()
    panels: dict[str, Panel] = {}
    busiest = max(
        (d["total"] for _, d in graph.nodes(data=True) if d["kind"] == "agency"), default=1
    )
    for a, d in graph.nodes(data=True):
        if d["kind"] == "group":
            grouped: list[tuple[str, str, int]] = d["agencies"]
            net.add_node(
                a,
                label=f"其他 {len(grouped)} 个单位",
                size=_size(d["led"]),
                color=LEVEL_COLOURS["other"],
                level_name="other",
                led=d["led"],
                title=lines(
                    f"其他 {len(grouped)} 个单位 (other {len(grouped)} agencies)",
                    f"牵头 led {d['led']}",
                ),
            )
            panels[a] = _group_panel(graph, d, panel_cap, link_base)
            continue
        net.add_node(
            a,
            label=d["label"],
            title=lines(
                d["label"],
                LEVEL_NAMES.get(d["level"], d["level"]),
                f"牵头 led {d['led']} · 责任 co-responsible {d['responsible']} · "
                f"合计 total {d['total']}",
                f"度中心性 degree {fmt(d['degree'])} · "
                f"中介中心性 betweenness {fmt(d['betweenness'])}",
                f"合作单位 partners {d['partners']} · 社区 community {d['community']}",
            ),
            size=_size(d["led"]),
            color=LEVEL_COLOURS.get(d["level"], LEVEL_COLOURS["unknown"]),
            level_name=d["level"],
            led=d["led"],
            responsible=d["responsible"],
            total=d["total"],
            rank=d["total"],
            font={"size": _font(d["total"], busiest)},
        )
        panels[a] = _agency_panel(graph, a, panel_cap, link_base)
    if OTHER in graph:
        kept = graph.number_of_nodes() - 1
        rest = len(graph.nodes[OTHER]["agencies"])
        notices.append(
            f"显示工作量最大的 {kept} 个单位，其余 {rest} 个合并为一个节点 "
            f"(showing the {kept} busiest of {graph.graph['agencies']} agencies; the other "
            f"{rest} are grouped as one node)"
        )
    cap_edges, found = graph.graph["cap_edges"], graph.graph["links"]
    if found > cap_edges:
        notices.append(
            f"显示最强的 {cap_edges} 条联系，共 {found} 条 (showing the "
            f"{cap_edges} strongest of {found} links)"
        )
    shown: nx.Graph[str] = nx.Graph()
    shown.add_nodes_from(n["id"] for n in net.nodes)
    for u, v in sorted(_ends(*ends) for ends in graph.edges):
        w: int = graph.edges[u, v]["weight"]
        net.add_edge(
            u, v, width=_width(w), weight=w, title=f"共同承担 {w} 项举措 (shared measures: {w})"
        )
        shown.add_edge(u, v, weight=w)
    nodes, edges = vis_lists(net)
    # spread wider than the discs need: the busiest names are long and drawn large
    busiest_ids = {
        n["id"]
        for n in sorted(net.nodes, key=lambda n: (-int(n.get("rank", 0)), n["id"]))[:FOCUS_TOP]
    }
    sizes = {
        n["id"]: max(float(n["size"]), _label_reach(n) if n["id"] in busiest_ids else 0.0)
        for n in net.nodes
    }
    pos = layout(shown, scale=LAYOUT_SCALE, sizes=sizes)
    for n in nodes:
        n["x"], n["y"] = pos[n["id"]]
    for e in edges:
        panels[e["id"]] = _edge_panel(graph, e["from"], e["to"], panel_cap, link_base)
    by_load = sorted(nodes, key=lambda n: (-int(n.get("rank", 0)), n["id"]))
    declutter(by_load, keep=FOCUS_TOP)
    top = [n for n in by_load if n["id"] != OTHER][:FOCUS_TOP]
    levels = sorted({n["level_name"] for n in nodes}, key=list(LEVEL_COLOURS).index)
    if not nodes:
        notices.append("没有符合筛选条件的单位 (no agency matches these filters)")
    view = View(
        view="agencies",
        title="单位工作量网络 Agency workload network",
        nodes=nodes,
        edges=edges,
        panels=panels,
        notices=notices,
        legend=[{"colour": LEVEL_COLOURS[lv], "text": LEVEL_NAMES[lv]} for lv in levels]
        + [
            {"colour": "", "text": "点的大小 = 牵头举措数 size = measures led"},
            {"colour": "", "text": "字号 = 全部举措数 label size = all measures"},
            {
                "colour": "#aab7c4",
                "text": "线宽 = 共同举措数（点击查看）width = shared measures (click)",
            },
        ],
        filters=filters.as_params(),
        stats={
            "nodes": len(nodes),
            "edges": len(edges),
            "agencies": graph.graph["agencies"],
            "measures": graph.graph["measures"],
        },
        focus=_focus(top),
    )
    attach_find(
        view,
        {
            a: [d.get("label") or "", short_id(a, "agency"), *d.get("aliases", [])]
            for a, d in graph.nodes(data=True)
            if d["kind"] == "agency"
        },
    )
    return view


#: The first view opens on the busiest agencies, their labels at least this many pixels.
FOCUS_TOP = 10
LAYOUT_SCALE = 2200.0
MIN_LABEL_PX = 12


def _font(total: int, busiest: int) -> int:
    """Label size by load: the busiest agencies' names largest, every name at least 12."""
    return round(12 + 16 * math.sqrt(total / busiest)) if busiest else 12


def _label_reach(node: dict[str, Any]) -> float:
    """Half the width of a node's label: the busiest agencies are kept that far apart, so
    their names (drawn largest) do not cover one another."""
    font = float(node.get("font", {}).get("size", 14))
    box = label_box(0.0, 0.0, str(node["label"]), font, 0.0)
    return (box[2] - box[0]) / 2


def _focus(top: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The box around the busiest agencies, and the smallest scale at which the smallest of
    their labels is MIN_LABEL_PX on screen (viz.js never opens further out than that)."""
    if not top:
        return None
    xs = [float(n["x"]) for n in top]
    ys = [float(n["y"]) for n in top]
    smallest = min(float(n.get("font", {}).get("size", 14)) for n in top)
    pad = 80.0
    return {
        "x0": min(xs) - pad,
        "y0": min(ys) - pad,
        "x1": max(xs) + pad,
        "y1": max(ys) + pad,
        "min": round(MIN_LABEL_PX / smallest, 3),
        "max": 1.0,
    }


def _edge_panel(graph: nx.Graph[str], u: str, v: str, panel_cap: int, link_base: str) -> Panel:
    """Clicking a link lists the measures the two agencies share, each linked to its page."""
    shared: set[str] = graph.edges[u, v]["measures"]
    labels: dict[str, str] = graph.graph["measure_labels"]

    def name(a: str) -> str:
        d = graph.nodes[a]
        return str(d.get("label") or f"其他 {len(d.get('agencies', []))} 个单位")

    items, more = measure_items(sorted(shared, key=natural_key), labels, panel_cap, link_base)
    return {
        "kind": "shared",
        "title": f"{name(u)} — {name(v)}",
        "subtitle": f"共同承担 {len(shared)} 项举措 (shared measures)",
        "items_title": "共同举措 Shared measures",
        "items": items,
        "more": more,
    }


def _ends(u: str, v: str) -> tuple[str, str]:
    """An edge as drawn: the grouped node last, otherwise in IRI order, so the same data
    gives the same page byte for byte (edge ids are positions in the sorted list)."""
    if OTHER in (u, v):
        return (v, u) if u == OTHER else (u, v)
    return (min(u, v), max(u, v))


def _size(led: int) -> float:
    """Square root, so the few agencies leading dozens of measures do not dwarf the rest."""
    return round(8 + 5 * math.sqrt(led), 1)


def _width(weight: int) -> float:
    """Square root and a ceiling, so a pair sharing 60 measures does not hide its neighbours."""
    return round(min(1 + 1.3 * math.sqrt(weight - 1), 14), 2)


def _agency_panel(graph: nx.Graph[str], a: str, panel_cap: int, link_base: str) -> Panel:
    """The figures again beside the measures themselves, linked to their pages, so a number
    that looks wrong can be checked one measure at a time."""
    d = graph.nodes[a]
    labels: dict[str, str] = graph.graph["measure_labels"]
    roles: dict[str, list[str]] = d["roles"]
    measures = sorted(roles, key=natural_key)
    items = [
        {
            "label": labels[m],
            "href": measure_href(m, link_base),
            "note": " · ".join(("牵头" if r == "lead" else "责任") for r in roles[m])
            + f" · {short_id(m, 'measure')}",
        }
        for m in measures[:panel_cap]
    ]
    return {
        "kind": "agency",
        "title": d["label"],
        "subtitle": LEVEL_NAMES.get(d["level"], d["level"]),
        "href": measure_href(a, link_base),
        "facts": [
            ["牵头 led", d["led"]],
            ["责任 co-responsible", d["responsible"]],
            ["合计 total", d["total"]],
            ["度中心性 degree", fmt(d["degree"])],
            ["中介中心性 betweenness", fmt(d["betweenness"])],
        ],
        "items": items,
        "more": max(len(measures) - panel_cap, 0),
    }


def _group_panel(graph: nx.Graph[str], d: dict[str, Any], panel_cap: int, link_base: str) -> Panel:
    """The grouped agencies by name, busiest first, so none disappears from the page."""
    grouped: list[tuple[str, str, int]] = d["agencies"]
    return {
        "kind": "group",
        "title": f"其他 {len(grouped)} 个单位",
        "subtitle": f"{len(grouped)} agencies beyond the {graph.graph['cap_nodes']} busiest, "
        "grouped",
        "facts": [["单位 agencies", len(grouped)], ["牵头 led", d["led"]]],
        "items": [
            {"label": label, "href": measure_href(a, link_base), "note": f"{total}"}
            for a, label, total in grouped[:panel_cap]
        ],
        "more": max(len(grouped) - panel_cap, 0),
    }
