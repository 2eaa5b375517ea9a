"""validation.py, gate.py and governance.py: scoping, inference, QC checks, the cache, the
loading gate (on a temporary copy of the repository's data) and the report on the store."""

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from csc_graph.cache import ContentCache
from csc_graph.config import Settings
from csc_graph.governance.checks import run_checks
from csc_graph.governance.gate import reload_if_valid
from csc_graph.governance.reports import report_for_files, report_for_store
from csc_graph.governance.shacl import (
    Scope,
    ScopeError,
    scope_from,
    severity_at_or_above,
    validate_graph,
)
from csc_graph.rdf.namespaces import SH
from csc_graph.store import open_store
from csc_graph.store.base import Store
from governance_fixtures import BASE, SETTINGS, SHAPES, SHAPES_NS, crafted

# Two unnamed teams (two NamedThingShape Violations each) and a named, described one.
TWO_BROKEN_TEAMS = """
t:a a csc:Team ; org:subOrganizationOf t:service .
t:b a csc:Team ; org:subOrganizationOf t:service .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:a ; rdf:predicate rdf:type ; rdf:object csc:Team ;
   prov:wasDerivedFrom t:source ; csc:quote "Team A is a team of the service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:a ; rdf:predicate org:subOrganizationOf ; rdf:object t:service ;
   prov:wasDerivedFrom t:source ; csc:quote "Team A is a team of the service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:b ; rdf:predicate rdf:type ; rdf:object csc:Team ;
   prov:wasDerivedFrom t:source ; csc:quote "Team B is a team of the service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:b ; rdf:predicate org:subOrganizationOf ; rdf:object t:service ;
   prov:wasDerivedFrom t:source ; csc:quote "Team B is a team of the service." .
"""


def focus_nodes(report: Graph) -> set[str]:
    return {str(node) for node in report.objects(None, SH.focusNode)}


def test_counts_and_conforms() -> None:
    outcome = validate_graph(crafted(TWO_BROKEN_TEAMS), SHAPES)
    assert not outcome.conforms
    assert outcome.violation_count == 4  # no label and no description, for each team
    assert focus_nodes(outcome.report_graph) >= {BASE + "test/a", BASE + "test/b"}


def test_warnings_alone_still_conform() -> None:
    outcome = validate_graph(crafted(""), SHAPES)
    assert outcome.conforms
    assert outcome.violation_count == 0
    assert outcome.info_count == 1  # the test service states no ages


def test_focus_scope_reports_only_that_node() -> None:
    scope = Scope(focus=(URIRef(BASE + "test/a"),))
    outcome = validate_graph(crafted(TWO_BROKEN_TEAMS), SHAPES, scope)
    assert focus_nodes(outcome.report_graph) == {BASE + "test/a"}
    assert outcome.violation_count == 2


def test_shape_scope_reports_only_that_shape() -> None:
    scope = Scope(shapes=(URIRef(SHAPES_NS + "UnitParentShape"),))
    outcome = validate_graph(crafted(TWO_BROKEN_TEAMS), SHAPES, scope)
    assert outcome.violation_count == 0
    # the two teams and the service state no ages: three Infos from UnitParentShape only
    assert outcome.info_count == 3


def test_scope_from_short_names() -> None:
    scope = scope_from(["lewisham/mash", BASE + "test/a"], ["UnitParentShape"], True, BASE)
    assert scope.focus == (URIRef(BASE + "lewisham/mash"), URIRef(BASE + "test/a"))
    assert scope.shapes == (URIRef(SHAPES_NS + "UnitParentShape"),)
    assert scope.inference


@pytest.mark.parametrize(
    "scope",
    [Scope(focus=(URIRef(BASE + "test/nowhere"),)), Scope(shapes=(URIRef(SHAPES_NS + "No"),))],
)
def test_a_scope_naming_nothing_is_refused(scope: Scope) -> None:
    with pytest.raises(ScopeError):
        validate_graph(crafted(""), SHAPES, scope)


def test_inference_applies_the_ontology_ranges() -> None:
    """csc:toStage has range csc:PathwayStage: with RDFS inference the target becomes a stage,
    which must be named; without it, nothing targets it."""
    data = crafted("t:step csc:toStage t:somewhere .")
    stage = BASE + "test/somewhere"
    assert stage not in focus_nodes(validate_graph(data, SHAPES).report_graph)
    inferred = validate_graph(data, SHAPES, Scope(inference=True)).report_graph
    assert stage in focus_nodes(inferred)
    assert (None, SH.focusNode, URIRef(stage)) in inferred
    assert len(data) == len(crafted("t:step csc:toStage t:somewhere .")), "data left unchanged"


def test_severity_threshold() -> None:
    assert severity_at_or_above("Violation", "Warning")
    assert severity_at_or_above("Warning", "Warning")
    assert not severity_at_or_above("Info", "Warning")


def test_run_checks_reports_rows_errors_and_summaries(tmp_path: Path) -> None:
    passing = tmp_path / "no-nameless-team-violation.rq"
    passing.write_text(
        "#+ summary: Every team has a name\n"
        "SELECT ?team WHERE { ?team a csc:Team FILTER NOT EXISTS { ?team rdfs:label ?l } }\n"
    )
    failing = tmp_path / "no-team-violation.rq"
    failing.write_text("SELECT ?team WHERE { ?team a csc:Team }\n")
    broken = tmp_path / "broken-violation.rq"
    broken.write_text("SELECT ?x WHERE { ?x \n")
    data = crafted('t:a a csc:Team ; rdfs:label "A"@en .')
    checks = {c.name: c for c in run_checks(data, [passing, failing, broken])}

    assert checks["no-nameless-team-violation"].passed
    assert checks["no-nameless-team-violation"].summary == "Every team has a name"
    assert not checks["no-team-violation"].passed
    assert checks["no-team-violation"].rows == [{"team": BASE + "test/a"}]
    assert checks["no-team-violation"].summary == "no team"
    assert checks["broken-violation"].error
    assert not checks["broken-violation"].passed


def test_hash_cache_computes_once_per_key_and_evicts_oldest() -> None:
    cache: ContentCache[int] = ContentCache(size=2)
    calls: list[str] = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(calls)

    assert cache.get_or_compute("a", lambda: compute("a")) == 1
    assert cache.get_or_compute("a", lambda: compute("a")) == 1
    cache.get_or_compute("b", lambda: compute("b"))
    cache.get_or_compute("c", lambda: compute("c"))
    assert "a" not in cache and "b" in cache and "c" in cache
    assert calls == ["a", "b", "c"]


# --- The loading gate, on a temporary copy of the repository's data ---------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Settings:
    for folder in ("ontology", "graph", "queries"):
        shutil.copytree(SETTINGS.root / folder, tmp_path / folder)
    return SETTINGS.model_copy(update={"root": tmp_path})


MASH_LABEL = "SELECT ?label WHERE { ?mash rdfs:label ?label }"


def mash_label(store: Store) -> str:
    result = store.query(MASH_LABEL, bindings={"mash": URIRef(BASE + "lewisham/mash")})
    return str(result.rows[0]["label"])


def test_gate_keeps_the_good_graph_when_a_file_has_a_violation(data_copy: Settings) -> None:
    store = open_store(data_copy)
    first = reload_if_valid(store, data_copy)
    assert first.reloaded, first.reason
    good_hash, good_label = store.content_hash(), mash_label(store)

    council = data_copy.council_dir
    (council / "broken.ttl").write_text(
        "@prefix csc: <https://w3id.org/csc-graph/ontology#> .\n"
        "<lewisham/nameless-team> a csc:Team .\n"
    )
    mash_file = next(p for p in council.glob("*.ttl") if "lw:mash a " in p.read_text())
    text = mash_file.read_text()
    mash_file.write_text(text.replace(good_label, "Renamed while broken"))

    refused = reload_if_valid(store, data_copy)
    assert not refused.reloaded
    assert refused.validation is not None and refused.validation.violation_count > 0
    assert any(m.startswith(BASE + "lewisham/nameless-team") for m in refused.messages)
    assert store.content_hash() == good_hash
    assert mash_label(store) == good_label


def test_gate_keeps_the_good_graph_when_a_file_does_not_parse(data_copy: Settings) -> None:
    store = open_store(data_copy)
    assert reload_if_valid(store, data_copy).reloaded
    good_hash = store.content_hash()
    (data_copy.council_dir / "broken.ttl").write_text("this is not Turtle .\n")
    refused = reload_if_valid(store, data_copy)
    assert not refused.reloaded
    assert refused.validation is None
    assert refused.file == "graph/lewisham/broken.ttl"
    assert store.content_hash() == good_hash


def test_gate_refusing_the_first_graph_does_not_claim_one_is_still_served(
    data_copy: Settings,
) -> None:
    (data_copy.council_dir / "broken.ttl").write_text("this is not Turtle .\n")
    store = open_store(data_copy)  # empty: nothing was served before
    refused = reload_if_valid(store, data_copy)
    assert not refused.reloaded
    assert store.triple_count() == 0
    assert refused.reason.endswith("; there is no previous graph to serve")


# --- Reports on the real graph ----------------------------------------------------------


def test_lewisham_files_have_no_violation_and_no_failed_check() -> None:
    report = report_for_files(SETTINGS)
    assert report.failing("Violation") == []
    assert [c.name for c in report.failed_checks] == []
    assert report.passes("Violation")


def test_report_for_store_is_cached_by_content_hash(store: Store, settings: Settings) -> None:
    first = report_for_store(store, settings)
    assert first.content_hash == store.content_hash()
    assert first.cache_key.startswith(first.content_hash)
    assert report_for_store(store, settings) is first
    scoped = report_for_store(store, settings, Scope(focus=(URIRef(BASE + "lewisham/safe-space"),)))
    assert scoped is not first
    assert {row.focus for row in scoped.results} == {BASE + "lewisham/safe-space"}
    assert scoped.checks == [] and scoped.conflicts == []
