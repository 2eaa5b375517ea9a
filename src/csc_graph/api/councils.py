"""``/councils`` (the councils served, with their sources) and ``/compare`` (councils side by
side, each cell with its page). JSON for programs, HTML for a browser."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from csc_graph.api.deps import StoreDep, choose_representation, format_query, render
from csc_graph.cache import ContentCache
from csc_graph.catalogue.named_queries import ParamError
from csc_graph.councils.compare import Comparison, compare
from csc_graph.councils.listing import CouncilEntry, list_councils
from csc_graph.formats import HTML, Representation
from csc_graph.store.base import Store

router = APIRouter(tags=["Councils"])

JSON_OFFER = Representation("json", "application/json")
OFFERS = (JSON_OFFER, HTML)
FormatQuery = Annotated[str | None, format_query(OFFERS, "Override the Accept header.")]
_councils: ContentCache[list[CouncilEntry]] = ContentCache(size=4)


def _entries(store: Store) -> list[CouncilEntry]:
    return _councils.get_or_compute(store.content_hash(), lambda: list_councils(store))


@router.get(
    "/councils",
    summary="The councils served, each with the pages its facts come from",
    responses={200: {"content": {"text/html": {}}}},
)
async def councils(request: Request, store: StoreDep, format: FormatQuery = None) -> Response:
    """Each council: its folder name (the ``council`` parameter elsewhere), its name and
    IRI, and its sources (title, web address, capture date)."""
    representation = choose_representation(request, OFFERS, format)
    entries = await run_in_threadpool(_entries, store)
    headers = {"Vary": "Accept"}
    if representation is HTML:
        response = render(request, "councils.html", {"councils": entries})
        response.headers.update(headers)
        return response
    return JSONResponse({"councils": [entry.as_json() for entry in entries]}, headers=headers)


@router.get(
    "/compare",
    summary="Councils side by side: units for a concern, age ranges, roles and law, gaps",
    responses={200: {"content": {"text/html": {}}}},
)
async def compare_councils(
    request: Request,
    store: StoreDep,
    concern: Annotated[
        str, Query(description="The concern whose units are compared.")
    ] = "extra-familial-harm",
    age_concern: Annotated[
        str, Query(description="The concern whose units' age ranges are compared.")
    ] = "care-leaver",
    format: FormatQuery = None,
) -> Response:
    """Four tables with a column per council; every entry names the page it comes from."""
    representation = choose_representation(request, OFFERS, format)

    def build() -> tuple[list[CouncilEntry], list[Comparison]]:
        entries = _entries(store)
        names = [entry.label or entry.name for entry in entries]
        catalogue = request.app.state.catalogue
        return entries, compare(store, catalogue, names, concern=concern, age_concern=age_concern)

    try:
        entries, tables = await run_in_threadpool(build)
    except ParamError as error:  # an unknown concern: say which, with the known ones
        raise HTTPException(400, str(error)) from None
    headers = {"Vary": "Accept"}
    if representation is HTML:
        context: dict[str, Any] = {
            "councils": entries,
            "tables": tables,
            "concern": concern,
            "age_concern": age_concern,
        }
        response = render(request, "compare.html", context)
        response.headers.update(headers)
        return response
    return JSONResponse({"comparisons": [t.as_json() for t in tables]}, headers=headers)
