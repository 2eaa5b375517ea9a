"""report.py: each SHACL result becomes a row with the focus node's name, page link, service,
source and quoted sentence, and a fix that names the node and the property."""

from csc_graph.governance.report import ResultRow
from governance_fixtures import BASE, SHAPES_NS, crafted, report_on

# A team under the test service whose age range is 18 to 17 (one Violation on the age
# node), a claim with no quote (one Violation on a blank-node claim), and a section that
# names no Act (one Violation outside any service).
CRAFTED = """
t:team a csc:Team ; rdfs:label "Youth Team"@en ; dct:description "Works with young people."@en ;
    org:subOrganizationOf t:service ; schema:audience t:team-ages .
t:team-ages a csc:AgeEligibility ; schema:requiredMinAge 18 ; schema:requiredMaxAge 17 ;
    csc:ageBasis t:source .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate rdf:type ; rdf:object csc:Team ;
    prov:wasDerivedFrom t:source ; csc:quote "The Youth Team is part of the Test Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:service ;
    prov:wasDerivedFrom t:source ; csc:quote "The Youth Team is part of the Test Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate schema:audience ; rdf:object t:team-ages ;
    prov:wasDerivedFrom t:source ; csc:quote "The Youth Team works with people aged 18 to 17." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:service ; rdf:predicate rdfs:label ; rdf:object "Test Service"@en ;
    prov:wasDerivedFrom t:source .
<http://www.legislation.gov.uk/id/ukpga/1989/41/section/17> a csc:Section ;
    rdfs:label "Children Act 1989, section 17"@en ; dct:description "Children in need."@en .
"""


def crafted_rows() -> list[ResultRow]:
    return report_on(crafted(CRAFTED)).failing("Violation")


def row_for(rows: list[ResultRow], shape: str) -> ResultRow:
    (row,) = [r for r in rows if r.shape == SHAPES_NS + shape]
    return row


def test_three_violations() -> None:
    assert sorted(r.shape.removeprefix(SHAPES_NS) for r in crafted_rows()) == [
        "AgeEligibilityShape",
        "ClaimShape",
        "LegalProvisionPartShape",
    ]


def test_age_row_names_the_range_its_service_and_the_claim_behind_it() -> None:
    row = row_for(crafted_rows(), "AgeEligibilityShape")
    assert row.focus == BASE + "test/team-ages"
    assert row.focus_link == "/id/test/team-ages"
    assert row.path == "http://schema.org/requiredMinAge"
    assert row.path_label == "schema:requiredMinAge"
    assert row.value == "18"
    assert row.component == "LessThanOrEqualsConstraintComponent"
    # the age node has no claims of its own: the claim that points at it is used
    assert row.source == BASE + "test/source"
    assert row.source_title == "Test page"
    assert row.quote == "The Youth Team works with people aged 18 to 17."
    # the range belongs to the Youth Team, which sits in the Test Service
    assert row.group == BASE + "test/service"
    assert row.group_label == "Test Service"
    assert "schema:requiredMinAge" in row.fix and "schema:requiredMaxAge" in row.fix


def test_claim_row_has_a_stable_key_and_its_own_source() -> None:
    row = row_for(crafted_rows(), "ClaimShape")
    assert row.focus == (
        f"claim(<{BASE}test/service> <http://www.w3.org/2000/01/rdf-schema#label> "
        '"Test Service"@en)'
    )
    assert row.focus_link is None
    assert row.focus_label == "Claim: Test Service - rdfs:label - Test Service"
    assert row.path == "https://w3id.org/csc-graph/ontology#quote"
    assert row.source == BASE + "test/source"
    assert row.quote is None
    assert row.group_label == "Test Service"
    assert row.key == row_for(crafted_rows(), "ClaimShape").key  # same across parses


def test_law_row_is_grouped_under_law() -> None:
    row = row_for(crafted_rows(), "LegalProvisionPartShape")
    assert row.focus == "http://www.legislation.gov.uk/id/ukpga/1989/41/section/17"
    assert row.focus_label == "Children Act 1989, section 17"
    assert row.focus_link is None
    assert row.group is None
    assert row.group_label == "Law and guidance"
    assert row.source is None
    assert row.fix == "Add dct:isPartOf linking Children Act 1989, section 17 to a csc:Act."


# The team has two roles but a claim for only one: the unclaimed role is a Violation.
UNCLAIMED_ROLE = """
t:team a csc:Team ; rdfs:label "Youth Team"@en ; dct:description "Works with young people."@en ;
    org:subOrganizationOf t:service ; csc:hasRole t:role-a, t:role-b .
t:role-a a org:Role ; rdfs:label "Role A"@en ; dct:description "A role."@en .
t:role-b a org:Role ; rdfs:label "Role B"@en ; dct:description "Another role."@en .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate rdf:type ; rdf:object csc:Team ;
    prov:wasDerivedFrom t:source ; csc:quote "The Youth Team is part of the Test Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:service ;
    prov:wasDerivedFrom t:source ; csc:quote "The Youth Team is part of the Test Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate csc:hasRole ; rdf:object t:role-a ;
    prov:wasDerivedFrom t:source ; csc:quote "Role A works in the Youth Team." .
"""


def test_a_fact_with_no_claim_is_not_given_the_quote_of_another_value() -> None:
    """Beside 'this fact has no source', the row must not quote the claim for Role A as if
    it stated Role B: it shows the sentence behind the team itself."""
    (row,) = report_on(crafted(UNCLAIMED_ROLE)).failing("Violation")
    assert row.shape == SHAPES_NS + "UnitFactsHaveSourcesShape"
    assert (row.focus, row.value) == (BASE + "test/team", BASE + "test/role-b")
    assert row.quote == "The Youth Team is part of the Test Service."


# A unit marked statutory with no legal basis: a node-level result whose value is the unit.
STATUTORY_WITHOUT_LAW = """
t:team a csc:Team ; rdfs:label "Youth Team"@en ; dct:description "Works with young people."@en ;
    org:subOrganizationOf t:service ; csc:statutory true .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate rdf:type ; rdf:object csc:Team ;
    prov:wasDerivedFrom t:source ; csc:quote "The Youth Team is part of the Test Service." .
[] a csc:Claim ; csc:evidence csc:Stated ;
    rdf:subject t:team ; rdf:predicate org:subOrganizationOf ; rdf:object t:service ;
    prov:wasDerivedFrom t:source ; csc:quote "The Youth Team is part of the Test Service." .
"""


def test_a_node_level_result_does_not_repeat_the_item_as_its_value() -> None:
    (row,) = report_on(crafted(STATUTORY_WITHOUT_LAW)).failing("Violation")
    assert row.shape == SHAPES_NS + "StatutoryUnitShape"
    assert row.focus == BASE + "test/team"
    assert row.focus_label == "Youth Team"
    assert row.path is None and row.value is None
