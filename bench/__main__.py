"""`python -m bench`: build synthetic corpora N x the five documents and print the figures.

Run from the checkout (`python3 dev.py bench …` does it in the project's venv); writes
docs/performance.md unless told otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import ROOT
from reformkg.errors import ReformKGError

HELP = (
    "Benchmark build, queries, throughput, views and link quality at 1x, 10x, 100x "
    "(writes docs/performance.md)."
)


class BenchError(ReformKGError):
    """The benchmark was asked for something it cannot run (names the option)."""


def _scales(text: str) -> list[int]:
    try:
        scales = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise BenchError(f"--scales: expected integers separated by commas, got {text!r}") from None
    if not scales or min(scales) < 1:
        raise BenchError(f"--scales: each scale must be a positive integer, got {text!r}")
    return sorted(set(scales))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scales",
        default="1,10,100",
        help="comma-separated multiples of the five documents (default 1,10,100)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "performance.md",
        help="Markdown file to write (default docs/performance.md)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "bench-out",
        help="work folder: corpora, builds, per-scale results (default bench-out/)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic corpus")
    parser.add_argument(
        "--skip-views", action="store_true", help="do not time the graph views in chromium"
    )
    parser.add_argument(
        "--skip-bundle", action="store_true", help="do not build the five bundled documents"
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: rewrite --out from the results saved in --work",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=3600,
        help="seconds after which a build is stopped and reported (default 3600)",
    )
    parser.add_argument(
        "--rdflib-limit",
        type=float,
        default=900,
        help="seconds after which the rdflib timing is stopped (default 900)",
    )
    parser.add_argument(
        "--with-virtuoso",
        action="store_true",
        help="compare every question with Virtuoso (Debian virtuoso-opensource), paired rounds",
    )
    parser.add_argument(
        "--pairs", type=int, default=15, help="paired rounds per question against Virtuoso (15)"
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=60,
        help="length of the runs with and without runaway queries, at the smallest scale "
        "(default 60; 0 skips them)",
    )
    parser.add_argument(
        "--throughput-seconds",
        type=float,
        default=20,
        help="length of the 8-client throughput runs (default 20)",
    )
    parser.add_argument(
        "--memory-limit-mb",
        type=float,
        default=12000,
        help="resident MB at which a build is stopped and reported (default 12000)",
    )


def run(args: argparse.Namespace) -> int:
    scales = _scales(args.scales)
    from bench.run import Limits, Options
    from bench.run import run as run_bench

    opts = Options(
        scales=scales,
        out=args.out,
        work=args.work,
        seed=args.seed,
        views=not args.skip_views,
        bundle=not args.skip_bundle,
        render_only=args.render_only,
        limits=Limits(
            build_seconds=args.time_limit,
            memory_mb=args.memory_limit_mb,
            rdflib_seconds=args.rdflib_limit,
        ),
        log=lambda msg: print(msg, file=sys.stderr, flush=True),
        virtuoso=args.with_virtuoso,
        pairs=args.pairs,
        load_seconds=args.load_seconds,
        throughput_seconds=args.throughput_seconds,
    )
    results = run_bench(opts)
    print(f"wrote {args.out}")
    stopped = [label for label, r in results.items() if "stopped" in r.get("build", {})]
    return 1 if stopped else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=HELP)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ReformKGError as err:
        print(f"reformkg bench: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
