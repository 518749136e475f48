"""The input formats, in one table: what reads each, how it is recognised, what writes it.

:data:`FORMATS` maps a format's name to its :class:`FormatSpec`. :func:`~trendtrace.readers.read`,
:func:`~trendtrace.readers.detect_format`, the CLI's ``--format`` choices (``ingest``, ``analyze``
and ``simulate``), the "formats are: ..." messages, the formats that accept ``--map`` and the
simulator's writers are all read from it. Adding a format is one reader module, one entry here and
one :class:`~trendtrace.model.Format` member (a test checks the two agree); see ``docs/formats.md``.

Detection asks each entry's hook of the kind the file shows (a JSON record, a CSV header, the
columns of a Parquet file) in ``detect_order`` (lower first; ties in table order); the first yes
names the format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from trendtrace.model import Chunk
from trendtrace.readers.io_archive import REQUIRED as IO_REQUIRED
from trendtrace.readers.io_archive import parse_io_archive, read_io_archive
from trendtrace.readers.tabular import (COORTWEET_COLUMNS, parse_csv, parse_parquet, read_coortweet, read_csv,
                                        read_parquet)
from trendtrace.readers.x_v1 import STREAM_NOTICES, parse_x_v1, read_x_v1
from trendtrace.readers.x_v2 import parse_x_v2, read_x_v2

__all__ = ["FormatSpec", "FORMATS", "FORMATS_HELP", "MAPPED", "ReadFn", "detectors"]

PathArg = str | os.PathLike[str]
#: ``read(path, mapping, chunk_rows)``: open ``path`` and yield its chunks (``mapping`` is None
#: for a format that does not accept ``--map``).
ReadFn = Callable[[PathArg, Mapping[str, str] | None, int], Iterator[Chunk]]


@dataclass(frozen=True)
class FormatSpec:
    """One input format.

    Attributes
    ----------
    name : the ``--format`` value (lower case, also :class:`~trendtrace.model.Format`'s value).
    doc : one line saying what the format is (the docs and ``--help`` quote it).
    read : opens a path and yields chunks; see :data:`ReadFn`.
    parse : the pure parser the reader wraps (over lines or a file object), for library users; optional.
    mapped : accepts ``--map FIELD=COLUMN``.
    json_record : detection: True for a decoded JSON-lines record (a dict) of this format.
    csv_header : detection: True for a CSV header (names stripped and lower-cased) of this format.
    parquet_columns : detection: True for a Parquet file's column names (lower-cased).
    detect_order : order in which hooks are asked (lower first); catch-alls go last.
    writer : name of the simulator's writer class in :mod:`trendtrace.simulate.writers`, or None
        when the simulator cannot write this format.
    """

    name: str
    doc: str
    read: ReadFn
    parse: Callable[..., Iterator[Chunk]] | None = None
    mapped: bool = False
    json_record: Callable[[dict[str, Any]], bool] | None = None
    csv_header: Callable[[list[str]], bool] | None = None
    parquet_columns: Callable[[list[str]], bool] | None = None
    detect_order: int = 50
    writer: str | None = None


def _unmapped(read: Callable[[PathArg, int], Iterator[Chunk]]) -> ReadFn:
    """A ``read(path, chunk_rows)`` as a :data:`ReadFn` (the mapping is always None for it)."""

    def read_path(path: PathArg, mapping: Mapping[str, str] | None, chunk_rows: int) -> Iterator[Chunk]:
        return read(path, chunk_rows)

    read_path.__doc__ = read.__doc__
    return read_path


# Detection hooks. Rules and their order are those of docs/formats.md ("Detection").

def _x_v2_record(obj: dict[str, Any]) -> bool:
    # a twarc2 page, or a flattened tweet (an author and no v1.1 ``user``)
    return "data" in obj or "includes" in obj or (("author_id" in obj or "author" in obj) and "user" not in obj)


def _x_v1_record(obj: dict[str, Any]) -> bool:
    return "id_str" in obj or "user" in obj or not STREAM_NOTICES.isdisjoint(obj)


def _io_archive_header(names: list[str]) -> bool:
    return all(c in names for c in IO_REQUIRED)


def _coortweet_columns(names: list[str]) -> bool:
    return sorted(names) == sorted(COORTWEET_COLUMNS)


def _any_csv_header(names: list[str]) -> bool:
    return len(names) >= 2 and all(names)


def _any_parquet(names: list[str]) -> bool:
    return True


_LAST = 100  # catch-alls: any other CSV header, any other Parquet file

#: Format name → spec, in the order formats are listed in messages and ``--help``.
FORMATS: dict[str, FormatSpec] = {s.name: s for s in (
    FormatSpec("x-v2", "X API v2 (twarc2 response pages or flattened tweets), JSON lines",
               _unmapped(read_x_v2), parse_x_v2, json_record=_x_v2_record, detect_order=10, writer="XV2Writer"),
    FormatSpec("x-v1", "X API v1.1 tweets (and stream notices), JSON lines",
               _unmapped(read_x_v1), parse_x_v1, json_record=_x_v1_record, detect_order=20, writer="XV1Writer"),
    FormatSpec("io-archive", "X information-operations archive CSV",
               _unmapped(read_io_archive), parse_io_archive, csv_header=_io_archive_header, detect_order=10,
               writer="IOArchiveWriter"),
    FormatSpec("csv", "any CSV of posts, columns found by name or --map",
               read_csv, parse_csv, mapped=True, csv_header=_any_csv_header, detect_order=_LAST,
               writer="CsvWriter"),
    FormatSpec("parquet", "any Parquet file of posts, columns found by name or --map",
               read_parquet, parse_parquet, mapped=True, parquet_columns=_any_parquet, detect_order=_LAST,
               writer="ParquetWriter"),
    FormatSpec("coortweet", "the CooRTweet four columns (object_id, account_id, content_id, timestamp_share), "
               "CSV or Parquet",
               read_coortweet, None, mapped=True, csv_header=_coortweet_columns, parquet_columns=_coortweet_columns,
               detect_order=20, writer="CoorTweetWriter"),
)}

#: "x-v2, x-v1, ...": the formats as listed in messages.
FORMATS_HELP = ", ".join(FORMATS)
#: The formats that accept ``--map``.
MAPPED: tuple[str, ...] = tuple(name for name, s in FORMATS.items() if s.mapped)


def detectors(hook: str) -> list[tuple[str, Callable[[Any], bool]]]:
    """``(name, predicate)`` for every format with detection hook ``hook`` (``"json_record"``,
    ``"csv_header"`` or ``"parquet_columns"``), in the order detection asks them."""
    order = sorted(enumerate(FORMATS.values()), key=lambda item: (item[1].detect_order, item[0]))
    return [(s.name, getattr(s, hook)) for _, s in order if getattr(s, hook) is not None]
