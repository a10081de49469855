"""The build's stages after parsing: themes, links, RDF, reasoning, validation, files.

Each stage is a plain function of what the previous ones produced; etl/build.py runs and
times them. Output files are written through pyoxigraph from quads sorted by their
N-Quads form, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

from etl import to_rdf
from etl.normalise import Resolver
from etl.records import Measure, ParsedDocument
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
SKIPPED: list[str] = []  # TEMPORARY during integration: stages whose module is not written yet


def _optional(name: str):
    import importlib.util

    if importlib.util.find_spec(name) is None:
        SKIPPED.append(name)
        return None
    return importlib.import_module(name)


def measure_key(m: Measure) -> MeasureKey:
    return (m.doc_id, m.number, m.part)


def assign_themes(docs: list[ParsedDocument], settings: Settings) -> dict[MeasureKey, list]:
    """Theme hits per measure, from the vocabulary in ontology/themes.ttl."""
    themes = _optional("etl.themes")
    if themes is None or not (settings.ontology_dir / "themes.ttl").exists():
        return {measure_key(m): [] for d in docs for m in d.measures}
    vocab = themes.load_vocabulary(settings.ontology_dir)
    return {measure_key(m): themes.classify(m, vocab) for d in docs for m in d.measures}


def link(docs: list[ParsedDocument], themes: dict[MeasureKey, list]) -> list:
    """Cross-batch links (same reform / evolution / related) between measures."""
    linking = _optional("etl.link")
    if linking is None:
        return []
    theme_ids = {k: [h.theme_id for h in hits] for k, hits in themes.items()}
    return linking.link_measures(docs, theme_ids)


def to_dataset(docs: list[ParsedDocument], resolver: Resolver, themes: dict, links: list,
               settings: Settings) -> Dataset:
    """All asserted named graphs in one rdflib Dataset (what reasoning and validation read)."""
    linking = _optional("etl.link")
    theming = _optional("etl.themes")
    ds = Dataset()
    for doc in docs:
        g = ds.graph(document_graph_iri(doc.meta.doc_id))
        section_of = {s.index: to_rdf.section_iri(doc.meta.doc_id, s.index) for s in doc.sections}
        for t in to_rdf.document_triples(doc):
            g.add(t)
        for m in doc.measures:
            for t in to_rdf.measure_triples(m, section_of):
                g.add(t)
    entities = ds.graph(ENTITIES_GRAPH)
    for t in to_rdf.entity_triples(docs, resolver):
        entities.add(t)
    ontology = ds.graph(ONTOLOGY_GRAPH)
    ontology.parse(settings.ontology_dir / "reform.ttl", format="turtle")
    theme_graph = ds.graph(THEMES_GRAPH)
    if theming is not None and (settings.ontology_dir / "themes.ttl").exists():
        theme_graph.parse(settings.ontology_dir / "themes.ttl", format="turtle")
    for doc in docs if theming is not None else []:
        for m in doc.measures:
            for t in theming.assignment_triples(to_rdf.iri_of(m), themes[measure_key(m)]):
                theme_graph.add(t)
    link_graph = ds.graph(LINKS_GRAPH)
    for t in linking.link_triples(links, docs) if linking is not None else []:
        link_graph.add(t)
    return ds


def asserted_union(ds: Dataset) -> Graph:
    union = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def reason(ds: Dataset, settings: Settings) -> Graph:
    """The OWL-RL closure's new triples only (kept in their own named graph)."""
    reasoner = _optional("graph.reason")
    if reasoner is None:
        return Graph()
    return reasoner.infer(asserted_union(ds), ds.graph(ONTOLOGY_GRAPH))


def validate(ds: Dataset, inferred: Graph, settings: Settings) -> None:
    """SHACL over the asserted data (plus inferences); any violation fails the build."""
    validator = _optional("graph.validate")
    if validator is None or not (settings.ontology_dir / "shapes.ttl").exists():
        return
    format_violations, shacl = validator.format_violations, validator.validate
    data = asserted_union(ds)
    for t in inferred:
        data.add(t)
    violations = shacl(data, settings.ontology_dir / "shapes.ttl")
    if violations:
        raise ValidationFailed(f"{len(violations)} SHACL violation(s):\n"
                               + format_violations(violations[:20]))


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


def sorted_quads(ds: Dataset, inferred: Graph | None) -> list[ox.Quad]:
    quads = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        graph = g.identifier if isinstance(g, Graph) else g
        quads.append(ox.Quad(_ox(s), _ox(p), _ox(o), ox.NamedNode(str(graph))))
    if inferred is not None:
        gi = ox.NamedNode(str(INFERRED_GRAPH))
        quads.extend(ox.Quad(_ox(s), _ox(p), _ox(o), gi) for s, p, o in inferred)
    return sorted(set(quads), key=str)


def write(ds: Dataset, inferred: Graph, result, settings: Settings) -> None:
    """dataset.nq (asserted + inferred), dataset.trig, dataset.ttl (asserted union), reports."""
    from etl.report import report_markdown

    out: Path = settings.build_dir
    out.mkdir(parents=True, exist_ok=True)
    asserted = sorted_quads(ds, None)
    everything = sorted_quads(ds, inferred)
    ox.serialize(everything, str(out / "dataset.nq"), ox.RdfFormat.N_QUADS)
    ox.serialize(asserted, str(out / "dataset.trig"), ox.RdfFormat.TRIG, prefixes=PREFIXES)
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in asserted}, key=str)
    ox.serialize(triples, str(out / "dataset.ttl"), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    (out / "report.json").write_text(
        json.dumps(result.report, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8")
    (out / "report.md").write_text(report_markdown(result.report), encoding="utf-8")
    doc = _optional("graph.ontology_doc")
    if doc is not None:
        (out / "ontology.html").write_text(
            doc.render(settings.ontology_dir / "reform.ttl", settings.ontology_dir / "themes.ttl"),
            encoding="utf-8")
