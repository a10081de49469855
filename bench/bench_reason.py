"""Print what reasoning and validation cost on the bundled documents: triples and seconds.

    .venv/bin/python -m bench.bench_reason [--runs 3]

Builds once into a temporary folder, then times, on the asserted graphs of that build:
the pre-filter, owlrl with and without it, and SHACL validation of asserted + inferred.
A figure, not a test: speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rdflib import Dataset, Graph

from reformkg.etl.documents import build
from reformkg.graph.pipeline.reason import infer, relevant_abox
from reformkg.graph.pipeline.validate import validate
from reformkg.settings import Settings
from reformkg.vocab import INFERRED_GRAPH, ONTOLOGY_GRAPH


def timed(fn, runs: int):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    settings = Settings.defaults()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = build(replace(settings, build_dir=Path(tmp)))
        total = time.perf_counter() - t0
        ds = Dataset()
        ds.parse(Path(tmp) / "dataset.nq", format="nquads")
    asserted, ontology = Graph(), Graph()
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = g.identifier if isinstance(g, Graph) else g
        if name != INFERRED_GRAPH:
            asserted.add((s, p, o))
        if name == ONTOLOGY_GRAPH:
            ontology.add((s, p, o))
    print(
        f"build (one run, all stages): {total:.2f} s; stages: "
        + ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
    )
    print(f"asserted triples: {len(asserted)}; ontology triples: {len(ontology)}")
    t_abox, abox = timed(lambda: relevant_abox(asserted, ontology), args.runs)
    print(f"pre-filter: {len(abox)} triples given to owlrl ({t_abox:.2f} s)")
    t_inf, inferred = timed(lambda: infer(asserted, ontology), args.runs)
    print(
        f"infer (pre-filtered): {len(inferred)} inferred triples in {t_inf:.2f} s "
        f"(median of {args.runs})"
    )
    t_full, full = timed(lambda: infer(asserted, ontology, prefilter=False), args.runs)
    print(
        f"infer (no pre-filter): {len(full)} inferred triples in {t_full:.2f} s; "
        f"same result: {set(full) == set(inferred)}"
    )
    data = Graph()
    for t in asserted:
        data.add(t)
    for t in inferred:
        data.add(t)
    shapes = settings.ontology_dir / "shapes.ttl"
    t_val, violations = timed(lambda: validate(data, shapes), args.runs)
    print(f"validate: {len(data)} triples, {len(violations)} violations in {t_val:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
