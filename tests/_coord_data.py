"""Helpers for the coordination tests: posts as Arrow tables in an in-memory DuckDB, and a
brute-force O(n²) oracle of co-action counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from collections.abc import Iterable
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa

from trendtrace.coordination import textsim
from trendtrace.coordination.traces import MIN_SEQUENCE, MIN_TEXT_CHARS, normalize_text
from trendtrace.model import POST_SCHEMA

BASE = dt.datetime(2024, 3, 1, 12, 0, 0)


def post(pid: str, acc: str, sec: float, kind: str = "post", text: str = "", ref: str | None = None,
         reply: str | None = None, tags: Iterable[str] = (), urls: Iterable[str] = (),
         mentions: Iterable[str] = (), source_file: str = "f.jsonl", media: Iterable[str] = ()) -> dict[str, Any]:
    row: dict[str, Any] = {n: None for n in POST_SCHEMA.names}
    row.update(
        post_id=pid, account_id=acc, time=BASE + dt.timedelta(seconds=sec), kind=kind, text=text,
        ref_post_id=ref if ref is not None else reply, reply_to_post_id=reply,
        hashtags=list(tags), hashtags_raw=list(tags), urls=list(urls), urls_raw=list(urls),
        mentions=list(mentions), media=list(media), source_file=source_file,
    )
    return row


def store(rows: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("_rows", pa.Table.from_pylist(rows, schema=POST_SCHEMA))
    con.execute("CREATE TABLE posts AS SELECT * FROM _rows")
    con.unregister("_rows")
    return con


def oracle(rows: list[dict[str, Any]], traces: list[str], window: int, window_hashtag: int,
           similarity: float, window_slow: int | None = None, obscure: int = 10) -> Counter:
    """Co-action counts by comparing every pair of posts (no buckets, no MinHash).

    ``slow_retweet``: reposts of posts that at most ``obscure`` distinct accounts reposted, at most
    ``window_slow`` (default ``window``) apart."""
    reposters: dict[Any, set] = {}
    for r in rows:
        if r["kind"] == "repost" and r["ref_post_id"]:
            reposters.setdefault(r["ref_post_id"], set()).add(r["account_id"])
    acts: list[tuple[str, Any, str, int, str]] = []
    for r in rows:
        t = int((r["time"] - dt.datetime(1970, 1, 1)).total_seconds())
        own = r["kind"] != "repost"
        ntext = normalize_text(r["text"])
        for tr in traces:
            if (tr == "retweet" and r["kind"] == "repost" and r["ref_post_id"]
                    or (tr == "slow_retweet" and r["kind"] == "repost" and r["ref_post_id"]
                        and len(reposters[r["ref_post_id"]]) <= obscure)
                    or tr == "quote" and r["kind"] == "quote" and r["ref_post_id"]):
                acts.append((tr, r["ref_post_id"], r["account_id"], t, ""))
            elif tr == "reply" and r["reply_to_post_id"]:
                acts.append((tr, r["reply_to_post_id"], r["account_id"], t, ""))
            elif tr in ("tweet", "similar") and own and len(ntext) >= MIN_TEXT_CHARS:
                acts.append((tr, ntext if tr == "tweet" else None, r["account_id"], t, ntext))
            elif tr == "link" and own:
                acts.extend((tr, u, r["account_id"], t, "") for u in set(r["urls"]) if u)
            elif tr == "domain" and own:
                hosts = {urlsplit(u).netloc for u in r["urls"] if u}
                acts.extend((tr, h, r["account_id"], t, "") for h in hosts if h)
            elif tr == "hashtag" and own:
                acts.extend((tr, h, r["account_id"], t, "") for h in set(r["hashtags"]) if h)
            elif tr == "mention" and own:
                acts.extend((tr, m, r["account_id"], t, "") for m in set(r["mentions"]) if m)
            elif tr == "media" and own:
                acts.extend((tr, m, r["account_id"], t, "") for m in set(r["media"] or []) if m)
            elif tr == "hashtag_sequence" and own and len(r["hashtags"]) >= MIN_SEQUENCE:
                acts.append((tr, " ".join(r["hashtags"]), r["account_id"], t, ""))
    out: Counter = Counter()
    for i in range(len(acts)):
        for j in range(i + 1, len(acts)):
            a, b = acts[i], acts[j]
            if a[0] != b[0] or a[2] == b[2]:
                continue
            w = window_hashtag if a[0] == "hashtag" else (
                (window if window_slow is None else window_slow) if a[0] == "slow_retweet" else window)
            if abs(a[3] - b[3]) > w:
                continue
            if a[0] == "similar":
                if a[4] == b[4] or textsim.jaccard(a[4], b[4]) < similarity:
                    continue
            elif a[1] != b[1]:
                continue
            out[(a[0], min(a[2], b[2]), max(a[2], b[2]))] += 1
    return out
