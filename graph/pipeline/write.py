"""Build time: the dataset files and reports, written deterministically.

Every quad becomes its N-Quads line (each term written once by pyoxigraph) and the lines are
sorted, so the same inputs give byte-identical dataset.nq, dataset.trig and dataset.ttl;
pyoxigraph writes the TriG and Turtle from those lines.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
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
from reformkg.graph.pipeline.terms import NTriplesTerms, to_ox
from reformkg.settings import Settings
from reformkg.vocab import DUMP_PREFIXES, INFERRED_GRAPH

if TYPE_CHECKING:  # build.py imports this module
    from reformkg.graph.pipeline.build import BuildResult

Triple = tuple[Node, Node, Node]


def _distinct(items: list[str]) -> list[str]:
    """`items` (sorted) without consecutive repeats."""
    out: list[str] = []
    for item in items:
        if not out or item != out[-1]:
            out.append(item)
    return out


def sorted_lines(data: Asserted, inferred: Iterable[Triple] | None) -> list[str]:
    """Every quad (inferred ones in graph/inferred) as its N-Quads line without the final
    " .", sorted, repeats dropped.

    Each distinct term is written once, by pyoxigraph (`str` of its term: the N-Triples form
    its serialisers write), and a line is the join of four such strings: sorting strings is
    done in C, where building and sorting a pyoxigraph object per quad cost about 20 µs each
    (most of this stage). The order is the one the dumps always had: by N-Quads form.
    """
    nt = NTriplesTerms()
    lines = [f"{nt(s)} {nt(p)} {nt(o)} {nt(g)}" for s, p, o, g in data.quads]
    if inferred is not None:
        gi = nt(INFERRED_GRAPH)
        lines.extend(f"{nt(s)} {nt(p)} {nt(o)} {gi}" for s, p, o in inferred)
    lines.sort()
    if lines and lines[0].startswith('"'):  # a literal sorts before IRIs and blank nodes
        raise TypeError(f"cannot serialise a quad with a literal subject: {lines[0][:200]}")
    return _distinct(lines)


def _write_lines(path: Path, lines: list[str]) -> None:
    """N-Quads / N-Triples: the lines as pyoxigraph's serialiser writes them ("… .")."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line)
            fh.write(" .\n")


def _serialise(
    lines: list[str], given: ox.RdfFormat, path: Path, to: ox.RdfFormat, chunk: int = 50_000
) -> None:
    """Lines of N-Quads / N-Triples rewritten by pyoxigraph as TriG / Turtle, in their order.

    Parsed `chunk` lines at a time and streamed to the writer: the whole text at once held
    about 1 GB more at 100x."""

    def statements() -> Iterator[ox.Quad]:  # the parser gives quads, N-Triples too
        for start in range(0, len(lines), chunk):
            text = "".join(f"{line} .\n" for line in lines[start : start + chunk])
            yield from ox.parse(text.encode("utf-8"), given)

    ox.serialize(statements(), str(path), to, prefixes=DUMP_PREFIXES)


def write(
    data: Asserted, inferred: Iterable[Triple], result: BuildResult, settings: Settings, out: Path
) -> Iterator[ox.Quad]:
    """dataset.nq (every graph), dataset.trig and dataset.ttl (the default dataset: asserted,
    derived and description graphs), reports, the shapes, the sources and the ontology page,
    into `out` (the fresh folder of
    reformkg.graph.pipeline.publish.staged, swapped in whole once all is written); return every
    quad, sorted (the store is written from them: graph/pipeline/store.py)."""
    from reformkg.graph.pipeline.report import report_markdown

    out.mkdir(parents=True, exist_ok=True)
    everything = sorted_lines(data, inferred)
    _write_lines(out / DATASET_FILE, everything)
    inferred_graph = " " + str(to_ox(INFERRED_GRAPH))
    asserted = [line for line in everything if not line.endswith(inferred_graph)]  # still sorted
    del everything
    _serialise(asserted, ox.RdfFormat.N_QUADS, out / DATASET_TRIG, ox.RdfFormat.TRIG)
    # Sorted quads "s p o g" list equal triples side by side, in the order of "s p o": the
    # union graph is the asserted quads without their graph (an IRI: no space), repeats dropped.
    triples = _distinct([line.rsplit(" ", 1)[0] for line in asserted])
    del asserted
    _serialise(triples, ox.RdfFormat.N_TRIPLES, out / DATASET_TTL, ox.RdfFormat.TURTLE)
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
    # every quad, sorted (the store is written from them: graph/pipeline/store.py), read back
    # from dataset.nq as the store's writer consumes them: no second copy in memory
    return iter(ox.parse(path=str(out / DATASET_FILE), format=ox.RdfFormat.N_QUADS))
