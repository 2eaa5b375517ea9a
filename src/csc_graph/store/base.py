"""The one store interface the rest of the project uses, and the factory that picks one.

Two implementations sit behind it: the embedded Oxigraph (``store_embedded``, the default,
in memory or on disk) and any SPARQL 1.1 endpoint (``store_remote``, when
``settings.store_url`` is set). Nothing above this module knows which one it has.

What both share lives here: the query guard (no network, no updates), the loading gate
(data that fails SHACL with a Violation is never loaded over good data), and the dataset
helpers (graph names, counts, a content hash).
"""

from __future__ import annotations

import copy
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from csc_graph.config import Settings
from csc_graph.governance.shacl import (
    CheckResult,
    ValidationOutcome,
    all_checks,
    check_files,
    validate_graph,
)
from csc_graph.rdf.files import data_files, read_dataset, read_shapes, shape_files
from csc_graph.sparql.guard import (
    CheckedQuery,
    QueryKind,
    QueryRefused,
    QuerySyntaxError,
    StoreError,
    check_graph_iris,
    check_query,
)
from csc_graph.sparql.values import bind_values
from csc_graph.store.terms import canonical_nquads, to_rdflib_dataset

__all__ = [
    "DataFileError",
    "FailedChecksError",
    "InvalidGraphError",
    "Progress",
    "QueryRefused",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "ResultTruncated",
    "Store",
    "StoreError",
    "open_store",
]

Progress = Callable[[str, int, int], None]
"""Called as progress(step description, steps done, steps in all) while loading."""


class ResultTruncated(StoreError):
    """The project's own query hit the row cap; its caller needs the whole answer."""


class QueryTimeout(StoreError):
    """The query ran past settings.query_timeout and was stopped."""


class DataFileError(StoreError):
    """A data file could not be read or parsed; the message names the file and line."""


class FailedChecksError(StoreError):
    """SHACL passed, but a QC check (queries/checks/*-violation.rq) found rows or could not
    run, so the data was not loaded."""

    def __init__(self, failed: list[CheckResult]) -> None:
        names = ", ".join(check.name for check in failed)
        super().__init__(f"{len(failed)} QC check(s) failed ({names}); nothing was loaded")
        self.failed = failed


class InvalidGraphError(StoreError):
    """The data failed SHACL with at least one Violation, so it was not loaded."""

    def __init__(self, outcome: ValidationOutcome) -> None:
        super().__init__(
            f"The graph has {outcome.violation_count} SHACL Violation(s); nothing was loaded"
        )
        self.outcome = outcome


@dataclass
class QueryResult:
    """Rows of rdflib terms (SELECT), a boolean (ASK) or a graph (CONSTRUCT / DESCRIBE)."""

    kind: QueryKind
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False


@dataclass(frozen=True)
class QueryRequest:
    """A checked query, its bindings already written in as VALUES, ready to run."""

    checked: CheckedQuery
    text: str
    default_graph_uris: Sequence[str]
    named_graph_uris: Sequence[str]


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

        ``bindings`` pre-bind variables (by name, without '?') to typed rdflib terms. Both
        stores bind the same way, with a VALUES block of escaped terms at the start of the
        outermost WHERE group (``sparql_values``): pyoxigraph's own substitutions only take
        variables that the SELECT projects, and a remote endpoint has none.
        Raises QuerySyntaxError, QueryRefused or QueryTimeout.
        """
        checked = check_query(sparql, self.settings.base_iri)
        check_graph_iris([*default_graph_uris, *named_graph_uris], self.settings.base_iri)
        try:
            text = bind_values(checked.text, bindings or {})
        except ValueError as exc:
            raise QuerySyntaxError(f"Cannot bind parameters: {exc}") from None
        if not default_graph_uris and not named_graph_uris:  # the protocol overrides FROM
            default_graph_uris, named_graph_uris = checked.default_graphs, checked.named_graphs
        request = QueryRequest(checked, text, tuple(default_graph_uris), tuple(named_graph_uris))
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

    @abstractmethod
    def _evaluate(self, request: QueryRequest) -> QueryResult: ...

    def with_limits(
        self, *, max_rows: int | None = None, query_timeout: float | None = None
    ) -> Store:
        """A view of the same data with other limits (say, a smaller row cap for one request).
        It shares the loaded data as it is now; a later load() on this store is not seen."""
        limits = {"max_rows": max_rows, "query_timeout": query_timeout}
        view = copy.copy(self)
        view.settings = self.settings.model_copy(
            update={k: v for k, v in limits.items() if v is not None}
        )
        return view

    # ------------------------------------------------------------------ loading

    def load(self, settings: Settings | None = None, progress: Progress | None = None) -> int:
        """Read, validate and load the ontology and graph files; returns the quad count.

        Refuses when SHACL finds a Violation (InvalidGraphError) or a QC check fails
        (FailedChecksError), leaving the current data in place: what the report calls
        "must fix" is never served. Readers see either the old data or the new, never a mix.
        """
        settings = settings or self.settings
        report = progress or (lambda _step, _done, _total: None)
        report("Reading data files", 0, 4)
        key = _files_key(settings)  # before reading, so a later edit is not cached as valid
        try:
            dataset = read_dataset(settings)
        except Exception as exc:
            raise DataFileError(str(exc)) from exc
        report("Validating with SHACL", 1, 4)
        outcome, failed_checks = _validate(key, settings, dataset)
        if not outcome.conforms:
            raise InvalidGraphError(outcome)
        if failed_checks:
            raise FailedChecksError(failed_checks)
        report("Loading into the store", 2, 4)
        count = self._replace(dataset)
        report("Loaded", 4, 4)
        return count

    def _replace(self, dataset: Dataset) -> int:
        """Swap the store's content for this dataset; returns the number of quads."""
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

    def triple_count(self) -> int:
        """The number of quads: each named graph's triples counted once per graph."""
        return sum(1 for _ in self._quads())


_outcomes: dict[tuple[object, ...], tuple[ValidationOutcome, list[CheckResult]]] = {}


def _files_key(settings: Settings) -> tuple[object, ...]:
    captured = [p for d in (settings.law_dir, settings.council_dir) for p in d.glob("sources/*")]
    files = [*data_files(settings), *shape_files(settings), *check_files(settings), *captured]
    return (settings.base_iri, *((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))


def _validate(
    key: tuple[object, ...], settings: Settings, dataset: Dataset
) -> tuple[ValidationOutcome, list[CheckResult]]:
    """SHACL outcome and failed QC checks for the files as they were when read; unchanged
    files are validated once per process (validation takes seconds, and tests and reloads
    repeat it). The checks run on the union graph with rdflib, before anything is loaded."""
    if key not in _outcomes:
        union = union_graph(dataset)
        outcome = validate_graph(union, read_shapes(settings))
        checks = all_checks(union, union, settings) if outcome.conforms else []
        _outcomes[key] = (outcome, [check for check in checks if not check.passed])
    return _outcomes[key]


def union_graph(dataset: Dataset) -> Graph:
    """All named graphs of a dataset merged into one graph, as SHACL validates it."""
    union = Graph()
    for prefix, namespace in dataset.namespaces():
        union.bind(prefix, namespace, override=True)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def open_store(settings: Settings) -> Store:
    """The embedded store, or the remote one when settings.store_url is set. Not loaded."""
    if settings.store_url:
        from csc_graph.store.remote import RemoteStore

        return RemoteStore(settings)
    from csc_graph.store.embedded import EmbeddedStore

    return EmbeddedStore(settings)
