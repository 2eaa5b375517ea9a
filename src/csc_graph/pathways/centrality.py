"""Centrality on the pathway graph: the stages most routes pass through, and the units
that deliver them."""

from __future__ import annotations

import networkx as nx


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
