"""Exports over HTTP (/export/{target}) and the dataset's VoID description
(/.well-known/void): a thin door over ``exports.targets`` and ``exports.void``."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from csc_graph.api.deps import StoreDep, choose_representation
from csc_graph.exports.targets import FORMATS, Target, UnknownFormatError, render_export
from csc_graph.exports.void import describe_dataset
from csc_graph.formats import GRAPH_REPRESENTATIONS

router = APIRouter(tags=["Exports"])

FORMAT_HELP = "; ".join(f"{target}: {', '.join(formats)}" for target, formats in FORMATS.items())


@router.get(
    "/export/{target}",
    summary="The graph for another system: Open Referral UK, CPSV-AP, schema.org, or a dump",
    response_class=Response,
    responses={
        200: {
            "content": {
                fmt.media_type: {} for formats in FORMATS.values() for fmt in formats.values()
            },
            "description": "The export, as a download.",
        },
        400: {"description": "A format the target does not offer."},
    },
)
def export(
    request: Request,
    store: StoreDep,
    target: Target,
    format: Annotated[
        str | None,
        Query(description=f"The format; the first listed is the default. {FORMAT_HELP}."),
    ] = None,
) -> Response:
    try:
        result = render_export(store, target, format, service_url=str(request.base_url))
    except UnknownFormatError as exc:
        raise HTTPException(400, str(exc)) from exc
    filename = f"csc-graph-{target}.{result.extension}"
    return Response(
        result.content,
        media_type=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/.well-known/void",
    summary="VoID and DCAT description of the dataset: licence, sources, triple counts",
    response_class=Response,
    responses={200: {"content": {r.media_type: {} for r in GRAPH_REPRESENTATIONS}}},
)
def void(
    request: Request,
    store: StoreDep,
    format: Annotated[
        str | None, Query(description="turtle, json-ld, nt or xml; overrides Accept.")
    ] = None,
) -> Response:
    chosen = choose_representation(request, GRAPH_REPRESENTATIONS, format)
    graph = describe_dataset(store, service_url=str(request.base_url))
    return Response(
        graph.serialize(format=chosen.name, encoding="utf-8"),
        media_type=chosen.media_type,
        headers={"Vary": "Accept"},
    )
