"""Human names for RDF nodes: labels, short prefixed names, stable keys and page links.

Every report format and the conflicts list show nodes the same way, so these live together.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from csc_graph.rdf.namespaces import CSC, PREFIXES

_NAMES = Graph(bind_namespaces="none")
for _prefix, _iri in PREFIXES.items():
    _NAMES.bind(_prefix, _iri, override=True, replace=True)


def short_name(iri: str, base_iri: str) -> str:
    """A short form for tables: the path under the base IRI, a prefixed name, or the IRI."""
    if iri.startswith(base_iri):
        return iri[len(base_iri) :]
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def qname(node: Node) -> str:
    """``org:subOrganizationOf`` for a project prefix, else the IRI itself.

    The project's own prefix table is used rather than the graph's, whose defaults can
    turn ``schema:`` (http) into ``schema1:``.
    """
    if isinstance(node, URIRef):
        try:
            prefix, _, local = _NAMES.namespace_manager.compute_qname(node, generate=False)
        except (KeyError, ValueError):
            return str(node)
        return f"{prefix}:{local}" if prefix else str(node)
    return str(node)


def label_of(graph: Graph, node: Node) -> str:
    """A human name: rdfs:label, skos:prefLabel or dct:title (English first), else a short IRI."""
    for predicate in (RDFS.label, SKOS.prefLabel, DCTERMS.title):
        labels = list(graph.objects(node, predicate))
        if labels:
            english = [lab for lab in labels if getattr(lab, "language", None) == "en"]
            return min(str(label) for label in english or labels)
    if (node, RDF.type, CSC.Claim) in graph:
        return claim_label(graph, node)
    if isinstance(node, URIRef):
        return qname(node).rstrip("/").rsplit("/", 1)[-1]
    if isinstance(node, Literal):
        return str(node)
    return "(unnamed node)"


def claim_label(graph: Graph, claim: Node) -> str:
    """'Claim: Safe Space - org:subOrganizationOf - Referral and Assessment'."""
    parts = [graph.value(claim, term) for term in (RDF.subject, RDF.predicate, RDF.object)]
    subject, predicate, value = (
        "?" if part is None else (qname(part) if i == 1 else label_of(graph, part))
        for i, part in enumerate(parts)
    )
    return f"Claim: {subject} - {predicate} - {value}"


def node_key(graph: Graph, node: Node) -> str:
    """The IRI, or a description of a blank node stable across parses (claims by content)."""
    if isinstance(node, BNode):
        if (node, RDF.type, CSC.Claim) in graph:
            parts = [graph.value(node, t) for t in (RDF.subject, RDF.predicate, RDF.object)]
            return "claim(" + " ".join("?" if p is None else p.n3() for p in parts) + ")"
        return "_:blank"
    return str(node)


_PLAIN_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.boolean}


def value_text(graph: Graph, node: Node | None) -> str | None:
    """A value as Turtle would write it: ``17``, ``true``, ``"text"@en``, ``"17"^^xsd:string``."""
    if node is None:
        return None
    if isinstance(node, Literal):
        if node.datatype in _PLAIN_TYPES:
            return str(node)
        return node.n3(_NAMES.namespace_manager)
    return node_key(graph, node)


def id_link(node: Node, base_iri: str) -> str | None:
    """The path of a resource's page in the API (``/id/lewisham/mash``), if it has one."""
    if isinstance(node, URIRef) and str(node).startswith(base_iri):
        return "/id/" + str(node)[len(base_iri) :]
    return None
