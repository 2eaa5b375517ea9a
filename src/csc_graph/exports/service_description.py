"""The SPARQL 1.1 Service Description of the endpoint: what it speaks and what it holds.

Served by ``GET /sparql`` without a query. It states the read-only query language, the
result formats, that the default graph is the union of the named graphs, and lists each
named graph with its triple count.
"""

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from csc_graph.rdf.files import bind_prefixes
from csc_graph.store.base import Store

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

GRAPH_COUNTS_QUERY = """
SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""


def named_graph_counts(store: Store) -> list[tuple[URIRef, int]]:
    """Each named graph in the store with the number of triples in it."""
    result = store.query_whole(GRAPH_COUNTS_QUERY)
    return [
        (URIRef(str(row["g"])), int(row["triples"]))  # type: ignore[call-overload]
        for row in result.rows
        if "g" in row and "triples" in row
    ]


def service_description(
    endpoint: str, result_format_iris: Iterable[str], graphs: Iterable[tuple[URIRef, int]]
) -> Graph:
    """The sd:Service graph for an endpoint URL, its result formats and its named graphs."""
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    service, dataset, default = URIRef(endpoint), BNode(), BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    graph.add(
        (
            service,
            DCTERMS.description,
            Literal(
                "Read-only SPARQL 1.1 Query endpoint. The default graph is the union of the named "
                "graphs. SPARQL Update, SERVICE and LOAD are refused. A graph named in FROM, "
                "FROM NAMED or the protocol that the store does not hold is empty, never fetched.",
                lang="en",
            ),
        )
    )
    for iri in result_format_iris:
        graph.add((service, SD.resultFormat, URIRef(iri)))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for name, count in graphs:
        named, description = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, name))
        graph.add((named, SD.graph, description))
        graph.add((description, RDF.type, SD.Graph))
        graph.add((description, VOID.triples, Literal(count, datatype=XSD.integer)))
    return graph
