"""The gate's verdict cached on disk by the content hash of every input file: an unchanged
graph is not validated again, and a changed file (data, shapes, checks, captured sources) is
always validated."""

import shutil
from pathlib import Path

import pytest

from csc_graph.config import PROJECT_ROOT, Settings
from csc_graph.errors import LoadRefused
from csc_graph.governance import gate, verdicts
from csc_graph.governance.gate import FailedChecksError, InvalidGraphError, load_into
from csc_graph.store import open_store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A copy of the repository's data, with its verdict cache in the copy."""
    for folder in ("ontology", "queries", "graph/law", "graph/lewisham"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    gate._verdicts.clear()
    return Settings(root=tmp_path, cache_dir=tmp_path / "verdict-cache")


def never_validate(_settings: Settings, _dataset: object) -> object:
    raise AssertionError("validated although the files and their verdict are unchanged")


def stored_verdicts(settings: Settings) -> list[Path]:
    return sorted((settings.verdict_cache_dir / "verdicts").glob("*.json"))


def test_an_unchanged_graph_is_not_validated_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    quads = load_into(open_store(settings), settings)
    (stored,) = stored_verdicts(settings)
    assert stored.stem == verdicts.inputs_hash(settings)

    gate._verdicts.clear()  # as a new process: only the disk remembers
    monkeypatch.setattr(gate, "_validate", never_validate)
    assert load_into(open_store(settings), settings) == quads
    outcome = verdicts.load(settings, stored.stem)
    assert outcome is not None and outcome.conforms and outcome.info_count > 0


@pytest.mark.parametrize(
    ("file", "old", "new", "refusal"),
    [
        (
            "graph/lewisham/send.ttl",
            'rdfs:label "Short break services"@en ;',
            "",
            InvalidGraphError,
        ),
        (
            "graph/lewisham/sources/social-work-teams.txt",
            "It is a multi-agency team made up of representatives",
            "It is a team",
            FailedChecksError,
        ),
    ],
    ids=["data", "captured-source"],
)
def test_a_changed_file_is_always_validated(
    settings: Settings, file: str, old: str, new: str, refusal: type[LoadRefused]
) -> None:
    load_into(open_store(settings), settings)
    assert len(stored_verdicts(settings)) == 1
    gate._verdicts.clear()

    path = settings.root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(refusal):
        load_into(open_store(settings), settings)
    if refusal is InvalidGraphError:
        assert len(stored_verdicts(settings)) == 1  # a SHACL refusal is never stored
    with pytest.raises(refusal):  # the quotes check runs at every load, stored or not
        gate._verdicts.clear()
        load_into(open_store(settings), settings)


def test_a_changed_shape_changes_the_key(settings: Settings) -> None:
    before = verdicts.inputs_hash(settings)
    shape = settings.shapes_dir / "units.ttl"
    shape.write_text(shape.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert verdicts.inputs_hash(settings) != before


def test_the_cache_folder_is_a_setting(tmp_path: Path) -> None:
    assert Settings().verdict_cache_dir == PROJECT_ROOT / ".cache"
    assert Settings(cache_dir=tmp_path).verdict_cache_dir == tmp_path


def test_a_query_file_passes_the_guard_once_and_a_changed_one_is_checked_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csc_graph.catalogue import named_queries
    from csc_graph.catalogue.named_queries import CatalogueError, load_catalogue

    first = load_catalogue(settings.queries_dir, settings.base_iri, settings.verdict_cache_dir)
    assert (settings.verdict_cache_dir / "checked-queries.json").is_file()

    def never_check(*_args: object) -> None:
        raise AssertionError("checked again although the file is unchanged")

    with monkeypatch.context() as patched:
        patched.setattr(named_queries, "_check_body", never_check)
        again = load_catalogue(settings.queries_dir, settings.base_iri, settings.verdict_cache_dir)
    assert again.keys() == first.keys()

    path = settings.queries_dir / "partners.rq"
    text = path.read_text(encoding="utf-8")
    last = text.rstrip().rindex("}")
    path.write_text(
        text[:last] + " SERVICE <http://example.org/sparql> { ?x ?y ?z } }\n", encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="SERVICE"):
        load_catalogue(settings.queries_dir, settings.base_iri, settings.verdict_cache_dir)
