"""The QC checks: ``queries/checks/*-violation.rq`` SPARQL queries that must return no rows,
and the quotes check (Python, since SPARQL cannot read the captured source files)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from csc_graph.catalogue.header import header_summary
from csc_graph.config import Settings
from csc_graph.governance.quotes import quote_problems
from csc_graph.rdf.namespaces import sparql_prefixes
from csc_graph.store.base import Store
from csc_graph.store.terms import to_rdflib


@dataclass(frozen=True)
class CheckResult:
    """One ``*-violation.rq`` check: it passes when it returns no rows."""

    name: str
    summary: str
    variables: list[str]
    rows: list[dict[str, str]]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.rows and self.error is None


def check_files(settings: Settings) -> list[Path]:
    return sorted((settings.queries_dir / "checks").glob("*-violation.rq"))


Source = Graph | Store | ox.Store


def select_rows(source: Source, sparql: str) -> tuple[list[str], list[dict[str, Node]]]:
    """Run a SELECT over an rdflib graph (its default graph), a pyoxigraph store holding a
    graph in its default graph (what the gate validates, 20 times faster than rdflib's
    SPARQL) or a Store (the union)."""
    if isinstance(source, ox.Store):
        solutions = source.query(sparql_prefixes() + sparql)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("a QC check must be a SELECT query")
        names = [variable.value for variable in solutions.variables]
        found = [
            {name: to_rdflib(row[name]) for name in names if row[name] is not None}
            for row in solutions
        ]
        return names, found
    if isinstance(source, Graph):
        result = source.query(sparql_prefixes() + sparql)
        variables = [str(v) for v in result.vars or []]
        rows = [
            {name: term for name, term in row.asdict().items() if term is not None}  # type: ignore[union-attr]
            for row in result
        ]
        return variables, rows
    outcome = source.query_whole(sparql_prefixes() + sparql)
    return list(outcome.variables), [dict(row) for row in outcome.rows]


def run_checks(source: Source, files: Iterable[Path]) -> list[CheckResult]:
    """Run each QC check; an error in one check is reported in its row, not raised."""
    checks = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        name = path.stem
        summary = header_summary(text) or name.removesuffix("-violation").replace("-", " ")
        try:
            variables, rows = select_rows(source, text)
        except Exception as error:  # a broken check must not hide the others
            checks.append(CheckResult(name, summary, [], [], error=str(error)))
            continue
        text_rows = [{k: str(v) for k, v in row.items()} for row in rows]
        checks.append(CheckResult(name, summary, variables, text_rows))
    return checks


def quote_check(data: Graph, root: Path) -> CheckResult:
    """The quotes check as a QC check row: each claim's quote must be in its source's
    captured text (Python, since SPARQL cannot read the files)."""
    rows = [
        {"claim": str(p.claim), "source": str(p.source), "quote": p.quote, "problem": p.reason}
        for p in quote_problems(data, root)
    ]
    summary = "A quote that does not appear in its source's captured text"
    return CheckResult(
        "quote-not-in-source", summary, ["claim", "source", "quote", "problem"], rows
    )


def all_checks(source: Source, data: Graph, settings: Settings) -> list[CheckResult]:
    """The SPARQL QC checks (run on ``source``) and the quotes check (on ``data``)."""
    return [*run_checks(source, check_files(settings)), quote_check(data, settings.root)]
