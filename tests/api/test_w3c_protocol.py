"""The W3C SPARQL 1.1 Protocol test cases (w3c/rdf-tests, sparql/sparql11/protocol/
manifest.ttl), encoded as our own parametrized cases, one per W3C case and named after it.

Query cases must give the expected status and result; update cases must be refused (the
endpoint is read-only) and must leave the data unchanged. The store holds the manifest's
three data graphs, named by their kasei.us IRIs, with the base IRI set to cover them (the
endpoint only reads named graphs under its base).
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import FOAF, RDF
from rdflib.query import Result, ResultRow

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.formats import GRAPH_REPRESENTATIONS, SOLUTION_REPRESENTATIONS
from csc_graph.store import open_store
from csc_graph.store.base import Store

DATA = "http://kasei.us/2009/09/sparql/data/"
DATA0, DATA1, DATA2, DATA3 = (f"{DATA}data{n}.rdf" for n in range(4))
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

SOLUTION_TYPES = {r.media_type: r.name for r in SOLUTION_REPRESENTATIONS}
RDF_TYPES = {r.media_type: r.name for r in GRAPH_REPRESENTATIONS}
RDFLIB_FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld", "xml": "xml"}


@dataclass(frozen=True)
class Case:
    """One HTTP request of a W3C protocol test, and what the answer must be."""

    name: str
    method: str
    params: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str | None = None
    status: int = 2  # the expected status class: 2 for 2xx, 4 for 4xx
    boolean: bool | None = None
    result: str | None = None  # "boolean", "tabular" or "RDF"


def form(**fields: str) -> bytes:
    return "&".join(f"{k}={quote(v)}" for k, v in fields.items()).encode()


BOTH_IN_ONE = f"ASK {{ <{DATA1}> a ?type . <{DATA2}> a ?type . }}"
EACH_NAMED = f"ASK {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} GRAPH ?g2 {{ <{DATA2}> a ?type }} }}"

QUERY_CASES = [
    Case(
        "query_post_form",
        "POST",
        [("default-graph-uri", DATA0)],
        form(query="ASK {}"),
        FORM,
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_dataset_default_graphs_get",
        "GET",
        [("query", BOTH_IN_ONE), ("default-graph-uri", DATA1), ("default-graph-uri", DATA2)],
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_dataset_default_graphs_post",
        "POST",
        [("default-graph-uri", DATA1), ("default-graph-uri", DATA2)],
        BOTH_IN_ONE.encode(),
        DIRECT,
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_dataset_named_graphs_post",
        "POST",
        [("named-graph-uri", DATA1), ("named-graph-uri", DATA2)],
        EACH_NAMED.encode(),
        DIRECT,
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_dataset_named_graphs_get",
        "GET",
        [("query", EACH_NAMED), ("named-graph-uri", DATA1), ("named-graph-uri", DATA2)],
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_dataset_full",
        "POST",
        [("default-graph-uri", DATA3), ("named-graph-uri", DATA1), ("named-graph-uri", DATA2)],
        f"ASK {{ <{DATA3}> a ?type GRAPH ?g1 {{ <{DATA1}> a ?type }} "
        f"GRAPH ?g2 {{ <{DATA2}> a ?type }} }}".encode(),
        DIRECT,
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_multiple_dataset",
        "POST",
        [("named-graph-uri", DATA1), ("named-graph-uri", DATA2)],
        f"ASK FROM <{DATA3}> {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} "
        f"GRAPH ?g2 {{ <{DATA2}> a ?type }} }}".encode(),
        DIRECT,
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_get",
        "GET",
        [("query", "ASK {}"), ("default-graph-uri", DATA0)],
        boolean=True,
        result="boolean",
    ),
    Case(
        "query_content_type_select",
        "POST",
        [("default-graph-uri", DATA0)],
        b"SELECT (1 AS ?value) {}",
        DIRECT,
        result="tabular",
    ),
    Case(
        "query_content_type_ask",
        "POST",
        [("default-graph-uri", DATA0)],
        b"ASK {}",
        DIRECT,
        result="boolean",
    ),
    Case(
        "query_content_type_describe",
        "POST",
        [("default-graph-uri", DATA0)],
        b"DESCRIBE <http://example.org/>",
        DIRECT,
        result="RDF",
    ),
    Case(
        "query_content_type_construct",
        "POST",
        [("default-graph-uri", DATA0)],
        b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        DIRECT,
        result="RDF",
    ),
    Case("query_post_direct", "POST", [], b"ASK {}", DIRECT, boolean=True, result="boolean"),
    Case(
        "bad_query_method",
        "PUT",
        [("query", "ASK {}"), ("default-graph-uri", DATA0)],
        content_type=FORM,
        status=4,
    ),
    Case("bad_multiple_queries", "GET", [("query", "ASK {}"), ("query", "SELECT * {}")], status=4),
    Case("bad_query_wrong_media_type", "POST", [], b"ASK {}", "text/plain", status=4),
    Case("bad_query_missing_form_type", "POST", [], form(query="ASK {}"), status=4),
    Case("bad_query_missing_direct_type", "POST", [], b"ASK {}", status=4),
    Case(
        "bad_query_non_utf8",
        "POST",
        [],
        "ASK {}".encode("utf-16"),
        f"{DIRECT}; charset=UTF-16",
        status=4,
    ),
    Case("bad_query_syntax", "GET", [("query", "ASK {")], status=4),
]

REFRESH = f"CLEAR ALL ; INSERT DATA {{ GRAPH <{DATA1}> {{ <{DATA1}> a <{FOAF.Document}> }} }}"
UPDATE_CASES = [
    Case(
        "update_dataset_default_graph",
        "POST",
        [("using-graph-uri", DATA1)],
        REFRESH.encode(),
        UPDATE,
        status=4,
    ),
    Case(
        "update_dataset_default_graphs",
        "POST",
        [("using-graph-uri", DATA1), ("using-graph-uri", DATA2)],
        f"DROP ALL ; {REFRESH}".encode(),
        UPDATE,
        status=4,
    ),
    Case(
        "update_dataset_named_graphs",
        "POST",
        [("using-named-graph-uri", DATA1), ("using-named-graph-uri", DATA2)],
        REFRESH.encode(),
        UPDATE,
        status=4,
    ),
    Case(
        "update_dataset_full",
        "POST",
        [("using-graph-uri", DATA1), ("using-named-graph-uri", DATA2)],
        REFRESH.encode(),
        UPDATE,
        status=4,
    ),
    Case("update_post_form", "POST", [], form(update="CLEAR ALL"), FORM, status=4),
    Case("update_post_direct", "POST", [], b"CLEAR ALL", UPDATE, status=4),
    Case(
        "update_base_uri",
        "POST",
        [],
        b"BASE <http://example.org/> INSERT DATA { <s> <p> <o> }",
        UPDATE,
        status=4,
    ),
    Case("bad_update_get", "GET", [("update", "CLEAR ALL")], status=4),
    Case(
        "bad_multiple_updates",
        "POST",
        [],
        b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
        FORM,
        status=4,
    ),
    Case("bad_update_wrong_media_type", "POST", [], b"CLEAR NAMED", "text/plain", status=4),
    Case("bad_update_missing_form_type", "POST", [], form(update="CLEAR NAMED"), status=4),
    Case(
        "bad_update_non_utf8",
        "POST",
        [],
        "CLEAR NAMED".encode("utf-16"),
        f"{UPDATE}; charset=UTF-16",
        status=4,
    ),
    Case("bad_update_syntax", "POST", [], form(update="CLEAR XYZ"), FORM, status=4),
    Case(
        "bad_update_dataset_conflict",
        "POST",
        [("using-named-graph-uri", "http://example/people")],
        f"WITH <http://example/addresses> DELETE {{ ?p <{FOAF.givenName}> 'Bill' }} "
        f"INSERT {{ ?p <{FOAF.givenName}> 'William' }} "
        f"WHERE {{ ?p <{FOAF.givenName}> 'Bill' }}".encode(),
        UPDATE,
        status=4,
    ),
]


@pytest.fixture(scope="module")
def w3c_store() -> Store:
    """An embedded store holding data1-3.nt of the manifest, each in its own named graph."""
    settings = Settings(base_iri=DATA)
    dataset = Dataset()
    for iri in (DATA1, DATA2, DATA3):
        dataset.graph(URIRef(iri)).add((URIRef(iri), RDF.type, FOAF.Document))
    store = open_store(settings)
    store.replace(dataset)  # test data outside graph/: no files, no SHACL gate
    return store


@pytest.fixture(scope="module")
def w3c_client(w3c_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(w3c_store.settings, store=w3c_store)) as client:
        yield client


def send(client: TestClient, case: Case):
    headers = {"content-type": case.content_type} if case.content_type else {}
    return client.request(
        case.method, "/sparql", params=case.params, content=case.body, headers=headers
    )


def parse_boolean(content: bytes, media_type: str) -> bool:
    media_type = media_type.split(";")[0]
    result = Result.parse(io.BytesIO(content), format=SOLUTION_TYPES[media_type])
    assert result.type == "ASK"
    return bool(result.askAnswer)


@pytest.mark.parametrize("case", QUERY_CASES, ids=lambda c: c.name)
def test_query_operation(w3c_client: TestClient, case: Case) -> None:
    response = send(w3c_client, case)
    assert response.status_code // 100 == case.status, response.text
    media_type = response.headers.get("content-type", "").split(";")[0]
    if case.status == 4:
        assert response.json()["status"] == response.status_code
        return
    if case.result in ("boolean", "tabular"):
        assert media_type in SOLUTION_TYPES
    if case.result == "boolean":
        answer = parse_boolean(response.content, media_type)
        assert case.boolean is None or answer is case.boolean
    if case.result == "tabular":
        result = Result.parse(io.BytesIO(response.content), format=SOLUTION_TYPES[media_type])
        assert [str(v) for v in result.vars or []] == ["value"]
        assert [int(cast(ResultRow, row)[0]) for row in result] == [1]
    if case.result == "RDF":
        assert media_type in RDF_TYPES
        Graph().parse(data=response.content, format=RDFLIB_FORMATS[RDF_TYPES[media_type]])


@pytest.mark.parametrize("case", UPDATE_CASES, ids=lambda c: c.name)
def test_update_operation_is_refused(w3c_client: TestClient, w3c_store: Store, case: Case) -> None:
    before = w3c_store.content_hash()
    response = send(w3c_client, case)
    assert response.status_code // 100 == 4
    assert response.json()["status"] == response.status_code
    assert w3c_store.content_hash() == before


def test_every_query_case_of_the_manifest_is_encoded() -> None:
    names = {case.name for case in QUERY_CASES}
    assert len(names) == len(QUERY_CASES) == 20
    assert len({case.name for case in UPDATE_CASES}) == len(UPDATE_CASES) == 14


def test_protocol_dataset_replaces_the_union(w3c_client: TestClient) -> None:
    """With default-graph-uri the default graph is only those graphs, not the union."""
    only_one = [("query", BOTH_IN_ONE), ("default-graph-uri", DATA1)]
    response = w3c_client.get("/sparql", params=only_one)
    assert parse_boolean(response.content, response.headers["content-type"]) is False
    union = w3c_client.get("/sparql", params=[("query", BOTH_IN_ONE)])
    assert parse_boolean(union.content, union.headers["content-type"]) is True
