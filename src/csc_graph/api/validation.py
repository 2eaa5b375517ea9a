"""``/validation`` and ``/conflicts``: the governance report on the served graph.

The report is computed once per content hash of the store (and scope) by
``governance.report_for_store``; a door only negotiates the format and writes headers.
"""

import hashlib
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from csc_graph.api.deps import (
    APP_VERSION,
    SettingsDep,
    StoreDep,
    choose_representation,
    etag_matches,
)
from csc_graph.formats import HTML, Representation
from csc_graph.governance.reports import report_for_store
from csc_graph.governance.shacl import ScopeError, scope_from
from csc_graph.web.report_formats import (
    REPORT_FORMATS,
    conflicts_to_list,
    render_conflicts_html,
)

router = APIRouter(tags=["Governance"])

_BY_REPRESENTATION = {f.representation.name: f for f in REPORT_FORMATS.values()}
# JSON first: a client that states no preference is most likely a program.
VALIDATION_OFFERS: tuple[Representation, ...] = tuple(
    _BY_REPRESENTATION[name].representation
    for name in ("json", "html", "turtle", "json-ld", "md", "text")
)
CONFLICT_OFFERS: tuple[Representation, ...] = (
    _BY_REPRESENTATION["json"].representation,
    HTML,
)

FormatQuery = Annotated[
    str | None,
    Query(
        alias="format",
        description="Override the Accept header: json, html, turtle (ttl), json-ld (jsonld), "
        "md (markdown) or text.",
    ),
]


def _etag(cache_key: str, representation: Representation) -> str:
    """Changes with the data, the shapes and checks, the scope, the format and the release
    (a new release may draw the report differently)."""
    text = f"{cache_key}|{representation.name}|{APP_VERSION}"
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


@router.get(
    "/validation",
    summary="The SHACL validation report, QC checks and conflicts of the served graph",
    responses={
        200: {
            "description": "The report, in the negotiated format. JSON follows "
            "web/schemas/validation-report.schema.json; Turtle and JSON-LD are the standard "
            "sh:ValidationReport.",
            "content": {
                "text/html": {},
                "text/turtle": {},
                "application/ld+json": {},
                "text/markdown": {},
                "text/plain": {},
            },
        },
        304: {"description": "Not modified: the graph and the scope are unchanged."},
        400: {"description": "An unknown format, focus node or shape."},
        406: {"description": "None of the accepted media types is offered."},
    },
)
async def validation(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    format_name: FormatQuery = None,
    focus: Annotated[
        list[str] | None,
        Query(description="Validate only these focus nodes: IRIs, or paths under the base IRI."),
    ] = None,
    shape: Annotated[
        list[str] | None,
        Query(description="Validate only against these shapes: IRIs or names (UnitParentShape)."),
    ] = None,
    inference: Annotated[
        bool, Query(description="Apply RDFS inference over the ontology first.")
    ] = False,
) -> Response:
    """Validated on the first request for a given graph and scope, then served from a cache
    keyed by the store's content hash. The header ``X-Conforms`` says whether SHACL found no
    Violation; the body is a report, so the status is 200 either way."""
    representation = choose_representation(request, VALIDATION_OFFERS, format_name)
    scope = scope_from(focus or (), shape or (), inference, settings.base_iri)
    try:
        report = await run_in_threadpool(report_for_store, store, settings, scope)
    except ScopeError as error:
        raise HTTPException(400, str(error)) from error
    etag = _etag(report.cache_key, representation)
    headers = {
        "ETag": etag,
        "Vary": "Accept",
        "X-Conforms": "true" if report.conforms else "false",
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    content = _BY_REPRESENTATION[representation.name].render(report, None)
    media_type = representation.media_type
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Response(content, media_type=media_type, headers=headers)


@router.get(
    "/conflicts",
    summary="Every place where two sources disagree, with both claims and their sources",
    responses={200: {"content": {"text/html": {}}}, 406: {"description": "Not offered."}},
)
async def conflicts(
    request: Request, store: StoreDep, settings: SettingsDep, format_name: FormatQuery = None
) -> Response:
    """Two claims with the same subject and property (parent unit, ages, name), different
    values and different sources. JSON by default, HTML for a browser."""
    representation = choose_representation(request, CONFLICT_OFFERS, format_name)
    report = await run_in_threadpool(report_for_store, store, settings)
    headers = {"Vary": "Accept"}
    if representation.name == "html":
        return Response(
            render_conflicts_html(report), media_type="text/html; charset=utf-8", headers=headers
        )
    return JSONResponse(conflicts_to_list(report), headers=headers)
