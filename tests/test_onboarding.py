"""Onboarding: the scaffold passes the gate in a fresh root; the quote finder gives the full
sentence of a captured page; the converter keeps every file's graph (isomorphism)."""

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from csc_graph.cli import app
from csc_graph.config import Settings
from csc_graph.councils.onboarding import find_sentences
from csc_graph.governance.gate import load_into
from csc_graph.rdf.annotations import compile_text, to_annotations
from csc_graph.rdf.files import parse_file
from csc_graph.store import open_store

ROOT = Settings().root
BASE = Settings().base_iri
PAGE = """Children's Services

Our Multi-Agency Safeguarding Hub (MASH) is the front door for all referrals.
It is staffed by social workers and the police. Call us on weekdays.
"""


@pytest.fixture
def tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CSC_GRAPH_COUNCIL", raising=False)  # a root with no council yet
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copytree(ROOT / "graph" / "law", tmp_path / "graph" / "law")
    return tmp_path


def test_new_council_scaffolds_a_folder_that_passes_the_gate(tmp_root: Path, tmp_path: Path):
    page = tmp_path / "Front-Door.txt"
    page.write_text(PAGE)
    result = CliRunner().invoke(
        app,
        [
            "--root",
            str(tmp_root),
            "new-council",
            "testshire",
            "--page",
            str(page),
            "--url",
            "https://example.org/front-door",
            "--captured-on",
            "2026-01-05",
        ],
    )
    assert result.exit_code == 0, result.output
    folder = tmp_root / "graph" / "testshire"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "council.ttl",
        "sources.ttl",
        "sources/front-door.txt",
    ]
    settings = Settings(root=tmp_root, council="testshire")
    sources = parse_file(folder / "sources.ttl", settings)
    source = next(iter(sources.subjects(None, None)))
    assert str(source) == f"{BASE}testshire/source-front-door"
    assert load_into(open_store(settings), settings) > 0
    again = CliRunner().invoke(
        app,
        [
            "--root",
            str(tmp_root),
            "new-council",
            "testshire",
            "--page",
            str(page),
            "--url",
            "https://example.org/x",
        ],
    )
    assert again.exit_code == 2


def test_quote_prints_the_full_sentence_from_the_captured_page(tmp_root: Path, tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_text(PAGE)
    CliRunner().invoke(
        app,
        [
            "--root",
            str(tmp_root),
            "new-council",
            "testshire",
            "--page",
            str(page),
            "--url",
            "https://example.org/p",
        ],
    )
    found = find_sentences(tmp_root, "testshire", "front door")
    assert [item.sentence for item in found] == [
        "Our Multi-Agency Safeguarding Hub (MASH) is the front door for all referrals."
    ]
    result = CliRunner().invoke(
        app, ["--root", str(tmp_root), "quote", "staffed by", "--council", "testshire"]
    )
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines == [
        "# graph/testshire/sources/page.txt",
        'csc:quote "It is staffed by social workers and the police."',
    ]
    missing = CliRunner().invoke(
        app, ["--root", str(tmp_root), "quote", "not there", "--council", "testshire"]
    )
    assert missing.exit_code == 1


def test_quote_finds_a_real_councils_sentence():
    # graph/northamptonshire/sources/leaving-care.txt
    found = find_sentences(ROOT, "northamptonshire", "until you reach the age of 21")
    assert [item.sentence for item in found] == [
        "This will then continue until you reach the age of 21."
    ]


ANNOTATED = """@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix t: <test/> .
t:team org:subOrganizationOf t:council
    {| prov:wasDerivedFrom t:source ; csc:evidence csc:Stated ; csc:quote "One." |}
    {| prov:wasDerivedFrom t:other ; csc:quote "Two." |} .
"""

REIFIED = """@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix t: <test/> .
t:team org:subOrganizationOf t:council .
[] a csc:Claim ; rdf:subject t:team ; rdf:predicate org:subOrganizationOf ;
   rdf:object t:council ; prov:wasDerivedFrom t:source ; csc:evidence csc:Stated ;
   csc:quote "One." .
[] a csc:Claim ; rdf:subject t:team ; rdf:predicate org:subOrganizationOf ;
   rdf:object t:council ; prov:wasDerivedFrom t:other ; csc:quote "Two." .
"""


def test_annotations_compile_to_exactly_the_reified_claims():
    expected = Graph().parse(data=REIFIED, format="turtle", publicID=BASE)
    assert isomorphic(compile_text(ANNOTATED, BASE), expected)


@pytest.mark.parametrize("council", ["lewisham", "law", "ealing", "slough", "northamptonshire"])
def test_converting_every_file_keeps_its_graph(council: str):
    """Each file of the data (converted or not yet), converted and compiled, is isomorphic
    to the graph read from it now."""
    for path in sorted((ROOT / "graph" / council).glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        before = parse_file(path, Settings())
        after = compile_text(to_annotations(text, BASE), BASE)
        assert isomorphic(before, after), path.name


def test_convert_claims_command_rewrites_a_file_isomorphically(tmp_path: Path):
    file = tmp_path / "unit.ttl"
    file.write_text(REIFIED)
    checked = CliRunner().invoke(app, ["convert-claims", "--check", str(file)])
    assert checked.exit_code == 0, checked.output
    assert file.read_text() == REIFIED  # --check writes nothing
    result = CliRunner().invoke(app, ["convert-claims", str(file)])
    assert result.exit_code == 0, result.output
    text = file.read_text()
    before = Graph().parse(data=REIFIED, format="turtle", publicID=BASE)
    assert isomorphic(compile_text(text, BASE), before)
    parsed = ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    reifiers = [t for t in parsed if t.predicate.value.endswith("#reifies")]
    assert len(reifiers) == 2  # written as two annotations, no reified claim left
