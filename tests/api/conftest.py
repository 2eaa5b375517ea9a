"""HTTP fixtures: the app from ``create_app`` behind a TestClient, and a real uvicorn on a free
127.0.0.1 port for tests that use real SPARQL clients.

Both are session-scoped and serve the Lewisham graph read-only, sharing the session's one
loaded ``store`` (validated once by the gate); the path ``make serve`` takes, loading through
the app's own lifespan, is tested on its own in test_pages.py.
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from csc_graph.api.app import create_app
from csc_graph.config import Settings
from csc_graph.store.base import Store

STARTUP_LIMIT_S = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def app(settings: Settings, store: Store) -> FastAPI:
    return create_app(settings, store=store)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient whose app has run its lifespan (store opened, graph validated and loaded)."""
    with TestClient(app) as test_client:
        yield test_client


def run_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(settings: Settings, store: Store) -> Iterator[str]:
    """A real HTTP server (uvicorn, loopback only) serving the loaded Lewisham store."""
    yield from run_server(create_app(settings, store=store))
