"""`reformkg export WHAT`: measures, agencies, links or workload as CSV or JSON Lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reformkg.settings import Settings

NAME = "export"
HELP = "Export measures, agencies, links or agency workload as CSV or JSON Lines."
SUBJECTS = ("measures", "agencies", "links", "workload")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=SUBJECTS)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument(
        "--bom", action="store_true", help="start CSV with a UTF-8 byte-order mark (for Excel)"
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="CSV values exactly as stored, for programs: no apostrophe before cells that "
        "begin with = + - @ (which a spreadsheet would run as formulas)",
    )
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--build", type=Path, help="build folder (default: ./build)")


def rows_for(what: str, store: Any) -> tuple[list[str], list[dict[str, object]]]:
    if what == "measures":
        from reformkg.graph.read.exports import measure_rows

        return measure_rows(store)
    if what == "agencies":
        from reformkg.graph.read.exports import agency_rows

        return agency_rows(store)
    if what == "links":
        from reformkg.graph.read.trace import link_rows

        return link_rows(store)
    from reformkg.graph.read.analytics import workload_rows

    return workload_rows(store)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.graph.query.store import open_store
    from reformkg.graph.read.exports import write_rows

    fields, rows = rows_for(args.what, open_store(settings.build_dir))
    text = write_rows(fields, rows, args.format, bom=args.bom, raw=args.raw)
    if args.out:
        args.out.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {len(rows)} {args.what} to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
