"""Data-driven SHACL cases: every file in tests/data/invalid breaks exactly one rule of
ontology/shapes/, and every file in tests/data/valid conforms.

Each invalid file starts with ``# expect-...`` comment lines naming the shape, the focus
node, the severity and the path (``-`` for none). The report row must match them, and its
message must be the shape's own sh:message (with any ``{?var}`` filled in). Files are
parsed against the real base IRI, together with the ontology (for rdfs:subClassOf) and
tests/data/shapes-base.ttl (a council, a source and a service every case can point at).
"""

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from csc_graph.governance.report import Report
from csc_graph.governance.shacl import validate_graph
from csc_graph.rdf.files import parse_file, read_union
from csc_graph.rdf.namespaces import SH
from governance_fixtures import DATA, SETTINGS, SHAPES, base_graph, report_on

VALID = sorted((DATA / "valid").glob("*.ttl"))
INVALID = sorted((DATA / "invalid").glob("*.ttl"))

# Deleting or adding a case must be deliberate: change these numbers with it.
EXPECTED_VALID = 6
EXPECTED_INVALID = 37


def case_report(path: Path) -> Report:
    return report_on(parse_file(path, SETTINGS, into=base_graph()))


def expectations(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*expect-([a-z-]+):\s*(.+?)\s*$", line)
        if match:
            found[match[1]] = match[2]
    return found


def shape_message_pattern(node: Node) -> re.Pattern[str]:
    """The shape's sh:message as a regex: ``{?path}`` and the like match any text."""
    message = SHAPES.value(node, SH.message)
    assert message is not None, f"{node} has no sh:message"
    parts = re.split(r"\{[?$]\w+\}", str(message))
    return re.compile(".+".join(map(re.escape, parts)) + r"\Z", re.DOTALL)


def test_case_counts() -> None:
    assert len(VALID) == EXPECTED_VALID
    assert len(INVALID) == EXPECTED_INVALID


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_case_conforms(path: Path) -> None:
    report = case_report(path)
    assert report.failing("Violation") == []
    assert report.conforms


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_case_breaks_its_one_rule(path: Path) -> None:
    expect = expectations(path)
    assert {"shape", "focus", "severity", "path"} <= expect.keys(), "missing expect- lines"
    report = case_report(path)

    violations = report.failing("Violation")
    assert len(violations) == 1, [(r.shape, r.focus, r.message) for r in violations]
    row = violations[0]
    assert not report.conforms
    assert row.severity == expect["severity"]
    assert row.shape == expect["shape"]
    assert row.focus == urljoin(SETTINGS.base_iri, expect["focus"])
    assert row.path == (None if expect["path"] == "-" else expect["path"])

    (result,) = report.shacl.subjects(SH.resultSeverity, SH.Violation)
    constraint = report.shacl.value(result, SH.sourceConstraint) or report.shacl.value(
        result, SH.sourceShape
    )
    assert constraint is not None
    assert shape_message_pattern(constraint).match(row.message), row.message


def test_every_named_shape_has_a_case() -> None:
    """A new shape without a negative case fails here."""
    named = {
        str(s)
        for s in SHAPES.subjects(predicate=None, object=SH.NodeShape)
        if isinstance(s, URIRef)
    }
    covered = {expectations(path)["shape"] for path in INVALID}
    assert named - covered == set()


RESULT_FIELDS = (
    SH.resultSeverity,
    SH.focusNode,
    SH.resultPath,
    SH.value,
    SH.sourceShape,
    SH.sourceConstraint,
    SH.sourceConstraintComponent,
    SH.resultMessage,
)


def result_rows(report: Graph) -> list[tuple[Node | None, ...]]:
    """Every sh:ValidationResult as a row of its fields (blank nodes as the shapes graph's)."""
    return sorted(
        (
            tuple(report.value(result, field) for field in RESULT_FIELDS)
            for result in report.subjects(SH.resultSeverity, None)
        ),
        key=lambda row: tuple(map(str, row)),
    )


def engines_agree(data: Graph) -> list[tuple[Node | None, ...]]:
    """Validate with pyshacl-turbo and with pySHACL, the reference; require the same rows."""
    fast = validate_graph(data, SHAPES, engine="turbo")
    reference = validate_graph(data, SHAPES, engine="pyshacl")
    assert result_rows(fast.report_graph) == result_rows(reference.report_graph)
    assert (fast.conforms, fast.violation_count, fast.warning_count, fast.info_count) == (
        reference.conforms,
        reference.violation_count,
        reference.warning_count,
        reference.info_count,
    )
    return result_rows(fast.report_graph)


@pytest.mark.parametrize("path", VALID + INVALID, ids=[p.stem for p in VALID + INVALID])
def test_turbo_engine_matches_pyshacl(path: Path) -> None:
    rows = engines_agree(parse_file(path, SETTINGS, into=base_graph()))
    if path in INVALID:
        assert rows, "an invalid case gave no result"
        shape_blank_nodes = {row[5] for row in rows if isinstance(row[5], BNode)}
        assert all((node, None, None) in SHAPES for node in shape_blank_nodes)


def test_turbo_engine_matches_pyshacl_on_the_lewisham_graph() -> None:
    rows = engines_agree(read_union(SETTINGS))
    severities = {str(row[0]).rsplit("#", 1)[1] for row in rows}
    assert "Violation" not in severities
