"""SVG pictures drawn by our own code (no Graphviz on CI): the pathway diagram and the
age-coverage chart.

The pathway diagram is layered left to right by topological generations (pathways.layers),
one box per stage with its full name in a <title>, and each step drawn as a curve labelled
with the short titles of its legal basis. The coverage chart has one bar per stated age
range over ages 0 to 25, with the ages no unit covers shaded. Both are built with
xml.etree, so text is always escaped and the output is well-formed XML.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from itertools import pairwise

import networkx as nx

from csc_graph.pathways.age_coverage import AGES, CoverageReport
from csc_graph.pathways.ages import CLIFF_BIRTHDAYS
from csc_graph.pathways.graph import Transition, layers

SVG_NS = "http://www.w3.org/2000/svg"
# A presentation attribute, not a style: a page's Content-Security-Policy (style-src 'self')
# blocks inline styles when the SVG is placed in a page, but not attributes.
FONT = "Arial,Helvetica,sans-serif"
BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 190, 62, 130, 26, 20
WRAP = 26
COLOURS = {"box": "#eef3fb", "start": "#fde9c8", "line": "#4a5d7e", "gap": "#fbe3e3"}
CELL, ROW_H, LABEL_W = 24, 24, 280
UNIT_CHAR_W = 7
"""A generous width per character of a 12px unit name in the coverage chart."""
LABEL_CHAR_W, LABEL_LINE_H = 6, 11
"""A generous width per character and the line height of a 10px step label."""
LABEL_SPOTS = (0.5, 0.3, 0.7, 0.15, 0.85)
"""Where along its last curve a step's label may sit, the middle first."""


def _svg(width: float, height: float, title: str, linked: bool = False) -> ET.Element:
    """The root element; a picture with links is a group of links, not one image."""
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": f"{width:.0f}",
            "height": f"{height:.0f}",
            "viewBox": f"0 0 {width:.0f} {height:.0f}",
            "font-family": FONT,
            "role": "group" if linked else "img",
            "aria-label": title,
        },
    )
    ET.SubElement(root, "title").text = title
    return root


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", **attrs})
    node.text = text
    return node


def _arrow_marker(root: ET.Element) -> None:
    defs = ET.SubElement(root, "defs")
    marker = ET.SubElement(
        defs,
        "marker",
        {
            "id": "arrow",
            "viewBox": "0 0 10 10",
            "refX": "10",
            "refY": "5",
            "markerWidth": "8",
            "markerHeight": "8",
            "orient": "auto-start-reverse",
        },
    )
    ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": COLOURS["line"]})


Point = tuple[float, float]
Box = tuple[float, float, float, float]
"""Left, top, right, bottom."""


def _ordered_layers(graph: nx.DiGraph) -> tuple[list[list[str]], dict[tuple[str, str], list[str]]]:
    """Layers with a waypoint in every layer a long step crosses, ordered to cut crossings.

    A step spanning several layers passes through one invisible waypoint per layer it
    crosses (the usual layered drawing), so it never runs through a box. Each layer is then
    sorted by the mean row of its neighbours in the layer before (barycentre heuristic).
    """
    grouped = layers(graph)
    depth = {stage: i for i, layer in enumerate(grouped) for stage in layer}
    waypoints: dict[tuple[str, str], list[str]] = {}
    for source, target in graph.edges:
        crossed = range(depth[source] + 1, depth[target])
        waypoints[source, target] = [f"~{source}>{target}@{i}" for i in crossed]
        for i, point in zip(crossed, waypoints[source, target], strict=True):
            grouped[i].append(point)
    before: dict[str, list[str]] = {}
    for (source, target), points in waypoints.items():
        chain = [source, *points, target]
        for a, b in pairwise(chain):
            before.setdefault(b, []).append(a)
    rows: dict[str, int] = {stage: row for row, stage in enumerate(grouped[0])}
    for layer in grouped[1:]:

        def centre(node: str) -> float:
            known = [rows[n] for n in before.get(node, []) if n in rows]
            return sum(known) / len(known) if known else float("inf")

        layer.sort(key=lambda node: (centre(node), node))
        rows.update({node: row for row, node in enumerate(layer)})
    return grouped, waypoints


def _positions(grouped: list[list[str]]) -> dict[str, Point]:
    """Top-left corner of each box or waypoint slot: one column per layer."""
    return {
        node: (MARGIN + col * (BOX_W + COL_GAP), MARGIN + 30 + row * (BOX_H + ROW_GAP))
        for col, layer in enumerate(grouped)
        for row, node in enumerate(layer)
    }


def _legal_titles(steps: Iterable[Transition]) -> list[str]:
    """The short titles of the legal basis of a step's transitions, each once."""
    return list(dict.fromkeys(ref.short_title for step in steps for ref in step.legal_basis))


def _controls(start: Point, end: Point) -> tuple[Point, Point]:
    """The control points of the S-curve across a gap: level where it leaves and arrives."""
    bend = max(abs(end[0] - start[0]) / 2, 30)
    return (start[0] + bend, start[1]), (end[0] - bend, end[1])


def _curve(start: Point, end: Point) -> str:
    (ax, ay), (bx, by) = _controls(start, end)
    return f"C {ax:.1f} {ay:.1f}, {bx:.1f} {by:.1f}, {end[0]:.1f} {end[1]:.1f}"


def _on_curve(start: Point, end: Point, t: float) -> Point:
    """The point a fraction ``t`` of the way along the curve from ``start`` to ``end``."""
    a, b = _controls(start, end)
    weights = ((1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t**2 * (1 - t), t**3)
    points = (start, a, b, end)
    return (
        sum(w * p[0] for w, p in zip(weights, points, strict=True)),
        sum(w * p[1] for w, p in zip(weights, points, strict=True)),
    )


def _label_box(start: Point, end: Point, lines: list[str], placed: list[Box]) -> Box:
    """Where a step's label goes: above the middle of its last curve, or further along it
    when that spot is taken (two curves crossing in one gap share their middle), kept
    inside the gap so it never covers a box."""
    width = LABEL_CHAR_W * max(map(len, lines), default=0)
    height = LABEL_LINE_H * len(lines)
    low, high = start[0] + width / 2 + 2, end[0] - width / 2 - 2
    boxes = []
    for t in LABEL_SPOTS:
        x, y = _on_curve(start, end, t)
        x = min(max(x, low), high) if low <= high else (start[0] + end[0]) / 2
        boxes.append((x - width / 2, y - 4 - height, x + width / 2, y - 1))
    free = [box for box in boxes if not any(_overlap(box, other) for other in placed)]
    chosen = free[0] if free else boxes[0]
    while any(_overlap(chosen, other) for other in placed):  # every spot taken: go lower
        chosen = (chosen[0], chosen[1] + LABEL_LINE_H, chosen[2], chosen[3] + LABEL_LINE_H)
    placed.append(chosen)
    return chosen


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


Link = Callable[[str], str]
"""Where a picture placed in a page links an IRI (a stage, a step, a unit) to."""


def _container(root: ET.Element, link: Link | None, iri: str, label: str) -> ET.Element:
    """An <a> to the IRI's page when the picture links, else the root itself."""
    if link is None:
        return root
    return ET.SubElement(root, "a", {"href": link(iri)})


def _draw_step(
    root: ET.Element,
    corners: list[Point],
    steps: list[Transition],
    placed: list[Box],
    link: Link | None = None,
) -> None:
    """A step through its waypoints: curves across the gaps, straight through waypoint slots.
    Its label goes where no label in ``placed`` is, and is added to them."""
    half = BOX_H / 2
    points = [(corners[0][0] + BOX_W, corners[0][1] + half)]
    for x, y in corners[1:-1]:
        points += [(x, y + half), (x + BOX_W, y + half)]
    points.append((corners[-1][0], corners[-1][1] + half))
    path = [f"M {points[0][0]:.1f} {points[0][1]:.1f}"]
    for i in range(1, len(points)):
        straight = i % 2 == 0
        x, y = points[i]
        path.append(f"L {x:.1f} {y:.1f}" if straight else _curve(points[i - 1], points[i]))
    group = ET.SubElement(root, "g", {"class": "step"})
    ET.SubElement(group, "title").text = "; ".join(
        f"{s.label} (ages {s.min_age if s.min_age is not None else 0}"
        f" to {s.max_age if s.max_age is not None else 'any'})"
        for s in steps
    )
    ET.SubElement(
        group,
        "path",
        {
            "d": " ".join(path),
            "fill": "none",
            "stroke": COLOURS["line"],
            "stroke-width": "1.4",
            "marker-end": "url(#arrow)",
        },
    )
    attrs = {
        "class": "legal-basis",
        "text-anchor": "middle",
        "font-size": "10",
        "stroke": "white",
        "stroke-width": "3",
        "paint-order": "stroke",
    }
    titles = _legal_titles(steps)
    left, top, right, _ = _label_box(points[-2], points[-1], titles, placed)
    centre = f"{(left + right) / 2:.1f}"
    holder = _container(group, link, steps[0].iri, steps[0].label)
    label = _text(holder, (left + right) / 2, top + LABEL_LINE_H, "", **attrs)
    for i, title in enumerate(titles):
        span = ET.SubElement(label, "tspan", {"x": centre, "dy": str(LABEL_LINE_H) if i else "0"})
        span.text = title


def _draw_stage(
    root: ET.Element,
    graph: nx.DiGraph,
    stage: str,
    corner: Point,
    start: bool,
    link: Link | None = None,
) -> None:
    data = graph.nodes[stage]
    x, y = corner
    holder = _container(root, link, stage, data["label"])
    group = ET.SubElement(holder, "g", {"class": "stage", "data-iri": stage})
    units = ", ".join(label for _, label in data["delivered_by"])
    ET.SubElement(group, "title").text = data["label"] + (
        f" (delivered by {units})" if units else ""
    )
    box = {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": str(BOX_W), "height": str(BOX_H)}
    fill = COLOURS["start"] if start else COLOURS["box"]
    ET.SubElement(group, "rect", {**box, "rx": "8", "fill": fill, "stroke": COLOURS["line"]})
    lines = textwrap.wrap(data["label"], WRAP, break_on_hyphens=False)[:3]
    top = y + BOX_H / 2 - 7 * (len(lines) - 1) + 4
    text = _text(group, x + BOX_W / 2, top, "", **{"text-anchor": "middle", "font-size": "12"})
    for i, line in enumerate(lines):
        span = ET.SubElement(text, "tspan", {"x": f"{x + BOX_W / 2:.1f}", "dy": "14" if i else "0"})
        span.text = line


def pathway_svg(
    graph: nx.DiGraph, title: str, starts: Iterable[str] = (), link: Link | None = None
) -> str:
    """The stages and steps of a pathway graph (or a route) as an SVG document; with
    ``link``, each stage box and step label links to the page ``link`` gives for its IRI."""
    grouped, waypoints = _ordered_layers(graph)
    positions = _positions(grouped)
    right = max((x for x, _ in positions.values()), default=MARGIN) + BOX_W + MARGIN
    bottom = max((y for _, y in positions.values()), default=MARGIN) + BOX_H + MARGIN
    root = _svg(max(right, 400), bottom, title, linked=link is not None)
    _arrow_marker(root)
    _text(root, MARGIN, MARGIN + 12, title, **{"font-size": "15", "font-weight": "bold"})
    placed: list[Box] = []
    for source, target, data in graph.edges(data=True):
        chain = [source, *waypoints[source, target], target]
        _draw_step(root, [positions[n] for n in chain], data["transitions"], placed, link)
    first = set(starts)
    for stage in graph:
        _draw_stage(root, graph, stage, positions[stage], stage in first, link)
    return ET.tostring(root, encoding="unicode", xml_declaration=False)


def coverage_svg(
    report: CoverageReport, title: str = "Age coverage, ages 0 to 25", link: Link | None = None
) -> str:
    """One bar per stated age range over ages 0 to 25; ages no unit covers are shaded. With
    ``link``, each unit's bar links to its page."""
    top = MARGIN + 50
    longest = max((len(rng.label) for rng in report.ranges), default=0)
    label_w = max(LABEL_W, MARGIN + 8 + UNIT_CHAR_W * longest)  # no name runs off the left
    width = label_w + CELL * len(AGES) + MARGIN
    height = top + ROW_H * max(len(report.ranges), 1) + MARGIN + 20
    root = _svg(width, height, title, linked=link is not None)
    _text(root, MARGIN, MARGIN + 12, title, **{"font-size": "15", "font-weight": "bold"})
    for age in AGES:
        x = label_w + age * CELL
        if age in report.gaps:
            ET.SubElement(
                root,
                "rect",
                {
                    "class": "gap",
                    "x": str(x),
                    "y": str(top - 4),
                    "width": str(CELL),
                    "height": str(ROW_H * max(len(report.ranges), 1) + 4),
                    "fill": COLOURS["gap"],
                },
            )
        _text(
            root,
            x + CELL / 2,
            top - 10,
            str(age),
            **{"text-anchor": "middle", "font-size": "10", "class": "age"},
        )
    rows_h = ROW_H * max(len(report.ranges), 1)
    for age in CLIFF_BIRTHDAYS:
        x = label_w + age * CELL
        line = {"x1": str(x), "x2": str(x), "y1": str(top - 4), "y2": str(top + rows_h)}
        style = {"stroke": "#b03030", "stroke-dasharray": "3 3", "class": "birthday"}
        ET.SubElement(root, "line", {**line, **style})
    for row, rng in enumerate(report.ranges):
        y = top + row * ROW_H
        holder = _container(root, link, rng.unit, rng.label)
        group = ET.SubElement(holder, "g", {"class": "unit", "data-iri": rng.unit})
        ET.SubElement(group, "title").text = f"{rng.label}: ages {rng.min_age} to {rng.max_age}"
        _text(
            group,
            label_w - 8,
            y + ROW_H / 2 + 4,
            rng.label,
            **{"text-anchor": "end", "font-size": "12"},
        )
        ET.SubElement(
            group,
            "rect",
            {
                "x": str(label_w + rng.min_age * CELL),
                "y": str(y + 3),
                "width": str((rng.max_age - rng.min_age + 1) * CELL),
                "height": str(ROW_H - 6),
                "rx": "4",
                "fill": COLOURS["line"],
            },
        )
    legend_y = height - MARGIN + 4
    legend = "Shaded: ages no unit states it serves. Dashed: birthdays where the law changes."
    _text(root, label_w, legend_y, legend, **{"font-size": "11"})
    return ET.tostring(root, encoding="unicode", xml_declaration=False)
