"""How the command line shows things: a rich table on a terminal, plain CSV or JSON when
piped, and a progress bar on stderr for long loads. Only cli.py imports this module."""

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rdflib import Literal, URIRef
from rdflib.term import Node
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from csc_graph.rdf.labels import short_name
from csc_graph.sparql.results import format_names, serializer_by_name
from csc_graph.store.base import QueryResult

TABLE = "table"
stdout = Console(soft_wrap=True)
stderr = Console(stderr=True)


def default_format(result_kind: str | None = None) -> str:
    """A table for a person at a terminal; CSV (or Turtle for graphs) for a pipe."""
    if sys.stdout.isatty():
        return TABLE
    return "turtle" if result_kind == "graph" else "csv"


def short(term: Node | None, base_iri: str) -> str:
    """An IRI as prefix:name or a path under the base; a literal as its text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return short_name(str(term), base_iri)
    return str(term) if isinstance(term, Literal) else f"_:{term}"


def print_table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], *, whole_first: bool = False
) -> None:
    """A rich table; with whole_first, the first column (a name to copy) is never wrapped."""
    table = Table(title=title, show_lines=False, header_style="bold")
    for index, name in enumerate(header):
        table.add_column(name, overflow="fold", no_wrap=whole_first and index == 0)
    for row in rows:
        table.add_row(*row)
    stdout.print(table)


def show_result(result: QueryResult, format_name: str | None, base_iri: str) -> None:
    """Print a query result; raises KeyError for a format the result cannot take."""
    chosen = format_name or default_format(result.kind)
    if chosen == TABLE and result.kind == "select":
        rows = [[short(row.get(v), base_iri) for v in result.variables] for row in result.rows]
        print_table(f"{len(rows)} rows", result.variables, rows)
    elif chosen == TABLE and result.kind == "ask":
        stdout.print("yes" if result.boolean else "no")
    else:
        if chosen == TABLE:
            chosen = "turtle"
        _, write = serializer_by_name(result, chosen)
        text = write(result)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")  # JSON ends without one
    if result.truncated:
        stderr.print("[yellow]The result was cut at the row limit (CSC_GRAPH_MAX_ROWS).[/]")


def result_format_help() -> str:
    select = format_names(QueryResult(kind="select"))
    graph = format_names(QueryResult(kind="graph"))
    return (
        f"table (default on a terminal), {', '.join(select)} for SELECT/ASK "
        f"(csv when piped); {', '.join(graph)} for CONSTRUCT/DESCRIBE (turtle when piped)."
    )


def show_records(
    title: str, records: Sequence[dict[str, str]], header: Sequence[str], format_name: str | None
) -> None:
    """Print plain records as a table, CSV or a JSON list; raises KeyError for another format."""
    chosen = format_name or default_format()
    if chosen == TABLE:
        rows = [[r.get(h, "") for h in header] for r in records]
        print_table(title, header, rows, whole_first=True)
    elif chosen == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        sys.stdout.write(out.getvalue())
    elif chosen == "json":
        sys.stdout.write(json.dumps(list(records), indent=2) + "\n")
    else:
        raise KeyError(chosen)


@contextmanager
def load_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback for Store.load, drawn on stderr (silent when not a terminal)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,  # else a blank line lands in a piped stderr
    ) as progress:
        task = progress.add_task("Loading", total=1)

        def report(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        yield report
