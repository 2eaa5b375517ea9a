"""How long validating the Lewisham graph takes, cold and cached by content hash.

Run: ``.venv/bin/python benchmarks/bench_validation.py [--repeat N]``. Not part of the tests.

Every figure is the median of N runs, reported beside a baseline run in the same process
(pySHACL on the union graph without inference), so the ratios say more than the seconds,
which depend on the machine. A 'what if' row measures a change this project has not made,
to show where the time goes: pySHACL parses each SPARQL constraint's text again for every
focus node.

Reordering the patterns of the shapes' NOT EXISTS changed little, because rdflib reorders them
itself, fewest variables first ($this counts as one): ``?claim a csc:Claim`` ran first and
walked every claim in the graph for every fact. Testing the type in its own FILTER EXISTS,
after the claims about the fact are found, cut a full validation to 0.5-0.6 of its time
(same results on the Lewisham graph and every tests/data case). Most of what is left is
parsing: SHACL forbids VALUES in these queries, and core SHACL cannot say "a claim with this
subject, this predicate and this value" (sh:equals and the like compare whole value sets).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from csc_graph.cache import ContentCache
from csc_graph.config import Settings
from csc_graph.governance.gate import load_into
from csc_graph.governance.report import Report
from csc_graph.governance.reports import report_for_files, report_for_store
from csc_graph.governance.shacl import Scope, validate_graph
from csc_graph.rdf.files import read_shapes, read_union
from csc_graph.store import open_store


def medians(runs: list[Callable[[], object]], repeat: int) -> list[float]:
    """Median seconds of each run, taking the runs in turn so drift in load hits all alike."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            times[index].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


@contextmanager
def prepared_sparql() -> Iterator[None]:
    """rdflib's SPARQL processor with each query text parsed once (what-if only)."""
    original = processor.SPARQLProcessor.query

    @lru_cache(maxsize=256)
    def prepare(text: str, base: str | None, namespaces: tuple[tuple[str, object], ...]) -> object:
        return translateQuery(parseQuery(text), base, dict(namespaces))

    def query(self, query, bindings=None, namespaces=None, base=None, debug=False):
        if isinstance(query, str):
            query = prepare(query, base, tuple(sorted((namespaces or {}).items())))
        return original(self, query, bindings, namespaces, base, debug)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (median)")
    repeat = parser.parse_args().repeat

    settings = Settings()
    data, shapes = read_union(settings), read_shapes(settings)
    store = open_store(settings)
    load_into(store)
    print(f"Lewisham graph: {len(data)} triples in the union, {store.triple_count()} quads")

    def store_report_cold() -> object:
        return report_for_store(store, settings, Scope(), cache=ContentCache(size=8))

    warm: ContentCache[Report] = ContentCache(size=8)
    report_for_store(store, settings, Scope(), cache=warm)

    def prepared() -> object:
        with prepared_sparql():
            return validate_graph(data, shapes)

    rows: list[tuple[str, Callable[[], object]]] = [
        ("pySHACL, no inference (baseline)", lambda: validate_graph(data, shapes)),
        ("pySHACL, RDFS inference", lambda: validate_graph(data, shapes, Scope(inference=True))),
        (
            "full report from files (SHACL, checks, conflicts, rows)",
            lambda: report_for_files(settings),
        ),
        ("/validation cold: store report, empty cache", store_report_cold),
        (
            "/validation cached: same content hash",
            lambda: report_for_store(store, settings, Scope(), cache=warm),
        ),
        ("  of which: store content hash", store.content_hash),
        ("what if: SPARQL text parsed once", prepared),
    ]
    seconds = medians([run for _, run in rows], repeat)
    print(f"\nmedian of {repeat} runs; ratio = time / baseline\n")
    print(f"{'run':<58} {'seconds':>8} {'ratio':>7}")
    print("-" * 75)
    for (name, _), value in zip(rows, seconds, strict=True):
        print(f"{name:<58} {value:8.3f} {value / seconds[0]:7.2f}")


if __name__ == "__main__":
    main()
