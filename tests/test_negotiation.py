"""Content negotiation: Accept parsing, q-values, specificity and the ?format= names."""

import pytest

from csc_graph.formats import (
    GRAPH_REPRESENTATIONS,
    HTML,
    SOLUTION_REPRESENTATIONS,
    by_name,
    negotiate,
    parse_accept,
)

PAGES = (*GRAPH_REPRESENTATIONS, HTML)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "turtle"),
        ("", "turtle"),
        ("*/*", "turtle"),
        (BROWSER, "html"),
        ("application/ld+json", "json-ld"),
        ("application/json", "json-ld"),
        ("application/n-triples;q=0.5, text/turtle;q=0.4", "nt"),
        ("text/*;q=0.9, application/rdf+xml", "xml"),
        ("text/*", "turtle"),
        ("application/x-turtle", "turtle"),
        ("text/html;q=0.1, */*;q=0.5", "turtle"),
    ],
)
def test_negotiate_resources(accept: str | None, expected: str) -> None:
    chosen = negotiate(accept, PAGES)
    assert chosen is not None
    assert chosen.name == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+xml", "xml"),
        ("application/sparql-results+json,application/json;q=0.9", "json"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("application/xml", "xml"),
    ],
)
def test_negotiate_solutions(accept: str, expected: str) -> None:
    chosen = negotiate(accept, SOLUTION_REPRESENTATIONS)
    assert chosen is not None
    assert chosen.name == expected


@pytest.mark.parametrize("accept", ["image/png", "text/turtle;q=0", "application/pdf, */*;q=0"])
def test_nothing_acceptable(accept: str) -> None:
    assert negotiate(accept, PAGES) is None


def test_parse_accept_drops_malformed_parts_and_reads_q() -> None:
    ranges = parse_accept("text/turtle;q=0.3, nonsense, application/ld+json;q=bad, */*")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "turtle", 0.3),
        ("application", "ld+json", 0.0),
        ("*", "*", 1.0),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ttl", "turtle"),
        ("TURTLE", "turtle"),
        ("jsonld", "json-ld"),
        ("rdf", "xml"),
        ("text/turtle", "turtle"),
        ("n-triples", "nt"),
        ("html", "html"),
    ],
)
def test_format_names(name: str, expected: str) -> None:
    chosen = by_name(name, PAGES)
    assert chosen is not None
    assert chosen.name == expected


def test_unknown_format_name() -> None:
    assert by_name("pdf", PAGES) is None
