"""A read-only SPARQL 1.1 Graph Store Protocol endpoint at ``/graph-store``: ``GET`` (and
``HEAD``) of one named graph (``?graph=<iri>``) or of the default graph (``?default``, the
union of the named graphs, as queries see it), by content negotiation or ``?format=``.
Writes (PUT, POST, DELETE, PATCH) are refused with 405 and an ``Allow`` header.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from csc_graph.api.deps import StoreDep, choose_representation, format_query
from csc_graph.formats import GRAPH_REPRESENTATIONS
from csc_graph.sparql.results import GRAPH_FORMATS
from csc_graph.store.base import QueryResult

router = APIRouter(tags=["Graph Store"])

PATH = "/graph-store"
EXAMPLE_GRAPH = "https://w3id.org/csc-graph/id/graph/graph/lewisham/council"

GraphParam = Annotated[
    str | None,
    Query(
        min_length=1,
        description="The IRI of a named graph: one per data file, "
        "{base}graph/{path of the file without .ttl}, as listed by GET /sparql. "
        "Give this or `default`, not both.",
        openapi_examples={"council": {"summary": "Lewisham's units", "value": EXAMPLE_GRAPH}},
    ),
]
DefaultParam = Annotated[
    str | None,
    Query(
        alias="default",
        description="Present (with any value, usually none: `?default`) for the default "
        "graph, the union of every named graph.",
        openapi_examples={"default": {"summary": "The default graph", "value": ""}},
    ),
]
FormatParam = Annotated[
    str | None, format_query(GRAPH_REPRESENTATIONS, "Override the Accept header.")
]

RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The graph's triples.",
        "content": {r.media_type: {} for r in GRAPH_REPRESENTATIONS},
    },
    400: {"description": "Neither or both of `graph` and `default`, or an unknown format."},
    404: {"description": "The store holds no graph of that name."},
    405: {"description": "A write (PUT, POST, DELETE, PATCH): the store is read-only."},
    406: {"description": "None of the accepted media types is offered."},
}


@router.get(
    PATH, summary="One graph of the store (Graph Store Protocol, read-only)", responses=RESPONSES
)
async def get_graph(
    request: Request,
    store: StoreDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    format: FormatParam = None,
) -> Response:
    """A named graph (`?graph=<iri>`) or the default graph (`?default`) in the negotiated
    format. Download one council's graph or the law's without writing SPARQL."""
    if (graph is None) == (default is None):
        raise HTTPException(
            400, "Name one graph: ?graph=<iri> for a named graph, or ?default for their union"
        )
    representation = choose_representation(request, GRAPH_REPRESENTATIONS, format)
    triples = await run_in_threadpool(store.graph, graph)
    if triples is None:
        raise HTTPException(404, f"The store holds no graph named <{graph}>")
    _, write = GRAPH_FORMATS[representation.media_type]
    body = write(QueryResult(kind="graph", graph=triples))
    return Response(body, media_type=representation.media_type, headers={"Vary": "Accept"})
