"""Shared fixtures: one real build per test session, the real store, a real uvicorn server, a real browser.

Nothing here is a mock: the build runs the whole pipeline on the bundled documents into a
temporary folder, the server is uvicorn on 127.0.0.1 on a free port, and the browser is
Debian's chromium driven by Playwright.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from reformkg.settings import Settings

from checkout import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled data and ontology, with a build folder of this test session's own."""
    return replace(Settings.defaults(), build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def build_result(settings: Settings):
    """The whole pipeline, run once on the five bundled documents."""
    from reformkg.graph.pipeline.build import build

    return build(settings)


@pytest.fixture(scope="session")
def build_dir(settings: Settings, build_result) -> Path:
    return settings.build_dir


@pytest.fixture(scope="session")
def parsed_docs(build_result):
    return build_result.docs


@pytest.fixture(scope="session")
def store(build_dir: Path):
    from reformkg.graph.query.store import open_store

    return open_store(build_dir)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    build_dir: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start uvicorn on 127.0.0.1 with the app on `build_dir`; return the process and its base URL."""
    port = _free_port()
    env = {**os.environ, "REFORMKG_BUILD": str(build_dir), **(extra_env or {})}
    proc = subprocess.Popen(
        # `reformkg serve`: uvicorn with the product's bounded protocol (reformkg.web.server)
        [sys.executable, "-m", "reformkg.cli", "serve", "--no-build", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the banner; warnings and errors go to stderr
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("uvicorn did not become ready within 60 s")


@pytest.fixture(scope="session")
def live_server(build_dir: Path) -> Iterator[str]:
    """Base URL of a real uvicorn server serving the session's build."""
    proc, base = start_server(build_dir)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian chromium driven by Playwright (no browser download). Skipped only outside CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install Debian chromium")
        pytest.skip("Debian chromium is not installed (./dev test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def open_page(browser, width: int = 1400, height: int = 900):
    """A fresh page (and its context) that records console errors in `page.console_errors`."""
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    return context, pg


@pytest.fixture
def page(browser):
    """A fresh page that records console errors in `page.console_errors`."""
    context, pg = open_page(browser)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
