"""Checks a SPARQL query before any store sees it.

A query must not reach the network or change data: SERVICE, LOAD and every other update
are refused. FROM / FROM NAMED only *name* graphs of the store: the guard resolves them and
hands them to the store as the query's dataset, and a graph the store does not hold is an
empty graph, never fetched (the remote store drops such names before the engine sees them).
The guard parses with rdflib's SPARQL 1.1 grammar, so the rules are the same for the
embedded and the remote store.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urljoin

from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from csc_graph.errors import QueryRefused, QuerySyntaxError
from csc_graph.rdf.namespaces import PREFIXES

_PARSER = threading.Lock()
"""rdflib's SPARQL grammar (pyparsing) keeps parse state in shared objects: two threads
parsing at once corrupt each other ("Param.postParse2() missing 1 required positional
argument"), which the server's thread pool turned into 400s for valid queries under
concurrent requests. Parsing holds the GIL throughout, so the lock costs no throughput."""

QueryKind = Literal["select", "ask", "graph"]

_KINDS: dict[str, QueryKind] = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "graph",
    "DescribeQuery": "graph",
}


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard, with what the stores need to know about it."""

    text: str
    kind: QueryKind
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _walk(node: object) -> Iterator[CompValue]:
    """Every CompValue in a parse tree, depth first."""
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for item in node:  # type: ignore[attr-defined]
            yield from _walk(item)


def _field(node: CompValue, key: str) -> str:
    """A field's text, "" when absent (CompValue.get returns the key itself when missing)."""
    return str(node[key]) if key in node else ""


def _prefix_table(prologue: object) -> dict[str, str]:
    table = dict(PREFIXES)
    for decl in _walk(prologue):
        if decl.name == "PrefixDecl":
            table[_field(decl, "prefix")] = str(decl["iri"])
    return table


def _check_prefixes(nodes: list[CompValue], prefixes: dict[str, str], base_iri: str) -> None:
    """Name an undeclared prefix plainly (Oxigraph's message lists grammar alternatives)."""
    unknown = sorted({_field(n, "prefix") for n in nodes if n.name == "pname"} - prefixes.keys())
    if unknown:
        raise QuerySyntaxError(
            f"Unknown prefix '{unknown[0]}:'. Declare it (PREFIX {unknown[0]}: <...>) or use "
            f"one of the predeclared prefixes: {', '.join(PREFIXES)}. The graph's own resources "
            f"can also be written relative to the base <{base_iri}>, e.g. <lewisham/mash>."
        )


def _resolve(term: object, prefixes: dict[str, str], base_iri: str) -> str:
    if isinstance(term, CompValue) and term.name == "pname":
        return prefixes[_field(term, "prefix")] + _field(term, "localname")
    return urljoin(base_iri, str(term))  # RFC 3986: <//host/g> is another host, not a path


def _refuse_update(text: str) -> None:
    """Called when the text is not a query: refuse it if it parses as an update."""
    try:
        with _PARSER:
            update = parseUpdate(text)
    except ParseException:
        return
    if "request" not in update:  # nothing but whitespace, comments or a prologue
        raise QuerySyntaxError("The query is empty: send one SELECT, ASK, CONSTRUCT or DESCRIBE")
    raise QueryRefused("Updates (INSERT, DELETE, LOAD, CLEAR, ...) are not allowed")


@lru_cache(maxsize=512)
def check_query(text: str, base_iri: str) -> CheckedQuery:
    """Parse and police one query; raises QuerySyntaxError or QueryRefused."""
    try:
        with _PARSER:
            prologue, body = parseQuery(text)
    except ParseException as exc:
        _refuse_update(text)
        pointer = " " * (exc.col - 1) + "^"
        raise QuerySyntaxError(
            f"line {exc.lineno}, column {exc.col}: {exc.msg}\n{exc.line}\n{pointer}"
        ) from None
    except Exception as exc:  # rdflib raises plain Exceptions for some bad input
        raise QuerySyntaxError(str(exc)) from None
    nodes = list(_walk(body))
    if any(node.name == "ServiceGraphPattern" for node in nodes):
        raise QueryRefused("SERVICE is not allowed: queries may not reach other endpoints")
    prefixes = _prefix_table(prologue)
    _check_prefixes(nodes, prefixes, base_iri)
    bases = [str(d["iri"]) for d in _walk(prologue) if d.name == "Base"]
    base = bases[-1] if bases else base_iri
    graphs: dict[str, list[str]] = {"default": [], "named": []}
    for clause in (n for n in nodes if n.name == "DatasetClause"):
        which = "default" if "default" in clause else "named"
        graphs[which].append(_resolve(clause[which], prefixes, base))
    return CheckedQuery(text, _KINDS[body.name], tuple(graphs["default"]), tuple(graphs["named"]))
