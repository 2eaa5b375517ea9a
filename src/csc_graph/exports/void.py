"""A VoID and DCAT description of the dataset: what it is, under which licence, where its
facts come from, how many triples each named graph holds, when it last changed, and where
to query and download it.

It is served at /.well-known/void and heads every dump in a named graph of its own, so a
reader of a dump learns its licence and sources without asking the server.
"""

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from csc_graph.cache import ContentCache
from csc_graph.config import Settings
from csc_graph.exports.mappings import select_rows
from csc_graph.rdf.files import bind_prefixes, data_files
from csc_graph.rdf.namespaces import CSC, DCAT, ORG, SCHEMA
from csc_graph.store.base import Store

OGL_V3 = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
"""The data's licence: the legislation identifiers and summaries follow legislation.gov.uk."""

TITLE = "csc-graph: children's social care knowledge graph"
DESCRIPTION = (
    "A council's children's social care as linked data, with the law it acts under: its"
    " teams and services, the roles in them, whom they serve by age and concern, and the"
    " pathways between them. Every fact names its source page and quotes its sentence."
    " Each named graph holds one data file and is a subset with its own triple count."
)

VOCABULARIES = (CSC, ORG, SCHEMA, URIRef("http://data.europa.eu/m8g/"), DCTERMS)

GIT_LAST_CHANGE = ("git", "log", "-1", "--format=%cI")

IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

DISTRIBUTIONS = {
    "trig": "application/trig",
    "nquads": "application/n-quads",
}
"""The dump formats offered as DCAT distributions at {service}/export/dump?format=NAME."""


def dataset_iri(settings: Settings) -> URIRef:
    return URIRef(f"{settings.base_iri}dataset")


def void_graph_iri(settings: Settings) -> URIRef:
    """The named graph that holds the VoID description in a dump."""
    return URIRef(f"{settings.base_iri}graph/void")


_MODIFIED: ContentCache[datetime] = ContentCache(size=8)
"""last_modified per (root, store content hash): `git log` runs once per load, not per request."""


def last_modified_of(store: Store) -> datetime:
    """``last_modified`` for what the store holds, computed once per content hash."""
    key = (str(store.settings.root), store.content_hash())
    return _MODIFIED.get_or_compute(key, lambda: last_modified(store.settings))


def last_modified(settings: Settings) -> datetime:
    """When the data last changed: the last commit touching ontology/ or graph/ in a git
    checkout, else the newest modification time of the data files."""
    try:
        stamp = subprocess.run(
            [*GIT_LAST_CHANGE, "--", "ontology", "graph"],
            cwd=settings.root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        if stamp:
            return datetime.fromisoformat(stamp)
    except (OSError, subprocess.SubprocessError):
        pass
    newest = max((Path(p).stat().st_mtime for p in data_files(settings)), default=0.0)
    return datetime.fromtimestamp(newest, tz=UTC)


def describe_dataset(store: Store, service_url: str | None = None) -> Graph:
    """The VoID + DCAT description of what the store holds.

    The SPARQL endpoint and the dump downloads are named under the API's root URL:
    ``settings.public_url`` when set, else ``service_url`` (the URL a request came to);
    with neither, they are left out.
    """
    settings = store.settings
    graph = bind_prefixes(Graph())
    dataset = dataset_iri(settings)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    graph.add((dataset, DCTERMS.license, OGL_V3))
    graph.add((dataset, DCTERMS.language, Literal("en")))
    modified = last_modified_of(store).isoformat()
    graph.add((dataset, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    graph.add((dataset, VOID.uriSpace, Literal(settings.base_iri)))
    for vocabulary in VOCABULARIES:
        graph.add((dataset, VOID.vocabulary, URIRef(str(vocabulary))))
    total = 0
    for row in select_rows(store, "void"):
        if "graph" in row:
            count = int(str(row["triples"]))
            total += count
            graph.add((dataset, VOID.subset, row["graph"]))
            graph.add((row["graph"], RDF.type, VOID.Dataset))
            graph.add((row["graph"], VOID.triples, Literal(count)))
        elif "source" in row:
            graph.add((dataset, DCTERMS.source, row["source"]))
        elif "council" in row:
            graph.add((dataset, VOID.rootResource, row["council"]))
        elif "part" in row:
            graph.add((dataset, DCTERMS.hasPart, row["part"]))
    graph.add((dataset, VOID.triples, Literal(total)))
    root = settings.public_url or service_url
    if root:
        _add_service(graph, dataset, root.rstrip("/"))
    return graph


def _add_service(graph: Graph, dataset: URIRef, root: str) -> None:
    """The SPARQL endpoint and the dump downloads, under the API's root URL."""
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{root}/sparql")))
    for name, media_type in DISTRIBUTIONS.items():
        download = URIRef(f"{root}/export/dump?format={name}")
        distribution = BNode()
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCAT.downloadURL, download))
        graph.add((distribution, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + media_type)))
        graph.add((distribution, DCTERMS.license, OGL_V3))
        graph.add((dataset, VOID.dataDump, download))
