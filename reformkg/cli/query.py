"""`reformkg query NAME --param k=v --format table|csv|json`: run a named analyst question."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import TextIO

from reformkg.errors import QueryError
from reformkg.settings import Settings

NAME = "query"
HELP = "Run a named query from queries/ (without NAME: list them)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="query name (file name without .rq)")
    parser.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="K=V",
        help="parameter value (repeatable); see the list for each query's",
    )
    parser.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table")
    parser.add_argument(
        "--inference", action="store_true", help="include the inferred graph in the default graph"
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="CSV values exactly as stored, for programs: no apostrophe before cells that "
        "begin with = + - @ (which a spreadsheet would run as formulas)",
    )
    parser.add_argument("--build", type=Path, help="build folder (default: ./build)")


def _width(text: str) -> int:
    """Display width: Chinese characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def print_table(columns: list[str], cells: list[list[str]], out: TextIO = sys.stdout) -> None:
    widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    widths = [min(w, 60) for w in widths]

    def clip(text: str, w: int) -> str:
        while _width(text) > w:
            text = text[:-2] + "…"
        return text

    print("  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in cells:
        print("  ".join(_pad(clip(v, w), w) for v, w in zip(row, widths, strict=True)), file=out)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """List or run; a reader that stops early (`| head`) is not an error."""
    try:
        return _run(args, settings)
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.graph.query.named import list_queries, load_query, run_named
    from reformkg.graph.query.store import open_store

    if not args.name:
        for q in list_queries(settings.queries_dir):
            params = ", ".join(f"{p.name}={p.default or '∅'}" for p in q.params)
            print(f"{q.name:26} {q.title}" + (f"  [{params}]" if params else ""))
        return 0
    values: dict[str, str] = {}
    for item in args.param:
        if "=" not in item:
            raise QueryError(f"--param {item!r}: write it as name=value")
        key, value = item.split("=", 1)
        values[key.strip()] = value
    query = load_query(settings.queries_dir, args.name)
    store = open_store(settings.build_dir)
    if any(p.type == "agency" for p in query.params):
        from reformkg.graph.read.options import options, resolve_params

        # 市市场监管局 or 深圳市市场监管局 name the same body as its canonical name
        values = resolve_params(options(store), query, values)
    result = run_named(store, query.name, values, settings.queries_dir, inference=args.inference)
    from reformkg.graph.query.named import bind, shown_columns

    variables = list(result[0].keys()) if result else []
    columns = shown_columns(query, result, variables, bind(query, values))
    if args.format == "json":
        json.dump(
            [{c: r[c] for c in columns} for r in result], sys.stdout, ensure_ascii=False, indent=2
        )
        print()
        return 0
    cells = [["" if r[c] is None else str(r[c]) for c in columns] for r in result]
    if args.format == "table":  # readable in a terminal: IRIs of the dataset shortened to id:…
        from reformkg.vocab import ID

        cells = [[v.replace(str(ID), "id:") for v in row] for row in cells]
    if args.format == "csv":
        from reformkg.spreadsheet import write_table

        sys.stdout.write(write_table(columns, cells, raw=args.raw, lineterminator="\n"))
    else:
        print_table(columns, cells)
        print(f"({len(cells)} rows)", file=sys.stderr)
    return 0
