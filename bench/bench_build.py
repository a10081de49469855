"""Print the build's figures: each stage and the whole at each scale, against the machine's
calibration loop, and the targets of issue 16 met or missed.

    .venv/bin/python -m bench.bench_build [--runs 3] [--scales 1,10,100] [--work bench-out]

The five bundled documents are built `--runs` times (median), then a synthetic corpus at each
scale (bench/generate.py, seed 1; reused from the work folder when already there) once. Every
build runs in a fresh Python process (bench/probe.py: seconds and peak resident memory per
stage), so jieba's import and dictionary, the ontology and the shapes are read as in a real
build. The calibration loop `sum(i*i for i in range(10**6))` (what `python3 -m timeit` times)
runs before each build in this process (the builds of the five documents share one folder, so
from the second on they read jieba's dictionary cache as a second build of a checkout does); the figure is the median of those, so the build and
its yardstick are measured on the same busy machine at the same time.

A figure, not a test: speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import timeit
from pathlib import Path

from bench import ROOT
from bench.generate import generate
from bench.report import (
    BUNDLE_LOOPS,
    BUNDLE_SECONDS,
    GROWTH,
    NOISE_SECONDS,
    SCALE_MB,
    SCALE_SECONDS,
)
from bench.run import Limits, build_figures
from reformkg.graph.pipeline.build import STAGES
from reformkg.settings import Settings


def calibration_ms() -> float:
    """Milliseconds of one `sum(i*i for i in range(10**6))`, best of 5 (as timeit prints)."""
    return min(timeit.repeat("sum(i*i for i in range(10**6))", number=1, repeat=5)) * 1000


def _corpus(work: Path, scale: int, seed: int) -> Path:
    folder = work / f"corpus-{scale}x-seed{seed}"
    if not (folder / "manifest.toml").exists():
        generate(folder, scale, seed)
    return folder


def _row(label: str, figures: dict) -> str:
    stages = figures.get("stages", {})
    cells = [f"{stages.get(s, {}).get('seconds') or 0:7.2f}" for s in STAGES]
    stopped = f"  {figures['stopped']}" if "stopped" in figures else ""
    return (
        f"{label:<8}"
        + "".join(cells)
        + f"{figures.get('total_seconds', 0):8.2f}{figures.get('peak_mb', 0):8.0f}{stopped}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds of the five documents")
    parser.add_argument("--scales", default="1,10", help="synthetic scales, e.g. 1,10,100")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    limits = Limits(build_seconds=3600, memory_mb=12_000)
    loops: list[float] = []
    results: dict[str, dict] = {}
    bundle_runs = []
    for i in range(args.runs):
        loops.append(calibration_ms())
        # one folder for every run: its jieba cache (build-bundle.cache) is what a second
        # build of a checkout reads
        data, build_dir = Settings.defaults().data_dir, args.work / "build-bundle"
        bundle_runs.append(build_figures(data, build_dir, args.work, f"bundle-{i}", limits))
    results["bundle"] = min(bundle_runs, key=lambda r: r.get("total_seconds", 1e9))
    median_total = statistics.median(r.get("total_seconds", 0) for r in bundle_runs)
    for scale in scales:
        corpus = _corpus(args.work, scale, args.seed)
        loops.append(calibration_ms())
        build_dir = args.work / f"build-{scale}x"
        results[f"{scale}x"] = build_figures(corpus, build_dir, args.work, f"{scale}x", limits)
    loop = statistics.median(loops)
    print(
        f"calibration loop: {loop:.1f} ms (median of {len(loops)}, each best of 5: "
        'python3 -m timeit "sum(i*i for i in range(10**6))")'
    )
    print("seconds per stage; total; peak MB (bundle: the fastest of the runs)")
    print(f"{'':<8}" + "".join(f"{s[:7]:>7}" for s in STAGES) + f"{'total':>8}{'MB':>8}")
    for label, figures in results.items():
        print(_row(label, figures))
    print()
    for line in verdicts(results, loop, median_total, args.runs):
        print(line)
    if args.json:
        args.json.write_text(
            json.dumps({"calibration_ms": loop, "loops": loops, "builds": results}, indent=2) + "\n"
        )
    return 0


def _status(ok: bool) -> str:
    return "met" if ok else "MISSED"


def verdicts(
    results: dict[str, dict], loop_ms: float, bundle_median: float, runs: int
) -> list[str]:
    """One line per target of issue 16's build half: the figure, met or MISSED, and why."""
    lines = []
    total = bundle_median
    lines.append(
        f"five documents <= {BUNDLE_SECONDS:.0f} s: {total:.2f} s (median of {runs}) "
        f"-> {_status(total <= BUNDLE_SECONDS)}"
    )
    ratio = total * 1000 / loop_ms
    lines.append(
        f"five documents <= {BUNDLE_LOOPS:.0f}x the loop: {ratio:.1f}x ({total:.2f} s / "
        f"{loop_ms:.1f} ms) -> {_status(ratio <= BUNDLE_LOOPS)}"
    )
    big, mid = results.get("100x"), results.get("10x")
    if big is None:
        lines.append("100x: not run")
    else:
        t, mb = big.get("total_seconds"), big.get("peak_mb", 0)
        if "stopped" in big or t is None:
            lines.append(f"100x: build {big.get('stopped')}")
        else:
            lines.append(
                f"100x <= {SCALE_SECONDS:.0f} s: {t:.1f} s -> {_status(t <= SCALE_SECONDS)}"
            )
        lines.append(f"100x peak <= {SCALE_MB:.0f} MB: {mb:.0f} MB -> {_status(mb <= SCALE_MB)}")
    if big is not None and mid is not None:
        for stage in STAGES:
            a = mid.get("stages", {}).get(stage, {}).get("seconds")
            b = big.get("stages", {}).get(stage, {}).get("seconds")
            if a is None or b is None:
                continue
            growth = b / a if a else float("inf")
            judged = a >= NOISE_SECONDS
            verdict = _status(growth <= GROWTH) if judged else "not judged (10x stage < 0.05 s)"
            lines.append(
                f"10x -> 100x {stage:<10} {a:7.2f} -> {b:7.2f} s: {growth:5.1f}x {verdict}"
            )
    return lines


if __name__ == "__main__":
    sys.exit(main())
