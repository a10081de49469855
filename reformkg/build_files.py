"""Ground: what a build folder holds, named once for the writer and every reader."""

from __future__ import annotations

__all__ = [
    "DATASET_FILE",
    "ONTOLOGY_PAGE",
    "REPORT_JSON",
    "REPORT_MD",
    "SOURCES_DIR",
    "STORE_DIR",
    "STORE_INFO",
    "TIMINGS",
]

#: Every quad, asserted and inferred, sorted: what the store loads.
DATASET_FILE = "dataset.nq"
#: The asserted named graphs (TriG) and their union (Turtle), for users and other tools.
DATASET_TRIG = "dataset.trig"
DATASET_TTL = "dataset.ttl"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
TIMINGS = "timings.json"
#: The ontology's human documentation, served at /ontology.
ONTOLOGY_PAGE = "ontology.html"
#: The source documents exactly as read, so pages can quote printed lines without data/.
SOURCES_DIR = "sources"
#: The on-disk store (pyoxigraph, RocksDB) that serve and its query workers open read-only:
#: every named graph, and the union of the asserted graphs as its default graph.
STORE_DIR = "store"
#: What the store holds, counted when it was written (quads per graph, default-graph triples).
STORE_INFO = "store.json"
