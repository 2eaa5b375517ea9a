"""``/validation`` by content negotiation, cached by content hash, and ``/conflicts``."""

import json
from html.parser import HTMLParser

import jsonschema
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import SH
from csc_graph.web.report_formats import REPORT_FORMATS, load_schema

BASE = Settings().base_iri
SAFE_SPACE = BASE + "lewisham/safe-space"


class DataAttributes(HTMLParser):
    """Every value of one data- attribute in a page, in order."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.values = f"data-{name}", []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values += [v for k, v in attrs if k == self.name]


def data_values(html: str, name: str) -> list[str | None]:
    parser = DataAttributes(name)
    parser.feed(html)
    return parser.values


def test_json_by_default_follows_the_schema(client: TestClient) -> None:
    response = client.get("/validation")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    jsonschema.Draft202012Validator(load_schema()).validate(document)
    # the served graph passed the loading gate: no Violation
    assert document["conforms"] is True
    assert document["counts"]["Violation"] == 0
    assert response.headers["x-conforms"] == "true"
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]


@pytest.mark.parametrize(
    ("accept", "rdf_format"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld")]
)
def test_rdf_reports_are_shacl_validation_reports(
    client: TestClient, accept: str, rdf_format: str
) -> None:
    response = client.get("/validation", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.text, format=rdf_format)
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is True
    json_rows = client.get("/validation?format=json").json()["results"]
    assert len(set(graph.objects(report, SH.result))) == len(json_rows)


def test_html_for_a_browser_lists_the_safe_space_conflict(client: TestClient) -> None:
    response = client.get("/validation", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert SAFE_SPACE in data_values(response.text, "subject")
    assert data_values(response.text, "conforms") == ["true"]


def test_format_override_and_markdown(client: TestClient) -> None:
    response = client.get("/validation?format=markdown", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("# Data quality report")


def test_the_cli_format_names_work_over_http(client: TestClient) -> None:
    """A reviewer who runs `csc-graph validate -f md` can ask /validation?format=md."""
    for name in REPORT_FORMATS:
        response = client.get(f"/validation?format={name}")
        assert response.status_code == 200, name
        expected = REPORT_FORMATS[name].representation.media_type
        assert response.headers["content-type"].startswith(expected), name


def test_unknown_format_and_unacceptable_type(client: TestClient) -> None:
    assert client.get("/validation?format=pdf").status_code == 400
    assert client.get("/validation", headers={"Accept": "image/png"}).status_code == 406


def test_etag_gives_304_and_differs_by_format(client: TestClient) -> None:
    first = client.get("/validation?format=json")
    etag = first.headers["etag"]
    again = client.get("/validation?format=json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/validation?format=html").headers["etag"] != etag


def test_a_weak_etag_in_if_none_match_also_gives_304(client: TestClient) -> None:
    etag = client.get("/validation?format=json").headers["ETag"]
    again = client.get("/validation?format=json", headers={"If-None-Match": f"W/{etag}"})
    assert again.status_code == 304


def test_etag_changes_with_the_release(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new release may draw the report differently: a browser must not keep the old page."""
    etag = client.get("/validation?format=html").headers["etag"]
    monkeypatch.setattr("csc_graph.api.validation.APP_VERSION", "0.0.0-next")
    response = client.get("/validation?format=html", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["etag"] != etag


def test_focus_scope(client: TestClient) -> None:
    document = client.get("/validation", params={"focus": SAFE_SPACE}).json()
    assert document["scope"]["focus"] == [SAFE_SPACE]
    assert {row["focus"] for row in document["results"]} == {SAFE_SPACE}
    # Safe Space has two parents, one per source: a Warning for a reviewer
    warnings = [r for r in document["results"] if r["severity"] == "Warning"]
    assert [r["path"] for r in warnings] == ["http://www.w3.org/ns/org#subOrganizationOf"]


def test_scope_by_short_names(client: TestClient) -> None:
    params = {"focus": "lewisham/safe-space", "shape": "UnitParentShape"}
    document = client.get("/validation", params=params).json()
    assert document["scope"] == {
        "focus": [SAFE_SPACE],
        "shapes": ["https://w3id.org/csc-graph/shapes#UnitParentShape"],
        "inference": False,
    }
    assert {row["shape"] for row in document["results"]} == {
        "https://w3id.org/csc-graph/shapes#UnitParentShape"
    }


@pytest.mark.parametrize("params", [{"focus": "lewisham/no-such-team"}, {"shape": "NoSuchShape"}])
def test_unknown_focus_or_shape_is_a_400(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/validation", params=params)
    assert response.status_code == 400
    (asked,) = params.values()
    assert asked.rsplit("/", 1)[-1] in response.json()["detail"]  # the message names it


def test_conflicts_json_names_both_sources(client: TestClient) -> None:
    response = client.get("/conflicts")
    assert response.status_code == 200
    conflicts = response.json()
    (safe_space,) = [
        c
        for c in conflicts
        if c["subject"] == SAFE_SPACE
        and c["predicate"] == "http://www.w3.org/ns/org#subOrganizationOf"
    ]
    assert {c["source"] for c in safe_space["claims"]} == {
        BASE + "lewisham/source-social-work-teams",
        BASE + "lewisham/source-safeguarding-service",
    }
    assert all(c["quote"] for c in safe_space["claims"])


def test_conflicts_html(client: TestClient) -> None:
    response = client.get("/conflicts", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert SAFE_SPACE in data_values(response.text, "subject")


def test_json_report_rows_point_at_id_pages(client: TestClient) -> None:
    document = json.loads(client.get("/validation?format=json").text)
    linked = [r for r in document["results"] if r["focus_link"]]
    assert linked
    for row in linked[:3]:
        assert row["focus_link"] == "/id/" + row["focus"].removeprefix(BASE)
        page = client.get(row["focus_link"], headers={"Accept": "text/turtle"})
        assert page.status_code == 200
        assert (URIRef(row["focus"]), None, None) in Graph().parse(data=page.text, format="turtle")
