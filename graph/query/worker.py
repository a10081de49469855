"""Serve time: running one query on a store, and the query worker process that does it.

`evaluate` runs a `QueryJob` on the build's store (or a RemoteStore, or a plain pyoxigraph
store) and writes the answer (`reformkg.graph.query.results`). `main` is a worker process of
`reformkg.graph.query.pool.QueryPool`: a fresh interpreter (spawned, not forked) that
1. installs the seccomp filter (`sandbox.install`): it can never open a socket, so no spelling
   of SERVICE reaches the network;
2. opens the build's store read-only, sharing the page cache with every other process;
3. answers jobs from its pipe on a thread with a large stack (deeply nested queries parse
   recursively; 256 MB of stack take what 8 MB cannot, see `STACK_BYTES`), and gives memory
   back to the system after each one (`malloc_trim`), so an idle worker stays small. The
   thread's id goes to the pool with "ready": the pool lowers its priority while it runs a
   long query.
Errors go back as a kind and a message that name no Python class and no path.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Literal, TypeAlias

import pyoxigraph as ox

from reformkg.graph.query import results, sandbox
from reformkg.graph.query.jobs import Answer, QueryJob
from reformkg.graph.query.sparql_text import code_only
from reformkg.graph.query.store import BuildStore, GraphName, SparqlStore, Term, from_tuple
from reformkg.vocab import INFERRED_GRAPH

__all__ = [
    "STACK_BYTES",
    "WorkerReply",
    "dataset_options",
    "evaluate",
    "main",
    "reply_for",
]

#: Stack of the thread that runs queries: pyoxigraph parses and evaluates nested groups
#: recursively; with the default 8 MB a query 10,000 levels deep crashes the process, with
#: this it is answered (the endpoint refuses deeper nesting before, web/sparql.py).
STACK_BYTES = 256 * 1024 * 1024

#: A worker's reply: ("ok", Answer) or (error kind, message). Kinds: syntax (the parser's
#: message), refused (an outbound connection the sandbox stopped), error (anything else).
WorkerReply: TypeAlias = (
    tuple[Literal["ok"], Answer] | tuple[Literal["syntax", "refused", "error"], str]
)

_GRAPH_WORD = re.compile(r"(?<![?$:\w])GRAPH(?![\w:-])", re.I)


def dataset_options(store: SparqlStore, job: QueryJob) -> dict[str, object]:
    """The `query` keyword arguments that give `job` its dataset on `store`."""
    kwargs: dict[str, object] = {}
    if job.default_graph is not None or job.from_query:
        if job.default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph]
        if job.named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        return kwargs  # the protocol's graphs, or the query's FROM / FROM NAMED
    inferred = str(INFERRED_GRAPH)
    if isinstance(store, BuildStore):
        if job.dataset == "all":
            kwargs["use_default_graph_as_union"] = True  # the asserted union + graph/inferred
        elif _GRAPH_WORD.search(code_only(job.query)):
            # the asserted dataset's named graphs leave graph/inferred out; listing them costs
            # a lookup per graph, so only queries that use GRAPH pay it
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in store.info.graphs if g != inferred]
        return kwargs
    if job.dataset == "asserted":  # a RemoteStore, or a plain store of one's own
        graphs = [g.value for g in store.named_graphs() if g.value != inferred]  # type: ignore[attr-defined]
        names: list[GraphName] = [ox.NamedNode(g) for g in graphs]
        kwargs["default_graph"] = names
        kwargs["named_graphs"] = names
    else:
        kwargs["use_default_graph_as_union"] = True
    return kwargs


def evaluate(store: SparqlStore, job: QueryJob) -> Answer:
    """Run `job` and write its answer within the job's caps.

    Raises SyntaxError with the parser's message and position for a malformed query."""
    kwargs = dataset_options(store, job)
    if job.base_iri:
        kwargs["base_iri"] = job.base_iri
    if job.substitutions:
        subs: dict[ox.Variable, Term] = {
            ox.Variable(k): from_tuple(v) for k, v in job.substitutions.items()
        }
        kwargs["substitutions"] = subs
    result = store.query(job.query, **kwargs)  # type: ignore[arg-type]
    return results.render(result, job)


def reply_for(store: SparqlStore, job: QueryJob, hide: str = "") -> WorkerReply:
    """`evaluate` with its errors as a reply: what failed, without class names or `hide` (the
    store's path)."""
    try:
        return ("ok", evaluate(store, job))
    except SyntaxError as err:
        return ("syntax", str(err))
    except Exception as err:  # noqa: BLE001 - reported to the client as a query failure
        message = str(err)
        if sandbox.refused(message):
            return ("refused", "")
        if hide:
            message = message.replace(hide, "the store")
        return ("error", message or "the store could not run the query")


def _trim() -> None:
    """Give freed heap back to the system (glibc keeps it otherwise, and the worker's resident
    memory would stay at its largest query's)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _serve(store: BuildStore, conn: Connection, parent: int) -> None:
    # the pool lowers this thread's priority while it runs a long query: it needs its id
    try:
        conn.send(("ready", os.getpid(), threading.get_native_id()))
    except OSError:  # the pool closed before this standby was ready (the server stopping)
        return
    while True:
        if not conn.poll(1.0):
            if os.getppid() != parent:
                return
            continue
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError):
            return
        reply = reply_for(store, job, str(store.path))
        try:
            if reply[0] == "ok":
                answer = reply[1]
                body, answer.body = answer.body, b""
                conn.send(reply)
                conn.send_bytes(body)
            else:
                conn.send(reply)
        except OSError:  # the pool stopped waiting (the server stopping): nothing to tell
            return
        del reply
        _trim()


def main(build_dir: str, conn: Connection, parent: int) -> None:
    """A query worker's life: sandbox, store, then jobs until the pipe or the parent goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        sandbox.install()
        store = BuildStore(Path(build_dir))
    except Exception as err:  # noqa: BLE001 - the pool reports it and stops
        conn.send(("failed", str(err)))
        return
    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=_serve, args=(store, conn, parent), name="query")
    thread.start()
    thread.join()
