"""Nothing silent (issue 17, item 2): ``analyze`` says which columns it did not use, how many
records repeated a post id, which traces found nothing, and which setting stopped the pairs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from trendtrace.summary import analysis_notes

TRENDTRACE = [sys.executable, "-m", "trendtrace"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def test_unused_columns_merged_ids_empty_traces_and_the_blocking_setting(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    src.write_text("id,user,ts,body,url_id,phash_id\n"
                   "1,a,2025-01-01T00:00:00Z,hello #x,u1,p1\n"
                   "1,a,2025-01-01T00:00:00Z,hello #x,u1,p1\n"
                   "2,b,2025-01-01T00:00:10Z,hello #x,u1,p1\n", encoding="utf-8")
    r = subprocess.run([*TRENDTRACE, "analyze", str(src), "--map", "post_id=id", "--map", "account_id=user",
                        "--map", "time=ts", "--map", "text=body", "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    err = r.stderr
    assert "warning: " + str(src) + ": columns not used: url_id, phash_id; give a field with --map FIELD=COLUMN" in err
    assert "1 record repeated a post id already read; merged, one post kept per id" in err
    assert "No actions in this data for traces retweet" in err and "hashtag," not in err.split("traces ")[1][:200]
    assert "1 account pair co-acted at least once; 0 of them at least min_co_actions=3 times" in err
    assert "min_co_actions=3 stopped every pair" in err
    assert r.stdout.strip() == f"report: {tmp_path / 'out' / 'report.html'}"


def _runs(counts: dict, settings: dict) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE runs (run_id INTEGER, counts VARCHAR, settings VARCHAR)")
    con.execute("INSERT INTO runs VALUES (1, ?, ?)", [json.dumps({"coordination": counts}), json.dumps(settings)])
    return con


def test_notes_name_the_step_that_lost_the_pairs() -> None:
    s = {"min_co_actions": 3, "fdr": 0.01}
    none_sig = analysis_notes(_runs({"actions": 90, "tested": 40, "candidates": 12, "edges": 0,
                                     "actions_by_trace": {"retweet": 90, "link": 0}}, s))
    assert none_sig[0].startswith("No actions in this data for trace link:")
    assert "40 account pairs co-acted at least once; 12 of them at least min_co_actions=3 times; 0 kept" in none_sig[1]
    assert "None passed the significance test" in none_sig[1]
    fine = analysis_notes(_runs({"actions": 90, "tested": 40, "candidates": 12, "edges": 9,
                                 "actions_by_trace": {"retweet": 90}}, s))
    assert len(fine) == 1 and "9 kept as beyond chance" in fine[0] and "stopped" not in fine[0]
    nothing = analysis_notes(_runs({"actions": 5, "tested": 0, "candidates": 0, "edges": 0}, s))
    assert nothing == ["No two accounts acted on the same object within the window: no co-action to test."]


def test_progress_knows_or_estimates_the_records_of_a_file(tmp_path: Path) -> None:
    """Parquet: exact, from the footer. JSON lines and CSV (plain, gzip, zstd): exact below the
    4 MB sample, else estimated from the sample's lines scaled to the file size."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    from trendtrace.cli import _known_records

    pq.write_table(pa.table({"id": list(range(1234))}), tmp_path / "p.parquet")
    (tmp_path / "p.csv").write_text("id\n1\n2", encoding="utf-8")  # header, 2 records, no final newline
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    assert _known_records(str(tmp_path / "p.parquet")) == 1234
    assert _known_records(str(tmp_path / "p.csv")) == 2
    assert _known_records(str(tmp_path / "bad.parquet")) is None
    assert _known_records(str(tmp_path / "missing.parquet")) is None
    # 120,000 records of varying length, about 9 MB: past the sample, so estimated
    body = "".join(f'{{"id": {i}, "text": "{"x" * (i % 97)}"}}\n' for i in range(120_000)).encode()
    (tmp_path / "big.jsonl").write_bytes(body)
    (tmp_path / "big.jsonl.gz").write_bytes(gzip.compress(body))
    (tmp_path / "big.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    for name in ("big.jsonl", "big.jsonl.gz", "big.jsonl.zst"):
        est = _known_records(str(tmp_path / name))
        assert est is not None and abs(est - 120_000) <= 0.05 * 120_000, (name, est)
    (tmp_path / "trunc.jsonl.gz").write_bytes(gzip.compress(body)[:1000])  # damaged: no total, no crash
    assert _known_records(str(tmp_path / "trunc.jsonl.gz")) in (None, *range(0, 200))
