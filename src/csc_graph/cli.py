"""The csc-graph command line: a thin door over the core modules.

Exit codes shared by every command: 0 success, 1 the check failed (e.g. validation found
results at or above --fail-on), 2 bad input or usage (bad query, unknown name, bad file).
"""

import sys
from pathlib import Path
from typing import Annotated

import typer

from csc_graph.config import Settings
from csc_graph.exports.targets import Target as ExportTarget
from csc_graph.exports.targets import UnknownFormatError, render_export
from csc_graph.store import StoreError, open_store

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
