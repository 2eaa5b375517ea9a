"""Where the hand-edited RDF files live, and how to read them.

The instance files in graph/ use relative IRIs (``@prefix lw: <lewisham/>``), so every file
is parsed against the configured base IRI; that is what makes the base configurable.
Each file becomes one named graph, named after its path under the base IRI.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from rdflib import Dataset, Graph, URIRef

from csc_graph.config import Settings
from csc_graph.errors import DataFileError
from csc_graph.rdf.namespaces import PREFIXES


def data_files(settings: Settings) -> list[Path]:
    """The ontology (without its shapes), the law, then the council's data, in a fixed order."""
    folders = [settings.ontology_dir, settings.law_dir, settings.council_dir]
    return [path for folder in folders for path in sorted(folder.glob("*.ttl"))]


def shape_files(settings: Settings) -> list[Path]:
    return sorted(settings.shapes_dir.glob("*.ttl"))


def graph_iri(path: Path, settings: Settings) -> URIRef:
    """The named graph that holds one file: ``{base}graph/{path without .ttl}``."""
    relative = path.resolve().relative_to(settings.root.resolve()).with_suffix("")
    return URIRef(f"{settings.base_iri}graph/{relative.as_posix()}")


GraphT = TypeVar("GraphT", bound=Graph)


def bind_prefixes(graph: GraphT) -> GraphT:
    """Bind the project's prefixes (replacing rdflib's defaults, e.g. https schema:)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def parse_file(path: Path, settings: Settings, into: Graph | None = None) -> Graph:
    """Parse one Turtle file against the base IRI; a DataFileError names the file."""
    graph = into if into is not None else Graph()
    try:
        graph.parse(path, format="turtle", publicID=settings.base_iri)
    except Exception as exc:  # rdflib raises many kinds; the file name is what a user needs
        shown = _shown(path, settings)
        raise DataFileError(f"{shown}: {exc}", file=shown) from exc
    return graph


def _shown(path: Path, settings: Settings) -> str:
    """The path as a user finds it: relative to the root when it is under it."""
    try:
        return str(path.resolve().relative_to(settings.root.resolve()))
    except ValueError:
        return str(path)


def read_union(settings: Settings, files: Iterable[Path] | None = None) -> Graph:
    """All data files merged into one graph (what SHACL validates)."""
    graph = bind_prefixes(Graph())
    for path in data_files(settings) if files is None else files:
        parse_file(path, settings, into=graph)
    return graph


def read_dataset(settings: Settings, files: Iterable[Path] | None = None) -> Dataset:
    """All data files, one named graph each (what the store loads)."""
    dataset = bind_prefixes(Dataset())
    for path in data_files(settings) if files is None else files:
        parse_file(path, settings, into=dataset.graph(graph_iri(path, settings)))
    return dataset


def read_shapes(settings: Settings) -> Graph:
    graph = bind_prefixes(Graph())
    for path in shape_files(settings):
        parse_file(path, settings, into=graph)
    return graph


def union_graph(dataset: Dataset) -> Graph:
    """All named graphs of a dataset merged into one graph, as SHACL validates it."""
    union = Graph()
    for prefix, namespace in dataset.namespaces():
        union.bind(prefix, namespace, override=True)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union
