"""The FastAPI application factory.

``create_app(settings)`` builds the app; its lifespan opens the store named by the settings
(embedded Oxigraph, or a remote SPARQL endpoint when ``store_url`` is set) and loads the
graph once, keeping both on ``app.state``. Routers live in their own modules and are listed
in ``routers()``.
"""

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp

from csc_graph.api import (
    councils,
    exports,
    graph_store,
    health,
    pages,
    pathways,
    queries,
    resources,
    services,
    sparql,
    validation,
)
from csc_graph.api.answers import AnswerCacheMiddleware
from csc_graph.api.security import (
    ERROR_RESPONSES,
    STORE_ERROR_STATUSES,
    ArrivalMiddleware,
    BodySizeLimitMiddleware,
    ErrorShieldMiddleware,
    HeadAsGetMiddleware,
    QueryAdmissionMiddleware,
    ReadOnlyCORSMiddleware,
    SecurityHeadersMiddleware,
    document_error_pages,
    install_error_handlers,
)
from csc_graph.config import Settings
from csc_graph.councils.scope import served_councils
from csc_graph.governance.gate import ReloadOutcome, reload_if_valid
from csc_graph.store import open_store
from csc_graph.store.base import Store
from csc_graph.web import WEB_DIR

log = logging.getLogger(__name__)

DESCRIPTION = """\
A knowledge graph of a council's children's social care: its teams and services, the roles
in them, the law they act under, whom they serve by age and concern, and the pathways
between them. Every fact carries the source page and the sentence it came from.

* Analysts: the SPARQL 1.1 endpoint at `/sparql` and the named queries under `/queries`.
* Integrators: every resource as JSON-LD, Turtle, N-Triples or RDF/XML under `/id/`.
* Integrators: an Open Referral UK (HSDS 3.0) API at `/services`, `/organizations`,
  `/taxonomies` and `/taxonomy_terms`; exports at `/export/{target}`; VoID at `/.well-known/void`.
"""


# The sections of /docs, in this order (each router names its own tag; test_pages checks
# that this list and the routers agree).
OPENAPI_TAGS = [
    {"name": "SPARQL", "description": "The SPARQL 1.1 Protocol endpoint (query only)."},
    {"name": "Named queries", "description": "Questions analysts ask, with typed parameters."},
    {"name": "Resources", "description": "Every resource by content negotiation."},
    {
        "name": "Graph Store",
        "description": "Whole graphs by name (Graph Store Protocol, read-only).",
    },
    {"name": "Open Referral UK services", "description": "Services in HSDS 3.0 (ORUK) shape."},
    {"name": "Exports", "description": "The graph in other shapes and formats."},
    {"name": "Pathways", "description": "Pathways and coverage by age and concern."},
    {"name": "Councils", "description": "The councils served, and councils side by side."},
    {"name": "Governance", "description": "SHACL validation and conflicts between sources."},
    {"name": "Health", "description": "Whether the server has a graph to serve."},
    {"name": "Pages", "description": "HTML pages for people in a browser."},
]


def routers() -> list[APIRouter]:
    """Every router the app serves. Each router module is imported here, one line each."""
    return [
        pages.router,
        health.router,
        sparql.router,
        graph_store.router,
        queries.router,
        resources.router,
        services.router,
        exports.router,
        pathways.router,
        validation.router,
        councils.router,
    ]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the store and load the graph once; a store passed to create_app is used as is."""
    settings: Settings = app.state.settings
    opened = app.state.store is None
    if opened:
        app.state.store = open_store(settings)
        if settings.load_on_start:
            await run_in_threadpool(_load, app, settings)
    await run_in_threadpool(app.state.store.warm)  # query processes ready before requests
    try:
        yield
    finally:
        if opened:
            app.state.store.close()


class NoGraphToServe(RuntimeError):
    """The graph files were refused and the store holds nothing to serve instead."""


def _load(app: FastAPI, settings: Settings) -> None:
    app.state.load_outcome = _gate(app.state.store, settings)


def _gate(store: Store, settings: Settings) -> ReloadOutcome:
    """Load through the gate; a refused graph leaves the last good one served, and with no
    good graph at all the server does not start (it would only answer with nothing)."""
    outcome = reload_if_valid(store, settings)
    if outcome.reloaded:
        log.info("Graph %s", outcome.reason)
        return outcome
    log.error("Graph %s", outcome.reason)
    for message in outcome.messages:
        log.error("  %s", message)
    if store.triple_count() == 0:
        reasons = "\n".join(f"  {m}" for m in (outcome.messages or [outcome.reason])[:10])
        raise NoGraphToServe(
            "No graph to serve: the graph files were refused and the store is empty:\n" + reasons
        )
    return outcome


class _ReadOnlyCORS(ReadOnlyCORSMiddleware):
    """CORS (GET and HEAD only) with the origins from the settings."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        cors = CORSMiddleware(
            app,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD"],
            allow_headers=["Accept", "If-None-Match"],
            expose_headers=["ETag", "Link", "X-Result-Truncated", "X-Result-Truncated-By"],
        )
        super().__init__(app, cors)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The app for these settings; pass ``store`` to serve an already loaded store."""
    settings = settings or Settings()
    # FastAPIOffline serves Swagger UI and ReDoc from the package, not from a CDN: the
    # docs must work on a machine with no internet.
    app = FastAPIOffline(
        title="csc-graph",
        version=version("csc-graph"),
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "MIT (code); Open Government Licence v3.0 (data)"},
        openapi_tags=OPENAPI_TAGS,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.load_outcome = None
    install_error_handlers(app, STORE_ERROR_STATUSES)
    # Added innermost first: headers wrap everything, so even a 413 or a 500 carries them.
    app.add_middleware(AnswerCacheMiddleware)
    app.add_middleware(_ReadOnlyCORS, settings=settings)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ErrorShieldMiddleware)
    app.add_middleware(QueryAdmissionMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ArrivalMiddleware)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    queries.install(app, settings)  # one typed operation per named query, before the routers
    named_query_openapi = app.openapi

    def truthful_openapi() -> dict[str, Any]:
        return document_councils(document_error_pages(named_query_openapi()), app.state.store)

    app.openapi = truthful_openapi  # type: ignore[method-assign]
    for router in routers():
        app.include_router(router)
    return app


def document_councils(schema: dict[str, Any], store: Store | None) -> dict[str, Any]:
    """``?council=`` takes a council the store serves, or nothing (every council): once the
    store is loaded, the OpenAPI document lists them."""
    if store is None:
        return schema
    served = served_councils(store)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "council" and parameter.get("in") == "query":
                    parameter["schema"] = {
                        "anyOf": [
                            {"type": "string", "enum": served},
                            {"type": "string", "maxLength": 0},
                        ]
                    }
                    parameter.pop("examples", None)
                    parameter["example"] = served[0] if served else ""
    return schema


def serve(settings: Settings) -> None:
    """Serve the app with uvicorn on ``settings.host:settings.port`` (127.0.0.1:8000 by default).

    With ``settings.store_url`` set it serves that remote store; the lifespan loads the graph
    files into it first unless ``settings.load_on_start`` is off.
    """
    app = create_app(settings)
    if settings.load_on_start and settings.store_url is None:
        # The embedded store is loaded here, before uvicorn starts, so a refused graph is one
        # plain message and an exit status rather than a traceback from the server's start-up.
        store = open_store(settings)
        try:
            outcome = _gate(store, settings)
        except NoGraphToServe as refusal:
            sys.stderr.write(f"csc-graph: {refusal}\n")
            raise SystemExit(1) from None
        app.state.store, app.state.load_outcome = store, outcome
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        server_header=False,
        log_level="info",
    )
