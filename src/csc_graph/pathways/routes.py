"""Routes: everything a child of a given age and concerns can reach from a starting point,
with the legal basis on every step and the paths through it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import networkx as nx

from csc_graph.pathways.ages import continuing_points, entry_points, open_subgraph
from csc_graph.pathways.graph import Transition, all_transitions, layered_order

MAX_PATHS = 200
"""Most paths listed for one route question; the graph of the route is always complete."""


@dataclass
class RouteResult:
    """The stages and steps a child can reach from its starting points, and the paths."""

    age: int
    concerns: tuple[str, ...] | None
    starts: tuple[str, ...]
    graph: nx.DiGraph
    paths: list[list[str]]

    def steps(self) -> list[Transition]:
        """Every open step on the route, left to right as the diagram lays the stages out."""
        rank = {stage: i for i, stage in enumerate(layered_order(self.graph))}
        return sorted(
            all_transitions(self.graph), key=lambda t: (rank[t.source], rank[t.target], t.iri)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "concerns": None if self.concerns is None else list(self.concerns),
            "starts": list(self.starts),
            "stages": [stage_dict(self.graph, s) for s in layered_order(self.graph)],
            "steps": [t.as_dict() for t in self.steps()],
            "paths": self.paths,
        }


def stage_dict(graph: nx.DiGraph, stage: str) -> dict[str, Any]:
    data = graph.nodes[stage]
    return {
        "iri": stage,
        "label": data["label"],
        "description": data["description"],
        "deliveredBy": [{"iri": i, "label": label} for i, label in data["delivered_by"]],
        "involves": [{"iri": i, "label": label} for i, label in data["involves"]],
    }


def find_routes(
    graph: nx.DiGraph,
    age: int,
    concerns: Iterable[str] | None = None,
    start: str | None = None,
) -> RouteResult:
    """Everything reachable from ``start`` (default: the entry and continuing points)."""
    concern_list = None if concerns is None else tuple(sorted(str(c) for c in concerns))
    view = open_subgraph(graph, age, concern_list)
    default = entry_points(graph, age, concern_list) + continuing_points(graph, age, concern_list)
    starts = (start,) if start is not None else tuple(default)
    reached = set(starts).union(*(nx.descendants(view, s) for s in starts))
    route = view.copy()  # not view.subgraph(reached), which orders stages as the set does
    route.remove_nodes_from([stage for stage in view if stage not in reached])
    return RouteResult(age, concern_list, starts, route, _paths(route, starts))


def _paths(route: nx.DiGraph, starts: Sequence[str]) -> list[list[str]]:
    """Simple paths from each start to each stage where the route ends (at most MAX_PATHS)."""
    ends = [n for n in route if route.out_degree(n) == 0]
    found: list[list[str]] = []
    for start in starts:
        if route.out_degree(start) == 0:
            found.append([start])
            continue
        for path in nx.all_simple_paths(route, start, ends):
            found.append([str(s) for s in path])
    return list(islice(sorted(found), MAX_PATHS))
