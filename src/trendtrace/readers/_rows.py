"""Row buffers for the JSON readers: rows as tuples, turned column-wise into Arrow at the end.

:class:`trendtrace.model.ChunkBuilder` takes keyword arguments per row, which costs a dict and a
loop over 25 fields per post; the JSON readers append plain tuples in schema order instead and
transpose them once per chunk with ``zip(*rows)`` (C speed). Posts and accounts are keyed by id
within a chunk so that a post seen twice (in ``data`` and ``includes``, on two pages, or nested in
a v1.1 retweet) is emitted once; the store keeps the first row per ``post_id`` across chunks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, Chunk, Reject

#: Post tuple order: POST_SCHEMA without source_format / source_file (added per chunk).
POST_COLS: tuple[str, ...] = tuple(n for n in POST_SCHEMA.names if n not in ("source_format", "source_file"))
#: Account tuple order: ACCOUNT_SCHEMA without source_format / source_file.
ACCOUNT_COLS: tuple[str, ...] = tuple(
    n for n in ACCOUNT_SCHEMA.names if n not in ("source_format", "source_file")
)
_SEEN_AT = ACCOUNT_COLS.index("seen_at")


class RowBuffer:
    """Posts keyed by post_id (a primary copy replaces a secondary one), accounts keyed by id
    (the latest ``seen_at`` wins), rejects in order."""

    __slots__ = ("source_format", "source_file", "posts", "primary", "accounts", "rejects",
                 "naive_time", "records")

    def __init__(self, source_format: str, source_file: str) -> None:
        self.source_format = source_format
        self.source_file = source_file
        self.posts: dict[str, tuple[Any, ...]] = {}
        self.primary: set[str] = set()
        self.accounts: dict[str, tuple[Any, ...]] = {}
        self.rejects: list[Reject] = []
        self.naive_time = False
        self.records = 0

    def add_post(self, row: tuple[Any, ...], primary: bool) -> None:
        pid = row[0]
        if pid in self.posts:
            # Keep the first primary copy; a primary copy replaces an earlier secondary one.
            if not primary or pid in self.primary:
                return
        self.posts[pid] = row
        if primary:
            self.primary.add(pid)

    def add_account(self, row: tuple[Any, ...]) -> None:
        aid = row[0]
        old = self.accounts.get(aid)
        if old is not None:
            seen_old, seen_new = old[_SEEN_AT], row[_SEEN_AT]
            if seen_new is None or (seen_old is not None and seen_old > seen_new):
                return
        self.accounts[aid] = row

    def reject(self, line: int, reason: str, raw: bytes | str = b"") -> None:
        if isinstance(raw, bytes):
            raw = raw[:2000].decode("utf-8", "replace")
        self.rejects.append(Reject(self.source_file, line, reason, raw[:2000]))

    def __len__(self) -> int:
        return len(self.posts)

    def take(self) -> Chunk:
        chunk = Chunk(
            posts=_table(list(self.posts.values()), POST_COLS, POST_SCHEMA, self.source_format, self.source_file),
            accounts=_table(list(self.accounts.values()), ACCOUNT_COLS, ACCOUNT_SCHEMA,
                            self.source_format, self.source_file),
            rejects=self.rejects,
            naive_time=self.naive_time,
            records=self.records,
        )
        self.posts = {}
        self.primary = set()
        self.accounts = {}
        self.rejects = []
        self.records = 0
        return chunk


def _table(rows: list[tuple[Any, ...]], cols: tuple[str, ...], schema: pa.Schema, fmt: str, file: str) -> pa.Table:
    n = len(rows)
    columns = list(zip(*rows)) if rows else [() for _ in cols]
    arrays = []
    by_name = dict(zip(cols, columns))
    for fld in schema:
        if fld.name == "source_format":
            arrays.append(pa.array([fmt] * n, pa.string()))
        elif fld.name == "source_file":
            arrays.append(pa.array([file] * n, pa.string()))
        else:
            arrays.append(pa.array(by_name[fld.name], fld.type))
    return pa.Table.from_arrays(arrays, schema=schema)


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), start=1)}


def parse_iso(s: Any) -> datetime | None:
    """``2021-01-01T00:00:00.000Z`` (any ISO 8601 with zone) → naive UTC datetime, else None."""
    if not isinstance(s, str):
        return None
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    off = dt.utcoffset()
    if off is None:
        return dt  # no zone: the caller flags naive time
    return (dt - off).replace(tzinfo=None)


def parse_v1_time(s: Any) -> datetime | None:
    """``Wed Oct 10 20:19:24 +0000 2018`` → naive UTC datetime, else None (fast path, no strptime)."""
    if not isinstance(s, str) or len(s) != 30:
        return None
    try:
        month = _MONTHS[s[4:7]]
        dt = datetime(int(s[26:30]), month, int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:19]))
        sign = 1 if s[20] == "+" else -1 if s[20] == "-" else 0
        if not sign or s[10] != " " or s[19] != " " or s[25] != " ":
            return None
        minutes = sign * (int(s[21:23]) * 60 + int(s[23:25]))
    except (KeyError, ValueError):
        return None
    if minutes:
        from datetime import timedelta

        dt -= timedelta(minutes=minutes)
    return dt
