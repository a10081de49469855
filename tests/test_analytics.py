"""Agency workload analytics (graph/analytics.py) checked against independent SPARQL counts.

Every expected figure here is computed by a separate SPARQL query on the same store (the
session's real build of the five bundled documents), never copied from the code under test:
the analytics build networkx graphs from SPARQL rows, these tests count with SPARQL aggregates.
"""

from __future__ import annotations

import math

import networkx as nx
import pytest

from reformkg.graph.query.store import select
from reformkg.graph.read import analytics as an
from reformkg.graph.read.analytics import PREFIXES, Filters


def q(store, body: str) -> list[dict]:
    return select(store, PREFIXES + body)


def counts(store, body: str, key: str = "a", value: str = "n") -> dict:
    return {str(r[key]): int(r[value]) for r in q(store, body)}


@pytest.fixture(scope="module")
def rows(store):
    return {r["agency"]: r for r in an.workload(store)}


def test_there_is_workload_to_check(rows):
    """Guard: the other tests compare dicts, which would pass vacuously on an empty graph."""
    assert len(rows) > 20
    assert sum(r["led"] for r in rows.values()) > 100


def test_led_and_responsible_counts_match_sparql(store, rows):
    led = counts(
        store,
        """SELECT ?a (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency ?a } GROUP BY ?a""",
    )
    resp = counts(
        store,
        """SELECT ?a (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:responsibleAgency ?a } GROUP BY ?a""",
    )
    total = counts(
        store,
        """SELECT ?a (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a } GROUP BY ?a""",
    )
    assert set(rows) == set(total)
    assert {a: r["led"] for a, r in rows.items() if r["led"]} == led
    assert {a: r["responsible"] for a, r in rows.items() if r["responsible"]} == resp
    assert {a: r["total"] for a, r in rows.items()} == total


def test_breakdown_by_document_and_month_match_sparql(store, rows):
    by_doc = q(
        store,
        """SELECT ?a ?d (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:inDocument ?d ; rk:leadAgency|rk:responsibleAgency ?a }
        GROUP BY ?a ?d""",
    )
    got = {(a, doc): c["total"] for a, r in rows.items() for doc, c in r["by_document"].items()}
    assert got == {(str(r["a"]), an.short_id(str(r["d"]), "doc")): r["n"] for r in by_doc}
    by_month = q(
        store,
        """SELECT ?a ?month (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency ?a ; rk:deadline ?d .
        BIND(SUBSTR(STR(?d), 1, 7) AS ?month) } GROUP BY ?a ?month""",
    )
    got = {
        (a, k): c["led"]
        for a, r in rows.items()
        for k, c in r["by_month"].items()
        if k != "none" and c["led"]
    }
    assert got == {(str(r["a"]), r["month"]): r["n"] for r in by_month}
    assert got, "the bundled list states deadlines (完成时限), so some months must be counted"


def test_breakdown_by_theme_and_section_match_sparql(store, rows):
    by_theme = q(
        store,
        """SELECT ?a ?t (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:hasTheme ?t ; rk:leadAgency|rk:responsibleAgency ?a }
        GROUP BY ?a ?t""",
    )
    got = {
        (a, k): c["total"] for a, r in rows.items() for k, c in r["by_theme"].items() if k != "none"
    }
    assert got == {(str(r["a"]), an.short_id(str(r["t"]), "theme")): r["n"] for r in by_theme}
    by_section = q(
        store,
        """SELECT ?a ?s (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:inSection ?s ; rk:responsibleAgency ?a } GROUP BY ?a ?s""",
    )
    got = {
        (a, k): c["responsible"]
        for a, r in rows.items()
        for k, c in r["by_section"].items()
        if c["responsible"]
    }
    assert got == {(str(r["a"]), an.short_id(str(r["s"]), "section")): r["n"] for r in by_section}


def test_co_responsibility_edges_and_weights_match_sparql(store):
    net = an.network_summary(store)
    pairs = q(
        store,
        """SELECT ?a ?b (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a , ?b .
        FILTER(STR(?a) < STR(?b)) } GROUP BY ?a ?b""",
    )
    expected = {(str(r["a"]), str(r["b"])): r["n"] for r in pairs}
    assert expected
    assert {(e["source"], e["target"]): e["weight"] for e in net["edges"]} == expected
    measures = q(
        store,
        """SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a }""",
    )[0]["n"]
    assert net["measures"] == measures


def test_degree_centrality_is_partners_over_n_minus_one(store):
    net = an.network_summary(store)
    partners = counts(
        store,
        """SELECT ?a (COUNT(DISTINCT ?b) AS ?n) WHERE {
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a , ?b . FILTER(?a != ?b) }
        GROUP BY ?a""",
    )
    n = len(net["nodes"])
    for node in net["nodes"]:
        assert math.isclose(node["degree"], partners.get(node["id"], 0) / (n - 1), abs_tol=1e-6)
    assert any(node["betweenness"] > 0 for node in net["nodes"])


def test_communities_partition_the_agencies_deterministically(store):
    net = an.network_summary(store)
    members = [m for c in net["communities"] for m in c["members"]]
    assert sorted(members) == sorted(n["id"] for n in net["nodes"])
    assert len(members) == len(set(members))
    assert an.network_summary(store)["communities"] == net["communities"]
    G = an.agency_projection(an.bipartite_graph(store))
    groups = [set(c["members"]) for c in net["communities"]]
    assert nx.community.modularity(G, groups, weight="weight") > 0.1


def test_measure_projection_links_measures_sharing_an_agency(store):
    pairs = q(
        store,
        """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?m1 ?m2 WHERE {
        ?m1 a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a .
        ?m2 a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a . FILTER(STR(?m1) < STR(?m2)) } }
        """,
    )[0]["n"]
    assert an.measure_projection(an.bipartite_graph(store)).number_of_edges() == pairs


def test_collective_share_matches_sparql(store):
    share = an.collective_share(store)
    entries = q(
        store,
        """SELECT ?role (COUNT(*) AS ?n) (SUM(?c) AS ?coll) WHERE {
        SELECT DISTINCT ?m ?a ?role ?c WHERE {
          ?m a rk:Measure .
          { ?m rk:leadAgency ?a BIND("lead" AS ?role) }
          UNION { ?m rk:responsibleAgency ?a BIND("responsible" AS ?role) }
          BIND(IF(EXISTS { ?a a rk:CollectiveAgency }, 1, 0) AS ?c) } } GROUP BY ?role""",
    )
    by_role = {r["role"]: (int(r["n"]), int(r["coll"])) for r in entries}
    assert (share["lead"]["entries"], share["lead"]["collective"]) == by_role["lead"]
    assert (share["responsible"]["entries"], share["responsible"]["collective"]) == by_role[
        "responsible"
    ]
    assert share["collective"] > 0, "collective entries such as 各区政府 are in the bundled list"
    assert math.isclose(share["share"], share["collective"] / share["entries"], abs_tol=1e-6)


@pytest.mark.parametrize(
    "filters, pattern",
    [
        (
            Filters(doc="qhsk-ftz-b6"),
            "?m rk:inDocument <https://w3id.org/reformkg/id/doc/qhsk-ftz-b6> .",
        ),
        (
            Filters(place="guangdong"),
            "?m (rk:sourcePlace|rk:jurisdiction)/rk:withinPlace* <https://w3id.org/reformkg/id/place/guangdong> .",
        ),
        (
            Filters(theme="regulation-credit"),
            "?m rk:hasTheme/skos:broader* <https://w3id.org/reformkg/id/theme/regulation-credit> .",
        ),
    ],
)
def test_filtered_workload_matches_filtered_sparql(store, filters, pattern):
    expected = counts(
        store,
        f"""SELECT ?a (COUNT(DISTINCT ?m) AS ?n) WHERE {{
        ?m a rk:Measure ; rk:leadAgency|rk:responsibleAgency ?a . {pattern} }} GROUP BY ?a""",
    )
    assert expected, f"{filters} should keep some measures with agencies"
    assert {r["agency"]: r["total"] for r in an.workload(store, filters)} == expected


def test_agency_filter_keeps_the_measures_of_that_agency(store, rows):
    busiest = an.busiest_agencies(rows.values(), 1)[0]
    got = an.network_summary(store, Filters(agency=busiest["name"]))
    assert got["measures"] == busiest["total"]
    assert {n["id"] for n in got["nodes"]} >= {busiest["agency"]}


def test_filter_values_cannot_inject_sparql(store):
    evil = Filters(doc="x> } ?m ?p ?o { <x", agency='" } UNION { ?m ?p ?o')
    assert an.workload(store, evil) == []


def test_workload_rows_are_tidy_and_add_up(store, rows):
    names, out = an.workload_rows(store)
    assert names == an.WORKLOAD_FIELDS
    assert all(list(r) == names for r in out)
    totals = {r["agency"]: r for r in out if r["dimension"] == "all"}
    assert {r["name"]: r["total"] for r in rows.values()} == {
        a: r["total"] for a, r in totals.items()
    }
    for agency, total in totals.items():
        docs = [r for r in out if r["agency"] == agency and r["dimension"] == "document"]
        assert sum(r["total"] for r in docs) == total["total"]
    assert len(out) == len(an.workload_rows(store)[1])


def test_busiest_agencies_are_sorted_by_the_chosen_figure(rows):
    top = an.busiest_agencies(rows.values(), 5, by="led")
    assert [r["led"] for r in top] == sorted((r["led"] for r in rows.values()), reverse=True)[:5]


@pytest.mark.parametrize(
    "name",
    [
        "reformkg.graph.read.analytics",
        "reformkg.viz.common",
        "reformkg.viz.evolution",
        "reformkg.viz.agencies",
        "reformkg.viz.assets",
    ],
)
def test_docstring_examples_run(name):
    """The examples in the docstrings are part of the documentation: they must stay true."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
