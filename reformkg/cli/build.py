"""`reformkg build`: parse every document of the manifest and write the dataset and report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reformkg.settings import Settings

NAME = "build"
HELP = "Build the graph from the documents of the manifest (writes build/)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        help="data folder (manifest.toml, raw/); default: the bundled documents",
    )
    parser.add_argument(
        "--out", "--build", dest="build", type=Path, help="output folder; default ./build"
    )
    parser.add_argument(
        "--skip-bad",
        action="store_true",
        help="leave out documents that cannot be read (the report says PARTIAL) "
        "instead of stopping",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.graph.pipeline.build import build

    started: dict[str, float] = {}
    open_line: list[str] = []  # the stage whose progress line still waits for its time

    def progress(stage: str, event: str) -> None:
        if args.quiet:
            return
        if event == "start":
            started[stage] = time.perf_counter()
            print(f"  {stage:<10} …", end="", flush=True, file=sys.stderr)
            open_line[:] = [stage]
        else:
            print(f" {time.perf_counter() - started[stage]:.2f} s", file=sys.stderr)
            open_line.clear()

    try:
        result = build(settings, progress, skip_bad=args.skip_bad)
    except BaseException:
        if open_line:  # end the stage's line, so that the error starts a line of its own
            print(" failed", file=sys.stderr)
        raise
    t = result.report["totals"]
    print(
        f"built {t['documents']} documents: {t['measures']} measures in {t['items']} items, "
        f"{t['agencies']} agencies, {t['links']} links; {t['unparsed_lines']} unparsed lines, "
        f"{t['warnings']} warnings → {settings.build_dir}"
    )
    if not result.report["complete"]:
        print("PARTIAL BUILD: documents left out:", file=sys.stderr)
        for line in result.skipped:
            print(f"  {line}", file=sys.stderr)
        return 4
    return 0
