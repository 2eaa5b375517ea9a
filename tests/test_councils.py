"""Many councils in one store: each validated on its own with the shared law, a broken one
refused by name while the others are served; one council's view; the comparisons across
councils, with answers written from the councils' captured pages."""

import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from csc_graph.catalogue.named_queries import load_catalogue, run_named
from csc_graph.config import Settings
from csc_graph.councils.compare import compare
from csc_graph.councils.listing import list_councils
from csc_graph.councils.scope import UnknownCouncil, council_view, served_councils
from csc_graph.errors import DataFileError
from csc_graph.governance.gate import (
    load_councils,
    load_into,
    refusal_messages,
    reload_if_valid,
)
from csc_graph.store import open_store
from csc_graph.store.base import Store

ROOT = Settings().root
BASE = Settings().base_iri
REAL = ["ealing", "lewisham", "northamptonshire", "slough"]


@pytest.fixture(scope="module")
def every() -> Settings:
    return Settings(council=None, councils=None)


@pytest.fixture(scope="module")
def all_store(every: Settings) -> Store:
    store = open_store(every)
    load_into(store, every)
    return store


def test_every_council_is_served_together_each_in_its_own_named_graphs(all_store: Store):
    assert served_councils(all_store) == REAL
    names = {str(name) for name in all_store.graph_names()}
    for council in REAL:
        for path in (ROOT / "graph" / council).glob("*.ttl"):
            assert f"{BASE}graph/graph/{council}/{path.stem}" in names
    # the law is shared: loaded once, not once per council
    law = [name for name in names if name.startswith(f"{BASE}graph/graph/law/")]
    assert len(law) == len(list((ROOT / "graph" / "law").glob("*.ttl")))


def test_a_council_view_sees_the_law_and_that_council_only(all_store: Store):
    view = council_view(all_store, "ealing")
    units = view.query_whole("SELECT DISTINCT ?c WHERE { ?c a csc:Council }").rows
    assert [str(row["c"]) for row in units] == [f"{BASE}ealing/council"]
    law = view.query_whole("ASK { ?r a org:Role }")
    assert law.boolean is True
    with pytest.raises(UnknownCouncil):
        council_view(all_store, "portsmouth")


def _root_with(tmp_path: Path, councils: list[str]) -> Path:
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for council in ["law", *councils]:
        shutil.copytree(ROOT / "graph" / council, tmp_path / "graph" / council)
    return tmp_path


def test_a_broken_council_is_refused_by_name_and_the_others_are_served(tmp_path: Path):
    root = _root_with(tmp_path, ["slough"])
    broken = root / "graph" / "broken"
    broken.mkdir()
    (broken / "council.ttl").write_text("<broken/council> a csc:Council .\n")  # csc: undeclared
    settings = Settings(root=root, council=None, councils=None)
    store = open_store(settings)

    outcome = reload_if_valid(store, settings)

    assert outcome.reloaded is True
    by_council = {council.council: council for council in outcome.councils}
    assert by_council["slough"].accepted is True
    assert by_council["broken"].accepted is False
    assert isinstance(by_council["broken"].refusal, DataFileError)
    assert by_council["broken"].refusal.file == "graph/broken/council.ttl"
    assert served_councils(store) == ["slough"]

    with pytest.raises(DataFileError) as strict:  # the CLI's load refuses the whole load
        load_councils(open_store(settings), settings, strict=True)
    assert str(strict.value).startswith("council 'broken': graph/broken/council.ttl")


def test_the_councils_list_names_each_council_with_its_pages(all_store: Store):
    entries = {entry.name: entry for entry in list_councils(all_store)}
    assert sorted(entries) == REAL
    assert entries["slough"].label == "Slough Borough Council"
    urls = {source.url for source in entries["slough"].sources}
    # the address in the capture note of graph/slough/sources/exploitation-and-youth-justice.txt
    assert (
        "https://thelink.slough.gov.uk/news/exploitation-and-youth-justice-service-launch" in urls
    )


@pytest.fixture(scope="module")
def catalogue(every: Settings):
    return load_catalogue(every.queries_dir, every.base_iri)


def test_units_for_extra_familial_harm_side_by_side_with_their_pages(all_store, catalogue):
    rows = run_named(
        all_store, "compare-units-for-concern", {"concern": "extra-familial-harm"}, catalogue
    ).rows
    by_council: dict[str, set[str]] = {}
    for row in rows:
        by_council.setdefault(str(row["councilName"]), set()).add(str(row["unit"]))
    # Slough's launch page: "the Slough Exploitation and Youth Justice Service has now gone
    # live"; "risks and concerns associated with exploitation"; referrals "through the MASH"
    assert f"{BASE}slough/exploitation-and-youth-justice" in by_council["Slough Borough Council"]
    # Lewisham's safeguarding page: Safe Space works with extra-familial harm
    assert f"{BASE}lewisham/safe-space" in by_council["Lewisham Council"]
    slough = [r for r in rows if str(r["unit"]) == f"{BASE}slough/exploitation-and-youth-justice"]
    assert {str(r["url"]) for r in slough} == {
        "https://thelink.slough.gov.uk/news/exploitation-and-youth-justice-service-launch"
    }


def test_leaving_care_ages_differ_between_councils(all_store, catalogue):
    rows = run_named(all_store, "compare-age-ranges", {"concern": "care-leaver"}, catalogue).rows
    ranges = {(str(r["unit"]).removeprefix(BASE), int(r["minAge"]), int(r["maxAge"])) for r in rows}
    # Northamptonshire: "definitely by the time you turn 18! This will then continue until
    # you reach the age of 21" (18 to 20); after 21 "up to the age of 25" (21 to 24).
    assert ("northamptonshire/leaving-and-after-care", 18, 20) in ranges
    assert ("northamptonshire/support-after-21", 21, 24) in ranges
    # Slough: "arrangements in place for care leavers aged 18-25" (18 to 24)
    assert ("slough/care-leavers-service", 18, 24) in ranges


def test_personal_advisers_are_named_by_two_councils(all_store, catalogue):
    rows = run_named(all_store, "compare-roles-and-law", {"show": "role"}, catalogue).rows
    advisers = {
        str(r["councilName"]) for r in rows if str(r["item"]) == f"{BASE}law/role-personal-adviser"
    }
    assert {"Northamptonshire County Council", "Slough Borough Council"} <= advisers
    assert all(str(r["kind"]) == "role" for r in rows)


def test_coverage_gaps_per_council(all_store, catalogue):
    rows = run_named(all_store, "compare-coverage-gaps", {}, catalogue).rows
    gaps: dict[str, set[int]] = {}
    for row in rows:
        gaps.setdefault(str(row["councilName"]), set()).add(int(row["age"]))
    # Northamptonshire's pages state ranges up to 24 (support to 25); none covers 25.
    assert 25 in gaps["Northamptonshire County Council"]
    assert not {18, 19, 20, 21, 24} & gaps["Northamptonshire County Council"]


def test_the_comparison_has_a_column_per_council_and_cells_with_pages(all_store, catalogue):
    names = [entry.label or entry.name for entry in list_councils(all_store)]
    tables = compare(all_store, catalogue, names)
    units = tables[0].as_json()
    assert units["councils"] == names
    cells = units["rows"][0]["cells"]
    assert set(cells) == set(names)
    assert all(cell["source"] for column in cells.values() for cell in column)
    ealing_named = URIRef(f"{BASE}ealing/council")
    assert str(ealing_named) in {entry.iri for entry in list_councils(all_store)}


def test_when_every_council_fails_nothing_is_loaded_and_each_is_named(tmp_path: Path):
    root = _root_with(tmp_path, [])
    for name in ("one", "two"):
        (root / "graph" / name).mkdir()
        (root / "graph" / name / "unit.ttl").write_text("<x> <y> .\n")
    settings = Settings(root=root, council=None, councils=None)
    store = open_store(settings)
    outcome = reload_if_valid(store, settings)
    assert outcome.reloaded is False
    assert [(c.council, c.accepted) for c in outcome.councils] == [("one", False), ("two", False)]
    assert store.triple_count() == 0


def test_a_violation_is_named_with_its_file_and_line(tmp_path: Path):
    root = _root_with(tmp_path, ["slough"])
    ages = root / "graph" / "slough" / "care-leavers.ttl"
    lines = ages.read_text().splitlines()
    (number,) = [
        i for i, line in enumerate(lines, 1) if line.startswith("sl:care-leavers-service-ages ")
    ]
    ages.write_text(
        "\n".join(lines).replace("schema:requiredMaxAge 24", "schema:requiredMaxAge 40")
    )
    settings = Settings(root=root, council=None, councils=None)
    outcome = reload_if_valid(open_store(settings), settings)
    (slough,) = outcome.councils
    assert slough.refusal is not None
    first = refusal_messages(slough.refusal)[0]
    focus = first.split(": ", 1)[0]
    place = first.rsplit(" (", 1)[1].removesuffix(")")
    assert place == f"graph/slough/care-leavers.ttl:{number}"
    assert focus == f"{BASE}slough/care-leavers-service-ages"


def test_a_root_with_no_council_is_refused(tmp_path: Path):
    settings = Settings(root=_root_with(tmp_path, []), council=None, councils=None)
    outcome = reload_if_valid(open_store(settings), settings)
    assert outcome.reloaded is False
    assert outcome.quads == 0
