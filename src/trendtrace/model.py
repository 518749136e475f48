"""The canonical post and account schema shared by every reader, the store and every stage.

Readers turn source records into rows of these two shapes (the JSON readers' ``readers/_rows.py``); the store
keeps them in the DuckDB tables ``posts`` and ``accounts`` (column by column in ``docs/schema.md``).
Normalisation of hashtags and URLs lives here, once, so that every reader agrees.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa

__all__ = [
    "Kind",
    "Format",
    "POST_SCHEMA",
    "ACCOUNT_SCHEMA",
    "POST_FIELDS",
    "ACCOUNT_FIELDS",
    "Reject",
    "Chunk",
    "InputError",
    "normalize_hashtag",
    "normalize_url",
    "hashtags_in",
    "mentions_in",
    "urls_in",
    "utc",
    "neutralize",
]


class Kind(enum.StrEnum):
    """What a post is. ``repost`` = retweet/share without text of one's own."""

    POST = "post"
    REPOST = "repost"
    QUOTE = "quote"
    REPLY = "reply"
    COMMENT = "comment"
    MESSAGE = "message"


class Format(enum.StrEnum):
    """Input formats. ``auto`` asks :func:`trendtrace.readers.detect_format` to peek."""

    AUTO = "auto"
    X_V2 = "x-v2"
    X_V1 = "x-v1"
    IO_ARCHIVE = "io-archive"
    CSV = "csv"
    PARQUET = "parquet"
    COORTWEET = "coortweet"


#: Longest error message or reject reason, in characters: messages may quote hostile input (a
#: whole JSON page read as a CSV header was an 82 KB "column name"), and a terminal or a log
#: line is no place for that. The record itself is in the rejects file (``raw``, 2,000 characters).
MAX_MESSAGE = 600


def clip(text: str, limit: int = 200) -> str:
    """``text`` on one line and at most ``limit`` characters.

    Line breaks and other control characters become escapes (``\\n``), and a longer text is cut,
    ending in ``... (+N chars)``. Used wherever a message quotes input (reject reasons, errors).

    >>> clip("a" + chr(10) + "b"), clip("x" * 30, 20)
    ('a\\\\nb', 'xxxxx... (+25 chars)')
    """
    one = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
    if len(one) <= limit:
        return one
    keep = max(0, limit - len(f"... (+{len(one)} chars)"))
    return one[:keep] + f"... (+{len(one) - keep} chars)"


_CONTROL = re.compile("[\x00-\x1f\x7f\u2028\u2029]")


class InputError(Exception):
    """Bad user input. ``str(err)`` is a one-line message naming the file, line and problem.

    The message is kept to one line of at most :data:`MAX_MESSAGE` characters whatever the input
    quoted in it (the CLI prints it as ``Error: ...``, and the contract is one line).
    """

    def __str__(self) -> str:
        return clip(super().__str__(), MAX_MESSAGE)


_LIST = pa.list_(pa.string())
_TS = pa.timestamp("us")  # naive, always UTC

#: The times a store accepts: from 1970-01-01 (inclusive) to 2100-01-01 (exclusive), UTC. X began
#: in 2006, but other sources (forums, archives, chats) are older; nothing social is from before
#: the Unix epoch, and a year 9999 or 0999 is a broken export, whose dates later stages cannot
#: turn into days, weeks or offsets. Posts outside are rejected; account times outside are unknown.
TIME_MIN = datetime(1970, 1, 1)
TIME_MAX = datetime(2100, 1, 1)

#: Columns of the ``posts`` table, in order. Times are UTC (naive timestamps).
POST_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("account_id", pa.string()),
        ("time", _TS),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("lang", pa.string()),
        ("ref_post_id", pa.string()),
        ("ref_account_id", pa.string()),
        ("reply_to_post_id", pa.string()),
        ("hashtags", _LIST),
        ("hashtags_raw", _LIST),
        ("urls", _LIST),
        ("urls_raw", _LIST),
        ("mentions", _LIST),
        ("media", _LIST),
        ("client", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("like_count", pa.int64()),
        ("repost_count", pa.int64()),
        ("reply_count", pa.int64()),
        ("quote_count", pa.int64()),
        ("source_format", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
    ]
)

#: Columns of the ``accounts`` table (one row per account, the latest snapshot seen).
ACCOUNT_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("description", pa.string()),
        ("location", pa.string()),
        ("url", pa.string()),
        ("lang", pa.string()),
        ("created_at", _TS),
        ("followers", pa.int64()),
        ("following", pa.int64()),
        ("post_count", pa.int64()),
        ("likes_given", pa.int64()),
        ("listed", pa.int64()),
        ("verified", pa.bool_()),
        ("default_profile", pa.bool_()),
        ("default_profile_image", pa.bool_()),
        ("seen_at", _TS),
        ("source_format", pa.string()),
        ("source_file", pa.string()),
    ]
)

#: Every (handle, display name) an account was seen with, and when first and last: what readers
#: that keep one snapshot per account in a chunk hand over besides it (``Chunk.names``).
NAMES_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("first_seen", _TS),
        ("last_seen", _TS),
    ]
)

POST_FIELDS: tuple[str, ...] = tuple(POST_SCHEMA.names)
ACCOUNT_FIELDS: tuple[str, ...] = tuple(ACCOUNT_SCHEMA.names)


@dataclass(frozen=True)
class Reject:
    """A source record that could not be read: where it was and why."""

    source_file: str
    line: int
    reason: str
    raw: str = ""

    def message(self) -> str:
        return f"{self.source_file}:{self.line}: {self.reason}"


@dataclass
class Chunk:
    """A batch of parsed rows. ``posts`` and ``accounts`` follow the schemas above exactly."""

    posts: pa.Table
    accounts: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    #: True when some timestamp carried no zone and was read as UTC (said once per file).
    naive_time: bool = False
    #: Records read (for progress), good or bad.
    records: int = 0
    #: ``NAMES_SCHEMA`` rows over every account snapshot in the chunk, when ``accounts`` keeps only
    #: the latest per account; None when ``accounts`` holds every snapshot read.
    names: pa.Table | None = None
    #: Columns of a mapped file (CSV, Parquet) that no field uses; set on the file's first chunk.
    unused_columns: tuple[str, ...] = ()




# --------------------------------------------------------------------------- normalisation

_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "si", "ref_src", "ref_url", "s", "t"}
)
_TRACKING_PREFIXES = ("utm_",)


@functools.lru_cache(maxsize=65536)
def normalize_hashtag(tag: str) -> str:
    """NFKC-normalise, case-fold and strip a leading ``#``/``＃`` (``"#PTI"`` → ``"pti"``).

    Idempotent: NFKC again after case-folding (folding can leave a non-NFKC string) and leading
    ``#`` and whitespace stripped together (``" #a"`` once gave ``"#a"``, then ``"a"``).
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())
    return folded.lstrip("#＃" + _SPACE).rstrip(_SPACE)


@functools.lru_cache(maxsize=65536)
def normalize_url(url: str) -> str:
    """Canonical form of a URL for co-link matching.

    Lower-case scheme and host, ``www.`` kept (it can be a different site), default ports and the
    fragment dropped, tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``si``, ``igshid``...)
    removed, a trailing ``/`` on the path removed. Non-URLs are returned stripped.

    ``s`` and ``t`` are dropped only on x.com / twitter.com, where they are share trackers; on
    other hosts they may be content (a search term, a video offset).
    """
    url = url.strip()
    if _PLAIN_URL.fullmatch(url):
        # Lower-case scheme and host, no port, query or fragment: only a trailing "/" can go.
        # The same result as the general path below, at a tenth of the cost.
        path_at = url.find("/", url.index("//") + 2)
        return url if path_at == -1 else url[:path_at] + url[path_at:].rstrip("/")
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    host = (parts.hostname or "").lower()
    port = parts.port if _safe_port(parts) else None
    if port and not ((parts.scheme.lower() == "http" and port == 80) or (parts.scheme.lower() == "https" and port == 443)):
        host = f"{host}:{port}"
    is_x = host in {"twitter.com", "x.com", "www.twitter.com", "mobile.twitter.com"}
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES)
        and not (k.lower() in _TRACKING_PARAMS and (is_x or k.lower() not in {"s", "t"}))
    ]
    # Trailing "/" and blanks go together, so that the result is a fixed point (input is stripped).
    path = parts.path.rstrip("/" + _SPACE)
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))


#: URLs whose canonical form is themselves but for a trailing "/": http(s), a lower-case host of
#: letters, digits, dots and hyphens, and a path of visible ASCII without "?", "#" or "%".
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?:/[!\"$&-\x3e@-~]*)?")


def _safe_port(parts: Any) -> bool:
    try:
        parts.port
    except ValueError:
        return False
    return True


# Hashtags: '#' then letters/marks/digits/underscore of any script (Urdu, Devanagari...).
_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


@functools.lru_cache(maxsize=1)
def _hashtag_re() -> re.Pattern[str]:
    """The hashtag pattern, with combining marks (Unicode Mn/Mc/Me) and ZWNJ inside a tag.

    Python's ``\\w`` excludes marks, so ``#हिन्दी`` used to give ``ह`` and ``#پاکِستان`` ``پاک``.
    Built on first use (a scan of planes 0, 1 and 14, the only ones with marks), not at import.
    """
    ranges, start, prev = [], None, None
    for cp in [*range(0x20000), *range(0xE0000, 0xE1000), 0x110000]:
        if cp < 0x110000 and unicodedata.category(chr(cp))[0] == "M":
            if start is None:
                start = cp
            prev = cp
        elif start is not None:
            ranges.append(f"\\U{start:08x}-\\U{prev:08x}")
            start = None
    body = r"[\w\u200c" + "".join(ranges) + "]"
    return re.compile(rf"(?<![\w&])[#＃]([^\W_]{body}*|_{body}+)", re.UNICODE)
_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,50})", re.UNICODE)
_URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def hashtags_in(text: str | None) -> list[str]:
    """Hashtags written in ``text``, as written (without ``#``), in order of appearance."""
    if not text or ("#" not in text and "＃" not in text):
        return []
    return [m for m in _hashtag_re().findall(text) if not m.isdigit()]


def mentions_in(text: str | None) -> list[str]:
    """``@handles`` in ``text``, lower-cased, without ``@``."""
    if not text or "@" not in text:
        return []
    return [m.lower() for m in _MENTION_RE.findall(text)]


def urls_in(text: str | None) -> list[str]:
    """``http(s)://`` links written in ``text``, trailing punctuation removed."""
    if not text or "http" not in text.lower():
        return []
    return [u.rstrip(".,;:!?)]}'\"") for u in _URL_RE.findall(text)]




def utc(dt: datetime) -> datetime:
    """A naive UTC datetime from an aware one (naive input is taken as UTC already)."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


#: Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): a raw
#: U+202E in a handle or a post reverses how the rest of a spreadsheet cell or a Gephi label is
#: drawn ("Trojan Source"), so outputs show U+FFFD in their place.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")


def plain_text(value: str) -> str:
    """Text safe to show in a file a person opens: NUL bytes removed, bidi controls
    (:data:`BIDI_CONTROLS`) replaced by U+FFFD.

    >>> plain_text("ab\\x00c\\u202etxt.exe")
    'abc\\ufffdtxt.exe'
    """
    if "\x00" in value:
        value = value.replace("\x00", "")
    return _BIDI_RE.sub("\ufffd", value)


def neutralize(value: Any) -> Any:
    """A CSV text cell that cannot run as a spreadsheet formula (CONTRACT.md "Text in outputs") and
    cannot hide or reorder what it shows.

    NUL bytes are removed and bidi controls replaced (:func:`plain_text`); then text that starts
    with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``; anything else (and
    every non-string) is returned unchanged.

    >>> neutralize("=1+1"), neutralize("ok"), neutralize(-3)
    ("'=1+1", 'ok', -3)
    """
    if not isinstance(value, str):
        return value
    value = plain_text(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
