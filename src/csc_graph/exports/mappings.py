"""Run the declarative export mappings (``queries/exports/*.rq``) against the store.

Each export target keeps its mapping in a SPARQL file, so a reader finds one file per
target; this module only loads a file by name and runs it. A result cut by the store's row
cap would silently drop data from an export, so it is an error here.
"""

from rdflib import Graph
from rdflib.term import Node

from csc_graph.config import Settings
from csc_graph.store.base import Store, StoreError


class ExportError(StoreError):
    """An export could not be produced in full (for instance, the row cap cut a mapping)."""


def mapping_text(settings: Settings, name: str) -> str:
    """The text of ``queries/exports/{name}.rq``."""
    return (settings.queries_dir / "exports" / f"{name}.rq").read_text(encoding="utf-8")


def select_rows(store: Store, name: str) -> list[dict[str, Node]]:
    """The rows of a SELECT mapping (ResultTruncated when the row cap would cut them)."""
    return store.query_whole(mapping_text(store.settings, name)).rows


def construct_graph(store: Store, name: str) -> Graph:
    """The graph a CONSTRUCT mapping builds (ResultTruncated when the row cap would cut it)."""
    result = store.query_whole(mapping_text(store.settings, name))
    if result.graph is None:
        raise ExportError(f"The mapping {name}.rq did not return a whole graph")
    return result.graph
