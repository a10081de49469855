"""Per-measure facets for standalone pages, which filter in the browser with no server.

For each measure: its document, its themes (with every broader theme), its places (with every
place it lies within) and its agencies (lead or responsible), as the readable ids the URL
filters use. These are the same rules as `reformkg.graph.read.analytics.Filters.pattern`, so a standalone file
filtered by ``?doc=…`` draws what the server draws for the same link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from reformkg.graph.query.store import SparqlStore
from reformkg.graph.read.analytics import select_measures, short_id

__all__ = ["attach_facets", "attach_graph_facets", "measure_facets"]


def measure_facets(store: SparqlStore) -> dict[str, dict[str, Any]]:
    """Measure IRI → ``{"id", "doc", "themes", "places", "agencies"}`` (sorted lists)."""
    facets: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"doc": "", "themes": set(), "places": set(), "agencies": set()}
    )
    for r in select_measures(store, "SELECT ?m ?d WHERE { ?m rk:inDocument ?d }"):
        facets[str(r["m"])]["doc"] = short_id(str(r["d"]), "doc")
    for key, kind, path in (
        ("themes", "theme", "rk:hasTheme/skos:broader*"),
        ("places", "place", "(rk:sourcePlace|rk:jurisdiction)/rk:withinPlace*"),
        ("agencies", "agency", "rk:leadAgency|rk:responsibleAgency"),
    ):
        for r in select_measures(store, f"SELECT DISTINCT ?m ?x WHERE {{ ?m {path} ?x }}"):
            facets[str(r["m"])][key].add(short_id(str(r["x"]), kind))
    return {
        m: {
            "id": short_id(m, "measure"),
            "doc": f["doc"],
            **{k: sorted(f[k]) for k in ("themes", "places", "agencies")},
        }
        for m, f in sorted(facets.items())
    }


def attach_facets(
    view: dict[str, Any],
    store: SparqlStore,
    members: Mapping[str, Iterable[str]],
    edge_members: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Give each node (and edge) ``ms``, the indices of the measures it stands for, and the view
    a ``measures`` table, so viz.js can filter with no server."""
    table = measure_facets(store)
    used = sorted(
        {m for ms in members.values() for m in ms}
        | {m for ms in (edge_members or {}).values() for m in ms}
    )
    index = {m: i for i, m in enumerate(used)}
    view["measures"] = [
        table.get(
            m, {"id": short_id(m, "measure"), "doc": "", "themes": [], "places": [], "agencies": []}
        )
        for m in used
    ]

    def ids(ms: Sequence[str] | Iterable[str]) -> list[int]:
        return sorted(index[m] for m in ms if m in index)

    for n in view["nodes"]:
        if n["id"] in members:
            n["ms"] = ids(members[n["id"]])
    for e in view["edges"]:
        if edge_members and e["id"] in edge_members:
            e["ms"] = ids(edge_members[e["id"]])


def attach_graph_facets(
    view: dict[str, Any], store: SparqlStore, graph: nx.Graph[str], *, edges: bool = False
) -> None:
    """`attach_facets` for a view drawn from `graph`, whose nodes (and, with ``edges``, edges)
    say in their ``measures`` attribute which measures they stand for.

    The views' model stages keep that knowledge on the graph, so their draw stages need no
    store; this is the one step of a standalone page that asks the store after drawing.
    """
    members = {n: d["measures"] for n, d in graph.nodes(data=True)}
    edge_members = (
        {e["id"]: graph.edges[e["from"], e["to"]]["measures"] for e in view["edges"]}
        if edges
        else None
    )
    attach_facets(view, store, members, edge_members)
