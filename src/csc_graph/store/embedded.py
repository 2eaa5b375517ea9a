"""The embedded store: pyoxigraph in this process, in memory or on disk.

pyoxigraph cannot cancel a running query (it does not even see signals), so each query is
evaluated in a forked child process that inherits the loaded store (copy-on-write, nothing
is copied up front). The parent waits up to ``settings.query_timeout`` and then kills and
reaps the child: a runaway query ends with QueryTimeout and leaves no work behind. The
child also arms its own alarm, so it dies on time even if the parent cannot kill it. It
sends back at most ``settings.max_rows`` + 1 rows as plain strings, so the cap is enforced
before any result crosses the process boundary.

The fork is a bare ``os.fork`` rather than a multiprocessing.Process: the caller is often
one of the HTTP server's worker threads, and the child must touch nothing but the store
and its pipe (no interpreter clean-up, no flushing of streams another thread may hold),
then leave with ``os._exit``. A hang in the child can only delay its own answer, never
the parent: the parent's deadline still applies.

Loading builds a new pyoxigraph Store and swaps the reference, so a reader sees either
the old data or the new. On disk, each load writes a fresh generation directory under
``settings.store_path`` and removes the older ones after the swap.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import pyoxigraph as ox
from rdflib import Dataset, Graph

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import PREFIXES
from csc_graph.store.base import (
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)
from csc_graph.store.terms import Encoded, dataset_quads, decode, encode

_GENERATION = "generation-"


def _collect(result: Any, kind: str, max_rows: int) -> tuple[Any, ...]:
    """Runs in the child: read at most max_rows + 1 items and encode them as strings."""
    if kind == "ask":
        return (bool(result),)
    if kind == "graph":
        triples: list[tuple[Encoded, ...]] = []
        for triple in result:
            if len(triples) == max_rows:
                return (triples, True)
            triples.append(
                (encode(triple.subject), encode(triple.predicate), encode(triple.object))
            )
        return (triples, False)
    variables = [v.value for v in result.variables]
    rows: list[tuple[Encoded | None, ...]] = []
    for solution in result:
        if len(rows) == max_rows:
            return (variables, rows, True)
        rows.append(tuple(None if term is None else encode(term) for term in solution))
    return (variables, rows, False)


def _child(
    store: ox.Store,
    kind: str,
    kwargs: dict[str, Any],
    max_rows: int,
    timeout: float,
    conn: Connection,
) -> NoReturn:
    """The forked evaluator: one query, one message back, then exit at once, whatever
    happens (it must never return into the parent's code)."""
    try:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the alarm kills, even inside Rust
        signal.setitimer(signal.ITIMER_REAL, timeout + 1)
        message: tuple[str, Any]
        try:
            message = ("ok", _collect(store.query(**kwargs), kind, max_rows))
        except SyntaxError as exc:
            message = ("syntax", str(exc))
        except Exception as exc:
            message = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(message)
    finally:
        os._exit(0)


def _receive(receiver: Connection, timeout: float) -> tuple[str, Any]:
    """The child's message, or QueryTimeout when none came within the time limit."""
    if not receiver.poll(timeout):
        raise QueryTimeout(f"The query ran for more than {timeout:g} s and was stopped")
    try:
        return receiver.recv()
    except EOFError:
        raise StoreError("The query process ended without an answer") from None


def _build_result(kind: str, payload: tuple[Any, ...]) -> QueryResult:
    if kind == "ask":
        return QueryResult(kind="ask", boolean=payload[0])
    if kind == "graph":
        encoded_triples, truncated = payload
        graph = Graph()
        for s, p, o in encoded_triples:
            graph.add((decode(s), decode(p), decode(o)))
        return QueryResult(kind="graph", graph=graph, truncated=truncated)
    variables, encoded_rows, truncated = payload
    rows = [
        {var: decode(term) for var, term in zip(variables, row, strict=True) if term is not None}
        for row in encoded_rows
    ]
    return QueryResult(kind="select", variables=variables, rows=rows, truncated=truncated)


def _open_on_disk(path: Path) -> ox.Store:
    """The on-disk store at path; a StoreError when it cannot be opened, say because another
    process (a running server) holds its lock."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"Cannot open the store at {path}: {exc}") from None


class EmbeddedStore(Store):
    """pyoxigraph in process; the default store."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        existing = self._generations()
        self._store = _open_on_disk(existing[-1]) if existing else self._new_store()

    # ------------------------------------------------------------------ storage

    def _generations(self) -> list[Path]:
        path = self.settings.store_path
        if path is None or not path.is_dir():
            return []
        return sorted(path.glob(f"{_GENERATION}*"), key=lambda p: int(p.name[len(_GENERATION) :]))

    def _new_store(self) -> ox.Store:
        if self.settings.store_path is None:
            return ox.Store()
        return _open_on_disk(self.settings.store_path / f"{_GENERATION}{time.time_ns()}")

    def _swap(self, dataset: Dataset) -> int:
        fresh = self._new_store()
        fresh.extend(dataset_quads(dataset))
        fresh.flush()
        self._store = fresh
        for old in self._generations()[:-1]:
            shutil.rmtree(old, ignore_errors=True)
        return len(fresh)

    def _quads(self) -> Iterable[ox.Quad]:
        return iter(self._store)

    # ------------------------------------------------------------------ querying

    def _query_kwargs(self, request: QueryRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "query": request.text,
            "base_iri": self.settings.base_iri,
            "prefixes": PREFIXES,
        }
        if request.default_graph_uris:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in request.default_graph_uris]
        elif not request.named_graph_uris:
            kwargs["use_default_graph_as_union"] = True
        if request.named_graph_uris:
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in request.named_graph_uris]
        return kwargs

    def _evaluate(self, request: QueryRequest) -> QueryResult:
        kind, timeout = request.checked.kind, self.settings.query_timeout
        kwargs = self._query_kwargs(request)
        receiver, sender = multiprocessing.Pipe(duplex=False)
        with sender:
            try:
                pid = os.fork()
            except OSError as exc:
                receiver.close()
                raise StoreError(f"Cannot start a query process: {exc}") from None
            if pid == 0:
                _child(self._store, kind, kwargs, self.settings.max_rows, timeout, sender)
        try:
            status, payload = _receive(receiver, timeout)
        finally:
            receiver.close()
            os.kill(pid, signal.SIGKILL)  # a child that has exited is a zombie until reaped
            os.waitpid(pid, 0)
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status == "error":
            raise StoreError(payload)
        return _build_result(kind, payload)
