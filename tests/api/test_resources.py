"""/id/{path}, /resource, /ontology and /context.jsonld: every representation parsed back and
compared as graphs, the headers (Link, Vary, ETag) and the HTML page's provenance table.

Expected facts come from the seed page "Childrens social care safeguarding service": Youth
Justice sits in the Integrated Adolescent Safeguarding Service and works with ages 10 to 17.
"""

import json
import re
from html.parser import HTMLParser
from importlib.metadata import version

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, PROV, RDF, RDFS

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import CSC, ORG, SCHEMA

YOUTH_JUSTICE = "lewisham/youth-justice"
PARENT_LABEL = "Integrated Adolescent Safeguarding Service"
AGES_QUOTE = (
    "The Youth Justice service works with children and young people aged between 10 and 17 "
    "focusing on supporting children who come to the notice of the criminal justice system by:"
)
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
SECTION_47 = "http://www.legislation.gov.uk/id/ukpga/1989/41/section/47"


def iri(settings: Settings, path: str) -> URIRef:
    return URIRef(settings.base_iri + path)


def from_jsonld_with_pyld(document: dict) -> Graph:
    """JSON-LD expanded and turned into N-Quads by pyld (not rdflib), then read as a graph."""
    expanded = jsonld.expand(document)
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    return Graph().parse(data=nquads, format="nt")


def fetch_graph(client: TestClient, path: str, accept: str) -> Graph:
    response = client.get(path, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    if accept == "application/ld+json":
        return from_jsonld_with_pyld(response.json())
    return Graph().parse(data=response.content, format=RDF_TYPES[accept])


def parse_links(header: str) -> list[dict[str, str]]:
    """An RFC 8288 Link header as a list of {target, rel, type}."""
    links = []
    for part in re.split(r",\s*(?=<)", header):
        target, *params = part.split(";")
        link = {"target": target.strip().strip("<>")}
        for param in params:
            key, _, value = param.strip().partition("=")
            link[key] = value.strip('"')
        links.append(link)
    return links


def test_jsonld_expands_to_the_same_graph_as_the_turtle(
    client: TestClient, settings: Settings
) -> None:
    path = f"/id/{YOUTH_JUSTICE}"
    turtle = fetch_graph(client, path, "text/turtle")
    from_jsonld = fetch_graph(client, path, "application/ld+json")
    assert len(turtle) > 0
    assert isomorphic(turtle, from_jsonld)
    youth_justice = iri(settings, YOUTH_JUSTICE)
    assert (
        youth_justice,
        ORG.subOrganizationOf,
        iri(settings, "lewisham/integrated-adolescent-safeguarding"),
    ) in turtle


def test_jsonld_is_compacted_with_the_project_context(
    client: TestClient, settings: Settings
) -> None:
    document = client.get(f"/id/{YOUTH_JUSTICE}", headers={"accept": "application/ld+json"}).json()
    context = json.loads((settings.ontology_dir / "context.jsonld").read_text())
    assert document["@context"] == context["@context"]
    nodes = {node["id"]: node for node in document["@graph"]}
    youth_justice = nodes[str(iri(settings, YOUTH_JUSTICE))]
    assert youth_justice["type"] == "csc:Service"
    parent = youth_justice["subOrganizationOf"]
    assert nodes[parent]["label"] == PARENT_LABEL  # the label of a linked resource
    ages = nodes[youth_justice["audience"]]
    assert ages["label"]
    # The bounds come with the unit, as JSON numbers: "aged between 10 and 17".
    assert (ages["requiredMinAge"], ages["requiredMaxAge"]) == (10, 17)


def test_description_carries_the_claims_with_source_and_quote(
    client: TestClient, settings: Settings
) -> None:
    graph = fetch_graph(client, f"/id/{YOUTH_JUSTICE}", "application/ld+json")
    youth_justice = iri(settings, YOUTH_JUSTICE)
    claims = [
        claim
        for claim in graph.subjects(RDF.subject, youth_justice)
        if graph.value(claim, RDF.predicate) == SCHEMA.audience
    ]
    assert len(claims) == 1
    claim = claims[0]
    assert (claim, RDF.type, CSC.Claim) in graph
    assert graph.value(claim, PROV.wasDerivedFrom) == iri(
        settings, "lewisham/source-safeguarding-service"
    )
    assert graph.value(claim, CSC.quote) == Literal(AGES_QUOTE)


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_every_rdf_format_is_the_same_graph(client: TestClient, accept: str) -> None:
    turtle = fetch_graph(client, f"/id/{YOUTH_JUSTICE}", "text/turtle")
    assert isomorphic(turtle, fetch_graph(client, f"/id/{YOUTH_JUSTICE}", accept))


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("xml", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
        ("html", "text/html"),
    ],
)
def test_format_parameter_overrides_accept(client: TestClient, name: str, media_type: str) -> None:
    response = client.get(
        f"/id/{YOUTH_JUSTICE}", params={"format": name}, headers={"accept": "text/turtle"}
    )
    assert response.headers["content-type"].split(";")[0] == media_type


def test_unknown_format_is_400_and_unacceptable_type_is_406(client: TestClient) -> None:
    assert client.get(f"/id/{YOUTH_JUSTICE}", params={"format": "pdf"}).status_code == 400
    refused = client.get(f"/id/{YOUTH_JUSTICE}", headers={"accept": "image/png"})
    assert refused.status_code == 406


def test_unknown_resource_is_404(client: TestClient) -> None:
    response = client.get("/id/lewisham/no-such-team")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_link_and_vary_headers(client: TestClient, settings: Settings) -> None:
    response = client.get(f"/id/{YOUTH_JUSTICE}", headers={"accept": "text/turtle"})
    assert "Accept" in {v.strip() for v in response.headers["vary"].split(",")}
    links = parse_links(response.headers["link"])
    by_rel: dict[str, list[dict[str, str]]] = {}
    for link in links:
        by_rel.setdefault(link["rel"], []).append(link)
    assert [link["target"] for link in by_rel["canonical"]] == [str(iri(settings, YOUTH_JUSTICE))]
    alternate_types = {link["type"] for link in by_rel["alternate"]}
    assert alternate_types == set(RDF_TYPES)
    for link in by_rel["alternate"]:  # each alternate really is that type
        followed = client.get(link["target"])
        assert followed.headers["content-type"].split(";")[0] == link["type"]
    context_link = by_rel["http://www.w3.org/ns/json-ld#context"][0]
    assert client.get(context_link["target"]).json()["@context"]["csc"] == str(CSC)


def test_etag_and_if_none_match(client: TestClient) -> None:
    path = f"/id/{YOUTH_JUSTICE}"
    first = client.get(path, headers={"accept": "text/turtle"})
    etag = first.headers["etag"]
    again = client.get(path, headers={"accept": "text/turtle", "if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = client.get(path, headers={"accept": "text/turtle", "if-none-match": '"stale"'})
    assert other.status_code == 200
    jsonld_etag = client.get(path, headers={"accept": "application/ld+json"}).headers["etag"]
    assert jsonld_etag != etag  # each representation has its own tag


def test_etag_comes_from_the_store_content_hash(client: TestClient, store) -> None:
    response = client.get(f"/id/{YOUTH_JUSTICE}", headers={"accept": "text/turtle"})
    assert response.headers["etag"].strip('"').split("-")[0] == store.content_hash()[:32]
    assert response.headers["etag"].strip('"').endswith("-" + version("csc-graph"))


class _Tables(HTMLParser):
    """The text of every cell of the tables with a given class, and every link."""

    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.table_class = table_class
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._in_table = self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("class") == self.table_class:
            self._in_table = True
        elif self._in_table and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag in ("td", "th"):
            self._in_cell = True
            self.rows[-1].append("")
        href = attributes.get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_table and self._in_cell and self.rows:
            self.rows[-1][-1] += data


def _cells(html: str, table_class: str) -> tuple[list[list[str]], list[str]]:
    parser = _Tables(table_class)
    parser.feed(html)
    rows = [[" ".join(cell.split()) for cell in row] for row in parser.rows]
    return rows, parser.links


def test_html_page_for_browsers_shows_labels_links_and_provenance(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(f"/id/{YOUTH_JUSTICE}", headers={"accept": browser})
    assert response.headers["content-type"].startswith("text/html")
    claims, links = _cells(response.text, "claims")
    assert claims[0] == ["Claim", "Source", "Quoted sentence", "Stated or inferred"]
    turtle = fetch_graph(client, f"/id/{YOUTH_JUSTICE}", "text/turtle")
    assert len(claims) - 1 == len(set(turtle.subjects(RDF.type, CSC.Claim)))
    (ages,) = [row for row in claims if row[0].startswith("ages served:")]
    assert ages[1].startswith("Childrens social care safeguarding service")
    assert ages[2:] == [AGES_QUOTE, "csc:Stated"]
    facts, _ = _cells(response.text, "facts")
    assert any(PARENT_LABEL in row for row in facts)
    assert "/id/lewisham/integrated-adolescent-safeguarding" in links
    for link in {link for link in links if link.startswith("/id/")}:
        assert client.get(link, headers={"accept": "text/html"}).status_code == 200


def test_html_facts_name_each_source_once(client: TestClient) -> None:
    """Two sentences of the safeguarding page say Safe Space works with extra-familial harm:
    the facts table names that page once (the provenance table keeps both sentences)."""
    response = client.get("/id/lewisham/safe-space", headers={"accept": "text/html"})
    facts, _ = _cells(response.text, "facts")
    (harm,) = [row for row in facts if "Extra-familial harm" in row]
    assert harm[-1] == "Childrens social care safeguarding service"
    claims, _ = _cells(response.text, "claims")
    harm_claims = [row for row in claims if row[0] == "addresses concern: Extra-familial harm"]
    assert len(harm_claims) == 2


def test_html_links_a_document_page_out(client: TestClient) -> None:
    response = client.get("/resource", params={"iri": SECTION_47, "format": "html"})
    facts, links = _cells(response.text, "facts")
    address = "https://www.legislation.gov.uk/ukpga/1989/41/section/47"
    assert ["document page", address, ""] in facts
    assert address in links


def test_resource_outside_the_base_by_iri(client: TestClient, settings: Settings) -> None:
    graph = Graph().parse(
        data=client.get("/resource", params={"iri": SECTION_47, "format": "ttl"}).content,
        format="turtle",
    )
    assert (URIRef(SECTION_47), RDF.type, CSC.Section) in graph
    inside = client.get(
        "/resource", params={"iri": str(iri(settings, YOUTH_JUSTICE))}, follow_redirects=False
    )
    assert inside.status_code == 303
    assert inside.headers["location"] == f"/id/{YOUTH_JUSTICE}"


def test_ontology_in_turtle_and_html(client: TestClient) -> None:
    graph = fetch_graph(client, "/ontology", "text/turtle")
    assert (CSC.Claim, RDF.type, OWL.Class) in graph
    assert graph.value(CSC.Claim, RDFS.label) == Literal("Claim", lang="en")
    assert isomorphic(graph, fetch_graph(client, "/ontology", "application/ld+json"))
    page = client.get("/ontology", headers={"accept": "text/html"})
    assert page.status_code == 200


def test_context_document_is_the_ontology_file(client: TestClient, settings: Settings) -> None:
    response = client.get("/context.jsonld")
    assert response.headers["content-type"].split(";")[0] == "application/ld+json"
    assert response.json() == json.loads((settings.ontology_dir / "context.jsonld").read_text())


def test_head_gives_the_get_headers_without_a_body(client: TestClient) -> None:
    accept = {"accept": "text/turtle"}
    get = client.get(f"/id/{YOUTH_JUSTICE}", headers=accept)
    head = client.head(f"/id/{YOUTH_JUSTICE}", headers=accept)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "link", "content-length"):
        assert head.headers[name] == get.headers[name]
