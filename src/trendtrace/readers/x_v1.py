"""X (Twitter) API v1.1 JSON lines: one status object per line (streaming API, Hydrator, twarc1).

Mapping to the post schema (see ``docs/formats.md``):

- ``id_str`` (else ``id``), ``user.id_str``, ``created_at`` (``Wed Oct 10 20:19:24 +0000 2018``).
- text: ``extended_tweet.full_text`` when the status is ``truncated``, else ``full_text``, else
  ``text``; entities from ``extended_tweet.entities`` in the same case.
- kind: ``retweeted_status`` → repost (hashtags and URLs from the retweeted status, whose text is
  complete), ``quoted_status`` / ``quoted_status_id_str`` → quote,
  ``in_reply_to_status_id_str`` → reply.
- ``retweeted_status`` and ``quoted_status`` are posts of their own, with their ``user`` as an
  account snapshot (``seen_at`` = the outer status's time). Within a chunk each post is emitted
  once, the outermost copy preferred.
- client: the text of the HTML ``source`` (``<a href="...">Twitter for Android</a>``).
- Stream notices (``delete``, ``limit``, ``scrub_geo``, ``status_withheld``...) are not posts:
  skipped without a reject and counted in the log.
"""

from __future__ import annotations

import html
import logging
import os
import re
from typing import Any
from collections.abc import Iterable, Iterator

from trendtrace.model import Chunk, clip
from trendtrace.readers._io import open_input
from trendtrace.readers._jsonl import (BadRecord, id_text, json_records, kind_of, obj, objs, strict_obj, text_or_none,
                                      texts)
from trendtrace.readers._rows import RowBuffer, gc_paused, v1_times
import contextlib

__all__ = ["parse_x_v1", "read_x_v1", "STREAM_NOTICES"]

log = logging.getLogger(__name__)

#: Top-level keys of v1.1 streaming messages that are not statuses.
STREAM_NOTICES = frozenset({"delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "disconnect",
                            "warning", "event", "friends", "direct_message", "control"})
_EMPTY: dict[str, Any] = {}
_TAG = re.compile(r"<[^>]*>")


def _sid(v: Any, name: str) -> str | None:
    if type(v) is str:
        return v or None
    return id_text(v, name)


#: Statuses nested deeper than this (a retweet of a quote is 2) make the record a reject: real
#: data never goes past 2, and reading a hostile 1,000-deep chain recursed past Python's limit.
MAX_NESTING = 5


def _depth(t: dict[str, Any]) -> int:
    """How deep ``retweeted_status`` / ``quoted_status`` objects nest in ``t`` (0: none), counted
    without recursion and only up to MAX_NESTING + 1."""
    level, frontier = 0, [t]
    while frontier and level <= MAX_NESTING:
        frontier = [n for x in frontier for n in (x.get("retweeted_status"), x.get("quoted_status"))
                    if type(n) is dict]
        if frontier:
            level += 1
    return level


def _str(v: Any) -> str | None:
    return v if type(v) is str else None


_client_cache: dict[str, str] = {}


def client_name(source: Any) -> str | None:
    """``<a href="...">Twitter for Android</a>`` → ``Twitter for Android``; plain text kept."""
    if not isinstance(source, str) or not source:
        return None
    c = _client_cache.get(source)
    if c is None:
        c = html.unescape(_TAG.sub("", source)).strip() if "<" in source else source
        if len(_client_cache) < 10_000:
            _client_cache[source] = c
    return c


def _status(t: dict[str, Any], lineno: int, buf: RowBuffer, primary: bool, seen: str | None) -> str | None:
    """Add one status (and its nested ones) as posts; return None, or the reason it cannot be read.

    A field of the wrong JSON shape raises :class:`BadRecord` before this status's post is added;
    in a nested status it drops that nested status only (it is context, like a missing field).
    """
    pid = _sid(t.get("id_str"), "id_str") or _sid(t.get("id"), "id")
    if pid is None:
        return "missing 'id_str'"
    user = t.get("user")
    if not isinstance(user, dict):
        return "missing 'user'" if user is None else f"'user' is {kind_of(user)}, not an object"
    aid = _sid(user.get("id_str"), "user.id_str") or _sid(user.get("id"), "user.id")
    if aid is None:
        return "missing 'user.id_str'"
    ca = t.get("created_at")
    if ca is None:
        return "missing 'created_at'"
    if type(ca) is not str:
        return f"time {clip(repr(ca), 80)} is not a date"
    if buf.keeps(pid, primary, lineno):
        return None  # already kept in this chunk (a much-retweeted original)
    if seen is None:
        seen = ca  # nested statuses: their users are snapshots as of the outer status

    ext = strict_obj(t.get("extended_tweet"), "extended_tweet") if t.get("truncated") else None
    if ext:
        text = ext.get("full_text") or t.get("full_text") or t.get("text")
        ent = strict_obj(ext.get("entities"), "extended_tweet.entities") or strict_obj(t.get("entities"), "entities")
    else:
        text = t.get("full_text") or t.get("text")
        ent = strict_obj(t.get("entities"), "entities")
    if text is not None and type(text) is not str:
        # Checked here, not only with the column, so that a rejected record leaves no nested post.
        raise BadRecord(f"'text' is {kind_of(text)}, not text")

    kind = "post"
    ref = ref_acc = reply_to = None
    tag_ent = ent
    rts = t.get("retweeted_status")
    qs = t.get("quoted_status")
    if isinstance(rts, dict):
        kind = "repost"
        ref = _sid(rts.get("id_str"), "retweeted_status.id_str") or _sid(rts.get("id"), "retweeted_status.id")
        ref_acc = _sid(obj(rts.get("user")).get("id_str"), "retweeted_status.user.id_str")
        rext = obj(rts.get("extended_tweet")) if rts.get("truncated") else None
        tag_ent = obj(rext.get("entities") if rext else None) or obj(rts.get("entities")) or ent
    elif isinstance(qs, dict) or t.get("quoted_status_id_str"):
        kind = "quote"
        if isinstance(qs, dict):
            ref = _sid(qs.get("id_str"), "quoted_status.id_str") or _sid(qs.get("id"), "quoted_status.id")
            ref_acc = _sid(obj(qs.get("user")).get("id_str"), "quoted_status.user.id_str")
        if ref is None:
            ref = _sid(t.get("quoted_status_id_str"), "quoted_status_id_str")
    reply = _sid(t.get("in_reply_to_status_id_str"), "in_reply_to_status_id_str") or \
        _sid(t.get("in_reply_to_status_id"), "in_reply_to_status_id")
    if reply is not None:
        reply_to = reply
        if kind == "post":
            kind = "reply"
            ref = reply
            ref_acc = _sid(t.get("in_reply_to_user_id_str"), "in_reply_to_user_id_str") or \
                _sid(t.get("in_reply_to_user_id"), "in_reply_to_user_id")

    hashtags_raw = texts(objs(tag_ent.get("hashtags"), "entities.hashtags"), "text", "entities.hashtags")
    urls_raw = []
    for u in objs(tag_ent.get("urls"), "entities.urls"):
        v = u.get("expanded_url") or u.get("url")
        if type(v) is str:
            if v:
                urls_raw.append(v)
        elif v:
            raise BadRecord(f"'entities.urls' holds a link that is {kind_of(v)}, not text")
    mentions = [m.lower() for m in texts(objs(ent.get("user_mentions"), "entities.user_mentions"), "screen_name",
                                         "entities.user_mentions")]
    media = []
    for m in objs(strict_obj((ext or t).get("extended_entities"), "extended_entities").get("media"),
                  "extended_entities.media"):
        v = _sid(m.get("id_str"), "extended_entities.media.id_str") or m.get("media_url_https")
        if type(v) is str and v:
            media.append(v)
    lat = lon = None
    co = t.get("coordinates")
    if isinstance(co, dict):
        try:
            lon, lat = float(co["coordinates"][0]), float(co["coordinates"][1])
        except (KeyError, IndexError, TypeError, ValueError, OverflowError):
            lat = lon = None
    buf.add_post(
        (pid, aid, ca, kind, text, t.get("lang"), ref, ref_acc, reply_to, None, hashtags_raw, None,
         urls_raw, mentions, media, client_name(t.get("source")), lat, lon, t.get("favorite_count"),
         t.get("retweet_count"), t.get("reply_count"), t.get("quote_count"), lineno),
        primary,
    )
    _account(user, aid, seen, buf)
    # Nested statuses are real posts of other accounts; their users are snapshots as of `seen`.
    for nested in (rts, qs):
        if isinstance(nested, dict):
            with contextlib.suppress(BadRecord):
                _status(nested, lineno, buf, False, seen)
    return None


def _account(u: dict[str, Any], aid: str, seen: str | None, buf: RowBuffer) -> None:
    """The user's snapshot; lenient (a field of the wrong type is unknown), as it is context."""
    url = u.get("url") or None
    if url:
        entries = obj(obj(u.get("entities")).get("url")).get("urls")
        for e in entries if type(entries) is list else ():
            if type(e) is dict and e.get("url") == url and e.get("expanded_url"):
                url = e["expanded_url"]
    buf.add_account(
        (aid, text_or_none(u.get("screen_name")), text_or_none(u.get("name")), u.get("description"),
         u.get("location"), url, u.get("lang"), _str(u.get("created_at")), u.get("followers_count"),
         u.get("friends_count"), u.get("statuses_count"), u.get("favourites_count"), u.get("listed_count"),
         u.get("verified"), u.get("default_profile"), u.get("default_profile_image"), seen)
    )


def parse_x_v1(lines: Iterable[bytes], source_file: str, chunk_rows: int = 50_000) -> Iterator[Chunk]:
    """Parse X API v1.1 JSON lines into chunks.

    Parameters
    ----------
    lines : iterable of bytes
        The file's lines (a binary file object works).
    source_file : str
        Recorded in ``source_file`` and in reject messages.
    chunk_rows : int
        A chunk is handed out once it holds at least this many posts (default 50,000).

    Yields
    ------
    Chunk
        Posts (nested retweeted / quoted statuses included), accounts, and rejects with their
        physical line numbers. Stream notices are skipped, not rejected.
    """
    return gc_paused(_parse_x_v1(lines, source_file, chunk_rows))


def _parse_x_v1(lines: Iterable[bytes], source_file: str, chunk_rows: int) -> Iterator[Chunk]:
    buf = RowBuffer("x-v1", source_file, v1_times)
    notices = 0
    for lineno, rec, raw in json_records(lines, buf):
        if "user" not in rec and "id_str" not in rec and not STREAM_NOTICES.isdisjoint(rec):
            notices += 1
            continue
        if _depth(rec) > MAX_NESTING:
            buf.reject(lineno, f"statuses nested more than {MAX_NESTING} deep (retweeted_status / quoted_status)",
                       raw)
            continue
        try:
            why = _status(rec, lineno, buf, True, None)
        except BadRecord as e:
            why = str(e)
        if why is not None:
            buf.reject(lineno, why, raw)
        if len(buf) >= chunk_rows:
            yield buf.take()
    if buf.records or buf.posts or buf.rejects:
        yield buf.take()
    if notices:
        log.info("%s: skipped %d stream notices (delete, limit, ...), which are not posts", source_file, notices)


def read_x_v1(path: str | os.PathLike[str], chunk_rows: int = 50_000) -> Iterator[Chunk]:
    """Open ``path`` (plain, .gz or .zst) and :func:`parse_x_v1` it."""
    with open_input(path) as f:
        yield from parse_x_v1(f, str(path), chunk_rows)
