"""Suggested fixes: one concrete sentence per SHACL result, from its constraint's parameters.

The shape's sh:message says what is wrong in general; the fix names this node, this
property and this value, so a reviewer can act without reading SHACL.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from csc_graph.rdf.labels import label_of, qname, value_text
from csc_graph.rdf.namespaces import SH

_DATATYPE_HINTS: dict[Node, str] = {
    XSD.integer: "a whole number without quotes, such as 17",
    XSD.boolean: "true or false, without quotes",
    XSD.string: 'plain text in quotes, such as "text"',
    RDF.langString: 'text with a language tag, such as "Youth Justice"@en',
}


def _name(graph: Graph, node: Node | None) -> str:
    """A label for a described node, a prefixed name for a term, Turtle for a literal."""
    if node is None:
        return "?"
    if isinstance(node, Literal):
        return value_text(graph, node) or ""
    if isinstance(node, URIRef) and not list(graph.predicate_objects(node)):
        return qname(node)
    return label_of(graph, node)


def _param(shapes: Graph, constraint: Node, name: str) -> Node | None:
    return shapes.value(constraint, SH[name])


def _param_name(shapes: Graph, constraint: Node, name: str) -> str:
    value = _param(shapes, constraint, name)
    return "?" if value is None else qname(value) if isinstance(value, URIRef) else str(value)


def _datatype(shapes: Graph, constraint: Node) -> str:
    datatype = _param(shapes, constraint, "datatype")
    return _DATATYPE_HINTS.get(datatype, qname(datatype)) if datatype is not None else "?"


def _pattern(shapes: Graph, constraint: Node) -> str:
    """'starting https://www.gov.uk/' for a simple anchored pattern, else the pattern."""
    pattern = _param_name(shapes, constraint, "pattern")
    if re.fullmatch(r"\^(\\.|[\w:/-])+", pattern):
        return "starting " + re.sub(r"\\(.)", r"\1", pattern[1:])
    return f"matching {pattern}"


def _qualified_class(shapes: Graph, constraint: Node) -> str:
    inner = _param(shapes, constraint, "qualifiedValueShape")
    found = shapes.value(inner, SH["class"]) if inner is not None else None
    return qname(found) if found is not None else "the required kind"


def _alternatives(shapes: Graph, constraint: Node) -> str:
    """'set csc:statutory to false, or add cv:hasLegalResource' from an sh:or list."""
    head = _param(shapes, constraint, "or")
    if head is None:
        return "meet one of the alternatives in the shape"
    options = []
    for member in Collection(shapes, head):
        path = _name(shapes, shapes.value(member, SH.path))
        allowed = shapes.value(member, SH["in"])
        if allowed is not None:
            values = " or ".join(str(v) for v in Collection(shapes, allowed))
            options.append(f"set {path} to {values}")
        else:
            options.append(f"add {path}")
    return ", or ".join(options)


def _describe(shapes: Graph, constraint: Node, f: dict[str, str]) -> str:
    kind = _param_name(shapes, constraint, "class")
    if f["value"] == f["focus_iri"]:
        return f"Describe {f['value']} as a {kind} (its type and a label), or correct the link."
    return f"Describe {f['value']} as a {kind}, or link {f['focus']} to something that is one."


_Template = Callable[[Graph, Node, dict[str, str]], str]

_FIXES: dict[str, _Template] = {
    "MinCountConstraintComponent": lambda s, c, f: f"Add {f['path']} to {f['focus']}.",
    "MaxCountConstraintComponent": lambda s, c, f: (
        f"Keep at most {_param_name(s, c, 'maxCount')} {f['path']} on {f['focus']}: remove "
        "the extra value, or if the sources disagree, ask the council which is current."
    ),
    "DatatypeConstraintComponent": lambda s, c, f: (
        f"Write {f['path']} of {f['focus']} as {_datatype(s, c)}, not {f['value']}."
    ),
    "MinInclusiveConstraintComponent": lambda s, c, f: (
        f"Change {f['path']} of {f['focus']} from {f['value']} to "
        f"{_param_name(s, c, 'minInclusive')} or more."
    ),
    "MaxInclusiveConstraintComponent": lambda s, c, f: (
        f"Change {f['path']} of {f['focus']} from {f['value']} to "
        f"{_param_name(s, c, 'maxInclusive')} or less ('under 18' is 17, 'up to 25' is 24)."
    ),
    "LessThanOrEqualsConstraintComponent": lambda s, c, f: (
        f"Make {f['path']} of {f['focus']} ({f['value']}) no greater than its "
        f"{_param_name(s, c, 'lessThanOrEquals')}; the two may have been swapped."
    ),
    "PatternConstraintComponent": lambda s, c, f: (
        f"Replace {f['value']} with the identifier {_pattern(s, c)}."
    ),
    "ClassConstraintComponent": _describe,
    "QualifiedMinCountConstraintComponent": lambda s, c, f: (
        f"Add {f['path']} linking {f['focus']} to a {_qualified_class(s, c)}."
    ),
    "NodeKindConstraintComponent": lambda s, c, f: (
        f"Use a link (an IRI), not text, for {f['path']} of {f['focus']}."
    ),
    "MinLengthConstraintComponent": lambda s, c, f: (
        f"Give {f['path']} at least {_param_name(s, c, 'minLength')} characters: quote the "
        "whole sentence."
    ),
    "InConstraintComponent": lambda s, c, f: (
        f"Use one of the allowed values for {f['path']} instead of {f['value']}."
    ),
    "DisjointConstraintComponent": lambda s, c, f: (
        f"Give {f['focus']} different values for {f['path']} and {_param_name(s, c, 'disjoint')}."
    ),
    "OrConstraintComponent": lambda s, c, f: f"For {f['focus']}: {_alternatives(s, c)}.",
    "SPARQLConstraintComponent": lambda s, c, f: (
        f"Add a csc:Claim for {f['focus']} {f['path']} {f['value']} naming its source and "
        "quoting its sentence, or remove the fact."
    ),
}


def suggest_fix(
    severity: Node,
    shapes: Graph,
    constraint: Node,
    component: Node | None,
    data: Graph,
    focus: Node,
    path: Node | None,
    value: Node | None,
) -> str:
    """One sentence saying what to change; falls back to the shape's own message."""
    fields = {
        "focus": _name(data, focus),
        "focus_iri": str(focus),
        "path": qname(path) if path is not None else "?",
        "value": str(value) if isinstance(value, URIRef) else _name(data, value),
    }
    local_name = str(component).rsplit("#", 1)[-1]
    if severity == SH.Info:
        if local_name == "MinCountConstraintComponent":
            return f"Nothing to fix. If a source states it, add {fields['path']} with its claim."
        return "Nothing to fix: this is for information."
    template = _FIXES.get(local_name)
    if template is not None:
        return template(shapes, constraint, fields)
    message = shapes.value(constraint, SH.message)
    return str(message) if message is not None else "See the shape's message."
