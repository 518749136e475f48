"""Text normalisations: one named rule per purpose, each in Python, Ibis and DuckDB SQL.

Two questions are asked of a post's text, and each has one rule:

* :func:`copy_key`: *is this the same text?* Used by the ``tweet`` trace and the near-duplicate
  search of the ``similar`` trace (:mod:`trendtrace.coordination`), and by the ``dup_text_share``
  account feature (:mod:`trendtrace.accounts.features`).
* :func:`words`: *which words does it use?* The word set of the templated-text statistic of a
  trend (:mod:`trendtrace.trends.stats`): the copy key without hashtags (the trend itself) and
  mentions, split into words.

=================================  ==================================  =====================
removed or changed                 ``copy_key``                         ``words``
=================================  ==================================  =====================
case                               lower-cased                          lower-cased
leading ``RT @handle:``            removed (with the spaces after it)   removed
links ``http(s)://…``              removed (up to the next whitespace)  removed
whitespace runs                    one space; ends trimmed              separate words
leading ``@mentions``              removed                              removed
other ``@mentions``                kept                                 removed
``#hashtags`` (also ``＃``)        kept                                 removed
punctuation, symbols, emoji        kept                                 separate words
words of one character             kept                                 dropped
repeated words, word order         kept                                 one of each, sorted
=================================  ==================================  =====================

Whitespace is :data:`WHITESPACE`: the ASCII whitespace characters, the Unicode space separators
(no-break space U+00A0, ideographic space U+3000...) and U+0085, U+2028, U+2029. A word
(``words``) is a run of letters, digits and combining marks (``\\p{L}``, ``\\p{N}``, ``\\p{M}``).

The three forms are generated from the same pattern constants below and agree on every text
(``tests/test_text.py``, Hypothesis on arbitrary Unicode), with two exceptions owed to the
engines, not the rules: Python lower-cases ``İ`` (U+0130) to ``i̇`` and DuckDB to ``i`` (the Python
forms follow DuckDB); and characters assigned after the Python's Unicode tables (14.0 for
Python 3.11) are unassigned for Python's ``words`` but letters for DuckDB's newer RE2. The
patterns use explicit ASCII classes, never ``\\w`` or ``\\s``, whose meaning differs between
DuckDB's RE2 and Spark's Java regex, so the Ibis form of :func:`copy_key` also runs on Spark.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ibis
import ibis.expr.types as ir

__all__ = [
    "copy_key",
    "copy_key_expr",
    "copy_key_sql",
    "words",
    "words_expr",
    "words_sql",
    "MIN_WORD_CHARS",
    "WHITESPACE",
]

#: What the rules call whitespace: the six ASCII whitespace characters, the Unicode space
#: separators (category Zs: no-break, ideographic, thin... spaces) and the line separators U+0085,
#: U+2028, U+2029. Listed, not ``\s``: RE2, Java and Python disagree on what ``\s`` means, and
#: DuckDB's ``trim`` strips every Zs character where Spark's strips only the space.
WHITESPACE = (" \t\n\r\f\v\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPACE = "[" + WHITESPACE + "]"
_RT_PREFIX = "^rt @[a-z0-9_]+:" + _SPACE + "*"
_URL = "https?://[^" + WHITESPACE + "]+"
_LEADING_MENTIONS = "^(@[a-z0-9_]+" + _SPACE + "*)+"
# Runs of two or more, or one that is not a plain space: the same result as ``_SPACE + "+"``, but
# single spaces (most of any text) are not rewritten, which makes the pass several times faster.
_SPACES = _SPACE + "{2,}|[" + WHITESPACE[1:] + "]"
# Applied to a copy key, where whitespace is single spaces: a hashtag or mention runs to the next.
_TAGS = "[#＃@][^ ]+"
_NON_WORD = "[^\\p{L}\\p{N}\\p{M}]+"
#: Words shorter than this (in characters) are not words for :func:`words`.
MIN_WORD_CHARS = 2

_PY_RT = re.compile(_RT_PREFIX)
_PY_URL = re.compile(_URL)
_PY_MENTIONS = re.compile(_LEADING_MENTIONS)
_PY_SPACES = re.compile(_SPACES)
_PY_TAGS = re.compile(_TAGS)


def _lower(text: str) -> str:
    # DuckDB lower-cases code point by code point; Python's full case mapping makes U+0130 two.
    return text.replace("\u0130", "i").lower()


# --------------------------------------------------------------------------- copy_key

def copy_key(text: str | None) -> str:
    """The text two posts must share to be *the same text*; ``""`` for None.

    Lower-cased; a leading ``RT @handle:`` removed; links removed; runs of whitespace collapsed to
    one space; ends trimmed; leading ``@mentions`` removed (see the module's table).
    ``"RT @a: Vote   NOW https://x.y"`` → ``"vote now"``;
    ``"@a @b hello @c"`` → ``"hello @c"``.
    """
    if not text:
        return ""
    s = _lower(text)
    s = _PY_RT.sub("", s, count=1)
    s = _PY_URL.sub("", s)
    s = _PY_SPACES.sub(" ", s).strip(" ")
    s = _PY_MENTIONS.sub("", s, count=1)
    return s.strip(" ")


@ibis.udf.scalar.builtin(name="trim")
def _trim_spaces(s: str) -> str:  # type: ignore[empty-body]
    """SQL ``TRIM(s)``: plain spaces off both ends, on DuckDB and Spark alike. Ibis's ``strip()``
    passes the six whitespace characters explicitly, which DuckDB runs several times slower; after
    whitespace runs are collapsed to one space, spaces are all there is to trim."""


def copy_key_expr(text: ir.StringValue) -> ir.StringValue:
    """The Ibis form of :func:`copy_key` (same rules, same order; DuckDB and Spark)."""
    s = text.lower()
    s = s.re_replace(_RT_PREFIX, "")
    s = s.re_replace(_URL, "")
    s = _trim_spaces(s.re_replace(_SPACES, " "))
    s = s.re_replace(_LEADING_MENTIONS, "")
    return _trim_spaces(s)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _sub(expr: str, pattern: str, repl: str = "") -> str:
    return f"regexp_replace({expr}, {_sql_str(pattern)}, {_sql_str(repl)}, 'g')"


def copy_key_sql(expr: str) -> str:
    """DuckDB SQL for :func:`copy_key` of the SQL expression ``expr`` (NULL stays NULL).

    Texts without ``@`` or ``http`` (after lower-casing) skip the three costly global regex
    passes: the RT prefix and mentions need an ``@`` and a link needs ``http``, so for them only
    the whitespace pass can change anything; the result is the same.
    """
    low = f"lower({expr})"
    collapsed = "trim(" + _sub(_sub(_sub(low, _RT_PREFIX), _URL), _SPACES, " ") + ")"
    full = "trim(" + _sub(collapsed, _LEADING_MENTIONS) + ")"
    cheap = "trim(" + _sub(low, _SPACES, " ") + ")"
    return f"(CASE WHEN contains({low}, '@') OR contains({low}, 'http') THEN {full} ELSE {cheap} END)"


# --------------------------------------------------------------------------- words

@lru_cache(maxsize=65536)
def _word_char(c: str) -> bool:
    return unicodedata.category(c)[0] in "LNM"


def words(text: str | None) -> list[str]:
    """The distinct words of a text, sorted: the set whose Jaccard similarity says two posts are
    templated copies of each other.

    :func:`copy_key`, then hashtags and mentions (``#``, ``＃`` or ``@`` up to the next space)
    removed, split on every character that is not a letter, digit or mark, words shorter than
    :data:`MIN_WORD_CHARS` dropped. ``"RT @a: Vote NOW, vote! #go @b https://x.y"`` →
    ``["now", "vote"]``.
    """
    s = _PY_TAGS.sub("", copy_key(text))
    toks = "".join(c if _word_char(c) else " " for c in s).split(" ")
    return sorted({t for t in toks if len(t) >= MIN_WORD_CHARS})


def words_expr(text: ir.StringValue) -> ir.ArrayValue:
    """The Ibis form of :func:`words` (DuckDB)."""
    toks = copy_key_expr(text).re_replace(_TAGS, "").re_split(_NON_WORD)
    return toks.filter(lambda w: w.length() >= MIN_WORD_CHARS).unique().sort()


def words_sql(expr: str) -> str:
    """DuckDB SQL for :func:`words` of the SQL expression ``expr`` (a ``VARCHAR[]``)."""
    split = f"regexp_split_to_array({_sub(copy_key_sql(expr), _TAGS)}, {_sql_str(_NON_WORD)})"
    return f"list_sort(list_distinct(list_filter({split}, lambda w: length(w) >= {MIN_WORD_CHARS})))"
