"""Print what oversized searches cost the web process: one 10,000-word GET, four 1,000-word
searches in parallel, an ordinary two-word search beside them, and the largest search the
limits accept.

    .venv/bin/python -m bench.bench_search --build build [--words 10000] [--parallel 4]

The words are ten random lowercase letters each (fixed seed), as in issue 13's report: 10,000
of them make a 110 kB query string, and every one reaches the index's bigram matching, the
costly path. The server is the product's
(`bench.server.start_server`); its CPU time is read from the operating system before and after
each step (psutil). A figure, not a test: the limits themselves are tested in
tests/test_hardening_http.py.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import random
import string
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil

from bench.server import start_server, stop_server


def words(count: int, seed: int = 1) -> list[str]:
    """`count` words of ten random lowercase letters, drawn with a fixed seed."""
    rng = random.Random(seed)
    return ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(count)]


def cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def search(base: str, q: str) -> tuple[int, float, str]:
    """Status, wall seconds and the start of the answer of one GET /search?format=json.

    Sent with http.client: httpx refuses a query string over 64 kB before sending it."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=600)
    started = time.perf_counter()
    try:
        conn.request("GET", "/search?" + urlencode({"q": q, "format": "json"}))
        r = conn.getresponse()
        status, body = r.status, r.read()[:160].decode(errors="replace")
    except OSError as err:
        status, body = 0, f"{type(err).__name__}: {err}"
    finally:
        conn.close()
    return status, time.perf_counter() - started, body


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a build folder")
    parser.add_argument("--words", type=int, default=10_000, help="words of the one long GET")
    parser.add_argument("--parallel", type=int, default=4, help="parallel 1,000-word searches")
    args = parser.parse_args()
    proc, base = start_server(args.build)
    server = psutil.Process(proc.pid)
    try:
        pool = words(max(args.words, 1000 * args.parallel))
        search(base, "营商环境")  # the index is built on first use: not part of the figures
        t0 = cpu(server)
        q = " ".join(pool[: args.words])
        status, wall, body = search(base, q)
        print(
            f"one GET of {args.words} words ({len(urlencode({'q': q}))} bytes "
            f"of query string): HTTP {status} in {wall:.2f} s wall, "
            f"{cpu(server) - t0:.2f} s server CPU; {body!r}"
        )
        t0 = cpu(server)
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.parallel + 1) as ex:
            heavy = [
                ex.submit(search, base, " ".join(pool[i * 1000 : (i + 1) * 1000]))
                for i in range(args.parallel)
            ]
            time.sleep(0.2)
            light = ex.submit(search, base, "开办 企业")
            answers = [f.result() for f in heavy]
            light_status, light_wall, _ = light.result()
        print(
            f"{args.parallel} searches of 1000 words in parallel: statuses "
            f"{sorted(a[0] for a in answers)}, slowest {max(a[1] for a in answers):.2f} s, "
            f"all done after {time.perf_counter() - started:.2f} s wall, "
            f"{cpu(server) - t0:.2f} s server CPU; {answers[0][2]!r}"
        )
        print(f"a two-word search sent meanwhile: HTTP {light_status} in {light_wall:.2f} s")
        # the costliest search still accepted: 20 words of 9 letters, 199 characters
        widest = " ".join(w[:9] for w in pool[:20])
        t0 = cpu(server)
        status, wall, body = search(base, widest)
        print(
            f"the largest search accepted ({len(widest.split())} words, {len(widest)} "
            f"characters): HTTP {status} in {wall:.2f} s wall, {cpu(server) - t0:.2f} s server CPU"
        )
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
