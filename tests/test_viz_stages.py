"""The three stages of each graph view, checked one at a time.

Read is checked against counts of our own, asked of the session's build with SPARQL written
here (not through the view's queries); model and draw are checked on rows and graphs made by
hand, with no store, small enough that the expected nodes, edges and figures can be worked out
by eye. A last test checks that each public view is exactly its three stages run in turn.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pytest

from reformkg.graph.query.store import select
from reformkg.graph.read.analytics import Filters, MeasureFacts
from reformkg.viz.agencies import (
    OTHER,
    AgencyRows,
    agency_view,
    draw_agencies,
    model_agencies,
    read_agencies,
)
from reformkg.viz.common import LEVEL_COLOURS, LINK_COLOURS, MUTED, doc_colour
from reformkg.viz.evolution import (
    COLUMN_GAP,
    LINEAGE_ROW,
    SINGLE_ROW,
    SINGLES_GAP,
    DocRow,
    EvolutionRows,
    Link,
    MeasureRow,
    draw_evolution,
    evolution_view,
    model_evolution,
    read_evolution,
)
from reformkg.viz.themes import (
    GROUP_COLOUR,
    THEME_COLOUR,
    TOP_THEME_COLOUR,
    ThemeRows,
    draw_themes,
    model_themes,
    read_themes,
    theme_view,
)

ID = "https://w3id.org/reformkg/id/"
PREFIXES = """PREFIX rk: <https://w3id.org/reformkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
DOC = "sz-bizenv-2022-b1"
IN_DOC = f"?m rk:inDocument <{ID}doc/{DOC}> ."


def count(store: Any, where: str, what: str) -> int:
    """How many distinct `what` (variables) match `where`: our own query, not the view's."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT {what} WHERE {{ {where} }} }}"
    return int(str(select(store, PREFIXES + query)[0]["n"]))


def m(doc: str, n: int) -> str:
    return f"{ID}measure/{doc}/{n}"


def theme(name: str) -> str:
    return f"{ID}theme/{name}"


def place(name: str) -> str:
    return f"{ID}place/{name}"


def agency(name: str) -> str:
    return f"{ID}agency/{name}"


# ---------------------------------------------------------------- read, on the session build


def test_read_themes_returns_what_the_store_holds(store) -> None:
    rows = read_themes(store, Filters())
    assert len(rows.measures) == count(store, "?m a rk:Measure", "?m") > 0
    # the classifier's own themes (rk:hasTheme also holds the broader ones, graph/derived)
    assigned = "?m a rk:Measure ; rk:themeAssignment/rk:assignedTheme ?t"
    assert len(rows.has_theme) == count(store, assigned, "?m ?t") > 0
    # a printed 来源, else the list's jurisdiction (issue 18)
    place = "?m a rk:Measure ; rk:sourcePlace|rk:jurisdiction ?p"
    assert len(rows.source_place) == count(store, place, "?m ?p")
    assert len(rows.broader) == count(store, "?t skos:broader ?b", "?t ?b") > 0
    assert len(rows.theme_labels) == count(store, "?t a skos:Concept", "?t")
    filtered = read_themes(store, Filters(doc=DOC))
    assert len(filtered.measures) == count(store, f"?m a rk:Measure . {IN_DOC}", "?m") > 0
    assert len(filtered.measures) < len(rows.measures)
    assert len(filtered.has_theme) == count(
        store, f"?m a rk:Measure ; rk:themeAssignment/rk:assignedTheme ?t . {IN_DOC}", "?m ?t"
    )
    # the scheme is read whole whatever the filters: narrower themes need their broader ones
    assert filtered.broader == rows.broader
    one = read_themes(store, Filters(measure=f"{DOC}/47"))
    assert list(one.measures) == [m(DOC, 47)]


def test_read_agencies_returns_every_role(store) -> None:
    roles = "{ ?m rk:leadAgency ?a . BIND(1 AS ?r) } UNION { ?m rk:responsibleAgency ?a . BIND(2 AS ?r) }"
    rows = read_agencies(store, Filters())
    assert len(rows.roles) == count(store, f"?m a rk:Measure . {roles}", "?m ?a ?r") > 0
    assert len(rows.agencies) == count(
        store, "{ ?a a rk:Agency } UNION { ?a a rk:CollectiveAgency }", "?a"
    )
    assert {r for _, _, r in rows.roles} == {"lead", "responsible"}
    filtered = read_agencies(store, Filters(doc=DOC))
    assert len(filtered.roles) == count(store, f"?m a rk:Measure . {IN_DOC} {roles}", "?m ?a ?r")
    assert len(filtered.facts) == count(store, f"?m a rk:Measure . {IN_DOC}", "?m")
    assert {mm for mm, _, _ in filtered.roles} <= set(filtered.facts)


def test_read_evolution_returns_measures_and_links_once_each(store) -> None:
    rows = read_evolution(store, Filters())
    assert len(rows.measures) == count(store, "?m a rk:Measure ; rk:inDocument ?d", "?m")
    evolves = count(store, "?m a rk:Measure ; rk:evolvesFrom ?b . ?b a rk:Measure", "?m ?b")
    same = count(
        store,
        """{ ?x rk:sameReformAs ?y } UNION { ?y rk:sameReformAs ?x }
        ?x a rk:Measure . ?y a rk:Measure . FILTER(STR(?x) <= STR(?y))""",
        "?x ?y",
    )
    assert sum(lk.relation == "evolves" for lk in rows.links) == evolves > 0
    assert sum(lk.relation == "same" for lk in rows.links) == same
    assert rows.links == sorted(rows.links)
    filtered = read_evolution(store, Filters(doc=DOC))
    in_doc = {
        str(r["m"])
        for r in select(store, f"{PREFIXES}SELECT ?m WHERE {{ ?m a rk:Measure . {IN_DOC} }}")
    }
    # every other version of a lineage touched comes too, marked outside the filter
    lineage = {
        str(r["v"])
        for r in select(
            store,
            f"""{PREFIXES}SELECT DISTINCT ?v WHERE {{ ?m a rk:Measure . {IN_DOC}
            ?r rk:hasVersion ?m , ?v }}""",
        )
    }
    assert set(filtered.measures) == in_doc | lineage and lineage - in_doc
    assert {m for m, r in filtered.measures.items() if r.outside} == lineage - in_doc
    assert {r.doc for m, r in filtered.measures.items() if not r.outside} == {f"{ID}doc/{DOC}"}
    assert filtered.links == rows.links  # links are read whole; the model keeps the shown ones
    assert [d.index for d in sorted(rows.docs.values(), key=lambda d: d.index)] == list(
        range(len(rows.docs))
    )


# ---------------------------------------------------------------- model, on hand-made rows


def theme_rows() -> ThemeRows:
    """Top theme T over T1 and T2 (T3, also under T, has no measure); three measures in d."""
    return ThemeRows(
        measures={m("d", 1): "一号举措", m("d", 2): "二号举措", m("d", 10): "十号举措"},
        has_theme=[(m("d", 1), theme("t1")), (m("d", 2), theme("t2")), (m("d", 10), theme("t1"))],
        source_place=[
            (m("d", 1), place("p")),
            (m("d", 2), place("p")),
            (m("d", 10), place("p")),
            (m("d", 10), place("q")),
        ],
        theme_labels={theme("t"): "总", theme("t1"): "一", theme("t2"): "二"},
        broader=[(theme("t1"), theme("t")), (theme("t2"), theme("t")), (theme("t3"), theme("t"))],
        place_labels={place("p"): "甲地"},
    )


def test_model_themes_counts_narrower_themes_and_lists_places() -> None:
    G = model_themes(theme_rows(), cap=3)
    themes = [n for n in G if G.nodes[n]["kind"] == "theme"]
    assert themes == [theme("t"), theme("t1"), theme("t2")]  # t3 covers nothing: not shown
    assert G.nodes[theme("t")]["measures"] == {m("d", 1), m("d", 2), m("d", 10)}
    assert G.nodes[theme("t1")]["measures"] == {m("d", 1), m("d", 10)}
    assert [G.nodes[t]["top"] for t in themes] == [True, False, False]
    assert G.nodes[place("p")]["measures"] == {m("d", 1), m("d", 2), m("d", 10)}
    assert G.nodes[place("q")]["label"] is None  # no label in the store: drawing picks the id
    assert [n for n in G if G.nodes[n]["kind"] == "measure"] == [m("d", 1), m("d", 2), m("d", 10)]
    assert {(u, v) for u, v, r in G.edges(data="relation") if r == "broader"} == {
        (theme("t1"), theme("t")),
        (theme("t2"), theme("t")),
    }
    assert set(G.successors(m("d", 10))) == {theme("t1"), place("p"), place("q")}
    assert G.graph["grouped"] is False


def test_model_themes_groups_measures_past_the_cap() -> None:
    G = model_themes(theme_rows(), cap=2)
    assert G.graph["grouped"] is True
    assert not [n for n in G if G.nodes[n]["kind"] == "measure"]
    groups = {n: G.nodes[n]["measures"] for n in G if G.nodes[n]["kind"] == "group"}
    assert groups == {
        f"group:{theme('t1')}": {m("d", 1), m("d", 10)},
        f"group:{theme('t2')}": {m("d", 2)},
    }
    # places link to the themes of their measures, weighted by measures shared
    assert {(u, v): w for u, v, w in G.edges(data="weight") if w} == {
        (place("p"), theme("t1")): 2,
        (place("p"), theme("t2")): 1,
        (place("q"), theme("t1")): 1,
    }


def facts(label: str) -> MeasureFacts:
    return {
        "label": label,
        "doc": None,
        "section": None,
        "section_label": None,
        "deadline": None,
        "themes": [],
    }


def agency_rows() -> AgencyRows:
    """A leads m1–m3 (and is also responsible on m1), B leads m3 and m4 and is responsible on
    m1, C is responsible on m2, D on m4; D is missing from the agency table."""
    return AgencyRows(
        roles=sorted(
            [
                (m("d", 1), agency("A"), "lead"),
                (m("d", 1), agency("A"), "responsible"),
                (m("d", 1), agency("B"), "responsible"),
                (m("d", 2), agency("A"), "lead"),
                (m("d", 2), agency("C"), "responsible"),
                (m("d", 3), agency("A"), "lead"),
                (m("d", 3), agency("B"), "lead"),
                (m("d", 4), agency("B"), "lead"),
                (m("d", 4), agency("D"), "responsible"),
            ]
        ),
        facts={m("d", i): facts(f"举措{i}") for i in range(1, 5)},
        agencies={
            agency("A"): {"label": "甲局", "level": "city", "collective": False},
            agency("B"): {"label": "乙局", "level": "district", "collective": False},
            agency("C"): {"label": "丙局", "level": "national", "collective": False},
        },
    )


def test_model_agencies_figures_ranking_and_links() -> None:
    G = model_agencies(agency_rows())
    # busiest first: total, then led, then label ("D" sorts before "丙局", though C < D)
    assert list(G) == [agency("A"), agency("B"), agency("D"), agency("C")]
    a = G.nodes[agency("A")]
    assert (a["led"], a["responsible"], a["total"]) == (3, 1, 3)
    assert a["roles"][m("d", 1)] == ["lead", "responsible"]
    b = G.nodes[agency("B")]
    assert (b["led"], b["responsible"], b["total"]) == (2, 1, 3)
    d = G.nodes[agency("D")]
    assert (d["label"], d["level"]) == ("D", "unknown")
    assert {frozenset((u, v)): w for u, v, w in G.edges(data="weight")} == {
        frozenset((agency("A"), agency("B"))): 2,
        frozenset((agency("A"), agency("C"))): 1,
        frozenset((agency("B"), agency("D"))): 1,
    }
    assert G.edges[agency("A"), agency("B")]["measures"] == {m("d", 1), m("d", 3)}
    assert a["partners"] == 2 and a["betweenness"] > 0 and d["betweenness"] == 0
    assert G.graph["agencies"] == 4 and G.graph["measures"] == 4 and G.graph["links"] == 3


def test_model_agencies_groups_the_least_busy_and_keeps_the_strongest_links() -> None:
    G = model_agencies(agency_rows(), cap_nodes=2)
    assert list(G) == [agency("A"), agency("B"), OTHER]
    other = G.nodes[OTHER]
    assert other["agencies"] == [(agency("D"), "D", 1), (agency("C"), "丙局", 1)]
    assert other["measures"] == {m("d", 2), m("d", 4)} and other["led"] == 0
    assert G.edges[agency("A"), OTHER]["measures"] == {m("d", 2)}
    assert G.edges[agency("B"), OTHER]["measures"] == {m("d", 4)}
    # figures are those of all agencies, not of the capped drawing
    assert G.nodes[agency("A")]["partners"] == 2
    capped = model_agencies(agency_rows(), cap_edges=1)
    assert [(u, v, w) for u, v, w in capped.edges(data="weight")] == [(agency("A"), agency("B"), 2)]
    assert capped.graph["links"] == 3  # found before the cap, so the page can say how many


def evolution_rows() -> EvolutionRows:
    """Document e (batch 1) with e/1–e/3; document f (batch 2) with f/1–f/3; e/3 and f/3
    have no link."""

    def row(doc: str, order: int, label: str) -> MeasureRow:
        return MeasureRow(label, f"{ID}doc/{doc}", order, None, label + "的全文", doc)

    return EvolutionRows(
        measures={
            m("e", 1): row("e", 1, "推广电子执照"),
            m("e", 2): row("e", 1, "简化审批"),
            m("e", 3): row("e", 1, "旧举措"),
            m("f", 1): row("f", 2, "全面推广电子执照"),
            m("f", 2): row("f", 2, "进一步简化审批"),
            m("f", 3): row("f", 2, "新举措"),
        },
        links=sorted(
            [
                Link(m("f", 1), m("e", 1), "evolves", 0.9),
                Link(m("e", 2), m("f", 2), "same", None),
                Link(m("f", 2), m("e", 2), "evolves", None),
                Link(m("x", 1), m("e", 1), "evolves", 0.5),  # x/1 did not pass the filters
            ]
        ),
    )


def test_model_evolution_keeps_links_between_shown_measures() -> None:
    G = model_evolution(evolution_rows())
    assert set(G) == set(evolution_rows().measures)
    assert sorted(G.edges(keys=True)) == [
        (m("e", 2), m("f", 2), "same"),
        (m("f", 1), m("e", 1), "evolves"),
        (m("f", 2), m("e", 2), "evolves"),  # a pair linked both ways keeps both links
    ]
    assert G.edges[m("f", 1), m("e", 1), "evolves"]["score"] == 0.9
    assert {n for n in G if G.nodes[n]["linked"]} == {m("e", 1), m("e", 2), m("f", 1), m("f", 2)}
    assert G.nodes[m("f", 3)]["order"] == 2 and G.graph["measures"] == 6


def test_model_evolution_cap_keeps_linked_measures_first() -> None:
    G = model_evolution(evolution_rows(), cap=3)
    # linked first, then by batch, then as printed: e/1, e/2, f/1 (unlinked e/3 goes though
    # its batch comes first)
    assert set(G) == {m("e", 1), m("e", 2), m("f", 1)}
    assert list(G.edges(keys=True)) == [(m("f", 1), m("e", 1), "evolves")]
    assert G.nodes[m("e", 2)]["linked"]  # its partner f/2 was cut, but it has a link
    assert G.graph["measures"] == 6 and G.graph["cap"] == 3


# ---------------------------------------------------------------- draw, on hand-made graphs


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in items}


def test_draw_themes_styles_nodes_links_and_panels() -> None:
    G: nx.DiGraph[str] = nx.DiGraph(
        grouped=False, cap=400, measure_labels={m("d", 1): "一个名字很长的改革举措"}
    )
    G.add_node(theme("t"), kind="theme", label="总", top=True, measures={m("d", 1)})
    G.add_node(theme("t1"), kind="theme", label=None, top=False, measures={m("d", 1)})
    G.add_node(place("p"), kind="place", label="甲地", measures={m("d", 1)})
    G.add_node(m("d", 1), kind="measure", label="一个名字很长的改革举措", measures={m("d", 1)})
    G.add_edge(m("d", 1), place("p"), relation="sourcePlace")
    G.add_edge(m("d", 1), theme("t1"), relation="hasTheme")
    G.add_edge(theme("t1"), theme("t"), relation="broader")
    view = draw_themes(G, Filters(doc="d"), link_base="/x/")
    nodes = by_id(view["nodes"])
    assert list(nodes) == list(G)
    assert nodes[theme("t")]["color"] == TOP_THEME_COLOUR
    assert nodes[theme("t1")]["color"] == THEME_COLOUR
    assert nodes[theme("t1")]["label"] == "t1"  # no label: the id
    assert nodes[m("d", 1)]["label"] == "一个名字很长的…"
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in view["nodes"])
    # hierarchy first, then the measure's theme before its place
    assert [(e["id"], e["from"], e["to"], e["title"]) for e in view["edges"]] == [
        ("e0", theme("t1"), theme("t"), "上位主题 skos:broader"),
        ("e1", m("d", 1), theme("t1"), "rk:hasTheme"),
        ("e2", m("d", 1), place("p"), "rk:sourcePlace"),
    ]
    panel = view["panels"][m("d", 1)]
    assert [(i["label"], i["note"]) for i in panel["items"]] == [
        (theme("t1"), "主题"),
        ("甲地", "地点"),
    ]
    assert panel["href"] == "/x/measure/d/1"
    assert view["panels"][theme("t")]["items"][0]["label"] == "一个名字很长的改革举措"
    assert view["notices"] == ["筛选 filtered by doc = d"]
    assert view["stats"] == {
        "nodes": 4,
        "edges": 3,
        "measures": 1,
        "themes": 2,
        "places": 1,
        "grouped": False,
    }


def test_draw_themes_grouped_says_so_and_weighs_place_links() -> None:
    ms = {m("d", i) for i in range(1, 4)}
    G: nx.DiGraph[str] = nx.DiGraph(
        grouped=True, cap=2, measure_labels={x: x[-1] for x in sorted(ms)}
    )
    G.add_node(theme("t"), kind="theme", label="总", top=True, measures=ms)
    G.add_node(place("p"), kind="place", label="甲地", measures=ms)
    G.add_node(f"group:{theme('t')}", kind="group", label=None, theme=theme("t"), measures=ms)
    G.add_edge(place("p"), theme("t"), relation="sourcePlace", weight=4)
    G.add_edge(f"group:{theme('t')}", theme("t"), relation="hasTheme")
    view = draw_themes(G, Filters(), panel_cap=2)
    group = by_id(view["nodes"])[f"group:{theme('t')}"]
    assert (group["label"], group["color"]) == ("3 项举措", GROUP_COLOUR)
    assert group["size"] == round(6 + 2 * math.sqrt(3), 1)
    # group links before place links; a place link is as wide as the measures it stands for
    assert [(e["from"], e["title"]) for e in view["edges"]] == [
        (f"group:{theme('t')}", "rk:hasTheme"),
        (place("p"), "4 项举措 measures"),
    ]
    assert view["edges"][1]["width"] == 3.0
    assert any("超过 2" in n and "按主题合并显示" in n for n in view["notices"])
    assert view["panels"][theme("t")]["more"] == 1  # panel_cap=2 of 3 measures
    assert view["legend"][2]["colour"] == GROUP_COLOUR


def test_draw_agencies_sizes_colours_links_and_notices() -> None:
    G: nx.Graph[str] = nx.Graph(
        agencies=5, measures=9, cap_nodes=2, cap_edges=1, links=3, measure_labels={}
    )
    common = {"degree": 0.5, "betweenness": 0.25, "partners": 1, "community": 1, "roles": {}}
    G.add_node(
        agency("B"),
        kind="agency",
        label="乙",
        level="district",
        led=4,
        responsible=0,
        total=4,
        measures=set(),
        **common,
    )
    G.add_node(
        agency("A"),
        kind="agency",
        label="甲",
        level="national",
        led=1,
        responsible=2,
        total=3,
        measures=set(),
        **common,
    )
    G.add_node(
        OTHER,
        kind="group",
        led=1,
        agencies=[(agency("C"), "丙", 2), (agency("D"), "丁", 1), (agency("E"), "戊", 1)],
        measures=set(),
    )
    G.add_edge(OTHER, agency("B"), weight=5, measures=set())
    view = draw_agencies(G, Filters(), panel_cap=2)
    nodes = by_id(view["nodes"])
    assert list(nodes) == [agency("B"), agency("A"), OTHER]  # the model's order: busiest first
    assert nodes[agency("B")]["size"] == 18.0  # 8 + 5·√4
    assert nodes[agency("B")]["color"] == LEVEL_COLOURS["district"]
    assert nodes[OTHER]["label"] == "其他 3 个单位"
    assert "度中心性 degree 0.500" in nodes[agency("A")]["title"]
    [edge] = view["edges"]
    assert (edge["from"], edge["to"]) == (agency("B"), OTHER)  # the group node always last
    assert edge["width"] == round(1 + 1.3 * math.sqrt(4), 2)
    assert edge["title"] == "共同承担 5 项举措 (shared measures: 5)"
    panel = view["panels"][OTHER]
    assert [i["label"] for i in panel["items"]] == ["丙", "丁"] and panel["more"] == 1
    assert panel["subtitle"].startswith("3 agencies beyond the 2 busiest")
    assert any("showing the 2 busiest of 5 agencies" in n for n in view["notices"])
    assert any("showing the 1 strongest of 3 links" in n for n in view["notices"])
    assert [x["colour"] for x in view["legend"]][:3] == [
        LEVEL_COLOURS["national"],
        LEVEL_COLOURS["district"],
        LEVEL_COLOURS["other"],
    ]
    assert any("size = measures led" in x["text"] for x in view["legend"])
    assert any("width = shared measures" in x["text"] for x in view["legend"])
    # clicking the link lists the measures the two share
    assert view["panels"][edge["id"]]["kind"] == "shared"
    # the busiest agency's name is drawn largest
    assert nodes[agency("B")]["font"]["size"] >= nodes[agency("A")]["font"]["size"]


def test_draw_agencies_panel_lists_measures_with_roles() -> None:
    G: nx.Graph[str] = nx.Graph(
        agencies=1,
        measures=2,
        cap_nodes=120,
        cap_edges=1500,
        links=0,
        measure_labels={m("d", 10): "十", m("d", 2): "二"},
    )
    G.add_node(
        agency("A"),
        kind="agency",
        label="甲",
        level="city",
        led=1,
        responsible=2,
        total=2,
        degree=0.0,
        betweenness=0.0,
        partners=0,
        community=1,
        roles={m("d", 10): ["responsible"], m("d", 2): ["lead", "responsible"]},
        measures={m("d", 10), m("d", 2)},
    )
    view = draw_agencies(G, Filters(agency="甲"))
    items = view["panels"][agency("A")]["items"]
    assert [(i["label"], i["note"]) for i in items] == [
        ("二", "牵头 · 责任 · d/2"),
        ("十", "责任 · d/10"),
    ]
    assert view["edges"] == [] and view["notices"] == ["筛选 filtered by agency = 甲"]
    empty = draw_agencies(nx.Graph(agencies=0, measures=0, cap_edges=1, links=0), Filters())
    assert empty["notices"] == ["没有符合筛选条件的单位 (no agency matches these filters)"]


def evolution_graph(with_links: bool = True) -> nx.MultiDiGraph[str]:
    G: nx.MultiDiGraph[str] = nx.MultiDiGraph(measures=3, cap=600, docs={})
    for n, doc, order, label, linked in (
        (m("f", 1), "f", 2, "全面推广电子营业执照应用", with_links),
        (m("e", 1), "e", 1, "推广电子营业执照", with_links),
        (m("e", 2), "e", 1, "简化审批", False),
    ):
        G.add_node(
            n,
            label=label,
            doc=f"{ID}doc/{doc}",
            order=order,
            issued="2022-01-01" if doc == "e" else None,
            text=label,
            doc_title=doc.upper(),
            linked=linked,
            outside=False,
            measures={n},
        )
    if with_links:
        # drawn earlier → later in the panel even when stored the other way round
        G.add_edge(m("e", 1), m("f", 1), key="same", score=None)
    return G


def test_draw_evolution_rows_by_lineage_columns_by_batch() -> None:
    graph = evolution_graph()
    graph.graph["docs"] = {
        f"{ID}doc/e": DocRow("甲清单", "2022-01-01", "inferred", 3),
        f"{ID}doc/f": DocRow("乙经验", None, "unknown", 0),
    }
    view = draw_evolution(graph, Filters())
    assert [c["label"] for c in view["columns"]] == ["甲清单", "乙经验"]
    assert view["columns"][0]["sub"] == "2022-01-01（推定） · 2 项"
    assert view["columns"][1]["sub"] == "日期不详 date unknown · 1 项"
    # one colour per document, fixed by its place in the manifest, not by the page
    assert [c["colour"] for c in view["columns"]] == [doc_colour(3), doc_colour(0)]
    nodes = by_id(view["nodes"])
    # the lineage e/1 — f/1 is the first row; the unlinked e/2 goes below the lineages
    assert (nodes[m("e", 1)]["x"], nodes[m("e", 1)]["y"]) == (0.0, 0.0)
    assert (nodes[m("f", 1)]["x"], nodes[m("f", 1)]["y"]) == (COLUMN_GAP, 0.0)
    assert nodes[m("e", 2)]["y"] == LINEAGE_ROW + 14 + SINGLES_GAP
    assert nodes[m("e", 1)]["size"] == 9 and nodes[m("e", 2)]["size"] == 5
    assert nodes[m("f", 1)]["label"] == "全面推广电子营业执照应用"  # 12 a line: one line here
    assert (
        nodes[m("e", 1)]["lin"] == nodes[m("f", 1)]["lin"] == "e/1"
        and "lin" not in nodes[m("e", 2)]
    )
    [edge] = view["edges"]
    # drawn earlier → later, whichever way the link is stored: arrows run left to right
    assert (edge["from"], edge["to"], edge["dashes"], edge["arrows"]) == (
        m("e", 1),
        m("f", 1),
        True,
        "",
    )
    assert edge["color"] == LINK_COLOURS["same"] not in {c["colour"] for c in view["columns"]}
    link = view["panels"]["e0"]
    assert link["title"] == "推广电子营业执照 → 全面推广电子营业执照应用"
    assert link["a"]["doc"] == "f/1" and link["b"]["doc"] == "e/1"
    assert link["text_ops"][0] == ["insert", "", "全面"]
    assert view["panels"][m("e", 1)]["diff_of"] == "e0"
    assert "diff_of" not in view["panels"][m("e", 2)]
    assert view["stats"] == {"nodes": 3, "edges": 1, "measures": 3, "links": 1, "lineages": 1}
    assert view["notices"] == []
    assert view["focus"]["top"] and view["focus"]["y1"] == LINEAGE_ROW + 14
    assert "全面推广电子营业执照应用" in view["find"][m("f", 1)]


def test_draw_evolution_mutes_lineage_members_outside_the_filter() -> None:
    graph = evolution_graph()
    graph.nodes[m("f", 1)]["outside"] = True
    graph.graph["measures"] = 2
    view = draw_evolution(graph, Filters(doc="e"))
    node = by_id(view["nodes"])[m("f", 1)]
    assert node["color"]["background"] == MUTED
    assert any("keep their lineages whole" in n for n in view["notices"])
    assert ["筛选 filter", "不在筛选范围内 outside the filters"] in view["panels"][m("f", 1)][
        "facts"
    ]
    assert SINGLE_ROW < LINEAGE_ROW


def test_draw_evolution_says_when_nothing_links_or_matches() -> None:
    view = draw_evolution(evolution_graph(with_links=False), Filters(doc="e"))
    assert view["notices"][-1] == "这些举措之间没有关联 (no links between these measures)"
    capped = nx.MultiDiGraph(measures=700, cap=600, docs={})
    assert any("showing 600 of 700" in n for n in draw_evolution(capped, Filters())["notices"])
    assert draw_evolution(capped, Filters())["notices"][-1].startswith("没有符合筛选条件的举措")


# ---------------------------------------------------------------- the stages compose the view


@pytest.mark.parametrize("filters", [Filters(), Filters(doc=DOC)], ids=["all", "doc"])
def test_each_view_is_its_three_stages(store, filters: Filters) -> None:
    assert theme_view(store, filters) == draw_themes(
        model_themes(read_themes(store, filters)), filters
    )
    assert agency_view(store, filters) == draw_agencies(
        model_agencies(read_agencies(store, filters)), filters
    )
    assert evolution_view(store, filters) == draw_evolution(
        model_evolution(read_evolution(store, filters)), filters
    )
