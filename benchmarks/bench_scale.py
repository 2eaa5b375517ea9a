"""How loading, validation, a named query, an /id/ page and /services grow with the graph.

Run: ``.venv/bin/python -m benchmarks.bench_scale [--scales 1 10 100]`` (add 1000 by hand:
it takes many minutes and a few GB). Not part of the tests.

Each scale (1 = Lewisham; N = N fictional copies, ``benchmarks.synthetic``) is measured in
two fresh processes, so memory figures are the process's own: the first loads through the
gate with an empty verdict cache (parse, SHACL, QC checks, store) and times the validation
alone; the second starts the app as ``csc-graph serve`` does, finding the verdict on disk,
and reports the time until ready, the resident memory when ready, and the median time of a
named query (``store.query``), ``/id/<unit>`` as JSON-LD and ``/services?age=15``, first
uncached and then from the answer cache. Ratios are to the Lewisham figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPEAT = 5


def vm_rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def settings_for(scale: int, cache: Path):  # -> Settings, imported late for clean timings
    """The Lewisham graph at scale 1, else ``scale`` fictional copies; the cache in ``cache``."""
    from benchmarks.synthetic import build
    from csc_graph.config import Settings

    settings = Settings() if scale == 1 else build(scale)
    return settings.model_copy(update={"cache_dir": cache})


def cold(scale: int, cache: Path) -> dict[str, float]:
    from csc_graph.governance.gate import load_into
    from csc_graph.governance.shacl import validate_graph
    from csc_graph.rdf.files import read_shapes, read_union
    from csc_graph.store import open_store

    settings = settings_for(scale, cache)
    store = open_store(settings)
    load = seconds(lambda: load_into(store, settings))
    data, shapes = read_union(settings), read_shapes(settings)
    validation = seconds(lambda: validate_graph(data, shapes))
    return {"quads": store.triple_count(), "load_cold": load, "validation": validation}


def ready(scale: int, cache: Path) -> dict[str, float]:
    start = time.perf_counter()
    from fastapi.testclient import TestClient

    from csc_graph.api.app import create_app
    from csc_graph.catalogue.named_queries import run_named
    from csc_graph.errors import StoreError

    settings = settings_for(scale, cache)
    unit = "lewisham/youth-justice" if scale == 1 else "fictionton-0001/youth-justice"
    with TestClient(create_app(settings)) as client:
        client.get("/sparql", params={"query": "ASK {}"}).raise_for_status()
        figures = {"ready": time.perf_counter() - start, "rss_ready": vm_rss_mib()}
        store = client.app.state.store  # type: ignore[attr-defined]
        params = {"age": "15", "concern": "child-criminal-exploitation"}
        try:
            run_named(store, "services-for-child", params)
            figures["named_query"] = statistics.median(
                seconds(lambda: run_named(store, "services-for-child", params))
                for _ in range(REPEAT)
            )
        except StoreError:  # over the query time limit: shown as nan, the rest still measured
            figures["named_query"] = float("nan")
        for name, path, query, accept in (
            ("id_page", f"/id/{unit}", {}, "application/ld+json"),
            ("services", "/services", {"age": "15"}, "application/json"),
        ):

            def get(path: str = path, query: dict = query, accept: str = accept) -> int:
                return client.get(path, params=query, headers={"Accept": accept}).status_code

            start = time.perf_counter()
            status = get()
            figures[f"{name}_first"] = time.perf_counter() - start
            if status != 200:  # e.g. 503 over the query time limit
                figures[f"{name}_first"] = figures[f"{name}_cached"] = float("nan")
                continue
            figures[f"{name}_cached"] = statistics.median(seconds(get) for _ in range(REPEAT))
        figures["rss_after"] = vm_rss_mib()
    return figures


ROWS = [
    ("quads", "quads", 1),
    ("load, empty verdict cache (s)", "load_cold", 1),
    ("  SHACL validation alone (s)", "validation", 1),
    ("start until ready, verdict on disk (s)", "ready", 1),
    ("named query services-for-child (ms)", "named_query", 1000),
    ("/id/<unit> JSON-LD, first (ms)", "id_page_first", 1000),
    ("/id/<unit> JSON-LD, cached (ms)", "id_page_cached", 1000),
    ("/services?age=15, first (ms)", "services_first", 1000),
    ("/services?age=15, cached (ms)", "services_cached", 1000),
    ("RSS when ready (MB)", "rss_ready", 1),
    ("RSS after the requests (MB)", "rss_after", 1),
]


def child(mode: str, scale: int, cache: str) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.bench_scale", "--child", mode, str(scale), cache]
    done = subprocess.run(command, capture_output=True, text=True, timeout=7200, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} at {scale}x failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        mode, scale, cache = options.child
        run = cold if mode == "cold" else ready
        print(json.dumps(run(int(scale), Path(cache))))
        return
    results: dict[int, dict[str, float]] = {}
    for scale in options.scales:
        with tempfile.TemporaryDirectory(prefix="csc-graph-bench-") as cache:
            results[scale] = {**child("cold", scale, cache), **child("ready", scale, cache)}
        print(f"  measured {scale}x: {json.dumps(results[scale])}", file=sys.stderr, flush=True)
    first = results[options.scales[0]]
    print("\nGrowth with the size of the graph (ratio to the first scale in brackets)\n")
    print(f"{'':<40}" + "".join(f"{f'{s}x':>20}" for s in options.scales))
    for label, key, factor in ROWS:
        cells = []
        for scale in options.scales:
            value = results[scale][key] * factor
            shown = f"{value:,.0f}" if key == "quads" else f"{value:,.1f}"
            ratio = results[scale][key] / first[key] if first[key] else 0
            cells.append(f"{shown} [{ratio:,.1f}]" if scale != options.scales[0] else shown)
        print(f"{label:<40}" + "".join(f"{c:>20}" for c in cells))
    print("\ngoals: Lewisham validates cold under 1 s; RSS when ready <= 80 MB for Lewisham")


if __name__ == "__main__":
    main()
