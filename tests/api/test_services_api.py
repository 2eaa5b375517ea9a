"""The Open Referral UK services API: every response validated against the ORUK schemas,
filters answered as the seed pages say, pages shaped as HSDS pages them."""

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.store.base import Store
from standards_validation import json_errors, page_schema, standard_path

LW = "https://w3id.org/csc-graph/id/lewisham/"
CONCERNS = "https://w3id.org/csc-graph/concern/"


def oruk_id(iri: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


YOUTH_JUSTICE = oruk_id(LW + "youth-justice")
SAFE_SPACE = oruk_id(LW + "safe-space")
COUNCIL = oruk_id(LW + "council")


@pytest.fixture(scope="module")
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def valid(body: object, schema: str | dict) -> object:
    """The body, after asserting it is valid (strictly: no field the profile lacks)."""
    errors = json_errors(body, schema, "oruk")
    assert errors == []
    return body


def get_page(client: TestClient, path: str, item_schema: str, **params: object) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    page = response.json()
    valid(page, page_schema("oruk", item_schema))
    return page


def ids(page: dict) -> set[str]:
    return {item["id"] for item in page["contents"]}


# ---------------------------------------------------------------------- /services


def test_services_age_15_includes_youth_justice_and_safe_space(client: TestClient):
    page = get_page(client, "/services", "compiled/service_list.json", age=15, per_page=500)
    assert {YOUTH_JUSTICE, SAFE_SPACE} <= ids(page)
    assert oruk_id(LW + "transition-to-adulthood") not in ids(page)  # from 16


def test_services_age_9_excludes_youth_justice(client: TestClient):
    page = get_page(client, "/services", "compiled/service_list.json", age=9, per_page=500)
    assert YOUTH_JUSTICE not in ids(page)
    assert SAFE_SPACE not in ids(page)


def test_services_concern_filter(client: TestClient):
    page = get_page(
        client, "/services", "compiled/service_list.json", concern="extra-familial-harm"
    )
    assert SAFE_SPACE in ids(page)
    assert YOUTH_JUSTICE not in ids(page)


def test_an_unknown_concern_is_a_400_naming_the_known_ones(client: TestClient):
    response = client.get("/services", params={"concern": "child-criminal-exploitaton"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "child-criminal-exploitaton" in detail
    assert "child-criminal-exploitation" in detail.split("Known: ", 1)[1].split(", ")


def test_services_legal_basis_filter(client: TestClient):
    page = get_page(
        client,
        "/services",
        "compiled/service_list.json",
        legal_basis="http://www.legislation.gov.uk/id/ukpga/1989/41/section/47",
    )
    assert SAFE_SPACE in ids(page)


def test_services_text_and_search_filters(client: TestClient):
    by_text = get_page(client, "/services", "compiled/service_list.json", text="youth justice")
    by_search = get_page(client, "/services", "compiled/service_list.json", search="youth justice")
    assert YOUTH_JUSTICE in ids(by_text)
    assert ids(by_text) == ids(by_search)


def test_services_organization_and_taxonomy_term_filters(client: TestClient):
    everything = get_page(client, "/services", "compiled/service_list.json", per_page=500)
    by_council = get_page(
        client, "/services", "compiled/service_list.json", per_page=500, organization_id=COUNCIL
    )
    assert ids(by_council) == ids(everything)
    offending = oruk_id(CONCERNS + "offending")
    by_term = get_page(
        client, "/services", "compiled/service_list.json", taxonomy_term_id=offending
    )
    assert YOUTH_JUSTICE in ids(by_term)


def test_services_are_paged_as_hsds_pages(client: TestClient):
    everything = get_page(client, "/services", "compiled/service_list.json", per_page=500)
    total = everything["total_items"]
    assert total == len(everything["contents"]) > 10
    first = get_page(client, "/services", "compiled/service_list.json", per_page=10)
    assert (first["page_number"], first["size"], first["total_items"]) == (1, 10, total)
    assert first["total_pages"] == -(-total // 10)
    assert (first["first_page"], first["last_page"], first["empty"]) == (True, False, False)
    last_number = first["total_pages"]
    last = get_page(
        client, "/services", "compiled/service_list.json", per_page=10, page=last_number
    )
    assert (last["first_page"], last["last_page"]) == (False, True)
    assert last["size"] == total - 10 * (last_number - 1)
    walked = [
        item["id"]
        for number in range(1, last_number + 1)
        for item in get_page(
            client, "/services", "compiled/service_list.json", per_page=10, page=number
        )["contents"]
    ]
    assert walked == [item["id"] for item in everything["contents"]]
    beyond = get_page(
        client, "/services", "compiled/service_list.json", per_page=10, page=last_number + 1
    )
    assert (beyond["empty"], beyond["contents"]) == (True, [])


@pytest.mark.parametrize(
    "params", [{"page": 0}, {"per_page": 0}, {"per_page": 100_000}, {"age": -1}, {"age": "ten"}]
)
def test_bad_paging_or_filter_values_are_422(client: TestClient, params: dict):
    assert client.get("/services", params=params).status_code == 422


def test_one_service_fully_nested_with_the_seed_page_ages(client: TestClient):
    response = client.get(f"/services/{YOUTH_JUSTICE}")
    assert response.status_code == 200
    youth_justice = valid(response.json(), "compiled/service.json")
    assert isinstance(youth_justice, dict)
    assert (youth_justice["minimum_age"], youth_justice["maximum_age"]) == (10, 17)
    assert youth_justice["organization"]["name"] == "Lewisham Council"
    concerns = {a["taxonomy_term"]["term_uri"] for a in youth_justice["attributes"]}
    assert CONCERNS + "offending" in concerns


def test_unknown_service_is_404(client: TestClient):
    response = client.get(f"/services/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "detail" in response.json()


# ---------------------------------------------------------------------- the other lists


def test_organizations_list_and_one_organization(client: TestClient):
    page = get_page(client, "/organizations", "compiled/organization_list.json")
    assert [item["name"] for item in page["contents"]] == ["Lewisham Council"]
    response = client.get(f"/organizations/{COUNCIL}")
    assert response.status_code == 200
    council = valid(response.json(), "compiled/organization.json")
    assert isinstance(council, dict)
    assert {YOUTH_JUSTICE, SAFE_SPACE} <= {item["id"] for item in council["services"]}
    assert client.get(f"/organizations/{uuid.uuid4()}").status_code == 404


def test_taxonomies_and_their_terms(client: TestClient):
    page = get_page(client, "/taxonomies", "taxonomy.json")
    scheme = oruk_id(CONCERNS + "scheme")
    assert scheme in {item["id"] for item in page["contents"]}
    response = client.get(f"/taxonomies/{scheme}")
    assert response.status_code == 200
    taxonomy = valid(response.json(), "taxonomy.json")
    assert isinstance(taxonomy, dict)
    assert CONCERNS + "offending" in {t["term_uri"] for t in taxonomy["taxonomy_terms"]}
    assert client.get(f"/taxonomies/{uuid.uuid4()}").status_code == 404


def test_taxonomy_terms_filters_and_one_term(client: TestClient):
    harm = oruk_id(CONCERNS + "extra-familial-harm")
    below = get_page(client, "/taxonomy_terms", "taxonomy_term.json", parent_id=harm)
    assert oruk_id(CONCERNS + "child-sexual-exploitation") in ids(below)
    top = get_page(client, "/taxonomy_terms", "taxonomy_term.json", top_only=True, per_page=500)
    assert harm in ids(top)
    assert all("parent_id" not in term for term in top["contents"])
    response = client.get(f"/taxonomy_terms/{harm}")
    assert response.status_code == 200
    term = valid(response.json(), "taxonomy_term.json")
    assert isinstance(term, dict)
    assert term["name"] == "Extra-familial harm"
    assert client.get(f"/taxonomy_terms/{uuid.uuid4()}").status_code == 404


def test_the_openapi_document_describes_the_services_filters(client: TestClient):
    operation = client.get("/openapi.json").json()["paths"]["/services"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"page", "per_page", "age", "concern", "legal_basis", "text"} <= parameters
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    valid(example, page_schema("oruk", "compiled/service_list.json"))


# ---------------------------------------------------------------------- issue 16: ORUK conformance

ORUK_OPENAPI = "oruk/schema/openapi.json"
ORUK_SCHEMAS = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"


def service_names(client: TestClient, **params: object) -> set[str]:
    page = get_page(client, "/services", "compiled/service_list.json", per_page=500, **params)
    return {item["name"] for item in page["contents"]}


def test_minimum_and_maximum_age_filters_follow_the_oruk_wording(client: TestClient):
    """ORUK: minimum_age is "a minimum age of at least" the value, maximum_age "a maximum age
    at or below" it; a service with no stated bound is left out."""
    every = get_page(client, "/services", "compiled/service_list.json", per_page=500)["contents"]
    for low, high in ((10, 17), (11, 24), (0, 18)):
        expected = {
            s["name"]
            for s in every
            if s.get("minimum_age", -1) >= low and s.get("maximum_age", 999) <= high
        }
        assert service_names(client, minimum_age=low, maximum_age=high) == expected
    assert {"Youth Justice", "Safe Space"} <= service_names(client, minimum_age=10, maximum_age=17)
    assert "Youth Justice" not in service_names(client, minimum_age=11)
    assert "Youth Justice" in service_names(client, maximum_age=17)


def test_taxonomy_id_filter(client: TestClient):
    taxonomy = client.get("/taxonomies").json()["contents"][0]
    by_id = service_names(client, taxonomy_id=taxonomy["id"])
    assert by_id == service_names(client, taxonomy_id=taxonomy["uri"])
    assert "Safe Space" in by_id and "Youth Justice" in by_id
    assert service_names(client, taxonomy_id=str(uuid.uuid4())) == set()


def test_modified_after_compares_with_the_data_s_last_change(client: TestClient):
    first = get_page(client, "/services", "compiled/service_list.json", per_page=1)
    changed = datetime.fromisoformat(first["contents"][0]["last_modified"])
    before = (changed - timedelta(days=1)).isoformat()
    after = (changed + timedelta(seconds=1)).isoformat()
    assert len(service_names(client, modified_after=before)) == first["total_items"]
    assert service_names(client, modified_after=after) == set()


@pytest.mark.parametrize(
    "params",
    [{"day": "MO"}, {"start_time": "09:00"}, {"end_time": "17:00"}, {"postcode": "SE6 4RU"}],
)
def test_filters_on_what_no_source_states_match_nothing(client: TestClient, params: dict):
    assert service_names(client, **params) == set()


def test_a_service_links_to_its_graph_iri(client: TestClient):
    response = client.get(f"/services/{YOUTH_JUSTICE}")
    record = valid(response.json(), "compiled/service.json")
    assert record["url"] == LW + "youth-justice"
    assert response.headers["link"] == f'<{LW}youth-justice>; rel="describedby"'
    described = client.get("/id/lewisham/youth-justice", headers={"accept": "text/turtle"})
    assert described.status_code == 200
    page = get_page(client, "/services", "compiled/service_list.json", per_page=500)
    assert all(item["url"] == LW + item["url"].rsplit("/", 1)[-1] for item in page["contents"])


def test_the_full_record_has_every_nested_list(client: TestClient):
    record = valid(client.get(f"/services/{SAFE_SPACE}").json(), "compiled/service.json")
    for name in ("contacts", "schedules", "service_areas", "service_at_locations", "languages"):
        assert record[name] == []
    assert {a["link_type"] for a in record["attributes"]} == {"eligibility"}
    assert (record["minimum_age"], record["maximum_age"]) == (11, 17)


def test_service_at_locations_is_an_empty_page(client: TestClient):
    page = get_page(client, "/service_at_locations", "compiled/service_at_location_list.json")
    assert (page["total_items"], page["contents"], page["empty"]) == (0, [], True)
    filtered = client.get("/service_at_locations", params={"postcode": "SE6 4RU", "page": 2})
    assert filtered.status_code == 200 and filtered.json()["contents"] == []
    assert client.get(f"/service_at_locations/{uuid.uuid4()}").status_code == 404


def test_the_root_is_json_for_an_api_client_and_html_for_a_browser(client: TestClient):
    oruk = json.loads(standard_path(*ORUK_OPENAPI.split("/")).read_text())
    root_schema = oruk["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
    answer = client.get("/", headers={"accept": "application/json"})
    assert answer.headers["content-type"].startswith("application/json")
    body = valid(answer.json(), {**root_schema["schema"], "additionalProperties": False})
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("/openapi.json")
    page = client.get("/", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    tags = _Tags()
    tags.feed(page.text)
    assert "html" in tags.seen and "h1" in tags.seen


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.seen.add(tag)


def oruk_operations() -> list[tuple[str, dict]]:
    oruk = json.loads(standard_path(*ORUK_OPENAPI.split("/")).read_text())
    return [(path, ops["get"]) for path, ops in oruk["paths"].items()]


def example_path(client: TestClient, path: str) -> str:
    """The ORUK path with a real id of ours in place of {id}."""
    firsts = {
        "/services/{id}": YOUTH_JUSTICE,
        "/taxonomies/{id}": client.get("/taxonomies").json()["contents"][0]["id"],
        "/taxonomy_terms/{id}": client.get("/taxonomy_terms").json()["contents"][0]["id"],
    }
    return path.replace("{id}", firsts.get(path, "x"))


@pytest.mark.parametrize(("path", "operation"), oruk_operations(), ids=lambda v: str(v)[:40])
def test_every_oruk_route_is_served_as_the_oruk_openapi_says(
    client: TestClient, path: str, operation: dict
):
    """Each GET of the official ORUK OpenAPI: in our OpenAPI with every ORUK parameter, and
    its answer valid against the ORUK response schema (strictly: no field ORUK lacks)."""
    ours = client.get("/openapi.json").json()["paths"][path]["get"]
    names = {p["name"] for p in ours.get("parameters", [])}
    wanted = {ref["$ref"].rsplit("/", 1)[-1] for ref in operation.get("parameters", [])}
    assert wanted <= names, wanted - names
    assert "application/json" in ours["responses"]["200"]["content"]
    response = client.get(example_path(client, path), headers={"accept": "application/json"})
    if path == "/service_at_locations/{id}":  # none exists yet
        assert response.status_code == 404
        return
    assert response.status_code == 200
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    if "allOf" in schema:  # a Page of items
        item = schema["properties"]["contents"]["items"]["$ref"].removeprefix(ORUK_SCHEMAS)
        valid(response.json(), page_schema("oruk", item))
    elif "$ref" in schema:
        valid(response.json(), schema["$ref"].removeprefix(ORUK_SCHEMAS))
    else:
        valid(response.json(), {**schema, "additionalProperties": False})


def test_age_filter_and_services_for_child_differ_exactly_by_the_source_of_the_ages(
    client: TestClient,
):
    """/services?age=15 uses the age range a service's record shows: stated on its page, or
    inherited from the nearest unit above it. The named query services-for-child also
    counts units whose range comes only from the law they act under, and units with none
    (its ageSource column says which). So the units they share are exactly its rows whose
    ageSource is "stated" or "inherited"."""
    named = client.get("/queries/services-for-child", params={"age": 15, "format": "json"})
    rows = named.json()["results"]["bindings"]
    by_source: dict[str, set[str]] = {}
    for row in rows:
        by_source.setdefault(row["ageSource"]["value"], set()).add(row["unit"]["value"])
    page = get_page(client, "/services", "compiled/service_list.json", age=15, per_page=500)
    listed = {item["url"] for item in page["contents"]}
    assert listed == by_source.get("stated", set()) | by_source.get("inherited", set())
    assert set(by_source) - {"stated", "inherited"} and not (
        set().union(*(v for k, v in by_source.items() if k not in ("stated", "inherited"))) & listed
    )
