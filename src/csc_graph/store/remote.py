"""The remote store: any SPARQL 1.1 endpoint, read through the SPARQL 1.1 Protocol and
loaded through the Graph Store Protocol.

The endpoint needs no union-default-graph option: a query without its own dataset is
sent with every named graph as ``default-graph-uri`` and ``named-graph-uri``, so a stock
``oxigraph serve`` answers the same as the embedded store. The guard's parse runs in a
sandboxed worker (``store.workers``), on the same text that is then sent. Bindings arrive
already written in as a VALUES block (see ``Store.query``). The time limit is a deadline on
the whole exchange, from the request's arrival; set the server's own limit too
(``oxigraph serve --timeout-s``) so it stops working when we stop waiting. Answers are read
as they stream (SELECT as TSV, graphs as N-Triples, both line by line) and reading stops at
``settings.max_result_bytes``, cut after the last whole line and flagged.

The content hash, quad count and graph names are read again when older than
``settings.store_hash_seconds``, since others may change the endpoint.

Loading PUTs each named graph in turn and then deletes graphs that are gone, so a reader
may briefly see some graphs new and others old; the SHACL gate still runs before the first
PUT, so invalid data never reaches the endpoint.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
from csc_graph.store.terms import canonical_nquads, to_rdflib
from csc_graph.store.workers import Payload, WorkerPool, raise_for_reply

_SELECT_TYPE = "application/sparql-results+json"
_GRAPH_TYPE = "application/n-triples"
_TSV_TYPE = "text/tab-separated-values"
# With a triple pattern: Virtuoso answers GRAPH ?g { } with one row and ?g unbound.
_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_BNODE_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
# A BASE before anything else in the query (after blanks and # comments).
_LEADING_BASE = re.compile(r"\A(?:\s|#[^\n]*)*(BASE\s*<[^>]*>)", re.IGNORECASE)


def graph_store_url(settings: Settings) -> str:
    if settings.store_graph_url:
        return settings.store_graph_url
    url = str(settings.store_url)
    if not url.rstrip("/").endswith("/query"):
        raise StoreError("Set CSC_GRAPH_STORE_GRAPH_URL: cannot derive the Graph Store URL")
    return url.rstrip("/")[: -len("query")] + "store"


@dataclass(frozen=True)
class _Snapshot:
    """What the endpoint held when last read: hash, quad count, when (time.monotonic())."""

    content_hash: str
    quads: int
    taken: float


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint as the store."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._client = httpx.Client()
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._graphs: tuple[float, list[str]] | None = None
        self._empty_store: Store | None = None
        # The guard runs in a sandboxed process here too: no parser state in this process.
        self._guards = WorkerPool(
            size=settings.query_workers,
            queue_length=settings.query_queue,
            memory_mb=settings.query_memory_mb,
            payload=Payload({"mode": "none"}),
        )

    # ------------------------------------------------------------------ protocol

    def _with_prologue(self, text: str) -> str:
        """The query after the default BASE and prefixes of the embedded store; the query's
        own ones win. A BASE the query opens with goes first, in place of ours: Virtuoso
        refuses a BASE after a PREFIX, although the grammar allows any order."""
        prefixes = "".join(f"PREFIX {p}: {iri_text(iri)}\n" for p, iri in PREFIXES.items())
        own_base = _LEADING_BASE.match(text)
        if own_base:
            return f"{own_base.group(1)}\n{prefixes}{text[own_base.end() :]}"
        return f"BASE {iri_text(self.settings.base_iri)}\n{prefixes}{text}"

    def _post_query(
        self,
        text: str,
        accept: str,
        params: dict[str, Any],
        deadline: float | None = None,
        max_bytes: int | None = None,
    ) -> tuple[bytes, bool]:
        """POST a query and read the answer as it streams, until the deadline; stop reading
        at max_bytes (then cut after the last whole line). Returns the body and whether it
        was cut."""
        if deadline is None:
            deadline = time.monotonic() + self.settings.query_timeout
        form = {"query": self._with_prologue(text), **params}
        chunks: list[bytes] = []
        size, cut = 0, False
        try:
            with self._client.stream(
                "POST",
                str(self.settings.store_url),
                data=form,
                headers={"Accept": accept},
                timeout=max(0.01, deadline - time.monotonic()),
            ) as response:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes and response.status_code < 300:
                        cut = True
                        break
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline")
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"The query ran for more than {self.settings.query_timeout:g} s and was stopped"
            ) from None
        except httpx.HTTPError as exc:
            raise StoreError(f"The SPARQL endpoint could not be reached: {exc}") from None
        body = b"".join(chunks)
        if response.status_code == 400:
            raise QuerySyntaxError(body.decode(errors="replace"))
        if response.status_code >= 300:
            raise StoreError(f"SPARQL endpoint answered {response.status_code}: {body[:500]!r}")
        if cut and max_bytes is not None:
            body = body[: body.rfind(b"\n", 0, max_bytes + 1) + 1]
        return body, cut

    def _solutions(self, text: str, params: dict[str, Any] | None = None) -> Any:
        body, _ = self._post_query(text, _SELECT_TYPE, params or {})
        return ox.parse_query_results(_plain_json_results(body), ox.QueryResultsFormat.JSON)

    # ------------------------------------------------------------------ querying

    def _evaluate(self, request: QueryRequest) -> QueryResult:
        reply = self._guards.run(request.message("check", self.settings), request.deadline)
        raise_for_reply(reply)
        kind = reply["kind"]
        dataset = self._dataset_to_send(list(reply["default"]), list(reply["named"]))
        if dataset is None:  # it names only graphs the store does not hold: an empty dataset
            return self._empty()._evaluate(request)
        params = {"default-graph-uri": dataset[0], "named-graph-uri": dataset[1]}
        cap, max_bytes = self.settings.max_rows, self.settings.max_result_bytes
        if kind == "ask":
            body, _ = self._post_query(request.text, _SELECT_TYPE, params, request.deadline)
            answer = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            return QueryResult(kind="ask", boolean=bool(answer))
        accept = _GRAPH_TYPE if kind == "graph" else _TSV_TYPE
        body, cut = self._post_query(request.text, accept, params, request.deadline, max_bytes)
        by_bytes = "bytes" if cut else None
        if kind == "graph":
            triples = list(_first(ox.parse(body, ox.RdfFormat.N_TRIPLES), cap + 1))
            graph = Graph()
            for t in triples[:cap]:
                graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            truncated_by = "rows" if len(triples) > cap else by_bytes
            return QueryResult(
                kind="graph", graph=graph, truncated=bool(truncated_by), truncated_by=truncated_by
            )
        if body.startswith(b'"'):  # Virtuoso's TSV is CSV-like ("name", bare values): ask JSON
            body, _ = self._post_query(request.text, _SELECT_TYPE, params, request.deadline)
            solutions: Any = ox.parse_query_results(
                _plain_json_results(body), ox.QueryResultsFormat.JSON
            )
        else:
            solutions = ox.parse_query_results(body, ox.QueryResultsFormat.TSV)
        variables = [v.value for v in solutions.variables]
        rows = [
            {v: to_rdflib(term) for v, term in zip(variables, s, strict=True) if term is not None}
            for s in _first(solutions, cap + 1)
        ]
        truncated_by = "rows" if len(rows) > cap else by_bytes
        return QueryResult(
            kind="select",
            variables=variables,
            rows=rows[:cap],
            truncated=bool(truncated_by),
            truncated_by=truncated_by,
        )

    # ------------------------------------------------------------------ datasets by name

    def _dataset_to_send(
        self, default: list[str], named: list[str]
    ) -> tuple[list[str], list[str]] | None:
        """The default and named graphs to name to the engine, or None for an empty dataset.

        Without a dataset (neither the protocol's nor FROM), every named graph of the store,
        both as the default graph (their union) and as named graphs: the endpoint needs no
        union-default-graph option, and with ``store_graph_prefix`` an engine's own graphs
        (Virtuoso's system graphs) stay out. With one, only the graphs it names that the
        store holds: a graph name is only a name, a graph the store does not hold is empty,
        and the engine never sees the name (some engines can be set to fetch unknown graphs).
        """
        if not default and not named:
            ours = self._graph_names()
            return (ours, ours) if ours else None
        held = self._held_graphs([*default, *named])
        kept = [g for g in default if g in held], [g for g in named if g in held]
        return kept if kept[0] or kept[1] else None

    def _held_graphs(self, names: list[str]) -> set[str]:
        """Which of these graph names hold at least one triple at the endpoint (and, with
        ``store_graph_prefix``, start with it)."""
        prefix = self.settings.store_graph_prefix or ""
        wanted = [name for name in dict.fromkeys(names) if name.startswith(prefix)]
        if not wanted:
            return set()
        values = " ".join(iri_text(name) for name in wanted)
        query = (
            f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} "
            "FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }"
        )
        return {str(row["g"].value) for row in self._solutions(query)}

    def _empty(self) -> Store:
        """An empty embedded store, kept for queries whose dataset the store does not hold:
        they run under the embedded store's limits, and no graph name reaches the engine."""
        with self._lock:
            if self._empty_store is None:
                from csc_graph.store.embedded import EmbeddedStore

                self._empty_store = EmbeddedStore(self.settings)
            return self._empty_store

    def warm(self) -> None:
        self._guards.warm()

    def close(self) -> None:
        self._guards.close()

    def worker_pids(self) -> list[int]:
        return self._guards.pids()

    # ------------------------------------------------------------------ what it holds

    def _fresh(self, taken: float) -> bool:
        return time.monotonic() - taken <= self.settings.store_hash_seconds

    def _graph_names(self) -> list[str]:
        with self._lock:
            if self._graphs is None or not self._fresh(self._graphs[0]):
                found = self._solutions(_GRAPHS)
                prefix = self.settings.store_graph_prefix or ""
                names = sorted(str(s["g"].value) for s in found if s["g"] is not None)
                self._graphs = (time.monotonic(), [n for n in names if n.startswith(prefix)])
            return list(self._graphs[1])

    def _read_snapshot(self) -> _Snapshot:
        """Hash and count, read again when older than settings.store_hash_seconds: others
        may change the endpoint, and ETags, /validation and /health must follow."""
        with self._lock:
            if (
                self._snapshot is None
                or self._hash is None
                or not self._fresh(self._snapshot.taken)
            ):
                quads = list(self._quads())
                digest = hashlib.sha256(canonical_nquads(quads).encode()).hexdigest()
                self._snapshot = _Snapshot(digest, len(quads), time.monotonic())
                self._hash = digest
            return self._snapshot

    def content_hash(self) -> str:
        return self._read_snapshot().content_hash

    def triple_count(self) -> int:
        return self._read_snapshot().quads

    def graph_names(self) -> list[URIRef]:
        return [URIRef(name) for name in self._graph_names()]

    # ------------------------------------------------------------------ loading

    def _swap(self, dataset: Dataset) -> int:
        self._graphs = None
        url = graph_store_url(self.settings)
        self._graphs = self._snapshot = None
        before = set(self.graph_names())
        count = 0
        for graph in dataset.graphs():
            if len(graph) == 0:
                continue
            body = graph.serialize(format="nt", encoding="utf-8")
            self._gsp("PUT", url, graph.identifier, content=body)
            before.discard(URIRef(str(graph.identifier)))
            count += len(graph)
        for stale in before:  # only graphs of ours: never an engine's own (system) graphs
            if str(stale).startswith(self.settings.base_iri):
                self._gsp("DELETE", url, stale)
        self._graphs = self._snapshot = None
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

    def _quads(self, graphs: list[str] | None = None) -> Iterable[ox.Quad]:
        """Every quad of the named graphs (of these graphs, when given), read by one query."""
        query = _ALL_QUADS
        if graphs is not None:
            values = " ".join(iri_text(g) for g in graphs)
            query = query.replace("WHERE {", f"WHERE {{ VALUES ?g {{ {values} }}", 1)
        elif self.settings.store_graph_prefix:
            prefix = json.dumps(self.settings.store_graph_prefix)
            query = query.replace("} }", f"}} FILTER(STRSTARTS(STR(?g), {prefix})) }}", 1)
        for s in self._solutions(query):
            yield ox.Quad(s["s"], s["p"], s["o"], s["g"])


def _first(items: Iterable[Any], n: int) -> Iterator[Any]:
    for index, item in enumerate(items):
        if index == n:
            return
        yield item


def _plain_json_results(body: bytes) -> bytes:
    """SPARQL JSON results as pyoxigraph reads them. Virtuoso names blank nodes
    ``nodeID://b10001`` (not a blank node label) and may type literals "typed-literal"
    (SPARQL 1.0 style); both are rewritten, anything else is passed through untouched."""
    if b'"bnode"' not in body and b'"typed-literal"' not in body:
        return body
    results = json.loads(body)
    for row in results.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                term["value"] = _BNODE_UNSAFE.sub("_", term["value"])
            elif term.get("type") == "typed-literal":
                term["type"] = "literal"
    return json.dumps(results).encode()
