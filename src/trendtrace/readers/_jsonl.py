"""JSON lines plumbing shared by the X v1.1 and v2 readers: numbering, decoding, reject reasons."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

import orjson

from trendtrace.readers._rows import RowBuffer

_BOM = b"\xef\xbb\xbf"
_POS = re.compile(r"^(.*): line \d+ column (\d+)")


def bad_json_reason(line: bytes, err: Exception) -> str:
    """Why ``line`` is not a JSON record: non-UTF-8 bytes are named with their 1-based column."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as u:
        return f"not UTF-8 text (byte 0x{line[u.start]:02x} at column {u.start + 1})"
    m = _POS.match(str(err))
    if m:
        return f"not valid JSON: {m.group(1)} at column {m.group(2)}"
    return f"not valid JSON: {err}"


def json_records(lines: Iterable[bytes], buf: RowBuffer) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """``(line number, object, raw line)`` for each non-blank line; bad lines become rejects.

    Line numbers are physical and 1-based. Blank lines are not records. A line that is valid JSON
    but not an object (a bare list or number) is rejected too.
    """
    return numbered_records(enumerate(lines, 1), buf)


def numbered_records(numbered: Iterable[tuple[int, bytes]], buf: RowBuffer) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """:func:`json_records` over ``(line number, line)`` pairs: some lines of a file, numbered."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    for lineno, line in numbered:
        if lineno == 1 and line.startswith(_BOM):
            line = line[3:]
        if not line.strip():
            continue
        buf.records += 1
        try:
            obj = loads(line)
        except decode_error as e:
            buf.reject(lineno, bad_json_reason(line, e), line)
            continue
        if type(obj) is not dict:
            buf.reject(lineno, f"not a JSON object (found {type(obj).__name__})", line)
            continue
        yield lineno, obj, line
