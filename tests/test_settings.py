"""The settings table: validation with helpful messages, and docs that match it."""

from __future__ import annotations

from pathlib import Path

import pytest

from trendtrace.settings import SETTINGS, SettingError, Settings, settings_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_and_overrides():
    s = Settings(window="30")
    assert s["window"] == 30 and s["min_co_actions"] == next(x.default for x in SETTINGS if x.name == "min_co_actions")
    assert s.replace(window=10)["window"] == 10 and s["window"] == 30


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"window": "soon"}, r"setting window: 'soon' is not a whole number"),
        ({"window": 0}, r"setting window: 0 must be greater than 0"),
        ({"fdr": 2}, r"setting fdr: 2.0 must be between 0 and 1"),
        ({"engine": "pandas"}, r"setting engine: 'pandas' is not one of duckdb, spark"),
        ({"windw": 3}, r"unknown setting 'windw' \(did you mean window"),
        ({"pseudonymize": "maybe"}, r"setting pseudonymize: 'maybe' is not a true/false value"),
    ],
)
def test_bad_values_are_explained(kwargs, message):
    with pytest.raises(SettingError, match=message):
        Settings(**kwargs)


def test_names_unique_and_helped():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(s.help.strip().endswith(".") for s in SETTINGS)


def test_docs_settings_md_is_current():
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert doc == settings_markdown(), "regenerate: python -m trendtrace.settings > docs/settings.md"
