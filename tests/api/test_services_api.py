"""The Open Referral UK services API: every response validated against the ORUK schemas,
filters answered as the seed pages say, pages shaped as HSDS pages them."""

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.store.base import Store
from standards_validation import json_errors, page_schema

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
