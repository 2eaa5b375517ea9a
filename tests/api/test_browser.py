"""The pages in a real browser: Debian's Chromium driven by Playwright against a real uvicorn.

Skipped only where /usr/bin/chromium is missing (`make test` installs it when run as root).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed")

# The flags keep Chromium off the network: this machine has none beyond loopback.
ROW_TEXTS_JS = (
    "rows => rows.map(r => Array.from(r.querySelectorAll('td,th')).map(c => c.innerText.trim()))"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def plain_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A browser without JavaScript: /query falls back to its plain form."""
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def table_rows(page: Page, selector: str) -> list[list[str]]:
    cells = page.eval_on_selector_all(
        f"{selector} tbody tr",
        ROW_TEXTS_JS,
    )
    return [list(row) for row in cells]


def test_without_javascript_the_query_page_is_a_plain_form(plain_page: Page) -> None:
    page = plain_page
    page.goto("/query")
    page.fill(
        "#query",
        "SELECT ?min ?max WHERE { <https://w3id.org/csc-graph/id/lewisham/youth-justice> "
        "schema:audience ?a . ?a schema:requiredMinAge ?min ; schema:requiredMaxAge ?max }",
    )
    page.click("button[type=submit]")
    page.wait_for_selector("table.results")
    assert table_rows(page, "table.results") == [["10", "17"]]


def test_a_bad_query_shows_the_parsers_message(plain_page: Page) -> None:
    page = plain_page
    page.goto("/query")
    page.fill("#query", "SELECT ?x WHERE { ?x ")
    page.click("button[type=submit]")
    alert = page.wait_for_selector("[role=alert]")
    assert alert.inner_text().strip() != ""
    assert page.query_selector("table.results") is None


def test_a_resource_page_shows_each_fact_with_its_source(page: Page) -> None:
    page.goto("/id/lewisham/safe-space")
    assert page.inner_text("h1").strip() == "Safe Space"
    rows = table_rows(page, "table.facts")
    # The two parent units the two pages give, each shown with the page that says so.
    parent_rows = {row[-2]: row[-1] for row in rows if len(row) >= 2 and "Service" in row[-2]}
    assert parent_rows["Referral and Assessment Service"] != ""
    assert parent_rows["Integrated Adolescent Safeguarding Service"] != ""
    assert (
        parent_rows["Referral and Assessment Service"]
        != parent_rows["Integrated Adolescent Safeguarding Service"]
    )


def test_following_a_link_reaches_the_parent_unit(page: Page) -> None:
    page.goto("/id/lewisham/youth-justice")
    page.click("a[href$='/id/lewisham/integrated-adolescent-safeguarding']")
    page.wait_for_url("**/id/lewisham/integrated-adolescent-safeguarding")
    assert "Integrated Adolescent Safeguarding" in page.inner_text("h1")


def test_the_openapi_docs_render_offline(page: Page) -> None:
    """Swagger UI comes from this server (no CDN): it must render every named query."""
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    summaries = page.eval_on_selector_all(
        ".opblock-summary-path", "nodes => nodes.map(n => n.innerText.trim())"
    )
    assert "/queries/services-for-child" in summaries
    assert "/sparql" in summaries
