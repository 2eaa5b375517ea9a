"""The named-query API: ``/queries`` (the catalogue, JSON or HTML) and ``/queries/{name}``.

Each query file becomes its own OpenAPI operation whose parameters carry the declared
types (integer, date, string, IRI) and enumerations, so a bad value is refused with a 422
that names the parameter. Enumerations that come from a query are filled into the OpenAPI
document from the loaded store. Results are negotiated like ``/sparql``; the HTML view
shows the description, a form for the parameters, the SPARQL text and the result.
"""

import inspect
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BeforeValidator
from starlette.responses import Response

from csc_graph.api.deps import (
    CouncilStoreDep,
    choose_representation,
    editor_link,
    format_query,
    render,
)
from csc_graph.api.security import error_response, validation_detail
from csc_graph.api.sparql import (
    RESULT_RESPONSES,
    answer_result,
    offers_for_kind,
    result_context,
)
from csc_graph.catalogue.named_queries import (
    NamedQuery,
    Param,
    ParamError,
    choice_labels,
    enum_choice,
    iri_suggestions,
    load_catalogue,
    param_choices,
    run_named,
)
from csc_graph.config import Settings
from csc_graph.formats import HTML, Representation, by_name, negotiate
from csc_graph.sparql.guard import check_query
from csc_graph.store.base import Store

router = APIRouter(tags=["Named queries"])

JSON = Representation("json", "application/json")
CATALOGUE_OFFERS = (JSON, HTML)
FORMAT = "format"
COUNCIL = "council"  # every named query takes ?council= (the store is narrowed to it)
PYTHON_TYPES: dict[str, type] = {"integer": int, "date": date, "string": str, "iri": str}
# A form sends an optional field left empty as ``age=``; like the core, read it as left out.
BLANK_IS_ABSENT = BeforeValidator(lambda value: None if value == "" else value)


def catalogue(request: Request) -> Mapping[str, NamedQuery]:
    return request.app.state.catalogue


def describe_query(query: NamedQuery) -> dict[str, Any]:
    """A catalogue entry as JSON: what the query answers and how to call it."""
    return {
        "name": query.name,
        "url": f"/queries/{query.name}",
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": p.default,
                "description": p.description,
                **({"values": list(p.values)} if p.values else {}),
                **({"values_from_query": True} if p.values_query else {}),
            }
            for p in query.params
        ],
        "sparql": query.sparql,
    }


@router.get(
    "/queries",
    summary="The catalogue of named queries",
    responses={200: {"content": {"application/json": {}, "text/html": {}}}},
)
def list_queries(
    request: Request,
    format: Annotated[
        str | None, format_query(CATALOGUE_OFFERS, "Override the Accept header.")
    ] = None,
) -> Response:
    """Every named query with its summary, description, tags, parameters and SPARQL."""
    representation = choose_representation(request, CATALOGUE_OFFERS, format)
    entries = [describe_query(q) for q in catalogue(request).values()]
    if representation is HTML:
        response = render(request, "queries.html", {"queries": entries})
    else:
        response = JSONResponse(entries)
    response.headers["Vary"] = "Accept"
    return response


def _param_error(error: ParamError) -> JSONResponse:
    problem = {"in": "query", "parameter": error.param, "message": str(error)}
    return error_response(422, str(error), errors=[problem])


def _raw_params(request: Request) -> dict[str, str]:
    """The query string without ``format``; a repeated parameter is refused."""
    raw: dict[str, str] = {}
    for name in request.query_params:
        if name in (FORMAT, COUNCIL):
            continue
        values = request.query_params.getlist(name)
        if len(values) > 1:
            raise ParamError(name, "was given more than once")
        raw[name] = values[0]
    return raw


def run_and_render(
    request: Request, store: Store, query: NamedQuery, format_name: str | None
) -> Response:
    """Run a named query with the request's parameters and answer in the negotiated format.

    A bad parameter is a 422: JSON for programs, the query's page with the message for a
    person who filled in its form.
    """
    raw: dict[str, str] = {}
    started = time.perf_counter()
    try:
        raw = _raw_params(request)
        result = run_named(store, query.name, raw, catalogue(request))
    except ParamError as error:
        if _wants_html(request, format_name):
            return form_page(request, store, query, raw, [str(error)])
        refusal = _param_error(error)
        refusal.headers["Vary"] = "Accept"
        return refusal
    elapsed_ms = (time.perf_counter() - started) * 1000

    def page() -> Response:
        context = result_context(store, result, request.url.path, raw)
        page_context = _page_context(store, query, raw)
        return render(
            request, "named_query.html", {**page_context, **context, "elapsed_ms": elapsed_ms}
        )

    return answer_result(request, result, format_name, page)


def form_page(
    request: Request, store: Store, query: NamedQuery, raw: dict[str, str], errors: list[str]
) -> Response:
    """The query's page with its form and no result: empty (200) when nothing was given, with
    the errors above the form as it was filled in (422) otherwise."""
    status = 422 if errors else 200
    context = {**_page_context(store, query, raw), "errors": errors}
    response = render(request, "named_query.html", context, status_code=status)
    response.headers["Vary"] = "Accept"
    return response


def _page_context(store: Store, query: NamedQuery, raw: dict[str, str]) -> dict[str, Any]:
    """The query's page around any result: its description, and the form with these values
    (an enum given by its short name, as in a typed link, selects its full value). Each
    choice is shown by its name: ``options`` holds (value, label) pairs, sorted by label."""
    choices = param_choices(store, query)
    labels = choice_labels(store, [v for values in choices.values() for v in values])
    options = {
        name: sorted(
            ((v, labels.get(v, _local(v))) for v in values), key=lambda pair: pair[1].lower()
        )
        for name, values in choices.items()
    }
    values = {
        name: enum_choice(value, choices[name]) or value if name in choices else value
        for name, value in raw.items()
    }
    return {
        "query": describe_query(query),
        "values": values,
        "choices": choices,
        "options": options,
        "suggestions": iri_suggestions(store, query),
        "editor_link": editor_link(query.sparql),
    }


def _local(value: str) -> str:
    return re.split(r"[/#]", value.rstrip("/#"))[-1] or value


def _wants_html(request: Request, format_name: str | None) -> bool:
    """Whether ``?format=`` or, without it, the Accept header prefers HTML to JSON."""
    if format_name:
        return by_name(format_name, (HTML,)) is HTML
    return negotiate(request.headers.get("accept"), CATALOGUE_OFFERS) is HTML


@router.get("/queries/{name}", include_in_schema=False)
def unknown_query(
    name: Annotated[str, Path(description="The query's name, as listed by /queries.")],
) -> Response:
    """Every named query has its own operation, matched before this route (see ``install``);
    any other name gets a 404 that points at the catalogue."""
    raise HTTPException(404, f"No named query is called '{name}'; see /queries")


# ---------------------------------------------------------------- one operation per query


def _annotation(param: Param) -> Any:
    if param.type == "enum" and param.values:
        return Literal[tuple(param.values)]
    return PYTHON_TYPES.get(param.type, str)


IRI_HELP = (
    "A full IRI, a prefixed name (csc:Service) or a path under the base IRI "
    "(lewisham/youth-justice); text that can be none of these is a 422."
)


def _describe_param(param: Param) -> str | None:
    if param.type == "iri":
        return f"{param.description} {IRI_HELP}".strip()
    return param.description or None


def _examples(param: Param) -> list[Any] | None:
    """An example value for the OpenAPI document: the default, else the first listed value."""
    if param.default is not None:
        return [_python_default(param)]
    return [param.values[0]] if param.values else None


def _python_default(param: Param) -> Any:
    if param.default is None:
        return None
    if param.type == "integer" and re.fullmatch(r"[+-]?\d+", param.default):
        return int(param.default)
    if param.type == "date":
        return date.fromisoformat(param.default)
    return param.default


def _signature(query: NamedQuery, base_iri: str) -> inspect.Signature:
    """request, store, one keyword per declared parameter (aliased to its name), format."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("store", keyword, annotation=CouncilStoreDep),
    ]
    for param in query.params:
        described = Query(
            alias=param.name,
            description=_describe_param(param),
            examples=_examples(param),
        )
        if param.required:
            annotation: Any = Annotated[_annotation(param), described]
            params.append(inspect.Parameter(f"p_{param.name}", keyword, annotation=annotation))
        else:
            annotation = Annotated[_annotation(param) | None, BLANK_IS_ABSENT, described]
            default = _python_default(param)
            params.append(
                inspect.Parameter(
                    f"p_{param.name}", keyword, annotation=annotation, default=default
                )
            )
    offers = offers_for_kind(check_query(query.sparql, base_iri).kind)
    formats = format_query(offers, "Override content negotiation.")
    params.append(
        inspect.Parameter(
            "format_", keyword, annotation=Annotated[str | None, formats], default=None
        )
    )
    return inspect.Signature(params)


def _operation(query: NamedQuery, base_iri: str) -> Callable[..., Any]:
    async def endpoint(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        declared = {p.name for p in query.params} | {FORMAT, COUNCIL}
        unknown = sorted(set(request.query_params) - declared)
        if unknown:
            return _param_error(
                ParamError(
                    unknown[0],
                    f"unknown; {query.name} takes "
                    f"{', '.join(sorted(declared - {FORMAT, COUNCIL})) or 'none'}",
                )
            )
        return await run_in_threadpool(
            run_and_render, request, kwargs["store"], query, kwargs["format_"]
        )

    endpoint.__signature__ = _signature(query, base_iri)  # type: ignore[attr-defined]
    endpoint.__name__ = "query_" + re.sub(r"\W", "_", query.name)
    endpoint.__doc__ = query.description or query.summary
    return endpoint


class _FormRoute(APIRoute):
    """A named query's operation that answers a person's browser with the query's form
    when the parameters are missing or do not fit their types (programs still get the 422
    JSON error), so every catalogue link opens as a form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                if not _wants_html(request, request.query_params.get(FORMAT)):
                    raise
                return await run_in_threadpool(_refused_form, request, exc)

        return route_handler


def _refused_form(request: Request, exc: RequestValidationError) -> Response:
    name = request.url.path.rsplit("/", 1)[-1]
    query = catalogue(request)[name]
    raw = {k: v for k, v in request.query_params.items() if k != FORMAT}
    given = {k: v for k, v in raw.items() if v.strip()}
    errors = [validation_detail(exc)[0]] if given else []
    return form_page(request, request.app.state.store, query, raw, errors)


def operations_router(settings: Settings) -> tuple[APIRouter, dict[str, NamedQuery]]:
    """A router with one typed GET operation per query file, and the catalogue it was made from.

    Include it before ``router`` so the typed operations match before the generic route.
    """
    named = load_catalogue(settings.queries_dir, settings.base_iri, settings.verdict_cache_dir)
    # One tag for all: a tag per topic would list each query again under every topic in /docs.
    operations = APIRouter(tags=["Named queries"], route_class=_FormRoute)
    for query in named.values():
        operations.add_api_route(
            f"/queries/{query.name}",
            _operation(query, settings.base_iri),
            methods=["GET"],
            summary=query.summary,
            description=_operation_description(query),
            operation_id=f"query_{query.name.replace('-', '_')}",
            responses=RESULT_RESPONSES,
        )
    return operations, named


def _operation_description(query: NamedQuery) -> str:
    topics = f"\n\nTopics: {', '.join(query.tags)}." if query.tags else ""
    return (query.description or query.summary) + topics


def install(app: FastAPI, settings: Settings) -> None:
    """Add the per-query operations and the catalogue to the app, and enumerate in OpenAPI
    the parameters whose values come from a query (once the store is loaded)."""
    operations, named = operations_router(settings)
    app.state.catalogue = named
    app.include_router(operations)
    default_openapi = app.openapi

    def openapi_with_choices() -> dict[str, Any]:
        schema = default_openapi()
        store = getattr(app.state, "store", None)
        if store is not None and not getattr(app.state, "choices_documented", False):
            _document_choices(schema, named, store)
            app.state.choices_documented = True
        if not getattr(app.state, "blanks_documented", False):
            _document_blanks(schema, named)
            app.state.blanks_documented = True
        return schema

    app.openapi = openapi_with_choices  # type: ignore[method-assign]


def _document_choices(
    schema: dict[str, Any], named: Mapping[str, NamedQuery], store: Store
) -> None:
    for query in named.values():
        wanted = [p for p in query.params if p.values_query]
        if not wanted:
            continue
        choices = {
            name: values
            for name, values in param_choices(store, query).items()
            if name in {p.name for p in wanted}
        }
        operation = schema["paths"].get(f"/queries/{query.name}", {}).get("get", {})
        for parameter in operation.get("parameters", []):
            values = choices.get(parameter["name"])
            if values is None:
                continue
            shown = _short_values(values)
            parameter["schema"] = {"type": "string", "enum": shown}
            if shown:
                parameter["example"] = shown[0]


def _document_blanks(schema: dict[str, Any], named: Mapping[str, NamedQuery]) -> None:
    """An optional parameter left empty (``age=``, as a form sends it) counts as not given:
    the OpenAPI schema says an empty value is accepted beside the typed ones; a required
    text or IRI may not be empty (minLength 1)."""
    for query in named.values():
        optional = {p.name for p in query.params if not p.required}
        required = {p.name for p in query.params if p.required and p.type in ("string", "iri")}
        operation = schema["paths"].get(f"/queries/{query.name}", {}).get("get", {})
        for parameter in operation.get("parameters", []):
            if parameter["name"] in required and "type" in parameter.get("schema", {}):
                parameter["schema"]["minLength"] = 1  # an empty one is refused with a 422
            if parameter["name"] in optional and "schema" in parameter:
                blank = {"type": "string", "maxLength": 0}
                typed = parameter["schema"]
                options = typed.get("anyOf", [typed])
                parameter["schema"] = {"anyOf": [*options, blank]}


def _short_values(values: list[str]) -> list[str]:
    """Last path segments when they are unique (the API accepts them), else the full values."""
    short = [re.split(r"[/#]", v.rstrip("/#"))[-1] for v in values]
    return short if len(set(short)) == len(short) else values
