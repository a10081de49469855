"""Large graphs stay usable: past their caps the views group or drop, and say so on the page.

The caps are parameters of the view functions; here they are set below the size of the five
documents so that the behaviour of 100× data is exercised on the real store.
"""

from __future__ import annotations

from reformkg.graph.query.store import select
from reformkg.graph.read.analytics import agency_projection, bipartite_graph
from reformkg.viz.agencies import agency_view
from reformkg.viz.evolution import evolution_view
from reformkg.viz.themes import theme_view


def test_agency_view_groups_the_least_busy_agencies_and_says_so(store) -> None:
    agencies = agency_projection(bipartite_graph(store))
    view = agency_view(store, cap_nodes=10)
    assert view["stats"]["nodes"] == 11  # the 10 busiest + one group node
    grouped = len(agencies) - 10
    assert any(f"其他 {grouped} 个单位" in n["label"] for n in view["nodes"])
    uncapped = agency_view(store)
    assert uncapped["stats"]["nodes"] == len(agencies)
    assert not any("其他" in n["label"] for n in uncapped["nodes"])


def test_agency_view_drops_the_weakest_links_and_says_so(store) -> None:
    full = agency_view(store)["stats"]["edges"]
    view = agency_view(store, cap_edges=20)
    assert view["stats"]["edges"] <= 20 < full
    assert any(f"{full}" in notice and "20" in notice for notice in view["notices"])


def test_evolution_view_caps_measures_and_says_so(store) -> None:
    total = int(
        select(
            store,
            "SELECT (COUNT(?m) AS ?n) WHERE { ?m a <https://w3id.org/reformkg/ontology#Measure> }",
        )[0]["n"]
    )
    view = evolution_view(store, cap=50)
    assert view["stats"]["nodes"] <= 50
    assert any(f"共 {total} 项" in notice for notice in view["notices"])


def test_theme_map_groups_measures_by_theme_past_its_cap(store) -> None:
    view = theme_view(store, cap=50)
    assert any("按主题合并显示" in notice for notice in view["notices"])
    assert any("项举措" in n["label"] for n in view["nodes"])
    assert not any("按主题合并显示" in notice for notice in theme_view(store)["notices"])
