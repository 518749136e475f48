"""Streaming CSV with exact physical line numbers and UTF-8 checks, on ``pyarrow.csv``.

``pyarrow.csv.open_csv`` parses in C over the (decompressed) file object, with quoted values that
span lines (``newlines_in_values``). Every column is read as *binary* so that one record with bad
bytes cannot fail the whole batch; each column is then validated as UTF-8 in one cast, and only when
that fails are its values scanned in Python to find and reject the bad records.

Line numbers: the header is line 1 and a record starts one line after the previous record ended.
A record spans ``1 + (newlines inside its values)`` physical lines, counted per batch with
``count_substring`` over all columns and summed with ``numpy.cumsum``. Empty lines are kept as
records by the parser (``ignore_empty_lines=False``) so that they are counted, then dropped
silently. Records with the wrong number of fields go to the ``invalid_row_handler``, which reports
the record's ordinal; they become rejects and their lines are counted from their text. This gives
exact lines without a Python loop per record; only a batch that contains such a bad record is walked
record by record to place it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
import sys
from typing import IO
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from trendtrace.model import InputError, Reject

__all__ = ["CsvBatch", "read_header", "csv_batches"]

_BOM = b"\xef\xbb\xbf"
#: Longest record read, in bytes: a longer one is a reject (no post is 4 MB; such a record is a
#: quote left open or a hostile file, and pyarrow cannot parse past one over about 8 MB).
MAX_RECORD = 4 << 20


@dataclass
class CsvBatch:
    """Good records of one parsed block: string columns, their start lines, and rejects."""

    table: pa.Table  # every column pa.string(), nulls for empty cells
    lines: np.ndarray  # int64, physical line of each record's start
    rejects: list[Reject] = field(default_factory=list)
    records: int = 0  # records read, good or bad (blank lines excluded)


def read_header(f: IO[bytes], source_file: str) -> tuple[list[str], int]:
    """Read the header record from ``f``; return the column names and the lines it took."""
    raw = f.readline()
    if raw.startswith(_BOM):
        raw = raw[3:]
    lines = 1
    # A header cell may be quoted and contain a newline: read on until the quotes balance.
    while raw.count(b'"') % 2 == 1:
        more = f.readline()
        if not more:
            break
        raw += more
        lines += 1
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{source_file}: the header line is not UTF-8 text (byte 0x{raw[e.start]:02x} "
                         f"at column {e.start + 1})") from None
    names = next(csv.reader(io.StringIO(text)), [])
    names = [n.strip() for n in names]
    if not names or not any(names):
        raise InputError(f"{source_file}: no header line (the first line of a CSV file names the columns)")
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = n or "column"
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        else:
            seen[n] = 1
        out.append(n)
    return out, lines


def _utf8(col: pa.Array, name: str) -> tuple[pa.Array, dict[int, str]]:
    """Cast a binary column to string; values that are not UTF-8 become null and are reported."""
    try:
        return pc.cast(col, pa.string()), {}
    except (pa.ArrowInvalid, UnicodeDecodeError):
        pass
    bad: dict[int, str] = {}
    for i, v in enumerate(col.to_pylist()):
        if v is None:
            continue
        try:
            v.decode("utf-8")
        except UnicodeDecodeError as e:
            bad[i] = f"not UTF-8 text in column '{name}' (byte 0x{v[e.start]:02x} at character {e.start + 1})"
    mask = np.zeros(len(col), dtype=bool)
    mask[list(bad)] = True
    return pc.cast(pc.if_else(pa.array(mask), pa.scalar(None, pa.binary()), col), pa.string()), bad


def csv_batches(f: IO[bytes], source_file: str, names: list[str], header_lines: int = 1,
                block_size: int = 1 << 22, reopen: Callable[[], IO[bytes]] | None = None) -> Iterator[CsvBatch]:
    """Parse the records after the header of a CSV stream into :class:`CsvBatch` es.

    ``f`` must be positioned after the header (see :func:`read_header`). Errors from damaged
    compressed input propagate as InputError; other parse failures raise InputError naming the file.
    A record longer than :data:`MAX_RECORD` bytes is a reject with its line. pyarrow cannot parse
    past a record longer than about two blocks; ``reopen`` (a fresh handle on the same file, at its
    start) lets the rest be read by Python's csv module; without it that is a one-line InputError.
    """
    invalid: dict[int, tuple[str, int, int]] = {}

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid[row.number] = (row.text or "", row.actual_columns, row.expected_columns)
        return "skip"

    try:
        reader = _open(f, names, block_size, on_invalid)
    except pa.ArrowInvalid as e:
        if "Empty CSV file" in str(e):
            return  # a header and nothing else: no records
        if not _python_can_go_on(e) or reopen is None:
            raise
        yield from _python_batches(reopen, source_file, names, header_lines + 1)
        return
    state = {"line": header_lines + 1}
    try:
        yield from _batches(reader, f, source_file, names, header_lines, invalid, state)
    except pa.ArrowInvalid as e:
        if not _python_can_go_on(e):
            raise
        # A record longer than pyarrow's block (4 MB) spans more than two blocks. pyarrow cannot
        # go on, so the rest of the file, from the first record not yet handed out, is read by
        # Python's csv module, which rejects the long record with its line and reads the others.
        # The same for a record with the wrong number of fields and bytes that are not UTF-8,
        # which pyarrow fails to hand to the invalid-row handler (it decodes the row's text first).
        if reopen is None:
            raise InputError(f"{source_file}:{state['line']}: a record at or after this line is longer than "
                             f"{MAX_RECORD >> 20} MB, or has the wrong number of fields and bytes that are not "
                             f"UTF-8") from None
        yield from _python_batches(reopen, source_file, names, state["line"])


def _open(f: IO[bytes], names: list[str], block_size: int, on_invalid: object) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        f,
        read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=block_size),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                         invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.binary() for n in names},
                                             strings_can_be_null=True, null_values=[""],
                                             quoted_strings_can_be_null=True),
    )


def _batches(reader: pacsv.CSVStreamingReader, f: IO[bytes], source_file: str, names: list[str],
             header_lines: int, invalid: dict[int, tuple[str, int, int]],
             state: dict[str, int]) -> Iterator[CsvBatch]:
    ncols = len(names)
    rec = 0  # records consumed so far (pyarrow's row.number is 1-based over the same sequence)
    line = header_lines + 1  # physical line where the next record starts

    def take_invalid(out: list[Reject]) -> None:
        nonlocal rec, line
        text, got, want = invalid.pop(rec + 1)
        if text.strip():
            out.append(Reject(source_file, line, f"expected {want} fields, found {got}", text[:2000]))
        line += 1 + text.count("\n")
        rec += 1

    for batch in reader:
        n = batch.num_rows
        rejects: list[Reject] = []
        nl = np.zeros(n, dtype=np.int64)
        for col in batch.columns:
            if col.null_count < n:
                nl += np.asarray(pc.fill_null(pc.count_substring(col, "\n"), 0), dtype=np.int64)
        span = nl + 1
        starts = np.empty(n, dtype=np.int64)
        if invalid and min(invalid) <= rec + n + len(invalid):
            for i in range(n):
                while rec + 1 in invalid:
                    take_invalid(rejects)
                starts[i] = line
                line += int(span[i])
                rec += 1
            # records lost right after the batch end are placed with the next batch / at the end
        else:
            if n:
                starts[0] = line
                np.cumsum(span[:-1], out=starts[1:])
                starts[1:] += line
                line += int(span.sum())
            rec += n
        cols = []
        bad: dict[int, str] = {}
        for name, col in zip(names, batch.columns, strict=False):
            s, b = _utf8(col, name)
            cols.append(s)
            for i, why in b.items():
                bad.setdefault(i, why)
        size = None
        for col in batch.columns:
            b_len = pc.fill_null(pc.binary_length(col), 0)
            size = b_len if size is None else pc.add(size, b_len)
        if size is not None and n:
            for i in np.flatnonzero(np.asarray(size) > MAX_RECORD).tolist():
                bad.setdefault(int(i), f"record longer than {MAX_RECORD >> 20} MB")
        table = pa.Table.from_arrays(cols, names=names)
        # Blank lines and all-empty records are not records.
        empty = None
        for c in cols:
            e = pc.is_null(c)
            empty = e if empty is None else pc.and_(empty, e)
        keep = pc.invert(empty) if empty is not None else pa.array(np.ones(n, bool))
        keep_np = np.asarray(keep, dtype=bool).copy()
        records = int(keep_np.sum()) + len(rejects)
        if bad:
            raw = batch.to_pylist() if len(bad) < 1000 else None
            for i, why in sorted(bad.items()):
                text = ""
                if raw is not None:
                    text = ",".join((v or b"")[:2000].decode("utf-8", "replace") for v in raw[i].values())
                rejects.append(Reject(source_file, int(starts[i]), why, text[:2000]))
                keep_np[i] = False
        mask = pa.array(keep_np)
        if ncols and not keep_np.all():
            table = table.filter(mask)
            starts = starts[keep_np]
        rejects.sort(key=lambda r: r.line)
        state["line"] = line
        yield CsvBatch(table, starts, rejects, records)
    # Bad records at the very end of the file.
    tail: list[Reject] = []
    while invalid and rec + 1 in invalid:
        take_invalid(tail)
    if invalid:  # should not happen; keep them rather than lose them
        for _number, (text, got, want) in sorted(invalid.items()):
            tail.append(Reject(source_file, line, f"expected {want} fields, found {got}", text[:2000]))
    if tail:
        yield CsvBatch(pa.Table.from_arrays([pa.array([], pa.string()) for _ in names], names=names),
                       np.zeros(0, np.int64), tail, len(tail))


def _python_can_go_on(e: Exception) -> bool:
    """True for the pyarrow CSV failures the Python reader reads past (see :func:`csv_batches`)."""
    return "straddl" in str(e) or "CSV parse error" in str(e)


def _python_batches(reopen: Callable[[], IO[bytes]], source_file: str, names: list[str], start_line: int,
                    rows_per_batch: int = 10_000) -> Iterator[CsvBatch]:
    """The records from physical line ``start_line`` on, read by Python's csv module (slower than
    pyarrow, but without a limit on record length): records longer than :data:`MAX_RECORD`, with
    the wrong number of fields or not UTF-8 are rejects with their lines."""
    ncols = len(names)
    limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 1 << 31))
    try:
        with reopen() as f:
            for _ in range(start_line - 1):
                if not f.readline():
                    return
            consumed = [start_line - 1]  # physical lines read so far

            def text_lines() -> Iterator[str]:
                for raw in f:
                    consumed[0] += 1
                    yield raw.decode("utf-8", "surrogateescape")

            reader = csv.reader(text_lines())
            rows: list[list[str]] = []
            lines: list[int] = []
            rejects: list[Reject] = []
            records = 0
            at = start_line
            for rec in reader:
                first, at = at, consumed[0] + 1
                if not rec or all(v == "" for v in rec):
                    continue
                records += 1
                size = sum(len(v) for v in rec)
                raw = ",".join(v[:2000] for v in rec)[:2000].encode("utf-8", "replace").decode("utf-8")
                if size > MAX_RECORD:
                    rejects.append(Reject(source_file, first, f"record longer than {MAX_RECORD >> 20} MB", raw))
                elif len(rec) != ncols:
                    rejects.append(Reject(source_file, first, f"expected {ncols} fields, found {len(rec)}", raw))
                else:
                    why = _not_utf8(rec, names)
                    if why:
                        rejects.append(Reject(source_file, first, why, raw))
                    else:
                        rows.append(rec)
                        lines.append(first)
                if len(rows) >= rows_per_batch or len(rejects) >= rows_per_batch:
                    yield _batch_of(rows, lines, rejects, records, names)
                    rows, lines, rejects, records = [], [], [], 0
            if rows or rejects or records:
                yield _batch_of(rows, lines, rejects, records, names)
    finally:
        csv.field_size_limit(limit)


def _not_utf8(rec: list[str], names: list[str]) -> str | None:
    for name, v in zip(names, rec, strict=False):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError as e:
            byte = ord(v[e.start]) - 0xDC00
            return f"not UTF-8 text in column '{name}' (byte 0x{byte:02x} at character {e.start + 1})"
    return None


def _batch_of(rows: list[list[str]], lines: list[int], rejects: list[Reject], records: int,
              names: list[str]) -> CsvBatch:
    cols = list(zip(*rows, strict=False)) if rows else [() for _ in names]
    table = pa.Table.from_arrays([pa.array([v or None for v in c], pa.string()) for c in cols], names=names)
    return CsvBatch(table, np.asarray(lines, np.int64), rejects, records)
