"""Pathways and age coverage over HTTP (/pathways, /coverage): a thin door over
``csc_graph.pathways.reports``. JSON, SVG or Markdown by the Accept header or ``?format=``."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from csc_graph.api.deps import SettingsDep, StoreDep, choose_representation
from csc_graph.formats import Representation
from csc_graph.pathways.age_coverage import load_coverage
from csc_graph.pathways.graph import UnknownNameError, load_pathway_graph
from csc_graph.pathways.reports import MEDIA_TYPES, render_coverage, render_pathways

router = APIRouter(tags=["Pathways"])

# A browser (Accept: text/html) gets the picture: the home page links here for people.
REPRESENTATIONS: tuple[Representation, ...] = (
    Representation("json", MEDIA_TYPES["json"]),
    Representation("svg", MEDIA_TYPES["svg"], ("text/html",)),
    Representation("md", "text/markdown", ("text/plain",)),
)
RESPONSES = {
    200: {"content": {r.media_type: {} for r in REPRESENTATIONS}},
    400: {"description": "An unknown concern, stage or format."},
    406: {"description": "None of the accepted media types is offered."},
}
FormatQuery = Annotated[
    str | None, Query(description="json, svg or md (Markdown); overrides the Accept header.")
]


@router.get(
    "/pathways",
    summary="Routes for a child of an age and concern, with the law on every step",
    description=(
        "With `age`: the stages a child of that age can reach from `start` (default: every "
        "entry point, and the stages a young person of that age moves on from), using only "
        "steps whose age rules the child meets and, when `concern` is given, whose concern "
        "gates they pass; each step carries its legal basis. Without `age`: entry points by "
        "age, the cliff edges at 16, 17, 18, 21 and 25, stages no child reaches, and the most "
        "central stages; as SVG, the whole pathway diagram."
    ),
    response_class=Response,
    responses=RESPONSES,  # type: ignore[arg-type]
)
def pathways(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    age: Annotated[int | None, Query(ge=0, le=25, description="The child's age in years.")] = None,
    concern: Annotated[
        list[str] | None,
        Query(description="A concern by name (child-criminal-exploitation) or IRI; repeatable."),
    ] = None,
    start: Annotated[
        str | None, Query(description="The stage to start from (stage-arrest) or its IRI.")
    ] = None,
    format: FormatQuery = None,
) -> Response:
    chosen = choose_representation(request, REPRESENTATIONS, format)
    graph = load_pathway_graph(store, settings)
    try:
        rendered = render_pathways(graph, chosen.name, age, concern, start)
    except UnknownNameError as exc:
        raise HTTPException(400, str(exc)) from exc
    return Response(rendered.content, media_type=rendered.media_type, headers={"Vary": "Accept"})


@router.get(
    "/coverage",
    summary="Which units are open at each age 0-25, the gaps, overlaps and conflicts",
    description=(
        "From each unit's stated age range: the units open at each age from 0 to 25, the "
        "ages with none, the ages with several, the units with no stated range, and ranges "
        "that break a statutory bound (such as a youth justice range below the age of "
        "criminal responsibility). As SVG, a chart with one bar per range."
    ),
    response_class=Response,
    responses=RESPONSES,  # type: ignore[arg-type]
)
def coverage(
    request: Request, store: StoreDep, settings: SettingsDep, format: FormatQuery = None
) -> Response:
    chosen = choose_representation(request, REPRESENTATIONS, format)
    rendered = render_coverage(load_coverage(store, settings), chosen.name)
    return Response(rendered.content, media_type=rendered.media_type, headers={"Vary": "Accept"})
