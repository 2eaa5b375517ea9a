"""Shared fixtures: settings, the Lewisham graph in the embedded store, a real Oxigraph
server and a real Virtuoso (Debian's virtuoso-opensource) on free 127.0.0.1 ports, and the
same graph loaded into each.

Store fixtures are session-scoped and must be treated as read-only; a test that loads
other data opens its own store with ``open_store(settings)``.
"""

import os
import re
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


VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VIRTUOSO_START_S = 90


def virtuoso_ini(template: str, location: Path, sql_port: int, http_port: int) -> str:
    """Debian's virtuoso.ini with the database in ``location`` and both servers on 127.0.0.1
    only (the SQL port for isql, the HTTP port for SPARQL and the Graph Store Protocol)."""
    text = template.replace("/var/lib/virtuoso-opensource-7/db", str(location))
    text = re.sub(
        r"(?m)^ServerPort(\s*)=\s*1111\b.*$", rf"ServerPort\1= 127.0.0.1:{sql_port}", text
    )
    text = re.sub(
        r"(?m)^ServerPort(\s*)=\s*8890\b.*$", rf"ServerPort\1= 127.0.0.1:{http_port}", text
    )
    text = re.sub(r"(?m)^DirsAllowed(\s*)=.*$", rf"DirsAllowed\1= ., {location}", text)
    # Virtuoso refuses a query whose *estimated* cost is over this many seconds, and its
    # estimates for our small graph run to thousands: 0 turns the estimate check off.
    text = re.sub(
        r"(?m)^MaxQueryCostEstimationTime(\s*)=.*$", r"MaxQueryCostEstimationTime\1= 0", text
    )
    return re.sub(
        r"(?m)^MaxQueryExecutionTime(\s*)=.*$",
        rf"MaxQueryExecutionTime\1= {SERVER_TIMEOUT_S}",
        text,
    )


@contextmanager
def virtuoso_server_process(location: Path) -> Iterator[str]:
    """Run Virtuoso Open Source (``virtuoso-t``, from Debian's ``virtuoso-opensource``; ``make
    virtuoso`` installs it) on free 127.0.0.1 ports with a fresh database in ``location``;
    yields its HTTP base URL (SPARQL {url}/sparql, Graph Store {url}/sparql-graph-crud).

    The Graph Store endpoint needs SPARQL_UPDATE for the anonymous SPARQL user: granted
    here, on this private loopback-only instance, so the store can be loaded through it.
    """
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None or not VIRTUOSO_INI.exists():
        pytest.skip(
            "Virtuoso is not installed (make virtuoso, or apt-get install virtuoso-opensource)"
        )
    sql_port, http_port = free_port(), free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(virtuoso_ini(VIRTUOSO_INI.read_text(), location, sql_port, http_port))
    url = f"http://127.0.0.1:{http_port}"
    log = (location / "server.log").open("wb")
    command = [binary, "+foreground", "+configfile", str(ini)]
    process = subprocess.Popen(command, cwd=location, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_answers(f"{url}/sparql", process, VIRTUOSO_START_S)
        grant = 'GRANT SPARQL_UPDATE TO "SPARQL";'
        subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grant}"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_until_answers(endpoint: str, process: subprocess.Popen[bytes], limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            if httpx.get(endpoint, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"no SPARQL endpoint answered at {endpoint} within {limit_s} s")


def virtuoso_settings(settings: Settings, url: str, graph_prefix: str) -> Settings:
    """Settings for the API over Virtuoso: its endpoints, and only our graphs as the dataset
    (Virtuoso's default graph is every graph it holds, its own system graphs included)."""
    update = {
        "store_url": f"{url}/sparql",
        "store_graph_url": f"{url}/sparql-graph-crud",
        "store_graph_prefix": graph_prefix,
    }
    return settings.model_copy(update=update)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Virtuoso for the whole session; yields its HTTP base URL."""
    with virtuoso_server_process(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


@pytest.fixture(scope="session")
def virtuoso_store(settings: Settings, virtuoso_server: str) -> Store:
    """The same graph as `store`, loaded into Virtuoso over its Graph Store Protocol."""
    loaded = open_store(virtuoso_settings(settings, virtuoso_server, f"{settings.base_iri}graph/"))
    load_into(loaded)
    return loaded


@pytest.fixture(scope="session")
def virtuoso_settings_for() -> Callable[[Settings, str, str], Settings]:
    """``virtuoso_settings``, for tests that start their own Virtuoso."""
    return virtuoso_settings


@pytest.fixture(scope="session")
def start_virtuoso() -> Callable[[Path], AbstractContextManager[str]]:
    """A function that starts a private Virtuoso: `with start_virtuoso(dir) as url:`."""
    return virtuoso_server_process


STORES = {"embedded": "store", "remote": "remote_store", "virtuoso": "virtuoso_store"}


@pytest.fixture(params=list(STORES))
def any_store(request: pytest.FixtureRequest) -> Store:
    """Each test that takes this runs once on each store (embedded, Oxigraph server,
    Virtuoso); all must give the same answers."""
    return request.getfixturevalue(STORES[request.param])


@pytest.fixture(params=["remote", "virtuoso"])
def any_remote_store(request: pytest.FixtureRequest) -> Store:
    """The remote store over each engine: Oxigraph's server, then Virtuoso."""
    return request.getfixturevalue(STORES[request.param])


@pytest.fixture(scope="session")
def start_oxigraph() -> Callable[..., AbstractContextManager[str]]:
    """A function that starts a private Oxigraph server: `with start_oxigraph(dir) as url:`."""
    return oxigraph_server_process
