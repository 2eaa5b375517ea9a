"""Many councils over HTTP: /councils, /compare, ?council= on the services, named queries,
pathways and coverage, and /health's outcome per council."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.governance.gate import load_into
from csc_graph.store import open_store

ROOT = Settings().root
BASE = Settings().base_iri
SLOUGH_EYJS = "https://thelink.slough.gov.uk/news/exploitation-and-youth-justice-service-launch"


@pytest.fixture(scope="module")
def every_client() -> Iterator[TestClient]:
    settings = Settings(council=None, councils=None)
    store = open_store(settings)
    load_into(store, settings)
    with TestClient(create_app(settings, store=store)) as client:
        yield client


def test_councils_lists_each_council_with_its_sources_as_json(every_client: TestClient):
    body = every_client.get("/councils").json()
    names = [council["name"] for council in body["councils"]]
    assert names == ["ealing", "lewisham", "northamptonshire", "slough"]
    slough = next(c for c in body["councils"] if c["name"] == "slough")
    assert slough["iri"] == f"{BASE}slough/council"
    assert SLOUGH_EYJS in {source["url"] for source in slough["sources"]}


def test_councils_page_for_a_browser(every_client: TestClient):
    response = every_client.get("/councils", headers={"Accept": "text/html"})
    page = lxml.html.fromstring(response.text)
    assert [s.get("id") for s in page.xpath("//section[@class='council']")] == [
        "ealing",
        "lewisham",
        "northamptonshire",
        "slough",
    ]
    assert SLOUGH_EYJS in {a.get("href") for a in page.xpath("//section[@id='slough']//a")}


def test_services_take_a_council(every_client: TestClient):
    every = every_client.get("/services", params={"per_page": 500}).json()
    ealing = every_client.get("/services", params={"per_page": 500, "council": "ealing"}).json()
    assert 0 < ealing["total_items"] < every["total_items"]
    assert {s["organization"]["uri"] for s in ealing["contents"]} == {f"{BASE}ealing/council"}
    refused = every_client.get("/services", params={"council": "portsmouth"})
    assert refused.status_code == 400


def test_a_named_query_takes_a_council(every_client: TestClient):
    url = "/queries/compare-units-for-concern"
    rows = every_client.get(url, params={"council": "slough"}).json()["results"]["bindings"]
    assert rows
    assert {row["councilName"]["value"] for row in rows} == {"Slough Borough Council"}
    unknown = every_client.get("/queries/units-by-type", params={"councl": "slough"})
    assert unknown.status_code == 422


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _councils_named(body: object) -> set[str]:
    """The councils whose IRIs (under the base) appear anywhere in a JSON answer."""
    others = {"ealing", "lewisham", "northamptonshire", "slough"}
    return {c for text in _strings(body) for c in others if text.startswith(f"{BASE}{c}/")}


def test_pathways_and_coverage_take_a_council(every_client: TestClient):
    params = {"council": "northamptonshire", "format": "json"}
    coverage = every_client.get("/coverage", params=params).json()
    ranges = {(r["unit"], r["min_age"], r["max_age"]) for r in coverage["ranges"]}
    # "definitely by the time you turn 18! This will then continue until you reach the age of 21"
    assert (f"{BASE}northamptonshire/leaving-and-after-care", 18, 20) in ranges
    assert _councils_named(coverage) == {"northamptonshire"}
    everyone = every_client.get("/coverage", params={"format": "json"}).json()
    assert _councils_named(everyone) == {"ealing", "lewisham", "northamptonshire", "slough"}
    pathways = every_client.get("/pathways", params={"council": "slough", "format": "json"})
    assert _councils_named(pathways.json()) == {"slough"}


def test_compare_sets_councils_side_by_side_with_their_pages(every_client: TestClient):
    body = every_client.get("/compare", params={"concern": "extra-familial-harm"}).json()
    units = body["comparisons"][0]
    assert units["query"] == "compare-units-for-concern"
    cells = units["rows"][0]["cells"]
    slough = {(cell["iri"], cell["url"]) for cell in cells["Slough Borough Council"]}
    assert (f"{BASE}slough/exploitation-and-youth-justice", SLOUGH_EYJS) in slough
    page = lxml.html.fromstring(every_client.get("/compare", headers={"Accept": "text/html"}).text)
    headers = [
        th.text_content()
        for th in page.xpath("//section[@class='comparison']")[0].xpath(".//thead//th")
    ]
    assert headers[1:] == [
        "Ealing Council",
        "Lewisham Council",
        "Northamptonshire County Council",
        "Slough Borough Council",
    ]
    assert SLOUGH_EYJS in {a.get("href") for a in page.xpath("//a[@class='page']")}


def test_health_lists_each_councils_outcome_and_serves_the_rest(tmp_path: Path):
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for council in ("law", "slough"):
        shutil.copytree(ROOT / "graph" / council, tmp_path / "graph" / council)
    (tmp_path / "graph" / "broken").mkdir()
    (tmp_path / "graph" / "broken" / "council.ttl").write_text("<broken/c> a csc:Council .\n")
    settings = Settings(root=tmp_path, council=None, councils=None)
    with TestClient(create_app(settings)) as client:
        health = client.get("/health").json()
        councils = client.get("/councils").json()["councils"]
    assert health["status"] == "degraded"
    outcome = {c["council"]: c for c in health["councils"]}
    assert outcome["slough"]["accepted"] is True
    assert outcome["broken"]["accepted"] is False
    assert outcome["broken"]["file"] == "graph/broken/council.ttl"
    assert [c["name"] for c in councils] == ["slough"]


def test_compare_refuses_an_unknown_concern_with_a_400(every_client: TestClient):
    response = every_client.get("/compare", params={"concern": "no-such-concern"})
    assert response.status_code == 400
    assert response.json()["status"] == 400
