"""The export targets the CLI and the API offer, and the one function both call.

A target names a mapping and the formats it can be written in; ``render_export`` returns
bytes with their media type and file extension, so a door only writes or sends them.
"""

import json
from dataclasses import dataclass
from enum import StrEnum

from csc_graph.exports.oruk import load_directory, service_package
from csc_graph.exports.rdf import cpsv_graph, dump, schemaorg_document
from csc_graph.store.base import Store


class Target(StrEnum):
    ORUK = "oruk"
    CPSV = "cpsv"
    SCHEMAORG = "schemaorg"
    DUMP = "dump"


@dataclass(frozen=True)
class Format:
    """One way to write a target: its rdflib name (if RDF), media type and file extension."""

    media_type: str
    extension: str


FORMATS: dict[Target, dict[str, Format]] = {
    Target.ORUK: {"json": Format("application/json", "json")},
    Target.CPSV: {
        "turtle": Format("text/turtle", "ttl"),
        "json-ld": Format("application/ld+json", "jsonld"),
        "nt": Format("application/n-triples", "nt"),
        "xml": Format("application/rdf+xml", "rdf"),
    },
    Target.SCHEMAORG: {"json-ld": Format("application/ld+json", "jsonld")},
    Target.DUMP: {
        "trig": Format("application/trig", "trig"),
        "nquads": Format("application/n-quads", "nq"),
    },
}
"""Each target's formats, its default first. Format names are rdflib's where RDF."""


class UnknownFormatError(ValueError):
    """The format is not one the target offers; the message lists the ones it does."""


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    extension: str


def resolve_format(target: Target, name: str | None) -> str:
    """The format name to use: the target's default when none is given."""
    offered = FORMATS[target]
    if name is None:
        return next(iter(offered))
    if name not in offered:
        raise UnknownFormatError(
            f"'{name}' is not a format of the {target} export; use one of: {', '.join(offered)}"
        )
    return name


def render_export(
    store: Store, target: Target, format_name: str | None = None, service_url: str | None = None
) -> Export:
    """One export as bytes. ``service_url`` (the API root) lets the dump's VoID name the
    SPARQL endpoint and downloads."""
    name = resolve_format(target, format_name)
    chosen = FORMATS[target][name]
    if target is Target.ORUK:
        content = _json(service_package(load_directory(store)))
    elif target is Target.SCHEMAORG:
        content = _json(schemaorg_document(store))
    elif target is Target.CPSV:
        content = cpsv_graph(store).serialize(format=name, encoding="utf-8")
    else:
        content = dump(store, name, service_url)
    return Export(content, chosen.media_type, chosen.extension)


def _json(document: object) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
