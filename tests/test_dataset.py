"""Parquet data sets in the store's schema: ``trendtrace convert`` and ``analyze --posts`` (DuckDB).

The same analysis read in place from a data set and from the file it was converted from must give
byte-equal outputs; the Spark run of ``--posts`` is in ``tests/test_cli_spark.py``.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trendtrace.dataset import write_dataset
from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, InputError
from trendtrace.readers import read
from trendtrace.store import Store

from _cli import one_error

TRENDTRACE = [sys.executable, "-m", "trendtrace", "-q"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
FILES = ("edges.csv", "accounts.csv", "clusters.csv", "trends.csv")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRENDTRACE, *args], capture_output=True, text=True, env=ENV, timeout=600)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    r = cli("simulate", "--out", str(root / "sim"), "--scenario", "default", "--posts", "1500", "--format", "csv")
    assert r.returncode == 0, r.stderr
    return root


def test_convert_then_analyze_in_place_equals_analyze_of_the_file(sim: Path) -> None:
    src = sim / "sim" / "posts.csv"
    r = cli("convert", str(src), "--out", str(sim / "ds"))
    assert r.returncode == 0, r.stderr
    assert pq.read_schema(sim / "ds" / "posts" / "part-00000.parquet").remove_metadata() == POST_SCHEMA
    assert pq.read_schema(sim / "ds" / "accounts.parquet").remove_metadata() == ACCOUNT_SCHEMA
    r = cli("analyze", "--posts", str(sim / "ds" / "posts"), "--accounts", str(sim / "ds" / "accounts.parquet"),
            "--out", str(sim / "in_place"))
    assert r.returncode == 0, r.stderr
    r = cli("analyze", str(src), "--out", str(sim / "ingested"))
    assert r.returncode == 0, r.stderr
    for f in FILES:
        assert (sim / "in_place" / f).read_bytes() == (sim / "ingested" / f).read_bytes(), f
    # no copy: the results store holds no posts table, only the location; reopening reads the view
    db = sim / "in_place" / "trendtrace.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'posts'").fetchall() == [(0,)]
    finally:
        con.close()
    with Store(db, read_only=True) as store, Store(sim / "ingested" / "trendtrace.duckdb", read_only=True) as ing:
        assert store.count("posts") == ing.count("posts") > 1000
    r = cli("report", "--db", str(db), "--out", str(sim / "again"))
    assert r.returncode == 0, r.stderr
    assert (sim / "again" / "accounts.csv").read_bytes() == (sim / "in_place" / "accounts.csv").read_bytes()


def test_simulate_writes_a_data_set_that_analyze_reads_in_place(sim: Path, tmp_path: Path) -> None:
    """``simulate --format dataset``: the same posts as the CSV the fixture simulated (same scenario,
    seed and size), as ``convert`` would lay them out, and nothing else left beside the truth."""
    out = tmp_path / "simds"
    r = cli("simulate", "--out", str(out), "--scenario", "default", "--posts", "1500", "--format", "dataset")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["accounts.parquet", "chats", "labels", "posts"]
    parts = sorted((out / "posts").glob("part-*.parquet"))
    assert parts and all(pq.read_schema(p).remove_metadata() == POST_SCHEMA for p in parts)
    ids = sorted(i for p in parts for i in pq.read_table(p, columns=["post_id"]).column(0).to_pylist())
    with (sim / "sim" / "posts.csv").open(encoding="utf-8") as f:
        expected = sorted(row["post_id"] for row in csv.DictReader(f))
    assert ids == expected and len(ids) > 1000
    r = cli("analyze", "--posts", str(out / "posts"), "--accounts", str(out / "accounts.parquet"),
            "--out", str(tmp_path / "res"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "res" / "trends.csv").read_text(encoding="utf-8").count("\n") > 3


def test_posts_mistakes_are_one_line_errors(sim: Path, tmp_path: Path) -> None:
    src = str(sim / "sim" / "posts.csv")
    one_error(cli("analyze", src, "--posts", str(tmp_path), "--out", str(tmp_path / "o1")), "not both")
    one_error(cli("analyze", "--accounts", "a.parquet", "--out", str(tmp_path / "o2")), "--accounts goes with --posts")
    one_error(cli("analyze", "--posts", str(tmp_path / "nothing"), "--out", str(tmp_path / "o3")), "no Parquet files")
    assert not list((tmp_path / "o3").glob("*.duckdb*"))
    pq.write_table(pa.table({"post_id": ["1"], "time": [1]}), tmp_path / "bad.parquet")
    one_error(cli("analyze", "--posts", str(tmp_path / "bad.parquet"), "--out", str(tmp_path / "o4")),
              "no column account_id, kind")
    one_error(cli("analyze", "--posts", "hdfs://nn/posts", "--out", str(tmp_path / "o5")), "local paths only")
    (tmp_path / "o6").mkdir()
    (tmp_path / "o6" / "trendtrace.duckdb").write_bytes(b"")
    one_error(cli("analyze", "--posts", str(tmp_path / "bad.parquet"), "--out", str(tmp_path / "o6")), "exists")
    held = tmp_path / "held"  # a data set of its own: the module's may not exist on this worker yet
    assert cli("convert", src, "--out", str(held)).returncode == 0
    one_error(cli("convert", src, "--out", str(held)), "already holds a data set")


def test_write_dataset_drops_repeated_posts_and_keeps_the_latest_account(sim: Path, tmp_path: Path) -> None:
    src = sim / "sim" / "posts.csv"
    twice = [*read(src), *read(src)]  # the same file read twice: every post comes again
    rep = write_dataset(iter(twice), tmp_path / "ds")
    once = sum(c.posts.num_rows for c in read(src))
    assert rep.posts == once and rep.parts >= 1
    acc = pq.read_table(tmp_path / "ds" / "accounts.parquet")
    assert acc.num_rows == len(set(acc["account_id"].to_pylist())) == rep.accounts
    with pytest.raises(InputError, match="already holds"):
        write_dataset(iter([]), tmp_path / "ds")


def test_field_sampling_reads_a_view_as_it_reads_the_store(sim: Path, tmp_path: Path, monkeypatch) -> None:
    """Field availability samples every k-th post by storage position; a view over the data set
    has no rowid, and its file order must give the same sample (a tiny SAMPLE_ROWS forces k > 1)."""
    from trendtrace.accounts import availability

    monkeypatch.setattr(availability, "SAMPLE_ROWS", 97)
    src = sim / "sim" / "posts.csv"
    write_dataset(read(src, chunk_rows=300), tmp_path / "ds")
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        a.ingest([src])
        b.use_parquet_posts(str(tmp_path / "ds" / "posts"), str(tmp_path / "ds" / "accounts.parquet"))
        assert availability.field_availability(a.con) == availability.field_availability(b.con)
