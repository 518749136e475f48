"""The stage contract: what an analysis stage reads, what it writes, and its door.

A stage is a package under ``trendtrace`` (``coordination``, ``accounts``, ``trends``) that exports
one :class:`Stage` named ``STAGE``. :mod:`trendtrace.pipeline` runs the declared stages in order and
nothing else; ``tests/test_stage_contract.py`` holds the declarations to the truth:

* the tables a run creates are exactly the declared ``writes`` (plus ``sometimes`` when the
  settings ask for them), and each is documented in ``docs/schema.md`` as written by that stage;
* every store table a stage's SQL names is declared in its ``reads``, ``uses`` or ``writes``;
* a stage reads only tables that exist before it runs (ingested, or written by an earlier stage);
* no working table (``_tt_*``) outlives its stage: tables pass between stages only through the
  declarations.

Adding a stage: write its package with a door ``(store, settings) -> counts``, export ``STAGE``,
add it to :data:`trendtrace.pipeline.STAGES`, document its tables in ``docs/schema.md``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

if TYPE_CHECKING:
    from .settings import Settings
    from .store import Store

__all__ = ["Stage", "INGEST_TABLES", "WORKING_PREFIX", "drop_working_tables", "write_table"]

#: Name prefix of a stage's working tables and views (private to the stage's package).
WORKING_PREFIX = "_tt_"

#: Tables the store holds before any stage runs (written by ingestion; ``docs/schema.md``).
INGEST_TABLES = ("posts", "accounts", "account_names", "files", "meta", "chat_messages")


@dataclass(frozen=True)
class Stage:
    """One analysis stage.

    Attributes
    ----------
    name : the stage's name (``runs.counts`` key, progress display, ``docs/schema.md``).
    door : ``(store, settings) -> counts``; runs the stage and returns what it counted.
    reads : store tables the stage needs.
    uses : store tables the stage reads when present (a missing one means "no such signal").
    writes : tables the stage (re)creates on every run.
    sometimes : tables it writes only when the settings ask for them (e.g. ``account_model``
        with ``--model``); it drops them otherwise, so a stale one never survives a run.
    """

    name: str
    door: Callable[[Store, Settings], dict[str, int]]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    uses: tuple[str, ...] = ()
    sometimes: tuple[str, ...] = ()

    def run(self, store: Store, settings: Settings) -> dict[str, int]:
        """Run the door, then drop the stage's working tables (``_tt_*``), whatever happened: tables
        pass between stages only through the declarations."""
        try:
            return self.door(store, settings) or {}
        finally:
            drop_working_tables(store.con)

    @property
    def tables(self) -> frozenset[str]:
        """Every table the stage may touch."""
        return frozenset(self.reads + self.uses + self.writes + self.sometimes)


def write_table(con: Any, name: str, table: Any, order_by: str = "") -> None:
    """Replace the store table ``name`` (a trusted name: a declared table) with the Arrow ``table``
    on the DuckDB connection ``con``, rows in ``order_by`` order when given."""
    view = f"{WORKING_PREFIX}write_{name}"
    con.register(view, table)
    try:
        order = f" ORDER BY {order_by}" if order_by else ""
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {view}{order}").fetchall()
    finally:
        con.unregister(view)


def drop_working_tables(con: Any) -> list[str]:
    """Drop every table and view whose name starts with :data:`WORKING_PREFIX` on the DuckDB
    connection ``con`` (temporary or not, registered Arrow views included); return their names."""
    like = WORKING_PREFIX.replace("_", "\\_") + "%"
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE ? ESCAPE '\\'", [like]).fetchall()]
    views = [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE view_name LIKE ? ESCAPE '\\'", [like]).fetchall()]
    for name in tables:
        con.execute(f'DROP TABLE IF EXISTS "{name}"').fetchall()
    for name in views:
        with contextlib.suppress(Exception):  # not a registered Arrow object: an ordinary view
            con.unregister(name)
        con.execute(f'DROP VIEW IF EXISTS "{name}"').fetchall()
    return tables + views
