"""Personas an account presents (news outlet, woman) and the script and language of what it writes.

- **news**: handle, display name or bio has a news word in English, Urdu, Arabic, Hindi or Roman
  Urdu (news, TV, times, daily, agency, breaking, خبر, نیوز, اخبار, أخبار, समाचार, khabar...).
- **woman**: the first word of the display name, or the leading letters of the handle, is in the
  shipped list of female first names (``data/female_names.tsv``: Jörg Michael's nam_dict via
  gender-guesser 0.4.0, GNU FDL 1.2, plus a hand-compiled Pakistani / Urdu / Arabic list).
  A news persona wins over a woman persona.
- **script** of posts by Unicode block (Arabic, Devanagari, Latin, Cyrillic, Bengali, Gurmukhi, CJK),
  and within Arabic script Urdu, Pashto, Persian or Arabic by characteristic letters; Latin text
  with Roman Urdu function words is called ``roman-urdu``.
"""

from __future__ import annotations

import functools
from importlib import resources

import duckdb
import ibis
import pyarrow as pa

from ..engine import Engine

__all__ = ["female_names", "persona_sql", "scripts_sql", "text_scripts", "script_mix", "NEWS_WORDS", "ROMAN_URDU_WORDS"]

#: Whole-word news markers (matched case-insensitively in display name and bio).
NEWS_WORDS = (
    "news", "tv", "times", "daily", "agency", "breaking", "channel", "media", "tribune", "herald", "gazette",
    "journal", "press", "reporter", "correspondent", "headlines", "updates", "bulletin", "khabar", "khabrain",
    "akhbar", "urdu news", "خبر", "خبریں", "خبرنامہ", "نیوز", "اخبار", "أخبار", "اخبار", "عاجل", "قناة", "ٹی وی",
    "میڈیا", "समाचार", "न्यूज़", "खबर", "ख़बर",
)
# Substrings that mark a news handle (handles have no word boundaries).
_NEWS_HANDLE = ("news", "tv", "times", "daily", "khabar", "akhbar", "breaking", "headline", "media", "update", "agency")

#: Roman Urdu function words; two or more in a Latin-script post make it Roman Urdu.
ROMAN_URDU_WORDS = (
    "hai", "hain", "nahi", "nahin", "kya", "kyun", "aur", "mein", "yeh", "bhi", "tha", "thi", "raha", "rahi",
    "rahe", "aap", "hum", "tum", "woh", "kuch", "bohat", "bahut", "acha", "accha", "sath", "saath", "liye",
    "kiya", "karo", "karna", "diya", "gaya", "hota", "hoti", "sakta", "chahiye", "zindabad", "bhai", "yaar",
    "hamara", "hamari", "unka", "iska", "wala", "wali", "sirf", "abhi", "phir", "agar", "lekin", "magar",
)


@functools.lru_cache(maxsize=1)
def female_names() -> pa.Table:
    """The shipped female first-name list as an Arrow table ``(name, regions)``."""
    text = resources.files("trendtrace").joinpath("data/female_names.tsv").read_text(encoding="utf-8")
    names, regions = [], []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            n, r = line.split("\t")
            names.append(n)
            regions.append(r)
    return pa.table({"name": names, "regions": regions})


def _re_alt(words: tuple[str, ...]) -> str:
    # Constants only (never user text) go into these patterns.
    return "|".join(w.replace(".", "\\.") for w in words)


def persona_sql(con: duckdb.DuckDBPyConnection, source: str, keep: tuple[str, ...] = ()) -> str:
    """SQL selecting ``account_id, persona`` (and the columns named in ``keep``, default none) over
    ``source`` (needs handle, display_name, description): one row per row of ``source``.

    Registers the name list as ``_tt_female_names`` on ``con``.
    """
    con.register("_tt_female_names", female_names())
    news_words = _re_alt(NEWS_WORDS)
    news_handle = _re_alt(_NEWS_HANDLE)
    # \b does not work for Urdu letters in RE2; use explicit non-letter boundaries.
    boundary_l, boundary_r = "(^|[^\\p{L}\\p{M}])", "($|[^\\p{L}\\p{M}])"
    bad = [c for c in keep if not c.isidentifier()]
    if bad:
        raise ValueError(f"persona_sql: not a column name: {bad[0]!r}")
    kept = "".join(f"s.{c}, " for c in keep)
    return f"""
    SELECT s.account_id, {kept}
      CASE
        WHEN regexp_matches(lower(coalesce(s.display_name, '') || ' | ' || coalesce(s.description, '')),
                            '{boundary_l}({news_words}){boundary_r}')
             OR regexp_matches(lower(coalesce(s.handle, '')), '{news_handle}') THEN 'news'
        WHEN fn1.name IS NOT NULL OR fn2.name IS NOT NULL THEN 'woman'
        ELSE ''
      END AS persona
    FROM {source} s
    LEFT JOIN _tt_female_names fn1
      ON fn1.name = lower(regexp_extract(coalesce(s.display_name, ''), '([\\p{{L}}\\p{{M}}]+)', 1))
    LEFT JOIN _tt_female_names fn2
      ON length(regexp_extract(lower(coalesce(s.handle, '')), '^[a-z]+', 0)) >= 4
     AND fn2.name = regexp_extract(lower(coalesce(s.handle, '')), '^[a-z]+', 0)
    """


# Unicode ranges per script (RE2 classes).
_ARABIC = "\\x{0600}-\\x{06FF}\\x{0750}-\\x{077F}\\x{FB50}-\\x{FDFF}\\x{FE70}-\\x{FEFF}"
_SCRIPTS = {
    "arabic": f"[{_ARABIC}]",
    "devanagari": "[\\x{0900}-\\x{097F}]",
    "latin": "[A-Za-z\\x{00C0}-\\x{024F}]",
    "cyrillic": "[\\x{0400}-\\x{04FF}]",
    "bengali": "[\\x{0980}-\\x{09FF}]",
    "gurmukhi": "[\\x{0A00}-\\x{0A7F}]",
    "cjk": "[\\x{3040}-\\x{30FF}\\x{4E00}-\\x{9FFF}\\x{AC00}-\\x{D7AF}]",
}
# Letters that only Pashto uses (ټ ډ ړ ږ ښ ځ څ ۍ ې ګ ڼ), only Urdu (ٹ ڈ ڑ ں ے ہ ھ), Persian/Urdu (پ چ ژ گ ک ی),
# and Arabic forms Urdu and Persian avoid (ة ى ي ك).
_PASHTO = "[\\x{067C}\\x{0689}\\x{0693}\\x{0696}\\x{069A}\\x{0681}\\x{0685}\\x{06CD}\\x{06D0}\\x{06AB}\\x{06BC}]"
_URDU = "[\\x{0679}\\x{0688}\\x{0691}\\x{06BA}\\x{06D2}\\x{06C1}\\x{06BE}]"
_PERSIAN = "[\\x{067E}\\x{0686}\\x{0698}\\x{06AF}\\x{06A9}\\x{06CC}]"
_ARABIC_ONLY = "[\\x{0629}\\x{0649}\\x{064A}\\x{0643}]"


def scripts_sql(source: str) -> str:
    """SQL over ``source`` (columns ``account_id``, ``text``) adding ``script``: the text's dominant script.

    Values: ``urdu``, ``pashto``, ``persian``, ``arabic``, ``devanagari``, ``roman-urdu``,
    ``latin``, ``cyrillic``, ``bengali``, ``gurmukhi``, ``cjk`` or null (no letters). URLs,
    mentions and hashtags are ignored. A text is in the first script of the list it has letters of
    (Arabic, Devanagari, Cyrillic, Bengali, Gurmukhi, CJK, then Latin), so an Urdu post with
    English words counts as Urdu;
    within Arabic script the language is told by letters only it uses (Pashto, then Urdu, then
    Arabic-only forms without Persian letters, then Persian/Urdu letters).
    """
    # Presence tests (fast) rather than character counts (global regex replacement is slow):
    # a post with any Arabic-script letters is an Arabic-script post, and so on down the list.
    best = "CASE " + " ".join(f"WHEN regexp_matches(c, '{rng}') THEN '{name}'" for name, rng in _SCRIPTS.items()
                              if name != "latin") + f" WHEN regexp_matches(c, '{_SCRIPTS['latin']}') THEN 'latin' END"
    ru = "['" + "', '".join(ROMAN_URDU_WORDS) + "']"
    return f"""
    SELECT account_id, CASE
        WHEN s = 'arabic' AND regexp_matches(c, '{_PASHTO}') THEN 'pashto'
        WHEN s = 'arabic' AND regexp_matches(c, '{_URDU}') THEN 'urdu'
        WHEN s = 'arabic' AND regexp_matches(c, '{_ARABIC_ONLY}') AND NOT regexp_matches(c, '{_PERSIAN}') THEN 'arabic'
        WHEN s = 'arabic' AND regexp_matches(c, '{_PERSIAN}') THEN 'persian'
        WHEN s = 'latin' AND len(list_filter(string_split_regex(lower(c), '[^a-z]+'),
                                 lambda w: list_contains({ru}, w))) >= 2 THEN 'roman-urdu'
        ELSE s END AS script
    FROM (SELECT account_id, c, {best} AS s
          FROM (SELECT account_id,
                       CASE WHEN contains(text, 'http') OR contains(text, '@') OR contains(text, '#')
                            THEN regexp_replace(text, 'https?://\\S+|[@#]\\w+', '', 'g')
                            ELSE coalesce(text, '') END AS c
                FROM {source}))
    """


def text_scripts(con: duckdb.DuckDBPyConnection, texts: list[str]) -> list[str | None]:
    """The dominant script of each text (see :func:`scripts_sql`); for tests and one-off use."""
    t = pa.table({"account_id": [str(i) for i in range(len(texts))], "text": texts})
    con.register("_tt_texts", t)
    try:
        rows = con.sql(f"SELECT script FROM ({scripts_sql('_tt_texts')}) ORDER BY account_id::INT").fetchall()
    finally:
        con.unregister("_tt_texts")
    return [r[0] for r in rows]


def script_sample(engine: Engine, max_posts: int = 5) -> pa.Table:
    """(account_id, text): the first ``max_posts`` own-text posts of each account (by time, then
    post_id, null times last), taken on the analysis engine (Ibis: DuckDB or Spark)."""
    p = engine.posts(["account_id", "post_id", "time", "kind", "text"])
    p = p.filter((p.kind != "repost") & p.text.notnull() & p.account_id.notnull())
    w = ibis.window(group_by="account_id",
                    order_by=[ibis.asc(p.time, nulls_first=False), ibis.asc(p.post_id, nulls_first=False)])
    p = p.mutate(_rk=ibis.row_number().over(w))
    return engine.arrow(p.filter(p._rk < int(max_posts)).select("account_id", "text"))


def script_mix(con: duckdb.DuckDBPyConnection, max_posts: int = 5, engine: Engine | None = None) -> pa.Table:
    """Per account: ``script`` (dominant script of up to ``max_posts`` own-text posts) and
    ``script_mix`` (``'urdu 60%, latin 40%'``). Reads ``posts`` on ``engine`` (default: DuckDB on
    ``con``).

    Only the first ``max_posts`` posts (by time) of each account are classified: the script of an
    account is stable, and this keeps the cost flat in the data size. The dominant script is the
    most frequent; ties go to the shorter name, then the first in alphabetical order.
    """
    con.register("_tt_script_sample", script_sample(engine or Engine(con), max_posts))
    sql = f"""
    WITH s AS ({scripts_sql('_tt_script_sample')}),
    c AS (SELECT account_id, script, count(*) AS n,
                 count(*) / sum(count(*)) OVER (PARTITION BY account_id) AS share
          FROM s WHERE script IS NOT NULL GROUP BY account_id, script)
    SELECT account_id, first(script ORDER BY n DESC, len(script), script) AS script,
           string_agg(script || ' ' || CAST(round(100 * share) AS INT) || '%', ', ' ORDER BY share DESC, script)
             AS script_mix
    FROM c GROUP BY account_id
    """
    try:
        out = con.sql(sql).arrow()
        return out.read_all() if isinstance(out, pa.RecordBatchReader) else out
    finally:
        con.unregister("_tt_script_sample")
