"""The W3C SPARQL Protocol test cases, encoded as our own parametrized cases, one per W3C
case and named after it:

* the 34 approved SPARQL 1.1 cases (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl);
* the 12 cases proposed for SPARQL 1.2 (w3c/rdf-tests pull request 324 and
  sparql/sparql12/protocol/manifest.ttl: version parameters, a GET with a body, content
  negotiation, a single default graph, BASE);
* our own data-independent checks of the same endpoint (graph names that the store does not
  hold are empty graphs, never fetched; OPTIONS; the empty query).

Query cases must give the expected status and result; update cases must be refused (the
endpoint is read-only) and must leave the data unchanged. Every case runs twice: on the
embedded store and on the remote store over a private ``oxigraph serve``, each loaded with
the manifest's three data graphs from ``tests/data/w3c-protocol/dataset.trig`` (data0.rdf,
which many cases name, is not there: it is an empty graph).
"""

import http.server
import io
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, cast
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph
from rdflib.namespace import FOAF
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
    accept: str | None = None
    media_type: str | None = None  # the media type the answer must have
    values: tuple[object, ...] = (1,)  # a tabular answer's ?value, in order


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

JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
BASE_QUERY = f"BASE <{DATA}> SELECT ?value WHERE {{ ?value a ?type FILTER(?value = <data1.rdf>) }}"

# Proposed for SPARQL 1.2 (w3c/rdf-tests pull request 324, sparql/sparql12/protocol).
PROPOSED_QUERY_CASES = [
    Case(
        "query_get_with_version",
        "GET",
        [("query", "ASK {}"), ("version", "1.2"), ("default-graph-uri", DATA1)],
        boolean=True,
        result="boolean",
        accept=f"{XML_RESULTS}, {JSON_RESULTS}",
    ),
    Case(
        "query_post_direct_with_version_param",
        "POST",
        [("default-graph-uri", DATA1)],
        b"ASK {}",
        f"{DIRECT}; version=1.2",
        boolean=True,
        result="boolean",
    ),
    Case(
        "bad_query_multiple_versions",
        "GET",
        [("query", "ASK {}"), ("version", "1.1"), ("version", "1.2"), ("default-graph-uri", DATA1)],
        status=4,
    ),
    Case("bad_query_get_with_body", "GET", [("query", "ASK {}")], b"ASK {}", DIRECT, status=4),
    Case(
        "query_content_negotiation_xml",
        "GET",
        [("query", f"ASK {{ <{DATA1}> a ?type }}")],
        boolean=True,
        result="boolean",
        accept=XML_RESULTS,
        media_type=XML_RESULTS,
    ),
    Case(
        "query_content_negotiation_json",
        "GET",
        [("query", f"ASK {{ <{DATA1}> a ?type }}")],
        boolean=True,
        result="boolean",
        accept=JSON_RESULTS,
        media_type=JSON_RESULTS,
    ),
    Case(
        "query_dataset_default_graph",
        "GET",
        [("query", f"ASK {{ <{DATA1}> a ?type }}"), ("default-graph-uri", DATA1)],
        boolean=True,
        result="boolean",
    ),
    Case("query_base_uri", "GET", [("query", BASE_QUERY)], result="tabular", values=(DATA1,)),
]

UNKNOWN = "http://127.0.0.1:9/never-fetched"  # the discard port: nothing answers there
ANY_TRIPLE = "ASK { ?s ?p ?o }"
ANY_NAMED = "ASK { GRAPH ?g { ?s ?p ?o } }"

# Our own checks: a graph name the store does not hold is an empty graph, wherever it is named.
DATASET_CASES = [
    Case(
        "unknown_default_graph_is_empty",
        "GET",
        [("query", ANY_TRIPLE), ("default-graph-uri", UNKNOWN)],
        boolean=False,
        result="boolean",
    ),
    Case(
        "unknown_named_graph_is_empty",
        "GET",
        [("query", ANY_NAMED), ("named-graph-uri", UNKNOWN)],
        boolean=False,
        result="boolean",
    ),
    Case(
        "from_unknown_graph_is_empty",
        "GET",
        [("query", f"ASK FROM <{UNKNOWN}> {{ ?s ?p ?o }}")],
        boolean=False,
        result="boolean",
    ),
    Case(
        "from_named_unknown_graph_is_empty",
        "POST",
        [],
        f"ASK FROM NAMED <{UNKNOWN}> {{ GRAPH ?g {{ ?s ?p ?o }} }}".encode(),
        DIRECT,
        boolean=False,
        result="boolean",
    ),
    Case(
        "unknown_default_graph_beside_known_ones",
        "GET",
        [("query", BOTH_IN_ONE), *(("default-graph-uri", g) for g in (DATA1, UNKNOWN, DATA2))],
        boolean=True,
        result="boolean",
    ),
    Case(
        "unknown_named_graph_beside_a_known_default",
        "GET",
        [("query", ANY_NAMED), ("default-graph-uri", DATA1), ("named-graph-uri", UNKNOWN)],
        boolean=False,
        result="boolean",
    ),
    Case(
        "unknown_default_graph_beside_a_known_named",
        "GET",
        [("query", ANY_TRIPLE), ("default-graph-uri", UNKNOWN), ("named-graph-uri", DATA1)],
        boolean=False,
        result="boolean",
    ),
    Case(
        "known_named_graph_beside_an_unknown_default",
        "GET",
        [("query", ANY_NAMED), ("default-graph-uri", UNKNOWN), ("named-graph-uri", DATA1)],
        boolean=True,
        result="boolean",
    ),
    Case(
        "select_over_an_unknown_graph",
        "POST",
        [("default-graph-uri", UNKNOWN)],
        form(query="SELECT (1 AS ?value) {}"),
        FORM,
        result="tabular",
    ),
    Case(
        "construct_over_an_unknown_graph",
        "GET",
        [("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), ("default-graph-uri", UNKNOWN)],
        result="RDF",
    ),
    Case(
        "graph_name_not_an_iri",
        "GET",
        [("query", "ASK {}"), ("default-graph-uri", "a b")],
        status=4,
    ),
    Case(
        "empty_graph_name_is_the_base",
        "POST",
        [("default-graph-uri", "")],
        form(query=ANY_TRIPLE),
        FORM,
        boolean=False,
        result="boolean",
    ),
    Case("empty_query_get", "GET", [("query", "")], status=4),
    Case("empty_query_post_direct", "POST", [], b"  ", DIRECT, status=4),
    Case("empty_query_post_form", "POST", [], form(query=""), FORM, status=4),
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
        "update_post_form_with_version",
        "POST",
        [],
        form(update="CLEAR ALL", version="1.2"),
        FORM,
        status=4,
    ),
    Case(
        "update_post_direct_with_version_param",
        "POST",
        [],
        b"CLEAR ALL",
        f"{UPDATE}; version=1.2",
        status=4,
    ),
    Case(
        "bad_update_multiple_versions",
        "POST",
        [],
        b"update=CLEAR%20ALL&version=1.1&version=1.2",
        FORM,
        status=4,
    ),
    Case(
        "bad_update_form_body_missing",
        "POST",
        [("update", "CLEAR ALL")],
        b"",
        FORM,
        status=4,
    ),
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


VIRTUOSO = {
    "unknown_named_graph_beside_a_known_default": "Virtuoso reads a dataset with default "
    "graphs and an empty list of named graphs as 'every graph is a named graph'",
}

FIXTURE = Path(__file__).parents[1] / "data" / "w3c-protocol" / "dataset.trig"


def fixture_dataset() -> Dataset:
    dataset = Dataset()
    dataset.parse(FIXTURE, format="trig")
    return dataset


@pytest.fixture(scope="module", params=["embedded", "remote", "virtuoso"])
def w3c_store(
    request: pytest.FixtureRequest,
    settings: Settings,
    start_oxigraph: Callable[[Path], AbstractContextManager[str]],
    start_virtuoso: Callable[[Path], AbstractContextManager[str]],
    virtuoso_settings_for: Callable[[Settings, str, str], Settings],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    """A store holding the manifest's data graphs: embedded, or over a private Oxigraph
    server or Virtuoso (test data outside graph/: loaded with no SHACL gate)."""
    if request.param == "embedded":
        store = open_store(settings)
        store.replace(fixture_dataset())
        yield store
        return
    if request.param == "remote":
        with start_oxigraph(tmp_path_factory.mktemp("w3c")) as url:
            store = open_store(settings.model_copy(update={"store_url": f"{url}/query"}))
            store.replace(fixture_dataset())
            yield store
        return
    with start_virtuoso(tmp_path_factory.mktemp("w3c-virtuoso")) as url:
        store = open_store(virtuoso_settings_for(settings, url, DATA))
        store.replace(fixture_dataset())
        yield store


@pytest.fixture(scope="module")
def w3c_client(w3c_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(w3c_store.settings, store=w3c_store)) as client:
        yield client


def send(client: TestClient, case: Case):
    headers = {"content-type": case.content_type} if case.content_type else {}
    if case.accept:
        headers["accept"] = case.accept
    return client.request(
        case.method, "/sparql", params=case.params, content=case.body, headers=headers
    )


def parse_boolean(content: bytes, media_type: str) -> bool:
    media_type = media_type.split(";")[0]
    result = Result.parse(io.BytesIO(content), format=SOLUTION_TYPES[media_type])
    assert result.type == "ASK"
    return bool(result.askAnswer)


@pytest.mark.parametrize(
    "case", [*QUERY_CASES, *PROPOSED_QUERY_CASES, *DATASET_CASES], ids=lambda c: c.name
)
def test_query_operation(
    w3c_client: TestClient, case: Case, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params.get("w3c_store") == "virtuoso" and case.name in VIRTUOSO:
        request.applymarker(pytest.mark.xfail(reason=VIRTUOSO[case.name], strict=True))
    response = send(w3c_client, case)
    assert response.status_code // 100 == case.status, response.text
    media_type = response.headers.get("content-type", "").split(";")[0]
    if case.media_type:
        assert media_type == case.media_type
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
        assert [cast(ResultRow, row)[0].toPython() for row in result] == list(case.values)
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


def test_every_case_of_the_manifests_is_encoded() -> None:
    """34 approved cases (20 query, 14 update) and 12 proposed ones (8 query, 4 update)."""
    approved = {case.name for case in QUERY_CASES} | {c.name for c in UPDATE_CASES[:14]}
    proposed = {case.name for case in PROPOSED_QUERY_CASES} | {c.name for c in UPDATE_CASES[14:]}
    assert len(QUERY_CASES) == 20 and len(PROPOSED_QUERY_CASES) == 8
    assert len(UPDATE_CASES) == 18
    assert len(approved) == 34 and len(proposed) == 12 and not approved & proposed


def test_protocol_dataset_replaces_the_union(w3c_client: TestClient) -> None:
    """With default-graph-uri the default graph is only those graphs, not the union."""
    only_one = [("query", BOTH_IN_ONE), ("default-graph-uri", DATA1)]
    response = w3c_client.get("/sparql", params=only_one)
    assert parse_boolean(response.content, response.headers["content-type"]) is False
    union = w3c_client.get("/sparql", params=[("query", BOTH_IN_ONE)])
    assert parse_boolean(union.content, union.headers["content-type"]) is True


def test_options_names_every_method(w3c_client: TestClient) -> None:
    response = w3c_client.options("/sparql")
    assert response.status_code == 204
    assert [m.strip() for m in response.headers["allow"].split(",")] == [
        "GET",
        "HEAD",
        "POST",
        "OPTIONS",
    ]
    refused = w3c_client.put("/sparql", content=b"ASK {}", headers={"content-type": DIRECT})
    assert refused.status_code == 405
    assert refused.headers["allow"] == response.headers["allow"]


def test_the_empty_query_is_named_as_such(w3c_client: TestClient) -> None:
    body = w3c_client.get("/sparql", params={"query": ""}).json()
    assert body["status"] == 400
    assert body["detail"].startswith("The query is empty")


class _Recorder(http.server.BaseHTTPRequestHandler):
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "text/turtle")
        self.end_headers()
        self.wfile.write(b"<urn:x:s> <urn:x:p> <urn:x:o> .\n")

    def log_message(self, *args: object) -> None:
        return


def test_graph_names_are_never_fetched(w3c_client: TestClient) -> None:
    """A graph IRI served on this machine, named in every place a dataset can be named: the
    answer is the empty graph's, and the server there receives no request at all."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    graph = f"http://127.0.0.1:{server.server_address[1]}/graph.ttl"
    try:
        answers = [
            send(
                w3c_client, Case("from", "GET", [("query", f"ASK FROM <{graph}> {{ ?s ?p ?o }}")])
            ),
            send(
                w3c_client,
                Case("default", "GET", [("query", ANY_TRIPLE), ("default-graph-uri", graph)]),
            ),
            send(
                w3c_client, Case("named", "GET", [("query", ANY_NAMED), ("named-graph-uri", graph)])
            ),
        ]
    finally:
        server.shutdown()
        thread.join(timeout=5)
    for response in answers:
        assert response.status_code == 200
        assert parse_boolean(response.content, response.headers["content-type"]) is False
    assert _Recorder.paths == []
