"""A small pool of long-lived, sandboxed query processes, with a queue of fixed length.

Each worker (``store.worker``) is a fresh interpreter started with ``subprocess`` (no fork
of this threaded server, so it inherits no descriptor but its two pipes, and no RocksDB
handle), holding the loaded data, with no network and an address-space limit
(``store.sandbox``). A request goes to an idle worker over its pipe as JSON; the answer
comes back the same way. A worker that passes the request's deadline is killed and replaced;
one that dies (its memory limit) is replaced too.

Admission is ours, not a thread pool's: at most ``size`` queries run and ``queue_length``
wait; one more is refused at once (QueryBusy, a 503 with Retry-After). Every wait counts
against the request's deadline, which starts when the request arrived (``arrival``).

New data (``set_data``) starts a new generation: idle workers of the old one are stopped,
busy ones finish their query on the old data and are stopped when they come back, and new
workers load the new data. Workers start when first needed (or on ``warm``) from one
long-lived thread, because PR_SET_PDEATHSIG is tied to the thread that started a process.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from csc_graph.errors import (
    QueryBusy,
    QueryMemoryExceeded,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)

log = logging.getLogger(__name__)

WORKER_COMMAND = [sys.executable, "-m", "csc_graph.store.worker"]
"""How a query process is started (its arguments follow)."""
START_SECONDS = 60.0
"""Longest a worker may take to start and load its data."""

arrival: ContextVar[list[float] | None] = ContextVar("csc_graph_request_arrival", default=None)
"""When the current request arrived ([time.monotonic()]); set by the HTTP door."""


def deadline_for(timeout: float) -> float:
    """The monotonic time by which a query must be answered: for a request's first query,
    its time limit counts from the request's arrival (so waiting for a thread or a query
    process counts); a page that asks several queries gives each later one its own limit."""
    now = time.monotonic()
    pending = arrival.get()
    try:
        start = pending.pop() if pending is not None else now
    except IndexError:  # another thread of the same request took it first
        start = now
    return start + timeout


def raise_for_reply(reply: dict[str, Any]) -> None:
    """Raise the error a worker's answer reports, if any."""
    status, message = reply.get("status"), str(reply.get("message", ""))
    if status == "ok":
        return
    if status == "syntax":
        raise QuerySyntaxError(message)
    if status == "refused":
        raise QueryRefused(message)
    if status == "memory":
        raise QueryMemoryExceeded(
            "The query needed more than the query process's memory limit "
            "(CSC_GRAPH_QUERY_MEMORY_MB) and was stopped"
        )
    raise StoreError(message or f"The query process answered {status!r}")


@dataclass(frozen=True)
class Payload:
    """What a worker loads: {"mode": "memory" | "disk" | "none", ...} and the N-Quads bytes."""

    load: dict[str, Any]
    data: bytes | None = None


class Worker:
    """One running query process and its two pipe ends."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        to_child: Connection,
        from_child: Connection,
        generation: int,
    ) -> None:
        self.process = process
        self.to_child = to_child
        self.from_child = from_child
        self.generation = generation

    @property
    def pid(self) -> int:
        return self.process.pid

    def ask(self, message: dict[str, Any], deadline: float, memory_mb: int) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout("The query waited past the time limit and was not run")
        try:
            self.to_child.send_bytes(json.dumps({**message, "seconds": remaining}).encode())
            if not self.from_child.poll(remaining):
                raise QueryTimeout("The query ran past the time limit and was stopped")
            return dict(json.loads(self.from_child.recv_bytes()))
        except (EOFError, OSError):
            code = self.process.wait(timeout=5)
            raise QueryMemoryExceeded(
                f"The query process stopped without an answer (exit {code}): the query "
                f"probably needed more than the memory limit of {memory_mb} MiB "
                "(CSC_GRAPH_QUERY_MEMORY_MB)"
            ) from None

    def stop(self) -> None:
        for conn in (self.to_child, self.from_child):
            conn.close()
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
            log.error("query process %s did not die", self.pid)


def _start_worker(payload: Payload, memory_mb: int, generation: int) -> Worker:
    """Start one worker and wait until it has loaded its data; StoreError if it cannot."""
    child_in, to_child_fd = os.pipe()
    from_child_fd, child_out = os.pipe()
    command = [*WORKER_COMMAND, str(os.getpid()), str(child_in), str(child_out), str(memory_mb)]
    try:
        process = subprocess.Popen(
            command,
            pass_fds=(child_in, child_out),
            close_fds=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
    except OSError as exc:
        os.close(to_child_fd)
        os.close(from_child_fd)
        raise StoreError(f"Cannot start a query process: {exc}") from None
    finally:
        os.close(child_in)
        os.close(child_out)
    worker = Worker(
        process,
        Connection(to_child_fd, readable=False),
        Connection(from_child_fd, writable=False),
        generation,
    )
    try:
        worker.to_child.send_bytes(json.dumps(payload.load).encode())
        if payload.data is not None:
            worker.to_child.send_bytes(payload.data)
        if not worker.from_child.poll(START_SECONDS):
            raise StoreError(f"A query process did not start within {START_SECONDS:g} s")
        reply = json.loads(worker.from_child.recv_bytes())
    except (EOFError, OSError) as exc:
        worker.stop()
        raise StoreError(f"A query process could not start: {exc}") from None
    except StoreError:
        worker.stop()
        raise
    if reply.get("status") != "ready":
        worker.stop()
        raise StoreError(f"The query sandbox could not be set up: {reply.get('message')}")
    return worker


class _Starter:
    """The one long-lived thread that starts every worker (PR_SET_PDEATHSIG follows the
    thread that started a process, and request threads come and go)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="csc-graph-worker-starter", daemon=True
                )
                self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except Exception:  # a job reports its own failure; never lose the thread
                log.exception("starting a query process failed")


_starter = _Starter()
_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


class WorkerPool:
    """``size`` query processes behind a queue of ``queue_length``."""

    def __init__(self, *, size: int, queue_length: int, memory_mb: int, payload: Payload) -> None:
        self.size = size
        self.queue_length = queue_length
        self.memory_mb = memory_mb
        self._payload = payload
        self._generation = 0
        self._cond = threading.Condition()
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._starting = 0
        self._admitted = 0
        self._failure: str | None = None
        self._closed = False
        _pools.add(self)
        weakref.finalize(self, WorkerPool._stop_all, self._idle, self._busy)

    # ------------------------------------------------------------------ running

    def run(self, message: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Send one request to a worker; its JSON answer. Raises QueryBusy at once when the
        queue is full, QueryTimeout at the deadline, QueryMemoryExceeded, StoreError."""
        with self._cond:
            if self._closed:
                raise StoreError("The store is closed")
            if self._admitted >= self.size + self.queue_length:
                raise QueryBusy(
                    f"All {self.size} query processes are busy and {self.queue_length} queries "
                    "are waiting (CSC_GRAPH_QUERY_WORKERS, CSC_GRAPH_QUERY_QUEUE); try again"
                )
            self._admitted += 1
        try:
            worker = self._acquire(deadline)
            try:
                reply = worker.ask(message, deadline, self.memory_mb)
            except BaseException:
                self._discard(worker)
                raise
            if reply.get("status") == "memory":
                self._discard(worker)
            else:
                self._release(worker)
            return reply
        finally:
            with self._cond:
                self._admitted -= 1

    def _acquire(self, deadline: float) -> Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("The store is closed")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.generation == self._generation and worker.process.poll() is None:
                        self._busy.add(worker)
                        return worker
                    worker.stop()
                if self._failure is not None and not self._busy and not self._starting:
                    failure, self._failure = self._failure, None
                    raise StoreError(failure)
                if len(self._busy) + self._starting < self.size:
                    self._start_one()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(
                        "The query waited for a free query process past the time limit"
                    )
                self._cond.wait(remaining)

    def _start_one(self) -> None:
        """Called with the lock held: one more worker for the current generation."""
        self._starting += 1
        generation, payload = self._generation, self._payload

        def job() -> None:
            try:
                worker: Worker | None = _start_worker(payload, self.memory_mb, generation)
            except Exception as exc:
                log.error("%s", exc)
                worker = None
                failure: str | None = str(exc)
            else:
                failure = None
            with self._cond:
                self._starting -= 1
                if worker is not None and (self._closed or generation != self._generation):
                    worker.stop()
                elif worker is not None:
                    self._idle.append(worker)
                self._failure = failure
                self._cond.notify_all()

        _starter.submit(job)

    def _release(self, worker: Worker) -> None:
        with self._cond:
            self._busy.discard(worker)
            if self._closed or worker.generation != self._generation:
                worker.stop()
            else:
                self._idle.append(worker)
            self._cond.notify_all()

    def _discard(self, worker: Worker) -> None:
        """Stop a worker that timed out or died, and start its replacement at once."""
        worker.stop()
        with self._cond:
            self._busy.discard(worker)
            if not self._closed and len(self._busy) + len(self._idle) + self._starting < self.size:
                self._start_one()
            self._cond.notify_all()

    # ------------------------------------------------------------------ data and life

    def set_data(self, payload: Payload) -> None:
        """New data for every later query; running queries finish on the old data."""
        with self._cond:
            self._generation += 1
            self._payload = payload
            started = bool(self._idle or self._busy)
            for worker in self._idle:
                worker.stop()
            self._idle.clear()
            self._failure = None
            if started and not self._closed:
                for _ in range(self.size):
                    self._start_one()

    def warm(self, wait: float = START_SECONDS) -> None:
        """Start every worker now and wait for them (say, at server start)."""
        deadline = time.monotonic() + wait
        with self._cond:
            while len(self._busy) + len(self._idle) + self._starting < self.size:
                self._start_one()
            while self._starting and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            if self._failure is not None and not self._idle:
                raise StoreError(self._failure)

    def pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in (*self._idle, *self._busy)]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            WorkerPool._stop_all(self._idle, self._busy)
            self._cond.notify_all()

    @staticmethod
    def _stop_all(idle: list[Worker], busy: set[Worker]) -> None:
        for worker in [*idle, *busy]:
            worker.stop()
        idle.clear()
        busy.clear()


@atexit.register
def _close_every_pool() -> None:
    for pool in list(_pools):
        pool.close()
