"""The read-only Graph Store Protocol endpoint: named graphs and the default graph by content
negotiation, each compared with the store's own quads; writes refused with 405."""

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from csc_graph.config import Settings
from csc_graph.formats import GRAPH_REPRESENTATIONS
from csc_graph.rdf.files import graph_iri
from csc_graph.store.base import Store

RDFLIB_FORMATS = {"turtle": "turtle", "json-ld": "json-ld", "nt": "nt", "xml": "xml"}


def store_graph(store: Store, name: str) -> Graph:
    graph = Graph()
    for s, p, o, g in store.dataset().quads((None, None, None, None)):
        if g is not None and str(getattr(g, "identifier", g)) == name:
            graph.add((s, p, o))
    return graph


@pytest.mark.parametrize("representation", GRAPH_REPRESENTATIONS, ids=lambda r: r.name)
def test_a_named_graph_in_every_format(
    client: TestClient, store: Store, settings: Settings, representation
) -> None:
    name = str(graph_iri(settings.council_dir / "council.ttl", settings))
    response = client.get(
        "/graph-store", params={"graph": name}, headers={"accept": representation.media_type}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == representation.media_type
    answer = Graph().parse(data=response.content, format=RDFLIB_FORMATS[representation.name])
    assert len(answer) > 0
    assert isomorphic(answer, store_graph(store, name))


def test_the_default_graph_is_the_union(client: TestClient, store: Store) -> None:
    response = client.get("/graph-store?default&format=nt")
    assert response.status_code == 200
    answer = Graph().parse(data=response.content, format="nt")
    union = Graph()
    for s, p, o, _ in store.dataset().quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(answer, union)
    assert (URIRef(store.settings.base_iri + "lewisham/youth-justice"), None, None) in answer


def test_head_answers_like_get_without_a_body(client: TestClient, settings: Settings) -> None:
    name = str(graph_iri(settings.council_dir / "council.ttl", settings))
    response = client.head("/graph-store", params={"graph": name, "format": "turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert response.content == b""


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"graph": "http://example.org/not-held"}, 404),
        ({}, 400),
        ({"graph": "http://example.org/g", "default": ""}, 400),
        ({"default": "", "format": "csv"}, 400),
    ],
    ids=["unknown-graph", "neither", "both", "not-a-graph-format"],
)
def test_bad_requests(client: TestClient, params: dict[str, str], status: int) -> None:
    response = client.get("/graph-store", params=params)
    assert response.status_code == status
    assert response.json()["status"] == status


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_writes_are_refused_with_allow(client: TestClient, store: Store, method: str) -> None:
    before = store.content_hash()
    response = client.request(
        method,
        "/graph-store",
        params={"graph": "http://example.org/g"},
        content=b"<urn:x:s> <urn:x:p> <urn:x:o> .",
        headers={"content-type": "application/n-triples"},
    )
    assert response.status_code == 405
    assert [m.strip() for m in response.headers["allow"].split(",")] == ["GET", "HEAD", "OPTIONS"]
    assert store.content_hash() == before
