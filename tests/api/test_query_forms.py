"""Every named query has a page with a form a person can use (issue 15): empty when no
value is given, choices shown by name, errors above the form as it was filled in, the row
count and time taken, download links and a link into the editor; a bare unit name is
resolved or refused, never silently an empty answer."""

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from html_tree import document_order, parse_html

from csc_graph.catalogue.named_queries import load_catalogue
from csc_graph.config import Settings

HTML = {"accept": "text/html"}


def _names(settings: Settings) -> list[str]:
    return list(load_catalogue(settings.queries_dir, settings.base_iri))


@pytest.fixture(scope="module")
def names(settings: Settings) -> list[str]:
    return _names(settings)


def test_every_catalogue_link_opens_as_a_form_or_an_answer(
    client: TestClient, names: list[str]
) -> None:
    catalogue = parse_html(client.get("/queries", headers=HTML).text)
    links = {a.attrs["href"] for a in catalogue.find_all("a") if "href" in a.attrs}
    for name in names:
        assert f"/queries/{name}" in links
        response = client.get(f"/queries/{name}", headers=HTML)
        assert response.status_code == 200, name
        page = parse_html(response.text)
        assert page.find("main") is not None
        assert page.find_all(role="alert") == [], name
        query = load_catalogue_entry(client, name)
        if any(p["required"] for p in query["params"]):
            form = page.find("form", action=f"/queries/{name}")
            assert form is not None, name
            assert page.find("section", class_="result") is None, name


def load_catalogue_entry(client: TestClient, name: str) -> dict:  # type: ignore[type-arg]
    return next(q for q in client.get("/queries").json() if q["name"] == name)


def test_choices_are_shown_by_name(client: TestClient) -> None:
    page = parse_html(client.get("/queries/units-by-role", headers=HTML).text)
    select = page.by_id("p-role")
    assert select is not None and select.tag == "select"
    options = {o.attrs["value"]: o.text for o in select.find_all("option") if o.attrs["value"]}
    iro = next(v for v in options if v.endswith("role-independent-reviewing-officer"))
    assert options[iro].lower() == "independent reviewing officer"
    assert all(not label.startswith("law/") for label in options.values())


def test_a_bad_value_is_reported_above_the_form_it_kept(client: TestClient) -> None:
    response = client.get(
        "/queries/stage-entry-points", params={"age": "fifteen", "format": "html"}
    )
    assert response.status_code == 422
    page = parse_html(response.text)
    alert = page.find(role="alert")
    form = page.find("form")
    assert alert is not None and form is not None
    assert "age" in alert.text
    before, after = document_order(page, alert, form)
    assert before < after
    kept = page.by_id("p-age")
    assert kept is not None and kept.attrs["value"] == "fifteen"


def test_programs_still_get_the_json_error(client: TestClient) -> None:
    response = client.get("/queries/stage-entry-points", headers={"accept": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "age"


def test_an_answer_shows_rows_time_downloads_and_the_editor_link(client: TestClient) -> None:
    response = client.get("/queries/services-for-child", params={"age": 15}, headers=HTML)
    page = parse_html(response.text)
    count = page.find("p", class_="count")
    assert count is not None
    rows = page.find("table", class_="results")
    assert rows is not None
    n = len(rows.find_all("tr")) - 1
    words = count.text.split()
    assert int(words[0]) == n and "ms." in words
    hrefs = [a.attrs.get("href", "") for a in page.find_all("a")]
    formats = {parse_qs(urlsplit(h).query).get("format", [""])[0] for h in hrefs}
    assert {"json", "csv"} <= formats
    editor = [h for h in hrefs if h.startswith("/query?")]
    assert len(editor) == 1
    text = parse_qs(urlsplit(editor[0]).query)["query"][0]
    assert "PREFIX csc: <https://w3id.org/csc-graph/ontology#>" in text.splitlines()


def test_a_bare_unit_name_is_resolved(client: TestClient) -> None:
    bare = client.get("/queries/roles-in-unit", params={"unit": "youth-justice", "format": "json"})
    full = client.get(
        "/queries/roles-in-unit", params={"unit": "lewisham/youth-justice", "format": "json"}
    )
    assert bare.status_code == full.status_code == 200
    assert bare.json()["results"]["bindings"] == full.json()["results"]["bindings"]
    assert full.json()["results"]["bindings"] != []


def test_a_name_that_names_nothing_is_said_so(client: TestClient) -> None:
    response = client.get("/queries/roles-in-unit", params={"unit": "no-such-unit"})
    assert response.status_code == 422
    problem = response.json()["errors"][0]
    assert problem["parameter"] == "unit"
    assert "names nothing in the graph" in problem["message"]


def test_a_unit_field_suggests_units_by_name(client: TestClient) -> None:
    page = parse_html(client.get("/queries/describe-unit", headers=HTML).text)
    field = page.by_id("p-unit")
    assert field is not None
    datalist = page.by_id(field.attrs["list"])
    assert datalist is not None and datalist.tag == "datalist"
    options = {o.attrs["value"]: o.attrs["label"] for o in datalist.find_all("option")}
    assert options["lewisham/youth-justice"] == "Youth Justice"
