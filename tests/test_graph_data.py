"""The Lewisham and law graphs conform to the shapes and say what the pages and the law say.

Expected ages and provisions are taken from the seed pages and the legal facts sheet.
"""

import pytest
from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from csc_graph.config import Settings
from csc_graph.governance import shacl as validation
from csc_graph.rdf import files as datafiles
from csc_graph.rdf.namespaces import CSC, CV, ORG, SCHEMA, SH

SETTINGS = Settings()
LW = f"{SETTINGS.base_iri}lewisham/"
LAW = f"{SETTINGS.base_iri}law/"
LEG = "http://www.legislation.gov.uk/id/"
CA1989 = f"{LEG}ukpga/1989/41"
CPPCR2010 = f"{LEG}uksi/2010/959"
GOV_UK = "https://www.gov.uk/"
LEGISLATION_DOCUMENTS = "https://www.legislation.gov.uk/"
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
OGL = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
UNIT_CLASSES = (CSC.Service, CSC.Team, CSC.SubTeam, CSC.Centre, CSC.Forum, CSC.Function)
PROVISION_CLASSES = (CSC.Act, CSC.ActPart, CSC.Section, CSC.Regulation, CSC.StatutoryGuidance)


def lw(name: str) -> URIRef:
    return URIRef(f"{LW}{name}")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return datafiles.read_union(SETTINGS)


@pytest.fixture(scope="module")
def outcome(graph: Graph) -> validation.ValidationOutcome:
    return validation.validate_graph(graph, datafiles.read_shapes(SETTINGS))


def units(graph: Graph) -> set[Node]:
    return {unit for cls in UNIT_CLASSES for unit in graph.subjects(RDF.type, cls)}


def ages(graph: Graph, holder: Node) -> tuple[int | None, int | None]:
    """The (min, max) age of the one audience of a unit or provision."""
    audiences = list(graph.objects(holder, SCHEMA.audience))
    assert len(audiences) == 1, holder
    low = graph.value(audiences[0], SCHEMA.requiredMinAge)
    high = graph.value(audiences[0], SCHEMA.requiredMaxAge)
    for bound in (low, high):
        assert bound is None or (isinstance(bound, Literal) and bound.datatype == XSD_INTEGER)
    return (
        None if low is None else int(low.toPython()),
        None if high is None else int(high.toPython()),
    )


def age_basis(graph: Graph, holder: Node) -> Node | None:
    return graph.value(graph.value(holder, SCHEMA.audience), CSC.ageBasis)


def test_the_graph_conforms_with_no_violations(outcome: validation.ValidationOutcome) -> None:
    assert outcome.violation_count == 0
    assert outcome.conforms


def test_the_only_warning_about_a_unit_is_the_safe_space_parent_conflict(
    graph: Graph, outcome: validation.ValidationOutcome
) -> None:
    report = outcome.report_graph
    warned = {
        (report.value(result, SH.focusNode), report.value(result, SH.resultPath))
        for result in report.subjects(SH.resultSeverity, SH.Warning)
        if report.value(result, SH.focusNode) in units(graph)
    }
    assert warned == {(lw("safe-space"), ORG.subOrganizationOf)}


@pytest.mark.parametrize(
    ("unit", "expected", "basis"),
    [
        ("youth-justice", (10, 17), "source-safeguarding-service"),
        ("safe-space", (11, 17), "source-safeguarding-service"),
        ("transition-to-adulthood", (16, 24), "source-social-work-teams"),
    ],
)
def test_unit_ages_are_the_pages_ages(
    graph: Graph, unit: str, expected: tuple[int, int], basis: str
) -> None:
    assert ages(graph, lw(unit)) == expected
    assert age_basis(graph, lw(unit)) == lw(basis)


def test_no_other_unit_has_an_age_range(graph: Graph) -> None:
    """The pages give ages for three units only; none may be guessed for the rest. Corporate
    Parenting's ages ("from the age of 16 ...") are those of its support in the transition
    to adulthood, not of its case management of looked after children of any age."""
    with_ages = {s for s in graph.subjects(SCHEMA.audience) if s in units(graph)}
    assert with_ages == {lw("youth-justice"), lw("safe-space"), lw("transition-to-adulthood")}


@pytest.mark.parametrize(
    ("provision", "expected"),
    [
        (f"{CA1989}/section/105", (None, 17)),
        (f"{CA1989}/section/31", (None, 16)),
        (f"{CA1989}/section/66", (None, 15)),
        (f"{CA1989}/section/23CZB", (21, 24)),
        (f"{LEG}ukpga/Geo5/23-24/12/section/50", (10, None)),
        (f"{LEG}ukpga/2020/17/section/84", (None, 17)),
        (f"{LEG}ukpga/2014/6/part/3", (0, 24)),
    ],
)
def test_legal_age_thresholds(
    graph: Graph, provision: str, expected: tuple[int | None, int | None]
) -> None:
    assert ages(graph, URIRef(provision)) == expected
    assert age_basis(graph, URIRef(provision)) == URIRef(provision)


def legal_iris(graph: Graph) -> set[Node]:
    described = {p for cls in PROVISION_CLASSES for p in graph.subjects(RDF.type, cls)}
    linked = set(graph.objects(None, CV.hasLegalResource)) | set(graph.objects(None, CSC.madeUnder))
    return described | linked


def test_every_legal_iri_is_a_legislation_identifier_or_gov_uk(graph: Graph) -> None:
    iris = legal_iris(graph)
    assert len(iris) >= 35
    assert {str(iri) for iri in iris if not str(iri).startswith((LEG, GOV_UK))} == set()


def test_every_linked_provision_is_described(graph: Graph) -> None:
    for iri in legal_iris(graph):
        assert graph.value(iri, RDFS.label) is not None, iri
        assert graph.value(iri, DCTERMS.description) is not None, iri


def test_sections_have_short_titles_acts_and_document_pages(graph: Graph) -> None:
    for section in graph.subjects(RDF.type, CSC.Section):
        assert graph.value(section, CSC.shortTitle) is not None, section
        assert (graph.value(section, DCTERMS.isPartOf), RDF.type, CSC.Act) in graph, section
        page = str(graph.value(section, CSC.documentPage))
        assert page == str(section).replace(LEG, LEGISLATION_DOCUMENTS)


@pytest.mark.parametrize(
    ("unit", "provisions"),
    [
        ("safe-space", {f"{CA1989}/section/17", f"{CA1989}/section/47"}),
        (
            "youth-justice",
            {
                f"{LEG}ukpga/2020/17/section/83",
                f"{LEG}ukpga/1998/37/section/37",
                f"{LEG}ukpga/1998/37/section/38",
                f"{LEG}ukpga/1998/37/section/39",
            },
        ),
        ("independent-reviewing", {f"{CA1989}/section/25A", f"{CA1989}/section/25B"}),
        ("family-court-proceedings", {f"{CA1989}/section/31"}),
    ],
)
def test_statutory_units_name_their_law(graph: Graph, unit: str, provisions: set[str]) -> None:
    assert (lw(unit), CSC.statutory, Literal(True)) in graph
    assert {str(p) for p in graph.objects(lw(unit), CV.hasLegalResource)} == provisions


def test_the_roles_rest_on_the_law_that_creates_them(graph: Graph) -> None:
    made_under = {
        str(role).removeprefix(LAW): {str(p) for p in graph.objects(role, CSC.madeUnder)}
        for role in graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/org#Role"))
        if (role, CSC.madeUnder, None) in graph
    }
    assert made_under == {
        # CA 1989 ss25A-25B, and CPPCR 2010 regs 36 (chairs the review), 45 (functions) and 46
        # (who may be an IRO)
        "role-independent-reviewing-officer": {
            f"{CA1989}/section/25A",
            f"{CA1989}/section/25B",
            f"{CPPCR2010}/regulation/36",
            f"{CPPCR2010}/regulation/45",
            f"{CPPCR2010}/regulation/46",
        },
        # W13: eligible child (Sch 2 para 19C), relevant child (s23B), former relevant child
        # (s23C), education or training (s23CA), 21 to 25 on request (s23CZB), functions
        # (s23D, CPPCR 2010 reg 44)
        "role-personal-adviser": {
            f"{CA1989}/schedule/2/paragraph/19C",
            f"{CA1989}/section/23B",
            f"{CA1989}/section/23C",
            f"{CA1989}/section/23CA",
            f"{CA1989}/section/23CZB",
            f"{CA1989}/section/23D",
            f"{CPPCR2010}/regulation/44",
        },
        "role-local-authority-designated-officer": {
            f"{GOV_UK}government/publications/working-together-to-safeguard-children--2"
        },
    }


@pytest.mark.parametrize(
    ("dataset", "sources"),
    [
        (
            "lewisham/dataset",
            {
                "lewisham/source-social-work-teams",
                "lewisham/source-safeguarding-service",
                "lewisham/source-careers-in-childrens-social-care",
                "lewisham/source-lscp-worried-about-a-child",
            },
        ),
        (
            "law/dataset",
            {
                f"law/source-{key}"
                for key in (
                    "ca1989",
                    "cppcr2010",
                    "cda1998",
                    "cda1998-s66b",
                    "laspo2012-youth-cautions",
                    "laspo2012-remands",
                    "cypa1933",
                    "sa2020",
                    "cfa2014",
                    "care-act-2014",
                    "ca2004",
                    "legal-facts",
                )
            },
        ),
    ],
)
def test_datasets_state_the_open_government_licence(
    graph: Graph, dataset: str, sources: set[str]
) -> None:
    node = URIRef(f"{SETTINGS.base_iri}{dataset}")
    assert (node, DCTERMS.license, OGL) in graph
    found = {str(s).removeprefix(SETTINGS.base_iri) for s in graph.objects(node, DCTERMS.source)}
    assert found == sources


TURTLE_FILES = [*datafiles.data_files(SETTINGS), *datafiles.shape_files(SETTINGS)]


@pytest.mark.parametrize("path", TURTLE_FILES, ids=[p.stem for p in TURTLE_FILES])
def test_oxigraphs_parser_reads_each_file_as_rdflibs_does(path) -> None:
    """Files are parsed by Oxigraph for speed; rdflib's parser must read the same triples.

    rdflib reads no RDF 1.2 annotations, so for an annotated file it reads the file with
    the {| ... |} blocks taken out, and the facts (every triple but the compiled claims')
    must be the same."""
    import re

    from rdflib.compare import to_isomorphic

    ours = datafiles.parse_file(path, SETTINGS)
    text = path.read_text(encoding="utf-8")
    plain = re.sub(r"\{\|.*?\|\}", "", text, flags=re.S)
    reference = Graph().parse(data=plain, format="turtle", publicID=SETTINGS.base_iri)
    claims = set(ours.subjects(RDF.type, CSC.Claim))
    if plain != text:
        assert claims
        facts = Graph()
        for triple in ours:
            if triple[0] not in claims:
                facts.add(triple)
        ours = facts
    assert len(ours) == len(reference) > 0
    assert to_isomorphic(ours) == to_isomorphic(reference)
