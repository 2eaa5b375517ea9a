"""A fact and its sentence written together: RDF 1.2 Turtle annotations, compiled to the
RDF 1.1 reified claims the rest of the project reads.

Authors write one statement per fact with its source and sentence beside it::

    ea:yjs org:subOrganizationOf ea:council
        {| prov:wasDerivedFrom ea:source-x ; csc:evidence csc:Stated ; csc:quote "…" |} .

pyoxigraph (0.5) parses this as the triple plus a reifier ``_:r rdf:reifies <<( s p o )>>``
carrying the annotation. ``compile_file`` turns each reifier into exactly the claim the data
used before, ``[] a csc:Claim ; rdf:subject s ; rdf:predicate p ; rdf:object o ; …``, so
rdflib, pySHACL and any SPARQL 1.1 store read it unchanged (``a csc:Claim`` may be left out
of the annotation; it is added). ``to_annotations`` is the mechanical converter the other
way, for files written with reified claims.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD, NamespaceManager
from rdflib.term import Node

from csc_graph.rdf.namespaces import CSC

REIFIES = "http://www.w3.org/1999/02/22-rdf-syntax-ns#reifies"
ANNOTATION_MARK = "{|"
_PREFIX = re.compile(r"^\s*@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.", re.MULTILINE)


def uses_annotations(text: str) -> bool:
    """Whether a Turtle text has an annotation block (then pyoxigraph must read it)."""
    return ANNOTATION_MARK in text


def _term(term: object, blanks: dict[str, BNode]) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return blanks.setdefault(term.value, BNode())
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):  # rdflib reads "x" as a plain literal
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"an RDF 1.2 triple term can only be the object of rdf:reifies: {term}")


def compile_text(text: str, base_iri: str, into: Graph | None = None) -> Graph:
    """Parse RDF 1.2 Turtle and add it to ``into`` with every reifier as a csc:Claim.

    Raises SyntaxError (pyoxigraph's, with line and column) for text that does not parse.
    """
    graph = into if into is not None else Graph()
    blanks: dict[str, BNode] = {}
    parser = ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=base_iri)
    for triple in parser:
        subject = _term(triple.subject, blanks)
        if triple.predicate.value == REIFIES and isinstance(triple.object, ox.Triple):
            fact = triple.object
            graph.add((subject, RDF.type, CSC.Claim))
            graph.add((subject, RDF.subject, _term(fact.subject, blanks)))
            graph.add((subject, RDF.predicate, URIRef(fact.predicate.value)))
            graph.add((subject, RDF.object, _term(fact.object, blanks)))
            continue
        graph.add((subject, URIRef(triple.predicate.value), _term(triple.object, blanks)))
    for prefix, namespace in _PREFIX.findall(text):
        graph.bind(prefix, URIRef(base_iri + namespace if ":" not in namespace else namespace))
    return graph


def read_text(text: str, base_iri: str) -> Graph:
    """A Turtle text as an RDF 1.1 graph, whether written with annotations or claims."""
    if uses_annotations(text):
        return compile_text(text, base_iri)
    return Graph().parse(data=text, format="turtle", publicID=base_iri)


def compile_file(path: Path, base_iri: str, into: Graph | None = None) -> Graph:
    return compile_text(path.read_text(encoding="utf-8"), base_iri, into)


# ---------------------------------------------------------------- the converter


def convertible_claims(graph: Graph) -> dict[tuple[Node, Node, Node], list[BNode]]:
    """Claims that can become annotations: blank csc:Claims with one subject, predicate and
    object, used nowhere as an object, about a triple the graph asserts."""
    found: dict[tuple[Node, Node, Node], list[BNode]] = defaultdict(list)
    for claim in graph.subjects(RDF.type, CSC.Claim):
        if not isinstance(claim, BNode) or (None, None, claim) in graph:
            continue
        parts = [list(graph.objects(claim, p)) for p in (RDF.subject, RDF.predicate, RDF.object)]
        if any(len(values) != 1 for values in parts):
            continue
        fact = (parts[0][0], parts[1][0], parts[2][0])
        if fact in graph:
            found[fact].append(claim)
    return found


class _Writer:
    def __init__(self, text: str, base_iri: str) -> None:
        self.base_iri = base_iri
        self.names = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
        for prefix, namespace in _PREFIX.findall(text):
            full = namespace if ":" in namespace else base_iri + namespace
            self.names.bind(prefix, URIRef(full), override=True, replace=True)
        self.bnodes: dict[Node, str] = {}

    def term(self, node: Node) -> str:
        if isinstance(node, URIRef):
            if node == RDF.type:
                return "a"
            for prefix, namespace in self.names.namespaces():
                local = str(node)[len(str(namespace)) :]
                if str(node).startswith(str(namespace)) and re.fullmatch(r"[\w-]+", local):
                    return f"{prefix}:{local}"
            if str(node).startswith(self.base_iri):
                return f"<{str(node)[len(self.base_iri) :]}>"
            return f"<{node}>"
        if isinstance(node, BNode):
            return self.bnodes.setdefault(node, f"_:b{len(self.bnodes)}")
        if isinstance(node, Literal):
            if node.datatype == XSD.integer and re.fullmatch(r"[+-]?\d+", str(node)):
                return str(node)
            if node.datatype is not None:
                return f"{Literal(str(node)).n3()}^^{self.term(URIRef(node.datatype))}"
            return node.n3()
        raise TypeError(f"cannot write {node!r}")


def _header(text: str) -> str:
    """The file's opening: prefixes and comments up to the first statement."""
    lines = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(("#", "@prefix", "@base")):
            break
        lines.append(line)
    return "\n".join(lines).rstrip() + "\n"


def to_annotations(text: str, base_iri: str) -> str:
    """A Turtle file written with reified claims, rewritten with annotations: each claimed
    fact once, its claims' sources, quotes and evidence beside it. The file's opening
    (prefixes, comments) is kept, and so is a comment block written just above a subject's
    statement (a section heading); a comment anywhere else is not."""
    graph = read_text(text, base_iri)
    claims = convertible_claims(graph)
    absorbed = {claim for group in claims.values() for claim in group}
    writer = _Writer(text, base_iri)
    out = [_header(text)]
    subjects: list[Node] = []
    for subject in graph.subjects(unique=True):
        if subject not in absorbed and subject not in subjects:
            subjects.append(subject)
    lines = text.splitlines()

    def written_at(subject: Node) -> tuple[int, int, str]:
        """Where the file's own statement about the subject starts, to keep its order."""
        term = writer.term(subject)
        first = next((n for n, line in enumerate(lines) if line.startswith(term + " ")), len(lines))
        return (first, *_order(subject))

    opening = len(_header(text).splitlines())
    for subject in sorted(subjects, key=written_at):
        comments = _comments_above(lines, written_at(subject)[0], opening)
        out.append(comments + _statement(graph, subject, claims, absorbed, writer))
    return "\n".join(out)


def _comments_above(lines: list[str], first: int, opening: int) -> str:
    """The comment lines just above line ``first`` (blank lines between allowed), when they
    lie after the file's opening; with a blank line after them."""
    end = first
    while end > opening and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > opening and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    block = lines[start:end]
    return "\n".join(block) + "\n\n" if block else ""


def _order(node: Node) -> tuple[int, str]:
    return (1 if isinstance(node, BNode) else 0, str(node))


def _annotation(graph: Graph, claim: BNode, writer: _Writer) -> str:
    skip = {RDF.subject, RDF.predicate, RDF.object}
    pairs = [
        (p, o)
        for p, o in sorted(graph.predicate_objects(claim))
        if p not in skip and not (p == RDF.type and o == CSC.Claim)
    ]
    body = " ; ".join(f"{writer.term(p)} {writer.term(o)}" for p, o in pairs)
    return f"{{| {body} |}}"


def _statement(
    graph: Graph,
    subject: Node,
    claims: dict[tuple[Node, Node, Node], list[BNode]],
    absorbed: set[BNode],
    writer: _Writer,
) -> str:
    by_predicate: dict[Node, list[Node]] = defaultdict(list)
    for p, o in graph.predicate_objects(subject):
        by_predicate[p].append(o)
    lines = []
    ordered = sorted(by_predicate, key=lambda p: (p != RDF.type, str(p)))
    for predicate in ordered:
        objects = []
        for obj in sorted(by_predicate[predicate], key=_order):
            annotations = [
                "\n        " + _annotation(graph, claim, writer)
                for claim in sorted(
                    claims.get((subject, predicate, obj), []), key=lambda c: _claim_key(graph, c)
                )
            ]
            objects.append(writer.term(obj) + "".join(annotations))
        lines.append(f"{writer.term(predicate)} " + ", ".join(objects))
    return f"{writer.term(subject)} " + " ;\n    ".join(lines) + " .\n"


def _claim_key(graph: Graph, claim: BNode) -> str:
    return "|".join(sorted(f"{p} {o}" for p, o in graph.predicate_objects(claim)))
