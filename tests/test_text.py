"""The text normalisations (trendtrace.text): each rule's Python, Ibis and DuckDB SQL forms agree."""

from __future__ import annotations

import duckdb
import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from trendtrace.text import WHITESPACE, copy_key, copy_key_expr, copy_key_sql, words, words_expr, words_sql

# Pieces that exercise every rule, mixed with arbitrary Unicode: RT prefixes, mentions, links,
# hashtags, the six ASCII whitespace characters, no-break and ideographic spaces, emoji, İ.
_PARTS = st.sampled_from([
    "RT @a_1: ", "rt @b:", "Rt @Cc_9:\t", "@x", "@y_2 ", "@Z ", " ", "  ", "\t", "\n", "\r", "\v", "\f",
    "\u00a0", "\u3000", "http://a.b/c", "HTTPS://X.y/@z#k", "https://", "vote", "NOW", "ووٹ", "é", "e\u0301",
    ":", "@", "#tag", "＃タグ", "#", "😀", "👍🏽", "İ", "ß", "ǅ", "x", "12", "don't", "a.b",
])
_CHARS = st.characters(blacklist_categories=("Cs", "Cn"))
_TEXT = st.lists(st.one_of(_PARTS, st.text(_CHARS, max_size=4)), max_size=12).map("".join)


def _duckdb_forms(samples: list[str]) -> tuple[list[str], list[str], list[list[str]], list[list[str]]]:
    con = duckdb.connect()
    con.register("p", pa.table({"text": pa.array(samples, pa.string())}))
    sql = con.execute(f"SELECT {copy_key_sql('text')}, {words_sql('text')} FROM p").fetchall()
    t = ibis.memtable({"text": samples})
    got = ibis.duckdb.from_connection(con).to_pyarrow(
        t.select(k=copy_key_expr(t.text), w=words_expr(t.text))).to_pydict()
    return [r[0] for r in sql], got["k"], [r[1] for r in sql], got["w"]


@pytest.mark.parametrize("raw, key, toks", [
    ("RT @a_1: Vote   NOW https://x.y/z", "vote now", ["now", "vote"]),
    ("@a @b hello\tthere", "hello there", ["hello", "there"]),
    ("  Hello @a world #Go ", "hello @a world #go", ["hello", "world"]),
    ("Vote, vote! VOTE? a 1 #vote", "vote, vote! vote? a 1 #vote", ["vote"]),
    ("عمران خان   زندہ باد", "عمران خان زندہ باد", ["باد", "خان", "زندہ", "عمران"]),
    ("\u00a0no\u00a0\u00a0break\u3000", "no break", ["break", "no"]),
    ("İSTANBUL 😀 bugün", "istanbul 😀 bugün", ["bugün", "istanbul"]),
    (None, "", []),
])
def test_known_answers(raw: str | None, key: str, toks: list[str]) -> None:
    assert copy_key(raw) == key
    assert words(raw) == toks


@hsettings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(_TEXT, min_size=1, max_size=30))
def test_python_ibis_and_sql_agree(samples: list[str]) -> None:
    sql_key, ibis_key, sql_words, ibis_words = _duckdb_forms(samples)
    assert sql_key == [copy_key(s) for s in samples]
    assert ibis_key == sql_key
    assert sql_words == [words(s) for s in samples]
    assert ibis_words == sql_words


@hsettings(max_examples=300, deadline=None, derandomize=True)
@given(_TEXT)
def test_copy_key_has_single_spaces_and_words_are_a_sorted_set(text: str) -> None:
    # (copy_key is not idempotent by design: it removes one leading "RT @x:", not a chain of them)
    k = copy_key(text)
    assert k == k.strip(" ") and "  " not in k and not any(c in k for c in WHITESPACE[1:])
    w = words(text)
    assert w == sorted(set(w)) and all(len(x) >= 2 and x in k for x in w)


def test_whitespace_is_ascii_whitespace_and_unicode_separators() -> None:
    import unicodedata
    zs = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs"}
    assert set(WHITESPACE) == zs | set(" \t\n\r\f\v\u0085\u2028\u2029")


def test_the_sql_shortcut_is_the_full_rule() -> None:
    """Texts without '@' or 'http' take the cheap branch of copy_key_sql: it must give what the
    full rule gives (here forced by appending an '@' that the rule then keeps at the end)."""
    samples = ["Plain  text\twith\nspaces ", "HTTP upper", "x\u00a0y", "ok"]
    con = duckdb.connect()
    con.register("p", pa.table({"text": samples}))
    cheap = [r[0] for r in con.execute(f"SELECT {copy_key_sql('text')} FROM p").fetchall()]
    assert cheap == [copy_key(s) for s in samples]
    with_at = copy_key_sql("text || chr(10) || '@'")
    forced = [r[0] for r in con.execute(f"SELECT {with_at} FROM p").fetchall()]
    assert forced == [c + " @" for c in cheap]
