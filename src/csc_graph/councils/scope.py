"""One council's view of a store holding many: the ontology, the shared law and that
council's named graphs, as the default graph and the named graphs of every query.

Every answer built on a Store (named queries, the services API, pathways, coverage) takes a
council by being given this view instead of the whole store; nothing else changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

import pyoxigraph as ox
from rdflib import Dataset

from csc_graph.cache import ContentCache
from csc_graph.config import Settings
from csc_graph.errors import StoreError
from csc_graph.store.base import QueryRequest, QueryResult, Store


class UnknownCouncil(ValueError):
    """A council that is not served; the message lists those that are."""


def council_graph_prefixes(settings: Settings, council: str) -> tuple[str, ...]:
    """The named-graph IRIs a council's view keeps start with one of these."""
    graphs = f"{settings.base_iri}graph/"
    return (f"{graphs}ontology/", f"{graphs}graph/law/", f"{graphs}graph/{council}/")


_graph_names: ContentCache[tuple[str, ...]] = ContentCache(size=16)


def graph_names(store: Store) -> tuple[str, ...]:
    """The store's named graphs, read once per content hash (listing them reads every quad)."""
    key = (store.settings.base_iri, store.content_hash())
    return _graph_names.get_or_compute(key, lambda: tuple(map(str, store.graph_names())))


def served_councils(store: Store) -> list[str]:
    """The councils whose files are in the store (by their named graphs), sorted."""
    prefix = f"{store.settings.base_iri}graph/graph/"
    found = {
        name[len(prefix) :].split("/", 1)[0]
        for name in graph_names(store)
        if name.startswith(prefix)
    }
    return sorted(found - {"law"})


class CouncilView(Store):
    """A read-only Store over one council's graphs (and the ontology and law) of another."""

    def __init__(self, inner: Store, council: str, graphs: Iterable[str]) -> None:
        super().__init__(inner.settings)
        self.inner = inner
        self.council = council
        self.graphs = tuple(sorted(graphs))

    def _evaluate(self, request: QueryRequest) -> QueryResult:
        if not request.default_graph_uris and not request.named_graph_uris:
            request = replace(request, default_graph_uris=self.graphs, named_graph_uris=self.graphs)
        inner = self.inner.with_limits(
            max_rows=self.settings.max_rows,
            query_timeout=self.settings.query_timeout,
            max_result_bytes=self.settings.max_result_bytes,
        )
        return inner._evaluate(request)

    def warm(self) -> None:
        self.inner.warm()

    def close(self) -> None:
        """A view owns no processes: the store it views is closed by its owner."""

    def content_hash(self) -> str:
        """Derived from the whole store's hash and the council: as stable as that one, and
        cheap (a view is made per request; hashing its quads each time would not be)."""
        return hashlib.sha256(f"{self.inner.content_hash()}|{self.council}".encode()).hexdigest()

    def _swap(self, dataset: Dataset) -> int:
        raise StoreError("A council's view is read-only; load the store it views")

    def _quads(self) -> Iterable[ox.Quad]:
        kept = set(self.graphs)
        return (
            quad
            for quad in self.inner._quads()
            if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in kept
        )


def council_view(store: Store, council: str | None) -> Store:
    """``store`` itself for no council; else the view of that council. Raises UnknownCouncil
    for a council the store does not hold."""
    if not council:
        return store
    known = served_councils(store)
    if council not in known:
        raise UnknownCouncil(
            f"No council {council!r} is served; the councils are: {', '.join(known) or 'none'}"
        )
    prefixes = council_graph_prefixes(store.settings, council)
    graphs = [name for name in graph_names(store) if name.startswith(prefixes)]
    return CouncilView(store, council, graphs)
