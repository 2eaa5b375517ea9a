"""report_formats.py: every format parsed back and compared with the report it came from."""

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import jsonschema
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from csc_graph.governance.checks import CheckResult
from csc_graph.governance.conflicts import find_conflicts
from csc_graph.governance.diff import Comparison, diff_reports
from csc_graph.governance.report import Report
from csc_graph.governance.shacl import Scope
from csc_graph.web.report_formats import (
    REPORT_FORMATS,
    load_schema,
    render_conflicts_html,
    render_html,
    render_json,
    render_jsonld,
    render_markdown,
    render_text,
    render_turtle,
)
from governance_fixtures import BASE, SHAPES_NS, crafted, report_on

# Two sources disagree on the team's parent (a conflict and a Warning); the team's age
# range is 18 to 17 and a section names no Act (two Violations); names with a | and <b>
# check escaping in Markdown and HTML.
CRAFTED = """
t:page-b a csc:Source ; dct:title "Page | B"@en ; dct:publisher t:council ;
    schema:url <https://example.org/page-b> ;
    csc:capturedOn "2026-12-02"^^<http://www.w3.org/2001/XMLSchema#date> ;
    csc:capturedText "tests/data/test-source.txt" .
t:team a csc:Team ; rdfs:label "Team <b>A</b>"@en ; dct:description "A team."@en ;
    org:subOrganizationOf t:service, t:council ; schema:audience t:team-ages .
t:team-ages a csc:AgeEligibility ; schema:requiredMinAge 18 ; schema:requiredMaxAge 17 ;
    csc:ageBasis t:source .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate rdf:type ; rdf:object csc:Team ;
    prov:wasDerivedFrom t:source ; csc:quote "Team A is part of the Test Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:service ;
    prov:wasDerivedFrom t:source ; csc:quote "Team A is part of the Test Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:council ;
    prov:wasDerivedFrom t:page-b ; csc:quote "Team A reports to the council itself." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate schema:audience ; rdf:object t:team-ages ;
    prov:wasDerivedFrom t:source ; csc:quote "Team A works with people aged 18 to 17." .
<http://www.legislation.gov.uk/id/ukpga/1989/41/section/17> a csc:Section ;
    rdfs:label "Children Act 1989, section 17"@en ; dct:description "Children in need."@en .
"""

CHECKS = [
    CheckResult("fine-violation", "Nothing is wrong", ["x"], []),
    CheckResult("teams-violation", "Teams | listed", ["team"], [{"team": BASE + "test/team"}]),
]


@pytest.fixture(scope="module")
def report() -> Report:
    data = crafted(CRAFTED)
    conflicts = find_conflicts(data, base_iri=BASE)
    return report_on(data, checks=CHECKS, conflicts=conflicts, content_hash="abc123")


def test_the_crafted_report_has_what_the_formats_must_show(report: Report) -> None:
    assert report.counts["Violation"] == 2
    assert report.counts["Warning"] == 1
    assert len(report.conflicts) == 1
    assert [c.name for c in report.failed_checks] == ["teams-violation"]


def test_turtle_is_the_shacl_report(report: Report) -> None:
    parsed = Graph().parse(data=render_turtle(report), format="turtle")
    assert isomorphic(parsed, report.shacl)


def test_jsonld_is_the_shacl_report(report: Report) -> None:
    parsed = Graph().parse(data=render_jsonld(report), format="json-ld")
    assert isomorphic(parsed, report.shacl)


def test_json_follows_its_schema_and_holds_every_row(report: Report) -> None:
    document = json.loads(render_json(report))
    jsonschema.Draft202012Validator(load_schema()).validate(document)
    assert document["conforms"] is False
    assert document["counts"] == {"Violation": 2, "Warning": 1, "Info": 1}
    assert document["checks_failed"] == 1
    assert {(r["focus"], r["path"]) for r in document["results"]} == {
        (r.focus, r.path) for r in report.results
    }
    (conflict,) = document["conflicts"]
    assert {c["source_title"] for c in conflict["claims"]} == {"Test page", "Page | B"}


def test_json_schema_rejects_a_broken_report(report: Report) -> None:
    document = json.loads(render_json(report))
    document["results"][0]["severity"] = "Fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(load_schema()).validate(document)


class Rows(HTMLParser):
    """Collects <tr> elements with a class, their data- attributes, cell texts and links."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, object]] = []
        self.sections: list[str] = []
        self._row: dict[str, object] | None = None
        self._cell: list[str] | None = None
        self._h2: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "tr" and attributes.get("class"):
            self._row = {"class": attributes["class"], "cells": [], "links": []}
            self._row.update({k[5:]: v for k, v in attributes.items() if k.startswith("data-")})
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "a" and self._row is not None:
            self._row["links"].append(attributes["href"])  # type: ignore[attr-defined]
        elif tag == "h2":
            self._h2 = []

    def handle_data(self, data: str) -> None:
        for buffer in (self._cell, self._h2):
            if buffer is not None:
                buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["cells"].append(" ".join(" ".join(self._cell).split()))  # type: ignore[attr-defined]
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "h2" and self._h2 is not None:
            self.sections.append("".join(self._h2).strip())
            self._h2 = None


def parse_html(text: str) -> Rows:
    parser = Rows()
    parser.feed(text)
    return parser


def test_html_rows_match_the_report(report: Report) -> None:
    page = parse_html(render_html(report))
    results = [r for r in page.rows if r["class"] == "result"]
    assert sorted((r["severity"], r["focus"], r["path"] or None) for r in results) == sorted(
        (r.severity, r.focus, r.path) for r in report.results
    )
    (age,) = [r for r in results if r["focus"] == BASE + "test/team-ages"]
    cells = age["cells"]
    assert cells[:3] == ["team-ages", "schema:requiredMinAge", "18"]  # type: ignore[index]
    assert age["links"] == ["/id/test/team-ages"]
    assert cells[5] == "Test page Team A works with people aged 18 to 17."  # type: ignore[index]
    (team,) = [r for r in results if r["severity"] == "Warning"]
    assert team["cells"][0] == "Team <b>A</b>"  # type: ignore[index]  # escaped, shown as text


def test_html_groups_by_service_then_severity(report: Report) -> None:
    page = parse_html(render_html(report))
    groups = [label for label, _ in report.groups()]
    assert page.sections[1 : 1 + len(groups)] == groups
    assert "Test Service" in groups and "Law and guidance" in groups


def test_html_shows_checks_and_conflicts(report: Report) -> None:
    page = parse_html(render_html(report))
    checks = {r["check"]: r["passed"] for r in page.rows if r["class"] == "check"}
    assert checks == {"fine-violation": "true", "teams-violation": "false"}
    (conflict,) = [r for r in page.rows if r["class"] == "conflict"]
    assert conflict["subject"] == BASE + "test/team"
    assert conflict["links"] == ["/id/test/team"]
    conflicts_page = parse_html(render_conflicts_html(report))
    assert [r["subject"] for r in conflicts_page.rows if r["class"] == "conflict"] == [
        BASE + "test/team"
    ]


def test_html_shows_a_comparison(report: Report) -> None:
    comparison = Comparison(results=diff_reports(report.results[1:], report.results))
    page = parse_html(render_html(report, comparison))
    changes = [r for r in page.rows if r["class"] == "change"]
    assert [(r["change"], r["focus"]) for r in changes] == [("new", report.results[0].focus)]


def test_html_shows_what_a_comparison_fixed(report: Report) -> None:
    comparison = Comparison(results=diff_reports(report.results, report.results[1:]))
    page = parse_html(render_html(report, comparison))
    changes = [r for r in page.rows if r["class"] == "change"]
    assert [(r["change"], r["focus"]) for r in changes] == [("fixed", report.results[0].focus)]


def markdown_table_rows(text: str) -> list[list[str]]:
    """Cells of every table row, splitting on pipes that are not escaped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|(---\|)+", line):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([cell.strip().replace("\\|", "|") for cell in cells])
    return rows


def test_markdown_tables_hold_every_row(report: Report) -> None:
    text = render_markdown(report)
    rows = markdown_table_rows(text)
    assert all(len(row) in (2, 4, 6) for row in rows)
    result_rows = [row for row in rows if len(row) == 6 and row[0] != "Item"]
    assert len(result_rows) == len(report.results)
    assert ["[team-ages](/id/test/team-ages)", "schema:requiredMinAge", "18"] in [
        row[:3] for row in result_rows
    ]
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == [
        *[label for label, _ in report.groups()],
        "Quality checks",
        "Where the sources disagree",
    ]
    conflict = [row for row in rows if len(row) == 4 and row[0] != "About"]
    assert conflict[0][:2] == ["Team <b>A</b>", "org:subOrganizationOf"]


def test_text_starts_with_the_verdict(report: Report) -> None:
    lines = render_text(report).splitlines()
    assert lines[0] == "FAILED: the graph must not be served"
    assert lines[1].startswith(" (2 Violation, 1 Warning, 1 Info; 1 failed check(s)")
    assert sum(line.startswith(("Violation:", "Warning:", "Info:")) for line in lines) == len(
        report.results
    )


def test_text_and_markdown_list_what_a_failed_check_found(report: Report) -> None:
    """A reviewer reading the terminal or Markdown must see which items a check found."""
    lines = render_text(report).splitlines()
    failed = lines.index("Check failed: Teams | listed (teams-violation): 1 row(s)")
    assert lines[failed + 1].split() == [f"team={BASE}test/team"]
    checks = {row[0]: row[1] for row in markdown_table_rows(render_markdown(report))}
    found = checks["Teams | listed (`teams-violation`)"]
    assert re.findall(r"(\w+)=`([^`]*)`", found) == [("team", BASE + "test/team")]
    assert checks["Nothing is wrong (`fine-violation`)"] == "passed"


PART = "Only part of the graph was checked:"


def scope_named(text: str) -> list[str] | None:
    """The IRIs on the line that says a report covers only part of the graph, if any."""
    for line in text.splitlines():
        if line.strip().startswith(PART):
            return [word.strip("`.") for word in line.strip().removeprefix(PART).split()]
    return None


def test_text_and_markdown_say_when_only_part_was_checked(report: Report) -> None:
    assert scope_named(render_text(report)) is None
    assert scope_named(render_markdown(report)) is None
    focus, shape = BASE + "test/team", SHAPES_NS + "UnitParentShape"
    scoped = replace(report, scope=Scope(focus=(URIRef(focus),), shapes=(URIRef(shape),)))
    assert scope_named(render_text(scoped)) == [focus, shape]
    assert scope_named(render_markdown(scoped)) == [focus, shape]


def test_every_format_has_a_media_type() -> None:
    assert set(REPORT_FORMATS) == {"text", "md", "html", "json", "ttl", "jsonld", "csv"}
    assert len({f.representation.media_type for f in REPORT_FORMATS.values()}) == 7
