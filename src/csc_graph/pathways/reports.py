"""Pathway and coverage answers rendered for a door: JSON, Markdown or SVG.

A route question (an age, optional concerns and start) gives the route; no age gives the
overview of the whole graph (entry points by age, cliff edges, unreachable stages and units,
centrality) and, as SVG, the full diagram. The doors (CLI, API) pass the format name and
write out the content; they compute nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from csc_graph.pathways.age_coverage import CoverageReport, coverage_markdown
from csc_graph.pathways.ages import (
    OLDEST,
    cliff_edges,
    continuing_points,
    entry_points,
    unreachable,
)
from csc_graph.pathways.centrality import central_stages, central_units
from csc_graph.pathways.graph import Transition, layered_order, resolve_concern, resolve_stage
from csc_graph.pathways.pictures import coverage_svg, pathway_svg
from csc_graph.pathways.routes import RouteResult, find_routes

MEDIA_TYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "svg": "image/svg+xml",
}
FORMATS = tuple(MEDIA_TYPES)


@dataclass(frozen=True)
class Rendered:
    """The text of an answer and its media type."""

    content: str
    media_type: str


def _ages(step: Transition) -> str:
    low = step.min_age if step.min_age is not None else 0
    return f"{low} to {step.max_age}" if step.max_age is not None else f"{low} and over"


def _legal(step: Transition) -> str:
    return ", ".join(ref.short_title for ref in step.legal_basis)


def route_markdown(result: RouteResult) -> str:
    """A route answer for a reader: the paths, every step with its law and ages, the stages."""
    graph = result.graph
    label = {stage: data["label"] for stage, data in graph.nodes(data=True)}
    lines = [
        f"# {_route_title(result)}",
        "",
        "Starting points: " + (", ".join(label[s] for s in result.starts) or "none") + ".",
        "",
        "## Paths",
        "",
    ]
    lines += [f"{i}. " + " → ".join(label[s] for s in p) for i, p in enumerate(result.paths, 1)]
    lines += [
        "",
        "## Steps",
        "",
        "| From | To | Step | Legal basis | Ages |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {label[t.source]} | {label[t.target]} | {t.label} | {_legal(t)} | {_ages(t)} |"
        for t in result.steps()
    ]
    lines += ["", "## Stages", "", "| Stage | Delivered by | Involves |", "| --- | --- | --- |"]
    for stage in layered_order(result.graph):
        data = graph.nodes[stage]
        units = ", ".join(name for _, name in data["delivered_by"]) or "-"
        involved = ", ".join(name for _, name in data["involves"]) or "-"
        lines.append(f"| {data['label']} | {units} | {involved} |")
    return "\n".join(lines) + "\n"


def overview(graph: nx.DiGraph) -> dict[str, Any]:
    """What the whole pathway graph says: entries by age, cliff edges, gaps, centrality."""
    missing = unreachable(graph)
    return {
        "entryPointsByAge": {
            str(age): {
                "entryPoints": entry_points(graph, age),
                "continuingFrom": continuing_points(graph, age),
            }
            for age in range(OLDEST + 1)
        },
        "cliffEdges": [cliff.as_dict() for cliff in cliff_edges(graph)],
        "unreachableStages": list(missing.stages),
        "unitsOnUnreachableStagesOnly": list(missing.units_on_unreachable_stages),
        "unitsOnNoStage": list(missing.units_on_no_stage),
        "centralStages": [{"iri": s, "betweenness": v} for s, v in central_stages(graph)],
        "centralUnits": [{"iri": u, "betweenness": v} for u, v in central_units(graph)],
    }


def overview_markdown(graph: nx.DiGraph) -> str:
    """The overview for a reader."""
    data = overview(graph)
    stage = {s: d["label"] for s, d in graph.nodes(data=True)}
    unit: dict[str, str] = graph.graph["units"]
    lines = ["# Pathways overview", "", "## Where a child can start, by age", ""]
    lines += ["| Age | Entry points | Moving on from |", "| --- | --- | --- |"]
    for age, entry in data["entryPointsByAge"].items():
        starts = ", ".join(stage[s] for s in entry["entryPoints"]) or "-"
        onward = ", ".join(stage[s] for s in entry["continuingFrom"]) or "-"
        lines.append(f"| {age} | {starts} | {onward} |")
    lines += ["", "## Cliff edges: what changes on each birthday", ""]
    for cliff in cliff_edges(graph):
        lines.append(f"### {cliff.age}")
        lines += [f"- closes: {t.label} ({_legal(t)})" for t in cliff.closing]
        lines += [f"- opens: {t.label} ({_legal(t)})" for t in cliff.opening]
        lines += ["- nothing changes"] if not (cliff.closing or cliff.opening) else []
        lines.append("")
    lines += ["## Stages no child can reach", ""]
    lines += [f"- {stage[s]}" for s in data["unreachableStages"]] or ["None."]
    lines += ["", f"## Units that deliver no pathway stage ({len(data['unitsOnNoStage'])})", ""]
    lines += [f"- {unit.get(u, u)}" for u in data["unitsOnNoStage"]]
    lines += ["", "## Most central stages (betweenness)", ""]
    lines += [f"- {stage[c['iri']]}: {c['betweenness']:.3f}" for c in data["centralStages"]]
    lines += ["", "## Most central units (summed betweenness of their stages)", ""]
    lines += [
        f"- {unit.get(c['iri'], c['iri'])}: {c['betweenness']:.3f}" for c in data["centralUnits"]
    ]
    return "\n".join(lines) + "\n"


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _check_format(name: str) -> None:
    if name not in MEDIA_TYPES:
        raise ValueError(f"Unknown format '{name}'; use one of: {', '.join(FORMATS)}")


def ask_route(
    graph: nx.DiGraph, age: int, concerns: Sequence[str] | None = None, start: str | None = None
) -> RouteResult:
    """The route answer with concern and stage names resolved (UnknownNameError if unknown)."""
    concern_iris = None if concerns is None else [resolve_concern(graph, c) for c in concerns]
    stage = None if start is None else resolve_stage(graph, start)
    return find_routes(graph, age, concern_iris, stage)


def _route_title(result: RouteResult) -> str:
    names = result.graph.graph["concepts"]
    concerns = (
        "any concern"
        if result.concerns is None
        else (", ".join(names.get(c, c) for c in result.concerns) or "no concern")
    )
    return f"Routes for a child aged {result.age} ({concerns})"


def render_pathways(
    graph: nx.DiGraph,
    format_name: str,
    age: int | None = None,
    concerns: Sequence[str] | None = None,
    start: str | None = None,
) -> Rendered:
    """A route (when an age is given) or the overview, as JSON, Markdown or SVG."""
    _check_format(format_name)
    renderers: dict[str, Callable[[], str]]
    if age is None:
        for name in concerns or ():  # the overview ignores them, but a typo is still a 400
            resolve_concern(graph, name)
        if start:
            resolve_stage(graph, start)
        renderers = {
            "json": lambda: _json(overview(graph)),
            "md": lambda: overview_markdown(graph),
            "svg": lambda: pathway_svg(graph, "Pathways through children's social care"),
        }
    else:
        result = ask_route(graph, age, concerns, start)
        renderers = {
            "json": lambda: _json(result.as_dict()),
            "md": lambda: route_markdown(result),
            "svg": lambda: pathway_svg(result.graph, _route_title(result), result.starts),
        }
    return Rendered(renderers[format_name](), MEDIA_TYPES[format_name])


def render_coverage(report: CoverageReport, format_name: str) -> Rendered:
    """The age coverage report as JSON, Markdown or an SVG chart."""
    _check_format(format_name)
    renderers: dict[str, Callable[[], str]] = {
        "json": lambda: _json(report.as_dict()),
        "md": lambda: coverage_markdown(report),
        "svg": lambda: coverage_svg(report),
    }
    return Rendered(renderers[format_name](), MEDIA_TYPES[format_name])


# ---------------------------------------------------------------- the explorer page


@dataclass(frozen=True)
class Explorer:
    """What the pathway explorer page shows: the choices for its form, the picture (with
    each stage and step linked), and every stage and step as a list with its law."""

    title: str
    svg: str
    stages: list[dict[str, Any]]
    steps: list[Transition]
    stage_choices: list[tuple[str, str]]
    concern_choices: list[tuple[str, str]]
    labels: dict[str, str]


def explore(
    graph: nx.DiGraph,
    link: Callable[[str], str],
    age: int | None = None,
    concerns: Sequence[str] | None = None,
    start: str | None = None,
) -> Explorer:
    """The route for an age (or the whole graph without one), ready for a page; unknown
    concern or stage names raise UnknownNameError before anything is drawn."""
    starts: tuple[str, ...] = ()
    if age is None:
        shown, title = graph, "Pathways through children's social care"
        for name in concerns or ():
            resolve_concern(graph, name)
        if start:
            resolve_stage(graph, start)
    else:
        result = ask_route(graph, age, concerns, start)
        shown, title, starts = result.graph, _route_title(result), result.starts
    stages = [{**stage_dict_for(shown, s), "start": s in starts} for s in layered_order(shown)]
    steps = sorted(
        (t for _, _, data in shown.edges(data=True) for t in data["transitions"]),
        key=lambda t: (t.label.lower(), t.iri),
    )
    labels = {s: shown.nodes[s]["label"] for s in shown} | {
        s: graph.nodes[s]["label"] for s in graph
    }
    return Explorer(
        title=title,
        svg=pathway_svg(shown, title, starts, link=link),
        stages=stages,
        steps=steps,
        stage_choices=sorted(
            ((s, graph.nodes[s]["label"]) for s in graph), key=lambda c: c[1].lower()
        ),
        concern_choices=sorted(graph.graph["concepts"].items(), key=lambda c: c[1].lower()),
        labels=labels,
    )


def stage_dict_for(graph: nx.DiGraph, stage: str) -> dict[str, Any]:
    data = graph.nodes[stage]
    return {
        "iri": stage,
        "label": data["label"],
        "delivered_by": list(data["delivered_by"]),
    }


def coverage_page(report: CoverageReport, link: Callable[[str], str]) -> str:
    """The coverage chart with each unit's bar linked to its page."""
    return coverage_svg(report, link=link)
