"""Query results written out in the standard formats.

SELECT and ASK results: SPARQL 1.1 Query Results JSON, XML, CSV and TSV. CONSTRUCT and
DESCRIBE results: Turtle, N-Triples, JSON-LD and RDF/XML. The tables map a media type to
(short name, serialiser) so the HTTP door negotiates by looking a type up and the CLI picks
by name; the short names match ``csc_graph.formats``.
"""

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from csc_graph.rdf.files import bind_prefixes
from csc_graph.rdf.oxigraph_terms import to_oxigraph
from csc_graph.sparql.guard import QueryKind
from csc_graph.sparql.values import sparql_term


@dataclass
class QueryResult:
    """Rows of rdflib terms (SELECT), a boolean (ASK) or a graph (CONSTRUCT / DESCRIBE)."""

    kind: QueryKind
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False
    truncated_by: str | None = None  # "rows" (settings.max_rows) or "bytes" (max_result_bytes)


Serializer = Callable[[QueryResult], str]

# ---------------------------------------------------------------- SELECT / ASK


def term_json(term: Node) -> dict[str, str]:
    """One RDF term in SPARQL 1.1 Query Results JSON."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if not isinstance(term, Literal):
        raise TypeError(f"Not an RDF term: {term!r}")
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def to_json(result: QueryResult) -> str:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    bindings = [{var: term_json(term) for var, term in row.items()} for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}})


def _table(result: QueryResult) -> tuple[list[str], list[list[Node | None]]]:
    if result.kind == "ask":
        return ["boolean"], [[Literal(bool(result.boolean))]]
    return result.variables, [[row.get(v) for v in result.variables] for row in result.rows]


def to_csv(result: QueryResult) -> str:
    """CSV as the SPARQL 1.1 CSV format: plain values, blank nodes as _:id, no types."""
    header, rows = _table(result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        cells = ["" if t is None else f"_:{t}" if isinstance(t, BNode) else str(t) for t in row]
        writer.writerow(cells)
    return out.getvalue()


def _tsv_term(term: Node) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    return sparql_term(term)


def to_tsv(result: QueryResult) -> str:
    """TSV as the SPARQL 1.1 TSV format: ?var headers, terms in SPARQL/Turtle syntax."""
    header, rows = _table(result)
    lines = ["\t".join(f"?{v}" for v in header)]
    lines += ["\t".join("" if t is None else _tsv_term(t) for t in row) for row in rows]
    return "\n".join(lines) + "\n"


def _term_xml(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    if not isinstance(term, Literal):
        raise TypeError(f"Not an RDF term: {term!r}")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(str(term))}</literal>"
    if term.datatype is not None:
        return f"<literal datatype={quoteattr(str(term.datatype))}>{escape(str(term))}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def to_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format."""
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        parts.append(f"<head/><boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        parts.append(
            "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
        )
        parts.append("</head><results>")
        for row in result.rows:
            cells = "".join(
                f"<binding name={quoteattr(var)}>{_term_xml(term)}</binding>"
                for var, term in row.items()
            )
            parts.append(f"<result>{cells}</result>")
        parts.append("</results>")
    parts.append("</sparql>\n")
    return "\n".join(parts)


SELECT_FORMATS: dict[str, tuple[str, Serializer]] = {
    "application/sparql-results+json": ("json", to_json),
    "application/sparql-results+xml": ("xml", to_xml),
    "text/csv": ("csv", to_csv),
    "text/tab-separated-values": ("tsv", to_tsv),
}

# ---------------------------------------------------------------- CONSTRUCT / DESCRIBE


ENGINE_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
}
"""Graph formats written by Oxigraph's serialisers (Rust), several times faster than rdflib's
on large graphs; JSON-LD stays with rdflib, whose compaction the pages and tests expect."""


def _engine_writer(name: str) -> Serializer:
    def write(result: QueryResult) -> str:
        graph = bind_prefixes(Graph())
        source = result.graph if result.graph is not None else Graph()
        for prefix, namespace in source.namespaces():  # e.g. the description's sd:
            graph.bind(prefix, namespace, override=False)
        prefixes = {str(p): str(n) for p, n in graph.namespaces() if p} if name != "nt" else None
        triples = sorted(source, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
        serialised = ox.serialize(
            (ox.Triple(*map(to_oxigraph, triple)) for triple in triples),  # type: ignore[arg-type]
            format=ENGINE_FORMATS[name],
            prefixes=prefixes,
        )
        return serialised.decode("utf-8") if serialised is not None else ""

    write.__doc__ = f"The result graph written by Oxigraph as '{name}'."
    return write


def _graph_writer(rdflib_format: str) -> Serializer:
    def write(result: QueryResult) -> str:
        graph = bind_prefixes(Graph())
        if result.graph is not None:
            for prefix, namespace in result.graph.namespaces():  # e.g. the description's sd:
                graph.bind(prefix, namespace, override=False)
            graph += result.graph
        return graph.serialize(format=rdflib_format)

    write.__doc__ = f"The result graph as rdflib's '{rdflib_format}'."
    return write


GRAPH_FORMATS: dict[str, tuple[str, Serializer]] = {
    "text/turtle": ("turtle", _engine_writer("turtle")),
    "application/ld+json": ("json-ld", _graph_writer("json-ld")),
    "application/n-triples": ("nt", _engine_writer("nt")),
    "application/rdf+xml": ("xml", _engine_writer("xml")),
}


def formats_for(result: QueryResult) -> dict[str, tuple[str, Serializer]]:
    return GRAPH_FORMATS if result.kind == "graph" else SELECT_FORMATS


def serializer_by_name(result: QueryResult, name: str) -> tuple[str, Serializer]:
    """(media type, serialiser) for a short name such as 'csv' or 'turtle'; KeyError if none."""
    for media_type, (short, write) in formats_for(result).items():
        if short == name:
            return media_type, write
    raise KeyError(name)


def format_names(result: QueryResult) -> list[str]:
    return [short for short, _ in formats_for(result).values()]
