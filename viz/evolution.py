"""Serve time: the evolution view, drawn for each /viz/evolution request and each standalone
file.

Analysts read it to follow a reform from one batch of measures to the next: each document
(batch) is a column in batch order, with its date (stated or inferred) above it, and the links
graph joins a measure to the one it evolves from (an arrow, later → earlier) or to the same
reform elsewhere (dashed). Clicking a link, or a linked measure, shows what changed between the
earlier and the later text, character by character (difflib: Chinese has no spaces to diff
words on). Past `cap` measures, linked ones are kept first, since the links are what the view
is for; the page says how many are shown.

The work is split so each part can be checked alone: `read_evolution` is the only stage that
asks the store, `model_evolution` decides what is shown without one, and `draw_evolution`
decides how it looks; `evolution_view` runs them in turn.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx

from reformkg.graph.query.store import SparqlStore
from reformkg.graph.read.analytics import Filters, select_measures, short_id
from reformkg.script import printed_only
from reformkg.viz.agencies import natural_key
from reformkg.viz.common import View, filter_notice, lines, measure_href, new_network, vis_lists
from reformkg.viz.facets import attach_graph_facets

__all__ = [
    "EvolutionRows",
    "Link",
    "MeasureRow",
    "diff_ops",
    "draw_evolution",
    "evolution_view",
    "model_evolution",
    "read_evolution",
]

PALETTE = ["#2e86c1", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#d4ac0d", "#7f8c8d"]
ROWS_PER_COLUMN = 40
ROW_GAP = 34
SUBCOLUMN_GAP = 150
BATCH_GAP = 260
RELATIONS = {"evolves": "演进自 evolves from", "same": "同一改革 same reform as"}

#: A side panel's content, as viz.js reads it.
Panel = dict[str, Any]


def diff_ops(earlier: str, later: str) -> list[list[str]]:
    """Character-level edit script from the earlier text to the later one.

    Each op is ``[tag, earlier_part, later_part]`` with tag equal/delete/insert/replace.

    >>> diff_ops("推广电子营业执照", "全面推广电子营业执照应用")  # doctest: +NORMALIZE_WHITESPACE
    [['insert', '', '全面'], ['equal', '推广电子营业执照', '推广电子营业执照'],
     ['insert', '', '应用']]
    """
    sm = difflib.SequenceMatcher(None, earlier, later, autojunk=False)
    return [[tag, earlier[i1:i2], later[j1:j2]] for tag, i1, i2, j1, j2 in sm.get_opcodes()]


@dataclass(frozen=True)
class MeasureRow:
    """A measure with what its column, its panel and its diffs need."""

    label: str
    doc: str  # document IRI: the column
    order: int  # the document's batch order (0 where not stated)
    issued: object  # the document's date as the store gives it (a str), None where unknown
    text: str
    doc_title: str


class Link(NamedTuple):
    """One link between two measures; a tuple, so links sort as the page draws them."""

    source: str  # for "evolves": the later measure
    target: str  # for "evolves": the earlier measure
    relation: str  # "evolves" or "same"
    score: float | None  # the linker's score, where it recorded one


@dataclass(frozen=True)
class EvolutionRows:
    """The store's answers, as plain values, so the view can be modelled and tested without
    it. Links are read whole, not filtered: the model keeps those between shown measures."""

    measures: dict[str, MeasureRow]  # measure IRI → row, the measures passing the filters
    links: list[Link]  # sorted


def evolution_view(
    store: SparqlStore,
    filters: Filters | None = None,
    *,
    cap: int = 600,
    link_base: str = "/id/",
    facets: bool = False,
) -> View:
    """The view model of the evolution view for `filters` (see `reformkg.viz.common.View`).

    With ``facets``, nodes carry the measures they stand for (standalone pages filter in the
    browser, with no store to ask).
    """
    filters = filters or Filters()
    graph = model_evolution(read_evolution(store, filters), cap=cap)
    view = draw_evolution(graph, filters, link_base=link_base)
    if facets:
        attach_graph_facets(view, store, graph)
    return view


def read_evolution(store: SparqlStore, filters: Filters) -> EvolutionRows:
    """One round of queries per page, and the only one: the later stages never see the store."""
    rows = select_measures(
        store,
        f"""SELECT ?m (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?doc)
        (SAMPLE(?o) AS ?order) (SAMPLE(?i) AS ?issued) (SAMPLE(?t) AS ?text)
        (SAMPLE(?title) AS ?docTitle) WHERE {{
        ?m rk:inDocument ?d . OPTIONAL {{ ?m rdfs:label ?l {printed_only("?l", "?m", "rdfs:label")} }}
        OPTIONAL {{ ?m rk:practiceText ?t {printed_only("?t", "?m", "rk:practiceText")} }}
        OPTIONAL {{ ?d rk:batchOrder ?o }} OPTIONAL {{ ?d dcterms:issued ?i }}
        OPTIONAL {{ ?d dcterms:title ?title {printed_only("?title", "?d", "dcterms:title")} }}
        }} GROUP BY ?m""",
        filters,
    )
    measures = {
        str(r["m"]): MeasureRow(
            label=str(r["label"] or short_id(str(r["m"]), "measure")),
            doc=str(r["doc"]),
            order=int(r["order"] or 0),
            issued=r["issued"],
            text=str(r["text"] or ""),
            doc_title=str(r["docTitle"] or ""),
        )
        for r in rows
    }
    return EvolutionRows(measures, _links(store))


def _links(store: SparqlStore) -> list[Link]:
    """One link per pair and relation (a same-reform link has no direction), keeping a scored
    copy over an unscored one: the linker's link nodes may repeat what the links graph says."""
    rows = select_measures(
        store,
        """SELECT DISTINCT ?m ?b ?rel ?score WHERE {
        { ?m rk:evolvesFrom ?b . BIND("evolves" AS ?rel) BIND(rk:Evolution AS ?kind) }
        UNION { ?m rk:sameReformAs ?b . BIND("same" AS ?rel) BIND(rk:SameReform AS ?kind) }
        ?b a rk:Measure .
        OPTIONAL { ?l rk:linkSource ?m ; rk:linkTarget ?b ; rk:relation ?kind ; rk:score ?score }
        }""",
    )
    seen: dict[tuple[str, str, str], float | None] = {}
    for r in rows:
        a, b, rel = str(r["m"]), str(r["b"]), str(r["rel"])
        lo, hi = sorted((a, b))
        key = (a, b, rel) if rel == "evolves" else (lo, hi, rel)
        score = r["score"] if isinstance(r["score"], float) else None
        if key not in seen or (score is not None and seen[key] is None):
            seen[key] = score
    return sorted(Link(a, b, rel, s) for (a, b, rel), s in seen.items())


def model_evolution(rows: EvolutionRows, *, cap: int = 600) -> nx.MultiDiGraph[str]:
    """What the view shows, decided apart from how it looks, so the cap and the links kept
    can be tested on a handful of rows.

    Nodes are the measures shown, carrying the `MeasureRow` fields (``label``, ``doc``,
    ``order``, ``issued``, ``text``, ``doc_title``), ``linked`` (a link to another filtered
    measure, shown or not: it sizes the node) and ``measures`` (itself: its facets). Edges are
    the links between two shown measures, keyed by relation (two measures can be linked both
    ways) and carrying ``score``. The graph carries ``measures`` (how many passed the filters)
    and ``cap``.
    """
    measures = rows.measures
    links = [lk for lk in rows.links if lk.source in measures and lk.target in measures]
    linked = {m for lk in links for m in (lk.source, lk.target)}
    order = sorted(measures, key=lambda m: (m not in linked, measures[m].order, natural_key(m)))
    shown = order[:cap]
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(measures=len(measures), cap=cap)
    for m in shown:
        r = measures[m]
        graph.add_node(
            m,
            label=r.label,
            doc=r.doc,
            order=r.order,
            issued=r.issued,
            text=r.text,
            doc_title=r.doc_title,
            linked=m in linked,
            measures={m},
        )
    for lk in links:
        if lk.source in graph and lk.target in graph:
            graph.add_edge(lk.source, lk.target, key=lk.relation, score=lk.score)
    return graph


def draw_evolution(
    graph: nx.MultiDiGraph[str], filters: Filters, *, link_base: str = "/id/"
) -> View:
    """How the view looks, kept apart from what it shows, so a hand-made graph can be drawn
    and checked. `filters` only label the page: the graph is already filtered.

    Positions are set here, by column, not by a force layout: the batch axis is the point.
    """
    measures = graph.nodes
    docs = sorted({(d["order"], d["doc"]) for _, d in graph.nodes(data=True)})
    colour = {d: PALETTE[i % len(PALETTE)] for i, (_, d) in enumerate(docs)}
    notices = filter_notice(filters.as_params())
    if graph.graph["measures"] > graph.graph["cap"]:
        cap, total = graph.graph["cap"], graph.graph["measures"]
        notices.append(
            f"显示 {cap} 项举措（优先有关联的），共 {total} 项 (showing {cap} of "
            f"{total} measures, linked ones first; narrow with the filters)"
        )
    net = new_network(directed=True)
    columns: list[dict[str, Any]] = []
    x0 = 0.0
    panels: dict[str, Panel] = {}
    for order_no, doc in docs:
        in_doc = sorted((m for m, d in graph.nodes(data="doc") if d == doc), key=natural_key)
        subcols = max(1, math.ceil(len(in_doc) / ROWS_PER_COLUMN))
        date = measures[in_doc[0]]["issued"] or "日期不详 date unknown"
        columns.append(
            {
                "x": x0 + (subcols - 1) * SUBCOLUMN_GAP / 2,
                "y": -80,
                "label": f"{order_no}. {short_id(doc, 'doc')}",
                "sub": f"{date} · {len(in_doc)} 项",
            }
        )
        for i, m in enumerate(in_doc):
            f = measures[m]
            short = f["label"] if len(f["label"]) <= 10 else f["label"][:9] + "…"
            net.add_node(
                m,
                label=short,
                x=x0 + (i // ROWS_PER_COLUMN) * SUBCOLUMN_GAP,
                y=(i % ROWS_PER_COLUMN) * ROW_GAP,
                color=colour[doc],
                size=9 if f["linked"] else 6,
                font={"size": 11},
                title=lines(f["label"], f"{short_id(m, 'measure')} · {date}"),
            )
            panels[m] = {
                "kind": "measure",
                "title": f["label"],
                "subtitle": f"{short_id(m, 'measure')} · {f['doc_title']}",
                "href": measure_href(m, link_base),
                "facts": [["批次 batch", order_no], ["日期 date", str(date)]],
                "text": f["text"],
                "links": [],
            }
        x0 += subcols * SUBCOLUMN_GAP + BATCH_GAP
    links: list[tuple[str, str, str, float | None]] = sorted(graph.edges(keys=True, data="score"))
    for a, b, rel, score in links:
        style = (
            {"arrows": "to", "color": "#d35400", "width": 2}
            if rel == "evolves"
            else {"arrows": "", "dashes": True, "color": "#8e44ad", "width": 2}
        )
        score_text = f" · score {score:.2f}" if score is not None else ""
        net.add_edge(a, b, title=f"{RELATIONS[rel]}{score_text}", relation=rel, **style)
    nodes, edges = vis_lists(net)
    for e, (a, b, rel, score) in zip(edges, links, strict=True):
        panels[e["id"]] = _link_panel(graph, a, b, rel, score, link_base)
        for m, other in ((a, b), (b, a)):
            panels[m]["links"].append(
                {"edge": e["id"], "relation": RELATIONS[rel], "label": measures[other]["label"]}
            )
    for m in graph:
        if panels[m]["links"]:
            panels[m]["diff_of"] = panels[m]["links"][0]["edge"]
    if not nodes:
        notices.append("没有符合筛选条件的举措 (no measure matches these filters)")
    elif not edges:
        notices.append("这些举措之间没有关联 (no links between these measures)")
    return View(
        view="evolution",
        title="演进视图 Evolution of measures",
        nodes=nodes,
        edges=edges,
        panels=panels,
        notices=notices,
        columns=columns,
        legend=[{"colour": colour[d], "text": short_id(d, "doc")} for _, d in docs]
        + [
            {"colour": "#d35400", "text": "→ 演进自 evolves from"},
            {"colour": "#8e44ad", "text": "┅ 同一改革 same reform"},
        ],
        filters=filters.as_params(),
        stats={
            "nodes": len(nodes),
            "edges": len(edges),
            "measures": graph.graph["measures"],
            "links": len(links),
        },
    )


def _link_panel(
    graph: nx.MultiDiGraph[str], a: str, b: str, rel: str, score: float | None, link_base: str
) -> Panel:
    """A link's panel reads earlier → later whatever the link's direction, because the diff
    is what analysts open it for: what the later batch changed."""
    later, earlier = (a, b) if graph.nodes[a]["order"] >= graph.nodes[b]["order"] else (b, a)
    la, lb = graph.nodes[later], graph.nodes[earlier]
    return {
        "kind": "link",
        "title": f"{lb['label']} → {la['label']}",
        "relation_text": RELATIONS[rel] + (f" · score {score:.2f}" if score is not None else ""),
        "a": {
            "label": la["label"],
            "href": measure_href(later, link_base),
            "doc": short_id(later, "measure"),
        },
        "b": {
            "label": lb["label"],
            "href": measure_href(earlier, link_base),
            "doc": short_id(earlier, "measure"),
        },
        "name_ops": diff_ops(lb["label"], la["label"]),
        "text_ops": diff_ops(lb["text"], la["text"]),
    }
