"""quotes.py: the Python check behind 'every quote is really in its source', as the loading
gate and the governance report run it (tests/test_provenance.py checks the Lewisham data
with its own, independent comparison)."""

from pathlib import Path

from rdflib import Graph

from csc_graph.config import Settings
from csc_graph.governance.checks import quote_check
from csc_graph.governance.quotes import normalise, quote_problems
from csc_graph.rdf import files as datafiles

SETTINGS = Settings()

SOURCE_AND_CLAIMS = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/> .
ex:page csc:capturedText "page.txt" .
ex:sheet csc:capturedText "sheet.md" .
ex:gone csc:capturedText "missing.txt" .
[] a csc:Claim ; prov:wasDerivedFrom ex:page ; csc:quote "works with   young people." .
[] a csc:Claim ; prov:wasDerivedFrom ex:page ; csc:quote "The Example Team works with adults." .
[] a csc:Claim ; prov:wasDerivedFrom ex:sheet ; csc:quote "Reg 1 (the rule): it applies." .
[] a csc:Claim ; prov:wasDerivedFrom ex:gone ; csc:quote "Anything at all." .
"""


def crafted(tmp_path: Path) -> Graph:
    (tmp_path / "page.txt").write_text("Intro.\n\nThe Example Team works with\nyoung people.\n")
    (tmp_path / "sheet.md").write_text("- **Reg 1 (the rule):** it `applies`.\n")
    return Graph().parse(data=SOURCE_AND_CLAIMS, format="turtle")


def test_the_lewisham_data_has_no_misquote() -> None:
    assert quote_problems(datafiles.read_union(SETTINGS), SETTINGS.root) == []


def test_a_misquote_and_a_missing_source_text_are_found(tmp_path: Path) -> None:
    problems = quote_problems(crafted(tmp_path), tmp_path)
    found = {(p.quote, p.reason) for p in problems}
    assert found == {
        ("The Example Team works with adults.", "the quote is not in the source"),
        ("Anything at all.", "the source has no captured text"),
    }


def test_markdown_marks_and_whitespace_do_not_count() -> None:
    assert normalise("a  **b**\n`c`", markdown=True) == "a b c"
    assert normalise("a  **b**\n`c`") == "a **b** `c`"


def test_the_check_row_lists_each_problem(tmp_path: Path) -> None:
    check = quote_check(crafted(tmp_path), tmp_path)
    assert check.name == "quote-not-in-source"
    assert not check.passed
    assert sorted(row["quote"] for row in check.rows) == [
        "Anything at all.",
        "The Example Team works with adults.",
    ]
