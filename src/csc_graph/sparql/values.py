"""Binding typed terms into query text for endpoints that cannot take substitutions.

A SPARQL 1.1 endpoint has no way to pre-bind a variable, so the remote store adds a
VALUES block holding the bound terms at the start of the query's outermost WHERE group.
There the values are joined before any FILTER of that group runs, as Oxigraph's
substitutions are in the embedded store. Terms are written by ``sparql_term``, which
escapes every literal and refuses any IRI that could end the IRI early: user text never
becomes query syntax.

Named queries keep their parameters in the outermost group (not only inside a subquery or
a nested FILTER group) so both stores give the same answers.
"""

import re
from collections.abc import Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from csc_graph.sparql.tokens import TOKEN

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_LANG = re.compile(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*$")


def iri_text(iri: str) -> str:
    if _IRI_FORBIDDEN.search(iri):
        raise ValueError(f"Not a valid IRI: {iri!r}")
    return f"<{iri}>"


def sparql_term(term: Node) -> str:
    """A term written as SPARQL syntax that parses back to exactly this term."""
    if isinstance(term, URIRef):
        return iri_text(str(term))
    if isinstance(term, Literal):
        body = '"' + "".join(_ESCAPES.get(ch, ch) for ch in str(term)) + '"'
        if term.language:
            if not _LANG.match(term.language):
                raise ValueError(f"Not a valid language tag: {term.language!r}")
            return f"{body}@{term.language}"
        return body if term.datatype is None else f"{body}^^{iri_text(str(term.datatype))}"
    if isinstance(term, BNode):
        raise ValueError("A blank node cannot be bound on a remote endpoint")
    raise ValueError(f"Unsupported term: {term!r}")


def values_block(bindings: Mapping[str, Node]) -> str:
    names = list(bindings)
    for name in names:
        if not re.fullmatch(r"\w+", name):
            raise ValueError(f"Not a valid variable name: {name!r}")
    variables = " ".join(f"?{name}" for name in names)
    terms = " ".join(sparql_term(bindings[name]) for name in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"


def _where_brace(text: str) -> int | None:
    """Offset just after the '{' that opens the outermost WHERE group, if there is one."""
    braces = parens = 0
    previous = ""
    skip_template = False
    for match in TOKEN.finditer(text):
        token = match.group()
        if token[0] in "\"'<#" and len(token) > 1:
            continue
        upper = token.upper()
        if token == "(":
            parens += 1
        elif token == ")":
            parens -= 1
        elif token == "{" and parens == 0:
            if braces == 0 and not skip_template:
                if previous != "CONSTRUCT":
                    return match.end()
                skip_template = True
            braces += 1
        elif token == "}" and parens == 0:
            braces -= 1
            if braces == 0 and skip_template:
                skip_template = False
        previous = upper
    return None


def bind_values(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with a VALUES block for the bindings in its outermost WHERE group."""
    if not bindings:
        return text
    block = values_block(bindings)
    position = _where_brace(text)
    if position is None:  # DESCRIBE without WHERE: a trailing VALUES clause is the same
        return f"{text}\n{block}"
    return f"{text[:position]} {block} {text[position:]}"
