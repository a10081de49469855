"""Build time: the dataset files and reports, written deterministically.

Every quad is converted once to pyoxigraph terms and the list is sorted by its N-Quads form,
so the same inputs give byte-identical dataset.nq, dataset.trig and dataset.ttl.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from reformkg.build_files import (
    DATASET_FILE,
    DATASET_TRIG,
    DATASET_TTL,
    ONTOLOGY_PAGE,
    REPORT_JSON,
    REPORT_MD,
    SOURCES_DIR,
)
from reformkg.etl.dataset import Asserted
from reformkg.graph.pipeline import ontology_doc
from reformkg.settings import Settings
from reformkg.vocab import DUMP_PREFIXES, INFERRED_GRAPH


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
    from reformkg.graph.pipeline.report import report_markdown

    out: Path = settings.build_dir
    out.mkdir(parents=True, exist_ok=True)
    everything = sorted_quads(data, inferred)
    ox.serialize(everything, str(out / DATASET_FILE), ox.RdfFormat.N_QUADS)
    inferred_graph = ox.NamedNode(str(INFERRED_GRAPH))
    asserted = [q for q in everything if q.graph_name != inferred_graph]  # still sorted
    del everything
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
    (out / ONTOLOGY_PAGE).write_text(
        ontology_doc.render(
            settings.ontology_dir / "reform.ttl", settings.ontology_dir / "themes.ttl"
        ),
        encoding="utf-8",
    )
