"""A test helper: build a :class:`trendtrace.model.Chunk` row by row with keyword arguments.

The readers build chunks column-wise (``trendtrace.readers._rows``); tests that feed the store
hand-written rows use this slower, simpler builder.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from trendtrace.model import ACCOUNT_FIELDS, ACCOUNT_SCHEMA, POST_FIELDS, POST_SCHEMA, Chunk, Reject

_LIST_POST_FIELDS = {f.name for f in POST_SCHEMA if pa.types.is_list(f.type)}

class ChunkBuilder:
    """Accumulates rows column-wise and turns them into a :class:`Chunk`.

    Readers call :meth:`post` and :meth:`account` with keyword arguments named after the schema
    columns (missing ones become null; list columns default to empty lists) and :meth:`reject`
    for bad records, then :meth:`take` every few thousand records.
    """

    __slots__ = ("_posts", "_accounts", "rejects", "naive_time", "records", "source_format", "source_file")

    def __init__(self, source_format: str, source_file: str) -> None:
        self.source_format = source_format
        self.source_file = source_file
        self._posts: dict[str, list[Any]] = {n: [] for n in POST_FIELDS}
        self._accounts: dict[str, list[Any]] = {n: [] for n in ACCOUNT_FIELDS}
        self.rejects: list[Reject] = []
        self.naive_time = False
        self.records = 0

    def __len__(self) -> int:
        return len(self._posts["post_id"]) + len(self._accounts["account_id"]) + len(self.rejects)

    def post(self, **values: Any) -> None:
        values.setdefault("source_format", self.source_format)
        values.setdefault("source_file", self.source_file)
        for name, column in self._posts.items():
            v = values.get(name)
            if v is None and name in _LIST_POST_FIELDS:
                v = []
            column.append(v)

    def account(self, **values: Any) -> None:
        values.setdefault("source_format", self.source_format)
        values.setdefault("source_file", self.source_file)
        for name, column in self._accounts.items():
            column.append(values.get(name))

    def reject(self, line: int, reason: str, raw: str = "") -> None:
        self.rejects.append(Reject(self.source_file, line, reason, raw[:2000]))

    def take(self) -> Chunk:
        chunk = Chunk(
            posts=pa.Table.from_pydict(self._posts, schema=POST_SCHEMA),
            accounts=pa.Table.from_pydict(self._accounts, schema=ACCOUNT_SCHEMA),
            rejects=self.rejects,
            naive_time=self.naive_time,
            records=self.records,
        )
        self._posts = {n: [] for n in POST_FIELDS}
        self._accounts = {n: [] for n in ACCOUNT_FIELDS}
        self.rejects = []
        self.records = 0
        return chunk
