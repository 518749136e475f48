"""The store: schema version, atomic and idempotent ingestion, latest account snapshot."""

from __future__ import annotations

import os
from datetime import datetime

import duckdb
import pytest

from trendtrace.model import InputError

from _chunk_builder import ChunkBuilder
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


def test_refuses_a_version_1_store_without_the_profile_counts(tmp_path):
    # Version 1 had no accounts.likes_given / accounts.listed: refused with what to do, not a
    # column error at the first ingest.
    path = tmp_path / "v1.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE accounts DROP COLUMN likes_given")
    con.execute("ALTER TABLE accounts DROP COLUMN listed")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    assert SCHEMA_VERSION == 2
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"v1\.duckdb: store has schema version 1, this trendtrace .* reads "
                                             r"version 2; ingest your files again into a new store \(--db NEW\.duckdb\)"):
            Store(path, read_only=read_only)


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


# --------------------------------------------------------------------------- direct inserts (issue 2, item 9)


def _brute_force_store(batches_by_file, existing=None):
    """The rule the store implements, by brute force over Python rows: per post id, a row stored
    before wins; else, within a file, the smallest source_line, ties to the earlier row."""
    kept = dict(existing or {})
    for batches in batches_by_file:
        best = {}
        for k, (pid, line) in enumerate(row for b in batches for row in b):
            key = (line, k)
            if pid not in kept and (pid not in best or key < best[pid][0]):
                best[pid] = (key, line)
        kept.update({pid: line for pid, (_, line) in best.items()})
    return kept


from hypothesis import given, settings, strategies as st  # noqa: E402

_rows = st.lists(st.tuples(st.sampled_from("abcdefg"), st.integers(1, 30)), max_size=12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_rows, min_size=1, max_size=4), min_size=1, max_size=3))
def test_duplicate_posts_dropped_like_brute_force(tmp_path_factory, files_batches):
    """Posts inserted chunk by chunk, duplicates removed at the end: same survivors (post_id →
    source_line) as the rule written out in Python, across chunks and files."""
    d = tmp_path_factory.mktemp("dups")

    def reader(path, fmt, mapping, chunk_rows):
        for batch in files_batches[int(os.path.basename(path))]:
            b = ChunkBuilder("csv", path)
            for pid, line in batch:
                b.records += 1
                b.post(post_id=pid, account_id="u", time=datetime(2024, 1, 1), kind="post", source_line=line)
            yield b.take()

    paths = []
    for i in range(len(files_batches)):
        (d / str(i)).write_text(str(i))
        paths.append(str(d / str(i)))
    with Store(d / "s.duckdb") as s:
        report = s.ingest(paths, "csv", reader=reader)
        got = dict(s.con.execute("SELECT post_id, source_line FROM posts").fetchall())
        assert s.con.execute("SELECT count(*) = count(DISTINCT post_id) FROM posts").fetchone()[0]
    assert got == _brute_force_store(files_batches)
    assert report.posts_added == len(got)


def test_store_row_beats_file_row_with_smaller_line(tmp_path, files):
    """A post already stored is kept even when a later file has it on an earlier line."""
    a, b = files("a.csv", "b.csv")
    rows = {"a.csv": [("1", "u1", 0, "x")], "b.csv": [("9", "u1", 1, "x"), ("1", "u1", 2, "changed")]}

    def reader(path, fmt, mapping, chunk_rows):
        bld = ChunkBuilder("csv", path)
        line = 50 if path.endswith("a.csv") else 1
        for pid, aid, minute, handle in rows[os.path.basename(path)]:
            bld.post(post_id=pid, account_id=aid, time=datetime(2024, 1, 1, 0, minute), kind="post",
                     text=handle, source_line=line)
            line += 1
        yield bld.take()

    with Store(tmp_path / "s.duckdb") as s:
        s.ingest([a], "csv", reader=reader)
        r = s.ingest([b], "csv", reader=reader)
        assert r.posts_added == 1
        assert s.con.execute("SELECT text, source_file FROM posts WHERE post_id = '1'").fetchone() == ("x", a)


def test_failure_after_many_chunks_leaves_no_posts(tmp_path, files):
    """Posts go straight into the posts table; a failure at the end still rolls all of them back."""
    (a,) = files("a.csv")
    rows = {"a.csv": [(str(i), f"u{i % 3}", i % 60, "h") for i in range(40)]}
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputError, match="compressed data ends early"):
            s.ingest([a], "csv", reader=make_reader(rows, explode_after=39))
        assert s.count("posts") == 0 and s.count("accounts") == 0 and s.count("files") == 0


def test_reader_closed_when_ingest_stops_early(tmp_path, files):
    """--on-error fail stops at the first reject; the reader (running ahead in a thread) is closed."""
    (a,) = files("a.csv")
    closed = []

    def reader(path, fmt, mapping, chunk_rows):
        try:
            for i in range(100):
                b = ChunkBuilder("csv", path)
                b.records = 1
                if i == 1:
                    b.reject(7, "missing 'tweetid'")
                else:
                    b.post(post_id=str(i), account_id="u", time=datetime(2024, 1, 1), kind="post", source_line=i)
                yield b.take()
        finally:
            closed.append(True)

    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputError, match=r"a\.csv:7: missing 'tweetid'"):
            s.ingest([a], "csv", on_error="fail", reader=reader)
        assert closed == [True]
        assert s.count("posts") == 0


def test_chunks_not_held_until_commit(tmp_path, files):
    """Memory flat in the file size: Arrow memory of chunks already inserted is released before
    COMMIT (a registered table used to stay referenced by the open transaction)."""
    import pyarrow as pa

    (a,) = files("a.csv")
    seen = []

    def reader(path, fmt, mapping, chunk_rows):
        for c in range(12):
            b = ChunkBuilder("csv", path)
            for i in range(20_000):
                b.post(post_id=f"{c}-{i}", account_id="u", time=datetime(2024, 1, 1), kind="post",
                       text="x" * 100 + str(i), source_line=c * 20_000 + i + 2)
            chunk = b.take()
            seen.append(pa.total_allocated_bytes())
            yield chunk

    with Store(tmp_path / "s.duckdb") as s:
        s.ingest([a], "csv", reader=reader)
        assert s.count("posts") == 240_000
    one_chunk = 20_000 * 110
    # With every chunk held, Arrow memory would climb by about one chunk per chunk read.
    assert seen[-1] - seen[3] < 4 * one_chunk, seen


# --------------------------------------------------------------------------- profile counts


_V1_LINE = {"created_at": "Wed Oct 10 20:19:24 +0000 2018", "id_str": "9001", "text": "hello",
            "user": {"id_str": "501", "screen_name": "ayesha", "name": "Ayesha", "followers_count": 35,
                     "friends_count": 1200, "statuses_count": 9000, "favourites_count": 48213,
                     "listed_count": 3, "created_at": "Mon Mar 01 04:05:06 +0000 2021"}}
_V2_PAGE = {"data": [{"id": "9002", "author_id": "502", "created_at": "2023-05-01T10:00:00.000Z", "text": "hi"}],
            "includes": {"users": [
                {"id": "502", "username": "bilal", "name": "Bilal", "created_at": "2020-01-01T00:00:00.000Z",
                 "public_metrics": {"followers_count": 10, "following_count": 20, "tweet_count": 30,
                                    "listed_count": 7, "like_count": 1234}},
                # Collections before like_count was added to a user's public_metrics: likes given unknown.
                {"id": "503", "username": "old", "name": "Old",
                 "public_metrics": {"followers_count": 1, "following_count": 2, "tweet_count": 3, "listed_count": 0}}]},
            "__twarc": {"retrieved_at": "2023-05-02T00:00:00+00:00"}}


def _profile_counts(store):
    return {r[0]: (r[1], r[2]) for r in store.con.execute(
        "SELECT account_id, likes_given, listed FROM accounts").fetchall()}


@pytest.mark.parametrize("fast", [True, False], ids=["arrow", "python"])
def test_profile_counts_from_v1_and_v2_reach_the_store(tmp_path, fast):
    import json

    from trendtrace.readers.x_v2 import read_x_v2

    v1, v2 = tmp_path / "v1.jsonl", tmp_path / "v2.jsonl"
    v1.write_text(json.dumps(_V1_LINE) + "\n")
    v2.write_text(json.dumps(_V2_PAGE) + "\n")
    with Store(tmp_path / "s.duckdb") as s:
        s.ingest([v1], "x-v1")
        s.ingest([v2], "x-v2", reader=None if fast else lambda p, f, m, n: read_x_v2(p, n, fast=False))
        assert _profile_counts(s) == {"501": (48213, 3), "502": (1234, 7), "503": (None, 0)}


def test_profile_counts_from_csv_aliases_and_mapping(tmp_path):
    aliases = tmp_path / "a.csv"
    aliases.write_text("id,user_id,created_at,followers_count,favourites_count,listed_count,favorite_count\n"
                       "1,u1,2021-06-01T10:00:00Z,10,250,2,5\n"
                       "2,u2,2021-06-01T10:00:00Z,20,,,0\n")
    spelled = tmp_path / "b.csv"
    spelled.write_text("id,user_id,created_at,user_favourites_count,user_listed_count\n"
                       "3,u3,2021-06-01T10:00:00Z,1.0e3,4.0\n")
    mapped = tmp_path / "c.csv"
    mapped.write_text("id,user_id,created_at,Likes,Lists\n4,u4,2021-06-01T10:00:00Z,77,8\n")
    with Store(tmp_path / "s.duckdb") as s:
        s.ingest([aliases, spelled])
        s.ingest([mapped], mapping={"likes_given": "likes", "listed": "Lists"})
        assert _profile_counts(s) == {"u1": (250, 2), "u2": (None, None), "u3": (1000, 4), "u4": (77, 8)}
        # The post's favorite_count stays the post's like count.
        assert s.con.execute("SELECT like_count FROM posts WHERE post_id = '1'").fetchone() == (5,)


def test_unreadable_profile_counts_are_treated_as_followers_are(tmp_path):
    # A count that is not a number (followers, likes given, lists alike) is stored as null: the
    # post and the rest of the profile are kept, and no reject is written, with either --on-error.
    f = tmp_path / "bad.csv"
    f.write_text("id,user_id,created_at,screen_name,followers_count,favourites_count,listed_count\n"
                 "1,u1,2021-06-01T10:00:00Z,alpha,many,lots,some\n"
                 "2,u2,2021-06-01T10:00:00Z,beta,5,6,7\n")
    for on_error in ("skip", "fail"):
        with Store(tmp_path / f"{on_error}.duckdb") as s:
            r = s.ingest([f], on_error=on_error)
            assert r.rejects == 0 and s.count("posts") == 2
            rows = s.con.execute("SELECT account_id, handle, followers, likes_given, listed FROM accounts "
                                 "ORDER BY 1").fetchall()
            assert rows == [("u1", "alpha", None, None, None), ("u2", "beta", 5, 6, 7)]
