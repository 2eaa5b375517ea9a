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

from rdflib import Dataset, Graph

from csc_graph.cache import ContentCache
from csc_graph.config import Settings
from csc_graph.errors import DataFileError, LoadRefused
from csc_graph.governance import verdicts
from csc_graph.governance.checks import CheckResult, check_files, quote_check, run_checks
from csc_graph.governance.locate import locate
from csc_graph.governance.shacl import ValidationOutcome, validate_graph, violation_messages
from csc_graph.governance.sparql_constraints import oxigraph_store
from csc_graph.rdf.files import bind_prefixes, read_dataset, read_shapes, union_graph
from csc_graph.rdf.namespaces import SH
from csc_graph.store.base import Store

__all__ = [
    "CouncilOutcome",
    "DataFileError",
    "EmptyGraphError",
    "FailedChecksError",
    "GateResult",
    "InvalidGraphError",
    "LoadRefused",
    "Progress",
    "ReloadOutcome",
    "check_council",
    "load_councils",
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

    def __init__(self, outcome: ValidationOutcome, where: dict[str, str] | None = None) -> None:
        super().__init__(
            f"The graph has {outcome.violation_count} SHACL Violation(s); nothing was loaded"
        )
        self.outcome = outcome
        self.where = where or {}
        """Each Violation's focus node (as text) -> the file:line that describes it."""


def _where(outcome: ValidationOutcome, dataset: Dataset, settings: Settings) -> dict[str, str]:
    found = {}
    for result in outcome.report_graph.subjects(SH.resultSeverity, SH.Violation):
        focus = outcome.report_graph.value(result, SH.focusNode)
        if focus is not None:
            place = locate(focus, dataset, settings)
            if place:
                found[str(focus)] = place
    return found


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


@dataclass(frozen=True)
class CouncilOutcome:
    """What the gate said of one council (validated with the ontology and the law)."""

    council: str
    accepted: bool
    reason: str
    refusal: LoadRefused | None = None


def _refuse(council: str, refusal: LoadRefused) -> CouncilOutcome:
    return CouncilOutcome(council, False, f"refused: {refusal}", refusal)


def check_council(settings: Settings) -> tuple[Dataset, CouncilOutcome]:
    """Read and validate one council (``settings`` narrowed to it) with the ontology and law.

    Returns its dataset and an outcome; never raises a LoadRefused (the outcome holds it).
    """
    council = settings.served_councils()[0]
    if not _council_files(settings):
        return Dataset(), _refuse(
            council,
            EmptyGraphError(
                f"{settings.council_dir} holds no .ttl files: there is no data for council "
                f"{council!r} to serve (CSC_GRAPH_COUNCIL, CSC_GRAPH_ROOT)"
            ),
        )
    try:
        key = verdicts.inputs_hash(settings)  # before reading: a later edit gets a new key
        dataset = read_dataset(settings)
        union = union_graph(dataset)
        outcome, failed_checks = _verdicts.get_or_compute(
            (key, str(settings.verdict_cache_dir)), lambda: _verdict(settings, union, key)
        )
        if outcome.conforms:
            quotes = quote_check(union, settings.root)
            failed_checks = [*failed_checks, *([] if quotes.passed else [quotes])]
        if not outcome.conforms:
            raise InvalidGraphError(outcome, _where(outcome, dataset, settings))
        if failed_checks:
            raise FailedChecksError(failed_checks)
    except LoadRefused as refusal:
        return Dataset(), _refuse(council, refusal)
    return dataset, CouncilOutcome(council, True, f"accepted ({len(dataset)} quads)")


@dataclass(frozen=True)
class GateResult:
    """What reached the store: the quad count and each council's outcome, in order."""

    quads: int
    councils: list[CouncilOutcome]

    @property
    def refused(self) -> list[CouncilOutcome]:
        return [outcome for outcome in self.councils if not outcome.accepted]


def load_councils(
    store: Store,
    settings: Settings | None = None,
    progress: Progress | None = None,
    *,
    strict: bool = True,
) -> GateResult:
    """Validate each council on its own (ontology + law + that council) and load those that
    pass, the law shared; each council's files stay their own named graphs.

    ``strict``: any refused council refuses the whole load (the refusal is raised, naming
    the council when there are several). Otherwise the councils that pass are served and
    the others are reported in the result; only when none passes is the refusal raised.
    The store is left as it was whenever a refusal is raised.
    """
    settings = settings or store.settings
    report = progress or (lambda _step, _done, _total: None)
    councils = settings.served_councils()
    if not councils:
        raise EmptyGraphError(
            f"{settings.root / 'graph'} holds no council folder: there is no council to serve "
            "(CSC_GRAPH_ROOT, CSC_GRAPH_COUNCILS)"
        )
    steps = len(councils) + 2
    datasets: list[Dataset] = []
    outcomes: list[CouncilOutcome] = []
    for done, council in enumerate(councils):
        report(f"Validating {council}", done, steps)
        dataset, outcome = check_council(settings.one_council(council))
        outcomes.append(outcome)
        if outcome.accepted:
            datasets.append(dataset)
    refused = [outcome for outcome in outcomes if outcome.refusal is not None]
    if refused and (strict or not datasets):
        refusal = _named(refused[0], several=len(councils) > 1)
        refusal.councils = tuple(outcomes)
        raise refusal
    report("Loading into the store", len(councils), steps)
    count = store.replace(datasets[0] if len(datasets) == 1 else _merged(datasets))
    report("Loaded", steps, steps)
    return GateResult(count, outcomes)


def _named(outcome: CouncilOutcome, *, several: bool) -> LoadRefused:
    """The council's refusal, its message prefixed with the council's name among several."""
    refusal = outcome.refusal
    if refusal is None:  # pragma: no cover - only refused outcomes are passed
        raise TypeError("an accepted council has no refusal")
    if several:
        refusal.args = (f"council {outcome.council!r}: {refusal}", *refusal.args[1:])
    return refusal


def _merged(datasets: list[Dataset]) -> Dataset:
    """One dataset of every named graph (the shared ontology and law graphs come once)."""
    merged = bind_prefixes(Dataset())
    for dataset in datasets:
        for s, p, o, g in dataset.quads((None, None, None, None)):
            name = g.identifier if isinstance(g, Graph) else g
            merged.graph(name).add((s, p, o))
    return merged


def load_into(
    store: Store, settings: Settings | None = None, progress: Progress | None = None
) -> int:
    """Read, validate and load the files ``settings`` names into ``store``; the quad count.

    Each council is validated on its own with the ontology and the law. Raises
    DataFileError, EmptyGraphError, InvalidGraphError or FailedChecksError (for the first
    council refused) and leaves the store's data in place. Readers see either the old data
    or the new, never a mix.
    """
    return load_councils(store, settings, progress, strict=True).quads


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
    councils: list[CouncilOutcome] = field(default_factory=list)
    """Each council's outcome when the load went ahead (a refused council is not served)."""


def council_summary(outcome: CouncilOutcome) -> dict[str, object]:
    """One council's outcome as plain data (for /health and the CLI)."""
    summary: dict[str, object] = {
        "council": outcome.council,
        "accepted": outcome.accepted,
        "reason": outcome.reason,
    }
    if outcome.refusal is not None:
        summary["messages"] = refusal_messages(outcome.refusal)
        if isinstance(outcome.refusal, DataFileError):
            summary["file"] = outcome.refusal.file
    return summary


def refusal_messages(refusal: LoadRefused) -> list[str]:
    """The lines that say what to fix: the first Violations, or the failed checks."""
    if isinstance(refusal, InvalidGraphError):
        return [_placed(line, refusal.where) for line in violation_messages(refusal.outcome)]
    if isinstance(refusal, FailedChecksError):
        return [f"{check.summary} ({check.name})" for check in refusal.failed]
    return []


def _placed(message: str, where: dict[str, str]) -> str:
    """'focus: message' followed by the file and line of the focus node, when known."""
    focus = message.split(": ", 1)[0]
    return f"{message} ({where[focus]})" if focus in where else message


def reload_if_valid(store: Store, settings: Settings) -> ReloadOutcome:
    """Load the files ``settings`` names into ``store`` unless the gate refuses them."""
    try:
        result = load_councils(store, settings, strict=False)
    except LoadRefused as refusal:
        validation = refusal.outcome if isinstance(refusal, InvalidGraphError) else None
        if isinstance(refusal, InvalidGraphError):
            reason = f"{validation.violation_count} SHACL Violation(s)" if validation else ""
        else:
            reason = str(refusal)
        file = refusal.file if isinstance(refusal, DataFileError) else None
        councils = [c for c in refusal.councils if isinstance(c, CouncilOutcome)]
        if len(councils) > 1:
            reason = f"every council refused ({', '.join(c.council for c in councils)}): {reason}"
        return ReloadOutcome(
            False,
            f"refused: {reason}; {_kept(store)}",
            validation,
            refusal_messages(refusal),
            file=file,
            councils=councils,
        )
    reason = f"loaded {result.quads} quads"
    if result.refused:
        names = ", ".join(outcome.council for outcome in result.refused)
        reason += f"; refused council(s) not served: {names}"
    return ReloadOutcome(True, reason, quads=result.quads, councils=result.councils)
