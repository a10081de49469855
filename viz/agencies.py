"""The agency workload network: who works with whom, and how much each agency leads.

Nodes are agencies (size by measures led, colour by level), edges join agencies named on the
same measure (width by measures shared); hovering shows the figures, clicking opens a panel
listing the agency's measures with links to their pages. Everything comes from
`graph.analytics` (SPARQL over the store). Past `cap_nodes` agencies, the least busy are
grouped into one node and the page says so; past `cap_edges` links, the weakest are dropped and
the page says so.
"""

from __future__ import annotations

import math
import re

import networkx as nx
import pyoxigraph as ox

from reformkg.graph.read.analytics import (
    Filters,
    agency_projection,
    bipartite_graph,
    centralities,
    communities,
    short_id,
)
from reformkg.viz.common import (
    LEVEL_COLOURS,
    LEVEL_NAMES,
    View,
    filter_notice,
    fmt,
    layout,
    lines,
    measure_href,
    new_network,
    vis_lists,
)
from reformkg.viz.facets import attach_facets

__all__ = ["OTHER", "agency_view", "natural_key"]

#: The id of the node that groups the agencies beyond the cap.
OTHER = "other-agencies"


def natural_key(iri: str) -> tuple:
    """Sort measure IRIs as printed: ``…/2`` before ``…/10``.

    >>> sorted(["d/10", "d/2-1", "d/2"], key=natural_key)
    ['d/2', 'd/2-1', 'd/10']
    """
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(iri)))


def _roles(B: nx.Graph, a: str) -> tuple[int, int]:
    led = sum(1 for m in B[a] if "lead" in B.edges[a, m]["roles"])
    resp = sum(1 for m in B[a] if "responsible" in B.edges[a, m]["roles"])
    return led, resp


def _size(led: int) -> float:
    return round(8 + 5 * math.sqrt(led), 1)


def _width(weight: int) -> float:
    return round(min(1 + 1.3 * math.sqrt(weight - 1), 14), 2)


def agency_view(
    store: ox.Store,
    filters: Filters | None = None,
    *,
    cap_nodes: int = 120,
    cap_edges: int = 1500,
    panel_cap: int = 80,
    link_base: str = "/id/",
    facets: bool = False,
) -> View:
    """The view model of the agency network for `filters` (see `reformkg.viz.common.View`).

    With ``facets``, nodes and edges carry the measures they stand for (standalone filtering).
    """
    filters = filters or Filters()
    B = bipartite_graph(store, filters)
    G = agency_projection(B)
    cent = centralities(G)
    community_of = {n: i + 1 for i, c in enumerate(communities(G)) for n in c}
    figures = {a: (*_roles(B, a), B.degree(a)) for a in G}
    ranked = sorted(G, key=lambda a: (-figures[a][2], -figures[a][0], G.nodes[a]["label"], a))
    keep, rest = ranked[:cap_nodes], ranked[cap_nodes:]
    notices = filter_notice(filters.as_params())

    net = new_network()
    panels: dict[str, dict] = {}
    for a in keep:
        d = G.nodes[a]
        led, resp, total = figures[a]
        c = cent[a]
        hover = lines(
            d["label"],
            LEVEL_NAMES.get(d["level"], d["level"]),
            f"牵头 led {led} · 责任 co-responsible {resp} · 合计 total {total}",
            f"度中心性 degree {fmt(c['degree'])} · 中介中心性 betweenness {fmt(c['betweenness'])}",
            f"合作单位 partners {G.degree(a)} · 社区 community {community_of[a]}",
        )
        net.add_node(
            a,
            label=d["label"],
            title=hover,
            size=_size(led),
            color=LEVEL_COLOURS.get(d["level"], LEVEL_COLOURS["unknown"]),
            level_name=d["level"],
            led=led,
            responsible=resp,
            total=total,
        )
        panels[a] = _agency_panel(B, a, d, (led, resp, total), c, panel_cap, link_base)

    kept = set(keep)
    pairs: list[tuple[int, str, str]] = [
        (int(w), min(u, v), max(u, v))
        for u, v, w in G.edges(data="weight")
        if u in kept and v in kept
    ]
    rest_set = set(rest)
    if rest:
        led_rest = sum(figures[a][0] for a in rest)
        net.add_node(
            OTHER,
            label=f"其他 {len(rest)} 个单位",
            size=_size(led_rest),
            color=LEVEL_COLOURS["other"],
            level_name="other",
            led=led_rest,
            title=lines(
                f"其他 {len(rest)} 个单位 (other {len(rest)} agencies)", f"牵头 led {led_rest}"
            ),
        )
        panels[OTHER] = {
            "kind": "group",
            "title": f"其他 {len(rest)} 个单位",
            "subtitle": f"{len(rest)} agencies beyond the {cap_nodes} busiest, grouped",
            "facts": [["单位 agencies", len(rest)], ["牵头 led", led_rest]],
            "items": [
                {
                    "label": G.nodes[a]["label"],
                    "href": measure_href(a, link_base),
                    "note": f"{figures[a][2]}",
                }
                for a in rest[:panel_cap]
            ],
            "more": max(len(rest) - panel_cap, 0),
        }
        for a in keep:
            shared = {m for m in B[a] if any(x in rest_set for x in B[m])}
            if shared:
                pairs.append((len(shared), a, OTHER))
        notices.append(
            f"显示工作量最大的 {len(keep)} 个单位，其余 {len(rest)} 个合并为一个节点 "
            f"(showing the {len(keep)} busiest of {len(G)} agencies; the other "
            f"{len(rest)} are grouped as one node)"
        )
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    if len(pairs) > cap_edges:
        notices.append(
            f"显示最强的 {cap_edges} 条联系，共 {len(pairs)} 条 (showing the "
            f"{cap_edges} strongest of {len(pairs)} links)"
        )
        pairs = pairs[:cap_edges]
    shown = nx.Graph()
    shown.add_nodes_from(n["id"] for n in net.nodes)
    for w, u, v in sorted(pairs, key=lambda p: (p[1], p[2])):
        net.add_edge(
            u, v, width=_width(w), weight=w, title=f"共同承担 {w} 项举措 (shared measures: {w})"
        )
        shown.add_edge(u, v, weight=w)
    nodes, edges = vis_lists(net)
    pos = layout(shown, sizes={n["id"]: n["size"] for n in net.nodes})
    for n in nodes:
        n["x"], n["y"] = pos[n["id"]]
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
        legend=[{"colour": LEVEL_COLOURS[lv], "text": LEVEL_NAMES[lv]} for lv in levels],
        filters=filters.as_params(),
        stats={
            "nodes": len(nodes),
            "edges": len(edges),
            "agencies": len(G),
            "measures": sum(1 for _, k in B.nodes(data="kind") if k == "measure"),
        },
    )
    if facets:
        rest_measures = {m for a in rest for m in B[a]}
        members = {a: set(B[a]) for a in keep}
        members[OTHER] = rest_measures
        edge_members = {}
        for e in edges:
            u, v = e["from"], e["to"]
            if v == OTHER:
                edge_members[e["id"]] = {
                    m for m in B[u] if m in rest_measures and any(x in rest_set for x in B[m])
                }
            else:
                edge_members[e["id"]] = set(B[u]) & set(B[v])
        attach_facets(view, store, members, edge_members)
    return view


def _agency_panel(
    B: nx.Graph,
    a: str,
    d: dict,
    figures: tuple[int, int, int],
    c: dict,
    panel_cap: int,
    link_base: str,
) -> dict:
    """The side panel of one agency: its figures and its measures, linked to their pages."""
    led, resp, total = figures
    measures = sorted(B[a], key=natural_key)
    items = []
    for m in measures[:panel_cap]:
        roles = B.edges[a, m]["roles"]
        items.append(
            {
                "label": B.nodes[m]["label"],
                "href": measure_href(m, link_base),
                "note": " · ".join(("牵头" if r == "lead" else "责任") for r in roles)
                + f" · {short_id(m, 'measure')}",
            }
        )
    return {
        "kind": "agency",
        "title": d["label"],
        "subtitle": LEVEL_NAMES.get(d["level"], d["level"]),
        "href": measure_href(a, link_base),
        "facts": [
            ["牵头 led", led],
            ["责任 co-responsible", resp],
            ["合计 total", total],
            ["度中心性 degree", fmt(c["degree"])],
            ["中介中心性 betweenness", fmt(c["betweenness"])],
        ],
        "items": items,
        "more": max(len(measures) - panel_cap, 0),
    }
