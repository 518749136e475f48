"""Row buffers for the JSON readers: rows as tuples, turned column-wise into Arrow at the end.

A builder taking keyword arguments per row (as the tests' ``_chunk_builder`` does), which costs a dict and a
loop over 25 fields per post; the JSON readers append plain tuples in schema order instead and
transpose them once per chunk with ``zip(*rows)`` (C speed). Posts and accounts are keyed by id
within a chunk so that a post seen twice (in ``data`` and ``includes``, on two pages, or nested in
a v1.1 retweet) is emitted once: its first copy in the file, and on one line the primary copy. The
store applies the same rule across chunks through ``source_line``.
"""

from __future__ import annotations

import gc
from datetime import datetime
from typing import Any, TypeVar
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendtrace.model import (ACCOUNT_SCHEMA, NAMES_SCHEMA, POST_SCHEMA, Chunk, Reject, clip, normalize_hashtag,
                              normalize_url)

T = TypeVar("T")

#: Post tuple order: POST_SCHEMA without source_format / source_file (added per chunk).
POST_COLS: tuple[str, ...] = tuple(n for n in POST_SCHEMA.names if n not in ("source_format", "source_file"))
#: Account tuple order: ACCOUNT_SCHEMA without source_format / source_file.
ACCOUNT_COLS: tuple[str, ...] = tuple(
    n for n in ACCOUNT_SCHEMA.names if n not in ("source_format", "source_file")
)
_SEEN_AT = ACCOUNT_COLS.index("seen_at")
_TIME = POST_COLS.index("time")
_LINE = POST_COLS.index("source_line")
#: Post columns the buffer derives at take() from their ``_raw`` twins (rows carry None there).
_DERIVED = frozenset({"hashtags", "urls"})
TimeParser = Callable[[pa.Array], "tuple[pa.Array, bool]"]


class RowBuffer:
    """Posts keyed by post_id (a primary copy replaces a secondary one), accounts keyed by id,
    rejects in order.

    Times stay the source's strings until :meth:`take`, where ``parse_times`` converts a whole
    column at once (Arrow's C parsers instead of a Python call per value). A post whose time does
    not parse is dropped there and, if it was a primary record, rejected with its line.

    Accounts: with ``latest_wins`` (v2, where ``seen_at`` is an ISO string per page) the kept
    snapshot is the one the store would keep (:func:`_ranks_before`: the latest ``seen_at``, then
    the smallest handle, then display name, then the first read), so that which snapshots meet in
    a chunk does not matter; :meth:`add_account_lazy` does not even build the row of a snapshot
    that loses. Otherwise the last snapshot in the file wins within a chunk.
    """

    __slots__ = ("source_format", "source_file", "posts", "primary", "accounts", "rejects",
                 "naive_time", "records", "parse_times", "latest_wins", "lazy", "names", "_seen_keys")

    def __init__(self, source_format: str, source_file: str, parse_times: TimeParser,
                 latest_wins: bool = False) -> None:
        self.source_format = source_format
        self.source_file = source_file
        self.parse_times = parse_times
        self.latest_wins = latest_wins
        self.posts: dict[str, tuple[Any, ...]] = {}
        self.primary: set[str] = set()
        self.accounts: dict[str, tuple[Any, ...]] = {}
        #: Snapshots kept as ``(source object, seen_at)`` by :meth:`add_account_lazy`, turned into rows
        #: at :meth:`take` (only the survivors: most snapshots are replaced by a later page's).
        self.lazy: dict[str, tuple[Any, Any, Callable[[Any, Any], tuple[Any, ...]], Any]] = {}
        self._seen_keys: dict[Any, datetime | None] = {}
        #: Every (account, handle, display name, seen_at) met, kept or not: ``Chunk.names``.
        self.names: set[tuple[Any, Any, Any, Any]] = set()
        self.rejects: list[Reject] = []
        self.naive_time = False
        self.records = 0

    def keeps(self, pid: str, primary: bool, line: int) -> bool:
        """True when a copy of ``pid`` is already kept that a copy from ``line`` would not replace.

        The first copy in the file wins; on one line (a response page, a v1.1 tweet with its
        retweeted one nested) the primary copy wins over a secondary one. The store applies the
        same rule across chunks through ``source_line``.
        """
        old = self.posts.get(pid)
        if old is None:
            return False
        return not primary or pid in self.primary or old[_LINE] != line

    def add_post(self, row: tuple[Any, ...], primary: bool) -> None:
        pid = row[0]
        if self.keeps(pid, primary, row[_LINE]):
            return
        self.posts[pid] = row
        if primary:
            self.primary.add(pid)

    def _key(self, seen: Any, handle: Any, name: Any) -> tuple[Any, Any, Any]:
        """What ranks snapshots of one account: ``seen_at`` as a time, then handle, then name."""
        k = self._seen_keys.get(seen)
        if k is None and seen is not None and seen not in self._seen_keys:
            k = iso_value(seen)[0]
            if len(self._seen_keys) < 100_000:
                self._seen_keys[seen] = k
        return (k, handle, name)

    def _loses(self, aid: str, key: tuple[Any, Any, Any]) -> bool:
        """True when the kept snapshot of ``aid`` ranks before one with ``key`` (or equal to it)."""
        lazy = self.lazy.get(aid)
        if lazy is not None:
            kept = lazy[3]
        else:
            old = self.accounts.get(aid)
            if old is None:
                return False
            kept = self._key(old[_SEEN_AT], old[1], old[2])
        return not _ranks_before(key, kept)

    def add_account_lazy(self, aid: str, obj: Any, seen: Any, build: Callable[[Any, Any], tuple[Any, ...]],
                         handle: Any, name: Any) -> None:
        """Keep ``obj`` as the snapshot of ``aid`` if it ranks first (``latest_wins`` rule);
        ``build(obj, seen)`` makes its row at :meth:`take`. Same result as
        ``add_account(build(obj, seen))``, as long as ``build`` is pure and gives a row whose id is
        ``aid``, handle ``handle``, display name ``name`` and ``seen_at`` ``seen``."""
        self.names.add((aid, handle, name, seen))
        key = self._key(seen, handle, name)
        if self._loses(aid, key):
            return
        self.accounts.pop(aid, None)
        self.lazy[aid] = (obj, seen, build, key)

    def add_account(self, row: tuple[Any, ...]) -> None:
        self.names.add((row[0], row[1], row[2], row[_SEEN_AT]))
        if self.latest_wins and self._loses(row[0], self._key(row[_SEEN_AT], row[1], row[2])):
            return
        self.lazy.pop(row[0], None)
        self.accounts[row[0]] = row

    def reject(self, line: int, reason: str, raw: bytes | str = b"") -> None:
        if isinstance(raw, bytes):
            raw = raw[:2000].decode("utf-8", "replace")
        self.rejects.append(Reject(self.source_file, line, clip(reason, 200), raw[:2000]))

    def __len__(self) -> int:
        return len(self.posts)

    def take(self) -> Chunk:
        posts, bad = self._posts_table()
        rows = list(self.accounts.values())
        if self.lazy:
            rows += [build(obj, seen) for obj, seen, build, _ in self.lazy.values()]
        # An account field of the wrong JSON type is unknown (null); the posts still count.
        accounts = self._table(rows, ACCOUNT_COLS, ACCOUNT_SCHEMA, ("created_at", "seen_at"))[0]
        rejects = self.rejects
        if bad:
            rejects = sorted(rejects + bad, key=lambda r: r.line)
        chunk = Chunk(posts=posts, accounts=accounts, rejects=rejects, naive_time=self.naive_time,
                      records=self.records, names=self._names())
        self.posts = {}
        self.primary = set()
        self.accounts = {}
        self.lazy = {}
        self.names = set()
        self.rejects = []
        self.records = 0
        self.naive_time = False
        return chunk

    def _names(self) -> pa.Table:
        if not self.names:
            return NAMES_SCHEMA.empty_table()
        aid, handle, name, seen = zip(*self.names, strict=False)
        ignored: dict[int, str] = {}  # a handle that is not text is unknown, as in the accounts table
        snapshots = pa.table({"account_id": typed_array(aid, pa.string(), "id", ignored),
                              "handle": typed_array(handle, pa.string(), "handle", ignored),
                              "display_name": typed_array(name, pa.string(), "name", ignored),
                              "seen_at": self.parse_times(typed_array(seen, pa.string(), "seen_at", ignored))[0]})
        from trendtrace.readers._columns import names_of

        return names_of(snapshots)

    def _posts_table(self) -> tuple[pa.Table, list[Reject]]:
        rows = list(self.posts.values())
        table, raw_time, wrong = self._table(rows, POST_COLS, POST_SCHEMA, ("time",))
        if not rows:
            return table, []
        mask = np.zeros(len(rows), dtype=bool)
        bad = []
        if raw_time is not None:
            unparsed = pc.fill_null(pc.and_(pc.is_null(table["time"].combine_chunks()), pc.is_valid(raw_time)),
                                    False)
            if pc.any(unparsed).as_py():
                mask |= np.asarray(unparsed, dtype=bool)
        for i in sorted(set(np.nonzero(mask)[0].tolist()) | set(wrong)):
            row = rows[i]
            mask[i] = True
            if row[0] in self.primary:
                why = wrong.get(i) or f"time {clip(repr(row[_TIME]), 100)} is not a date"
                bad.append(Reject(self.source_file, row[_LINE], why))
        if not mask.any():
            return table, []
        return table.filter(pa.array(~mask)), bad

    def _table(self, rows: list[tuple[Any, ...]], cols: tuple[str, ...], schema: pa.Schema,
               time_cols: tuple[str, ...]) -> tuple[pa.Table, pa.Array | None, dict[int, str]]:
        """``(table, the first time column as read, {row: why})``: values of a JSON type the column
        cannot hold (a number or object as ``text``, text as a count, a count beyond 64 bits) are
        null in the table and named in the dict, first problem per row."""
        n = len(rows)
        columns = list(zip(*rows, strict=False)) if rows else [() for _ in cols]
        by_name = dict(zip(cols, columns, strict=False))
        arrays: dict[str, pa.Array] = {}
        wrong: dict[int, str] = {}
        raw_first = None
        for fld in schema:
            name = fld.name
            if name == "source_format":
                arrays[name] = pa.array([self.source_format] * n, pa.string())
            elif name == "source_file":
                arrays[name] = pa.array([self.source_file] * n, pa.string())
            elif name in time_cols:
                raw = typed_array(by_name[name], pa.string(), name, wrong)
                ts, naive = self.parse_times(raw)
                self.naive_time = self.naive_time or naive
                if raw_first is None:
                    raw_first = raw
                arrays[name] = ts
            elif name in _DERIVED:
                continue
            else:
                arrays[name] = typed_array(by_name[name], fld.type, name, wrong)
        if "hashtags_raw" in arrays:
            # Normalised forms are computed once per distinct value, not per post.
            from trendtrace.readers._columns import map_list_values

            arrays["hashtags"] = map_list_values(arrays["hashtags_raw"], normalize_hashtag)
            arrays["urls"] = map_list_values(arrays["urls_raw"], normalize_url)
        return pa.Table.from_arrays([arrays[f.name] for f in schema], schema=schema), raw_first, wrong


def json_kind(v: Any) -> str:
    """How a JSON value's type reads in a reject reason."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__


_INT64 = 1 << 63


def _fit(v: Any, typ: pa.DataType) -> tuple[Any, str | None]:
    """``(value, None)`` when ``v`` fits a column of ``typ`` (whole floats count as integers),
    else ``(None, what was expected)``."""
    if v is None:
        return None, None
    if pa.types.is_string(typ):
        return (v, None) if type(v) is str else (None, "text")
    if pa.types.is_integer(typ):
        if type(v) is int and -_INT64 <= v < _INT64:
            return v, None
        if type(v) is float and v.is_integer() and abs(v) < 2 ** 63:
            return int(v), None
        return None, "a whole number (64-bit)"
    if pa.types.is_floating(typ):
        return (float(v), None) if type(v) in (int, float) else (None, "a number")
    if pa.types.is_boolean(typ):
        return (v, None) if type(v) is bool else (None, "true/false")
    if pa.types.is_list(typ):
        if type(v) is list and all(type(x) is str for x in v):
            return v, None
        return None, "a list of text"
    return v, None


def typed_array(values: Any, typ: pa.DataType, name: str, wrong: dict[int, str]) -> pa.Array:
    """``pa.array(values, typ)``; when a value does not fit, that value is null and ``wrong[row]``
    says why (the first problem of each row is kept).

    The fast path is one Arrow conversion; values are looked at one by one only when it fails
    (hostile or broken input), so clean files pay nothing.
    """
    try:
        return pa.array(values, typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        pass
    out = []
    for i, v in enumerate(values):
        fitted, expected = _fit(v, typ)
        if expected is not None:
            wrong.setdefault(i, f"'{name}' is {json_kind(v)}, not {expected}")
        out.append(fitted)
    return pa.array(out, typ)


def _ranks_before(a: tuple[Any, Any, Any], b: tuple[Any, Any, Any]) -> bool:
    """True when snapshot key ``a`` (seen, handle, name) wins over ``b``: a later ``seen`` (a missing
    one loses), else a smaller handle, else a smaller name (missing ones last). The store's
    ``ORDER BY seen_at DESC NULLS LAST, handle, display_name``; equal keys keep the earlier."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x == y:
            continue
        if y is None:
            return True
        if x is None:
            return False
        return x > y if i == 0 else x < y
    return False


_UTC_US = pa.timestamp("us", "UTC")
_NAIVE_US = pa.timestamp("us")


def iso_times(raw: pa.Array) -> tuple[pa.Array, bool]:
    """ISO 8601 strings → naive UTC timestamps; one Arrow cast when every value has a zone.

    Otherwise (a zone-less or unreadable value somewhere) each value goes through
    :func:`datetime.fromisoformat`: zone-less ones are taken as UTC (``naive`` is then True),
    unreadable ones become null.
    """
    try:
        return iso_cast(raw), False
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    out, naive = [], False
    for s in raw.to_pylist():
        dt, zoneless = iso_value(s)
        naive = naive or zoneless
        out.append(dt)
    return pa.array(out, _NAIVE_US), naive


def iso_cast(raw: pa.Array) -> pa.Array:
    """ISO 8601 strings that all carry a zone → naive UTC timestamps, in one Arrow cast (raises
    ``ArrowInvalid`` when a value has no zone or is not a date)."""
    return pc.cast(pc.cast(raw, _UTC_US), _NAIVE_US)


def iso_value(s: Any) -> tuple[datetime | None, bool]:
    """``(naive UTC datetime, zone-less)`` of one ISO 8601 string; ``(None, False)`` if unreadable.
    A zone-less value is taken as UTC."""
    if not isinstance(s, str):
        return None, False
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None, False
    off = dt.utcoffset()
    if off is None:
        return dt, True
    return (dt - off).replace(tzinfo=None), False


def v1_times(raw: pa.Array) -> tuple[pa.Array, bool]:
    """``Wed Oct 10 20:19:24 +0000 2018`` strings → naive UTC timestamps (Arrow ``strptime``);
    values in another shape fall back to :func:`iso_times` one by one."""
    if len(raw) == 0:
        return pa.array([], _NAIVE_US), False
    ts = pc.strptime(raw, format="%a %b %d %H:%M:%S %z %Y", unit="us", error_is_null=True)
    ts = pc.cast(pc.cast(ts, _UTC_US), _NAIVE_US)
    missing = pc.fill_null(pc.and_(pc.is_null(ts), pc.is_valid(raw)), False)
    if not pc.any(missing).as_py():
        return ts, False
    other, naive = iso_times(pc.if_else(missing, raw, pa.scalar(None, pa.string())))
    return pc.coalesce(ts, other), naive


def gc_paused(gen: Iterator[T]) -> Iterator[T]:
    """Run ``gen`` with the cyclic garbage collector paused, resuming it while the consumer runs.

    Parsing allocates millions of small dicts, lists and tuples and keeps a chunk's worth alive;
    every automatic collection then scans them all (pauses of 0.5–0.9 s per 50,000-post chunk
    measured on the v2 reader).
    Nothing the parsers build holds reference cycles, so plain reference counting frees it.
    """
    while True:
        was = gc.isenabled()
        gc.disable()
        try:
            item = next(gen)
        except StopIteration:
            return
        finally:
            if was:
                gc.enable()
        yield item
