"""Pathways and age coverage over HTTP (/pathways, /coverage): a thin door over
``csc_graph.pathways.reports``. JSON, SVG, Markdown or, for a browser, an HTML page (the
pathway explorer with its form, and the coverage chart) by the Accept header or ``?format=``."""

from typing import Annotated
from urllib.parse import urlencode

import networkx as nx
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from csc_graph.api.deps import (
    CouncilStoreDep,
    SettingsDep,
    choose_representation,
    format_query,
    page_link,
    render,
)
from csc_graph.formats import HTML, Representation
from csc_graph.pathways.age_coverage import load_coverage
from csc_graph.pathways.graph import UnknownNameError, load_pathway_graph
from csc_graph.pathways.reports import (
    MEDIA_TYPES,
    coverage_page,
    explore,
    render_coverage,
    render_pathways,
)

router = APIRouter(tags=["Pathways"])

# A browser (Accept: text/html) gets a page with the picture in it and a form.
REPRESENTATIONS: tuple[Representation, ...] = (
    Representation("json", MEDIA_TYPES["json"]),
    HTML,
    Representation("svg", MEDIA_TYPES["svg"]),
    Representation("md", "text/markdown", ("text/plain",)),
)
RESPONSES = {
    200: {"content": {r.media_type: {} for r in REPRESENTATIONS}},
    400: {"description": "An unknown concern, stage or format."},
    406: {"description": "None of the accepted media types is offered."},
}
FormatQuery = Annotated[
    str | None, format_query(REPRESENTATIONS, "Override the Accept header (md is Markdown).")
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
    store: CouncilStoreDep,
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
    if chosen is HTML:
        return _explorer_page(request, graph, settings.base_iri, age, concern or [], start)
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
    request: Request, store: CouncilStoreDep, settings: SettingsDep, format: FormatQuery = None
) -> Response:
    chosen = choose_representation(request, REPRESENTATIONS, format)
    report = load_coverage(store, settings)
    if chosen is HTML:
        svg = coverage_page(report, lambda iri: page_link(iri, settings.base_iri))
        context = {"report": report, "svg": svg, "downloads": _downloads(request)}
        page = render(request, "coverage.html", context)
        page.headers["Vary"] = "Accept"
        return page
    rendered = render_coverage(report, chosen.name)
    return Response(rendered.content, media_type=rendered.media_type, headers={"Vary": "Accept"})


def _downloads(request: Request) -> list[dict[str, str]]:
    """The same answer as data: the request's parameters with each other format."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    return [
        {
            "name": rep.name,
            "href": f"{request.url.path}?{urlencode([*params, ('format', rep.name)])}",
        }
        for rep in REPRESENTATIONS
        if rep is not HTML
    ]


def _explorer_page(
    request: Request,
    graph: nx.DiGraph,
    base_iri: str,
    age: int | None,
    concerns: list[str],
    start: str | None,
) -> Response:
    """The explorer: its form, the diagram linked to every stage and step, and the steps with
    their law; an unknown name is reported above the form (400) with the whole graph shown."""

    def link(iri: str) -> str:
        return page_link(iri, base_iri)

    start = start or None
    context: dict[str, object] = {
        "age": age,
        "concerns": concerns,
        "start": start,
        "downloads": _downloads(request),
    }
    status = 200
    try:
        context["explorer"] = explore(graph, link, age, concerns or None, start)
    except UnknownNameError as exc:
        context["error"] = str(exc)
        context["explorer"] = explore(graph, link)
        status = 400
    page = render(request, "pathways.html", context, status_code=status)
    page.headers["Vary"] = "Accept"
    return page
