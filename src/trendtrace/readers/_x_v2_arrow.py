"""The fast path for X API v2 response pages: Arrow's JSON reader and column kernels.

The Python reader (:mod:`trendtrace.readers.x_v2`) spends about 40 CPU seconds per million posts,
a third of it turning JSON into Python dicts. Here ``pyarrow.json`` parses the pages straight into
typed columns (in C++, on every core) and each rule of ``x_v2._post`` is applied to whole columns
with Arrow and numpy. The result is the same :class:`~trendtrace.model.Chunk` s, row for row
(``tests/test_x_v2_arrow.py`` compares the two readers on simulated and hand-written pages).

What the column rules do not reproduce exactly is left to the Python reader, so that every line
is read by exactly one of the two:

- a line that is not a plain response page (a flattened tweet, a record to reject, a page whose
  ``data`` is a single object), a ``data`` tweet without ``id``, ``author_id`` or ``created_at``,
  and any time not of the API's own shape (``2025-03-10T00:00:05.000Z``, or with ``+00:00``):
  those lines are collected and read by the Python reader at the end, with their line numbers,
  rejects and time-zone warnings;
- anything Arrow refuses (invalid JSON, a field of an unexpected type): the Python reader takes
  over from the first line not yet read;
- blank lines, which Arrow skips: they are found first, so rows keep their physical line numbers.

Compressed files are read the same way (decompressed twice: once to find the blank lines, once by
Arrow); damaged compressed data is left to the Python reader, which yields what comes before the
damage and then says where it is.

Per line, both readers give the same rows. Across lines the store decides (the first copy of a
post in the file wins; an account keeps its latest snapshot), so which reader read which line
does not change the store.
"""

from __future__ import annotations

import logging
from typing import Any
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, Chunk, InputError, normalize_hashtag, normalize_url
from trendtrace.readers._columns import (Regroup, _rebuild, best_per_account, map_distinct, map_list_values,
                                         table_of)
from trendtrace.readers._io import compression_of, open_input
from trendtrace.readers._rows import iso_cast, iso_times

__all__ = ["read_pages", "scan_lines", "PAGE_SCHEMA"]

log = logging.getLogger("trendtrace.readers")

_S = pa.string()
_I = pa.int64()
_LIST = pa.list_(_S)


def _struct(**fields: pa.DataType) -> pa.DataType:
    return pa.struct(list(fields.items()))


_ENTITIES = _struct(
    hashtags=pa.list_(_struct(tag=_S)),
    urls=pa.list_(_struct(url=_S, expanded_url=_S, unwound_url=_S)),
    mentions=pa.list_(_struct(username=_S)),
    # Not read, but they make an entities object non-empty, which decides whose tags a retweet gets.
    cashtags=pa.list_(_struct(tag=_S)),
    annotations=pa.list_(_struct(type=_S)),
)
_TWEET = _struct(
    id=_S, author_id=_S, created_at=_S, text=_S, lang=_S, source=_S, in_reply_to_user_id=_S,
    referenced_tweets=pa.list_(_struct(type=_S, id=_S, author_id=_S)),
    entities=_ENTITIES,
    note_tweet=_struct(text=_S, entities=_ENTITIES),
    attachments=_struct(media_keys=_LIST),
    geo=_struct(coordinates=_struct(type=_S, coordinates=pa.list_(pa.float64()))),
    public_metrics=_struct(like_count=_I, retweet_count=_I, reply_count=_I, quote_count=_I),
)
_USER = _struct(
    id=_S, username=_S, name=_S, description=_S, location=_S, url=_S,
    entities=_struct(url=_struct(urls=pa.list_(_struct(url=_S, expanded_url=_S)))),
    profile_image_url=_S, created_at=_S, verified=pa.bool_(),
    public_metrics=_struct(followers_count=_I, following_count=_I, tweet_count=_I, like_count=_I,
                           listed_count=_I),
)
#: What is read of each line. Top-level ``id`` / ``author_id`` / ``author`` / ``text`` only tell a
#: flattened tweet from a page; ``errors`` / ``meta`` mark a page without results.
PAGE_SCHEMA = pa.schema([
    ("data", pa.list_(_TWEET)),
    ("includes", _struct(tweets=pa.list_(_TWEET), users=pa.list_(_USER))),
    ("__twarc", _struct(retrieved_at=_S)),
    ("id", _S), ("author_id", _S), ("author", _struct(id=_S)), ("text", _S),
    ("errors", pa.list_(_struct(title=_S))),
    ("meta", _struct(result_count=_I)),
])

#: Times taken here: the API's shape, which Arrow's cast reads as the Python reader's does.
_TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$"
#: Bytes a whitespace-only line can start with (its newline, or whitespace as ``bytes.strip`` has it).
_WS = np.frombuffer(b"\n \t\r\x0b\x0c", np.uint8)
_BLOCK = 4 << 20
#: Parsed bytes converted at once (the column rules have a cost per call, not only per row).
_CONVERT_BYTES = 24 << 20


def _utf8_ok(data: bytes | memoryview) -> bool:
    """True when ``data`` is valid UTF-8, checked by Arrow (vectorised, no copy, no str built)."""
    offsets = pa.array([0, len(data)], pa.int64())
    arr = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets.buffers()[1], pa.py_buffer(data)])
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _bad_utf8_lines(data: bytes | memoryview, first: int, out: list[int]) -> None:
    """Append to ``out`` the numbers of the lines of ``data`` (whole lines, the first numbered
    ``first``) that are not UTF-8. Only blocks that fail :func:`_utf8_ok` are split."""
    if _utf8_ok(data):
        return
    for i, line in enumerate(bytes(data).split(b"\n"), first):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            out.append(i)


def scan_lines(path: str, not_utf8: list[int] | None = None) -> tuple[np.ndarray, int, int]:
    """``(blank, longest, lines)``: the physical (1-based) numbers of the whitespace-only lines of a
    file (plain, .gz or .zst), ascending; the length of its longest line in bytes (newline
    included); and how many lines it has.

    With ``not_utf8`` (a list), the numbers of the lines that are not UTF-8 are appended to it:
    Arrow's JSON parser passes such bytes into its string columns unchecked, where they later
    failed the store's insert ("Invalid unicode") or a Python conversion, losing the line number.

    A blank line starts the file or follows a newline and begins with a newline or whitespace
    byte. numpy finds the newlines of each block (about 0.8 s per GB, reading included) and only
    those few candidates are looked at; a line may run on into the next block (``pending``).
    """
    found: list[int] = []
    buf = bytearray(_BLOCK)
    before = 0  # newlines before the block
    longest, line_start = 0, 0  # line_start: file offset where the current line began
    offset = 0  # file offset of the block
    pending, line, started = True, 1, False  # a line that may be blank runs into the next block
    carry = bytearray()  # the unfinished last line of the blocks so far (for the UTF-8 check)
    with open_input(path) as f:
        while n := f.readinto(buf):  # type: ignore[attr-defined]  # a binary file: readinto exists
            a = np.frombuffer(buf, np.uint8, n)
            nl = np.flatnonzero(a == 10)
            if not_utf8 is not None:
                if len(nl):
                    last = int(nl[-1]) + 1
                    view = memoryview(buf)[:last]
                    # Whole lines only, so that no character is cut at a block boundary.
                    _bad_utf8_lines(bytes(carry) + bytes(view) if carry else view, before + 1, not_utf8)
                    del view
                    carry = bytearray(buf[last:n])
                else:
                    carry += buf[:n]
            if pending:
                stop = int(nl[0]) if len(nl) else n
                if bytes(a[:stop]).strip():
                    pending = False
                elif len(nl):
                    found.append(line)
                    pending = False
                else:
                    started = True  # whitespace to the end of the block: still undecided
            if len(nl):
                ends = nl + offset
                longest = max(longest, int(ends[0]) + 1 - line_start,
                              int(np.diff(ends).max()) if len(ends) > 1 else 0)
                line_start = int(ends[-1]) + 1
            inner = nl[nl + 1 < n]
            for j in np.flatnonzero(np.isin(a[inner + 1], _WS)).tolist():
                end = int(nl[j + 1]) if j + 1 < len(nl) else n
                if not bytes(a[int(inner[j]) + 1:end]).strip():
                    if j + 1 < len(nl):
                        found.append(before + j + 2)  # the line after newline number before + j + 1
                    else:
                        pending, line, started = True, before + j + 2, True
            if len(nl) and nl[-1] == n - 1:
                pending, line, started = True, before + len(nl) + 1, False
            before += len(nl)
            offset += n
            del a  # numpy must let go of the buffer before the next readinto
    if pending and started:
        found.append(line)
    if not_utf8 is not None and carry:
        _bad_utf8_lines(bytes(carry), before + 1, not_utf8)
    lines = before + (1 if offset > line_start else 0)  # a last line without a newline counts
    return np.asarray(found, dtype=np.int64), max(longest, offset - line_start), lines


def _field(arr: pa.Array, *names: str) -> pa.Array:
    """Nested struct field; a null parent gives null."""
    for n in names:
        arr = pc.struct_field(arr, n)
    return arr


def _nz(arr: pa.Array) -> pa.Array:
    """Empty strings as null (the Python reader's ``or`` / ``_sid`` treat "" as missing)."""
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)


def _valid(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.is_valid(arr), dtype=bool)


def _bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False), dtype=bool)


def _last_per(parents: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Index of the last ``mask`` element per parent (``-1`` where none); ``parents`` ascending."""
    out = np.full(n, -1, np.int64)
    idx = np.nonzero(mask)[0]
    out[parents[idx]] = idx  # ascending indices: for repeated parents the last write wins
    return out


def _tags(ents: pa.Array) -> pa.Array:
    """hashtags_raw per row from an entities struct array: the ``tag`` of each, empties dropped."""
    lists = pc.struct_field(ents, "hashtags")
    flat = pc.struct_field(pc.list_flatten(lists), "tag")
    return _keep(lists, flat)


def _links(ents: pa.Array) -> pa.Array:
    """urls_raw per row: ``unwound_url``, else ``expanded_url``, else ``url``; empties dropped."""
    lists = pc.struct_field(ents, "urls")
    flat = pc.list_flatten(lists)
    best = pc.coalesce(_nz(pc.struct_field(flat, "unwound_url")), _nz(pc.struct_field(flat, "expanded_url")),
                       _nz(pc.struct_field(flat, "url")))
    return _keep(lists, best)


def _keep(lists: pa.Array, flat: pa.Array) -> pa.Array:
    parents = np.asarray(pc.list_parent_indices(lists))
    keep = _bool(pc.and_(pc.is_valid(flat), pc.not_equal(flat, "")))
    return _rebuild(parents[keep], pc.filter(flat, pa.array(keep)), len(lists))


def _present(ents: pa.Array) -> np.ndarray:
    """True where an entities object has any key (the Python reader's truthiness of the dict)."""
    out = _valid(ents)
    any_key = np.zeros(len(ents), bool)
    for name in ("hashtags", "urls", "mentions", "cashtags", "annotations"):
        any_key |= _valid(pc.struct_field(ents, name))
    return out & any_key


def _entities(tweets: pa.Array) -> pa.Array:
    """Each tweet's entities: ``note_tweet.entities`` when that object has any key, else ``entities``."""
    if not len(tweets):
        return pc.struct_field(tweets, "entities")
    note = _field(tweets, "note_tweet", "entities")
    has = _present(note)
    if not has.any():
        return pc.struct_field(tweets, "entities")
    return pc.if_else(pa.array(has), note, pc.struct_field(tweets, "entities"))


def _pick(arr: pa.Array, idx: np.ndarray, mask: np.ndarray) -> pa.Array:
    """``arr[idx]`` where ``mask``, else null (``idx`` is ignored there)."""
    if not len(arr) or not mask.any():
        return pa.nulls(len(idx), arr.type)
    return pc.if_else(pa.array(mask), pc.take(arr, pa.array(np.where(mask, idx, 0))), pa.scalar(None, arr.type))


def _times(s: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """``(UTC timestamps, bad)``: bad where a present value is not of the API's shape or not a date.

    When the whole column casts (the usual case) this is :func:`iso_cast`, the first step of
    :func:`iso_times` and what the Python reader gets; otherwise only values of the API's shape
    are cast.
    """
    try:
        return iso_cast(s), np.zeros(len(s), bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    shaped = _bool(pc.match_substring_regex(s, _TIME_RE))
    ts = iso_times(pc.if_else(pa.array(shaped), s, pa.scalar(None, _S)))[0]
    return ts, _valid(s) & ~(shaped & _valid(ts))


class _Batch:
    """One Arrow batch of page lines turned into posts and accounts (the rules of ``x_v2._post``).

    ``bad`` marks the lines left to the Python reader; ``posts`` / ``accounts`` hold the rows of
    all the other lines.
    """

    def __init__(self, batch: pa.RecordBatch, lines: np.ndarray, source_file: str) -> None:
        n = batch.num_rows
        data, inc = batch.column("data"), batch.column("includes")
        page = _valid(data) | _valid(inc)
        flat_like = _valid(batch.column("id")) | _valid(batch.column("author_id")) | _valid(batch.column("author"))
        empty = ~page & ~flat_like & (_valid(batch.column("errors")) | _valid(batch.column("meta")))
        bad = ~page & ~empty

        d = pc.list_flatten(data)
        dpar = np.asarray(pc.list_parent_indices(data), dtype=np.int64)
        itw = _field(inc, "tweets")
        it = pc.list_flatten(itw)
        ipar = np.asarray(pc.list_parent_indices(itw), dtype=np.int64)
        users = _field(inc, "users")
        u = pc.list_flatten(users)
        upar = np.asarray(pc.list_parent_indices(users), dtype=np.int64)
        tw = pa.concat_arrays([d, it])
        par = np.concatenate([dpar, ipar])
        nd, m = len(d), len(d) + len(it)
        tid = pc.struct_field(tw, "id")
        fields = (_valid(_nz(tid)) & _valid(_nz(pc.struct_field(tw, "author_id")))
                  & _valid(pc.struct_field(tw, "created_at")))
        # A data tweet the Python reader would reject; any time it would read differently.
        bad[dpar[~fields[:nd]]] = True
        time, time_bad = _times(pc.struct_field(tw, "created_at"))
        bad[par[time_bad]] = True
        seen = self._seen(batch, d, dpar, n)
        seen_ts, seen_bad = _times(seen)
        bad |= seen_bad
        u_created, u_bad = _times(pc.struct_field(u, "created_at"))
        bad[upar[u_bad]] = True
        self.bad = bad

        # Ids (of tweets and of the tweets they reference) as small integers per batch, so that
        # (line, id) pairs are int64 keys.
        rid = pc.struct_field(pc.list_flatten(pc.struct_field(tw, "referenced_tweets")), "id")
        codes = pc.dictionary_encode(pa.concat_arrays([tid, rid])).indices
        codes = np.asarray(pc.fill_null(codes, -1), dtype=np.int64) + 1
        width = int(codes.max()) + 1 if len(codes) else 1
        tkey = par * width + codes[:m]
        dkey, ikey = tkey[:nd], tkey[nd:]
        rcode = codes[m:]

        # Included tweets as the Python reader keys them (a dict by id: the last copy of an id on
        # a page wins) for lookups; as posts only when not also a data tweet of the same page.
        last, first_pos = _copies(ikey)
        usable = last & _valid(tid)[nd:]
        srt = np.argsort(ikey[usable], kind="stable")
        lookup_keys, lookup_idx = ikey[usable][srt], np.nonzero(usable)[0][srt]

        keep = fields & ~bad[par] if m else np.zeros(0, bool)
        keep[nd:] &= last & ~np.isin(ikey, dkey)

        kind, ref, ref_acc, reply_to, found = _references(tw, par, it, width, rcode, lookup_keys, lookup_idx)
        own = _entities(tw)
        tags, links = _tags_and_links(own, it, kind, found)
        mlists = pc.struct_field(own, "mentions")
        mentions = _keep(mlists, map_distinct(pc.struct_field(pc.list_flatten(mlists), "username"), str.lower))
        media = pc.struct_field(pc.struct_field(tw, "attachments"), "media_keys")
        media = pc.if_else(pc.is_null(media), pa.scalar([], _LIST), media) if m else pa.nulls(0, _LIST)
        lat, lon = _point(_field(tw, "geo", "coordinates"))
        pm = pc.struct_field(tw, "public_metrics")
        cols = {
            "post_id": tid,
            "account_id": pc.struct_field(tw, "author_id"),
            "time": time,
            "kind": pa.array(kind, _S) if m else pa.nulls(0, _S),
            # A post over 280 characters: its whole text (and entities) are in note_tweet.
            "text": pc.coalesce(_nz(_field(tw, "note_tweet", "text")), pc.struct_field(tw, "text")),
            "lang": pc.struct_field(tw, "lang"),
            "ref_post_id": ref,
            "ref_account_id": ref_acc,
            "reply_to_post_id": reply_to,
            "hashtags_raw": tags,
            "urls_raw": links,
            "mentions": mentions,
            "media": media,
            "client": pc.struct_field(tw, "source"),
            "latitude": lat,
            "longitude": lon,
            "like_count": pc.struct_field(pm, "like_count"),
            "repost_count": pc.struct_field(pm, "retweet_count"),
            "reply_count": pc.struct_field(pm, "reply_count"),
            "quote_count": pc.struct_field(pm, "quote_count"),
            "source_line": pa.array(lines[par], _I),
        }
        # The Python reader's order: by line, data tweets first, each in its first position.
        kept = np.nonzero(keep)[0]
        pos = np.concatenate([np.arange(nd), first_pos])
        sel = pa.array(kept[np.lexsort((pos[kept], kept >= nd, par[kept]))])
        cols = {k: pc.take(v, sel) for k, v in cols.items()}
        cols["hashtags"] = map_list_values(cols["hashtags_raw"], normalize_hashtag)
        cols["urls"] = map_list_values(cols["urls_raw"], normalize_url)
        cols.update(source_format="x-v2", source_file=source_file)
        self.posts = table_of(POST_SCHEMA, cols, int(keep.sum()))

        self.accounts = _accounts(u, upar, bad, u_created, seen_ts, source_file)
        self.records = int(n - bad.sum())

    @staticmethod
    def _seen(batch: pa.RecordBatch, d: pa.Array, dpar: np.ndarray, n: int) -> pa.Array:
        """Per line: ``__twarc.retrieved_at``, else the latest ``created_at`` of its data tweets
        (compared as strings, as the Python reader does)."""
        seen = _field(batch.column("__twarc"), "retrieved_at")
        if not len(d) or not pc.any(pc.is_null(seen)).as_py():
            return seen
        latest = pa.table({"p": dpar, "c": pc.struct_field(d, "created_at")}).group_by("p").aggregate([("c", "max")])
        per_line: list[str | None] = [None] * n
        for p, c in zip(latest["p"].to_pylist(), latest["c_max"].to_pylist(), strict=False):
            per_line[p] = c
        return pc.coalesce(seen, pa.array(per_line, _S))


def _references(tw: pa.Array, par: np.ndarray, it: pa.Array, width: int, rcode: np.ndarray,
                lookup_keys: np.ndarray, lookup_idx: np.ndarray) -> tuple[np.ndarray, pa.Array, pa.Array, pa.Array,
                                                                         np.ndarray]:
    """``(kind, ref_post_id, ref_account_id, reply_to_post_id, found)`` of tweets ``tw`` (lines
    ``par``). The reference is the last retweeted, else quoted, else replied_to entry; ``found`` is
    the referenced tweet's index among the included tweets ``it`` (-1: not there), looked up by
    (line, id) key (``width``, ``rcode``: how :class:`_Batch` codes them)."""
    m = len(tw)
    refs = pc.struct_field(tw, "referenced_tweets")
    rflat = pc.list_flatten(refs)
    rid = pc.struct_field(rflat, "id")
    nrefs = np.asarray(pc.fill_null(pc.list_value_length(refs), 0), dtype=np.int64)
    rpar = np.asarray(pc.list_parent_indices(refs), dtype=np.int64)
    rtype = pc.struct_field(rflat, "type")
    rt = _last_per(rpar, _bool(pc.equal(rtype, "retweeted")), m)
    qt = _last_per(rpar, _bool(pc.equal(rtype, "quoted")), m)
    rp = _last_per(rpar, _bool(pc.equal(rtype, "replied_to")), m)
    in_reply = pc.struct_field(tw, "in_reply_to_user_id")
    has_refs = nrefs > 0
    kind = np.where(has_refs,
                    np.where(rt >= 0, "repost", np.where(qt >= 0, "quote", np.where(rp >= 0, "reply", "post"))),
                    np.where(_valid(in_reply), "reply", "post"))
    use = np.where(rt >= 0, rt, np.where(qt >= 0, qt, rp))
    has_use = has_refs & (use >= 0)
    ref = _pick(_nz(rid), use, has_use)
    found = np.full(m, -1, np.int64)
    if m and len(lookup_keys):
        key = par * width + np.where(has_use, rcode[np.where(has_use, use, 0)] if len(rcode) else 0, -1)
        pos = np.minimum(np.searchsorted(lookup_keys, key), len(lookup_keys) - 1)
        hit = has_use & _valid(ref) & (lookup_keys[pos] == key)
        found = np.where(hit, lookup_idx[pos], -1)
    hit = found >= 0
    # Found among the included tweets: its author; else a flattened entry's own author_id.
    ref_author = pc.coalesce(_pick(_nz(pc.struct_field(it, "author_id")), found, hit),
                             _pick(_nz(pc.struct_field(rflat, "author_id")), use, has_use & ~hit))
    ref_acc = pc.coalesce(ref_author, pc.if_else(pa.array(kind == "reply"), _nz(in_reply), pa.scalar(None, _S))) \
        if m else pa.nulls(0, _S)
    reply_to = _pick(_nz(rid), rp, has_refs & (rp >= 0))
    return kind, ref, ref_acc, reply_to, found


def _tags_and_links(own: pa.Array, it: pa.Array, kind: np.ndarray, found: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """hashtags_raw and urls_raw from each tweet's entities ``own``; a retweet's from the retweeted
    tweet's when that is among the included ``it`` with entities (its own text is cut at 140)."""
    tags, links = _tags(own), _links(own)
    if len(it):
        ient = _entities(it)
        hit = found >= 0
        from_ref = (kind == "repost") & hit & _present(ient)[np.where(hit, found, 0)]
        if from_ref.any():
            sel, at = pa.array(from_ref), pa.array(np.where(hit, found, 0))
            tags = pc.if_else(sel, pc.take(_tags(ient), at), tags)
            links = pc.if_else(sel, pc.take(_links(ient), at), links)
    return tags, links


def _copies(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For (line, id) keys of included tweets: ``(last, first_pos)``, whether each is the last copy
    of its key, and the position of the key's first copy. The Python reader keys a page's included
    tweets in a dict: the last copy's fields, at the first copy's place."""
    n = len(keys)
    last = np.zeros(n, bool)
    first_pos = np.arange(n)
    if n:
        order = np.lexsort((np.arange(n), keys))
        sk = keys[order]
        is_last = np.ones(n, bool)
        is_last[:-1] = sk[:-1] != sk[1:]
        last[order[is_last]] = True
        starts = np.ones(n, bool)
        starts[1:] = sk[1:] != sk[:-1]
        first_pos[order] = order[np.nonzero(starts)[0][np.cumsum(starts) - 1]]
    return last, first_pos


def _accounts(u: pa.Array, upar: np.ndarray, bad: np.ndarray, created: pa.Array, seen: pa.Array,
              source_file: str) -> pa.Table:
    """Account rows of the included users (``upar``: their lines) not on a line left to Python."""
    keep = _valid(_nz(pc.struct_field(u, "id"))) & ~bad[upar] if len(upar) else np.zeros(0, bool)
    pm = pc.struct_field(u, "public_metrics")
    acc = {
        "account_id": pc.struct_field(u, "id"),
        "handle": pc.struct_field(u, "username"),
        "display_name": pc.struct_field(u, "name"),
        "description": pc.struct_field(u, "description"),
        "location": pc.struct_field(u, "location"),
        "url": _expand(u, _nz(pc.struct_field(u, "url"))),
        "created_at": created,
        "followers": pc.struct_field(pm, "followers_count"),
        "following": pc.struct_field(pm, "following_count"),
        "post_count": pc.struct_field(pm, "tweet_count"),
        "likes_given": pc.struct_field(pm, "like_count"),
        "listed": pc.struct_field(pm, "listed_count"),
        "verified": pc.struct_field(u, "verified"),
        "default_profile_image": pc.match_substring(pc.struct_field(u, "profile_image_url"), "default_profile_images"),
        "seen_at": pc.take(seen, pa.array(upar, _I)),
    }
    sel = pa.array(keep)
    acc = {k: pc.filter(v, sel) for k, v in acc.items()}
    acc.update(source_format="x-v2", source_file=source_file)
    return table_of(ACCOUNT_SCHEMA, acc, int(keep.sum()))


def _point(coords: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``(latitude, longitude)`` of ``{"type": "Point", "coordinates": [lon, lat]}``, else null."""
    m = len(coords)
    lat = np.full(m, np.nan)
    lon = np.full(m, np.nan)
    cl = pc.struct_field(coords, "coordinates")
    point = _bool(pc.equal(pc.struct_field(coords, "type"), "Point")) & \
        (np.asarray(pc.fill_null(pc.list_value_length(cl), 0)) >= 2)
    if point.any():
        offs = np.asarray(cl.offsets)
        vals = cl.values
        num = np.asarray(pc.fill_null(vals, np.nan), dtype=float)
        ok = _valid(vals)
        idx = np.nonzero(point)[0]
        o = offs[idx]
        good = ok[o] & ok[o + 1]
        lon[idx[good]], lat[idx[good]] = num[o[good]], num[o[good] + 1]
    return pa.array(lat, mask=np.isnan(lat)), pa.array(lon, mask=np.isnan(lon))


def _expand(u: pa.Array, url: pa.Array) -> pa.Array:
    """A profile link is a t.co wrapper; its expanded form sits in ``entities.url.urls``."""
    lists = _field(u, "entities", "url", "urls")
    need = np.nonzero(_valid(url) & (np.asarray(pc.fill_null(pc.list_value_length(lists), 0)) > 0))[0]
    if not len(need):
        return url
    out = url.to_pylist()
    for i, entries in zip(need.tolist(), pc.take(lists, pa.array(need)).to_pylist(), strict=False):
        v = out[i]
        for e in entries:
            if e and e.get("url") == v and e.get("expanded_url"):
                v = e["expanded_url"]
        out[i] = v
    return pa.array(out, _S)


def read_pages(path: str, source_file: str, chunk_rows: int,
               python_reader: Callable[[Iterable[tuple[int, bytes]]], Iterator[Chunk]]) -> Iterator[Chunk]:
    """Chunks of an X v2 page file (plain, .gz or .zst): Arrow reads what it can, ``python_reader``
    the rest.

    ``python_reader(numbered_lines)`` parses ``(line number, bytes)`` pairs with the Python reader.
    """
    not_utf8: list[int] = []
    try:
        blanks, longest, n_lines = scan_lines(path, not_utf8)
    except InputError:
        # Damaged compressed data: the Python reader yields what comes before it, then says so.
        yield from python_reader(_numbered(path, np.zeros(0, np.int64), 1))
        return
    # Arrow parses blocks of whole lines, several at once; its memory grows with the block size
    # (about 0.4 GB at 4 MB, 0.9 GB at 16 MB, for the same speed), so blocks are small unless a
    # line is longer.
    block = max(_BLOCK, 2 * longest + 1)
    group = Regroup(chunk_rows, reduce=best_per_account)
    handed: list[np.ndarray] = []  # lines for the Python reader
    row = 0  # rows (non-blank lines) read so far
    resume_at: int | None = None
    reader = None
    pending: list[pa.RecordBatch] = []  # parsed, not converted yet
    size = 0
    try:
        while True:
            batch = None
            try:
                if reader is None:  # opening parses the first block already
                    reader = pj.open_json(_arrow_input(path),
                                          read_options=pj.ReadOptions(block_size=block, use_threads=True),
                                          parse_options=pj.ParseOptions(explicit_schema=PAGE_SCHEMA,
                                                                        unexpected_field_behavior="ignore"))
                batch = reader.read_next_batch()
            except StopIteration:
                pass
            except (pa.ArrowException, OSError) as exc:
                # Not JSON, or a field of another type: the Python reader takes it from the first
                # line not converted yet.
                resume_at = int(_physical(np.asarray([row], np.int64), blanks)[0])
                log.debug("%s: Arrow stops at line %d (%s)",
                          source_file, resume_at, str(exc).splitlines()[0])
                break
            if batch is not None:
                pending.append(batch)
                size += batch.nbytes
                if size < _CONVERT_BYTES:
                    continue  # column rules cost per call: convert a few blocks at once
            if not pending:
                break
            merged = pa.Table.from_batches(pending).combine_chunks().to_batches()[0] if len(pending) > 1 \
                else pending[0]
            pending, size = [], 0
            n = merged.num_rows
            lines = _physical(np.arange(row, row + n, dtype=np.int64), blanks)
            kept, kept_lines = _utf8_only(merged, lines, not_utf8, handed)
            b = _Batch(kept, kept_lines, source_file)
            if len(b.bad) and b.bad.mean() > 0.5:
                # Mostly not plain pages (flattened tweets?): the Python reader takes it from here.
                resume_at = int(lines[0])
                break
            row += n
            handed.append(kept_lines[b.bad])
            if group.add(b.posts, b.accounts, [], b.records, False):
                yield _first_copies(group.take())
            if batch is None:
                break
    finally:
        if reader is not None:
            reader.close()
    if resume_at is None and row < n_lines - len(blanks):
        # Arrow stopped early without a word (a compressed stream of several members?): the rest
        # is the Python reader's.
        resume_at = int(_physical(np.asarray([row], np.int64), blanks)[0])
    if group.pending():
        yield _first_copies(group.take())
    picked = np.concatenate(handed) if handed else np.zeros(0, np.int64)
    if len(picked) or resume_at is not None:
        parts = ([f"{len(picked):,} lines"] if len(picked) else []) + \
            ([f"every line from {resume_at:,} on"] if resume_at is not None else [])
        log.info("%s: %s left to the slower Python reader (not plain response pages, missing fields, times "
                 "of another shape, or JSON the fast reader cannot parse)", source_file, " and ".join(parts))
        yield from python_reader(_numbered(path, picked, resume_at))


def _utf8_only(batch: pa.RecordBatch, lines: np.ndarray, not_utf8: list[int],
               handed: list[np.ndarray]) -> tuple[pa.RecordBatch, np.ndarray]:
    """``(batch, lines)`` without the lines that are not UTF-8, which go to ``handed`` (the Python
    reader rejects them with the byte and its column, as it does on any line)."""
    if not not_utf8:
        return batch, lines
    bad = np.isin(lines, np.asarray(not_utf8, np.int64))
    if not bad.any():
        return batch, lines
    handed.append(lines[bad])
    return batch.filter(pa.array(~bad)), lines[~bad]


def _first_copies(chunk: Chunk) -> Chunk:
    """Each post once per chunk, its first row (rows are in line order), as the Python reader does."""
    ids = chunk.posts["post_id"].combine_chunks()
    if len(ids) < 2:
        return chunk
    codes = np.asarray(pc.dictionary_encode(ids).indices)
    firsts = np.unique(codes, return_index=True)[1]
    if len(firsts) < len(ids):
        chunk.posts = chunk.posts.take(pa.array(np.sort(firsts)))
    return chunk


def _physical(rows: np.ndarray, blanks: np.ndarray) -> np.ndarray:
    """Physical line numbers of 0-based row indices (non-blank lines), given the blank lines.

    Row ``r`` is line ``r + 1 + j``, ``j`` the number of blank lines before it; with the blanks
    ascending, ``blanks[k] - k`` is non-decreasing and ``j`` is found by one binary search.
    """
    if not len(blanks):
        return rows + 1
    shifted = blanks - np.arange(len(blanks))
    return rows + 1 + np.searchsorted(shifted, rows + 1, side="right")


def _numbered(path: str, picked: np.ndarray, resume_at: int | None) -> Iterator[tuple[int, bytes]]:
    wanted = set(picked.tolist())
    with open_input(path) as f:
        for lineno, line in enumerate(f, 1):
            if lineno in wanted or (resume_at is not None and lineno >= resume_at):
                yield lineno, line


def _arrow_input(path: str) -> Any:
    """What ``pyarrow.json`` reads: the path, or a decompressing stream over it."""
    with open(path, "rb") as f:
        kind = compression_of(f.read(4))
    if kind is None:
        return path
    return pa.CompressedInputStream(pa.OSFile(path), "gzip" if kind == "gz" else "zstd")
