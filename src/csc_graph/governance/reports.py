"""Assemble the full governance report from the files on disk or from a loaded store.

SHACL results, the QC checks and the conflicts between sources come from three places;
this module runs them on the same data and caches the result by content hash, so the API
can serve /validation on request and validate only when the graph (or the rules) change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rdflib import Graph

from csc_graph.cache import ContentCache
from csc_graph.config import Settings
from csc_graph.governance.checks import all_checks
from csc_graph.governance.conflicts import find_conflicts
from csc_graph.governance.quotes import captured_hash, captured_paths
from csc_graph.governance.report import Report, build_report
from csc_graph.governance.shacl import Scope, inputs_hash, rules_hash, validate_graph
from csc_graph.rdf.files import parse_text, read_dataset, read_shapes, read_union, union_graph
from csc_graph.rdf.namespaces import CSC
from csc_graph.sparql.values import iri_text
from csc_graph.store.base import Store
from csc_graph.store.terms import canonical_nquads, dataset_quads

CAPTURED_TEXT_QUERY = f"SELECT DISTINCT ?path WHERE {{ ?source <{CSC.capturedText}> ?path }}"

REPORT_CACHE: ContentCache[Report] = ContentCache(size=8)
"""Reports by (data hash, rules hash, scope): validating the same content twice is waste."""


def report_for_graph(
    data: Graph,
    settings: Settings,
    *,
    scope: Scope | None = None,
    shapes: Graph | None = None,
    queryable: Graph | Store | None = None,
    content_hash: str = "",
) -> Report:
    """Validate ``data`` and add the QC checks and conflicts (run on ``queryable``).

    A scoped report (some focus nodes or shapes) leaves the checks and conflicts out:
    they are about the whole graph, not the part asked for.
    """
    scope = scope or Scope()
    shapes = shapes if shapes is not None else read_shapes(settings)
    outcome = validate_graph(data, shapes, scope, settings.shacl_engine)
    whole = not scope.focus and not scope.shapes
    source = queryable if queryable is not None else data
    return build_report(
        outcome,
        data,
        shapes,
        base_iri=settings.base_iri,
        checks=all_checks(source, data, settings) if whole else (),
        conflicts=find_conflicts(source, base_iri=settings.base_iri) if whole else (),
        content_hash=content_hash,
        scope=scope,
    )


def report_for_files(
    settings: Settings, scope: Scope | None = None, cache: ContentCache[Report] = REPORT_CACHE
) -> Report:
    """The report on the files ``settings`` names (ontology, law, council); no store needed.
    Computed once per content of every input file and scope."""
    scope = scope or Scope()
    data = read_union(settings)
    captured = captured_hash(captured_paths(data), settings.root)
    key = f"files:{inputs_hash(settings)}:{captured}:{scope.key()}"

    def compute() -> Report:
        return report_for_graph(
            data, settings, scope=scope, content_hash=files_content_hash(settings)
        )

    return cache.get_or_compute(key, compute)


def files_content_hash(settings: Settings) -> str:
    """The hash a store loaded from these files reports (``Store.content_hash``: canonical,
    sorted N-Quads, one named graph per file), so a report saved from the command line names
    the same content as the server's report on the same data."""
    quads = dataset_quads(read_dataset(settings))
    return hashlib.sha256(canonical_nquads(quads).encode()).hexdigest()


def report_for_store(
    store: Store,
    settings: Settings,
    scope: Scope | None = None,
    cache: ContentCache[Report] = REPORT_CACHE,
) -> Report:
    """The report on what ``store`` serves, computed once per content hash and scope."""
    scope = scope or Scope()
    content = store.content_hash()
    paths = [str(row["path"]) for row in store.query_whole(CAPTURED_TEXT_QUERY).rows]
    captured = captured_hash(paths, settings.root)
    key = f"{content}:{rules_hash(settings)}:{captured}:{scope.key()}"

    def compute() -> Report:
        data = union_graph(store.dataset())
        report = report_for_graph(
            data, settings, scope=scope, queryable=store, content_hash=content
        )
        report.cache_key = key
        return report

    return cache.get_or_compute(key, compute)


def files_holding(store: Store, settings: Settings, nodes: Iterable[str]) -> dict[str, list[str]]:
    """For each node, the data files (paths under the root, such as
    ``graph/lewisham/units.ttl``) whose named graphs state something about it: where a
    reviewer goes to fix a finding."""
    terms = []
    for node in sorted({n for n in nodes if n and not n.startswith("_:")}):
        try:
            terms.append(iri_text(node))
        except ValueError:  # a row about a claim or a literal names no node of a file
            continue
    if not terms:
        return {}
    listed = " ".join(terms)
    prefix = f"{settings.base_iri}graph/"
    result = store.query_whole(
        f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {listed} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    found: dict[str, list[str]] = {}
    for row in result.rows:
        graph = str(row["g"])
        if graph.startswith(prefix):
            found.setdefault(str(row["s"]), []).append(graph[len(prefix) :] + ".ttl")
    return {node: sorted(paths) for node, paths in found.items()}


def report_for_upload(text: str, settings: Settings) -> Report:
    """The report on someone's own Turtle, read beside the ontology and the law (so the
    classes and provisions it names are known); nothing is stored or merged into a store.
    A file that does not parse raises DataFileError naming the line and column."""
    shared = [
        path
        for folder in (settings.ontology_dir, settings.law_dir)
        for path in sorted(folder.glob("*.ttl"))
    ]
    data = read_union(settings, shared)
    parse_text(text, "your Turtle", settings, into=data)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return report_for_graph(data, settings, content_hash=digest)
