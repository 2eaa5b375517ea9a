"""The query sandbox keeps its promises at the store: no network from a query (even one
the guard lets through), one text for guard and engine, bounded depth, bytes and memory,
crash-safe on-disk generations, and a remote store that needs no server option."""

import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.errors import QueryMemoryExceeded, QueryTooComplex
from csc_graph.governance.gate import load_into, reload_if_valid
from csc_graph.sparql.escapes import apply_codepoint_escapes
from csc_graph.sparql.limits import query_depth
from csc_graph.store import embedded, open_store, workers
from csc_graph.store.base import (
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)
from csc_graph.store.sandbox import filter_program
from sandbox_attacks import DOUBLING, Canary, escape_variants, generated_queries

LW = "https://w3id.org/csc-graph/id/lewisham/"
GENERATED = 2_000  # per store; with the hand-written variants, several thousand in all
ORDER_CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
COUNCIL_TTL = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix lw: <lewisham/> .
lw:council a csc:Council ; rdfs:label "Test Council"@en ; dct:description "A council."@en .
"""


@pytest.fixture
def mini(tmp_path: Path, settings: Settings) -> Settings:
    """A small repository: the real ontology and shapes, and a one-council graph."""
    shutil.copytree(settings.ontology_dir, tmp_path / "ontology")
    shutil.copytree(settings.queries_dir, tmp_path / "queries")
    council = tmp_path / "graph" / "lewisham"
    council.mkdir(parents=True)
    (tmp_path / "graph" / "law").mkdir()
    (council / "council.ttl").write_text(COUNCIL_TTL, encoding="utf-8")
    return settings.model_copy(update={"root": tmp_path})


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


def send_all(store: Store, queries: list[str]) -> None:
    for text in queries:
        with suppress(StoreError):
            store.query(text)


def test_no_query_reaches_the_canary(any_store: Store, canary: Canary) -> None:
    """The issue's SSRF, its variants and a generated set: not one connection."""
    send_all(any_store, escape_variants(canary.url))
    send_all(any_store, generated_queries(canary.url, GENERATED))
    assert canary.connections == 0


def test_the_issue_query_is_read_as_one_text(any_store: Store) -> None:
    """Applied once, the escape makes the comment end: the guard and the engine both see a
    string where the SERVICE clause was, so the query runs and reaches nothing."""
    text = 'SELECT * WHERE { # \\u000A ?s ?p """\nSERVICE <http://127.0.0.1:9/> { } # """\n}'
    assert "\n ?s ?p" in apply_codepoint_escapes(text)
    assert any_store.query(text).rows == []


def test_an_escape_that_spells_an_escape_is_refused() -> None:
    with pytest.raises(QuerySyntaxError):
        apply_codepoint_escapes("SELECT * WHERE { ?s ?p '\\u005Cu0041' }")
    with pytest.raises(QuerySyntaxError):
        apply_codepoint_escapes("ASK { ?s ?p '\\uD800' }")
    assert apply_codepoint_escapes("ASK { ?s ?p '\\u00E9' }") == "ASK { ?s ?p 'é' }"


# ---------------------------------------------------------------- the sandbox itself

GUARDLESS_WORKER = """
import sys
import csc_graph.store.worker as worker
from csc_graph.sparql.guard import CheckedQuery
worker.check_query = lambda text, base: CheckedQuery(text, "select")
sys.exit(worker.main(sys.argv[1:]))
"""

UNSANDBOXED = """
import sys, pyoxigraph
try:
    list(pyoxigraph.Store().query(sys.argv[1]))
except Exception as exc:
    print(exc)
"""


def ask_guardless_worker(text: str) -> dict[str, object]:
    """Start the real worker with the guard replaced by one that lets everything through,
    and send it one query over its pipe."""
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    args = [str(os.getpid()), str(child_in), str(child_out), "1024"]
    process = subprocess.Popen(
        [sys.executable, "-c", GUARDLESS_WORKER, *args], pass_fds=(child_in, child_out)
    )
    os.close(child_in)
    os.close(child_out)
    out, back = Connection(to_child, readable=False), Connection(from_child, writable=False)
    try:
        out.send_bytes(json.dumps({"mode": "memory"}).encode())
        out.send_bytes(b"<urn:s> <urn:p> <urn:o> <urn:g> .\n")
        assert back.poll(60) and json.loads(back.recv_bytes())["status"] == "ready"
        request = {"op": "query", "text": text, "base_iri": "urn:x:", "default": []}
        request.update(named=[], max_rows=10, max_bytes=10_000, seconds=10)
        out.send_bytes(json.dumps(request).encode())
        assert back.poll(20)
        return dict(json.loads(back.recv_bytes()))
    finally:
        out.close()
        back.close()
        process.kill()
        process.wait()


def test_a_worker_cannot_connect_even_when_the_guard_is_bypassed(canary: Canary) -> None:
    text = f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?a ?b ?c }} }}"
    reply = ask_guardless_worker(text)
    assert reply["status"] == "error"
    assert "Address family not supported" in str(reply["message"])
    assert canary.connections == 0
    # The control: the same query from a process without the sandbox does connect.
    subprocess.run([sys.executable, "-c", UNSANDBOXED, text], capture_output=True, timeout=30)
    assert canary.connections >= 1


REFUSING_KERNEL = """
import sys
from csc_graph.store import sandbox
def refuse():
    raise sandbox.SandboxError("seccomp filter refused: Invalid argument")
sandbox.deny_network = refuse
import csc_graph.store.worker as worker
sys.exit(worker.main(sys.argv[1:]))
"""


def test_a_kernel_that_refuses_the_filter_means_no_queries(
    mini: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No silent fallback: the process exits before taking a query, and the query says why."""
    monkeypatch.setattr(workers, "WORKER_COMMAND", [sys.executable, "-c", REFUSING_KERNEL])
    refused = open_store(mini)
    with pytest.raises(StoreError) as error:
        refused.query("ASK { ?s ?p ?o }")
    assert "query sandbox could not be set up" in str(error.value)
    assert "seccomp filter refused" in str(error.value)
    assert refused.worker_pids() == []  # type: ignore[attr-defined]
    refused.close()


def test_the_filter_refuses_network_families_only() -> None:
    program = filter_program("x86_64")
    assert len(program) % 8 == 0 and len(program) // 8 == 11
    script = (
        "import socket; from csc_graph.store import sandbox; sandbox.deny_network()\n"
        "socket.socket(socket.AF_UNIX).close()\n"
        "for family in (socket.AF_INET, socket.AF_INET6, socket.AF_PACKET):\n"
        "    try: socket.socket(family, socket.SOCK_RAW if family == socket.AF_PACKET else 1)\n"
        "    except OSError as e: print(family, e.errno)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert [line.split()[-1] for line in out.stdout.splitlines()] == ["97", "97", "97"]


# ---------------------------------------------------------------- bounded resources


def test_depth_is_measured_and_refused_before_any_parser(store: Store) -> None:
    plus = "SELECT * WHERE { ?s ?p ?o FILTER(1" + " + 1" * 4000 + " > 0) } LIMIT 1"
    assert query_depth(plus) > 4000
    started = time.monotonic()
    with pytest.raises(QueryTooComplex) as refused:
        store.query(plus)
    assert time.monotonic() - started < 1
    assert "CSC_GRAPH_MAX_QUERY_DEPTH" in str(refused.value)
    nested = "SELECT * WHERE " + "{" * 40 + " ?s a csc:Council " + "}" * 40
    assert len(store.query(nested).rows) == 1  # 40 groups deep is fine, not a 400


def test_depth_ignores_strings_comments_and_iris() -> None:
    assert query_depth('ASK { ?s ?p "((((+ + +" # ((((\n }') == 2
    assert query_depth("ASK { ?s <http://x.example/a-b> lw:youth-justice }") == 2


def test_the_remote_store_refuses_what_would_crash_oxigraph(remote_store: Store) -> None:
    with pytest.raises(QueryTooComplex):
        remote_store.query("SELECT * WHERE { ?s ?p ?o FILTER(1" + " + 1" * 4000 + " > 0) }")
    assert remote_store.query("ASK { ?s a csc:Council }").boolean is True


def test_a_huge_answer_is_cut_at_the_byte_cap(store: Store) -> None:
    """23 doublings over 8 rows is 537 MB as JSON; the worker stops at the cap."""
    capped = store.with_limits(max_result_bytes=40_000_000, query_timeout=30)
    result = capped.query(DOUBLING)
    assert result.truncated and result.truncated_by == "bytes"
    assert 1 <= len(result.rows) <= 3
    assert sum(len(str(term)) for row in result.rows for term in row.values()) <= 40_000_000


def test_the_remote_store_stops_reading_at_the_byte_cap(remote_store: Store) -> None:
    capped = remote_store.with_limits(max_result_bytes=2_000)
    result = capped.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert result.truncated and result.truncated_by == "bytes"
    assert 0 < len(result.rows) < 100
    graph = capped.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert graph.truncated_by == "bytes" and graph.graph is not None and len(graph.graph) < 100


def _peak_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def test_parallel_order_by_cartesian_queries_stay_under_the_memory_limit(
    settings: Settings,
) -> None:
    limits = {"query_memory_mb": 512, "query_timeout": 3.0, "query_queue": 8}
    limited = open_store(settings.model_copy(update=limits))
    load_into(limited)
    limited.warm()
    peaks: list[int] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            limited.query(ORDER_CARTESIAN.replace("?a ?b ?c .", "?a ?b ?c . ?g ?h ?i ."))
        except (QueryTimeout, QueryMemoryExceeded) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        peaks += [_peak_kib(pid) for pid in limited.worker_pids()]  # type: ignore[attr-defined]
        time.sleep(0.05)
    assert len(errors) == 8, errors  # each stopped, by time or by memory
    assert peaks and max(peaks) < 512 * 1024, peaks
    assert limited.query("ASK { ?s a csc:Council }").boolean is True
    limited.close()


# ---------------------------------------------------------------- on disk


def test_two_hundred_queries_after_an_on_disk_load(mini: Settings, tmp_path: Path) -> None:
    on_disk = mini.model_copy(update={"store_path": tmp_path / "store", "query_timeout": 3.0})
    disk_store = open_store(on_disk)
    load_into(disk_store)
    disk_store.warm()  # as the server does at start: the first query does not wait for one
    timeouts = 0
    for _ in range(200):
        try:
            assert disk_store.query("ASK { ?s a csc:Council }").boolean is True
        except QueryTimeout:
            timeouts += 1
    assert timeouts == 0
    disk_store.close()


LOAD_AND_HANG = """
import sys, time
from pathlib import Path
from csc_graph.config import Settings
from csc_graph.governance.gate import load_into
from csc_graph.store import embedded, workers
from csc_graph.store import open_store
settings = Settings(root=Path(sys.argv[1]), store_path=Path(sys.argv[2]))
store = open_store(settings)
def hang(path):
    print("written", flush=True)
    time.sleep(600)
embedded.mark_complete = hang
load_into(store)
"""


def test_a_load_killed_midway_leaves_the_last_good_generation(
    mini: Settings, tmp_path: Path
) -> None:
    """kill -9 while a new generation is written; then a start with files the gate refuses
    serves the last good generation, and the broken one is removed."""
    path = tmp_path / "store"
    good = open_store(mini.model_copy(update={"store_path": path}))
    load_into(good)
    expected = good.content_hash()
    good.close()
    del good
    gc.collect()
    process = subprocess.Popen(
        [sys.executable, "-c", LOAD_AND_HANG, str(mini.root), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline().strip()
    if line != "written":
        pytest.fail(f"the loading process did not get to write: {process.stderr.read()[-2000:]}")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(list(path.iterdir())) == 2  # the good generation and the unfinished one
    broken = mini.root / "graph" / "lewisham" / "broken.ttl"
    broken.write_text("lw:x a ", encoding="utf-8")
    restarted = open_store(mini.model_copy(update={"store_path": path}))
    outcome = reload_if_valid(restarted, restarted.settings)
    assert not outcome.reloaded and "previous graph is still served" in outcome.reason
    assert restarted.content_hash() == expected
    assert restarted.query("ASK { ?s a csc:Council }").boolean is True
    assert [p.name for p in path.iterdir() if not embedded.is_complete(p)] == []
    restarted.close()


# ---------------------------------------------------------------- a stock oxigraph serve


def test_a_stock_oxigraph_serve_is_served_correctly_and_its_hash_follows_changes(
    tmp_path: Path,
    settings: Settings,
    store: Store,
    start_oxigraph: Callable[..., AbstractContextManager[str]],
) -> None:
    with start_oxigraph(tmp_path / "db", union_default_graph=False) as url:
        stock = open_store(
            settings.model_copy(update={"store_url": f"{url}/query", "store_hash_seconds": 0})
        )
        load_into(stock)
        question = "SELECT ?s WHERE { ?s a csc:Service } ORDER BY ?s"
        assert stock.query(question).rows == store.query(question).rows
        assert len(stock.query(question).rows) > 5
        graph = f"{settings.base_iri}graph/graph/lewisham/council"
        named = stock.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{LW}mash> ?p ?o }} }}")
        assert graph.rsplit("/", 1)[0] in str(named.rows[0]["g"])
        before = stock.content_hash()
        assert before == store.content_hash()
        with TestClient(create_app(stock.settings, store=stock)) as client:
            assert client.get("/services").json()["total_items"] > 5
            etag = client.get("/id/lewisham/mash").headers["ETag"]
            change = f"INSERT DATA {{ GRAPH <{graph}> {{ <{LW}x> <{LW}y> 1 }} }}"
            httpx.post(f"{url}/update", data={"update": change}, timeout=10).raise_for_status()
            assert stock.content_hash() != before
            again = client.get("/id/lewisham/mash", headers={"If-None-Match": etag})
            assert again.status_code == 200 and again.headers["ETag"] != etag
        stock.close()


def test_refused_queries_still_name_the_reason(any_store: Store) -> None:
    with pytest.raises(QueryRefused):
        any_store.query("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
