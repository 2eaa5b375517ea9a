"""The csc-graph command line: a thin door over the core modules.

Exit codes shared by every command: 0 success, 1 the check failed (e.g. validation found
results at or above --fail-on), 2 bad input or usage (bad query, unknown name, bad file).
"""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from csc_graph.catalogue.named_queries import (
    CatalogueError,
    ParamError,
    UnknownQueryError,
    load_catalogue,
    run_named,
)
from csc_graph.cli.output import (
    load_progress,
    result_format_help,
    show_records,
    show_result,
)
from csc_graph.config import Settings
from csc_graph.exports.targets import Target as ExportTarget
from csc_graph.exports.targets import UnknownFormatError, render_export
from csc_graph.governance.diff import DiffInputError, gate_failures, report_with_changes
from csc_graph.governance.shacl import ScopeError, scope_from, violation_messages
from csc_graph.pathways.age_coverage import load_coverage
from csc_graph.pathways.graph import UnknownNameError, load_pathway_graph
from csc_graph.pathways.reports import render_coverage, render_pathways
from csc_graph.store.base import FailedChecksError, InvalidGraphError, Store, StoreError, open_store
from csc_graph.web.report_formats import REPORT_FORMATS

app = typer.Typer(
    help="Load, query, validate and export a council's children's social care graph.",
    no_args_is_help=True,
)

# Each command lives in its own section below; add new commands as new sections.


# ---------------------------------------------------------------------- shared by the commands

OutputFile = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="File to write; standard output when left out."),
]


def _fail(message: object, code: int = 2) -> typer.Exit:
    """Print an error on stderr; the caller raises the returned Exit."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


# ---------------------------------------------------------------------- export (issue 8)


@app.command()
def export(
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
    of every named graph with a VoID description at its head."""
    try:
        result = render_export(_ready_store(Settings()), target, format_name)
    except (UnknownFormatError, StoreError) as exc:
        raise _fail(exc) from exc
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


PictureFormatOption = Annotated[
    PictureFormat, typer.Option("--format", "-f", help="json, md (Markdown) or svg.")
]


def _write_rendered(content: str, output: Path | None) -> None:
    if output is None:
        typer.echo(content, nl=False)
    else:
        output.write_text(content, encoding="utf-8")
        typer.echo(f"Wrote {len(content)} characters to {output}", err=True)


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
    format_name: PictureFormatOption = PictureFormat.md,
    output: OutputFile = None,
) -> None:
    """Routes a child of an age and concern can take, with the law on every step; without
    --age, entry points by age, cliff edges at 16/17/18/21/25, unreachable stages and the
    most central stages. Exit 2 for an unknown concern or stage, or a store error."""
    settings = Settings()
    try:
        graph = load_pathway_graph(_ready_store(settings), settings)
        rendered = render_pathways(graph, format_name.value, age, concern, start)
    except (UnknownNameError, StoreError) as exc:
        raise _fail(exc) from exc
    _write_rendered(rendered.content, output)


@app.command()
def coverage(
    format_name: PictureFormatOption = PictureFormat.md,
    output: OutputFile = None,
) -> None:
    """Which units are open at each age 0-25 (from their stated ranges), the ages with none,
    the overlaps, and ranges that conflict with statutory bounds. Exit 2 on a store error."""
    settings = Settings()
    try:
        report = load_coverage(_ready_store(settings), settings)
    except StoreError as exc:
        raise _fail(exc) from exc
    _write_rendered(render_coverage(report, format_name.value).content, output)


# ------------------------------------------------- load, query, queries, validate, serve (issue 4)


def _ready_store(settings: Settings) -> Store:
    """The configured store, loaded from the files when it is embedded and still empty
    (a remote store, or an on-disk one filled by `csc-graph load`, is used as it is)."""
    store = open_store(settings)
    if not settings.store_url and store.triple_count() == 0:
        with load_progress() as progress:
            store.load(progress=progress)
    return store


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise _fail(f"--param takes NAME=VALUE, not {pair!r}")
        params[name.strip()] = value
    return params


@app.command()
def load() -> None:
    """Validate the ontology and graph files with SHACL and load them into the store: the
    remote store at CSC_GRAPH_STORE_URL, or the embedded one on disk at CSC_GRAPH_STORE_PATH.

    Exit codes:
    0 loaded;
    1 SHACL found Violations or a QC check failed: nothing was loaded and the store keeps
    its data;
    2 a file could not be read, or the store failed.
    """
    try:
        store = open_store(Settings())
        with load_progress() as progress:
            count = store.load(progress=progress)
    except InvalidGraphError as exc:
        for message in violation_messages(exc.outcome):
            typer.echo(f"  {message}", err=True)
        raise _fail(f"{exc}; run `csc-graph validate` for the full report", 1) from exc
    except FailedChecksError as exc:
        for check in exc.failed:
            typer.echo(f"  {check.summary} ({check.name})", err=True)
        raise _fail(f"{exc}; run `csc-graph validate` for the full report", 1) from exc
    except StoreError as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"Loaded {count} quads in {len(store.graph_names())} named graphs; "
        f"content hash {store.content_hash()}"
    )


@app.command("queries")
def list_queries(
    format_name: Annotated[
        str | None,
        typer.Option("--format", "-f", help="table (default on a terminal), csv (piped) or json."),
    ] = None,
) -> None:
    """List the named queries in queries/: name, summary, tags and parameters (* = required).

    Exit codes:
    0 listed;
    2 a query file has a bad header (the message names the file and line).
    """
    settings = Settings()
    try:
        catalogue = load_catalogue(settings.queries_dir, settings.base_iri)
    except CatalogueError as exc:
        raise _fail(exc) from exc
    records = [
        {
            "name": q.name,
            "summary": q.summary,
            "tags": ", ".join(q.tags),
            "params": ", ".join(f"{p.name}{'*' if p.required else ''}:{p.type}" for p in q.params),
        }
        for q in catalogue.values()
    ]
    try:
        show_records("Named queries", records, ["name", "summary", "tags", "params"], format_name)
    except KeyError as exc:
        raise _fail(f"unknown format {format_name!r}; use table, csv or json") from exc


@app.command()
def query(
    name: Annotated[
        str | None, typer.Argument(help="A named query (see `csc-graph queries`).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter of the named query, NAME=VALUE; repeat."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Run the SPARQL query in this file.")
    ] = None,
    sparql: Annotated[str | None, typer.Option("--sparql", help="Run this SPARQL query.")] = None,
    format_name: Annotated[
        str | None, typer.Option("--format", "-f", help=result_format_help())
    ] = None,
) -> None:
    """Run a named query (`csc-graph query services-for-child -p age=15 --format csv`) or an
    ad hoc one (--file q.rq, or --sparql "SELECT ..."). Queries see the union of all named
    graphs; SERVICE, LOAD, updates and remote FROM are refused; the time limit and row cap
    come from CSC_GRAPH_QUERY_TIMEOUT and CSC_GRAPH_MAX_ROWS.

    Exit codes:
    0 answered (a result cut at the row cap says so on stderr);
    2 bad usage, an unknown query, a bad parameter, a syntax error, a refused query,
      a query over the time limit, or a store that failed.
    """
    if sum(x is not None for x in (name, file, sparql)) != 1:
        raise _fail("give exactly one of NAME, --file or --sparql")
    if param and not name:
        raise _fail("--param only applies to a named query")
    params = _parse_params(param or [])  # usage errors before the store is loaded
    settings = Settings()
    try:
        text = file.read_text(encoding="utf-8") if file is not None else sparql
        catalogue = load_catalogue(settings.queries_dir, settings.base_iri) if name else {}
        store = _ready_store(settings)
        result = run_named(store, name, params, catalogue) if name else store.query(str(text))
    except UnknownQueryError as exc:
        raise _fail(f"no named query {name!r}; `csc-graph queries` lists them") from exc
    except (ParamError, CatalogueError, StoreError, OSError) as exc:
        raise _fail(exc) from exc
    try:
        show_result(result, format_name, settings.base_iri)
    except KeyError as exc:
        raise _fail(f"a {result.kind} result cannot be shown as {format_name!r}") from exc


class ReportFormatName(StrEnum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    ttl = "ttl"
    jsonld = "jsonld"


class FailOn(StrEnum):
    warning = "warning"
    violation = "violation"


@app.command()
def validate(
    format_name: Annotated[
        ReportFormatName,
        typer.Option(
            "--format",
            "-f",
            help="text (terminal), md, html (a page for reviewers), json (with a JSON Schema), "
            "ttl or jsonld (the standard sh:ValidationReport).",
        ),
    ] = ReportFormatName.text,
    output: OutputFile = None,
    fail_on: Annotated[
        FailOn, typer.Option(help="Lowest severity that makes the command exit 1.")
    ] = FailOn.violation,
    baseline: Annotated[
        Path | None,
        typer.Option(help="An earlier report saved with --format json: show new/fixed results."),
    ] = None,
    rev_a: Annotated[
        str | None,
        typer.Option("--rev-a", help="Compare with the data at this git revision."),
    ] = None,
    rev_b: Annotated[
        str | None,
        typer.Option("--rev-b", help="...and at this one instead of the work tree."),
    ] = None,
    focus: Annotated[
        list[str] | None,
        typer.Option(help="Only this focus node (IRI, or lewisham/mash); repeatable."),
    ] = None,
    shape: Annotated[
        list[str] | None,
        typer.Option(help="Only this shape (IRI, or UnitParentShape); repeatable."),
    ] = None,
    inference: Annotated[
        bool, typer.Option(help="Apply RDFS inference over the ontology first.")
    ] = False,
) -> None:
    """Validate the graph files with SHACL, run the QC checks in queries/checks/ and list
    where the sources disagree; `--format html -o report.html` writes a page for reviewers.
    With --baseline or --rev-a, the report also shows the results that are new, fixed and
    unchanged, and the triples added and removed per resource; only new results count
    towards --fail-on then.

    Exit codes:
    0 nothing at or above --fail-on, and every QC check passes;
    1 a result at or above --fail-on (Violation by default), or a failed QC check;
    2 bad input: a data file that does not parse, an unreadable baseline, an unknown git
      revision, focus node or shape.
    """
    settings = Settings()
    scope = scope_from(focus or (), shape or (), inference, settings.base_iri)
    try:
        report, comparison = report_with_changes(
            settings, scope, baseline=baseline, old_revision=rev_a, new_revision=rev_b
        )
    except (DiffInputError, ScopeError) as exc:
        raise _fail(exc) from exc
    content = REPORT_FORMATS[format_name.value].render(report, comparison)
    failures = gate_failures(report, comparison, fail_on.value.capitalize())
    if output is None:
        typer.echo(content, nl=False)
    else:
        output.write_text(content, encoding="utf-8")
        counts = ", ".join(f"{n} {severity}" for severity, n in report.counts.items())
        checks = len(report.failed_checks)
        typer.echo(f"Wrote {output}: {counts}; {checks} failed check(s)", err=True)
    if failures or report.failed_checks:
        raise typer.Exit(1)


@app.command()
def serve(
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
    import uvicorn

    from csc_graph.api.app import create_app

    overrides = {"host": host, "port": port, "store_url": store_url}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    try:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
    except (StoreError, OSError) as exc:
        raise _fail(exc) from exc
    except SystemExit as exc:  # uvicorn exits 1 or 3 when it cannot bind or start the app
        if exc.code:
            raise _fail("the server did not start; the log above says why") from exc
        raise
