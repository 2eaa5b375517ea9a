"""Age rules on the pathway graph: the steps open to a child of a given age and concerns,
where a child of that age can enter or move on from, what changes on each birthday (cliff
edges), and what no child can reach at any age.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from csc_graph.pathways.graph import Transition, all_transitions, concern_closure, roots

CLIFF_BIRTHDAYS = (16, 17, 18, 21, 25)
OLDEST = 25


def open_subgraph(graph: nx.DiGraph, age: int, concerns: Iterable[str] | None = None) -> nx.DiGraph:
    """Every stage, and only the steps open to a child of this age with these concerns."""
    closed = concern_closure(graph, concerns)
    view = nx.DiGraph(**graph.graph)
    view.add_nodes_from(graph.nodes(data=True))
    for source, target, data in graph.edges(data=True):
        steps = [t for t in data["transitions"] if t.open_for(age, closed)]
        if steps:
            view.add_edge(source, target, transitions=steps)
    return view


def entry_points(graph: nx.DiGraph, age: int, concerns: Iterable[str] | None = None) -> list[str]:
    """Starting stages from which a child of this age (and these concerns) can take a step."""
    view = open_subgraph(graph, age, concerns)
    return [stage for stage in roots(graph) if view.out_degree(stage) > 0]


def earliest_arrival(graph: nx.DiGraph) -> dict[str, int]:
    """The youngest age at which a child can be at each stage, growing older along the way.

    A child starts at any root at any age and may wait before each step, so a stage counts
    as reachable when some path has steps whose age rules allow ever older ages: a child
    looked after at 17 leaves care at 18. Stages missing from the result are never reached.
    """
    arrival = {stage: 0 for stage in roots(graph)}
    changed = True
    while changed:
        changed = False
        for source, target, data in graph.edges(data=True):
            if source not in arrival:
                continue
            for step in data["transitions"]:
                age = max(arrival[source], step.min_age or 0)
                if step.open_at(age) and age < arrival.get(target, OLDEST + 1):
                    arrival[target] = age
                    changed = True
    return arrival


def continuing_points(
    graph: nx.DiGraph, age: int, concerns: Iterable[str] | None = None
) -> list[str]:
    """Stages a young person reached when younger and can move on from at this age, though
    no one of that age newly arrives there (at 21 a care leaver can ask for a personal adviser).
    """
    by_age = open_subgraph(graph, age)
    onward = open_subgraph(graph, age, concerns)
    arrival = earliest_arrival(graph)
    return sorted(
        str(stage)
        for stage in graph
        if graph.in_degree(stage) > 0
        and by_age.in_degree(stage) == 0
        and onward.out_degree(stage) > 0
        and arrival.get(stage, OLDEST + 1) <= age
    )


@dataclass(frozen=True)
class Cliff:
    """What changes on one birthday: steps that close and steps that open."""

    age: int
    closing: tuple[Transition, ...]
    opening: tuple[Transition, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "closing": [t.as_dict() for t in self.closing],
            "opening": [t.as_dict() for t in self.opening],
        }


def cliff_edges(graph: nx.DiGraph, birthdays: Iterable[int] = CLIFF_BIRTHDAYS) -> list[Cliff]:
    """For each birthday, the steps open the day before and not on it, and the reverse."""
    steps = all_transitions(graph)
    return [
        Cliff(
            age,
            tuple(t for t in steps if t.open_at(age - 1) and not t.open_at(age)),
            tuple(t for t in steps if t.open_at(age) and not t.open_at(age - 1)),
        )
        for age in birthdays
    ]


@dataclass(frozen=True)
class Unreachable:
    """Stages no child reaches at any age; units that deliver only such stages or none."""

    stages: tuple[str, ...]
    units_on_unreachable_stages: tuple[str, ...]
    units_on_no_stage: tuple[str, ...]


def unreachable(graph: nx.DiGraph) -> Unreachable:
    """What no child, with any concern, can reach from an entry point at any age 0-25."""
    reached = set(earliest_arrival(graph))
    stages = sorted(str(n) for n in graph if n not in reached)
    delivering: dict[str, set[str]] = {}
    for stage, data in graph.nodes(data=True):
        for unit, _ in data["delivered_by"]:
            delivering.setdefault(unit, set()).add(str(stage))
    stranded = sorted(u for u, on in delivering.items() if on.isdisjoint(reached))
    idle = sorted(u for u in graph.graph["units"] if u not in delivering)
    return Unreachable(tuple(stages), tuple(stranded), tuple(idle))
