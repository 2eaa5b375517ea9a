"""Quotes against their sources: every csc:quote must appear in its source's captured text.

SPARQL cannot read the captured text files, so this check is Python. It runs in the loading
gate and in the governance report beside the SPARQL QC checks. Texts are compared after
collapsing runs of whitespace; for a Markdown source (the legal facts sheet) bold marks and
backticks are dropped too.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import PROV, RDF
from rdflib.term import Node

from csc_graph.rdf.namespaces import CSC


@dataclass(frozen=True)
class QuoteProblem:
    """A claim whose quote cannot be found in its source, and why."""

    claim: Node
    source: Node | None
    quote: str
    reason: str


def normalise(text: str, *, markdown: bool = False) -> str:
    if markdown:
        text = text.replace("**", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def captured_texts(graph: Graph, root: Path) -> dict[Node, str]:
    """Each source's captured text (csc:capturedText, relative to ``root``), normalised;
    a source whose file is missing is left out."""
    texts: dict[Node, str] = {}
    for source, path in graph.subject_objects(CSC.capturedText):
        file = root / str(path)
        if file.is_file():
            texts[source] = normalise(
                file.read_text(encoding="utf-8"), markdown=file.suffix == ".md"
            )
    return texts


def captured_paths(graph: Graph) -> set[str]:
    """The captured text files a graph names (csc:capturedText), relative to the root."""
    return {str(path) for path in graph.objects(None, CSC.capturedText)}


def captured_hash(paths: Iterable[str], root: Path) -> str:
    """SHA-256 over the captured text files (paths relative to ``root``): what the quotes
    check reads besides the graph, so a cached report changes when they do."""
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        file = root / path
        digest.update(path.encode() + b"\0")
        digest.update(file.read_bytes() if file.is_file() else b"(missing)")
        digest.update(b"\0")
    return digest.hexdigest()


def quote_problems(graph: Graph, root: Path) -> list[QuoteProblem]:
    """Every claim whose quote is not in its source's captured text."""
    texts = captured_texts(graph, root)
    problems = []
    for claim in graph.subjects(RDF.type, CSC.Claim):
        source = graph.value(claim, PROV.wasDerivedFrom)
        quote = str(graph.value(claim, CSC.quote) or "")
        if source not in texts:
            problems.append(QuoteProblem(claim, source, quote, "the source has no captured text"))
        elif normalise(quote) not in texts[source]:
            problems.append(QuoteProblem(claim, source, quote, "the quote is not in the source"))
    return sorted(problems, key=lambda p: (str(p.source), p.quote, str(p.claim)))
