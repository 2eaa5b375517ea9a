"""The csc-graph command line: a thin door over the core modules.

Exit codes shared by every command: 0 success, 1 the check failed (e.g. validation found
results at or above --fail-on), 2 bad input or usage (bad query, unknown name, bad file).
"""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from csc_graph.config import Settings
from csc_graph.coverage import load_coverage
from csc_graph.exports.targets import Target as ExportTarget
from csc_graph.exports.targets import UnknownFormatError, render_export
from csc_graph.pathway_reports import render_coverage, render_pathways
from csc_graph.pathways import UnknownNameError, load_pathway_graph
from csc_graph.store import Store, StoreError, open_store

app = typer.Typer(
    help="Load, query, validate and export a council's children's social care graph.",
    no_args_is_help=True,
)

# Each command lives in its own section below; add new commands as new sections.


# ---------------------------------------------------------------------- export (issue 8)


@app.command()
def export(
    target: Annotated[
        ExportTarget, typer.Argument(help="oruk (Open Referral UK JSON), cpsv, schemaorg or dump.")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write; standard output when left out."),
    ] = None,
    format_name: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="cpsv: turtle (default), json-ld, nt, xml; dump: trig (default), nquads.",
        ),
    ] = None,
) -> None:
    """Write the graph for another system: Open Referral UK, CPSV-AP, schema.org, or a dump
    of every named graph with a VoID description at its head."""
    settings = Settings()
    try:
        store = open_store(settings)
        if not settings.store_url:
            store.load()
        result = render_export(store, target, format_name)
    except (UnknownFormatError, StoreError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if output is None:
        sys.stdout.buffer.write(result.content)
    else:
        output.write_bytes(result.content)
        typer.echo(f"Wrote {len(result.content)} bytes of {target} to {output}", err=True)


# ---------------------------------------------------------------------- pathways (issue 7)


class PictureFormat(StrEnum):
    json = "json"
    md = "md"
    svg = "svg"


def _write_rendered(content: str, output: Path | None) -> None:
    if output is None:
        typer.echo(content, nl=False)
    else:
        output.write_text(content, encoding="utf-8")
        typer.echo(f"Wrote {len(content)} characters to {output}", err=True)


def _loaded_store(settings: Settings) -> Store:
    store = open_store(settings)
    if not settings.store_url:
        store.load()
    return store


@app.command()
def pathways(
    age: Annotated[
        int | None,
        typer.Option(min=0, max=25, help="The child's age; left out, the overview is shown."),
    ] = None,
    concern: Annotated[
        list[str] | None,
        typer.Option(
            help="A concern by name (child-criminal-exploitation) or IRI; repeatable. Left "
            "out, steps gated by a concern are open."
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(help="Start stage (stage-arrest or its IRI); default: every entry point."),
    ] = None,
    format_name: Annotated[
        PictureFormat, typer.Option("--format", "-f", help="json, md (Markdown) or svg.")
    ] = PictureFormat.md,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write; standard output when left out."),
    ] = None,
) -> None:
    """Routes a child of an age and concern can take, with the law on every step; without
    --age, entry points by age, cliff edges at 16/17/18/21/25, unreachable stages and the
    most central stages. Exit 2 for an unknown concern or stage, or a store error."""
    settings = Settings()
    try:
        graph = load_pathway_graph(_loaded_store(settings), settings)
        rendered = render_pathways(graph, format_name.value, age, concern, start)
    except (UnknownNameError, StoreError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _write_rendered(rendered.content, output)


@app.command()
def coverage(
    format_name: Annotated[
        PictureFormat, typer.Option("--format", "-f", help="json, md (Markdown) or svg.")
    ] = PictureFormat.md,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write; standard output when left out."),
    ] = None,
) -> None:
    """Which units are open at each age 0-25 (from their stated ranges), the ages with none,
    the overlaps, and ranges that conflict with statutory bounds. Exit 2 on a store error."""
    settings = Settings()
    try:
        report = load_coverage(_loaded_store(settings), settings)
    except StoreError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _write_rendered(render_coverage(report, format_name.value).content, output)
