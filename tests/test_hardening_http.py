"""HTTP hygiene and bounds (issue 13, #5 and the HTTP parts of #6), on real servers.

Each test names what failed before: HEAD answered 405 on /, /sparql, /healthz, /viz; no
security headers; a 100–200 kB GET got uvicorn's plain-text 400 (or ran, depending on how the
bytes arrived); `%FF` in a GET ran as U+FFFD; 500 slow-header connections were never closed; a
500 was plain text; one search of 10,000 words cost minutes of the web process's CPU.

Requests the HTTP clients refuse to send (a 200 kB URL) go over a plain socket.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from conftest import start_server

from reformkg.web.guard import CSP

SECURITY = {
    "x-content-type-options": "nosniff",
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def raw_http(base: str, request: bytes, *, chunk: int = 0, timeout: float = 30) -> bytes:
    """Send `request` as bytes (in pieces of `chunk` bytes when given); return all the answer."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        try:
            if chunk:
                for i in range(0, len(request), chunk):
                    sock.sendall(request[i : i + chunk])
            else:
                sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and stop reading before the end: read its answer
        answer = b""
        while data := sock.recv(65536):
            answer += data
    return answer


def parse(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def assert_json_error(status: int, body: bytes | str, expected: int, *words: str) -> dict:
    assert status == expected, body
    error = json.loads(body)["error"]
    assert error["status"] == expected and isinstance(error["message"], str)
    for word in words:
        assert word in error["message"], error
    return error


# --------------------------------------------------------------------------- HEAD, headers

PAGES = [
    "/",
    "/sparql",
    "/sparql?query=ASK%7B%7D",
    "/healthz",
    "/viz",
    "/viz/agencies",
    "/workload",
    "/deadlines",
    "/search?q=%E5%BC%80%E5%8A%9E",
    "/queries",
    "/queries/documents-timeline?format=csv",
    "/id/doc/sz-bizenv-2022-b1",
    "/static/style.css",
    "/ontology",
    "/openapi.json",
]


@pytest.mark.parametrize("path", PAGES)
def test_head_wherever_get_works(live_server: str, path: str) -> None:
    """Found failing: 405 on /, /sparql, /healthz, /viz (FastAPI routes GET only)."""
    get = httpx.get(live_server + path, timeout=60)
    head = httpx.head(live_server + path, timeout=60)
    assert get.status_code == 200
    assert head.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if "content-length" in get.headers:
        assert head.headers["content-length"] == str(len(get.content))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", p) for p in PAGES]
    + [("GET", "/nowhere"), ("PUT", "/sparql"), ("GET", "/sparql?query=SELECT"), ("HEAD", "/")],
)
def test_security_headers_on_every_response(live_server: str, method: str, path: str) -> None:
    """Found failing: none of these headers were sent."""
    response = httpx.request(method, live_server + path, timeout=60)
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (name, response.status_code)


# --------------------------------------------------------------------------- URL checks


@pytest.mark.parametrize("size", [100_000, 200_000])
@pytest.mark.parametrize("chunk", [0, 4096], ids=["one-write", "in-pieces"])
def test_long_get_is_414_in_the_json_shape(live_server: str, size: int, chunk: int) -> None:
    """Found failing: uvicorn's plain-text 400 `Invalid HTTP request received.` (when the head
    arrived in pieces) or a query run (when it arrived in one read)."""
    query = quote("ASK {} #" + "x" * size, safe="")
    request = f"GET /sparql?query={query} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
    status, headers, body = parse(raw_http(live_server, request, chunk=chunk))
    error = assert_json_error(status, body, 414, "POST")
    assert error["type"] == "too-large"
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"


def test_long_headers_are_431(live_server: str) -> None:
    padding = "".join(f"X-Pad-{i}: {'y' * 900}\r\n" for i in range(100))
    request = f"GET /healthz HTTP/1.1\r\nHost: t\r\n{padding}\r\n".encode()
    status, _, body = parse(raw_http(live_server, request, chunk=4096))
    assert_json_error(status, body, 431, "headers")


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%22%FF%22%7D", "'query'"),
        ("/search?q=%E5%BC%80%FF", "'q'"),
        ("/queries/documents-timeline?x%FF=1", "name of parameter"),
        ("/id/doc/%FF", "path"),
    ],
)
def test_get_with_invalid_utf8_is_400(live_server: str, path: str, names: str) -> None:
    """Found failing: `%FF` in a GET ran as U+FFFD (200) where a POST answers 400."""
    response = httpx.get(live_server + path)
    assert_json_error(response.status_code, response.text, 400, "UTF-8", names)
    post = httpx.post(
        live_server + "/sparql",
        content=b"query=ASK%7B%7D%FF",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_json_error(post.status_code, post.text, 400, "UTF-8")


@pytest.mark.parametrize(
    "path", ["/static/x%00", "/static/style.css%00", "/static/..%00/style.css", "/id/%00"]
)
def test_bad_static_paths_are_404(live_server: str, path: str) -> None:
    """Found failing (issue 13, on the Starlette then installed): /static/…%00 answered 500."""
    response = httpx.get(live_server + path)
    assert_json_error(response.status_code, response.text, 404)


# --------------------------------------------------------------------------- slow clients


@pytest.fixture(scope="module")
def impatient_server(build_dir: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A server whose clients have 1 s to send a request head or the next piece of a body,
    and whose searches may run 1 µs."""
    proc, base = start_server(
        build_dir, {"REFORMKG_CLIENT_TIMEOUT": "1", "REFORMKG_SEARCH_TIMEOUT": "0.000001"}
    )
    try:
        yield proc, base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_slow_header_connections_are_closed(impatient_server) -> None:
    """500 connections that never finish their request head, and 20 that send nothing, are
    closed after the client timeout while others are served. Found failing: never closed."""
    _, base = impatient_server
    url = urlsplit(base)
    slow = []
    for _ in range(500):
        sock = socket.create_connection((url.hostname, url.port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        slow.append(sock)
    silent = [socket.create_connection((url.hostname, url.port)) for _ in range(20)]
    assert httpx.get(base + "/healthz", timeout=10).status_code == 200
    answers: dict[socket.socket, bytes] = {}
    open_ = set(slow + silent)
    selector = selectors.DefaultSelector()
    for sock in open_:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    deadline = time.monotonic() + 60  # a bound on the test, not a figure: the limit is 1 s
    while open_ and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            sock = key.fileobj
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if data:
                answers[sock] = answers.get(sock, b"") + data
            else:
                selector.unregister(sock)
                open_.discard(sock)
                sock.close()
    for sock in open_:
        sock.close()
    assert not open_, f"{len(open_)} of 520 connections still open"
    assert all(parse(answers[s])[0] == 408 for s in slow)
    assert not any(s in answers for s in silent)


def test_a_stalled_body_is_closed(impatient_server) -> None:
    _, base = impatient_server
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK"
        )
        answer = b""
        while data := sock.recv(65536):
            answer += data
    status, _, body = parse(answer)
    assert_json_error(status, body, 408, "body")


# --------------------------------------------------------------------------- search bounds


def test_search_refuses_a_long_query_naming_q(live_server: str) -> None:
    """Found failing: one GET of 10,000 words ran for minutes of CPU (bench/bench_search.py)."""
    long = httpx.get(live_server + "/search", params={"q": "开" * 201, "format": "json"})
    assert_json_error(long.status_code, long.text, 400, "q:", "201 characters", "200")
    many = httpx.get(live_server + "/search", params={"q": " ".join(["ab"] * 21), "format": "json"})
    assert_json_error(many.status_code, many.text, 400, "q:", "words")
    words = " ".join(f"w{i:05d}" for i in range(10_000))  # 70 kB: over the head limit
    request = f"GET /search?q={quote(words)} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
    status, _, body = parse(raw_http(live_server, request))
    assert_json_error(status, body, 414)
    ok = httpx.get(live_server + "/search", params={"q": "开办 企业", "format": "json"})
    assert ok.status_code == 200 and ok.json()["count"] > 0
    page = httpx.get(live_server + "/search", params={"q": "开" * 201})  # a person: the page
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "q: 201 characters; a search takes at most 200" in page.text


def test_search_over_its_time_budget_is_stopped(impatient_server) -> None:
    """The budget (REFORMKG_SEARCH_TIMEOUT, 1 µs here) stops the search: 503, never a partial
    list passed off as complete."""
    _, base = impatient_server
    response = httpx.get(base + "/search", params={"q": "开办企业 营商环境", "format": "json"})
    error = assert_json_error(response.status_code, response.text, 503, "q", "stopped")
    assert error["type"] == "timeout"


# --------------------------------------------------------------------------- 500


@pytest.fixture
def gbk_queries(tmp_path: Path) -> Path:
    """The named questions plus one saved in GBK, as a Chinese editor may save it."""
    from reformkg.settings import bundled

    folder = tmp_path / "queries"
    shutil.copytree(bundled("queries"), folder)
    text = "# title: 各单位\n# description: 牵头单位\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n"
    (folder / "gbk.rq").write_bytes(text.encode("gbk"))
    return folder


def test_500_says_what_failed_without_internals(build_dir: Path, gbk_queries: Path) -> None:
    """Found failing: Starlette's plain-text `Internal Server Error`, outside the JSON shape and
    without the security headers; bodies must never carry exception class names."""
    proc, base = start_server(build_dir, {"REFORMKG_QUERIES": str(gbk_queries)})
    try:
        response = httpx.get(base + "/queries")
        page = httpx.get(base + "/queries", headers={"Accept": "text/html"})  # a person
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    error = assert_json_error(response.status_code, response.text, 500, "GET /queries")
    assert error["type"] == "internal"
    for internal in ("Error", "Exception", "Traceback", "utf-8", "codec", ".py"):
        assert internal not in response.text
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "GET /queries" in page.text and "UnicodeDecodeError" not in page.text


def test_serve_runs_the_guarded_server(build_dir: Path) -> None:
    """`reformkg serve` and `python -m reformkg.web.server` start the same bounded server."""
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reformkg.web.server", "--port", str(number)],
        env={**os.environ, "REFORMKG_BUILD": str(build_dir), "REFORMKG_WARM_VIEWS": "0"},
    )
    base = f"http://127.0.0.1:{number}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
        request = b"GET /sparql?query=" + b"x" * 70_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
        status, _, _ = parse(raw_http(base, request, chunk=4096))
        assert status == 414
    finally:
        proc.terminate()
        proc.wait(timeout=10)
