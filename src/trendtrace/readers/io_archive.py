"""The X (Twitter) information-operations archive CSV (31 columns, ``tweetid`` ... ``poll_choices``).

Quirks handled: hashed user ids (kept as given); list columns as Python-list text
(``['a', 'b']``), ``[]`` or empty; counts as floats (``0.0``); ``latitude``/``longitude`` as
``absent``; ``tweet_time`` ``YYYY-MM-DD HH:MM`` (UTC by the archive's documentation, so no naive-time
flag; ``:SS`` accepted too); ``account_creation_date`` ``YYYY-MM-DD``; ``is_retweet``
``True``/``False``; multi-line quoted ``tweet_text``; hashtags without ``#``; ``user_mentions`` as
user ids (kept as ids).

Kind: ``is_retweet`` → repost (``ref_post_id`` = ``retweet_tweetid``, ``ref_account_id`` =
``retweet_userid``), else ``quoted_tweet_tweetid`` → quote, else ``in_reply_to_tweetid`` → reply
(``ref_account_id`` = ``in_reply_to_userid``), else post. ``reply_to_post_id`` is set whenever
``in_reply_to_tweetid`` is. One account snapshot per row (``seen_at`` = ``tweet_time``), reduced to
the latest per account in each batch. All of it vectorised (see ``_csv`` for line numbers).
"""

from __future__ import annotations

import os
from typing import IO
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, Chunk, InputError, Reject
from trendtrace.readers._columns import (Regroup, blank_to_null, hashtag_lists, id_column, list_from_text,
                                         per_distinct, table_of, to_number, url_lists)
from trendtrace.readers._csv import csv_batches, read_header
from trendtrace.readers._io import open_input

__all__ = ["IO_ARCHIVE_COLUMNS", "parse_io_archive", "read_io_archive"]

IO_ARCHIVE_COLUMNS = (
    "tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count",
    "account_creation_date", "account_language", "tweet_language", "tweet_text", "tweet_time",
    "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid", "is_retweet",
    "retweet_userid", "retweet_tweetid", "latitude", "longitude", "quote_count", "reply_count", "like_count",
    "retweet_count", "hashtags", "urls", "user_mentions", "poll_choices",
)
#: The columns without which a file cannot be read as the archive.
REQUIRED = ("tweetid", "userid", "tweet_time")
_TS = pa.timestamp("us")


def _times(arr: pa.Array, formats: tuple[str, ...]) -> pa.Array:
    out = None
    for fmt in formats:
        t = pc.strptime(arr, format=fmt, unit="us", error_is_null=True)
        out = t if out is None else pc.coalesce(out, t)
    return pc.cast(out, _TS)


def _ids(arr: pa.Array) -> pa.Array:
    """Reference id columns: empty and ``0`` mean none; float-printed ids (``123.0``) lose the
    ``.0`` (:func:`id_column`, as ``tweetid`` and ``userid`` do)."""
    arr = id_column(arr)[0]
    return pc.if_else(pc.equal(arr, "0"), None, arr)


def _convert(t: pa.Table, lines: np.ndarray, source_file: str) -> tuple[pa.Table, pa.Table, list[Reject]]:
    n = t.num_rows
    # tweetid and userid normalised alike (a userid '456.0' kept its '.0' while tweetid lost it).
    pid, aid = _ids(t["tweetid"].combine_chunks()), per_distinct(t["userid"], lambda a: id_column(a)[0])
    raw_time = t["tweet_time"].combine_chunks()
    time = per_distinct(raw_time, lambda a: _times(pc.utf8_trim_whitespace(a), ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")))
    bad = np.asarray(pc.fill_null(pc.or_(pc.or_(pc.is_null(pid), pc.is_null(aid)), pc.is_null(time)), True),
                     dtype=bool)
    rejects: list[Reject] = []
    if bad.any():
        for i in np.nonzero(bad)[0].tolist():
            if not pid[i].is_valid:
                why = "missing 'tweetid'"
            elif not aid[i].is_valid:
                why = "missing 'userid'"
            elif raw_time[i].as_py() is None:
                why = "missing 'tweet_time'"
            else:
                why = f"time {raw_time[i].as_py()!r} is not a date"
            rejects.append(Reject(source_file, int(lines[i]), why))
        keep = pa.array(~bad)
        t = t.filter(keep)
        pid, aid, time = pc.filter(pid, keep), pc.filter(aid, keep), pc.filter(time, keep)
        lines = lines[~bad]
        n = t.num_rows

    def c(name: str) -> pa.Array:
        return t[name].combine_chunks()

    # Every conversion below is element-wise, so it runs once per distinct value (per_distinct).
    def ids(name: str) -> pa.Array:
        return per_distinct(c(name), _ids)

    def blank(name: str) -> pa.Array:
        return per_distinct(c(name), blank_to_null)

    def num(name: str, typ: pa.DataType) -> pa.Array:
        return per_distinct(c(name), lambda a: to_number(a, typ))

    is_rt = per_distinct(c("is_retweet"), lambda a: pc.fill_null(
        pc.equal(pc.utf8_lower(pc.utf8_trim_whitespace(a)), "true"), False))
    rt_id, quoted, reply = ids("retweet_tweetid"), ids("quoted_tweet_tweetid"), ids("in_reply_to_tweetid")
    # A retweet flag without its target id still is a retweet (the archive sometimes omits it).
    is_q = pc.and_(pc.invert(is_rt), pc.is_valid(quoted))
    is_rep = pc.and_(pc.and_(pc.invert(is_rt), pc.invert(is_q)), pc.is_valid(reply))
    kind = pc.if_else(is_rt, "repost", pc.if_else(is_q, "quote", pc.if_else(is_rep, "reply", "post")))
    null_s = pa.nulls(n, pa.string())
    ref = pc.if_else(is_rt, rt_id, pc.if_else(is_q, quoted, pc.if_else(is_rep, reply, null_s)))
    ref_acc = pc.if_else(is_rt, ids("retweet_userid"), pc.if_else(is_rep, ids("in_reply_to_userid"), null_s))
    hashtags, hashtags_raw = per_distinct(c("hashtags"), lambda a: hashtag_lists(list_from_text(a)))
    urls, urls_raw = per_distinct(c("urls"), lambda a: url_lists(list_from_text(a)))
    posts = table_of(POST_SCHEMA, {
        "post_id": pid, "account_id": aid, "time": time, "kind": kind, "text": c("tweet_text"),
        "lang": blank("tweet_language"), "ref_post_id": ref, "ref_account_id": ref_acc,
        "reply_to_post_id": reply, "hashtags": hashtags, "hashtags_raw": hashtags_raw, "urls": urls,
        "urls_raw": urls_raw, "mentions": per_distinct(c("user_mentions"), list_from_text),
        "client": blank("tweet_client_name"),
        "latitude": num("latitude", pa.float64()), "longitude": num("longitude", pa.float64()),
        "like_count": num("like_count", pa.int64()), "repost_count": num("retweet_count", pa.int64()),
        "reply_count": num("reply_count", pa.int64()), "quote_count": num("quote_count", pa.int64()),
        "source_format": "io-archive", "source_file": source_file, "source_line": pa.array(lines, pa.int64()),
    }, n)
    created = per_distinct(c("account_creation_date"), lambda a: _times(
        pc.utf8_trim_whitespace(a), ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")))
    # Every row's snapshot: Regroup keeps the latest per account and the names of all of them.
    accounts = table_of(ACCOUNT_SCHEMA, {
        "account_id": aid, "handle": blank("user_screen_name"),
        "display_name": blank("user_display_name"),
        "description": blank("user_profile_description"),
        "location": blank("user_reported_location"), "url": blank("user_profile_url"),
        "lang": blank("account_language"), "created_at": created,
        "followers": num("follower_count", pa.int64()),
        "following": num("following_count", pa.int64()),
        "seen_at": time, "source_format": "io-archive", "source_file": source_file,
    }, n)
    return posts, accounts, rejects


def parse_io_archive(f: IO[bytes], source_file: str, chunk_rows: int = 50_000,
                     reopen: Callable[[], IO[bytes]] | None = None) -> Iterator[Chunk]:
    """Parse an information-operations archive CSV (binary file object at its start) into chunks.

    Columns may come in any order and extra columns are ignored; the archive's 31 columns that are
    missing read as empty, except ``tweetid``, ``userid`` and ``tweet_time``, which are required.
    Rejects: a record without ``tweetid``/``userid``, an unreadable ``tweet_time``, non-UTF-8 bytes,
    a wrong number of fields, a record longer than 4 MB; each with its physical line (header = line
    1). ``reopen`` (a fresh handle on the file) lets reading go on past a record over 8 MB.
    """
    names, header_lines = read_header(f, source_file)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(f"{source_file}: no column '{missing[0]}' for the io-archive format; columns are: "
                         f"{', '.join(names)}")
    group = Regroup(chunk_rows)
    for b in csv_batches(f, source_file, names, header_lines, reopen=reopen):
        t = b.table
        for col in IO_ARCHIVE_COLUMNS:
            if col not in t.column_names:
                t = t.append_column(col, pa.nulls(t.num_rows, pa.string()))
        if t.num_rows:
            posts, accounts, rejects = _convert(t, b.lines, source_file)
        else:
            posts, accounts, rejects = POST_SCHEMA.empty_table(), ACCOUNT_SCHEMA.empty_table(), []
        rejects = sorted(b.rejects + rejects, key=lambda r: r.line)
        if group.add(posts, accounts, rejects, b.records, False):
            yield group.take()
    if group.pending():
        yield group.take()


def read_io_archive(path: str | os.PathLike[str], chunk_rows: int = 50_000) -> Iterator[Chunk]:
    """Open ``path`` (plain, .gz or .zst) and :func:`parse_io_archive` it."""
    from trendtrace.readers.tabular import _guard

    name = str(path)
    f = open_input(path)
    try:
        yield from _guard(parse_io_archive(f, name, chunk_rows, lambda: open_input(path)), f, name)
    finally:
        f.close()
