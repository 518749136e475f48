"""Generic CSV and Parquet posts with a column mapping, and the 4-column CooRTweet layout.

A *mapping* says which column holds which field (``--map FIELD=COLUMN``). Fields are the columns of
``posts`` (``post_id``, ``account_id``, ``time``, ``text``, ``hashtags`` ...) and of ``accounts``
(``handle``, ``display_name``, ``description``, ``location``, ``url``, ``created_at``, ``followers``,
``following``, ``post_count``, ``likes_given``, ``listed``, ``verified``, ``default_profile``,
``default_profile_image``), plus ``account_lang`` (the account's language; ``lang`` is the post's).
Fields without a mapping are looked up among the columns by their own name and then by
:data:`ALIASES`, case-insensitively; an explicit mapping always wins and every column is used once.
Required: ``post_id``, ``account_id``, ``time``.

Values: times as in :class:`~trendtrace.readers._columns.TimeParser`; list fields as real lists
(Parquet) or text (``['a','b']``, ``a|b``, ``a,b``, ``a b``); without a ``hashtags`` / ``urls`` /
``mentions`` column they are extracted from ``text``. Kind: a ``kind`` column (``post``, ``repost``
or ``retweet``, ``quote``, ``reply``, ``comment``, ``message``), else ``reply`` where
``reply_to_post_id`` is set, ``repost`` where ``ref_post_id`` is set, else ``post``.

CooRTweet (``object_id, account_id, content_id, timestamp_share``): ``post_id`` = content_id,
``ref_post_id`` = object_id, kind ``repost``, time from unix seconds; CSV or Parquet.

Parquet is streamed with ``ParquetFile.iter_batches``; ``source_line`` is the 1-based row number.
"""

from __future__ import annotations

import os
from typing import IO, Any
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from trendtrace.model import (ACCOUNT_SCHEMA, POST_SCHEMA, Chunk, InputError, Reject, clip, hashtags_in,
                              mentions_in, urls_in)
from trendtrace.readers._columns import (Regroup, TimeParser, as_string, blank_to_null, hashtag_lists, id_column,
                                         list_from_text, map_distinct, map_list_values,
                                         python_lists, table_of, to_bool, to_number, url_lists)
from trendtrace.readers._csv import csv_batches, read_header
from trendtrace.readers._io import PARQUET_MAGIC, check_path, compression_of, open_input

__all__ = ["ALIASES", "MAPPABLE_FIELDS", "COORTWEET_COLUMNS", "resolve_mapping", "convert_table", "parse_csv",
           "parse_parquet", "read_csv", "read_parquet", "read_coortweet", "parse_mapping_args"]

_POST_MAPPABLE = tuple(n for n in POST_SCHEMA.names if n not in ("source_format", "source_file", "source_line"))
_ACCOUNT_MAPPABLE = ("handle", "display_name", "description", "location", "url", "account_lang", "created_at",
                     "followers", "following", "post_count", "likes_given", "listed", "verified",
                     "default_profile", "default_profile_image", "seen_at")
#: Every FIELD accepted in ``--map FIELD=COLUMN``.
MAPPABLE_FIELDS: tuple[str, ...] = _POST_MAPPABLE + _ACCOUNT_MAPPABLE

#: Column names (lower-case) recognised for each field when there is no mapping, after the
#: field's own name. ``created_at`` is the *post* time here (flat tweet exports); the account's
#: creation time needs ``--map created_at=COLUMN`` or one of its own aliases.
ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("id", "tweet_id", "tweetid", "status_id", "id_str", "content_id", "message_id", "comment_id"),
    "account_id": ("user_id", "author_id", "userid", "account", "user", "author", "author_id_str"),
    "time": ("created_at", "timestamp", "date", "tweet_time", "datetime", "timestamp_share", "published_at",
             "posted_at", "time_utc"),
    "kind": ("type", "post_type", "tweet_type"),
    "text": ("tweet_text", "full_text", "content", "body", "message", "tweet"),
    "lang": ("language", "tweet_language"),
    "ref_post_id": ("retweet_id", "retweeted_id", "retweet_tweetid", "retweeted_status_id", "quoted_id",
                    "quoted_status_id", "object_id"),
    "ref_account_id": ("retweet_userid", "retweet_user_id", "retweeted_user_id", "quoted_user_id"),
    "reply_to_post_id": ("in_reply_to_status_id", "in_reply_to_tweetid", "in_reply_to_id", "reply_to",
                         "parent_id", "parent"),
    "hashtags": ("hashtag", "tags"),
    "urls": ("links", "link", "expanded_urls", "expanded_url"),
    "mentions": ("user_mentions", "mention"),
    "media": ("media_keys", "phash", "images"),
    "client": ("source", "tweet_client_name", "client_name", "app"),
    "latitude": ("lat",),
    "longitude": ("lon", "lng", "long"),
    "like_count": ("likes", "favorite_count", "favourite_count", "favorites"),
    "repost_count": ("retweet_count", "retweets", "shares", "share_count"),
    "reply_count": ("replies",),
    "quote_count": ("quotes",),
    "handle": ("screen_name", "username", "user_screen_name", "user_username"),
    "display_name": ("name", "user_display_name", "user_name"),
    "description": ("user_profile_description", "user_description", "bio"),
    "location": ("user_reported_location", "user_location"),
    "url": ("user_profile_url", "user_url"),
    "account_lang": ("account_language", "user_lang"),
    "created_at": ("account_created_at", "account_creation_date", "user_created_at"),
    "followers": ("followers_count", "follower_count", "user_followers_count"),
    "following": ("following_count", "friends_count", "user_following_count", "user_friends_count"),
    "post_count": ("statuses_count", "tweet_count", "user_statuses_count"),
    # The account's likes given (v1.1 ``favourites_count``), not a post's ``favorite_count``.
    "likes_given": ("favourites_count", "favorites_count", "user_favourites_count"),
    "listed": ("listed_count", "user_listed_count"),
    "verified": ("user_verified",),
    "default_profile": (),
    "default_profile_image": (),
    "seen_at": (),
    "hashtags_raw": (),
    "urls_raw": (),
    "source_line": (),
}
#: Fields that do not claim a column of their own name (see ALIASES).
_NO_SELF_NAME = frozenset({"created_at"})
#: Resolution order: the post time claims ``created_at`` before the account creation time could.
_ORDER = ("post_id", "account_id", "time") + tuple(f for f in MAPPABLE_FIELDS if f not in
                                                   ("post_id", "account_id", "time"))
REQUIRED = ("post_id", "account_id", "time")
COORTWEET_COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")
_COORTWEET_MAP = {"post_id": "content_id", "ref_post_id": "object_id", "account_id": "account_id",
                  "time": "timestamp_share"}
_KINDS = {"post": "post", "tweet": "post", "original": "post", "status": "post", "repost": "repost",
          "retweet": "repost", "retweeted": "repost", "rt": "repost", "share": "repost", "quote": "quote",
          "quoted": "quote", "reply": "reply", "replied_to": "reply", "comment": "comment", "message": "message"}


def parse_mapping_args(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``--map`` arguments as a mapping: ``["time=ts", "handle=user"]`` → ``{"time": "ts", "handle": "user"}``.

    Spaces around FIELD and COLUMN are dropped; a later FIELD wins. Raises InputError (one line,
    saying the fix) for an item without ``FIELD=COLUMN`` and for a FIELD not in
    :data:`MAPPABLE_FIELDS`. Whether the COLUMN exists is checked when the file is read.
    """
    out = {}
    for it in items:
        field, sep, column = it.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise InputError(f"--map {it!r}: write FIELD=COLUMN, e.g. --map time=created_at")
        if field not in MAPPABLE_FIELDS:
            raise InputError(f"--map {it!r}: unknown field {field!r}; fields are: {', '.join(MAPPABLE_FIELDS)}")
        out[field] = column
    return out


def resolve_mapping(columns: list[str], mapping: Mapping[str, str] | None, source_file: str,
                    preset: Mapping[str, str] | None = None, layout: str = "") -> dict[str, str]:
    """Field → column for a file with ``columns``; raises InputError with the fix in its message.

    ``preset`` columns (the CooRTweet layout, named ``layout`` in messages) must exist. The list
    of columns in a message is clipped: a JSON file read as CSV has one 80 KB "column".
    """
    cols = list(columns)
    listing = clip(", ".join(clip(c, 60) for c in cols), 160)
    out: dict[str, str] = {}
    for k, v in (mapping or {}).items():
        if k not in MAPPABLE_FIELDS:
            raise InputError(f"{source_file}: --map {k}={v}: '{k}' is not a field; fields are: "
                             f"{', '.join(MAPPABLE_FIELDS)}")
        if v not in cols:
            lower = {c.lower(): c for c in cols}
            if v.lower() in lower:
                v = lower[v.lower()]
            else:
                raise InputError(f"{source_file}: --map {k}={v}: no column '{v}'; columns are: {listing}")
        out[k] = v
    lower_cols = {c.lower(): c for c in cols}
    for k, v in (preset or {}).items():
        if k in out:
            continue
        if v.lower() not in lower_cols:
            raise InputError(f"{source_file}: no column '{v}' for the {layout or 'chosen'} format (it has "
                             f"{', '.join(preset.values())}); columns are: {listing}")  # type: ignore[union-attr]
        out[k] = lower_cols[v.lower()]
    used = set(out.values())
    lower = {}
    for c in cols:
        lower.setdefault(c.lower(), c)
    for f in _ORDER:
        if f in out:
            continue
        names = (() if f in _NO_SELF_NAME else (f,)) + ALIASES.get(f, ())
        for name in names:
            col = lower.get(name)
            if col is not None and col not in used:
                out[f] = col
                used.add(col)
                break
    for f in REQUIRED:
        if f not in out:
            raise InputError(f"{source_file}: no column for '{f}'; use --map {f}=COLUMN; columns are: {listing}")
    return out


def unused_columns(columns: list[str], m: Mapping[str, str]) -> tuple[str, ...]:
    """The columns of a file that the mapping ``m`` gives no field (said at the end of ingest)."""
    used = set(m.values())
    return tuple(c for c in columns if c not in used)


def _first_says_unused(chunks: Iterator[Chunk], unused: tuple[str, ...]) -> Iterator[Chunk]:
    first = True
    for c in chunks:
        if first:
            c.unused_columns = unused
            first = False
        yield c


def _reason(field: str, column: str, value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"missing '{field}' (column '{column}' is empty)"
    shown = clip(repr(value), 80)
    return f"time {shown} is not a date" if field == "time" else f"'{field}' {shown} is not valid"


def _inexact(field: str, column: str, value: Any) -> str:
    return (f"'{field}' {clip(repr(value), 40)} (column '{column}') is a floating-point number that cannot hold "
            f"the id exactly; export ids as text or integers")


#: Fields that take a list column as it is; every other field needs plain values.
_LIST_FIELDS = frozenset({"hashtags", "hashtags_raw", "urls", "urls_raw", "mentions", "media"})


def check_column_types(schema: pa.Schema, m: Mapping[str, str], source_file: str) -> None:
    """Raise InputError when a mapped column's type cannot hold its field (a struct or list as
    ``text``, a struct as ``hashtags``): one clear line for the whole file, where Arrow's cast
    failed with a traceback at the first batch."""
    for f, c in m.items():
        t = schema.field(c).type
        if pa.types.is_dictionary(t):
            t = t.value_type
        nested = pa.types.is_nested(t)
        listish = pa.types.is_list(t) or pa.types.is_large_list(t)
        ok = not nested or listish and not pa.types.is_nested(t.value_type) if f in _LIST_FIELDS else not nested
        if not ok:
            raise InputError(f"{source_file}: column '{c}' holds {clip(str(t), 60)} values, which cannot be "
                             f"'{f}'; map '{f}' to a column of text or numbers (--map {f}=COLUMN)")


def convert_table(table: pa.Table, lines: np.ndarray, m: Mapping[str, str], fmt: str, source_file: str,
                  times: TimeParser, default_kind: str | None = None) -> tuple[pa.Table, pa.Table, list[Reject], bool]:
    """Turn one batch of a mapped table into ``(posts, accounts, rejects, naive_time)``.

    ``lines`` holds each row's source line (CSV) or row number (Parquet). Rows without a post id,
    account id or readable time, or with an unknown kind, are rejected with a reason.
    """
    n = table.num_rows

    def col(f: str) -> Any:
        return table[m[f]].combine_chunks() if f in m else None

    pid, pid_inexact = id_column(col("post_id"))
    aid, aid_inexact = id_column(col("account_id"))
    time_raw = col("time")
    time, naive = times.parse(time_raw)
    bad = pc.or_(pc.or_(pc.is_null(pid), pc.is_null(aid)), pc.is_null(time))
    kind = None
    if "kind" in m:
        kraw = pc.utf8_lower(pc.utf8_trim_whitespace(as_string(col("kind"))))
        kind = map_distinct(kraw, lambda k: _KINDS.get(k))
        bad = pc.or_(bad, pc.and_(pc.is_valid(kraw), pc.is_null(kind)))
    bad_np = np.asarray(pc.fill_null(bad, True), dtype=bool)
    rejects: list[Reject] = []
    if bad_np.any():
        idx = np.nonzero(bad_np)[0]
        for i in idx.tolist():
            if pid_inexact[i].as_py():
                why = _inexact("post_id", m["post_id"], col("post_id")[i].as_py())
            elif not pid[i].is_valid:
                why = _reason("post_id", m["post_id"], None)
            elif aid_inexact[i].as_py():
                why = _inexact("account_id", m["account_id"], col("account_id")[i].as_py())
            elif not aid[i].is_valid:
                why = _reason("account_id", m["account_id"], None)
            elif not time[i].is_valid:
                why = _reason("time", m["time"], time_raw[i].as_py())
            else:
                why = (f"kind {clip(repr(table[m['kind']][i].as_py()), 60)} is not one of post, repost, quote, "
                       f"reply, comment, message")
            rejects.append(Reject(source_file, int(lines[i]), why))
        keep = pa.array(~bad_np)
        table = table.filter(keep)
        pid, aid, time = pc.filter(pid, keep), pc.filter(aid, keep), pc.filter(time, keep)
        kind = pc.filter(kind, keep) if kind is not None else None
        lines = lines[~bad_np]
        n = table.num_rows
        # Only the rows kept decide whether zone-less times were read.
        if time_raw is not None and naive:
            _, naive = times.parse(pc.filter(time_raw, keep))

    def s(f: str) -> Any:
        return blank_to_null(as_string(table[m[f]].combine_chunks())) if f in m else None

    def ref_id(f: str) -> Any:
        # An inexact float reference is unknown (null): the post itself is fine.
        return id_column(table[m[f]])[0] if f in m else None

    text = as_string(table[m["text"]].combine_chunks()) if "text" in m else None
    ref, reply_to = ref_id("ref_post_id"), ref_id("reply_to_post_id")
    if kind is None:
        if default_kind is not None:
            kind = pa.array([default_kind] * n, pa.string())
        else:
            kind = pa.array(["post"] * n, pa.string())
            if ref is not None:
                kind = pc.if_else(pc.is_valid(ref), "repost", kind)
            if reply_to is not None:
                kind = pc.if_else(pc.is_valid(reply_to), "reply", kind)
    if reply_to is not None:
        is_reply = pc.equal(kind, "reply")
        ref = pc.if_else(is_reply, pc.coalesce(ref, reply_to) if ref is not None else reply_to,
                         ref if ref is not None else pa.nulls(n, pa.string()))
    posts: dict[str, Any] = {"post_id": pid, "account_id": aid, "time": time, "kind": kind, "text": text,
                             "lang": s("lang"), "ref_post_id": ref, "ref_account_id": ref_id("ref_account_id"),
                             "reply_to_post_id": reply_to, "client": s("client"),
                             "source_line": pa.array(lines, pa.int64()), "source_format": fmt,
                             "source_file": source_file}
    tags = m.get("hashtags") or m.get("hashtags_raw")
    if tags:
        posts["hashtags"], posts["hashtags_raw"] = hashtag_lists(list_from_text(table[tags]))
    elif text is not None:
        posts["hashtags"], posts["hashtags_raw"] = hashtag_lists(python_lists(text, hashtags_in))
    links = m.get("urls") or m.get("urls_raw")
    if links:
        posts["urls"], posts["urls_raw"] = url_lists(list_from_text(table[links]))
    elif text is not None:
        posts["urls"], posts["urls_raw"] = url_lists(python_lists(text, urls_in))
    if "mentions" in m:
        posts["mentions"] = map_list_values(list_from_text(table[m["mentions"]]), lambda v: v.lstrip("@").lower())
    elif text is not None:
        posts["mentions"] = python_lists(text, mentions_in)
    if "media" in m:
        posts["media"] = list_from_text(table[m["media"]])
    for f in ("latitude", "longitude"):
        if f in m:
            posts[f] = to_number(table[m[f]], pa.float64())
    for f in ("like_count", "repost_count", "reply_count", "quote_count"):
        if f in m:
            posts[f] = to_number(table[m[f]], pa.int64())
    post_table = table_of(POST_SCHEMA, posts, n)

    accounts, naive_created = _account_table(table, m, aid, time, times, fmt, source_file)
    return post_table, accounts, rejects, naive or naive_created


def _account_table(table: pa.Table, m: Mapping[str, str], aid: Any, time: Any, times: TimeParser, fmt: str,
                   source_file: str) -> tuple[pa.Table, bool]:
    """The account snapshots of the kept rows of a mapped table, and whether a zone-less account
    creation time was read; an empty table when no account field is mapped."""
    if not any(f in m for f in _ACCOUNT_MAPPABLE if f != "seen_at"):
        return ACCOUNT_SCHEMA.empty_table(), False

    def s(f: str) -> Any:
        return blank_to_null(as_string(table[m[f]].combine_chunks()))

    naive = False
    acc: dict[str, Any] = {"account_id": aid, "source_format": fmt, "source_file": source_file,
                           "seen_at": times.parse(table[m["seen_at"]])[0] if "seen_at" in m else time}
    for f in ("handle", "display_name", "description", "location", "url"):
        if f in m:
            acc[f] = s(f)
    if "handle" in acc:
        acc["handle"] = map_distinct(acc["handle"], lambda h: h.lstrip("@"))
    if "account_lang" in m:
        acc["lang"] = s("account_lang")
    if "created_at" in m:
        acc["created_at"], naive = times.parse(table[m["created_at"]])
    for f in ("followers", "following", "post_count", "likes_given", "listed"):
        if f in m:
            acc[f] = to_number(table[m[f]], pa.int64())
    for f in ("verified", "default_profile", "default_profile_image"):
        if f in m:
            acc[f] = to_bool(table[m[f]].combine_chunks())
    return table_of(ACCOUNT_SCHEMA, acc, table.num_rows), naive  # every snapshot: Regroup keeps the latest


def parse_csv(f: IO[bytes], source_file: str, mapping: Mapping[str, str] | None = None,
              chunk_rows: int = 50_000, fmt: str = "csv",
              reopen: Callable[[], IO[bytes]] | None = None) -> Iterator[Chunk]:
    """Parse a generic posts CSV (or the CooRTweet layout with ``fmt="coortweet"``) into chunks.

    ``f`` is a binary file object at the start of the file (header included); ``reopen``, a way to
    open the file afresh, lets a record longer than 8 MB be rejected and the rest read
    (:func:`~trendtrace.readers._csv.csv_batches`).
    """
    names, header_lines = read_header(f, source_file)
    preset, default_kind = (_COORTWEET_MAP, "repost") if fmt == "coortweet" else (None, None)
    m = resolve_mapping(names, mapping, source_file, preset, fmt)
    yield from _first_says_unused(_csv_chunks(f, source_file, names, header_lines, m, chunk_rows, fmt, reopen,
                                              default_kind), unused_columns(names, m))


def _csv_chunks(f: IO[bytes], source_file: str, names: list[str], header_lines: int, m: Mapping[str, str],
                chunk_rows: int, fmt: str, reopen: Callable[[], IO[bytes]] | None,
                default_kind: str | None) -> Iterator[Chunk]:
    times = TimeParser()
    group = Regroup(chunk_rows)
    try:
        for b in csv_batches(f, source_file, names, header_lines, reopen=reopen):
            if b.table.num_rows:
                posts, accounts, rejects, naive = convert_table(b.table, b.lines, m, fmt, source_file, times,
                                                                default_kind)
            else:
                posts, accounts, rejects, naive = POST_SCHEMA.empty_table(), ACCOUNT_SCHEMA.empty_table(), [], False
            rejects = sorted(b.rejects + rejects, key=lambda r: r.line)
            if group.add(posts, accounts, rejects, b.records, naive):
                yield group.take()
        if group.pending():
            yield group.take()
    finally:
        times.close()


def parse_parquet(pf: pq.ParquetFile, source_file: str, mapping: Mapping[str, str] | None = None,
                  chunk_rows: int = 50_000, fmt: str = "parquet") -> Iterator[Chunk]:
    """Parse a Parquet file of posts (generic mapping, or CooRTweet with ``fmt="coortweet"``)."""
    names = pf.schema_arrow.names
    preset, default_kind = (_COORTWEET_MAP, "repost") if fmt == "coortweet" else (None, None)
    m = resolve_mapping(names, mapping, source_file, preset, fmt)
    check_column_types(pf.schema_arrow, m, source_file)
    yield from _first_says_unused(_parquet_chunks(pf, source_file, names, m, chunk_rows, fmt, default_kind),
                                  unused_columns(names, m))


def _parquet_chunks(pf: pq.ParquetFile, source_file: str, names: list[str], m: Mapping[str, str],
                    chunk_rows: int, fmt: str, default_kind: str | None) -> Iterator[Chunk]:
    needed = sorted(set(m.values()), key=names.index)
    times = TimeParser()
    group = Regroup(chunk_rows)
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=needed):
            table = pa.Table.from_batches([batch])
            lines = np.arange(row + 1, row + 1 + table.num_rows, dtype=np.int64)
            row += table.num_rows
            posts, accounts, rejects, naive = convert_table(table, lines, m, fmt, source_file, times, default_kind)
            if group.add(posts, accounts, rejects, table.num_rows, naive):
                yield group.take()
        if group.pending():
            yield group.take()
    finally:
        times.close()


def _open_parquet(path: str | os.PathLike[str]) -> pq.ParquetFile:
    name = str(path)
    check_path(path)
    with open(name, "rb") as raw:
        if compression_of(raw.read(4)):
            raise InputError(f"{name}: a compressed Parquet file; decompress it first (Parquet compresses its "
                             f"own pages)")
    with open_input(path) as f:
        if f.read(4) != PARQUET_MAGIC:
            raise InputError(f"{name}: not a Parquet file (it does not start with 'PAR1'); use --format csv or "
                             f"--format auto")
    try:
        return pq.ParquetFile(name)
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{name}: damaged Parquet file ({str(e).splitlines()[0]})") from None


def _is_parquet(path: str | os.PathLike[str]) -> bool:
    with open_input(path) as f:
        return f.read(4) == PARQUET_MAGIC


def read_csv(path: str | os.PathLike[str], mapping: Mapping[str, str] | None = None,
             chunk_rows: int = 50_000, fmt: str = "csv") -> Iterator[Chunk]:
    """Open ``path`` (plain, .gz or .zst) and :func:`parse_csv` it."""
    name = str(path)
    if _is_parquet(path):
        raise InputError(f"{name}: a Parquet file, not CSV; use --format parquet (or auto)")
    f = open_input(path)
    try:
        yield from _guard(parse_csv(f, name, mapping, chunk_rows, fmt, lambda: open_input(path)), f, name)
    finally:
        f.close()


def read_parquet(path: str | os.PathLike[str], mapping: Mapping[str, str] | None = None,
                 chunk_rows: int = 50_000, fmt: str = "parquet") -> Iterator[Chunk]:
    """Open a Parquet file and :func:`parse_parquet` it."""
    pf = _open_parquet(path)
    try:
        yield from parse_parquet(pf, str(path), mapping, chunk_rows, fmt)
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{path}: damaged Parquet file ({str(e).splitlines()[0]})") from None


def read_coortweet(path: str | os.PathLike[str], mapping: Mapping[str, str] | None = None,
                   chunk_rows: int = 50_000) -> Iterator[Chunk]:
    """The CooRTweet layout from a CSV (plain, .gz, .zst) or Parquet file."""
    if _is_parquet(path):
        yield from read_parquet(path, mapping, chunk_rows, "coortweet")
    else:
        yield from read_csv(path, mapping, chunk_rows, "coortweet")


def _guard(chunks: Iterator[Chunk], f: IO[bytes], name: str) -> Iterator[Chunk]:
    """Re-raise decompression damage (which pyarrow wraps) as the clear InputError."""
    try:
        yield from chunks
    except InputError:
        raise
    except Exception as e:
        err = getattr(getattr(f, "raw", None), "error", None)
        if err is not None:
            raise err from None
        if isinstance(e, (pa.ArrowInvalid, pa.ArrowException)):
            raise InputError(f"{name}: cannot read as CSV ({str(e).splitlines()[0]})") from None
        raise
