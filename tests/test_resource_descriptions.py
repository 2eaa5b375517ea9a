"""resources.py: one resource described from the store, its page model, JSON-LD and the
ontology sections. (Named so as not to clash with tests/api/test_resources.py.) Expected
facts come from the seed pages (Safe Space: "young people aged 11 to 17"; "Safe Space is
part of the Referral and Assessment Service")."""

from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SKOS

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import CONCERN, CSC, ORG, SCHEMA
from csc_graph.resources.describe import (
    describe,
    ontology_graph,
    ontology_sections,
    page,
    to_jsonld,
    with_prefixes,
)
from csc_graph.store.base import Store


def iri(settings: Settings, path: str) -> URIRef:
    return URIRef(settings.base_iri + path)


def test_describe_has_triples_labels_links_and_claims(store: Store, settings: Settings) -> None:
    safe_space = iri(settings, "lewisham/safe-space")
    graph = describe(store, str(safe_space))
    assert graph is not None
    ages = iri(settings, "lewisham/safe-space-ages")
    assert (safe_space, SCHEMA.audience, ages) in graph
    assert graph.value(ages, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) is not None
    parents = set(graph.objects(safe_space, ORG.subOrganizationOf))
    assert iri(settings, "lewisham/referral-and-assessment") in parents
    claims = set(graph.subjects(RDF.subject, safe_space))
    assert claims and all((c, RDF.type, CSC.Claim) in graph for c in claims)
    assert all(graph.value(c, CSC.quote) is not None for c in claims)


def test_unknown_resource_is_none(store: Store, settings: Settings) -> None:
    assert describe(store, str(iri(settings, "lewisham/not-a-team"))) is None


def test_page_model_groups_values_with_their_claims(store: Store, settings: Settings) -> None:
    youth_justice = iri(settings, "lewisham/youth-justice")
    graph = describe(store, str(youth_justice))
    assert graph is not None
    model = page(graph, str(youth_justice))
    assert model.label == "Youth Justice"
    assert [t.label for t in model.types] == ["Service"]
    by_predicate = {p.predicate.node: p for p in model.properties}
    ((value, claims),) = by_predicate[SCHEMA.audience].values
    assert value.node == iri(settings, "lewisham/youth-justice-ages")
    assert [c.source.node for c in claims if c.source] == [
        iri(settings, "lewisham/source-safeguarding-service")
    ]
    assert by_predicate[SCHEMA.audience].predicate.label == "ages served"
    children = {t.node for p in model.incoming for t, _ in p.values}
    assert iri(settings, "lewisham/youth-justice-statutory-orders") in children


def test_a_fact_lists_each_source_once(store: Store, settings: Settings) -> None:
    """Safe Space addresses extra-familial harm in two sentences of the safeguarding page
    ("at risk of harm from factors outside of their family home"; "the primary presenting
    concern is extra familial harm"): two claims, one source."""
    safe_space = iri(settings, "lewisham/safe-space")
    graph = describe(store, str(safe_space))
    assert graph is not None
    by_predicate = {p.predicate.node: p for p in page(graph, str(safe_space)).properties}
    facts = {fact.value.node: fact for fact in by_predicate[CSC.addressesConcern].values}
    harm = facts[CONCERN["extra-familial-harm"]]
    assert len(harm.claims) == 2
    assert [s.node for s in harm.sources] == [iri(settings, "lewisham/source-safeguarding-service")]
    exploitation = facts[CONCERN["child-criminal-exploitation"]]  # named by both pages
    assert {s.node for s in exploitation.sources} == {
        iri(settings, "lewisham/source-safeguarding-service"),
        iri(settings, "lewisham/source-social-work-teams"),
    }


def test_jsonld_round_trips_through_pyld(store: Store, settings: Settings) -> None:
    ages_iri = iri(settings, "lewisham/transition-to-adulthood-ages")
    graph = describe(store, str(ages_iri))
    assert graph is not None
    document = to_jsonld(graph, settings)
    nquads = jsonld.to_rdf(jsonld.expand(document), {"format": "application/n-quads"})
    assert isomorphic(graph, Graph().parse(data=nquads, format="nt"))
    ages = next(n for n in document["@graph"] if n["id"] == str(ages_iri))
    assert (ages["requiredMinAge"], ages["requiredMaxAge"]) == (16, 24)  # native JSON numbers


def test_with_prefixes_binds_http_schema_org() -> None:
    graph = with_prefixes(None)
    graph.add((URIRef("urn:x:a"), SCHEMA.audience, Literal(1)))
    assert dict(graph.namespaces())["schema"] == URIRef(str(SCHEMA))
    assert "schema1" not in dict(graph.namespaces())


def test_ontology_sections(store: Store, settings: Settings) -> None:
    sections = dict(ontology_sections(ontology_graph(store, settings)))
    classes = {term.iri: term for term in sections["Classes"]}
    assert classes[CSC.SubTeam].parents[0].node == CSC.Team
    assert classes[CSC.Claim].comment
    concerns = {term.iri for term in sections["Concerns and needs"]}
    assert URIRef("https://w3id.org/csc-graph/concern/child-criminal-exploitation") in concerns
    properties = {term.iri: term.label for term in sections["Object properties"]}
    assert properties[CSC.hasRole] == "has role"


def test_a_document_page_is_shown_by_its_address(store: Store) -> None:
    """Section 47's page on legislation.gov.uk is a web page to visit, not a resource here."""
    section_47 = "http://www.legislation.gov.uk/id/ukpga/1989/41/section/47"
    graph = describe(store, section_47)
    assert graph is not None
    by_predicate = {p.predicate.node: p for p in page(graph, section_47).properties}
    ((document, _),) = by_predicate[CSC.documentPage].values
    address = "https://www.legislation.gov.uk/ukpga/1989/41/section/47"
    assert (document.node, document.label, document.is_web_page) == (
        URIRef(address),
        address,
        True,
    )
    (act,) = (fact.value for fact in by_predicate[DCTERMS.isPartOf].values)
    assert not act.is_web_page  # the Act is a resource this graph describes


def test_the_headline_is_not_repeated_in_the_facts(store: Store) -> None:
    """A concern's name (skos:prefLabel) and definition head its page; its other name and
    broader concern stay in the table."""
    concern = str(CONCERN["child-criminal-exploitation"])
    graph = describe(store, concern)
    assert graph is not None
    model = page(graph, concern)
    assert model.label == "Child criminal exploitation"
    assert model.description
    shown = {p.predicate.node for p in model.properties}
    assert not shown & {SKOS.prefLabel, SKOS.definition, RDF.type}
    assert {SKOS.altLabel, SKOS.broader} <= shown
