"""How deep a query may nest, checked by a tokenizer before any parser or engine sees it.

Parsers and engines walk a query's syntax tree recursively, so a deep enough tree ends in
a stack overflow: a 16 KB ``FILTER(1 + 1 + ...)`` aborts ``oxigraph serve`` (measured: about
8,000 chained ``+`` or 4,000 nested groups abort a stock server; rdflib's parser fails at
40 nested groups in a default Python thread). The check here is linear, uses no recursion,
and holds no parser state, so it is safe and cheap in any thread.

The measure follows the tree the parsers build: each bracket ``( { [`` opens a level, and
each binary operator or UNION / OPTIONAL / MINUS inside a level adds one more, since
``a + b + c`` is a left-deep chain. Strings, IRIs and comments are skipped whole.
"""

from csc_graph.errors import QueryTooComplex
from csc_graph.sparql.tokens import TOKEN

_OPEN = {"(": ")", "{": "}", "[": "]"}
_CLOSE = set(_OPEN.values())
_OPERATORS = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^", "!"}
_KEYWORDS = {"UNION", "OPTIONAL", "MINUS"}


def query_depth(text: str) -> int:
    """The nesting depth of the query's syntax tree, as described in the module docstring."""
    # Each open level: [operators seen in it, deepest child below it].
    stack: list[list[int]] = [[0, 0]]
    for match in TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in _OPEN and len(token) == 1:
            stack.append([0, 0])
        elif first in _CLOSE and len(token) == 1:
            if len(stack) > 1:
                operators, child = stack.pop()
                parent = stack[-1]
                parent[1] = max(parent[1], 1 + operators + child)
        elif token in _OPERATORS or token.upper() in _KEYWORDS:
            stack[-1][0] += 1
    deepest = 0
    for operators, child in reversed(stack):  # unclosed levels still count
        deepest = max(deepest, child) + operators + 1
    return deepest


def check_depth(text: str, limit: int) -> None:
    """Refuse a query whose syntax tree is deeper than ``limit`` (a clear 400)."""
    depth = query_depth(text)
    if depth > limit:
        raise QueryTooComplex(
            f"The query nests {depth} levels deep (brackets plus chained operators); the limit "
            f"is {limit} (CSC_GRAPH_MAX_QUERY_DEPTH). Split a long chain such as "
            "1 + 1 + ... or a long UNION into smaller parts, or use VALUES or IN (...)"
        )
