"""Content negotiation: which media types each kind of result can take, and how to choose one.

The tables are module constants so a door only looks a representation up; it never decides
formats in if/elif chains. Names (``json``, ``turtle``, ...) are the values of the
``?format=`` override; the serialisers in ``csc_graph.sparql.results`` are keyed by media type.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Representation:
    """One way to write a result: a short name, its media type and other types it answers to."""

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


# Results of SELECT and ASK (SPARQL 1.1 Query Results formats), best first.
SOLUTION_REPRESENTATIONS: tuple[Representation, ...] = (
    Representation("json", "application/sparql-results+json", ("application/json",)),
    Representation("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Representation("csv", "text/csv"),
    Representation("tsv", "text/tab-separated-values"),
)

# Results of CONSTRUCT and DESCRIBE, and resource descriptions, best first.
GRAPH_REPRESENTATIONS: tuple[Representation, ...] = (
    Representation("turtle", "text/turtle", ("application/x-turtle", "application/turtle")),
    Representation("json-ld", "application/ld+json", ("application/json",)),
    Representation("nt", "application/n-triples", ("text/plain",)),
    Representation("xml", "application/rdf+xml", ("application/xml", "text/xml")),
)

HTML = Representation("html", "text/html", ("application/xhtml+xml",))

# Other spellings accepted by ``?format=``.
FORMAT_ALIASES: dict[str, str] = {
    "ttl": "turtle",
    "jsonld": "json-ld",
    "ntriples": "nt",
    "n-triples": "nt",
    "rdf": "xml",
    "rdfxml": "xml",
    "rdf+xml": "xml",
    "srj": "json",
    "srx": "xml",
    "htm": "html",
    "markdown": "md",
}

# W3C format IRIs (http://www.w3.org/ns/formats/) for the service description.
FORMAT_IRIS: dict[str, str] = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int | None:
        """2 for an exact match, 1 for ``type/*``, 0 for ``*/*``, None when it does not match."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return None
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else None


def _quality(value: str) -> float:
    try:
        q = float(value)
    except ValueError:
        return 0.0
    return q if 0.0 <= q <= 1.0 else 0.0


def parse_accept(header: str) -> list[_Range]:
    """The media ranges of an Accept header with their q-values; malformed parts are dropped."""
    ranges = []
    for part in header.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        main, slash, sub = media.lower().partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                q = _quality(value.strip())
        ranges.append(_Range(main, sub, q))
    return ranges


def _score(ranges: list[_Range], representation: Representation) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching any of the representation's types."""
    best: tuple[float, int] = (0.0, -1)
    for media_type in representation.media_types:
        matches = [(r.specificity(media_type), r.q) for r in ranges]
        found = [(spec, q) for spec, q in matches if spec is not None]
        if found:
            spec, q = max(found)
            best = max(best, (q, spec))
    return best


def negotiate(accept: str | None, offers: Sequence[Representation]) -> Representation | None:
    """The offer the client prefers; the first offer when it states no preference.

    Ties on q go to the more specific match (so a browser's ``text/html`` beats its ``*/*``),
    then to the order of the offers. None means nothing acceptable (a 406).
    """
    if not offers:
        return None
    ranges = parse_accept(accept or "")
    if not ranges:
        return offers[0]
    scored = [(_score(ranges, offer), -index, offer) for index, offer in enumerate(offers)]
    (q, _), _, best = max(scored, key=lambda item: (item[0], item[1]))
    return best if q > 0 else None


def by_name(name: str, offers: Sequence[Representation]) -> Representation | None:
    """The offer a ``?format=`` value names (its short name, an alias, or a media type)."""
    key = name.strip().lower()
    key = FORMAT_ALIASES.get(key, key)
    for offer in offers:
        if key == offer.name or key in offer.media_types:
            return offer
    return None


def offer_names(offers: Sequence[Representation]) -> list[str]:
    return [offer.name for offer in offers]
