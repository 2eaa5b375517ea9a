"""Pathways: how a child can move between stages of children's services and the law.

The graph is read from the store with one SPARQL CONSTRUCT (``queries/pathways/graph.rq``)
and turned into a networkx DiGraph: a node per csc:PathwayStage, an edge per pair of stages
joined by at least one csc:Transition (the edge's ``transitions`` list holds them all, so two
rules for the same step, such as private fostering under 16 and under 18 if disabled, both
count). This module builds that graph, resolves the names a question uses, and says how the
graph is shaped (roots, layers). Questions are answered in Python by its neighbours:

* ``pathway_ages``: which steps are open to a child of a given age and concerns, where a
  child of that age can enter, what changes at each birthday (cliff edges), and the stages
  and units that no child can reach;
* ``pathway_routes``: routes from a starting point, with the legal basis on every step;
* ``pathway_centrality``: the most central stages and units (betweenness).

Concerns: ``None`` means "any concern" (concern gates are ignored); a set of concept IRIs
opens a gated transition when one of them is the gate or narrower than it (skos:broader).
A transition with several age rules is open only to a child who meets all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from csc_graph.config import Settings
from csc_graph.rdf.namespaces import CONCERN, CSC, CV, ORG, SCHEMA
from csc_graph.store.base import Store


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
    return build_pathway_graph(store.construct_whole(pathway_query(settings)))


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
    for stage in sorted(rdf.subjects(RDF.type, CSC.PathwayStage), key=str):
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


# ---------------------------------------------------------------- shape


def roots(graph: nx.DiGraph) -> list[str]:
    """Stages no step leads into: where every route through the graph begins."""
    return sorted(str(n) for n, degree in graph.in_degree() if degree == 0)


def all_transitions(graph: nx.DiGraph) -> list[Transition]:
    return [t for _, _, data in graph.edges(data=True) for t in data["transitions"]]


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
