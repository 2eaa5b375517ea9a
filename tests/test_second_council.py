"""A second council takes no code changes: only its graph files and settings.

README.md says: add ``graph/<council>/*.ttl`` and its captured sources, then set
``CSC_GRAPH_COUNCIL``. This file does exactly that with a fictional council,
``tests/data/councils/example/`` (Example Borough Council: three units, one age range, one
concern, one legal basis, claims quoting a page written for these tests), in a temporary
repository root beside the real ontology, queries and law, and asks every door about it.
The expected answers are written from that page, not read back from the graph.
"""

import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from csc_graph.api.app import create_app
from csc_graph.catalogue.named_queries import run_named
from csc_graph.config import PROJECT_ROOT, Settings
from csc_graph.exports.oruk import load_directory, oruk_id, service_package
from csc_graph.governance.gate import load_into
from csc_graph.pathways.graph import load_pathway_graph
from csc_graph.rdf.files import union_graph
from csc_graph.rdf.namespaces import CONCERN, CSC, SCHEMA
from csc_graph.resources.describe import example_link
from csc_graph.store import open_store
from csc_graph.store.base import Store
from standards_validation import json_errors, page_schema

EXAMPLE_DATA = Path(__file__).parent / "data" / "councils" / "example"
SHARED = ("ontology", "queries", "graph/law")

BASE = str(Settings.model_fields["base_iri"].default)
EX = f"{BASE}example/"
LEWISHAM = f"{BASE}lewisham/"
COUNCIL = URIRef(f"{EX}council")
CHILDRENS_SERVICES = URIRef(f"{EX}childrens-services")
FAMILY_HELP = URIRef(f"{EX}family-help")
YOUTH_SUPPORT = URIRef(f"{EX}youth-support")
SECTION_17 = URIRef("http://www.legislation.gov.uk/id/ukpga/1989/41/section/17")

UNIT_NAMES = {
    CHILDRENS_SERVICES: "Example Children's Services",
    FAMILY_HELP: "Family Help Team",
    YOUTH_SUPPORT: "Youth Support Team",
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A repository root with the real ontology, queries and law, and only the example
    council under graph/, named by the council setting as an operator would."""
    root = tmp_path_factory.mktemp("second-council")
    for folder in SHARED:
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    shutil.copytree(EXAMPLE_DATA, root / "graph" / "example")
    return Settings(root=root, council="example")


@pytest.fixture(scope="module")
def store(settings: Settings) -> Store:
    """The one load of this module; load() raises if SHACL or a QC check refuses the graph."""
    loaded = open_store(settings)
    assert load_into(loaded) == loaded.triple_count() > 0
    return loaded


@pytest.fixture(scope="module")
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def graph(store: Store) -> Graph:
    """Everything loaded, as one graph."""
    return union_graph(store.dataset())


def collapse(text: str) -> str:
    return " ".join(text.split())


def test_the_graph_passes_the_gate_and_holds_the_example_council_only(graph: Graph) -> None:
    assert (COUNCIL, RDFS.label, Literal("Example Borough Council", lang="en")) in graph
    assert {s for s in graph.subjects() if str(s).startswith(LEWISHAM)} == set()
    assert (SECTION_17, RDF.type, CSC.Section) in graph  # the shared law came along


def test_services_for_a_child_of_15_is_the_example_youth_team(store: Store) -> None:
    rows = run_named(store, "services-for-child", {"age": "15", "include_unstated": "no"}).rows
    found = {(row["unit"], row["minAge"], row["maxAge"], str(row["ageSource"])) for row in rows}
    # the youth team states 12 to 17; the family help team acts under s17, so a child (s105)
    assert found == {
        (YOUTH_SUPPORT, Literal(12), Literal(17), "stated"),
        (FAMILY_HELP, Literal(0), Literal(17), "law"),
    }
    # with the default, the units whose ages nothing states are listed too, flagged
    flagged = run_named(store, "services-for-child", {"age": "15"}).rows
    assert {str(row["ageSource"]) for row in flagged} == {"stated", "law", "none"}


def test_no_service_states_an_age_of_11(store: Store) -> None:
    """Lewisham's Youth Justice (10 to 17) and Safe Space (11 to 17) would answer here."""
    rows = run_named(store, "services-for-child", {"age": "11", "include_unstated": "no"}).rows
    assert [str(row["ageSource"]) for row in rows] == ["law"]  # only the s17 bound


def test_services_for_a_concern_include_the_team_that_addresses_it(store: Store) -> None:
    rows = run_named(store, "services-for-child", {"concern": "offending"}).rows
    assert {row["unit"] for row in rows} == {YOUTH_SUPPORT}


def test_the_legal_basis_of_services_is_the_family_help_teams_s17(store: Store) -> None:
    rows = run_named(store, "legal-basis-of-services", {}).rows
    assert [(row["unit"], row["provision"]) for row in rows] == [(FAMILY_HELP, SECTION_17)]


def test_every_example_claim_quotes_the_example_page(settings: Settings, graph: Graph) -> None:
    page = URIRef(f"{EX}source-example-page")
    text = collapse((settings.root / str(graph.value(page, CSC.capturedText))).read_text())
    example_claims = [
        claim
        for claim in graph.subjects(RDF.type, CSC.Claim)
        if str(graph.value(claim, RDF.subject)).startswith(EX)
    ]
    assert len(example_claims) == 9  # 2 + 3 + 4 facts about the three units
    for claim in example_claims:
        assert graph.value(claim, PROV.wasDerivedFrom) == page
        assert collapse(str(graph.value(claim, CSC.quote))) in text, claim
    assert "fictional" in text.casefold()  # the page says plainly that it is test data


def test_the_oruk_export_lists_the_example_services_and_is_valid(store: Store) -> None:
    package = service_package(load_directory(store))
    assert json_errors(package, "compiled/service_package.json", "oruk") == []
    assert {item["name"] for item in package} == set(UNIT_NAMES.values())
    assert {item["organization"]["name"] for item in package} == {"Example Borough Council"}
    youth = next(item for item in package if item["id"] == oruk_id(str(YOUTH_SUPPORT)))
    assert (youth["minimum_age"], youth["maximum_age"]) == (12, 17)
    assert [a["taxonomy_term"]["term_uri"] for a in youth["attributes"]] == [
        str(CONCERN["offending"])
    ]


def test_the_pathway_graph_builds_from_the_law_with_the_example_units(
    settings: Settings, store: Store
) -> None:
    pathways = load_pathway_graph(store, settings)
    assert f"{BASE}law/stage-arrest" in pathways
    assert pathways.has_edge(f"{BASE}law/stage-care-proceedings", f"{BASE}law/stage-care-order")
    assert not [stage for stage in pathways if stage.startswith(LEWISHAM)]
    assert pathways.graph["units"] == {str(iri): name for iri, name in UNIT_NAMES.items()}


# ---------------------------------------------------------------------- HTTP


def test_id_serves_an_example_unit_with_its_claims(client: TestClient) -> None:
    response = client.get("/id/example/youth-support", headers={"accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    assert (YOUTH_SUPPORT, SCHEMA.audience, URIRef(f"{EX}youth-support-ages")) in graph
    assert (YOUTH_SUPPORT, CSC.addressesConcern, CONCERN["offending"]) in graph
    claimed = {graph.value(c, RDF.predicate) for c in graph.subjects(RDF.subject, YOUTH_SUPPORT)}
    assert {SCHEMA.audience, CSC.addressesConcern} <= claimed


def test_id_does_not_serve_a_lewisham_unit(client: TestClient) -> None:
    assert client.get("/id/lewisham/youth-justice").status_code == 404


def test_services_api_pages_the_example_services(client: TestClient) -> None:
    response = client.get("/services", params={"age": 15})
    assert response.status_code == 200
    page = response.json()
    assert json_errors(page, page_schema("oruk", "compiled/service_list.json"), "oruk") == []
    assert [item["id"] for item in page["contents"]] == [oruk_id(str(YOUTH_SUPPORT))]


def test_health_reports_the_example_graph(client: TestClient, store: Store) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["quads"]) == ("ok", store.triple_count())


def test_the_example_resource_offered_to_people_is_this_councils(store: Store) -> None:
    assert example_link(store) == "/id/example/council"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if tag == "a" and name == "href" and value]


def test_the_home_pages_example_resource_is_in_this_councils_graph(client: TestClient) -> None:
    parser = _Links()
    parser.feed(client.get("/", headers={"accept": "text/html"}).text)
    examples = [link for link in parser.links if link.startswith("/id/")]
    assert examples
    assert [client.get(link).status_code for link in examples] == [200] * len(examples)
