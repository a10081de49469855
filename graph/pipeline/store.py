"""Build time: the on-disk store that `serve` and every query worker open read-only.

Written once per build next to the dumps (build/store/, pyoxigraph's RocksDB store), so a
server starts in seconds instead of parsing dataset.nq and copying it, and every process that
opens it shares the operating system's page cache instead of holding a private copy.

Layout (the readers in `reformkg.graph.query.store` rely on it):
- every named graph of dataset.nq, as it is: one per document, the shared ones, graph/inferred;
- the store's default graph holds the union of every graph but graph/inferred (the asserted
  graphs, graph/derived's shortcuts, graph/description: what dataset.ttl holds), written once
  here. The endpoint's default dataset is that union (docs/data-model.md), and pyoxigraph
  answers it fastest from one default graph: at 100× the union flag over a store without graph/inferred
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
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from reformkg.build_files import DATASET_FILE, DATASET_TTL, STORE_DIR, STORE_INFO
from reformkg.vocab import INFERRED_GRAPH

__all__ = ["store_from_dataset", "write_store"]


def write_store(out: Path, per_graph: Mapping[str, int], union: int) -> dict[str, object]:
    """Write out/store from the dumps serialise wrote, and out/store.json; return what
    store.json says. `per_graph` (quads per graph IRI) and `union` (distinct triples of all
    graphs but graph/inferred) are what serialise counted in the lines it wrote.

    Loaded from the files by pyoxigraph: dataset.nq (every named graph), then dataset.ttl
    (the default dataset as one graph: the store's default graph). The union is not built
    again quad by quad in Python, and none of the build's Python data is read, so the build
    frees it before this stage (at 100x the stage's peak was the build's)."""
    return _write(
        Path(out), Path(out) / DATASET_TTL, ox.RdfFormat.TURTLE, per_graph, union, lenient=True
    )


def _write(
    out: Path,
    union_file: Path,
    union_format: ox.RdfFormat,
    per_graph: Mapping[str, int],
    union: int,
    *,
    lenient: bool = False,
) -> dict[str, object]:
    """The store from out/dataset.nq and `union_file` (its default graph), and store.json.

    `ox.parse` keeps the files' blank node labels (`Store.bulk_load` names them afresh, each
    call its own), so the default graph shares its blank nodes with the named graphs, as in
    dataset.nq; pyoxigraph's bulk loader takes the parser's quads without Python code per
    quad (measured at 100x: 74 s of CPU time either way, most of it RocksDB's). `lenient`
    skips validating IRIs again, for files this build's pyoxigraph wrote from validated
    terms."""
    path = out / STORE_DIR
    shutil.rmtree(path, ignore_errors=True)
    store = ox.Store(str(path))
    nquads = ox.RdfFormat.N_QUADS
    store.bulk_extend(ox.parse(path=str(out / DATASET_FILE), format=nquads, lenient=lenient))
    store.bulk_extend(ox.parse(path=str(union_file), format=union_format, lenient=lenient))
    store.optimize()  # one level of sorted files: fewer seeks for every later read
    store.flush()
    del store
    info: dict[str, object] = {
        "quads": sum(per_graph.values()),
        "graphs": dict(sorted(per_graph.items())),
        "default_graph_triples": union,
        "layout": "named graphs as in dataset.nq; default graph = union of all but graph/inferred",
    }
    (out / STORE_INFO).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    return info


def store_from_dataset(build_dir: Path) -> dict[str, object]:
    """Write the store of a build folder from its dataset.nq alone (for a build assembled or
    changed by hand, as some tests do; the build itself passes the counts it made)."""
    build_dir = Path(build_dir)
    quads = set(ox.parse(path=str(build_dir / DATASET_FILE), format=ox.RdfFormat.N_QUADS))
    inferred = ox.NamedNode(str(INFERRED_GRAPH))
    per_graph = Counter(
        q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "" for q in quads
    )
    triples = sorted({q.triple for q in quads if q.graph_name != inferred}, key=str)
    with tempfile.TemporaryDirectory() as tmp:
        union_file = Path(tmp) / "union.nt"
        ox.serialize(triples, str(union_file), ox.RdfFormat.N_TRIPLES)
        return _write(build_dir, union_file, ox.RdfFormat.N_TRIPLES, per_graph, len(triples))
