"""The query pool under load and at its limits, over real HTTP (issue 13, items 2 and 6).

Each test starts its own uvicorn with the limits it needs. Nothing here measures time: the
assertions are about order ("the cheap query was answered while two runaways were still in
flight") and about what the server says (status, error type, headers), so a slow or busy
machine cannot make them pass or fail. A runaway is a triple cross product that no machine
finishes within the limits.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK {}"
# an ORDER BY over a cross product: pyoxigraph keeps every row to sort them
GREEDY = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"


SERVERS: dict[str, int] = {}  # base URL → uvicorn's pid


def _server(build_dir: Path, **env: str) -> Iterator[str]:
    from conftest import start_server

    proc, base = start_server(build_dir, {f"REFORMKG_{k.upper()}": v for k, v in env.items()})
    SERVERS[base] = proc.pid
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _health(base: str) -> dict:
    return httpx.get(f"{base}/healthz", timeout=10).json()


def _wait_for(base: str, test, what: str, seconds: float = 60) -> dict:
    """Poll /healthz until `test(state)` holds (a state to reach, not a time to measure)."""
    deadline = time.monotonic() + seconds
    while True:
        state = _health(base)
        if test(state):
            return state
        assert time.monotonic() < deadline, f"never reached: {what}; last {state}"
        time.sleep(0.05)


class Request(threading.Thread):
    """One /sparql request in a thread; `response` is set when it comes back."""

    def __init__(self, base: str, query: str) -> None:
        super().__init__(daemon=True)
        self.base, self.query = base, query
        self.response: httpx.Response | None = None

    def run(self) -> None:
        self.response = httpx.get(f"{self.base}/sparql", params={"query": self.query}, timeout=120)


def _send(base: str, query: str) -> Request:
    request = Request(base, query)
    request.start()
    return request


# --------------------------------------------------------------------------- fairness


@pytest.fixture(scope="module")
def fair_server(build_dir: Path) -> Iterator[str]:
    """Two workers (up to five while queries run long), a 6 s limit, long after 0.5 s."""
    yield from _server(build_dir, query_workers="2", sparql_timeout="6", warm_views="0")


def test_cheap_query_answers_while_workers_plus_one_runaways_run(fair_server: str) -> None:
    """Issue 13 #2: with as many runaways as workers plus one in flight, a cheap query is
    answered while they all still run; each runaway runs to its own limit. (Before: the cheap
    query waited for a worker until a runaway's limit, then had no time left: 503.)"""
    base = fair_server
    _wait_for(base, lambda s: s["ready"] and s["pool"]["standby"], "workers ready")
    runaways = [_send(base, RUNAWAY) for _ in range(3)]
    _wait_for(base, lambda s: s["pool"]["long"] == 3, "three long queries")
    cheap = httpx.get(f"{base}/sparql", params={"query": CHEAP}, timeout=60)
    in_flight = [r for r in runaways if r.response is None]
    assert cheap.status_code == 200 and cheap.json()["boolean"] is True
    assert len(in_flight) == 3, "the cheap query should not wait for the runaways"
    for r in runaways:
        r.join()
        assert r.response.json()["error"]["type"] == "timeout"
    _wait_for(base, lambda s: s["pool"]["workers"] == 2, "back to two workers", seconds=120)


@pytest.fixture(scope="module")
def queued_server(build_dir: Path) -> Iterator[str]:
    """One worker, a 4 s limit, no query counted long before its limit (grace = limit, so no
    worker joins), one request allowed to wait."""
    yield from _server(
        build_dir,
        query_workers="1",
        sparql_timeout="4",
        query_grace="4",
        query_queue="1",
        warm_views="0",
    )


def test_queue_time_does_not_count_against_the_limit(queued_server: str) -> None:
    """Issue 13 #2: a query that waits in line for a worker still gets its whole time limit.
    A runaway holds the worker until its limit; a cheap query sent meanwhile waits that long,
    then runs, and is answered. (Before: the wait used up its limit: 503.) With the line full,
    the next request is refused at once with Retry-After, and readiness says so."""
    base = queued_server
    _wait_for(base, lambda s: s["ready"] and s["pool"]["standby"], "workers ready")
    runaway = _send(base, RUNAWAY)
    _wait_for(base, lambda s: s["pool"]["busy"] == 1, "the worker busy")
    cheap = _send(base, CHEAP)
    _wait_for(base, lambda s: s["pool"]["waiting"] == 1, "the cheap query in line")
    refused = httpx.get(f"{base}/sparql", params={"query": CHEAP}, timeout=60)
    ready = httpx.get(f"{base}/healthz/ready", timeout=10)
    live = httpx.get(f"{base}/healthz/live", timeout=10)
    state = _health(base)
    assert runaway.response is None and cheap.response is None, "answered before the runaway"
    assert refused.status_code == 503 and refused.json()["error"]["type"] == "busy"
    assert int(refused.headers["retry-after"]) >= 1
    assert ready.status_code == 503 and "retry-after" in ready.headers
    assert live.status_code == 200 and live.json()["live"] is True
    assert state["live"] is True and state["ready"] is False
    assert state["pool"]["saturated"] is True and state["status"] == "busy"
    cheap.join()
    assert cheap.response.status_code == 200, cheap.response.text
    runaway.join()
    assert runaway.response.json()["error"]["type"] == "timeout"
    _wait_for(base, lambda s: s["ready"], "ready again")


# --------------------------------------------------------------------------- bounds


@pytest.fixture(scope="module")
def bounded_server(build_dir: Path) -> Iterator[str]:
    """A 20 kB answer cap and 200 MB of memory per query."""
    yield from _server(
        build_dir,
        sparql_max_bytes="20000",
        query_memory_mb="200",
        sparql_timeout="30",
        query_grace="30",
        warm_views="0",
    )


def test_answer_is_cut_at_the_byte_cap_and_says_so(bounded_server: str) -> None:
    """Issue 13 #6: the row cap did not bound bytes. A long answer is cut at a whole row under
    the cap, still valid, and flagged like the row cap."""
    response = httpx.get(
        f"{bounded_server}/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, timeout=60
    )
    assert response.status_code == 200
    assert len(response.content) <= 20000
    rows = response.json()["results"]["bindings"]
    assert 0 < len(rows) < 10000
    assert "20000 bytes" in response.headers["x-reformkg-truncated"]
    for fmt in ("xml", "csv", "tsv"):
        other = httpx.get(
            f"{bounded_server}/sparql",
            params={"query": "SELECT * { ?s ?p ?o }", "format": fmt},
            timeout=60,
        )
        assert len(other.content) <= 20000 and "x-reformkg-truncated" in other.headers
    graph = httpx.get(
        f"{bounded_server}/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"},
        timeout=60,
    )
    assert len(graph.content) <= 20000 and "bytes" in graph.headers["x-reformkg-truncated"]


def test_one_huge_row_is_cut_too(bounded_server: str) -> None:
    """A single row larger than the cap (every label in one GROUP_CONCAT) is not sent."""
    query = (
        "SELECT (GROUP_CONCAT(?l) AS ?all) "
        "WHERE { ?m <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    response = httpx.get(f"{bounded_server}/sparql", params={"query": query}, timeout=60)
    assert response.status_code == 200 and len(response.content) <= 20000
    assert response.json()["results"]["bindings"] == []
    assert "bytes" in response.headers["x-reformkg-truncated"]


def test_named_question_is_cut_at_the_byte_cap(bounded_server: str) -> None:
    response = httpx.get(f"{bounded_server}/queries/measures-without-lead", timeout=60)
    answer = response.json()
    assert response.status_code == 200 and len(response.content) <= 20000
    assert answer["truncated"] is True and "bytes" in response.headers["x-reformkg-truncated"]
    full = httpx.get(f"{bounded_server}/queries/measures-without-lead?format=csv", timeout=60)
    assert len(full.content) <= 20000


def test_memory_limit_stops_the_query_with_a_clear_error(bounded_server: str) -> None:
    """Issue 13 #6: a worker grew to 2.4 GB before the timeout. Now a query whose worker
    passes the limit is stopped, its worker replaced, and the client told why."""
    before = set(_worker_pids(bounded_server))
    response = httpx.get(f"{bounded_server}/sparql", params={"query": GREEDY}, timeout=120)
    assert response.status_code == 503, response.text[:300]
    error = response.json()["error"]
    assert error["type"] == "memory-limit" and "200 MB" in error["message"]
    _wait_for(bounded_server, lambda s: s["pool"]["standby"] == 1, "replaced")
    assert before - set(_worker_pids(bounded_server)), "the worker was not stopped"
    assert httpx.get(f"{bounded_server}/sparql", params={"query": CHEAP}).status_code == 200


def _worker_pids(base: str) -> list[int]:
    return [c.pid for c in psutil.Process(SERVERS[base]).children()]


def test_deep_nesting_is_400_not_a_dead_worker(live_server: str) -> None:
    """Issue 13 #6: 10,000 nested groups killed the worker and answered 500."""
    deep = "SELECT * WHERE " + "{" * 10_000 + " ?s ?p ?o " + "}" * 10_000
    response = httpx.post(f"{live_server}/sparql", data={"query": deep}, timeout=60)
    assert response.status_code == 400, response.text[:300]
    assert "10000 levels" in response.json()["error"]["message"]
    flat = "SELECT * WHERE { " + " UNION ".join(["{ ?s a ?o }"] * 3000) + " } LIMIT 1"
    assert httpx.post(f"{live_server}/sparql", data={"query": flat}, timeout=60).status_code == 200


def test_error_bodies_name_no_python_class(live_server: str) -> None:
    """Issue 13 #6: 500 bodies carried exception class names (RuntimeError: …)."""
    query = "SELECT (<http://example.org/no-such-function>(1) AS ?x) {}"
    response = httpx.get(f"{live_server}/sparql", params={"query": query}, timeout=60)
    assert response.status_code == 500
    message = response.json()["error"]["message"]
    assert "no-such-function" in message
    assert not any(word in message for word in ("Error:", "Exception", "Traceback"))
    assert json.loads(response.text)["error"]["type"] == "query-failed"
