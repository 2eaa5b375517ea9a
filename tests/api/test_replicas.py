"""Two API replicas on the same data (the README's "many councils" section): two uvicorn
processes on free 127.0.0.1 ports, each with its own embedded store, give identical answers
and identical content-hash ETags, so a load balancer may send any request to either."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

START_LIMIT_S = 120


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


COUNCIL = "slough"


@contextmanager
def replica(port: int) -> Iterator[str]:
    env = {**os.environ, "CSC_GRAPH_COUNCIL": COUNCIL}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "csc_graph.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the replica on port {port} exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica on port {port} did not start")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def replicas() -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(replica(free_port())) for _ in range(2)]


def test_two_replicas_hold_the_same_graph(replicas: list[str]):
    health = [httpx.get(f"{url}/health").json() for url in replicas]
    assert health[0]["content_hash"] == health[1]["content_hash"]
    assert health[0]["quads"] == health[1]["quads"] > 0


def test_two_replicas_answer_alike_with_the_same_etags(replicas: list[str]):
    accept = {"Accept": "text/turtle"}
    answers = [httpx.get(f"{url}/id/{COUNCIL}/council", headers=accept) for url in replicas]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].headers["etag"] == answers[1].headers["etag"]
    graphs = [Graph().parse(data=a.text, format="turtle") for a in answers]
    assert isomorphic(graphs[0], graphs[1])
    # an ETag from one replica is a 304 at the other: caches stay coherent behind a balancer
    again = httpx.get(
        f"{replicas[1]}/id/{COUNCIL}/council",
        headers={**accept, "If-None-Match": answers[0].headers["etag"]},
    )
    assert again.status_code == 304
    rows = [httpx.get(f"{url}/queries/units-by-type").json() for url in replicas]
    assert rows[0]["results"]["bindings"] == rows[1]["results"]["bindings"]
    services = [httpx.get(f"{url}/services", params={"per_page": 500}).json() for url in replicas]
    assert services[0] == services[1]
