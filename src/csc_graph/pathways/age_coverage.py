"""Age coverage: which units are open at each age from 0 to 25, and where the stated ranges
disagree with the law.

The facts come from the store through one CONSTRUCT (``queries/pathways/coverage.rq``).
A unit is open at an age when one of its stated ranges (schema:audience) includes it; a
range with no minimum starts at 0 and one with no maximum runs to 25. Units whose sources
state no range are listed apart, so a gap is read as "no stated range", not "no service".

Two kinds of conflict with statutory bounds are reported:

* the range goes beyond what the unit's legal bases allow: when every legal basis of the
  unit has an age rule, the range must lie within their union (a service acting only under
  CA 1989 s17, whose "child" is under 18 by s105, cannot run to 19);
* the unit works with a concern the law puts a floor under: a unit working with offending
  cannot start below the age of criminal responsibility (CYPA 1933 s50, read from the graph).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import CONCERN, CSC, CV, ORG, SCHEMA
from csc_graph.store.base import Store

AGES = range(26)
AGE_OF_CRIMINAL_RESPONSIBILITY = URIRef(
    "http://www.legislation.gov.uk/id/ukpga/Geo5/23-24/12/section/50"
)
CONCERN_FLOORS: dict[URIRef, URIRef] = {CONCERN["offending"]: AGE_OF_CRIMINAL_RESPONSIBILITY}
"""A unit working with this concern (or a narrower one) may not start below the minimum age
of this provision's age rule."""


@dataclass(frozen=True)
class UnitRange:
    """One stated age range of a unit, inclusive whole years."""

    unit: str
    label: str
    min_age: int
    max_age: int


@dataclass(frozen=True)
class RangeConflict:
    """A stated range that the law does not allow, with the provision that bounds it."""

    unit: str
    label: str
    stated_min: int
    stated_max: int
    provision: str
    allowed_min: int
    allowed_max: int
    message: str


@dataclass
class CoverageReport:
    """Open units per age, gaps, overlaps, units with no stated range, and conflicts."""

    ranges: list[UnitRange]
    open_by_age: dict[int, list[str]]
    gaps: list[int]
    overlaps: dict[int, list[str]]
    unstated: list[str]
    conflicts: list[RangeConflict]
    labels: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ranges": [asdict(r) for r in self.ranges],
            "openByAge": {str(a): units for a, units in self.open_by_age.items()},
            "gaps": self.gaps,
            "overlaps": {str(a): units for a, units in self.overlaps.items()},
            "unstated": [{"unit": u, "label": self.labels[u]} for u in self.unstated],
            "conflicts": [asdict(c) for c in self.conflicts],
        }


def coverage_query(settings: Settings) -> str:
    return (settings.queries_dir / "pathways" / "coverage.rq").read_text(encoding="utf-8")


def load_coverage(store: Store, settings: Settings) -> CoverageReport:
    """The coverage report for everything in the store."""
    return coverage_report(store.construct_whole(coverage_query(settings)))


def _bounds(rdf: Graph, audience: Any) -> tuple[int, int]:
    low = rdf.value(audience, SCHEMA.requiredMinAge)
    high = rdf.value(audience, SCHEMA.requiredMaxAge)
    return (int(low) if low is not None else 0, int(high) if high is not None else AGES[-1])


def _label(rdf: Graph, node: Any) -> str:
    value = rdf.value(node, RDFS.label) or rdf.value(node, CSC.shortTitle)
    return str(value) if value is not None else str(node)


def _broader_closure(rdf: Graph, concept: Any) -> set[Any]:
    return set(rdf.transitive_objects(concept, SKOS.broader))


def _basis_conflicts(rdf: Graph, unit: Any, stated: UnitRange) -> list[RangeConflict]:
    laws = sorted(rdf.objects(unit, CV.hasLegalResource), key=str)
    rules = {law: [_bounds(rdf, a) for a in rdf.objects(law, SCHEMA.audience)] for law in laws}
    if not laws or not all(rules.values()):
        return []
    low = min(b[0] for bounds in rules.values() for b in bounds)
    high = max(b[1] for bounds in rules.values() for b in bounds)
    if low <= stated.min_age and stated.max_age <= high:
        return []
    names = ", ".join(_label(rdf, law) for law in laws)
    message = (
        f"{stated.label} is stated to serve ages {stated.min_age} to {stated.max_age}, but its "
        f"legal bases ({names}) cover only ages {low} to {high}."
    )
    side = 1 if stated.max_age > high else 0
    binding = next(law for law in laws if any(b[side] == (low, high)[side] for b in rules[law]))
    return [
        RangeConflict(
            stated.unit,
            stated.label,
            stated.min_age,
            stated.max_age,
            str(binding),
            low,
            high,
            message,
        )
    ]


def _floor_conflicts(rdf: Graph, unit: Any, stated: UnitRange) -> list[RangeConflict]:
    found = []
    concerns = {
        c for own in rdf.objects(unit, CSC.addressesConcern) for c in _broader_closure(rdf, own)
    }
    for concern, law in CONCERN_FLOORS.items():
        rules = [_bounds(rdf, a) for a in rdf.objects(law, SCHEMA.audience)]
        if concern not in concerns or not rules:
            continue
        floor = max(rule[0] for rule in rules)
        if stated.min_age < floor:
            message = (
                f"{stated.label} works with {concern.rsplit('/', 1)[-1]} and is stated to start "
                f"at age {stated.min_age}, below the minimum of {floor} set by {_label(rdf, law)}."
            )
            found.append(
                RangeConflict(
                    stated.unit,
                    stated.label,
                    stated.min_age,
                    stated.max_age,
                    str(law),
                    floor,
                    AGES[-1],
                    message,
                )
            )
    return found


def coverage_report(rdf: Graph) -> CoverageReport:
    """The report from an RDF graph shaped like the coverage CONSTRUCT's result."""
    units = sorted(rdf.subjects(RDF.type, ORG.OrganizationalUnit), key=str)
    labels = {str(u): _label(rdf, u) for u in units}
    ranges = [
        UnitRange(str(u), labels[str(u)], *_bounds(rdf, a))
        for u in units
        for a in sorted(rdf.objects(u, SCHEMA.audience), key=str)
    ]
    open_by_age = {
        age: sorted({r.unit for r in ranges if r.min_age <= age <= r.max_age}) for age in AGES
    }
    conflicts = [
        conflict
        for r in ranges
        for conflict in _basis_conflicts(rdf, URIRef(r.unit), r)
        + _floor_conflicts(rdf, URIRef(r.unit), r)
    ]
    return CoverageReport(
        ranges=ranges,
        open_by_age=open_by_age,
        gaps=[age for age, open_units in open_by_age.items() if not open_units],
        overlaps={age: found for age, found in open_by_age.items() if len(found) > 1},
        unstated=sorted(u for u in labels if u not in {r.unit for r in ranges}),
        conflicts=conflicts,
        labels=labels,
    )


def coverage_markdown(report: CoverageReport) -> str:
    """The report as Markdown for a reader: ranges, gaps, overlaps, conflicts."""
    lines = ["# Age coverage", "", "| Unit | Ages |", "| --- | --- |"]
    lines += [f"| {r.label} | {r.min_age} to {r.max_age} |" for r in report.ranges]
    gaps = ", ".join(str(a) for a in report.gaps) or "none"
    lines += ["", f"Ages with no unit that states a range: {gaps}.", "", "## Overlaps", ""]
    for age, units in report.overlaps.items():
        lines.append(f"- {age}: " + ", ".join(report.labels[u] for u in units))
    lines += ["", "## Conflicts with statutory bounds", ""]
    lines += [f"- {c.message}" for c in report.conflicts] or ["None found."]
    lines += ["", f"## Units with no stated age range ({len(report.unstated)})", ""]
    lines += [f"- {report.labels[u]}" for u in report.unstated]
    return "\n".join(lines) + "\n"
