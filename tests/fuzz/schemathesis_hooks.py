"""Schemathesis hooks for this API (loaded by schemathesis.toml): how to send a body of the
SPARQL media type, which Schemathesis does not know (a query is UTF-8 text)."""

from typing import Any

import schemathesis


@schemathesis.serializer("application/sparql-query")
def sparql_query(ctx: Any, value: Any) -> dict[str, Any]:
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": str(value).encode("utf-8")}
