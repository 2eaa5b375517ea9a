"""Bad data said plainly (issue 15): a Turtle syntax error names the file, the line and the
column and shows the offending line, never Python's repr of the file's bytes."""

import shutil
from pathlib import Path

import pytest

from csc_graph.config import Settings
from csc_graph.errors import DataFileError
from csc_graph.rdf.files import parse_file, parse_text

BROKEN = '@prefix ex: <http://example.org/> .\nex:a ex:b "café" .\nex:d ex:e ex:f ex:g .\n'


def test_a_syntax_error_names_file_line_and_column_and_shows_the_line(
    settings: Settings,
) -> None:
    with pytest.raises(DataFileError) as caught:
        parse_text(BROKEN, "mine.ttl", settings)
    first, shown, caret = str(caught.value).splitlines()
    assert first.startswith("mine.ttl, line 3, column 16: Turtle syntax error")
    assert shown.strip() == "ex:d ex:e ex:f ex:g ."
    assert caret.index("^") - 4 == 15  # under column 16 of the line, after its 4-space indent
    assert "b'" not in str(caught.value)


def test_a_file_on_disk_is_named_by_its_path_under_the_root(
    tmp_path: Path, settings: Settings
) -> None:
    shutil.copytree(settings.ontology_dir, tmp_path / "ontology")
    shutil.copytree(settings.queries_dir, tmp_path / "queries")
    (tmp_path / "graph" / "law").mkdir(parents=True)
    (tmp_path / "graph" / "test").mkdir()
    bad = tmp_path / "graph" / "test" / "bad.ttl"
    bad.write_text(BROKEN, encoding="utf-8")
    rooted = settings.model_copy(update={"root": tmp_path})
    with pytest.raises(DataFileError) as caught:
        parse_file(bad, rooted)
    assert str(caught.value).splitlines()[0].startswith("graph/test/bad.ttl, line 3, column 16")
