"""analyze(): runs the declared analysis stages in order over a store, nothing else.

coordination → accounts → trends → chats. Each stage is a :class:`~trendtrace.stage.Stage` declaring the
tables it reads and writes (``docs/schema.md``); the store records every run (settings, version,
counts) in its ``runs`` table.
"""

from __future__ import annotations

import importlib
import logging
from datetime import datetime, UTC
from pathlib import Path
from collections.abc import Callable

from .settings import Settings
from .stage import Stage
from .store import Store

__all__ = ["analyze", "stages", "STAGE_MODULES"]

log = logging.getLogger("trendtrace.pipeline")

#: The stage packages, in the order they run; each exports ``STAGE``.
STAGE_MODULES = ("trendtrace.coordination", "trendtrace.accounts", "trendtrace.trends", "trendtrace.chats")


def stages() -> tuple[Stage, ...]:
    """The declared stages in order (imported on first use: the stages pull in Ibis and NumPy)."""
    return tuple(importlib.import_module(m).STAGE for m in STAGE_MODULES)


def analyze(
    store: Store,
    settings: Settings,
    campaigns: str | Path | None = None,
    step: Callable[[str], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Run every declared stage on ``store`` with ``settings``; return each stage's counts.

    ``campaigns`` is an optional TOML/YAML campaigns file (the ``campaigns`` setting, docs/trends.md).
    ``step`` is told the name of each stage as it starts (for a progress display).
    """
    if campaigns:
        settings = settings.replace(campaigns=str(campaigns))
        from .trends import load_campaigns

        load_campaigns(str(campaigns))  # a bad campaigns file fails before any stage runs
    limit = str(settings["analysis_memory"]).strip()
    if limit:  # validated as a plain size (settings._analysis_memory): safe to put in the statement
        store.con.execute(f"SET memory_limit = '{limit}'")
    started = datetime.now(UTC).replace(tzinfo=None)
    counts: dict[str, dict[str, int]] = {}
    for stage in stages():
        if step:
            step(f"{stage.name}…")
        t0 = datetime.now(UTC)
        counts[stage.name] = stage.run(store, settings)
        log.info("%s: %s in %.1f s", stage.name, counts[stage.name],
                 (datetime.now(UTC) - t0).total_seconds())
    store.record_run(started, settings, counts)
    return counts
