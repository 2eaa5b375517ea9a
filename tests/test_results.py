"""Graph results written by Oxigraph's serialisers read back as the same graph."""

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from csc_graph.sparql.results import serializer_by_name
from csc_graph.store.base import Store

DESCRIBE = "DESCRIBE <https://w3id.org/csc-graph/id/lewisham/youth-justice>"
FORMATS = {"turtle": "turtle", "nt": "nt", "xml": "xml", "json-ld": "json-ld"}


@pytest.mark.parametrize("name", FORMATS)
def test_graph_results_round_trip(store: Store, name: str) -> None:
    result = store.query(DESCRIBE)
    assert result.graph is not None and len(result.graph) > 5
    _, write = serializer_by_name(result, name)
    parsed = Graph().parse(data=write(result), format=FORMATS[name])
    assert isomorphic(parsed, result.graph)
