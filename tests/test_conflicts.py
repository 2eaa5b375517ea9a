"""conflicts.py: two claims, same subject and predicate, different objects, different sources."""

from csc_graph.config import Settings
from csc_graph.governance.conflicts import Conflict, find_conflicts
from csc_graph.rdf.files import read_union
from csc_graph.store.base import Store
from governance_fixtures import BASE, parsed

ORG = "http://www.w3.org/ns/org#"
SCHEMA = "http://schema.org/"

CRAFTED = """
t:page-a a csc:Source ; dct:title "Page A"@en .
t:page-b a csc:Source ; dct:title "Page B"@en .
t:north rdfs:label "North Service"@en .
t:south rdfs:label "South Service"@en .

# Two parents from two pages: a conflict.
[] rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:north ;
   prov:wasDerivedFrom t:page-a ; csc:quote "The team is part of the North Service." .
[] rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:south ;
   prov:wasDerivedFrom t:page-b ; csc:quote "The team sits in the South Service." .
# The same parent from two pages: agreement.
[] rdf:subject t:other ; rdf:predicate org:subOrganizationOf ; rdf:object t:north ;
   prov:wasDerivedFrom t:page-a ; csc:quote "The other team is in the North Service." .
[] rdf:subject t:other ; rdf:predicate org:subOrganizationOf ; rdf:object t:north ;
   prov:wasDerivedFrom t:page-b ; csc:quote "The North Service runs the other team." .
# Two parents from one page: not a disagreement between sources.
[] rdf:subject t:third ; rdf:predicate org:subOrganizationOf ; rdf:object t:north ;
   prov:wasDerivedFrom t:page-a ; csc:quote "The third team is in the North Service." .
[] rdf:subject t:third ; rdf:predicate org:subOrganizationOf ; rdf:object t:south ;
   prov:wasDerivedFrom t:page-a ; csc:quote "The third team also works for the South Service." .
# Two different concerns from two pages: they add up, they do not disagree.
[] rdf:subject t:team ; rdf:predicate csc:addressesConcern ; rdf:object t:gangs ;
   prov:wasDerivedFrom t:page-a ; csc:quote "The team works with young people in gangs." .
[] rdf:subject t:team ; rdf:predicate csc:addressesConcern ; rdf:object t:county-lines ;
   prov:wasDerivedFrom t:page-b ; csc:quote "The team works on county lines." .
# Different lowest ages for the same range: a conflict on a literal.
[] rdf:subject t:team-ages ; rdf:predicate schema:requiredMinAge ; rdf:object 10 ;
   prov:wasDerivedFrom t:page-a ; csc:quote "The team works with children from 10." .
[] rdf:subject t:team-ages ; rdf:predicate schema:requiredMinAge ; rdf:object 11 ;
   prov:wasDerivedFrom t:page-b ; csc:quote "The team works with children from 11." .
"""


def crafted_conflicts() -> list[Conflict]:
    return find_conflicts(parsed(CRAFTED), base_iri=BASE)


def test_only_disagreements_between_sources_are_conflicts() -> None:
    found = {(c.subject, c.predicate) for c in crafted_conflicts()}
    assert found == {
        (BASE + "test/team", ORG + "subOrganizationOf"),
        (BASE + "test/team-ages", SCHEMA + "requiredMinAge"),
    }


def test_a_conflict_shows_both_claims_with_source_and_quote() -> None:
    (parent,) = [c for c in crafted_conflicts() if c.predicate == ORG + "subOrganizationOf"]
    assert parent.subject_link == "/id/test/team"
    assert parent.predicate_label == "org:subOrganizationOf"
    sides = {(c.value_label, c.source_title, c.quote) for c in parent.claims}
    assert sides == {
        ("North Service", "Page A", "The team is part of the North Service."),
        ("South Service", "Page B", "The team sits in the South Service."),
    }


def test_literal_values_are_compared() -> None:
    (ages,) = [c for c in crafted_conflicts() if c.predicate == SCHEMA + "requiredMinAge"]
    assert sorted(c.value for c in ages.claims) == ["10", "11"]


def test_safe_space_parent_conflict_in_lewisham(store: Store) -> None:
    """The two Lewisham pages place Safe Space under different services (issue 3)."""
    conflicts = find_conflicts(store, base_iri=BASE)
    safe_space = [
        c
        for c in conflicts
        if c.subject == BASE + "lewisham/safe-space" and c.predicate == ORG + "subOrganizationOf"
    ]
    assert len(safe_space) == 1
    claimed = {(c.value, c.source) for c in safe_space[0].claims}
    assert claimed == {
        (BASE + "lewisham/referral-and-assessment", BASE + "lewisham/source-social-work-teams"),
        (
            BASE + "lewisham/integrated-adolescent-safeguarding",
            BASE + "lewisham/source-safeguarding-service",
        ),
    }
    assert all(c.quote for c in safe_space[0].claims)


def test_store_and_rdflib_agree(store: Store, settings: Settings) -> None:
    on_store = {c.key for c in find_conflicts(store, base_iri=BASE)}
    on_graph = {c.key for c in find_conflicts(read_union(settings), base_iri=BASE)}
    assert on_store == on_graph
