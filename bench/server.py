"""A real uvicorn server on 127.0.0.1 for the benchmark (the same command tests/conftest.py uses).

Kept here rather than imported from tests/, so that `reformkg bench` does not depend on the
test tree being importable.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    build_dir: Path,
    ready_seconds: float = 600,
    env: dict[str, str] | None = None,
    probe: str = "/healthz",
) -> tuple[subprocess.Popen, str]:
    """Start uvicorn serving `build_dir`; return the process and its base URL once `probe`
    answers 200 (`first_answer` times that)."""
    proc, base, _ = first_answer(build_dir, ready_seconds, env, probe)
    return proc, base


def first_answer(
    build_dir: Path,
    ready_seconds: float = 600,
    env: dict[str, str] | None = None,
    probe: str = "/healthz",
) -> tuple[subprocess.Popen, str, float]:
    """Start the server and return it, its base URL and the seconds from starting the process
    to the first 200 answer of `probe` (the cold start, when `probe` is a question)."""
    port = free_port()
    env = {**os.environ, "REFORMKG_BUILD": str(build_dir), **(env or {})}
    started = time.perf_counter()
    proc = subprocess.Popen(
        # `reformkg serve`: uvicorn with the product's bounded protocol (reformkg.web.server)
        [sys.executable, "-m", "reformkg.cli", "serve", "--no-build", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the banner; warnings and errors go to stderr
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}")
        try:
            if httpx.get(base + probe, timeout=30).status_code == 200:
                return proc, base, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    stop_server(proc)
    raise RuntimeError(f"uvicorn did not become ready within {ready_seconds:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
