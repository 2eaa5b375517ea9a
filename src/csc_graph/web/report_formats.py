"""The report written out: Turtle and JSON-LD (the standard sh:ValidationReport), JSON (with
a JSON Schema), Markdown, a standalone HTML page and plain text for a terminal.

Each format is one function of (report, comparison); ``REPORT_FORMATS`` maps the CLI's
format names to them and to the media type the API negotiates, so the doors only look up.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from csc_graph.formats import Representation
from csc_graph.governance.diff import Comparison
from csc_graph.governance.report import Report, ResultRow
from csc_graph.rdf.namespaces import SH
from csc_graph.web import WEB_DIR, environment

SCHEMA_PATH = WEB_DIR / "schemas" / "validation-report.schema.json"
SCHEMA_ID = "https://w3id.org/csc-graph/schemas/validation-report.schema.json"

SEVERITY_NAMES = {
    "Violation": "Must fix (Violation): the graph is not served until this is fixed",
    "Warning": "Should check (Warning): a reviewer should look at this",
    "Info": "For information (Info)",
}

JSONLD_CONTEXT = {
    "sh": str(SH),
    "cscsh": "https://w3id.org/csc-graph/shapes#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_env = environment
_env.filters["md"] = lambda text: (
    "" if text is None else str(text).replace("|", "\\|").replace("\n", " ").strip()
)
_env.globals["severity_names"] = SEVERITY_NAMES


def collapse_rows(rows: list[ResultRow]) -> list[list[ResultRow]]:
    """Rows with the same finding (shape, property, message, fix) side by side, so a report
    says a repeated finding once and lists the items it concerns under it."""
    buckets: dict[tuple[str, str, str, str], list[ResultRow]] = {}
    for row in rows:
        key = (row.shape, row.path or "", row.message, row.fix)
        buckets.setdefault(key, []).append(row)
    return list(buckets.values())


def repeated_findings(report: Report) -> list[tuple[str, str, int]]:
    """(severity, message, how many items) for every finding, most serious and commonest
    first: the report's first screen."""
    counts: dict[tuple[str, str], int] = {}
    for row in report.results:
        counts[row.severity, row.message] = counts.get((row.severity, row.message), 0) + 1
    order = {name: i for i, name in enumerate(SEVERITY_NAMES)}
    ranked = sorted(counts.items(), key=lambda item: (order.get(item[0][0], 9), -item[1]))
    return [(severity, message, n) for (severity, message), n in ranked]


_env.filters["collapse_rows"] = collapse_rows


def report_to_dict(report: Report, comparison: Comparison | None = None) -> dict[str, Any]:
    """The JSON form; it follows web/schemas/validation-report.schema.json."""
    document: dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "conforms": report.conforms,
        "content_hash": report.content_hash,
        "scope": {
            "focus": [str(node) for node in report.scope.focus],
            "shapes": [str(node) for node in report.scope.shapes],
            "inference": report.scope.inference,
        },
        "counts": report.counts,
        "checks_failed": len(report.failed_checks),
        "results": [asdict(row) for row in report.results],
        "checks": [{**asdict(check), "passed": check.passed} for check in report.checks],
        "conflicts": conflicts_to_list(report),
    }
    if comparison is not None:
        document["comparison"] = _comparison_dict(comparison)
    return document


def conflicts_to_list(report: Report) -> list[dict[str, Any]]:
    """The conflicts as JSON: what /conflicts serves and the report's "conflicts"."""
    return [asdict(conflict) for conflict in report.conflicts]


def _comparison_dict(comparison: Comparison) -> dict[str, Any]:
    document: dict[str, Any] = {"old": comparison.old_label, "new": comparison.new_label}
    if comparison.results is not None:
        document["results"] = {
            name: [asdict(row) for row in getattr(comparison.results, name)]
            for name in ("new", "fixed", "unchanged")
        }
    if comparison.data is not None:
        document["data"] = {
            "added": comparison.data.added,
            "removed": comparison.data.removed,
            "resources": [asdict(change) for change in comparison.data.resources],
        }
    return document


def render_json(report: Report, comparison: Comparison | None = None) -> str:
    return json.dumps(report_to_dict(report, comparison), indent=2, ensure_ascii=False) + "\n"


def render_turtle(report: Report, comparison: Comparison | None = None) -> str:
    """pySHACL's sh:ValidationReport as Turtle (checks, conflicts and diffs are not SHACL)."""
    return report.shacl.serialize(format="turtle")


def render_jsonld(report: Report, comparison: Comparison | None = None) -> str:
    return report.shacl.serialize(format="json-ld", context=JSONLD_CONTEXT, indent=2)


def render_markdown(report: Report, comparison: Comparison | None = None) -> str:
    return _env.get_template("report.md").render(report=report, comparison=comparison)


def render_html(
    report: Report, comparison: Comparison | None = None, site: str = "", **page: Any
) -> str:
    """A standalone page; resource links are ``{site}/id/...`` (root-relative by default; a
    saved page keeps working when ``site`` is the server's or the public address).

    ``page`` adds what the served workspace shows: ``site_nav``, ``formats`` (links to the
    other formats), ``generated`` (a timestamp), ``version``, ``files`` (focus node to the
    files that hold it), ``upload`` (the form to validate one's own Turtle), ``title``,
    ``note``."""
    return _env.get_template("report.html").render(
        report=report,
        comparison=comparison,
        site=site,
        repeated=repeated_findings(report),
        **page,
    )


CSV_COLUMNS = (
    "severity",
    "focus",
    "focus_label",
    "path",
    "value",
    "message",
    "fix",
    "shape",
    "source",
    "source_title",
    "quote",
    "group_label",
)


def render_csv(report: Report, comparison: Comparison | None = None) -> str:
    """One line per SHACL result, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.results:
        values = asdict(row)
        writer.writerow(["" if values.get(c) is None else str(values[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def render_conflicts_html(report: Report, site: str = "") -> str:
    return _env.get_template("conflicts.html").render(report=report, site=site)


def render_text(report: Report, comparison: Comparison | None = None) -> str:
    return _env.get_template("report.txt").render(report=report, comparison=comparison)


Renderer = Callable[[Report, Comparison | None], str]


@dataclass(frozen=True)
class ReportFormat:
    """A CLI format name, the representation the API negotiates, and the renderer."""

    name: str
    representation: Representation
    render: Renderer


REPORT_FORMATS: dict[str, ReportFormat] = {
    f.name: f
    for f in (
        ReportFormat("html", Representation("html", "text/html"), render_html),
        ReportFormat("json", Representation("json", "application/json"), render_json),
        ReportFormat(
            "ttl",
            Representation("turtle", "text/turtle", ("application/x-turtle",)),
            render_turtle,
        ),
        ReportFormat("jsonld", Representation("json-ld", "application/ld+json"), render_jsonld),
        ReportFormat(
            "md", Representation("md", "text/markdown", ("text/x-markdown",)), render_markdown
        ),
        ReportFormat("text", Representation("text", "text/plain"), render_text),
        ReportFormat("csv", Representation("csv", "text/csv"), render_csv),
    )
}


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema
