"""`csc-graph validate`: formats, --fail-on, --baseline, --rev-a/--rev-b, scoping and the exit
codes 0, 1 and 2. Most runs use a small repository (the ontology and the shape tests' base
council) so they are quick; one runs on the Lewisham graph."""

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from typer.testing import CliRunner, Result

from csc_graph.cli import app
from csc_graph.config import Settings
from csc_graph.rdf.namespaces import SH
from csc_graph.web.report_formats import load_schema

SETTINGS = Settings()
BASE = SETTINGS.base_iri
DATA = Path(__file__).parent / "data"
# A team whose two parents come from two sources: a Warning, not a Violation.
TWO_PARENTS = DATA / "valid" / "two-parents-two-sources.ttl"
NAMELESS_TEAM = (
    "@prefix csc: <https://w3id.org/csc-graph/ontology#> .\n<test/nameless> a csc:Team .\n"
)


class Verdict(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.conforms: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.conforms += [value for name, value in attrs if name == "data-conforms"]


def invoke(root: Path | None, *args: str) -> Result:
    env = {"CSC_GRAPH_ROOT": str(root), "CSC_GRAPH_COUNCIL": "test"} if root else {}
    return CliRunner().invoke(app, ["validate", *args], env=env)


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", "-C", str(repo), *identity, *args], check=True, capture_output=True)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The ontology and shapes, and one council 'test' with a Warning and no Violation."""
    shutil.copytree(SETTINGS.ontology_dir, tmp_path / "ontology")
    shutil.copytree(SETTINGS.queries_dir, tmp_path / "queries")
    council = tmp_path / "graph" / "test"
    council.mkdir(parents=True)
    shutil.copy(DATA / "shapes-base.ttl", council / "base.ttl")
    shutil.copy(TWO_PARENTS, council / "team.ttl")
    (tmp_path / "tests" / "data").mkdir(parents=True)  # the made-up page the quotes come from
    shutil.copy(DATA / "test-source.txt", tmp_path / "tests" / "data" / "test-source.txt")
    return tmp_path


def json_report(result: Result) -> dict[str, object]:
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(load_schema()).validate(document)
    return document  # type: ignore[no-any-return]


def test_lewisham_passes_and_writes_html(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = invoke(None, "--format", "html", "-o", str(page))
    assert result.exit_code == 0, result.output
    verdict = Verdict()
    verdict.feed(page.read_text())
    assert verdict.conforms == ["true"]


def test_json_on_stdout_exits_0_with_a_warning(root: Path) -> None:
    result = invoke(root, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json_report(result)
    assert document["counts"] == {"Violation": 0, "Warning": 1, "Info": 2}
    checks = {check["name"]: check["passed"] for check in document["checks"]}  # type: ignore[union-attr]
    assert checks["quote-not-in-source"] is True  # every quote is in the made-up test page


def test_a_quote_missing_from_its_source_fails_the_report(root: Path) -> None:
    (root / "tests" / "data" / "test-source.txt").write_text("A page that says nothing.\n")
    result = invoke(root, "--format", "json")
    assert result.exit_code == 1, result.output
    (check,) = [c for c in json_report(result)["checks"] if c["name"] == "quote-not-in-source"]  # type: ignore[union-attr]
    assert check["passed"] is False
    assert {row["problem"] for row in check["rows"]} == {"the quote is not in the source"}


def test_fail_on_warning_exits_1(root: Path) -> None:
    result = invoke(root, "--format", "json", "--fail-on", "warning")
    assert result.exit_code == 1
    assert json_report(result)["conforms"] is True


def test_a_violation_exits_1(root: Path) -> None:
    (root / "graph" / "test" / "nameless.ttl").write_text(NAMELESS_TEAM)
    result = invoke(root, "--format", "ttl")
    assert result.exit_code == 1
    graph = Graph().parse(data=result.stdout, format="turtle")
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    assert (None, SH.focusNode, URIRef(BASE + "test/nameless")) in graph


def test_baseline_counts_only_new_results(root: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "old.json"
    assert invoke(root, "--format", "json", "-o", str(baseline)).exit_code == 0
    # the Warning is in the baseline, so --fail-on warning passes
    result = invoke(root, "--format", "json", "--fail-on", "warning", "--baseline", str(baseline))
    assert result.exit_code == 0, result.output
    comparison = json_report(result)["comparison"]
    assert comparison["results"]["new"] == []  # type: ignore[index]
    assert len(comparison["results"]["unchanged"]) == 3  # type: ignore[index]
    # a new Violation is new, and fails
    (root / "graph" / "test" / "nameless.ttl").write_text(NAMELESS_TEAM)
    result = invoke(root, "--format", "json", "--baseline", str(baseline))
    assert result.exit_code == 1
    new = json_report(result)["comparison"]["results"]["new"]  # type: ignore[index]
    assert {row["focus"] for row in new} == {BASE + "test/nameless"}


def test_two_revisions(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one")
    (root / "graph" / "test" / "nameless.ttl").write_text(NAMELESS_TEAM)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "two")
    result = invoke(root, "--format", "json", "--rev-a", "HEAD~1", "--rev-b", "HEAD")
    assert result.exit_code == 1
    comparison = json_report(result)["comparison"]
    assert comparison["data"]["resources"][0]["resource"] == BASE + "test/nameless"  # type: ignore[index]
    assert (comparison["old"], comparison["new"]) == ("HEAD~1", "HEAD")  # type: ignore[index]


def test_focus_and_shape(root: Path) -> None:
    result = invoke(root, "--format", "json", "--focus", "test/team", "--shape", "UnitParentShape")
    assert result.exit_code == 0, result.output
    rows = json_report(result)["results"]
    assert {(r["focus"], r["severity"]) for r in rows} == {  # type: ignore[union-attr]
        (BASE + "test/team", "Warning"),
        (BASE + "test/team", "Info"),
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--baseline", "does-not-exist.json"],
        ["--rev-a", "no-such-revision"],
        ["--rev-b", "HEAD"],
        ["--focus", "test/no-such-team"],
        ["--shape", "NoSuchShape"],
        ["--format", "pdf"],
    ],
)
def test_bad_input_exits_2(root: Path, args: list[str]) -> None:
    assert invoke(root, *args).exit_code == 2


def test_unparsable_file_exits_2(root: Path) -> None:
    (root / "graph" / "test" / "broken.ttl").write_text("this is not Turtle .\n")
    assert invoke(root).exit_code == 2
