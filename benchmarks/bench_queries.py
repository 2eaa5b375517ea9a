"""How fast the named queries and the HTTP API answer, what the hard time limit costs, and
how much memory a process that loads the Lewisham graph takes.

Run: ``.venv/bin/python -m benchmarks.bench_queries [--repeat N] [--quick]`` from the
repository root. Not part of the tests. Needs the ``oxigraph`` and ``csc-graph`` programs
beside the Python that runs it (``make setup`` installs both).

Every time is the median of N runs taken in turn, beside a baseline in the same process.
Named queries (queries/*.rq, with their defaults and the EXAMPLES below) are bound once,
then run three ways: pyoxigraph directly on the same data (the baseline: no guard, no
fork, no term conversion), the embedded ``Store.query`` (a forked child per query, so a
runaway query can be killed, with rows piped back and turned into rdflib terms), and a
real ``oxigraph serve`` started here on 127.0.0.1. HTTP requests go through a real
``csc-graph serve`` (uvicorn). Memory is the peak RSS of fresh processes.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox
from rdflib.term import Node

from benchmarks.bench_validation import medians
from csc_graph.catalogue.named_queries import load_catalogue, param_choices
from csc_graph.config import Settings
from csc_graph.governance.gate import load_into
from csc_graph.rdf.files import read_dataset
from csc_graph.rdf.namespaces import PREFIXES
from csc_graph.sparql.guard import check_query
from csc_graph.sparql.values import bind_values
from csc_graph.store import open_store
from csc_graph.store.base import Store
from csc_graph.store.terms import dataset_quads

Run = Callable[[], object]
S47 = "http://www.legislation.gov.uk/id/ukpga/1989/41/section/47"
# Values for required parameters, as tests/test_queries.py uses them.
EXAMPLES: dict[str, dict[str, str]] = {
    "after-stage": {"stage": "stage-s47-enquiry"},
    "claims-about": {"subject": "lewisham/youth-justice"},
    "describe-unit": {"unit": "lewisham/safe-space"},
    "has-legal-basis": {"unit": "lewisham/safe-space", "provision": S47},
    "provisions-of-unit": {"unit": "lewisham/youth-justice"},
    "role-details": {"role": "role-independent-reviewing-officer"},
    "roles-in-unit": {"unit": "lewisham/quality-assurance"},
    "routes-into-unit": {"unit": "lewisham/youth-justice"},
    "search-units": {"text": "justice"},
    "services-for-child": {"age": "15", "concern": "child-criminal-exploitation"},
    "stage-entry-points": {"age": "15"},
    "units-by-role": {"role": "role-child-protection-chair"},
    "units-under": {"unit": "lewisham/corporate-parenting"},
    "units-under-provision": {"provision": S47},
}
JSON = "application/json"
# (label, path, query parameters, Accept); the first is the baseline.
REQUESTS: list[tuple[str, str, dict[str, str], str]] = [
    ("/sparql ASK (baseline)", "/sparql", {"query": "ASK { ?s ?p ?o }"}, JSON),
    ("/queries/services-for-child?age=15", "/queries/services-for-child", {"age": "15"}, JSON),
    (
        "/id/lewisham/youth-justice as JSON-LD",
        "/id/lewisham/youth-justice",
        {},
        "application/ld+json",
    ),
    ("/services?age=15", "/services", {"age": "15"}, JSON),
]
IMPORT_ONLY = "import csc_graph.config, csc_graph.store.base"
LOAD_GRAPH = (
    f"{IMPORT_ONLY}, csc_graph.governance.gate; csc_graph.governance.gate.load_into("
    "csc_graph.store.open_store(csc_graph.config.Settings()))"
)
START_LIMIT_S, REQUEST_LIMIT_S = 60, 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(command: list[str], probe: str) -> Iterator[None]:
    """Run a server until the block ends, once `probe` answers; stop it within seconds."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while not answers(probe):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{Path(command[0]).name} did not start: {command}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def program(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@contextmanager
def oxigraph_server(location: str) -> Iterator[str]:
    """`oxigraph serve` with the union default graph, as the remote store needs; yields its
    query endpoint."""
    address = f"127.0.0.1:{free_port()}"
    command = [program("oxigraph"), "serve", "--location", location, "--bind", address]
    command += ["--union-default-graph", "--timeout-s", str(REQUEST_LIMIT_S)]
    with serving(command, f"http://{address}/query?query=ASK%7B%7D"):
        yield f"http://{address}/query"


@contextmanager
def api_server() -> Iterator[str]:
    """`csc-graph serve` (uvicorn, embedded store, the Lewisham graph); yields its URL."""
    port = free_port()
    command = [program("csc-graph"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, f"http://127.0.0.1:{port}/health"):
        yield f"http://127.0.0.1:{port}"


def bound_queries(store: Store) -> Iterator[tuple[str, str, dict[str, Node]]]:
    """Each named query's name, text and bindings (its defaults, then EXAMPLES)."""
    settings = store.settings
    for query in load_catalogue(settings.queries_dir, settings.base_iri).values():
        given = query.given(EXAMPLES.get(query.name, {}))
        choices = param_choices(store, query, only=given)
        bindings = query.bind(given, base_iri=settings.base_iri, choices=choices)
        yield query.name, query.sparql, bindings


def on_pyoxigraph(direct: ox.Store, sparql: str, bindings: dict[str, Node], base: str) -> Run:
    """The query as Store.query would send it, run on pyoxigraph here, every row read."""
    text = bind_values(check_query(sparql, base).text, bindings)
    options = {"base_iri": base, "prefixes": PREFIXES, "use_default_graph_as_union": True}

    def run() -> object:
        result = direct.query(text, **options)
        return bool(result) if isinstance(result, ox.QueryBoolean) else list(result)

    return run


def on_store(store: Store, sparql: str, bindings: dict[str, Node]) -> Run:
    return lambda: store.query(sparql, bindings=bindings)


def milliseconds(runs: list[Run], repeat: int) -> list[float]:
    """Median milliseconds of each run, after one untimed pass (connections, the guard's
    cache, and any error before the clock starts)."""
    for run in runs:
        run()
    return [1000 * seconds for seconds in medians(runs, repeat)]


def print_table(title: str, columns: list[str], rows: list[tuple[str, list[float]]]) -> None:
    print(f"\n{title}\n\n{'':<40}" + "".join(f"{c:>12}" for c in columns))
    for name, values in rows:
        print(f"{name:<40}" + "".join(f"{v:12.2f}" for v in values))


def with_ratios(name: str, pyox: float, emb: float, rem: float) -> tuple[str, list[float]]:
    return name, [pyox, emb, rem, emb / pyox, rem / emb]


def bench_named_queries(settings: Settings, repeat: int) -> None:
    embedded = open_store(settings)
    load_into(embedded)
    direct = ox.Store()
    direct.extend(dataset_quads(read_dataset(settings)))
    with tempfile.TemporaryDirectory() as location, oxigraph_server(location) as endpoint:
        remote = open_store(settings.model_copy(update={"store_url": endpoint}))
        load_into(remote)
        names, runs = [], []
        for name, sparql, bindings in bound_queries(embedded):
            names.append(name)
            runs += [
                on_pyoxigraph(direct, sparql, bindings, settings.base_iri),
                on_store(embedded, sparql, bindings),
                on_store(remote, sparql, bindings),
            ]
        times = milliseconds(runs, repeat)
    rows = [with_ratios(name, *times[3 * i : 3 * i + 3]) for i, name in enumerate(names)]
    rows.append(with_ratios(f"all {len(names)} queries", *(sum(times[i::3]) for i in range(3))))
    columns = ["pyoxigraph", "embedded", "remote", "emb/pyox", "remote/emb"]
    print_table(f"Named queries, ms: median of {repeat} runs", columns, rows)


def bench_http(repeat: int) -> None:
    with api_server() as url, httpx.Client(base_url=url, timeout=REQUEST_LIMIT_S) as client:

        def request(path: str, params: dict[str, str], accept: str) -> Run:
            headers = {"Accept": accept}
            return lambda: client.get(path, params=params, headers=headers).raise_for_status()

        times = milliseconds([request(p, q, a) for _, p, q, a in REQUESTS], repeat)
    rows = [(label, [ms, ms / times[0]]) for (label, *_), ms in zip(REQUESTS, times, strict=True)]
    print_table(f"HTTP through uvicorn: median of {repeat} requests", ["ms", "ratio"], rows)


def peak_rss_mib(code: str) -> float:
    """Peak resident memory of a fresh Python process that runs `code`, in MiB. Read from
    /proc (VmHWM), not getrusage: Linux keeps ru_maxrss across exec, so a child started
    from this process would report this process's own size."""
    report = "import re; print(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read())[1])"
    command = [sys.executable, "-c", f"{code}\n{report}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    return int(done.stdout.split()[-1]) / 1024  # kB


def bench_memory(repeat: int) -> None:
    samples = [[peak_rss_mib(code) for code in (IMPORT_ONLY, LOAD_GRAPH)] for _ in range(repeat)]
    imports, loaded = (statistics.median(column) for column in zip(*samples, strict=True))
    rows = [
        ("imports the package (baseline)", [imports, 1.0]),
        ("loads the graph (embedded store)", [loaded, loaded / imports]),
    ]
    print_table(f"Peak RSS of a fresh process: median of {repeat}", ["MiB", "ratio"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per row (median)")
    parser.add_argument("--quick", action="store_true", help="one run per row")
    options = parser.parse_args()
    repeat = 1 if options.quick else options.repeat
    settings = Settings()
    bench_named_queries(settings, repeat)
    bench_http(repeat)
    bench_memory(repeat)


if __name__ == "__main__":
    main()
