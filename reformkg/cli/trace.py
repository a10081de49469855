"""`reformkg trace QUERY`: a measure's chain across batches, with the practice-text differences."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reformkg.settings import Settings

NAME = "trace"
HELP = (
    "Trace a measure across batches: dates, places, agencies and what its practice text "
    "added or dropped. QUERY is an IRI, doc_id:number, or part of a name."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="measure IRI, doc_id:number[-part], or part of its name")
    parser.add_argument("--build", type=Path, help="build folder (default: ./build)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from reformkg.graph.query.store import open_store
    from reformkg.graph.read.trace import AmbiguousQuery, render, resolve, trace

    store = open_store(settings.build_dir)
    try:
        iri = resolve(store, args.query)
    except AmbiguousQuery as err:
        print("candidates:", file=sys.stderr)
        for c in err.candidates[:30]:
            print(f"  {c.ref:<28} {c.name}", file=sys.stderr)
        raise
    sys.stdout.write(render(trace(store, iri)))
    return 0
