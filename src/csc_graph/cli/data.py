"""Commands for the data: load it through the gate, validate it into a report."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from csc_graph.cli.common import OutputFile, fail, settings_of, show_refusal
from csc_graph.cli.output import load_progress
from csc_graph.errors import LoadRefused, StoreError
from csc_graph.governance.diff import DiffInputError, gate_failures, report_with_changes
from csc_graph.governance.gate import FailedChecksError, InvalidGraphError, load_into
from csc_graph.governance.shacl import ScopeError, scope_from
from csc_graph.store import open_store
from csc_graph.web.report_formats import REPORT_FORMATS


def load(ctx: typer.Context) -> None:
    """Validate the ontology and graph files with SHACL and load them into the store: the
    remote store at CSC_GRAPH_STORE_URL, or the embedded one on disk at CSC_GRAPH_STORE_PATH.

    Exit codes:
    0 loaded;
    1 SHACL found Violations or a QC check failed: nothing was loaded and the store keeps
    its data;
    2 a file could not be read, the council has no data, or the store failed.
    """
    try:
        store = open_store(settings_of(ctx))
        with load_progress() as progress:
            count = load_into(store, progress=progress)
    except LoadRefused as refusal:
        show_refusal(refusal)
        code = 1 if isinstance(refusal, (InvalidGraphError, FailedChecksError)) else 2
        raise fail(f"{refusal}; run `csc-graph validate` for the full report", code) from refusal
    except StoreError as exc:
        raise fail(exc) from exc
    typer.echo(
        f"Loaded {count} quads in {len(store.graph_names())} named graphs; "
        f"content hash {store.content_hash()}"
    )


class ReportFormatName(StrEnum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    ttl = "ttl"
    jsonld = "jsonld"
    csv = "csv"


class FailOn(StrEnum):
    warning = "warning"
    violation = "violation"


def validate(
    ctx: typer.Context,
    format_name: Annotated[
        ReportFormatName,
        typer.Option(
            "--format",
            "-f",
            help="text (terminal), md, html (a page for reviewers), json (with a JSON Schema), "
            "ttl or jsonld (the standard sh:ValidationReport), csv (one line per result).",
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
    settings = settings_of(ctx)
    scope = scope_from(focus or (), shape or (), inference, settings.base_iri)
    try:
        report, comparison = report_with_changes(
            settings, scope, baseline=baseline, old_revision=rev_a, new_revision=rev_b
        )
    except (DiffInputError, ScopeError) as exc:
        raise fail(exc) from exc
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
