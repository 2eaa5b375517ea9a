"""Security from the start: headers on every answer (errors too), the request body limit,
error bodies without stack traces, CORS for GET only, and the read-only store."""

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from csc_graph.api.app import create_app
from csc_graph.api.security import (
    DOCS_CSP,
    SECURITY_HEADERS,
    STANDALONE_CSP,
    STRICT_CSP,
    ErrorBody,
)
from csc_graph.config import Settings
from csc_graph.store.base import Store

ERROR_KEYS = {"status", "error", "detail"}
SMALL_BODY_LIMIT = 1_000


class Boom(Exception):
    """An error nobody handles."""


@pytest.fixture(scope="module")
def small_app(settings: Settings, store: Store) -> FastAPI:
    """The app with a 1 kB body limit, one origin allowed, and a route that fails."""
    limited = settings.model_copy(
        update={"max_body_bytes": SMALL_BODY_LIMIT, "cors_origins": ["https://analyst.example"]}
    )
    app = create_app(limited, store=store)

    def fail() -> None:
        raise Boom("secret detail that must not leak")

    app.add_api_route("/boom", fail)
    return app


@pytest.fixture(scope="module")
def small(small_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(small_app, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_security_headers(response, csp: str = STRICT_CSP) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert response.headers["content-security-policy"] == csp


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/health", 200),
        ("/sparql?query=ASK{}", 200),
        ("/id/nothing", 404),
        ("/sparql?query=ASK{", 400),
        ("/queries/x", 404),
        ("/static/style.css", 200),
    ],
)
def test_security_headers_on_every_answer(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_load_nothing_from_elsewhere(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response, DOCS_CSP)
    assert "http" not in DOCS_CSP  # no CDN: the assets come from this server


@pytest.mark.parametrize("path", ["/validation", "/conflicts"])
def test_standalone_report_pages_may_use_their_own_inline_style(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert_security_headers(response, STANDALONE_CSP)
    policy = dict(part.strip().split(" ", 1) for part in STANDALONE_CSP.split(";"))
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["script-src"] == "'self'"


def test_unhandled_error_is_a_bare_500(small: TestClient) -> None:
    response = small.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == 500
    assert body["detail"] == "The server failed to answer this request; the error is logged."
    assert_security_headers(response)


def test_body_over_the_limit_is_413(small: TestClient) -> None:
    query = "ASK {}" + " " * SMALL_BODY_LIMIT
    response = small.post(
        "/sparql", content=query.encode(), headers={"content-type": "application/sparql-query"}
    )
    assert response.status_code == 413
    assert set(response.json()) == ERROR_KEYS
    assert_security_headers(response)


def test_streamed_body_over_the_limit_is_413(small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies as it streams
        yield b"ASK {}"
        for _ in range(20):
            yield b" " * 100

    response = small.post(
        "/sparql", content=chunks(), headers={"content-type": "application/sparql-query"}
    )
    assert response.status_code == 413


def test_body_under_the_limit_is_answered(small: TestClient) -> None:
    response = small.post(
        "/sparql", content=b"ASK {}", headers={"content-type": "application/sparql-query"}
    )
    assert response.status_code == 200


def test_cors_allows_configured_origin_for_get(small: TestClient) -> None:
    allowed = small.get("/health", headers={"origin": "https://analyst.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://analyst.example"
    other = small.get("/health", headers={"origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_cors_preflight_allows_get_not_post(small: TestClient) -> None:
    def preflight(method: str) -> int:
        headers = {"origin": "https://analyst.example", "access-control-request-method": method}
        return small.options("/sparql", headers=headers).status_code

    assert preflight("GET") == 200
    assert preflight("POST") == 400


def test_cors_is_open_to_any_origin_by_default(client: TestClient) -> None:
    response = client.get("/sparql?query=ASK{}", headers={"origin": "https://anywhere.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "link", "x-result-truncated"} <= exposed


def test_method_not_allowed_has_the_error_shape(client: TestClient) -> None:
    response = client.put("/sparql")
    assert response.status_code == 405
    assert set(response.json()) == ERROR_KEYS
    assert "GET" in {m.strip() for m in response.headers["allow"].split(",")}


def test_validation_error_names_the_parameter(client: TestClient) -> None:
    response = client.get("/queries/services-for-child", params={"age": "x"})
    body = response.json()
    assert body["errors"] == [
        {
            "in": "query",
            "parameter": "age",
            "message": "Input should be a valid integer, unable to parse string as an integer",
        }
    ]


def test_openapi_documents_the_error_shape_the_api_sends(client: TestClient) -> None:
    """Not FastAPI's HTTPValidationError ({"detail": [...]}), which this API never sends."""
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    operation = schema["paths"]["/queries/services-for-child"]["get"]
    reference = operation["responses"]["default"]["content"]["application/json"]["schema"]
    assert reference == {"$ref": "#/components/schemas/ErrorBody"}
    refused = client.get("/queries/services-for-child", params={"age": "x"})
    body = ErrorBody.model_validate(refused.json())
    assert (body.status, [p.parameter for p in body.errors or []]) == (422, ["age"])


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/id/lewisham/no-such-team", 404), ("/queries/services-for-child?age=x", 422)],
)
def test_a_browser_gets_errors_as_a_page(client: TestClient, path: str, status: int) -> None:
    """The same status and text as the JSON body, on a page with the site's navigation."""
    as_json = client.get(path)
    as_page = client.get(path, headers={"accept": BROWSER})
    assert as_json.status_code == as_page.status_code == status
    assert as_json.headers["content-type"] == "application/json"
    assert as_page.headers["content-type"].startswith("text/html")
    alert = _alert_text(as_page.text)
    assert as_json.json()["detail"] in alert
    problems = as_json.json().get("errors") or []
    assert all(p["message"] in alert for p in problems)


def _alert_text(html: str) -> str:
    class Alert(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth, self.text = 0, ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.depth or dict(attrs).get("role") == "alert":
                self.depth += 1

        def handle_endtag(self, tag: str) -> None:
            self.depth = max(self.depth - 1, 0)

        def handle_data(self, data: str) -> None:
            if self.depth:
                self.text += data

    parser = Alert()
    parser.feed(html)
    return " ".join(parser.text.split())


@pytest.mark.parametrize(
    "path",
    [
        "/sparql",
        "/queries",
        "/queries/roles-in-unit?unit=has+space",
        "/id/lewisham/mash",
        "/id/lewisham/no-such-team",
    ],
)
@pytest.mark.parametrize("accept", [BROWSER, "application/json"])
def test_answers_that_depend_on_accept_say_so(client: TestClient, path: str, accept: str) -> None:
    """A shared cache must not hand the browser's page to a program, or the reverse."""
    response = client.get(path, headers={"accept": accept})
    vary = {name.strip().lower() for name in response.headers.get("vary", "").split(",")}
    assert "accept" in vary, response.status_code
