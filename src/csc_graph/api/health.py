"""``/health``: whether the server has a graph to serve, and what validation said of it."""

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from csc_graph.api.deps import StoreDep
from csc_graph.governance.gate import ReloadOutcome, council_summary
from csc_graph.store.base import Store, StoreError

router = APIRouter(tags=["Health"])

# /health has threads of its own: it must answer while every shared thread waits on queries.
_HEALTH_THREADS = anyio.CapacityLimiter(4)
MAX_REASON = 300
"""Longest reason or message shown (a refused file's parser message can quote the file)."""


def _short(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


HEALTH_EXAMPLE = {
    "status": "ok",
    "store": "embedded",
    "quads": 2930,
    "content_hash": "3f1c0b6d2e…",
    "load": {"loaded": True, "reason": "loaded 2930 quads"},
    "validation": {"conforms": True, "violations": 0, "warnings": 0, "infos": 0},
}


def _validation(outcome: ReloadOutcome | None) -> dict[str, Any] | None:
    """Counts by severity from the loading gate; a graph that was loaded had no Violation."""
    if outcome is None:
        return None
    if outcome.validation is None:
        return {"conforms": True, "violations": 0} if outcome.reloaded else None
    v = outcome.validation
    return {
        "conforms": v.conforms,
        "violations": v.violation_count,
        "warnings": v.warning_count,
        "infos": v.info_count,
        "first_violations": [_short(message) for message in outcome.messages],
    }


def _store_facts(store: Store) -> tuple[int, str]:
    return store.triple_count(), store.content_hash()


@router.get(
    "/health",
    summary="Server status and the validation summary of the served graph",
    responses={
        200: {"content": {"application/json": {"example": HEALTH_EXAMPLE}}},
        503: {"description": "The store cannot be read, or holds no data."},
    },
)
async def health(request: Request, store: StoreDep) -> JSONResponse:
    """``ok`` when the graph is loaded and answers; ``degraded`` when the last load was
    refused but a previous graph is still served; 503 when there is nothing to serve."""
    outcome: ReloadOutcome | None = request.app.state.load_outcome
    body: dict[str, Any] = {
        "status": "ok",
        "store": "remote" if store.settings.store_url else "embedded",
    }
    try:
        quads, content_hash = await anyio.to_thread.run_sync(
            _store_facts, store, limiter=_HEALTH_THREADS
        )
    except StoreError as error:
        body.update(status="unavailable", detail=str(error))
        return JSONResponse(body, status_code=503)
    body.update(quads=quads, content_hash=content_hash)
    if outcome is not None:
        body["load"] = {"loaded": outcome.reloaded, "reason": _short(outcome.reason)}
        if outcome.councils:
            body["councils"] = [council_summary(council) for council in outcome.councils]
        if not outcome.reloaded or any(not council.accepted for council in outcome.councils):
            body["status"] = "degraded"
    body["validation"] = _validation(outcome)
    if quads == 0:
        body["status"] = "empty"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
