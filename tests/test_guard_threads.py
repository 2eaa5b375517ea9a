"""The guard parses safely from many threads at once (the server's thread pool does)."""

from concurrent.futures import ThreadPoolExecutor

from csc_graph.sparql.guard import check_query

BASE = "https://w3id.org/csc-graph/id/"
QUERY = """PREFIX csc: <https://w3id.org/csc-graph/ontology#>
SELECT ?unit ?label WHERE {
  ?unit a csc:Team ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
  OPTIONAL { ?unit csc:statutory ?statutory }
  FILTER (LANG(?label) = "en" && !BOUND(?statutory))
} ORDER BY ?label LIMIT %d"""


def test_parallel_checks_of_different_texts_all_pass() -> None:
    texts = [QUERY % (n + 1) for n in range(64)]  # distinct texts: no answer from the cache
    with ThreadPoolExecutor(max_workers=8) as pool:
        kinds = list(pool.map(lambda text: check_query(text, BASE).kind, texts))
    assert kinds == ["select"] * len(texts)
