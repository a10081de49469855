#!/usr/bin/env python
"""Time every named query on pyoxigraph and on rdflib's in-memory store; print a table.

Why: the endpoint's store was chosen by measurement (docs/store-choice.md). Both engines get the
same data (pyoxigraph opens the build's on-disk store read-only and queries its default graph, the
union of the asserted graphs, as the endpoint does;
rdflib parses build/dataset.trig, the asserted graphs, with the default graph as their union),
the same query text and the same parameter values (pyoxigraph: SEP-0007 substitution, rdflib:
initBindings). Row counts are printed side by side so a disagreement shows.

    .venv/bin/python -m bench.compare_stores [--build build] [--repeat 7] [--budget 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.term import Literal, URIRef

from bench import ROOT
from reformkg.graph.query.named import bind, list_queries
from reformkg.graph.query.store import from_tuple, open_store


def to_rdflib(term) -> rdflib.term.Node:
    """A pyoxigraph term as rdflib's."""

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def timed(fn, repeat: int, budget: float) -> tuple[list[float], object]:
    """Run fn up to `repeat` times (fewer when one run already uses the budget)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
        if sum(times) > budget:
            break
    return times, result


def http_figures(base: str, queries_dir: Path, repeat: int) -> int:
    """p50/p95 of every named query through HTTP, one client, after one warm-up request."""
    import httpx

    print(f"{'query':26} {'p50 ms':>8} {'p95 ms':>8}")
    with httpx.Client(base_url=base, timeout=60) as client:
        for query in list_queries(queries_dir):
            client.get(f"/queries/{query.name}").raise_for_status()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(f"/queries/{query.name}").raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            print(f"{query.name:26} {statistics.median(times):8.1f} {p95:8.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds per query and engine before stopping the repeats",
    )
    parser.add_argument(
        "--http",
        metavar="URL",
        help="also time /queries/{name} on a running server (e.g. "
        "http://127.0.0.1:8000) and print HTTP p50/p95",
    )
    args = parser.parse_args(argv)
    if args.http:
        return http_figures(args.http, args.queries, max(args.repeat, 20))

    started = time.perf_counter()
    store = open_store(args.build)
    ox_load = time.perf_counter() - started
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    if (args.build / "dataset.trig").exists():
        dataset.parse(args.build / "dataset.trig", format="trig")
    else:  # a benchmark build may only keep dataset.nq: drop its inferred graph
        from reformkg.vocab import INFERRED_GRAPH

        dataset.parse(args.build / "dataset.nq", format="nquads")
        dataset.remove_graph(rdflib.URIRef(str(INFERRED_GRAPH)))
    rdf_load = time.perf_counter() - started
    print(
        f"data: {args.build}  ({len(store)} quads in pyoxigraph, "
        f"{len(dataset)} triples in the rdflib union)"
    )
    print(f"load: pyoxigraph {ox_load:.2f} s, rdflib {rdf_load:.2f} s\n")
    header = (
        f"{'query':26} {'rows ox':>8} {'rows rdflib':>11} {'ox p50 ms':>10} "
        f"{'rdflib p50 ms':>14} {'× faster':>9}"
    )
    print(header)
    print("-" * len(header))
    worst = (0.0, "", 0.0)
    for query in list_queries(args.queries):
        subs = bind(query)
        ox_subs = {ox.Variable(k): from_tuple(v) for k, v in subs.items()}
        # The store's default graph is the asserted union: the endpoint's default dataset.
        ox_times, outcome = timed(
            lambda q=query, s=ox_subs: list(store.query(q.text, substitutions=s)),  # type: ignore[arg-type]
            args.repeat,
            args.budget,
        )
        init = {k: to_rdflib(from_tuple(v)) for k, v in subs.items()}
        ox_p50 = statistics.median(ox_times) * 1000
        try:
            rdf_times, result = timed(
                lambda q=query, init=init: list(dataset.query(q.text, initBindings=init)),
                args.repeat,
                args.budget,
            )
        except Exception as err:  # noqa: BLE001 - an rdflib failure is a figure too
            print(
                f"{query.name:26} {len(outcome):8d} {'error':>11} {ox_p50:10.1f} "
                f"{'-':>14} {'-':>9}   rdflib: {type(err).__name__}: {err}"
            )
            continue
        rdf_p50 = statistics.median(rdf_times) * 1000
        ratio = rdf_p50 / ox_p50 if ox_p50 else float("inf")
        if rdf_p50 > worst[0]:
            worst = (rdf_p50, query.name, ratio)
        print(
            f"{query.name:26} {len(outcome):8d} {len(result):11d} {ox_p50:10.1f} "
            f"{rdf_p50:14.1f} {ratio:9.1f}"
        )
    print(
        f"\nheaviest on rdflib: {worst[1]} ({worst[0]:.0f} ms), pyoxigraph {worst[2]:.1f}× faster"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
