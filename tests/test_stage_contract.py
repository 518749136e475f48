"""The stage contract (``trendtrace.stage``): declared tables = created tables = documented tables.

A stage's declaration is the only way a table passes between stages: these tests fail when a stage
starts writing or reading a table it does not declare, when ``docs/schema.md`` falls behind, or
when a working table (``_tt_*``) outlives its stage.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trendtrace.pipeline import STAGE_MODULES, analyze, stages
from trendtrace.settings import Settings
from trendtrace.simulate import simulate
from trendtrace.stage import INGEST_TABLES, Stage
from trendtrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "trendtrace"


def _all_tables() -> set[str]:
    out = set(INGEST_TABLES) | {"runs"}
    for s in stages():
        out |= s.tables
    return out


def test_every_stage_is_declared_in_order() -> None:
    got = stages()
    assert [s.name for s in got] == ["coordination", "accounts", "trends", "chats"]
    assert all(isinstance(s, Stage) for s in got)
    assert [m.rsplit(".", 1)[1] for m in STAGE_MODULES] == [s.name for s in got]


def test_a_stage_reads_only_what_exists_before_it_runs() -> None:
    available = set(INGEST_TABLES)
    for s in stages():
        missing = set(s.reads + s.uses) - available
        assert not missing, f"{s.name} reads {sorted(missing)}, which no earlier stage writes"
        available |= set(s.writes + s.sometimes)


def test_no_two_stages_write_the_same_table() -> None:
    seen: dict[str, str] = {}
    for s in stages():
        for t in s.writes + s.sometimes:
            assert t not in seen, f"{t} is written by {seen[t]} and {s.name}"
            seen[t] = s.name


def test_the_sql_of_a_stage_names_only_its_declared_tables() -> None:
    """A static check: every store table named after FROM/JOIN/TABLE (or as a quoted table name) in
    a stage package's source is declared by that stage."""
    tables = _all_tables()
    pattern = re.compile(r"(?:FROM|JOIN|TABLE(?: IF (?:NOT )?EXISTS)?|INTO)\s+\"?([a-z_]+)\b", re.IGNORECASE)
    for s in stages():
        named: set[str] = set()
        for path in (SRC / s.name).rglob("*.py"):
            text = path.read_text()
            named |= {m for m in pattern.findall(text) if m in tables}
            named |= {m for m in re.findall(r"table_exists\([^,]+,\s*\"([a-z_]+)\"", text) if m in tables}
        undeclared = named - s.tables
        assert not undeclared, f"stage {s.name} names {sorted(undeclared)} without declaring them"


def _documented() -> dict[str, str]:
    """``docs/schema.md``'s result tables: table -> the 'written by' column."""
    doc = (ROOT / "docs" / "schema.md").read_text()
    section = doc.split("## Result tables", 1)[1]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `([a-z_]+)` \| ([^|]+) \|", section, re.M)}


def test_every_declared_table_is_documented_with_its_stage() -> None:
    documented = _documented()
    declared = {t: s.name for s in stages() for t in s.writes + s.sometimes}
    for table, stage in declared.items():
        assert table in documented, f"{table} ({stage}) is not in docs/schema.md"
        assert documented[table].split(",")[0].strip() == stage, (table, documented[table])
    extra = set(documented) - set(declared) - {"runs"}
    assert not extra, f"docs/schema.md documents {sorted(extra)}, which no stage declares"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], set[str], set[str]]:
    """Tables before and after analysing a small simulated scenario, and working tables left."""
    root = tmp_path_factory.mktemp("contract")
    sim = simulate(root / "sim", seed=3, posts=2000)
    with Store(root / "s.duckdb") as store:
        store.ingest(sim.data_paths)
        before = _tables(store)
        analyze(store, Settings())
        after = _tables(store)
        leftover = {r[0] for r in store.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_tt\\_%' ESCAPE '\\' "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE view_name LIKE '\\_tt\\_%' ESCAPE '\\'").fetchall()}
    return before, after, leftover


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}


def test_a_run_creates_exactly_the_declared_tables(analysed: tuple[set[str], set[str], set[str]]) -> None:
    before, after, _ = analysed
    assert before == set(INGEST_TABLES)
    declared = {t for s in stages() for t in s.writes}
    assert after - before == declared | {"runs"}  # no --model: account_model is not written


def test_no_working_table_outlives_its_stage(analysed: tuple[set[str], set[str], set[str]]) -> None:
    assert analysed[2] == set()
