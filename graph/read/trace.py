"""Trace a measure across batches: find it, walk its links in the store, report the chain.

Everything here reads the built store through SPARQL (reformkg.graph.query.store.select), so `reformkg trace`
shows exactly what the endpoint and the measure pages show. The chain is the measure's lineage:
the measures it evolves from (rk:evolvesFrom+, through rk:sameReformAs restatements) and the
measures that evolve from it, ordered by batch. Each step carries its document, date, pilot
places and lead agencies; consecutive linked steps get a difference of their practice text,
sentence by sentence, with what was added and what was dropped.

Also `link_rows(store)`: every qualified link as a flat row (source, target, relation, score,
evidence) for `reformkg export links`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from reformkg.errors import ReformKGError
from reformkg.graph.query.store import SparqlStore, as_number, select
from reformkg.graph.read.measures import SEP, MeasureFields, measure_fields
from reformkg.script import to_simplified
from reformkg.vocab import ID, SPARQL_PREFIXES, measure_iri

__all__ = [
    "AmbiguousQuery",
    "Candidate",
    "Chain",
    "LinkInfo",
    "MeasureNotFound",
    "Step",
    "counterpart_links",
    "find",
    "natural_order",
    "link_rows",
    "render",
    "resolve",
    "sentence_diff",
    "sentence_pairs",
    "sentences",
    "trace",
]

MAX_CANDIDATES = 30
RELATION_NAMES = {"SameReform": "same", "Evolution": "evolution", "Related": "related"}
#: rk:linkStatus individual → the status column of the links export and the pages.
STATUS_NAMES = {
    "MachineProposed": "machine",
    "CuratorConfirmed": "confirmed",
    "CuratorAdded": "added",
}
_DOC_NUMBER = re.compile(
    r"^(?P<doc>[a-z0-9][a-z0-9-]*):(?P<number>[A-Za-z0-9]+)(?:-(?P<part>\d+))?$"
)
_SENTENCE = re.compile(r"[^。；;！？!?]+[。；;！？!?]?")


class MeasureNotFound(ReformKGError):
    """No measure matches the query (an IRI, doc_id:number, or part of a name)."""

    exit_code = 4


class AmbiguousQuery(ReformKGError):
    """Several measures match a name query and they are not one chain; `candidates` lists them."""

    exit_code = 5

    def __init__(self, query: str, candidates: list[Candidate]) -> None:
        shown = candidates[:MAX_CANDIDATES]
        more = f" (first {len(shown)} shown)" if len(candidates) > len(shown) else ""
        super().__init__(
            f"「{query}」 matches {len(candidates)} measures{more}; "
            "give doc_id:number or an IRI to pick one"
        )
        self.candidates = candidates


@dataclass(frozen=True)
class Candidate:
    iri: str
    doc_id: str
    number_label: str
    name: str
    batch_order: int

    @property
    def ref(self) -> str:
        """The doc_id:number form an analyst can paste back into `reformkg trace`."""
        tail = self.iri.removeprefix(f"{ID}measure/{self.doc_id}/")
        return f"{self.doc_id}:{tail}"


@dataclass(frozen=True)
class Step:
    """One measure of the chain with what an analyst needs to place it."""

    iri: str
    doc_id: str
    doc_title: str
    batch_order: int
    date: str  # ISO date or ""
    date_status: str  # stated | inferred | unknown
    number_label: str
    name: str
    places: tuple[str, ...]
    agencies: tuple[str, ...]
    deadline: str
    practice: str


@dataclass(frozen=True)
class LinkInfo:
    source: str
    target: str
    relation: str  # same | evolution | related
    score: float | None  # None: a link a curator added (no machine score)
    evidence: tuple[str, ...]
    status: str = "machine"  # machine | confirmed | added


@dataclass
class Chain:
    start: str
    steps: list[Step]  # earliest batch first
    links: list[LinkInfo]  # links among the steps
    related: list[tuple[LinkInfo, Step]] = field(default_factory=list)  # of the start measure


def _iri_term(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _bind(bindings: Mapping[str, ox.NamedNode | ox.Literal] | None) -> str:
    """VALUES clauses for bound terms: pyoxigraph serialises (and escapes) each term, so user
    input is never pasted into the query text as such."""
    return "\n".join(f"VALUES ?{k} {{ {v} }}" for k, v in sorted((bindings or {}).items()))


def _candidates(
    store: SparqlStore, where: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None
) -> list[Candidate]:
    """The measures whose IRI ?m or label ?name pass `where`, with their fields."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""
SELECT DISTINCT ?m WHERE {{
  {_bind(bindings)}
  ?m a rk:Measure ; rdfs:label ?name .
  {where}
}}""",
    )
    out = [
        Candidate(m.iri, m.doc_id, m.number_label or "", m.name, m.batch_order)
        for m in measure_fields(store, [str(r["m"]) for r in rows])
    ]
    return sorted(out, key=lambda c: (c.batch_order, c.doc_id, _natural(c.iri)))


def _natural(iri: str) -> tuple[tuple[int, ...], str]:
    """Sort key of a measure IRI by its printed number: 7 < 7-2 < 10 (numbers, then the tail).

    The numbers and the tail are kept apart, so `7` and `7-2` compare without mixing types."""
    tail = iri.rsplit("/", 1)[-1]
    return tuple(int(x) if x.isdigit() else 10**9 for x in tail.split("-")), tail


def find(store: SparqlStore, query: str) -> list[Candidate]:
    """Measures matching an IRI, a doc_id:number[-part] reference, or part of a name."""
    query = query.strip()
    if not query:
        return []
    if query.startswith(("http://", "https://")):
        return _candidates(store, "FILTER(?m = ?q)", {"q": _iri_term(query)})
    ref = _DOC_NUMBER.match(query)
    if ref:
        part = int(ref["part"]) if ref["part"] else None
        exact = _candidates(
            store,
            "FILTER(?m = ?q)",
            {"q": _iri_term(str(measure_iri(ref["doc"], ref["number"], part)))},
        )
        if exact or part is not None:
            return exact
        # a multi-row item: doc:7 names the item, whose task rows are 7-1, 7-2 …
        item_prefix = str(measure_iri(ref["doc"], ref["number"])) + "-"
        return _candidates(store, "FILTER(STRSTARTS(STR(?m), ?p))", {"p": ox.Literal(item_prefix)})
    # the names are printed in simplified characters: 知識產權 finds 知识产权
    compact = to_simplified(re.sub(r"\s+", "", query))
    return _candidates(
        store, 'FILTER(CONTAINS(REPLACE(STR(?name), "\\\\s+", ""), ?q))', {"q": ox.Literal(compact)}
    )


def resolve(store: SparqlStore, query: str) -> str:
    """The IRI of the one measure the query names (or the earliest of one chain it names).

    Raises MeasureNotFound, or AmbiguousQuery when the matches are not all one chain.
    """
    found = find(store, query)
    if not found:
        raise MeasureNotFound(
            f"no measure matches 「{query}」 (try part of its name, doc_id:number, or its IRI)"
        )
    if len(found) == 1:
        return found[0].iri
    lineage = set(_lineage(store, found[0].iri))
    if all(c.iri in lineage for c in found):
        return found[0].iri
    raise AmbiguousQuery(query, found)


_STEP_PATH = "(rk:evolvesFrom|rk:sameReformAs|^rk:sameReformAs)+"


def _lineage(store: SparqlStore, iri: str) -> list[str]:
    """The measure, what it evolves from (transitively) and what evolves from it."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""
SELECT DISTINCT ?x WHERE {{
  {_bind({"m": _iri_term(iri)})}
  {{ ?m {_STEP_PATH} ?x }} UNION {{ ?x {_STEP_PATH} ?m }}
}}""",
    )
    return [iri] + sorted({str(r["x"]) for r in rows} - {iri})


def _steps(store: SparqlStore, iris: list[str]) -> dict[str, Step]:
    return {m.iri: _step(m) for m in measure_fields(store, iris)}


def _step(m: MeasureFields) -> Step:
    return Step(
        iri=m.iri,
        doc_id=m.doc_id,
        doc_title=m.doc_title,
        batch_order=m.batch_order,
        date=m.issued or "",
        date_status=m.date_status or "unknown",
        number_label=m.number_label or "",
        name=m.name,
        places=tuple(p for p in m.places if p),
        agencies=tuple(a for a in m.lead_agencies if a),
        deadline=m.deadline_text or "",
        practice=m.practice or "",
    )


def _links(
    store: SparqlStore, where: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None
) -> list[LinkInfo]:
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""
SELECT ?s ?t ?rel ?score ?status (GROUP_CONCAT(?ev; separator="{SEP}") AS ?evidence) WHERE {{
  {_bind(bindings)}
  ?l a rk:MeasureLink ; rk:linkSource ?s ; rk:linkTarget ?t ; rk:relation ?r .
  OPTIONAL {{ ?l rk:linkScore ?score }}
  OPTIONAL {{ ?l rk:linkStatus ?st }}
  OPTIONAL {{ ?l rk:evidenceTerm ?ev }}
  BIND(STRAFTER(STR(?r), "#") AS ?rel)
  BIND(STRAFTER(STR(?st), "#") AS ?status)
  {where}
}} GROUP BY ?s ?t ?rel ?score ?status""",
    )
    out = [
        LinkInfo(
            str(r["s"]),
            str(r["t"]),
            RELATION_NAMES.get(str(r["rel"]), str(r["rel"])),
            None if r["score"] is None else float(as_number(r["score"])),
            tuple(sorted(filter(None, str(r["evidence"] or "").split(SEP)))),
            STATUS_NAMES.get(str(r["status"] or ""), "machine"),
        )
        for r in rows
    ]
    return sorted(out, key=lambda x: (_natural(x.source), _natural(x.target), x.source, x.target))


natural_order = _natural


def counterpart_links(store: SparqlStore, iris: list[str]) -> list[LinkInfo]:
    """The same-reform and evolution links among the measures `iris`."""
    values = " ".join(str(_iri_term(i)) for i in iris)
    return [
        x
        for x in _links(store, f"VALUES ?s {{ {values} }} VALUES ?t {{ {values} }}")
        if x.relation != "related"
    ]


def trace(store: SparqlStore, iri: str) -> Chain:
    """The chain through `iri`, earliest batch first, with its links and the related measures."""
    lineage = _lineage(store, iri)
    steps = _steps(store, lineage)
    if iri not in steps:
        raise MeasureNotFound(f"{iri} is not a measure of this build")
    ordered = sorted(
        steps.values(), key=lambda s: (s.batch_order, s.date, s.doc_id, _natural(s.iri))
    )
    links = counterpart_links(store, sorted({s.iri for s in ordered}))
    related_links = [
        x
        for x in _links(store, "FILTER(?s = ?m || ?t = ?m)", {"m": _iri_term(iri)})
        if x.relation == "related"
    ]
    others = [x.target if x.source == iri else x.source for x in related_links]
    other_steps = _steps(store, others) if others else {}
    related = sorted(
        (
            (x, other_steps[o])
            for x, o in zip(related_links, others, strict=True)
            if o in other_steps
        ),
        key=lambda p: (-(p[0].score or 0.0), p[1].batch_order),
    )
    return Chain(iri, ordered, links, related)


def sentences(text: str) -> list[str]:
    """A practice text cut into sentences (at 。；！？), the unit an analyst reads."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def sentence_pairs(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Which sentence of `new` continues which of `old`: (i, j) kept or reworded, (i, None)
    dropped, (None, j) added; in reading order. The alignment `sentence_diff` prints and the
    lineage pages lay out side by side.

    Equal sentences pair in order (difflib); inside a replaced block each new sentence pairs
    with its most similar old one when they are at least half alike.
    """
    out: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        elif op == "delete":
            out += [(i, None) for i in range(i1, i2)]
        elif op == "insert":
            out += [(None, j) for j in range(j1, j2)]
        else:
            out += _replaced(old, new, range(i1, i2), range(j1, j2))
    return out


def sentence_diff(earlier: str, later: str) -> list[tuple[str, str]]:
    """Practice texts compared sentence by sentence: ("=", kept), ("-", dropped), ("+", added),
    and ("~", a reworded sentence with [-dropped-]{+added+} marks inside it).

    Sentences (split at 。；！？) are the unit an analyst reads; inside a replaced pair of
    sentences a character diff shows the exact words that changed. Chinese text is kept exact.
    """
    a, b = sentences(earlier), sentences(later)
    out: list[tuple[str, str]] = []
    for i, j in sentence_pairs(a, b):
        if j is None and i is not None:
            out.append(("-", a[i]))
        elif i is None and j is not None:
            out.append(("+", b[j]))
        elif i is not None and j is not None:
            out.append(("=", a[i]) if a[i] == b[j] else ("~", _char_diff(a[i], b[j])))
    return out


def _replaced(
    old: list[str], new: list[str], olds: range, news: range
) -> list[tuple[int | None, int | None]]:
    """Pair each new sentence with its most similar old one; the old ones left are dropped."""
    out: list[tuple[int | None, int | None]] = []
    unused = list(olds)
    for j in news:
        best, best_ratio = None, 0.0
        for k in unused:
            ratio = difflib.SequenceMatcher(None, old[k], new[j], autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = k, ratio
        if best is not None and best_ratio >= 0.5:
            unused.remove(best)
            out.append((best, j))
        else:
            out.append((None, j))
    return [(k, None) for k in unused] + out


def _char_diff(old: str, new: str) -> str:
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(old[i1:i2])
        if op in ("delete", "replace"):
            parts.append(f"[-{old[i1:i2]}-]")
        if op in ("insert", "replace"):
            parts.append(f"{{+{new[j1:j2]}+}}")
    return "".join(parts)


def _when(step: Step) -> str:
    if not step.date:
        return "date unknown"
    return step.date if step.date_status == "stated" else f"{step.date} ({step.date_status})"


def _ref(step: Step) -> str:
    return Candidate(step.iri, step.doc_id, step.number_label, step.name, step.batch_order).ref


def render(chain: Chain) -> str:
    """The chain as plain text: one block per step, then the practice-text difference."""
    by_iri = {s.iri: s for s in chain.steps}
    index = {s.iri: n for n, s in enumerate(chain.steps, start=1)}
    lines = [
        f"Trace of {by_iri[chain.start].name} ({_ref(by_iri[chain.start])})",
        f"{len(chain.steps)} step(s) across "
        f"{len({s.doc_id for s in chain.steps})} document(s), earliest first.",
        "",
    ]
    for n, step in enumerate(chain.steps, start=1):
        mark = "  ← the measure asked for" if step.iri == chain.start else ""
        lines.append(
            f"[{n}] batch {step.batch_order} · {_when(step)} · {step.doc_id} "
            f"No. {step.number_label or '(unnumbered)'}{mark}"
        )
        lines.append(f"    {step.name}")
        lines.append(f"    document: {step.doc_title}")
        lines.append(f"    places: {SEP.join(step.places) or '—'}")
        lines.append(f"    lead agencies: {SEP.join(step.agencies) or '—'}")
        if step.deadline:
            lines.append(f"    deadline: {step.deadline}")
        lines.append(f"    {step.iri}")
        own = [x for x in chain.links if x.source == step.iri and x.target in by_iri]
        # nearest earlier step first: its difference is the one printed in full
        own.sort(key=lambda x: (-index[x.target], x.target))
        for k, link in enumerate(own):
            target = by_iri[link.target]
            verb = "evolves from" if link.relation == "evolution" else "restates"
            lines.append(
                f"    {verb} [{index[link.target]}] ({_score(link)}; "
                f"evidence: {SEP.join(link.evidence) or '—'})"
            )
            if k:
                continue
            lines.append(
                f"    practice text, [{index[link.target]}] → [{n}] (= kept, - dropped, "
                "+ added, ~ reworded: [-dropped-]{+added+}):"
            )
            lines += [
                f"      {op} {text}" for op, text in sentence_diff(target.practice, step.practice)
            ]
        lines.append("")
    if len(chain.steps) == 1:
        lines.append("No evolution or restatement of this measure was found in other batches.")
    if chain.related:
        lines.append("Related measures (same topic, a different reform):")
        for link, other in chain.related:
            lines.append(
                f"  {_score(link)}  {_ref(other)}  {other.name}  "
                f"(evidence: {SEP.join(link.evidence) or '—'})"
            )
    return "\n".join(lines).rstrip() + "\n"


def _score(link: LinkInfo) -> str:
    """`score 0.412`, and who stands behind the link when a curator does."""
    score = "no machine score" if link.score is None else f"score {link.score:.3f}"
    return score if link.status == "machine" else f"{score}, {link.status} by a curator"


def link_rows(store: SparqlStore) -> tuple[list[str], list[dict[str, object]]]:
    """Every qualified link: source, target, relation, score, status (machine, confirmed,
    added), evidence (terms joined by ；)."""
    fields = ["source", "target", "relation", "score", "status", "evidence"]
    rows: list[dict[str, object]] = [
        {
            "source": x.source,
            "target": x.target,
            "relation": x.relation,
            "score": "" if x.score is None else f"{x.score:.3f}",
            "status": x.status,
            "evidence": SEP.join(x.evidence),
        }
        for x in _links(store, "")
    ]
    return fields, rows
