"""Where two sources disagree: two claims with the same subject and predicate, different
objects and different sources, each shown with its source and quoted sentence.

Only predicates that take one value are compared (a unit's parent, its age range and the
ages in it, its name, whether it is statutory): two pages listing different concerns for a
service add up rather than disagree. The query is plain SPARQL 1.1, so it runs the same on
the store (Oxigraph or a remote endpoint) and on an rdflib graph. A claim is recognised by
rdf:subject and prov:wasDerivedFrom rather than by ``a csc:Claim``: rdflib would start its
join from the type pattern and compare every claim with every other (seconds, not
milliseconds), and only claims carry those two properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from csc_graph.governance.checks import select_rows
from csc_graph.rdf.labels import id_link, qname
from csc_graph.rdf.namespaces import CSC, ORG, SCHEMA

if TYPE_CHECKING:
    from csc_graph.store.base import Store

SINGLE_VALUED: tuple[URIRef, ...] = (
    ORG.subOrganizationOf,
    SCHEMA.audience,
    SCHEMA.requiredMinAge,
    SCHEMA.requiredMaxAge,
    RDFS.label,
    SKOS.prefLabel,
    CSC.statutory,
)
"""Predicates where two different values from two sources are a disagreement."""

_QUERY = """
SELECT ?subject ?subjectLabel ?predicate
       ?objectA ?objectALabel ?sourceA ?sourceATitle ?quoteA
       ?objectB ?objectBLabel ?sourceB ?sourceBTitle ?quoteB
WHERE {
  VALUES ?predicate { %s }
  ?a rdf:predicate ?predicate ; rdf:subject ?subject ;
     rdf:object ?objectA ; prov:wasDerivedFrom ?sourceA .
  ?b rdf:subject ?subject ; rdf:predicate ?predicate ;
     rdf:object ?objectB ; prov:wasDerivedFrom ?sourceB .
  FILTER (!sameTerm(?objectA, ?objectB) && !sameTerm(?sourceA, ?sourceB))
  FILTER (STR(?sourceA) < STR(?sourceB))
  OPTIONAL { ?a csc:quote ?quoteA }
  OPTIONAL { ?b csc:quote ?quoteB }
  OPTIONAL { ?subject rdfs:label ?subjectLabel }
  OPTIONAL { ?objectA rdfs:label ?objectALabel }
  OPTIONAL { ?objectB rdfs:label ?objectBLabel }
  OPTIONAL { ?sourceA dct:title ?sourceATitle }
  OPTIONAL { ?sourceB dct:title ?sourceBTitle }
}
"""


@dataclass(frozen=True)
class Claimed:
    """One side of a conflict: the value, the source it comes from and the sentence."""

    value: str
    value_label: str
    source: str
    source_title: str
    quote: str


@dataclass(frozen=True)
class Conflict:
    """Two sources saying different things about the same property of the same subject."""

    subject: str
    subject_label: str
    subject_link: str | None
    predicate: str
    predicate_label: str
    claims: tuple[Claimed, Claimed]

    @property
    def key(self) -> str:
        values = sorted(c.value + "@" + c.source for c in self.claims)
        return "\x1f".join([self.subject, self.predicate, *values])


def conflict_query(predicates: Iterable[URIRef] = SINGLE_VALUED) -> str:
    """The SELECT; the predicate list is the module's own constant, never user input."""
    return _QUERY % " ".join(p.n3() for p in predicates)


def _text(row: dict[str, Node], name: str, fallback: str = "") -> str:
    value = row.get(name)
    return fallback if value is None else str(value)


def _claimed(row: dict[str, Node], side: str) -> Claimed:
    value = _text(row, f"object{side}")
    value_label = _text(row, f"object{side}Label", value.rstrip("/").rsplit("/", 1)[-1])
    source = _text(row, f"source{side}")
    return Claimed(
        value=value,
        value_label=value_label,
        source=source,
        source_title=_text(row, f"source{side}Title", source),
        quote=_text(row, f"quote{side}"),
    )


def find_conflicts(
    source: Graph | Store,
    *,
    base_iri: str,
    predicates: Iterable[URIRef] = SINGLE_VALUED,
) -> list[Conflict]:
    """Every disagreement between sources, one per subject, predicate and pair of claims."""
    _, rows = select_rows(source, conflict_query(predicates))
    found: dict[str, Conflict] = {}
    for row in rows:
        subject, predicate = row["subject"], row["predicate"]
        conflict = Conflict(
            subject=str(subject),
            subject_label=_text(row, "subjectLabel", str(subject).rsplit("/", 1)[-1]),
            subject_link=id_link(subject, base_iri),
            predicate=str(predicate),
            predicate_label=qname(predicate),
            claims=(_claimed(row, "A"), _claimed(row, "B")),
        )
        found.setdefault(conflict.key, conflict)
    return sorted(found.values(), key=lambda c: (c.subject_label, c.predicate_label))
