"""The one store interface the rest of the project uses, and the factory that picks one.

Two implementations sit behind it: the embedded Oxigraph (``store_embedded``, the default,
in memory or on disk) and any SPARQL 1.1 endpoint (``store_remote``, when
``settings.store_url`` is set). Nothing above this module knows which one it has.

What both share lives here: the query guard (no network, no updates), parameter binding,
and the dataset helpers (graph names, counts, a content hash). The store only stores: it
does not validate. Data reaches it through ``governance.gate``, which validates first.
"""

from __future__ import annotations

import copy
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from csc_graph.config import Settings
from csc_graph.errors import (
    QueryBusy,
    QueryMemoryExceeded,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooComplex,
    ResultTruncated,
    StoreError,
)
from csc_graph.sparql.escapes import apply_codepoint_escapes
from csc_graph.sparql.limits import check_depth
from csc_graph.sparql.results import QueryResult
from csc_graph.sparql.values import bind_values
from csc_graph.store.terms import canonical_nquads, to_rdflib, to_rdflib_dataset
from csc_graph.store.workers import deadline_for

__all__ = [
    "QueryBusy",
    "QueryMemoryExceeded",
    "QueryRefused",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "QueryTooComplex",
    "ResultTruncated",
    "Store",
    "StoreError",
]


@dataclass(frozen=True)
class QueryRequest:
    """One text for guard and engine: escapes applied once, depth checked, bindings written
    in as VALUES; the guard's parse and the evaluation happen in a worker process."""

    text: str
    default_graph_uris: Sequence[str]
    named_graph_uris: Sequence[str]
    deadline: float  # time.monotonic() by which the answer must be back

    def message(self, op: str, settings: Settings) -> dict[str, Any]:
        """The request as a worker reads it (JSON)."""
        return {
            "op": op,
            "text": self.text,
            "base_iri": settings.base_iri,
            "default": list(self.default_graph_uris),
            "named": list(self.named_graph_uris),
            "max_rows": settings.max_rows,
            "max_bytes": settings.max_result_bytes,
        }


class Store(ABC):
    """A read-only SPARQL view of the loaded graph, plus a guarded way to replace it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._hash: str | None = None  # of the loaded data; cleared whenever it is replaced

    # ------------------------------------------------------------------ querying

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryResult:
        """Run one SPARQL query over the union of all named graphs, within the limits.

        ``default_graph_uris`` / ``named_graph_uris`` (the protocol's dataset, else the query's
        FROM / FROM NAMED) name graphs of the store; a name the store does not hold is an
        empty graph. Nothing is ever fetched.

        ``bindings`` pre-bind variables (by name, without '?') to typed rdflib terms. Both
        stores bind the same way, with a VALUES block of escaped terms at the start of the
        outermost WHERE group (``sparql_values``): pyoxigraph's own substitutions only take
        variables that the SELECT projects, and a remote endpoint has none.
        The deadline counts from the request's arrival (``workers.arrival``), so time
        spent waiting for a worker counts too. Raises QuerySyntaxError (QueryTooComplex),
        QueryRefused, QueryTimeout, QueryBusy or QueryMemoryExceeded.
        """
        deadline = deadline_for(self.settings.query_timeout)
        text = apply_codepoint_escapes(sparql)
        check_depth(text, self.settings.max_query_depth)
        try:
            text = bind_values(text, bindings or {})
        except ValueError as exc:
            raise QuerySyntaxError(f"Cannot bind parameters: {exc}") from None
        base = self.settings.base_iri
        defaults = graph_names(default_graph_uris, base)
        request = QueryRequest(text, defaults, graph_names(named_graph_uris, base), deadline)
        return self._evaluate(request)

    def query_whole(self, sparql: str, **options: Any) -> QueryResult:
        """Like query(), for the project's own queries (pathways, checks, exports, pages):
        the whole answer or ResultTruncated, never an answer silently cut at max_rows."""
        result = self.query(sparql, **options)
        if result.truncated:
            raise ResultTruncated(
                f"A query of the project's own returned more than {self.settings.max_rows} "
                "rows (CSC_GRAPH_MAX_ROWS); raise the limit to see the whole answer"
            )
        return result

    def construct_whole(self, sparql: str, **options: Any) -> Graph:
        """The whole answer of a CONSTRUCT or DESCRIBE query of the project's own."""
        result = self.query_whole(sparql, **options)
        if result.graph is None:
            raise StoreError(f"Expected a CONSTRUCT or DESCRIBE query, got a {result.kind} query")
        return result.graph

    @abstractmethod
    def _evaluate(self, request: QueryRequest) -> QueryResult: ...

    @abstractmethod
    def warm(self) -> None:
        """Start the query processes now rather than at the first query."""

    @abstractmethod
    def close(self) -> None:
        """Stop the query processes (they also stop when this process ends)."""

    def with_limits(
        self,
        *,
        max_rows: int | None = None,
        query_timeout: float | None = None,
        max_result_bytes: int | None = None,
    ) -> Store:
        """A view of the same data with other limits (say, a smaller row cap for one request).
        It shares the loaded data as it is now; a later load() on this store is not seen."""
        limits = {
            "max_rows": max_rows,
            "query_timeout": query_timeout,
            "max_result_bytes": max_result_bytes,
        }
        view = copy.copy(self)
        view.settings = self.settings.model_copy(
            update={k: v for k, v in limits.items() if v is not None}
        )
        return view

    # ------------------------------------------------------------------ replacing

    def replace(self, dataset: Dataset) -> int:
        """Swap the store's content for this dataset; returns the number of quads. Readers
        see either the old data or the new, never a mix. Only ``governance.gate`` calls this
        for the served graph, after validating the dataset."""
        self._hash = None
        return self._swap(dataset)

    @abstractmethod
    def _swap(self, dataset: Dataset) -> int:
        """Replace the content in the backing store; returns the number of quads."""

    # ------------------------------------------------------------------ inspection

    @abstractmethod
    def _quads(self) -> Iterable[ox.Quad]:
        """Every quad in the store."""

    def dataset(self) -> Dataset:
        """The whole store as an rdflib Dataset (one graph per named graph)."""
        return to_rdflib_dataset(self._quads())

    def content_hash(self) -> str:
        """SHA-256 of the canonical, sorted N-Quads: equal data gives an equal hash.

        Computed once per load (it reads every quad) and kept until the data is replaced;
        the store is read-only in between, so the ETags built on it stay cheap.
        """
        if self._hash is None:
            self._hash = hashlib.sha256(canonical_nquads(self._quads()).encode()).hexdigest()
        return self._hash

    def graph_names(self) -> list[URIRef]:
        names = {
            q.graph_name.value for q in self._quads() if isinstance(q.graph_name, ox.NamedNode)
        }
        return sorted(URIRef(n) for n in names)

    def graph(self, name: str | None) -> Graph | None:
        """The triples of one named graph, or with None of the default graph (the union of
        them all); None when the store holds no graph of that name."""
        graph = Graph()
        for quad in self._quads():
            if name is None or (
                isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == name
            ):
                graph.add(
                    (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
                )
        return graph if name is None or len(graph) else None

    def triple_count(self) -> int:
        """The number of quads: each named graph's triples counted once per graph."""
        return sum(1 for _ in self._quads())


def graph_names(iris: Sequence[str], base_iri: str) -> tuple[str, ...]:
    """Dataset IRIs as absolute graph names: a relative one is read against the base, as in
    ``FROM <graph/...>``; one that is not an IRI at all is a QuerySyntaxError."""
    names = []
    for iri in iris:
        name = urljoin(base_iri, str(iri))
        try:
            ox.NamedNode(name)
        except ValueError:
            raise QuerySyntaxError(f"<{iri}> is not an IRI, so it names no graph") from None
        names.append(name)
    return tuple(names)
