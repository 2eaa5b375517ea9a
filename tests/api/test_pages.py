"""The pages for people (home, query page), /health, and the ``serve`` entry point."""

import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from csc_graph.api import app as app_module
from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.governance.gate import load_into
from csc_graph.store import open_store
from csc_graph.store.base import Store

OUR_DOORS = ["/query", "/sparql", "/queries", "/ontology", "/context.jsonld", "/docs", "/health"]
OTHER_DOORS = [
    "/services",
    "/validation",
    "/conflicts",
    "/pathways",
    "/coverage",
    "/.well-known/void",
]


class _Page(HTMLParser):
    """Links, table cells, textareas and the text of role="alert" blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.cells: list[str] = []
        self.alerts: list[str] = []
        self.textareas: list[str] = []
        self._cell = self._alert = self._textarea = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(str(attributes["href"]))
        if tag == "td":
            self._cell = True
            self.cells.append("")
        if attributes.get("role") == "alert":
            self._alert = True
            self.alerts.append("")
        if tag == "textarea":
            self._textarea = True
            self.textareas.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = False
        if tag == "textarea":
            self._textarea = False
        if tag == "div":
            self._alert = False

    def handle_data(self, data: str) -> None:
        if self._cell:
            self.cells[-1] += data
        if self._alert:
            self.alerts[-1] += data
        if self._textarea:
            self.textareas[-1] += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_home_page_links_every_door(client: TestClient) -> None:
    response = client.get("/", headers={"accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    links = parse(response.text).links
    assert set(OUR_DOORS + OTHER_DOORS) <= {urlsplit(link).path for link in links}
    example = next(link for link in links if link.startswith("/id/"))
    for door in [*OUR_DOORS, example]:
        assert client.get(door).status_code == 200, door


def test_query_page_runs_a_query_and_shows_a_table(client: TestClient, settings: Settings) -> None:
    query = (
        f"SELECT ?label WHERE {{ <{settings.base_iri}lewisham/youth-justice> rdfs:label ?label }}"
    )
    response = client.get("/query", params={"query": query})
    assert response.status_code == 200
    page = parse(response.text)
    assert [cell.strip() for cell in page.cells] == ["Youth Justice"]
    downloads = [urlsplit(link) for link in page.links if link.startswith("/sparql?")]
    assert {"csv", "json", "xml", "tsv"} == {parse_qs(d.query)["format"][0] for d in downloads}
    assert all(parse_qs(d.query)["query"] == [query] for d in downloads)


@pytest.mark.parametrize(
    ("query", "status"),
    [("SELECT * WHERE {", 400), ("SELECT * { SERVICE <http://example.org/s> { ?s ?p ?o } }", 403)],
)
def test_query_page_shows_errors(client: TestClient, query: str, status: int) -> None:
    response = client.get("/query", params={"query": query})
    assert response.status_code == status
    assert len(parse(response.text).alerts) == 1


def test_query_page_without_a_query_is_a_form(client: TestClient) -> None:
    response = client.get("/query")
    assert response.status_code == 200
    assert parse(response.text).cells == []


def test_a_browser_at_sparql_gets_the_same_form_as_the_query_page(client: TestClient) -> None:
    """A person who follows the endpoint link starts from the same example query, and it runs."""
    at_sparql = parse(client.get("/sparql", headers={"accept": "text/html"}).text).textareas
    at_query = parse(client.get("/query").text).textareas
    assert len(at_sparql) == 1 and at_sparql == at_query
    answer = client.get("/sparql", params={"query": at_query[0]}, headers={"accept": "text/csv"})
    assert answer.status_code == 200


def test_docs_list_each_operation_once_in_declared_sections(client: TestClient) -> None:
    """/docs groups operations by tag: one tag each, so no operation is listed twice, and
    every section the app declares (in its order) has operations."""
    schema = client.get("/openapi.json").json()
    declared = [tag["name"] for tag in schema["tags"]]
    used = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert len(operation["tags"]) == 1, (method, path, operation["tags"])
            used.add(operation["tags"][0])
    assert declared[:2] == ["SPARQL", "Named queries"]
    assert set(declared) == used


def test_health_reports_the_store_and_its_validation(settings: Settings, store: Store) -> None:
    """An app that loads the graph itself, through its lifespan (the path `make serve` takes)."""
    with TestClient(create_app(settings)) as own_client:
        body = own_client.get("/health").json()
    assert body["status"] == "ok"
    assert body["store"] == "embedded"
    assert body["quads"] == store.triple_count()  # the same files as the shared store
    assert body["content_hash"] == store.content_hash()
    assert body["load"]["loaded"] is True
    assert body["validation"] == {"conforms": True, "violations": 0}


def test_serve_runs_uvicorn_on_the_configured_address(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        app_module.uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw})
    )
    app_module.serve(settings.model_copy(update={"port": 8123}))
    assert len(calls) == 1
    assert isinstance(calls[0]["app"], FastAPI)
    assert (calls[0]["host"], calls[0]["port"]) == ("127.0.0.1", 8123)


# ---------------------------------------------------------------- the loading gate at start-up


def invalid_root(tmp_path: Path, settings: Settings) -> Path:
    """A repository root whose only council file breaks a shape (an age below 0)."""
    shutil.copytree(settings.ontology_dir, tmp_path / "ontology")
    (tmp_path / "graph" / "law").mkdir(parents=True)
    (tmp_path / "graph" / "test").mkdir()
    bad = settings.root / "tests" / "data" / "invalid" / "age-below-zero.ttl"
    shutil.copy(bad, tmp_path / "graph" / "test" / "bad.ttl")
    return tmp_path


def test_no_valid_graph_and_nothing_loaded_means_no_start(
    tmp_path: Path, settings: Settings
) -> None:
    bad = settings.model_copy(update={"root": invalid_root(tmp_path, settings), "council": "test"})
    with pytest.raises(RuntimeError), TestClient(app_module.create_app(bad)):
        pass


def test_refused_graph_keeps_the_last_good_one_and_says_why(
    tmp_path: Path, settings: Settings
) -> None:
    on_disk = settings.model_copy(update={"store_path": tmp_path / "store"})
    load_into(open_store(on_disk))  # a good graph on disk, as a previous `make serve` left it
    bad_root = invalid_root(tmp_path / "repo", settings)
    bad = on_disk.model_copy(update={"root": bad_root, "council": "test"})
    with TestClient(app_module.create_app(bad)) as client:
        body = client.get("/health").json()
        assert body["status"] == "degraded"
        assert body["load"]["loaded"] is False
        assert body["validation"]["conforms"] is False
        assert body["validation"]["violations"] >= 1
        assert body["validation"]["first_violations"]
        youth_justice = client.get("/id/lewisham/youth-justice", headers={"accept": "text/turtle"})
        assert youth_justice.status_code == 200  # the last good graph is still served
