"""analyze(): runs the analysis stages in order over a store, nothing else.

coordination → accounts → trends. Each stage reads the tables written before it and writes its own
(docs/schema.md); a ``runs`` row records the settings and version of every run.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from . import __version__
from .settings import Settings, public_settings
from .store import Store

__all__ = ["analyze", "STAGES"]

log = logging.getLogger("trendtrace.pipeline")

STAGES = ("coordination", "accounts", "trends")


def analyze(
    store: Store,
    settings: Settings,
    campaigns: str | Path | None = None,
    step: Callable[[str], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Run every analysis stage on ``store`` with ``settings``; return each stage's counts.

    ``campaigns`` is an optional TOML/YAML campaigns file (see docs/trends.md). ``step`` is told the
    name of each stage as it starts (for a progress display).
    """
    from .accounts import account_signals
    from .coordination import coordination
    from .trends import load_campaigns, trend_verdicts

    named = load_campaigns(campaigns) if campaigns else None
    con = store.con
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    counts: dict[str, dict[str, int]] = {}
    for name, run in (
        ("coordination", lambda: coordination(con, settings)),
        ("accounts", lambda: account_signals(con, settings)),
        ("trends", lambda: trend_verdicts(con, settings, named)),
    ):
        if step:
            step(f"{name}…")
        t0 = datetime.now(timezone.utc)
        counts[name] = run() or {}
        log.info("%s: %s in %.1f s", name, counts[name], (datetime.now(timezone.utc) - t0).total_seconds())
    con.execute(
        "CREATE TABLE IF NOT EXISTS runs (run_id INTEGER, started TIMESTAMP, finished TIMESTAMP, "
        "version VARCHAR, settings VARCHAR, counts VARCHAR)"
    )
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchall()[0][0]  # type: ignore[index]
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
        [run_id, started, datetime.now(timezone.utc).replace(tzinfo=None), __version__,
         json.dumps(public_settings(settings.as_dict()), default=str), json.dumps(counts)],
    )
    return counts
