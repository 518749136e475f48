"""Shared helpers of the report package: reading result tables that may be absent, pseudonyms,
spreadsheet-safe cells and JSON that is safe to embed in HTML.

Nothing here computes analysis; it reads tables the stages wrote (``docs/schema.md``).
"""

from __future__ import annotations

import decimal
import hashlib
import json
import math
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

#: Every table the report may read. Any of them may be absent or empty.
KNOWN_TABLES = (
    "posts", "accounts", "files", "coaction_pairs", "edges", "edge_evidence",
    "account_coordination", "clusters", "account_signals", "cluster_origin", "trends",
    "trend_timeline", "overlap", "multi_campaign_accounts", "runs",
)


class Store:
    """Read-only view of a store connection: which tables and columns exist, typed queries.

    ``con`` is any DuckDB connection (read-only or not); the report only runs SELECTs on it.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND (table_catalog = current_database() "
            "OR (table_catalog = 'temp' AND table_name = 'posts'))"  # the view over a Parquet data set
        ).fetchall()
        self.columns: dict[str, set[str]] = {}
        self.types: dict[tuple[str, str], str] = {}
        for table, column, kind in rows:
            self.columns.setdefault(table, set()).add(column)
            self.types[(table, column)] = str(kind)

    def is_list(self, table: str, column: str) -> bool:
        """True when the column is a list type (``VARCHAR[]``)."""
        return self.types.get((table, column), "").endswith("[]")

    def has(self, table: str, *columns: str) -> bool:
        """True when ``table`` exists with every one of ``columns``."""
        have = self.columns.get(table)
        return have is not None and all(c in have for c in columns)

    def col(self, table: str, alias: str, name: str, default: str = "NULL") -> str:
        """SQL for column ``name`` of ``table`` (as ``alias.name``), or ``default`` when absent.

        Names come from this module's own constants, never from user input.
        """
        return f"{alias}.{name}" if self.has(table, name) else default

    def count(self, table: str) -> int:
        if not self.has(table):
            return 0
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])

    def status(self, table: str) -> str:
        """``ok``, ``empty`` or ``not computed`` (table absent), for the report's section notes."""
        if not self.has(table):
            return "not computed"
        return "ok" if self.count(table) else "empty"

    def table(self, sql: str, params: Iterable[Any] | Mapping[str, Any] | None = None) -> pa.Table:
        """Run a SELECT with bound parameters and return an Arrow table."""
        return self.con.sql(sql, params=params).to_arrow_table()

    def reader(self, sql: str, params: Iterable[Any] | Mapping[str, Any] | None = None,
               batch_size: int = 65_536) -> pa.RecordBatchReader:
        """Run a SELECT and stream its result as Arrow record batches (memory flat in its size)."""
        return self.con.sql(sql, params=params).to_arrow_reader(batch_size)

    def rows(self, sql: str, params: Iterable[Any] | Mapping[str, Any] | None = None) -> list[dict]:
        """Run a SELECT and return JSON-friendly dicts (see :func:`jsonable`)."""
        return [{k: jsonable(v) for k, v in r.items()} for r in self.table(sql, params).to_pylist()]


def jsonable(v: Any) -> Any:
    """A value as JSON can hold it: times as ISO 8601 UTC (``Z``), NaN/inf as null, decimals as
    floats, intervals as seconds, anything else unknown as its text."""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, decimal.Decimal):  # DuckDB DECIMAL columns (e.g. from round())
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, timedelta):
        return v.total_seconds()
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)  # UUID, bytes and other exotic column types: their text


# ------------------------------------------------------------------------------------ links

def detail_href(value: Any, prefix: str) -> str:
    """The link to a detail page (``prefix`` such as ``/accounts/``) for any id or hashtag.

    Every character but the unreserved ones is percent-encoded, ``/`` included, so the id stays one
    path segment that no browser rewrites; ``.`` and ``..`` (which browsers resolve as path steps
    even when encoded) go in the query instead: ``/accounts/?id=..``."""
    text = "" if value is None else str(value)
    if text in ("", ".", ".."):
        return f"{prefix}?id={quote(text, safe='')}"
    return prefix + quote(text, safe="")


# ------------------------------------------------------------------------------------ permalinks

#: Source formats whose post ids are X/Twitter status ids: their posts have a permalink.
X_FORMATS = ("x-v2", "x-v1", "io-archive", "coortweet")


def permalink_sql(posts_alias: str) -> str:
    """SQL for the permalink of the post row ``posts_alias`` (a ``posts`` row): for X/Twitter
    formats with a numeric id ``https://x.com/i/status/ID`` (it resolves whatever the handle is
    now), else NULL. The id is checked to be digits only before it goes into the link."""
    fmts = ", ".join(f"'{f}'" for f in X_FORMATS)
    p = posts_alias
    return (f"CASE WHEN {p}.source_format IN ({fmts}) AND regexp_full_match({p}.post_id, '[0-9]{{1,25}}') "
            f"THEN 'https://x.com/i/status/' || {p}.post_id END")


# ------------------------------------------------------------------------------------ pseudonyms

#: Role of each output column for pseudonymisation. ``account``/``handle``/``post`` are replaced by
#: salted hashes, ``text`` has its @mentions replaced, ``drop`` is emptied (names, bios, locations
#: and profile links identify people as surely as handles do).
COLUMN_ROLES: dict[str, str] = {
    "account_id": "account", "account_a": "account", "account_b": "account",
    "ref_account_id": "account", "source": "account", "target": "account",
    "handle": "handle", "handle_a": "handle", "handle_b": "handle",
    "post_id": "post", "post_a": "post", "post_b": "post", "ref_post_id": "post",
    "reply_to_post_id": "post",
    "display_name": "drop", "description": "drop", "location": "drop", "url": "drop",
    "url_a": "drop", "url_b": "drop",  # permalinks carry the post ids
    "text": "text", "text_a": "text", "text_b": "text", "reasons": "text", "origin_note": "text",
    "evidence": "text",
    "sender": "drop", "links": "drop",  # chat members and the accounts and posts a chat links to
}

_MENTION = re.compile(r"(?<![\w@])@(?!user_[0-9a-f]{12})(\w{1,60})")
_RT_PREFIX = re.compile(r"^RT @([^:\n]{1,80}):")


class Pseudonymizer:
    """Replaces account ids, handles and post ids by salted hashes (``--pseudonymize``).

    The pseudonym of a value is the first 12 hex digits of SHA-256 over a key derived from the salt,
    a role tag and the value: ``acct_…`` for account ids, ``user_…`` for handles (case-folded, so
    that ``@Name`` in a text and the handle ``name`` agree), ``post_…`` for post ids. An empty
    ``salt`` draws a random one (``secrets.token_hex``), so two runs cannot be linked; a given salt
    keeps pseudonyms stable across runs. With ``enabled=False`` every method returns its input.
    """

    def __init__(self, enabled: bool, salt: str = "") -> None:
        self.enabled = bool(enabled)
        raw = salt or secrets.token_hex(16)
        self._key = hashlib.sha256(("trendtrace-pseudonym|" + raw).encode("utf-8")).hexdigest()
        self._cache: dict[tuple[str, str], str] = {}

    def _hash(self, role: str, value: str) -> str:
        k = (role, value)
        out = self._cache.get(k)
        if out is None:
            digest = hashlib.sha256(f"{self._key}|{role}|{value}".encode()).hexdigest()[:12]
            out = {"account": "acct_", "handle": "user_", "post": "post_"}[role] + digest
            if len(self._cache) < 2_000_000:
                self._cache[k] = out
        return out

    def account(self, v: Any) -> Any:
        return self._hash("account", str(v)) if self.enabled and v is not None else v

    def handle(self, v: Any) -> Any:
        return self._hash("handle", str(v).casefold()) if self.enabled and v is not None else v

    def post(self, v: Any) -> Any:
        return self._hash("post", str(v)) if self.enabled and v is not None else v

    def text(self, v: Any) -> Any:
        """Replace every ``@mention`` (``@`` then word characters) by ``@`` + its handle pseudonym."""
        if not self.enabled or not isinstance(v, str):
            return v
        # The retweet prefix names the author whatever characters its handle has.
        v = _RT_PREFIX.sub(lambda m: "RT @" + self._hash("handle", m.group(1).casefold()) + ":", v)
        return _MENTION.sub(lambda m: "@" + self._hash("handle", m.group(1).casefold()), v)

    def value(self, role: str, v: Any) -> Any:
        if not self.enabled:
            return v
        if role == "drop":
            return None
        return getattr(self, role)(v)

    def object(self, trace: str | None, v: Any) -> Any:
        """The object of an edge evidence row: a post id for repost/quote/reply traces, a handle
        for mentions, otherwise text (hashtag, URL, normalised text) with mentions replaced."""
        if not self.enabled or v is None:
            return v
        from ..coordination.traces import HANDLE_OBJECT_TRACES, POST_OBJECT_TRACES

        # "repost": the retweet trace's name in stores written before version 0.1
        if trace in POST_OBJECT_TRACES or trace == "repost":
            return self.post(v)
        if trace in HANDLE_OBJECT_TRACES:
            return self.handle(str(v).lstrip("@"))
        return self.text(v)

    def record(self, row: dict) -> dict:
        """A dict with every column named in :data:`COLUMN_ROLES` replaced by its role."""
        if not self.enabled:
            return row
        out = dict(row)
        for k, v in row.items():
            role = COLUMN_ROLES.get(k)
            if role:
                out[k] = self.value(role, v)
            elif k in ("object",):
                out[k] = self.object(row.get("trace"), v)
        return out

    def table(self, t: pa.Table) -> pa.Table:
        """An Arrow table with every column named in :data:`COLUMN_ROLES` replaced by its role, and an
        ``object`` column beside a ``trace`` column as :meth:`object` says."""
        if not self.enabled:
            return t
        for i, name in enumerate(t.column_names):
            role = COLUMN_ROLES.get(name)
            if name == "object" and "trace" in t.column_names:
                objs = [self.object(tr, v) for tr, v in zip(t.column("trace").to_pylist(), t.column(i).to_pylist(),
                                                            strict=True)]
                t = t.set_column(i, name, pa.array(objs, type=pa.string()))
                continue
            if role is None:
                continue
            col = t.column(i)
            if role == "drop":
                new = pa.nulls(len(t), type=col.type)
            else:
                fn = getattr(self, role)
                new = pa.array([fn(v) for v in col.to_pylist()], type=pa.string())
            t = t.set_column(i, name, new)
        return t


# ------------------------------------------------------------------------------------ safe cells

_FORMULA_START = r"^[=+\-@\t\r]"


from ..model import BIDI_CONTROLS  # noqa: E402  (one definition, shared with the store's rejects file)


def neutralize_table(t: pa.Table | pa.RecordBatch) -> pa.Table | pa.RecordBatch:
    """Apply :func:`neutralize` to every string column of ``t``; numbers and booleans stay as they
    are, so numeric CSV columns remain plain numbers. NUL bytes are removed and bidi controls
    replaced by U+FFFD first (as :func:`~trendtrace.model.plain_text` does), in Arrow kernels."""
    arrays = []
    for col in t.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.replace_substring(col, "\x00", "")
            col = pc.replace_substring_regex(col, _BIDI_CLASS, "\ufffd")
            hit = pc.fill_null(pc.match_substring_regex(col, _FORMULA_START), False)
            col = pc.if_else(hit, pc.binary_join_element_wise("'", col, ""), col)
        arrays.append(col)
    if isinstance(t, pa.RecordBatch):
        return pa.RecordBatch.from_arrays(arrays, names=t.schema.names)
    return pa.Table.from_arrays(arrays, names=t.column_names)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BIDI_CLASS = f"[{BIDI_CONTROLS}]"
_BIDI = re.compile(_BIDI_CLASS)


def xml_text(value: Any) -> str:
    """Text allowed in XML 1.0 (GEXF, GraphML): control characters that XML forbids are dropped,
    because a parser such as Gephi's refuses the whole file over one of them; bidi controls
    (U+202A-U+202E, U+2066-U+2069) become U+FFFD, so that no label reorders what Gephi draws."""
    return _BIDI.sub("\ufffd", _XML_BAD.sub("", "" if value is None else str(value)))


def script_json(data: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>``, ``&``, the JavaScript
    line separators and bidi controls are escaped, so that no text can close the block
    (``</script>``) or open a comment, and no raw direction override is in the page source."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))
    # Line separators and bidi controls as escapes: the page source then holds none of them raw.
    return _SCRIPT_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SCRIPT_ESCAPE = re.compile("[\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def split_list(value: Any) -> list[str]:
    """A list column (Arrow list), a JSON list, or ``|``- or ``; ``-separated text as a list of
    non-empty strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    text = str(value)
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return [str(v) for v in parsed if v not in (None, "")]
        except ValueError:
            pass
    return [s.strip() for s in _LIST_SEP.split(text) if s.strip()]


# Stages join lists with "|" (traces, top_hashtags) or "; " (campaign_list): accept both.
_LIST_SEP = re.compile(r"\s*\|\s*|;\s+")
# Sentence ends for evidence joined by spaces: ". " before a capital, digit or quote.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“'(])")


def sentences(value: Any, sep: str | None = None) -> list[str]:
    """Evidence or reasons as a list: a JSON list, lines, or ``sep``-separated parts (reasons use
    ``"; "`` as CONTRACT.md says); without ``sep``, text is split into sentences (the trends stage
    joins its sentences with a space)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v]
    text = str(value).strip()
    if text.startswith("["):
        got = split_list(text)
        if got:
            return got
    if "\n" in text:
        return [s.strip() for s in text.splitlines() if s.strip()]
    if sep:
        return [s.strip() for s in text.split(sep) if s.strip()]
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def parse_json_object(value: Any) -> Any:
    """A JSON object stored as text (``persona_mix``, ``settings``), or the raw text if it is not
    JSON, or None."""
    if value is None or isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return str(value)
