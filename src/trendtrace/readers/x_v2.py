"""X (Twitter) API v2 JSON lines as twarc2 writes them: response pages, or flattened tweets.

Page form (``twarc2 search``): one response page per line,
``{"data": [tweets], "includes": {"users": [...], "tweets": [...]}, "meta": {...},
"__twarc": {"retrieved_at": ...}}``. Flattened form (``twarc2 flatten``): one tweet per line with
``author`` embedded and every ``referenced_tweets`` entry carrying the full referenced tweet.
Both go through the same tweet conversion; the format is ``x-v2`` either way.

Mapping to the post schema (see ``docs/formats.md``):

- kind from ``referenced_tweets``: ``retweeted`` → repost, else ``quoted`` → quote, else
  ``replied_to`` → reply; ``ref_post_id`` is that referenced id; ``reply_to_post_id`` is the
  ``replied_to`` id whenever there is one (a quote can also be a reply).
- ``ref_account_id``: the referenced tweet's ``author_id`` (from ``includes.tweets`` or the flattened
  entry), else ``in_reply_to_user_id`` for replies.
- text and entities from ``note_tweet`` when there is one (a post longer than 280 characters),
  else ``text`` and ``entities``.
- hashtags / URLs from those entities; for a repost from the retweeted tweet's when it is at
  hand, since the retweet's own text is cut at 140 characters. URLs: ``unwound_url``, else
  ``expanded_url``, else ``url``.
- Tweets in ``includes.tweets`` (and full tweets in flattened ``referenced_tweets``) are posts of
  their own; within a chunk a post is emitted once, the ``data`` copy preferred.
- Accounts: ``includes.users`` (page) or ``author`` / ``in_reply_to_user`` / referenced authors /
  expanded mentions (flattened); ``seen_at`` = ``__twarc.retrieved_at``, else the page's latest
  ``created_at``.
"""

from __future__ import annotations

import os
from typing import Any
from collections.abc import Iterable, Iterator

import orjson

from trendtrace.model import Chunk, InputError, clip
from trendtrace.readers._io import open_input
from trendtrace.readers._jsonl import (BadRecord, id_text, kind_of, numbered_records, obj, objs, strict_obj,
                                      text_or_none, texts)
from trendtrace.readers._rows import RowBuffer, gc_paused, iso_times
import contextlib

__all__ = ["parse_x_v2", "read_x_v2"]

_EMPTY: dict[str, Any] = {}


def _sid(v: Any, name: str) -> str | None:
    if type(v) is str:
        return v or None
    return id_text(v, name)


def _post(t: dict[str, Any], lineno: int, buf: RowBuffer, tweets: dict[str, Any],  # noqa: C901 (32): one flat walk over a tweet
          primary: bool) -> str | None:
    """Add one tweet as a post; return None, or the reason it cannot be read.

    Times stay strings here; :class:`RowBuffer` parses the column and rejects bad ones, and any
    value of a type its column cannot hold. A field of the wrong JSON shape (``entities.urls`` as
    text, an id that is a list) raises :class:`BadRecord` before anything is added.
    """
    pid = _sid(t.get("id"), "id")
    if pid is None:
        return "missing 'id'"
    aid = t.get("author_id")
    if aid is None:
        aid = strict_obj(t.get("author"), "author").get("id")
        if aid is None:
            return "missing 'author_id'"
        aid = _sid(aid, "author.id")
    else:
        aid = _sid(aid, "author_id")
    if aid is None:
        return "missing 'author_id'"
    ca = t.get("created_at")
    if ca is None:
        return "missing 'created_at'"
    if type(ca) is not str:
        return f"time {clip(repr(ca), 80)} is not a date"
    if buf.keeps(pid, primary, lineno):
        return None  # already kept in this chunk (the same retweeted original on many pages)

    kind = "post"
    ref = ref_acc = reply_to = ref_t = None
    refs = t.get("referenced_tweets")
    if refs:
        rt = qt = rp = None
        for r in objs(refs, "referenced_tweets"):
            typ = r.get("type")
            if typ == "retweeted":
                rt = r
            elif typ == "quoted":
                qt = r
            elif typ == "replied_to":
                rp = r
        use = rt or qt or rp
        if use is not None:
            kind = "repost" if use is rt else "quote" if use is qt else "reply"
            ref = _sid(use.get("id"), "referenced_tweets.id")
            ref_t = tweets.get(ref) if ref is not None else None
            if ref_t is None and "author_id" in use:
                ref_t = use  # flattened: the entry is the full tweet
            if ref_t is not None:
                ref_acc = _sid(ref_t.get("author_id"), "referenced_tweets.author_id")
        if rp is not None:
            reply_to = _sid(rp.get("id"), "referenced_tweets.id")
            if ref_acc is None and kind == "reply":
                ref_acc = _sid(t.get("in_reply_to_user_id"), "in_reply_to_user_id")
    elif t.get("in_reply_to_user_id") is not None:
        # A reply whose target was deleted loses referenced_tweets but keeps the user id.
        kind = "reply"
        ref_acc = _sid(t["in_reply_to_user_id"], "in_reply_to_user_id")

    text, ent = _full(t)
    if text is not None and type(text) is not str:
        raise BadRecord(f"'text' is {kind_of(text)}, not text")
    tag_ent = ent
    if kind == "repost" and ref_t is not None:
        try:
            ref_ent = _full(ref_t)[1]
        except BadRecord:
            ref_ent = None  # the retweeted tweet is context: its own shape is its own problem
        if ref_ent:
            tag_ent = ref_ent
    if tag_ent:
        hs = tag_ent.get("hashtags")
        hashtags_raw = texts(objs(hs, "entities.hashtags"), "tag", "entities.hashtags") if hs else []
        us = tag_ent.get("urls")
        if us:
            urls_raw = []
            for u in objs(us, "entities.urls"):
                v = u.get("unwound_url") or u.get("expanded_url") or u.get("url")
                if type(v) is str:
                    if v:
                        urls_raw.append(v)
                elif v:
                    raise BadRecord(f"'entities.urls' holds a link that is {kind_of(v)}, not text")
        else:
            urls_raw = []
    else:
        hashtags_raw = urls_raw = []
    ms = ent.get("mentions") if ent else None
    mentions = [m.lower() for m in texts(objs(ms, "entities.mentions"), "username", "entities.mentions")] \
        if ms else []
    att = t.get("attachments")
    media = [k for k in (_sid(k, "attachments.media_keys") for k in
                         _items(strict_obj(att, "attachments").get("media_keys"), "attachments.media_keys")) if k] \
        if att else []
    lat = lon = None
    geo = t.get("geo")
    if geo:
        c = obj(obj(geo).get("coordinates"))
        if c.get("type") == "Point":
            try:
                lon, lat = float(c["coordinates"][0]), float(c["coordinates"][1])
            except (KeyError, IndexError, TypeError, ValueError, OverflowError):
                lat = lon = None
    pm = strict_obj(t.get("public_metrics"), "public_metrics")
    buf.add_post(
        (pid, aid, ca, kind, text, t.get("lang"), ref, ref_acc, reply_to, None, hashtags_raw,
         None, urls_raw, mentions, media, t.get("source"), lat, lon, pm.get("like_count"),
         pm.get("retweet_count"), pm.get("reply_count"), pm.get("quote_count"), lineno),
        primary,
    )
    return None


def _items(v: Any, name: str) -> list[Any]:
    """A JSON list (empty when missing); BadRecord for another type."""
    if v is None:
        return []
    if type(v) is not list:
        raise BadRecord(f"'{name}' is {kind_of(v)}, not a list")
    return v


def _full(t: dict[str, Any]) -> tuple[Any, Any]:
    """``(text, entities)`` of a tweet: those of ``note_tweet`` when the tweet has one.

    A post longer than 280 characters comes with its first 280 in ``text`` (and their entities in
    ``entities``) and the whole of it, with entities, in ``note_tweet``. ``entities`` must be an
    object (else :class:`BadRecord`); ``text`` is checked with the column (:class:`RowBuffer`).
    """
    text, ent = t.get("text"), strict_obj(t.get("entities"), "entities")
    nt = t.get("note_tweet")
    if nt:
        nt = strict_obj(nt, "note_tweet")
        if nt.get("text"):
            text = nt["text"]
        if nt.get("entities"):
            ent = strict_obj(nt["entities"], "note_tweet.entities")
    return text, ent


def _account(u: dict[str, Any], seen: str | None, buf: RowBuffer) -> None:
    try:
        aid = _sid(u.get("id"), "id")
    except BadRecord:
        return  # a user object without a usable id is context nobody can join to
    if aid is None:
        return
    # The row is built at take() for the snapshot that survives: a user on every page of a chunk
    # is otherwise converted once per page (half the reader's time went to accounts).
    buf.add_account_lazy(aid, u, seen, _account_row, text_or_none(u.get("username")),
                         text_or_none(u.get("name")))


def _account_row(u: dict[str, Any], seen: str | None) -> tuple[Any, ...]:
    """The account row of a user object; lenient (wrong types are unknown), since it runs at
    take() and a snapshot is context for the posts, not a record that can be rejected."""
    aid = u["id"]
    if type(aid) is not str:
        aid = str(aid)
    pm = obj(u.get("public_metrics"))
    url = u.get("url") or None
    if url:
        # Profile links are t.co wrappers; the expanded form sits in entities.url.urls.
        entries = obj(obj(u.get("entities")).get("url")).get("urls")
        for e in entries if type(entries) is list else ():
            if type(e) is dict and e.get("url") == url and e.get("expanded_url"):
                url = e["expanded_url"]
    img = u.get("profile_image_url")
    default_img = ("default_profile_images" in img) if isinstance(img, str) else None
    ca = u.get("created_at")
    return (aid, text_or_none(u.get("username")), text_or_none(u.get("name")), u.get("description"),
            u.get("location"), url, None, ca if type(ca) is str else None, pm.get("followers_count"),
            pm.get("following_count"), pm.get("tweet_count"), pm.get("like_count"), pm.get("listed_count"),
            u.get("verified"), None, default_img, seen)


def _retrieved(record: dict[str, Any]) -> str | None:
    tw = record.get("__twarc")
    r = tw.get("retrieved_at") if isinstance(tw, dict) else None
    return r if type(r) is str else None


def _hashable_id(t: Any) -> bool:
    return type(t) is dict and type(t.get("id")) in (str, int)


def _page(page: dict[str, Any], lineno: int, raw: bytes, buf: RowBuffer) -> None:
    data = page.get("data")
    if isinstance(data, dict):
        data = [data]  # single-tweet lookups return an object
    elif not isinstance(data, list):
        data = []
    inc = page.get("includes")
    if not isinstance(inc, dict):
        inc = _EMPTY
    inc_tweets = inc.get("tweets")
    tweets = {t["id"]: t for t in (inc_tweets if type(inc_tweets) is list else ()) if _hashable_id(t)}
    many = len(data) > 1
    for i, t in enumerate(data):
        if type(t) is not dict:
            buf.reject(lineno, f"data[{i}]: not a JSON object", raw)
            continue
        try:
            why = _post(t, lineno, buf, tweets, True)
        except BadRecord as e:
            why = str(e)
        if why is not None:
            buf.reject(lineno, f"data[{i}]: {why}" if many else why, orjson.dumps(t))
    for t in tweets.values():
        # Included tweets lacking fields (withheld, partial) are context, not records: no reject.
        with contextlib.suppress(BadRecord):
            _post(t, lineno, buf, tweets, False)
    seen = _retrieved(page)
    if seen is None:
        # The page's latest created_at (ISO strings of one shape sort as times do).
        times: list[str] = [t["created_at"] for t in data if type(t) is dict and type(t.get("created_at")) is str]
        seen = max(times) if times else None
    users = inc.get("users")
    for u in users if type(users) is list else ():
        if type(u) is dict:
            _account(u, seen, buf)


def _flat(t: dict[str, Any], lineno: int, raw: bytes, buf: RowBuffer) -> None:
    tweets: dict[str, Any] = {}
    refs = t.get("referenced_tweets")
    for r in refs if type(refs) is list else ():
        if _hashable_id(r) and "author_id" in r:
            tweets[r["id"]] = r
    try:
        why = _post(t, lineno, buf, tweets, True)
    except BadRecord as e:
        why = str(e)
    if why is not None:
        buf.reject(lineno, why, raw)
        return
    for rt in tweets.values():
        with contextlib.suppress(BadRecord):
            _post(rt, lineno, buf, tweets, False)
    seen = _retrieved(t) or t.get("created_at")
    users = [t.get("author"), t.get("in_reply_to_user")]
    users += [rt.get("author") for rt in tweets.values()]
    mentions = obj(t.get("entities")).get("mentions")
    users += [m for m in (mentions if type(mentions) is list else ()) if type(m) is dict and "public_metrics" in m]
    for u in users:
        if isinstance(u, dict) and u:
            _account(u, seen, buf)


def parse_x_v2(lines: Iterable[bytes], source_file: str, chunk_rows: int = 50_000) -> Iterator[Chunk]:
    """Parse X API v2 JSON lines (twarc2 pages or flattened tweets) into chunks.

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
        Posts, accounts and rejects (bad JSON, a tweet without ``id`` / ``author_id`` /
        ``created_at``, an unreadable time) with their physical line numbers.
    """
    return parse_numbered(enumerate(lines, 1), source_file, chunk_rows)


def parse_numbered(numbered: Iterable[tuple[int, bytes]], source_file: str,
                   chunk_rows: int = 50_000) -> Iterator[Chunk]:
    """:func:`parse_x_v2` over ``(line number, line)`` pairs (the lines the Arrow reader leaves)."""
    return gc_paused(_parse_x_v2(numbered, source_file, chunk_rows))


def _parse_x_v2(numbered: Iterable[tuple[int, bytes]], source_file: str, chunk_rows: int) -> Iterator[Chunk]:
    buf = RowBuffer("x-v2", source_file, iso_times, latest_wins=True)
    for lineno, rec, raw in numbered_records(numbered, buf):
        if "data" in rec or "includes" in rec:
            _page(rec, lineno, raw, buf)
        elif "author_id" in rec or "author" in rec or ("id" in rec and "text" in rec):
            _flat(rec, lineno, raw, buf)
        elif "errors" in rec or "meta" in rec:
            continue  # a page with no results: nothing to read
        else:
            buf.reject(lineno, "not an X API v2 page or tweet (no 'data', 'includes' or 'author_id')", raw)
        if len(buf) >= chunk_rows:
            yield buf.take()
    if buf.records or buf.posts or buf.rejects:
        yield buf.take()


def read_x_v2(path: str | os.PathLike[str], chunk_rows: int = 50_000, fast: bool = True) -> Iterator[Chunk]:
    """Open ``path`` (plain, .gz or .zst) and :func:`parse_x_v2` it.

    A file whose first line is a response page goes through the Arrow reader
    (:mod:`trendtrace.readers._x_v2_arrow`, several times faster), which hands back to
    :func:`parse_numbered` every line it does not read exactly as this module would. ``fast=False``
    reads the whole file here.
    """
    name = str(path)
    if fast and _pages_first(name):
        from trendtrace.readers._x_v2_arrow import read_pages

        yield from read_pages(name, name, chunk_rows, lambda numbered: parse_numbered(numbered, name, chunk_rows))
        return
    with open_input(path) as f:
        yield from parse_x_v2(f, name, chunk_rows)


def _pages_first(path: str) -> bool:
    """True for a file (plain or compressed) whose first line is a response page."""
    try:
        with open_input(path) as f:
            first = f.readline(1 << 26)
    except InputError:
        return False  # damaged: the Python reader says so, after what it can read
    try:
        first_obj = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(first_obj, dict) and ("data" in first_obj or "includes" in first_obj)
