"""rdflib terms to and from pyoxigraph terms, for the code below the store that hands RDF to
Oxigraph's parsers, serialisers and queries (the store has its own in ``store/terms.py``).

Plain literals come from Oxigraph typed xsd:string (or rdf:langString); rdflib's parser makes
them untyped, so the conversion drops those datatypes (RDF 1.1 says they are the same).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

_PLAIN = {
    "http://www.w3.org/2001/XMLSchema#string",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
}


def from_oxigraph(term: object) -> Node:
    """An rdflib term for a pyoxigraph term, as rdflib's own parser would make it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype in _PLAIN else URIRef(datatype))
    raise TypeError(f"Unsupported RDF term: {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"Unsupported RDF term: {term!r}")
