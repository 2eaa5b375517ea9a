"""Resource pages people can rely on (issue 15): every property and class links to a page,
disagreements between sources are shown, each claim's source carries its web address and
capture date when the data has them, and JSON-LD leads with the resource asked for."""

from urllib.parse import quote

from fastapi.testclient import TestClient
from html_tree import parse_html
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import CSC, ORG, SCHEMA
from csc_graph.resources.describe import page

HTML = {"accept": "text/html"}


def test_safe_space_says_its_sources_disagree_about_its_parent(client: TestClient) -> None:
    html = parse_html(client.get("/id/lewisham/safe-space", headers=HTML).text)
    section = html.find("section", class_="disagreements")
    assert section is not None
    hrefs = {a.attrs["href"] for a in section.find_all("a")}
    assert "/id/lewisham/referral-and-assessment" in hrefs
    assert "/id/lewisham/integrated-adolescent-safeguarding" in hrefs
    assert "/id/lewisham/source-social-work-teams" in hrefs
    assert "/id/lewisham/source-safeguarding-service" in hrefs


def test_a_unit_with_one_parent_shows_no_disagreement(client: TestClient) -> None:
    html = parse_html(client.get("/id/lewisham/youth-justice", headers=HTML).text)
    assert html.find("section", class_="disagreements") is None


def test_every_property_and_class_link_on_a_resource_page_resolves(client: TestClient) -> None:
    html = parse_html(client.get("/id/lewisham/safe-space", headers=HTML).text)
    links = {a.attrs["href"] for a in html.find_all("a") if a.attrs.get("href", "")[:1] == "/"}
    assert any(link.startswith("/resource?iri=") for link in links)
    for link in links:
        assert client.get(link, headers=HTML).status_code == 200, link


def test_a_reused_predicate_has_a_page_of_its_own(client: TestClient) -> None:
    iri = "http://www.w3.org/ns/org#subOrganizationOf"
    response = client.get(f"/resource?iri={quote(iri, safe='')}", headers=HTML)
    assert response.status_code == 200
    html = parse_html(response.text)
    assert html.find("h1") is not None
    hrefs = {a.attrs.get("href") for a in html.find_all("a")}
    assert iri in hrefs  # where the term is defined
    assert "/id/lewisham/asye-academy" in hrefs  # a resource that uses it (first by name)
    as_turtle = client.get(f"/resource?iri={quote(iri, safe='')}&format=turtle")
    graph = Graph().parse(data=as_turtle.text, format="turtle")
    assert (URIRef(iri), RDF.type, RDF.Property) in graph


def test_jsonld_leads_with_the_resource_asked_for(client: TestClient, settings: Settings) -> None:
    body = client.get("/id/lewisham/youth-justice", headers={"accept": "application/ld+json"})
    nodes = body.json()["@graph"]
    first = nodes[0]
    assert first.get("id", first.get("@id")) == settings.base_iri + "lewisham/youth-justice"


def test_a_claims_source_shows_its_address_capture_date_and_evidence() -> None:
    unit, source, claim = URIRef("urn:x:unit"), URIRef("urn:x:source"), URIRef("urn:x:claim")
    parent = URIRef("urn:x:parent")
    graph = Graph()
    graph.add((unit, ORG.subOrganizationOf, parent))
    graph.add((claim, RDF.type, CSC.Claim))
    graph.add((claim, RDF.subject, unit))
    graph.add((claim, RDF.predicate, ORG.subOrganizationOf))
    graph.add((claim, RDF.object, parent))
    graph.add((claim, PROV.wasDerivedFrom, source))
    graph.add((claim, CSC.evidence, CSC.Stated))
    graph.add((source, DCTERMS.title, Literal("A page")))
    graph.add((source, SCHEMA.url, URIRef("https://example.org/page")))
    graph.add((source, CSC.capturedOn, Literal("2025-01-31", datatype=XSD.date)))
    graph.add((CSC.Stated, RDFS.label, Literal("stated")))
    (only,) = page(graph, str(unit)).claims
    assert only.source_url == "https://example.org/page"
    assert only.captured_on == "2025-01-31"
    assert only.evidence is not None and only.evidence.label == "stated"
