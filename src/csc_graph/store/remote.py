"""The remote store: any SPARQL 1.1 endpoint, read through the SPARQL 1.1 Protocol and
loaded through the Graph Store Protocol.

The endpoint must use the union of its named graphs as the default graph (Oxigraph:
``oxigraph serve --union-default-graph``; Fuseki: ``tdb2:unionDefaultGraph true``).
Bindings arrive already written in as a VALUES block (see ``Store.query``). The time
limit is a deadline on the whole exchange; set the server's own limit too
(``oxigraph serve --timeout-s``) so it stops working when we stop waiting.

Loading PUTs each named graph in turn and then deletes graphs that are gone, so a reader
may briefly see some graphs new and others old; the SHACL gate still runs before the first
PUT, so invalid data never reaches the endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import PREFIXES
from csc_graph.sparql.values import iri_text
from csc_graph.store.base import (
    QueryRequest,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)
from csc_graph.store.terms import to_rdflib

_SELECT_TYPE = "application/sparql-results+json"
_GRAPH_TYPE = "application/n-triples"
_ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def graph_store_url(settings: Settings) -> str:
    if settings.store_graph_url:
        return settings.store_graph_url
    url = str(settings.store_url)
    if not url.rstrip("/").endswith("/query"):
        raise StoreError("Set CSC_GRAPH_STORE_GRAPH_URL: cannot derive the Graph Store URL")
    return url.rstrip("/")[: -len("query")] + "store"


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint as the store."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._client = httpx.Client()

    # ------------------------------------------------------------------ protocol

    def _prologue(self) -> str:
        """Default BASE and prefixes as in the embedded store; the query's own ones win."""
        prefixes = "".join(f"PREFIX {p}: {iri_text(iri)}\n" for p, iri in PREFIXES.items())
        return f"BASE {iri_text(self.settings.base_iri)}\n{prefixes}"

    def _post_query(self, text: str, accept: str, params: dict[str, Any]) -> bytes:
        """POST a query and read the whole answer before the deadline."""
        deadline = time.monotonic() + self.settings.query_timeout
        form = {"query": self._prologue() + text, **params}
        try:
            with self._client.stream(
                "POST",
                str(self.settings.store_url),
                data=form,
                headers={"Accept": accept},
                timeout=self.settings.query_timeout,
            ) as response:
                chunks = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline")
                body = b"".join(chunks)
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"The query ran for more than {self.settings.query_timeout:g} s and was stopped"
            ) from None
        except httpx.HTTPError as exc:
            raise StoreError(f"The SPARQL endpoint could not be reached: {exc}") from None
        if response.status_code == 400:
            raise QuerySyntaxError(body.decode(errors="replace"))
        if response.status_code >= 300:
            raise StoreError(f"SPARQL endpoint answered {response.status_code}: {body[:500]!r}")
        return body

    def _solutions(self, text: str, params: dict[str, Any] | None = None) -> Any:
        body = self._post_query(text, _SELECT_TYPE, params or {})
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)

    # ------------------------------------------------------------------ querying

    def _evaluate(self, request: QueryRequest) -> QueryResult:
        text = request.text
        params = {
            "default-graph-uri": list(request.default_graph_uris),
            "named-graph-uri": list(request.named_graph_uris),
        }
        cap = self.settings.max_rows
        if request.checked.kind == "graph":
            body = self._post_query(text, _GRAPH_TYPE, params)
            triples = list(_first(ox.parse(body, ox.RdfFormat.N_TRIPLES), cap + 1))
            graph = Graph()
            for t in triples[:cap]:
                graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            return QueryResult(kind="graph", graph=graph, truncated=len(triples) > cap)
        solutions = self._solutions(text, params)
        if request.checked.kind == "ask":
            return QueryResult(kind="ask", boolean=bool(solutions))
        variables = [v.value for v in solutions.variables]
        rows = [
            {v: to_rdflib(term) for v, term in zip(variables, s, strict=True) if term is not None}
            for s in _first(solutions, cap + 1)
        ]
        return QueryResult(
            kind="select", variables=variables, rows=rows[:cap], truncated=len(rows) > cap
        )

    # ------------------------------------------------------------------ loading

    def _swap(self, dataset: Dataset) -> int:
        url = graph_store_url(self.settings)
        before = set(self.graph_names())
        count = 0
        for graph in dataset.graphs():
            if len(graph) == 0:
                continue
            body = graph.serialize(format="nt", encoding="utf-8")
            self._gsp("PUT", url, graph.identifier, content=body)
            before.discard(URIRef(str(graph.identifier)))
            count += len(graph)
        for stale in before:
            self._gsp("DELETE", url, stale)
        return count

    def _gsp(self, method: str, url: str, graph: object, content: bytes | None = None) -> None:
        headers = {"Content-Type": _GRAPH_TYPE} if content is not None else {}
        response = self._client.request(
            method,
            url,
            params={"graph": str(graph)},
            content=content,
            headers=headers,
            timeout=max(60.0, self.settings.query_timeout),
        )
        if response.status_code >= 300:
            raise StoreError(f"Graph Store {method} {graph} answered {response.status_code}")

    def _quads(self) -> Iterable[ox.Quad]:
        for s in self._solutions(_ALL_QUADS):
            yield ox.Quad(s["s"], s["p"], s["o"], s["g"])


def _first(items: Iterable[Any], n: int) -> Iterator[Any]:
    for index, item in enumerate(items):
        if index == n:
            return
        yield item
