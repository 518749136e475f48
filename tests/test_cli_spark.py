"""``trendtrace analyze --engine spark`` from the command line gives the same files as the default engine.

The command users run (a subprocess, as in a terminal), not the library on a fresh connection: the
first Spark release failed here on every input while the library-level parity test passed. Two
inputs, each analysed by both engines:

* the demo's scenario (``simulate --scenario default``) scaled to 2,000 posts, so that the two
  Spark runs fit in the test budget (a full 61,000-post demo takes about five minutes on Spark with
  two cores, see ``docs/benchmarks.md``);
* the same kind of data made hostile: formulas, markup, a right-to-left override, quotes, SQL and
  shell metacharacters, newlines, tabs, NBSP and non-Latin scripts in texts, handles and names;
  Spark reads it as a Parquet data set in place (``analyze --posts``), the default engine from the CSV.

``edges.csv``, ``accounts.csv``, ``clusters.csv`` and ``trends.csv`` must be byte for byte equal
(the writer sorts rows and rounds floats as ``docs/outputs.md`` documents), and so must the stores'
intermediate tables (every co-acting pair with its p- and q-values, the evidence examples, the
trend timeline, overlap and cost: :data:`TABLES`). The hostile run also names campaigns by keyword
and hashtag (``--campaigns``), so the trend stage's keyword match runs on both engines.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

TRENDTRACE = [sys.executable, "-m", "trendtrace", "-q"]
# Spark's whole-stage code generation compiles Java for every query, most of a small run's time;
# without it Spark interprets the same plans (same results, about a fifth faster here). No web UI.
ENV = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "TRENDTRACE_SPARK_MASTER": "local[2]",
       "PYTHONWARNINGS": "ignore",
       "PYSPARK_SUBMIT_ARGS": "--conf spark.sql.codegen.wholeStage=false --conf spark.ui.enabled=false pyspark-shell"}
FILES = ("edges.csv", "accounts.csv", "clusters.csv", "trends.csv")
CHAT_FILES = ("instructions.csv", "executions.csv", "executors.csv")
#: Store tables compared row for row (sorted on every column): what the CSVs summarise.
TABLES = ("coaction_pairs", "edge_evidence", "account_coordination", "trend_timeline", "overlap",
          "multi_campaign_accounts", "cost")
HOSTILE = ("=cmd|' /C calc'!A0", "<script>alert(1)</script>", "\u202etxet", "'; DROP TABLE posts; --",
           "$(rm -rf ~) `id`", "line one\nline two", "tab\there", "nbsp\u00a0here", "حق بات", "@-1+2",
           '"quoted", and \\backslash')


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRENDTRACE, *args], capture_output=True, text=True, env=ENV, timeout=900)


def _needs_spark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install 'trendtrace[spark]')")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Spark needs Java: no java on PATH and JAVA_HOME unset")


def _make_hostile(src: Path, dst: Path) -> None:
    """Rewrite a simulated CSV: every text, handle and display name carries one hostile string
    (the same one per account, so accounts stay accounts)."""
    with src.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    accounts = sorted({r["account_id"] for r in rows})
    mark = {a: HOSTILE[i % len(HOSTILE)] for i, a in enumerate(accounts)}
    for i, r in enumerate(rows):
        h = mark[r["account_id"]]
        r["text"] = f"{HOSTILE[i % len(HOSTILE)]} {r['text']}"
        r["display_name"] = f"{h} {r['display_name']}"
        r["description"] = h
        r["location"] = h if i % 3 else r["location"]
        r["handle"] = f"{h}{r['handle']}"
        if r["hashtags"]:  # every trend gets a twin whose name starts a formula
            r["hashtags"] = "|".join(f"{t}|=1+{t}" for t in r["hashtags"].split("|"))
    with dst.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    _needs_spark()
    root = tmp_path_factory.mktemp("cli_spark")
    r = _cli("simulate", "--out", str(root / "demo"), "--scenario", "default", "--posts", "2000", "--seed", "7")
    assert r.returncode == 0, r.stderr
    r = _cli("simulate", "--out", str(root / "plain"), "--scenario", "default", "--posts", "1500", "--seed", "11",
             "--format", "csv")
    assert r.returncode == 0, r.stderr
    _make_hostile(root / "plain" / "posts.csv", root / "hostile.csv")
    with (root / "plain" / "posts.csv").open(newline="", encoding="utf-8") as f:
        tag = next(r["hashtags"].split("|")[0] for r in csv.DictReader(f) if r["hashtags"])
    (root / "campaigns.toml").write_text(
        f'[campaigns.hostile]\nkeywords = ["drop table", "rm -rf"]\n\n[campaigns.tagged]\nhashtags = ["{tag}"]\n',
        encoding="utf-8")
    r = _cli("convert", str(root / "hostile.csv"), "--out", str(root / "dataset"))
    assert r.returncode == 0, r.stderr
    return {"demo": root / "demo" / "tweets-v2.jsonl", "hostile": root / "hostile.csv", "root": root,
            "dataset": root / "dataset", "campaigns": root / "campaigns.toml"}


def _analyze(out: Path, engine: str, *args: str) -> Path:
    r = _cli("analyze", *args, "--out", str(out), "--engine", engine)
    assert r.returncode == 0 and "Traceback" not in r.stderr, (engine, r.stderr[-3000:])
    return out


def _same_files(duck: Path, spark: Path, name: str) -> None:
    for f in FILES:
        assert (duck / f).read_bytes() == (spark / f).read_bytes(), f"{name}: {f} differs between engines"
    rows = (duck / "edges.csv").read_text(encoding="utf-8").count("\n")
    assert rows > 10, f"{name}: too few edges ({rows - 1}) for the comparison to mean anything"
    stores = [duckdb.connect(str(d / "trendtrace.duckdb"), read_only=True) for d in (duck, spark)]
    try:
        for t in TABLES:
            a, b = (c.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for c in stores)
            assert a == b, f"{name}: table {t} differs between engines"
        n_pairs, n_evidence = (stores[0].execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                               for t in ("coaction_pairs", "edge_evidence"))
        assert n_pairs > 20 and n_evidence > 50, (name, n_pairs, n_evidence)
    finally:
        for c in stores:
            c.close()


def test_cli_spark_writes_the_same_files_as_duckdb(inputs: dict[str, Path]) -> None:
    """The demo's scenario, ingested from its X v2 file by both engines, with the chat groups the
    simulator wrote (``--chats``, each on its own clock): the chats stage's searches run on Spark too."""
    root = inputs["root"] / "demo"
    sim = inputs["demo"].parent
    chats = json.loads((sim / "labels" / "truth.json").read_text(encoding="utf-8"))["chats"]
    args = [x for c in chats for x in ("--chats", str(sim / c["path"]), "--chat-tz", c["chat_tz"])]
    duck = _analyze(root / "duckdb", "duckdb", str(inputs["demo"]), *args)
    spark = _analyze(root / "spark", "spark", str(inputs["demo"]), *args)
    _same_files(duck, spark, "demo")
    for f in CHAT_FILES:
        assert (duck / f).read_bytes() == (spark / f).read_bytes(), f"demo: {f} differs between engines"
    assert (duck / "executions.csv").read_text(encoding="utf-8").count("\n") > 20


def test_cli_spark_on_hostile_text_read_in_place(inputs: dict[str, Path]) -> None:
    """Hostile text, two routes at once: the default engine ingests the CSV; Spark reads the Parquet
    data set ``convert`` made from it where it lies (``analyze --posts``, no copy into the store).
    One Spark run covers both (each Spark start and analysis costs about a minute on two cores)."""
    root, ds = inputs["root"] / "hostile", inputs["dataset"]
    campaigns = ("--campaigns", str(inputs["campaigns"]))
    duck = _analyze(root / "duckdb", "duckdb", str(inputs["hostile"]), *campaigns)
    spark = _analyze(root / "spark", "spark", "--posts", str(ds / "posts"), "--accounts", str(ds / "accounts.parquet"),
                     *campaigns)
    _same_files(duck, spark, "hostile")
    with duckdb.connect(str(duck / "trendtrace.duckdb"), read_only=True) as con:
        found = dict(con.execute("SELECT trend, posts FROM trends WHERE trend_kind = 'campaign'").fetchall())
    assert found.get("hostile", 0) > 10 and found.get("tagged", 0) > 10, found
    # the hostile strings reached the files, and no cell starts a formula
    for f in ("accounts.csv", "trends.csv"):
        with (spark / f).open(newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert any("cmd|" in c for c in cells) or any("=1+" in c for c in cells), f
        assert not [c for c in cells if c[:1] in ("=", "+", "@") or c[:1] == "-" and not _number(c)], f


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
