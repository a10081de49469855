"""The evolution view: measures along the batch axis, with 'same reform' and 'evolves from' links.

Each document (batch) is a column, ordered by its batch order (its date, where stated or
inferred, is printed above it); a measure sits in its document's column. Links come from the
links graph (``rk:evolvesFrom``: later → earlier, an arrow; ``rk:sameReformAs``: dashed).
Clicking a link, or a measure with links, shows the character-level difference between the
earlier and the later text (difflib: Chinese has no spaces to diff words on).
Past `cap` measures, linked measures are kept first, and the page says how many are shown.
"""

from __future__ import annotations

import difflib
import math

import pyoxigraph as ox

from reformkg.graph.read.analytics import Filters, select_measures, short_id
from reformkg.viz.agencies import natural_key
from reformkg.viz.common import View, filter_notice, lines, measure_href, new_network, vis_lists
from reformkg.viz.facets import attach_facets

__all__ = ["diff_ops", "evolution_view"]

PALETTE = ["#2e86c1", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#d4ac0d", "#7f8c8d"]
ROWS_PER_COLUMN = 40
ROW_GAP = 34
SUBCOLUMN_GAP = 150
BATCH_GAP = 260
RELATIONS = {"evolves": "演进自 evolves from", "same": "同一改革 same reform as"}


def diff_ops(earlier: str, later: str) -> list[list[str]]:
    """Character-level edit script from the earlier text to the later one.

    Each op is ``[tag, earlier_part, later_part]`` with tag equal/delete/insert/replace.

    >>> diff_ops("推广电子营业执照", "全面推广电子营业执照应用")  # doctest: +NORMALIZE_WHITESPACE
    [['insert', '', '全面'], ['equal', '推广电子营业执照', '推广电子营业执照'],
     ['insert', '', '应用']]
    """
    sm = difflib.SequenceMatcher(None, earlier, later, autojunk=False)
    return [[tag, earlier[i1:i2], later[j1:j2]] for tag, i1, i2, j1, j2 in sm.get_opcodes()]


def _measures(store: ox.Store, filters: Filters) -> dict[str, dict]:
    rows = select_measures(
        store,
        """SELECT ?m (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?doc)
        (SAMPLE(?o) AS ?order) (SAMPLE(?i) AS ?issued) (SAMPLE(?t) AS ?text)
        (SAMPLE(?title) AS ?docTitle) WHERE {
        ?m rk:inDocument ?d . OPTIONAL { ?m rdfs:label ?l } OPTIONAL { ?m rk:practiceText ?t }
        OPTIONAL { ?d rk:batchOrder ?o } OPTIONAL { ?d dcterms:issued ?i }
        OPTIONAL { ?d dcterms:title ?title } } GROUP BY ?m""",
        filters,
    )
    return {
        str(r["m"]): {
            "label": str(r["label"] or short_id(str(r["m"]), "measure")),
            "doc": str(r["doc"]),
            "order": int(r["order"] or 0),
            "issued": r["issued"],
            "text": str(r["text"] or ""),
            "doc_title": str(r["docTitle"] or ""),
        }
        for r in rows
    }


def _links(store: ox.Store) -> list[tuple[str, str, str, float | None]]:
    """(later-or-source, earlier-or-target, relation, score) for evolution and same-reform links."""
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
        key = (a, b, rel) if rel == "evolves" else (*sorted((a, b)), rel)
        score = r["score"] if isinstance(r["score"], float) else None
        if key not in seen or (score is not None and seen[key] is None):
            seen[key] = score
    return sorted((a, b, rel, s) for (a, b, rel), s in seen.items())


def evolution_view(
    store: ox.Store,
    filters: Filters | None = None,
    *,
    cap: int = 600,
    link_base: str = "/id/",
    facets: bool = False,
) -> View:
    """The view model of the evolution view for `filters` (see `reformkg.viz.common.View`).

    Nodes: the measures passing the filters; edges: the links between two shown measures.
    """
    filters = filters or Filters()
    measures = _measures(store, filters)
    links = [lk for lk in _links(store) if lk[0] in measures and lk[1] in measures]
    linked = {m for a, b, _, _ in links for m in (a, b)}
    order = sorted(measures, key=lambda m: (m not in linked, measures[m]["order"], natural_key(m)))
    notices = filter_notice(filters.as_params())
    if len(order) > cap:
        notices.append(
            f"显示 {cap} 项举措（优先有关联的），共 {len(order)} 项 (showing {cap} of "
            f"{len(order)} measures, linked ones first; narrow with the filters)"
        )
        shown = set(order[:cap])
        links = [lk for lk in links if lk[0] in shown and lk[1] in shown]
    else:
        shown = set(order)

    docs = sorted({(measures[m]["order"], measures[m]["doc"]) for m in shown})
    colour = {d: PALETTE[i % len(PALETTE)] for i, (_, d) in enumerate(docs)}
    net = new_network(directed=True)
    columns, x0 = [], 0.0
    panels: dict[str, dict] = {}
    for order_no, doc in docs:
        in_doc = sorted((m for m in shown if measures[m]["doc"] == doc), key=natural_key)
        subcols = max(1, math.ceil(len(in_doc) / ROWS_PER_COLUMN))
        first = measures[in_doc[0]]
        date = first["issued"] or "日期不详 date unknown"
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
            x = x0 + (i // ROWS_PER_COLUMN) * SUBCOLUMN_GAP
            y = (i % ROWS_PER_COLUMN) * ROW_GAP
            short = f["label"] if len(f["label"]) <= 10 else f["label"][:9] + "…"
            net.add_node(
                m,
                label=short,
                x=x,
                y=y,
                color=colour[doc],
                size=9 if m in linked else 6,
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
        later, earlier = (a, b) if measures[a]["order"] >= measures[b]["order"] else (b, a)
        la, lb = measures[later], measures[earlier]
        panels[e["id"]] = {
            "kind": "link",
            "title": f"{lb['label']} → {la['label']}",
            "relation_text": RELATIONS[rel]
            + (f" · score {score:.2f}" if score is not None else ""),
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
        for m, other in ((a, b), (b, a)):
            panels[m]["links"].append(
                {"edge": e["id"], "relation": RELATIONS[rel], "label": measures[other]["label"]}
            )
    for m in shown:
        if panels[m]["links"]:
            panels[m]["diff_of"] = panels[m]["links"][0]["edge"]
    if not nodes:
        notices.append("没有符合筛选条件的举措 (no measure matches these filters)")
    elif not edges:
        notices.append("这些举措之间没有关联 (no links between these measures)")
    view = View(
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
            "measures": len(measures),
            "links": len(links),
        },
    )
    if facets:
        attach_facets(view, store, {m: [m] for m in shown})
    return view
