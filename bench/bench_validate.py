"""Print what the build's validate stage costs on a built dataset: seconds and peak memory.

    .venv/bin/python -m bench.bench_validate --build build [--engine stage|pyshacl]

Reads the build's dataset.nq (the quads the stage saw: every graph but graph/inferred and
graph/description, which come after it), then runs on them the build's validate stage as
this checkout has it (`stage`: the compiled engine here; run from a checkout of an older
commit, the script times that commit's stage) or pySHACL over an rdflib Graph (`pyshacl`).
One engine per run, so that the peak resident memory printed is that engine's. A figure, not
a test: speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from reformkg.etl.dataset import Asserted
from reformkg.graph.pipeline import stages
from reformkg.graph.pipeline import validate as validator
from reformkg.graph.pipeline.terms import rdflib_term
from reformkg.settings import Settings
from reformkg.vocab import DESCRIPTION_GRAPH, INFERRED_GRAPH


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _quads(path: Path) -> list:
    """The validate stage's input: rdflib terms, as the build's quads are."""
    skip = {str(INFERRED_GRAPH), str(DESCRIPTION_GRAPH)}
    terms: dict = {}

    def term(t):  # type: ignore[no-untyped-def]
        found = terms.get(t)
        if found is None:
            found = terms[t] = rdflib_term(t)
        return found

    out = []
    with path.open("rb") as fh:
        for q in ox.parse(fh, ox.RdfFormat.N_QUADS):
            if q.graph_name.value in skip:
                continue
            out.append((term(q.subject), term(q.predicate), term(q.object), term(q.graph_name)))
    return out


def _old_stage(data: Asserted, settings: Settings) -> None:
    """The stage as it was: the SPARQL targets by pyoxigraph, then pySHACL over a Graph."""
    shapes = validator.load_shapes(settings.ontology_dir / "shapes.ttl")
    validator.resolve_sparql_targets(shapes, ((s, p, o) for s, p, o, _ in data.quads))
    graph = Graph()
    for s, p, o, _ in data.quads:
        graph.add((s, p, o))
    violations = validator.validate(graph, shapes, engine="pyshacl")
    print(f"pyshacl: {len(violations)} violation(s)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, required=True, help="a build folder (dataset.nq)")
    ap.add_argument("--engine", choices=("stage", "pyshacl"), default="stage")
    args = ap.parse_args()
    settings = Settings.defaults()
    t0 = time.perf_counter()
    quads = _quads(args.build / "dataset.nq")
    data = Asserted(quads, Graph())
    loaded = _peak_mb()
    print(
        f"read {len(quads)} quads in {time.perf_counter() - t0:.1f} s; "
        f"peak RSS before validate {loaded:.0f} MB"
    )
    t0 = time.perf_counter()
    if args.engine == "stage":
        stages.validate(data, settings)
    else:
        _old_stage(data, settings)
    seconds = time.perf_counter() - t0
    peak = _peak_mb()
    print(
        f"validate ({args.engine}): {seconds:.1f} s; peak RSS {peak:.0f} MB "
        f"(+{peak - loaded:.0f} MB over the loaded quads)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
