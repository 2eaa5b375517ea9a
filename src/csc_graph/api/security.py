"""Security from the start: response headers, a request body limit, and error bodies that
say what went wrong without a stack trace.

The two middlewares are plain ASGI so they also guard routes mounted from elsewhere, and
every error the app returns has the same JSON shape: ``{"status", "error", "detail"}``.
"""

import json
import logging
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from csc_graph.api.deps import busy_message, query_threads, render
from csc_graph.errors import (
    QueryBusy,
    QueryMemoryExceeded,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooComplex,
    ResultTruncated,
    StoreError,
)
from csc_graph.formats import HTML, Representation, negotiate
from csc_graph.store.workers import arrival

log = logging.getLogger(__name__)

# Store errors as HTTP answers: (status, what the client is told before the store's message).
STORE_ERROR_STATUSES: dict[type[Exception], tuple[int, str]] = {
    QueryTooComplex: (400, "The query is nested too deeply"),
    QuerySyntaxError: (400, "The query is not valid SPARQL 1.1"),
    QueryRefused: (403, "This endpoint is read-only and does not reach the network"),
    QueryTimeout: (503, "The query took longer than the time limit"),
    QueryBusy: (503, "The server is answering as many queries as it can"),
    QueryMemoryExceeded: (503, "The query needed more memory than a query may use"),
    ResultTruncated: (503, "The answer is larger than the server's row limit"),
    StoreError: (502, "The store could not answer"),
}

# Strict for our own pages (no inline script, nothing from elsewhere).
STRICT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The /docs and /redoc pages (served from the fastapi-offline package, not a CDN) start
# Swagger UI with an inline script; ReDoc runs a web worker from a blob.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# The validation report and conflicts pages are standalone documents (a reviewer can save
# them, or get the same file from `csc-graph validate -o`), so they carry their own inline
# <style>; inline styles are allowed there, scripts still are not.
STANDALONE_CSP = STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
STANDALONE_PATHS = ("/validation", "/conflicts")
# The SPARQL editor (YASGUI, served from /static/vendor) sets inline styles as it draws its
# tables and panes: its pages allow them (scripts still come only from this server); the
# protocol's own answers on the same paths keep the strict policy.
EDITOR_PATHS = ("/query", "/sparql")

# Errors are JSON unless the client prefers HTML (a browser): then a page with the same text.
ERROR_OFFERS = (Representation("json", "application/json"), HTML)

SECURITY_HEADERS: dict[str, str] = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class ParameterProblem(BaseModel):
    """One refused parameter: where it was, its name, and why."""

    in_: str = Field(alias="in")
    parameter: str
    message: str


class ErrorBody(BaseModel):
    """The JSON body of every error this API returns (documented in OpenAPI as the default
    response, in place of FastAPI's own validation-error shape, which it never sends)."""

    status: int
    error: str = Field(description="The reason phrase of the status.")
    detail: str = Field(description="What went wrong, for a person to read.")
    errors: list[ParameterProblem] | None = Field(
        None, description="For a 422: each parameter that was refused."
    )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {
        "model": ErrorBody,
        "description": "An error, always in this JSON shape; a browser (a client that "
        "prefers text/html) gets a page with the same text.",
    }
}


def document_error_pages(schema: dict[str, Any]) -> dict[str, Any]:
    """Every error response of every operation in the OpenAPI document also offers the HTML
    page ``error_answer`` gives a browser, beside its JSON."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status == "default" or str(status)[0] in "45":
                    content = response.setdefault("content", {})
                    content.setdefault("application/json", {"schema": ERROR_SCHEMA_REF})
                    content.setdefault("text/html", {"schema": {"type": "string"}})
    return schema


ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorBody"}


def error_body(status: int, detail: str, **extra: Any) -> dict[str, Any]:
    """The one JSON shape of every error: the status, its reason phrase, and what went wrong."""
    return {"status": status, "error": HTTPStatus(status).phrase, "detail": detail, **extra}


def error_response(
    status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(error_body(status, detail, **extra), status_code=status, headers=headers)


def error_answer(
    request: Request,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The error as JSON, or as a page for a browser (one that prefers HTML to JSON)."""
    if negotiate(request.headers.get("accept"), ERROR_OFFERS) is HTML:
        body = error_body(status, detail, **extra)
        response: Response = render(request, "error.html", body, status_code=status)
    else:
        response = error_response(status, detail, **extra)
    response.headers.update({**(headers or {}), "Vary": "Accept"})
    return response


def content_security_policy(path: str, content_type: str = "") -> str:
    if path.startswith(DOCS_PATHS):
        return DOCS_CSP
    if path.startswith(STANDALONE_PATHS):
        return STANDALONE_CSP
    if path.startswith(EDITOR_PATHS) and content_type.startswith("text/html"):
        return STANDALONE_CSP
    return STRICT_CSP


class _HTTPMiddleware:
    """Plain ASGI middleware for HTTP requests; other scopes (lifespan) pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class _StartWatch:
    """Passes messages on to ``send`` and remembers whether the response has started (after
    which an error can no longer be answered with a response of its own)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


class SecurityHeadersMiddleware(_HTTPMiddleware):
    """Adds the security headers to every HTTP response that does not set them itself."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.decode("latin-1").lower() for name, _ in headers}
                content_type = next(
                    (v.decode("latin-1") for n, v in headers if n.lower() == b"content-type"), ""
                )
                csp = content_security_policy(path, content_type)
                wanted = {**SECURITY_HEADERS, "content-security-policy": csp}
                headers += [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in wanted.items()
                    if name not in present
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ErrorShieldMiddleware(_HTTPMiddleware):
    """Turns any unhandled exception into a 500 JSON body; the traceback goes to the log only."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        watch = _StartWatch(send)
        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("Unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if watch.started:
                raise
            detail = "The server failed to answer this request; the error is logged."
            await error_response(500, detail)(scope, receive, send)


class HeadAsGetMiddleware(_HTTPMiddleware):
    """Answers HEAD as the GET would be answered, headers only (FastAPI routes are GET-only)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


QUERY_PATHS = ("/sparql", "/query", "/queries/")
"""Doors whose first work is a query someone sent: their deadline counts from arrival."""


class ArrivalMiddleware(_HTTPMiddleware):
    """Notes when a query request arrived: its query's deadline counts from then, not from
    when a thread or a query process became free (``store.workers.arrival``). Only for the
    query doors: a page that computes for seconds before it asks (``/validation``) gives its
    queries their own limit, or its own work would eat their time."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not str(scope.get("path", "")).startswith(QUERY_PATHS):
            await self.app(scope, receive, send)
            return
        token = arrival.set([time.monotonic()])
        try:
            await self.app(scope, receive, send)
        finally:
            arrival.reset(token)


class QueryAdmissionMiddleware(_HTTPMiddleware):
    """A query to /sparql when every query place is taken is refused here, before routing,
    parameter parsing or a thread: a burst of refusals costs little, so /health and pages
    are not held up behind it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")
        if (
            scope.get("path") == "/sparql"
            and app is not None
            and query_threads(app).available_tokens < 1
            and _has_query(scope)
        ):
            prefix = STORE_ERROR_STATUSES[QueryBusy][1]
            detail = f"{prefix}: {busy_message(app.state.settings)}"
            headers = {"Retry-After": str(QueryBusy.retry_after)}
            await error_response(503, detail, headers=headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _has_query(scope: Scope) -> bool:
    return scope.get("method") == "POST" or b"query=" in scope.get("query_string", b"")


class ReadOnlyCORSMiddleware(_HTTPMiddleware):
    """CORS for GET, HEAD and their preflight only: a cross-origin POST (even a "simple"
    one a browser sends without asking) gets no Access-Control-Allow-Origin, so a page
    elsewhere cannot read its answer."""

    def __init__(self, app: ASGIApp, cors: ASGIApp) -> None:
        super().__init__(app)
        self.cors = cors

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.cors if scope["method"] in ("GET", "HEAD", "OPTIONS") else self.app
        await target(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware(_HTTPMiddleware):
    """Answers 413 to a request body over ``max_bytes``, by its Content-Length or as it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        watch = _StartWatch(send)
        try:
            await self.app(scope, counting_receive, watch)
        except _BodyTooLarge:
            if watch.started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than the limit of {self.max_bytes} bytes."
        await error_response(413, detail)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _validation_message(error: Mapping[str, Any]) -> dict[str, Any]:
    """One bad parameter: where it is, its name, and why it was refused."""
    location = [str(part) for part in error.get("loc", ())]
    where, name = (location[0], ".".join(location[1:])) if location else ("request", "")
    return {"in": where, "parameter": name, "message": error.get("msg", "is not valid")}


def validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    """What a 422 says: one sentence, and each refused parameter (the JSON body's ``errors``)."""
    problems = [_validation_message(error) for error in exc.errors()]
    detail = "; ".join(f"{p['in']} parameter '{p['parameter']}': {p['message']}" for p in problems)
    return detail, problems


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):
        raise TypeError("registered for RequestValidationError only")
    detail, problems = validation_detail(exc)
    return error_answer(request, 422, detail, errors=problems)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers at this path, with HEAD beside GET (the
    HEAD middleware answers it) and OPTIONS (answered here), in a fixed order."""
    found = ["OPTIONS"]
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            found.append(method)
    if "GET" in found:
        found.append("HEAD")
    order = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
    return sorted(found, key=order.index)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):
        raise TypeError("registered for HTTPException only")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # say every method the path takes, not just the first route's
        headers["Allow"] = ", ".join(allowed_methods(request))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    return error_answer(request, exc.status_code, detail, headers=headers)


def install_error_handlers(
    app: FastAPI, statuses: Mapping[type[Exception], tuple[int, str]]
) -> None:
    """JSON error bodies for every path; ``statuses`` maps domain errors to (status, prefix).

    The message of a mapped error (a SPARQL parser's, say) is passed on after the prefix;
    anything unmapped reaches ErrorShieldMiddleware and becomes a bare 500.
    """
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    for error_type, (status, prefix) in statuses.items():
        app.add_exception_handler(error_type, _mapped_handler(status, prefix))


def _mapped_handler(status: int, prefix: str) -> Any:
    async def handler(request: Request, exc: Exception) -> Response:
        message = str(exc).strip()
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, QueryBusy) else None
        detail = f"{prefix}: {message}" if message else prefix
        return error_answer(request, status, detail, headers=headers)

    return handler
