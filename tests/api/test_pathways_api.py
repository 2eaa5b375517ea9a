"""/pathways and /coverage over HTTP: JSON and SVG by content negotiation or ?format=, the
same answers as the core, bad names refused with 400."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from html_tree import parse_html

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.store.base import Store

LAW = "https://w3id.org/csc-graph/id/law/"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def test_route_as_json(client: TestClient):
    response = client.get(
        "/pathways",
        params={"age": 15, "concern": "child-criminal-exploitation"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    stages = {stage["iri"] for stage in answer["stages"]}
    assert {LAW + "stage-youth-court", LAW + "stage-referral-order"} <= stages
    assert LAW + "stage-youth-caution" in stages  # W10: out-of-court disposals
    assert all(step["legalBasis"] for step in answer["steps"])


def test_route_from_a_start_for_a_care_leaver(client: TestClient):
    response = client.get(
        "/pathways", params={"age": 22, "start": "stage-leaving-care", "format": "json"}
    )
    assert response.status_code == 200
    stages = {stage["iri"] for stage in response.json()["stages"]}
    assert stages == {
        LAW + "stage-leaving-care",
        LAW + "stage-further-advice-and-support",
        LAW + "stage-education-training-support",
    }


def test_route_as_svg_by_accept_header(client: TestClient):
    response = client.get("/pathways", params={"age": 9}, headers={"Accept": "image/svg+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.text)
    drawn = {g.get("data-iri") for g in root.iter(f"{SVG}g") if g.get("class") == "stage"}
    assert LAW + "stage-concern-about-a-child" in drawn
    assert LAW + "stage-youth-court" not in drawn


def test_overview_without_age_has_the_cliff_edges(client: TestClient):
    response = client.get("/pathways", params={"format": "json"})
    assert response.status_code == 200
    assert [cliff["age"] for cliff in response.json()["cliffEdges"]] == [16, 17, 18, 21, 25]


def test_unknown_concern_and_stage_are_bad_requests(client: TestClient):
    assert client.get("/pathways", params={"age": 15, "concern": "nope"}).status_code == 400
    assert client.get("/pathways", params={"age": 15, "start": "nowhere"}).status_code == 400


def test_age_out_of_range_and_unknown_format_are_refused(client: TestClient):
    assert client.get("/pathways", params={"age": 40}).status_code == 422
    assert client.get("/pathways", params={"age": 15, "format": "pdf"}).status_code == 400
    refused = client.get("/coverage", headers={"Accept": "application/pdf"})
    assert refused.status_code == 406


def test_coverage_as_json_and_svg(client: TestClient):
    data = client.get("/coverage", params={"format": "json"}).json()
    assert data["gaps"] == [*range(10), 25]
    chart = client.get("/coverage", headers={"Accept": "image/svg+xml"})
    assert chart.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(chart.text)
    bars = [g for g in root.iter(f"{SVG}g") if g.get("class") == "unit"]
    assert len(bars) == len(data["ranges"]) == 3


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/pathways", "/coverage"])
def test_a_browser_gets_a_page_with_the_picture_not_json(client: TestClient, path: str):
    """The home page links /pathways and /coverage for people: a browser is shown a page
    with site navigation, the picture inline, and links to the same answer as data."""
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = parse_html(response.text)
    assert page.find("nav") is not None and page.find("main") is not None
    diagram = page.find("div", class_="diagram")
    assert diagram is not None and diagram.find("svg") is not None
    hrefs = {a.attrs.get("href", "") for a in page.find_all("a")}
    assert f"{path}?format=svg" in hrefs and f"{path}?format=json" in hrefs


def test_the_explorer_links_each_stage_and_step_and_the_law(client: TestClient):
    response = client.get(
        "/pathways",
        params={"age": 15, "concern": "child-criminal-exploitation", "format": "html"},
    )
    assert response.status_code == 200
    page = parse_html(response.text)
    svg_links = {a.attrs["href"] for a in page.find("svg").find_all("a")}
    assert "/id/law/stage-arrest" in svg_links
    law = {a.attrs["href"] for a in page.find("table", class_="steps").find_all("a")}
    assert any(h.startswith("/resource?iri=http%3A%2F%2Fwww.legislation.gov.uk") for h in law)
    form = page.find("form", action="/pathways")
    chosen = [o.attrs["value"] for o in form.find_all("option") if "selected" in o.attrs]
    assert any(v.endswith("child-criminal-exploitation") for v in chosen)
    for href in sorted(svg_links | law):
        assert client.get(href, headers={"Accept": BROWSER}).status_code == 200, href


def test_an_unknown_concern_is_said_above_the_form(client: TestClient):
    response = client.get("/pathways", params={"age": 15, "concern": "nope", "format": "html"})
    assert response.status_code == 400
    page = parse_html(response.text)
    assert page.find(role="alert") is not None and page.find("form") is not None
