"""Print what slow-header clients do to the server: N connections that never finish their
request head, how fast others are served meanwhile, and when the server has closed them all.

    .venv/bin/python -m bench.bench_slow_clients --build build [--clients 500] [--timeout 10]

The server is the product's (`reformkg serve`, through bench.server.start_server) with
REFORMKG_CLIENT_TIMEOUT set to `--timeout`. A figure, not a test: the behaviour is tested in
tests/test_hardening_http.py.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

from bench.server import start_server, stop_server


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a build folder")
    parser.add_argument("--clients", type=int, default=500, help="slow-header connections")
    parser.add_argument("--timeout", type=float, default=10.0, help="REFORMKG_CLIENT_TIMEOUT")
    args = parser.parse_args()
    os.environ["REFORMKG_CLIENT_TIMEOUT"] = str(args.timeout)
    os.environ.setdefault("REFORMKG_WARM_VIEWS", "0")
    proc, base = start_server(args.build)
    server = psutil.Process(proc.pid)
    url = urlsplit(base)
    try:
        with httpx.Client() as client:
            idle = [_timed(client, base) for _ in range(20)]
            rss = server.memory_info().rss
            started = time.monotonic()
            slow = []
            for _ in range(args.clients):
                sock = socket.create_connection((url.hostname, url.port))
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
                slow.append(sock)
            busy = [_timed(client, base) for _ in range(20)]
            rss_busy = server.memory_info().rss
        closed = _wait_closed(slow, deadline=started + args.timeout + 60)
        print(
            f"/healthz alone: median {statistics.median(idle) * 1000:.1f} ms; with "
            f"{args.clients} slow-header connections open: median "
            f"{statistics.median(busy) * 1000:.1f} ms, max {max(busy) * 1000:.1f} ms"
        )
        print(
            f"server memory {rss / 2**20:.0f} MB → {rss_busy / 2**20:.0f} MB with them open; "
            f"{len(closed)} of {args.clients} closed by the server, the last "
            f"{max(closed, default=float('nan')) - started:.2f} s after the first was opened "
            f"(limit {args.timeout:g} s)"
        )
    finally:
        stop_server(proc)


def _timed(client: httpx.Client, base: str) -> float:
    t0 = time.perf_counter()
    client.get(base + "/healthz").raise_for_status()
    return time.perf_counter() - t0


def _wait_closed(socks: list[socket.socket], deadline: float) -> list[float]:
    """The moments the server closed each connection (until `deadline`)."""
    selector = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    closed: list[float] = []
    while len(closed) < len(socks) and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                closed.append(time.monotonic())
                selector.unregister(sock)
                sock.close()
    for sock in socks:
        sock.close()
    return closed


if __name__ == "__main__":
    main()
