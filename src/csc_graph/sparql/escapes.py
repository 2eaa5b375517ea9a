"""SPARQL's codepoint escapes, applied once, so that the guard and the engine read one text.

SPARQL 1.1 (section 19.2) says ``\\uXXXX`` and ``\\UXXXXXXXX`` are replaced by the character
they name *before* the query is parsed, anywhere in the text. Parsers differ in how they
follow that rule: rdflib expands every escape, comments included; Oxigraph does not expand
them inside comments. Given ``# \\u000A ?s ?p \"\"\"``, one parser sees a comment end and a
string begin, the other sees one long comment, so a SERVICE clause can be a string to the
guard and a clause to the engine.

So the escapes are applied here, once, and the resulting text is what both the guard and
the engine receive. A text that would still hold an escape afterwards (``\\u005Cu0041``
becomes ``\\u0041``) is refused: applying the rule twice must change nothing, or the two
parsers could again read different queries.
"""

import re

from csc_graph.errors import QuerySyntaxError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _character(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise QuerySyntaxError(
            f"{match.group()} is not a Unicode character (a surrogate or beyond U+10FFFF)"
        )
    return chr(code)


def apply_codepoint_escapes(text: str) -> str:
    """The query with every ``\\u``/``\\U`` escape replaced by its character, once.

    Raises QuerySyntaxError when an escape names no character, or when the result would
    hold another escape (the rule would then give a different text if applied again).
    """
    if "\\" not in text:
        return text
    result = _ESCAPE.sub(_character, text)
    if result != text and _ESCAPE.search(result):
        raise QuerySyntaxError(
            "A \\u or \\U escape in this query spells another escape once it is expanded; "
            "write the character itself"
        )
    return result
