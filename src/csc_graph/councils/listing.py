"""The councils in the store, each with its own sources (the pages its facts come from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal

from csc_graph.councils.scope import council_view, served_councils
from csc_graph.store.base import Store

SOURCES = """
SELECT ?source ?title ?url ?captured ?description WHERE {
  ?source a csc:Source ; dct:title ?title .
  OPTIONAL { ?source schema:url ?url }
  OPTIONAL { ?source csc:capturedOn ?captured }
  OPTIONAL { ?source dct:description ?description }
  FILTER(STRSTARTS(STR(?source), ?prefix))
} ORDER BY ?source
"""

COUNCIL = """
SELECT ?council ?label WHERE {
  ?council a csc:Council ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?council), ?prefix))
} ORDER BY ?council
"""


@dataclass(frozen=True)
class SourcePage:
    """One page a council's facts come from: its IRI, title, address and capture date."""

    iri: str
    title: str
    url: str | None
    captured_on: str | None
    description: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "title": self.title,
            "url": self.url,
            "captured_on": self.captured_on,
            "description": self.description,
        }


@dataclass(frozen=True)
class CouncilEntry:
    """A council served: its folder name, its csc:Council and name, and its sources."""

    name: str
    iri: str | None
    label: str | None
    sources: list[SourcePage] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "iri": self.iri,
            "label": self.label,
            "sources": [source.as_json() for source in self.sources],
        }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def council_entry(store: Store, name: str) -> CouncilEntry:
    view = council_view(store, name)
    prefix = {"prefix": Literal(f"{store.settings.base_iri}{name}/")}
    councils = view.query_whole(COUNCIL, bindings=prefix).rows
    sources = [
        SourcePage(
            str(row["source"]),
            str(row["title"]),
            _text(row.get("url")),
            _text(row.get("captured")),
            _text(row.get("description")),
        )
        for row in view.query_whole(SOURCES, bindings=prefix).rows
    ]
    first = councils[0] if councils else {}
    return CouncilEntry(name, _text(first.get("council")), _text(first.get("label")), sources)


def list_councils(store: Store) -> list[CouncilEntry]:
    """Every council the store holds, by folder name, with its sources."""
    return [council_entry(store, name) for name in served_councils(store)]
