"""Derived answers are cached by content: a repeated GET is served from the cache, a current
ETag gets 304, and a load of changed data gives the new answer under a new ETag."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from csc_graph.api.answers import AnswerCacheMiddleware
from csc_graph.api.app import create_app
from csc_graph.config import PROJECT_ROOT, Settings
from csc_graph.governance.gate import load_into

YOUTH_JUSTICE = "lewisham/youth-justice"
OLD_NAME, NEW_NAME = "Youth Justice", "Youth Justice Service (renamed)"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    for folder in ("ontology", "queries", "graph/law", "graph/lewisham"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return Settings(root=tmp_path, cache_dir=tmp_path / "verdict-cache")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def answer_cache(client: TestClient) -> AnswerCacheMiddleware:
    layer = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(layer, AnswerCacheMiddleware):
        layer = layer.app
    return layer


def unit_name(client: TestClient) -> tuple[str, str]:
    """The unit's English label, parsed from its Turtle, and the answer's ETag."""
    response = client.get(f"/id/{YOUTH_JUSTICE}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    unit = URIRef(f"{client.app.state.settings.base_iri}{YOUTH_JUSTICE}")  # type: ignore[attr-defined]
    labels = {str(o) for o in graph.objects(unit, RDFS.label) if isinstance(o, Literal)}
    assert len(labels) == 1, labels
    return labels.pop(), response.headers["etag"]


def service_names(client: TestClient) -> tuple[set[str], str]:
    response = client.get("/services", params={"age": 15, "per_page": 500})
    assert response.status_code == 200
    return {s["name"] for s in response.json()["contents"]}, response.headers["etag"]


def rename_youth_justice(settings: Settings) -> None:
    path = settings.council_dir / "adolescent-safeguarding.ttl"
    text = path.read_text(encoding="utf-8")
    old = f'rdfs:label "{OLD_NAME}"@en ;'
    assert text.count(old) == 1
    path.write_text(text.replace(old, f'rdfs:label "{NEW_NAME}"@en ;'), encoding="utf-8")


def test_a_repeated_answer_comes_from_the_cache_and_a_current_etag_gets_304(
    client: TestClient,
) -> None:
    cache = answer_cache(client)
    first = client.get("/services", params={"age": 15})
    assert first.status_code == 200 and first.headers["etag"]
    kept = len(cache.answers)
    second = client.get("/services", params={"age": 15})
    assert second.json() == first.json()
    assert second.headers["etag"] == first.headers["etag"]
    assert len(cache.answers) == kept
    again = client.get(
        "/services", params={"age": 15}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    other = client.get("/services", params={"age": 16})
    assert other.headers["etag"] != first.headers["etag"]


def test_a_load_of_changed_data_gives_the_new_answer_and_a_new_etag(
    client: TestClient, settings: Settings
) -> None:
    name, etag = unit_name(client)
    services, services_etag = service_names(client)
    assert name == OLD_NAME and OLD_NAME in services
    assert unit_name(client) == (name, etag)  # now cached

    rename_youth_justice(settings)
    load_into(client.app.state.store, settings)  # type: ignore[attr-defined]

    new_name, new_etag = unit_name(client)
    assert new_name == NEW_NAME and new_etag != etag
    new_services, new_services_etag = service_names(client)
    assert NEW_NAME in new_services and OLD_NAME not in new_services
    assert new_services_etag != services_etag
    stale = client.get(
        f"/id/{YOUTH_JUSTICE}", headers={"Accept": "text/turtle", "If-None-Match": etag}
    )
    assert stale.status_code == 200
    named = client.get("/queries/search-units", params={"text": "renamed"})
    assert named.status_code == 200 and "renamed" in named.text
