"""The FastAPI application factory."""

from fastapi import APIRouter, FastAPI

from csc_graph.config import Settings


def routers() -> list[APIRouter]:
    """Every router the app serves. Each router module is imported here, one line each."""
    return []


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="csc-graph")
    app.state.settings = settings
    for router in routers():
        app.include_router(router)
    return app
