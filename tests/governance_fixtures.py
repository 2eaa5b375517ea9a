"""What the governance tests share: the settings, the shapes and small made-up graphs.

A made-up graph is Turtle after ``PREFIXES`` (``t:`` is ``<test/>``), parsed against the real
base IRI like the files in graph/. ``crafted`` adds the ontology (so sh:targetClass sees
rdfs:subClassOf) and tests/data/shapes-base.ttl (a council, a source and a service under it,
each fact claimed) for SHACL to validate.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Graph

from csc_graph.config import Settings
from csc_graph.governance.checks import CheckResult
from csc_graph.governance.conflicts import Conflict
from csc_graph.governance.report import Report, build_report
from csc_graph.governance.shacl import validate_graph
from csc_graph.rdf.files import parse_file, read_shapes

SETTINGS = Settings()
BASE = SETTINGS.base_iri
SHAPES = read_shapes(SETTINGS)
SHAPES_NS = "https://w3id.org/csc-graph/shapes#"
DATA = Path(__file__).parent / "data"

PREFIXES = """
@prefix csc: <https://w3id.org/csc-graph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix t: <test/> .
"""


def parsed(turtle: str, into: Graph | None = None) -> Graph:
    """``turtle`` (without prefixes) parsed against the base IRI, alone or into a graph."""
    graph = into if into is not None else Graph()
    return graph.parse(data=PREFIXES + turtle, format="turtle", publicID=BASE)


def base_graph() -> Graph:
    """The ontology and tests/data/shapes-base.ttl: what every made-up case sits on."""
    graph = Graph()
    for path in [*sorted(SETTINGS.ontology_dir.glob("*.ttl")), DATA / "shapes-base.ttl"]:
        parse_file(path, SETTINGS, into=graph)
    return graph


def crafted(turtle: str) -> Graph:
    """The ontology, the shared test base and ``turtle``."""
    return parsed(turtle, into=base_graph())


def report_on(
    data: Graph,
    *,
    checks: Sequence[CheckResult] = (),
    conflicts: Iterable[Conflict] = (),
    content_hash: str = "",
) -> Report:
    """Validate ``data`` against the project's shapes and build the reviewer's report."""
    outcome = validate_graph(data, SHAPES)
    return build_report(
        outcome,
        data,
        SHAPES,
        base_iri=BASE,
        checks=checks,
        conflicts=conflicts,
        content_hash=content_hash,
    )
