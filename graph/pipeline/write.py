"""Build time: the dataset files and reports, written deterministically.

Every quad is converted once to pyoxigraph terms and the list is sorted by its N-Quads form,
so the same inputs give byte-identical dataset.nq, dataset.trig and dataset.ttl.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from reformkg.build_files import (
    DATASET_FILE,
    DATASET_TRIG,
    DATASET_TTL,
    ONTOLOGY_PAGE,
    REPORT_JSON,
    REPORT_MD,
    SHAPES_FILE,
    SOURCES_DIR,
)
from reformkg.etl.dataset import Asserted
from reformkg.graph.pipeline import ontology_doc
from reformkg.settings import Settings
from reformkg.vocab import DUMP_PREFIXES, INFERRED_GRAPH

if TYPE_CHECKING:  # build.py imports this module
    from reformkg.graph.pipeline.build import BuildResult

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
_Item = TypeVar("_Item")


def _ox(term: Node) -> OxTerm:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"cannot serialise {term!r}")


def _distinct(items: list[_Item]) -> list[_Item]:
    """`items` (sorted) without consecutive repeats."""
    out: list[_Item] = []
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
    terms: dict[Node, OxTerm] = {}

    def ox_term(term: Node) -> OxTerm:
        converted = terms.get(term)
        if converted is None:
            converted = terms[term] = _ox(term)
        return converted

    def ox_quad(s: Node, p: Node, o: Node, graph: ox.NamedNode) -> ox.Quad:
        subject, predicate = ox_term(s), ox_term(p)
        if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
            raise TypeError(f"cannot serialise the triple {(s, p, o)!r}")
        return ox.Quad(subject, predicate, ox_term(o), graph)

    graphs: dict[URIRef, ox.NamedNode] = {}
    quads: list[ox.Quad] = []
    for s, p, o, g in data.quads:
        graph = graphs.get(g)
        if graph is None:
            graph = graphs[g] = ox.NamedNode(str(g))
        quads.append(ox_quad(s, p, o, graph))
    if inferred is not None:
        gi = ox.NamedNode(str(INFERRED_GRAPH))
        quads.extend(ox_quad(s, p, o, gi) for s, p, o in inferred)
    quads.sort(key=str)
    return _distinct(quads)


def write(
    data: Asserted, inferred: Graph, result: BuildResult, settings: Settings, out: Path
) -> list[ox.Quad]:
    """dataset.nq (every graph), dataset.trig and dataset.ttl (the default dataset: asserted,
    derived and description graphs), reports, the shapes, the sources and the ontology page,
    into `out` (the fresh folder of
    reformkg.graph.pipeline.publish.staged, swapped in whole once all is written); return every
    quad, sorted (the store is written from them: graph/pipeline/store.py)."""
    from reformkg.graph.pipeline.report import report_markdown

    out.mkdir(parents=True, exist_ok=True)
    everything = sorted_quads(data, inferred)
    ox.serialize(everything, str(out / DATASET_FILE), ox.RdfFormat.N_QUADS)
    inferred_graph = ox.NamedNode(str(INFERRED_GRAPH))
    asserted = [q for q in everything if q.graph_name != inferred_graph]  # still sorted
    ox.serialize(asserted, str(out / DATASET_TRIG), ox.RdfFormat.TRIG, prefixes=DUMP_PREFIXES)
    # Sorted quads "s p o g" list equal triples side by side, in the order of "s p o": the
    # union graph is the asserted quads without their graph, repeats dropped.
    triples = _distinct([ox.Triple(q.subject, q.predicate, q.object) for q in asserted])
    del asserted
    ox.serialize(triples, str(out / DATASET_TTL), ox.RdfFormat.TURTLE, prefixes=DUMP_PREFIXES)
    (out / REPORT_JSON).write_text(
        json.dumps(result.report, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    (out / REPORT_MD).write_text(report_markdown(result.report), encoding="utf-8")
    sources = out / SOURCES_DIR
    sources.mkdir(exist_ok=True)
    for doc in result.docs:  # the printed lines pages quote, exactly as the build read them
        shutil.copyfile(settings.raw_dir / doc.meta.file, sources / doc.meta.file)
    shutil.copyfile(settings.ontology_dir / "shapes.ttl", out / SHAPES_FILE)
    (out / ONTOLOGY_PAGE).write_text(
        ontology_doc.render(
            settings.ontology_dir / "reform.ttl", settings.ontology_dir / "themes.ttl"
        ),
        encoding="utf-8",
    )
    return everything
