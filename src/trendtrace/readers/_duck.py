"""Fast paths for the two big formats: DuckDB's multi-threaded C++ readers parse, Python only maps.

X API v2 pages (:func:`fast_x_v2`) and the information-operations archive (:func:`fast_io_archive`)
are first loaded into a private in-memory DuckDB (memory-limited, spilling to a temporary
directory, so memory stays bounded whatever the file size) and *validated*; only when every check
passes are chunks handed out. Any problem DuckDB reports (malformed JSON, non-UTF-8 bytes, a ragged
CSV row, a compressed stream that ends early) or any record the fast path cannot map exactly (a
tweet without ``id``/``author_id``/``created_at``, a time not in the API's ``...Z`` shape, a line
that is not a page, blank lines in a CSV) makes the fast path return ``None`` and the caller runs
the pure Python parser on that file, which is the reference and words every reject with its line.

Semantics equal the pure parser reading the whole file as *one* chunk: a post id is kept once
(the first ``data`` copy, else the first ``includes`` copy; within a page the last duplicate in
``includes.tweets``), an account keeps its latest snapshot (ties: the first; all unknown: the last).
Hashtag / URL normalisation and time parsing run the very same Python / Arrow functions as the pure
parser (:func:`~trendtrace.model.normalize_hashtag` once per distinct value per batch).

Line numbers: JSON lines are read as one-column CSV text (``\\x01`` delimiter, no quoting; blank
lines come through as NULL rows) into a table whose ``rowid`` is the physical line - 1. For the
archive CSV a record's start line is counted as the pure reader does (1 + newlines inside values),
and the file's own newline count must agree, else the file falls back (blank lines).

Known differences (documented in docs/formats.md): a JSON number or boolean where X sends a
string (an id as ``123``) is converted by DuckDB (``true`` → ``'true'``; Python gives ``'True'``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Iterator

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, Chunk, normalize_hashtag, normalize_url
from trendtrace.readers._columns import map_list_values
from trendtrace.readers._io import compression_of
from trendtrace.readers._rows import iso_times

__all__ = ["fast_x_v2", "fast_io_archive", "MEMORY_LIMIT"]

log = logging.getLogger("trendtrace.readers")

#: DuckDB memory cap for one fast read; beyond it DuckDB spills to a temporary directory.
MEMORY_LIMIT = "768MB"
_LIST = pa.list_(pa.string())
# The shape the X API writes; anything else goes to the pure parser (exact Arrow/ISO parsing).
_API_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"

_TWEET = {
    "id": "VARCHAR", "author_id": "VARCHAR", "author": {"id": "VARCHAR"}, "created_at": "VARCHAR",
    "text": "VARCHAR", "lang": "VARCHAR", "source": "VARCHAR", "in_reply_to_user_id": "VARCHAR",
    "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR", "author_id": "VARCHAR"}],
    "entities": {"hashtags": [{"tag": "VARCHAR"}],
                 "urls": [{"url": "VARCHAR", "expanded_url": "VARCHAR", "unwound_url": "VARCHAR"}],
                 "mentions": [{"username": "VARCHAR"}], "cashtags": "JSON", "annotations": "JSON"},
    "attachments": {"media_keys": ["VARCHAR"]},
    "geo": {"coordinates": {"type": "VARCHAR", "coordinates": ["DOUBLE"]}},
    "public_metrics": {"like_count": "BIGINT", "retweet_count": "BIGINT", "reply_count": "BIGINT",
                       "quote_count": "BIGINT"},
}
_USER = {
    "id": "VARCHAR", "username": "VARCHAR", "name": "VARCHAR", "description": "VARCHAR", "location": "VARCHAR",
    "url": "VARCHAR", "created_at": "VARCHAR", "verified": "BOOLEAN", "profile_image_url": "VARCHAR",
    "entities": {"url": {"urls": [{"url": "VARCHAR", "expanded_url": "VARCHAR"}]}},
    "public_metrics": {"followers_count": "BIGINT", "following_count": "BIGINT", "tweet_count": "BIGINT"},
}
_PAGE = {
    "data": [_TWEET], "includes": {"tweets": [_TWEET], "users": [_USER]}, "meta": "JSON", "errors": "JSON",
    "__twarc": {"retrieved_at": "VARCHAR"}, "id": "JSON", "author_id": "JSON", "author": "JSON",
}


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")  # rowid = physical line - 1 relies on it
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/trendtrace-duckdb-{os.getpid()}'")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def _compression(path: str) -> str:
    with open(path, "rb") as f:
        kind = compression_of(f.read(4))
    return {"gz": "gzip", "zst": "zstd"}.get(kind or "", "none")


def _first_line(path: str) -> bytes:
    from trendtrace.readers._io import open_input

    with open_input(path) as f:
        for line in f:
            if line.strip():
                return line
    return b""


# ----------------------------------------------------------------------------------------- X v2

_LOAD_LINES = """
CREATE TEMP TABLE lines AS
SELECT line FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '',
                          header = false, auto_detect = false, new_line = '\\n', compression = $comp,
                          max_line_size = 64000000)
"""

_PAGES = """
CREATE TEMP TABLE pages AS
SELECT ln, j, CASE WHEN j.data IS NOT NULL OR j.includes IS NOT NULL THEN 'page'
                   WHEN j.id IS NOT NULL OR j.author_id IS NOT NULL OR j.author IS NOT NULL THEN 'flat'
                   WHEN j.meta IS NOT NULL OR j.errors IS NOT NULL THEN 'empty' ELSE 'other' END AS what,
       j.data IS NULL AND strpos(line, '"data"') > 0 AS odd_data
FROM (SELECT rowid + 1 AS ln, line, from_json(line, $shape) AS j FROM lines
      WHERE line IS NOT NULL AND trim(line, ' \t\r\x0b\x0c') <> '')
"""

# Every count must be 0 for the fast path to be exact; otherwise the pure parser reads the file.
_CHECKS = f"""
WITH d AS (SELECT unnest(j.data) AS t FROM pages WHERE what = 'page'),
     i AS (SELECT unnest(j.includes.tweets) AS t FROM pages WHERE what = 'page'),
     u AS (SELECT unnest(j.includes.users) AS u FROM pages WHERE what = 'page')
SELECT
  (SELECT count(*) FROM pages WHERE what IN ('flat', 'other') OR odd_data
      OR (ln = 1 AND (SELECT starts_with(line, chr(65279)) FROM lines WHERE rowid = 0))),
  (SELECT count(*) FROM d WHERE t IS NULL OR t.id IS NULL OR t.id = ''
      OR coalesce(t.author_id, t.author.id) IS NULL OR t.created_at IS NULL
      OR NOT regexp_full_match(t.created_at, '{_API_TIME}')
      OR list_count(t.attachments.media_keys) <> len(t.attachments.media_keys)
      OR len(list_filter(t.referenced_tweets, lambda r: r.author_id IS NOT NULL)) > 0),
  (SELECT count(*) FROM i WHERE t.id IS NOT NULL AND t.id <> '' AND coalesce(t.author_id, t.author.id) IS NOT NULL
      AND t.created_at IS NOT NULL AND (NOT regexp_full_match(t.created_at, '{_API_TIME}')
      OR list_count(t.attachments.media_keys) <> len(t.attachments.media_keys)
      OR len(list_filter(t.referenced_tweets, lambda r: r.author_id IS NOT NULL)) > 0)),
  (SELECT count(*) FROM u WHERE len(u.entities.url.urls) > 1),
  (SELECT count(*) FROM pages)
"""

_CANDIDATES = """
CREATE TEMP TABLE cand AS
WITH d AS (
    SELECT ln, 0 AS sec, generate_subscripts(j.data, 1) AS pos, unnest(j.data) AS t FROM pages WHERE what = 'page'
), c AS (
    SELECT * FROM d
    UNION ALL
    SELECT ln, 1 AS sec, pos, t FROM pages_inc
    WHERE t.id <> '' AND coalesce(t.author_id, t.author.id) IS NOT NULL AND t.created_at IS NOT NULL
)
SELECT * FROM c QUALIFY row_number() OVER (PARTITION BY t.id ORDER BY sec, ln, pos) = 1
"""

_POSTS = """
WITH r AS (
    SELECT ln, t,
        list_last(list_filter(t.referenced_tweets, lambda x: x.type = 'retweeted')) AS rt,
        list_last(list_filter(t.referenced_tweets, lambda x: x.type = 'quoted')) AS qt,
        list_last(list_filter(t.referenced_tweets, lambda x: x.type = 'replied_to')) AS rp
    FROM cand
), k AS (
    SELECT *, coalesce(rt, qt, rp) AS use,
        CASE WHEN rt IS NOT NULL THEN 'repost' WHEN qt IS NOT NULL THEN 'quote' WHEN rp IS NOT NULL THEN 'reply'
             WHEN coalesce(len(t.referenced_tweets), 0) = 0 AND t.in_reply_to_user_id IS NOT NULL THEN 'reply'
             ELSE 'post' END AS kind
    FROM r
), x AS (
    SELECT k.*, nullif(use.id, '') AS ref, il.t AS ref_t FROM k
    LEFT JOIN (SELECT ln, t FROM pages_inc) il ON il.ln = k.ln AND il.t.id = nullif(k.use.id, '')
), y AS (
    SELECT *,
        CASE WHEN use IS NOT NULL THEN nullif(ref_t.author_id, '') END AS ref_acc0,
        CASE WHEN kind = 'repost' AND ref_t IS NOT NULL AND (ref_t.entities.hashtags IS NOT NULL
                  OR ref_t.entities.urls IS NOT NULL OR ref_t.entities.mentions IS NOT NULL
                  OR ref_t.entities.cashtags IS NOT NULL OR ref_t.entities.annotations IS NOT NULL)
             THEN ref_t.entities ELSE t.entities END AS tag_ent
    FROM x
)
SELECT t.id AS post_id, coalesce(t.author_id, t.author.id) AS account_id, t.created_at AS time, kind,
    t.text AS text, t.lang AS lang, ref AS ref_post_id,
    CASE WHEN ref_acc0 IS NULL AND kind = 'reply' THEN nullif(t.in_reply_to_user_id, '') ELSE ref_acc0 END
        AS ref_account_id,
    nullif(rp.id, '') AS reply_to_post_id,
    coalesce([h.tag FOR h IN tag_ent.hashtags IF h.tag <> ''], []) AS hashtags_raw,
    coalesce([v FOR v IN [coalesce(nullif(u.unwound_url, ''), nullif(u.expanded_url, ''), nullif(u.url, ''))
              FOR u IN tag_ent.urls] IF v IS NOT NULL], []) AS urls_raw,
    coalesce([m.username FOR m IN t.entities.mentions IF m.username <> ''], []) AS mentions,
    coalesce(t.attachments.media_keys, []) AS media,
    t.source AS client,
    CASE WHEN t.geo.coordinates.type = 'Point' AND len(t.geo.coordinates.coordinates) >= 2
              AND t.geo.coordinates.coordinates[1] IS NOT NULL AND t.geo.coordinates.coordinates[2] IS NOT NULL
         THEN t.geo.coordinates.coordinates[2] END AS latitude,
    CASE WHEN t.geo.coordinates.type = 'Point' AND len(t.geo.coordinates.coordinates) >= 2
              AND t.geo.coordinates.coordinates[1] IS NOT NULL AND t.geo.coordinates.coordinates[2] IS NOT NULL
         THEN t.geo.coordinates.coordinates[1] END AS longitude,
    t.public_metrics.like_count AS like_count, t.public_metrics.retweet_count AS repost_count,
    t.public_metrics.reply_count AS reply_count, t.public_metrics.quote_count AS quote_count,
    ln AS source_line
FROM y
"""

_ACCOUNTS = """
WITH p AS (
    SELECT ln, j.includes.users AS users,
        coalesce(j.__twarc.retrieved_at, list_max([t.created_at FOR t IN j.data IF t.created_at IS NOT NULL]))
            AS seen
    FROM pages WHERE what = 'page' AND j.includes.users IS NOT NULL
), u AS (
    SELECT ln, seen, generate_subscripts(users, 1) AS pos, unnest(users) AS u FROM p
), k AS (
    SELECT * FROM u WHERE u.id IS NOT NULL AND u.id <> ''
    QUALIFY row_number() OVER (PARTITION BY u.id ORDER BY seen DESC NULLS LAST,
        CASE WHEN seen IS NULL THEN -ln ELSE ln END, CASE WHEN seen IS NULL THEN -pos ELSE pos END) = 1
)
SELECT u.id AS account_id, u.username AS handle, u.name AS display_name, u.description AS description,
    u.location AS location,
    CASE WHEN nullif(u.url, '') IS NOT NULL AND u.entities.url.urls[1].url = u.url
              AND nullif(u.entities.url.urls[1].expanded_url, '') IS NOT NULL
         THEN u.entities.url.urls[1].expanded_url ELSE nullif(u.url, '') END AS url,
    NULL::VARCHAR AS lang, u.created_at AS created_at,
    u.public_metrics.followers_count AS followers, u.public_metrics.following_count AS following,
    u.public_metrics.tweet_count AS post_count, u.verified AS verified, NULL::BOOLEAN AS default_profile,
    contains(u.profile_image_url, 'default_profile_images') AS default_profile_image,
    seen AS seen_at
FROM k
"""


class _Fallback(Exception):
    """The fast path cannot read this file exactly; the pure parser will."""


def fast_x_v2(path: str, chunk_rows: int = 50_000) -> Iterator[Chunk] | None:
    """Chunks of an X API v2 page file read by DuckDB, or ``None`` when the pure parser must read it.

    Parameters
    ----------
    path : str
        A regular file: plain, gzip or Zstandard JSON lines of twarc2 response pages.
    chunk_rows : int
        Posts per chunk (default 50,000).

    Returns
    -------
    iterator of Chunk, or None
        ``None`` for flattened files, files with any line the fast path cannot map exactly, and
        anything DuckDB refuses; nothing has been yielded then. Otherwise chunks as
        :func:`~trendtrace.readers.x_v2.parse_x_v2` would give reading the file as one chunk.
    """
    try:
        first = _first_line(path)
        obj = orjson.loads(first)
        if not isinstance(obj, dict) or not ("data" in obj or "includes" in obj):
            return None  # flattened tweets or something odd: the pure parser's job
    except Exception:  # noqa: BLE001 - any trouble means "let the reference parser decide"
        return None
    con = _connect()
    try:
        con.execute(_LOAD_LINES, {"path": path, "comp": _compression(path)})
        con.execute(_PAGES, {"shape": orjson.dumps(_PAGE).decode()})
        bad_lines, bad_data, bad_inc, bad_users, records = con.execute(_CHECKS).fetchone()  # type: ignore[misc]
        if bad_lines or bad_data or bad_inc or bad_users:
            log.debug("%s: fast x-v2 path declined (%s, %s, %s, %s)", path, bad_lines, bad_data, bad_inc, bad_users)
            con.close()
            return None
        con.execute("DROP TABLE lines")
        # includes.tweets as the pure parser's dict by id: the last duplicate on a page wins.
        con.execute(
            "CREATE TEMP TABLE pages_inc AS SELECT ln, pos, t FROM ("
            " SELECT ln, generate_subscripts(j.includes.tweets, 1) AS pos, unnest(j.includes.tweets) AS t"
            " FROM pages WHERE what = 'page') WHERE t.id IS NOT NULL"
            " QUALIFY row_number() OVER (PARTITION BY ln, t.id ORDER BY pos DESC) = 1")
        con.execute(_CANDIDATES)
    except duckdb.Error as e:
        log.debug("%s: fast x-v2 path declined: %s", path, str(e).splitlines()[0])
        con.close()
        return None
    return _x_v2_chunks(con, path, chunk_rows, int(records))


def _x_v2_chunks(con: duckdb.DuckDBPyConnection, path: str, chunk_rows: int, records: int) -> Iterator[Chunk]:
    try:
        accounts = _accounts_table(con.sql(_ACCOUNTS).to_arrow_table(), path)
        naive = accounts[1]
        reader = con.sql(_POSTS).to_arrow_reader(chunk_rows)
        first = True
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            posts = _posts_table(batch, path)
            yield Chunk(posts=posts, accounts=accounts[0] if first else ACCOUNT_SCHEMA.empty_table(),
                        rejects=[], naive_time=naive if first else False, records=records if first else 0)
            first = False
        if first:
            yield Chunk(posts=POST_SCHEMA.empty_table(), accounts=accounts[0], rejects=[], naive_time=naive,
                        records=records)
    finally:
        con.close()


def _posts_table(batch: pa.RecordBatch, path: str) -> pa.Table:
    n = batch.num_rows
    cols = {name: batch.column(name) for name in batch.schema.names}
    time, _ = iso_times(cols["time"].cast(pa.string()))
    hashtags_raw = cols["hashtags_raw"].cast(_LIST)
    urls_raw = cols["urls_raw"].cast(_LIST)
    arrays = []
    for f in POST_SCHEMA:
        name = f.name
        if name == "time":
            v = time
        elif name == "hashtags":
            v = map_list_values(hashtags_raw, normalize_hashtag)
        elif name == "urls":
            v = map_list_values(urls_raw, normalize_url)
        elif name == "mentions":
            v = map_list_values(cols["mentions"].cast(_LIST), str.lower)
        elif name == "source_format":
            v = pa.array(["x-v2"] * n, pa.string())
        elif name == "source_file":
            v = pa.array([path] * n, pa.string())
        else:
            v = cols[name]
            if v.type != f.type:
                v = v.cast(f.type)
        arrays.append(v)
    return pa.Table.from_arrays(arrays, schema=POST_SCHEMA)


def _accounts_table(t: pa.Table, path: str) -> tuple[pa.Table, bool]:
    n = t.num_rows
    created, naive1 = iso_times(t["created_at"].combine_chunks().cast(pa.string()))
    seen, naive2 = iso_times(t["seen_at"].combine_chunks().cast(pa.string()))
    arrays = []
    for f in ACCOUNT_SCHEMA:
        if f.name == "created_at":
            v = created
        elif f.name == "seen_at":
            v = seen
        elif f.name == "source_format":
            v = pa.array(["x-v2"] * n, pa.string())
        elif f.name == "source_file":
            v = pa.array([path] * n, pa.string())
        else:
            v = t[f.name].combine_chunks()
            if v.type != f.type:
                v = v.cast(f.type)
        arrays.append(v)
    return pa.Table.from_arrays(arrays, schema=ACCOUNT_SCHEMA), naive1 or naive2


def fast_io_archive(path: str, chunk_rows: int = 50_000) -> Iterator[Chunk] | None:  # filled in below
    return None
