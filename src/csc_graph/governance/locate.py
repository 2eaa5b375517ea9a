"""Where a focus node is written: the data file (and line) that says most about it, so a
refusal can say "graph/ealing/council.ttl:14" instead of only an IRI."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import BNode, Dataset, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from csc_graph.config import Settings


def _file_of(graph_name: Node, settings: Settings) -> Path | None:
    prefix = f"{settings.base_iri}graph/"
    name = str(graph_name)
    if not name.startswith(prefix):
        return None
    path = settings.root / f"{name[len(prefix) :]}.ttl"
    return path if path.is_file() else None


def _line(path: Path, node: Node) -> int | None:
    """The line where the node's statement starts (the node first on the line), else the
    first line that names it, by its last path segment."""
    local = re.split(r"[/#]", str(node))[-1]
    if not local:
        return None
    named = re.compile(rf"(?<![\w-]){re.escape(local)}(?![\w-])")
    starts = re.compile(rf"^(?:[\w-]*:|<[^>]*[/#]){re.escape(local)}>?(?:\s|$)")
    first = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        if starts.match(line):
            return number
        if first is None and named.search(line):
            first = number
    return first


def locate(node: Node, dataset: Dataset, settings: Settings) -> str | None:
    """``file:line`` (path under the root) where the node is described; a claim (a blank
    node) is found by the fact it is about. None when no data file holds it."""
    subject = node
    if isinstance(node, BNode):
        about = next((s for _, _, s, _ in dataset.quads((node, RDF.subject, None, None))), None)
        subject = about if about is not None else node
    for _, _, _, graph in dataset.quads((subject, None, None, None)):
        name = getattr(graph, "identifier", graph)
        path = _file_of(name, settings) if name is not None else None
        if path is None:
            continue
        shown = path.resolve().relative_to(settings.root.resolve()).as_posix()
        line = _line(path, subject) if isinstance(subject, URIRef) else None
        return f"{shown}:{line}" if line else shown
    return None
