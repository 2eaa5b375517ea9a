"""The loading gate: replace the served graph only with data that has no SHACL Violation
and fails no QC check.

``Store.load`` already refuses a graph with Violations and keeps its current data; this
module turns that refusal into an outcome a caller (app startup, the CLI) can report, so a
bad edit to graph/ never takes down the last good graph and the log says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from csc_graph.config import Settings
from csc_graph.governance.shacl import ValidationOutcome, violation_messages
from csc_graph.rdf.files import data_files, parse_file
from csc_graph.store.base import DataFileError, FailedChecksError, InvalidGraphError, Store


def _kept(store: Store) -> str:
    """What a refusal leaves served: the last good graph, or (at a first start) nothing."""
    if store.triple_count():
        return "the previous graph is still served"
    return "there is no previous graph to serve"


@dataclass(frozen=True)
class ReloadOutcome:
    """Whether the new graph is now served and, if not, why (with the first Violations)."""

    reloaded: bool
    reason: str
    validation: ValidationOutcome | None = None
    messages: list[str] = field(default_factory=list)
    quads: int = 0


def unreadable_file(settings: Settings) -> Path | None:
    """The first data file that does not parse, so a refusal can name it."""
    for path in data_files(settings):
        try:
            parse_file(path, settings)
        except Exception:
            return path
    return None


def reload_if_valid(store: Store, settings: Settings) -> ReloadOutcome:
    """Load the files ``settings`` names into ``store`` unless they are unreadable or invalid."""
    try:
        quads = store.load(settings)
    except InvalidGraphError as refusal:
        outcome = refusal.outcome
        reason = f"refused: {outcome.violation_count} SHACL Violation(s); {_kept(store)}"
        return ReloadOutcome(False, reason, outcome, violation_messages(outcome))
    except FailedChecksError as refusal:
        messages = [f"{check.summary} ({check.name})" for check in refusal.failed]
        return ReloadOutcome(False, f"refused: {refusal}; {_kept(store)}", messages=messages)
    except DataFileError as error:
        culprit = unreadable_file(settings)
        where = f"{culprit.relative_to(settings.root)}: " if culprit else ""
        return ReloadOutcome(
            False, f"refused: {where}a data file could not be read ({error}); {_kept(store)}"
        )
    return ReloadOutcome(True, f"loaded {quads} quads", quads=quads)
