"""csc-graph beside the servers users would pick instead, same data, same query text.

Run: ``.venv/bin/python -m benchmarks.bench_servers [--scales 1 100] [--seconds 3]``.
Not part of the tests; needs ``oxigraph`` and ``rdflib-endpoint`` beside this Python
(``make bench`` installs the bench extra).

For each scale (1 = Lewisham; N = N fictional copies, ``benchmarks.synthetic``) it starts,
on free 127.0.0.1 ports: ``csc-graph serve`` (embedded store), ``oxigraph serve`` in memory
loaded with the project's own N-Quads dump (union default graph), and ``rdflib-endpoint
serve`` on the same dump. A bounded load generator (httpx, THREADS threads, each one
connection, for ``--seconds`` per cell and at most MAX_REQUESTS requests) measures requests
per second; rounds are interleaved and the median of ROUNDS is printed, with each ratio to
``oxigraph serve`` and the figures of issue 14 (commit f7ca522, wrk -t2 -c8) beside them.
Only loopback addresses are used, and every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from benchmarks.bench_queries import answers, free_port, program
from benchmarks.synthetic import build
from csc_graph.catalogue.named_queries import load_named, param_choices
from csc_graph.config import Settings
from csc_graph.exports.rdf import dump
from csc_graph.governance.gate import load_into
from csc_graph.rdf.namespaces import sparql_prefixes
from csc_graph.sparql.values import bind_values
from csc_graph.store import open_store
from csc_graph.store.base import Store

THREADS = 8
MAX_REQUESTS = 20_000
ROUNDS = 3
START_LIMIT_S = 900
SPARQL_JSON = "application/sparql-results+json"

ANCHORS = {
    "/sparql services-for-child": (60, 455, 8),
    "/sparql, a new query text each time": (5.9, 69, None),
    "/sparql ASK {}": (85, 30_400, 1_030),
    "/queries/services-for-child": (43, None, None),
    "/id/.../youth-justice (JSON-LD)": (41, None, None),
    "/services?age=15": (18, None, None),
}
"""Issue 14's figures (csc-graph, oxigraph serve, rdflib-endpoint), req/s at commit f7ca522."""


SAME_QUESTION = {
    "/queries/services-for-child": ("/sparql services-for-child", "oxigraph serve"),
    "/id/.../youth-justice (JSON-LD)": ("DESCRIBE youth-justice (JSON-LD)", "oxigraph serve"),
}
"""The oxigraph serve cell that asks the same question as a csc-graph door, shown beside it."""


def services_for_child_text(store: Store) -> str:
    """The named query with age 15 and CCE bound, as plain SPARQL any endpoint can run."""
    settings = store.settings
    (query,) = load_named(settings.queries_dir, "services-for-child", settings.base_iri).values()
    given = query.given({"age": "15", "concern": "child-criminal-exploitation"})
    choices = param_choices(store, query, only=given)
    bindings = query.bind(given, base_iri=settings.base_iri, choices=choices)
    return sparql_prefixes() + bind_values(query.sparql, bindings)


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, MiB (from /proc)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total += int(status.split("VmRSS:")[1].split()[0])
    return total / 1024


class Server:
    def __init__(self, name: str, url: str, sparql_path: str, process: subprocess.Popen) -> None:
        self.name, self.url, self.sparql_path, self.process = name, url, sparql_path, process
        self.startup = 0.0
        self.rss = 0.0
        self.base_iri = Settings.model_fields["base_iri"].default


@contextmanager
def started(
    name: str,
    command: list[str],
    probe: str,
    env: dict[str, str] | None = None,
    after: Callable[[], None] | None = None,
) -> Iterator[tuple[subprocess.Popen, float]]:
    begin = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while not answers(probe):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {command}")
            time.sleep(0.02)
        if after is not None:
            after()
        yield process, time.perf_counter() - begin
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_all(stack: ExitStack, settings: Settings, dump_file: Path) -> list[Server]:
    servers = []
    ask = "query=ASK%7B%7D"
    # csc-graph: start-up until the first answer, as a user starts it (verdict cache warm).
    port = free_port()
    env = {
        **os.environ,
        "CSC_GRAPH_ROOT": str(settings.root),
        "CSC_GRAPH_COUNCIL": settings.council,
    }
    command = [program("csc-graph"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    process, seconds = stack.enter_context(
        started("csc-graph", command, f"{url}/sparql?{ask}", env)
    )
    servers.append(Server("csc-graph", url, "/sparql", process))
    servers[-1].startup = seconds
    # oxigraph serve, in memory, loaded with the dump over the Graph Store Protocol.
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [program("oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]

    def load_dump() -> None:
        httpx.post(
            f"{url}/store",
            content=dump_file.read_bytes(),
            headers={"Content-Type": "application/n-quads"},
            timeout=600,
        ).raise_for_status()

    process, seconds = stack.enter_context(
        started("oxigraph", command, f"{url}/query?{ask}", after=load_dump)
    )
    servers.append(Server("oxigraph serve", url, "/query", process))
    servers[-1].startup = seconds
    # rdflib-endpoint on the same dump.
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        program("rdflib-endpoint"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        str(dump_file),
    ]
    process, seconds = stack.enter_context(started("rdflib-endpoint", command, f"{url}/?{ask}"))
    servers.append(Server("rdflib-endpoint", url, "/", process))
    servers[-1].startup = seconds
    for server in servers:
        server.rss = rss_mib(server.process.pid)
    return servers


def rate(
    base_url: str,
    requests: Callable[[int], tuple[str, dict[str, str], dict[str, str]]],
    seconds: float,
) -> float:
    """Requests per second from THREADS threads for ``seconds`` (at most MAX_REQUESTS); the
    clients are made first, so the clock runs only while requests are sent."""
    counter = itertools.count()
    done = [0] * THREADS
    failed: list[int] = []
    clients = [httpx.Client(base_url=base_url, timeout=60) for _ in range(THREADS)]
    ready = threading.Barrier(THREADS + 1)
    window = {"stop": 0.0}

    def worker(index: int) -> None:
        ready.wait()
        while time.perf_counter() < window["stop"]:
            number = next(counter)
            if number >= MAX_REQUESTS:
                return
            path, params, headers = requests(number)
            try:
                response = clients[index].get(path, params=params, headers=headers)
            except httpx.HTTPError as error:  # e.g. no answer within the client's timeout
                failed.append(0)
                if len(failed) == 1:
                    print(f"  first failure: {path} {type(error).__name__}")
                return
            if response.status_code == 200:
                done[index] += 1
            else:
                failed.append(response.status_code)
                if len(failed) == 1:
                    print(f"  first failure: {path} {response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    begin = time.perf_counter()
    window["stop"] = begin + seconds
    ready.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begin
    for client in clients:
        client.close()
    if failed:
        print(
            f"  ({len(failed)} answers were not 200 (0: none): {sorted(set(failed))}; {base_url})"
        )
    return sum(done) / elapsed


Cell = tuple[str, Server, Callable[[int], tuple[str, dict[str, str], dict[str, str]]]]


def cells(servers: list[Server], sparql: str, unit: str) -> list[Cell]:
    json_accept = {"Accept": SPARQL_JSON}
    found: list[Cell] = []
    for server in servers:
        path = server.sparql_path
        found += [
            (
                "/sparql services-for-child",
                server,
                lambda _n, p=path: (p, {"query": sparql}, json_accept),
            ),
            (
                "/sparql, a new query text each time",
                server,
                lambda n, p=path: (p, {"query": f"{sparql}\n# request {n}"}, json_accept),
            ),
            ("/sparql ASK {}", server, lambda _n, p=path: (p, {"query": "ASK {}"}, json_accept)),
        ]
    describe = f"DESCRIBE <{servers[0].base_iri}{unit}>"
    oxigraph = servers[1]
    found.append(
        (
            "DESCRIBE youth-justice (JSON-LD)",
            oxigraph,
            lambda _n: ("/query", {"query": describe}, {"Accept": "application/ld+json"}),
        )
    )
    csc = servers[0]
    found += [
        (
            "/queries/services-for-child",
            csc,
            lambda _n: (
                "/queries/services-for-child",
                {"age": "15", "concern": "child-criminal-exploitation"},
                {"Accept": "application/json"},
            ),
        ),
        (
            "/id/.../youth-justice (JSON-LD)",
            csc,
            lambda _n: (f"/id/{unit}", {}, {"Accept": "application/ld+json"}),
        ),
        ("/services?age=15", csc, lambda _n: ("/services", {"age": "15"}, {})),
    ]
    return found


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value != value:  # nan
        return "failed"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def bench(scale: int, seconds: float) -> None:
    settings = build(scale) if scale > 1 else Settings()
    unit = "lewisham/youth-justice" if scale == 1 else "fictionton-0001/youth-justice"
    store = open_store(settings)
    load_into(store, settings)  # also warms the verdict cache, as a second start finds it
    sparql = services_for_child_text(store)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        dump_file = Path(folder) / "dump.nq"
        dump_file.write_bytes(dump(store, "nquads"))
        quads = store.triple_count()
        del store
        servers = start_all(stack, settings, dump_file)
        measured: dict[tuple[str, str], list[float]] = {}
        for _ in range(ROUNDS):
            for label, server, requests in cells(servers, sparql, unit):
                value = rate(server.url, requests, seconds)
                measured.setdefault((label, server.name), []).append(value)
        names = [server.name for server in servers]
        print(
            f"\n{'Lewisham' if scale == 1 else f'{scale}x Lewisham'}: {quads:,} quads; req/s, "
            f"median of {ROUNDS} interleaved rounds of {seconds:g} s, {THREADS} threads; "
            "[issue 14's figures]\n"
        )
        print(f"{'request':<38}" + "".join(f"{n:>22}" for n in names) + f"{'csc/oxigraph':>14}")
        print(
            "(goals: derived answers >= 1.0x oxigraph; a new text each time >= 0.5x; ASK {} >= 850)"
        )
        for label in dict.fromkeys(label for label, _ in measured):
            values = [
                statistics.median(measured[(label, n)]) if (label, n) in measured else None
                for n in names
            ]
            anchors = ANCHORS.get(label, (None, None, None))
            same = SAME_QUESTION.get(label)
            if same is not None:  # a csc-graph door beside oxigraph's answer to the question
                values[1] = statistics.median(measured[same])
            shown = [f"{fmt(v)} [{fmt(a)}]" for v, a in zip(values, anchors, strict=True)]
            if same is not None:
                shown[1] = f"({fmt(values[1])}, same question)"
            ratio = values[0] / values[1] if values[0] and values[1] else None
            print(f"{label:<38}" + "".join(f"{s:>22}" for s in shown) + f"{fmt(ratio):>14}")
        starts = [f"{s.startup:.2f} s" for s in servers]
        print(
            f"{'start-up until the first answer':<38}"
            + "".join(f"{s:>22}" for s in starts)
            + "   [6.6 s | 0.04 s | 0.8 s]"
        )
        memory = [f"{s.rss:.0f} MB" for s in servers]
        print(
            f"{'RSS when ready':<38}"
            + "".join(f"{m:>22}" for m in memory)
            + "   [127 MB | 21 MB | 69 MB]"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per cell")
    options = parser.parse_args()
    for scale in options.scales:
        bench(scale, options.seconds)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
