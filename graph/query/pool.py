"""Serve time: the endpoint's queries in worker processes, bounded in time and memory, and fair.

pyoxigraph cannot interrupt a running query and a thread cannot be killed; a process can. So
every query of /sparql and /queries runs in a worker process (`reformkg.graph.query.worker`:
spawned, sandboxed without sockets, the build's store opened read-only), and the web process
only waits for its answer's bytes. The pool is fair under load:

- **Queue time is not query time.** A query's time limit starts when a worker takes it.
- **A long query does not hold up cheap ones.** A query still running after `grace` seconds
  (0.5 s) is long: its thread's priority is lowered (nice 10), so the kernel gives the cores
  to short queries first, and when no worker is free another one joins, up to
  `2 × size + 1` workers: a cheap query finds a worker while `size + 1` runaways run (the
  issue-13 case), and legitimate long queries are never stopped before their time limit.
  Workers beyond `size` leave again after `idle` seconds without a query.
- **A saturated pool says so at once.** When `queue` requests already wait for a worker, the
  next one gets 503 with Retry-After immediately rather than after the time limit.
- **Memory is bounded per query.** A worker whose private memory passes `memory_mb` while it
  runs a query is stopped and the query answered with a clear error; between queries a worker
  gives its memory back (malloc_trim), so idle workers stay small.

A worker process takes about a second to start (a fresh interpreter, the store opened), which
a cheap query should not wait for: one more is kept started and ready (the standby), takes the
place of a stopped worker or joins when the long ones need help, and is replaced in the
background. `InlineRunner` gives a remote store (REFORMKG_STORE_URL) the same interface.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reformkg.errors import (
    PoolBusy,
    QueryFailed,
    QueryMemory,
    QuerySyntaxError,
    QueryTimeout,
    RequestError,
)
from reformkg.graph.query.jobs import Answer, QueryJob
from reformkg.graph.query.remote import RemoteStore
from reformkg.graph.query.worker import WorkerReply, evaluate, main

__all__ = ["InlineRunner", "PoolStatus", "QueryPool", "answer_or_raise"]

REFUSED = "refused: this endpoint never connects to other servers (SERVICE or any remote fetch)"
#: The nice value of a thread running a long query (0 is the default; 19 the lowest priority).
LONG_NICE = 10
_PAGE = os.sysconf("SC_PAGE_SIZE")


def answer_or_raise(reply: WorkerReply) -> Answer:
    """The answer of a worker's reply, or the error it stands for (one error per kind)."""
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "syntax":
        raise QuerySyntaxError(f"query syntax: {reply[1]}")
    if reply[0] == "refused":
        raise RequestError(403, REFUSED)
    raise QueryFailed(f"the query failed: {reply[1]}")


class _Worker:
    """One worker process, its end of the pipe, and what the pool knows of it."""

    def __init__(self, build_dir: Path) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=main,
            args=(str(build_dir), child, os.getpid()),
            daemon=True,
            name="reformkg-query",
        )
        self.proc.start()
        child.close()
        self.tid = 0  # the thread that runs the queries
        self.deadline = 0.0  # when the running query's time is up (for Retry-After)
        self.idle_since = time.monotonic()
        self.niced = False

    def wait_ready(self, timeout: float) -> str | None:
        """None once the worker is ready; else why it is not."""
        if not self.conn.poll(timeout):
            return f"the query worker did not start within {timeout:g} s"
        try:
            message = self.conn.recv()
        except (EOFError, OSError):
            return "the query worker stopped while starting"
        if message[0] != "ready":
            return f"the query worker could not start: {message[1]}"
        self.tid = message[2]
        return None

    def private_mb(self) -> float:
        """Resident memory not shared with other processes (statm: resident - shared)."""
        try:
            with open(f"/proc/{self.proc.pid}/statm") as fh:
                fields = fh.read().split()
        except OSError:
            return 0.0
        return (int(fields[1]) - int(fields[2])) * _PAGE / 1e6

    def nice(self, value: int) -> bool:
        """Set the query thread's nice value; False when not allowed (raising it back to 0
        needs a privilege the server may not have)."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.tid, value)
        except OSError:
            return False
        self.niced = value > 0
        return True

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


@dataclass
class PoolStatus:
    """What /healthz reports of the pool."""

    workers: int  # processes taking queries
    standby: int  # started, ready to join
    starting: int  # processes being started
    busy: int
    long: int  # queries running past the grace time
    waiting: int
    saturated: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class QueryPool:
    """Worker processes that run queries under a time limit and a memory limit, fairly (see
    the module docstring): `size` workers, up to `2 × size + 1` while queries run long."""

    def __init__(
        self,
        build_dir: Path,
        size: int = 2,
        timeout: float = 20.0,
        *,
        memory_mb: float = 1024.0,
        grace: float = 0.5,
        queue: int = 16,
        idle: float = 10.0,
        start_timeout: float = 60.0,
    ) -> None:
        self.build_dir = Path(build_dir)
        self.size, self.timeout = max(1, size), timeout
        self.most = 2 * self.size + 1
        self.memory_mb, self.grace = memory_mb, grace
        self.queue, self.idle = max(1, queue), idle
        self.start_timeout = start_timeout
        self._cond = threading.Condition()
        self._idle: deque[_Worker] = deque()
        self._all: list[_Worker] = []
        self._standby: deque[_Worker] = deque()
        self._starting = 0
        self._busy = 0
        self._long: set[_Worker] = set()
        self._waiters: deque[list[_Worker | None]] = deque()
        self._closed = False
        self.failure: str | None = None  # why workers cannot start (then every query fails)
        for _ in range(self.size + 1):
            self._start_one()
        threading.Thread(target=self._reap, daemon=True, name="reformkg-reap").start()

    # ------------------------------------------------------------------ workers

    def _start_one(self) -> None:
        """Start a worker in the background; once ready it takes queries or stands by."""
        with self._cond:
            self._starting += 1
        threading.Thread(target=self._starter, daemon=True, name="reformkg-spawn").start()

    def _starter(self) -> None:
        worker = None
        problem = None
        try:
            worker = _Worker(self.build_dir)
            problem = worker.wait_ready(self.start_timeout)
        except OSError as err:
            problem = f"the query worker could not start: {err}"
        with self._cond:
            self._starting -= 1
            if problem is not None or self._closed or worker is None:
                if worker is not None:
                    worker.kill()
                if problem is not None:
                    self.failure = problem
                self._cond.notify_all()
                return
            self.failure = None
            if len(self._all) < self.size or (self._waiters and len(self._all) < self.most):
                self._join(worker)
            elif not self._standby:
                self._standby.append(worker)
                self._cond.notify_all()
            else:
                worker.kill()
            self._refill()

    def _refill(self) -> None:
        """Start processes until there are `size` workers and a standby (lock held)."""
        if self._closed:
            return
        wanted = max(0, self.size - len(self._all)) + (0 if self._standby else 1)
        for _ in range(wanted - self._starting):
            self._start_one()

    def _join(self, worker: _Worker) -> None:
        """Put a ready worker to work (lock held)."""
        self._all.append(worker)
        self._release(worker)

    def _grow(self) -> None:
        """Let the standby join when no worker is free and the pool may grow, and start a new
        standby (lock held)."""
        if self._idle or len(self._all) >= self.most or self._closed:
            return
        if self._standby:
            self._join(self._standby.popleft())
        self._refill()

    def _release(self, worker: _Worker) -> None:
        """Give a free worker to the first request in line, or let it wait (lock held)."""
        while self._waiters:
            slot = self._waiters.popleft()
            if slot[0] is None:
                slot[0] = worker
                self._cond.notify_all()
                return
        worker.idle_since = time.monotonic()
        self._idle.append(worker)
        self._cond.notify_all()

    def _retire(self, worker: _Worker) -> None:
        """Stop a worker; the standby takes its place at once and a new one is started."""
        worker.kill()
        with self._cond:
            if worker in self._all:
                self._all.remove(worker)
            if self._closed:
                return
            if self._standby and (len(self._all) < self.size or self._waiters):
                self._join(self._standby.popleft())
            self._refill()

    def _reap(self) -> None:
        """Workers beyond `size` leave after `idle` seconds without a query."""
        while not self._closed:
            time.sleep(min(1.0, self.idle / 2))
            with self._cond:
                now = time.monotonic()
                spare = [
                    w
                    for w in self._idle
                    if len(self._all) > self.size and now - w.idle_since > self.idle
                ]
                for worker in spare[: len(self._all) - self.size]:
                    self._idle.remove(worker)
                    self._all.remove(worker)
                    worker.kill()

    def _retry_after(self) -> int:
        """Seconds until a long query ends at the latest (its time limit)."""
        now = time.monotonic()
        ends = [w.deadline - now for w in self._long] or [self.grace]
        return max(1, math.ceil(min(ends)))

    def _take(self) -> _Worker:
        """A free worker, waiting in line for one (the wait is not query time)."""
        with self._cond:
            if self._idle and not self._waiters:
                self._busy += 1
                return self._idle.popleft()
            if len(self._waiters) >= self.queue:
                raise PoolBusy(
                    f"the server is busy: {len(self._waiters)} queries are waiting for a "
                    "worker; try again shortly",
                    self._retry_after(),
                )
            slot: list[_Worker | None] = [None]
            self._waiters.append(slot)
            if self._long:
                self._grow()
            deadline = time.monotonic() + 2 * self.timeout
            while slot[0] is None:
                if not self._all and self._starting:  # workers starting: not a wait in line
                    deadline = max(deadline, time.monotonic() + self.timeout)
                if self.failure and not self._all and not self._starting:
                    self._waiters.remove(slot)
                    raise QueryFailed(self.failure)
                left = deadline - time.monotonic()
                if left <= 0:
                    self._waiters.remove(slot)
                    raise PoolBusy(
                        f"no query worker became free within {2 * self.timeout:g} s; "
                        "try again shortly",
                        self._retry_after(),
                    )
                self._cond.wait(min(left, 0.5))
            self._busy += 1
            return slot[0]

    # ------------------------------------------------------------------ running

    def run(self, job: QueryJob, timeout: float | None = None) -> Answer:
        """Run `job` in a worker: its answer, or QueryTimeout, QueryMemory, PoolBusy (503),
        QuerySyntaxError (400), RequestError 403 (refused), QueryFailed (500)."""
        limit = self.timeout if timeout is None else timeout
        worker = self._take()
        started = time.monotonic()
        worker.deadline = started + limit
        keep = False
        try:
            worker.conn.send(job)
            while not worker.conn.poll(0.05):
                elapsed = time.monotonic() - started
                if elapsed >= limit:
                    raise QueryTimeout(f"the query ran longer than {limit:g} s and was stopped")
                if elapsed >= self.grace and worker not in self._long:
                    worker.nice(LONG_NICE)
                    with self._cond:
                        self._long.add(worker)
                        self._grow()
                if worker.private_mb() > self.memory_mb:
                    raise QueryMemory(
                        f"the query needed more than {self.memory_mb:g} MB of memory "
                        "and was stopped"
                    )
            reply: WorkerReply = worker.conn.recv()
            if reply[0] == "ok":
                reply[1].body = worker.conn.recv_bytes()
            keep = not worker.niced or worker.nice(0)
        except (EOFError, OSError):
            code = worker.proc.exitcode
            raise QueryFailed(
                "the query stopped its worker process"
                + (f" (signal {-code})" if code is not None and code < 0 else "")
                + ": it may nest too deeply or need too much memory"
            ) from None
        finally:
            with self._cond:
                self._long.discard(worker)
                self._busy -= 1
                if keep:
                    self._release(worker)
            if not keep:
                self._retire(worker)
        return answer_or_raise(reply)

    # ------------------------------------------------------------------ state

    def status(self) -> PoolStatus:
        with self._cond:
            return PoolStatus(
                workers=len(self._all),
                standby=len(self._standby),
                starting=self._starting,
                busy=self._busy,
                long=len(self._long),
                waiting=len(self._waiters),
                saturated=len(self._waiters) >= self.queue,
            )

    def ready(self) -> bool:
        """True when a query would be taken now or soon: workers up and the line not full."""
        state = self.status()
        return state.workers > 0 and not state.saturated

    def pids(self) -> list[int]:
        """Process ids of the workers, the standby too (tests check a stopped one is gone)."""
        with self._cond:
            return [w.proc.pid for w in (*self._all, *self._standby) if w.proc.pid is not None]

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until every worker has started (tests and the benchmark; serve does not)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._starting and time.monotonic() < deadline:
                self._cond.wait(0.1)
            return not self._starting and bool(self._all)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = [*self._all, *self._standby]
            self._all.clear()
            self._standby.clear()
            self._idle.clear()
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.kill()


class InlineRunner:
    """The QueryPool interface for a remote store: the HTTP client's timeout bounds the wait,
    and the server's own limit (Virtuoso MaxQueryExecutionTime) stops the work there."""

    def __init__(self, store: RemoteStore, timeout: float = 20.0) -> None:
        self.store, self.timeout = store, timeout

    def run(self, job: QueryJob, timeout: float | None = None) -> Answer:
        try:
            return evaluate(self.store, job)
        except SyntaxError as err:
            raise QuerySyntaxError(f"query syntax: {err}") from None
        except httpx.TimeoutException:
            raise QueryTimeout(f"the server did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as err:
            raise QueryFailed(f"the SPARQL server failed: {err}") from None

    def status(self) -> PoolStatus:
        return PoolStatus(0, 0, 0, 0, 0, 0, False)

    def ready(self) -> bool:
        return True

    def pids(self) -> list[int]:
        return []

    def close(self) -> None:
        self.store.close()
