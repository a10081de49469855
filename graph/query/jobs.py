"""Serve time: what the web process asks a query worker for, and what comes back.

A `QueryJob` carries the query, its dataset, the formats the client accepts and the caps; the
worker answers with an `Answer` whose `body` is already the bytes the client gets (SPARQL
results, RDF, or a named question's table), so the web process only sends them on. Both are
plain dataclasses: they cross the pipe between processes pickled, the body as raw bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reformkg.graph.query.store import TermTuple

__all__ = ["Answer", "QueryJob", "Rendering", "TableSpec"]

#: Default caps of one answer (the settings' max_rows and max_bytes override them).
MAX_ROWS = 10_000
MAX_BYTES = 16_000_000


@dataclass(frozen=True)
class TableSpec:
    """A named question's answer as /queries writes it (JSON, CSV or TSV)."""

    fmt: str  # json | csv | tsv
    name: str
    title: str
    parameters: dict[str, str | None]  # the values shown in the JSON answer
    params: tuple[str, ...] = ()  # the question's parameter names
    bound: tuple[str, ...] = ()  # the parameters given a value (their columns only echo it)


@dataclass(frozen=True)
class Rendering:
    """The bytes wanted: a results format for SELECT/ASK and an RDF format for CONSTRUCT and
    DESCRIBE (media types of reformkg.media; the worker picks by what the query turns out to
    be), or a named question's table."""

    results: str = "application/sparql-results+json"
    rdf: str = "text/turtle"
    table: TableSpec | None = None
    raw: bool = False  # CSV/TSV values exactly, no apostrophe before a would-be formula


@dataclass
class QueryJob:
    """One query to run, with its dataset. Graph lists hold IRIs; None means the store's choice.

    `dataset` picks the endpoint's datasets when the request names no graph: "asserted" (the
    union of the asserted graphs, the default) or "all" (with graph/inferred).
    `default_graph` / `named_graphs` are the protocol's default-graph-uri / named-graph-uri;
    `from_query`: the query's own FROM / FROM NAMED choose the dataset.
    """

    query: str
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    substitutions: dict[str, TermTuple] = field(default_factory=dict)  # SEP-0007 bindings
    rendering: Rendering = field(default_factory=Rendering)
    max_rows: int = MAX_ROWS
    max_bytes: int = MAX_BYTES
    base_iri: str | None = None  # resolves relative IRIs in the query (the endpoint's URL)
    from_query: bool = False
    dataset: str = "all"  # "asserted" or "all"


@dataclass
class Answer:
    """A query's answer, written. `kind`: select, ask, graph or table; `truncated` says why
    the answer was cut ("" when whole): at the row cap or at the byte cap."""

    kind: str
    media_type: str
    body: bytes = b""
    count: int = 0  # rows (select, table) or triples (graph) in the body
    truncated: str = ""
    columns: list[str] = field(default_factory=list)  # a table's shown columns
