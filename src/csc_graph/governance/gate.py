"""The loading gate: the only way data reaches a store.

It reads the ontology, law and council files, validates them (SHACL, the QC checks and the
quotes check) and only then calls ``store.replace``. It refuses, and leaves the store as it
was, when a file does not parse, the graph has a SHACL Violation, a QC check fails, or there
is no council data at all: what the report calls "must fix" is never served, and a bad edit
never takes down the last good graph.

``load_into`` raises a ``LoadRefused`` for callers that stop on it (the CLI);
``reload_if_valid`` turns the refusal into an outcome for callers that keep serving (the
app's start-up, ``/health``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from csc_graph.cache import ContentCache
from csc_graph.config import Settings
from csc_graph.errors import DataFileError, LoadRefused
from csc_graph.governance import verdicts
from csc_graph.governance.checks import CheckResult, check_files, quote_check, run_checks
from csc_graph.governance.shacl import ValidationOutcome, validate_graph, violation_messages
from csc_graph.governance.sparql_constraints import oxigraph_store
from csc_graph.rdf.files import read_dataset, read_shapes, union_graph
from csc_graph.store.base import Store

__all__ = [
    "DataFileError",
    "EmptyGraphError",
    "FailedChecksError",
    "InvalidGraphError",
    "LoadRefused",
    "Progress",
    "ReloadOutcome",
    "load_into",
    "reload_if_valid",
]

Progress = Callable[[str, int, int], None]
"""Called as progress(step description, steps done, steps in all) while loading."""


class EmptyGraphError(LoadRefused):
    """The council folder holds no data files, so there is nothing to serve."""


class FailedChecksError(LoadRefused):
    """SHACL passed, but a QC check (queries/checks/*-violation.rq) found rows or could not
    run, so the data was not loaded."""

    def __init__(self, failed: list[CheckResult]) -> None:
        names = ", ".join(check.name for check in failed)
        super().__init__(f"{len(failed)} QC check(s) failed ({names}); nothing was loaded")
        self.failed = failed


class InvalidGraphError(LoadRefused):
    """The data failed SHACL with at least one Violation, so it was not loaded."""

    def __init__(self, outcome: ValidationOutcome) -> None:
        super().__init__(
            f"The graph has {outcome.violation_count} SHACL Violation(s); nothing was loaded"
        )
        self.outcome = outcome


Verdict = tuple[ValidationOutcome, list[CheckResult]]
_verdicts: ContentCache[Verdict] = ContentCache(size=8)
"""Start-ups, tests and reloads repeat the same verdict on SHACL and the SPARQL checks: it is
kept in this process, and a passing one on disk (``verdicts.py``), both by the content hash
of every input file. The quotes check reads the captured source texts and takes
milliseconds, so it runs at every load."""


def _verdict(settings: Settings, union: Graph, key: str) -> Verdict:
    """The stored verdict for ``key``, or a new one (stored when it passes and the files
    still hash to ``key``, so an edit made while validating is never marked valid)."""
    stored = verdicts.load(settings, key)
    if stored is not None:
        return stored, []
    outcome, failed = _validate(settings, union)
    if outcome.conforms and not failed and verdicts.inputs_hash(settings) == key:
        verdicts.store(settings, key, outcome)
    return outcome, failed


def _validate(settings: Settings, union: Graph) -> Verdict:
    """SHACL, then the SPARQL checks: with the default engine both run on one pyoxigraph
    store of the union graph (rdflib's SPARQL took 7 s of the checks at 10x Lewisham)."""
    queryable = oxigraph_store(union) if settings.shacl_engine == "turbo" else None
    shapes = read_shapes(settings)
    outcome = validate_graph(union, shapes, engine=settings.shacl_engine, oxigraph=queryable)
    source = queryable if queryable is not None else union
    checks = run_checks(source, check_files(settings)) if outcome.conforms else []
    return outcome, [check for check in checks if not check.passed]


def _council_files(settings: Settings) -> list[Path]:
    return sorted(settings.council_dir.glob("*.ttl"))


def load_into(
    store: Store, settings: Settings | None = None, progress: Progress | None = None
) -> int:
    """Read, validate and load the files ``settings`` names into ``store``; the quad count.

    Raises DataFileError, EmptyGraphError, InvalidGraphError or FailedChecksError and leaves
    the store's data in place. Readers see either the old data or the new, never a mix.
    """
    settings = settings or store.settings
    report = progress or (lambda _step, _done, _total: None)
    if not _council_files(settings):
        raise EmptyGraphError(
            f"{settings.council_dir} holds no .ttl files: there is no data for council "
            f"{settings.council!r} to serve (CSC_GRAPH_COUNCIL, CSC_GRAPH_ROOT)"
        )
    report("Reading data files", 0, 4)
    key = verdicts.inputs_hash(settings)  # before reading: a later edit gets a new key
    dataset = read_dataset(settings)
    report("Validating with SHACL", 1, 4)
    union = union_graph(dataset)
    outcome, failed_checks = _verdicts.get_or_compute(
        (key, str(settings.verdict_cache_dir)), lambda: _verdict(settings, union, key)
    )
    if outcome.conforms:
        quotes = quote_check(union, settings.root)
        failed_checks = [*failed_checks, *([] if quotes.passed else [quotes])]
    if not outcome.conforms:
        raise InvalidGraphError(outcome)
    if failed_checks:
        raise FailedChecksError(failed_checks)
    report("Loading into the store", 2, 4)
    count = store.replace(dataset)
    report("Loaded", 4, 4)
    return count


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
    file: str | None = None
    """The data file that could not be read, under the root, when that was the reason."""


def refusal_messages(refusal: LoadRefused) -> list[str]:
    """The lines that say what to fix: the first Violations, or the failed checks."""
    if isinstance(refusal, InvalidGraphError):
        return violation_messages(refusal.outcome)
    if isinstance(refusal, FailedChecksError):
        return [f"{check.summary} ({check.name})" for check in refusal.failed]
    return []


def reload_if_valid(store: Store, settings: Settings) -> ReloadOutcome:
    """Load the files ``settings`` names into ``store`` unless the gate refuses them."""
    try:
        quads = load_into(store, settings)
    except LoadRefused as refusal:
        validation = refusal.outcome if isinstance(refusal, InvalidGraphError) else None
        if isinstance(refusal, InvalidGraphError):
            reason = f"{validation.violation_count} SHACL Violation(s)" if validation else ""
        else:
            reason = str(refusal)
        file = refusal.file if isinstance(refusal, DataFileError) else None
        return ReloadOutcome(
            False,
            f"refused: {reason}; {_kept(store)}",
            validation,
            refusal_messages(refusal),
            file=file,
        )
    return ReloadOutcome(True, f"loaded {quads} quads", quads=quads)
