"""Readers against hand-written fixtures (tests/fixtures/readers/), one per format and quirk."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, Format
from trendtrace.readers import detect_format, read
from trendtrace.readers.x_v2 import read_x_v2

FX = Path(__file__).parent / "fixtures" / "readers"


def read_all(path, fmt="auto", mapping=None, chunk_rows=50_000):
    chunks = list(read(path, fmt, mapping, chunk_rows))
    for c in chunks:
        assert c.posts.schema == POST_SCHEMA
        assert c.accounts.schema == ACCOUNT_SCHEMA
    posts = pa.concat_tables([c.posts for c in chunks]) if chunks else POST_SCHEMA.empty_table()
    accounts = pa.concat_tables([c.accounts for c in chunks]) if chunks else ACCOUNT_SCHEMA.empty_table()
    rejects = [r for c in chunks for r in c.rejects]
    return posts, accounts, rejects, chunks


def by_id(table: pa.Table, key: str = "post_id") -> dict[str, dict]:
    return {r[key]: r for r in table.to_pylist()}


def test_public_api_frozen():
    import trendtrace.readers as readers

    assert readers.__all__ == ["read", "detect_format", "FORMATS", "FormatSpec", "parse_x_v2", "parse_x_v1",
                               "parse_io_archive", "parse_csv", "parse_parquet", "parse_mapping_args", "ALIASES",
                               "MAPPABLE_FIELDS"]


def test_parse_mapping_args():
    from trendtrace.model import InputError
    from trendtrace.readers import parse_mapping_args

    assert parse_mapping_args(["time=ts", " handle = user "]) == {"time": "ts", "handle": "user"}
    with pytest.raises(InputError, match=r"--map 'time': write FIELD=COLUMN, e\.g\. --map time=created_at$"):
        parse_mapping_args(["time"])
    # account_lang is a field (the account's language; lang is the post's)
    assert parse_mapping_args(["account_lang=user_lang"]) == {"account_lang": "user_lang"}
    with pytest.raises(InputError, match=r"--map 'colour=c': unknown field 'colour'; fields are: post_id, "
                                         r"account_id, .*account_lang"):
        parse_mapping_args(["colour=c"])


def test_pure_parsers_take_lines_and_file_objects():
    import io

    from trendtrace.readers import parse_csv, parse_x_v1

    lines = (FX / "x_v1.jsonl").read_bytes().splitlines(keepends=True)
    assert sum(c.posts.num_rows for c in parse_x_v1(lines, "mem.jsonl")) == 6
    chunks = list(parse_csv(io.BytesIO((FX / "coortweet.csv").read_bytes()), "mem.csv", fmt="coortweet"))
    assert chunks[0].posts["source_file"].to_pylist() == ["mem.csv"] * 3


# ----------------------------------------------------------------------------------- detection

@pytest.mark.parametrize("name, fmt", [
    ("x_v2_pages.jsonl", Format.X_V2),
    ("x_v2_flat.jsonl", Format.X_V2),
    ("x_v2_bad.jsonl", Format.X_V2),
    ("x_v1.jsonl", Format.X_V1),
    ("io_archive.csv", Format.IO_ARCHIVE),
    ("io_archive_bad.csv", Format.IO_ARCHIVE),
    ("generic_aliases.csv", Format.CSV),
    ("generic_mapped.csv", Format.CSV),
    ("coortweet.csv", Format.COORTWEET),
])
def test_detect_every_fixture(name, fmt):
    assert detect_format(FX / name) is fmt


def test_detect_does_not_consume_first_record():
    # The coordination-network-toolkit v1.1 reader dropped the first tweet of each file: the
    # first status of the fixture must be read after detection.
    path = FX / "x_v1.jsonl"
    assert detect_format(path) is Format.X_V1
    posts, _, _, _ = read_all(path)
    assert posts["post_id"][0].as_py() == "1050118621198921728"
    assert posts["source_line"][0].as_py() == 1


def test_detect_stream_notice_first(tmp_path):
    # A v1.1 stream file may start with a delete notice; it still is x-v1 and the tweet after it is kept.
    src = (FX / "x_v1.jsonl").read_text(encoding="utf-8").splitlines()
    p = tmp_path / "notice_first.jsonl"
    p.write_text("\n".join([src[2]] + src) + "\n", encoding="utf-8")
    assert detect_format(p) is Format.X_V1
    posts, _, rejects, _ = read_all(p)
    assert rejects == []
    assert "1050118621198921728" in posts["post_id"].to_pylist()


# ----------------------------------------------------------------------------------- X v2

def test_x_v2_pages():
    posts, accounts, rejects, chunks = read_all(FX / "x_v2_pages.jsonl")
    assert rejects == []
    # Page 1: data 5001, 5002, 5003 + includes 5001 (also in data) and 4999; page 2: 5004 and 5002
    # again. Distinct posts: 4999, 5001, 5002, 5003, 5004.
    assert sorted(posts["post_id"].to_pylist()) == ["4999", "5001", "5002", "5003", "5004"]
    p = by_id(posts)
    assert p["5001"]["kind"] == "post" and p["5001"]["source_line"] == 1
    assert p["5001"]["time"] == datetime(2021, 6, 1, 9, 0)
    assert p["5001"]["hashtags"] == ["pakistanzindabad", "انصاف"]
    # unwound_url preferred, utm_* dropped, host lower-cased.
    assert p["5001"]["urls_raw"] == ["https://News.Example.com/story/1?utm_source=twitter&id=7"]
    assert p["5001"]["urls"] == ["https://news.example.com/story/1?id=7"]
    assert (p["5001"]["like_count"], p["5001"]["repost_count"], p["5001"]["reply_count"],
            p["5001"]["quote_count"]) == (400, 250, 3, 1)
    rt = p["5002"]
    assert (rt["kind"], rt["ref_post_id"], rt["ref_account_id"]) == ("repost", "5001", "1003")
    # The retweet's own entities are cut; hashtags come from the retweeted tweet in includes.
    assert rt["hashtags"] == ["pakistanzindabad", "انصاف"]
    assert rt["mentions"] == ["orig_poster"] and rt["client"] == "Twitter for Android"
    qr = p["5003"]
    # Both quote and reply: kind quote, ref = quoted, reply_to = replied.
    assert ((qr["kind"], qr["ref_post_id"], qr["ref_account_id"], qr["reply_to_post_id"])
            == ("quote", "5001", "1003", "4999"))
    assert qr["media"] == ["3_777"]
    assert (qr["latitude"], qr["longitude"]) == (31.5497, 74.3436)
    # twitter.com share trackers s and t removed.
    assert qr["urls"] == ["https://twitter.com/Orig_Poster/status/5001"]
    assert p["4999"]["account_id"] == "1001" and p["5004"]["source_line"] == 2
    a = by_id(accounts, "account_id")
    assert set(a) == {"1001", "1002", "1003"}
    ali = a["1001"]
    assert ali["handle"] == "AliNews_PK" and ali["url"] == "https://alinews.example.pk"
    assert (ali["followers"], ali["following"], ali["post_count"]) == (120, 800, 5400)
    # public_metrics.listed_count; no like_count in these (older) pages: likes given unknown.
    assert (ali["listed"], a["1003"]["listed"], ali["likes_given"]) == (0, 50, None)
    assert ali["created_at"] == datetime(2021, 5, 3, 10, 0)
    # Page 1 was retrieved 2021-06-02 12:00, later than page 2's latest created_at: page 1's snapshot wins.
    assert a["1002"]["seen_at"] == datetime(2021, 6, 2, 12, 0) and a["1002"]["followers"] == 15
    assert a["1002"]["default_profile_image"] is True and ali["default_profile_image"] is False
    assert not chunks[0].naive_time and chunks[0].records == 2


def test_x_v2_prefers_data_copy_and_seen_at_fallback():
    # The Python reader with chunk_rows=1 hands out a chunk per page (the Arrow reader's chunks are
    # whole batches): page 2 has no __twarc, so its users are seen at the page's latest created_at
    # (2021-06-01 10:00), and its data copy of 5002 is emitted again (the store keeps page 1's).
    chunks = list(read_x_v2(FX / "x_v2_pages.jsonl", chunk_rows=1, fast=False))
    assert len(chunks) == 2
    page2 = by_id(chunks[1].accounts, "account_id")
    assert page2["1002"]["seen_at"] == datetime(2021, 6, 1, 10, 0) and page2["1002"]["followers"] == 16
    assert sorted(chunks[1].posts["post_id"].to_pylist()) == ["5002", "5004"]
    # In page 1, 5001 is in data and includes: emitted once.
    assert chunks[0].posts["post_id"].to_pylist().count("5001") == 1


def test_x_v2_flat_matches_pages():
    posts, accounts, rejects, _ = read_all(FX / "x_v2_flat.jsonl")
    assert rejects == []
    p = by_id(posts)
    # Flattened lines 1-3: 5001, 5002 (retweet of 5001), 5003 (references 4999 and 5001).
    assert sorted(p) == ["4999", "5001", "5002", "5003"]
    assert (p["5002"]["kind"], p["5002"]["ref_post_id"], p["5002"]["ref_account_id"]) == ("repost", "5001", "1003")
    assert (p["5003"]["kind"], p["5003"]["reply_to_post_id"]) == ("quote", "4999")
    assert p["4999"]["source_line"] == 3  # the referenced tweet came with line 3
    pages, _, _, _ = read_all(FX / "x_v2_pages.jsonl")
    pp = by_id(pages)
    for pid in p:
        for col in ("account_id", "time", "kind", "ref_post_id", "ref_account_id", "hashtags", "urls", "mentions"):
            assert p[pid][col] == pp[pid][col], (pid, col)
    assert set(by_id(accounts, "account_id")) == {"1001", "1002", "1003"}


# ----------------------------------------------------------------------------------- X v1.1

def test_x_v1():
    posts, accounts, rejects, chunks = read_all(FX / "x_v1.jsonl")
    assert rejects == []  # the delete and limit notices are skipped, not rejected
    # Lines: 1 post, 2 retweet (+ nested original), 3 delete, 4 quote (+ nested quoted), 5 limit, 6 reply.
    assert chunks[0].records == 6
    p = by_id(posts)
    assert len(p) == 6
    first = p["1050118621198921728"]
    assert first["time"] == datetime(2018, 10, 10, 20, 19, 24)
    assert first["client"] == "Twitter for Android"
    assert (first["latitude"], first["longitude"]) == (24.8607, 67.0011)
    assert first["mentions"] == ["dailyreport"] and first["hashtags"] == ["trend1"]
    rt = p["1050118621198921729"]
    assert (rt["kind"], rt["ref_post_id"], rt["ref_account_id"]) == ("repost", "1050100000000000001", "2002")
    # Hashtags of a retweet come from the retweeted status's extended entities.
    assert rt["hashtags"] == ["longtrend", "trend1"]
    orig = p["1050100000000000001"]
    assert orig["text"].endswith("#LongTrend #Trend1 https://t.co/yy")  # extended_tweet.full_text
    assert orig["urls"] == ["https://www.dailyreport.example.com/a"]  # utm_* and fragment dropped
    assert orig["client"] == "TweetDeck" and orig["source_line"] == 2
    q = p["1050118621198921730"]
    assert (q["kind"], q["ref_post_id"], q["ref_account_id"]) == ("quote", "1049999999999999999", "2002")
    assert p["1049999999999999999"]["client"] == "Twitter Web Client"
    r = p["1050118621198921731"]
    assert (r["kind"], r["ref_post_id"], r["reply_to_post_id"], r["ref_account_id"]) == (
        "reply", "1049999999999999999", "1049999999999999999", "2002")
    a = by_id(accounts, "account_id")
    assert a["2001"]["handle"] == "ayesha_speaks" and a["2001"]["default_profile"] is True
    assert a["2001"]["created_at"] == datetime(2021, 3, 1, 4, 5, 6)
    assert a["2002"]["url"] == "http://dailyreport.example.com" and a["2002"]["verified"] is True
    assert (a["2002"]["followers"], a["2002"]["following"], a["2002"]["post_count"]) == (500000, 10, 80000)
    assert (a["2001"]["likes_given"], a["2001"]["listed"]) == (10, 0)  # favourites_count, listed_count
    assert (a["2002"]["likes_given"], a["2002"]["listed"]) == (None, None)  # not in its user object


# ----------------------------------------------------------------------------------- io-archive

def test_io_archive():
    posts, accounts, rejects, chunks = read_all(FX / "io_archive.csv")
    assert rejects == [] and not chunks[0].naive_time
    p = by_id(posts)
    assert len(p) == 4
    a1 = p["1101234567890123456"]
    assert a1["account_id"] == "b1f5a0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1"  # hashed id kept
    assert a1["time"] == datetime(2019, 3, 1, 14, 5) and a1["kind"] == "post"
    assert a1["hashtags_raw"] == ["Jalsa", "PakistanFirst"] and a1["hashtags"] == ["jalsa", "pakistanfirst"]
    assert a1["urls"] == ["https://news.example.pk/rally"]
    assert a1["latitude"] is None and a1["longitude"] is None  # 'absent'
    assert (a1["like_count"], a1["repost_count"], a1["reply_count"], a1["quote_count"]) == (12, 3, 1, 0)
    rt = p["1101234567890123457"]
    assert (rt["kind"], rt["ref_post_id"], rt["ref_account_id"]) == (
        "repost", "1101234567890123456", "b1f5a0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1")
    assert rt["mentions"] == ["b1f5a0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1"]
    q = p["1101234567890123458"]
    assert q["kind"] == "quote" and q["ref_post_id"] == "1101234567890123456"
    assert q["text"] == 'Line one of a quote\nline two, with "quotes"\nline three #Jalsa'
    assert (q["latitude"], q["longitude"]) == (33.6844, 73.0479)
    r = p["1101234567890123459"]
    assert (r["kind"], r["reply_to_post_id"], r["source_line"]) == ("reply", "1101234567890123456", 7)
    # Header line 1, records at 2, 3, 4 (three lines), 7.
    assert [p[k]["source_line"] for k in sorted(p)] == [2, 3, 4, 7]
    acc = by_id(accounts, "account_id")
    assert len(acc) == 3
    fatima = acc["7c9e2f14aa0b7d3e61f2c5a8d9e0b4c3f6a1d2e5b8c7f0a9e3d6c1b4a7f2e5d8"]
    # Two rows of this account: the latest (14:10, 16 followers) wins.
    assert (fatima["followers"], fatima["seen_at"]) == (16, datetime(2019, 3, 1, 14, 10))
    assert fatima["display_name"] == "فاطمہ" and fatima["created_at"] == datetime(2019, 2, 20)
    assert fatima["lang"] == "ur"
    # The archive has no likes-given or list counts.
    assert accounts["likes_given"].null_count == accounts["listed"].null_count == len(accounts)


# ----------------------------------------------------------------------------------- generic CSV

def test_csv_aliases_unix_and_naive_times():
    posts, accounts, rejects, chunks = read_all(FX / "generic_aliases.csv")
    assert rejects == []
    p = by_id(posts)
    assert p["p1"]["time"] == datetime(2021, 6, 1, 10, 0)  # ...Z
    assert p["p2"]["time"] == datetime(2021, 6, 1, 10, 30)  # 15:30+05:00
    assert p["p3"]["time"] == datetime(2021, 6, 1, 10, 2)  # no zone → UTC, flagged
    assert p["p4"]["time"] == datetime(2021, 6, 1, 10, 5)  # unix seconds 1622541900
    assert p["p5"]["time"] == datetime(2021, 6, 1, 10, 6)  # unix milliseconds
    assert any(c.naive_time for c in chunks)
    assert (p["p2"]["kind"], p["p2"]["ref_post_id"]) == ("repost", "p1")  # retweet_id alias
    assert (p["p3"]["kind"], p["p3"]["reply_to_post_id"], p["p3"]["ref_post_id"]) == ("reply", "p2", "p2")
    # No hashtags / urls / mentions columns: extracted from text.
    assert p["p1"]["hashtags"] == ["world"] and p["p1"]["mentions"] == ["beta"]
    assert p["p1"]["urls"] == ["https://example.com/a"]
    a = by_id(accounts, "account_id")
    assert a["u1"]["handle"] == "alpha"  # '@alpha' → 'alpha'; latest row (p3, followers 11) wins
    assert a["u1"]["followers"] == 11 and a["u3"]["followers"] is None


def test_csv_zoned_times_only_not_naive(tmp_path):
    f = tmp_path / "z.csv"
    f.write_text("id,user_id,timestamp\n1,a,2021-06-01T10:00:00Z\n2,b,2021-06-01T10:00:00+02:00\n")
    posts, _, _, chunks = read_all(f)
    assert not any(c.naive_time for c in chunks)
    assert posts["time"].to_pylist() == [datetime(2021, 6, 1, 10), datetime(2021, 6, 1, 8)]


def test_csv_mapping_lists_and_kind():
    m = {"post_id": "msg_no", "account_id": "who", "time": "when_utc", "text": "body", "hashtags": "tag_list",
         "urls": "link_list"}
    posts, _, rejects, _ = read_all(FX / "generic_mapped.csv", "csv", m)
    p = by_id(posts)
    assert p["m1"]["hashtags"] == ["pti", "imran"]  # a|b
    assert p["m1"]["urls"] == ["https://a.example/x", "https://b.example/y"]
    assert p["m2"]["hashtags"] == ["pti", "jalsa"] and p["m2"]["kind"] == "repost"  # ['a', 'b']; retweet
    assert p["m3"]["hashtags"] == ["pti", "jalsa"] and p["m3"]["hashtags_raw"] == ["pti", "Jalsa"]  # '#a #b'
    assert p["m3"]["kind"] == "reply"
    assert [(r.line, r.reason) for r in rejects] == [
        (5, "kind 'shout' is not one of post, repost, quote, reply, comment, message")]


def test_csv_mapping_case_insensitive_and_account_fields(tmp_path):
    f = tmp_path / "acc.csv"
    f.write_text("ID,Author,When,Bio,Joined,Fans\n1,a,2021-01-01 00:00:00,hello,2020-01-01,7\n")
    posts, accounts, _, _ = read_all(f, "csv", {"account_id": "author", "time": "When", "description": "Bio",
                                              "created_at": "Joined", "followers": "Fans"})
    assert posts["post_id"].to_pylist() == ["1"]
    acc = accounts.to_pylist()[0]
    assert (acc["description"], acc["created_at"], acc["followers"]) == ("hello", datetime(2020, 1, 1), 7)


# ----------------------------------------------------------------------------------- Parquet

def _parquet(tmp_path, table, name="posts.parquet"):
    p = tmp_path / name
    pq.write_table(table, p)
    return p


def test_parquet_generic_with_real_lists(tmp_path):
    t = pa.table({
        "tweet_id": pa.array([11, 12, None], pa.int64()),
        "author_id": ["a", "b", "c"],
        "created_at": pa.array([datetime(2021, 1, 1), datetime(2021, 1, 2), datetime(2021, 1, 3)],
                               pa.timestamp("ms", "UTC")),
        "hashtags": pa.array([["#PTI", "Jalsa"], [], None], pa.list_(pa.string())),
        "text": ["x", "y", "z"],
        "like_count": pa.array([1.0, None, 3.0]),
    })
    p = _parquet(tmp_path, t)
    assert detect_format(p) is Format.PARQUET
    posts, _, rejects, chunks = read_all(p)
    assert posts["post_id"].to_pylist() == ["11", "12"]
    assert posts["hashtags"].to_pylist() == [["pti", "jalsa"], []]
    assert posts["like_count"].to_pylist() == [1, None]
    assert posts["source_line"].to_pylist() == [1, 2]  # row numbers
    assert [(r.line, r.reason) for r in rejects] == [(3, "missing 'post_id' (column 'tweet_id' is empty)")]
    assert not any(c.naive_time for c in chunks)


def test_parquet_naive_timestamps_flagged(tmp_path):
    t = pa.table({"id": ["1"], "user_id": ["u"], "time": pa.array([datetime(2021, 1, 1, 5)], pa.timestamp("s"))})
    posts, _, _, chunks = read_all(_parquet(tmp_path, t))
    assert posts["time"].to_pylist() == [datetime(2021, 1, 1, 5)] and chunks[0].naive_time


# ----------------------------------------------------------------------------------- CooRTweet

def test_coortweet_csv():
    posts, accounts, rejects, _ = read_all(FX / "coortweet.csv")
    assert rejects == [] and accounts.num_rows == 0
    p = by_id(posts)
    assert set(posts["kind"].to_pylist()) == {"repost"}
    assert (p["114e22f1b2b64852"]["ref_post_id"], p["114e22f1b2b64852"]["account_id"]) == ("85d2d12251a735ce",
                                                                                         "0fb4232d1b7b3706")
    assert p["114e22f1b2b64852"]["time"] == datetime(2021, 6, 16, 22, 4, 51)
    assert p["85d2d12251a735cf"]["time"] == datetime(2021, 6, 16, 17, 46, 31)  # '1623865591.0'


def test_coortweet_parquet(tmp_path):
    t = pa.table({"object_id": pa.array(["o1", "o1"]).dictionary_encode(), "account_id": ["a", "b"],
                  "content_id": ["c1", "c2"], "timestamp_share": [1623881091.0, 1623881092.0]})
    p = _parquet(tmp_path, t, "coort.parquet")
    assert detect_format(p) is Format.COORTWEET
    posts, _, _, _ = read_all(p)
    assert posts["post_id"].to_pylist() == ["c1", "c2"] and posts["ref_post_id"].to_pylist() == ["o1", "o1"]
    assert posts["source_format"].to_pylist() == ["coortweet", "coortweet"]


def test_coortweet_real_russian_file():
    from conftest import shared_data

    path = shared_data("coortweet", "russian_coord_tweets.parquet")
    assert detect_format(path) is Format.COORTWEET
    posts, _, rejects, chunks = read_all(path, chunk_rows=10_000)
    assert rejects == []
    assert sum(c.records for c in chunks) == 35_125
    assert posts.num_rows == 35_125
    assert len(chunks) == 4  # 10,000-row batches
    first = posts.slice(0, 1).to_pylist()[0]
    assert first["post_id"] == "114e22f1b2b648528277b76f0b0224e7"
    assert first["ref_post_id"] == "85d2d12251a735ce05255061f7f231e2"
    assert first["time"] == datetime(2021, 6, 16, 22, 4, 51)


def test_german_elections_documented_mapping():
    from conftest import shared_data

    path = shared_data("coortweet", "german_elections.parquet")
    m = {"urls": "url_id", "hashtags": "hashtag_id", "media": "phash_id"}
    posts, _, rejects, chunks = read_all(path, "parquet", m)
    # 218,971 rows; 3 have no post_id. The store keeps the first row per post_id (194,323 distinct).
    assert sum(c.records for c in chunks) == 218_971
    assert [r.reason for r in rejects] == ["missing 'post_id' (column 'post_id' is empty)"] * 3
    assert posts.num_rows == 218_968
    assert posts.filter(pa.compute.equal(posts["post_id"], "129235"))["urls"].to_pylist() == [["23678"]]
