"""Real clients against a real server: SPARQLWrapper and rdflib's SPARQLStore talk to uvicorn
on a free 127.0.0.1 port; and the app itself serves a remote store (a real Oxigraph server).

Expected answers come from the seed pages: Youth Justice works with ages 10 to 17.
"""

import io
from collections.abc import Iterator
from typing import Any, cast
from urllib.error import HTTPError

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from rdflib.query import Result, ResultRow
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.rdf.namespaces import SCHEMA, sparql_prefixes
from csc_graph.store.base import Store

AGES = """
SELECT ?min ?max WHERE { <%s> schema:audience ?a .
  ?a schema:requiredMinAge ?min ; schema:requiredMaxAge ?max . }"""
YOUTH_JUSTICE_AGES = (10, 17)


def youth_justice(settings: Settings) -> URIRef:
    return URIRef(f"{settings.base_iri}lewisham/youth-justice")


def wrapper(live_server: str, query: str, return_format: str) -> SPARQLWrapper:
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client


def converted_json(client: SPARQLWrapper) -> dict[str, Any]:
    result = client.queryAndConvert()
    assert isinstance(result, dict)
    return result


def age_pairs(bindings: list[dict[str, dict[str, str]]]) -> list[tuple[int, int]]:
    return [(int(b["min"]["value"]), int(b["max"]["value"])) for b in bindings]


def test_server_listens_on_loopback_only(live_server: str) -> None:
    assert live_server.startswith("http://127.0.0.1:")


def test_sparqlwrapper_select_json(live_server: str, settings: Settings) -> None:
    query = AGES % youth_justice(settings)
    result = converted_json(wrapper(live_server, query, JSON))
    assert age_pairs(result["results"]["bindings"]) == [YOUTH_JUSTICE_AGES]


@pytest.mark.parametrize("method", ["urlencoded", "postdirectly"])
def test_sparqlwrapper_post(live_server: str, settings: Settings, method: str) -> None:
    client = wrapper(live_server, AGES % youth_justice(settings), JSON)
    client.setMethod(POST)
    client.setRequestMethod(method)
    assert age_pairs(converted_json(client)["results"]["bindings"]) == [YOUTH_JUSTICE_AGES]


@pytest.mark.parametrize(
    ("return_format", "rdflib_format"), [(XML, "xml"), (CSV, "csv"), (TSV, "tsv")]
)
def test_sparqlwrapper_other_result_formats(
    live_server: str, settings: Settings, return_format: str, rdflib_format: str
) -> None:
    response = wrapper(live_server, AGES % youth_justice(settings), return_format).query()
    result = Result.parse(io.BytesIO(response.response.read()), format=rdflib_format)
    pairs = [tuple(int(str(v)) for v in cast(ResultRow, row)) for row in result]
    assert pairs == [YOUTH_JUSTICE_AGES]


def test_sparqlwrapper_ask(live_server: str, settings: Settings) -> None:
    query = f"ASK {{ <{youth_justice(settings)}> schema:audience ?a }}"
    assert converted_json(wrapper(live_server, query, JSON))["boolean"] is True


def test_sparqlwrapper_construct_turtle(live_server: str, settings: Settings) -> None:
    where = f"<{youth_justice(settings)}> schema:audience ?a . ?a ?p ?o"
    query = f"CONSTRUCT {{ ?a ?p ?o }} WHERE {{ {where} }}"
    data = wrapper(live_server, query, TURTLE).queryAndConvert()
    assert isinstance(data, bytes)
    graph = Graph().parse(data=data, format="turtle")
    ages = URIRef(f"{settings.base_iri}lewisham/youth-justice-ages")
    assert graph.value(ages, SCHEMA.requiredMaxAge) == Literal(17)


def test_sparqlwrapper_bad_query_is_an_error(live_server: str) -> None:
    with pytest.raises(SPARQLWrapperException):
        wrapper(live_server, "SELECT ?x WHERE {", JSON).queryAndConvert()


@pytest.fixture(scope="module")
def remote_graph(live_server: str) -> Iterator[Graph]:
    graph = Graph(store=SPARQLStore(f"{live_server}/sparql"))
    yield graph
    graph.close()


def test_rdflib_sparqlstore_query(remote_graph: Graph, settings: Settings) -> None:
    result = remote_graph.query(sparql_prefixes() + AGES % youth_justice(settings))
    pairs = [tuple(int(str(v)) for v in cast(ResultRow, row)) for row in result]
    assert pairs == [YOUTH_JUSTICE_AGES]


def test_rdflib_sparqlstore_triples_and_value(remote_graph: Graph, settings: Settings) -> None:
    subject = youth_justice(settings)
    assert remote_graph.value(subject, RDFS.label) == Literal("Youth Justice", lang="en")
    audience = list(remote_graph.objects(subject, SCHEMA.audience))
    assert audience == [URIRef(f"{settings.base_iri}lewisham/youth-justice-ages")]


def test_rdflib_update_store_is_refused(live_server: str, store: Store) -> None:
    endpoint = f"{live_server}/sparql"
    graph = Graph(store=SPARQLUpdateStore(endpoint, endpoint), identifier=DATASET_DEFAULT_GRAPH_ID)
    before = store.content_hash()
    with pytest.raises(HTTPError) as refused:
        graph.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    assert refused.value.code == 403
    assert store.content_hash() == before


# ---------------------------------------------------------------- the app over a remote store


@pytest.fixture(scope="module")
def remote_app_client(remote_settings: Settings, remote_store: Store) -> Iterator[TestClient]:
    """``create_app`` with ``store_url`` set, as ``csc-graph serve --store-url`` runs it: the
    lifespan opens the remote store and (re)loads the same graph files into it."""
    with TestClient(create_app(remote_settings)) as client:
        yield client


def test_app_serves_a_remote_store(
    remote_app_client: TestClient, client: TestClient, settings: Settings
) -> None:
    health = remote_app_client.get("/health").json()
    assert health["store"] == "remote"
    assert health["status"] == "ok"
    query = AGES % youth_justice(settings)
    remote = remote_app_client.get(
        "/sparql", params={"query": query}, headers={"accept": "text/csv"}
    )
    local = client.get("/sparql", params={"query": query}, headers={"accept": "text/csv"})
    assert remote.text.splitlines() == local.text.splitlines()


def test_remote_resource_is_the_same_graph(
    remote_app_client: TestClient, client: TestClient
) -> None:
    path, accept = "/id/lewisham/youth-justice", {"accept": "text/turtle"}
    remote = Graph().parse(
        data=remote_app_client.get(path, headers=accept).content, format="turtle"
    )
    local = Graph().parse(data=client.get(path, headers=accept).content, format="turtle")
    assert len(remote) > 0
    assert isomorphic(remote, local)
