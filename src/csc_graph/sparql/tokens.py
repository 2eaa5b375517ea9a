"""One tokenizer for the quick, parser-free looks at a SPARQL text (where the outermost
WHERE group opens; how deep the query nests).

Strings, IRIs and comments are single tokens, so braces and keywords inside them don't
count; variables and prefixed names are single tokens, so ?where is not WHERE; numbers and
two-character operators are single tokens, so ``1.5`` is not ``1 . 5`` and ``<=`` is one
operator.
"""

import re

TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n]*"
    r"|[?$]\w+"
    r"|[A-Za-z_][\w.\-]*:?[\w.\-]*"
    r"|[0-9]+(?:\.[0-9]*)?(?:[eE][+\-]?[0-9]+)?|\.[0-9]+(?:[eE][+\-]?[0-9]+)?"
    r"|\|\||&&|!=|<=|>=|\^\^"
    r"|\S",
    re.DOTALL,
)
