"""The public API is what trendtrace.__all__ exports; changing it is a decision, not an accident."""

import trendtrace

FROZEN = [
    "__version__", "Store", "StoreError", "Settings", "SETTINGS", "InputError", "Format", "Kind", "read",
    "detect_format", "simulate", "generate", "analyze", "coordination", "account_signals", "train",
    "trend_verdicts", "load_campaigns", "report_data", "write_outputs", "tables",
]


def test_exported_members_are_frozen():
    assert trendtrace.__all__ == FROZEN


def test_every_export_resolves():
    for name in trendtrace.__all__:
        assert getattr(trendtrace, name) is not None, name
