"""The store: a pyoxigraph Store loaded from the build output, or an external SPARQL 1.1 server.

Every reader (API, analytics, views, CLI queries) goes through `open_store` and `select`, so
what the views show is exactly what SPARQL returns. `evaluate` is the one function that runs
a query and turns its answer into plain picklable values (term tuples, N-Triples bytes): the
endpoint runs it inside worker processes (`graph.query_pool` lives in `QueryPool` below) so a
query that runs too long can be killed, and the remote backend feeds it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from graph.namespace import GRAPH

DATASET_FILE = "dataset.nq"

# A term as plain values: ("uri", iri) | ("bnode", id) | ("literal", lexical, datatype, lang).
# Tuples pickle cheaply between the query workers and the web process.
TermTuple = tuple


def open_store(build_dir: Path) -> ox.Store:
    """Load the built dataset (all named graphs, asserted and inferred) into an in-memory store."""
    store = ox.Store()
    store.bulk_load(path=str(Path(build_dir) / DATASET_FILE), format=ox.RdfFormat.N_QUADS)
    return store


def term_value(term: object) -> object:
    """A plain Python value for a term: IRIs and strings as str, numbers and booleans typed."""
    if term is None:
        return None
    if isinstance(term, tuple):
        return tuple_value(term)
    if isinstance(term, ox.Literal):
        return _literal_value(term.value, term.datatype.value)
    return term.value


def _literal_value(value: str, datatype: str) -> object:
    dt = datatype.rsplit("#", 1)[-1]
    try:
        if dt in {"integer", "int", "long", "nonNegativeInteger", "positiveInteger", "short"}:
            return int(value)
        if dt in {"decimal", "double", "float"}:
            return float(value)
    except ValueError:
        return value
    if dt == "boolean":
        return value in {"true", "1"}
    return value


def tuple_value(term: TermTuple | None) -> object:
    """`term_value` for a term tuple (see TermTuple)."""
    if term is None:
        return None
    if term[0] == "literal":
        return _literal_value(term[1], term[2])
    return term[1]


def select(
    store: ox.Store,
    query: str,
    bindings: dict[str, ox.NamedNode | ox.Literal] | None = None,
    *,
    union: bool = True,
) -> list[dict[str, object]]:
    """Run a SELECT and return rows of plain values.

    `bindings` are bound as RDF terms (substitution), never pasted into the query text."""
    subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    result = store.query(query, use_default_graph_as_union=union, substitutions=subs or None)
    names = [v.value for v in result.variables]
    return [{n: term_value(sol[n]) for n in names} for sol in result]


# --------------------------------------------------------------------------- terms as tuples


def to_tuple(term: object) -> TermTuple | None:
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
    kind = term[0]
    if kind == "uri":
        return ox.NamedNode(term[1])
    if kind == "bnode":
        return ox.BlankNode(term[1])
    if term[3]:
        return ox.Literal(term[1], language=term[3])
    return ox.Literal(term[1], datatype=ox.NamedNode(term[2]))


# --------------------------------------------------------------------------- evaluation


@dataclass
class QueryJob:
    """One query to run, with its dataset. Graph lists hold IRIs; None means the store's choice.

    `default_graph=None` with `union=True` takes the union of every named graph as the default
    graph; a list takes the union of those graphs. `dataset` picks the store: "asserted" (the
    asserted graphs only, the endpoint's default) or "all" (with graph/inferred). Asking one
    store for the union of its graphs is 3-10x faster in pyoxigraph than listing the graphs,
    so the asserted-only dataset is a store of its own (see `Stores`).
    """

    query: str
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    union: bool = True
    substitutions: dict[str, TermTuple] = field(default_factory=dict)
    rdf_format: str = "N_TRIPLES"  # serialisation of CONSTRUCT/DESCRIBE answers (RdfFormat name)
    max_rows: int = 10_000
    base_iri: str | None = None  # resolves relative IRIs in the query (the endpoint's URL)
    from_query: bool = False  # the query's own FROM / FROM NAMED choose the dataset
    dataset: str = "all"  # "asserted" or "all"


@dataclass
class Outcome:
    """A query's answer in plain values: `kind` is select, ask or graph."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[TermTuple | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: bytes = b""
    count: int = 0
    truncated: bool = False


@dataclass
class Stores:
    """The two datasets the endpoint serves, each shaped for speed.

    `all` is the loaded store (every graph, graph/inferred too), asked for the union of its
    graphs. `asserted` holds the union of the asserted graphs in its default graph, plus those
    named graphs: pyoxigraph answers from one default graph 1-3x faster than from a union of
    graphs (and 3-10x faster than from a listed set of graphs), at the cost of a second copy of
    the asserted triples (docs/store-choice.md).
    """

    all: ox.Store
    asserted: ox.Store

    @classmethod
    def of(cls, store: ox.Store) -> Stores:
        from graph.namespace import INFERRED_GRAPH

        inferred = ox.NamedNode(str(INFERRED_GRAPH))
        default = ox.DefaultGraph()

        def quads():
            for q in store:
                if q.graph_name != inferred:
                    yield q
                    yield ox.Quad(q.subject, q.predicate, q.object, default)

        asserted = ox.Store()
        asserted.bulk_extend(quads())
        return cls(store, asserted)


def _pick(store, job: QueryJob):
    """The store to ask and the `query` keyword arguments that choose the dataset."""
    kwargs: dict = {}
    explicit = job.default_graph is not None or job.from_query
    if isinstance(store, Stores):
        if job.dataset == "asserted" and not explicit:
            return store.asserted, kwargs  # its default graph is the asserted union
        store = store.all
    elif isinstance(store, RemoteStore) and job.dataset == "asserted" and not explicit:
        from graph.namespace import INFERRED_GRAPH

        asserted = [ox.NamedNode(g) for g in store.graphs() if g != str(INFERRED_GRAPH)]
        return store, {"default_graph": asserted, "named_graphs": asserted}
    kwargs["use_default_graph_as_union"] = job.union and not explicit
    if job.default_graph is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph]
    return store, kwargs


def evaluate(store: ox.Store | RemoteStore | Stores, job: QueryJob) -> Outcome:
    """Run `job` and cap the answer at `job.max_rows` rows or triples (`truncated` says so).

    Raises SyntaxError with the parser's message and position for a malformed query.
    """
    store, kwargs = _pick(store, job)
    if job.base_iri:
        kwargs["base_iri"] = job.base_iri
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.substitutions:
        kwargs["substitutions"] = {
            ox.Variable(k): from_tuple(v) for k, v in job.substitutions.items()
        }
    result = store.query(job.query, **kwargs)
    if isinstance(result, ox.QueryBoolean | bool):
        return Outcome("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == job.max_rows:
                return Outcome("select", names, rows, count=len(rows), truncated=True)
            rows.append(tuple(to_tuple(solution[n]) for n in names))
        return Outcome("select", names, rows, count=len(rows))
    triples = []
    truncated = False
    for triple in result:
        if len(triples) == job.max_rows:
            truncated = True
            break
        triples.append(triple)
    body = ox.serialize(triples, format=getattr(ox.RdfFormat, job.rdf_format)) or b""
    return Outcome("graph", graph=body, count=len(triples), truncated=truncated)


# --------------------------------------------------------------------------- remote backend

_LEXEMES = re.compile(
    r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>',
    re.S,
)


def code_only(query: str) -> str:
    """The query with comments, strings and IRIs blanked out (same length, filled with \x01,
    neither space nor word character), so keywords can be found by a plain scan without
    matching words inside a literal or an IRI, and offsets still point into the query."""
    return _LEXEMES.sub(lambda m: "\x01" * len(m.group(0)), query)


_WHERE_OPEN = re.compile(r"(?<![?$:\w])WHERE\s*\{|\{", re.I)
_FORM = re.compile(r"(?<![?$:\w])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:])", re.I)


def inject_values(query: str, substitutions: dict[str, TermTuple]) -> str:
    """The query with a `VALUES` block of the bound terms opening its outermost group.

    For servers that do not take SEP-0007 substitutions: each value is written by pyoxigraph's
    own term serialiser (escaped N-Triples form), so a user's text can never become query code.
    """
    if not substitutions:
        return query
    code = code_only(query)
    form = _FORM.search(code)
    match = _WHERE_OPEN.search(code, form.end() if form else 0)
    if match is None:
        raise ValueError("cannot bind parameters: the query has no group pattern")
    names = sorted(substitutions)
    row = " ".join(str(from_tuple(substitutions[n])) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    return query[: match.end()] + block + query[match.end() :]


def query_form(query: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK (upper case), or None when there is none."""
    match = _FORM.search(code_only(query))
    return match.group(1).upper() if match else None


class RemoteStore:
    """An external SPARQL 1.1 server (Virtuoso, Fuseki, Oxigraph server) seen through the SPARQL
    protocol with the part of pyoxigraph's `Store.query` interface the product uses.

    Only the graphs under https://w3id.org/reformkg/graph/ are this product's: servers such as
    Virtuoso hold system graphs of their own, so "union of all graphs" means union of ours.
    """

    def __init__(
        self,
        query_url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.query_url = query_url
        auth = httpx.DigestAuth(user, password) if user else None
        self._client = httpx.Client(auth=auth, timeout=timeout)
        self._graphs: list[str] | None = None

    def graphs(self) -> list[str]:
        """Our named graphs on the server, sorted (asked once, then cached)."""
        if self._graphs is None:
            prefix = str(GRAPH)
            result = self._post(
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}',
                [],
                [],
                select=True,
            )
            self._graphs = sorted(s["g"].value for s in result)
        return self._graphs

    def named_graphs(self) -> Iterable[ox.NamedNode]:
        return [ox.NamedNode(g) for g in self.graphs()]

    def __len__(self) -> int:
        result = self._post(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            [],
            self.graphs(),
            select=True,
        )
        return int(next(iter(result))["n"].value)

    def query(
        self,
        query: str,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: list | None = None,
        named_graphs: list | None = None,
        substitutions: dict | None = None,
        **_: object,
    ):
        """Run a query remotely; answers come back as pyoxigraph objects (QuerySolutions,
        QueryBoolean, or an iterator of Triples) exactly as from a local store."""
        if substitutions:
            query = inject_values(query, {k.value: to_tuple(v) for k, v in substitutions.items()})
        defaults = [g.value for g in default_graph] if default_graph is not None else self.graphs()
        named = [g.value for g in named_graphs] if named_graphs is not None else self.graphs()
        form = query_form(query)
        return self._post(query, defaults, named, select=form in {"SELECT", "ASK"})

    def _post(self, query: str, defaults: list[str], named: list[str], *, select: bool):
        data = (
            [("query", query)]
            + [("default-graph-uri", g) for g in defaults]
            + [("named-graph-uri", g) for g in named]
        )
        accept = "application/sparql-results+xml" if select else "application/n-triples"
        response = self._client.post(
            self.query_url,
            content=urlencode(data).encode(),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status_code == 400:
            raise SyntaxError(response.text.strip()[:2000])
        response.raise_for_status()
        if select:
            result = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.XML)
            if isinstance(result, ox.QuerySolutions) and [v.value for v in result.variables] == [
                "__ASK_RETVAL"
            ]:  # Virtuoso answers ASK as a one-row SELECT
                return any(s["__ASK_RETVAL"].value not in {"0", "false"} for s in result)
            return result
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        fmt = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
        return iter([q.triple for q in ox.parse(response.content, format=fmt)])

    def close(self) -> None:
        self._client.close()


# --------------------------------------------------------------------------- timed evaluation


class QueryTimeout(Exception):
    """The query ran longer than the configured limit; its worker process was killed."""


class QueryFailed(Exception):
    """The store raised an error other than a syntax error while running the query."""


def _worker_main(store: Stores, conn, parent_pid: int) -> None:
    """A query worker: receives QueryJobs, sends back ("ok", Outcome) or an error pair.

    Forked from the web process, so it shares the loaded store copy-on-write and starts in
    milliseconds; it exits when the web process goes away (polls its parent once a second).
    """
    import contextlib
    import os
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(ValueError):  # not the main thread: no wakeup fd to drop
        signal.set_wakeup_fd(-1)
    while True:
        if not conn.poll(1.0):
            if os.getppid() != parent_pid:
                return
            continue
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", evaluate(store, job))
        except SyntaxError as err:
            reply = ("syntax", str(err))
        except Exception as err:  # noqa: BLE001 - reported to the client as a query failure
            reply = ("error", f"{type(err).__name__}: {err}")
        conn.send(reply)


class _Worker:
    def __init__(self, store: Stores) -> None:
        import multiprocessing
        import os

        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main,
            args=(store, child, os.getpid()),
            daemon=True,
            name="reformkg-query",
        )
        self.proc.start()
        child.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class QueryPool:
    """Runs queries in a few forked worker processes so that a timeout really stops the work.

    pyoxigraph cannot interrupt a running query, and a thread cannot be killed; a process can.
    A query that is not answered within `timeout` seconds has its worker killed (SIGKILL) and
    replaced by a fresh fork. Workers only read the store, so forking while the web process
    reads it too is safe (reader locks do not block readers in the child).
    """

    def __init__(self, store: Stores, size: int = 2, timeout: float = 20.0) -> None:
        import queue

        self.store, self.timeout = store, timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        for _ in range(max(1, size)):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self.store)
        self._all.append(worker)
        self._idle.put(worker)

    def run(self, job: QueryJob, timeout: float | None = None) -> Outcome:
        """Evaluate `job` in a worker; QueryTimeout when it takes longer than the limit
        (waiting for a free worker counts too), SyntaxError / QueryFailed as the store says."""
        import queue
        import time

        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"no query worker became free within {limit:g} s") from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(f"the query ran longer than {limit:g} s and was stopped")
            status, value = worker.conn.recv()
        except BaseException as err:
            worker.kill()
            self._all.remove(worker)
            self._add()
            if isinstance(err, EOFError | OSError):  # killed from outside, or out of memory
                raise QueryFailed("the query worker died while running the query") from None
            raise
        self._idle.put(worker)
        if status == "ok":
            return value
        if status == "syntax":
            raise SyntaxError(value)
        raise QueryFailed(value)

    def pids(self) -> list[int]:
        """Process ids of the current workers (tests check that a timed-out one is gone)."""
        return [w.proc.pid for w in self._all]

    def close(self) -> None:
        for worker in list(self._all):
            worker.kill()
        self._all.clear()


class InlineRunner:
    """The QueryPool interface for a remote store: the HTTP client's timeout bounds the wait,
    and the server's own limit (Virtuoso MaxQueryExecutionTime) stops the work there."""

    def __init__(self, store: RemoteStore, timeout: float = 20.0) -> None:
        self.store, self.timeout = store, timeout

    def run(self, job: QueryJob, timeout: float | None = None) -> Outcome:
        try:
            return evaluate(self.store, job)
        except httpx.TimeoutException:
            raise QueryTimeout(f"the server did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as err:
            raise QueryFailed(f"the SPARQL server failed: {err}") from None

    def pids(self) -> list[int]:
        return []

    def close(self) -> None:
        self.store.close()
