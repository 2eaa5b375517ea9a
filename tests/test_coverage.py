"""Age coverage: which units are open at each age, gaps, overlaps and conflicts with the law.

On the Lewisham graph the pages state three ranges: Youth Justice 10 to 17 ("aged between
10 and 17"), Safe Space 11 to 17 ("aged 11 to 17") and Corporate Parenting's support in the
transition to adulthood 16 to 24 ("from the age of 16 (and in some circumstances up to the age
of 25)"). So ages 0 to 9 and 25 have
no unit with a stated range, 16 and 17 have all three, and none of them breaks a statutory
bound (Youth Justice starts at the age of criminal responsibility, 10).
"""

import pytest
from rdflib import Graph

from csc_graph.config import Settings
from csc_graph.pathways.age_coverage import CoverageReport, coverage_report, load_coverage
from csc_graph.store.base import Store

LW = "https://w3id.org/csc-graph/id/lewisham/"
S50 = "http://www.legislation.gov.uk/id/ukpga/Geo5/23-24/12/section/50"
S17 = "http://www.legislation.gov.uk/id/ukpga/1989/41/section/17"


@pytest.fixture(scope="module")
def lewisham(store: Store, settings: Settings) -> CoverageReport:
    return load_coverage(store, settings)


def test_stated_ranges_are_those_the_pages_give(lewisham):
    ranges = {(r.unit, r.min_age, r.max_age) for r in lewisham.ranges}
    assert ranges == {
        (LW + "youth-justice", 10, 17),
        (LW + "safe-space", 11, 17),
        (LW + "transition-to-adulthood", 16, 24),
    }


def test_gaps_and_overlaps(lewisham):
    assert lewisham.gaps == [*range(10), 25]
    assert lewisham.open_by_age[10] == [LW + "youth-justice"]
    assert lewisham.overlaps[16] == sorted(
        [LW + "safe-space", LW + "transition-to-adulthood", LW + "youth-justice"]
    )
    assert set(lewisham.overlaps) == set(range(11, 18))


def test_units_with_no_stated_range_are_listed_apart(lewisham):
    assert LW + "mash" in lewisham.unstated
    assert LW + "youth-justice" not in lewisham.unstated


def test_lewisham_ranges_respect_the_statutory_bounds(lewisham):
    assert lewisham.conflicts == []


CRAFTED = f"""
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix concern: <https://w3id.org/csc-graph/concern/> .
@prefix : <https://example.org/> .

<{S50}> a csc:LegalProvision ; csc:shortTitle "CYPA 1933 s50" ;
    schema:audience [ schema:requiredMinAge 10 ] .
<{S17}> a csc:LegalProvision ; csc:shortTitle "CA 1989 s17" ;
    schema:audience [ schema:requiredMaxAge 17 ] .
concern:county-lines skos:broader concern:offending .

:early a org:OrganizationalUnit ; rdfs:label "Early years" ;
    schema:audience [ schema:requiredMinAge 0 ; schema:requiredMaxAge 5 ] .
:middle a org:OrganizationalUnit ; rdfs:label "Middle years" ;
    schema:audience [ schema:requiredMinAge 3 ; schema:requiredMaxAge 8 ] .
:too-young a org:OrganizationalUnit ; rdfs:label "Youth offending (too young)" ;
    csc:addressesConcern concern:county-lines ;
    schema:audience [ schema:requiredMinAge 8 ; schema:requiredMaxAge 17 ] .
:too-old a org:OrganizationalUnit ; rdfs:label "Children in need (too old)" ;
    cv:hasLegalResource <{S17}> ;
    schema:audience [ schema:requiredMinAge 5 ; schema:requiredMaxAge 19 ] .
:silent a org:OrganizationalUnit ; rdfs:label "No stated ages" .
"""


@pytest.fixture(scope="module")
def crafted() -> CoverageReport:
    return coverage_report(Graph().parse(data=CRAFTED, format="turtle"))


def test_gaps_on_a_crafted_graph(crafted):
    # covered: 0-5, 3-8, 8-17, 5-19, so 20 to 25 are open to no unit
    assert crafted.gaps == [20, 21, 22, 23, 24, 25]
    assert crafted.open_by_age[4] == ["https://example.org/early", "https://example.org/middle"]
    assert crafted.open_by_age[18] == ["https://example.org/too-old"]
    assert crafted.unstated == ["https://example.org/silent"]


def test_conflicts_with_statutory_bounds_on_a_crafted_graph(crafted):
    found = {(c.unit, c.provision, c.allowed_min, c.allowed_max) for c in crafted.conflicts}
    assert found == {
        # works with offending (county lines is narrower) but starts at 8, below s50's 10
        ("https://example.org/too-young", S50, 10, 25),
        # acts only under s17 (a child: under 18) but runs to 19
        ("https://example.org/too-old", S17, 0, 17),
    }


def test_report_as_json_keeps_ages_as_keys(crafted):
    data = crafted.as_dict()
    assert data["gaps"] == [20, 21, 22, 23, 24, 25]
    assert data["openByAge"]["18"] == ["https://example.org/too-old"]
    assert {c["unit"] for c in data["conflicts"]} == {
        "https://example.org/too-young",
        "https://example.org/too-old",
    }
