"""Serve time: the endpoint's queries in worker processes, bounded in time and memory, and fair.

pyoxigraph cannot interrupt a running query and a thread cannot be killed; a process can. So
every query of /sparql and /queries runs in a worker process (`reformkg.graph.query.worker`:
spawned, sandboxed without sockets, the build's store opened read-only), and the web process
only waits for its answer's bytes. The pool is fair under load:

- **Queue time is not query time.** A query's time limit starts when a worker takes it.
- **A cheap query is never stuck behind runaways.** There is one worker more than `size`, and
  at most `size` queries may run longer than `grace` seconds (0.5 s). A query that passes
  `grace` while `size` others already have is stopped and answered 503 with Retry-After, so a
  worker always frees within `grace` for the next query. (2 workers: 3 processes; 3 runaways
  in flight: the third is stopped at 0.5 s, and a cheap query is answered.)
- **A saturated pool says so at once.** When `queue` requests already wait, the next one gets
  503 with Retry-After immediately rather than after the time limit.
- **Memory is bounded per query.** A worker whose private memory passes `memory_mb` while it
  runs a query is stopped, and the query answered with a clear error; between queries a worker
  gives its memory back (malloc_trim), so idle workers stay small.

A stopped worker is replaced at once by a standby process (started and ready, taking no
query), and a new standby is started in the background: a worker process takes about a second
to start (a fresh interpreter, the store opened), which a cheap query should not wait for.
`InlineRunner` gives a remote store (REFORMKG_STORE_URL) the same interface.
"""

from __future__ import annotations

import math
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
_PAGE = 4096


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
    """One worker process and its end of the pipe."""

    def __init__(self, build_dir: Path) -> None:
        import multiprocessing
        import os

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
        self.deadline = 0.0  # when the running query's time is up (for Retry-After)

    def wait_ready(self, timeout: float) -> str | None:
        """None once the worker is ready; else why it is not."""
        if not self.conn.poll(timeout):
            return f"the query worker did not start within {timeout:g} s"
        try:
            message = self.conn.recv()
        except (EOFError, OSError):
            return "the query worker stopped while starting"
        return None if message[0] == "ready" else f"the query worker could not start: {message[1]}"

    def private_mb(self) -> float:
        """Resident memory not shared with other processes (statm: resident - shared)."""
        try:
            with open(f"/proc/{self.proc.pid}/statm") as fh:
                fields = fh.read().split()
        except OSError:
            return 0.0
        return (int(fields[1]) - int(fields[2])) * _PAGE / 1e6

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


@dataclass
class PoolStatus:
    """What /healthz reports of the pool."""

    workers: int  # processes ready
    standby: int  # ready to replace a stopped one
    starting: int  # processes being started or replaced
    busy: int
    long: int  # queries running past the grace time
    waiting: int
    saturated: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class QueryPool:
    """Worker processes that run queries under a time limit, a memory limit, fairly (see the
    module docstring). `size` is the number of queries that may run long at once; the pool has
    `size + 1` processes."""

    def __init__(
        self,
        build_dir: Path,
        size: int = 2,
        timeout: float = 20.0,
        *,
        memory_mb: float = 1024.0,
        grace: float = 0.5,
        queue: int = 16,
        standby: int = 1,
        start_timeout: float = 60.0,
    ) -> None:
        self.build_dir = Path(build_dir)
        self.size, self.timeout = max(1, size), timeout
        self.memory_mb, self.grace = memory_mb, grace
        self.processes = self.size + 1
        self.queue, self.standby = max(1, queue), max(0, standby)
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
        for _ in range(self.processes + self.standby):
            self._start_one()

    # ------------------------------------------------------------------ workers

    def _start_one(self) -> None:
        """Start a worker in the background; it joins the idle ones once its store is open."""
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
            if len(self._all) < self.processes:
                self._all.append(worker)
                self._release(worker)
            elif len(self._standby) < self.standby:
                self._standby.append(worker)
            else:
                worker.kill()

    def _release(self, worker: _Worker) -> None:
        """Give a free worker to the first waiting request, or put it with the idle ones
        (called with the lock held)."""
        while self._waiters:
            slot = self._waiters.popleft()
            if slot[0] is None:
                slot[0] = worker
                self._cond.notify_all()
                return
        self._idle.append(worker)
        self._cond.notify_all()

    def _retire(self, worker: _Worker) -> None:
        """Stop a worker; a standby takes its place at once, and a new process is started."""
        worker.kill()
        with self._cond:
            if worker in self._all:
                self._all.remove(worker)
            if self._standby and not self._closed:
                spare = self._standby.popleft()
                self._all.append(spare)
                self._release(spare)
        if not self._closed:
            self._start_one()

    def _retry_after(self) -> int:
        """Seconds until the first long query ends at the latest (its time limit)."""
        now = time.monotonic()
        ends = [w.deadline - now for w in self._long] or [self.grace]
        return max(1, math.ceil(min(ends)))

    def _take(self) -> _Worker:
        """A free worker, waiting in line for one (the wait is not query time)."""
        with self._cond:
            if self._idle and not self._waiters:
                worker = self._idle.popleft()
                self._busy += 1
                return worker
            if len(self._waiters) >= self.queue:
                raise PoolBusy(
                    f"the server is busy: {len(self._waiters)} queries are waiting; "
                    "try again shortly",
                    self._retry_after(),
                )
            slot: list[_Worker | None] = [None]
            self._waiters.append(slot)
            deadline = time.monotonic() + 2 * self.timeout
            while slot[0] is None:
                if not self._all and self._starting:  # workers starting: not a wait in line
                    deadline = max(deadline, time.monotonic() + self.timeout)
                left = deadline - time.monotonic()
                if self.failure and not self._all and not self._starting:
                    self._waiters.remove(slot)
                    raise QueryFailed(self.failure)
                if left <= 0:
                    self._waiters.remove(slot)
                    raise PoolBusy(
                        f"no query worker became free within {self.timeout:g} s; try again shortly",
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
                    with self._cond:
                        if len(self._long) >= self.size:
                            raise PoolBusy(
                                f"the server is busy with {len(self._long)} long queries; "
                                "this one was stopped after "
                                f"{self.grace:g} s: try again shortly",
                                self._retry_after(),
                            )
                        self._long.add(worker)
                if worker.private_mb() > self.memory_mb:
                    raise QueryMemory(
                        f"the query needed more than {self.memory_mb:g} MB of memory "
                        "and was stopped"
                    )
            reply: WorkerReply = worker.conn.recv()
            if reply[0] == "ok":
                reply[1].body = worker.conn.recv_bytes()
            keep = True
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
                with self._cond:
                    self._release(worker)
            else:
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
                saturated=len(self._waiters) >= self.queue
                or (not self._idle and len(self._long) >= self.size),
            )

    def ready(self) -> bool:
        """True when a query would be taken now or soon: workers up and not saturated."""
        state = self.status()
        return state.workers > 0 and not state.saturated

    def pids(self) -> list[int]:
        """Process ids of the workers, standby ones too (tests check a stopped one is gone)."""
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
