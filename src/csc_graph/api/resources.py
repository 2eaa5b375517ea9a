"""Dereferenceable resources: ``/id/{path}`` for every IRI under the base, ``/resource?iri=``
for the others the graph mentions, plus ``/ontology`` and ``/context.jsonld``.

Each answer is negotiated (JSON-LD, Turtle, N-Triples, RDF/XML or HTML; ``?format=``
overrides Accept), carries ``Vary: Accept`` and ``Link`` headers, and an ETag made from the
store's content hash, so a client that sends ``If-None-Match`` gets a 304.
"""

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from rdflib import RDF, RDFS, Graph, URIRef
from starlette.responses import Response

from csc_graph.api.deps import (
    APP_VERSION,
    SettingsDep,
    StoreDep,
    choose_representation,
    editor_link,
    etag_matches,
    format_query,
    page_link,
    render,
)
from csc_graph.config import Settings
from csc_graph.formats import GRAPH_REPRESENTATIONS, HTML, Representation
from csc_graph.resources.describe import (
    TermUse,
    describe,
    jsonld_context,
    ontology_graph,
    ontology_sections,
    page,
    term_use,
    to_jsonld,
    with_prefixes,
)
from csc_graph.store.base import Store

router = APIRouter(tags=["Resources"])

OFFERS: tuple[Representation, ...] = (*GRAPH_REPRESENTATIONS, HTML)
RDFLIB_FORMATS = {"turtle": "turtle", "nt": "nt", "xml": "pretty-xml"}
CONTEXT_PATH = "/context.jsonld"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"

FormatParam = Annotated[
    str | None, format_query(OFFERS, "Override the Accept header (xml is RDF/XML).")
]

RESOURCE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The resource: its triples, labels of linked resources, and its claims.",
        "content": {
            "application/ld+json": {
                "example": {
                    "@context": {"label": "rdfs:label"},
                    "@graph": [
                        {
                            "id": "https://w3id.org/csc-graph/id/lewisham/youth-justice",
                            "type": "csc:Service",
                            "label": "Youth Justice",
                            "audience": "https://w3id.org/csc-graph/id/lewisham/youth-justice-ages",
                        }
                    ],
                }
            },
            **{r.media_type: {} for r in OFFERS if r.name != "json-ld"},
        },
    },
    304: {"description": "Not modified: the ETag in If-None-Match is current."},
    404: {"description": "The graph says nothing about this IRI."},
    406: {"description": "None of the accepted media types is offered."},
}


def _etag(store: Store, representation: Representation) -> str:
    return f'"{store.content_hash()[:32]}-{representation.name}-{APP_VERSION}"'


def _alternates(request: Request) -> list[dict[str, str]]:
    """The same resource in every format, as ?format= links."""
    params = {k: v for k, v in request.query_params.items() if k != "format"}
    return [
        {
            "name": rep.name,
            "media_type": rep.media_type,
            "href": f"{request.url.path}?{urlencode({**params, 'format': rep.name})}",
        }
        for rep in OFFERS
        if rep is not HTML
    ]


def _link_header(iri: str, alternates: list[dict[str, str]]) -> str:
    links = [f'<{iri}>; rel="canonical"']
    links += [f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"' for a in alternates]
    links.append(f'<{CONTEXT_PATH}>; rel="{JSONLD_CONTEXT_REL}"; type="application/ld+json"')
    return ", ".join(links)


def _body(
    graph: Graph, representation: Representation, settings: Settings, first: str | None = None
) -> str:
    if representation.name == "json-ld":
        return json.dumps(to_jsonld(graph, settings, first), ensure_ascii=False, indent=2)
    return graph.serialize(format=RDFLIB_FORMATS[representation.name])


def _term_graph(use: TermUse) -> Graph:
    """What the server can say about a reused term: what it is and where it is defined."""
    graph = with_prefixes(None)
    if use.as_property:
        graph.add((use.iri, RDF.type, RDF.Property))
    if use.as_class:
        graph.add((use.iri, RDF.type, RDFS.Class))
    graph.add((use.iri, RDFS.isDefinedBy, URIRef(use.vocabulary)))
    return graph


def serve_resource(
    request: Request, store: Store, settings: Settings, iri: str, format_name: str | None
) -> Response:
    """One resource, negotiated, with its headers; 404 if unknown, 304 if unchanged."""
    representation = choose_representation(request, OFFERS, format_name)
    described = describe(store, iri)
    use = term_use(store, iri) if described is None else None
    if described is None and use is None:
        raise HTTPException(404, f"The graph says nothing about <{iri}>")
    alternates = _alternates(request)
    headers = {
        "ETag": _etag(store, representation),
        "Vary": "Accept",
        "Link": _link_header(iri, alternates),
    }
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    if use is not None and representation is HTML:
        query = f"SELECT ?s ?o WHERE {{ ?s <{use.iri}> ?o }} LIMIT 1000"
        if not use.as_property:
            query = f"SELECT ?s WHERE {{ ?s a <{use.iri}> }} LIMIT 1000"
        context = {"term": use, "query_link": editor_link(query)}
        response = render(request, "term.html", context)
        response.headers.update(headers)
        return response
    graph = described if described is not None else _term_graph(use)  # type: ignore[arg-type]
    if representation is HTML:
        context = {"page": page(graph, iri), "alternates": alternates}
        response = render(request, "resource.html", context)
        response.headers.update(headers)
        return response
    body = _body(graph, representation, settings, first=iri)
    return Response(body, media_type=representation.media_type, headers=headers)


@router.get(
    "/id/{path:path}",
    summary="A resource under the base IRI, by content negotiation",
    responses=RESOURCE_RESPONSES,
)
def resource_by_path(
    path: str, request: Request, store: StoreDep, settings: SettingsDep, format: FormatParam = None
) -> Response:
    """The resource ``{base_iri}{path}``, such as ``lewisham/youth-justice``.

    JSON-LD is compacted with ``/context.jsonld`` and includes the labels of linked
    resources and the claims (source and quoted sentence) behind each fact.
    """
    return serve_resource(request, store, settings, settings.base_iri + path, format)


@router.get(
    "/resource",
    summary="Any resource the graph mentions, by its full IRI",
    responses=RESOURCE_RESPONSES,
)
def resource_by_iri(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    iri: Annotated[
        str,
        Query(
            description="The full IRI, such as a legislation.gov.uk provision or a concern.",
            examples=["http://www.legislation.gov.uk/id/ukpga/1989/41/section/47"],
        ),
    ],
    format: FormatParam = None,
) -> Response:
    """What the graph says about an IRI outside the base: a provision, a concern, a class."""
    if iri.startswith(settings.base_iri):
        return Response(status_code=303, headers={"Location": page_link(iri, settings.base_iri)})
    return serve_resource(request, store, settings, iri, format)


@router.get(
    "/ontology",
    summary="The ontology and the concern scheme",
    responses={200: {"content": {r.media_type: {} for r in OFFERS}}},
)
def ontology(
    request: Request, store: StoreDep, settings: SettingsDep, format: FormatParam = None
) -> Response:
    """The csc: ontology and the concerns scheme, as loaded in the store."""
    representation = choose_representation(request, OFFERS, format)
    graph = ontology_graph(store, settings)
    headers = {"Vary": "Accept", "ETag": _etag(store, representation)}
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    if representation is HTML:
        response = render(request, "ontology.html", {"sections": ontology_sections(graph)})
        response.headers.update(headers)
        return response
    body = _body(graph, representation, settings)
    return Response(body, media_type=representation.media_type, headers=headers)


@router.get(
    CONTEXT_PATH,
    summary="The JSON-LD context used by every JSON-LD answer",
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}}},
)
def context(settings: SettingsDep) -> JSONResponse:
    return JSONResponse(jsonld_context(settings), media_type="application/ld+json")
