"""SHACL validation of the data graph against ontology/shapes/.

The governance helper extends this module with report rows, formats and scoping; the
function below is the stable entry point the store's loading gate calls.
"""

from dataclasses import dataclass

import pyshacl
from rdflib import Graph
from rdflib.namespace import RDF

from csc_graph.namespaces import SH


@dataclass(frozen=True)
class ValidationOutcome:
    """Whether the graph conforms, and the raw sh:ValidationReport graph."""

    conforms: bool
    violation_count: int
    warning_count: int
    info_count: int
    report_graph: Graph


def _count(report: Graph, severity: object) -> int:
    return sum(1 for _ in report.subjects(SH.resultSeverity, severity))


def validate_graph(data: Graph, shapes: Graph) -> ValidationOutcome:
    """Validate with pySHACL; 'conforms' means no result of severity Violation."""
    _, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=False
    )
    assert isinstance(report_graph, Graph)
    violations = _count(report_graph, SH.Violation)
    return ValidationOutcome(
        conforms=violations == 0,
        violation_count=violations,
        warning_count=_count(report_graph, SH.Warning),
        info_count=_count(report_graph, SH.Info),
        report_graph=report_graph,
    )


def results(report_graph: Graph) -> list[object]:
    return list(report_graph.subjects(RDF.type, SH.ValidationResult))
