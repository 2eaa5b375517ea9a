"""Exports and the VoID description over HTTP: the same content as the core, each export
still valid against its standard, downloads named, formats refused clearly."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, VOID

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.exports.rdf import cpsv_graph
from csc_graph.exports.void import dataset_iri, void_graph_iri
from csc_graph.store.base import Store
from standards_validation import cpsv_report, json_errors, schemaorg_problems

OGL = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")


@pytest.fixture(scope="module")
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def test_oruk_export_is_a_valid_service_package_download(client: TestClient):
    response = client.get("/export/oruk")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert json_errors(response.json(), "compiled/service_package.json", "oruk") == []


def test_cpsv_export_conforms_and_matches_the_core(client: TestClient, store: Store):
    response = client.get("/export/cpsv", params={"format": "turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content, format="turtle")
    assert cpsv_report(graph)[0]
    assert isomorphic(graph, cpsv_graph(store))


def test_schemaorg_export_is_json_ld_in_schemaorg_terms(client: TestClient):
    response = client.get("/export/schemaorg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    graph = Graph().parse(data=json.dumps(response.json()), format="json-ld")
    assert len(graph) > 0
    assert schemaorg_problems(graph) == []


@pytest.mark.parametrize("rdf_format", ["trig", "nquads"])
def test_dump_names_the_endpoint_of_the_server_it_came_from(
    client: TestClient, settings: Settings, rdf_format: str
):
    response = client.get("/export/dump", params={"format": rdf_format})
    assert response.status_code == 200
    dump = Dataset()
    dump.parse(data=response.content, format=rdf_format)
    void = dump.graph(void_graph_iri(settings))
    endpoint = void.value(dataset_iri(settings), VOID.sparqlEndpoint)
    assert endpoint == URIRef("http://testserver/sparql")


def test_unknown_target_or_format_is_refused(client: TestClient):
    unknown = client.get("/export/rdfa")  # each target is its own operation: no such path
    assert (unknown.status_code, unknown.json()["status"]) == (404, 404)
    response = client.get("/export/cpsv", params={"format": "trig"})
    assert response.status_code == 400
    assert "turtle" in response.json()["detail"]


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
    ],
)
def test_well_known_void_by_content_negotiation(
    client: TestClient, settings: Settings, accept: str, rdf_format: str
):
    response = client.get("/.well-known/void", headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.content, format=rdf_format)
    dataset = dataset_iri(settings)
    assert (dataset, DCTERMS.license, OGL) in graph
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef("http://testserver/sparql")
    assert graph.value(dataset, VOID.triples).toPython() > 0


def test_well_known_void_format_override_and_refusals(client: TestClient):
    response = client.get("/.well-known/void", params={"format": "nt"})
    assert response.headers["content-type"].startswith("application/n-triples")
    assert client.get("/.well-known/void", params={"format": "csv"}).status_code == 400
    assert client.get("/.well-known/void", headers={"accept": "image/png"}).status_code == 406
