"""SHACL-SPARQL constraints run as one Oxigraph query each, over all focus nodes at once.

A SHACL engine evaluates an ``sh:sparql`` constraint once per focus node with ``$this``
pre-bound. pySHACL parses the query text again each time, and pyshacl-turbo still runs one
query per focus node: at 10 times the Lewisham graph that is 16 s of pyshacl-turbo's 17 s.
Here each constraint runs once, unbound, in Oxigraph, and its rows are kept for the shape's
focus nodes. That gives what pre-binding gives for a query of one narrow form, which every
constraint in ontology/shapes/ has and ``as_one_query`` checks (anything else stays with the
engine, left in the shapes graph by ``split_shapes``): the WHERE clause opens with a triple
pattern of variables that binds ``$this``, then only FILTERs, one of them a
``FILTER NOT EXISTS { P }`` whose variables shared with the rest all occur in that first
pattern. Every row then binds those variables, so P with them substituted (pre-binding) is
empty exactly when no solution of P agrees with the row: ``MINUS { P }``, which Oxigraph
runs as one hash anti-join (0.1 s at 10 times Lewisham, where FILTER NOT EXISTS took 3.5 s
per constraint, planned without knowing the row's bindings).

The results are written as pySHACL writes them (``results_into`` adds them to the engine's
report): the shape's severity, ``?this`` as the focus node, ``?path`` as the result path,
``?value`` (else the focus node) as the value, the constraint as sh:sourceConstraint, and the
shape's and constraint's messages with ``{?var}`` filled in, as plain literals.
``tests/test_shapes_cases.py`` requires the same rows as pySHACL on every SHACL case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from csc_graph.rdf.namespaces import SH
from csc_graph.store.terms import to_oxigraph, to_rdflib

_VARIABLE = r"[$?]\w+"
_FIRST_PATTERN = re.compile(
    rf"\bWHERE\s*\{{\s*(?P<s>{_VARIABLE})\s+(?P<p>{_VARIABLE})\s+(?P<o>{_VARIABLE})\s*\.",
    re.IGNORECASE,
)
_NOT_EXISTS = re.compile(r"\bFILTER\s+NOT\s+EXISTS\s*\{", re.IGNORECASE)
_UNSUPPORTED = re.compile(
    r"(?i:\b(MINUS|OPTIONAL|UNION|BIND|VALUES|SERVICE|GRAPH)\b|\{\s*SELECT\b)"
    r"|\$PATH\b|[$?](currentShape|shapesGraph)\b"
)
_TARGET_PATTERNS = {
    SH.targetClass: "{{ ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* {} }}",
    SH.targetSubjectsOf: "{{ ?this {} ?any }}",
    SH.targetObjectsOf: "{{ ?any {} ?this }}",
}


@dataclass(frozen=True)
class SparqlConstraint:
    """One sh:sparql constraint of a node shape, ready to run as a single query."""

    shape: Node
    constraint: Node
    query: str
    targets: str
    target_nodes: tuple[Node, ...]
    severity: Node
    messages: tuple[Node, ...]


def _prefixes(shapes: Graph, constraint: Node) -> str:
    lines = []
    for declarations in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(declarations, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines)


def _target_query(shapes: Graph, shape: Node) -> str:
    patterns = [
        template.format(f"<{target}>")
        for predicate, template in _TARGET_PATTERNS.items()
        for target in shapes.objects(shape, predicate)
    ]
    if (shape, RDF.type, RDFS.Class) in shapes:  # an implicit class target
        patterns.append(_TARGET_PATTERNS[SH.targetClass].format(f"<{shape}>"))
    return f"SELECT DISTINCT ?this WHERE {{ {' UNION '.join(patterns)} }}" if patterns else ""


def _variables(text: str) -> set[str]:
    return {name[1:] for name in re.findall(_VARIABLE, text)}


def _block_end(text: str, start: int) -> int:
    """The index just after the brace that closes the one opened before ``start``."""
    depth = 1
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    raise ValueError("unbalanced braces")


def as_one_query(text: str) -> str | None:
    """The query that gives, run once, every focus node's rows; None if there is none."""
    first = _FIRST_PATTERN.search(text)
    blocks = list(_NOT_EXISTS.finditer(text))
    if first is None or first["s"][1:] != "this" or len(blocks) != 1 or _UNSUPPORTED.search(text):
        return None
    try:
        end = _block_end(text, blocks[0].end())
    except ValueError:
        return None
    inner = text[blocks[0].end() : end - 1]
    outer = text[: blocks[0].start()] + text[end:]
    bound = {first[name][1:] for name in ("s", "p", "o")}
    shared = _variables(inner) & _variables(outer)
    if not shared or not shared <= bound:
        return None
    return f"{text[: blocks[0].start()]}MINUS {{{inner}}}{text[end:]}"


def _runnable(shapes: Graph, shape: Node, constraint: Node) -> bool:
    """Whether the constraint belongs to a plain node shape reached only by its targets."""
    deactivated = Literal(True)
    return (
        isinstance(shape, URIRef)
        and shapes.value(shape, SH.path) is None
        and shapes.value(shape, SH.target) is None
        and (shape, SH.deactivated, deactivated) not in shapes
        and (constraint, SH.deactivated, deactivated) not in shapes
        and (None, None, shape) not in shapes  # not reached through sh:node and the like
    )


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """A copy of ``shapes`` without the constraints that can run as one query, and those."""
    remaining = Graph()
    for prefix, namespace in shapes.namespaces():
        remaining.bind(prefix, namespace)
    remaining += shapes
    taken = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        query = as_one_query(str(shapes.value(constraint, SH.select) or ""))
        if query is None or not _runnable(shapes, shape, constraint):
            continue
        shape_messages = list(shapes.objects(shape, SH.message))
        extra = [m for m in shapes.objects(constraint, SH.message) if m not in shape_messages]
        taken.append(
            SparqlConstraint(
                shape=shape,
                constraint=constraint,
                query=f"{_prefixes(shapes, constraint)}\n{query}",
                targets=_target_query(shapes, shape),
                target_nodes=tuple(shapes.objects(shape, SH.targetNode)),
                severity=shapes.value(shape, SH.severity) or SH.Violation,
                messages=(*extra, *shape_messages),
            )
        )
        remaining.remove((shape, SH.sparql, constraint))
    return remaining, taken


def oxigraph_store(data: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding ``data`` in its default graph."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        for s, p, o in data
    )
    return store


def _message(template: Node, bound: dict[str, Node]) -> Literal:
    text = str(template)
    for name, value in bound.items():
        text = re.sub(rf"\{{[?$]{name}\}}", str(value).replace("\\", "\\\\"), text)
    return Literal(text)


@dataclass(frozen=True)
class SparqlResult:
    """One row of a SPARQL constraint, as an sh:ValidationResult's fields."""

    constraint: SparqlConstraint
    focus: Node
    path: Node | None
    value: Node
    messages: tuple[Literal, ...]


def run_constraints(store: ox.Store, constraints: Iterable[SparqlConstraint]) -> list[SparqlResult]:
    """Each constraint's violations: the rows of its one query, for its focus nodes only."""
    results = []
    for constraint in constraints:
        focus_nodes = set(constraint.target_nodes)
        if constraint.targets:
            targets = store.query(constraint.targets)
            if isinstance(targets, ox.QuerySolutions):
                focus_nodes |= {to_rdflib(row["this"]) for row in targets}
        solutions = store.query(constraint.query)
        if not isinstance(solutions, ox.QuerySolutions):
            continue
        names = [variable.value for variable in solutions.variables]
        seen: set[tuple[tuple[str, Node], ...]] = set()
        for row in solutions:
            bound = {name: to_rdflib(row[name]) for name in names if row[name] is not None}
            focus = bound.get("this")
            if focus not in focus_nodes:
                continue
            key = tuple(sorted(bound.items(), key=lambda item: item[0]))
            if key in seen:  # pySHACL reports a repeated row once
                continue
            seen.add(key)
            results.append(
                SparqlResult(
                    constraint,
                    focus,
                    bound.get("path"),
                    bound.get("value", focus),
                    tuple(_message(m, bound) for m in constraint.messages),
                )
            )
    return results


def results_into(report: Graph, results: Iterable[SparqlResult]) -> None:
    """Add the results to an engine's sh:ValidationReport, and correct its sh:conforms (as
    pySHACL with allow_warnings: only a Violation makes the graph not conform)."""
    node = report.value(predicate=RDF.type, object=SH.ValidationReport)
    if node is None:
        raise ValueError("the engine's report graph has no sh:ValidationReport")
    for result in results:
        row = BNode()
        report.add((node, SH.result, row))
        report.add((row, RDF.type, SH.ValidationResult))
        report.add((row, SH.focusNode, result.focus))
        report.add((row, SH.value, result.value))
        report.add((row, SH.resultSeverity, result.constraint.severity))
        report.add((row, SH.sourceShape, result.constraint.shape))
        report.add((row, SH.sourceConstraint, result.constraint.constraint))
        report.add((row, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        if result.path is not None:
            report.add((row, SH.resultPath, result.path))
        for message in result.messages:
            report.add((row, SH.resultMessage, message))
    conforms = (None, SH.resultSeverity, SH.Violation) not in report
    report.set((node, SH.conforms, Literal(conforms)))
