"""Print the build time of the bundled documents: each stage and the whole, median of N runs.

    .venv/bin/python -m bench.bench_build [--runs 5]

A figure, not a test: speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from reformkg.graph.pipeline.build import build
from reformkg.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    totals, stages = [], {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            settings = replace(Settings.defaults(), build_dir=Path(tmp))
            t0 = time.perf_counter()
            result = build(settings)
            totals.append(time.perf_counter() - t0)
            for name, seconds in result.timings.items():
                stages.setdefault(name, []).append(seconds)
    t = result.report["totals"]
    print(f"{t['documents']} documents, {t['measures']} measures; {args.runs} runs (median)")
    for name, values in stages.items():
        print(f"  {name:<10} {statistics.median(values):7.3f} s")
    print(
        f"  {'total':<10} {statistics.median(totals):7.3f} s  (target < 3 s parse-to-RDF, "
        f"< 5 s with reasoning and validation)"
    )


if __name__ == "__main__":
    main()
