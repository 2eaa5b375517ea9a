"""Where the hand-edited RDF files live, and how to read them.

The instance files in graph/ use relative IRIs (``@prefix lw: <lewisham/>``), so every file
is parsed against the configured base IRI; that is what makes the base configurable.
Each file becomes one named graph, named after its path under the base IRI.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from csc_graph.config import Settings
from csc_graph.errors import DataFileError
from csc_graph.rdf.annotations import compile_text, uses_annotations
from csc_graph.rdf.namespaces import PREFIXES
from csc_graph.rdf.oxigraph_terms import from_oxigraph


def data_files(settings: Settings) -> list[Path]:
    """The ontology (without its shapes), the law, then each served council's data, in a
    fixed order."""
    folders = [settings.ontology_dir, settings.law_dir, *settings.council_dirs()]
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


def parse_turtle(path: Path, settings: Settings) -> tuple[list[tuple[Node, Node, Node]], dict]:
    """The triples of one Turtle file parsed by Oxigraph against the base IRI, and its
    prefixes; SyntaxError or ValueError for a file Oxigraph cannot read."""
    parser = ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=settings.base_iri)
    triples = [
        (from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object))
        for q in parser
    ]
    return triples, dict(parser.prefixes)


def parse_file(path: Path, settings: Settings, into: Graph | None = None) -> Graph:
    """Parse one Turtle file against the base IRI; a DataFileError names the file and, for a
    syntax error, the line and column and shows the line itself.

    Oxigraph's parser (Rust) reads the file: rdflib's took 0.5 s of a 2 s ``csc-graph query``
    on the Lewisham graph and grows with the data (``tests/test_graph_data.py`` checks that
    both read every file alike). A file Oxigraph refuses is parsed again by rdflib, whose
    error this module explains line by line."""
    graph = into if into is not None else Graph()
    try:
        text = path.read_text(encoding="utf-8")
        if uses_annotations(text):  # RDF 1.2 annotations: compiled to RDF 1.1 claims
            return compile_text(text, settings.base_iri, into=graph)
    except (SyntaxError, ValueError, OSError) as exc:
        shown = _shown(path, settings)
        raise DataFileError(parse_error_text(exc, shown), file=shown) from exc
    try:
        triples, prefixes = parse_turtle(path, settings)
    except (SyntaxError, ValueError, TypeError, OSError):
        return _parse_with_rdflib(path, settings, graph)
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=False)
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


def _parse_with_rdflib(path: Path, settings: Settings, graph: Graph) -> Graph:
    try:
        graph.parse(path, format="turtle", publicID=settings.base_iri)
    except Exception as exc:  # rdflib raises many kinds; the file name is what a user needs
        shown = _shown(path, settings)
        raise DataFileError(parse_error_text(exc, shown), file=shown) from exc
    return graph


def parse_text(text: str, name: str, settings: Settings, into: Graph | None = None) -> Graph:
    """Parse Turtle given as text (an upload) against the base IRI; errors as parse_file's."""
    graph = into if into is not None else Graph()
    try:
        if uses_annotations(text):  # RDF 1.2 annotations: compiled to RDF 1.1 claims
            return compile_text(text, settings.base_iri, into=graph)
        graph.parse(data=text, format="turtle", publicID=settings.base_iri)
    except Exception as exc:
        raise DataFileError(parse_error_text(exc, name), file=name) from exc
    return graph


def parse_error_text(exc: Exception, shown: str) -> str:
    """What went wrong, for a person: ``file, line L, column C: why``, then the offending
    line with a caret under the column. rdflib's own message embeds the whole file as a
    Python bytes repr; only its reason is kept."""
    if not isinstance(exc, BadSyntax):
        return f"{shown}: {exc}"
    raw = exc._str
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    index = min(max(int(exc._i), 0), len(text))  # a character position in the text
    line_start = text.rfind("\n", 0, index) + 1
    line_end = text.find("\n", index)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    line_number = text.count("\n", 0, index) + 1
    column = index - line_start + 1
    why = str(exc._why).strip() or "bad syntax"
    return (
        f"{shown}, line {line_number}, column {column}: Turtle syntax error: {why}\n"
        f"    {line}\n    {' ' * (column - 1)}^"
    )


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
