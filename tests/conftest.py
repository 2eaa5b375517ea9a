"""Shared fixtures: settings, the Lewisham graph in the embedded store, a real Oxigraph
server on a free 127.0.0.1 port, and the same graph loaded into it.

Store fixtures are session-scoped and must be treated as read-only; a test that loads
other data opens its own store with ``open_store(settings)``.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest

from csc_graph.config import Settings
from csc_graph.governance.gate import load_into
from csc_graph.store import open_store
from csc_graph.store.base import Store

SERVER_TIMEOUT_S = 30

# The suite's default is Lewisham on its own, as most tests expect answers written from its
# pages; the server's default is every council (tests of that pass council=None and
# councils=[...] explicitly, which beat the environment).
os.environ.setdefault("CSC_GRAPH_COUNCIL", "lewisham")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The project's default settings (repository root, Lewisham, base IRI)."""
    return Settings()


@pytest.fixture(scope="session")
def store(settings: Settings) -> Store:
    """The embedded store loaded with the ontology, the law and the Lewisham graph."""
    loaded = open_store(settings)
    load_into(loaded)
    return loaded


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    return str(beside_python) if beside_python.exists() else shutil.which("oxigraph")


def wait_until_up(url: str, process: subprocess.Popen[bytes], limit_s: float = 20) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
        try:
            httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"oxigraph serve did not answer at {url} within {limit_s} s")


@contextmanager
def oxigraph_server_process(location: Path, union_default_graph: bool = True) -> Iterator[str]:
    """Run `oxigraph serve` on a free 127.0.0.1 port (with the union default graph unless
    told otherwise); yields its base URL (query endpoint {url}/query, Graph Store
    {url}/store) and stops it on exit."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    command += ["--timeout-s", str(SERVER_TIMEOUT_S)]
    if union_default_graph:
        command.append("--union-default-graph")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server for the whole session; yields its base URL."""
    with oxigraph_server_process(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture(scope="session")
def remote_settings(settings: Settings, oxigraph_server: str) -> Settings:
    return settings.model_copy(update={"store_url": f"{oxigraph_server}/query"})


@pytest.fixture(scope="session")
def remote_store(remote_settings: Settings) -> Store:
    """The same graph as `store`, loaded into the Oxigraph server over the Graph Store Protocol."""
    loaded = open_store(remote_settings)
    load_into(loaded)
    return loaded


@pytest.fixture(params=["embedded", "remote"])
def any_store(request: pytest.FixtureRequest) -> Store:
    """Each test that takes this runs once on each store; both must give the same answers."""
    name = "store" if request.param == "embedded" else "remote_store"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def start_oxigraph() -> Callable[..., AbstractContextManager[str]]:
    """A function that starts a private Oxigraph server: `with start_oxigraph(dir) as url:`."""
    return oxigraph_server_process
