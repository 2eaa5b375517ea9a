"""The ontology parses, defines every term of its own, and every term the data uses is known."""

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib import namespace as ns
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from csc_graph.config import Settings
from csc_graph.rdf import files as datafiles
from csc_graph.rdf.namespaces import CONCERN, CSC, ONTOLOGY_IRI

SETTINGS = Settings()
CPSV_VOCABULARY = SETTINGS.root.parent / "shared" / "standards" / "cpsv-ap" / "rdf" / "cpsv-ap.ttl"

# Vocabularies we reuse whose term lists rdflib ships, offline.
DEFINED = (
    ns.DCAT,
    ns.DCTERMS,
    ns.ORG,
    ns.OWL,
    ns.PROV,
    ns.RDF,
    ns.RDFS,
    ns.SKOS,
    ns.VANN,
    ns.VOID,
    ns.XSD,
)
SCHEMA_HTTP = "http://schema.org/"
# CPSV-AP's core vocabulary (cv:) and ELI terms are checked against the official file.
CPSV_NAMESPACES = ("http://data.europa.eu/m8g/", "http://data.europa.eu/eli/ontology#")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return datafiles.read_union(SETTINGS, sorted(SETTINGS.ontology_dir.glob("*.ttl")))


@pytest.fixture(scope="module")
def data() -> Graph:
    return datafiles.read_union(SETTINGS)


def own_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CSC))}


def test_ontology_header_has_version_and_licence(ontology: Graph) -> None:
    header = URIRef(ONTOLOGY_IRI)
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionIRI) is not None
    licence = ontology.value(header, ns.DCTERMS.license)
    assert licence is not None and "open-government-licence" in str(licence)


def test_every_own_term_has_label_and_comment(ontology: Graph) -> None:
    terms = own_terms(ontology)
    assert len(terms) >= 30
    missing = [
        t
        for t in terms
        if ontology.value(t, RDFS.label) is None or ontology.value(t, RDFS.comment) is None
    ]
    assert missing == []


def test_every_own_term_is_a_class_or_property(ontology: Graph) -> None:
    """Or a named individual of one of its classes (csc:Stated, csc:Inferred)."""
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual}
    untyped = [t for t in own_terms(ontology) if not set(ontology.objects(t, RDF.type)) & kinds]
    assert untyped == []


def is_known_elsewhere(term: URIRef, cpsv: set[URIRef]) -> bool:
    text = str(term)
    if text.startswith(SCHEMA_HTTP):
        return URIRef(str(ns.SDO) + text.removeprefix(SCHEMA_HTTP)) in ns.SDO
    if text.startswith(CPSV_NAMESPACES):
        return term in cpsv
    return any(term in vocabulary for vocabulary in DEFINED)


def vocabulary_terms_used(graph: Graph) -> set[URIRef]:
    """Every predicate, and every class used with rdf:type, outside our instance base."""
    used = {p for p in graph.predicates() if isinstance(p, URIRef)}
    used |= {o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)}
    return {t for t in used if not str(t).startswith(SETTINGS.base_iri)}


def test_every_term_used_is_defined(ontology: Graph, data: Graph) -> None:
    assert CPSV_VOCABULARY.exists(), f"The official standards are missing: {CPSV_VOCABULARY}"
    cpsv = {s for s in Graph().parse(CPSV_VOCABULARY).subjects() if isinstance(s, URIRef)}
    defined_here = own_terms(ontology)
    unknown = sorted(
        t
        for t in vocabulary_terms_used(data)
        if t not in defined_here and not is_known_elsewhere(t, cpsv)
    )
    assert unknown == []


def test_own_namespace_terms_used_are_defined(ontology: Graph, data: Graph) -> None:
    used = {t for t in vocabulary_terms_used(data) if str(t).startswith(str(CSC))}
    assert used - own_terms(ontology) == set()


def test_concepts_are_in_the_scheme(ontology: Graph) -> None:
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert CONCERN["child-criminal-exploitation"] in concepts
    assert all((c, SKOS.inScheme, CONCERN.scheme) in ontology for c in concepts)


def test_ontology_files_are_turtle_that_parses() -> None:
    for path in sorted(Path(SETTINGS.ontology_dir).rglob("*.ttl")):
        assert len(datafiles.parse_file(path, SETTINGS)) > 0, path


def test_the_term_check_rejects_made_up_terms() -> None:
    cpsv: set[URIRef] = set()
    assert is_known_elsewhere(URIRef("http://www.w3.org/ns/org#subOrganizationOf"), cpsv)
    assert is_known_elsewhere(URIRef("http://schema.org/requiredMinAge"), cpsv)
    assert not is_known_elsewhere(URIRef("http://www.w3.org/ns/org#madeUpTerm"), cpsv)
    assert not is_known_elsewhere(URIRef("http://schema.org/requiredMinimumAge"), cpsv)
    assert not is_known_elsewhere(URIRef("http://data.europa.eu/m8g/hasLegalResource"), cpsv)
