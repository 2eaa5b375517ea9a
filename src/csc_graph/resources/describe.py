"""One resource described: what the graph says about it, the labels of what it links to, and
the claims behind each fact (source and quoted sentence).

This is what ``/id/{path}`` serves as JSON-LD, Turtle, N-Triples, RDF/XML or HTML. The
description is one CONSTRUCT over the store, so it is the same for the embedded and the
remote store; the page model (``ResourcePage``) is derived from that graph alone.
"""

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from csc_graph.config import Settings
from csc_graph.governance.conflicts import SINGLE_VALUED
from csc_graph.rdf.files import bind_prefixes, graph_iri
from csc_graph.rdf.labels import id_link, label_of, qname
from csc_graph.rdf.namespaces import CSC, CV, ORG, SCHEMA, sparql_prefixes
from csc_graph.sparql.values import iri_text
from csc_graph.store.base import Store

CONTEXT_FILE = "context.jsonld"

# The resource's own triples with the labels of what it points to (and of its predicates),
# the IRIs that point at it with their labels, and its claims with their sources' titles.
DESCRIBE_QUERY = (
    sparql_prefixes()
    + """
CONSTRUCT {
  ?this ?p ?o . ?o ?olp ?ol . ?p rdfs:label ?pl .
  ?s ?ip ?this . ?s ?slp ?sl . ?ip rdfs:label ?ipl .
  ?claim ?cp ?cv . ?src ?srclp ?srcl .
}
WHERE {
  {
    ?this ?p ?o .
    # Labels of what it links to, and the bounds of its age ranges (so an integrator gets
    # them in one request).
    OPTIONAL {
      ?o ?olp ?ol
      FILTER(?olp IN (rdfs:label, skos:prefLabel, dct:title,
                      schema:requiredMinAge, schema:requiredMaxAge))
    }
    OPTIONAL { ?p rdfs:label ?pl }
  } UNION {
    ?s ?ip ?this FILTER(isIRI(?s))
    OPTIONAL { ?s ?slp ?sl FILTER(?slp IN (rdfs:label, skos:prefLabel, dct:title)) }
    OPTIONAL { ?ip rdfs:label ?ipl }
  } UNION {
    ?claim rdf:subject ?this ; a csc:Claim ; ?cp ?cv .
    OPTIONAL {
      ?claim prov:wasDerivedFrom ?src .
      ?src ?srclp ?srcl FILTER(?srclp IN (rdfs:label, dct:title, schema:url, csc:capturedOn))
    }
  }
}
"""
)

ALL_TRIPLES_QUERY = "CONSTRUCT WHERE { ?s ?p ?o }"

# Shown at the top of a page rather than in its table of facts: the types, the name (what
# label_of reads) and the description (a unit's dct:description, a concern's skos:definition).
HEADLINE_PREDICATES = frozenset(
    {RDF.type, RDFS.label, SKOS.prefLabel, DCTERMS.title, DCTERMS.description, SKOS.definition}
)


def with_prefixes(graph: Graph | None) -> Graph:
    """A copy bound to the project's prefixes (``schema:`` is http://schema.org/ as in the data)."""
    out = bind_prefixes(Graph(bind_namespaces="core"))
    if graph is not None:
        out += graph
    return out


_NOT_IN_AN_IRI = re.compile(r"[\x00-\x20\x7f-\x9f]")


def describe(store: Store, iri: str) -> Graph | None:
    """The description of one resource, or None when the graph never mentions it (text that
    is not an IRI at all, such as a path with a space, names nothing)."""
    if _NOT_IN_AN_IRI.search(iri):  # control characters (C0, C1): no IRI holds them
        return None
    try:
        iri_text(iri)
        ox.NamedNode(iri)
    except ValueError:
        return None
    result = store.query_whole(DESCRIBE_QUERY, bindings={"this": URIRef(iri)})
    return with_prefixes(result.graph) if result.graph is not None and len(result.graph) else None


FIRST_COUNCIL_QUERY = (
    sparql_prefixes() + "SELECT ?council WHERE { ?council a csc:Council } ORDER BY ?council LIMIT 1"
)


def example_link(store: Store) -> str | None:
    """A resource page to offer people as an example: the first council the graph holds.
    Every council's data names its council, so the link works whichever council is loaded
    (a fixed unit such as lewisham/youth-justice is a 404 under CSC_GRAPH_COUNCIL=other)."""
    rows = store.query_whole(FIRST_COUNCIL_QUERY).rows
    return id_link(rows[0]["council"], store.settings.base_iri) if rows else None


def ontology_graph(store: Store, settings: Settings) -> Graph:
    """The ontology and concern scheme as loaded in the store (the ontology/ named graphs)."""
    names = [str(graph_iri(path, settings)) for path in sorted(settings.ontology_dir.glob("*.ttl"))]
    return with_prefixes(store.query_whole(ALL_TRIPLES_QUERY, default_graph_uris=names).graph)


@lru_cache(maxsize=4)
def _read_context(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def jsonld_context(settings: Settings) -> dict[str, Any]:
    """The JSON-LD context document, ``ontology/context.jsonld``."""
    return _read_context(settings.ontology_dir / CONTEXT_FILE)


def to_jsonld(graph: Graph, settings: Settings, first: str | None = None) -> dict[str, Any]:
    """The graph as JSON-LD compacted with the project context (numbers and booleans native);
    the node ``first`` (the resource asked for) leads the ``@graph``."""
    context = jsonld_context(settings)["@context"]
    text = graph.serialize(
        format="json-ld", context=context, auto_compact=True, use_native_types=True
    )
    document: dict[str, Any] = json.loads(text)
    nodes = document.get("@graph")
    if first is not None and isinstance(nodes, list):
        document["@graph"] = sorted(nodes, key=lambda n: _node_id(n) != first)
    return document


def _node_id(node: Any) -> str | None:
    if not isinstance(node, dict):
        return None
    ident = node.get("@id", node.get("id"))
    return ident if isinstance(ident, str) else None


# ---------------------------------------------------------------- the page model


@dataclass(frozen=True)
class Term:
    """A node as a page shows it: the node itself and a human label. A web page (the value
    of ``rdfs:seeAlso`` or ``csc:documentPage``) is shown by its address and linked to it."""

    node: Node
    label: str
    is_web_page: bool = False

    @property
    def is_iri(self) -> bool:
        return isinstance(self.node, URIRef)

    @property
    def is_literal(self) -> bool:
        return isinstance(self.node, Literal)


@dataclass(frozen=True)
class Claim:
    """One source's support for one fact: which source, and the sentence it says it in."""

    predicate: Term
    value: Term
    source: Term | None
    quote: str | None
    source_url: str | None = None
    captured_on: str | None = None
    evidence: Term | None = None


class Fact(NamedTuple):
    """One value of a predicate with the claims that back it."""

    value: Term
    claims: list[Claim]

    @property
    def sources(self) -> list[Term]:
        """Each source once: two sentences from one page are two claims but one source."""
        return list(dict.fromkeys(c.source for c in self.claims if c.source is not None))


@dataclass
class Property:
    """All values of one predicate, each with the claims that back it."""

    predicate: Term
    values: list[Fact] = field(default_factory=list)


@dataclass
class ResourcePage:
    """What a readable page about a resource shows."""

    iri: URIRef
    label: str
    types: list[Term]
    description: str | None
    properties: list[Property]
    incoming: list[Property]
    claims: list[Claim]
    disagreements: list[Property] = field(default_factory=list)


# Predicates whose values are pages on the web, not resources this graph describes.
WEB_PAGE_PREDICATES = frozenset({RDFS.seeAlso, CSC.documentPage})

# Readable names for the reused vocabulary terms the ontology does not label itself.
READABLE_NAMES: dict[Node, str] = {
    RDF.type: "type",
    RDFS.label: "name",
    RDFS.comment: "comment",
    RDFS.seeAlso: "see also",
    ORG.subOrganizationOf: "part of",
    ORG.hasUnit: "has unit",
    ORG.unitOf: "unit of",
    ORG.role: "role",
    CV.hasLegalResource: "legal basis",
    SCHEMA.audience: "ages served",
    SCHEMA.requiredMinAge: "minimum age",
    SCHEMA.requiredMaxAge: "maximum age",
    DCTERMS.description: "description",
    DCTERMS.title: "title",
    DCTERMS.isPartOf: "part of",
    DCTERMS.publisher: "publisher",
    DCTERMS.identifier: "identifier",
    DCTERMS.license: "licence",
    SKOS.prefLabel: "name",
    SKOS.altLabel: "other name",
    SKOS.definition: "definition",
    SKOS.broader: "broader concern",
    SKOS.inScheme: "in scheme",
    PROV.wasDerivedFrom: "source",
}


def _term(graph: Graph, node: Node) -> Term:
    if isinstance(node, Literal):
        return Term(node, str(node))
    if node in READABLE_NAMES and (node, RDFS.label, None) not in graph:
        return Term(node, READABLE_NAMES[node])
    return Term(node, label_of(graph, node))


def _is_web_address(node: Node | None) -> bool:
    return node is not None and str(node).startswith(("https://", "http://"))


def _web_page(node: Node) -> Term:
    """Linked out only over http(s): a page never carries a javascript: or data: link."""
    web = isinstance(node, URIRef) and str(node).startswith(("https://", "http://"))
    return Term(node, str(node), is_web_page=web)


def _claims(graph: Graph, iri: URIRef) -> list[Claim]:
    claims = []
    for claim in graph.subjects(RDF.subject, iri):
        predicate, value = graph.value(claim, RDF.predicate), graph.value(claim, RDF.object)
        if predicate is None or value is None:
            continue
        source = graph.value(claim, PROV.wasDerivedFrom)
        quote = graph.value(claim, CSC.quote)
        evidence = graph.value(claim, CSC.evidence)
        url = None if source is None else graph.value(source, SCHEMA.url)
        captured = None if source is None else graph.value(source, CSC.capturedOn)
        claims.append(
            Claim(
                predicate=_term(graph, predicate),
                value=_term(graph, value),
                source=None if source is None else _term(graph, source),
                quote=None if quote is None else str(quote),
                source_url=str(url) if _is_web_address(url) else None,
                captured_on=None if captured is None else str(captured),
                evidence=None if evidence is None else _term(graph, evidence),
            )
        )
    return sorted(
        claims, key=lambda c: (c.predicate.label, c.value.label, c.source.label if c.source else "")
    )


def _group(graph: Graph, pairs: Sequence[tuple[Node, Node]], claims: list[Claim]) -> list[Property]:
    backing: dict[tuple[Node, Node], list[Claim]] = defaultdict(list)
    for claim in claims:
        backing[(claim.predicate.node, claim.value.node)].append(claim)
    grouped: dict[Node, Property] = {}
    for predicate, value in pairs:
        entry = grouped.setdefault(predicate, Property(_term(graph, predicate)))
        shown = _web_page(value) if predicate in WEB_PAGE_PREDICATES else _term(graph, value)
        entry.values.append(Fact(shown, backing.get((predicate, value), [])))
    for entry in grouped.values():
        entry.values.sort(key=lambda item: item[0].label.lower())
    return sorted(grouped.values(), key=lambda p: p.predicate.label.lower())


def page(graph: Graph, iri: str) -> ResourcePage:
    """The page model of a description made by ``describe``."""
    this = URIRef(iri)
    claims = _claims(graph, this)
    outgoing = [
        (p, o)
        for p, o in graph.predicate_objects(this)
        if p not in HEADLINE_PREDICATES and not isinstance(o, BNode)
    ]
    incoming = [(p, s) for s, p in graph.subject_predicates(this) if isinstance(s, URIRef)]
    description = graph.value(this, DCTERMS.description) or graph.value(this, SKOS.definition)
    properties = _group(graph, outgoing, claims)
    return ResourcePage(
        iri=this,
        label=label_of(graph, this),
        types=sorted(
            (_term(graph, t) for t in graph.objects(this, RDF.type)), key=lambda t: t.label
        ),
        description=None if description is None else str(description),
        properties=properties,
        incoming=_group(graph, incoming, []),
        claims=claims,
        disagreements=[p for p in properties if _disagree(p)],
    )


def _disagree(prop: Property) -> bool:
    """Several values of a one-valued property, backed by different sources."""
    if prop.predicate.node not in SINGLE_VALUED or len(prop.values) < 2:
        return False
    backers = [frozenset(fact.sources) for fact in prop.values if fact.sources]
    return len(backers) >= 2 and len(set(backers)) >= 2


# ---------------------------------------------------------------- terms the graph only uses


@dataclass(frozen=True)
class TermUse:
    """A property or class from a reused vocabulary that the graph uses but does not
    describe: how often, a few examples, and where it is defined."""

    iri: URIRef
    name: str
    label: str
    as_property: int
    as_class: int
    examples: list[Term]
    vocabulary: str


TERM_USE_QUERY = """
SELECT (COUNT(?ps) AS ?asProperty) (COUNT(?cs) AS ?asClass) WHERE {
  { ?ps ?term ?po } UNION { ?cs a ?term }
}
"""
TERM_EXAMPLES_QUERY = """
SELECT DISTINCT ?s ?label WHERE {
  { ?s ?term ?o } UNION { ?s a ?term }
  FILTER(isIRI(?s))
  OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }
} ORDER BY ?label ?s LIMIT 20
"""


def term_use(store: Store, iri: str) -> TermUse | None:
    """How the graph uses a term it does not describe (a predicate such as org:hasUnit or a
    class such as prov:Entity), or None when it does not use it at all."""
    if _NOT_IN_AN_IRI.search(iri):
        return None
    term = URIRef(iri)
    counts = store.query_whole(TERM_USE_QUERY, bindings={"term": term}).rows
    as_property = int(str(counts[0].get("asProperty", 0))) if counts else 0
    as_class = int(str(counts[0].get("asClass", 0))) if counts else 0
    if not as_property and not as_class:
        return None
    rows = store.query_whole(TERM_EXAMPLES_QUERY, bindings={"term": term}).rows
    examples = [
        Term(row["s"], str(row["label"]) if row.get("label") is not None else qname(row["s"]))
        for row in rows
    ]
    name = qname(term)
    return TermUse(
        iri=term,
        name=name,
        label=READABLE_NAMES.get(term, name),
        as_property=as_property,
        as_class=as_class,
        examples=examples,
        vocabulary=re.split(r"(?<=[#/])[^#/]*$", iri)[0],
    )


# ---------------------------------------------------------------- the ontology page


@dataclass(frozen=True)
class OntologyTerm:
    """A class, property or concept as the ontology page lists it."""

    iri: URIRef
    label: str
    comment: str | None
    parents: list[Term]


ONTOLOGY_SECTIONS: tuple[tuple[str, URIRef, URIRef], ...] = (
    ("Classes", OWL.Class, RDFS.subClassOf),
    ("Object properties", OWL.ObjectProperty, RDFS.subPropertyOf),
    ("Datatype properties", OWL.DatatypeProperty, RDFS.subPropertyOf),
    ("Concerns and needs", SKOS.Concept, SKOS.broader),
)


def ontology_sections(graph: Graph) -> list[tuple[str, list[OntologyTerm]]]:
    """The ontology's terms by kind, each with its label, comment and parents, sorted by label."""
    sections = []
    for title, kind, parent in ONTOLOGY_SECTIONS:
        terms = [
            OntologyTerm(
                iri=node,
                label=label_of(graph, node),
                comment=_comment(graph, node),
                parents=sorted(
                    (_term(graph, p) for p in graph.objects(node, parent)), key=lambda t: t.label
                ),
            )
            for node in graph.subjects(RDF.type, kind)
            if isinstance(node, URIRef)
        ]
        sections.append((title, sorted(terms, key=lambda t: t.label.lower())))
    return sections


def _comment(graph: Graph, node: Node) -> str | None:
    for predicate in (RDFS.comment, SKOS.definition):
        value = graph.value(node, predicate)
        if value is not None:
            return str(value)
    return None
