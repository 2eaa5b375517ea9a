"""What route functions receive: the loaded store, the settings, the page templates, and the
representation a client asked for.

The store and settings live on ``app.state`` (set once by the app's lifespan), so routers
never build their own; a router mounted in another app only needs those two attributes.
"""

import re
from collections.abc import Sequence
from importlib.metadata import version
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import Depends, HTTPException, Query, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from rdflib import URIRef
from starlette.responses import Response

from csc_graph.config import Settings
from csc_graph.councils.scope import UnknownCouncil, council_view
from csc_graph.formats import FORMAT_ALIASES, Representation, by_name, negotiate, offer_names
from csc_graph.rdf.labels import short_name
from csc_graph.rdf.namespaces import PREFIXES
from csc_graph.store.base import Store
from csc_graph.web import environment

# Part of every ETag with the data's hash: a new release draws pages (and may write formats)
# differently, so a browser must not keep a page from the last one on a 304.
APP_VERSION = version("csc-graph")


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names this ETag (or '*'); weak tags compare as strong (RFC 9110
    uses the weak comparison for If-None-Match)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


templates = Jinja2Templates(env=environment)


def _base_iri(context: Context) -> str:
    return str(context["request"].app.state.settings.base_iri)


def page_link(iri: str, base_iri: str) -> str:
    """Where this server shows a resource: /id/... under the base IRI, /resource?iri= elsewhere."""
    if iri.startswith(base_iri):
        return "/id/" + quote(iri[len(base_iri) :], safe="/:@-._~!$&'()*+,;=")
    return "/resource?iri=" + quote(iri, safe="")


@pass_context
def _href(context: Context, node: object) -> str:
    return page_link(str(node), _base_iri(context))


@pass_context
def _short(context: Context, node: object) -> str:
    return short_name(str(node), _base_iri(context))


_PREFIX_DECLARED = re.compile(r"^\s*PREFIX\s+([\w-]*):", re.IGNORECASE | re.MULTILINE)


def with_prefixes(sparql: str) -> str:
    """The query with a PREFIX line for each predeclared prefix it uses and does not declare,
    so an editor that checks prefixes (YASGUI) reads it as valid SPARQL on its own."""
    body = re.sub(r"^#.*$", "", sparql, flags=re.MULTILINE)
    body = re.sub(r"<[^>\s]*>|\"[^\"\n]*\"|'[^'\n]*'", " ", body)
    declared = set(_PREFIX_DECLARED.findall(sparql))
    used = [p for p in PREFIXES if p not in declared and re.search(rf"(?<![\w?$]){p}:", body)]
    lines = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)
    return lines + sparql


def editor_link(sparql: str) -> str:
    """A link that opens this query in the SPARQL editor (/query)."""
    return "/query?" + urlencode({"query": with_prefixes(sparql)})


@pass_context
def _editor_examples(context: Context) -> list[dict[str, str]]:
    """The named queries as starting points for the SPARQL editor."""
    named = getattr(context["request"].app.state, "catalogue", {}) or {}
    return [
        {"name": q.name, "summary": q.summary, "sparql": with_prefixes(q.sparql)}
        for q in named.values()
    ]


templates.env.globals.update(
    href=_href,
    short=_short,
    is_iri=lambda n: isinstance(n, URIRef),
    editor_examples=_editor_examples,
    with_prefixes=with_prefixes,
    sparql_prefixes=PREFIXES,
)


def query_threads(app: Any) -> anyio.CapacityLimiter:
    """The threads /sparql may hold: one per query process plus one per queue place."""
    limiter: anyio.CapacityLimiter | None = getattr(app.state, "query_threads", None)
    if limiter is None:
        settings: Settings = app.state.settings
        limiter = anyio.CapacityLimiter(settings.query_workers + settings.query_queue)
        app.state.query_threads = limiter
    return limiter


def busy_message(settings: Settings) -> str:
    return (
        f"All {settings.query_workers} query processes are busy and {settings.query_queue} "
        "queries are waiting (CSC_GRAPH_QUERY_WORKERS, CSC_GRAPH_QUERY_QUEUE); try again"
    )


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

CouncilQuery = Annotated[
    str | None,
    Query(
        description="Only this council's data (its folder name under graph/), with the "
        "shared law; absent: every council served. /councils lists them.",
        examples=["ealing"],
    ),
]


def get_council_store(request: Request, council: CouncilQuery = None) -> Store:
    """The store, or one council's view of it when ``?council=`` names one (400 if unknown)."""
    try:
        return council_view(request.app.state.store, council or None)
    except UnknownCouncil as error:
        raise HTTPException(400, str(error)) from None


CouncilStoreDep = Annotated[Store, Depends(get_council_store)]
"""The store as StoreDep, narrowed to one council by an optional ``?council=``."""


def format_names(offers: Sequence[Representation]) -> list[str]:
    """Every spelling ``?format=`` takes for these offers: short names, then their aliases."""
    names = offer_names(offers)
    spellings = [*names, *(alias for alias, name in FORMAT_ALIASES.items() if name in names)]
    return list(dict.fromkeys(spellings))


def format_query(offers: Sequence[Representation], description: str) -> Any:
    """A ``format`` query parameter whose OpenAPI schema lists every value it takes (another
    value, or an empty one, is a 400 that names them)."""
    names = format_names(offers)
    return Query(
        alias="format",
        description=f"{description} One of: {', '.join(offer_names(offers))}.",
        json_schema_extra={"enum": names},
        openapi_examples={name: {"summary": name, "value": name} for name in names[:2]},
    )


def choose_representation(
    request: Request, offers: Sequence[Representation], format_name: str | None = None
) -> Representation:
    """The ``?format=`` override if given, else the Accept header; 400 or 406 when neither fits."""
    if format_name is not None:
        chosen = by_name(format_name, offers)
        if chosen is None:
            names = ", ".join(offer_names(offers))
            raise HTTPException(400, f"Unknown format '{format_name}'; use one of: {names}")
        return chosen
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        types = ", ".join(offer.media_type for offer in offers)
        raise HTTPException(406, f"None of the accepted media types is available; offered: {types}")
    return chosen


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """An HTML page from web/templates, with the request available to the template."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)
