"""A validation report a reviewer can read: one typed row per SHACL result, with context.

pySHACL's sh:ValidationReport names a focus node, a path and a shape. A reviewer also needs
to know what the focus node is called, which service it belongs to, which source and
sentence stand behind it, and what to do. ``build_report`` adds those from the data graph,
and puts the QC checks and the conflicts between sources beside the SHACL results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from csc_graph.governance.checks import CheckResult
from csc_graph.governance.conflicts import Conflict
from csc_graph.governance.fixes import suggest_fix
from csc_graph.governance.shacl import (
    SEVERITIES,
    Scope,
    ValidationOutcome,
    count_by_severity,
    severity_at_or_above,
)
from csc_graph.rdf.labels import id_link, label_of, node_key, qname, value_text
from csc_graph.rdf.namespaces import CSC, ORG, PROV, SCHEMA, SH

_OTHER_GROUPS: tuple[tuple[URIRef, str], ...] = (
    (CSC.LegalProvision, "Law and guidance"),
    (SKOS.Concept, "Concerns"),
    (CSC.Source, "Sources"),
    (ORG.Role, "Roles"),
)


@dataclass(frozen=True)
class ResultRow:
    """One SHACL result, with what a reviewer needs to find and fix it.

    ``focus`` is the IRI of the focus node; a blank node (such as a claim) is named by a
    stable description instead, so the same result keeps the same ``key`` across runs.
    """

    severity: str
    focus: str
    focus_label: str
    focus_link: str | None
    path: str | None
    path_label: str | None
    value: str | None
    shape: str
    component: str
    message: str
    source: str | None
    source_title: str | None
    quote: str | None
    fix: str
    group: str | None
    group_label: str

    @property
    def key(self) -> str:
        """What makes two results 'the same' when comparing two reports."""
        return "\x1f".join(
            [self.shape, self.component, self.focus, self.path or "", self.value or ""]
        )


@dataclass
class Report:
    """Everything the report formats show: SHACL rows, QC checks and conflicts."""

    conforms: bool
    results: list[ResultRow]
    checks: list[CheckResult]
    conflicts: list[Conflict]
    shacl: Graph
    content_hash: str = ""
    scope: Scope = field(default_factory=Scope)
    cache_key: str = ""
    """Data hash, rules hash and scope together: what an HTTP ETag is made from."""

    @property
    def counts(self) -> dict[str, int]:
        return dict(count_by_severity(row.severity for row in self.results))

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]

    def failing(self, threshold: str) -> list[ResultRow]:
        """The rows at or above a severity threshold ("Violation", "Warning" or "Info")."""
        return [row for row in self.results if severity_at_or_above(row.severity, threshold)]

    def passes(self, threshold: str) -> bool:
        """No SHACL result at or above the threshold and no failed QC check (a Violation)."""
        return not self.failing(threshold) and not self.failed_checks

    def groups(self) -> list[tuple[str, list[tuple[str, list[ResultRow]]]]]:
        """Rows grouped by service (by label), then by severity, most serious first."""
        by_group: dict[str, list[ResultRow]] = {}
        for row in self.results:
            by_group.setdefault(row.group_label, []).append(row)
        return [
            (label, _by_severity(rows))
            for label, rows in sorted(by_group.items(), key=lambda item: _group_order(item[1]))
        ]


def _by_severity(rows: list[ResultRow]) -> list[tuple[str, list[ResultRow]]]:
    return [
        (severity, sorted((r for r in rows if r.severity == severity), key=_row_order))
        for severity in SEVERITIES
        if any(r.severity == severity for r in rows)
    ]


def _group_order(rows: list[ResultRow]) -> tuple[int, str]:
    worst = min(SEVERITIES.index(row.severity) for row in rows)
    return worst, rows[0].group_label


def _row_order(row: ResultRow) -> tuple[str, str, str]:
    return row.focus_label, row.path_label or "", row.message


# --- Provenance and grouping -------------------------------------------------------------


def _claims_about(graph: Graph, subject: Node) -> list[Node]:
    return [c for c in graph.subjects(RDF.subject, subject) if (c, RDF.type, CSC.Claim) in graph]


def provenance(
    graph: Graph, focus: Node, path: Node | None, value: Node | None
) -> tuple[Node | None, Node | None]:
    """The source and quote behind a focus node: the best matching claim, or (None, None).

    A claim is its own provenance. Otherwise prefer a claim stating exactly this path and
    value, then (when the result names no value) this path, then the node's type, then any
    claim about it; for a node with no claims of its own (an age range), the claim that
    points at it. A claim for another value of the path states another fact, so it is not
    put forward as the source of this one (a fact with no claim shows its node's source).
    """
    if (focus, RDF.type, CSC.Claim) in graph:
        return graph.value(focus, PROV.wasDerivedFrom), graph.value(focus, CSC.quote)
    claims = _claims_about(graph, focus) or [
        c for c in graph.subjects(RDF.object, focus) if (c, RDF.type, CSC.Claim) in graph
    ]
    if not claims:
        return None, None

    def rank(claim: Node) -> tuple[int, str]:
        predicate = graph.value(claim, RDF.predicate)
        if predicate == path and value is not None:
            score = 0 if graph.value(claim, RDF.object) == value else 3
        elif predicate == path:
            score = 1
        else:
            score = 2 if predicate == RDF.type else 3
        return score, str(graph.value(claim, CSC.quote) or "")

    best = min(claims, key=rank)
    return graph.value(best, PROV.wasDerivedFrom), graph.value(best, CSC.quote)


def _subject_unit(graph: Graph, focus: Node) -> Node:
    """The unit a focus node speaks of: a claim's subject, an age range's owner, or itself."""
    if (focus, RDF.type, CSC.Claim) in graph:
        focus = graph.value(focus, RDF.subject) or focus
    owner = graph.value(None, SCHEMA.audience, focus)
    return owner if owner is not None else focus


def _nearest_service(graph: Graph, unit: Node) -> Node | None:
    """The unit itself if it is a service, else the closest service above it."""
    seen: set[Node] = set()
    frontier = [unit]
    while frontier:
        for node in sorted(frontier, key=str):
            if (node, RDF.type, CSC.Service) in graph:
                return node
        seen.update(frontier)
        frontier = [
            parent
            for node in frontier
            for parent in graph.objects(node, ORG.subOrganizationOf)
            if parent not in seen
        ]
    return None


def group_of(graph: Graph, focus: Node) -> tuple[Node | None, str]:
    """The service a result belongs to, or a named bucket for law, concerns and sources."""
    unit = _subject_unit(graph, focus)
    service = _nearest_service(graph, unit)
    if service is not None:
        return service, label_of(graph, service)
    types = set(graph.objects(unit, RDF.type))
    for node_type in list(types):
        types.update(t for t in graph.transitive_objects(node_type, RDFS.subClassOf) if t)
    for node_type, name in _OTHER_GROUPS:
        if node_type in types:
            return None, name
    return None, "Other"


# --- Building the report -----------------------------------------------------------------


def named_shape(shapes: Graph, shape: Node) -> Node:
    """The named shape an anonymous property shape or constraint sits in."""
    seen = {shape}
    while isinstance(shape, BNode):
        parents = [s for s in shapes.subjects(None, shape) if s not in seen]
        if not parents:
            break
        shape = parents[0]
        seen.add(shape)
    return shape


def _row(result: Node, report: Graph, data: Graph, shapes: Graph, base_iri: str) -> ResultRow:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    source_shape = report.value(result, SH.sourceShape)
    component = report.value(result, SH.sourceConstraintComponent)
    severity = report.value(result, SH.resultSeverity)
    if focus is None or source_shape is None or severity is None:
        raise ValueError(f"A SHACL result without focus, shape or severity: {result}")
    source, quote = provenance(data, focus, path, value)
    group, group_label = group_of(data, focus)
    constraint = report.value(result, SH.sourceConstraint) or source_shape
    return ResultRow(
        severity=str(severity).rsplit("#", 1)[-1],
        focus=node_key(data, focus),
        focus_label=label_of(data, focus),
        focus_link=id_link(focus, base_iri),
        path=None if path is None else str(path),
        path_label=None if path is None else qname(path),
        # A node-level result names the focus node itself as its value: shown once, as the item.
        value=None if value == focus and path is None else value_text(data, value),
        shape=str(named_shape(shapes, source_shape)),
        component=str(component).rsplit("#", 1)[-1],
        message=str(report.value(result, SH.resultMessage) or ""),
        source=None if source is None else str(source),
        source_title=None if source is None else label_of(data, source),
        quote=None if quote is None else str(quote),
        fix=suggest_fix(severity, shapes, constraint, component, data, focus, path, value),
        group=None if group is None else str(group),
        group_label=group_label,
    )


def result_rows(
    outcome: ValidationOutcome, data: Graph, shapes: Graph, base_iri: str
) -> list[ResultRow]:
    report = outcome.report_graph
    rows = [
        _row(r, report, data, shapes, base_iri)
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return sorted(rows, key=lambda r: (SEVERITIES.index(r.severity), r.group_label, *_row_order(r)))


def build_report(
    outcome: ValidationOutcome,
    data: Graph,
    shapes: Graph,
    *,
    base_iri: str,
    checks: Sequence[CheckResult] = (),
    conflicts: Iterable[Conflict] = (),
    content_hash: str = "",
    scope: Scope | None = None,
) -> Report:
    """Turn pySHACL's outcome into a Report, reading labels and claims from ``data``."""
    return Report(
        conforms=outcome.conforms,
        results=result_rows(outcome, data, shapes, base_iri),
        checks=list(checks),
        conflicts=list(conflicts),
        shacl=outcome.report_graph,
        content_hash=content_hash,
        scope=scope or Scope(),
    )
