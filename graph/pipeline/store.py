"""Build time: the on-disk store that `serve` and every query worker open read-only.

Written once per build next to the dumps (build/store/, pyoxigraph's RocksDB store), so a
server starts in seconds instead of parsing dataset.nq and copying it, and every process that
opens it shares the operating system's page cache instead of holding a private copy.

Layout (the readers in `reformkg.graph.query.store` rely on it):
- every named graph of dataset.nq, as it is: one per document, the shared ones, graph/inferred;
- the store's default graph holds the union of every graph but graph/inferred (the asserted
  graphs, graph/derived's shortcuts, graph/description), written once here. The endpoint's
  default dataset is that union (docs/data-model.md), and pyoxigraph answers it
  fastest from one default graph: at 100× the union flag over a store without graph/inferred
  took 1.24× as long (geometric mean of the 13 named questions), listing the 504 asserted
  graphs did not finish one question in 25 minutes, and the union flag over the whole store
  would add the inferred triples (docs/store-choice.md). The price is disk: each asserted
  triple is stored twice (920 MB instead of 689 MB at 100×); nothing is copied at start.
- build/store.json: quads per named graph and in all (what dataset.nq holds), and triples in
  the default graph, so a server knows its dataset without scanning the store. The build's
  manifest seals store.json, not the store's files (see reformkg.build_files.UNSEALED).

The store is a database, not a dump: its files are not byte-identical between two builds
(RocksDB writes ids and times), its content is (the same quads, checked by
tests/test_store.py).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from reformkg.build_files import DATASET_FILE, STORE_DIR, STORE_INFO
from reformkg.vocab import INFERRED_GRAPH

__all__ = ["store_from_dataset", "write_store"]


def write_store(quads: Iterable[ox.Quad], out: Path) -> dict[str, object]:
    """Write out/store (every quad, plus the asserted union in the default graph) and
    out/store.json; return what store.json says."""
    path = Path(out) / STORE_DIR
    shutil.rmtree(path, ignore_errors=True)
    inferred = ox.NamedNode(str(INFERRED_GRAPH))
    default = ox.DefaultGraph()
    per_graph: Counter[str] = Counter()
    union = 0

    def layout() -> Iterator[ox.Quad]:
        nonlocal union
        last: ox.Triple | None = None
        for quad in quads:  # sorted by N-Quads form: equal triples of two graphs are neighbours
            graph = quad.graph_name
            per_graph[graph.value if isinstance(graph, ox.NamedNode) else ""] += 1
            yield quad
            if quad.graph_name != inferred and quad.triple != last:
                last = quad.triple
                union += 1
                yield ox.Quad(quad.subject, quad.predicate, quad.object, default)

    store = ox.Store(str(path))
    store.bulk_extend(layout())
    store.optimize()  # one level of sorted files: fewer seeks for every later read
    store.flush()
    del store
    info: dict[str, object] = {
        "quads": sum(per_graph.values()),
        "graphs": dict(sorted(per_graph.items())),
        "default_graph_triples": union,
        "layout": "named graphs as in dataset.nq; default graph = union of all but graph/inferred",
    }
    (Path(out) / STORE_INFO).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return info


def store_from_dataset(build_dir: Path) -> dict[str, object]:
    """Write the store of a build folder from its dataset.nq (for a build assembled by hand,
    as some tests do; the build itself writes the store from the quads it holds)."""
    quads = list(ox.parse(path=str(Path(build_dir) / DATASET_FILE), format=ox.RdfFormat.N_QUADS))
    quads.sort(key=str)
    return write_store(quads, Path(build_dir))
