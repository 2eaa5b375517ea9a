"""``/validation`` and ``/conflicts``: the governance report on the served graph.

The report is computed once per content hash of the store (and scope) by
``governance.report_for_store``; a door only negotiates the format and writes headers.
"""

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from rdflib import Graph

from csc_graph.api.deps import (
    APP_VERSION,
    SettingsDep,
    StoreDep,
    choose_representation,
    etag_matches,
    format_query,
)
from csc_graph.config import Settings
from csc_graph.errors import DataFileError
from csc_graph.formats import HTML, Representation
from csc_graph.governance.report import Report
from csc_graph.governance.reports import files_holding, report_for_store, report_for_upload
from csc_graph.governance.shacl import ScopeError, scope_from
from csc_graph.web.report_formats import (
    REPORT_FORMATS,
    conflicts_to_list,
    render_conflicts_html,
    render_html,
    render_json,
)

router = APIRouter(tags=["Governance"])

_BY_REPRESENTATION = {f.representation.name: f for f in REPORT_FORMATS.values()}
# JSON first: a client that states no preference is most likely a program.
VALIDATION_OFFERS: tuple[Representation, ...] = tuple(
    _BY_REPRESENTATION[name].representation
    for name in ("json", "html", "turtle", "json-ld", "md", "text", "csv")
)
# Someone's own Turtle, validated on request (POST /validation); the request body limit
# (CSC_GRAPH_MAX_BODY_BYTES) also applies.
UPLOAD_LIMIT_BYTES = 512_000
UPLOAD_OFFERS: tuple[Representation, ...] = (
    _BY_REPRESENTATION["json"].representation,
    _BY_REPRESENTATION["html"].representation,
)
CONFLICT_OFFERS: tuple[Representation, ...] = (
    _BY_REPRESENTATION["json"].representation,
    HTML,
)

FormatQuery = Annotated[
    str | None,
    format_query(VALIDATION_OFFERS, "Override the Accept header (md is Markdown)."),
]
ConflictFormatQuery = Annotated[
    str | None, format_query(CONFLICT_OFFERS, "Override the Accept header.")
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
    if representation is _BY_REPRESENTATION["html"].representation:
        files = await run_in_threadpool(
            files_holding, store, settings, (row.focus for row in report.results)
        )
        content = _workspace(request, settings, report, files=files)
    else:
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
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    format_name: ConflictFormatQuery = None,
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


def _site(request: Request, settings: Settings) -> str:
    """Where the report's links point: the public address if set, else this server, so a
    saved copy's links work when opened from disk."""
    return (settings.public_url or str(request.base_url)).rstrip("/")


def _workspace(request: Request, settings: Settings, report: Report, **page: Any) -> str:
    """The report as the reviewer's workspace: site navigation, links to every format, when
    it was made, the content hash and the version, and the form to validate one's own file."""
    site = _site(request, settings)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    formats = [
        {
            "name": rep.name,
            "media_type": rep.media_type,
            "href": f"{site}/validation?{urlencode([*params, ('format', rep.name)])}",
        }
        for rep in VALIDATION_OFFERS
        if rep.name != "html"
    ]
    page.setdefault("upload", {"limit_kb": UPLOAD_LIMIT_BYTES // 1000})
    return render_html(
        report,
        None,
        site,
        site_nav=True,
        formats=formats if page.pop("with_formats", True) else [],
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
        version=APP_VERSION,
        **page,
    )


@router.post(
    "/validation",
    summary="Validate your own Turtle against the shapes and QC checks (nothing is stored)",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        400: {"description": "The Turtle does not parse (the line and column are named)."},
        413: {"description": "The upload is over the size limit."},
    },
)
async def validate_upload(
    request: Request,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File(description="A Turtle file.")] = None,
    turtle: Annotated[str | None, Form(description="Turtle pasted as text.")] = None,
    format_name: FormatQuery = None,
) -> Response:
    """Read beside the ontology and the law, validated and reported the same way as the
    served graph (HTML for a browser, JSON otherwise). Nothing is stored or merged into the
    served graph."""
    representation = choose_representation(request, UPLOAD_OFFERS, format_name)
    raw = b""
    if file is not None and file.filename:
        raw = await file.read(UPLOAD_LIMIT_BYTES + 1)
    elif turtle:
        raw = turtle.encode("utf-8")
    if len(raw) > UPLOAD_LIMIT_BYTES:
        raise HTTPException(413, f"The Turtle is larger than {UPLOAD_LIMIT_BYTES} bytes")
    if not raw.strip():
        raise HTTPException(400, "Give a Turtle file or paste Turtle to validate")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(400, f"The Turtle is not UTF-8 text: {error}") from error
    try:
        report = await run_in_threadpool(report_for_upload, text, settings)
    except DataFileError as error:
        if representation.name != "html":
            raise HTTPException(400, str(error)) from error
        empty = Report(conforms=False, results=[], checks=[], conflicts=[], shacl=Graph())
        upload = {"limit_kb": UPLOAD_LIMIT_BYTES // 1000, "error": str(error), "text": text}
        content = _workspace(
            request,
            settings,
            empty,
            upload=upload,
            with_formats=False,
            unread=True,
            title="Your Turtle could not be read",
        )
        return Response(content, status_code=400, media_type="text/html; charset=utf-8")
    headers = {"X-Conforms": "true" if report.conforms else "false"}
    if representation.name != "html":
        return Response(render_json(report), media_type="application/json", headers=headers)
    upload = {"limit_kb": UPLOAD_LIMIT_BYTES // 1000, "text": text}
    name = file.filename if file is not None and file.filename else "pasted Turtle"
    content = _workspace(
        request,
        settings,
        report,
        upload=upload,
        with_formats=False,
        title=f"Data quality report on {name}",
        note="Your file was read beside the ontology and the law and checked; nothing was "
        "stored or added to the served graph.",
    )
    return Response(content, media_type="text/html; charset=utf-8", headers=headers)
