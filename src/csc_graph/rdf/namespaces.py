"""The RDF namespaces the project uses, and the prefix table shared by every serialiser."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

CSC = Namespace("https://w3id.org/csc-graph/ontology#")
CONCERN = Namespace("https://w3id.org/csc-graph/concern/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")
CV = Namespace("http://data.europa.eu/m8g/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
LEGISLATION_ID = "http://www.legislation.gov.uk/id/"

ONTOLOGY_IRI = "https://w3id.org/csc-graph/ontology"

PREFIXES: dict[str, str] = {
    "csc": str(CSC),
    "concern": str(CONCERN),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "cv": str(CV),
    "cpsv": str(CPSV),
    "eli": str(ELI),
    "dct": str(DCTERMS),
    "prov": str(PROV),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "void": str(VOID),
    "dcat": str(DCAT),
    "leg": LEGISLATION_ID,
}


def sparql_prefixes() -> str:
    """The PREFIX lines for every namespace above, for queries written in Python."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
