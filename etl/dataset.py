"""Build time: the asserted dataset as quads, one named graph per document plus the shared ones.

Records, theme hits and links become triples through `etl.to_rdf`; the ontology and the theme
scheme are read from their Turtle files. The result is a plain list of quads (see `Asserted`)
that reasoning, validation and the writer read in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from reformkg.etl import to_rdf
from reformkg.etl.curation import Applied
from reformkg.etl.lineage import Lineage
from reformkg.etl.link import Link
from reformkg.etl.normalise import Resolver
from reformkg.etl.records import Measure, ParsedDocument
from reformkg.etl.themes import ThemeHit
from reformkg.settings import Settings
from reformkg.vocab import (
    ENTITIES_GRAPH,
    LINKS_GRAPH,
    ONTOLOGY_GRAPH,
    THEMES_GRAPH,
    document_graph_iri,
    section_iri,
)

MeasureKey = tuple[str, str, int | None]


def measure_key(m: Measure) -> MeasureKey:
    return (m.doc_id, m.number, m.part)


def load_ontology(path: Path) -> Graph:
    """The ontology as the build stores it: parsed, with blank nodes labelled canonically.

    The property chain of rk:hasTheme is an RDF list, i.e. blank nodes, and a parser names
    those at random; rdflib's canonical labelling (RGDA1, a hash of each node's surroundings)
    gives them the same label in every build, so the written files stay byte-identical.
    """
    return to_canonical_graph(Graph().parse(Path(path), format="turtle"))


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
    docs: list[ParsedDocument],
    resolver: Resolver,
    themes: Mapping[MeasureKey, Iterable[ThemeHit]],
    links: Sequence[Link],
    settings: Settings,
    applied: Sequence[Applied] = (),
    found: Sequence[Lineage] = (),
) -> Asserted:
    """All asserted named graphs as quads (what reasoning, validation and the files read)."""
    quads: list[tuple[Node, Node, Node, URIRef]] = []

    def add(graph: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        quads.extend((s, p, o, graph) for s, p, o in triples)

    for doc in docs:
        graph = document_graph_iri(doc.meta.doc_id)
        section_of = {s.index: section_iri(doc.meta.doc_id, s.index) for s in doc.sections}
        add(graph, to_rdf.document_triples(doc))
        for m in doc.measures:
            add(graph, to_rdf.measure_triples(m, section_of, doc.meta.jurisdiction))
    add(ENTITIES_GRAPH, to_rdf.entity_triples(docs, resolver))
    ontology = load_ontology(settings.ontology_dir / "reform.ttl")
    add(ONTOLOGY_GRAPH, ontology)
    add(THEMES_GRAPH, Graph().parse(settings.ontology_dir / "themes.ttl", format="turtle"))
    for doc in docs:
        for m in doc.measures:
            add(
                THEMES_GRAPH,
                to_rdf.assignment_triples(to_rdf.iri_of(m), themes[measure_key(m)]),
            )
    add(LINKS_GRAPH, to_rdf.link_triples(links))
    add(LINKS_GRAPH, to_rdf.provenance_triples(links, applied))
    names = {measure_key(m): m.name.clean for doc in docs for m in doc.measures}
    add(LINKS_GRAPH, to_rdf.lineage_triples(found, names))
    return Asserted(quads, ontology)
