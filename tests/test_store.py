"""The store: schema version, atomic and idempotent ingestion, latest account snapshot."""

from __future__ import annotations

import os
from datetime import datetime

import duckdb
import pytest

from trendtrace.model import ChunkBuilder, InputError
from trendtrace.store import SCHEMA_VERSION, Store, StoreError


def make_reader(rows_by_file, rejects_by_file=None, explode_after=None):
    """A reader over in-memory rows: {path: [(post_id, account_id, minute, handle), ...]}."""

    def reader(path, fmt, mapping, chunk_rows):
        b = ChunkBuilder("csv", path)
        for i, (pid, aid, minute, handle) in enumerate(rows_by_file[os.path.basename(path)]):
            b.records += 1
            t = datetime(2024, 1, 1, 0, minute)
            b.post(post_id=pid, account_id=aid, time=t, kind="post", text=f"text {pid}", source_line=i + 2)
            b.account(account_id=aid, handle=handle, seen_at=t)
            if len(b) >= 4:  # several chunks per file
                yield b.take()
            if explode_after is not None and i + 1 == explode_after:
                raise InputError(f"{path}: compressed data ends early (truncated .gz file?)")
        for line, reason in (rejects_by_file or {}).get(os.path.basename(path), []):
            b.reject(line, reason)
        yield b.take()

    return reader


@pytest.fixture
def files(tmp_path):
    def make(*names):
        paths = []
        for n in names:
            p = tmp_path / n
            p.write_text("placeholder")
            paths.append(str(p))
        return paths

    return make


ROWS = {
    "a.csv": [("1", "u1", 0, "old"), ("2", "u2", 1, "bee"), ("3", "u1", 2, "new"), ("2", "u2", 3, "dup")],
    "b.csv": [("3", "u1", 5, "newer"), ("4", "u3", 6, "cee")],
}


def snapshot(store):
    return (
        sorted(store.con.execute("SELECT * FROM posts").fetchall()),
        sorted(store.con.execute("SELECT * FROM accounts").fetchall(), key=str),
        sorted(store.con.execute("SELECT * FROM account_names").fetchall(), key=str),
    )


def test_ingest_keys_posts_and_keeps_latest_snapshot(tmp_path, files):
    # a.csv: posts 1,2,3 (post 2 twice: the first copy, line 3, wins); u1 seen as 'old' then 'new'.
    # b.csv: post 3 again (ignored: already stored), post 4 new; u1 seen later as 'newer'.
    a, b = files("a.csv", "b.csv")
    with Store(tmp_path / "s.duckdb") as store:
        report = store.ingest([a, b], "csv", reader=make_reader(ROWS))
        assert [f.posts_added for f in report.files] == [3, 1]
        assert store.con.execute("SELECT source_line FROM posts WHERE post_id = '2'").fetchall() == [(3,)]
        handles = dict(store.con.execute("SELECT account_id, handle FROM accounts").fetchall())
        assert handles == {"u1": "newer", "u2": "dup", "u3": "cee"}
        names = store.con.execute(
            "SELECT handle FROM account_names WHERE account_id = 'u1' ORDER BY first_seen").fetchall()
        assert names == [("old",), ("new",), ("newer",)]


def test_ingest_twice_changes_nothing(tmp_path, files):
    (a,) = files("a.csv")
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([a], "csv", reader=make_reader(ROWS))
        before = snapshot(store)
        again = store.ingest([a], "csv", reader=make_reader(ROWS))
        assert again.files[0].skipped_unchanged
        os.utime(a, (1, 1))  # same content, new mtime: read again, still nothing changes
        again = store.ingest([a], "csv", reader=make_reader(ROWS))
        assert again.posts_added == 0 and again.files[0].accounts_updated == 0
        assert snapshot(store) == before


def test_older_snapshot_does_not_replace_newer(tmp_path, files):
    a, b = files("a.csv", "b.csv")
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([b], "csv", reader=make_reader(ROWS))
        store.ingest([a], "csv", reader=make_reader(ROWS))
        assert store.con.execute("SELECT handle FROM accounts WHERE account_id='u1'").fetchone() == ("newer",)


def test_failing_file_in_the_middle_leaves_store_unchanged(tmp_path, files):
    a, bad, b = files("a.csv", "bad.csv", "b.csv")
    rows = {**ROWS, "bad.csv": [("9", "u9", 9, "x"), ("10", "u9", 10, "x"), ("11", "u9", 11, "y"),
                                ("12", "u9", 12, "y"), ("13", "u9", 13, "y")]}
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest([a], "csv", reader=make_reader(rows))
        before = snapshot(store)
        files_before = store.count("files")
        # The bad file yields a whole chunk (4 rows) before failing: none of it may stay.
        with pytest.raises(InputError, match=r"bad\.csv: compressed data ends early"):
            store.ingest([bad, b], "csv", reader=make_reader(rows, explode_after=5))
        assert snapshot(store) == before
        assert store.count("files") == files_before
        assert not store.con.execute("SELECT * FROM duckdb_tables() WHERE temporary").fetchall()


def test_on_error_fail_names_file_and_line(tmp_path, files):
    (a,) = files("a.csv")
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError, match=r"a\.csv:7: time '2021-13-01' is not a date$"):
            store.ingest([a], "csv", on_error="fail",
                         reader=make_reader(ROWS, {"a.csv": [(7, "time '2021-13-01' is not a date")]}))
        assert store.count("posts") == 0


def test_on_error_skip_writes_rejects_file(tmp_path, files):
    (a,) = files("a.csv")
    with Store(tmp_path / "s.duckdb") as store:
        report = store.ingest([a], "csv", reader=make_reader(ROWS, {"a.csv": [(7, "=HYPERLINK(bad)")]}))
        assert report.rejects == 1 and store.count("posts") == 3
        text = report.rejects_path.read_text()
        assert report.rejects_path.name == "s.rejects.csv"
        assert "'=HYPERLINK(bad)" in text  # formula neutralised


def test_missing_file_and_directory(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError, match=r"nope\.json: no such file$"):
            store.ingest([str(tmp_path / "nope.json")])
        with pytest.raises(InputError, match="is a directory"):
            store.ingest([str(tmp_path)])


def test_refuses_incompatible_version(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match=rf"schema version 0, .* reads version {SCHEMA_VERSION}; ingest your files again"):
        Store(path)


def test_refuses_foreign_duckdb_and_non_duckdb_files(tmp_path):
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE t (x INT)")
    con.close()
    with pytest.raises(StoreError, match=r"not a trendtrace store \(tables: t\)"):
        Store(foreign)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open as a DuckDB store"):
        Store(junk)


def test_read_only_missing_store(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "missing.duckdb", read_only=True)
