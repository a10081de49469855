"""Serve time: what a measure's page adds to its fields: cross-batch links seen from both ends,
the text differences between versions, and the printed source lines without markup.

A link between batches is recorded once, from the later measure (rk:evolvesFrom, and a
rk:MeasureLink whose source is the later one); the build derives the other direction
(rk:evolvesInto) in graph/derived. The page of the earlier measure must show its later
versions too, marked as inferred, so both directions are read here with the graph each
statement is in.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from reformkg.graph.query.store import SparqlStore, select
from reformkg.graph.read.measures import MeasureFields, measure_fields
from reformkg.graph.read.resources import RelatedMeasure, related_measures
from reformkg.graph.read.trace import sentence_diff
from reformkg.vocab import DERIVED_GRAPH, INFERRED_GRAPH, RK_NS, SPARQL_PREFIXES

__all__ = ["CrossBatchLink", "cross_batch", "diff_html", "has_markup", "printed_line"]

#: relation → (Chinese, English)
_RELATIONS = {
    "same": ("同一改革", "same reform"),
    "evolution": ("演进", "evolution"),
    "related": ("相关", "related"),
}
#: the rk:LinkRelation individuals and the direct properties, by relation
_OF_RECORD = {"SameReform": "same", "Evolution": "evolution", "Related": "related"}
_OF_PROPERTY = {
    "evolvesFrom": "evolution",
    "evolvesInto": "evolution",
    "sameReformAs": "same",
    "relatedTo": "related",
}


@dataclass
class CrossBatchLink:
    """Another batch's measure linked to this one, seen from this measure."""

    other: MeasureFields
    direction: str  # earlier | later (by batch order)
    relation: str  # same | evolution | related
    relation_zh: str
    relation_en: str
    properties: list[tuple[str, bool]] = field(default_factory=list)  # (rk: name, inferred)
    score: float | None = None
    method: str | None = None
    evidence: str = ""
    link: str | None = None  # the rk:MeasureLink record
    diff: list[tuple[str, str]] = field(default_factory=list)  # earlier → later practice text

    @property
    def inferred(self) -> bool:
        """True when every direct statement from this measure is entailed (graph/inferred, or
        graph/derived where the build states rk:evolvesInto), none printed."""
        return bool(self.properties) and all(inf for _, inf in self.properties)


def _direct(store: SparqlStore, iri: str) -> dict[str, dict[str, bool]]:
    """other → {rk property name: inferred?} for the direct link properties from `iri`."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?m ?p ?other ?g WHERE {
            VALUES ?p { rk:evolvesFrom rk:evolvesInto rk:sameReformAs rk:relatedTo }
            GRAPH ?g { ?m ?p ?other } }""",
        {"m": ox.NamedNode(iri)},
    )
    out: dict[str, dict[str, bool]] = {}
    for r in rows:
        name = str(r["p"]).removeprefix(RK_NS)
        # stated by reasoning, not printed: the closure's graph or the build's derived shortcuts
        inferred = str(r["g"]) in (str(INFERRED_GRAPH), str(DERIVED_GRAPH))
        props = out.setdefault(str(r["other"]), {})
        props[name] = props.get(name, True) and inferred
    return out


def cross_batch(store: SparqlStore, iri: str) -> list[CrossBatchLink]:
    """Every measure of another batch linked to `iri`, earlier versions first, then later
    ones, with the practice-text difference for same-reform and evolution links."""
    direct = _direct(store, iri)
    records: dict[str, RelatedMeasure] = {r.other: r for r in related_measures(store, iri)}
    others = sorted(set(direct) | set(records))
    fields = {m.iri: m for m in measure_fields(store, [iri, *others])}
    me = fields.get(iri)
    if me is None:
        return []
    out = []
    for other in others:
        m = fields.get(other)
        if m is None:
            continue
        record = records.get(other)
        props = direct.get(other, {})
        relation = _OF_RECORD.get((record.relation or "").removeprefix(RK_NS)) if record else None
        relation = relation or next(
            (_OF_PROPERTY[p] for p in props if p in _OF_PROPERTY), "related"
        )
        zh, en = _RELATIONS[relation]
        direction = "earlier" if (m.batch_order, m.iri) < (me.batch_order, me.iri) else "later"
        link = CrossBatchLink(
            other=m,
            direction=direction,
            relation=relation,
            relation_zh=zh,
            relation_en=en,
            properties=sorted(props.items()),
            score=record.score if record else None,
            method=record.method if record else None,
            evidence=record.terms if record else "",
            link=record.link if record else None,
        )
        if relation in ("same", "evolution"):
            earlier, later = (m, me) if direction == "earlier" else (me, m)
            link.diff = sentence_diff(earlier.practice or "", later.practice or "")
        out.append(link)
    return sorted(
        out,
        key=lambda x: (
            x.direction != "earlier",
            x.relation == "related",
            -(x.score or 0),
            x.other.batch_order,
            x.other.iri,
        ),
    )


_MARK = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.S)


def diff_html(text: str) -> str:
    """A reworded sentence's [-dropped-]{+added+} marks as <del>/<ins>, the rest escaped.

    >>> diff_html("a[-b-]{+<c>+}")
    'a<del>b</del><ins>&lt;c&gt;</ins>'
    """
    out, cursor = [], 0
    for m in _MARK.finditer(text):
        out.append(html.escape(text[cursor : m.start()]))
        if m.group(1) is not None:
            out.append(f"<del>{html.escape(m.group(1))}</del>")
        else:
            out.append(f"<ins>{html.escape(m.group(2))}</ins>")
        cursor = m.end()
    out.append(html.escape(text[cursor:]))
    return "".join(out)


_TAG = re.compile(r"</?(?:p|br|b|strong|span|div|em|i|u|font)\b[^>]*>", re.I)


def printed_line(line: str) -> str:
    """A source line as printed on the page: HTML markup of the source (<p>, <br> …) removed,
    entities decoded, table cells (tabs) separated by a visible ' ｜ '.

    >>> printed_line("1\\t名称\\t<p>(1) 甲。</p> <p>(2) 乙&amp;丙</p>")
    '1 ｜ 名称 ｜ (1) 甲。 (2) 乙&丙'
    """
    text = html.unescape(_TAG.sub("", line))
    return " ｜ ".join(cell.strip() for cell in text.split("\t"))


def has_markup(line: str) -> bool:
    """True when the printed line carries markup that `printed_line` removes."""
    return bool(_TAG.search(line)) or html.unescape(line) != line
