"""SHACL validation of the data graph against ontology/shapes/.

``validate_graph`` is what the loading gate (``gate.py``) calls. The rest adds what a
governance reviewer needs: scoping to one focus node or shape, optional RDFS inference over
the ontology, and the content hashes that key a report to one version of the data and rules
(``reports.py`` assembles the report; ``checks.py`` holds the QC SPARQL checks).

Two engines with one interface (``ENGINES``): "turbo", the default, and pySHACL itself, the
reference. pySHACL parses each SPARQL constraint again for every focus node, which is most of
its time (9 s of the Lewisham graph's 10 s). "turbo" is pyshacl-turbo (Rust, pySHACL's API and
report graph) for the core constraints, and each SPARQL constraint as one Oxigraph query over
all focus nodes (``sparql_constraints.py``), which keeps the time linear in the data.
``tests/test_shapes_cases.py`` runs both on every SHACL case and requires the same results
(severity, focus node, path, value, shape, constraint and message, blank nodes included);
``benchmarks/bench_validation.py`` measures them side by side, up to 100 times Lewisham.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import pyoxigraph as ox
import pyshacl
import pyshacl_turbo
from rdflib import Graph, URIRef

from csc_graph.config import Settings
from csc_graph.governance.checks import check_files
from csc_graph.governance.sparql_constraints import (
    SparqlConstraint,
    oxigraph_store,
    results_into,
    run_constraints,
    split_shapes,
)
from csc_graph.rdf.files import bind_prefixes, data_files, shape_files
from csc_graph.rdf.namespaces import SH

SEVERITIES = ("Violation", "Warning", "Info")
"""Severities from most to least serious; a threshold includes everything before it."""


@dataclass(frozen=True)
class ValidationOutcome:
    """Whether the graph conforms, and the raw sh:ValidationReport graph."""

    conforms: bool
    violation_count: int
    warning_count: int
    info_count: int
    report_graph: Graph


@dataclass(frozen=True)
class Scope:
    """What to validate: everything (the default), some focus nodes, some shapes, inference."""

    focus: tuple[URIRef, ...] = ()
    shapes: tuple[URIRef, ...] = ()
    inference: bool = False

    def key(self) -> str:
        return "|".join([*map(str, self.focus), "#", *map(str, self.shapes), str(self.inference)])


Engine = Literal["turbo", "pyshacl"]
ENGINES: Mapping[str, Callable[..., tuple[Any, Any, Any]]] = {
    "turbo": pyshacl_turbo.validate,
    "pyshacl": pyshacl.validate,
}
"""SHACL engines by name; both take pySHACL's arguments and return its (conforms, report
graph, text) triple."""
DEFAULT_ENGINE: Engine = "turbo"

SHAPES_NAMESPACE = "https://w3id.org/csc-graph/shapes#"


class ScopeError(ValueError):
    """A --focus node that is not in the data, or a --shape that is not in the shapes."""


def scope_from(
    focus: Iterable[str] = (),
    shapes: Iterable[str] = (),
    inference: bool = False,
    base_iri: str = "",
) -> Scope:
    """A Scope from what a person types: ``lewisham/mash`` resolves against the base IRI and
    ``UnitParentShape`` against the shapes namespace; full IRIs are kept as they are."""
    return Scope(
        tuple(URIRef(urljoin(base_iri, name)) for name in focus),
        tuple(URIRef(name if ":" in name else SHAPES_NAMESPACE + name) for name in shapes),
        inference,
    )


def check_scope(data: Graph, shapes: Graph, scope: Scope) -> None:
    """Refuse a scope that names nothing, rather than report a clean bill of health."""
    for node in scope.focus:
        if (node, None, None) not in data and (None, None, node) not in data:
            raise ScopeError(f"{node} is not in the data")
    for shape in scope.shapes:
        if (shape, None, None) not in shapes:
            raise ScopeError(f"{shape} is not a shape in ontology/shapes/")


def _count(report: Graph, severity: URIRef) -> int:
    return len(set(report.subjects(SH.resultSeverity, severity)))


def validate_graph(
    data: Graph,
    shapes: Graph,
    scope: Scope | None = None,
    engine: Engine = DEFAULT_ENGINE,
    oxigraph: ox.Store | None = None,
) -> ValidationOutcome:
    """Validate with ``engine`` (see ENGINES); 'conforms' means no result of severity Violation.

    Raises ScopeError for a focus node or shape that does not exist. The data graph should
    hold the ontology too, so that sh:targetClass and sh:class see
    rdfs:subClassOf (a csc:SubTeam is a csc:Team). With ``scope.inference`` pySHACL also
    adds the RDFS entailments (on a copy; the caller's graph is left alone). ``oxigraph``
    may hold ``data`` already (``sparql_constraints.oxigraph_store``), to be reused.
    """
    scope = scope or Scope()
    check_scope(data, shapes, scope)
    constraints: list[SparqlConstraint] = []
    if engine == "turbo" and not scope.inference:
        shapes, constraints = split_shapes(shapes)
        if scope.shapes:
            constraints = [c for c in constraints if c.shape in scope.shapes]
    _, report_graph, _ = ENGINES[engine](
        data,
        shacl_graph=shapes,
        inference="rdfs" if scope.inference else "none",
        allow_warnings=True,
        advanced=False,
        focus_nodes=list(scope.focus) or None,
        use_shapes=list(scope.shapes) or None,
    )
    if not isinstance(report_graph, Graph):
        raise TypeError(f"the {engine} engine returned no report graph")
    if constraints:
        store = oxigraph if oxigraph is not None else oxigraph_store(data)
        results = run_constraints(store, constraints)
        if scope.focus:
            results = [result for result in results if result.focus in scope.focus]
        results_into(report_graph, results)
    bind_prefixes(report_graph)
    violations = _count(report_graph, SH.Violation)
    return ValidationOutcome(
        conforms=violations == 0,
        violation_count=violations,
        warning_count=_count(report_graph, SH.Warning),
        info_count=_count(report_graph, SH.Info),
        report_graph=report_graph,
    )


# --- Content hash and cache ------------------------------------------------------------


def files_hash(paths: Iterable[Path]) -> str:
    """A SHA-256 over file names and bytes: what the shapes and checks add to a store hash."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def rules_hash(settings: Settings) -> str:
    """Hash of everything besides the data that decides a report: shapes and QC checks."""
    return files_hash([*shape_files(settings), *check_files(settings)])


def inputs_hash(settings: Settings) -> str:
    """SHA-256 over the base IRI and every file SHACL and the SPARQL checks read: its path
    under the root and its bytes. (The quotes check also reads the captured source texts;
    ``quotes.captured_hash`` covers those.)"""
    files = [*data_files(settings), *shape_files(settings), *check_files(settings)]
    digest = hashlib.sha256(settings.base_iri.encode() + b"\0")
    for path in files:
        relative = path.resolve().relative_to(settings.root.resolve()).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def violation_messages(outcome: ValidationOutcome, limit: int = 10) -> list[str]:
    """'focus: message' for the first Violations, so a refusal can say why."""
    lines = []
    for result in outcome.report_graph.subjects(SH.resultSeverity, SH.Violation):
        focus = outcome.report_graph.value(result, SH.focusNode)
        message = outcome.report_graph.value(result, SH.resultMessage)
        lines.append(f"{focus}: {message}")
    return sorted(lines)[:limit]


def data_hash(settings: Settings) -> str:
    """Hash of the data files, for callers without a store (the CLI)."""
    return files_hash(data_files(settings))


def severity_at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


def count_by_severity(severities: Iterable[str]) -> Mapping[str, int]:
    counts: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for severity in severities:
        counts[severity] += 1
    return counts
