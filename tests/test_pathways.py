"""Pathways: routes, entry points, cliff edges, reachability and centrality.

Expected answers are worked out by hand from the seed pages and the legal facts sheet:
- Safe Space assesses young people aged 11 to 17 whose primary concern is extra-familial
  harm (safeguarding-service page), and child criminal exploitation is such a harm;
- no child under 10 can be guilty of an offence (CYPA 1933 s50), the youth court hears
  children aged 10 to 17, and a referral order needs the child under 18 when convicted
  (Sentencing Act 2020 s84);
- no care or supervision order for a child who has reached 17 (CA 1989 s31(3));
- the council's s23C duties to a care leaver run from 18; from 21 to under 25 a care leaver
  can ask for a personal adviser (s23CZB);
- private fostering is of a child under 16, or under 18 if disabled (s66).
"""

import json
import os
import subprocess
import sys

import networkx as nx
import pytest
from rdflib import Graph
from typer.testing import CliRunner

from csc_graph.cli import app as cli_app
from csc_graph.config import Settings
from csc_graph.governance.shacl import validate_graph
from csc_graph.pathways.ages import cliff_edges, continuing_points, entry_points, unreachable
from csc_graph.pathways.centrality import central_stages
from csc_graph.pathways.graph import (
    build_pathway_graph,
    load_pathway_graph,
    resolve_concern,
    resolve_stage,
)
from csc_graph.pathways.routes import find_routes
from csc_graph.rdf.files import read_shapes
from csc_graph.rdf.namespaces import CONCERN, CSC, CV, SH
from csc_graph.store.base import ResultTruncated, Store

BASE = "https://w3id.org/csc-graph/id/"


def law(name: str) -> str:
    return f"{BASE}law/{name}"


def lw(name: str) -> str:
    return f"{BASE}lewisham/{name}"


CCE = str(CONCERN["child-criminal-exploitation"])
HARM = str(CONCERN["significant-harm"])
DISABILITY = str(CONCERN["disability"])


@pytest.fixture(scope="module")
def graph(store: Store, settings: Settings) -> nx.DiGraph:
    return load_pathway_graph(store, settings)


def reached(graph: nx.DiGraph, age: int, concerns=None, start=None) -> set[str]:
    return set(find_routes(graph, age, concerns, start).graph.nodes)


# ---------------------------------------------------------------- routes on the Lewisham graph


def test_age_15_with_cce_reaches_safe_space_and_via_arrest_the_referral_order(graph):
    route = find_routes(graph, 15, [CCE])
    expected = {
        # the front door: a concern, the MASH, Referral and Assessment, a s17 assessment
        law("stage-concern-about-a-child"),
        lw("stage-mash"),
        lw("stage-referral-and-assessment"),
        law("stage-s17-assessment"),
        law("stage-child-in-need-plan"),
        # Safe Space: extra-familial harm at 11-17, s17 or s47 assessment, then conference
        law("stage-extra-familial-harm"),
        law("stage-s47-enquiry"),
        law("stage-initial-child-protection-conference"),
        law("stage-child-protection-plan"),
        law("stage-review-child-protection-conference"),
        # arrest at 10 or over, youth court, referral order, youth offender panel
        law("stage-arrest"),
        law("stage-youth-court"),
        law("stage-referral-order"),
        law("stage-youth-offender-panel"),
        # private fostering is open to any child under 16
        law("stage-private-fostering-arrangement"),
        law("stage-private-fostering-welfare-checks"),
        # CCE is also significant harm (W1): police protection, emergency protection and, at
        # 15, care proceedings; the outcomes of s47 enquiries (W9); s20 (W8)
        law("stage-police-protection"),
        law("stage-emergency-protection-order"),
        law("stage-no-further-action"),
        law("stage-care-proceedings"),
        law("stage-interim-care-order"),
        law("stage-care-order"),
        law("stage-s20-accommodation"),
        law("stage-looked-after"),
        law("stage-looked-after-review"),
        # youth justice beyond the court (W10)
        law("stage-youth-caution"),
        law("stage-youth-conditional-caution"),
        law("stage-bail-support"),
        law("stage-remand-local-authority-accommodation"),
        law("stage-youth-rehabilitation-order"),
    }
    assert set(route.graph.nodes) == expected
    steps = {t.iri for t in route.steps()}
    assert lw("transition-extra-familial-harm-to-safe-space-s17") in steps
    assert lw("transition-extra-familial-harm-to-safe-space-s47") in steps
    assert lw("safe-space") in dict(graph.nodes[law("stage-s47-enquiry")]["delivered_by"])
    youth_justice = [
        law("stage-arrest"),
        law("stage-youth-court"),
        law("stage-referral-order"),
        law("stage-youth-offender-panel"),
    ]
    assert youth_justice in route.paths


def test_cce_opens_child_protection_at_any_age(graph):
    # W1: s47(1)(b) applies to significant harm whatever its source, so exploitation opens
    # the s47 enquiry from Referral and Assessment even for a 9-year-old; other extra-familial
    # harm (gangs) does not, and nor does an unrelated concern.
    assert law("stage-s47-enquiry") in reached(graph, 9, [CCE])
    assert law("stage-s47-enquiry") in reached(graph, 15, [CCE])
    assert law("stage-s47-enquiry") not in reached(
        graph, 9, [CONCERN["speech-language-communication"]]
    )


def test_every_step_has_its_legal_basis(graph):
    route = find_routes(graph, 15, [CCE])
    assert all(step.legal_basis for step in route.steps())
    titles = {step.iri: {r.short_title for r in step.legal_basis} for step in route.steps()}
    assert titles[law("transition-arrest-to-youth-court")] == {"CYPA 1933 s45", "CYPA 1933 s50"}
    assert titles[law("transition-youth-court-to-referral-order")] == {"SA 2020 s84"}
    assert titles[law("transition-referral-order-to-youth-offender-panel")] == {
        "SA 2020 s83",
        "CDA 1998 s39",
    }


def test_age_9_cannot_reach_the_youth_court_or_safe_space(graph):
    stages = reached(graph, 9)
    assert law("stage-arrest") not in stages
    assert law("stage-youth-court") not in stages
    assert law("stage-extra-familial-harm") not in stages
    assert law("stage-youth-court") in reached(graph, 10)


def test_age_17_cannot_enter_care_proceedings_but_16_can(graph):
    assert law("stage-care-proceedings") not in reached(graph, 17, [HARM])
    at_16 = reached(graph, 16, [HARM])
    assert {law("stage-care-proceedings"), law("stage-care-order"), law("stage-looked-after")} <= (
        at_16
    )


def test_age_22_care_leaver_keeps_a_personal_adviser(graph):
    route = find_routes(graph, 22, start=law("stage-leaving-care"))
    further = law("stage-further-advice-and-support")
    education = law("stage-education-training-support")
    assert set(route.graph.nodes) == {law("stage-leaving-care"), further, education}
    involved = dict(graph.nodes[further]["involves"])
    assert law("role-personal-adviser") in involved
    # at 20 the s23CZB step is not yet open
    assert further not in reached(graph, 20, start=law("stage-leaving-care"))


def test_private_fostering_under_16_or_under_18_if_disabled(graph):
    checks = law("stage-private-fostering-welfare-checks")
    assert checks in reached(graph, 15, [])
    assert checks not in reached(graph, 16, [])
    assert checks in reached(graph, 17, [DISABILITY])
    assert checks not in reached(graph, 18, [DISABILITY])


def test_a_narrower_concern_opens_a_broader_gate(graph):
    # county lines is a kind of child criminal exploitation, itself extra-familial harm
    assert (
        law("stage-extra-familial-harm") in find_routes(graph, 12, [CONCERN["county-lines"]]).starts
    )


def test_both_stores_give_the_same_pathway_graph(any_store: Store, settings, graph):
    other = load_pathway_graph(any_store, settings)
    assert set(other.nodes) == set(graph.nodes)
    assert {(s, t, tuple(d["transitions"])) for s, t, d in other.edges(data=True)} == {
        (s, t, tuple(d["transitions"])) for s, t, d in graph.edges(data=True)
    }


# ---------------------------------------------------------------- entry points and cliff edges


def test_entry_points_by_age(graph):
    concern, fostering = (
        law("stage-concern-about-a-child"),
        law("stage-private-fostering-arrangement"),
    )
    arrest, harm = law("stage-arrest"), law("stage-extra-familial-harm")
    assert set(entry_points(graph, 9)) == {concern, fostering}
    assert set(entry_points(graph, 10)) == {concern, fostering, arrest}
    assert set(entry_points(graph, 11)) == {concern, fostering, arrest, harm}
    assert entry_points(graph, 18) == []


def test_young_adults_move_on_from_care(graph):
    # W4: only an eligible or relevant child becomes a former relevant child at 18
    at_19 = set(continuing_points(graph, 19))
    assert {law("stage-eligible-child"), law("stage-relevant-child")} <= at_19
    assert law("stage-looked-after") not in at_19
    assert law("stage-leaving-care") in continuing_points(graph, 22)
    # W5: s17 services can continue past 18 (EHC plan, s17ZG; Care Act assessment, s17ZH)
    assert law("stage-child-in-need-plan") in at_19
    # s17ZH sets no age at which the duty ends: it lasts until the council concludes
    assert continuing_points(graph, 25) == [law("stage-care-act-transition-assessment")]
    assert law("stage-leaving-care") in find_routes(graph, 22).starts


def test_cliff_edges(graph):
    cliffs = {cliff.age: cliff for cliff in cliff_edges(graph)}
    assert set(cliffs) == {16, 17, 18, 21, 25}

    def iris(steps):
        return {t.iri for t in steps}

    assert iris(cliffs[16].closing) == {law("transition-private-fostering-to-welfare-checks")}
    assert iris(cliffs[17].closing) == {
        law("transition-care-proceedings-to-care-order"),
        law("transition-care-proceedings-to-interim-care-order"),
        law("transition-emergency-protection-order-to-care-proceedings"),
        lw("transition-s47-enquiry-to-care-proceedings"),
    }
    assert iris(cliffs[18].opening) == {
        law("transition-eligible-child-to-leaving-care"),
        law("transition-relevant-child-to-leaving-care"),
        law("transition-leaving-care-to-staying-put"),
        law("transition-child-in-need-plan-to-s17-continued-ehc-plan"),
        law("transition-care-act-assessment-to-s17-continued"),
    }
    assert {
        law("transition-arrest-to-youth-court"),
        law("transition-youth-court-to-referral-order"),
        lw("transition-extra-familial-harm-to-safe-space-s47"),
        lw("transition-concern-to-mash"),
        law("transition-private-fostering-disabled-to-welfare-checks"),
    } <= iris(cliffs[18].closing)
    assert iris(cliffs[21].closing) == {
        law("transition-eligible-child-to-leaving-care"),
        law("transition-relevant-child-to-leaving-care"),
        law("transition-leaving-care-to-staying-put"),
    }
    assert iris(cliffs[21].opening) == {
        law("transition-leaving-care-to-further-support"),
        law("transition-leaving-care-to-education-training-support"),
    }
    assert iris(cliffs[25].closing) == {
        law("transition-leaving-care-to-further-support"),
        law("transition-leaving-care-to-education-training-support"),
        law("transition-child-in-need-plan-to-s17-continued-ehc-plan"),
    }
    # at 16 the s20(3) duty and the eligible and relevant child steps open (W4, W8)
    assert law("transition-looked-after-to-eligible-child") in iris(cliffs[16].opening)
    assert cliffs[25].opening == ()


def test_every_stage_of_the_lewisham_graph_is_reachable(graph):
    assert unreachable(graph).stages == ()


def test_entry_stages_are_on_no_ones_way_through(graph):
    scores = dict(central_stages(graph, top=len(graph)))
    assert all(scores[root] == 0 for root in entry_points(graph, 15))
    assert scores[law("stage-s47-enquiry")] > 0


def test_names_resolve_and_unknown_names_are_refused(graph):
    assert resolve_concern(graph, "child-criminal-exploitation") == CCE
    assert resolve_stage(graph, "stage-arrest") == law("stage-arrest")
    assert resolve_stage(graph, "law/stage-arrest") == law("stage-arrest")
    with pytest.raises(ValueError, match="no-such-concern"):
        resolve_concern(graph, "no-such-concern")
    with pytest.raises(ValueError, match="stage-nowhere"):
        resolve_stage(graph, "stage-nowhere")


# ---------------------------------------------------------------- a crafted graph

CRAFTED = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix : <https://example.org/> .

:a a csc:PathwayStage ; rdfs:label "A" ; csc:deliveredBy :unit-a .
:b a csc:PathwayStage ; rdfs:label "B" .
:c a csc:PathwayStage ; rdfs:label "C" .
:island a csc:PathwayStage ; rdfs:label "Island" ; csc:deliveredBy :unit-island .
:island-next a csc:PathwayStage ; rdfs:label "After the island" .
:unit-a a org:OrganizationalUnit ; rdfs:label "Unit A" .
:unit-island a org:OrganizationalUnit ; rdfs:label "Unit on the island" .
:unit-idle a org:OrganizationalUnit ; rdfs:label "Idle unit" .
:narrow skos:broader :wide .

:ab a csc:Transition ; csc:fromStage :a ; csc:toStage :b ; cv:hasLegalResource :law ;
    schema:audience [ schema:requiredMinAge 5 ] , [ schema:requiredMaxAge 12 ] .
:bc a csc:Transition ; csc:fromStage :b ; csc:toStage :c ; cv:hasLegalResource :law ;
    csc:addressesConcern :wide .
:loop a csc:Transition ; csc:fromStage :island ; csc:toStage :island-next ;
    cv:hasLegalResource :law ; schema:audience [ schema:requiredMinAge 30 ] .
:back a csc:Transition ; csc:fromStage :island-next ; csc:toStage :island ;
    cv:hasLegalResource :law .
"""


@pytest.fixture(scope="module")
def crafted() -> nx.DiGraph:
    return build_pathway_graph(Graph().parse(data=CRAFTED, format="turtle"))


def test_several_age_rules_on_a_step_must_all_be_met(crafted):
    a, b = "https://example.org/a", "https://example.org/b"
    assert b in reached(crafted, 5, start=a)
    assert b in reached(crafted, 12, start=a)
    assert b not in reached(crafted, 4, start=a)
    assert b not in reached(crafted, 13, start=a)


def test_a_concern_gate_opens_for_the_concern_or_a_narrower_one(crafted):
    a, c = "https://example.org/a", "https://example.org/c"
    assert c not in reached(crafted, 8, [], start=a)
    assert c in reached(crafted, 8, ["https://example.org/narrow"], start=a)
    assert c in reached(crafted, 8, None, start=a)  # None: any concern


ORDER_SCRIPT = """
import sys
from rdflib import Graph
from csc_graph.pathways.routes import find_routes
from csc_graph.pathways.graph import build_pathway_graph

rdf = Graph()
for triple in set(Graph().parse(data=sys.stdin.read(), format="turtle")):
    rdf.add(triple)  # in the order of their hashes, as a CONSTRUCT result may come
graph = build_pathway_graph(rdf)
route = find_routes(graph, 30, None, "https://example.org/island")
print([list(graph.nodes), list(graph.edges), list(route.graph.nodes), list(route.graph.edges)])
"""


def test_stages_and_steps_come_in_the_same_order_whatever_the_hash_seed():
    # rdflib and set iteration follow string hashes, which differ from run to run; the
    # order of stages and steps decides the layout of the pictures and the order of lists
    def run(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", ORDER_SCRIPT],
            input=CRAFTED,
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return done.stdout

    first = run("1")
    assert "https://example.org/island-next" in first
    assert all(run(seed) == first for seed in ("2", "3", "4", "5"))


def test_a_stage_only_reachable_through_a_closed_cycle_is_unreachable(crafted):
    found = unreachable(crafted)
    assert set(found.stages) == {"https://example.org/island", "https://example.org/island-next"}
    assert found.units_on_unreachable_stages == ("https://example.org/unit-island",)
    assert found.units_on_no_stage == ("https://example.org/unit-idle",)


def test_the_middle_of_a_chain_is_the_most_central(crafted):
    top_stage, score = central_stages(crafted, top=1)[0]
    assert top_stage == "https://example.org/b"
    assert score > 0


# ---------------------------------------------------------------- the transition shape

SHAPE_CASE = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix : <https://example.org/> .

:a a csc:PathwayStage ; rdfs:label "A"@en ; dct:description "Stage A."@en .
:b a csc:PathwayStage ; rdfs:label "B"@en ; dct:description "Stage B."@en .
:t a csc:Transition ; rdfs:label "A to B"@en ; dct:description "A step."@en ;
    csc:fromStage :a ; csc:toStage {target} .
"""


def violations(settings: Settings, data: str) -> set[tuple[str, str | None]]:
    """(constraint component, property path) of each Violation, read from the report graph."""
    report = validate_graph(Graph().parse(data=data, format="turtle"), read_shapes(settings))
    graph = report.report_graph
    found = set()
    for result in graph.subjects(SH.resultSeverity, SH.Violation):
        component = str(graph.value(result, SH.sourceConstraintComponent)).split("#")[-1]
        path = graph.value(result, SH.resultPath)
        found.add((component, None if path is None else str(path)))
    return found


def test_a_step_without_legal_basis_or_sources_is_a_violation(settings):
    found = violations(settings, SHAPE_CASE.format(target=":b"))
    assert ("MinCountConstraintComponent", str(CV.hasLegalResource)) in found
    assert ("SPARQLConstraintComponent", str(CSC.fromStage)) in found


def test_a_step_back_to_its_own_stage_is_a_violation(settings):
    found = violations(settings, SHAPE_CASE.format(target=":a"))
    assert ("DisjointConstraintComponent", str(CSC.fromStage)) in found


# ---------------------------------------------------------------- the command line


def test_cli_pathways_json_answers_the_route_question():
    result = CliRunner().invoke(
        cli_app,
        ["pathways", "--age", "15", "--concern", "child-criminal-exploitation", "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    stages = {s["iri"] for s in answer["stages"]}
    assert law("stage-referral-order") in stages
    assert law("stage-youth-caution") in stages


def test_cli_pathways_refuses_an_unknown_concern_with_exit_2():
    result = CliRunner().invoke(cli_app, ["pathways", "--age", "15", "--concern", "nope"])
    assert result.exit_code == 2


def test_a_pathway_graph_cut_by_the_row_cap_is_an_error_not_a_smaller_graph(
    store: Store, settings: Settings
) -> None:
    with pytest.raises(ResultTruncated):
        load_pathway_graph(store.with_limits(max_rows=5), settings)
