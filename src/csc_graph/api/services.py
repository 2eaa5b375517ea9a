"""An Open Referral UK (HSDS 3.0) services API over the graph: /services, /organizations,
/taxonomies and /taxonomy_terms, paged as HSDS pages them.

A thin door over ``csc_graph.exports.oruk``: the mapping, the filters and the paging are
there; this module only reads parameters and turns "not found" into 404.
"""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator

from csc_graph.api.deps import CouncilStoreDep
from csc_graph.config import Settings
from csc_graph.exports.oruk import (
    Directory,
    ServiceFilter,
    concepts_named,
    load_directory,
    oruk_id,
    page_of,
)

router = APIRouter(tags=["Open Referral UK services"])

MAX_PER_PAGE = 500
NO_LOCATIONS = "HSDS filter; the sources give no locations, so no service at a location matches."
UNSTATED = (
    "HSDS: the sources state no opening times, days or places for any service, so with "
    "this filter no service matches (an empty page, not every service)."
)

Json = dict[str, Any]


def get_directory(store: CouncilStoreDep) -> Directory:
    return load_directory(store)


DirectoryDep = Annotated[Directory, Depends(get_directory)]
Page = Annotated[int, Query(ge=1, description="Page number, from 1.", examples=[1])]
PerPage = Annotated[
    int, Query(ge=1, le=MAX_PER_PAGE, description="Results per page.", examples=[20])
]
Search = Annotated[
    str | None, Query(description="HSDS full-text search; the same as `text`.", examples=["youth"])
]

_BASE = str(Settings.model_fields["base_iri"].default)
_YOUTH_JUSTICE_ID = oruk_id(f"{_BASE}lewisham/youth-justice")
_COUNCIL_ID = oruk_id(f"{_BASE}lewisham/council")
CONCERN_SCHEME_ID = oruk_id("https://w3id.org/csc-graph/concern/scheme")

ServiceId = Annotated[
    str, Path(min_length=1, description="The service's id (a UUID).", examples=[_YOUTH_JUSTICE_ID])
]


def unstated_filters(
    start_time: Annotated[str | None, Query(description=UNSTATED, examples=["09:00"])] = None,
    end_time: Annotated[str | None, Query(description=UNSTATED, examples=["17:00"])] = None,
    day: Annotated[str | None, Query(description=UNSTATED, examples=["MO"])] = None,
    postcode: Annotated[str | None, Query(description=UNSTATED, examples=["SE6 4RU"])] = None,
    proximity: Annotated[str | None, Query(description=UNSTATED, examples=["1000"])] = None,
) -> dict[str, str | None]:
    """HSDS filters on what the sources never state (opening times, days, places)."""
    return {
        "start_time": start_time,
        "end_time": end_time,
        "day": day,
        "postcode": postcode,
        "proximity": proximity,
    }


UnstatedFilters = Annotated[dict[str, str | None] | None, Depends(unstated_filters)]

SERVICE_PAGE_EXAMPLE = {
    "total_items": 1,
    "total_pages": 1,
    "page_number": 1,
    "size": 1,
    "first_page": True,
    "last_page": True,
    "empty": False,
    "contents": [
        {
            "id": _YOUTH_JUSTICE_ID,
            "organization_id": _COUNCIL_ID,
            "name": "Youth Justice",
            "description": "Works with children and young people aged between 10 and 17 ...",
            "status": "active",
            "minimum_age": 10,
            "maximum_age": 17,
            "organization": {
                "id": _COUNCIL_ID,
                "name": "Lewisham Council",
                "description": "The London Borough of Lewisham's council ...",
                "uri": f"{_BASE}lewisham/council",
            },
        }
    ],
}


def _found(value: Json | None, kind: str, identifier: str) -> Json:
    if value is None:
        raise HTTPException(404, f"No {kind} has the id '{identifier}'")
    return value


def _date_time_text(value: object) -> object:
    """A date-time parameter is text in ISO 8601 form: pydantic would also read a bare
    number as seconds since 1970, which the OpenAPI document (format date-time) does not
    allow, so a number is refused."""
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?", value.strip()):
        raise ValueError("give a date-time such as 2024-01-01T00:00:00Z, not a number")
    return value


@router.get(
    "/services",
    summary="Services, paged, with age, concern, legal basis and text filters",
    responses={200: {"content": {"application/json": {"example": SERVICE_PAGE_EXAMPLE}}}},
)
def list_services(
    directory: DirectoryDep,
    page: Page = 1,
    per_page: PerPage = 50,
    age: Annotated[
        int | None,
        Query(
            ge=0,
            le=130,
            description="Services whose stated age range covers this age in whole years "
            "(services with no stated range are left out).",
            examples=[15],
        ),
    ] = None,
    concern: Annotated[
        str | None,
        Query(
            description="A concern from the concerns scheme: its IRI, taxonomy term id or "
            "last IRI segment. Services addressing a narrower concern match too.",
            examples=["extra-familial-harm"],
        ),
    ] = None,
    legal_basis: Annotated[
        str | None,
        Query(
            description="A legal provision the service acts under, or an Act or Part it is "
            "in: the legislation.gov.uk identifier IRI, document URL or path after /id/.",
            examples=["ukpga/1989/41/section/47"],
        ),
    ] = None,
    text: Annotated[
        str | None,
        Query(description="Words in the service's name or description.", examples=["youth"]),
    ] = None,
    search: Search = None,
    taxonomy_term_id: Annotated[
        str | None, Query(description="HSDS: services with this taxonomy term.")
    ] = None,
    organization_id: Annotated[
        str | None, Query(description="HSDS: services this organization provides.")
    ] = None,
    taxonomy_id: Annotated[
        str | None,
        Query(
            description="HSDS: services with a term of this taxonomy (its id or IRI).",
            examples=[CONCERN_SCHEME_ID],
        ),
    ] = None,
    minimum_age: Annotated[
        float | None,
        Query(
            ge=0,
            description="HSDS: services whose stated minimum age is at least this "
            "(services with no stated minimum are left out).",
            examples=[10],
        ),
    ] = None,
    maximum_age: Annotated[
        float | None,
        Query(
            ge=0,
            description="HSDS: services whose stated maximum age is at most this "
            "(services with no stated maximum are left out).",
            examples=[17],
        ),
    ] = None,
    modified_after: Annotated[
        Annotated[datetime, BeforeValidator(_date_time_text)] | Literal[""] | None,
        Query(
            description="HSDS: services changed at or after this date-time (without a zone, "
            "UTC). The sources date the data, not each service: every service carries "
            "the data's last change as its last_modified.",
            examples=["2024-01-01T00:00:00Z"],
        ),
    ] = None,
    unstated: UnstatedFilters = None,
) -> Json:
    """HSDS 3.0 ``Page`` of services (one-to-one fields and organization).

    `age`, `concern`, `legal_basis` and `text` are this API's own; the rest are HSDS's.
    `age` uses the range each service's record shows (`minimum_age`, `maximum_age`): stated
    on its page or inherited from the nearest unit above it. The named query
    `services-for-child` also counts units whose range comes only from the law they act
    under, and units with none (its `ageSource` column says which), so for age 15 it lists
    more units than `/services?age=15`.
    """
    if concern and not concepts_named(directory, concern):
        # A typo would otherwise look like "no service works with this": say what is known.
        known = sorted(iri.rstrip("/").rsplit("/", 1)[-1] for iri in directory.terms)
        raise HTTPException(400, f"Unknown concern '{concern}'. Known: {', '.join(known)}")
    chosen = ServiceFilter(
        age=age,
        concern=concern,
        legal_basis=legal_basis,
        text=text or search,
        taxonomy_term_id=taxonomy_term_id,
        organization_id=organization_id,
        taxonomy_id=taxonomy_id,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        modified_after=modified_after or None,  # empty: as if not given
        unstated=any(value is not None for value in (unstated or {}).values()),
    ).select(directory)
    return page_of([directory.service_summary(entry) for entry in chosen], page, per_page)


@router.get(
    "/services/{id}",
    summary="One service, fully nested",
    responses={404: {"description": "No service has this id."}},
)
def get_service(directory: DirectoryDep, id: ServiceId) -> JSONResponse:
    """The full record: one-to-one fields, organization, concerns as attributes, and empty
    lists for what the sources do not state (contacts, schedules, locations, ...). The
    ``Link`` header names the service's IRI in the graph (also its ``url``)."""
    entry = directory.find_service(id)
    record = _found(None if entry is None else directory.service_full(entry), "service", id)
    return JSONResponse(record, headers={"Link": f'<{record["url"]}>; rel="describedby"'})


@router.get("/service_at_locations", summary="Services at locations, paged: none yet")
def list_services_at_locations(
    unstated: UnstatedFilters,
    page: Page = 1,
    per_page: PerPage = 50,
    search: Search = None,
    taxonomy_term_id: Annotated[str | None, Query(description=NO_LOCATIONS)] = None,
    taxonomy_id: Annotated[str | None, Query(description=NO_LOCATIONS)] = None,
    minimum_age: Annotated[float | None, Query(ge=0, description=NO_LOCATIONS)] = None,
    maximum_age: Annotated[float | None, Query(ge=0, description=NO_LOCATIONS)] = None,
) -> Json:
    """HSDS 3.0 ``Page`` of services at locations. The sources give no locations, so the
    page is empty (not a 404) whatever the filters: a client can ask, and will see
    locations once the data has them."""
    return page_of([], page, per_page)


@router.get(
    "/service_at_locations/{id}",
    summary="One service at a location",
    responses={404: {"description": "No service at location has this id (none exists yet)."}},
)
def get_service_at_location(id: Annotated[str, Path(min_length=1)]) -> Json:
    return _found(None, "service at location", id)


@router.get("/organizations", summary="Organizations, paged")
def list_organizations(directory: DirectoryDep, page: Page = 1, per_page: PerPage = 50) -> Json:
    return page_of(list(directory.organizations.values()), page, per_page)


@router.get("/organizations/{id}", summary="One organization with its services")
def get_organization(directory: DirectoryDep, id: str) -> Json:
    iri = directory.find_organization(id)
    return _found(None if iri is None else directory.organization_full(iri), "organization", id)


@router.get("/taxonomies", summary="Taxonomies (SKOS concept schemes), paged")
def list_taxonomies(directory: DirectoryDep, page: Page = 1, per_page: PerPage = 50) -> Json:
    return page_of(list(directory.taxonomies.values()), page, per_page)


@router.get("/taxonomies/{id}", summary="One taxonomy with its terms")
def get_taxonomy(directory: DirectoryDep, id: str) -> Json:
    return _found(directory.taxonomy_full(id), "taxonomy", id)


@router.get("/taxonomy_terms", summary="Taxonomy terms (SKOS concepts), paged")
def list_taxonomy_terms(
    directory: DirectoryDep,
    page: Page = 1,
    per_page: PerPage = 50,
    taxonomy_id: Annotated[str | None, Query(description="Terms of this taxonomy.")] = None,
    parent_id: Annotated[str | None, Query(description="Terms directly below this one.")] = None,
    top_only: Annotated[bool, Query(description="Only terms without a parent.")] = False,
) -> Json:
    terms = directory.select_terms(taxonomy_id, parent_id, top_only)
    return page_of(terms, page, per_page)


@router.get("/taxonomy_terms/{id}", summary="One taxonomy term")
def get_taxonomy_term(directory: DirectoryDep, id: str) -> Json:
    return _found(directory.find_term(id), "taxonomy term", id)
