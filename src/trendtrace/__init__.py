"""trendtrace: tell whether a social-media trend is organic or manufactured, and show the evidence.

The library's doors, one per stage (imported on first use, so ``import trendtrace`` stays light)::

    from trendtrace import Store, Settings, read, simulate, analyze, write_outputs, tables
    with Store("case.duckdb") as store:
        store.ingest(["tweets.jsonl.gz"])
        analyze(store, Settings(window=60))
        write_outputs(store.con, "case-out", Settings())
    frames = tables("case.duckdb")          # every result table as a pandas data frame
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Store": "trendtrace.store",
    "StoreError": "trendtrace.store",
    "Settings": "trendtrace.settings",
    "SETTINGS": "trendtrace.settings",
    "InputError": "trendtrace.model",
    "Format": "trendtrace.model",
    "Kind": "trendtrace.model",
    "read": "trendtrace.readers",
    "detect_format": "trendtrace.readers",
    "simulate": "trendtrace.simulate",
    "generate": "trendtrace.simulate",
    "analyze": "trendtrace.pipeline",
    "coordination": "trendtrace.coordination",
    "account_signals": "trendtrace.accounts",
    "train": "trendtrace.accounts",
    "trend_verdicts": "trendtrace.trends",
    "load_campaigns": "trendtrace.trends",
    "report_data": "trendtrace.report",
    "write_outputs": "trendtrace.report",
    "tables": "trendtrace.frames",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'trendtrace' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
