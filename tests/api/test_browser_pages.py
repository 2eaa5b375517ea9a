"""The site in a real browser (issue 15): Debian's Chromium driven by Playwright against a
real uvicorn on 127.0.0.1. The editor runs a query and sorts its table; every named query's
page opens as a form and answers after submit; no internal link from the home page's pages
is broken; an upload with a broken file shows the report; the pathway page's links work;
axe-core finds no serious or critical violation; nothing is wider than a 390 px phone.

Skipped only where /usr/bin/chromium is missing (`make test` installs it when run as root).
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from csc_graph.catalogue.named_queries import load_catalogue
from csc_graph.config import Settings
from csc_graph.web import WEB_DIR

CHROMIUM = Path("/usr/bin/chromium")
AXE = WEB_DIR / "static" / "vendor" / "axe.min.js"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Values a person would type for the required free-text parameters; choices are picked.
TYPED = {
    "unit": "youth-justice",  # a bare name: the page resolves it
    "subject": "lewisham/youth-justice",
    "provision": "http://www.legislation.gov.uk/id/ukpga/1989/41/section/47",
    "text": "justice",
    "age": "15",
}
# Pages people reach that the home page does not link directly.
ALSO = [
    "/id/lewisham/safe-space",
    "/resource?iri=http%3A%2F%2Fwww.w3.org%2Fns%2Forg%23subOrganizationOf",
    "/queries/describe-unit",
    "/queries/services-for-child?age=15",
    "/pathways?age=15&concern=child-criminal-exploitation&format=html",
    "/coverage?format=html",
    "/conflicts?format=html",
    "/validation?format=html",
]
# The editor of the tab on show (YASGUI keeps one editor per tab in the page).
VISIBLE_EDITOR = "[...document.querySelectorAll('.yasqe .CodeMirror')].find(e => e.offsetParent)"
# What a browser sends when a person follows a link.
BROWSER_ACCEPT = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
# Third-party pages served from packages: not ours to fix for axe.
NOT_OURS = ("/docs", "/redoc")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    made.set_default_timeout(20_000)
    yield made
    made.close()


@pytest.fixture()
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    yield opened
    opened.close()


def _html_pages(page: Page) -> list[str]:
    """Home, the HTML pages it links, and the pages in ALSO (paths with their queries)."""
    page.goto("/")
    links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    base = page.url
    found = ["/"]
    for link in links:
        parts = urlsplit(link)
        if parts.netloc != urlsplit(base).netloc:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = page.request.get(path, headers={"accept": "text/html"})
        if answer.headers.get("content-type", "").startswith("text/html") and path not in found:
            found.append(path)
    return found + [p for p in ALSO if p not in found]


@pytest.fixture(scope="module")
def site_pages(context: BrowserContext) -> list[str]:
    opened = context.new_page()
    try:
        return _html_pages(opened)
    finally:
        opened.close()


# ---------------------------------------------------------------- the editor


def test_the_editor_runs_a_query_and_sorts_the_table(page: Page) -> None:
    page.goto("/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    query = (
        "PREFIX csc: <https://w3id.org/csc-graph/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?label WHERE { ?s a csc:Service ; rdfs:label ?label } ORDER BY DESC(?label)"
    )
    page.evaluate(f"q => {VISIBLE_EDITOR}.CodeMirror.setValue(q)", query)
    page.click(".yasqe_queryButton >> visible=true")
    page.wait_for_selector(".yasr table tbody tr >> visible=true")
    column = ".tabPanel.active .yasr table tbody tr td:nth-child(2)"
    first = page.eval_on_selector_all(column, "cs => cs.map(c => c.innerText.trim())")
    assert len(first) > 3 and first == sorted(first, reverse=True)  # SPARQL's ORDER BY DESC
    page.click(".tabPanel.active .yasr table thead th:nth-child(2)")
    page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).innerText.trim() !== old",  # resorted
        arg=[column, first[0]],
    )
    again = page.eval_on_selector_all(column, "cs => cs.map(c => c.innerText.trim())")
    assert sorted(again) == sorted(first) and again != first
    assert again == sorted(again, key=str.casefold)  # the table's own sort, A to Z
    status = page.inner_text("#editor-status")
    assert status.startswith("Answered in ")


def test_a_named_query_opens_in_the_editor(page: Page) -> None:
    page.goto("/queries/units-by-type")
    page.click("text=open the query text in the editor")
    page.wait_for_selector(".yasqe .CodeMirror")
    text = page.evaluate(f"() => {VISIBLE_EDITOR}.CodeMirror.getValue()")
    assert "PREFIX csc: <https://w3id.org/csc-graph/ontology#>" in text.splitlines()


# ---------------------------------------------------------------- named queries


def test_every_named_query_opens_as_a_form_and_answers(page: Page, settings: Settings) -> None:
    for name, query in load_catalogue(settings.queries_dir, settings.base_iri).items():
        response = page.goto(f"/queries/{name}")
        assert response is not None and response.status == 200, name
        assert page.query_selector("[role=alert]") is None, name
        if not query.params:
            assert page.query_selector("section.result") is not None, name
            continue
        for param in query.params:
            field = page.query_selector(f"#p-{param.name}")
            assert field is not None, (name, param.name)
            if not param.required:
                continue
            if field.evaluate("f => f.tagName") == "SELECT":
                values = field.eval_on_selector_all("option", "os => os.map(o => o.value)")
                field.select_option(next(v for v in values if v))
            else:
                field.fill(TYPED[param.name])
        with page.expect_navigation():
            page.click("form.query-form button[type=submit]")
        assert page.query_selector("[role=alert]") is None, (name, page.url)
        assert page.query_selector("section.result") is not None, name


# ---------------------------------------------------------------- links


def test_no_internal_link_is_broken(page: Page, site_pages: list[str]) -> None:
    checked: dict[str, int] = {}
    for path in site_pages:
        if path.startswith(NOT_OURS):
            continue
        page.goto(path)
        for link in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            parts = urlsplit(urljoin(page.url, link))
            if parts.netloc != urlsplit(page.url).netloc or parts.scheme not in ("http", "https"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in checked:
                checked[target] = page.request.get(target, headers=BROWSER_ACCEPT).status
    broken = {target: status for target, status in checked.items() if status >= 400}
    assert broken == {}
    assert len(checked) > 50


def test_the_pathway_page_links_work(page: Page) -> None:
    page.goto("/pathways?format=html")
    page.fill("#age", "15")
    page.select_option("#concern", label="Child criminal exploitation")
    with page.expect_navigation():
        page.click("form.query-form button[type=submit]")
    links = page.eval_on_selector_all(
        ".diagram a, table.steps a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert len(links) > 10
    for href in set(links):
        assert page.request.get(href, headers=BROWSER_ACCEPT).status == 200, href
    page.click(".diagram svg a[href='/id/law/stage-arrest']")
    page.wait_for_url("**/id/law/stage-arrest")
    assert page.inner_text("h1").strip() != ""


# ---------------------------------------------------------------- validation


def test_an_upload_with_a_broken_file_shows_the_report(page: Page, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ex:d .\n")
    page.goto("/validation?format=html")
    page.set_input_files("#upload-file", str(broken))
    with page.expect_navigation():
        page.click("#upload button[type=submit]")
    alert = page.inner_text("[role=alert] pre")
    assert "line 2, column 16" in alert
    assert page.query_selector("#upload form") is not None


# ---------------------------------------------------------------- accessibility and width


def test_axe_finds_no_serious_or_critical_violation(page: Page, site_pages: list[str]) -> None:
    assert AXE.exists(), "make setup copies axe-core into static/vendor"
    problems: dict[str, list[str]] = {}
    for path in site_pages:
        if path.startswith(NOT_OURS):
            continue
        page.goto(path)
        page.add_script_tag(url="/static/vendor/axe.min.js")
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
        )
        if found:
            problems[path] = found
    assert problems == {}


def test_no_page_is_wider_than_a_phone(
    browser: Browser, live_server: str, site_pages: list[str]
) -> None:
    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    try:
        opened = phone.new_page()
        wide = {}
        for path in site_pages:
            opened.goto(path)
            opened.wait_for_load_state("load")
            width = opened.evaluate("() => document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
        assert wide == {}
    finally:
        phone.close()
