"""`reformkg export WHAT`: measures, agencies, links or workload as CSV or JSON Lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reformkg.settings import Settings

NAME = "export"
HELP = "Export measures, agencies, links, lineages or agency workload as CSV or JSON Lines."
SUBJECTS = ("measures", "agencies", "links", "lineages", "workload")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=SUBJECTS)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument(
        "--bom", action="store_true", help="start CSV with a UTF-8 byte-order mark (for Excel)"
    )
    parser.add_argument(
        "--labels",
        choices=("zh", "en", "keys"),
        default="zh",
        help="CSV header row and theme names: zh (牵头单位 …, the default, for Excel), en "
        "(Lead agencies …) or keys (lead_agencies …, theme ids: for programs)",
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="CSV values exactly as stored, for programs: no apostrophe before cells that "
        "begin with = + - @ (which a spreadsheet would run as formulas)",
    )
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--build", type=Path, help="build folder (default: ./build)")


def rows_for(
    what: str, store: Any, labels: str = "keys"
) -> tuple[list[str], list[dict[str, object]]]:
    if what == "measures":
        from reformkg.graph.read.exports import measure_rows, theme_labels

        return measure_rows(store, theme_labels(store, labels) if labels != "keys" else None)
    if what == "agencies":
        from reformkg.graph.read.exports import agency_rows

        return agency_rows(store)
    if what == "links":
        from reformkg.graph.read.trace import link_rows

        return link_rows(store)
    if what == "lineages":
        from reformkg.graph.read.lineages import lineage_rows

        return lineage_rows(store)
    from reformkg.graph.read.analytics import workload_rows

    return workload_rows(store)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.graph.query.store import open_store
    from reformkg.graph.read.exports import write_rows

    labels = args.labels if args.format == "csv" else "keys"
    fields, rows = rows_for(args.what, open_store(settings.build_dir), labels)
    text = write_rows(
        fields,
        rows,
        args.format,
        bom=args.bom,
        labels=None if labels == "keys" else labels,
        table=args.what,
        raw=args.raw,
    )
    if args.out:
        args.out.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {len(rows)} {args.what} to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
