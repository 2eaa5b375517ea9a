"""/sparql on the Lewisham graph: the three ways to send a query, every result format parsed
back, the service description, the refusals, and the limits (time, rows).

Expected answers come from the seed pages: Youth Justice works with ages 10 to 17 and Safe
Space with 11 to 17 ("young people aged 11 to 17").
"""

import io
from collections.abc import Iterator
from typing import cast
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.query import Result, ResultRow

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.exports.service_description import SD
from csc_graph.formats import GRAPH_REPRESENTATIONS, SOLUTION_REPRESENTATIONS
from csc_graph.rdf.files import graph_iri
from csc_graph.store.base import QuerySyntaxError, Store

AGES = """
SELECT ?min ?max WHERE {
  ?unit schema:audience ?a . ?a schema:requiredMinAge ?min ; schema:requiredMaxAge ?max .
}"""
YOUTH_JUSTICE_AGES = (10, 17)
SAFE_SPACE_AGES = (11, 17)
SOLUTION_FORMATS = {r.media_type: r.name for r in SOLUTION_REPRESENTATIONS}
RDFLIB_GRAPH_FORMATS = {"turtle": "turtle", "json-ld": "json-ld", "nt": "nt", "xml": "xml"}
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FORM = "application/x-www-form-urlencoded"


def header_values(response, name: str) -> set[str]:
    return {value.strip() for value in response.headers.get(name, "").split(",")}


def unit(settings: Settings, name: str) -> URIRef:
    return URIRef(f"{settings.base_iri}lewisham/{name}")


def ages_query(settings: Settings, name: str) -> str:
    return AGES.replace("?unit", f"<{unit(settings, name)}>")


def solutions(response) -> Result:
    media_type = response.headers["content-type"].split(";")[0]
    return Result.parse(io.BytesIO(response.content), format=SOLUTION_FORMATS[media_type])


def text_rows(response) -> set[tuple[str, ...]]:
    return {tuple(str(value) for value in cast(ResultRow, row)) for row in solutions(response)}


def age_rows(response) -> set[tuple[int, int]]:
    return {(int(low), int(high)) for low, high in text_rows(response)}


def test_get_form_post_and_direct_post_give_the_same_answer(
    client: TestClient, settings: Settings
) -> None:
    query = ages_query(settings, "youth-justice")
    by_get = client.get("/sparql", params={"query": query})
    by_form = client.post(
        "/sparql", content=f"query={quote(query)}", headers={"content-type": FORM}
    )
    by_body = client.post(
        "/sparql", content=query.encode(), headers={"content-type": "application/sparql-query"}
    )
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200
        assert age_rows(response) == {YOUTH_JUSTICE_AGES}


@pytest.mark.parametrize("media_type", list(SOLUTION_FORMATS))
def test_select_in_every_results_format(
    client: TestClient, settings: Settings, media_type: str
) -> None:
    response = client.get(
        "/sparql",
        params={"query": ages_query(settings, "safe-space")},
        headers={"accept": media_type},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in header_values(response, "vary")
    if media_type == "text/csv":  # CSV carries no datatypes: compare the text of the values
        assert text_rows(response) == {tuple(map(str, SAFE_SPACE_AGES))}
    else:
        assert age_rows(response) == {SAFE_SPACE_AGES}


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv"])
def test_format_parameter_overrides_accept(client: TestClient, name: str) -> None:
    response = client.get(
        "/sparql",
        params={"query": "SELECT (1 AS ?one) {}", "format": name},
        headers={"accept": "application/sparql-results+json"},
    )
    assert SOLUTION_FORMATS[response.headers["content-type"].split(";")[0]] == name


def test_construct_in_every_rdf_format_is_the_same_graph(
    client: TestClient, settings: Settings
) -> None:
    youth_justice = unit(settings, "youth-justice")
    query = f"CONSTRUCT {{ ?a ?p ?o }} WHERE {{ <{youth_justice}> schema:audience ?a . ?a ?p ?o }}"
    graphs = []
    for representation in GRAPH_REPRESENTATIONS:
        response = client.get(
            "/sparql", params={"query": query}, headers={"accept": representation.media_type}
        )
        assert response.headers["content-type"].split(";")[0] == representation.media_type
        fmt = RDFLIB_GRAPH_FORMATS[representation.name]
        graphs.append(Graph().parse(data=response.content, format=fmt))
    ages = URIRef(f"{settings.base_iri}lewisham/youth-justice-ages")
    assert graphs[0].value(ages, URIRef("http://schema.org/requiredMinAge")) == Literal(10)
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])


def test_ask_answers_true_and_false(client: TestClient, settings: Settings) -> None:
    yes = client.get("/sparql", params={"query": f"ASK {{ <{unit(settings, 'mash')}> ?p ?o }}"})
    no = client.get("/sparql", params={"query": f"ASK {{ <{unit(settings, 'nowhere')}> ?p ?o }}"})
    assert solutions(yes).askAnswer is True
    assert solutions(no).askAnswer is False


def test_unacceptable_media_type_is_406(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["status"] == 406


def test_bad_query_is_400_with_the_parsers_message(client: TestClient, store: Store) -> None:
    bad = "SELECT ?x WHERE { ?x a }"
    with pytest.raises(QuerySyntaxError) as parsed:
        store.query(bad)
    response = client.get("/sparql", params={"query": bad})
    assert response.status_code == 400
    assert response.json()["detail"].endswith(str(parsed.value))


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}),
        (
            "POST",
            {"content": b"query=ASK%7B%7D&query=ASK%7B%7D", "headers": {"content-type": FORM}},
        ),
        ("POST", {"content": b"", "headers": {"content-type": FORM}}),
        ("POST", {"content": b"default-graph-uri=x", "headers": {"content-type": FORM}}),
        ("POST", {"content": b"  ", "headers": {"content-type": "application/sparql-query"}}),
    ],
    ids=["two-queries-get", "two-queries-post", "empty-form", "form-without-query", "blank-body"],
)
def test_not_exactly_one_query_is_400(client: TestClient, method: str, kwargs: dict) -> None:
    response = client.request(method, "/sparql", **kwargs)
    assert response.status_code == 400
    assert response.json()["status"] == 400


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"update": "CLEAR ALL"}}),
        ("POST", {"content": b"update=CLEAR%20ALL", "headers": {"content-type": FORM}}),
        (
            "POST",
            {"content": b"CLEAR ALL", "headers": {"content-type": "application/sparql-update"}},
        ),
        ("GET", {"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}),
        ("GET", {"params": {"query": "LOAD <http://example.org/data.ttl>"}}),
        (
            "GET",
            {"params": {"query": "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}},
        ),
    ],
    ids=[
        "update-get",
        "update-form",
        "update-direct",
        "insert-as-query",
        "load",
        "service",
    ],
)
def test_updates_and_network_access_are_refused(
    client: TestClient,
    store: Store,
    method: str,
    kwargs: dict,
) -> None:
    before = store.content_hash()
    response = client.request(method, "/sparql", **kwargs)
    assert response.status_code == 403
    assert set(response.json()) == {"status", "error", "detail"}
    assert store.content_hash() == before


def test_local_named_graph_can_be_the_default_graph(client: TestClient, settings: Settings) -> None:
    council = str(graph_iri(settings.council_dir / "council.ttl", settings))
    query = f"ASK {{ <{unit(settings, 'youth-justice')}> ?p ?o }}"
    only_council = client.get("/sparql", params={"query": query, "default-graph-uri": council})
    assert solutions(only_council).askAnswer is False
    assert solutions(client.get("/sparql", params={"query": query})).askAnswer is True


def test_service_description(client: TestClient, settings: Settings) -> None:
    response = client.get("/sparql")
    assert response.headers["content-type"].split(";")[0] == "text/turtle"
    graph = Graph().parse(data=response.content, format="turtle")
    service = next(graph.subjects(RDF.type, SD.Service))
    assert graph.value(service, SD.endpoint) == URIRef("http://testserver/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    names = set(graph.objects(None, SD.name))
    assert graph_iri(settings.council_dir / "council.ttl", settings) in names
    assert ("sd", URIRef(str(SD))) in set(graph.namespaces())  # not rdflib's ns1:
    jsonld = client.get("/sparql", headers={"accept": "application/ld+json"})
    assert isomorphic(graph, Graph().parse(data=jsonld.content, format="json-ld"))


def test_browser_gets_the_query_page(client: TestClient) -> None:
    response = client.get("/sparql", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.headers["content-type"].startswith("text/html")


@pytest.fixture(scope="module")
def limited_client(settings: Settings, store: Store) -> Iterator[TestClient]:
    """The loaded store with a short time limit and a cap of 5 rows (the data is shared)."""
    limited = store.with_limits(query_timeout=0.5, max_rows=5)
    with TestClient(create_app(limited.settings, store=limited)) as test_client:
        yield test_client


def test_time_limit_gives_503_with_a_clear_body(limited_client: TestClient) -> None:
    response = limited_client.get("/sparql", params={"query": SLOW})
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503
    assert body["error"] == "Service Unavailable"


def test_row_cap_cuts_and_flags_the_result(limited_client: TestClient, client: TestClient) -> None:
    query = "SELECT ?s WHERE { ?s a csc:Claim }"
    cut = limited_client.get("/sparql", params={"query": query})
    assert cut.headers["x-result-truncated"] == "true"
    assert len(solutions(cut)) == 5
    whole = client.get("/sparql", params={"query": query})
    assert "x-result-truncated" not in whole.headers
    assert len(solutions(whole)) > 5
