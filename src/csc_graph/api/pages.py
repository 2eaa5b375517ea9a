"""Readable pages for people in a browser: the home page that links every door, and the
query page that runs SPARQL and shows the answer as a table.

The pages only render what the core returns; the query page goes through the same store
call, limits and refusals as ``/sparql``.
"""

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse, Response

from csc_graph.api.deps import StoreDep, choose_representation, render
from csc_graph.api.security import STORE_ERROR_STATUSES
from csc_graph.api.sparql import STARTER_QUERY, result_context, result_headers
from csc_graph.exports.oruk import api_root
from csc_graph.formats import HTML, Representation
from csc_graph.resources.describe import example_link
from csc_graph.store.base import QueryResult, Store, StoreError
from csc_graph.web import WEB_DIR

router = APIRouter(tags=["Pages"])


ROOT_OFFERS = (HTML, Representation("json", "application/json"))
ROOT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The home page for a browser; for an API client (Accept: "
        "application/json) the Open Referral API root: HSDS version, profile, OpenAPI URL.",
        "content": {
            "text/html": {},
            "application/json": {"example": api_root("http://127.0.0.1:8000/openapi.json")},
        },
    }
}


@router.get(
    "/",
    summary="Home page, or the API root for a client",
    response_class=Response,
    responses=ROOT_RESPONSES,
)
def home(request: Request, store: StoreDep) -> Response:
    """The home page: what the graph holds and where each kind of user starts. A client that
    prefers JSON gets the Open Referral (HSDS 3.0) API root instead."""
    if choose_representation(request, ROOT_OFFERS) is not HTML:
        return JSONResponse(api_root(str(request.url_for("openapi"))), headers={"Vary": "Accept"})
    outcome = request.app.state.load_outcome
    status = None if outcome is None else {"quads": outcome.quads, "reason": outcome.reason}
    return render(request, "home.html", {"status": status, "example": example_link(store)})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for /favicon.ico before reading the page's icon link."""
    return FileResponse(WEB_DIR / "static" / "favicon.svg", media_type="image/svg+xml")


def _run(store: Store, query: str) -> tuple[QueryResult | None, dict[str, str] | None, int]:
    """The result, or an error for the page with the status /sparql would give."""
    try:
        return store.query(query), None, 200
    except StoreError as error:
        status, title = next(
            (code, text)
            for kind, (code, text) in STORE_ERROR_STATUSES.items()
            if isinstance(error, kind)
        )
        return None, {"title": title, "detail": str(error)}, status


QUERY_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {"text/html": {}}}
    for status, text in {
        200: "The form, and the result when a query was given.",
        400: "The form, with the parser's message: not valid SPARQL.",
        403: "The form, with the refusal: an update, SERVICE or LOAD.",
        502: "The form, with the store's error.",
        503: "The form: the query ran past the time limit, or the answer over the row limit.",
    }.items()
}


@router.get(
    "/query",
    summary="Query page: SPARQL in the browser",
    response_class=Response,
    responses=QUERY_PAGE_RESPONSES,
)
async def query_page(
    request: Request,
    store: StoreDep,
    query: Annotated[str | None, Query(description="A SPARQL query to run and show.")] = None,
) -> Response:
    """A form for a SPARQL query; with ``query=`` it also runs it and shows the result."""
    if query is None or not query.strip():
        return render(request, "query.html", {"query": query or STARTER_QUERY, "result": None})
    started = time.perf_counter()
    result, error, status = await run_in_threadpool(_run, store, query)
    elapsed_ms = (time.perf_counter() - started) * 1000
    context: dict[str, object] = {
        "query": query,
        "result": result,
        "error": error,
        "elapsed_ms": elapsed_ms,
    }
    if result is not None:
        context.update(result_context(store, result, "/sparql", {"query": query}))
    response = render(request, "query.html", context, status_code=status)
    if result is not None:
        response.headers.update(result_headers(result))
    return response
