"""Serve time: the HTTP server the app runs on: uvicorn, with its h11 protocol bounded.

Why not plain uvicorn: it waits for a request's head forever (a client that opens a connection
and sends a header line now and then holds it open for good; 500 such clients never went away),
and it answers a request head over h11's buffer with a plain-text 400 that depends on how the
bytes happened to arrive. `GuardedH11Protocol` adds, per connection:

- a head deadline: the request line and headers must be complete within `client_timeout`
  seconds of the connection opening or of the previous answer, else 408 (or a silent close
  when nothing was sent) and the connection is closed;
- an idle deadline inside a body: a client that stops sending a body it announced for
  `client_timeout` seconds gets 408 and is closed (the server's own reading pauses do not count);
- a head of more than MAX_HEAD_BYTES: 414 when the request line alone is too long, 431 when
  the headers are, in the app's JSON error shape; any other malformed request: 400, same shape.

uvicorn's own keep-alive timeout (5 s) still closes a connection idle after an answer.
`reformkg serve` runs this; `python -m reformkg.web.server` does the same for the app built
from the environment (as `uvicorn reformkg.web.app:create_app --factory` would, without the
bounds).
"""

from __future__ import annotations

import argparse
import asyncio
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from reformkg.web.guard import MAX_HEAD_BYTES, SECURITY_HEADERS, error_body

__all__ = ["GuardedH11Protocol", "config", "main", "protocol_for"]

#: Seconds uvicorn keeps a connection open, idle, after an answer.
KEEP_ALIVE = 5
#: Seconds a refused connection keeps reading (and dropping) before it closes.
LINGER = 2.0


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with head and body deadlines and bounded heads (see the module)."""

    client_timeout: float = 10.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._lingering = False
        self._await_head()

    def _await_head(self) -> None:
        """Start waiting for a request head: count its bytes, arm its deadline."""
        self._head_bytes = 0
        self._line_done = False
        self._cancel("_head_timer")
        self._head_timer = self.loop.call_later(self.client_timeout, self._head_late)

    def _cancel(self, name: str) -> None:
        timer = getattr(self, name, None)
        if timer is not None:
            timer.cancel()
            setattr(self, name, None)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return
        waiting = self._head_timer is not None
        if waiting:
            self._head_bytes += len(data)
            self._line_done = self._line_done or b"\n" in data
        cycle = self.cycle
        super().data_received(data)
        if waiting and self.cycle is not cycle:  # a head came in whole: a request started
            self._cancel("_head_timer")
        elif waiting and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._refuse(*self._too_long())  # h11 buffers on; the head can never fit
        self._watch_body()

    def _watch_body(self) -> None:
        """(Re)arm the idle deadline while the client owes body bytes and we are reading."""
        self._cancel("_body_timer")
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            self._body_timer = self.loop.call_later(self.client_timeout, self._body_late)

    def _body_late(self) -> None:
        self._body_timer = None
        if self.conn.their_state is not h11.SEND_BODY or self.transport.is_closing():
            return
        if self.flow.read_paused:  # the app is not reading yet: not the client's delay
            self._watch_body()
            return
        cycle = self.cycle
        if cycle is not None:  # the app's receive() answers http.disconnect; its answer is dropped
            cycle.disconnected = True
            cycle.message_event.set()
        if cycle is not None and cycle.response_started:
            self._linger()
        else:
            self._refuse(408, f"no request body bytes for {self.client_timeout:g} s")

    def _head_late(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes:
            self._refuse(408, f"the request head was not complete after {self.client_timeout:g} s")
        else:
            self.transport.close()  # nothing was asked: nothing to answer

    def _too_long(self) -> tuple[int, str]:
        if self._line_done:
            return 431, f"the request headers are over {MAX_HEAD_BYTES:,} bytes"
        return 414, (
            f"the request line is over {MAX_HEAD_BYTES:,} bytes, the most this server reads: "
            "send a long SPARQL query by POST"
        )

    def send_400_response(self, msg: str) -> None:
        """h11 refused the request: too long (414/431) or malformed (400), in the JSON shape."""
        if self._head_bytes > MAX_HEAD_BYTES:
            self._refuse(*self._too_long())
        else:
            self._refuse(400, "malformed HTTP request")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` with the JSON error and close, whatever h11's state (raw bytes)."""
        self._cancel("_head_timer")
        self._cancel("_body_timer")
        body = error_body(status, message, "timeout" if status == 408 else None)
        head = [
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode(),
            b"content-type: application/json",
            f"content-length: {len(body)}".encode(),
            b"connection: close",
            *(k + b": " + v for k, v in SECURITY_HEADERS),
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self._linger()

    def _linger(self) -> None:
        """Close without losing the answer: a socket closed with unread bytes resets, and a
        reset can wipe the answer before the client reads it (RFC 9112 §9.6). So send FIN,
        drop whatever the client still sends, and close after LINGER seconds at most."""
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)

    def on_response_complete(self) -> None:
        cycle = self.cycle
        super().on_response_complete()
        if self.transport.is_closing():
            self._cancel("_head_timer")
            self._cancel("_body_timer")
        elif self.cycle is cycle:  # no pipelined request started: wait for the next head
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel("_head_timer")
        self._cancel("_body_timer")
        super().connection_lost(exc)


def protocol_for(client_timeout: float) -> type[GuardedH11Protocol]:
    """The protocol class with this deadline (uvicorn makes one instance per connection)."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"client_timeout": client_timeout})


def config(app: Any, host: str, port: int, client_timeout: float) -> uvicorn.Config:
    """uvicorn's configuration for `app` with the guarded protocol."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_for(client_timeout),
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_keep_alive=KEEP_ALIVE,
        log_level="warning",
    )


def main(argv: list[str] | None = None) -> None:
    """`python -m reformkg.web.server [--host H] [--port P]`: the app from the environment."""
    from reformkg.settings import Settings
    from reformkg.web.app import create_app

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    uvicorn.Server(
        config(create_app(settings), args.host, args.port, settings.client_timeout)
    ).run()


if __name__ == "__main__":
    main()
