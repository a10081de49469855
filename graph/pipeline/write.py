"""Build time: the dataset files and reports, written deterministically.

Every quad becomes its N-Quads line (each term written once by pyoxigraph) and the lines are
sorted, so the same inputs give byte-identical dataset.nq, dataset.trig and dataset.ttl;
pyoxigraph writes the TriG and Turtle from those lines.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, groupby
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
CHUNK = 50_000  # lines per text handed to pyoxigraph or the file


def _distinct(items: list[str]) -> list[str]:
    """`items` (sorted) without consecutive repeats (grouped in C, not a Python loop)."""
    return [item for item, _ in groupby(items)]


def sorted_lines(data: Asserted, inferred: Iterable[Triple] | None) -> list[str]:
    """Every quad (inferred ones in graph/inferred) as its N-Quads line without the final
    " .", sorted, repeats dropped.

    Each distinct term is written once, by pyoxigraph (`str` of its term: the N-Triples form
    its serialisers write), and a line is the join of four such strings: sorting strings is
    done in C, where building and sorting a pyoxigraph object per quad cost about 20 µs each
    (most of this stage). The order is the one the dumps always had: by N-Quads form.
    """
    nt = NTriplesTerms()
    form = nt.by_id.get
    lines = [
        f"{form(id(s)) or nt(s)} {form(id(p)) or nt(p)} {form(id(o)) or nt(o)} "
        f"{form(id(g)) or nt(g)}"
        for s, p, o, g in data.quads
    ]
    if inferred is not None:
        gi = nt(INFERRED_GRAPH)
        lines.extend(
            f"{form(id(s)) or nt(s)} {form(id(p)) or nt(p)} {form(id(o)) or nt(o)} {gi}"
            for s, p, o in inferred
        )
    lines.sort()
    if lines and lines[0].startswith('"'):  # a literal sorts before IRIs and blank nodes
        raise TypeError(f"cannot serialise a quad with a literal subject: {lines[0][:200]}")
    return _distinct(lines)


def _text(lines: list[str], start: int, stop: int) -> str:
    """Lines `start:stop` as N-Quads / N-Triples text, as pyoxigraph's serialiser writes them
    ("… .\n"), joined in C."""
    part = lines[start:stop]
    return " .\n".join(part) + " .\n" if part else ""


def _write_lines(path: Path, lines: list[str], chunk: int = CHUNK) -> None:
    """N-Quads / N-Triples: the lines, `chunk` at a time."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for start in range(0, len(lines), chunk):
            fh.write(_text(lines, start, start + chunk))


def _serialise(
    lines: list[str], given: ox.RdfFormat, path: Path, to: ox.RdfFormat, chunk: int = CHUNK
) -> None:
    """Lines of N-Quads / N-Triples rewritten by pyoxigraph as TriG / Turtle, in their order.

    Parsed `chunk` lines at a time and streamed to the writer (the whole text at once held
    about 1 GB more at 100x); the parsers' quads go to the writer through C-level iterators,
    no Python code runs per quad. Parsed leniently (IRIs not validated again: 40 % less
    parsing time): every term of the lines was written by pyoxigraph from a term it had
    validated (`NTriplesTerms`)."""
    parse = functools.partial(ox.parse, format=given, lenient=True)
    texts = (_text(lines, start, start + chunk).encode() for start in range(0, len(lines), chunk))
    ox.serialize(chain.from_iterable(map(parse, texts)), str(path), to, prefixes=DUMP_PREFIXES)


@dataclass(frozen=True)
class Written:
    """What serialise counted in the lines it wrote (the store's store.json says it)."""

    per_graph: dict[str, int]  # quads of dataset.nq per graph IRI
    union: int  # triples of dataset.ttl: the distinct triples of every graph but graph/inferred


def write(
    data: Asserted, inferred: Iterable[Triple], result: BuildResult, settings: Settings, out: Path
) -> Written:
    """dataset.nq (every graph), dataset.trig and dataset.ttl (the default dataset: asserted,
    derived and description graphs), reports, the shapes, the sources and the ontology page,
    into `out` (the fresh folder of
    reformkg.graph.pipeline.publish.staged, swapped in whole once all is written); return the
    counts of quads per graph and of the union's triples (the store, graph/pipeline/store.py,
    is then loaded from dataset.nq and dataset.ttl)."""
    from reformkg.graph.pipeline.report import report_markdown

    out.mkdir(parents=True, exist_ok=True)
    everything = sorted_lines(data, inferred)
    _write_lines(out / DATASET_FILE, everything)
    graphs = Counter(line[line.rindex(" ") + 1 :] for line in everything)  # a graph has no space
    inferred_graph = " " + str(to_ox(INFERRED_GRAPH))
    asserted = [line for line in everything if not line.endswith(inferred_graph)]  # still sorted
    del everything
    _serialise(asserted, ox.RdfFormat.N_QUADS, out / DATASET_TRIG, ox.RdfFormat.TRIG)
    # Sorted quads "s p o g" list equal triples side by side, in the order of "s p o": the
    # union graph is the asserted quads without their graph (an IRI: no space), repeats dropped.
    triples = _distinct([line.rsplit(" ", 1)[0] for line in asserted])
    del asserted
    _serialise(triples, ox.RdfFormat.N_TRIPLES, out / DATASET_TTL, ox.RdfFormat.TURTLE)
    union = len(triples)
    del triples
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
    per_graph = {g[1:-1] if g.startswith("<") else "": n for g, n in graphs.items()}
    return Written(per_graph, union)
