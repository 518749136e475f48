"""Vectorised column helpers for the tabular readers (io-archive, csv, parquet, coortweet).

Everything here works on whole Arrow arrays with ``pyarrow.compute``; Python runs only over the
*distinct* values of a column (hashtag and URL normalisation, which are ``lru_cache``-d anyway) and
over the rare bad rows (to word their reject reasons).
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trendtrace.model import ACCOUNT_SCHEMA, NAMES_SCHEMA, POST_SCHEMA, normalize_hashtag, normalize_url

_LIST = pa.list_(pa.string())
_TS = pa.timestamp("us")
_SEP = "\x1f"
_NUMERIC = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_ZONE = r"([zZ]|[+-]\d\d(:?\d\d)?|\s*(UTC|GMT))$"


def as_string(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Any scalar column as a string array (dictionary decoded, large types narrowed)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_floating(arr.type):
        # Ids stored as floats (1234.0) would otherwise print with a decimal point.
        whole = pc.equal(pc.floor(arr), arr)
        ints = pc.cast(pc.if_else(whole, arr, None), pa.int64(), safe=False)
        return pc.if_else(whole, pc.cast(ints, pa.string()), pc.cast(arr, pa.string()))
    return pc.cast(arr, pa.string())


#: Largest integer a float64 holds exactly.
_EXACT = float(2 ** 53)


def id_column(arr: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """``(ids as text, inexact)`` of an id column, normalised the same way in every reader.

    Text is trimmed and a float-printed whole number loses its zero fraction (``456.0`` →
    ``456``; spreadsheets and pandas write ids so); other text, however long (ids beyond 64 bits),
    is kept exactly as written. Integers print in full. A float column holds ids exactly only up
    to 2**53: beyond that, or with a fraction, the value is null and ``inexact`` is true, since
    printing it would give another account's id.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    n = len(arr)
    if pa.types.is_floating(arr.type):
        f = pc.cast(arr, pa.float64())
        exact = pc.fill_null(pc.and_(pc.equal(pc.floor(f), f), pc.less_equal(pc.abs(f), _EXACT)), False)
        ints = pc.cast(pc.if_else(exact, f, None), pa.int64(), safe=False)
        out = pc.if_else(exact, pc.cast(ints, pa.string()), pa.scalar(None, pa.string()))
        return out, pc.and_(pc.is_valid(arr), pc.invert(exact))
    s = pc.utf8_trim_whitespace(as_string(arr))
    s = pc.replace_substring_regex(s, r"^([0-9]+)\.0+$", r"\1")
    return blank_to_null(s), pa.array(np.zeros(n, bool))


def blank_to_null(arr: pa.Array) -> pa.Array:
    """Strings that are empty or only whitespace become null."""
    return pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), None, arr)


def to_number(arr: pa.Array, typ: pa.DataType) -> pa.Array:
    """Numbers from text (``12``, ``12.0``, ``1e3``); anything else (``absent``, empty) → null."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_boolean(arr.type):
        return pc.cast(arr, typ, safe=False)
    s = pc.utf8_trim_whitespace(as_string(arr))
    ok = pc.match_substring_regex(s, _NUMERIC)
    f = pc.cast(pc.if_else(ok, s, None), pa.float64())
    if pa.types.is_integer(typ):
        f = pc.if_else(pc.is_finite(f), f, None)
        # Counts beyond int64 are garbage in the source; clamp them to null instead of wrapping.
        f = pc.if_else(pc.less(pc.abs(f), 9.0e18), f, None)
        return pc.cast(pc.round(f), typ, safe=False)
    return pc.cast(f, typ)


def to_bool(arr: pa.Array) -> pa.Array:
    """``True``/``true``/``1``/``yes`` → true, ``False``/``false``/``0``/``no`` → false, else null."""
    if pa.types.is_boolean(arr.type):
        return arr
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return pc.not_equal(arr, 0)
    s = pc.utf8_lower(pc.utf8_trim_whitespace(as_string(arr)))
    t = pc.is_in(s, pa.array(["true", "t", "1", "yes", "y", "1.0"]))
    f = pc.is_in(s, pa.array(["false", "f", "0", "no", "n", "0.0"]))
    return pc.if_else(t, True, pc.if_else(f, False, pa.scalar(None, pa.bool_())))


_STRING = pa.string()


def map_distinct(arr: pa.Array, fn: Callable[[str], Any], typ: pa.DataType = _STRING) -> pa.Array:
    """``fn`` applied to each distinct value of a string array, then broadcast back (nulls stay)."""
    if len(arr) == 0:
        return pa.array([], typ)
    uniq = pc.unique(arr)
    mapped = pa.array([None if v is None else fn(v) for v in uniq.to_pylist()], typ)
    return pc.take(mapped, pc.index_in(arr, uniq))


def per_distinct(arr: pa.Array | pa.ChunkedArray, fn: Callable[[pa.Array], Any], min_rows: int = 2048,
                 max_share: float = 0.5) -> Any:
    """``fn(arr)`` computed over the distinct values of ``arr`` only, then spread back with ``take``.

    ``fn`` must be element-wise (row ``i`` of its result depends on row ``i`` of its input alone),
    which every column conversion of the tabular readers is; the result is then identical to
    ``fn(arr)``. Archive columns such as counts, languages, clients, times to the minute and list
    cells repeat heavily, so this is several times cheaper. When there are few rows, or more than
    ``max_share`` of them are distinct, ``fn`` runs on ``arr`` itself. Nulls are encoded as a value
    of their own, so ``fn`` sees them too. ``fn`` may return an Array or a tuple of Arrays.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if n < min_rows:
        return fn(arr)
    enc = pc.dictionary_encode(arr, null_encoding="encode")
    if len(enc.dictionary) > max_share * n:
        return fn(arr)
    out = fn(enc.dictionary)
    if isinstance(out, tuple):
        return tuple(pc.take(o, enc.indices) for o in out)
    return pc.take(out, enc.indices)


def _rebuild(parents: np.ndarray, values: pa.Array, n: int) -> pa.Array:
    counts = np.bincount(parents, minlength=n) if len(parents) else np.zeros(n, np.int64)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values.cast(pa.string()))


def drop_empty_items(lists: pa.Array) -> pa.Array:
    """A list<string> array without null or empty items; null lists become empty lists."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    n = len(lists)
    lists = pc.if_else(pc.is_null(lists), pa.scalar([], _LIST), lists)
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    keep = pc.and_(pc.is_valid(flat), pc.not_equal(flat, ""))
    keep = pc.fill_null(keep, False)
    return _rebuild(np.asarray(pc.filter(parents, keep)), pc.filter(flat, keep), n)


def list_from_text(arr: pa.Array) -> pa.Array:
    """Parse list-valued text cells into list<string>.

    Accepted per cell: Python-list text ``['a', 'b']`` (or with double quotes, or unquoted
    ``[a, b]``), ``a|b``, ``a,b``, ``a b``; empty, null and ``[]`` give an empty list. A cell is
    split by the first rule that applies in that order.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        return drop_empty_items(pc.cast(arr, _LIST))
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        # A scalar column mapped to a list field (an id per row): a one-item list.
        s = as_string(arr)
        return drop_empty_items(pa.ListArray.from_arrays(pa.array(np.arange(len(s) + 1, dtype=np.int32)), s))
    s = as_string(arr)
    n = len(s)
    # Most cells are empty, ``[]`` or plain ``['a', 'b']``: those take substring kernels only; the
    # rare rest goes through the general regex path. Results are put back in row order by ``take``.
    length = pc.fill_null(pc.binary_length(s), 0)
    empty = pc.or_(pc.less_equal(length, 2), pc.equal(s, "[]"))
    simple = pc.and_(pc.and_(pc.starts_with(s, "['"), pc.ends_with(s, "']")),
                     pc.invert(pc.match_substring(s, '"')))
    simple = pc.fill_null(pc.and_(simple, pc.invert(empty)), False)
    empty = pc.fill_null(pc.and_(empty, pc.invert(pc.match_substring_regex(s, r"^[^\[\]\s]+$"))), True)
    other = pc.and_(pc.invert(simple), pc.invert(empty))
    idx_simple = pc.indices_nonzero(simple)
    idx_other = pc.indices_nonzero(other)
    idx_empty = pc.indices_nonzero(empty)
    fast = pc.split_pattern(pc.utf8_slice_codeunits(pc.take(s, idx_simple), 2, -2), "', '")
    slow = _general_lists(pc.take(s, idx_other))
    none = pa.ListArray.from_arrays(pa.array(np.zeros(len(idx_empty) + 1, np.int32)), pa.array([], pa.string()))
    lists = pa.concat_arrays([fast.cast(_LIST), slow.cast(_LIST), none])
    positions = np.concatenate([np.asarray(idx_simple), np.asarray(idx_other), np.asarray(idx_empty)])
    inverse = np.empty(n, dtype=np.int64)
    inverse[positions] = np.arange(n, dtype=np.int64)
    return drop_empty_items(pc.take(lists, pa.array(inverse)))


def _general_lists(s: pa.Array) -> pa.Array:
    """The regex path of :func:`list_from_text` for cells that are not simple Python lists."""
    s = pc.utf8_trim_whitespace(s)
    bracket = pc.starts_with(s, "[")
    inner = pc.replace_substring_regex(s, r"^\[\s*|\s*\]$", "")
    quoted = pc.and_(bracket, pc.match_substring_regex(inner, r"^['\"]"))
    q = pc.replace_substring_regex(inner, r"['\"]\s*,\s*['\"]", _SEP)
    q = pc.replace_substring_regex(q, r"^['\"]|['\"]$", "")
    comma = pc.replace_substring_regex(inner, r"\s*,\s*", _SEP)
    pipe = pc.replace_substring_regex(inner, r"\s*\|\s*", _SEP)
    space = pc.replace_substring_regex(inner, r"\s+", _SEP)
    has_pipe = pc.match_substring(inner, "|")
    has_comma = pc.match_substring(inner, ",")
    joined = pc.if_else(quoted, q, pc.if_else(has_pipe, pipe, pc.if_else(
        pc.or_(bracket, has_comma), comma, space)))
    return pc.split_pattern(joined, _SEP)


def map_list_values(lists: pa.Array, fn: Callable[[str], Any]) -> pa.Array:
    """``fn`` over every item of a list<string> array (once per distinct item); empties dropped."""
    n = len(lists)
    flat = pc.list_flatten(lists)
    parents = np.asarray(pc.list_parent_indices(lists))
    mapped = map_distinct(flat, fn)
    keep = pc.fill_null(pc.not_equal(mapped, ""), False)
    return _rebuild(parents[np.asarray(keep, dtype=bool)] if len(parents) else parents, pc.filter(mapped, keep), n)


def strip_hash(tag: str) -> str:
    return tag.lstrip("#＃")


def hashtag_lists(raw: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``(hashtags, hashtags_raw)`` from a list<string> of tags as written."""
    raw = map_list_values(raw, strip_hash)
    return map_list_values(raw, normalize_hashtag), raw


def url_lists(raw: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``(urls, urls_raw)`` from a list<string> of links as given."""
    return map_list_values(raw, normalize_url), raw


def python_lists(texts: pa.Array, fn: Callable[[str | None], list[str]]) -> pa.Array:
    """list<string> by calling ``fn`` on each text (for extraction from post text)."""
    return pa.array([fn(t) for t in texts.to_pylist()], _LIST)


class TimeParser:
    """Parses time columns of any shape into naive UTC ``timestamp[us]``.

    Accepts: Arrow timestamps (zone-aware → UTC; naive → taken as UTC, flagged), dates, numbers
    (unix seconds; milliseconds when above 1e11), text that is numeric (same), ISO 8601 with or
    without zone, ``YYYY-MM-DD HH:MM[:SS]``, ``YYYY-MM-DD``, and v1.1's ``Wed Oct 10 20:19:24 +0000
    2018``. Text is parsed by DuckDB (``TRY_CAST(... AS TIMESTAMPTZ)`` in a UTC session), the one
    parser here that takes ISO 8601 with and without zone in the same column.
    """

    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None

    def _duck(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = duckdb.connect()
            self._con.execute("SET TimeZone = 'UTC'")
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def parse(self, arr: pa.Array) -> tuple[pa.Array, bool]:
        """``(times, naive)``: times null where the input is null or unreadable; ``naive`` is True
        when some value carried no zone."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        t = arr.type
        if pa.types.is_timestamp(t):
            if t.tz is None:
                return pc.cast(arr, _TS), arr.null_count < len(arr)
            return pc.cast(pc.cast(arr, pa.timestamp("us", "UTC")), _TS), False
        if pa.types.is_date(t):
            return pc.cast(pc.cast(arr, pa.timestamp("s")), _TS), arr.null_count < len(arr)
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return self._unix(pc.cast(arr, pa.float64())), False
        s = pc.utf8_trim_whitespace(as_string(arr))
        numeric = pc.match_substring_regex(s, _NUMERIC)
        unix = self._unix(pc.cast(pc.if_else(numeric, s, None), pa.float64()))
        text = pc.if_else(numeric, None, s)
        if text.null_count == len(text):
            return unix, False
        con = self._duck()
        con.register("_tt_times", pa.table({"s": text}))
        try:
            out = con.sql(
                "SELECT coalesce(TRY_CAST(s AS TIMESTAMPTZ), try_strptime(s, '%a %b %d %H:%M:%S %z %Y')) "
                "FROM _tt_times").arrow()
            if not isinstance(out, pa.Table):
                out = out.read_all()  # DuckDB 2 hands out a lazy RecordBatchReader
        finally:
            con.unregister("_tt_times")
        parsed = out.column(0).combine_chunks() if out.num_rows else pa.array([], pa.timestamp("us", "UTC"))
        parsed = pc.cast(pc.cast(parsed, pa.timestamp("us", "UTC")), _TS)
        zoned = pc.match_substring_regex(text, _ZONE)
        naive = bool(pc.any(pc.and_(pc.is_valid(parsed), pc.invert(pc.fill_null(zoned, True)))).as_py() or False)
        return pc.coalesce(unix, parsed), naive

    @staticmethod
    def _unix(f: pa.Array) -> pa.Array:
        f = pc.if_else(pc.is_finite(f), f, None)
        secs = pc.if_else(pc.greater(pc.abs(f), 1e11), pc.divide(f, 1000.0), f)
        # Keep to years 1677–2262, the range of a 64-bit microsecond timestamp... and sane data.
        secs = pc.if_else(pc.less(pc.abs(secs), 9.0e12), secs, None)
        micros = pc.cast(pc.round(pc.multiply(secs, 1e6)), pa.int64(), safe=False)
        return pc.cast(micros, _TS)


def latest_per_account(accounts: pa.Table) -> pa.Table:
    """One row per ``account_id``: the row with the latest ``seen_at`` (ties: the later row)."""
    return _first_per_account(accounts, [("s", "descending", "at_end"), ("i", "descending", "at_end")])


def names_of(accounts: pa.Table) -> pa.Table:
    """``NAMES_SCHEMA`` rows of an accounts table: per (account, handle, display name), the first
    and last ``seen_at``."""
    if not accounts.num_rows:
        return NAMES_SCHEMA.empty_table()
    g = accounts.select(["account_id", "handle", "display_name", "seen_at"]).group_by(
        ["account_id", "handle", "display_name"], use_threads=False).aggregate([("seen_at", "min"), ("seen_at", "max")])
    return pa.Table.from_arrays([g["account_id"], g["handle"], g["display_name"], g["seen_at_min"], g["seen_at_max"]],
                                schema=NAMES_SCHEMA)


def best_per_account(accounts: pa.Table) -> pa.Table:
    """One row per ``account_id`` by the rule the store applies: the latest ``seen_at`` (missing
    last), then the smallest handle, then display name (missing last), then the earlier row."""
    return _first_per_account(accounts, [("s", "descending", "at_end"), ("h", "ascending", "at_end"),
                                         ("d", "ascending", "at_end"), ("i", "ascending", "at_end")])


def _first_per_account(accounts: pa.Table, keys: list[tuple[str, str, str]]) -> pa.Table:
    """The first row per ``account_id`` in the order ``keys`` over ``s`` (seen_at), ``h`` (handle),
    ``d`` (display name) and ``i`` (row number)."""
    n = accounts.num_rows
    if n <= 1:
        return accounts
    order = pc.sort_indices(
        pa.table({"a": accounts["account_id"], "s": accounts["seen_at"], "h": accounts["handle"],
                  "d": accounts["display_name"], "i": pa.array(np.arange(n))}),
        sort_keys=[("a", "ascending", "at_end")] + keys)
    acc = pc.take(accounts["account_id"], order).combine_chunks()
    first = np.ones(n, dtype=bool)
    first[1:] = np.asarray(pc.fill_null(pc.not_equal(acc[1:], acc[:-1]), True))
    return accounts.take(pc.filter(order, pa.array(first)))


def table_of(schema: pa.Schema, columns: dict[str, Any], n: int) -> pa.Table:
    """A table with exactly ``schema``: given columns cast to their types, the rest null (lists:
    empty lists)."""
    arrays = []
    for f in schema:
        v = columns.get(f.name)
        if v is None:
            if pa.types.is_list(f.type):
                offsets = pa.array(np.zeros(n + 1, np.int32))
                v = pa.ListArray.from_arrays(offsets, pa.array([], pa.string()))
            else:
                v = pa.nulls(n, f.type)
        elif isinstance(v, (str, int, float)) and not isinstance(v, bool):
            v = pc.fill_null(pa.nulls(n, f.type), pa.scalar(v, f.type))  # no Python list of n
        else:
            if isinstance(v, pa.ChunkedArray):
                v = v.combine_chunks()
            if v.type != f.type:
                v = pc.cast(v, f.type)
        arrays.append(v)
    return pa.Table.from_arrays(arrays, schema=schema)


def empty_posts() -> pa.Table:
    return POST_SCHEMA.empty_table()


def empty_accounts() -> pa.Table:
    return ACCOUNT_SCHEMA.empty_table()


class Regroup:
    """Collects per-batch tables until a chunk holds at least ``chunk_rows`` posts."""

    def __init__(self, chunk_rows: int, reduce: Callable[[pa.Table], pa.Table] = latest_per_account) -> None:
        self.chunk_rows = chunk_rows
        self.reduce = reduce
        self._posts: list[pa.Table] = []
        self._accounts: list[pa.Table] = []
        self._rejects: list[Any] = []
        self._rows = 0
        self._records = 0
        self.naive = False

    def add(self, posts: pa.Table, accounts: pa.Table, rejects: list[Any], records: int, naive: bool) -> bool:
        """Add one batch; True when a chunk is ready."""
        self._posts.append(posts)
        self._accounts.append(accounts)
        self._rejects.extend(rejects)
        self._rows += posts.num_rows
        self._records += records
        self.naive = self.naive or naive
        return self._rows >= self.chunk_rows

    def pending(self) -> bool:
        return bool(self._posts or self._rejects or self._records)

    def take(self) -> Any:
        from trendtrace.model import Chunk

        posts = pa.concat_tables(self._posts) if self._posts else empty_posts()
        every = pa.concat_tables(self._accounts) if self._accounts else empty_accounts()
        accounts = self.reduce(every)
        chunk = Chunk(posts=posts.combine_chunks(), accounts=accounts.combine_chunks(), rejects=self._rejects,
                      naive_time=self.naive, records=self._records, names=names_of(every))
        self._posts, self._accounts, self._rejects = [], [], []
        self._rows = self._records = 0
        self.naive = False
        return chunk
