"""Ground: what a build folder holds, named once for the writer and every reader."""

from __future__ import annotations

__all__ = [
    "DATASET_FILE",
    "DATASET_TRIG",
    "DATASET_TTL",
    "DOWNLOADS",
    "ONTOLOGY_PAGE",
    "REPORT_JSON",
    "REPORT_MD",
    "SHAPES_FILE",
    "SOURCES_DIR",
    "TIMINGS",
]

#: Every quad, asserted, derived and inferred, sorted: what the store loads.
DATASET_FILE = "dataset.nq"
#: The default dataset's named graphs (TriG) and their union (Turtle), for users and other tools.
DATASET_TRIG = "dataset.trig"
DATASET_TTL = "dataset.ttl"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
TIMINGS = "timings.json"
#: The ontology's human documentation, served at /ontology.
ONTOLOGY_PAGE = "ontology.html"
#: The source documents exactly as read, so pages can quote printed lines without data/.
SOURCES_DIR = "sources"
#: The SHACL shapes the build validated against, published at /shapes.
SHAPES_FILE = "shapes.ttl"
#: The files served under /download/ (the dumps the dataset description lists).
DOWNLOADS = (DATASET_FILE, DATASET_TRIG, DATASET_TTL)
