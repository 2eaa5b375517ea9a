"""Conversions between pyoxigraph terms and rdflib terms.

The project speaks rdflib terms everywhere; pyoxigraph terms stay inside the store. Plain
literals come back from Oxigraph typed xsd:string, which rdflib treats as a different term,
so the conversion drops that datatype (RDF 1.1 says the two are the same literal).
"""

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from csc_graph.rdf.oxigraph_terms import to_oxigraph

_XSD_STRING = str(XSD.string)
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Encoded = tuple[str, ...]
"""A term as plain strings, cheap to pickle across a process boundary."""


def encode(term: object) -> Encoded:
    """A pyoxigraph term as ("u", iri) | ("b", id) | ("l", lexical, datatype, language)."""
    if isinstance(term, ox.NamedNode):
        return ("u", term.value)
    if isinstance(term, ox.BlankNode):
        return ("b", term.value)
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.datatype.value, term.language or "")
    raise TypeError(f"Unsupported RDF term: {term!r}")


def decode(encoded: Encoded) -> Node:
    """The rdflib term for an encoded pyoxigraph term."""
    kind, value = encoded[0], encoded[1]
    if kind == "u":
        return URIRef(value)
    if kind == "b":
        return BNode(value)
    datatype, language = encoded[2], encoded[3]
    if language:
        return Literal(value, lang=language)
    if datatype in (_XSD_STRING, _LANG_STRING):
        return Literal(value)
    return Literal(value, datatype=URIRef(datatype))


def to_rdflib(term: object) -> Node:
    return decode(encode(term))


def dataset_quads(dataset: Dataset) -> Iterable[ox.Quad]:
    """Every quad of an rdflib Dataset in its named graphs, as pyoxigraph quads."""
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graph_name = g.identifier if isinstance(g, Graph) else g
        if graph_name is None or str(graph_name) == "urn:x-rdflib:default":
            yield ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        else:
            yield ox.Quad(
                to_oxigraph(s),  # type: ignore[arg-type]
                to_oxigraph(p),  # type: ignore[arg-type]
                to_oxigraph(o),
                to_oxigraph(graph_name),  # type: ignore[arg-type]
            )


def to_rdflib_dataset(quads: Iterable[ox.Quad]) -> Dataset:
    """An rdflib Dataset holding pyoxigraph quads, one rdflib graph per named graph."""
    dataset = Dataset()
    for quad in quads:
        triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
        if isinstance(quad.graph_name, ox.DefaultGraph):
            dataset.default_graph.add(triple)
        else:
            dataset.graph(to_rdflib(quad.graph_name)).add(triple)  # type: ignore[arg-type]
    return dataset


def canonical_nquads(quads: Iterable[ox.Quad]) -> str:
    """Sorted N-Quads with blank nodes relabelled by RDFC-1.0, so equal data hashes equally."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))
