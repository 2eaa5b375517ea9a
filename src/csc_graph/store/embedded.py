"""The embedded store: pyoxigraph, in memory or on disk, queried by sandboxed workers.

pyoxigraph cannot cancel a running query, and a query's engine must not reach the network,
so queries never run in this process: a pool of long-lived worker processes
(``store.workers``) holds the data, and each query goes to one of them under a deadline, a
memory limit and a byte cap; a worker that passes a limit is killed and replaced.

This process keeps its own copy for loading and for inspection (the content hash, the
graph names, dumps). In memory, each load builds a new pyoxigraph Store, and the workers
are sent it as N-Quads bytes. On disk, each load writes a new generation directory under
``settings.store_path``: written, flushed, then marked complete by a file inside it
(``COMPLETE_MARK``), fsynced; only then is it served and are older ones removed. At start the
newest complete generation is opened (this process holds its lock, so a second process is
told the store is in use) and any incomplete one, left by a crash during a load, is
removed. The workers open the complete generation read-only, so no process forks while
holding RocksDB.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from csc_graph.config import Settings
from csc_graph.store.base import QueryRequest, QueryResult, Store, StoreError
from csc_graph.store.terms import dataset_quads, decode
from csc_graph.store.workers import Payload, WorkerPool, raise_for_reply

log = logging.getLogger(__name__)

_GENERATION = "generation-"
COMPLETE_MARK = "CSC_GRAPH_COMPLETE"


def _build_result(reply: dict[str, Any]) -> QueryResult:
    kind = reply["kind"]
    if kind == "ask":
        return QueryResult(kind="ask", boolean=bool(reply["boolean"]))
    truncated_by = reply.get("truncated")
    if kind == "graph":
        graph = Graph()
        for s, p, o in reply["items"]:
            graph.add((decode(s), decode(p), decode(o)))
        return QueryResult(
            kind="graph", graph=graph, truncated=bool(truncated_by), truncated_by=truncated_by
        )
    variables = reply["variables"]
    rows = [
        {var: decode(term) for var, term in zip(variables, row, strict=True) if term is not None}
        for row in reply["items"]
    ]
    return QueryResult(
        kind="select",
        variables=variables,
        rows=rows,
        truncated=bool(truncated_by),
        truncated_by=truncated_by,
    )


def _open_on_disk(path: Path) -> ox.Store:
    """The on-disk store at path; a StoreError when it cannot be opened, say because another
    process (a running server) holds its lock."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"Cannot open the store at {path}: {exc}") from None


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mark_complete(generation: Path) -> None:
    """Written and flushed: say so, durably. Until this file exists the generation is not."""
    mark = generation / COMPLETE_MARK
    with open(mark, "w", encoding="utf-8") as out:
        out.write("complete\n")
        out.flush()
        os.fsync(out.fileno())
    _fsync_directory(generation)
    _fsync_directory(generation.parent)


def is_complete(generation: Path) -> bool:
    return (generation / COMPLETE_MARK).is_file()


class EmbeddedStore(Store):
    """pyoxigraph, queried through a pool of sandboxed workers; the default store."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._store = self._open()
        self._pool = WorkerPool(
            size=settings.query_workers,
            queue_length=settings.query_queue,
            memory_mb=settings.query_memory_mb,
            payload=self._payload(),
        )

    # ------------------------------------------------------------------ storage

    def _generations(self) -> list[Path]:
        path = self.settings.store_path
        if path is None or not path.is_dir():
            return []
        found = [p for p in path.glob(f"{_GENERATION}*") if p.name[len(_GENERATION) :].isdigit()]
        return sorted(found, key=lambda p: int(p.name[len(_GENERATION) :]))

    def _open(self) -> ox.Store:
        """The newest complete generation (locked by this process); then incomplete ones
        are removed. With none, a new empty generation, marked complete."""
        if self.settings.store_path is None:
            return ox.Store()
        complete = [g for g in self._generations() if is_complete(g)]
        store = _open_on_disk(complete[-1]) if complete else self._new_generation()
        for generation in self._generations():
            if not is_complete(generation):
                log.warning("Removing %s: a load into it did not finish", generation)
                shutil.rmtree(generation, ignore_errors=True)
        return store

    def _new_generation(self) -> ox.Store:
        if self.settings.store_path is None:
            return ox.Store()
        path = self.settings.store_path / f"{_GENERATION}{time.time_ns()}"
        store = _open_on_disk(path)
        store.flush()
        mark_complete(path)
        return store

    def _current_path(self) -> Path | None:
        complete = [g for g in self._generations() if is_complete(g)]
        return complete[-1] if complete else None

    def _payload(self) -> Payload:
        path = self._current_path()
        if path is not None:
            return Payload({"mode": "disk", "path": str(path)})
        return Payload({"mode": "memory"}, self._store.dump(format=ox.RdfFormat.N_QUADS))

    def _swap(self, dataset: Dataset) -> int:
        if self.settings.store_path is None:
            fresh = ox.Store()
            fresh.extend(dataset_quads(dataset))
        else:
            path = self.settings.store_path / f"{_GENERATION}{time.time_ns()}"
            fresh = _open_on_disk(path)
            fresh.extend(dataset_quads(dataset))
            fresh.flush()
            mark_complete(path)
        self._store = fresh
        self._pool.set_data(self._payload())
        for old in self._generations()[:-1]:
            shutil.rmtree(old, ignore_errors=True)
        return len(fresh)

    def _quads(self) -> Iterable[ox.Quad]:
        return iter(self._store)

    def triple_count(self) -> int:
        return len(self._store)

    # ------------------------------------------------------------------ querying

    def _evaluate(self, request: QueryRequest) -> QueryResult:
        reply = self._pool.run(request.message("query", self.settings), request.deadline)
        raise_for_reply(reply)
        return _build_result(reply)

    def warm(self) -> None:
        self._pool.warm()

    def close(self) -> None:
        """Stop the workers and let go of the on-disk store (its lock) too."""
        self._pool.close()
        self._store = ox.Store()

    def worker_pids(self) -> list[int]:
        return self._pool.pids()
