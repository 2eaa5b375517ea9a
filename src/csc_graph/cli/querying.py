"""Commands for analysts: list the named queries, run one or an ad hoc query."""

from pathlib import Path
from typing import Annotated

import typer

from csc_graph.catalogue.named_queries import (
    CatalogueError,
    ParamError,
    UnknownQueryError,
    load_catalogue,
    load_named,
    run_named,
)
from csc_graph.cli.common import fail, ready_store, settings_of
from csc_graph.cli.output import result_format_help, show_records, show_result
from csc_graph.errors import StoreError


def list_queries(
    ctx: typer.Context,
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
    settings = settings_of(ctx)
    try:
        catalogue = load_catalogue(
            settings.queries_dir, settings.base_iri, settings.verdict_cache_dir
        )
    except CatalogueError as exc:
        raise fail(exc) from exc
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
        raise fail(f"unknown format {format_name!r}; use table, csv or json") from exc


def query(
    ctx: typer.Context,
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
        raise fail("give exactly one of NAME, --file or --sparql")
    if param and not name:
        raise fail("--param only applies to a named query")
    params = parse_params(param or [])  # usage errors before the store is loaded
    settings = settings_of(ctx)
    try:
        text = file.read_text(encoding="utf-8") if file is not None else sparql
        catalogue = (
            load_named(settings.queries_dir, name, settings.base_iri, settings.verdict_cache_dir)
            if name
            else {}
        )
        store = ready_store(settings)
        result = run_named(store, name, params, catalogue) if name else store.query(str(text))
    except UnknownQueryError as exc:
        raise fail(f"no named query {name!r}; `csc-graph queries` lists them") from exc
    except (ParamError, CatalogueError, StoreError, OSError) as exc:
        raise fail(exc) from exc
    try:
        show_result(result, format_name, settings.base_iri)
    except KeyError as exc:
        raise fail(f"a {result.kind} result cannot be shown as {format_name!r}") from exc


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise fail(f"--param takes NAME=VALUE, not {pair!r}")
        params[name.strip()] = value
    return params
