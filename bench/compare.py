"""The endpoint beside Virtuoso: the same questions, paired rounds, the same answers checked.

For each named question, with its declared defaults, the query text is bound as the endpoint
binds it (a VALUES block: `reformkg.graph.query.named.job_for`) and sent
- to ReformKG's `/sparql` (POST, SPARQL JSON),
- to ReformKG's `/queries/{name}` (GET, its JSON),
- to Virtuoso's `/sparql` with `default-graph-uri` = the asserted union (bench/virtuoso.py),
one after the other in a round, the order rotating from round to round; each round gives the
ratios ReformKG / Virtuoso of that round, and the figure is their median (pairing keeps the
ratio meaningful when the shared machine's speed drifts). Answers are compared once per
question: the rows of ReformKG's /sparql and Virtuoso's, as sets, values only (Virtuoso writes
numbers and dates its own way), the parts of a GROUP_CONCAT in any order.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.queries import default_params
from bench.stats import summarise
from reformkg.graph.query.named import job_for, list_queries

SPARQL_JSON = {"Accept": "application/sparql-results+json"}


@dataclass(frozen=True)
class Question:
    name: str
    params: dict[str, str]
    text: str  # the query with its values bound, as the endpoint runs it


def questions(queries_dir: Path) -> list[Question]:
    out = []
    for query in sorted(list_queries(queries_dir), key=lambda q: q.name):
        params = default_params(query)
        out.append(Question(query.name, params, job_for(query, params).query))
    return out


def _cell(binding: dict | None) -> str | None:
    if not binding or binding.get("value", "") == "":
        return None
    value = str(binding["value"])
    if "; " in value:
        return "; ".join(sorted(value.split("; ")))
    try:
        number = float(value)
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return f"{number:.6g}"


def answer_rows(doc: dict) -> list[tuple]:
    """SPARQL JSON results as sorted rows of normalised values."""
    variables = doc["head"]["vars"]
    rows = [tuple(_cell(b.get(v)) for v in variables) for b in doc["results"]["bindings"]]
    return sorted(rows, key=lambda r: tuple("" if c is None else c for c in r))


class Endpoints:
    """Requests to ReformKG and Virtuoso, each returning (seconds, JSON or error text)."""

    def __init__(self, ours: str, virtuoso: str, graph: str) -> None:
        self.ours, self.virtuoso, self.graph = ours, virtuoso, graph
        self.client = httpx.Client(timeout=600)

    def _timed(self, send: Callable[[], httpx.Response]) -> tuple[float, dict | str]:
        started = time.perf_counter()
        response = send()
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            return elapsed, f"HTTP {response.status_code}: {response.text.strip()[:160]}"
        return elapsed, response.json()

    def sparql(self, q: Question) -> tuple[float, dict | str]:
        return self._timed(
            lambda: self.client.post(
                f"{self.ours}/sparql", data={"query": q.text}, headers=SPARQL_JSON
            )
        )

    def named(self, q: Question) -> tuple[float, dict | str]:
        return self._timed(
            lambda: self.client.get(
                f"{self.ours}/queries/{q.name}",
                params=q.params,
                headers={"Accept": "application/json"},
            )
        )

    def virtuoso_query(self, q: Question) -> tuple[float, dict | str]:
        return self._timed(
            lambda: self.client.post(
                self.virtuoso,
                data={"query": q.text, "default-graph-uri": self.graph},
                headers=SPARQL_JSON,
            )
        )


def paired(
    endpoints: Endpoints,
    items: list[Question],
    rounds: int = 15,
    budget: float = 120.0,
    log: Callable[[str], None] = print,
) -> dict[str, dict]:
    """Per question: median paired ratios ReformKG/Virtuoso through /sparql and /queries,
    the medians of each, the number of rounds and whether the answers agree."""
    out: dict[str, dict] = {}
    for q in items:
        runs = [endpoints.sparql, endpoints.named, endpoints.virtuoso_query]
        first = [run(q) for run in runs]  # warm-up, and the answers to compare
        figure: dict = {"rows": None}
        ours, named, virt = (r[1] for r in first)
        if isinstance(ours, str) or isinstance(named, str):
            out[q.name] = {"error": ours if isinstance(ours, str) else named}
            log(f"  {q.name}: ReformKG {out[q.name]['error']}")
            continue
        figure["rows"] = len(ours["results"]["bindings"])
        if isinstance(virt, str):
            figure["virtuoso_error"] = virt
        else:
            figure["same_answers"] = answer_rows(ours) == answer_rows(virt)
            figure["virtuoso_rows"] = len(virt["results"]["bindings"])
        times: dict[str, list[float]] = {"sparql": [], "queries": [], "virtuoso": []}
        # a round that failed (an HTTP error, a timeout) is timed too, and counted: a median
        # over rounds some of which were 503s would hide that the question failed
        failed = {"sparql": 0, "queries": 0, "virtuoso": 0}
        started = time.perf_counter()
        for r in range(rounds):
            order = [(r + k) % 3 for k in range(3)]
            got: dict[int, float] = {}
            for k in order:
                got[k], answer = runs[k](q)
                if isinstance(answer, str):
                    failed[("sparql", "queries", "virtuoso")[k]] += 1
            times["sparql"].append(got[0])
            times["queries"].append(got[1])
            times["virtuoso"].append(got[2])
            if r >= 4 and time.perf_counter() - started > budget:
                break
        figure |= {f"{k}_ms": round(statistics.median(v) * 1000, 1) for k, v in times.items()}
        figure["rounds"] = len(times["sparql"])
        figure["failed_rounds"] = {k: n for k, n in failed.items() if n}
        if "virtuoso_error" not in figure:
            for k in ("sparql", "queries"):
                ratios = [a / b for a, b in zip(times[k], times["virtuoso"], strict=True)]
                figure[f"{k}_ratio"] = round(statistics.median(ratios), 3)
        out[q.name] = figure
        log(
            f"  {q.name}: /sparql {figure['sparql_ms']} ms, /queries {figure['queries_ms']} ms, "
            f"Virtuoso {figure['virtuoso_ms']} ms; ratios {figure.get('sparql_ratio', '–')} / "
            f"{figure.get('queries_ratio', '–')}; same answers {figure.get('same_answers', '–')}"
            + (f"; failed rounds {figure['failed_rounds']}" if figure["failed_rounds"] else "")
        )
    return out


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return round(math.exp(statistics.mean(math.log(v) for v in values)), 3) if values else None


def load(
    send: Callable[[httpx.Client, int], str],
    clients: int = 8,
    seconds: float = 10.0,
) -> dict:
    """`clients` threads (one connection each) call `send(client, i)`, which returns the HTTP
    status, in a loop for `seconds`: requests per second answered 200, their p50/p95, errors
    by kind (an HTTP status or an exception's name)."""
    times: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def loop(offset: int) -> None:
        with httpx.Client(timeout=600) as client:
            i = offset
            while time.perf_counter() < stop_at:
                t = time.perf_counter()
                try:
                    outcome = send(client, i)
                except httpx.HTTPError as err:
                    outcome = type(err).__name__
                elapsed = time.perf_counter() - t
                with lock:
                    if outcome == "200":
                        times.append(elapsed)
                    else:
                        errors[outcome] = errors.get(outcome, 0) + 1
                i += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": round(wall, 2),
        "requests": len(times),
        "errors": sum(errors.values()),
        "error_kinds": dict(sorted(errors.items())),
        "rps": round(len(times) / wall, 2),
        **(summarise(times) if times else {}),
    }


def virtuoso_throughput(endpoints: Endpoints, items: list[Question], seconds: float) -> dict:
    """8 clients cycling through the questions on Virtuoso's /sparql."""

    def send(client: httpx.Client, i: int) -> str:
        q = items[i % len(items)]
        response = client.post(
            endpoints.virtuoso,
            data={"query": q.text, "default-graph-uri": endpoints.graph},
            headers=SPARQL_JSON,
        )
        return str(response.status_code)

    return load(send, seconds=seconds)
