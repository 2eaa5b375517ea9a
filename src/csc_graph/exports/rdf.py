"""The RDF exports: CPSV-AP and schema.org graphs from their CONSTRUCT mappings, and the
whole dataset with its VoID description for a dump."""

import json
from typing import Any

from rdflib import Dataset, Graph

from csc_graph.exports.mappings import construct_graph
from csc_graph.exports.void import describe_dataset, void_graph_iri
from csc_graph.rdf.files import bind_prefixes
from csc_graph.rdf.namespaces import PREFIXES, SCHEMA
from csc_graph.store.base import Store

CPSV_PREFIXES = ("cpsv", "cv", "dct", "eli", "skos", "rdfs")

SCHEMAORG_CONTEXT: dict[str, Any] = {
    "@vocab": str(SCHEMA),
    "@language": "en",
    **{
        term: {"@type": "@id"}
        for term in (
            "serviceOperator",
            "audience",
            "subjectOf",
            "category",
            "isPartOf",
            "url",
            "inDefinedTermSet",
        )
    },
}
"""An inline context (no network): schema.org terms as plain names, links as IRIs."""


def _bind(graph: Graph, prefixes: tuple[str, ...]) -> Graph:
    for prefix in prefixes:
        graph.bind(prefix, PREFIXES[prefix], override=True, replace=True)
    return graph


def cpsv_graph(store: Store) -> Graph:
    """Public services, their competent authority, legal resources and requirements."""
    return _bind(construct_graph(store, "cpsv"), CPSV_PREFIXES)


def schemaorg_graph(store: Store) -> Graph:
    """GovernmentService descriptions with audience ages, operator and legislation."""
    return _bind(construct_graph(store, "schemaorg"), ("schema",))


def schemaorg_document(store: Store) -> dict[str, Any]:
    """The schema.org graph as a compacted JSON-LD document with an inline context."""
    text = schemaorg_graph(store).serialize(
        format="json-ld", context=SCHEMAORG_CONTEXT, use_native_types=True, auto_compact=True
    )
    document: dict[str, Any] = json.loads(text)
    return document


def void_dataset(store: Store, service_url: str | None = None) -> Dataset:
    """The VoID description as a dataset holding one named graph, for the head of a dump."""
    dataset = Dataset()
    bind_prefixes(dataset)
    void_graph = dataset.graph(void_graph_iri(store.settings))
    for triple in describe_dataset(store, service_url):
        void_graph.add(triple)
    return dataset


def dump(store: Store, rdf_format: str, service_url: str | None = None) -> bytes:
    """The whole dataset in a quad format ("trig" or "nquads"), its VoID graph first.

    The two parts are written one after the other: both formats allow it, and it keeps the
    description at the head of the file, where a reader looks first.
    """
    head = void_dataset(store, service_url).serialize(format=rdf_format, encoding="utf-8")
    data = store.dataset()
    bind_prefixes(data)
    return head + b"\n" + data.serialize(format=rdf_format, encoding="utf-8")
