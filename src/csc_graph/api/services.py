"""An Open Referral UK (HSDS 3.0) services API over the graph: /services, /organizations,
/taxonomies and /taxonomy_terms, paged as HSDS pages them.

A thin door over ``csc_graph.exports.oruk``: the mapping, the filters and the paging are
there; this module only reads parameters and turns "not found" into 404.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

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
) -> Json:
    """HSDS 3.0 ``Page`` of services (one-to-one fields and organization)."""
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
    ).select(directory)
    return page_of([directory.service_summary(entry) for entry in chosen], page, per_page)


@router.get("/services/{id}", summary="One service, fully nested")
def get_service(directory: DirectoryDep, id: str) -> Json:
    entry = directory.find_service(id)
    return _found(None if entry is None else directory.service_full(entry), "service", id)


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
