"""/validation as a reviewer's workspace (issue 15): site navigation, links to every format
(CSV too), when it was made, the content hash and the version, repeated findings said once,
the file that holds each item, and validating one's own Turtle without storing it."""

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient
from html_tree import parse_html

from csc_graph.config import Settings
from csc_graph.store.base import Store

HTML = {"accept": "text/html"}


def test_the_workspace_links_every_format_and_says_what_it_is(
    client: TestClient, store: Store
) -> None:
    page = parse_html(client.get("/validation", headers=HTML).text)
    assert page.find("nav", class_="site") is not None
    assert len(page.find_all("main")) == 1
    hrefs = [a.attrs["href"] for a in page.by_id("formats").find_all("a")]
    names = {h.rsplit("format=", 1)[-1] for h in hrefs}
    assert names == {"json", "turtle", "json-ld", "md", "text", "csv"}
    for href in hrefs:  # absolute, so a saved copy's links still work
        assert href.startswith("http://testserver/validation?")
        assert client.get(href.removeprefix("http://testserver")).status_code == 200
    assert page.find("time") is not None
    assert page.by_id("content-hash").text == store.content_hash()


def test_a_repeated_finding_is_said_once_with_its_items(client: TestClient) -> None:
    page = parse_html(client.get("/validation", headers=HTML).text)
    rows = page.find_all("tr", class_="result")
    messages = [td for td in page.find_all("td", class_="message")]
    assert len(messages) < len(rows)  # 44 items share one Info finding
    summary = page.by_id("summary")
    assert summary is not None
    counts = [int(tr.find_all("td")[2].text) for tr in summary.find_all("tr")[1:]]
    assert sum(counts) == len(rows)


def test_each_item_names_the_file_that_holds_it(client: TestClient) -> None:
    page = parse_html(client.get("/validation", headers=HTML).text)
    files = [e.text for e in page.iter() if "file" in e.classes()]
    assert files and all(text.startswith("in graph/") for text in files)


def test_csv_has_one_line_per_result(client: TestClient) -> None:
    body = client.get("/validation", params={"format": "csv"})
    assert body.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.text)))
    as_json = client.get("/validation", params={"format": "json"}).json()
    assert len(rows) == len(as_json["results"])
    assert {r["severity"] for r in rows} == {r["severity"] for r in as_json["results"]}


def test_a_broken_upload_is_reported_with_line_and_column(client: TestClient) -> None:
    broken = b"@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ex:d .\n"
    response = client.post(
        "/validation", files={"file": ("mine.ttl", broken, "text/turtle")}, headers=HTML
    )
    assert response.status_code == 400
    page = parse_html(response.text)
    alert = page.find(role="alert")
    assert alert is not None
    text = alert.find("pre").text
    assert "line 2, column 16" in text and "ex:a ex:b ex:c ex:d ." in text
    assert page.find("form", action="http://testserver/validation") is not None


def test_an_upload_is_validated_and_not_stored(
    client: TestClient, store: Store, settings: Settings
) -> None:
    before = store.content_hash()
    case = Path(settings.root, "tests", "data", "invalid", "age-below-zero.ttl")
    response = client.post(
        "/validation", data={"turtle": case.read_text(encoding="utf-8")}, headers=HTML
    )
    assert response.status_code == 200
    assert response.headers["x-conforms"] == "false"
    page = parse_html(response.text)
    severities = {tr.attrs["data-severity"] for tr in page.find_all("tr", class_="result")}
    assert "Violation" in severities
    as_json = client.post("/validation", data={"turtle": case.read_text(encoding="utf-8")})
    assert as_json.json()["conforms"] is False
    assert store.content_hash() == before


def test_an_upload_over_the_limit_is_refused(client: TestClient) -> None:
    big = b"# " + b"x" * 600_000 + b"\n"
    response = client.post("/validation", files={"file": ("big.ttl", big, "text/turtle")})
    assert response.status_code == 413
