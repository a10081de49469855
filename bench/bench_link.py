"""Time cross-batch linking at 1x, 10x and 100x the bundled corpus; print seconds and peak memory.

    .venv/bin/python -m bench.bench_link [--scales 1 10 100] [--seed 7]

Linking gets the theme assignments, as in the build (themes are computed before timing).
The 10x and 100x corpora come from the synthetic generator (bench/generate.py: recombined
names and clauses of the real rows, with planted evolutions listed in planted_pairs.csv); 1x is
the bundled data. Each scale runs in a fresh subprocess so that one scale's memory never
inflates the next one's figures. Only `reformkg.etl.link.link_measures` is timed (parsing is not);
peak memory is the process's resident set size sampled every 5 ms during linking (psutil; it
sees numpy/scipy allocations that tracemalloc would miss), next to the RSS before linking.
At 10x and 100x the planted evolutions also give recall and precision at scale.

Targets (issue #4): 100x (about 35,000 measures) links in under 60 s and 4 GB.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from bench import ROOT

MB = 1024 * 1024


class PeakRss:
    """Peak resident set size of this process while the block runs (sampled every 5 ms)."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(0.005)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def _planted(data_dir: Path) -> set[frozenset]:
    path = data_dir / "planted_pairs.csv"
    if not path.exists():
        return set()

    def key(doc: str, number: str, part: str) -> tuple:
        return (doc, number, int(part) if part else None)

    with path.open(encoding="utf-8", newline="") as fh:
        return {
            frozenset(
                (
                    key(r["later_doc"], r["later_number"], r["later_part"]),
                    key(r["earlier_doc"], r["earlier_number"], r["earlier_part"]),
                )
            )
            for r in csv.DictReader(fh)
        }


def measure_one(data_dir: Path) -> dict:
    """Parse the corpus in `data_dir`, then time linking alone; returns the figures."""
    import psutil

    from reformkg.etl import link
    from reformkg.etl.documents import parse_all
    from reformkg.graph.pipeline import stages
    from reformkg.settings import Settings

    settings = replace(Settings.defaults(), data_dir=data_dir)
    docs = parse_all(settings)
    themes = stages.link_themes(stages.assign_themes(docs, settings))
    rss_before = psutil.Process().memory_info().rss
    with PeakRss() as peak:
        started = time.perf_counter()
        links = link.link_measures(docs, themes)
        seconds = time.perf_counter() - started
    counterparts = {
        frozenset((x.source_key, x.target_key)) for x in links if x.relation != "related"
    }
    planted = _planted(data_dir)
    return {
        "documents": len(docs),
        "measures": sum(len(d.measures) for d in docs),
        "links": len(links),
        "counterparts": len(counterparts),
        "seconds": round(seconds, 2),
        "rss_before_mb": round(rss_before / MB),
        "peak_rss_mb": round(peak.peak / MB),
        "planted": len(planted),
        "planted_found": len(planted & counterparts),
    }


def corpus_for(scale: int, seed: int, workdir: Path) -> Path:
    if scale == 1:
        return ROOT / "data"
    from bench.generate import generate

    out = workdir / f"corpus-{scale}x"
    generate(out, scale, seed)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child: measure one corpus
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return 0

    print(
        f"{'scale':>5} {'docs':>5} {'measures':>8} {'links':>6} {'counterp.':>9} "
        f"{'seconds':>8} {'RSS before':>10} {'peak RSS':>9} {'planted found':>14}"
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-link-") as tmp:
        for scale in args.scales:
            data_dir = corpus_for(scale, args.seed, Path(tmp))
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(data_dir)],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(f"{scale:>4}x failed:\n{child.stderr}", file=sys.stderr)
                failed = True
                continue
            r = json.loads(child.stdout.strip().splitlines()[-1])
            planted = f"{r['planted_found']}/{r['planted']}" if r["planted"] else "—"
            print(
                f"{scale:>4}x {r['documents']:>5} {r['measures']:>8} {r['links']:>6} "
                f"{r['counterparts']:>9} {r['seconds']:>8.2f} {r['rss_before_mb']:>7} MB "
                f"{r['peak_rss_mb']:>6} MB {planted:>14}"
            )
    print("targets at 100x: < 60 s and < 4096 MB peak RSS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
