"""Open Referral UK (HSDS 3.0) objects built from the rows of the oruk-*.rq mappings.

The mappings decide what becomes a service, an organization or a taxonomy term; this module
only shapes their rows into HSDS JSON, gives every object a UUID (uuid5 of its IRI, so ids
are stable across loads), and filters and pages services for the /services API.
Contacts, phones, schedules and locations are empty: the source pages give none, and none
is invented. ORUK has no field for a linked-data identifier, so a service's ``url`` is its
IRI in the graph (which dereferences to its description, with the claims behind each fact).
"""

import math
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rdflib import Literal
from rdflib.term import Node

from csc_graph.exports.mappings import select_rows
from csc_graph.exports.void import last_modified
from csc_graph.rdf.namespaces import LEGISLATION_ID
from csc_graph.store.base import Store

Json = dict[str, Any]

SERVICE_STATUS = "active"
"""Every unit the pages describe is a running service."""

CONCERN_LINK_TYPE = "eligibility"
"""HSDS attribute link_type for a concern: children with it are whom the service is for."""

HSDS_VERSION = "3.0"
ORUK_PROFILE = "https://github.com/OpenReferralUK/uk-profile"
"""What the API root tells a client (HSDS ``base.json``): the HSDS version and the profile."""

NOTHING_STATED = (
    "schedules",
    "service_areas",
    "service_at_locations",
    "languages",
    "funding",
    "cost_options",
    "contacts",
)
"""The nested lists of a full service that the source pages give nothing for: empty."""


def api_root(openapi_url: str) -> Json:
    """The API root for a client (HSDS 3.0 ``GET /``): HSDS version, profile, OpenAPI URL."""
    return {"version": HSDS_VERSION, "profile": ORUK_PROFILE, "openapi_url": openapi_url}


def oruk_id(iri: str) -> str:
    """The stable UUID of a resource: uuid5 in the URL namespace of its IRI."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def _text(row: dict[str, Node], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def _age(row: dict[str, Node], name: str) -> int | None:
    value = row.get(name)
    return int(value.toPython()) if isinstance(value, Literal) else None


def _iris(row: dict[str, Node], name: str) -> frozenset[str]:
    return frozenset((_text(row, name) or "").split())


def _without_none(values: Json) -> Json:
    return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class ServiceEntry:
    """One service as the mapping gives it, with what the filters need."""

    iri: str
    name: str
    description: str | None
    minimum_age: int | None
    maximum_age: int | None
    organization_iri: str
    concerns: frozenset[str]
    legal_bases: frozenset[str]

    @property
    def id(self) -> str:
        return oruk_id(self.iri)

    def covers_age(self, age: int) -> bool:
        """True when the stated range includes the age; no stated range covers nothing."""
        if self.minimum_age is None and self.maximum_age is None:
            return False
        low_ok = self.minimum_age is None or self.minimum_age <= age
        return low_ok and (self.maximum_age is None or age <= self.maximum_age)

    def mentions(self, text: str) -> bool:
        wanted = text.casefold()
        return any(wanted in (value or "").casefold() for value in (self.name, self.description))


@dataclass(frozen=True)
class Directory:
    """Every HSDS object of the graph, keyed by IRI, in the mappings' order."""

    services: list[ServiceEntry]
    organizations: dict[str, Json]
    taxonomies: dict[str, Json]
    terms: dict[str, Json]
    parents: dict[str, str] = field(default_factory=dict)
    modified: datetime | None = None
    """When the data last changed (the last commit touching ontology/ or graph/): every
    service's ``last_modified``, since the sources give no date per service."""

    def ancestors(self, concept: str) -> Iterator[str]:
        """The concept and every broader concept above it."""
        seen: set[str] = set()
        while concept and concept not in seen:
            seen.add(concept)
            yield concept
            concept = self.parents.get(concept, "")

    # ------------------------------------------------------------------ services

    def service_summary(self, entry: ServiceEntry) -> Json:
        """A service with its one-to-one fields and organization (compiled/service_list)."""
        return _without_none(
            {
                "id": entry.id,
                "organization_id": oruk_id(entry.organization_iri),
                "name": entry.name,
                "description": entry.description,
                "url": entry.iri,
                "status": SERVICE_STATUS,
                "minimum_age": entry.minimum_age,
                "maximum_age": entry.maximum_age,
                "last_modified": self.modified.isoformat() if self.modified else None,
                "organization": self.organizations.get(entry.organization_iri),
            }
        )

    def service_full(self, entry: ServiceEntry) -> Json:
        """A fully nested service (compiled/service): the summary plus its concerns."""
        attributes = [
            {
                "id": oruk_id(f"{entry.iri} {concept}"),
                "link_id": entry.id,
                "link_type": CONCERN_LINK_TYPE,
                "taxonomy_term_id": self.terms[concept]["id"],
                "taxonomy_term": self.terms[concept],
            }
            for concept in sorted(entry.concerns)
            if concept in self.terms
        ]
        nothing: Json = {name: [] for name in NOTHING_STATED}
        return {**self.service_summary(entry), **nothing, "attributes": attributes}

    def find_service(self, service_id: str) -> ServiceEntry | None:
        return next((entry for entry in self.services if entry.id == service_id), None)

    # ------------------------------------------------------------------ organizations

    def organization_full(self, iri: str) -> Json:
        """An organization with the full services it provides (compiled/organization)."""
        services = [self.service_full(e) for e in self.services if e.organization_iri == iri]
        return {**self.organizations[iri], "services": services}

    def find_organization(self, organization_id: str) -> str | None:
        return next((iri for iri in self.organizations if oruk_id(iri) == organization_id), None)

    # ------------------------------------------------------------------ taxonomies

    def taxonomy_full(self, taxonomy_id: str) -> Json | None:
        """A taxonomy with its terms, or None for an unknown id."""
        taxonomy = next((t for t in self.taxonomies.values() if t["id"] == taxonomy_id), None)
        if taxonomy is None:
            return None
        return {**taxonomy, "taxonomy_terms": self.select_terms(taxonomy_id=taxonomy_id)}

    def find_term(self, term_id: str) -> Json | None:
        return next((term for term in self.terms.values() if term["id"] == term_id), None)

    def select_terms(
        self, taxonomy_id: str | None = None, parent_id: str | None = None, top_only: bool = False
    ) -> list[Json]:
        """The taxonomy terms that pass HSDS's term filters, in the mapping's order."""
        return [
            term
            for term in self.terms.values()
            if (taxonomy_id is None or term["taxonomy_id"] == taxonomy_id)
            and (parent_id is None or term.get("parent_id") == parent_id)
            and not (top_only and "parent_id" in term)
        ]


def load_directory(store: Store) -> Directory:
    """Run the three ORUK mappings and index their rows."""
    taxonomies: dict[str, Json] = {}
    terms: dict[str, Json] = {}
    parents: dict[str, str] = {}
    term_rows = select_rows(store, "oruk-taxonomy-terms")
    for row in term_rows:
        scheme = str(row["taxonomy"])
        taxonomies.setdefault(
            scheme,
            {
                "id": oruk_id(scheme),
                "name": _text(row, "taxonomy_name"),
                "description": _text(row, "taxonomy_description"),
                "uri": scheme,
            },
        )
        if "parent" in row:
            parents[str(row["term"])] = str(row["parent"])
    for row in term_rows:
        term, scheme = str(row["term"]), str(row["taxonomy"])
        terms[term] = _without_none(
            {
                "id": oruk_id(term),
                "name": _text(row, "name"),
                "description": _text(row, "description"),
                "parent_id": oruk_id(parents[term]) if term in parents else None,
                "taxonomy": taxonomies[scheme]["name"],
                "taxonomy_id": taxonomies[scheme]["id"],
                "term_uri": term,
            }
        )
    organizations = {
        str(row["organization"]): {
            "id": oruk_id(str(row["organization"])),
            "name": _text(row, "name"),
            "description": _text(row, "description"),
            "uri": str(row["organization"]),
        }
        for row in select_rows(store, "oruk-organizations")
    }
    services = [
        ServiceEntry(
            iri=str(row["service"]),
            name=str(row["name"]),
            description=_text(row, "description"),
            minimum_age=_age(row, "minimum_age"),
            maximum_age=_age(row, "maximum_age"),
            organization_iri=str(row["organization"]),
            concerns=_iris(row, "concerns"),
            legal_bases=_iris(row, "legal_bases"),
        )
        for row in select_rows(store, "oruk-services")
    ]
    return Directory(services, organizations, taxonomies, terms, parents, _modified(store))


_modified_at: dict[tuple[str, str], datetime] = {}


def _modified(store: Store) -> datetime:
    """last_modified of the files behind this store's content, read once per content."""
    key = (str(store.settings.root), store.content_hash())
    if key not in _modified_at:
        _modified_at[key] = last_modified(store.settings)
    return _modified_at[key]


def service_package(directory: Directory) -> list[Json]:
    """The ORUK export: every service fully nested (ORUK compiled/service_package.json)."""
    return [directory.service_full(entry) for entry in directory.services]


# ---------------------------------------------------------------------- filters


def legislation_iri(value: str) -> str:
    """A legal provision as its identifier IRI: accepts the IRI, the legislation.gov.uk
    document URL (http or https) or the path after /id/, such as 'ukpga/1989/41/section/47'."""
    value = value.strip()
    for page in ("https://www.legislation.gov.uk/", "http://www.legislation.gov.uk/"):
        if value.startswith(page):
            path = value.removeprefix(page)
            return LEGISLATION_ID + path.removeprefix("id/")
    if "://" in value:
        return value
    return LEGISLATION_ID + value.strip("/")


@dataclass(frozen=True)
class ServiceFilter:
    """The /services filters: HSDS's own (search, taxonomy_term_id, organization_id) and the
    ones HSDS lacks (age, concern, legal_basis, text). Unset filters match everything."""

    age: int | None = None
    concern: str | None = None
    legal_basis: str | None = None
    text: str | None = None
    taxonomy_term_id: str | None = None
    organization_id: str | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    taxonomy_id: str | None = None
    modified_after: datetime | None = None
    unstated: bool = False
    """A filter on what no source states (schedules, days, times, places): nothing matches."""

    def select(self, directory: Directory) -> list[ServiceEntry]:
        """The services that pass every filter that is set, in the directory's order."""
        entries: Sequence[ServiceEntry] = [] if self.unstated else directory.services
        if self.age is not None:
            entries = [e for e in entries if e.covers_age(self.age)]
        if self.minimum_age is not None:  # ORUK: "a minimum age of at least the value"
            low = self.minimum_age
            entries = [e for e in entries if e.minimum_age is not None and e.minimum_age >= low]
        if self.maximum_age is not None:  # ORUK: "a maximum age at or below the value"
            high = self.maximum_age
            entries = [e for e in entries if e.maximum_age is not None and e.maximum_age <= high]
        if self.taxonomy_id:
            entries = [e for e in entries if _in_taxonomy(directory, e, self.taxonomy_id)]
        if self.modified_after is not None and not _modified_since(directory, self.modified_after):
            entries = []
        for wanted_concern in (self.concern, self.taxonomy_term_id):
            if wanted_concern:
                concepts = concepts_named(directory, wanted_concern)
                entries = [e for e in entries if _addresses(directory, e, concepts)]
        if self.legal_basis:
            law = legislation_iri(self.legal_basis)
            entries = [e for e in entries if law in e.legal_bases]
        if self.text:
            entries = [e for e in entries if e.mentions(self.text)]
        if self.organization_id:
            entries = [e for e in entries if oruk_id(e.organization_iri) == self.organization_id]
        return list(entries)


def concepts_named(directory: Directory, value: str) -> set[str]:
    """The concepts a filter value names: by IRI, by taxonomy term id or by the IRI's last
    segment (``extra-familial-harm``)."""
    return {
        iri
        for iri, term in directory.terms.items()
        if value in (iri, term["id"], iri.rstrip("/").rsplit("/", 1)[-1])
    }


def _in_taxonomy(directory: Directory, entry: ServiceEntry, taxonomy: str) -> bool:
    """True when one of the service's concerns is a term of the taxonomy (its id or IRI)."""
    known = directory.taxonomies.get(taxonomy)
    wanted = known["id"] if known else taxonomy
    return any((directory.terms.get(c) or {}).get("taxonomy_id") == wanted for c in entry.concerns)


def _modified_since(directory: Directory, moment: datetime) -> bool:
    """Whether the data changed at or after the moment (a moment without a zone is UTC)."""
    if directory.modified is None:
        return True
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=directory.modified.tzinfo)
    return directory.modified >= moment


def _addresses(directory: Directory, entry: ServiceEntry, concepts: set[str]) -> bool:
    """True when the service addresses one of the concepts or a narrower one."""
    return any(set(directory.ancestors(concern)) & concepts for concern in entry.concerns)


# ---------------------------------------------------------------------- pages


def page_of(items: Sequence[Json], page: int, per_page: int) -> Json:
    """One page of results in the HSDS 3.0 ``Page`` shape (openapi.json components)."""
    total_pages = math.ceil(len(items) / per_page)
    contents = list(items[(page - 1) * per_page : page * per_page])
    return {
        "total_items": len(items),
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
