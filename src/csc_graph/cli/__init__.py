"""The csc-graph command line: a thin door over the core packages.

One module per group of commands (``querying``, ``data``, ``reports``, ``server``), each a
plain function registered here; ``common`` holds what they share and ``output`` renders.
Exit codes shared by every command: 0 success, 1 the check failed (e.g. validation found
results at or above --fail-on), 2 bad input or usage (bad query, unknown name, bad file,
a setting that names no folder).
"""

from pathlib import Path
from typing import Annotated

import typer

from csc_graph.cli import councils, data, querying, reports, server
from csc_graph.cli.common import fail
from csc_graph.config import settings_from
from csc_graph.errors import ConfigError

app = typer.Typer(
    help="Load, query, validate and export a council's children's social care graph.",
    no_args_is_help=True,
)


@app.callback()
def main(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option(
            help="Folder holding ontology/, queries/ and graph/ (CSC_GRAPH_ROOT); needed "
            "when the package is installed outside the repository."
        ),
    ] = None,
    council: Annotated[
        str | None,
        typer.Option(
            help="One council folder under graph/ to use on its own (CSC_GRAPH_COUNCIL); "
            "absent: the councils of CSC_GRAPH_COUNCILS, else every council."
        ),
    ] = None,
) -> None:
    """Build the settings once for the command that follows; a root or council that is
    not there stops here with exit 2 and a message naming the setting."""
    overrides = {"root": root, "council": council}
    try:
        ctx.obj = settings_from(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise fail(exc) from exc


app.command()(data.load)
app.command()(data.validate)
app.command("queries")(querying.list_queries)
app.command()(querying.query)
app.command()(reports.export)
app.command()(reports.pathways)
app.command()(reports.coverage)
app.command()(server.serve)
app.command("new-council")(councils.new_council_command)
app.command()(councils.quote)
app.command("convert-claims")(councils.convert_claims)

__all__ = ["app"]
