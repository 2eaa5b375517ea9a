"""The fixed cost of one query through the embedded store: before (a forked child per query,
the guard parsed in the caller's thread) and after (a pool of long-lived sandboxed workers
that parse, evaluate and encode), side by side with pyoxigraph called directly.

Run: ``.venv/bin/python -m benchmarks.bench_store_overhead [--repeat N]`` from the
repository root. Not part of the tests. Times are medians in milliseconds over N runs of
each query, taken in turn; the "before" path is the old evaluator, kept here only to be
measured (it is the code of ``store/embedded.py`` before issue 12, in short).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import time
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from csc_graph.config import Settings
from csc_graph.governance.gate import load_into
from csc_graph.rdf.namespaces import PREFIXES
from csc_graph.sparql.guard import check_query
from csc_graph.store import open_store
from csc_graph.store.base import Store
from csc_graph.store.terms import encode

QUERIES = {
    "ASK": "ASK { ?s a csc:Council }",
    "SELECT 5 rows": "SELECT ?s ?l WHERE { ?s a csc:Service ; rdfs:label ?l } LIMIT 5",
    "SELECT 200 rows": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200",
    "CONSTRUCT 50": "CONSTRUCT WHERE { ?s rdfs:label ?l } LIMIT 50",
}


def fork_per_query(store: ox.Store, text: str, base_iri: str, timeout: float = 10.0) -> Any:
    """The old path: guard in this thread, then a forked child evaluates and pipes rows."""
    checked = check_query(text, base_iri)
    receiver, sender = multiprocessing.Pipe(duplex=False)
    with sender:
        pid = os.fork()
        if pid == 0:
            try:
                result = store.query(
                    text, base_iri=base_iri, prefixes=PREFIXES, use_default_graph_as_union=True
                )
                if checked.kind == "ask":
                    sender.send(("ok", bool(result)))
                elif checked.kind == "graph":
                    sender.send(("ok", [tuple(encode(t) for t in triple) for triple in result]))
                else:
                    sender.send(("ok", [[encode(t) for t in row if t] for row in result]))
            finally:
                os._exit(0)
    try:
        if not receiver.poll(timeout):
            raise TimeoutError
        return receiver.recv()
    finally:
        receiver.close()
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def direct(store: ox.Store, text: str, base_iri: str) -> Any:
    result = store.query(
        text, base_iri=base_iri, prefixes=PREFIXES, use_default_graph_as_union=True
    )
    return bool(result) if isinstance(result, ox.QueryBoolean) else list(result)


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm up (the guard's grammar, the workers' first parse)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    settings = Settings()
    pool_store: Store = open_store(settings)
    load_into(pool_store)
    pool_store.warm()
    raw = ox.Store()
    raw.bulk_load(
        pool_store._store.dump(format=ox.RdfFormat.N_QUADS),  # type: ignore[attr-defined]
        format=ox.RdfFormat.N_QUADS,
    )
    base = settings.base_iri
    header = f"{'query':<18} {'pyoxigraph':>11} {'fork/query':>11} {'pool':>8} {'fork/pool':>10}"
    print(header)
    totals = [0.0, 0.0, 0.0]
    for name, text in QUERIES.items():
        times = [
            median_ms(lambda t=text: direct(raw, t, base), args.repeat),
            median_ms(lambda t=text: fork_per_query(raw, t, base), args.repeat),
            median_ms(lambda t=text: pool_store.query(t), args.repeat),
        ]
        totals = [a + b for a, b in zip(totals, times, strict=True)]
        print(
            f"{name:<18} {times[0]:>11.2f} {times[1]:>11.2f} {times[2]:>8.2f} "
            f"{times[1] / times[2]:>10.1f}"
        )
    print(
        f"{'all, summed':<18} {totals[0]:>11.2f} {totals[1]:>11.2f} {totals[2]:>8.2f} "
        f"{totals[1] / totals[2]:>10.1f}"
    )
    pool_store.close()


if __name__ == "__main__":
    main()
