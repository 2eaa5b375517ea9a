"""What changed between two versions: results new, fixed and unchanged; triples per resource.

Two reports are compared by each result's ``key`` (shape, constraint, focus, path, value),
so a baseline saved as JSON can be compared with today's run. Two data graphs are
compared after canonicalising blank nodes (rdflib.compare), so an unchanged claim written
as ``[] a csc:Claim`` is not reported as removed and added again. Two git revisions are
read with ``git show REV:path`` into temporary folders and compared the same way.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF
from rdflib.term import Node

from csc_graph.config import Settings
from csc_graph.governance.report import Report, ResultRow, result_rows
from csc_graph.governance.reports import report_for_files, report_for_graph
from csc_graph.governance.shacl import Scope, ScopeError, severity_at_or_above, validate_graph
from csc_graph.rdf.files import read_shapes, read_union
from csc_graph.rdf.labels import id_link, label_of, qname, value_text

REVISION_FOLDERS = ("ontology", "graph", "queries")
"""What a revision's report is built from: data, shapes and QC checks."""


_EMPTY = Graph()


class DiffInputError(ValueError):
    """A baseline report or a git revision that cannot be read (the CLI's exit code 2)."""


@dataclass(frozen=True)
class ReportDiff:
    """Results only in the new report, only in the old one, and in both."""

    new: list[ResultRow]
    fixed: list[ResultRow]
    unchanged: list[ResultRow]


@dataclass(frozen=True)
class ResourceChange:
    """Triples added and removed about one resource (a claim counts under its subject)."""

    resource: str
    label: str
    link: str | None
    added: list[tuple[str, str, str]] = field(default_factory=list)
    removed: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class GraphDiff:
    resources: list[ResourceChange]

    @property
    def added(self) -> int:
        return sum(len(change.added) for change in self.resources)

    @property
    def removed(self) -> int:
        return sum(len(change.removed) for change in self.resources)


@dataclass(frozen=True)
class Comparison:
    """What the report formats show under 'Changes': either part may be absent."""

    results: ReportDiff | None = None
    data: GraphDiff | None = None
    old_label: str = "baseline"
    new_label: str = "current"


# --- Reports -----------------------------------------------------------------------------


def diff_reports(old: Iterable[ResultRow], new: Iterable[ResultRow]) -> ReportDiff:
    old_by_key = {row.key: row for row in old}
    new_by_key = {row.key: row for row in new}
    return ReportDiff(
        new=[row for key, row in new_by_key.items() if key not in old_by_key],
        fixed=[row for key, row in old_by_key.items() if key not in new_by_key],
        unchanged=[row for key, row in new_by_key.items() if key in old_by_key],
    )


_ROW_FIELDS = [f.name for f in fields(ResultRow)]


def rows_from_json(document: object) -> list[ResultRow]:
    """The result rows of a report saved with ``--format json``."""
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise DiffInputError("not a csc-graph JSON report: it has no 'results' list")
    try:
        return [ResultRow(**{name: row[name] for name in _ROW_FIELDS}) for row in results]
    except (KeyError, TypeError) as error:
        raise DiffInputError(f"a result row is incomplete: {error}") from error


def load_baseline(path: Path) -> list[ResultRow]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DiffInputError(f"cannot read the baseline report {path}: {error}") from error
    return rows_from_json(document)


# --- Data graphs -------------------------------------------------------------------------


def _owner(graph: Graph, node: Node) -> Node:
    """The resource a blank node speaks of: a claim's subject, else whoever points at it."""
    seen: set[Node] = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        subject = graph.value(node, RDF.subject)
        parent = subject if subject is not None else next(graph.subjects(None, node), None)
        if parent is None:
            break
        node = parent
    return node


def _triple_text(triple: tuple[Node, Node, Node]) -> tuple[str, str, str]:
    """Subject, predicate and object as text; a blank node shows as ``[]``."""
    s, p, o = triple
    return (
        "[]" if isinstance(s, BNode) else str(s),
        qname(p),
        "[]" if isinstance(o, BNode) else value_text(_EMPTY, o) or "",
    )


def diff_graphs(old: Graph, new: Graph, base_iri: str) -> GraphDiff:
    """Triples removed from ``old`` and added in ``new``, grouped by the resource they describe."""
    old_c, new_c = to_canonical_graph(old), to_canonical_graph(new)
    old_set, new_set = set(old_c), set(new_c)
    changes: dict[Node, ResourceChange] = {}

    def change_for(graph: Graph, triple: tuple[Node, Node, Node]) -> ResourceChange:
        owner = _owner(graph, triple[0])
        if owner not in changes:
            label_graph = new if (owner, None, None) in new else old
            changes[owner] = ResourceChange(
                resource=str(owner) if isinstance(owner, URIRef) else "(blank nodes)",
                label=label_of(label_graph, owner),
                link=id_link(owner, base_iri),
            )
        return changes[owner]

    for triple in sorted(old_set - new_set):
        change_for(old_c, triple).removed.append(_triple_text(triple))
    for triple in sorted(new_set - old_set):
        change_for(new_c, triple).added.append(_triple_text(triple))
    return GraphDiff(sorted(changes.values(), key=lambda c: (c.label, c.resource)))


# --- Git revisions -----------------------------------------------------------------------


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, check=True, timeout=60
        )
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace").strip()
        raise DiffInputError(f"git {' '.join(args[:2])}: {message}") from error
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DiffInputError(f"git could not run: {error}") from error
    return done.stdout


def export_revision(repo: Path, revision: str, destination: Path) -> Path:
    """Write the ontology, graph and queries folders as they were at ``revision``."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--name-only", revision, "--", *REVISION_FOLDERS)
    for name in filter(None, listing.decode().split("\0")):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_git(repo, "show", f"{revision}:{name}"))
    return destination


@contextmanager
def revision_settings(settings: Settings, revision: str | None) -> Iterator[Settings]:
    """Settings whose root is ``revision`` exported to a temp folder (None: the work tree)."""
    if revision is None:
        yield settings
        return
    with tempfile.TemporaryDirectory(prefix="csc-graph-rev-") as folder:
        export_revision(settings.root, revision, Path(folder))
        yield settings.model_copy(update={"root": Path(folder)})


def _shacl_rows(data: Graph, settings: Settings, scope: Scope | None) -> list[ResultRow]:
    """Only the SHACL rows: of the older version, nothing else is compared or shown."""
    shapes = read_shapes(settings)
    outcome = validate_graph(data, shapes, scope, settings.shacl_engine)
    return result_rows(outcome, data, shapes, settings.base_iri)


def compare_revisions(
    settings: Settings, old: str, new: str | None = None, scope: Scope | None = None
) -> tuple[Report, Comparison]:
    """The report at ``new`` (None: the work tree) and how it differs from ``old``."""
    with (
        revision_settings(settings, old) as old_settings,
        revision_settings(settings, new) as new_settings,
    ):
        try:
            old_data, new_data = read_union(old_settings), read_union(new_settings)
        except Exception as error:  # bad Turtle at one revision
            raise DiffInputError(f"cannot read the data: {error}") from error
        old_rows = _shacl_rows(old_data, old_settings, scope)
        new_report = report_for_graph(new_data, new_settings, scope=scope)
        comparison = Comparison(
            results=diff_reports(old_rows, new_report.results),
            data=diff_graphs(old_data, new_data, settings.base_iri),
            old_label=old,
            new_label=new or "working tree",
        )
    return new_report, comparison


def report_with_changes(
    settings: Settings,
    scope: Scope | None = None,
    *,
    baseline: Path | None = None,
    old_revision: str | None = None,
    new_revision: str | None = None,
) -> tuple[Report, Comparison | None]:
    """What ``csc-graph validate`` shows: the report on the work tree (or ``new_revision``),
    compared with a baseline JSON report and/or with the data at ``old_revision``."""
    if new_revision and not old_revision:
        raise DiffInputError("--rev-b needs --rev-a: compare REV-A with REV-B")
    comparison: Comparison | None = None
    if old_revision:
        report, comparison = compare_revisions(settings, old_revision, new_revision, scope)
    else:
        try:
            report = report_for_files(settings, scope)
        except ScopeError:
            raise
        except Exception as error:  # rdflib raises several types for a file that won't parse
            raise DiffInputError(f"cannot read the data: {error}") from error
    if baseline is not None:
        results = diff_reports(load_baseline(baseline), report.results)
        data = comparison.data if comparison else None
        new_label = comparison.new_label if comparison else "current"
        comparison = Comparison(results, data, str(baseline), new_label)
    return report, comparison


def gate_failures(report: Report, comparison: Comparison | None, threshold: str) -> list[ResultRow]:
    """The results that fail a pipeline at ``threshold``: with a baseline or an older
    revision only the new ones, so a known backlog does not block every change."""
    rows = comparison.results.new if comparison and comparison.results else report.results
    return [row for row in rows if severity_at_or_above(row.severity, threshold)]
