"""Derived answers cached by content: named queries, /id/ resources, /services and the rest.

The data only changes at a load, so the answer to a GET on these paths is a pure function of
the store's content hash and the normalised request (path, sorted query parameters, the
headers that choose a representation, and the URL the request came to, which VoID names).
``AnswerCacheMiddleware`` keeps whole 200 answers in one bounded ``ContentCache`` under that
key, gives each an ETag built from the content hash (unless the route set its own) and
answers a matching ``If-None-Match`` with 304. A load changes the content hash, so every
key changes with it: an old answer is never served for new data, and ages out of the cache.
An answer computed while a load swapped the data is not kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from csc_graph.api.deps import APP_VERSION, etag_matches
from csc_graph.cache import ContentCache

CACHED_PATHS = (
    "/queries/",
    "/id/",
    "/resource",
    "/ontology",
    "/services",
    "/organizations",
    "/taxonomies",
    "/taxonomy_terms",
    "/.well-known/void",
    "/export/",
    "/pathways",
    "/coverage",
)
"""GET answers derived from the data alone. Not /sparql (any text; the store bounds it),
/health (the state of the process) or /validation (it has a cache of its own)."""

REPRESENTATION_HEADERS = ("accept", "accept-language")
MAX_ENTRY_BYTES = 1_000_000
"""An answer larger than this is served but not kept (the cache holds at most SIZE)."""
SIZE = 256


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def etag(self) -> str:
        return Headers(raw=list(self.headers)).get("etag", "")


_NOT_KEPT_IN_304 = {b"content-length", b"content-type", b"content-encoding"}


def request_key(scope: Scope) -> tuple[str, ...]:
    """The parts of a request that choose its answer, normalised."""
    headers = Headers(scope=scope)
    query = urlencode(sorted(parse_qsl(scope.get("query_string", b"").decode("latin-1"))))
    return (
        scope["path"],
        query,
        scope.get("scheme", "http"),
        headers.get("host", ""),
        scope.get("root_path", ""),
        *(headers.get(name, "") for name in REPRESENTATION_HEADERS),
    )


def content_etag(content_hash: str, key: tuple[str, ...]) -> str:
    """An ETag from the content hash, the app's version and the request."""
    request = hashlib.sha256("\0".join((APP_VERSION, *key)).encode()).hexdigest()
    return f'"{content_hash[:24]}-{request[:16]}"'


class AnswerCacheMiddleware:
    """Serves GET answers on CACHED_PATHS from the cache, and 304 for a current ETag."""

    def __init__(self, app: ASGIApp, size: int = SIZE) -> None:
        self.app = app
        self.answers: ContentCache[Answer] = ContentCache(size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(CACHED_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        store = getattr(scope["app"].state, "store", None)
        if store is None:
            await self.app(scope, receive, send)
            return
        content_hash = await run_in_threadpool(store.content_hash)
        key = request_key(scope)
        cache_key = (content_hash, APP_VERSION, key)
        if_none_match = Headers(scope=scope).get("if-none-match")
        if etag_matches(if_none_match, content_etag(content_hash, key)):
            # Only this middleware makes such an ETag, and only for this content and request.
            await self._replay(
                Answer(304, ((b"etag", content_etag(content_hash, key).encode()),), b""), True, send
            )
            return
        cached = self.answers.get(cache_key)
        if cached is not None:
            await self._replay(cached, etag_matches(if_none_match, cached.etag), send)
            return
        await self._compute(scope, receive, send, store, cache_key)

    async def _replay(self, answer: Answer, not_modified: bool, send: Send) -> None:
        if not_modified:
            headers = [(k, v) for k, v in answer.headers if k not in _NOT_KEPT_IN_304]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _compute(
        self, scope: Scope, receive: Receive, send: Send, store: object, cache_key: tuple
    ) -> None:
        content_hash, _, key = cache_key
        start: Message = {}
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    headers = MutableHeaders(scope=message)
                    if "etag" not in headers:
                        headers["ETag"] = content_etag(content_hash, key)
                start = message
            elif message["type"] == "http.response.body" and size <= MAX_ENTRY_BYTES:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
            await send(message)

        await self.app(scope, receive, capture)
        if start.get("status") != 200 or size > MAX_ENTRY_BYTES:
            return
        if await run_in_threadpool(store.content_hash) != content_hash:  # type: ignore[attr-defined]
            return  # a load swapped the data while this answer was computed
        headers = tuple((bytes(k), bytes(v)) for k, v in start["headers"])
        self.answers.put(cache_key, Answer(200, headers, b"".join(chunks)))
