"""SVG pictures: well-formed XML, every stage on the route named, steps labelled with the
legal basis, laid out left to right, and one bar per stated age range."""

import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from rdflib import Graph

from csc_graph.config import Settings
from csc_graph.pathways.age_coverage import CoverageReport, UnitRange, load_coverage
from csc_graph.pathways.graph import build_pathway_graph, load_pathway_graph
from csc_graph.pathways.pictures import CELL, coverage_svg, pathway_svg
from csc_graph.pathways.routes import find_routes
from csc_graph.rdf.namespaces import CONCERN
from csc_graph.store.base import Store

SVG = "{http://www.w3.org/2000/svg}"
CCE = str(CONCERN["child-criminal-exploitation"])


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def text_of(element: ET.Element) -> list[str]:
    return [t for t in element.itertext() if t.strip()]


@pytest.fixture(scope="module")
def graph(store: Store, settings: Settings) -> nx.DiGraph:
    return load_pathway_graph(store, settings)


def test_route_svg_names_every_stage_on_the_route(graph):
    route = find_routes(graph, 15, [str(CONCERN["child-criminal-exploitation"])])
    root = parse(pathway_svg(route.graph, "Route", route.starts))
    drawn = {g.get("data-iri"): g for g in groups(root, "stage")}
    assert set(drawn) == set(route.graph.nodes)
    for stage, g in drawn.items():
        label = graph.nodes[stage]["label"]
        assert g.find(f"{SVG}title").text.startswith(label)
        # the visible text, wrapped over lines, spells the label
        assert " ".join(text_of(g.find(f"{SVG}text"))) == " ".join(label.split())


def test_route_svg_labels_each_step_with_its_legal_basis(graph):
    route = find_routes(graph, 15, [str(CONCERN["child-criminal-exploitation"])])
    root = parse(pathway_svg(route.graph, "Route", route.starts))
    steps = groups(root, "step")
    assert len(steps) == route.graph.number_of_edges()
    shown = {tuple(text_of(s.find(f"{SVG}text"))) for s in steps}
    for _, _, data in route.graph.edges(data=True):
        titles = tuple(
            dict.fromkeys(r.short_title for t in data["transitions"] for r in t.legal_basis)
        )
        assert titles in shown


def label_boxes(root: ET.Element) -> list[tuple[float, float, float, float]]:
    """Left, top, right, bottom of each step label, at a narrow 5px per character."""
    boxes = []
    for step in groups(root, "step"):
        label = step.find(f"{SVG}text")
        lines = text_of(label)
        x, y, width = float(label.get("x")), float(label.get("y")), 5 * max(map(len, lines))
        boxes.append((x - width / 2, y - 9, x + width / 2, y + 11 * (len(lines) - 1)))
    return boxes


@pytest.mark.parametrize("age", [None, 15])
def test_no_two_step_labels_overlap(graph, age):
    # two curves crossing in one gap share their middle, where both labels used to go
    shown = graph if age is None else find_routes(graph, age, [CCE]).graph
    boxes = label_boxes(parse(pathway_svg(shown, "Pathways")))
    assert len(boxes) == shown.number_of_edges()
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_layers_run_left_to_right(graph):
    root = parse(pathway_svg(graph, "All pathways"))
    x = {g.get("data-iri"): float(g.find(f"{SVG}rect").get("x")) for g in groups(root, "stage")}
    assert all(x[source] < x[target] for source, target in graph.edges)


def test_text_is_escaped_and_cycles_are_drawn():
    rdf = Graph().parse(
        format="turtle",
        data="""
        @prefix csc: <https://w3id.org/csc-graph/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix : <https://example.org/> .
        :a a csc:PathwayStage ; rdfs:label "Tom & Jerry <at> 'home'" .
        :b a csc:PathwayStage ; rdfs:label "B" .
        :ab a csc:Transition ; csc:fromStage :a ; csc:toStage :b .
        :ba a csc:Transition ; csc:fromStage :b ; csc:toStage :a .
        """,
    )
    root = parse(pathway_svg(build_pathway_graph(rdf), "A & B"))
    titles = {g.find(f"{SVG}title").text for g in groups(root, "stage")}
    assert titles == {"Tom & Jerry <at> 'home'", "B"}
    assert len(groups(root, "step")) == 2


def test_coverage_chart_has_one_bar_per_range_and_shades_the_gaps(store, settings):
    report = load_coverage(store, settings)
    root = parse(coverage_svg(report))
    bars = groups(root, "unit")
    assert [g.get("data-iri") for g in bars] == [r.unit for r in report.ranges]
    shaded = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "gap"]
    assert len(shaded) == len(report.gaps)
    for g, rng in zip(bars, report.ranges, strict=True):
        bar = g.find(f"{SVG}rect")
        cells = float(bar.get("width")) / CELL
        assert cells == rng.max_age - rng.min_age + 1


def test_coverage_chart_leaves_room_for_the_longest_unit_name():
    """A right-aligned name ends where its bar column starts; it must not run off the left
    edge ('Corporate Parenting: support in the transition to adulthood' did at 280px)."""
    name = "Corporate Parenting: support in the transition to adulthood"
    unit = "https://example.org/unit"
    report = CoverageReport(
        ranges=[UnitRange(unit, name, 16, 24)],
        open_by_age={age: [unit] if 16 <= age <= 24 else [] for age in range(26)},
        gaps=[*range(16), 25],
        overlaps={},
        unstated=[],
        conflicts=[],
        labels={unit: name},
    )
    (g,) = groups(parse(coverage_svg(report)), "unit")
    text = g.find(f"{SVG}text")
    assert (text.text, text.get("text-anchor")) == (name, "end")
    # Independent of the module's own estimate: 0.6 em is more than the average advance of
    # Latin text in common sans-serif fonts (DejaVu Sans, Arial: about 0.5 to 0.56 em).
    font_px = float(text.get("font-size"))
    assert float(text.get("x")) - 0.6 * font_px * len(name) >= 0
