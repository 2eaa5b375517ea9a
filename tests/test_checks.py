"""QC checks (queries/checks/*-violation.rq): none fires on the Lewisham graph, and each
fires on a small crafted graph that breaks exactly its rule."""

import pytest
from rdflib import Dataset, URIRef

from csc_graph.catalogue.named_queries import load_catalogue
from csc_graph.config import Settings
from csc_graph.governance.checks import check_files, run_checks
from csc_graph.store import open_store
from csc_graph.store.base import Store

PREFIXES = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/csc-graph/id/test/> .
"""

# A unit that satisfies every check; each bad case below adds to or changes it.
GOOD_UNIT = """
ex:source a csc:Source .
ex:parent a csc:Service ; rdfs:label "Parent"@en ; org:subOrganizationOf ex:council .
ex:unit a csc:Team ; rdfs:label "Unit"@en ; org:subOrganizationOf ex:parent .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject ex:parent ; rdf:predicate rdf:type ; rdf:object csc:Service ;
   prov:wasDerivedFrom ex:source ; csc:quote "Parent." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject ex:unit ; rdf:predicate rdf:type ; rdf:object csc:Team ;
   prov:wasDerivedFrom ex:source ; csc:quote "Unit." .
"""

BAD: dict[str, str] = {
    "unit-without-source-violation": "ex:orphan a csc:Team ; org:subOrganizationOf ex:parent .",
    "age-min-above-max-violation": "ex:ages schema:requiredMinAge 18 ; schema:requiredMaxAge 10 .",
    "age-not-whole-years-violation": 'ex:ages schema:requiredMinAge "ten" .',
    "legal-iri-outside-legislation-violation": (
        "ex:unit cv:hasLegalResource <https://www.legislation.gov.uk/ukpga/1989/41/section/17> ."
    ),
    "unit-without-parent-violation": (
        "ex:floating a csc:Function . [] a csc:Claim ; csc:evidence csc:Stated ; "
        "rdf:subject ex:floating ; "
        "prov:wasDerivedFrom ex:source ; csc:quote 'x' ."
    ),
    "parent-cycle-violation": "ex:parent org:subOrganizationOf ex:unit .",
    "label-with-spaces-violation": 'ex:unit rdfs:label "Unit "@en .',
    "claim-empty-quote-violation": (
        "[] a csc:Claim ; csc:evidence csc:Stated ; "
        "rdf:subject ex:unit ; rdf:predicate rdfs:label ; "
        'rdf:object "Unit"@en ; prov:wasDerivedFrom ex:source ; csc:quote "  " .'
    ),
    "claim-not-asserted-violation": (
        "[] a csc:Claim ; csc:evidence csc:Stated ; "
        "rdf:subject ex:unit ; rdf:predicate org:subOrganizationOf ; "
        'rdf:object ex:council ; prov:wasDerivedFrom ex:source ; csc:quote "Unit." .'
    ),
    "claim-without-source-violation": (
        "[] a csc:Claim ; csc:evidence csc:Stated ; "
        "rdf:subject ex:unit ; rdf:predicate rdf:type ; rdf:object csc:Team ; "
        'prov:wasDerivedFrom ex:nowhere ; csc:quote "Unit." .'
    ),
    "transition-without-stages-violation": (
        "ex:step a csc:Transition ; csc:fromStage ex:a . ex:a a csc:PathwayStage ."
    ),
    "concern-outside-scheme-violation": "ex:unit csc:addressesConcern ex:not-a-concept .",
}


@pytest.fixture(scope="module")
def check_names(settings: Settings) -> list[str]:
    return sorted(load_catalogue(settings.queries_dir / "checks", settings.base_iri))


def test_every_check_has_a_bad_case(check_names: list[str]) -> None:
    assert check_names == sorted(BAD)
    assert len(check_names) == 12


def test_no_check_fires_on_lewisham(store: Store, settings: Settings) -> None:
    outcomes = run_checks(store, check_files(settings))
    assert len(outcomes) == len(BAD)
    failing = {o.name: o.rows[:3] or o.error for o in outcomes if not o.passed}
    assert failing == {}


def crafted_store(settings: Settings, turtle: str) -> Store:
    """A store holding one crafted graph. It bypasses the SHACL gate on purpose: the checks
    must catch what SHACL would also refuse."""
    dataset = Dataset()
    dataset.graph(URIRef("https://w3id.org/csc-graph/id/graph/test")).parse(
        data=PREFIXES + turtle, format="turtle"
    )
    store = open_store(settings)
    store.replace(dataset)
    return store


def test_the_good_unit_passes_every_check(settings: Settings) -> None:
    outcomes = run_checks(crafted_store(settings, GOOD_UNIT), check_files(settings))
    assert [(o.name, o.error) for o in outcomes if not o.passed] == []


@pytest.mark.parametrize("name", sorted(BAD))
def test_check_fires_on_its_bad_case(settings: Settings, name: str) -> None:
    store = crafted_store(settings, GOOD_UNIT + BAD[name])
    outcomes = {o.name: o for o in run_checks(store, check_files(settings))}
    assert outcomes[name].rows and outcomes[name].error is None
    assert [n for n, o in outcomes.items() if not o.passed] == [name]


def test_checks_folder_is_not_in_the_catalogue(settings: Settings) -> None:
    catalogue = load_catalogue(settings.queries_dir, settings.base_iri)
    assert not [name for name in catalogue if name.endswith("-violation")]


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_gates_three_sources_give_the_same_rows(settings: Settings, name: str) -> None:
    """The gate runs the checks on a pyoxigraph store of the union graph; the rows must be
    those rdflib's SPARQL gives on the graph itself, and the embedded Store's."""
    from rdflib import Graph

    from csc_graph.governance.sparql_constraints import oxigraph_store

    graph = Graph().parse(data=PREFIXES + GOOD_UNIT + BAD[name], format="turtle")
    by_source = [
        {
            o.name: (sorted(map(str, o.rows)), o.error)
            for o in run_checks(source, check_files(settings))
        }
        for source in (graph, oxigraph_store(graph), crafted_store(settings, GOOD_UNIT + BAD[name]))
    ]
    assert by_source[0] == by_source[1]  # the same blank nodes, so the same rows exactly
    counts = [{n: (len(rows), error) for n, (rows, error) in found.items()} for found in by_source]
    assert counts[1] == counts[2]  # the Store parsed the text again: new blank nodes
    assert by_source[1][name][0]
