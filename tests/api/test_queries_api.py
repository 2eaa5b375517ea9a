"""/queries and /queries/{name}: the catalogue in JSON and HTML, one typed OpenAPI operation
per query file, parameter errors that name the parameter, and every result format.

Expected answers come from the seed pages: Youth Justice serves 10 to 17, Safe Space 11 to
17 and Corporate Parenting 16 to 24 ("from the age of 16 ... up to the age of 25").
"""

import io
from html.parser import HTMLParser
from typing import cast

import pytest
from fastapi.testclient import TestClient
from rdflib.query import Result, ResultRow

from csc_graph.catalogue.named_queries import load_catalogue
from csc_graph.config import Settings
from csc_graph.formats import SOLUTION_REPRESENTATIONS
from csc_graph.store.base import Store

SOLUTION_FORMATS = {r.media_type: r.name for r in SOLUTION_REPRESENTATIONS}
OPENAPI_TYPES = {"integer": "integer", "string": "string", "iri": "string", "date": "string"}
CCE = "child-criminal-exploitation"


def units(settings: Settings, *names: str) -> set[str]:
    return {f"{settings.base_iri}lewisham/{name}" for name in names}


def rows(response) -> list[dict[str, str]]:
    media_type = response.headers["content-type"].split(";")[0]
    result = Result.parse(io.BytesIO(response.content), format=SOLUTION_FORMATS[media_type])
    names = [str(v) for v in result.vars or []]
    return [
        {
            name: str(value)
            for name, value in zip(names, cast(ResultRow, row), strict=True)
            if value is not None
        }
        for row in result
    ]


def unit_column(response) -> set[str]:
    return {row["unit"] for row in rows(response)}


def parameter_schema(parameter: dict) -> dict:
    """The schema of an optional parameter is anyOf [type, null]; take the non-null one."""
    schema = parameter["schema"]
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    return options[0]


def test_catalogue_lists_every_query_file(client: TestClient, settings: Settings) -> None:
    entries = client.get("/queries", headers={"accept": "application/json"}).json()
    files = {path.stem for path in settings.queries_dir.glob("*.rq")}
    assert {entry["name"] for entry in entries} == files
    assert all(
        entry["summary"] and entry["url"] == f"/queries/{entry['name']}" for entry in entries
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def test_catalogue_as_html_links_every_query(client: TestClient, settings: Settings) -> None:
    response = client.get("/queries", headers={"accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    parser = _Links()
    parser.feed(response.text)
    files = {f"/queries/{path.stem}" for path in settings.queries_dir.glob("*.rq")}
    assert files <= set(parser.links)


def test_each_query_is_a_typed_openapi_operation(client: TestClient, settings: Settings) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for query in load_catalogue(settings.queries_dir, settings.base_iri).values():
        operation = paths[f"/queries/{query.name}"]["get"]
        assert operation["summary"] == query.summary
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert parameters["council"]["required"] is False  # every query takes ?council=
        documented = {k: p for k, p in parameters.items() if k not in ("format", "council")}
        assert set(documented) == {p.name for p in query.params}
        for param in query.params:
            parameter = documented[param.name]
            assert parameter["required"] == param.required, (query.name, param.name)
            schema = parameter_schema(parameter)
            if param.type == "enum":
                assert schema["enum"], (query.name, param.name)
            else:
                assert schema["type"] == OPENAPI_TYPES[param.type]


def test_enumerations_from_a_query_are_in_openapi(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/queries/services-for-child"]["get"]
    parameters = {p["name"]: parameter_schema(p) for p in operation["parameters"]}
    assert CCE in parameters["concern"]["enum"]
    assert parameters["include_unstated"]["enum"] == ["yes", "no"]
    assert parameters["age"]["type"] == "integer"


def test_services_for_a_child_of_15(client: TestClient, settings: Settings) -> None:
    found = unit_column(client.get("/queries/services-for-child", params={"age": 15}))
    assert units(settings, "youth-justice", "safe-space") <= found
    assert not units(settings, "transition-to-adulthood") & found


def test_services_for_a_young_person_of_20(client: TestClient, settings: Settings) -> None:
    found = unit_column(client.get("/queries/services-for-child", params={"age": 20}))
    assert units(settings, "transition-to-adulthood") <= found
    assert not units(settings, "youth-justice", "safe-space") & found


def test_enum_takes_the_short_name_or_the_full_iri(client: TestClient) -> None:
    short = client.get("/queries/services-for-child", params={"concern": CCE})
    full = client.get(
        "/queries/services-for-child",
        params={"concern": f"https://w3id.org/csc-graph/concern/{CCE}"},
    )
    assert short.status_code == full.status_code == 200
    assert rows(short) == rows(full)
    assert rows(short)


@pytest.mark.parametrize("media_type", list(SOLUTION_FORMATS))
def test_every_result_format(client: TestClient, settings: Settings, media_type: str) -> None:
    response = client.get(
        "/queries/services-for-child", params={"age": 15}, headers={"accept": media_type}
    )
    assert response.headers["content-type"].split(";")[0] == media_type
    assert units(settings, "youth-justice", "safe-space") <= unit_column(response)


@pytest.mark.parametrize(
    ("path", "params", "bad"),
    [
        ("/queries/services-for-child", {"age": "fifteen"}, "age"),
        ("/queries/services-for-child", {"concern": "homework"}, "concern"),
        ("/queries/services-for-child", {"include_unstated": "maybe"}, "include_unstated"),
        ("/queries/services-for-child", {"colour": "red"}, "colour"),
        ("/queries/services-for-child", [("age", "12"), ("age", "13")], "age"),
        ("/queries/units-under", {}, "unit"),
        ("/queries/units-under", {"unit": "lewisham/<script>"}, "unit"),
    ],
    ids=[
        "not-integer",
        "not-a-concern",
        "not-in-list",
        "unknown",
        "repeated",
        "missing",
        "bad-iri",
    ],
)
def test_bad_parameter_is_422_naming_it(
    client: TestClient, path: str, params: object, bad: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert [error["parameter"] for error in body["errors"]] == [bad]
    assert all(error["message"] for error in body["errors"])


def test_unknown_query_is_404(client: TestClient) -> None:
    response = client.get("/queries/no-such-question")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_text_parameter_is_never_query_syntax(client: TestClient, store: Store) -> None:
    before = store.content_hash()
    response = client.get("/queries/search-units", params={"text": '"} ; DROP ALL ; {'})
    assert response.status_code == 200
    assert rows(response) == []
    assert store.content_hash() == before


class _Page(HTMLParser):
    """The text inside <pre> and inside <p class="description">."""

    def __init__(self) -> None:
        super().__init__()
        self.pre: list[str] = []
        self.description: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self.pre.append("")
            self._into = self.pre
        elif tag == "p" and dict(attrs).get("class") == "description":
            self.description.append("")
            self._into = self.description

    def handle_endtag(self, tag: str) -> None:
        if tag in ("pre", "p"):
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def test_html_view_shows_description_query_text_and_result(
    client: TestClient, settings: Settings
) -> None:
    query = load_catalogue(settings.queries_dir, settings.base_iri)["services-for-child"]
    response = client.get(
        "/queries/services-for-child", params={"age": 15}, headers={"accept": "text/html"}
    )
    assert response.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(response.text)
    assert query.sparql in page.pre
    assert [" ".join(text.split()) for text in page.description] == [query.description]


def test_optional_fields_left_empty_in_the_form_are_left_out(client: TestClient) -> None:
    """The form sends every field; an empty optional one (age=) means no filter, not a 422."""
    concern_only = client.get(
        "/queries/services-for-child", params={"concern": CCE, "format": "csv"}
    )
    from_form = client.get(
        "/queries/services-for-child",
        params={"age": "", "concern": CCE, "include_unstated": "no", "format": "csv"},
    )
    assert from_form.status_code == concern_only.status_code == 200
    assert rows(from_form) == rows(concern_only)
    page = client.get(
        "/queries/services-for-child",
        params={"age": "", "concern": "", "include_unstated": "no", "format": "html"},
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


class _Form(HTMLParser):
    """The form fields (name -> attributes) and the text of role="alert" blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict[str, str | None]] = {}
        self.alerts: list[str] = []
        self._alert = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select") and attributes.get("name"):
            self.fields[str(attributes["name"])] = attributes
        if attributes.get("role") == "alert":
            self._alert = True
            self.alerts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self._alert = False

    def handle_data(self, data: str) -> None:
        if self._alert:
            self.alerts[-1] += data


class _Selected(HTMLParser):
    """The value of the selected option of each <select>, by the select's name."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: dict[str, str | None] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and self._select and "selected" in attributes:
            self.selected[self._select] = attributes.get("value")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


@pytest.mark.parametrize(
    ("name", "param", "short", "full"),
    [
        ("services-for-child", "concern", CCE, "https://w3id.org/csc-graph/concern/" + CCE),
        (
            "role-details",
            "role",
            "role-independent-reviewing-officer",
            "https://w3id.org/csc-graph/id/law/role-independent-reviewing-officer",
        ),
    ],
)
def test_the_form_selects_an_enum_given_by_its_short_name(
    client: TestClient, name: str, param: str, short: str, full: str
) -> None:
    """A typed link (the README's concern=child-criminal-exploitation) answers for that value
    and the form shows it chosen, so Run asks the same question again, not another one."""
    page = client.get(f"/queries/{name}", params={param: short, "format": "html"})
    assert page.status_code == 200
    form = _Selected()
    form.feed(page.text)
    assert form.selected[param] == full


def test_a_bad_value_in_the_form_is_shown_on_the_page(client: TestClient) -> None:
    """A person gets the query's page back with the message and the value kept; a program
    asking for JSON still gets the JSON error (test_bad_parameter_is_422_naming_it)."""
    response = client.get(
        "/queries/roles-in-unit",
        params={"unit": "has space", "format": "html"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    form = _Form()
    form.feed(response.text)
    as_json = client.get("/queries/roles-in-unit", params={"unit": "has space"})
    assert len(form.alerts) == 1 and as_json.json()["detail"] in form.alerts[0]
    assert form.fields["unit"]["value"] == "has space"
    assert "required" in form.fields["unit"]  # the browser asks for it before sending
    browser = client.get(
        "/queries/roles-in-unit", params={"unit": ""}, headers={"accept": "text/html"}
    )
    assert browser.status_code == 422
    assert browser.headers["content-type"].startswith("text/html")
