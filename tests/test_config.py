"""Settings: every one documented, read from the environment with the CSC_GRAPH_ prefix."""

import pytest

from csc_graph.config import Settings


def test_every_setting_has_help() -> None:
    undocumented = [
        name for name, field in Settings.model_fields.items() if not (field.description or "")
    ]
    assert undocumented == []


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSC_GRAPH_COUNCIL", "elsewhere")
    monkeypatch.setenv("CSC_GRAPH_QUERY_TIMEOUT", "2.5")
    settings = Settings()
    assert settings.council == "elsewhere"
    assert settings.query_timeout == 2.5
    assert settings.council_dir.name == "elsewhere"


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Settings(query_timeout=0)
    with pytest.raises(ValueError):
        Settings(max_rows=-1)
