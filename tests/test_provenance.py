"""Every fact about a unit names its source and quotes it, and every quote is really there.

The expected team names below are written by hand from the two seed pages, not read back
from the graph, so a unit dropped from graph/ makes this file fail.
"""

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from csc_graph.config import Settings
from csc_graph.rdf import files as datafiles
from csc_graph.rdf.namespaces import CSC, CV, ORG, SCHEMA

SETTINGS = Settings()
LW = f"{SETTINGS.base_iri}lewisham/"
LAW = f"{SETTINGS.base_iri}law/"
TEAMS_PAGE = URIRef(f"{LW}source-social-work-teams")
SAFEGUARDING_PAGE = URIRef(f"{LW}source-safeguarding-service")
FACTS_SHEET = URIRef(f"{LAW}source-legal-facts")
CA1989_TEXT = URIRef(f"{LAW}source-ca1989")
CPPCR_TEXT = URIRef(f"{LAW}source-cppcr2010")
SHARED_SEEDS = SETTINGS.root.parent / "shared" / "seeds"

UNIT_CLASSES = (CSC.Service, CSC.Team, CSC.SubTeam, CSC.Centre, CSC.Forum, CSC.Function)
FACT_PREDICATES = (
    ORG.subOrganizationOf,
    SCHEMA.audience,
    CSC.addressesConcern,
    CV.hasLegalResource,
    CSC.hasRole,
    CSC.worksWith,
    CSC.manages,
    CSC.usesPracticeFramework,
    CSC.responsibleFor,
)

# Every team, service, centre, sub-team, forum, function and partner the two pages name,
# spelled as the pages spell them (headings or running text).
NAMES_ON_THE_PAGES = (
    "Multi-agency safeguarding hub (MASH)",
    "Referral and assessment service",
    "Emergency duty team",
    "Assessment Team",
    "Safe Space",
    "Family support and safeguarding service",
    "Meliot Family Centre",
    "Children in need",
    "Child Protection Plans and Conferences",
    "Family Court Proceedings",
    "Corporate parenting",
    "Children in care councils",
    "Care leaver's forum",
    "Fostering and Placements teams",
    "Unaccompanied Minors team",
    "Special Guardianship and Private Fostering team",
    "Workforce development and business support service",
    "Workforce Development Service",
    "Business Support Service",
    "ASYE Academy",
    "Fostering, placements and business strategy",
    "Quality assurance service",
    "Child protection case conferencing",
    "Local authority designated officer",
    "Independent reviewing process of looked-after children",
    "Complaints",
    "Access to records",
    "Integrated SEND services for children and young people",
    "Children with disabilities",
    "Short break services",
    "Special educational needs",
    "Portage",
    "Occupational therapy",
    "Travel assistance",
    "Multi-agency planning pathways",
    "Commissioning",
    "Integrated Adolescent Safeguarding Service",
    "Youth Justice",
    "Therapeutic hub",
    "Family therapy",
    "Child Adolescent and Mental Health Service (CAMHS)",
    "Speech and language",
    "Community engagement and diversion",
    "Lewisham Safeguarding Children's Partnership",
    "Courts",
    "Children's social care",
)

# Every role the pages name, with the unit the pages put it in.
ROLES_ON_THE_PAGES = (
    ("Child protection chair", "quality-assurance"),
    ("Independent reviewing officer", "quality-assurance"),
    ("Participation officer", "quality-assurance"),
    ("Local authority designated officer", "lado-function"),
    ("Senior social worker", "meliot-family-centre"),
    ("Newly qualified social worker", "asye-academy"),
    ("Social worker", "referral-and-assessment"),
)


def normalise(text: str, *, markdown: bool = False) -> str:
    """Collapse whitespace; for the Markdown facts sheet also drop bold marks and backticks."""
    if markdown:
        text = text.replace("**", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def name_key(text: str) -> str:
    """Case- and apostrophe-insensitive form of a name ("leaver's" = "leavers\u2019")."""
    return re.sub("['\u2019]", "", text).casefold()


@pytest.fixture(scope="module")
def graph() -> Graph:
    return datafiles.read_union(SETTINGS)


@pytest.fixture(scope="module")
def captured(graph: Graph) -> dict[Node, str]:
    """Each source's captured text, normalised for quote matching."""
    texts: dict[Node, str] = {}
    for source, path in graph.subject_objects(CSC.capturedText):
        file = SETTINGS.root / str(path)
        texts[source] = normalise(file.read_text(encoding="utf-8"), markdown=file.suffix == ".md")
    return texts


def claims(graph: Graph) -> list[Node]:
    return list(graph.subjects(RDF.type, CSC.Claim))


def claimed_triple(graph: Graph, claim: Node) -> tuple[Node, Node, Node]:
    subject = graph.value(claim, RDF.subject)
    predicate = graph.value(claim, RDF.predicate)
    value = graph.value(claim, RDF.object)
    assert subject is not None and predicate is not None and value is not None, claim
    return subject, predicate, value


def units(graph: Graph) -> set[Node]:
    return {unit for cls in UNIT_CLASSES for unit in graph.subjects(RDF.type, cls)}


def unit_facts(graph: Graph) -> list[tuple[Node, Node, Node]]:
    facts: list[tuple[Node, Node, Node]] = []
    for unit in units(graph):
        for cls in graph.objects(unit, RDF.type):
            if str(cls).startswith(str(CSC)):
                facts.append((unit, RDF.type, cls))
        for predicate in FACT_PREDICATES:
            facts.extend((unit, predicate, value) for value in graph.objects(unit, predicate))
    return facts


def test_the_data_has_claims_from_the_pages_the_law_and_the_sheet(graph: Graph) -> None:
    sources = {graph.value(claim, PROV.wasDerivedFrom) for claim in claims(graph)}
    assert {TEAMS_PAGE, SAFEGUARDING_PAGE, FACTS_SHEET, CA1989_TEXT, CPPCR_TEXT} <= sources
    assert all((source, RDF.type, CSC.Source) in graph for source in sources)


def test_every_source_has_its_web_address_and_capture_date(graph: Graph) -> None:
    for source in graph.subjects(RDF.type, CSC.Source):
        assert isinstance(graph.value(source, SCHEMA.url), URIRef), source
        captured_on = graph.value(source, CSC.capturedOn)
        assert isinstance(captured_on, Literal) and captured_on.datatype == XSD.date, source


def test_every_claim_is_stated_or_inferred_with_a_reason(graph: Graph) -> None:
    kinds = {}
    for claim in claims(graph):
        evidence = list(graph.objects(claim, CSC.evidence))
        assert evidence in ([CSC.Stated], [CSC.Inferred]), claim
        if evidence == [CSC.Inferred]:
            assert len(str(graph.value(claim, CSC.inferenceReason) or "")) >= 10, claim
        kinds[evidence[0]] = kinds.get(evidence[0], 0) + 1
    assert kinds[CSC.Stated] > kinds[CSC.Inferred] > 0


@pytest.mark.parametrize(
    ("subject", "obj"),
    [
        # the review's unsupported items: a team name read as a concern, a phrase read as
        # a practice framework, a sentence naming no law read as a legal basis
        (
            "lewisham/unaccompanied-minors",
            "https://w3id.org/csc-graph/concern/unaccompanied-asylum-seeking-child",
        ),
        ("lewisham/safe-space", "https://w3id.org/csc-graph/id/law/contextual-safeguarding"),
        (
            "lewisham/referral-and-assessment",
            "http://www.legislation.gov.uk/id/ukpga/1989/41/section/47",
        ),
        (
            "lewisham/special-guardianship-and-private-fostering",
            "http://www.legislation.gov.uk/id/ukpga/1989/41/section/14A",
        ),
    ],
)
def test_the_reviews_unsupported_claims_are_inferred(graph: Graph, subject: str, obj: str) -> None:
    found = [
        graph.value(claim, CSC.evidence)
        for claim in graph.subjects(RDF.subject, URIRef(SETTINGS.base_iri + subject))
        if str(graph.value(claim, RDF.object)) == obj
    ]
    assert found == [CSC.Inferred]


def test_safe_space_law_is_stated_by_its_page(graph: Graph) -> None:
    """The one Lewisham sentence that names the law ("s17 ... s47") gives stated claims."""
    found = {
        graph.value(claim, CSC.evidence)
        for claim in graph.subjects(RDF.subject, URIRef(LW + "safe-space"))
        if graph.value(claim, RDF.predicate) == CV.hasLegalResource
    }
    assert found == {CSC.Stated}


def test_every_quote_appears_in_its_source(graph: Graph, captured: dict[Node, str]) -> None:
    missing = []
    for claim in claims(graph):
        source = graph.value(claim, PROV.wasDerivedFrom)
        quote = graph.value(claim, CSC.quote)
        assert isinstance(quote, Literal) and source is not None, claim
        if normalise(str(quote)) not in captured[source]:
            missing.append((source, str(quote)))
    assert missing == []


def test_an_altered_quote_is_not_found(captured: dict[Node, str]) -> None:
    """The check above can fail: one changed word is enough."""
    genuine = (
        "The Youth Justice service works with children and young people aged between 10 and 17"
    )
    assert genuine in captured[SAFEGUARDING_PAGE]
    assert genuine.replace("10", "12") not in captured[SAFEGUARDING_PAGE]


def test_every_fact_about_a_unit_has_a_claim(graph: Graph) -> None:
    claimed = {claimed_triple(graph, claim) for claim in claims(graph)}
    facts = unit_facts(graph)
    assert len(facts) > 150
    assert [fact for fact in facts if fact not in claimed] == []


def test_every_claim_is_asserted(graph: Graph) -> None:
    unasserted = [
        claimed_triple(graph, claim)
        for claim in claims(graph)
        if claimed_triple(graph, claim) not in graph
    ]
    assert unasserted == []


def test_every_legal_age_threshold_is_quoted_from_the_legislation(graph: Graph) -> None:
    provisions = [
        subject
        for subject, node in graph.subject_objects(SCHEMA.audience)
        if str(subject).startswith(("http://www.legislation.gov.uk/", "https://www.gov.uk/"))
    ]
    assert len(provisions) >= 15
    for provision in provisions:
        sources = {
            graph.value(claim, PROV.wasDerivedFrom)
            for claim in graph.subjects(RDF.subject, provision)
            if graph.value(claim, RDF.predicate) == SCHEMA.audience
        }
        assert sources, provision
        for source in sources:
            assert str(graph.value(source, CSC.capturedText)).startswith("graph/law/sources/uk")
            assert (source, RDF.type, CSC.SecondarySource) not in graph, provision


def test_no_claim_about_a_provision_cites_the_facts_sheet(graph: Graph) -> None:
    """Only Working Together 2023, of which no copy is held, still rests on the sheet."""
    legislation = "http://www.legislation.gov.uk/id/"
    cited = [
        (str(graph.value(claim, RDF.subject)), str(graph.value(claim, RDF.object)))
        for claim in graph.subjects(PROV.wasDerivedFrom, FACTS_SHEET)
        if str(graph.value(claim, RDF.subject)).startswith(legislation)
        or str(graph.value(claim, RDF.object)).startswith(legislation)
    ]
    assert cited == []
    assert (FACTS_SHEET, RDF.type, CSC.SecondarySource) in graph


@pytest.mark.parametrize("name", NAMES_ON_THE_PAGES)
def test_every_name_on_the_pages_is_in_the_graph(graph: Graph, name: str) -> None:
    named = units(graph) | set(graph.subjects(RDF.type, CSC.Partner))
    labels = [name_key(str(graph.value(thing, RDFS.label))) for thing in named]
    assert any(name_key(name) in label for label in labels), name


@pytest.mark.parametrize(("name", "unit"), ROLES_ON_THE_PAGES)
def test_every_role_on_the_pages_is_in_its_unit(graph: Graph, name: str, unit: str) -> None:
    roles = [
        role
        for role in graph.subjects(RDF.type, ORG.Role)
        if name_key(str(graph.value(role, RDFS.label))) == name_key(name)
    ]
    assert len(roles) == 1, name
    assert (URIRef(f"{LW}{unit}"), CSC.hasRole, roles[0]) in graph


def test_the_safe_space_conflict_is_recorded_with_both_sources(graph: Graph) -> None:
    safe_space = URIRef(f"{LW}safe-space")
    parent_claims = {
        (graph.value(claim, RDF.object), graph.value(claim, PROV.wasDerivedFrom))
        for claim in graph.subjects(RDF.subject, safe_space)
        if graph.value(claim, RDF.predicate) == ORG.subOrganizationOf
    }
    assert parent_claims == {
        (URIRef(f"{LW}referral-and-assessment"), TEAMS_PAGE),
        (URIRef(f"{LW}integrated-adolescent-safeguarding"), SAFEGUARDING_PAGE),
    }


def test_the_safe_space_ages_come_only_from_the_safeguarding_page(graph: Graph) -> None:
    safe_space = URIRef(f"{LW}safe-space")
    age_sources = {
        graph.value(claim, PROV.wasDerivedFrom)
        for claim in graph.subjects(RDF.subject, safe_space)
        if graph.value(claim, RDF.predicate) == SCHEMA.audience
    }
    assert age_sources == {SAFEGUARDING_PAGE}


def seed_copies(graph: Graph) -> list[tuple[Path, Path]]:
    """(graph copy, shared seed) pairs, matched by the seed id in each source's identifier."""
    pairs = []
    for source in (TEAMS_PAGE, SAFEGUARDING_PAGE):
        seed_id = str(graph.value(source, URIRef("http://purl.org/dc/terms/identifier")))
        copy = SETTINGS.root / str(graph.value(source, CSC.capturedText))
        pairs.append((copy, SHARED_SEEDS / f"{seed_id.removeprefix('seed ')}.txt"))
    return pairs


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not present")
def test_the_graph_copies_of_the_seeds_match_the_shared_seeds(graph: Graph) -> None:
    for copy, seed in seed_copies(graph):
        assert copy.read_bytes() == seed.read_bytes(), copy.name
