"""Running a query: `evaluate` turns an answer into plain picklable values, and `QueryPool`
runs it in forked worker processes so that a query past its time limit can really be stopped.

The endpoint and the named questions go through here, on the embedded store (`Stores`: the
asserted-only and the with-inference datasets) or on a `RemoteStore`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Literal, TypeAlias, TypedDict

import httpx
import pyoxigraph as ox

from reformkg.errors import QueryFailed, QuerySyntaxError, QueryTimeout
from reformkg.graph.query.remote import RemoteStore
from reformkg.graph.query.store import (
    GraphName,
    SparqlStore,
    Term,
    TermTuple,
    from_tuple,
    to_tuple,
)
from reformkg.vocab import INFERRED_GRAPH


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
        inferred = ox.NamedNode(str(INFERRED_GRAPH))
        default = ox.DefaultGraph()

        def quads() -> Iterator[ox.Quad]:
            q: ox.Quad
            for q in store:
                if q.graph_name != inferred:
                    yield q
                    yield ox.Quad(q.subject, q.predicate, q.object, default)

        asserted = ox.Store()
        asserted.bulk_extend(quads())
        return cls(store, asserted)


class QueryOptions(TypedDict, total=False):
    """Keyword arguments of `SparqlStore.query` that choose the dataset and bind terms."""

    use_default_graph_as_union: bool
    default_graph: list[GraphName]
    named_graphs: list[ox.NamedNode | ox.BlankNode]
    substitutions: dict[ox.Variable, Term]
    base_iri: str


def _pick(
    store: ox.Store | RemoteStore | Stores, job: QueryJob
) -> tuple[SparqlStore, QueryOptions]:
    """The store to ask and the `query` keyword arguments that choose the dataset."""
    kwargs: QueryOptions = {}
    explicit = job.default_graph is not None or job.from_query
    if isinstance(store, Stores):
        if job.dataset == "asserted" and not explicit:
            return store.asserted, kwargs  # its default graph is the asserted union
        store = store.all
    elif isinstance(store, RemoteStore) and job.dataset == "asserted" and not explicit:
        asserted = [g for g in store.graphs() if g != str(INFERRED_GRAPH)]
        return store, {
            "default_graph": [ox.NamedNode(g) for g in asserted],
            "named_graphs": [ox.NamedNode(g) for g in asserted],
        }
    kwargs["use_default_graph_as_union"] = job.union and not explicit
    if job.default_graph is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph]
    return store, kwargs


def evaluate(store: ox.Store | RemoteStore | Stores, job: QueryJob) -> Outcome:
    """Run `job` and cap the answer at `job.max_rows` rows or triples (`truncated` says so).

    Raises SyntaxError with the parser's message and position for a malformed query.
    """
    target, kwargs = _pick(store, job)
    if job.base_iri:
        kwargs["base_iri"] = job.base_iri
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.substitutions:
        kwargs["substitutions"] = {
            ox.Variable(k): from_tuple(v) for k, v in job.substitutions.items()
        }
    result = target.query(job.query, **kwargs)
    if isinstance(result, ox.QueryBoolean | bool):
        return Outcome("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows: list[tuple[TermTuple | None, ...]] = []
        for solution in result:
            if len(rows) == job.max_rows:
                return Outcome("select", names, rows, count=len(rows), truncated=True)
            rows.append(tuple(to_tuple(solution[n]) for n in names))
        return Outcome("select", names, rows, count=len(rows))
    triples: list[ox.Triple] = []
    truncated = False
    for triple in result:
        if len(triples) == job.max_rows:
            truncated = True
            break
        triples.append(triple)
    body = ox.serialize(triples, format=getattr(ox.RdfFormat, job.rdf_format)) or b""
    return Outcome("graph", graph=body, count=len(triples), truncated=truncated)


#: A worker's answer to one job: the outcome, or the error kind and message.
WorkerReply: TypeAlias = tuple[Literal["ok"], Outcome] | tuple[Literal["syntax", "error"], str]


def _worker_main(store: Stores, conn: Connection, parent_pid: int) -> None:
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
        reply: WorkerReply
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
        (waiting for a free worker counts too), QuerySyntaxError / QueryFailed as the store says."""
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
            reply: WorkerReply = worker.conn.recv()
        except BaseException as err:
            worker.kill()
            self._all.remove(worker)
            self._add()
            if isinstance(err, EOFError | OSError):  # killed from outside, or out of memory
                raise QueryFailed("the query worker died while running the query") from None
            raise
        self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "syntax":
            raise QuerySyntaxError(f"query syntax: {reply[1]}")
        raise QueryFailed(reply[1])

    def pids(self) -> list[int]:
        """Process ids of the current workers (tests check that a timed-out one is gone)."""
        return [w.proc.pid for w in self._all if w.proc.pid is not None]

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
        except SyntaxError as err:
            raise QuerySyntaxError(f"query syntax: {err}") from None
        except httpx.TimeoutException:
            raise QueryTimeout(f"the server did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as err:
            raise QueryFailed(f"the SPARQL server failed: {err}") from None

    def pids(self) -> list[int]:
        return []

    def close(self) -> None:
        self.store.close()
