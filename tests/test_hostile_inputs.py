"""Hostile and mistaken input through the real command line (a subprocess, as a user runs it).

Every case asserts what the README promises: exit code 1, exactly one ``Error:`` line on stderr
naming the file (and line, where there is one), no traceback, and a store whose bytes did not
change. The pseudonymisation cases check that a ``--pseudonymize`` output folder holds nothing that
reverses the pseudonyms: no salt, no store, no rejects file, no original id or handle.

Reader and ingest cases (bad bytes, retyped fields, ids, dates, rejects) are in
``tests/test_hostile_readers.py``; the dashboard's in ``tests/test_report_serve.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from _cli import one_error

TRENDTRACE = [sys.executable, "-m", "trendtrace"]
ENV = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONWARNINGS": "ignore"}
SALT = "3f9c2a7be14d0c58a6e2917b4d3f0a6c"  # 32 characters, 14 different


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRENDTRACE, "-q", *args], capture_output=True, text=True, env=ENV, cwd=cwd,
                          timeout=600)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small simulated data set, ingested and analysed once: ``posts`` (x-v2 file), ``db``, ``out``."""
    root = tmp_path_factory.mktemp("hostile")
    r = cli("simulate", "--out", str(root / "sim"), "--posts", "1500")
    assert r.returncode == 0, r.stderr
    posts = root / "sim" / "tweets-v2.jsonl"
    r = cli("analyze", str(posts), "--out", str(root / "out"))
    assert r.returncode == 0, r.stderr
    return {"root": root, "posts": posts, "db": root / "out" / "trendtrace.duckdb", "out": root / "out",
            "labels": root / "sim" / "labels"}


# ----------------------------------------------------------------------------- privacy


def _originals(db: Path) -> set[str]:
    """Every account id and handle the store holds (the values a stranger must not recover)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        ids = {str(a) for (a,) in con.execute("SELECT DISTINCT account_id FROM posts").fetchall()}
        handles = {str(h) for (h,) in con.execute(
            "SELECT DISTINCT handle FROM account_names WHERE handle IS NOT NULL").fetchall()}
    finally:
        con.close()
    return ids | handles


def test_pseudonymized_folder_holds_no_store_no_rejects_no_salt_and_no_original(data: dict[str, Path]) -> None:
    """The audit's two privacy findings: ``--set pseudonym_salt=S`` printed S in report.json and
    the report; ``analyze PATH --out DIR --pseudonymize`` left the store (real ids) in DIR."""
    out = data["root"] / "shared"
    r = cli("analyze", str(data["posts"]), "--out", str(out), "--pseudonymize", "--set", f"pseudonym_salt={SALT}")
    assert r.returncode == 0, r.stderr
    private = data["root"] / "shared-private" / "trendtrace.duckdb"
    assert private.exists(), "the store goes beside the shared folder, not into it"
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.endswith((".duckdb", ".wal", ".rejects.csv"))], names
    originals = _originals(private)
    assert len(originals) > 100
    # whole-token match: an id or handle as a word of its own in any output file (a hashtag that
    # happens to equal a handle, #SitaraNews, is the trend itself, not the account)
    token = re.compile(r"(?<![#\w])[\w.]+")
    for p in out.iterdir():
        text = p.read_bytes().decode("utf-8", errors="replace")
        assert SALT not in text, f"the salt is in {p.name}"
        leaked = set(token.findall(text)) & originals
        assert not leaked, f"{p.name} holds original ids or handles: {sorted(leaked)[:5]}"
    # nor is the salt kept in the store's record of the run
    con = duckdb.connect(str(private), read_only=True)
    settings = json.loads(con.execute("SELECT settings FROM runs").fetchall()[-1][0])
    con.close()
    assert settings["pseudonym_salt"] == "(given; not shown)"


def test_a_short_or_regular_salt_is_refused_without_echoing_it(data: dict[str, Path]) -> None:
    for salt in ("S", "a" * 40, "handle-guessable"):
        line = one_error(cli("analyze", "--db", str(data["db"]), "--out", str(data["root"] / "x"), "--pseudonymize",
                             "--set", f"pseudonym_salt={salt}"),
                         r"setting pseudonym_salt: the value given is too short or too regular .* at least 32")
        assert salt not in line.split("pseudonym_salt", 1)[1]


def test_pseudonymize_refuses_a_store_inside_the_shared_folder(data: dict[str, Path]) -> None:
    out = data["root"] / "share2"
    one_error(cli("analyze", str(data["posts"]), "--out", str(out), "--db", str(out / "s.duckdb"), "--pseudonymize"),
              r"--db .*s\.duckdb: with --pseudonymize the store .* must not sit inside the output folder")
    assert not (out / "s.duckdb").exists()


def test_pseudonymized_report_refuses_a_folder_holding_a_store(data: dict[str, Path]) -> None:
    before = digest(data["db"])
    one_error(cli("report", "--db", str(data["db"]), "--out", str(data["out"]), "--pseudonymize"),
              r"out: holds trendtrace\.duckdb \(real ids, handles or raw records\); a --pseudonymize output folder "
              r"must hold no store")
    assert digest(data["db"]) == before


# ----------------------------------------------------------------------------- settings and options


def test_set_may_override_an_option_left_at_its_default(data: dict[str, Path]) -> None:
    r = cli("analyze", "--db", str(data["db"]), "--out", str(data["root"] / "w30"), "--set", "window=30",
            "--set", "min_co_actions=2")
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(data["db"]), read_only=True)
    s = json.loads(con.execute("SELECT settings FROM runs ORDER BY run_id DESC LIMIT 1").fetchall()[0][0])
    con.close()
    assert (s["window"], s["min_co_actions"]) == (30, 2)


def test_a_setting_given_twice_is_an_error(data: dict[str, Path]) -> None:
    before = digest(data["db"])
    one_error(cli("analyze", "--db", str(data["db"]), "--window", "20", "--set", "window=30"),
              r"--set window=\.\.\.: window is also given as --window; give it once")
    assert digest(data["db"]) == before


def test_unknown_trace(data: dict[str, Path]) -> None:
    before = digest(data["db"])
    one_error(cli("analyze", "--db", str(data["db"]), "--out", str(data["root"] / "t"), "--traces", "bogus"),
              r"setting traces: unknown trace\(s\) bogus; known: retweet")
    assert digest(data["db"]) == before


@pytest.mark.parametrize("command", ["analyze", "report", "simulate"])
def test_out_that_is_a_file_or_cannot_be_written(data: dict[str, Path], command: str) -> None:
    extra = ["--db", str(data["db"])] if command != "simulate" else []
    before = digest(data["db"])
    one_error(cli(command, *extra, "--out", str(data["posts"])), r"--out.*tweets-v2\.jsonl.*is a file")
    one_error(cli(command, *extra, "--out", "/proc/no/such"), r"--out /proc/no/such: cannot write there")
    assert digest(data["db"]) == before


def test_train_model_that_is_a_folder(data: dict[str, Path]) -> None:
    labels = data["root"] / "labels.csv"
    labels.write_text("account_id,label\n1,bot\n")
    one_error(cli("train", str(labels), "--db", str(data["db"]), "--model", str(data["root"])),
              r"--model .*: is a folder; give a file name")


@pytest.mark.parametrize(("args", "pattern"), [
    (["--posts", "150"], r"Invalid value for '--posts': 150 is not in the range 500<=x<=10000000"),
    (["--seed", "-1"], r"setting sim_seed: -1 must be a whole number from 0 to 4294967295"),
    (["--seed", "99999999999"], r"setting sim_seed: 99999999999 must be a whole number"),
])
def test_simulate_out_of_range(tmp_path: Path, args: list[str], pattern: str) -> None:
    one_error(cli("simulate", "--out", str(tmp_path / "s"), *args), pattern)


def test_usage_mistakes_are_one_line_errors_with_exit_1(data: dict[str, Path]) -> None:
    """Click's usage block exits 2; the contract says exit 1 and one line."""
    one_error(cli("ingest", str(data["root"]), "--db", str(data["root"] / "u.duckdb")),
              r"Invalid value for 'PATHS\.\.\.': File '.*' is a directory")
    one_error(cli("analyze", "--db", str(data["db"]), "--campaigns", str(data["root"])),
              r"Invalid value for '--campaigns': File '.*' is a directory")
    one_error(cli("analyze", "--no-such-option"), r"No such option '--no-such-option'")
    r = cli("--help")
    assert r.returncode == 0 and "Usage:" in r.stdout


# ----------------------------------------------------------------------------- damaged stores


def test_truncated_store(data: dict[str, Path]) -> None:
    bad = data["root"] / "truncated.duckdb"
    bad.write_bytes(data["db"].read_bytes()[:100_000])
    before = digest(bad)
    one_error(cli("analyze", "--db", str(bad), "--out", str(data["root"] / "tr")),
              r"truncated\.duckdb: cannot open as a DuckDB store")
    assert digest(bad) == before


def test_meta_table_with_a_bad_version(data: dict[str, Path]) -> None:
    bad = data["root"] / "badmeta.duckdb"
    bad.write_bytes(data["db"].read_bytes())
    con = duckdb.connect(str(bad))
    con.execute("UPDATE meta SET value = 'x9' WHERE key = 'schema_version'")
    con.close()
    before = digest(bad)
    for command in (["analyze", "--db", str(bad)], ["report", "--db", str(bad), "--out", str(data["root"] / "m")]):
        one_error(cli(*command), r"badmeta\.duckdb: the store's meta table holds schema version 'x9', not a number")
    assert digest(bad) == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders, so the case cannot arise")
def test_store_in_a_read_only_folder(data: dict[str, Path]) -> None:
    folder = data["root"] / "ro"
    folder.mkdir()
    (folder / "s.duckdb").write_bytes(data["db"].read_bytes())
    folder.chmod(0o555)
    try:
        one_error(cli("analyze", "--db", str(folder / "s.duckdb"), "--out", str(data["root"] / "ro-out")), r"s\.duckdb")
    finally:
        folder.chmod(0o755)


def test_a_store_leaves_no_result_open(tmp_path: Path) -> None:
    """``Store.__init__`` left its ``SET TimeZone`` result open, and ``count`` a half-read result:
    DuckDB 2 then refuses ``con.sql(...)`` (``ResourceInUseException``), in a notebook as in the
    Spark engine's first read."""
    from trendtrace.store import Store

    with Store(tmp_path / "s.duckdb") as store:
        assert store.con.sql("SELECT 1 AS x").fetchall() == [(1,)]
        store.count("posts")
        store.con.register("_t", duckdb.sql("SELECT 1 AS x").arrow())
        assert store.con.sql("SELECT count(*) FROM posts").fetchall() == [(0,)]


def test_a_failed_ingest_leaves_no_store_behind(tmp_path: Path) -> None:
    """analyze PATH creates its store; when reading fails, the store it created goes again (a later
    'analyze --db' must not find a half-written one), while a store that existed is kept."""
    missing = tmp_path / "nowhere.jsonl"
    one_error(cli("analyze", str(missing), "--out", str(tmp_path / "out")), r"nowhere\.jsonl")
    assert not list((tmp_path / "out").glob("*.duckdb*")), list((tmp_path / "out").iterdir())
    bad = tmp_path / "bad.csv"
    bad.write_text("post_id,account_id,time\n1,a,not a time\n", encoding="utf-8")
    one_error(cli("ingest", str(bad), "--db", str(tmp_path / "s.duckdb"), "--on-error", "fail"), r"bad\.csv")
    assert not (tmp_path / "s.duckdb").exists()
