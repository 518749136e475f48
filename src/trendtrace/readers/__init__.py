"""Input readers: files of posts in, :class:`~trendtrace.model.Chunk` s of canonical rows out.

One module per format (``x_v2``, ``x_v1``, ``io_archive``, ``tabular`` for csv / parquet /
coortweet) with a pure parser over lines or a file object and a thin wrapper that opens the path;
:data:`FORMATS` (:mod:`~trendtrace.readers.registry`) names each format's reader, detection hooks
and simulator writer; :mod:`~trendtrace.readers.detect` peeks at a file to name its format. Readers
never touch the store: they yield chunks, and the store ingests them in one transaction per file.
Bad records become ``Chunk.rejects`` (line and reason); whole-file problems raise
:class:`~trendtrace.model.InputError`. See ``docs/formats.md`` for every format's mapping.

>>> from trendtrace.readers import read
>>> for chunk in read("tweets.jsonl.gz"):          # doctest: +SKIP
...     print(chunk.posts.num_rows, len(chunk.rejects))
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendtrace.model import TIME_MAX, TIME_MIN, Chunk, Format, InputError, Reject
from trendtrace.readers._io import check_path
from trendtrace.readers.detect import detect_format
from trendtrace.readers.io_archive import parse_io_archive
from trendtrace.readers.registry import FORMATS, FORMATS_HELP, MAPPED, FormatSpec
from trendtrace.readers.tabular import ALIASES, MAPPABLE_FIELDS, parse_csv, parse_mapping_args, parse_parquet
from trendtrace.readers.x_v1 import parse_x_v1
from trendtrace.readers.x_v2 import parse_x_v2

__all__ = [
    "read",
    "detect_format",
    "FORMATS",
    "FormatSpec",
    "parse_x_v2",
    "parse_x_v1",
    "parse_io_archive",
    "parse_csv",
    "parse_parquet",
    "parse_mapping_args",
    "ALIASES",
    "MAPPABLE_FIELDS",
]

def _format(fmt: Format | str, name: str) -> str:
    """The registry name of ``fmt``, or ``"auto"``."""
    key = fmt.value if isinstance(fmt, Format) else str(fmt).strip().lower()
    if key != Format.AUTO and key not in FORMATS:
        raise InputError(f"{name}: unknown format '{fmt}'; formats are: auto, {FORMATS_HELP}")
    return key


def _listed(names: tuple[str, ...]) -> str:
    """``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def read(path: str | os.PathLike[str], fmt: Format | str = "auto", mapping: Mapping[str, str] | None = None,
         chunk_rows: int = 50_000) -> Iterator[Chunk]:
    """Read a file of posts in any supported format, in chunks.

    Parameters
    ----------
    path : str or PathLike
        The file; ``.gz`` / ``.zst`` compression is recognised by its magic bytes.
    fmt : Format or str
        ``"auto"`` (default) detects with :func:`detect_format`; or a name in :data:`FORMATS`
        (``x-v2``, ``x-v1``, ``io-archive``, ``csv``, ``parquet``, ``coortweet``).
    mapping : mapping of str to str, optional
        FIELD → COLUMN for the formats with ``mapped`` set (``csv``, ``parquet``, ``coortweet``:
        ``--map``); see
        :data:`~trendtrace.readers.tabular.ALIASES` for what is found without one.
    chunk_rows : int
        Approximate posts per chunk (default 50,000, the ``chunk_rows`` setting).

    Yields
    ------
    Chunk
        ``posts`` and ``accounts`` tables with exactly ``POST_SCHEMA`` / ``ACCOUNT_SCHEMA``,
        ``rejects`` (bad records with their 1-based line and reason), ``naive_time`` (some time had
        no zone and was read as UTC) and ``records``. Memory stays flat in the file size.

    Raises
    ------
    InputError
        File missing or empty, format unknown, a mapping naming a missing column, a required field
        without a column, or compressed data that ends early (raised after the complete chunks
        before the damage were yielded).

    Notes
    -----
    Every reader's chunks pass :func:`in_time_range`: a post time before 1970 or from 2100 on
    (:data:`~trendtrace.model.TIME_MIN`, :data:`~trendtrace.model.TIME_MAX`) is a reject; an
    account's ``created_at`` or ``seen_at`` outside that range becomes unknown (null).
    """
    return _checked(_reader(path, fmt, mapping, chunk_rows))


def _checked(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    for chunk in chunks:
        yield in_time_range(chunk)


def _outside(ts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """True where a timestamp is present and outside [TIME_MIN, TIME_MAX)."""
    lo, hi = pa.scalar(TIME_MIN, pa.timestamp("us")), pa.scalar(TIME_MAX, pa.timestamp("us"))
    return pc.fill_null(pc.or_(pc.less(ts, lo), pc.greater_equal(ts, hi)), False)


def _within(ts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``ts`` with the values outside the accepted range as null."""
    return pc.if_else(_outside(ts), pa.scalar(None, ts.type), ts)


def in_time_range(chunk: Chunk) -> Chunk:
    """``chunk`` with posts timed outside the accepted range turned into rejects and account times
    outside it made null.

    Such dates come from broken exports (year 9999 as "never", 0999 for 1999) and would make the
    analysis stages fail on day and offset arithmetic long after ingest said yes, so they are
    refused at the door, where the line is still known.
    """
    posts = chunk.posts
    if posts.num_rows:
        bad = _outside(posts["time"])
        if pc.any(bad).as_py():
            mask = np.asarray(bad, dtype=bool)
            shown = pc.cast(pc.filter(posts["time"], bad), pa.string()).to_pylist()
            lines = pc.filter(posts["source_line"], bad).to_pylist()
            source = posts["source_file"][0].as_py() or ""
            extra = [Reject(source, int(line or 0),
                            f"time {str(t)[:19]} is outside the accepted range (1970-01-01 to 2099-12-31)")
                     for t, line in zip(shown, lines, strict=False)]
            chunk.posts = posts.filter(pa.array(~mask))
            chunk.rejects = sorted(list(chunk.rejects) + extra, key=lambda r: r.line)
    acc = chunk.accounts
    if acc.num_rows:
        for name in ("created_at", "seen_at"):
            i = acc.schema.get_field_index(name)
            acc = acc.set_column(i, name, _within(acc[name]))
        chunk.accounts = acc
    if chunk.names is not None and chunk.names.num_rows:
        names = chunk.names
        for name in ("first_seen", "last_seen"):
            i = names.schema.get_field_index(name)
            names = names.set_column(i, name, _within(names[name]))
        chunk.names = names
    return chunk


def _reader(path: str | os.PathLike[str], fmt: Format | str, mapping: Mapping[str, str] | None,
            chunk_rows: int) -> Iterator[Chunk]:
    name = str(path)
    check_path(path)  # missing / empty files fail here, not at the first next()
    f = _format(fmt, name)
    if f == Format.AUTO:
        f = detect_format(path).value
    if chunk_rows < 1:
        raise InputError(f"{name}: chunk_rows must be at least 1")
    spec = FORMATS[f]
    if mapping and not spec.mapped:
        raise InputError(f"{name}: --map applies to the {_listed(MAPPED)} formats, not {f}")
    return spec.read(path, mapping if spec.mapped else None, chunk_rows)
