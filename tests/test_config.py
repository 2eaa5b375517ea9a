"""Settings: every one documented, read from the environment with the CSC_GRAPH_ prefix."""

from pathlib import Path

import pytest

from csc_graph.config import Settings, settings_from
from csc_graph.errors import ConfigError


def test_every_setting_has_help() -> None:
    undocumented = [
        name for name, field in Settings.model_fields.items() if not (field.description or "")
    ]
    assert undocumented == []


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for folder in ("ontology", "queries", "graph/elsewhere"):
        (tmp_path / folder).mkdir(parents=True)
    monkeypatch.setenv("CSC_GRAPH_ROOT", str(tmp_path))
    monkeypatch.setenv("CSC_GRAPH_COUNCIL", "elsewhere")
    monkeypatch.setenv("CSC_GRAPH_QUERY_TIMEOUT", "2.5")
    settings = Settings()
    assert settings.council == "elsewhere"
    assert settings.query_timeout == 2.5
    assert settings.council_dir == tmp_path / "graph" / "elsewhere"
    assert settings.council_folders() == ["elsewhere"]


def test_a_misspelt_council_is_refused_with_the_councils_there() -> None:
    with pytest.raises(ConfigError) as refused:
        settings_from(council="lewisam")
    message = str(refused.value)
    assert message.startswith("CSC_GRAPH_COUNCIL names no folder")
    settings = Settings()
    councils = ", ".join(settings.council_folders())
    assert "lewisham" in settings.council_folders()
    assert message.endswith(f"(councils under {settings.root / 'graph'}: {councils})")


def test_a_root_without_the_data_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        settings_from(root=tmp_path)
    assert str(refused.value).startswith(
        f"CSC_GRAPH_ROOT ({tmp_path}) does not hold ontology/ and queries/"
    )


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Settings(query_timeout=0)
    with pytest.raises(ValueError):
        Settings(max_rows=-1)


def test_councils_default_to_every_folder_but_law_and_council_chooses_one() -> None:
    every = Settings(council=None, councils=None)
    assert every.served_councils() == ["ealing", "lewisham", "northamptonshire", "slough"]
    assert Settings(council="slough").served_councils() == ["slough"]
    two = Settings(council=None, councils=["slough", "ealing"])
    assert two.served_councils() == ["slough", "ealing"]
    assert two.one_council("ealing").served_councils() == ["ealing"]


def test_a_misspelt_council_in_councils_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError) as refused:
        settings_from(council=None, councils=["ealing", "law"])
    assert str(refused.value).startswith("CSC_GRAPH_COUNCILS names no folder")


def test_councils_are_read_from_the_environment_as_a_json_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CSC_GRAPH_COUNCIL", raising=False)
    monkeypatch.setenv("CSC_GRAPH_COUNCILS", '["slough", "ealing"]')
    assert Settings().served_councils() == ["slough", "ealing"]
