"""Serve time: reform lineages read from the store, for /lineages, the lineage pages, the
measure pages' lineage link and `reformkg export lineages`.

A lineage (rk:Reform, built by etl/lineage.py) is the versions of one reform across batches.
Its page lays the versions side by side, earliest first, their texts aligned by practice point
and sentence with the alignment `reformkg trace` prints (`trace.sentence_pairs`), each changed
sentence marked inside: what a version added to the one before, what the next one dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from reformkg.graph.query.store import SparqlStore, as_int, optional_str, select
from reformkg.graph.read.measures import DOC_DATE, SEP, MeasureFields, measure_fields
from reformkg.graph.read.trace import (
    STATUS_NAMES,
    LinkInfo,
    counterpart_links,
    natural_order,
    sentence_pairs,
    sentences,
)
from reformkg.script import printed_only
from reformkg.vocab import ID, SPARQL_PREFIXES

__all__ = [
    "Cell",
    "Doc",
    "LineageDetail",
    "LineageSummary",
    "Run",
    "align",
    "documents",
    "lineage",
    "lineage_of",
    "lineage_rows",
    "lineage_summaries",
    "lineage_tail",
]

#: rk:kind of a document → the stage a version in it stands for (Chinese first).
STAGES = {
    "business-environment-list": "试点任务 pilot task",
    "notice-with-measures": "全国推广 promoted nationwide",
    "ftz-replication-list": "复制推广 replicated",
    "ccr-measures": "典型经验 practice reported",
}


@dataclass(frozen=True)
class Doc:
    """A document (batch) as the lineage pages and the views name it: short Chinese title and
    date; `index` is its place in the manifest's order (it fixes the document's colour)."""

    iri: str
    doc_id: str
    title: str
    short_title: str
    date: str | None
    date_status: str
    kind: str
    index: int

    @property
    def head(self) -> str:
        """The column head: short title and date (or 日期不详)."""
        when = self.date or "日期不详"
        if self.date and self.date_status == "inferred":
            when += "（推定）"
        return f"{self.short_title} · {when}"


def documents(store: SparqlStore) -> list[Doc]:
    """Every document, in the manifest's order (rk:batchOrder, then id: the IRI's tail, since
    dcterms:identifier is the 文号), dated as known (measures.DOC_DATE)."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""SELECT ?d ?id (SAMPLE(?t) AS ?title) (SAMPLE(?s) AS ?short) (SAMPLE(?issued) AS ?date)
        (SAMPLE(?ds) AS ?status) (SAMPLE(?k) AS ?kind) ?order WHERE {{
        ?d a rk:Document ; rk:batchOrder ?order .
        BIND(STRAFTER(STR(?d), "/id/doc/") AS ?id)
        OPTIONAL {{ ?d dcterms:title ?t {printed_only("?t", "?d", "dcterms:title")} }}
        OPTIONAL {{ ?d dcterms:alternative ?s {printed_only("?s", "?d", "dcterms:alternative")} }}
        OPTIONAL {{ ?d dcterms:issued ?stated }}
        OPTIONAL {{ ?d rk:issuedNotBefore ?notBefore }} OPTIONAL {{ ?d rk:issuedNotAfter ?notAfter }}
        {DOC_DATE}
        OPTIONAL {{ ?d rk:dateStatus ?ds }} OPTIONAL {{ ?d rk:kind ?k }}
        }} GROUP BY ?d ?id ?order""",
    )
    rows.sort(key=lambda r: (as_int(r["order"]), str(r["id"])))
    return [
        Doc(
            iri=str(r["d"]),
            doc_id=str(r["id"]),
            title=str(r["title"]),
            short_title=str(r["short"] or r["id"]),
            date=optional_str(r["date"]),
            date_status=str(r["status"] or "unknown"),
            kind=str(r["kind"] or ""),
            index=i,
        )
        for i, r in enumerate(rows)
    ]


def lineage_tail(iri: str) -> str:
    """`sz-bizenv-2022-b1/34` for id/reform/sz-bizenv-2022-b1/34: its page is /lineages/<tail>."""
    return iri.removeprefix(f"{ID}reform/")


@dataclass(frozen=True)
class LineageSummary:
    """One row of /lineages: the versions in order and what the filters and sorting need."""

    iri: str
    label: str
    versions: tuple[MeasureFields, ...]  # earliest first
    themes: tuple[tuple[str, str], ...]  # (id, label) of the versions' own themes
    theme_ids: frozenset[str]  # with every broader theme: what the theme filter matches
    places: tuple[tuple[str, str], ...]  # (id, label), with every place they lie within
    agencies: tuple[str, ...]  # lead and responsible agencies (canonical names)

    @property
    def tail(self) -> str:
        return lineage_tail(self.iri)

    @property
    def length(self) -> int:
        return len(self.versions)

    @property
    def own_places(self) -> tuple[str, ...]:
        """The places the versions name themselves (labels), not the places around them."""
        return tuple(sorted({p for v in self.versions for p in v.places}))


def _version_order(m: MeasureFields) -> tuple[int, str, tuple[tuple[int, ...], str]]:
    return (m.batch_order, m.issued or "", natural_order(m.iri))


def lineage_summaries(store: SparqlStore) -> list[LineageSummary]:
    """Every lineage, longest first, then by its first version."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""SELECT ?r ?label ?m WHERE {{ ?r a rk:Reform ; rdfs:label ?label ; rk:hasVersion ?m .
        {printed_only("?label", "?r", "rdfs:label")} }}""",
    )
    members: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for r in rows:
        members.setdefault(str(r["r"]), []).append(str(r["m"]))
        labels[str(r["r"])] = str(r["label"])
    fields = {
        m.iri: m for m in measure_fields(store, sorted({m for ms in members.values() for m in ms}))
    }
    facets = _facets(store)
    theme_labels = {
        str(r["t"]): str(r["l"])
        for r in select(
            store,
            SPARQL_PREFIXES
            + """SELECT ?t (SAMPLE(?x) AS ?l) WHERE { ?t a skos:Concept ; skos:prefLabel ?x
            FILTER(langMatches(lang(?x), "zh")) } GROUP BY ?t""",
        )
    }
    out = []
    for reform, ms in members.items():
        versions = tuple(sorted((fields[m] for m in ms if m in fields), key=_version_order))
        own = sorted({t for v in versions for t in v.themes})
        f = [facets.get(m, {}) for m in ms]
        out.append(
            LineageSummary(
                iri=reform,
                label=labels[reform],
                versions=versions,
                themes=tuple((t, theme_labels.get(f"{ID}theme/{t}", t)) for t in own),
                theme_ids=frozenset(t for x in f for t in x.get("themes", ())),
                places=tuple(sorted({p for x in f for p in x.get("places", ())})),
                agencies=tuple(
                    sorted(
                        {a for v in versions for a in (*v.lead_agencies, *v.responsible_agencies)}
                    )
                ),
            )
        )
    return sorted(out, key=lambda x: (-x.length, _version_order(x.versions[0]), x.iri))


def _facets(store: SparqlStore) -> dict[str, dict[str, set[Any]]]:
    """Per version: theme ids with every broader theme; (place id, label) with every place it
    lies within. What the /lineages filters match, as the views' filters do."""
    out: dict[str, dict[str, set[Any]]] = {}
    for r in select(
        store,
        SPARQL_PREFIXES
        + """SELECT DISTINCT ?m ?t WHERE { ?r rk:hasVersion ?m . ?m rk:hasTheme/skos:broader* ?t }""",
    ):
        out.setdefault(str(r["m"]), {}).setdefault("themes", set()).add(
            str(r["t"]).removeprefix(f"{ID}theme/")
        )
    for r in select(
        store,
        SPARQL_PREFIXES
        + """SELECT DISTINCT ?m ?p (SAMPLE(?x) AS ?l) WHERE { ?r rk:hasVersion ?m .
        ?m rk:sourcePlace/rk:withinPlace* ?p . OPTIONAL { ?p rdfs:label ?x
        FILTER(langMatches(lang(?x), "zh")) } } GROUP BY ?m ?p""",
    ):
        place = str(r["p"]).removeprefix(f"{ID}place/")
        out.setdefault(str(r["m"]), {}).setdefault("places", set()).add(
            (place, str(r["l"] or place))
        )
    return out


def lineage_of(store: SparqlStore, measure: str) -> tuple[str, str] | None:
    """(IRI, label) of the lineage a measure is a version of, or None."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""SELECT ?m ?r ?label WHERE {{ ?r rk:hasVersion ?m ; rdfs:label ?label .
        {printed_only("?label", "?r", "rdfs:label")} }} LIMIT 1""",
        {"m": ox.NamedNode(measure)},
    )
    return (str(rows[0]["r"]), str(rows[0]["label"])) if rows else None


def link_statuses(store: SparqlStore, measure: str) -> dict[str, str]:
    """Link IRI → status (machine, confirmed, added) of every link of a measure."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?m ?l ?st WHERE { { ?l rk:linkSource ?m } UNION { ?l rk:linkTarget ?m }
        ?l rk:linkStatus ?st }""",
        {"m": ox.NamedNode(measure)},
    )
    return {str(r["l"]): STATUS_NAMES.get(str(r["st"]).rpartition("#")[2], "machine") for r in rows}


# --------------------------------------------------------------------------- one lineage


@dataclass(frozen=True)
class Run:
    """A stretch of a sentence with the same marks: `added` (not in the version before) and
    `dropped` (not in the version after)."""

    text: str
    added: bool = False
    dropped: bool = False


@dataclass(frozen=True)
class Cell:
    """One sentence of one version, placed in its row of the side-by-side table."""

    point: int | None  # the practice point (1, 2, …) it belongs to, when the text has points
    starts_point: bool  # the point's first sentence (its number is shown there)
    runs: tuple[Run, ...]
    state: str  # "kept", "changed", "new" (no sentence before it in this row), "first"


@dataclass
class LineageDetail:
    iri: str
    label: str
    versions: list[MeasureFields]
    points: dict[str, list[str]]  # version IRI → its practice points, in order
    docs: dict[str, Doc]  # document IRI → the document
    links: list[LinkInfo]  # same / evolution links among the versions
    rows: list[list[Cell | None]] = field(default_factory=list)  # one column per version

    @property
    def tail(self) -> str:
        return lineage_tail(self.iri)


def lineage(store: SparqlStore, iri: str) -> LineageDetail | None:
    """The lineage `iri` with its versions, links and aligned texts; None when there is none."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""SELECT ?r ?label ?m WHERE {{ ?r a rk:Reform ; rdfs:label ?label ; rk:hasVersion ?m .
        {printed_only("?label", "?r", "rdfs:label")} }}""",
        {"r": ox.NamedNode(iri)},
    )
    if not rows:
        return None
    versions = sorted(
        measure_fields(store, sorted({str(r["m"]) for r in rows})), key=_version_order
    )
    iris = [v.iri for v in versions]
    links = counterpart_links(store, iris)
    points = _points(store, iris)
    units = [_units(v.practice or "", points.get(v.iri, [])) for v in versions]
    return LineageDetail(
        iri=iri,
        label=str(rows[0]["label"]),
        versions=versions,
        points=points,
        docs={d.iri: d for d in documents(store)},
        links=links,
        rows=mark_point_starts(align(units)),
    )


def _points(store: SparqlStore, iris: Iterable[str]) -> dict[str, list[str]]:
    values = " ".join(str(ox.NamedNode(i)) for i in iris)
    out: dict[str, list[tuple[int, str]]] = {}
    for r in select(
        store,
        SPARQL_PREFIXES
        + f"""SELECT ?m ?pos ?text WHERE {{ VALUES ?m {{ {values} }}
        ?m rk:hasPracticePoint ?p . ?p rk:position ?pos ; rk:text ?text }}""",
    ):
        out.setdefault(str(r["m"]), []).append((as_int(r["pos"]), str(r["text"])))
    return {m: [t for _, t in sorted(ps)] for m, ps in out.items()}


Unit = tuple[int | None, str]  # (practice point or None, sentence)


def _units(practice: str, points: list[str]) -> list[Unit]:
    """A version's sentences, each with its practice point when the text is cut into points."""
    if len(points) > 1:
        return [(n, s) for n, text in enumerate(points, start=1) for s in sentences(text)]
    return [(None, s) for s in sentences(practice)]


def align(versions: list[list[Unit]]) -> list[list[Cell | None]]:
    """Rows of sentences, one column per version: a sentence sits in the row of the sentence
    of the version before that it continues (`trace.sentence_pairs`); one that continues none
    gets a row of its own after the last row its version used. Then each sentence is marked
    against its neighbours in the row: what it added to the one before, what the one after
    dropped."""
    n = len(versions)
    rows: list[list[tuple[int | None, str] | None]] = []
    previous: list[list[tuple[int | None, str] | None]] = []  # row of each earlier sentence
    for k, units in enumerate(versions):
        placed: list[list[tuple[int | None, str] | None]] = []
        if k == 0:
            for u in units:
                row: list[tuple[int | None, str] | None] = [None] * n
                row[0] = u
                rows.append(row)
                placed.append(row)
        else:
            old = [u[1] for u in versions[k - 1]]
            new = [u[1] for u in units]
            cursor = -1
            for i, j in side_by_side(sentence_pairs(old, new)):
                if j is None:
                    continue
                if i is not None:
                    row = previous[i]
                    cursor = max(cursor, _index(rows, row))
                else:
                    row = [None] * n
                    rows.insert(cursor + 1, row)
                    cursor += 1
                row[k] = units[j]
                placed.append(row)
            placed.sort(key=lambda r: _index(rows, r))
        previous = placed
    return [[_cell(row, k) for k in range(n)] for row in rows]


def side_by_side(
    pairs: list[tuple[int | None, int | None]],
) -> list[tuple[int | None, int | None]]:
    """Between two kept sentences, the dropped and the added ones face each other, in order:
    a text rewritten from end to end (混合产业用地, 2023 → 2024) is read side by side, point
    against point, its differences marked, rather than as two staircases of unrelated rows.
    Returned in the order of the later text."""
    matched = sorted(
        ((i, j) for i, j in pairs if i is not None and j is not None), key=lambda p: p[1]
    )
    olds = sorted(i for i, j in pairs if i is not None and j is None)
    news = sorted(j for i, j in pairs if i is None and j is not None)
    end = (
        max([*olds, *(i for i, _ in matched), -1]) + 1,
        max([*news, *(j for _, j in matched), -1]) + 1,
    )
    out: list[tuple[int | None, int | None]] = []
    low_i, low_j = -1, -1
    for mi, mj in [*matched, end]:
        gap_old = [i for i in olds if low_i < i < mi]
        gap_new = [j for j in news if low_j < j < mj]
        out += [(gap_old[k] if k < len(gap_old) else None, j) for k, j in enumerate(gap_new)]
        if (mi, mj) != end:
            out.append((mi, mj))
        low_i, low_j = max(low_i, mi), mj
    return out


def _index(rows: list[list[Unit | None]], row: list[Unit | None]) -> int:
    return next(i for i, r in enumerate(rows) if r is row)


def _cell(row: list[Unit | None], k: int) -> Cell | None:
    unit = row[k]
    if unit is None:
        return None
    point, text = unit
    added = [False] * len(text)
    dropped = [False] * len(text)
    before = row[k - 1] if k else None
    after = row[k + 1] if k + 1 < len(row) else None
    if k and before is None:
        added = [True] * len(text)
    elif before is not None:
        for tag, _, _, j1, j2 in _opcodes(before[1], text):
            if tag in ("insert", "replace"):
                added[j1:j2] = [True] * (j2 - j1)
    if k + 1 < len(row) and after is None:
        dropped = [True] * len(text)
    elif after is not None:
        for tag, i1, i2, _, _ in _opcodes(text, after[1]):
            if tag in ("delete", "replace"):
                dropped[i1:i2] = [True] * (i2 - i1)
    runs: list[Run] = []
    for ch, a, d in zip(text, added, dropped, strict=True):
        if runs and (runs[-1].added, runs[-1].dropped) == (a, d):
            runs[-1] = Run(runs[-1].text + ch, a, d)
        else:
            runs.append(Run(ch, a, d))
    state = (
        "first"
        if k == 0
        else "new"
        if before is None
        else "kept"
        if before[1] == text
        else "changed"
    )
    return Cell(point, False, tuple(runs), state)


def _opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return [(str(tag), i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops]


def mark_point_starts(rows: list[list[Cell | None]]) -> list[list[Cell | None]]:
    """Mark, per column, the first sentence of each practice point (where its number shows)."""
    seen: list[set[int | None]] = [set() for _ in (rows[0] if rows else [])]
    out = []
    for row in rows:
        new_row: list[Cell | None] = []
        for k, c in enumerate(row):
            if c is not None and c.point is not None and c.point not in seen[k]:
                seen[k].add(c.point)
                c = Cell(c.point, True, c.runs, c.state)
            new_row.append(c)
        out.append(new_row)
    return out


# --------------------------------------------------------------------------- export


LINEAGE_FIELDS = [
    "lineage",
    "lineage_label",
    "versions",
    "position",
    "measure",
    "document",
    "document_short_title",
    "date",
    "number",
    "name",
    "lead_agencies",
    "deadline",
]


def lineage_rows(store: SparqlStore) -> tuple[list[str], list[dict[str, object]]]:
    """One row per version of every lineage, lineages in their list order, versions earliest
    first: what `reformkg export lineages` writes."""
    docs: Mapping[str, Doc] = {d.iri: d for d in documents(store)}
    rows: list[dict[str, object]] = []
    for x in lineage_summaries(store):
        for position, v in enumerate(x.versions, start=1):
            rows.append(
                {
                    "lineage": x.iri,
                    "lineage_label": x.label,
                    "versions": x.length,
                    "position": position,
                    "measure": v.iri,
                    "document": v.doc_id,
                    "document_short_title": docs[v.document].short_title,
                    "date": v.issued or "",
                    "number": v.number_label or (v.number if v.number is not None else ""),
                    "name": v.name,
                    "lead_agencies": SEP.join(v.lead_agencies),
                    "deadline": v.deadline_text or "",
                }
            )
    return LINEAGE_FIELDS, rows
