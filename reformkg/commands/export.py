"""`reformkg export WHAT`: measures, agencies, links or workload as CSV or JSON Lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reformkg.config import get_settings
from reformkg.errors import ReformKGError

NAME = "export"
HELP = "Export measures, agencies, links or agency workload as CSV or JSON Lines."
SUBJECTS = ("measures", "agencies", "links", "workload")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=SUBJECTS)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument(
        "--bom", action="store_true", help="start CSV with a UTF-8 byte-order mark (for Excel)"
    )
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--build", type=Path, help="build folder (default: build/)")


def rows_for(what: str, store):
    if what == "measures":
        from graph.exports import measure_rows

        return measure_rows(store)
    if what == "agencies":
        from graph.exports import agency_rows

        return agency_rows(store)
    if what == "links":
        from graph.trace import link_rows

        return link_rows(store)
    from graph.analytics import workload_rows

    return workload_rows(store)


def run(args: argparse.Namespace) -> int:
    from graph.exports import write_rows
    from graph.store import DATASET_FILE, open_store

    build_dir = args.build or get_settings().build_dir
    if not (build_dir / DATASET_FILE).exists():
        raise ReformKGError(f"{build_dir / DATASET_FILE} not found: run `reformkg build` first")
    fields, rows = rows_for(args.what, open_store(build_dir))
    text = write_rows(fields, rows, args.format, bom=args.bom)
    if args.out:
        args.out.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {len(rows)} {args.what} to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
