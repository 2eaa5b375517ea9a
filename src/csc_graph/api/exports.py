"""Exports over HTTP (/export/oruk, /export/cpsv, /export/schemaorg and /export/dump, one
operation each) and the dataset's VoID description (/.well-known/void): a thin door over
``exports.targets`` and ``exports.void``."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from csc_graph.api.deps import StoreDep, choose_representation, format_query
from csc_graph.exports.targets import FORMATS, Target, UnknownFormatError, render_export
from csc_graph.exports.void import describe_dataset
from csc_graph.formats import GRAPH_REPRESENTATIONS

router = APIRouter(tags=["Exports"])


def _export_operation(target: Target) -> Callable[..., Response]:
    """GET /export/{target}: its own operation, so its ``format`` lists just its formats."""
    names = list(FORMATS[target])

    def export(
        request: Request,
        store: StoreDep,
        format: Annotated[
            str | None,
            Query(
                description=f"The format; {names[0]} when not given. One of: {', '.join(names)}.",
                json_schema_extra={"enum": names},
                examples=[names[0]],
            ),
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

    export.__name__ = f"export_{target.value}"
    return export


SUMMARIES = {
    Target.ORUK: "Open Referral UK (HSDS 3.0) JSON: every service fully nested",
    Target.CPSV: "CPSV-AP 3.2 RDF: public services with their legal resources",
    Target.SCHEMAORG: "schema.org JSON-LD: GovernmentService with audience and legislation",
    Target.DUMP: "Every named graph as TriG or N-Quads, with the VoID description",
}

for _target in Target:
    router.add_api_route(
        f"/export/{_target.value}",
        _export_operation(_target),
        methods=["GET"],
        summary=SUMMARIES[_target],
        response_class=Response,
        responses={
            200: {
                "content": {fmt.media_type: {} for fmt in FORMATS[_target].values()},
                "description": "The export, as a download.",
            },
            400: {"description": "A format the export does not offer."},
        },
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
        str | None, format_query(GRAPH_REPRESENTATIONS, "Override the Accept header.")
    ] = None,
) -> Response:
    chosen = choose_representation(request, GRAPH_REPRESENTATIONS, format)
    graph = describe_dataset(store, service_url=str(request.base_url))
    return Response(
        graph.serialize(format=chosen.name, encoding="utf-8"),
        media_type=chosen.media_type,
        headers={"Vary": "Accept"},
    )
