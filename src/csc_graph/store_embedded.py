"""The embedded store: pyoxigraph in this process, in memory or on disk.

pyoxigraph cannot cancel a running query, so each query is evaluated in a forked child
process that inherits the loaded store (copy-on-write, nothing is copied up front). The
parent waits up to ``settings.query_timeout`` and kills the child when it is over: a
runaway query ends with QueryTimeout and leaves no work behind. The child sends back at
most ``settings.max_rows`` + 1 rows as plain strings, so the cap is enforced before any
result crosses the process boundary.

Loading builds a new pyoxigraph Store and swaps the reference, so a reader sees either
the old data or the new. On disk, each load writes a fresh generation directory under
``settings.store_path`` and removes the older ones after the swap.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from csc_graph.config import Settings
from csc_graph.namespaces import PREFIXES
from csc_graph.oxterms import Encoded, dataset_quads, decode, encode
from csc_graph.store import (
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)

_FORK = multiprocessing.get_context("fork")
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
    store: ox.Store, kind: str, kwargs: dict[str, Any], max_rows: int, conn: Connection
) -> None:
    """The forked evaluator: one query, one message back, then exit."""
    try:
        conn.send(("ok", _collect(store.query(**kwargs), kind, max_rows)))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


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


class EmbeddedStore(Store):
    """pyoxigraph in process; the default store."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._store = self._open_existing() or self._new_store()

    # ------------------------------------------------------------------ storage

    def _generations(self) -> list[Path]:
        path = self.settings.store_path
        if path is None or not path.is_dir():
            return []
        return sorted(path.glob(f"{_GENERATION}*"), key=lambda p: int(p.name[len(_GENERATION) :]))

    def _open_existing(self) -> ox.Store | None:
        generations = self._generations()
        return ox.Store(str(generations[-1])) if generations else None

    def _new_store(self) -> ox.Store:
        if self.settings.store_path is None:
            return ox.Store()
        self.settings.store_path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(self.settings.store_path / f"{_GENERATION}{time.time_ns()}"))

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
        kind = request.checked.kind
        receiver, sender = _FORK.Pipe(duplex=False)
        args = (self._store, kind, self._query_kwargs(request), self.settings.max_rows, sender)
        child = _FORK.Process(target=_child, args=args, daemon=True)
        child.start()
        sender.close()
        try:
            if not receiver.poll(self.settings.query_timeout):
                raise QueryTimeout(
                    f"The query ran for more than {self.settings.query_timeout:g} s and was stopped"
                )
            status, payload = receiver.recv()
        except EOFError:
            raise StoreError("The query process ended without an answer") from None
        finally:
            receiver.close()
            if child.is_alive():
                child.kill()
            child.join()
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status == "error":
            raise StoreError(payload)
        return _build_result(kind, payload)
