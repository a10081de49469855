"""Serve time: the outermost layer of the app, which every request and every answer passes.

It is wrapped around the whole middleware stack (`reformkg.web.app.ReformKGApp`), outside
Starlette's own error middleware, so that even a 500 carries the same headers:

- security headers on every response: `X-Content-Type-Options: nosniff`, the
  Content-Security-Policy below (`frame-ancestors 'none'`) and `X-Frame-Options: DENY` against
  framing, `Referrer-Policy: same-origin` (a query in a URL never leaves for another site);
- HEAD wherever GET works: the request is answered as a GET and the body dropped (RFC 9110);
- the URL checked before any route sees it: longer than MAX_HEAD_BYTES → 414, request headers
  over it → 431, a path or parameter whose percent-escapes are not UTF-8 → 400 naming it (a
  POST body is refused the same way by reformkg.web.sparql), a NUL byte in the path → 404.

Errors are written in the one JSON shape {"error": {"status", "type", "message"}}.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reformkg.errors import REQUEST_KINDS

__all__ = ["CSP", "MAX_HEAD_BYTES", "SECURITY_HEADERS", "Guard", "error_body"]

#: The pages' policy: scripts and styles from this server only (no inline script), images
#: from it or data: URLs, no plugins, no framing by any site.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
#: The most bytes of a request line plus headers this server reads (64 KiB): a SPARQL query
#: longer than a URL should be goes by POST, where the body limit counts it as it arrives.
MAX_HEAD_BYTES = 64 * 1024


def error_body(status: int, message: str, kind: str | None = None) -> bytes:
    """The one JSON error shape, as bytes."""
    error = {
        "status": status,
        "type": kind or REQUEST_KINDS.get(status, "error"),
        "message": message,
    }
    return json.dumps({"error": error}, ensure_ascii=False, separators=(",", ":")).encode()


class Guard:
    """The outermost ASGI layer (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = _with_headers(send)
        refused = url_problem(scope)
        if refused is not None:
            status, message = refused
            return await _answer(send, status, message)
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
            send = _without_body(send)
        await self.app(scope, receive, send)


def url_problem(scope: Scope) -> tuple[int, str] | None:
    """(status, message) when the request's URL or head must be refused, else None."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    size = len(raw_path) + len(query) + 1
    if size > MAX_HEAD_BYTES:
        return 414, (
            f"the URL is {size:,} bytes, over the {MAX_HEAD_BYTES:,} this server reads: "
            "send a long SPARQL query by POST"
        )
    head = size + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", []))
    if head > MAX_HEAD_BYTES:
        return 431, f"the request headers are {head:,} bytes, over {MAX_HEAD_BYTES:,}"
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError as err:
        return 400, f"the URL path is not UTF-8 (percent-escape at decoded byte {err.start})"
    if "\x00" in path:
        return 404, "no such page: the path holds a NUL byte"
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part, what in ((name, "name"), (value, "value")):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError as err:
                shown = unquote_to_bytes(name).decode("utf-8", "replace")
                return 400, (
                    f"the {what} of parameter {shown!r} is not UTF-8 "
                    f"(percent-escape at decoded byte {err.start}); send UTF-8, as for a POST"
                )
    return None


async def _answer(send: Send, status: int, message: str) -> None:
    body = error_body(status, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _without_body(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return sending
