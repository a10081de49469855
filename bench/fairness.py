"""Throughput with runaway queries in flight (issue 13 #2): the pool stays fair under load.

8 clients cycle through the named questions over HTTP for a while, once alone and once while
2 runaway queries (a triple cross product no machine finishes) are kept in flight: each
runaway is sent again as soon as it comes back (stopped at the time limit, or at the grace time
when the long-query places are taken). The figures: requests per second answered, errors
among the questions (the cheap queries: they must be 0), what happened to the runaways, and
the server's memory (PSS of the whole process tree) sampled every few seconds, to see it flat.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.compare import load
from bench.memory import pss_tree
from bench.queries import ACCEPT, default_params, query_specs

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def run(
    base: str,
    server_pid: int,
    queries_dir: Path,
    seconds: float,
    runaways: int = 2,
    settle: Callable[[], None] = lambda: None,
) -> dict:
    """The run's figures; `settle()` waits for the pool to be back at rest (its extra workers
    leave after their idle time) before the last memory sample, so "back to rest after the run"
    measures the pool, not how soon the sample came."""
    targets = [(f"/queries/{s.name}", default_params(s)) for s in query_specs(queries_dir)]
    stop = threading.Event()
    outcomes: Counter[str] = Counter()
    samples: list[float] = []

    def runaway() -> None:
        with httpx.Client(timeout=600) as client:
            while not stop.is_set():
                response = client.get(f"{base}/sparql", params={"query": RUNAWAY})
                kind = "200" if response.status_code == 200 else response.json()["error"]["type"]
                outcomes[kind] += 1

    def sample() -> None:
        while not stop.wait(5.0):
            samples.append(pss_tree(server_pid)["total_pss_mb"])

    def send(client: httpx.Client, i: int) -> str:
        url, params = targets[i % len(targets)]
        return str(client.get(base + url, params=params, headers=ACCEPT).status_code)

    samples.append(pss_tree(server_pid)["total_pss_mb"])
    helpers = [threading.Thread(target=runaway) for _ in range(runaways)]
    helpers.append(threading.Thread(target=sample))
    for t in helpers:
        t.start()
    figures = load(send, seconds=seconds)
    stop.set()
    for t in helpers:
        t.join()
    settle()
    samples.append(pss_tree(server_pid)["total_pss_mb"])
    return figures | {"runaways": runaways, "runaway_outcomes": dict(outcomes), "pss_mb": samples}
