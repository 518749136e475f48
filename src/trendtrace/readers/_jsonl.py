"""JSON lines plumbing shared by the X v1.1 and v2 readers: numbering, decoding, reject reasons."""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Iterable, Iterator

import orjson

from trendtrace.model import clip
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


def numbered_records(numbered: Iterable[tuple[int, bytes]],
                     buf: RowBuffer) -> Iterator[tuple[int, dict[str, Any], bytes]]:
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


# ----------------------------------------------------------------------------------- JSON shapes
# Records come from strangers: any field can hold any JSON type. The helpers below read a field
# as the shape the API documents or raise BadRecord with a reason naming the field; lenient
# variants (``obj``) are for context the record does not stand or fall with (account snapshots).

_EMPTY: dict[str, Any] = {}
#: Largest integer a float holds exactly: a float id beyond it has lost digits already.
_EXACT = 2 ** 53


class BadRecord(ValueError):
    """A record whose field has a JSON type the format does not allow; ``str()`` is the reason."""


def kind_of(v: Any) -> str:
    """A JSON value's type in words, for reasons."""
    from trendtrace.readers._rows import json_kind

    return json_kind(v)


def id_text(v: Any, name: str) -> str | None:
    """An id as text: strings as given, whole numbers in decimal; None when missing or empty.

    Raises BadRecord for a list, object or true/false (once stored as Python's ``['1']``) and for
    a number with a fraction or beyond 2**53 as a float (JSON parsers give floats for integers
    past 64 bits, whose last digits are gone: the id would silently be another).
    """
    t = type(v)
    if t is str:
        return v or None
    if v is None:
        return None
    if t is int:
        return str(v)
    if t is float:
        if v.is_integer() and abs(v) <= _EXACT:
            return str(int(v))
        raise BadRecord(f"'{name}' {clip(repr(v), 40)} is not an exact id (write ids as text, e.g. '{name}_str')")
    raise BadRecord(f"'{name}' is {kind_of(v)}, not an id")


def obj(v: Any) -> dict[str, Any]:
    """``v`` if it is an object, else an empty one (lenient: for context, not the record itself)."""
    return v if type(v) is dict else _EMPTY


def strict_obj(v: Any, name: str) -> dict[str, Any]:
    """``v`` if it is an object, empty when missing; BadRecord for any other type."""
    if type(v) is dict:
        return v
    if v is None:
        return _EMPTY
    raise BadRecord(f"'{name}' is {kind_of(v)}, not an object")


def objs(v: Any, name: str) -> list[dict[str, Any]]:
    """A list of objects (empty when missing); BadRecord when ``v`` or an item is another type."""
    if v is None:
        return []
    if type(v) is not list:
        raise BadRecord(f"'{name}' is {kind_of(v)}, not a list")
    for x in v:
        if type(x) is not dict:
            raise BadRecord(f"'{name}' holds {kind_of(x)}, not objects")
    return v


def texts(items: list[dict[str, Any]], key: str, name: str) -> list[str]:
    """The non-empty text values of ``key`` in ``items``; BadRecord for a value of another type."""
    out = []
    for x in items:
        v = x.get(key)
        if type(v) is str:
            if v:
                out.append(v)
        elif v is not None:
            raise BadRecord(f"'{name}.{key}' is {kind_of(v)}, not text")
    return out


def text_or_none(v: Any) -> str | None:
    """``v`` if it is text, else None (handles and names of account snapshots)."""
    return v if type(v) is str else None
