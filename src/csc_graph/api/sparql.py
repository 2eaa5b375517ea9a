"""The SPARQL 1.1 Protocol endpoint, query operation only, as a router of its own.

GET with ``query=``, POST form-encoded and POST ``application/sparql-query``; the dataset
from ``default-graph-uri`` / ``named-graph-uri``; results by content negotiation (or
``?format=``). Without a query, GET answers with the SPARQL 1.1 Service Description.
Updates are refused: the endpoint is read-only. The router needs only ``app.state.store``
and ``app.state.settings``, so it can be mounted in another app.
"""

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote_to_bytes, urlencode

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from csc_graph.api.deps import (
    StoreDep,
    busy_message,
    choose_representation,
    format_names,
    format_query,
    query_threads,
    render,
)
from csc_graph.exports.service_description import named_graph_counts, service_description
from csc_graph.formats import (
    FORMAT_IRIS,
    GRAPH_REPRESENTATIONS,
    HTML,
    SOLUTION_REPRESENTATIONS,
    Representation,
)
from csc_graph.sparql.results import GRAPH_FORMATS, SELECT_FORMATS
from csc_graph.store.base import QueryBusy, QueryResult, Store

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = "SPARQL Update is refused: this endpoint is read-only"

XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
ASK_REPRESENTATIONS = SOLUTION_REPRESENTATIONS[:2]  # JSON and XML define a boolean result

EXAMPLE_QUERIES = {
    "services": {
        "summary": "Services with their parent unit",
        "value": "SELECT ?unit ?label ?parent WHERE {\n  ?unit a csc:Service ; rdfs:label ?label"
        " .\n  OPTIONAL { ?unit org:subOrganizationOf ?parent }\n} ORDER BY ?label",
    },
    "ages": {
        "summary": "Age ranges of the units that state one",
        "value": "SELECT ?unit ?min ?max WHERE {\n  ?unit schema:audience ?a .\n"
        "  ?a schema:requiredMinAge ?min ; schema:requiredMaxAge ?max .\n}",
    },
    "ask": {"summary": "An ASK query", "value": "ASK { ?s a csc:Service }"},
}

# What the query form holds before a person has written anything (/query, /sparql in a browser).
STARTER_QUERY = """SELECT ?service ?label ?min ?max WHERE {
  ?service a csc:Service ; rdfs:label ?label .
  OPTIONAL { ?service schema:audience ?ages .
             ?ages schema:requiredMinAge ?min ; schema:requiredMaxAge ?max }
}
ORDER BY ?label"""

QueryParam = Annotated[
    list[str] | None,
    Query(
        description="The SPARQL 1.1 query, exactly once; not empty. Without it, GET returns "
        "the service description.",
        openapi_examples=EXAMPLE_QUERIES,
        json_schema_extra={"items": {"type": "string", "minLength": 1}, "maxItems": 1},
    ),
]
DefaultGraphParam = Annotated[
    list[str] | None,
    Query(
        alias="default-graph-uri",
        description="Named graphs merged to make the default graph (instead of the union).",
    ),
]
NamedGraphParam = Annotated[
    list[str] | None,
    Query(alias="named-graph-uri", description="Named graphs the query may address by GRAPH."),
]
VersionParam = Annotated[
    list[str] | None,
    Query(
        description="The SPARQL version the query is written in (SPARQL 1.2 Protocol); at "
        "most one. Queries are read the same whichever version is announced.",
        openapi_examples={"1.1": {"summary": "SPARQL 1.1", "value": ["1.1"]}},
    ),
]
FormatParam = Annotated[
    str | None,
    format_query(
        (*SOLUTION_REPRESENTATIONS, *GRAPH_REPRESENTATIONS, HTML),
        "Override content negotiation: json, xml, csv, tsv (SELECT / ASK); turtle, json-ld, "
        "nt, xml (CONSTRUCT / DESCRIBE); html.",
    ),
]

SELECT_EXAMPLE = {
    "head": {"vars": ["unit", "minAge", "maxAge"]},
    "results": {
        "bindings": [
            {
                "unit": {
                    "type": "uri",
                    "value": "https://w3id.org/csc-graph/id/lewisham/youth-justice",
                },
                "minAge": {"type": "literal", "value": "10", "datatype": XSD_INTEGER},
                "maxAge": {"type": "literal", "value": "17", "datatype": XSD_INTEGER},
            }
        ]
    },
}
CSV_EXAMPLE = "unit,minAge,maxAge\r\nhttps://w3id.org/csc-graph/id/lewisham/youth-justice,10,17\r\n"
TURTLE_EXAMPLE = (
    "@prefix schema: <http://schema.org/> .\n\n"
    "<https://w3id.org/csc-graph/id/lewisham/youth-justice-ages>\n"
    "    schema:requiredMaxAge 17 ;\n    schema:requiredMinAge 10 .\n"
)
EXAMPLES = {
    "application/sparql-results+json": SELECT_EXAMPLE,
    "text/csv": CSV_EXAMPLE,
    "text/turtle": TURTLE_EXAMPLE,
}

RESULT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Query results, or the service description when there is no query. "
        "The header X-Result-Truncated: true says the answer was cut, at the row limit "
        "or the byte limit (X-Result-Truncated-By: rows or bytes).",
        "content": {
            r.media_type: {"example": EXAMPLES[r.media_type]} if r.media_type in EXAMPLES else {}
            for r in (*SOLUTION_REPRESENTATIONS, *GRAPH_REPRESENTATIONS, HTML)
        },
    },
    400: {"description": "Not valid SPARQL (the parser's message), or not one query."},
    403: {"description": "An update, SERVICE or LOAD: refused (the endpoint is read-only)."},
    406: {"description": "No acceptable result format for this kind of query."},
    413: {"description": "The request body is over the size limit."},
    415: {"description": "POST with a media type other than a form or a SPARQL query."},
    503: {
        "description": "The query ran past the time limit or the memory limit and was "
        "stopped, or every query process is busy and the queue is full (with Retry-After)."
    },
}

# A form field given once or repeated.
ONE_OR_MORE = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
ALL_FORMAT_NAMES = format_names((*SOLUTION_REPRESENTATIONS, *GRAPH_REPRESENTATIONS, HTML))

POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["query"],
                    "properties": {
                        "query": {"type": "string", "minLength": 1},
                        "default-graph-uri": ONE_OR_MORE,
                        "named-graph-uri": ONE_OR_MORE,
                        "version": {"type": "string"},
                        "format": {"type": "string", "enum": ALL_FORMAT_NAMES},
                    },
                },
                "example": {"query": "ASK { ?s a csc:Service }"},
            },
            SPARQL_QUERY: {
                "schema": {"type": "string", "minLength": 1},
                "example": "SELECT ?team WHERE { ?team a csc:Team } LIMIT 10",
            },
        },
    }
}


async def in_query_thread(request: Request, call: Callable[..., Response], *args: Any) -> Response:
    """Run a query-answering call in a thread of its own limiter, or refuse at once (503 and
    Retry-After) when every place is taken: a request that cannot be admitted never takes a
    thread, so it cannot slow /health, static files or pages down."""
    limiter = query_threads(request.app)
    if limiter.available_tokens < 1:
        raise QueryBusy(busy_message(request.app.state.settings))
    return await anyio.to_thread.run_sync(partial(call, *args), limiter=limiter)


EMPTY_QUERY = "The query is empty: send one SELECT, ASK, CONSTRUCT or DESCRIBE query"


def _one_query(queries: list[str]) -> str | None:
    if len(queries) > 1:
        raise HTTPException(
            400, f"Give exactly one 'query' parameter; this request has {len(queries)}"
        )
    if queries and not queries[0].strip():
        raise HTTPException(400, EMPTY_QUERY)
    return queries[0] if queries else None


def _one_version(versions: list[str]) -> None:
    """The protocol's optional ``version`` (SPARQL 1.2): at most one; the query is read the
    same whichever version it announces."""
    if len(versions) > 1:
        raise HTTPException(
            400, f"Give at most one 'version' parameter; this request has {len(versions)}"
        )


def _refuse_body(request: Request) -> None:
    """A query by GET carries everything in the URL (SPARQL Protocol 2.2.1): no body."""
    length = request.headers.get("content-length", "0").strip()
    if "transfer-encoding" in request.headers or (length and length != "0"):
        raise HTTPException(
            400, "A GET request must not have a body: put the query in the URL, or POST it"
        )


def offers_for_kind(kind: str) -> tuple[Representation, ...]:
    """What a query of this kind ("select", "ask" or "graph") can be answered in."""
    if kind == "graph":
        return (*GRAPH_REPRESENTATIONS, HTML)
    if kind == "ask":
        return (*ASK_REPRESENTATIONS, HTML)
    return (*SOLUTION_REPRESENTATIONS, HTML)


def offers_for(result: QueryResult) -> tuple[Representation, ...]:
    return offers_for_kind(result.kind)


def result_headers(result: QueryResult) -> dict[str, str]:
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-Result-Truncated"] = "true"
        headers["X-Result-Truncated-By"] = result.truncated_by or "rows"
    return headers


def write_result(result: QueryResult, representation: Representation) -> str:
    """The result in a negotiated format, by the serialisers of ``csc_graph.sparql.results``."""
    table = GRAPH_FORMATS if result.kind == "graph" else SELECT_FORMATS
    _, write = table[representation.media_type]
    return write(result)


def download_links(path: str, params: dict[str, str], result: QueryResult) -> list[dict[str, str]]:
    """Links to the same result in every machine format (for the HTML view)."""
    return [
        {
            "name": rep.name,
            "media_type": rep.media_type,
            "href": f"{path}?{urlencode({**params, 'format': rep.name})}",
        }
        for rep in offers_for(result)
        if rep is not HTML
    ]


def result_context(
    store: Store, result: QueryResult, path: str, params: dict[str, str]
) -> dict[str, Any]:
    """What ``result.html`` shows: the result, its Turtle, download links and the row limit."""
    return {
        "result": result,
        "turtle": write_result(result, GRAPH_REPRESENTATIONS[0]) if result.graph else "",
        "downloads": download_links(path, params, result),
        "max_rows": store.settings.max_rows,
    }


def answer_result(
    request: Request, result: QueryResult, format_name: str | None, page: Callable[[], Response]
) -> Response:
    """The result in the negotiated format (``page`` draws the HTML view), with its headers."""
    representation = choose_representation(request, offers_for(result), format_name)
    if representation is HTML:
        response = page()
    else:
        response = Response(
            write_result(result, representation), media_type=representation.media_type
        )
    response.headers.update(result_headers(result))
    return response


def _answer(
    request: Request,
    store: Store,
    query: str,
    default_graphs: list[str],
    named_graphs: list[str],
    format_name: str | None,
) -> Response:
    result = store.query(query, default_graph_uris=default_graphs, named_graph_uris=named_graphs)

    def page() -> Response:
        context = result_context(store, result, "/sparql", {"query": query})
        return render(request, "query.html", {"query": query, **context})

    return answer_result(request, result, format_name, page)


def _describe_service(request: Request, store: Store, format_name: str | None) -> Response:
    representation = choose_representation(request, (*GRAPH_REPRESENTATIONS, HTML), format_name)
    if representation is HTML:
        response = render(request, "query.html", {"query": STARTER_QUERY, "result": None})
    else:
        endpoint = str(request.url.replace(query="", fragment=""))
        formats = [FORMAT_IRIS[media] for media in (*SELECT_FORMATS, *GRAPH_FORMATS)]
        graph = service_description(endpoint, formats, named_graph_counts(store))
        result = QueryResult(kind="graph", graph=graph)
        response = Response(
            write_result(result, representation), media_type=representation.media_type
        )
    response.headers["Vary"] = "Accept"
    return response


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET), or the service description",
    responses=RESULT_RESPONSES,
)
async def sparql_get(
    request: Request,
    store: StoreDep,
    query: QueryParam = None,
    default_graph_uri: DefaultGraphParam = None,
    named_graph_uri: NamedGraphParam = None,
    version: VersionParam = None,
    format: FormatParam = None,
) -> Response:
    """Run a read-only SPARQL 1.1 query given as ``query=``; without one, describe the service.

    The default graph is the union of all named graphs unless ``default-graph-uri`` names
    some. Results follow the Accept header: SPARQL JSON, XML, CSV or TSV for SELECT and ASK;
    Turtle, JSON-LD, N-Triples or RDF/XML for CONSTRUCT and DESCRIBE.
    """
    if "update" in request.query_params:
        raise HTTPException(403, READ_ONLY)
    _strict_utf8(request.scope.get("query_string", b""))
    _one_version(version or [])
    _refuse_body(request)
    text = _one_query(query or [])
    if text is None:
        return await in_query_thread(request, _describe_service, request, store, format)
    graphs = (default_graph_uri or [], named_graph_uri or [])
    return await in_query_thread(request, _answer, request, store, text, *graphs, format)


def _media_type(request: Request) -> tuple[str, dict[str, str]]:
    raw = request.headers.get("content-type", "")
    media, *params = (part.strip() for part in raw.split(";"))
    options = {}
    for param in params:
        key, _, value = param.partition("=")
        options[key.strip().lower()] = value.strip().strip('"')
    return media.lower(), options


def _strict_utf8(encoded: bytes) -> None:
    """A percent-encoded form or query string must decode to UTF-8, as a raw body must:
    %FF is refused, not silently turned into U+FFFD."""
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(400, f"The form or query string is not valid UTF-8: {error}") from None


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(400, f"The request body is not valid UTF-8: {error}") from None


async def _read_post(request: Request) -> tuple[list[str], dict[str, list[str]]]:
    """The queries and form fields of a POST, after the protocol's media-type rules."""
    media, options = _media_type(request)
    if media == SPARQL_UPDATE:
        raise HTTPException(403, READ_ONLY)
    if media == FORM:
        body = await request.body()
        _strict_utf8(body)
        fields = parse_qs(_decode(body), keep_blank_values=True)
        if "update" in fields:
            raise HTTPException(403, READ_ONLY)
        return fields.get("query", []), fields
    if media == SPARQL_QUERY:
        charset = options.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise HTTPException(415, f"A SPARQL query must be sent as UTF-8, not {charset}")
        return [_decode(await request.body())], {}
    shown = media or "no Content-Type"
    raise HTTPException(
        415, f"POST the query as {FORM} (query=...) or as {SPARQL_QUERY}, not {shown}"
    )


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST, form-encoded or application/sparql-query)",
    responses=RESULT_RESPONSES,
    openapi_extra=POST_BODY,
)
async def sparql_post(
    request: Request,
    store: StoreDep,
    default_graph_uri: DefaultGraphParam = None,
    named_graph_uri: NamedGraphParam = None,
    version: VersionParam = None,
    format: FormatParam = None,
) -> Response:
    """Run a read-only SPARQL 1.1 query sent in the body; updates are refused.

    Dataset parameters may come in the URL or, for a form, in the body.
    """
    if "update" in request.query_params:
        raise HTTPException(403, READ_ONLY)
    _strict_utf8(request.scope.get("query_string", b""))
    queries, fields = await _read_post(request)
    _one_version([*(version or []), *fields.get("version", [])])
    text = _one_query([*request.query_params.getlist("query"), *queries])
    if text is None:
        raise HTTPException(400, "No query: send 'query=' in a form or a SPARQL query body")
    default_graphs = [*(default_graph_uri or []), *fields.get("default-graph-uri", [])]
    named_graphs = [*(named_graph_uri or []), *fields.get("named-graph-uri", [])]
    formats = [*([format] if format is not None else []), *fields.get("format", [])]
    if len(formats) > 1:
        raise HTTPException(400, "Give 'format' once, in the URL or in the form, not both")
    format_name = formats[0] if formats else None
    return await in_query_thread(
        request, _answer, request, store, text, default_graphs, named_graphs, format_name
    )
