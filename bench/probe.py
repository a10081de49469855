"""Measure one build in this (fresh) process: seconds and peak memory of each stage.

Run by bench.run as a subprocess per scale, so that one scale's memory never inflates the
next one's figures:

    python -m bench.probe --data DIR --build DIR --out result.json

Why RSS sampling rather than tracemalloc: tracemalloc sees only allocations made through
Python's allocator, so it misses what pyoxigraph (Rust) and numpy/scipy allocate in C, and it
slows every allocation by 2-4x, which would distort the timings it sits beside. A thread that
reads this process's resident set size every 5 ms costs well under 1 % of a core, sees every
allocator, and the stage callbacks of reformkg.graph.pipeline.build.build (progress(stage, "start"/"end")) mark
which stage each sample belongs to. Its blind spot is a peak shorter than 5 ms; the whole
build's peak is cross-checked against the kernel's exact high-water mark (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.005
MB = 1024 * 1024


class RssSampler:
    """Peak resident memory per stage, from a sampling thread; stages are marked by callbacks."""

    def __init__(self, checkpoint: Path | None = None) -> None:
        self.checkpoint = checkpoint
        self.process = psutil.Process()
        self.stage: str | None = None
        self.peaks: dict[str, int] = {}
        self.starts: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.peak = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        rss = self.process.memory_info().rss
        with self._lock:
            self.peak = max(self.peak, rss)
            if self.stage:
                self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(SAMPLE_SECONDS)

    def progress(self, stage: str, event: str) -> None:
        """The build's progress callback: a sample at each boundary, so no stage is missed."""
        self._sample()
        with self._lock:
            if event == "start":
                self.stage = stage
                self.starts[stage] = time.perf_counter()
            else:
                self.seconds[stage] = time.perf_counter() - self.starts.get(stage, 0.0)
                self.stage = None
        self._sample()
        if self.checkpoint:  # what is known so far, for a build stopped by the time/memory limit
            self.checkpoint.write_text(json.dumps(self.figures(), indent=2) + "\n")

    def figures(self) -> dict:
        with self._lock:
            return {
                "stages": {
                    s: {
                        "seconds": round(self.seconds[s], 4) if s in self.seconds else None,
                        "peak_mb": round(self.peaks.get(s, 0) / MB, 1),
                    }
                    for s in self.starts
                },
                "running": self.stage,
                "peak_mb": round(self.peak / MB, 1),
            }

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def measure(data_dir: Path, build_dir: Path, checkpoint: Path | None = None) -> dict:
    """Run the whole build on `data_dir` into `build_dir`; return its figures."""
    from reformkg.graph.pipeline.build import build
    from reformkg.settings import Settings

    settings = replace(Settings.defaults(), data_dir=data_dir, build_dir=build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    baseline = psutil.Process().memory_info().rss
    with RssSampler(checkpoint) as sampler:
        t0 = time.perf_counter()
        result = build(settings, progress=sampler.progress)
        total = time.perf_counter() - t0
    measures = sum(len(d.measures) for d in result.docs)
    return {
        "documents": len(result.docs),
        "measures": measures,
        "unparsed": sum(len(d.unparsed) for d in result.docs),
        "links": len(result.links),
        "stages": {
            stage: {
                "seconds": round(result.timings.get(stage, sampler.seconds.get(stage, 0.0)), 4),
                "peak_mb": round(sampler.peaks.get(stage, 0) / MB, 1),
            }
            for stage in sampler.starts
        },
        "total_seconds": round(total, 3),
        "peak_mb": round(sampler.peak / MB, 1),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "baseline_mb": round(baseline / MB, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.probe", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path, help="rewritten after each stage")
    args = parser.parse_args(argv)
    figures = measure(args.data, args.build, args.checkpoint)
    args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
