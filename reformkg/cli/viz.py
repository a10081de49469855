"""`reformkg viz --out DIR`: write the graph views as standalone HTML files.

The files open from disk (file://) with no server and no network: vis-network and the views'
script are inlined, and filters given as URL parameters (agencies.html?doc=…) run in the page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reformkg.errors import ReformKGError
from reformkg.settings import Settings

NAME = "viz"
HELP = "Write the graph views (agency network, evolution, theme map, workload) as standalone HTML."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="folder to write the HTML files to")
    parser.add_argument("--build", type=Path, help="build folder (default: ./build)")
    parser.add_argument(
        "--link-base",
        default="https://w3id.org/reformkg/id/",
        help="where measure links point (default: the IRIs themselves)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.graph.query.store import open_store
    from reformkg.viz.pages import write_standalone

    store = open_store(settings.build_dir)
    if args.out.exists() and not args.out.is_dir():
        raise ReformKGError(f"{args.out} exists and is not a folder")
    written = write_standalone(store, args.out, args.link_base)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0
