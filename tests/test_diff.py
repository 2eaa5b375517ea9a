"""diff.py: results new, fixed and unchanged between two reports; triples added and removed
per resource between two graphs; and both between two git revisions of a small repository."""

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from csc_graph.config import Settings
from csc_graph.governance.diff import (
    DiffInputError,
    compare_revisions,
    diff_graphs,
    diff_reports,
    load_baseline,
    rows_from_json,
)
from csc_graph.governance.report import ResultRow
from csc_graph.governance.reports import report_for_files
from csc_graph.web.report_formats import render_json
from governance_fixtures import BASE, DATA, SETTINGS, parsed


def row(focus: str, path: str = "http://www.w3.org/2000/01/rdf-schema#label") -> ResultRow:
    return ResultRow(
        severity="Violation",
        focus=BASE + focus,
        focus_label=focus,
        focus_link="/id/" + focus,
        path=path,
        path_label="rdfs:label",
        value=None,
        shape="https://w3id.org/csc-graph/shapes#NamedThingShape",
        component="MinCountConstraintComponent",
        message="This item has no name.",
        source=None,
        source_title=None,
        quote=None,
        fix="Add rdfs:label.",
        group=None,
        group_label="Other",
    )


def test_report_diff_sorts_results_into_new_fixed_and_unchanged() -> None:
    old = [row("test/a"), row("test/b")]
    new = [replace(row("test/b"), fix="Reworded fix."), row("test/c")]
    diff = diff_reports(old, new)
    assert [r.focus for r in diff.new] == [BASE + "test/c"]
    assert [r.focus for r in diff.fixed] == [BASE + "test/a"]
    assert [r.focus for r in diff.unchanged] == [BASE + "test/b"]


def test_baseline_json_round_trips(tmp_path: Path) -> None:
    report = report_for_files(SETTINGS)
    baseline = tmp_path / "old.json"
    baseline.write_text(render_json(report))
    assert load_baseline(baseline) == report.results
    diff = diff_reports(load_baseline(baseline), report.results)
    assert diff.new == [] and diff.fixed == []
    assert len(diff.unchanged) == len(report.results)


@pytest.mark.parametrize("text", ["not json", "[]", '{"results": [{"focus": "x"}]}'])
def test_bad_baseline_is_bad_input(tmp_path: Path, text: str) -> None:
    baseline = tmp_path / "bad.json"
    baseline.write_text(text)
    with pytest.raises(DiffInputError):
        load_baseline(baseline)


def test_rows_from_json_needs_results() -> None:
    with pytest.raises(DiffInputError):
        rows_from_json({"conforms": True})


OLD = """
t:team rdfs:label "Old name"@en ; org:subOrganizationOf t:north .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:north ;
   prov:wasDerivedFrom t:page ; csc:quote "The team is part of the North Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate rdf:type ; rdf:object csc:Team ;
   prov:wasDerivedFrom t:page ; csc:quote "The team is a team." .
t:kept rdfs:label "Kept"@en .
"""
NEW = """
t:team rdfs:label "New name"@en ; org:subOrganizationOf t:south .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:south ;
   prov:wasDerivedFrom t:page ; csc:quote "The team is part of the South Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate rdf:type ; rdf:object csc:Team ;
   prov:wasDerivedFrom t:page ; csc:quote "The team is a team." .
t:kept rdfs:label "Kept"@en .
t:added rdfs:label "Added"@en .
"""


def test_graph_diff_groups_changes_by_resource_and_matches_unchanged_claims() -> None:
    diff = diff_graphs(parsed(OLD), parsed(NEW), BASE)
    by_resource = {change.resource: change for change in diff.resources}
    assert set(by_resource) == {BASE + "test/team", BASE + "test/added"}

    team = by_resource[BASE + "test/team"]
    assert team.label == "New name"
    assert team.link == "/id/test/team"
    # the label and the parent changed, and so did the parent's claim (a blank node);
    # the unchanged rdf:type claim, also a blank node, is not listed
    assert {t for t in team.removed if t[0] != "[]"} == {
        (BASE + "test/team", "rdfs:label", '"Old name"@en'),
        (BASE + "test/team", "org:subOrganizationOf", BASE + "test/north"),
    }
    assert {t for t in team.added if t[0] != "[]"} == {
        (BASE + "test/team", "rdfs:label", '"New name"@en'),
        (BASE + "test/team", "org:subOrganizationOf", BASE + "test/south"),
    }
    assert ("[]", "csc:quote", '"The team is part of the North Service."') in team.removed
    assert ("[]", "csc:quote", '"The team is part of the South Service."') in team.added
    assert ("[]", "rdf:object", BASE + "test/south") in team.added
    assert all("The team is a team." not in t[2] for t in team.added + team.removed)
    assert by_resource[BASE + "test/added"].added == [
        (BASE + "test/added", "rdfs:label", '"Added"@en')
    ]
    assert diff.added == len(team.added) + 1 and diff.removed == len(team.removed)


def test_identical_graphs_have_no_diff() -> None:
    assert diff_graphs(parsed(OLD), parsed(OLD), BASE).resources == []


# --- Two git revisions -------------------------------------------------------------------

NAMELESS_TEAM = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
<test/nameless> a csc:Team .
"""


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", "-C", str(repo), *identity, *args], check=True, capture_output=True)


@pytest.fixture
def small_repo(tmp_path: Path) -> Settings:
    """A repository with the ontology, the shapes and one small council, in two commits:
    the second adds a team with no name (two Violations)."""
    shutil.copytree(SETTINGS.ontology_dir, tmp_path / "ontology")
    council = tmp_path / "graph" / "test"
    council.mkdir(parents=True)
    shutil.copy(DATA / "shapes-base.ttl", council / "base.ttl")
    (tmp_path / "tests" / "data").mkdir(parents=True)  # the made-up page the quotes come from
    shutil.copy(DATA / "test-source.txt", tmp_path / "tests" / "data" / "test-source.txt")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "good")
    (council / "team.ttl").write_text(NAMELESS_TEAM)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "broken")
    return SETTINGS.model_copy(update={"root": tmp_path, "council": "test"})


def test_two_revisions_show_new_results_and_added_triples(small_repo: Settings) -> None:
    report, comparison = compare_revisions(small_repo, "HEAD~1", "HEAD")
    assert comparison.results is not None and comparison.data is not None
    assert {(r.focus, r.path) for r in comparison.results.new} >= {
        (BASE + "test/nameless", "http://www.w3.org/2000/01/rdf-schema#label"),
        (BASE + "test/nameless", "http://purl.org/dc/terms/description"),
    }
    assert comparison.results.fixed == []
    assert [c.resource for c in comparison.data.resources] == [BASE + "test/nameless"]
    assert comparison.data.added == 1 and comparison.data.removed == 0
    assert not report.conforms
    assert (comparison.old_label, comparison.new_label) == ("HEAD~1", "HEAD")


def test_revision_against_the_work_tree(small_repo: Settings) -> None:
    (small_repo.council_dir / "team.ttl").unlink()
    report, comparison = compare_revisions(small_repo, "HEAD")
    assert comparison.results is not None and comparison.data is not None
    assert {r.focus for r in comparison.results.fixed} == {BASE + "test/nameless"}
    assert comparison.data.removed == 1
    assert comparison.new_label == "working tree"
    assert report.conforms


def test_unknown_revision_is_bad_input(small_repo: Settings) -> None:
    with pytest.raises(DiffInputError):
        compare_revisions(small_repo, "no-such-revision")


def test_json_report_of_a_comparison_is_valid_json(small_repo: Settings) -> None:
    report, comparison = compare_revisions(small_repo, "HEAD~1", "HEAD")
    assert comparison.results is not None
    document = json.loads(render_json(report, comparison))
    assert len(document["comparison"]["results"]["new"]) == len(comparison.results.new)
