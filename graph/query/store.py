"""Serve time: the build's on-disk store opened read-only, and SPARQL answers as values.

Every reader (API, analytics, views, CLI queries) goes through `open_store` and `select`, so
what the views show is exactly what SPARQL returns. `open_store` opens build/store (written by
reformkg.graph.pipeline.store) read-only, in well under a second at any scale, and every process
that opens it shares the operating system's page cache. `BuildStore` gives it the product's two
datasets: the default graph is the union of every graph but graph/inferred (the asserted
graphs, graph/derived's shortcuts and graph/description; stored as the store's default graph),
and the union flag adds the inferred triples (the default graph and graph/inferred).
Terms travel between processes as plain tuples (`to_tuple` / `from_tuple`);
`reformkg.graph.query.pool` runs the endpoint's queries in worker processes and
`reformkg.graph.query.remote` puts an external SPARQL server behind the same interface,
`SparqlStore`: what a reader needs of a store.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, overload

import pyoxigraph as ox

from reformkg.build_files import DATASET_FILE, MANIFEST, STORE_DIR, STORE_INFO, verify
from reformkg.errors import BuildInvalid
from reformkg.vocab import GRAPH, INFERRED_GRAPH

#: An RDF term as pyoxigraph gives it (a bound value, a subject or an object).
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: What a query's default graph may be made of.
GraphName: TypeAlias = ox.NamedNode | ox.BlankNode | ox.DefaultGraph

# A term as plain values: ("uri", iri) | ("bnode", id) | ("literal", lexical, datatype, lang).
# Tuples pickle cheaply between the query workers and the web process.
UriTuple: TypeAlias = tuple[Literal["uri"], str]
BnodeTuple: TypeAlias = tuple[Literal["bnode"], str]
LiteralTuple: TypeAlias = tuple[Literal["literal"], str, str, str | None]
TermTuple: TypeAlias = UriTuple | BnodeTuple | LiteralTuple

#: A term's plain value (`term_value`): IRIs, strings and dates as str, numbers and booleans typed.
PlainValue: TypeAlias = str | int | float | bool
#: One SELECT solution as plain values, by variable name (None: unbound).
Row: TypeAlias = dict[str, PlainValue | None]

#: What `query` answers: solutions (SELECT), a boolean (ASK; a RemoteStore may give a plain
#: bool) or triples (CONSTRUCT, DESCRIBE).
QueryAnswer: TypeAlias = (
    ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | bool | Iterator[ox.Triple]
)


class SparqlStore(Protocol):
    """A store that answers SPARQL queries: the embedded pyoxigraph `Store`, or a
    `reformkg.graph.query.remote.RemoteStore` in front of an external server."""

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, Term] | None = None,
    ) -> QueryAnswer: ...


def solutions(answer: QueryAnswer) -> ox.QuerySolutions:
    """The answer of a SELECT query (TypeError for the answer of any other form)."""
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"a SELECT query was expected to answer solutions, not {answer!r}")
    return answer


def open_build(build_dir: Path) -> dict[str, Any]:
    """Open the build: its manifest, once every output it lists is checked (sizes, line counts,
    SHA-256; `reformkg.build_files.verify`). BuildMissing saying how to make one when there is
    no build; BuildInvalid, one line naming the file, when it was cut short or changed.

    The one door to a build: `dataset_path` and `open_store` go through it, and with them
    serve, export, query, trace, viz, validate and load."""
    return verify(Path(build_dir))


def dataset_path(build_dir: Path) -> Path:
    """The built dataset's file, in a build checked whole by `open_build`."""
    open_build(build_dir)
    return Path(build_dir) / DATASET_FILE


def has_build(build_dir: Path) -> bool:
    """True when `build_dir` holds a build, whole or not (the serve command builds first
    otherwise; a build that is there but not whole is refused when opened, never rebuilt over)."""
    return any((Path(build_dir) / name).is_file() for name in (MANIFEST, DATASET_FILE))


def store_path(build_dir: Path) -> Path:
    """The build's on-disk store (BuildInvalid, one line, when the build has none)."""
    path = Path(build_dir) / STORE_DIR
    if not (path / "CURRENT").is_file() or not (Path(build_dir) / STORE_INFO).is_file():
        raise BuildInvalid(
            f"the build in {build_dir} has no store ({STORE_DIR}/, {STORE_INFO}): "
            "run `reformkg build`"
        )
    return path


@dataclass(frozen=True)
class StoreInfo:
    """What the store holds, as counted when it was written (build/store.json)."""

    quads: int  # the dataset's quads (dataset.nq), the default graph's copy not counted
    graphs: dict[str, int]  # quads per named graph
    default_graph_triples: int  # the union of the asserted graphs

    @classmethod
    def read(cls, build_dir: Path) -> StoreInfo:
        data = json.loads((Path(build_dir) / STORE_INFO).read_text(encoding="utf-8"))
        return cls(int(data["quads"]), dict(data["graphs"]), int(data["default_graph_triples"]))


class BuildStore:
    """A build's store, read-only, with the product's datasets (see the module docstring).

    `query` takes pyoxigraph's keyword arguments: without a dataset it answers from the
    default graph (the asserted union); `use_default_graph_as_union=True` answers from the
    asserted union and graph/inferred, which is what the union of the dataset's named graphs
    holds (the asserted graphs share no triple: tests/test_store.py). GRAPH ?g sees the named
    graphs, never the default graph's copy.
    """

    def __init__(self, build_dir: Path) -> None:
        self.path = store_path(build_dir)
        self.info = StoreInfo.read(build_dir)
        self.inner = ox.Store.read_only(str(self.path))

    #: The default graph with inference: the asserted union and the inferred graph.
    WITH_INFERENCE: list[GraphName] = [ox.DefaultGraph(), ox.NamedNode(str(INFERRED_GRAPH))]

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, Term] | None = None,
    ) -> QueryAnswer:
        if use_default_graph_as_union and default_graph is None:
            default_graph = self.WITH_INFERENCE
        return self.inner.query(
            query,
            base_iri=base_iri,
            default_graph=default_graph,
            named_graphs=named_graphs,
            substitutions=substitutions,
        )

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        return self.inner.named_graphs()

    def __len__(self) -> int:
        """The dataset's quads (as dataset.nq counts them), without a scan."""
        return self.info.quads

    def check(self, manifest: dict[str, Any]) -> None:
        """BuildInvalid, one line, unless the store holds what its build sealed: store.json
        (sealed in the manifest) counts the quads of dataset.nq and names the graphs the store
        lists. The store's own files are not in the manifest (RocksDB writes ids and times into
        them); RocksDB checks their blocks as it reads them."""
        recorded = manifest["files"].get(DATASET_FILE, {}).get("lines")
        graphs = sorted(g.value for g in self.inner.named_graphs())
        if self.info.quads != recorded or graphs != sorted(g for g in self.info.graphs if g):
            raise BuildInvalid(
                f"{self.path} does not hold the dataset {MANIFEST} records "
                f"({self.info.quads} quads in {STORE_INFO}, {recorded} lines in {DATASET_FILE}; "
                f"{len(graphs)} named graphs): run `reformkg build`"
            )


def open_store(build_dir: Path) -> BuildStore:
    """The build's store, opened read-only, in a build checked whole by `open_build` (the
    query workers open it again with `BuildStore`, unchecked: the server checked it)."""
    manifest = open_build(build_dir)
    store = BuildStore(build_dir)
    store.check(manifest)
    return store


def term_value(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | TermTuple | None,
) -> PlainValue | None:
    """A plain Python value for a term: IRIs and strings as str, numbers and booleans typed."""
    if term is None:
        return None
    if isinstance(term, tuple):
        return tuple_value(term)
    if isinstance(term, ox.Literal):
        return literal_value(term.value, term.datatype.value)
    return term.value


def literal_value(value: str, datatype: str) -> PlainValue:
    """A typed literal's plain value: numbers and booleans typed, anything else its text."""
    return literal_reader(datatype)(value)


_INTEGERS = {"integer", "int", "long", "nonNegativeInteger", "positiveInteger", "short"}
_DECIMALS = {"decimal", "double", "float"}


def _number_or_text(kind: Callable[[str], int | float]) -> Callable[[str], PlainValue]:
    def read(value: str) -> PlainValue:
        try:
            return kind(value)
        except ValueError:  # an ill-typed literal ("abc"^^xsd:integer) keeps its text
            return value

    return read


def _text(value: str) -> PlainValue:
    return value


def _boolean(value: str) -> PlainValue:
    return value in {"true", "1"}


@functools.lru_cache(maxsize=256)
def literal_reader(datatype: str) -> Callable[[str], PlainValue]:
    """The reading of a datatype's literals into plain values (`literal_value`), chosen once
    per datatype: an answer's rows are read cell by cell, in the worker."""
    dt = datatype.rsplit("#", 1)[-1]
    if dt in _INTEGERS:
        return _number_or_text(int)
    if dt in _DECIMALS:
        return _number_or_text(float)
    if dt == "boolean":
        return _boolean
    return _text


def tuple_value(term: TermTuple | None) -> PlainValue | None:
    """`term_value` for a term tuple (see TermTuple)."""
    if term is None:
        return None
    if term[0] == "literal":
        return literal_value(term[1], term[2])
    return term[1]


def select(
    store: SparqlStore,
    query: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    *,
    union: bool = True,
) -> list[Row]:
    """Run a SELECT and return rows of plain values.

    `bindings` are bound as RDF terms (substitution), never pasted into the query text."""
    subs: dict[ox.Variable, Term] = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    result = solutions(
        store.query(query, use_default_graph_as_union=union, substitutions=subs or None)
    )
    names = [v.value for v in result.variables]
    return [{n: term_value(sol[n]) for n in names} for sol in result]


def as_int(value: PlainValue | None) -> int:
    """An integer column (xsd:integer in the graph) as int; TypeError for any other value."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"an integer was expected, not {value!r}")


def optional_int(value: PlainValue | None) -> int | None:
    """`as_int` for a column that may be unbound."""
    return None if value is None else as_int(value)


def as_number(value: PlainValue | None) -> float:
    """A numeric column as it came (int or float); TypeError for any other value."""
    if isinstance(value, int | float):
        return value
    raise TypeError(f"a number was expected, not {value!r}")


def optional_number(value: PlainValue | None) -> float | None:
    """`as_number` for a column that may be unbound."""
    return None if value is None else as_number(value)


def optional_str(value: PlainValue | None) -> str | None:
    """A text or IRI column that may be unbound, as str."""
    return None if value is None else str(value)


# --------------------------------------------------------------------------- terms as tuples


@overload
def to_tuple(term: None) -> None: ...
@overload
def to_tuple(term: Term) -> TermTuple: ...
def to_tuple(term: Term | None) -> TermTuple | None:
    """A pyoxigraph term as a TermTuple (None stays None: an unbound variable)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language)
    raise TypeError(f"unsupported term in results: {term!r}")


def from_tuple(term: TermTuple) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for a TermTuple."""
    if term[0] == "uri":
        return ox.NamedNode(term[1])
    if term[0] == "bnode":
        return ox.BlankNode(term[1])
    if term[3]:
        return ox.Literal(term[1], language=term[3])
    return ox.Literal(term[1], datatype=ox.NamedNode(term[2]))


# --------------------------------------------------------------------------- the dataset


@dataclass(frozen=True)
class Dataset:
    """The store's named graphs, listed once at start: which are asserted and which inferred."""

    graphs: tuple[str, ...]
    counts: dict[str, int]

    @property
    def asserted(self) -> list[str]:
        return [g for g in self.graphs if g != str(INFERRED_GRAPH)]

    @property
    def has_inferred(self) -> bool:
        return str(INFERRED_GRAPH) in self.graphs


def load_dataset(store: SparqlStore) -> Dataset:
    """List the graphs and their sizes (for the dataset switch and the service description):
    from the build's count for its store, by a query for any other."""
    if isinstance(store, BuildStore):
        counts = {g: n for g, n in store.info.graphs.items() if g.startswith(str(GRAPH))}
        return Dataset(tuple(sorted(counts)), counts)
    rows = solutions(
        store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    )
    counts = {r["g"].value: int(r["n"].value) for r in rows if r["g"].value.startswith(str(GRAPH))}
    return Dataset(tuple(sorted(counts)), counts)
