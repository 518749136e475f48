"""The Arrow reader of X v2 pages against the Python reader, its oracle.

Both readers must leave the same store: posts, accounts, account names, rejects, record counts and
the zone-less-time warning. Random pages mix every quirk the mapping has rules for (references of
each type, included duplicates, retweets with and without the original's entities, empty ids and
tags, geo shapes, profile links) with lines the Arrow reader must hand back (flattened tweets,
bad JSON, zone-less or unreadable times, fields of another type, blank lines).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trendtrace.model import InputError
from trendtrace.readers import _x_v2_arrow as xa
from trendtrace.readers.x_v2 import read_x_v2
from trendtrace.simulate import simulate
from trendtrace.store import Store

# ------------------------------------------------------------------------------ random pages

IDS = ["10", "11", "12", "13", ""]
TIMES = ["2021-06-01T10:00:00.000Z", "2021-06-01T10:00:01Z", "2021-06-01T15:00:00+05:00",
         "2021-06-01T09:59:59.5Z"]
ODD_TIMES = ["2021-06-01T10:00:00", "not a time", "2021-13-01T10:00:00Z"]


def _maybe(d: dict, key: str, strat, draw) -> None:
    if draw(st.booleans()):
        d[key] = draw(strat)


@st.composite
def tweets(draw, odd: bool):
    t: dict = {}
    _maybe(t, "id", st.sampled_from(IDS), draw)
    _maybe(t, "author_id", st.sampled_from(["u1", "u2", "u3", ""]), draw)
    t.setdefault("created_at", draw(st.sampled_from(TIMES + (ODD_TIMES if odd else []))))
    if draw(st.integers(0, 9)) == 0:
        del t["created_at"]
    _maybe(t, "text", st.text(max_size=4), draw)
    _maybe(t, "lang", st.sampled_from(["en", "ur"]), draw)
    _maybe(t, "source", st.sampled_from(["Twitter Web App", ""]), draw)
    _maybe(t, "in_reply_to_user_id", st.sampled_from(["u2", ""]), draw)
    ref = st.fixed_dictionaries({"type": st.sampled_from(["retweeted", "quoted", "replied_to", "other"]),
                                 "id": st.sampled_from(IDS)}, optional={"author_id": st.sampled_from(["u3", ""])})
    _maybe(t, "referenced_tweets", st.lists(ref, max_size=3), draw)
    tag = st.fixed_dictionaries({}, optional={"tag": st.sampled_from(["Pak", "", "ÄB", "#x", "pak"])})
    url = st.fixed_dictionaries({}, optional={k: st.sampled_from(["", "https://t.co/a", "https://Ex.com/p?utm_source=x"])
                                              for k in ("url", "expanded_url", "unwound_url")})
    mention = st.fixed_dictionaries({}, optional={"username": st.sampled_from(["Ali", "", "BOB"])})
    ents = st.fixed_dictionaries({}, optional={"hashtags": st.lists(tag, max_size=2),
                                               "urls": st.lists(url, max_size=2),
                                               "mentions": st.lists(mention, max_size=2),
                                               "annotations": st.just([{"type": "Place"}])})
    _maybe(t, "entities", ents, draw)
    note = st.fixed_dictionaries({}, optional={"text": st.sampled_from(["", "the whole long text"]), "entities": ents})
    _maybe(t, "note_tweet", note, draw)
    _maybe(t, "attachments", st.sampled_from([{}, {"media_keys": ["3_1", "3_2"]}, {"media_keys": []}]), draw)
    coords = st.sampled_from([[1.5, 2.5], [1.0], [3, 4], []])
    geo = st.fixed_dictionaries({}, optional={"coordinates": st.fixed_dictionaries(
        {"type": st.sampled_from(["Point", "Polygon"]), "coordinates": coords})})
    _maybe(t, "geo", geo, draw)
    pm = st.fixed_dictionaries({}, optional={k: st.integers(0, 5) for k in
                                             ("like_count", "retweet_count", "reply_count", "quote_count")})
    _maybe(t, "public_metrics", pm, draw)
    return t


@st.composite
def users(draw, odd: bool):
    # A user's fields follow from (id, handle): two copies that tie on the ranking (seen_at,
    # handle, name) are then the same snapshot, whichever reader keeps it. (Where they are not,
    # the readers may keep different ones: docs/formats.md, "Two readers, one result".)
    uid = draw(st.sampled_from(["u1", "u2", "u3", ""]))
    # A zone-less creation time only with a handle of its own ("gamma"): such a line goes to the
    # Python reader, and two equal-ranking snapshots must not differ.
    handle = "gamma" if odd and draw(st.integers(0, 4)) == 0 else draw(st.sampled_from(["alpha", "beta", None]))
    u: dict = {"id": uid}
    if handle is not None:
        u["username"] = handle
        u["name"] = handle.title()
    u["created_at"] = ODD_TIMES[0] if handle == "gamma" else TIMES[len(uid + str(handle)) % 2]
    u["description"] = f"{uid} {handle}"
    if handle == "alpha":
        u["url"] = "https://t.co/a"
        u["entities"] = {"url": {"urls": [{"url": "https://t.co/a", "expanded_url": "https://example.org/"}]}}
        u["profile_image_url"] = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
    elif handle == "beta":
        u["url"] = ""
        u["profile_image_url"] = "https://pbs.twimg.com/profile_images/1/x.jpg"
        u["verified"] = True
    u["public_metrics"] = {"followers_count": len(uid) * 7, "following_count": 3, "tweet_count": 9,
                           "listed_count": len(uid)}
    if handle is not None:  # like_count only in newer collections
        u["public_metrics"]["like_count"] = len(uid + handle) * 5
    return u


@st.composite
def pages(draw, odd: bool):
    page: dict = {"data": draw(st.lists(tweets(odd), max_size=3))}
    inc = {}
    _maybe(inc, "tweets", st.lists(tweets(odd), max_size=3), draw)
    _maybe(inc, "users", st.lists(users(odd), max_size=3), draw)
    if inc or draw(st.booleans()):
        page["includes"] = inc
    if draw(st.booleans()):
        page["__twarc"] = {"retrieved_at": draw(st.sampled_from(TIMES + (ODD_TIMES if odd else [])))}
    page["meta"] = {"result_count": len(page["data"])}
    return json.dumps(page)


OTHER_LINES = [
    "",  # blank
    "   ",  # blank with spaces
    '{"errors": [{"title": "Not Found Error"}]}',  # a page without results: skipped
    '{"meta": {"result_count": 0}}',
    '{"id": "20", "text": "flattened", "author_id": "u1", "created_at": "2021-06-01T10:00:00.000Z",'
    ' "author": {"id": "u1", "username": "alpha", "name": "Alpha"}}',
    '{"data": {"id": "21", "author_id": "u2", "created_at": "2021-06-01T10:00:00.000Z"}}',  # one object
    '{"data": [{"id": 22, "author_id": "u2", "created_at": "2021-06-01T10:00:00.000Z"}]}',  # a number id
    "{not json",
    "[1, 2]",
]


@st.composite
def files(draw):
    odd = draw(st.booleans())
    lines = [draw(pages(odd))]  # the first line is a page, or the Arrow reader is not used at all
    for _ in range(draw(st.integers(0, 6))):
        if odd and draw(st.integers(0, 3)) == 0:
            lines.append(draw(st.sampled_from(OTHER_LINES)))
        else:
            lines.append(draw(pages(odd)))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


# ------------------------------------------------------------------------------ comparison

def _python_reader(path, fmt, mapping, chunk_rows):
    return read_x_v2(path, chunk_rows, fast=False)


def _ingest(path: Path, fast: bool, chunk_rows: int = 50_000, db: Path | None = None) -> dict:
    import shutil
    import tempfile

    # a store of its own in a temporary folder (unless ``db`` is given): never beside the input,
    # which may be a fixture
    folder = None if db is not None else tempfile.mkdtemp(prefix="tt-arrow-")
    db = db if db is not None else Path(folder) / f"{path.stem}-{'arrow' if fast else 'python'}.duckdb"
    with Store(db) as s:
        r = s.ingest([path], "x-v2", chunk_rows=chunk_rows, reader=None if fast else _python_reader)
        out = {t: s.con.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
               for t in ("posts", "accounts", "account_names")}
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    fr = r.files[0]
    out["report"] = (fr.records, fr.posts_added, fr.accounts_updated, fr.rejects, fr.naive_time)
    return out


def _same(path: Path, chunk_rows: int = 50_000) -> None:
    fast, slow = _ingest(path, True, chunk_rows), _ingest(path, False, chunk_rows)
    for key in slow:
        assert fast[key] == slow[key], key


def _used_arrow(path: Path, monkeypatch) -> bool:
    calls = []
    real = xa._Batch

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(xa, "_Batch", spy)
    list(read_x_v2(path))
    monkeypatch.setattr(xa, "_Batch", real)
    return bool(calls)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=files())
def test_arrow_reader_leaves_the_store_the_python_reader_leaves(tmp_path, text):
    p = tmp_path / "pages.jsonl"
    p.write_text(text, encoding="utf-8")
    _same(p)


def test_fixture_pages_the_same(tmp_path, monkeypatch):
    fx = Path(__file__).parent / "fixtures" / "readers" / "x_v2_pages.jsonl"
    assert _used_arrow(fx, monkeypatch)
    _same(fx)


def test_simulated_pages_the_same_and_all_read_by_arrow(tmp_path, monkeypatch):
    sim = simulate(tmp_path / "sim", scenario="default", seed=3, posts=3000, fmt="x-v2")
    path = sim.data_paths[0]
    handed = []
    real = xa._numbered
    monkeypatch.setattr(xa, "_numbered", lambda *a: handed.append(a) or real(*a))
    _same(path, chunk_rows=500)
    assert handed == []  # clean pages: not one line for the Python reader
    fast = _ingest(path, True)
    assert len(fast["posts"]) > 2500 and fast["report"][3] == 0


def test_a_bad_line_goes_to_the_python_reader_with_its_number(tmp_path):
    good = json.dumps({"data": [{"id": "1", "author_id": "u1", "created_at": "2021-06-01T10:00:00.000Z"}]})
    p = tmp_path / "p.jsonl"
    p.write_text("\n".join([good, "", '{"data": [{"id": "2", "created_at": "2021-06-01T10:00:00Z"}]}', good]) + "\n")
    with Store(tmp_path / "s.duckdb") as s:
        r = s.ingest([p], "x-v2")
        assert s.count("posts") == 1
    assert r.records == 3 and r.rejects == 1  # the blank line 2 is not a record
    assert f"{p},3,missing 'author_id'," in r.rejects_path.read_text()
    with Store(tmp_path / "t.duckdb") as s, pytest.raises(InputError, match=r"p\.jsonl:3: missing 'author_id'$"):
        s.ingest([p], "x-v2", on_error="fail")


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.sampled_from(["", " ", "\t\r", "x", " y", "{}", "\r"]), max_size=14),
       end=st.sampled_from(["", "\n"]), block=st.sampled_from([1, 2, 3, 7, 1 << 20]))
def test_scan_finds_blank_lines_as_python_iterates(tmp_path_factory, lines, end, block):
    p = tmp_path_factory.mktemp("b") / "f.txt"
    data = ("\n".join(lines) + end).encode()
    p.write_bytes(data)
    numbered = list(enumerate(data.split(b"\n"), 1))
    if numbered and numbered[-1][1] == b"":
        numbered.pop()  # the file ends with a newline: no line after it
    expected = [i for i, line in numbered if not line.strip()]
    lengths = [len(line) + 1 for _, line in numbered]  # with the newline
    if lengths and not data.endswith(b"\n"):
        lengths[-1] -= 1
    longest = max(lengths, default=0)
    old = xa._BLOCK
    xa._BLOCK = block
    try:
        got, got_longest, n_lines = xa.scan_lines(str(p)) if data else (np.zeros(0), 0, 0)
    finally:
        xa._BLOCK = old
    assert got.tolist() == expected
    assert got_longest == longest
    assert n_lines == len(numbered)


@given(blanks=st.sets(st.integers(1, 60), max_size=20))
def test_physical_line_numbers(blanks):
    lines = [i for i in range(1, 80) if i not in blanks]
    got = xa._physical(np.arange(len(lines), dtype=np.int64), np.asarray(sorted(blanks), dtype=np.int64))
    assert got.tolist() == lines


@pytest.mark.parametrize("name", ["x_v2_flat.jsonl"])
def test_flattened_files_stay_with_the_python_reader(name, monkeypatch):
    fx = Path(__file__).parent / "fixtures" / "readers" / name
    assert not _used_arrow(fx, monkeypatch)


def _pages_file(tmp_path: Path) -> Path:
    sim = simulate(tmp_path / "sim", scenario="default", seed=5, posts=1500, fmt="x-v2")
    return Path(sim.data_paths[0])


@pytest.mark.parametrize("packing", ["gz", "zst", "two-gz-members", "two-zst-frames"])
def test_compressed_pages_the_same(tmp_path, monkeypatch, packing):
    import gzip

    import zstandard

    plain = _pages_file(tmp_path)
    data = plain.read_bytes()
    half = data.index(b"\n", len(data) // 2) + 1
    if packing == "gz":
        packed = gzip.compress(data)
    elif packing == "zst":
        packed = zstandard.ZstdCompressor().compress(data)
    elif packing == "two-gz-members":  # `cat a.gz b.gz`: readers must not stop after the first
        packed = gzip.compress(data[:half]) + gzip.compress(data[half:])
    else:
        z = zstandard.ZstdCompressor()
        packed = z.compress(data[:half]) + z.compress(data[half:])
    p = tmp_path / "pages.data"  # only the magic bytes tell the compression
    p.write_bytes(packed)
    assert _used_arrow(p, monkeypatch)
    _same(p)
    assert len(_ingest(p, True)["posts"]) == len(_ingest(plain, True)["posts"])  # nothing lost


def test_truncated_compressed_pages_fail_as_the_python_reader_does(tmp_path):
    import gzip

    data = _pages_file(tmp_path).read_bytes()
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(gzip.compress(data)[:-200])
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz: compressed data ends early"):
        list(read_x_v2(p))
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz: compressed data ends early"):
        list(read_x_v2(p, fast=False))


def test_many_small_blocks_with_blank_and_bad_lines_the_same(tmp_path, monkeypatch):
    # Small blocks: many Arrow batches, merged before conversion, line numbers carried across them.
    lines = _pages_file(tmp_path).read_bytes().splitlines()
    lines.insert(3, b"")
    lines.insert(7, b'{"data": [{"id": "9", "created_at": "2021-06-01T10:00:00"}]}')  # rejected by Python
    lines.insert(len(lines) // 2, b"   ")
    p = tmp_path / "mixed.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    monkeypatch.setattr(xa, "_BLOCK", 1 << 16)
    monkeypatch.setattr(xa, "_CONVERT_BYTES", 1 << 17)
    _same(p, chunk_rows=300)
    assert _ingest(p, True)["report"][3] == 1


def test_a_full_api_page_stays_with_arrow_and_matches(tmp_path, monkeypatch):
    # A page with the fields twarc2 asks for and the readers ignore (edit history, context
    # annotations, note_tweet, withheld, media/places/polls includes, url previews, user entities,
    # meta tokens): they must neither trip Arrow's schema nor change a row.
    tweet = {
        "id": "1501", "author_id": "u1", "created_at": "2023-05-01T10:00:00.000Z", "text": "hello #Pak https://t.co/x",
        "lang": "en", "source": "Twitter Web App", "conversation_id": "1501", "edit_history_tweet_ids": ["1501"],
        "possibly_sensitive": False, "reply_settings": "everyone",
        "context_annotations": [{"domain": {"id": "10", "name": "Person"}, "entity": {"id": "1", "name": "X"}}],
        "note_tweet": {"text": "a longer text #Pak",
                       "entities": {"hashtags": [{"start": 14, "end": 18, "tag": "Pak"}]}},
        "withheld": {"copyright": False, "country_codes": ["DE"]},
        "attachments": {"media_keys": ["3_9"], "poll_ids": ["77"]},
        "geo": {"place_id": "abc", "coordinates": {"type": "Point", "coordinates": [67.0, 24.8]}},
        "entities": {
            "hashtags": [{"start": 6, "end": 10, "tag": "Pak"}],
            "urls": [{"start": 11, "end": 23, "url": "https://t.co/x", "expanded_url": "https://example.com/a?utm_source=t",
                      "display_url": "example.com/a",
                      "images": [{"url": "https://pbs/x.jpg", "width": 10, "height": 10}],
                      "status": 200, "title": "A", "description": "B", "unwound_url": "https://example.com/a"}],
            "mentions": [{"start": 0, "end": 3, "username": "Bob", "id": "u2"}],
            "annotations": [{"start": 0, "end": 4, "probability": 0.5, "type": "Other", "normalized_text": "hello"}],
            "cashtags": [{"start": 0, "end": 2, "tag": "BTC"}],
        },
        "public_metrics": {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4,
                           "impression_count": 50, "bookmark_count": 0},
        "referenced_tweets": [{"type": "quoted", "id": "1400"}],
    }
    quoted = {"id": "1400", "author_id": "u2", "created_at": "2023-04-30T10:00:00.000Z", "text": "quoted",
              "edit_history_tweet_ids": ["1400"],
              "entities": {"mentions": [{"start": 0, "end": 3, "username": "x", "id": "9"}]}}
    user = {"id": "u1", "username": "alpha", "name": "Alpha", "created_at": "2020-01-01T00:00:00.000Z",
            "description": "about #me", "location": "Lahore", "url": "https://t.co/p", "protected": False,
            "verified": False, "verified_type": "none", "pinned_tweet_id": "1501",
            "profile_image_url": "https://pbs.twimg.com/profile_images/1/a_normal.jpg",
            "entities": {"url": {"urls": [{"start": 0, "end": 14, "url": "https://t.co/p",
                                           "expanded_url": "https://alpha.example/", "display_url": "alpha.example"}]},
                         "description": {"hashtags": [{"start": 6, "end": 9, "tag": "me"}]}},
            "public_metrics": {"followers_count": 10, "following_count": 20, "tweet_count": 30, "listed_count": 1,
                               "like_count": 5}}
    page = {"data": [tweet], "includes": {"users": [user, dict(user, id="u2", username="bob", name="Bob")],
                                          "tweets": [quoted], "media": [{"media_key": "3_9", "type": "photo"}],
                                          "places": [{"id": "abc", "full_name": "Karachi"}],
                                          "polls": [{"id": "77",
                                                     "options": [{"position": 1, "label": "a", "votes": 1}]}]},
            "meta": {"result_count": 1, "newest_id": "1501", "oldest_id": "1501", "next_token": "b26v"},
            "errors": [{"value": "9", "detail": "Could not find user", "title": "Not Found Error", "type": "x"}],
            "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all?x=1", "version": "2.14.0",
                        "retrieved_at": "2023-05-02T00:00:00+00:00"}}
    p = tmp_path / "full.jsonl"
    p.write_text(json.dumps(page) + "\n" + json.dumps(page) + "\n")
    handed = []
    real = xa._numbered
    monkeypatch.setattr(xa, "_numbered", lambda *a: handed.append(a) or real(*a))
    _same(p)
    assert handed == []  # read by Arrow alone
    posts = _ingest(p, True, db=tmp_path / "full-arrow.duckdb")["posts"]
    assert len(posts) == 2
    with Store(tmp_path / "full-arrow.duckdb", read_only=True) as s:
        assert s.con.execute("SELECT account_id, likes_given, listed FROM accounts ORDER BY 1").fetchall() == [
            ("u1", 5, 1), ("u2", 5, 1)]
