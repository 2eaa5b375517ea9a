"""What every command shares: the settings built once per invocation, the store made ready
for a question, the --output option and the one way to fail."""

from pathlib import Path
from typing import Annotated

import typer

from csc_graph.cli.output import load_progress
from csc_graph.config import Settings, settings_from
from csc_graph.errors import ConfigError, LoadRefused
from csc_graph.governance.gate import load_into, refusal_messages
from csc_graph.store import open_store
from csc_graph.store.base import Store

OutputFile = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write; standard output when left out."),
]


def fail(message: object, code: int = 2) -> typer.Exit:
    """Print an error on stderr; the caller raises the returned Exit."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def settings_of(ctx: typer.Context) -> Settings:
    """The invocation's settings, built once by the app's callback from --root, --council
    and the environment."""
    if isinstance(ctx.obj, Settings):
        return ctx.obj
    try:
        ctx.obj = settings_from()
    except ConfigError as exc:
        raise fail(exc) from exc
    return ctx.obj


def show_refusal(refusal: LoadRefused) -> None:
    for message in refusal_messages(refusal):
        typer.echo(f"  {message}", err=True)


def ready_store(settings: Settings) -> Store:
    """The configured store, loaded through the gate when it is embedded and still empty
    (a remote store, or an on-disk one filled by `csc-graph load`, is used as it is)."""
    store = open_store(settings)
    if not settings.store_url and store.triple_count() == 0:
        try:
            with load_progress() as progress:
                load_into(store, settings, progress=progress)
        except LoadRefused as refusal:
            show_refusal(refusal)
            raise fail(f"{refusal}; run `csc-graph validate` for the full report") from refusal
    return store


def write_text(content: str, output: Path | None) -> None:
    """``content`` to standard output, or to ``output`` with a line on stderr saying so."""
    if output is None:
        typer.echo(content, nl=False)
    else:
        output.write_text(content, encoding="utf-8")
        typer.echo(f"Wrote {len(content)} characters to {output}", err=True)
