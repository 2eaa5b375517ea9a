"""Pathways: how a child can move between stages of children's services and the law.

The graph is read from the store with one SPARQL CONSTRUCT (``queries/pathways/graph.rq``)
and turned into a networkx DiGraph: a node per csc:PathwayStage, an edge per pair of stages
joined by at least one csc:Transition (the edge's ``transitions`` list holds them all, so two
rules for the same step, such as private fostering under 16 and under 18 if disabled, both
count). Questions are then answered in Python:

* routes from a starting point for a child of a given age and concerns, using only the
  transitions whose age rules the child meets, with the legal basis on every step;
* where a child of a given age can enter, and what changes at each birthday (cliff edges);
* stages and units that no child can reach; the most central stages (betweenness).

Concerns: ``None`` means "any concern" (concern gates are ignored); a set of concept IRIs
opens a gated transition when one of them is the gate or narrower than it (skos:broader).
A transition with several age rules is open only to a child who meets all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from csc_graph.config import Settings
from csc_graph.namespaces import CONCERN, CSC, CV, ORG, SCHEMA
from csc_graph.store import Store

CLIFF_BIRTHDAYS = (16, 17, 18, 21, 25)
OLDEST = 25
MAX_PATHS = 200
"""Most paths listed for one route question; the graph of the route is always complete."""


class UnknownNameError(ValueError):
    """A stage or concern named in a question is not in the graph."""


@dataclass(frozen=True)
class LegalRef:
    """A legal provision as shown on a step: its IRI and its short citation."""

    iri: str
    short_title: str


@dataclass(frozen=True)
class Transition:
    """One step between two stages, with its law, its age bounds and its concern gates."""

    iri: str
    label: str
    source: str
    target: str
    legal_basis: tuple[LegalRef, ...]
    min_age: int | None
    max_age: int | None
    concerns: tuple[str, ...]

    def open_at(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )

    def open_for(self, age: int, concerns: frozenset[str] | None) -> bool:
        """Open at this age, and for these (broader-closed) concerns; None ignores the gates."""
        if not self.open_at(age):
            return False
        return not self.concerns or concerns is None or not concerns.isdisjoint(self.concerns)

    def as_dict(self) -> dict[str, Any]:
        return {
            "transition": self.iri,
            "label": self.label,
            "from": self.source,
            "to": self.target,
            "legalBasis": [{"iri": r.iri, "shortTitle": r.short_title} for r in self.legal_basis],
            "minAge": self.min_age,
            "maxAge": self.max_age,
            "concerns": list(self.concerns),
        }


# ---------------------------------------------------------------- building the graph


def pathway_query(settings: Settings) -> str:
    return (settings.queries_dir / "pathways" / "graph.rq").read_text(encoding="utf-8")


def load_pathway_graph(store: Store, settings: Settings) -> nx.DiGraph:
    """The pathway graph of everything in the store."""
    result = store.query(pathway_query(settings))
    assert result.graph is not None, "the pathway query is a CONSTRUCT"
    return build_pathway_graph(result.graph)


def _text(rdf: Graph, node: Any, prop: URIRef, default: str = "") -> str:
    value = rdf.value(node, prop)
    return str(value) if value is not None else default


def _short_title(rdf: Graph, law: Any) -> str:
    """The provision's short title, else its label, else the tail of its IRI."""
    fallback = str(law).split("/id/")[-1]
    return _text(rdf, law, CSC.shortTitle) or _text(rdf, law, RDFS.label, fallback)


def _age_bounds(rdf: Graph, transition: Any) -> tuple[int | None, int | None]:
    """The tightest bounds over all the transition's age rules (a child must meet each)."""
    audiences = list(rdf.objects(transition, SCHEMA.audience))
    mins = [int(str(m)) for a in audiences for m in rdf.objects(a, SCHEMA.requiredMinAge)]
    maxes = [int(str(m)) for a in audiences for m in rdf.objects(a, SCHEMA.requiredMaxAge)]
    return (max(mins) if mins else None, min(maxes) if maxes else None)


def _transition(rdf: Graph, node: Any) -> Transition:
    laws = sorted(rdf.objects(node, CV.hasLegalResource), key=str)
    min_age, max_age = _age_bounds(rdf, node)
    return Transition(
        iri=str(node),
        label=_text(rdf, node, RDFS.label, str(node)),
        source=str(rdf.value(node, CSC.fromStage)),
        target=str(rdf.value(node, CSC.toStage)),
        legal_basis=tuple(LegalRef(str(law), _short_title(rdf, law)) for law in laws),
        min_age=min_age,
        max_age=max_age,
        concerns=tuple(sorted(str(c) for c in rdf.objects(node, CSC.addressesConcern))),
    )


def _labelled(rdf: Graph, nodes: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(n), _text(rdf, n, RDFS.label, str(n))) for n in nodes))


def build_pathway_graph(rdf: Graph) -> nx.DiGraph:
    """A DiGraph of stages and steps from an RDF graph shaped like the CONSTRUCT's result."""
    graph = nx.DiGraph()
    for stage in rdf.subjects(RDF.type, CSC.PathwayStage):
        graph.add_node(
            str(stage),
            label=_text(rdf, stage, RDFS.label, str(stage)),
            description=_text(rdf, stage, DCTERMS.description),
            delivered_by=_labelled(rdf, rdf.objects(stage, CSC.deliveredBy)),
            involves=_labelled(rdf, rdf.objects(stage, CSC.involves)),
        )
    for node in sorted(rdf.subjects(RDF.type, CSC.Transition), key=str):
        step = _transition(rdf, node)
        if step.source in graph and step.target in graph:
            if not graph.has_edge(step.source, step.target):
                graph.add_edge(step.source, step.target, transitions=[])
            graph.edges[step.source, step.target]["transitions"].append(step)
    graph.graph["broader"] = {
        str(n): {str(b) for b in rdf.objects(n, SKOS.broader)}
        for n in set(rdf.subjects(SKOS.broader, None))
    }
    graph.graph["concepts"] = {
        str(c): str(label) for c, label in rdf.subject_objects(SKOS.prefLabel)
    }
    graph.graph["units"] = dict(_labelled(rdf, rdf.subjects(RDF.type, ORG.OrganizationalUnit)))
    return graph


# ---------------------------------------------------------------- names


def resolve_stage(graph: nx.DiGraph, name: str) -> str:
    """A stage IRI from its full IRI or the end of it (``law/stage-arrest``, ``stage-arrest``)."""
    if name in graph:
        return name
    matches = [node for node in graph if str(node).endswith("/" + name.strip("/"))]
    if len(matches) != 1:
        known = ", ".join(sorted(str(n).rsplit("/", 1)[-1] for n in graph))
        raise UnknownNameError(f"No single stage is called '{name}'. Stages: {known}")
    return str(matches[0])


def resolve_concern(graph: nx.DiGraph, name: str) -> str:
    """A concern IRI from its full IRI or its name in the scheme (``county-lines``)."""
    concepts: dict[str, str] = graph.graph["concepts"]
    iri = name if name in concepts else str(CONCERN[name])
    if iri not in concepts:
        known = ", ".join(sorted(c.rsplit("/", 1)[-1] for c in concepts))
        raise UnknownNameError(f"No concern is called '{name}'. Concerns: {known}")
    return iri


def concern_closure(graph: nx.DiGraph, concerns: Iterable[str] | None) -> frozenset[str] | None:
    """The concerns with everything broader than them; None stays None (any concern)."""
    if concerns is None:
        return None
    broader: dict[str, set[str]] = graph.graph["broader"]
    seen: set[str] = set()
    todo = [str(c) for c in concerns]
    while todo:
        concept = todo.pop()
        if concept not in seen:
            seen.add(concept)
            todo.extend(broader.get(concept, ()))
    return frozenset(seen)


# ---------------------------------------------------------------- questions


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


def roots(graph: nx.DiGraph) -> list[str]:
    """Stages no step leads into: where every route through the graph begins."""
    return sorted(str(n) for n, degree in graph.in_degree() if degree == 0)


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
        steps = [t for _, _, data in self.graph.edges(data=True) for t in data["transitions"]]
        return sorted(steps, key=lambda t: (rank[t.source], rank[t.target], t.iri))

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
    route = view.subgraph(reached).copy()
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


def layered_order(graph: nx.DiGraph) -> list[str]:
    """Stages in left-to-right layers (topological generations), alphabetical in a layer."""
    return [stage for layer in layers(graph) for stage in layer]


def layers(graph: nx.DiGraph) -> list[list[str]]:
    """Topological generations; cycles are collapsed first so any graph can be layered."""
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]
    grouped: list[list[str]] = [[] for _ in range(condensed.number_of_nodes())]
    depth = {c: i for i, gen in enumerate(nx.topological_generations(condensed)) for c in gen}
    for stage, component in members.items():
        grouped[depth[component]].append(str(stage))
    return [sorted(layer, key=lambda s: graph.nodes[s]["label"]) for layer in grouped if layer]


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


def all_transitions(graph: nx.DiGraph) -> list[Transition]:
    return [t for _, _, data in graph.edges(data=True) for t in data["transitions"]]


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


def central_stages(graph: nx.DiGraph, top: int = 10) -> list[tuple[str, float]]:
    """Stages by betweenness centrality: the ones most routes pass through."""
    scores = nx.betweenness_centrality(graph, normalized=True)
    return sorted(((str(s), v) for s, v in scores.items()), key=lambda x: (-x[1], x[0]))[:top]


def central_units(graph: nx.DiGraph, top: int = 10) -> list[tuple[str, float]]:
    """Units ranked by the summed betweenness of the stages they deliver."""
    totals: dict[str, float] = {}
    for stage, score in nx.betweenness_centrality(graph, normalized=True).items():
        for unit, _ in graph.nodes[stage]["delivered_by"]:
            totals[unit] = totals.get(unit, 0.0) + score
    return sorted(totals.items(), key=lambda x: (-x[1], x[0]))[:top]
