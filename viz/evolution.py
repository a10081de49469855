"""Serve time: the evolution view, drawn for each /viz/evolution request and each standalone
file.

Analysts read it to follow a reform from one batch of measures to the next: each document
(batch) is a column in batch order, headed by its short Chinese title and date (stated or
inferred), and each reform lineage is a row, so an arrow (earlier → later, 演进) or a dashed
line (the same reform) never crosses the canvas. A filter never cuts a lineage: the other
versions of every lineage it touches are drawn too, muted, because "where did this come from"
is the question the view answers (the measure page's button opens a measure with its
counterparts). Clicking a link, or a linked measure, shows what changed between the earlier and
the later text, character by character (difflib: Chinese has no spaces to diff words on). Past
`cap` measures, linked ones are kept first; the page says how many are shown.

The work is split so each part can be checked alone: `read_evolution` is the only stage that
asks the store, `model_evolution` decides what is shown without one, and `draw_evolution`
decides how it looks; `evolution_view` runs them in turn.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx
import pyoxigraph as ox

from reformkg.graph.query.store import Row, SparqlStore
from reformkg.graph.read.analytics import Filters, select_measures, short_id
from reformkg.graph.read.lineages import documents
from reformkg.script import printed_only
from reformkg.viz.agencies import natural_key
from reformkg.viz.common import (
    LINK_COLOURS,
    MUTED,
    View,
    attach_find,
    doc_colour,
    filter_notice,
    lines,
    measure_href,
    new_network,
    vis_lists,
)
from reformkg.viz.facets import attach_graph_facets

__all__ = [
    "DocRow",
    "EvolutionRows",
    "Link",
    "MeasureRow",
    "diff_ops",
    "draw_evolution",
    "evolution_view",
    "lineage_members",
    "model_evolution",
    "read_evolution",
]

COLUMN_GAP = 300  # a batch's column; a lineage member's label (12 characters a line) fits
LINEAGE_ROW = 62  # a lineage member: dot and two lines of label
LINEAGE_GAP = 14  # between two lineages
SINGLE_ROW = 30  # a measure with no counterpart: dot and one short line
SINGLES_GAP = 90  # between the lineages and the measures with no counterpart
LABEL_CHARS = 12
SINGLE_CHARS = 14
RELATIONS = {"evolves": "演进 evolves", "same": "同一改革 same reform as"}

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
    outside: bool = False  # did not pass the filters: shown to keep its lineage whole


@dataclass(frozen=True)
class DocRow:
    """A document as a column head: short Chinese title and date; `index`, its place in the
    manifest, fixes its colour for the whole product."""

    short_title: str
    date: str | None
    date_status: str
    index: int


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

    measures: dict[str, MeasureRow]  # the measures passing the filters and their lineages
    links: list[Link]  # sorted
    docs: dict[str, DocRow] = field(default_factory=dict)  # document IRI → its column head


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


#: The measures' fields, texts as printed (issue 17: a traditional text is held in both
#: scripts); `{values}` is where the lineage members outside the filters are named.
_MEASURES = (
    """SELECT ?m (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?doc)
        (SAMPLE(?o) AS ?order) (SAMPLE(?i) AS ?issued) (SAMPLE(?t) AS ?text)
        (SAMPLE(?title) AS ?docTitle) WHERE { {values}
        ?m rk:inDocument ?d . OPTIONAL { ?m rdfs:label ?l """
    + printed_only("?l", "?m", "rdfs:label")
    + """ }
        OPTIONAL { ?m rk:practiceText ?t """
    + printed_only("?t", "?m", "rk:practiceText")
    + """ }
        OPTIONAL { ?d rk:batchOrder ?o } OPTIONAL { ?d dcterms:issued ?i }
        OPTIONAL { ?d dcterms:title ?title """
    + printed_only("?title", "?d", "dcterms:title")
    + """ } } GROUP BY ?m"""
)


def read_evolution(store: SparqlStore, filters: Filters) -> EvolutionRows:
    """One round of queries per page, and the only one: the later stages never see the store.

    The measures passing the filters, and every other version of their lineages (marked
    `outside`): a filter by measure, document, theme, place or agency never cuts a lineage."""
    rows = select_measures(store, _MEASURES.replace("{values}", ""), filters)
    measures = {str(r["m"]): _row(r, False) for r in rows}
    links = _links(store)
    missing = sorted(lineage_members(links, set(measures)) - set(measures))
    if missing:
        values = "VALUES ?m { " + " ".join(str(ox.NamedNode(m)) for m in missing) + " }"
        for r in select_measures(store, _MEASURES.replace("{values}", values)):
            measures[str(r["m"])] = _row(r, True)
    docs = {d.iri: DocRow(d.short_title, d.date, d.date_status, d.index) for d in documents(store)}
    return EvolutionRows(dict(sorted(measures.items())), links, docs)


def _row(r: Row, outside: bool) -> MeasureRow:
    return MeasureRow(
        label=str(r["label"] or short_id(str(r["m"]), "measure")),
        doc=str(r["doc"]),
        order=int(r["order"] or 0),
        issued=r["issued"],
        text=str(r["text"] or ""),
        doc_title=str(r["docTitle"] or ""),
        outside=outside,
    )


def lineage_members(links: list[Link], start: set[str]) -> set[str]:
    """Every measure joined to one of `start` by a chain of links (the lineages touched).

    >>> sorted(lineage_members([Link("b", "a", "evolves", None), Link("c", "b", "same", None)], {"c"}))
    ['a', 'b', 'c']
    """
    graph: nx.Graph[str] = nx.Graph()
    graph.add_edges_from((lk.source, lk.target) for lk in links)
    out = set(start)
    for m in start:
        if m in graph:
            out |= nx.node_connected_component(graph, m)
    return out


def _links(store: SparqlStore) -> list[Link]:
    """One link per pair and relation (a same-reform link has no direction), keeping a scored
    copy over an unscored one: the linker's link nodes may repeat what the links graph says."""
    rows = select_measures(
        store,
        """SELECT DISTINCT ?m ?b ?rel ?score WHERE {
        { ?m rk:evolvesFrom ?b . BIND("evolves" AS ?rel) BIND(rk:Evolution AS ?kind) }
        UNION { ?m rk:sameReformAs ?b . BIND("same" AS ?rel) BIND(rk:SameReform AS ?kind) }
        ?b a rk:Measure .
        OPTIONAL { ?l rk:linkSource ?m ; rk:linkTarget ?b ; rk:relation ?kind ; rk:linkScore ?score }
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
    ``order``, ``issued``, ``text``, ``doc_title``, ``outside``), ``linked`` (a link to another
    measure read, shown or not: it sizes the node) and ``measures`` (itself: its facets).
    Edges are the links between two shown measures, keyed by relation (two measures can be
    linked both ways) and carrying ``score``. The graph carries ``measures`` (how many passed
    the filters), ``cap`` and ``docs`` (the column heads).
    """
    measures = rows.measures
    links = [lk for lk in rows.links if lk.source in measures and lk.target in measures]
    linked = {m for lk in links for m in (lk.source, lk.target)}
    order = sorted(measures, key=lambda m: (m not in linked, measures[m].order, natural_key(m)))
    shown = order[:cap]
    passed = sum(1 for r in measures.values() if not r.outside)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(measures=passed, cap=cap, docs=rows.docs)
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
            outside=r.outside,
            linked=m in linked,
            measures={m},
        )
    for lk in links:
        if lk.source in graph and lk.target in graph:
            graph.add_edge(lk.source, lk.target, key=lk.relation, score=lk.score)
    return graph


def wrap(label: str, width: int = LABEL_CHARS, lines: int = 2) -> str:
    """A label cut into lines of `width` characters, at most `lines`, the rest as …

    >>> wrap("创新“混合产业用地供应+土地用途灵活转换”机制")
    '创新“混合产业用地供应+\\n土地用途灵活转换”机制'
    """
    parts = [label[i : i + width] for i in range(0, len(label), width)] or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1] + "…"
    return "\n".join(parts)


def _lineages(graph: nx.MultiDiGraph[str]) -> list[list[str]]:
    """The lineages drawn: groups of linked measures, each a row, in order of their first
    batch, then of their earliest measure as printed."""
    undirected: nx.Graph[str] = nx.Graph()
    undirected.add_edges_from((a, b) for a, b, _ in graph.edges(keys=True))
    groups = [sorted(c, key=natural_key) for c in nx.connected_components(undirected)]

    def first(group: list[str]) -> tuple[int, tuple[str | int, ...]]:
        earliest = min(group, key=lambda m: (graph.nodes[m]["order"], natural_key(m)))
        return (graph.nodes[earliest]["order"], natural_key(earliest))

    return sorted(groups, key=first)


def draw_evolution(
    graph: nx.MultiDiGraph[str], filters: Filters, *, link_base: str = "/id/"
) -> View:
    """How the view looks, kept apart from what it shows, so a hand-made graph can be drawn
    and checked. `filters` only label the page: the graph is already filtered.

    Positions are set here, not by a force layout: a row per lineage and a column per batch in
    date order, so every arrow runs left to right, earlier to later, inside its row; measures
    with no counterpart follow below their batch's column.
    """
    measures = graph.nodes
    heads: dict[str, DocRow] = graph.graph.get("docs", {})
    docs = sorted({(d["order"], d["doc"]) for _, d in graph.nodes(data=True)})
    column = {doc: i for i, (_, doc) in enumerate(docs)}
    colour = {
        doc: doc_colour(heads[doc].index if doc in heads else i) for i, (_, doc) in enumerate(docs)
    }
    notices = filter_notice(filters.as_params())
    if graph.graph["measures"] > graph.graph["cap"]:
        cap, total = graph.graph["cap"], graph.graph["measures"]
        notices.append(
            f"显示 {cap} 项举措（优先有关联的），共 {total} 项 (showing {cap} of "
            f"{total} measures, linked ones first; narrow with the filters)"
        )
    outside = sum(1 for _, d in graph.nodes(data=True) if d["outside"])
    if outside:
        notices.append(
            f"浅色的 {outside} 项举措不在筛选范围内，为保持沿革完整而显示 ({outside} lighter "
            "measures are outside the filters, shown to keep their lineages whole)"
        )
    lineages = _lineages(graph)
    place: dict[str, tuple[float, float]] = {}
    y = 0.0
    for group in lineages:
        by_column: dict[int, list[str]] = {}
        for m in group:
            by_column.setdefault(column[measures[m]["doc"]], []).append(m)
        for c, ms in by_column.items():
            for k, m in enumerate(ms):
                place[m] = (c * COLUMN_GAP, y + k * LINEAGE_ROW)
        y += max(len(ms) for ms in by_column.values()) * LINEAGE_ROW + LINEAGE_GAP
    block = y
    singles_top = y + (SINGLES_GAP if lineages else 0)
    count = {c: 0 for c in column.values()}
    for m in sorted((m for m in graph if m not in place), key=natural_key):
        c = column[measures[m]["doc"]]
        place[m] = (c * COLUMN_GAP, singles_top + count[c] * SINGLE_ROW)
        count[c] += 1
    columns: list[dict[str, Any]] = []
    for (order_no, doc), c in zip(docs, range(len(docs)), strict=True):
        in_doc = sum(1 for m in graph if measures[m]["doc"] == doc)
        head = heads.get(doc)
        when = _when(head, measures, graph, doc)
        columns.append(
            {
                "x": c * COLUMN_GAP,
                "y": -70,
                "label": head.short_title if head else f"{order_no}. {short_id(doc, 'doc')}",
                "sub": f"{when} · {in_doc} 项",
                "colour": colour[doc],
            }
        )
    net = new_network(directed=True)
    panels: dict[str, Panel] = {}
    in_lineage = {m for g in lineages for m in g}
    for m in sorted(graph, key=lambda m: (place[m][0], place[m][1])):
        f = measures[m]
        lineage = m in in_lineage
        doc_c = colour[f["doc"]]
        net.add_node(
            m,
            label=wrap(f["label"]) if lineage else wrap(f["label"], SINGLE_CHARS, 1),
            x=place[m][0],
            y=place[m][1],
            color={"background": MUTED, "border": doc_c} if f["outside"] else doc_c,
            borderWidth=2 if f["outside"] else 1,
            size=9 if lineage else 5,
            font={"size": 13 if lineage else 11, "color": "#8a94a3" if f["outside"] else "#1f2a33"},
            title=lines(
                f["label"], f"{short_id(m, 'measure')} · {columns[column[f['doc']]]['label']}"
            ),
        )
        panels[m] = {
            "kind": "measure",
            "title": f["label"],
            "subtitle": f"{short_id(m, 'measure')} · {f['doc_title']}",
            "href": measure_href(m, link_base),
            "facts": [
                ["批次 batch", columns[column[f["doc"]]]["label"]],
                ["日期 date", columns[column[f["doc"]]]["sub"].split(" · ")[0]],
            ]
            + ([["筛选 filter", "不在筛选范围内 outside the filters"]] if f["outside"] else []),
            "text": f["text"],
            "links": [],
        }
    links: list[tuple[str, str, str, float | None]] = sorted(graph.edges(keys=True, data="score"))
    drawn: list[tuple[str, str, str, float | None]] = []
    for a, b, rel, score in links:
        later, earlier = (a, b) if measures[a]["order"] >= measures[b]["order"] else (b, a)
        span = abs(column[measures[later]["doc"]] - column[measures[earlier]["doc"]])
        style: dict[str, Any] = (
            {"arrows": "to", "color": LINK_COLOURS["evolves"], "width": 2}
            if rel == "evolves"
            else {"arrows": "", "dashes": True, "color": LINK_COLOURS["same"], "width": 2}
        )
        if span > 1 or place[later][1] != place[earlier][1]:
            style["smooth"] = {"type": "curvedCW", "roundness": 0.2}
        score_text = f" · score {score:.2f}" if score is not None else ""
        net.add_edge(earlier, later, title=f"{RELATIONS[rel]}{score_text}", relation=rel, **style)
        drawn.append((a, b, rel, score))
    nodes, edges = vis_lists(net)
    lineage_of = {
        m: min(g, key=lambda x: (measures[x]["order"], natural_key(x))) for g in lineages for m in g
    }
    for n in nodes:
        if n["id"] in lineage_of:
            n["lin"] = short_id(lineage_of[n["id"]], "measure")
            if link_base == "/id/":  # served: the lineage page is there (a file has no server)
                panels[n["id"]]["lineage"] = f"/lineages/{n['lin']}"
        n["rank"] = len(list(graph.neighbors(n["id"]))) + len(list(graph.predecessors(n["id"])))
    for e, (a, b, rel, score) in zip(edges, drawn, strict=True):
        panels[e["id"]] = _link_panel(graph, a, b, rel, score, link_base)
        if "lineage" in panels[a]:
            panels[e["id"]]["lineage"] = panels[a]["lineage"]
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
    width = max(len(docs) - 1, 0) * COLUMN_GAP
    focus = (
        {
            "x0": -COLUMN_GAP / 2,
            "y0": -110.0,
            "x1": width + COLUMN_GAP / 2,
            "y1": block,
            "top": True,
        }
        if lineages
        else None
    )
    view = View(
        view="evolution",
        title="演进视图 Evolution of measures",
        nodes=nodes,
        edges=edges,
        panels=panels,
        notices=notices,
        columns=columns,
        focus=focus,
        legend=[
            {"colour": colour[d], "text": c["label"]}
            for (_, d), c in zip(docs, columns, strict=True)
        ]
        + [
            {"colour": LINK_COLOURS["evolves"], "text": "→ 演进 evolves (earlier → later)"},
            {"colour": LINK_COLOURS["same"], "text": "┅ 同一改革 same reform"},
            {"colour": MUTED, "text": "浅色 = 筛选之外的沿革成员 outside the filters"},
            {
                "colour": "",
                "text": "一行一条沿革；大点 = 有跨批次关联 a row per lineage; big dot = linked",
            },
        ],
        filters=filters.as_params(),
        stats={
            "nodes": len(nodes),
            "edges": len(edges),
            "measures": graph.graph["measures"],
            "links": len(links),
            "lineages": len(lineages),
        },
        muted=MUTED,
    )
    attach_find(view, {m: [measures[m]["label"], short_id(m, "measure")] for m in graph})
    return view


def _when(head: DocRow | None, measures: Any, graph: nx.MultiDiGraph[str], doc: str) -> str:
    """A column's date: stated, inferred (推定), or unknown."""
    if head is not None:
        if not head.date:
            return "日期不详 date unknown"
        return head.date + ("（推定）" if head.date_status == "inferred" else "")
    issued = next((measures[m]["issued"] for m in graph if measures[m]["doc"] == doc), None)
    return str(issued) if issued else "日期不详 date unknown"


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
