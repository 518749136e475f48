"""The results of a store as data frames, for notebooks: :func:`tables`.

>>> import trendtrace
>>> t = trendtrace.tables("case-out/trendtrace.duckdb")          # doctest: +SKIP
>>> t["trends"].query("verdict != 'organic'")[["trend", "score"]]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

__all__ = ["tables", "OUTPUT_TABLES", "STORE_TABLES"]

#: Tables shaped like the files ``analyze`` writes (the same rows and columns as the CSVs, values
#: typed and not prefixed against spreadsheet formulas).
OUTPUT_TABLES = ("accounts", "edges", "clusters", "trends", "overlap", "evidence")
#: Further result tables of the store, as stored (``docs/schema.md``, ``docs/coordination.md``).
STORE_TABLES = ("coaction_pairs", "edge_evidence", "account_coordination", "account_signals", "cluster_origin",
                "cluster_hours", "trend_timeline", "multi_campaign_accounts", "cost", "home_zone", "runs")


def tables(store: Any, names: Iterable[str] | None = None) -> dict[str, Any]:
    """Every result table of ``store`` as a pandas data frame, by name.

    ``store`` is a path to a store (opened read-only), a :class:`trendtrace.Store` or a DuckDB
    connection. ``names`` picks tables (default: :data:`OUTPUT_TABLES` and the
    :data:`STORE_TABLES` the store has; ``posts`` and the raw ``accounts`` snapshots only when
    named, as ``"posts"`` and ``"account_snapshots"``). A named table the store lacks raises
    ``KeyError`` with the names it has. Hashtag lists stay lists; times are UTC without a zone.
    """
    from .report._common import Store as View
    from .report.exports import csv_query
    from .store import Store

    own = None
    if isinstance(store, (str, os.PathLike)):
        own = Store(store, read_only=True)
        con = own.con
    elif isinstance(store, Store):
        con = store.con
    else:
        con = store
    try:
        view = View(con)
        have = set(view.columns)
        wanted = list(names) if names is not None else (
            list(OUTPUT_TABLES) + [t for t in STORE_TABLES if t in have])
        raw = {"posts": "posts", "account_snapshots": "accounts"}
        unknown = [n for n in wanted if n not in OUTPUT_TABLES and n not in raw and n not in have]
        if unknown:
            available = sorted(set(OUTPUT_TABLES) | {t for t in STORE_TABLES if t in have} | set(raw))
            raise KeyError(f"no table {', '.join(map(repr, unknown))} in this store; it has: {', '.join(available)}")
        out: dict[str, Any] = {}
        for name in wanted:
            # a table name from the store's own list or the fixed lists above, never user text
            sql = csv_query(view, name) if name in OUTPUT_TABLES else f'SELECT * FROM "{raw.get(name, name)}"'
            out[name] = con.cursor().sql(sql).df()
        return out
    finally:
        if own is not None:
            own.close()
