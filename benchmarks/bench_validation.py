"""SHACL at scale: the gate's engine beside plain pySHACL, on Lewisham and its synthetic copies.

Run: ``.venv/bin/python -m benchmarks.bench_validation [--scales 1 10 100] [--pyshacl-up-to 10]``.
Not part of the tests.

For each scale (1 = the Lewisham graph; N = N fictional copies from ``benchmarks.synthetic``)
both engines validate the same union graph in the same process, taken in turn: plain pySHACL
(the reference, ``engine="pyshacl"``) and the gate's default (``engine="turbo"``:
pyshacl-turbo for the core constraints, each SPARQL constraint as one Oxigraph query). The
table gives seconds, the speed-up and whether the results are the same: the same rows of
(severity, focus node, path, value, shape, constraint component, message). pySHACL takes
about 10 s at 1x and grows faster than the data (it parses each SPARQL constraint again for
every focus node), so by default it runs up to 10x only; ``--pyshacl-up-to 100`` runs it at
100x too (half an hour on a 2-core machine).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from rdflib import BNode, Graph

from benchmarks.synthetic import build
from csc_graph.governance.shacl import ValidationOutcome, validate_graph
from csc_graph.rdf.files import read_shapes, read_union
from csc_graph.rdf.namespaces import SH

FIELDS = (
    SH.resultSeverity,
    SH.focusNode,
    SH.resultPath,
    SH.value,
    SH.sourceShape,
    SH.sourceConstraintComponent,
    SH.resultMessage,
)


def medians(runs: list[Callable[[], object]], repeat: int) -> list[float]:
    """Median seconds of each run, taking the runs in turn so drift in load hits all alike."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            times[index].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def result_rows(report: Graph) -> list[tuple[str, ...]]:
    """Each result as text; blank-node shapes and values as '_' (their labels are local)."""
    rows = []
    for result in report.subjects(SH.resultSeverity, None):
        values = [report.value(result, field) for field in FIELDS]
        rows.append(tuple("_" if isinstance(v, BNode) else str(v) for v in values))
    return sorted(rows)


def timed(run: Callable[[], ValidationOutcome]) -> tuple[float, ValidationOutcome]:
    start = time.perf_counter()
    outcome = run()
    return time.perf_counter() - start, outcome


def bench_scale(scale: int, repeat: int, with_pyshacl: bool) -> None:
    settings = build(scale)
    data, shapes = read_union(settings), read_shapes(settings)
    fast_runs = []
    for _ in range(repeat):
        fast_runs.append(timed(lambda: validate_graph(data, shapes, engine="turbo")))
    fast = statistics.median(seconds for seconds, _ in fast_runs)
    outcome = fast_runs[-1][1]
    counts = f"{outcome.violation_count}/{outcome.warning_count}/{outcome.info_count}"
    line = f"{scale:>5}x {len(data):>9,} {fast:9.2f}"
    if not with_pyshacl:
        print(f"{line} {'-':>9} {'-':>8} {'-':>6} {counts:>12}", flush=True)
        return
    slow, reference = timed(lambda: validate_graph(data, shapes, engine="pyshacl"))
    same = result_rows(outcome.report_graph) == result_rows(reference.report_graph)
    print(f"{line} {slow:9.2f} {slow / fast:7.1f}x {'yes' if same else 'NO':>6} {counts:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--pyshacl-up-to", type=int, default=10, help="largest scale for pySHACL")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast engine (median)")
    options = parser.parse_args()
    print("SHACL validation, seconds (turbo: median of runs; pySHACL: one run)")
    print("goals: Lewisham (1x) cold under 1 s; 100x at least 10x faster than pySHACL\n")
    print(
        f"{'scale':>6} {'triples':>9} {'turbo':>9} {'pySHACL':>9} {'speed-up':>8} {'same':>6} "
        f"{'V/W/I':>12}"
    )
    for scale in options.scales:
        bench_scale(scale, options.repeat, scale <= options.pyshacl_up_to)


if __name__ == "__main__":
    main()
