"""Councils side by side: the comparison queries (queries/compare-*.rq) pivoted into one
column per council, each cell with the page behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from csc_graph.catalogue.named_queries import NamedQuery, run_named
from csc_graph.store.base import Store


@dataclass(frozen=True)
class Cell:
    """One entry in a council's column: what it is, and the page (and sentence) behind it."""

    text: str
    iri: str | None
    source: str | None
    url: str | None
    quote: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "iri": self.iri,
            "source": self.source,
            "url": self.url,
            "quote": self.quote,
        }


@dataclass
class Comparison:
    """Rows (a concern, a role, a provision, …) by councils (columns), cells listing entries."""

    title: str
    query: str
    councils: list[str]
    rows: dict[str, dict[str, list[Cell]]] = field(default_factory=dict)

    def add(self, row: str, council: str, cell: Cell) -> None:
        cells = self.rows.setdefault(row, {}).setdefault(council, [])
        if cell not in cells:
            cells.append(cell)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "query": self.query,
            "councils": self.councils,
            "rows": [
                {
                    "row": row,
                    "cells": {
                        council: [cell.as_json() for cell in by_council.get(council, [])]
                        for council in self.councils
                    },
                }
                for row, by_council in self.rows.items()
            ],
        }


def _s(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def _ages(row: Mapping[str, Any]) -> str:
    low, high = _s(row, "minAge"), _s(row, "maxAge")
    return f"{low if low is not None else '?'} to {high if high is not None else '?'}"


def compare(
    store: Store,
    catalogue: Mapping[str, NamedQuery],
    councils: list[str],
    *,
    concern: str = "extra-familial-harm",
    age_concern: str = "care-leaver",
) -> list[Comparison]:
    """Four comparisons across ``councils`` (their rdfs:label names): units for a concern,
    age ranges for a concern, roles and legal bases, and ages with no stated coverage."""
    units = Comparison(f"Units for the concern {concern}", "compare-units-for-concern", councils)
    for row in run_named(store, units.query, {"concern": concern}, catalogue).rows:
        units.add(concern, str(row["councilName"]), _cell(row, str(row["label"])))
    ages = Comparison(f"Age ranges for the concern {age_concern}", "compare-age-ranges", councils)
    for row in run_named(store, ages.query, {"concern": age_concern}, catalogue).rows:
        ages.add(age_concern, str(row["councilName"]), _cell(row, f"{row['label']}: {_ages(row)}"))
    roles = Comparison("Roles and legal bases", "compare-roles-and-law", councils)
    for row in run_named(store, roles.query, {"show": "both"}, catalogue).rows:
        roles.add(str(row["item"]), str(row["councilName"]), _cell(row, str(row["label"])))
    gaps = Comparison("Ages 0 to 25 with no stated coverage", "compare-coverage-gaps", councils)
    for row in run_named(store, gaps.query, {}, catalogue).rows:
        gaps.add("ages", str(row["councilName"]), Cell(str(row["age"]), None, None, None, None))
    return [units, ages, roles, gaps]


def _cell(row: Mapping[str, Any], text: str) -> Cell:
    return Cell(text, _s(row, "unit"), _s(row, "source"), _s(row, "url"), _s(row, "quote"))
