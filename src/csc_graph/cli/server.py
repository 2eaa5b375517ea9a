"""The serve command: the HTTP API and pages, with uvicorn."""

from typing import Annotated

import typer

from csc_graph.cli.common import fail, settings_of
from csc_graph.errors import StoreError


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    store_url: Annotated[
        str | None,
        typer.Option(help="SPARQL endpoint of a remote store; the embedded store when left out."),
    ] = None,
) -> None:
    """Serve the HTTP API and web pages (uvicorn). Defaults come from CSC_GRAPH_HOST,
    CSC_GRAPH_PORT and CSC_GRAPH_STORE_URL.

    Exit codes:
    0 stopped cleanly;
    2 the server could not start (such as a port in use, or data that fails validation).
    """
    from csc_graph.api.app import serve as serve_app  # the web stack only when serving

    overrides = {"host": host, "port": port, "store_url": store_url}
    settings = settings_of(ctx).model_copy(
        update={k: v for k, v in overrides.items() if v is not None}
    )
    try:
        serve_app(settings)
    except (StoreError, OSError) as exc:
        raise fail(exc) from exc
    except SystemExit as exc:  # uvicorn exits 1 or 3 when it cannot bind or start the app
        if exc.code:
            raise fail("the server did not start; the log above says why") from exc
        raise
