"""Commands that write the graph in other shapes: export, pathways, coverage."""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from csc_graph.cli.common import OutputFile, fail, ready_store, settings_of, write_text
from csc_graph.errors import StoreError
from csc_graph.exports.targets import Target as ExportTarget
from csc_graph.exports.targets import UnknownFormatError, render_export

# The pathway modules (networkx, Jinja) are imported by the commands that use them, so
# that `csc-graph query` does not pay for them at start.


def export(
    ctx: typer.Context,
    target: Annotated[
        ExportTarget, typer.Argument(help="oruk (Open Referral UK JSON), cpsv, schemaorg or dump.")
    ],
    output: OutputFile = None,
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
    of every named graph with a VoID description at its head.

    Exit codes: 0 written; 2 an unknown format, or a store error."""
    try:
        result = render_export(ready_store(settings_of(ctx)), target, format_name)
    except (UnknownFormatError, StoreError) as exc:
        raise fail(exc) from exc
    if output is None:
        sys.stdout.buffer.write(result.content)
    else:
        output.write_bytes(result.content)
        typer.echo(f"Wrote {len(result.content)} bytes of {target} to {output}", err=True)


class PictureFormat(StrEnum):
    json = "json"
    md = "md"
    svg = "svg"


PictureFormatOption = Annotated[
    PictureFormat, typer.Option("--format", "-f", help="json, md (Markdown) or svg.")
]


def pathways(
    ctx: typer.Context,
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
    format_name: PictureFormatOption = PictureFormat.md,
    output: OutputFile = None,
) -> None:
    """Routes a child of an age and concern can take, with the law on every step; without
    --age, entry points by age, cliff edges at 16/17/18/21/25, unreachable stages and the
    most central stages.

    Exit codes: 0 written; 2 an unknown concern or stage, or a store error."""
    from csc_graph.pathways.graph import UnknownNameError, load_pathway_graph
    from csc_graph.pathways.reports import render_pathways

    settings = settings_of(ctx)
    try:
        graph = load_pathway_graph(ready_store(settings), settings)
        rendered = render_pathways(graph, format_name.value, age, concern, start)
    except (UnknownNameError, StoreError) as exc:
        raise fail(exc) from exc
    write_text(rendered.content, output)


def coverage(
    ctx: typer.Context,
    format_name: PictureFormatOption = PictureFormat.md,
    output: OutputFile = None,
) -> None:
    """Which units are open at each age 0-25 (from their stated ranges), the ages with none,
    the overlaps, and ranges that conflict with statutory bounds.

    Exit codes: 0 written; 2 a store error."""
    from csc_graph.pathways.age_coverage import load_coverage

    settings = settings_of(ctx)
    try:
        report = load_coverage(ready_store(settings), settings)
    except StoreError as exc:
        raise fail(exc) from exc
    from csc_graph.pathways.reports import render_coverage

    write_text(render_coverage(report, format_name.value).content, output)
