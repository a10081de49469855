"""Resolve and describe the graph's resources: the logic behind /id/... and /resource?iri=.

Every IRI in the graph gets a page on this server. This module knows how to turn a local URL
path back into the IRI that `graph.namespace` minted, how to describe a resource (its own
triples, its blank nodes, who points at it) and how to cut its Concise Bounded Description for
Turtle / JSON-LD. The type-specific extras (a measure's source lines and cross-batch links, an
agency's measures, a document's contents) are plain functions returning rows, so that the
templates in web/templates only lay things out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict
from urllib.parse import quote, unquote

import pyoxigraph as ox

from reformkg.graph.query.store import (
    Row,
    SparqlStore,
    Term,
    as_int,
    optional_int,
    optional_number,
    optional_str,
    select,
    solutions,
)
from reformkg.graph.read import rdf_out
from reformkg.graph.read.measures import measure_fields
from reformkg.graph.read.terms import label as column_heading
from reformkg.script import PRINTED_TAG, printed_only
from reformkg.vocab import (
    DCAT,
    ID,
    INFERRED_GRAPH,
    PAGE_PREFIXES,
    PROV,
    SPARQL_PREFIXES,
    VOID,
    _segment,
)

ID_BASE = str(ID)

#: Prefixes shown in compact IRIs and pre-declared in Turtle output and on the query page.
PREFIXES = PAGE_PREFIXES
RK = PREFIXES["rk"]
RDF_TYPE = PREFIXES["rdf"] + "type"

#: Objects of these properties belong to the subject's description (CBD-style), as blank nodes do.
OWNED_PROPERTIES = (
    RK + "hasPracticePoint",
    RK + "themeAssignment",
    RK + "agencyRole",
    # the dataset's description: its partitions, subsets, distributions and activities
    str(VOID.classPartition),
    str(VOID.propertyPartition),
    str(VOID.subset),
    str(DCAT.distribution),
    str(DCAT.accessService),
    str(PROV.wasGeneratedBy),
)

#: Label properties, best first: the page title of a resource is the first one present.
LABEL_PROPERTIES = (
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["rdfs"] + "label",
    PREFIXES["dcterms"] + "title",
)


# --------------------------------------------------------------------------- IRIs and local URLs


def iri_from_local_path(path: str) -> str:
    """The data IRI for the local path after /id/ (raw or decoded), re-encoded like the minter.

    Each segment is percent-decoded then re-encoded with `reformkg.vocab._segment`, so
    `/id/agency/%E6%B7%B1...` and `/id/agency/深...` both give the IRI that was minted, and an
    encoded slash inside a segment (%2F) stays encoded.
    """
    return ID_BASE + "/".join(_segment(unquote(part)) for part in path.split("/"))


def local_href(iri: str) -> str:
    """The URL on this server for any IRI: /id/... for data IRIs, /resource?iri=... otherwise."""
    if iri.startswith(ID_BASE) and "?" not in iri and "#" not in iri:
        return "/id/" + iri[len(ID_BASE) :]
    return "/resource?iri=" + quote(iri, safe="")


def compact(iri: str) -> str:
    """`rk:Measure` for a known namespace, else the IRI itself (for display only)."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


# --------------------------------------------------------------------------- labels


def load_labels(store: SparqlStore) -> dict[str, str]:
    """One label per IRI in the whole dataset (skos:prefLabel > rdfs:label > dcterms:title).

    Built once per app (a few thousand rows) so that every link on every page can show a label
    without one query per link. Chinese labels win over untagged, then English ones, and of
    Chinese ones the printed form (PRINTED_TAG, where a text was printed in traditional
    characters) over its simplified form; ties break by value, so the choice is stable.
    """
    rows = select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?s ?p ?l (LANG(?l) AS ?lang) WHERE {
            VALUES ?p { skos:prefLabel rdfs:label dcterms:title }
            ?s ?p ?l . FILTER(isIRI(?s)) }""",
    )
    lang_rank = {"zh": 0, "": 1, "en": 2}
    best: dict[str, tuple[tuple[int, int, int, str], str]] = {}
    for row in rows:
        s, label = str(row["s"]), str(row["l"])
        tag = str(row["lang"] or "").lower()
        lang = tag.split("-")[0]
        printed = 0 if tag == PRINTED_TAG.lower() else 1
        key = (LABEL_PROPERTIES.index(str(row["p"])), lang_rank.get(lang, 3), printed, label)
        if s not in best or key < best[s][0]:
            best[s] = (key, label)
    return {s: label for s, (_, label) in best.items()}


# --------------------------------------------------------------------------- description


@dataclass
class Value:
    """One object of a property, ready for a template: text, link and provenance."""

    kind: str  # iri | literal | bnode
    text: str
    href: str = ""
    iri: str = ""
    lang: str = ""
    datatype: str = ""
    inferred: bool = False
    nested: list[PropertyRow] = field(default_factory=list)


@dataclass
class PropertyRow:
    predicate: str
    label: str
    href: str
    values: list[Value]


@dataclass
class Description:
    iri: str
    label: str
    types: list[Value]
    properties: list[PropertyRow]
    incoming: list[PropertyRow]
    incoming_truncated: bool
    graphs: list[str]


def _quads(
    store: SparqlStore,
    node: ox.NamedNode | ox.BlankNode,
    *,
    incoming: bool = False,
    limit: int = 0,
) -> list[ox.Quad]:
    """Quads with `node` as subject (or as object), asked by SPARQL rather than by the local
    store's quad index, so that pages work on a remote store (reformkg.graph.query.remote.RemoteStore) too."""
    query = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }" + (
        f" LIMIT {limit}" if limit else ""
    )
    bound: dict[ox.Variable, Term] = {ox.Variable("o" if incoming else "s"): node}
    result = solutions(store.query(query, substitutions=bound))
    return [ox.Quad(sol["s"], sol["p"], sol["o"], sol["g"]) for sol in result]


def exists(store: SparqlStore, iri: str) -> bool:
    """True when the IRI occurs anywhere in the dataset (as subject, predicate, object or graph)."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # not an IRI at all (e.g. "<script>"): unknown, not a server error
        return False
    query = """SELECT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } UNION { ?s ?x ?o }
                                 UNION { GRAPH ?x { ?s ?p ?o } } } LIMIT 1"""
    bound: dict[ox.Variable, Term] = {ox.Variable("x"): node}
    result = solutions(store.query(query, use_default_graph_as_union=True, substitutions=bound))
    return any(True for _ in result)


def _value(term: Term, labels: dict[str, str], inferred: bool) -> Value:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        return Value(
            "iri", labels.get(iri) or compact(iri), local_href(iri), iri, inferred=inferred
        )
    if isinstance(term, ox.BlankNode):
        return Value("bnode", "_:" + term.value, inferred=inferred)
    assert isinstance(term, ox.Literal)
    datatype = term.datatype.value if term.datatype else ""
    plain = {PREFIXES["xsd"] + "string", PREFIXES["rdf"] + "langString", ""}
    return Value(
        "literal",
        term.value,
        lang=term.language or "",
        datatype="" if datatype in plain else compact(datatype),
        inferred=inferred,
    )


def _rows(
    quads: list[ox.Quad],
    labels: dict[str, str],
    *,
    subject_side: bool,
    store: SparqlStore,
    depth: int,
) -> list[PropertyRow]:
    """Group quads by predicate; asserted wins over inferred for a triple stated in both."""
    grouped: dict[str, dict[str, Value]] = {}
    for quad in quads:
        term = quad.object if subject_side else quad.subject
        inferred = quad.graph_name == ox.NamedNode(str(INFERRED_GRAPH))
        key = str(term)
        slot = grouped.setdefault(quad.predicate.value, {})
        if key in slot:
            slot[key].inferred = slot[key].inferred and inferred
            continue
        value = _value(term, labels, inferred)
        if isinstance(term, ox.BlankNode) and subject_side and depth < 3:
            inner = _quads(store, term)
            value.nested = _rows(inner, labels, subject_side=True, store=store, depth=depth + 1)
        slot[key] = value
    rows: list[PropertyRow] = []
    for pred in sorted(grouped, key=lambda p: (p != RDF_TYPE, compact(p))):
        values = sorted(grouped[pred].values(), key=lambda v: (v.inferred, v.kind, v.text, v.iri))
        label = compact(pred)
        rows.append(PropertyRow(pred, label, local_href(pred), values))
    return rows


def describe(
    store: SparqlStore, iri: str, labels: dict[str, str], incoming_limit: int = 300
) -> Description:
    """Everything the HTML page shows generically: own triples (all graphs) and incoming links."""
    node = ox.NamedNode(iri)
    own = _quads(store, node)
    props = _rows(own, labels, subject_side=True, store=store, depth=0)
    types = next((r.values for r in props if r.predicate == RDF_TYPE), [])
    props = [r for r in props if r.predicate != RDF_TYPE]
    incoming_quads = _quads(store, node, incoming=True, limit=incoming_limit + 1)
    truncated = len(incoming_quads) > incoming_limit
    incoming_quads = incoming_quads[:incoming_limit]
    incoming = _rows(incoming_quads, labels, subject_side=False, store=store, depth=0)
    graphs = sorted({q.graph_name.value for q in own if isinstance(q.graph_name, ox.NamedNode)})
    return Description(
        iri, labels.get(iri) or compact(iri), types, props, incoming, truncated, graphs
    )


# --------------------------------------------------------------------------- CBD and serialisation


#: Inferred statements a description keeps: the links across batches seen from the earlier
#: measure (rk:evolvesInto, and the symmetric ones), which the later measure alone states.
INFERRED_KEPT = frozenset(
    RK + p for p in ("evolvesFrom", "evolvesInto", "sameReformAs", "relatedTo")
)


def cbd(store: SparqlStore, iri: str, *, with_inferred: bool = False) -> list[ox.Triple]:
    """The resource's Concise Bounded Description: its triples, blank nodes and practice points.

    Asserted graphs only unless `with_inferred`, apart from the links across batches
    (`INFERRED_KEPT`): the rest of the closure repeats schema facts (owl:Thing types, inverse
    links) that a client can recompute from the ontology.
    """
    inferred = ox.NamedNode(str(INFERRED_GRAPH))
    seen_nodes: set[str] = set()
    triples: dict[str, ox.Triple] = {}
    todo: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)]
    while todo:
        subject = todo.pop()
        if str(subject) in seen_nodes:
            continue
        seen_nodes.add(str(subject))
        for quad in _quads(store, subject):
            if (
                quad.graph_name == inferred
                and not with_inferred
                and quad.predicate.value not in INFERRED_KEPT
            ):
                continue
            triples[str(quad.triple)] = quad.triple
            obj = quad.object
            if isinstance(obj, ox.BlankNode) or (
                isinstance(obj, ox.NamedNode) and quad.predicate.value in OWNED_PROPERTIES
            ):
                todo.append(obj)
    return [triples[k] for k in sorted(triples)]


def serialize(triples: list[ox.Triple], rdf_format_name: str) -> bytes:
    """The triples in a pyoxigraph RdfFormat (by name); Turtle with the project's prefixes
    and JSON-LD compacted (reformkg.graph.read.rdf_out)."""
    rdf_format = getattr(ox.RdfFormat, rdf_format_name)
    if rdf_format == ox.RdfFormat.TURTLE:
        return rdf_out.turtle(triples)
    if rdf_format == ox.RdfFormat.JSON_LD:
        return rdf_out.jsonld(triples)
    return ox.serialize(triples, format=rdf_format) or b""


# --------------------------------------------------------------------------- type-specific extras


def type_iris(description: Description) -> set[str]:
    return {v.iri for v in description.types}


class MeasureSummary(TypedDict, total=False):
    """The facts at the top of a measure page, by the names the template uses (resource.html)."""

    m: str
    doc: str
    issued: str | None
    dateStatus: str | None
    section: str | None
    item: str
    numberLabel: str | None
    number: int | None
    part: int | None
    deadline: str | None
    deadlineText: str | None
    effect: str | None
    practice: str | None
    file: str
    start: int
    end: int
    nameRaw: str | None


def measure_summary(store: SparqlStore, iri: str) -> MeasureSummary:
    """The facts shown at the top of a measure page (empty when `iri` is no measure), read by
    `reformkg.graph.read.measures` as the export and the trace read them."""
    found = measure_fields(store, [iri])
    if not found:
        return {}
    m = found[0]
    return {
        "m": m.iri,
        "doc": m.document,
        "issued": m.issued,
        "dateStatus": m.date_status,
        "section": m.section,
        "item": m.item,
        "numberLabel": m.number_label,
        "number": m.number,
        "part": m.part,
        "deadline": m.deadline,
        "deadlineText": m.deadline_text,
        "effect": m.effect,
        "practice": m.practice,
        "file": m.source_file,
        "start": m.line_start,
        "end": m.line_end,
        "nameRaw": m.name_raw,
    }


def measure_list(store: SparqlStore, iri: str, prop: str) -> list[str]:
    """IRIs that a measure points at through one rk: property (agencies, places, scopes, themes)."""
    rows = select(
        store,
        SPARQL_PREFIXES + f"SELECT ?m ?o WHERE {{ ?m <{RK}{prop}> ?o }} ORDER BY ?o",
        {"m": ox.NamedNode(iri)},
    )
    return sorted({str(r["o"]) for r in rows})


def agencies_in_printed_order(store: SparqlStore, iri: str, role: str) -> list[str]:
    """The agencies of a measure's 牵头单位 (`role` "lead") or 责任单位 ("responsible") cell in
    the order the cell prints them (rk:AgencyRole rk:position); the shortcut's agencies, sorted,
    for a build without roles."""
    rows = select(
        store,
        SPARQL_PREFIXES
        + f"""SELECT ?m ?a ?position WHERE {{
            ?m rk:agencyRole ?r . ?r rk:agency ?a ; rk:position ?position ;
               rk:role <{ID}agency-role/{role}> }} ORDER BY ?position ?a""",
        {"m": ox.NamedNode(iri)},
    )
    ordered = list(dict.fromkeys(str(r["a"]) for r in rows))
    return ordered or measure_list(store, iri, f"{role}Agency")


def practice_points(store: SparqlStore, iri: str) -> list[Row]:
    return select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?m ?point ?position ?text WHERE {
            ?m rk:hasPracticePoint ?point .
            OPTIONAL { ?point rk:position ?position }
            OPTIONAL { ?point rk:text ?text """
        + printed_only("?text", "?point", "rk:text")
        + """ } } ORDER BY ?position ?point""",
        {"m": ox.NamedNode(iri)},
    )


@dataclass(frozen=True)
class ThemeEvidence:
    """One theme of a measure with what the tagger recorded: best score, matched terms
    (joined by 、), the fields they were found in (joined by ", ") and the labelled example
    measures behind it (IRIs, sorted)."""

    theme: str
    score: float | None
    terms: str
    fields: str
    examples: tuple[str, ...] = ()


#: rk:matchedField values (etl/themes.py) → the key of the column an analyst knows them by.
_MATCHED_FIELD_KEYS = {
    "name": "name",
    "practice": "practices",
    "effect": "effect",
    "lead-agency": "lead_agencies",
    "responsible-agency": "responsible_agencies",
}


def _field_heading(field_value: str) -> str:
    """'主要内容/创新做法 practice' for "practice": the document's own column name first."""
    key = _MATCHED_FIELD_KEYS.get(field_value)
    return f"{column_heading(key)} {field_value}" if key else field_value


def theme_evidence(store: SparqlStore, iri: str) -> list[ThemeEvidence]:
    """Each theme of a measure with the evidence the tagger recorded (score, terms, field,
    examples).

    Two queries merged here rather than one UNION + GROUP BY: a theme stated only by
    rk:hasTheme must still be listed, with no evidence.
    """
    scores: dict[str, float | None] = dict.fromkeys(measure_list(store, iri, "hasTheme"))
    found: dict[str, dict[str, list[str]]] = {t: {} for t in scores}
    rows = select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?m ?theme ?score ?term ?field ?example WHERE {
            ?m rk:themeAssignment ?a . ?a rk:assignedTheme ?theme .
            OPTIONAL { ?a rk:themeScore ?score } OPTIONAL { ?a rk:matchedTerm ?term }
            OPTIONAL { ?a rk:matchedField ?field } OPTIONAL { ?a rk:matchedExample ?example } }""",
        {"m": ox.NamedNode(iri)},
    )
    for row in rows:
        theme, score = str(row["theme"]), row["score"]
        best = scores.setdefault(theme, None)
        if isinstance(score, int | float) and (best is None or score > best):
            scores[theme] = score
        for kind in ("term", "field", "example"):
            seen = found.setdefault(theme, {}).setdefault(kind, [])
            if row[kind] and str(row[kind]) not in seen:
                seen.append(str(row[kind]))
    result = [
        ThemeEvidence(
            t,
            scores[t],
            "、".join(sorted(found[t].get("term", []))),
            "、".join(_field_heading(f) for f in sorted(found[t].get("field", []))),
            tuple(sorted(found[t].get("example", []))),
        )
        for t in scores
    ]
    return sorted(result, key=lambda e: (-(e.score or 0), e.theme))


@dataclass
class RelatedMeasure:
    """A measure of another batch linked to this one: the direct properties linking them and
    the qualified link's relation, score, method and evidence terms (joined by 、)."""

    other: str
    doc: str | None
    batch: int | None
    props: list[str] = field(default_factory=list)
    link: str | None = None
    relation: str | None = None
    score: float | None = None
    method: str | None = None
    terms: str = ""


def related_measures(store: SparqlStore, iri: str) -> list[RelatedMeasure]:
    """Measures linked across batches, with the qualified link's relation, score and evidence.

    Direct properties (rk:evolvesFrom/evolvesInto/sameReformAs/relatedTo, asserted or inferred)
    and rk:MeasureLink nodes in either direction are merged into one row per other measure.
    """
    rows = select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?m ?other ?prop ?link ?relation ?score ?method ?doc ?batch
                    (GROUP_CONCAT(DISTINCT ?term; separator="、") AS ?terms) WHERE {
            {
              VALUES ?prop { rk:evolvesFrom rk:evolvesInto rk:sameReformAs rk:relatedTo }
              ?m ?prop ?other .
            } UNION {
              { ?link rk:linkSource ?m ; rk:linkTarget ?other } UNION
              { ?link rk:linkTarget ?m ; rk:linkSource ?other }
              ?link a rk:MeasureLink .
              OPTIONAL { ?link rk:relation ?relation } OPTIONAL { ?link rk:linkScore ?score }
              OPTIONAL { ?link rk:method ?method } OPTIONAL { ?link rk:evidenceTerm ?term }
            }
            OPTIONAL { ?other rk:inDocument ?doc OPTIONAL { ?doc rk:batchOrder ?batch } }
        } GROUP BY ?m ?other ?prop ?link ?relation ?score ?method ?doc ?batch""",
        {"m": ox.NamedNode(iri)},
    )
    merged: dict[str, RelatedMeasure] = {}
    props: dict[str, set[str]] = {}
    for row in rows:
        other = str(row["other"])
        entry = merged.get(other)
        if entry is None:
            entry = merged[other] = RelatedMeasure(
                other, optional_str(row["doc"]), optional_int(row["batch"])
            )
        if row["prop"]:
            props.setdefault(other, set()).add(str(row["prop"]))
        # the first link that states each of these wins
        if entry.link is None:
            entry.link = optional_str(row["link"])
        if entry.relation is None:
            entry.relation = optional_str(row["relation"])
        if entry.score is None:
            entry.score = optional_number(row["score"])
        if entry.method is None:
            entry.method = optional_str(row["method"])
        if row["terms"]:
            entry.terms = str(row["terms"])
    for other, entry in merged.items():
        entry.props = sorted(props.get(other, ()))
    return sorted(
        merged.values(),
        key=lambda e: (
            -(e.score or 0),
            e.batch if e.batch is not None else 1e9,
            e.other,
        ),
    )


def agency_measures(store: SparqlStore, iri: str) -> list[Row]:
    """Measures an agency leads or shares responsibility for, in batch and number order."""
    return select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?a ?m ?role ?doc ?batch ?number ?part WHERE {
            { ?m rk:leadAgency ?a BIND("lead" AS ?role) }
            UNION { ?m rk:responsibleAgency ?a BIND("responsible" AS ?role) }
            OPTIONAL { ?m rk:inDocument ?doc OPTIONAL { ?doc rk:batchOrder ?batch } }
            OPTIONAL { ?m rk:number ?number } OPTIONAL { ?m rk:part ?part }
        } ORDER BY ?batch ?number ?part ?m ?role""",
        {"a": ox.NamedNode(iri)},
    )


def document_contents(store: SparqlStore, iri: str) -> list[Row]:
    """The document's measures in printed order, each with its section (None when unsectioned)."""
    return select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?d ?m ?section ?position ?numberLabel ?number ?part WHERE {
            ?m rk:inDocument ?d .
            ?m a rk:Measure .
            OPTIONAL { ?m rk:inSection ?section OPTIONAL { ?section rk:position ?position } }
            OPTIONAL { ?m rk:numberLabel ?numberLabel }
            OPTIONAL { ?m rk:number ?number } OPTIONAL { ?m rk:part ?part }
        } ORDER BY ?position ?number ?part ?m""",
        {"d": ox.NamedNode(iri)},
    )


def theme_measures(store: SparqlStore, iri: str) -> list[Row]:
    return select(
        store,
        SPARQL_PREFIXES
        + """SELECT ?t ?m ?doc ?batch ?number ?part WHERE {
            ?m rk:hasTheme ?t .
            OPTIONAL { ?m rk:inDocument ?doc OPTIONAL { ?doc rk:batchOrder ?batch } }
            OPTIONAL { ?m rk:number ?number } OPTIONAL { ?m rk:part ?part }
        } ORDER BY ?batch ?number ?part ?m""",
        {"t": ox.NamedNode(iri)},
    )


def usage(store: SparqlStore, iri: str) -> dict[str, int]:
    """How the IRI is used beyond its description: as a predicate, as a class, as a named graph.

    These show on ontology terms and graph names, whose own descriptions say little about
    how much of the data they cover.
    """
    node = {"x": ox.NamedNode(iri)}
    as_predicate = select(store, "SELECT ?x (COUNT(*) AS ?n) WHERE { ?s ?x ?o } GROUP BY ?x", node)
    instances = select(
        store,
        "SELECT ?x (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?x } GROUP BY ?x",
        node,
    )
    in_graph = select(
        store, "SELECT ?x (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?s ?p ?o } } GROUP BY ?x", node
    )
    return {
        "predicate": _count(as_predicate),
        "instances": _count(instances),
        "graph": _count(in_graph),
    }


def _count(rows: list[Row]) -> int:
    """The ?n of a one-row COUNT answer (0 when there is no row: no group matched)."""
    return as_int(rows[0]["n"]) if rows else 0


def source_lines(sources_dir: Path, file: str, start: int, end: int) -> list[tuple[int, str]]:
    """The printed lines [start, end] (1-based) of a source document, exactly as printed.

    Read from the build's copy of the documents (build/sources/), so serving needs no data
    folder; only a plain file name inside `sources_dir` is read: a file name from the data
    never walks out of the folder.
    """
    if not file or Path(file).name != file:
        return []
    path = sources_dir / file
    if not path.is_file():
        return []
    # Split exactly as the build does (reformkg.graph.pipeline.build.read_lines), so line numbers agree.
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start, end = max(1, int(start)), min(len(lines), int(end))
    return [(n, lines[n - 1]) for n in range(start, end + 1)]
