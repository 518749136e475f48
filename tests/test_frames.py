"""``trendtrace.tables``: every result as a data frame, the same rows as the files; the README's
Python example runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import trendtrace
from trendtrace.frames import OUTPUT_TABLES
from trendtrace.report import write_outputs
from trendtrace.settings import Settings

from _report_fixture import build_fixture

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("frames")
    db = build_fixture(root / "fx.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        write_outputs(con, root / "out", Settings())
    finally:
        con.close()
    return db, root / "out"


def test_output_frames_hold_the_rows_of_the_parquet_files(written: tuple[Path, Path]) -> None:
    db, out = written
    frames = trendtrace.tables(db)
    assert set(OUTPUT_TABLES) <= set(frames) and "posts" not in frames
    for name in OUTPUT_TABLES:
        expected = pq.read_table(out / f"{name}.parquet")
        got = frames[name]
        assert list(got.columns) == expected.column_names, name
        assert len(got) == expected.num_rows > 0, name
    # typed, not prefixed: the hostile handle is as the data had it
    assert "=cmd|' /C calc'!A0" in set(frames["accounts"]["handle"])
    assert frames["edges"]["co_actions"].dtype.kind == "i"


def test_named_tables_and_a_clear_error_for_a_missing_one(written: tuple[Path, Path]) -> None:
    db, _ = written
    with trendtrace.Store(db, read_only=True) as store:
        frames = trendtrace.tables(store, ["posts", "edge_evidence"])
        assert list(frames) == ["posts", "edge_evidence"]
        assert len(frames["posts"]) == store.count("posts")
    with pytest.raises(KeyError, match=r"no table 'nope' in this store; it has: .*trends"):
        trendtrace.tables(db, ["nope"])


def test_readme_python_example_runs(tmp_path: Path) -> None:
    code = re.search(r"## Use it from Python.*?```python\n(.*?)```", README.read_text("utf-8"), re.S)
    assert code, "README has no 'Use it from Python' example"
    r = subprocess.run([sys.executable, "-c", code.group(1)], cwd=tmp_path, capture_output=True, text=True,
                       timeout=600, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "manufactured" in r.stdout and "handle_a" in r.stdout
