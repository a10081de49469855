"""The build's stages after parsing: themes, links, RDF, reasoning, validation, files.

Each stage is a plain function of what the previous ones produced; etl/build.py runs and
times them. Output files are written through pyoxigraph from quads sorted by their
N-Quads form, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from etl import link as linking
from etl import themes as theming
from etl import to_rdf
from etl.normalise import Resolver
from etl.records import Measure, ParsedDocument
from graph import ontology_doc
from graph import reason as reasoner
from graph import validate as validator
from graph.namespace import (
    ENTITIES_GRAPH,
    INFERRED_GRAPH,
    LINKS_GRAPH,
    ONTOLOGY_GRAPH,
    THEMES_GRAPH,
    document_graph_iri,
)
from reformkg.config import Settings
from reformkg.errors import ValidationFailed

PREFIXES = {
    "rk": "https://w3id.org/reformkg/ontology#",
    "id": "https://w3id.org/reformkg/id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
}
MeasureKey = tuple[str, str, int | None]


def measure_key(m: Measure) -> MeasureKey:
    return (m.doc_id, m.number, m.part)


def assign_themes(docs: list[ParsedDocument], settings: Settings) -> dict[MeasureKey, list]:
    """Theme hits per measure, from the vocabulary in ontology/themes.ttl."""
    vocab = theming.load_vocabulary(settings.ontology_dir)
    return {measure_key(m): theming.classify(m, vocab) for d in docs for m in d.measures}


def link(docs: list[ParsedDocument], themes: dict[MeasureKey, list]) -> list:
    """Cross-batch links (same reform / evolution / related) between measures."""
    theme_ids = {k: [h.theme_id for h in hits] for k, hits in themes.items()}
    return linking.link_measures(docs, theme_ids)


@dataclass
class Asserted:
    """The asserted data: every quad of the named graphs, and the ontology for the reasoner.

    Why a plain list and not an rdflib Dataset: the stages after this one only read the data
    in full (the reasoner's input, the validator's graph, the sorted files), never look a
    triple up in it, and an rdflib Dataset indexes every quad four ways. At 100x data (2.2 M
    quads) the Dataset alone held about 3 GB for the whole rest of the build; the list holds
    the same quads in a fraction of that. Repeats are allowed here: every consumer builds a
    set (the reasoner's and validator's graphs) or drops consecutive repeats after sorting.
    """

    quads: list[tuple[Node, Node, Node, URIRef]]
    ontology: Graph


def to_quads(
    docs: list[ParsedDocument], resolver: Resolver, themes: dict, links: list, settings: Settings
) -> Asserted:
    """All asserted named graphs as quads (what reasoning, validation and the files read)."""
    quads: list[tuple[Node, Node, Node, URIRef]] = []

    def add(graph: URIRef, triples) -> None:
        quads.extend((s, p, o, graph) for s, p, o in triples)

    for doc in docs:
        graph = document_graph_iri(doc.meta.doc_id)
        section_of = {s.index: to_rdf.section_iri(doc.meta.doc_id, s.index) for s in doc.sections}
        add(graph, to_rdf.document_triples(doc))
        for m in doc.measures:
            add(graph, to_rdf.measure_triples(m, section_of))
    add(ENTITIES_GRAPH, to_rdf.entity_triples(docs, resolver))
    ontology = reasoner.load_ontology(settings.ontology_dir / "reform.ttl")
    add(ONTOLOGY_GRAPH, ontology)
    add(THEMES_GRAPH, Graph().parse(settings.ontology_dir / "themes.ttl", format="turtle"))
    for doc in docs:
        for m in doc.measures:
            add(
                THEMES_GRAPH,
                theming.assignment_triples(to_rdf.iri_of(m), themes[measure_key(m)]),
            )
    add(LINKS_GRAPH, linking.link_triples(links, docs))
    return Asserted(quads, ontology)


def reason(data: Asserted, settings: Settings) -> Graph:
    """The OWL-RL closure's new triples only (kept in their own named graph)."""
    # Literal-valued triples feed no rule of the ontology and `infer` drops inferences about
    # literals, so the reasoner is given the resource-valued triples only (a third of the data).
    resources = Graph(store=SimpleMemory())
    for s, p, o, _ in data.quads:
        if not isinstance(o, Literal):
            resources.add((s, p, o))
    return reasoner.infer(resources, data.ontology)


def validate(data: Asserted, inferred: Graph, settings: Settings) -> None:
    """SHACL over the asserted data (plus inferences); any violation fails the build."""
    graph = Graph()  # pySHACL needs a context-aware store
    for s, p, o, _ in data.quads:
        graph.add((s, p, o))
    for t in inferred:
        graph.add(t)
    violations = validator.validate(graph, settings.ontology_dir / "shapes.ttl")
    if violations:
        raise ValidationFailed(
            f"{len(violations)} SHACL violation(s):\n"
            + validator.format_violations(violations[:20])
        )


def _ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"cannot serialise {term!r}")


def _distinct(items: list) -> list:
    """`items` (sorted) without consecutive repeats."""
    out = []
    for item in items:
        if not out or item != out[-1]:
            out.append(item)
    return out


def sorted_quads(data: Asserted, inferred: Graph | None) -> list[ox.Quad]:
    """Every quad (inferred ones in graph/inferred), sorted by its N-Quads form.

    Terms are converted once each and shared between quads: at 100x data a measure's IRI
    occurs in dozens of quads, and one object per term instead of one per occurrence is
    most of this stage's memory.
    """
    terms: dict = {}

    def ox_term(term):
        converted = terms.get(term)
        if converted is None:
            converted = terms[term] = _ox(term)
        return converted

    quads = []
    for s, p, o, g in data.quads:
        quads.append(ox.Quad(ox_term(s), ox_term(p), ox_term(o), ox_term(g)))
    if inferred is not None:
        gi = ox.NamedNode(str(INFERRED_GRAPH))
        quads.extend(ox.Quad(ox_term(s), ox_term(p), ox_term(o), gi) for s, p, o in inferred)
    quads.sort(key=str)
    return _distinct(quads)


def write(data: Asserted, inferred: Graph, result, settings: Settings) -> None:
    """dataset.nq (asserted + inferred), dataset.trig, dataset.ttl (asserted union), reports."""
    from etl.report import report_markdown

    out: Path = settings.build_dir
    out.mkdir(parents=True, exist_ok=True)
    everything = sorted_quads(data, inferred)
    ox.serialize(everything, str(out / "dataset.nq"), ox.RdfFormat.N_QUADS)
    inferred_graph = ox.NamedNode(str(INFERRED_GRAPH))
    asserted = [q for q in everything if q.graph_name != inferred_graph]  # still sorted
    del everything
    ox.serialize(asserted, str(out / "dataset.trig"), ox.RdfFormat.TRIG, prefixes=PREFIXES)
    # Sorted quads "s p o g" list equal triples side by side, in the order of "s p o": the
    # union graph is the asserted quads without their graph, repeats dropped.
    triples = _distinct([ox.Triple(q.subject, q.predicate, q.object) for q in asserted])
    del asserted
    ox.serialize(triples, str(out / "dataset.ttl"), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    (out / "report.json").write_text(
        json.dumps(result.report, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    (out / "report.md").write_text(report_markdown(result.report), encoding="utf-8")
    (out / "ontology.html").write_text(
        ontology_doc.render(
            settings.ontology_dir / "reform.ttl", settings.ontology_dir / "themes.ttl"
        ),
        encoding="utf-8",
    )
