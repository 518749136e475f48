"""Comments in: CSV or JSON lines (pure parsers over byte streams, a thin wrapper that opens the path),
and replies in a trendtrace store.

Columns (CSV header names or JSON keys, case-insensitive): ``id``, ``author``, ``text`` required;
``thread``, ``parent``, ``time`` optional. Other columns are ignored. Times are ISO 8601 (``Z`` or an
offset; none = UTC) or Unix seconds; an empty time is allowed. A problem with the file is an
:class:`~trendtrace.model.InputError` ``FILE:LINE: problem``; nothing is skipped silently. Text is
never interpreted: it is data, never part of SQL, a shell command or markup.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

import pyarrow as pa

from ..model import TIME_MAX, TIME_MIN, InputError, clip

__all__ = ["COMMENT_SCHEMA", "COMMENT_FORMATS", "REQUIRED", "OPTIONAL", "parse_comments", "read_comments",
           "comment_format", "comments_from_store"]

#: The comments table every reader returns (times UTC, naive).
COMMENT_SCHEMA = pa.schema([
    ("id", pa.string()), ("author", pa.string()), ("text", pa.string()), ("thread", pa.string()),
    ("parent", pa.string()), ("time", pa.timestamp("us")),
])
#: Input formats: ``csv`` (a header line, then one comment per record) and ``jsonl`` (one JSON object a line).
COMMENT_FORMATS = ("csv", "jsonl")
REQUIRED = ("id", "author", "text")
OPTIONAL = ("thread", "parent", "time")
#: Thread of every comment when the input has no thread column (or an empty cell).
NO_THREAD = ""

_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def comment_format(path: str | os.PathLike[str], head: bytes = b"") -> str:
    """``"csv"`` or ``"jsonl"``: by the file name's extension (``.csv``; ``.jsonl``, ``.ndjson``,
    ``.json``; a ``.gz`` or ``.zst`` after it is looked through), else by the first non-blank byte of
    ``head`` (``{`` is JSON lines, anything else CSV)."""
    name = os.path.basename(str(path)).lower()
    for suffix in (".gz", ".zst"):
        name = name.removesuffix(suffix)
    ext = os.path.splitext(name)[1]
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if stripped.startswith(b"{") else "csv"


class _Builder:
    """Collects rows, checks ids, and turns them into a :data:`COMMENT_SCHEMA` table."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cols: dict[str, list[Any]] = {k: [] for k in COMMENT_SCHEMA.names}
        self.first_line: dict[str, int] = {}

    def add(self, line: int, cid: Any, author: Any, text: Any, thread: Any, parent: Any, time: Any) -> None:
        cid = self._key(line, "id", cid)
        author = self._key(line, "author", author)
        if cid in self.first_line:
            raise InputError(f"{self.name}:{line}: duplicate id {clip(cid, 60)!r} "
                             f"(first on line {self.first_line[cid]})")
        self.first_line[cid] = line
        self.cols["id"].append(cid)
        self.cols["author"].append(author)
        self.cols["text"].append(self._text(line, "text", text))
        self.cols["thread"].append(self._text(line, "thread", thread))
        parent = self._text(line, "parent", parent) or None
        self.cols["parent"].append(None if parent == cid else parent)
        self.cols["time"].append(_time(time, f"{self.name}:{line}"))

    def _key(self, line: int, field: str, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            if value is None:
                raise InputError(f"{self.name}:{line}: empty {field}")
            raise InputError(f"{self.name}:{line}: {field} must be text or a whole number, not {type(value).__name__}")
        value = str(value).strip()
        if not value:
            raise InputError(f"{self.name}:{line}: empty {field}")
        return value

    def _text(self, line: int, field: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InputError(f"{self.name}:{line}: {field} must be text, not {type(value).__name__}")
        return value if isinstance(value, str) else str(value)

    def table(self) -> pa.Table:
        return pa.table(self.cols, schema=COMMENT_SCHEMA)


def _time(value: Any, where: str) -> datetime | None:
    if value is None or value == "":
        return None
    hint = "write ISO 8601 such as 2025-03-01T12:30:00Z, or Unix seconds"
    if isinstance(value, bool):
        raise InputError(f"{where}: time {value!r} is not a date and time ({hint})")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        s = value.strip()
        try:
            seconds = float(s) if s.replace(".", "", 1).isdigit() else math.nan
        except ValueError:
            seconds = math.nan
        if math.isnan(seconds):
            try:
                dt = datetime.fromisoformat(s.replace("z", "Z"))
            except ValueError:
                raise InputError(f"{where}: time {clip(s, 60)!r} is not a date and time ({hint})") from None
            dt = dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt
            return _in_range(dt, where)
    else:
        raise InputError(f"{where}: time must be text or a number, not {type(value).__name__}")
    if not math.isfinite(seconds):
        raise InputError(f"{where}: time {value!r} is not a date and time ({hint})")
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        dt = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise InputError(f"{where}: time {value!r} is out of range (1970 to 2099)") from None
    return _in_range(dt, where)


def _in_range(dt: datetime, where: str) -> datetime:
    if not TIME_MIN <= dt < TIME_MAX:
        raise InputError(f"{where}: time {dt.isoformat()} is out of range (1970 to 2099)")
    return dt


def _lines(f: IO[bytes], name: str) -> Iterator[tuple[int, str]]:
    """Decoded lines with their numbers; a line that is not UTF-8 is an error naming it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for n, raw in enumerate(f, 1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield n, decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}:{n}: not UTF-8 text (byte {exc.start + 1} of the line)") from None


def _parse_jsonl(f: IO[bytes], name: str) -> tuple[pa.Table, list[str]]:
    import orjson

    b = _Builder(name)
    seen_fields: set[str] = set()
    for n, line in _lines(f, name):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{name}:{n}: not valid JSON ({str(exc).splitlines()[0]})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{name}:{n}: a line must be a JSON object with id, author and text, "
                             f"not {type(obj).__name__}")
        obj = {str(k).strip().lower(): v for k, v in obj.items()}
        missing = [k for k in REQUIRED if k not in obj]
        if missing:
            has = clip(", ".join(sorted(obj)) or "no keys", 200)
            raise InputError(f"{name}:{n}: missing {_fields(missing)} (the line has: {has})")
        seen_fields.update(k for k in OPTIONAL if obj.get(k) not in (None, ""))
        b.add(n, obj["id"], obj["author"], obj["text"], obj.get("thread"), obj.get("parent"), obj.get("time"))
    if not b.cols["id"]:
        raise InputError(f"{name}: no comments in the file")
    return b.table(), _notes(name, b, "thread" in seen_fields)


def _parse_csv(f: IO[bytes], name: str) -> tuple[pa.Table, list[str]]:
    text = io.TextIOWrapper(f, encoding="utf-8", errors="strict", newline="")
    reader = csv.reader(text, strict=True)
    csv.field_size_limit(1 << 27)
    b = _Builder(name)
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)
        if header is None:
            raise InputError(f"{name}: empty file (no header line)")
        header_line = reader.line_num
        names = [h.strip().lower().lstrip("\ufeff") for h in header]
        dup = sorted({h for h in names if h and names.count(h) > 1})
        if dup:
            raise InputError(f"{name}:{header_line}: column {dup[0]!r} appears twice in the header")
        missing = [k for k in REQUIRED if k not in names]
        if missing:
            shown = clip(", ".join(h for h in names if h) or "none", 200)
            raise InputError(f"{name}:{header_line}: missing {_fields(missing)} in the header (columns: {shown})")
        pos = {k: names.index(k) for k in REQUIRED + OPTIONAL if k in names}
        last = reader.line_num
        for row in reader:
            start, last = last + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(names):
                raise InputError(f"{name}:{start}: {len(row)} fields, but the header has {len(names)}")
            b.add(start, row[pos["id"]], row[pos["author"]], row[pos["text"]],
                  row[pos["thread"]] if "thread" in pos else None, row[pos["parent"]] if "parent" in pos else None,
                  row[pos["time"]] if "time" in pos else None)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}:{reader.line_num + 1}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise InputError(f"{name}:{reader.line_num}: not valid CSV ({exc})") from None
    finally:
        text.detach()
    if not b.cols["id"]:
        raise InputError(f"{name}: no comments in the file (a header line only)")
    has_thread = "thread" in pos and any(b.cols["thread"])
    return b.table(), _notes(name, b, has_thread)


def _fields(missing: list[str]) -> str:
    return ("column " if len(missing) == 1 else "columns ") + ", ".join(repr(m) for m in missing)


def _notes(name: str, b: _Builder, has_thread: bool) -> list[str]:
    n = len(b.cols["id"])
    if not has_thread:
        return [f"{name}: no thread column: its {n:,} comments are compared as one thread"]
    empty = sum(1 for t in b.cols["thread"] if t == NO_THREAD)
    if empty:
        return [f"{name}: {empty:,} of {n:,} comments have no thread and are compared as one thread of their own"]
    return []


def parse_comments(f: IO[bytes], name: str, fmt: str) -> tuple[pa.Table, list[str]]:
    """Comments from the byte stream ``f`` in format ``fmt`` (one of :data:`COMMENT_FORMATS`);
    ``name`` is used in messages. Returns the :data:`COMMENT_SCHEMA` table and notes for the user
    (e.g. that the file has no thread column, so all of it is one thread). Raises
    :class:`~trendtrace.model.InputError` ``NAME:LINE: problem`` for a missing column, bad JSON,
    bad CSV, text that is not UTF-8, an empty id or author, a duplicate id, or a bad time."""
    if fmt == "jsonl":
        return _parse_jsonl(f, name)
    if fmt == "csv":
        return _parse_csv(f, name)
    raise InputError(f"{name}: unknown comments format {fmt!r}; formats are: {', '.join(COMMENT_FORMATS)}")


def read_comments(path: str | os.PathLike[str], fmt: str = "auto") -> tuple[pa.Table, list[str]]:
    """:func:`parse_comments` of the file at ``path`` (``.gz`` and ``.zst`` are read through);
    ``fmt="auto"`` picks the format with :func:`comment_format`."""
    from ..readers._io import open_input

    name = str(path)
    with open_input(path) as f:
        if fmt == "auto":
            head = f.peek(4096)[:4096] if hasattr(f, "peek") else b""
            fmt = comment_format(path, head)
        return parse_comments(f, name, fmt)


def comments_from_store(db: str | os.PathLike[str]) -> tuple[pa.Table, list[str]]:
    """The replies in a trendtrace store (posts of kind ``reply``) as comments: ``author`` is the
    account id, ``parent`` the post replied to, and ``thread`` the post at the root of the reply chain
    (the first post up the chain that is not a reply in the store, or the missing post a chain ends
    at). Opens the store read-only. Raises :class:`~trendtrace.store.StoreError` for a missing or
    incompatible store and :class:`~trendtrace.model.InputError` when it holds no replies."""
    from ..store import Store

    with Store(db, read_only=True) as store:
        # fixed SQL, no value from the data or the user in it
        table: pa.Table = store.con.sql(
            "SELECT post_id AS id, account_id AS author, coalesce(text, '') AS text, reply_to_post_id AS parent, "
            "time FROM posts WHERE kind = 'reply' ORDER BY time, post_id").to_arrow_table()
        links = store.con.execute(
            "SELECT post_id, reply_to_post_id FROM posts WHERE reply_to_post_id IS NOT NULL").fetchall()
    if table.num_rows == 0:
        raise InputError(f"{db}: the store holds no replies (posts of kind 'reply'), so there are no comments")
    up = dict(links)
    roots: dict[str, str] = {}

    def root(post: str) -> str:
        path = []
        seen = set()
        while post in up and post not in roots and post not in seen:
            seen.add(post)
            path.append(post)
            post = up[post]
        top = roots.get(post, post)
        for p in path:
            roots[p] = top
        return top

    ids = table.column("id").to_pylist()
    threads = [root(i) for i in ids]
    out = pa.table({
        "id": table.column("id").cast(pa.string()), "author": table.column("author").cast(pa.string()),
        "text": table.column("text").cast(pa.string()), "thread": pa.array(threads, pa.string()),
        "parent": table.column("parent").cast(pa.string()), "time": table.column("time").cast(pa.timestamp("us")),
    }, schema=COMMENT_SCHEMA)
    n_threads = len(set(threads))
    return out, [f"{db}: {out.num_rows:,} replies in {n_threads:,} reply threads "
                 f"(thread = the post at the root of each chain)"]
