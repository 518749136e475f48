"""Format detection: peek at the first bytes / line of a file (after decompression).

Detection opens its own handle and reads at most the first 20 lines (twarc2 pages can be
megabytes), so reading the file afterwards starts at its first record. The rules are the detection
hooks of :data:`trendtrace.readers.registry.FORMATS`, asked in their ``detect_order``; today:

- ``PAR1`` magic → ``parquet``, or ``coortweet`` when its columns are exactly the CooRTweet four;
- a JSON object on the first non-blank line:
  ``data`` / ``includes`` → ``x-v2`` (twarc2 page);
  ``author_id`` or ``author`` and no ``user`` → ``x-v2`` (flattened);
  ``id_str`` or ``user``, or a stream notice (``delete``, ``limit``...) → ``x-v1``;
- a CSV header: containing ``tweetid``, ``userid`` and ``tweet_time`` → ``io-archive``; exactly the
  CooRTweet columns → ``coortweet``; any other header with at least two columns → ``csv``.

Anything else raises InputError listing the formats and saying to use ``--format``.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from trendtrace.model import Format, InputError
from trendtrace.readers._io import PARQUET_MAGIC, open_input
from trendtrace.readers.registry import FORMATS_HELP, detectors

__all__ = ["detect_format", "format_of_json", "format_of_header", "FORMATS_HELP"]

_PROBE_LINES = 20


def _unknown(name: str, why: str) -> InputError:
    return InputError(f"{name}: cannot tell the input format ({why}); formats are: {FORMATS_HELP}; "
                      f"name one with --format")


def format_of_json(obj: Any) -> Format | None:
    """The JSON-lines format of one decoded record, or None."""
    if not isinstance(obj, dict):
        return None
    return _first("json_record", obj)


def format_of_header(names: list[str]) -> Format | None:
    """The CSV layout from its header names, or None when it is not a usable header."""
    return _first("csv_header", [n.strip().lower() for n in names])


def _first(hook: str, value: Any) -> Format | None:
    """The first format whose detection ``hook`` says yes to ``value``."""
    for name, says_yes in detectors(hook):
        if says_yes(value):
            return Format(name)
    return None


def detect_format(path: str | os.PathLike[str]) -> Format:
    """Tell the format of ``path`` by peeking; never consumes input (a fresh handle is used).

    Returns a :class:`~trendtrace.model.Format` other than ``AUTO``. Raises InputError for missing
    or empty files and for content that matches no format.
    """
    name = str(path)
    with open_input(path) as f:
        head = f.peek(4)[:4] if hasattr(f, "peek") else b""
        if head == PARQUET_MAGIC:
            return _parquet_format(name)
        first = b""
        lines_seen = 0
        while lines_seen < _PROBE_LINES:
            line = f.readline(64 << 20)
            if not line:
                break
            if lines_seen == 0 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                if not first:
                    first = line
                if not line.lstrip().startswith((b"{", b"[")):
                    break
                try:
                    fmt = format_of_json(orjson.loads(line))
                except orjson.JSONDecodeError:
                    continue  # a damaged first record is a reject later, not a format question
                if fmt is not None:
                    return fmt
                raise _unknown(name, "JSON lines, but neither X API v2 nor v1.1 records")
            lines_seen += 1
    if not first:
        raise InputError(f"{name}: empty file (no records)")
    if first.lstrip().startswith((b"{", b"[")):
        raise _unknown(name, "the first lines are not valid JSON")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise _unknown(name, "not text, not Parquet") from None
    names = next(csv.reader(io.StringIO(text)), [])
    fmt = format_of_header(names)
    if fmt is None:
        raise _unknown(name, "the first line is not a CSV header with at least two named columns")
    return fmt


def _parquet_format(name: str) -> Format:
    try:
        names = [n.lower() for n in pq.ParquetFile(name).schema_arrow.names]
    except (pa.ArrowInvalid, OSError):
        names = []  # no columns: the catch-all takes it, and reading it will report the damage
    fmt = _first("parquet_columns", names)
    if fmt is None:
        raise _unknown(name, "a Parquet file no format claims")
    return fmt
