"""Named-query latency on rdflib's in-memory store, in a process of its own.

Run by bench.run as a subprocess, with a time limit, because rdflib holds every triple as
Python objects: at large scales loading the dataset alone can take minutes and gigabytes, and
that must neither stall nor inflate the rest of the benchmark.

    python -m bench.rdflib_queries --build DIR --queries DIR --out result.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import psutil

from bench.queries import default_params, query_specs, rdflib_bindings
from bench.stats import summarise, time_runs

MB = 1024 * 1024


def measure(build_dir: Path, queries_dir: Path, reps: int, budget: float) -> dict:
    """Load dataset.nq into an rdflib Dataset (union default graph) and time every named query."""
    from rdflib import Dataset

    t0 = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(build_dir / "dataset.nq", format="nquads")
    load = time.perf_counter() - t0
    out: dict = {"load_seconds": round(load, 3), "quads": len(dataset), "queries": {}}
    for spec in query_specs(queries_dir):
        bindings = rdflib_bindings(spec, default_params(spec))
        try:
            times = time_runs(
                lambda q=spec.text, b=bindings: list(dataset.query(q, initBindings=b)), reps, budget
            )
            out["queries"][spec.name] = summarise(times)
        except Exception as err:  # a query rdflib cannot run is a figure, not a crash
            out["queries"][spec.name] = {"error": f"{type(err).__name__}: {err}"[:200]}
    out["peak_mb"] = round(psutil.Process().memory_info().rss / MB, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rdflib_queries")
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per query")
    args = parser.parse_args(argv)
    figures = measure(args.build, args.queries, args.reps, args.budget)
    args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
