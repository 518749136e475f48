"""Per-trend statistics, computed in DuckDB SQL over the store.

Inputs (read, never written): ``posts``; and when present ``accounts`` (creation time),
``account_coordination`` (coordinated flag, cluster), ``account_signals`` (inauthenticity score,
inferred UTC offset), ``edge_evidence`` (times of example co-actions). A missing table means "no
signal": its statistics are null and :class:`Inputs` records a note that the evidence repeats.

Every statistic is defined in ``docs/trends.md``; the short form:

* ``posts``, ``accounts``, ``posts_per_account``; ``first_post``, ``last_post``;
* timeline per minute (``trend_timeline``); ``peak_minute``, ``peak_posts``; ``onset_minutes``
  (minutes from the last quiet minute — at most 10 % of the peak, or empty — to the peak) and
  ``onset_steepness`` (``peak_posts / onset_minutes``); ``burst_minutes`` (minutes whose count is
  at least ``max(3, m + 4·√m + 1)`` with ``m`` the trend's median posts per minute over the whole
  collection window, a Poisson-style outlier rule) and ``burst_ratio`` (peak / mean posts per
  minute over the collection window);
* concentration: ``top1_share`` (share of posts by the top 1 % of accounts, at least one account)
  and ``gini`` of posts per account;
* ``repost_share``; ``coordinated_share``, ``inauthentic_share``, ``suspect_share`` (posts by
  coordinated *or* inauthentic accounts); ``suspect_weight`` (suspect posts weighted by their
  account's evidence strength: p-value or score margin, :data:`P_FULL_LOG10`, :data:`FULL_MARGIN`);
  ``new_account_share`` (accounts created at most
  ``new_account_days`` before their first post in the trend, among accounts with a creation time);
* ``templated_share``: share of the trend's own-text posts (not reposts, 5+ words in
  :func:`trendtrace.text.words`: links, hashtags and mentions removed) whose word set has Jaccard
  ≥ ``template_similarity`` with a post by another account (the ``similar`` trace's MinHash
  search, :mod:`trendtrace.coordination.textsim`, each candidate verified exactly);
* ``language_mix``, ``tz_mix`` and ``home_tz_misfit_share`` (accounts with an inferred UTC offset
  more than 1.5 h from the home zone at the trend's time: ``home_tz``, or with ``'auto'`` the zone
  the account stage inferred, table ``home_zone``; NULL when there is none).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from trendtrace.model import InputError
from trendtrace.offsets import format_offset_sql, offset_distance_sql, require_zone, zone_offset
from trendtrace.coordination.textsim import near_duplicate_pairs
from trendtrace.settings import Settings
from trendtrace.text import words_sql

from .campaigns import Campaign

__all__ = ["Inputs", "inspect_inputs", "build_trend_posts", "templated_posts", "trend_statistics",
           "trend_timeline", "gini_sql", "P_FULL_LOG10", "FULL_MARGIN", "MIN_TEMPLATE_WORDS"]

log = logging.getLogger(__name__)

#: Texts shorter than this (in words, after removing links, hashtags, mentions) are never called
#: templated: short phrases ("what a match") repeat by chance.
MIN_TEMPLATE_WORDS = 5
#: A coordinated account's posts weigh fully in ``suspect_weight`` when its smallest pair p-value
#: is at most 10 ** -P_FULL_LOG10; weaker evidence weighs -log10(p) / P_FULL_LOG10.
P_FULL_LOG10 = 6
#: An inauthentic account's posts weigh fully when its score is this far above
#: ``inauthentic_threshold``, half at the threshold.
FULL_MARGIN = 0.25
#: Length of the spells in which a trend's posts are checked for suspect majorities (minutes).
SPELL_MINUTES = 10
#: Least suspect posts in a spell for it to count (a spell of two posts proves nothing).
SPELL_MIN_POSTS = 5
#: Accounts created within this many days of each other form a creation batch (evidence sentence).
BATCH_DAYS = 14

_REQUIRED = {
    "posts": {"post_id", "account_id", "time", "kind", "text", "lang", "hashtags", "ref_post_id"},
    "accounts": {"account_id", "created_at"},
    "account_coordination": {"account_id", "cluster", "coordinated"},
    "account_signals": {"account_id", "inauthenticity_score", "utc_offset"},
    "edge_evidence": {"account_a", "account_b", "trace", "time_a", "time_b"},
}


@dataclass
class Inputs:
    """Which input tables exist, and plain-language notes about the missing ones."""

    accounts: bool = False
    coordination: bool = False
    signals: bool = False
    evidence: bool = False
    notes: list[str] = field(default_factory=list)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def inspect_inputs(con: duckdb.DuckDBPyConnection) -> Inputs:
    """Check which input tables are present with the columns this stage reads.

    Raises InputError when ``posts`` itself is missing or lacks columns.
    """
    have = _columns(con, "posts")
    if not have:
        raise InputError("trends: the store has no 'posts' table; ingest some posts first")
    missing = _REQUIRED["posts"] - have
    if missing:
        raise InputError(f"trends: table 'posts' lacks column(s) {', '.join(sorted(missing))}")
    inp = Inputs()
    for table, attr, note in (
        ("accounts", "accounts", "Account creation times were not available, so the share of new accounts "
                                 "is not assessed."),
        ("account_coordination", "coordination", "Coordination results were not available, so the "
                                                 "coordinated share is not assessed."),
        ("account_signals", "signals", "Account signals were not available, so inauthentic accounts and "
                                       "time-zone fit are not assessed."),
        ("edge_evidence", "evidence", ""),
    ):
        cols = _columns(con, table)
        ok = bool(cols) and _REQUIRED[table] <= cols
        setattr(inp, attr, ok)
        if not ok and note:
            inp.notes.append(note)
        if cols and not ok:
            log.warning("table %s lacks columns %s; treated as absent", table,
                        ", ".join(sorted(_REQUIRED[table] - cols)))
    return inp


def build_trend_posts(con: duckdb.DuckDBPyConnection, settings: Settings, inputs: Inputs,
                      campaigns: list[Campaign]) -> None:
    """Create temp tables ``_tt_p`` (posts with effective hashtags), ``_tt_acct`` (per-account
    signals), and ``_tt_tp`` (one row per trend × post, with the account's flags).

    A repost without hashtags of its own takes the hashtags of the post it reposts when that post
    is in the store: retweeting a post that carries ``#x`` is taking part in ``#x``.
    """
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _tt_p AS
        SELECT p.post_id, p.account_id, p.time, p.kind, p.text, p.lang,
               list_distinct(CASE WHEN coalesce(len(p.hashtags), 0) = 0 AND p.kind = 'repost'
                                  THEN coalesce(r.hashtags, []) ELSE coalesce(p.hashtags, []) END) AS tags
        FROM posts p LEFT JOIN posts r ON r.post_id = p.ref_post_id AND p.kind = 'repost'
        WHERE p.account_id IS NOT NULL AND p.time IS NOT NULL
    """)
    terms = pa.table({
        "campaign": [c.name for c in campaigns for _ in c.hashtags] + [c.name for c in campaigns for _ in c.keywords],
        "term_type": ["hashtag" for c in campaigns for _ in c.hashtags]
                     + ["keyword" for c in campaigns for _ in c.keywords],
        "term": [t for c in campaigns for t in c.hashtags] + [k for c in campaigns for k in c.keywords],
    }, schema=pa.schema([("campaign", pa.string()), ("term_type", pa.string()), ("term", pa.string())]))
    con.register("_tt_terms_arrow", terms)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _tt_terms AS SELECT * FROM _tt_terms_arrow")
    finally:
        con.unregister("_tt_terms_arrow")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _tt_m AS
        WITH h AS (SELECT unnest(tags) AS trend, post_id, account_id FROM _tt_p),
        keep AS (SELECT trend FROM h GROUP BY trend HAVING count(DISTINCT account_id) >= $min_acc)
        SELECT DISTINCT * FROM (
            SELECT h.trend, 'hashtag' AS trend_kind, h.post_id FROM h SEMI JOIN keep USING (trend)
            UNION ALL
            SELECT t.campaign, 'campaign', h.post_id FROM h JOIN _tt_terms t
                ON t.term_type = 'hashtag' AND t.term = h.trend
            UNION ALL
            SELECT t.campaign, 'campaign', p.post_id FROM _tt_p p JOIN _tt_terms t
                ON t.term_type = 'keyword' AND contains(lower(p.text), t.term)
        )
    """, {"min_acc": int(settings["min_trend_accounts"])})
    coord = ("c.coordinated", "c.cluster::VARCHAR") if inputs.coordination else ("NULL::BOOLEAN", "NULL::VARCHAR")
    sig = (("s.inauthenticity_score::DOUBLE", "s.utc_offset::DOUBLE") if inputs.signals
           else ("NULL::DOUBLE", "NULL::DOUBLE"))
    created = "a.created_at" if inputs.accounts else "NULL::TIMESTAMP"
    joins = []
    # Several rows per account in an input table would multiply posts; take one value each.
    has_p = inputs.coordination and "min_p_value" in _columns(con, "account_coordination")
    if inputs.coordination:
        min_p = "min(min_p_value) FILTER (WHERE coordinated)" if has_p else "NULL::DOUBLE"
        joins.append("LEFT JOIN (SELECT account_id, bool_or(coordinated) AS coordinated, min(cluster) AS cluster, "
                     f"{min_p} AS min_p_value FROM account_coordination GROUP BY account_id) c USING (account_id)")
    if inputs.signals:
        joins.append("LEFT JOIN (SELECT account_id, max(inauthenticity_score) AS inauthenticity_score, "
                     "any_value(utc_offset) AS utc_offset FROM account_signals GROUP BY account_id) s "
                     "USING (account_id)")
    if inputs.accounts:
        joins.append("LEFT JOIN (SELECT account_id, min(created_at) AS created_at FROM accounts "
                     "GROUP BY account_id) a USING (account_id)")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _tt_acct AS
        SELECT u.account_id,
               coalesce({coord[0]}, false) AS coordinated,
               CASE WHEN coalesce({coord[0]}, false) THEN {coord[1]} END AS cluster,
               {"c.min_p_value" if inputs.coordination else "NULL::DOUBLE"} AS min_p_value,
               {sig[0]} AS inauthenticity_score,
               coalesce({sig[0]} >= $thr, false) AS inauthentic,
               {sig[1]} AS utc_offset,
               {created} AS created_at
        FROM (SELECT DISTINCT p.account_id FROM _tt_p p SEMI JOIN _tt_m USING (post_id)) u
        {' '.join(joins)}
    """, {"thr": float(settings["inauthentic_threshold"])})
    templated_posts(con, float(settings["template_similarity"]), int(settings["seed"]))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _tt_tp AS
        SELECT m.trend, m.trend_kind, p.post_id, p.account_id, p.time, p.kind, p.lang,
               a.coordinated, a.inauthentic,
               CASE WHEN $signals THEN a.coordinated OR a.inauthentic
                    -- without either account-level stage: a near-copy, or an account at most
                    -- new_account_days old (a weak proxy, said so in the evidence)
                    ELSE coalesce(t.templated, false) OR coalesce(p.time - a.created_at <= to_days($days), false)
               END AS suspect,
               -- how strong the evidence on a suspect post's account is, in (0, 1]: a coordinated
               -- account weighs by its smallest pair p-value (full weight at p <= 1e-{P_FULL_LOG10}), an
               -- inauthentic one by its score's margin over the threshold (half weight at the threshold,
               -- full weight {FULL_MARGIN} above it); the larger of the two. Other posts weigh 0; without
               -- account-level stages, every suspect post weighs 1.
               CASE WHEN NOT $signals THEN
                        (coalesce(t.templated, false)
                        OR coalesce(p.time - a.created_at <= to_days($days), false))::DOUBLE
                    ELSE greatest(
                        CASE WHEN a.coordinated THEN
                             coalesce(least(1.0, -log10(greatest(a.min_p_value, 1e-300)) / {P_FULL_LOG10}), 1.0)
                             ELSE 0.0 END,
                        CASE WHEN a.inauthentic THEN
                             least(1.0, 0.5 + 0.5 * (a.inauthenticity_score - $thr) / {FULL_MARGIN})
                             ELSE 0.0 END)
               END AS strength,
               a.cluster, a.min_p_value,
               a.utc_offset, a.created_at,
               (t.post_id IS NOT NULL) AS text_post, coalesce(t.templated, false) AS templated
        FROM _tt_m m JOIN _tt_p p USING (post_id) JOIN _tt_acct a USING (account_id)
        LEFT JOIN _tt_tmpl t USING (post_id)
    """, {"signals": inputs.coordination or inputs.signals, "days": int(settings["new_account_days"]),
          "thr": float(settings["inauthentic_threshold"])})


def templated_posts(con: duckdb.DuckDBPyConnection, threshold: float, seed: int = 0) -> None:
    """Flag near-copies among the own-text posts of all trends: temp table ``_tt_tmpl(post_id,
    templated)`` over posts with at least :data:`MIN_TEMPLATE_WORDS` words.

    Method: each post's word set is :func:`trendtrace.text.words` (its copy key without hashtags
    and mentions, split into words of 2+ characters). A post is flagged when another account
    posted the same word set, or a word set with Jaccard ≥ ``threshold`` with it. The distinct word
    sets are compared with the near-duplicate search of the ``similar`` trace
    (:func:`trendtrace.coordination.textsim.near_duplicate_pairs` with ``unit="words"``: MinHash
    with banding, Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets* ch. 3;
    every candidate verified with its exact Jaccard), so every flag is verified; a near-copy is
    missed only when banding misses the pair. ``seed`` fixes the MinHash functions.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _tt_tok AS
        SELECT post_id, account_id, array_to_string(toks, ' ') AS wkey FROM (
            SELECT p.post_id, p.account_id, {words_sql("p.text")} AS toks
            FROM _tt_p p SEMI JOIN (SELECT DISTINCT post_id FROM _tt_m) m USING (post_id)
            WHERE p.kind <> 'repost' AND p.text IS NOT NULL)
        WHERE len(toks) >= {MIN_TEMPLATE_WORDS}
    """)
    # one row per distinct word set: its number (the index textsim answers with), how many
    # accounts posted it, and one of them
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _tt_wset AS
        SELECT (row_number() OVER (ORDER BY wkey) - 1)::BIGINT AS tid, wkey,
               count(DISTINCT account_id) AS n_acc, min(account_id) AS acc
        FROM _tt_tok GROUP BY wkey
    """)
    keys = con.sql("SELECT wkey FROM _tt_wset ORDER BY tid").to_arrow_table().column(0)
    i, j, _ = near_duplicate_pairs(keys.combine_chunks().cast(pa.string()), threshold, seed, unit="words")
    con.register("_tt_wpairs", pa.table({"a": pa.array(i, pa.int64()), "b": pa.array(j, pa.int64())}))
    try:
        # A post (account A, word set t) is a near-copy when another account posted t, or t has a
        # near-duplicate set u posted by two or more accounts, or by one that is not A.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _tt_tmpl AS
            WITH pr AS (SELECT a AS t, b AS u FROM _tt_wpairs UNION ALL SELECT b AS t, a AS u FROM _tt_wpairs),
            nb AS (
                SELECT pr.t, bool_or(w.n_acc >= 2) AS multi,
                       count(DISTINCT w.acc) AS n_single, min(w.acc) AS single
                FROM pr JOIN _tt_wset w ON w.tid = pr.u GROUP BY pr.t)
            SELECT k.post_id,
                   s.n_acc >= 2 OR coalesce(nb.multi OR nb.n_single >= 2 OR nb.single <> k.account_id, false)
                     AS templated
            FROM _tt_tok k JOIN _tt_wset s USING (wkey) LEFT JOIN nb ON nb.t = s.tid
        """)
    finally:
        con.unregister("_tt_wpairs")
        con.execute("DROP TABLE IF EXISTS temp._tt_wset")


def gini_sql(table: str, group: str, value: str) -> str:
    """SQL for the Gini coefficient and top-1 % share of ``value`` within each ``group`` of ``table``.

    Gini with values sorted ascending x_1..x_n: G = 2·Σ i·x_i / (n·Σ x) − (n + 1)/n (0 = equal,
    → 1 = one account posts everything). Top-1 % share: the ``ceil(0.01·n)`` largest values over the
    total. Both are invariant to how ties are ordered.
    """
    return f"""
        SELECT {group},
               2.0 * sum(i * {value}) / (count(*) * sum({value})) - (count(*) + 1.0) / count(*) AS gini,
               sum({value}) FILTER (WHERE r <= ceil(0.01 * n)) / sum({value}) AS top1_share
        FROM (SELECT *, row_number() OVER (PARTITION BY {group} ORDER BY {value}) AS i,
                        row_number() OVER (PARTITION BY {group} ORDER BY {value} DESC) AS r,
                        count(*) OVER (PARTITION BY {group}) AS n
              FROM {table})
        GROUP BY {group}
    """


def trend_timeline(con: duckdb.DuckDBPyConnection) -> None:
    """Write ``trend_timeline(trend, trend_kind, minute, posts, coordinated_posts, inauthentic_posts)``."""
    con.execute("""
        CREATE OR REPLACE TABLE trend_timeline AS
        SELECT trend, trend_kind, date_trunc('minute', time) AS minute, count(*) AS posts,
               count(*) FILTER (WHERE coordinated) AS coordinated_posts,
               count(*) FILTER (WHERE inauthentic) AS inauthentic_posts
        FROM _tt_tp GROUP BY ALL ORDER BY trend, trend_kind, minute
    """)


def home_zone_name(con: duckdb.DuckDBPyConnection, home_tz: str) -> str | None:
    """The zone rhythms are compared with: ``home_tz`` itself when it names a zone; for ``'auto'``
    the zone the account stage inferred (table ``home_zone``), or None when it could not tell (or
    did not run)."""
    if home_tz != "auto":
        return home_tz
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'home_zone'").fetchall()[0][0]
    if not exists:
        return None
    rows = con.execute("SELECT zone FROM home_zone").fetchall()
    return rows[0][0] if rows else None


def _home_offsets(con: duckdb.DuckDBPyConnection, home_tz: str) -> None:
    """Temp table ``_tt_home(trend, trend_kind, home_offset)``: UTC offset of the home zone
    (:func:`home_zone_name`) in hours at each trend's median post time (so daylight-saving time is
    right for the trend's date); NULL when there is no home zone."""
    name = home_zone_name(con, home_tz)
    if name is not None:
        require_zone(name, "home_tz", allow_auto=True)
    rows = con.execute("SELECT trend, trend_kind, quantile_disc(time, 0.5) FROM _tt_tp GROUP BY ALL").fetchall()
    # the offset at the trend's median instant, read as UTC (zone.utcoffset() on a naive time would
    # read it as local time, an hour off around daylight-saving changes)
    offsets: list[float | None] = [
        zone_offset(name, t if isinstance(t, datetime) else datetime(2000, 1, 1)) if name is not None else None
        for _, _, t in rows]
    tbl = pa.table({"trend": [r[0] for r in rows], "trend_kind": [r[1] for r in rows], "home_offset": offsets},
                   schema=pa.schema([("trend", pa.string()), ("trend_kind", pa.string()),
                                     ("home_offset", pa.float64())]))
    con.register("_tt_home_arrow", tbl)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _tt_home AS SELECT * FROM _tt_home_arrow")
    finally:
        con.unregister("_tt_home_arrow")


def trend_statistics(con: duckdb.DuckDBPyConnection, settings: Settings, inputs: Inputs) -> None:
    """Create temp table ``_tt_stats``: one row per trend with every statistic (see module doc).

    Needs ``_tt_tp`` (:func:`build_trend_posts`) and ``trend_timeline`` (:func:`trend_timeline`).
    Statistics whose input table is absent are null.
    """
    _home_offsets(con, str(settings["home_tz"]))
    # A missing input makes its statistics NULL, not 0: no evidence is not evidence of absence.
    null_if = {
        "coord": "" if inputs.coordination else "NULL::DOUBLE * ",
        "sig": "" if inputs.signals else "NULL::DOUBLE * ",
        "acc": "" if inputs.accounts else "NULL::DOUBLE * ",
    }
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _tt_ta AS
        SELECT trend, trend_kind, account_id, count(*) AS n, min(time) AS first_time,
               any_value(created_at) AS created_at, any_value(utc_offset) AS utc_offset,
               bool_or(suspect) AS suspect, bool_or(coordinated) AS coordinated, any_value(cluster) AS cluster,
               min(min_p_value) AS min_p_value
        FROM _tt_tp GROUP BY ALL
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _tt_stats AS
        WITH base AS (
            SELECT trend, trend_kind, count(*) AS posts, count(DISTINCT account_id) AS accounts,
                   min(time) AS first_post, max(time) AS last_post,
                   avg((kind = 'repost')::INT) AS repost_share,
                   count(*) FILTER (WHERE coordinated) AS coordinated_posts,
                   count(*) FILTER (WHERE inauthentic) AS inauthentic_posts,
                   count(*) FILTER (WHERE suspect) AS suspect_posts,
                   round(sum(strength), 6) AS suspect_weight,  -- rounded: a parallel float sum varies in its
                                                               -- last digits
                   count(DISTINCT account_id) FILTER (WHERE coordinated) AS coordinated_accounts,
                   count(DISTINCT cluster) FILTER (WHERE coordinated) AS coordinated_clusters,
                   min(min_p_value) FILTER (WHERE coordinated) AS coordinated_min_p,
                   count(DISTINCT account_id) FILTER (WHERE inauthentic) AS inauthentic_accounts,
                   count(DISTINCT account_id) FILTER (WHERE suspect) AS suspect_accounts,
                   count(*) FILTER (WHERE text_post) AS text_posts,
                   count(*) FILTER (WHERE templated) AS templated_posts,
                   count(DISTINCT coalesce(lang, 'und')) AS languages
            FROM _tt_tp GROUP BY ALL),
        conc AS ({gini_sql('_tt_ta', 'trend, trend_kind', 'n')}),
        age AS (
            SELECT trend, trend_kind,
                   count(*) FILTER (WHERE created_at IS NOT NULL) AS known_age_accounts,
                   count(*) FILTER (WHERE first_time - created_at <= to_days($days)) AS new_accounts,
                   sum(n) FILTER (WHERE first_time - created_at <= to_days($days)) AS new_account_posts
            FROM _tt_ta GROUP BY ALL),
        tz AS (
            SELECT ta.trend, ta.trend_kind,
                   count(*) FILTER (WHERE ta.utc_offset IS NOT NULL) AS tz_known_accounts,
                   count(*) FILTER (WHERE {offset_distance_sql("ta.utc_offset", "h.home_offset")}
                                    > {float(settings["origin_mismatch_hours"])}) AS misfit_accounts,
                   any_value(h.home_offset) AS home_offset
            FROM _tt_ta ta JOIN _tt_home h USING (trend, trend_kind) GROUP BY ALL),
        tzo AS (
            SELECT trend, trend_kind, round(utc_offset * 2) / 2 AS o, count(*) AS k,
                   sum(count(*)) OVER (PARTITION BY trend, trend_kind) AS tot,
                   row_number() OVER (PARTITION BY trend, trend_kind
                                      ORDER BY count(*) DESC, round(utc_offset * 2) / 2) AS rk
            FROM _tt_ta WHERE utc_offset IS NOT NULL GROUP BY trend, trend_kind, round(utc_offset * 2) / 2),
        tzmix AS (
            SELECT trend, trend_kind,
                   string_agg({format_offset_sql("o")}
                              || ' ' || round(100.0 * k / tot)::INT || '%', '; ' ORDER BY rk) AS tz_mix,
                   arg_min(o, rk) AS top_offset
            FROM tzo WHERE rk <= 4 GROUP BY ALL),
        lg AS (
            SELECT trend, trend_kind, coalesce(lang, 'und') AS l, count(*) AS k,
                   sum(count(*)) OVER (PARTITION BY trend, trend_kind) AS tot,
                   row_number() OVER (PARTITION BY trend, trend_kind
                                      ORDER BY count(*) DESC, coalesce(lang, 'und')) AS rk
            FROM _tt_tp GROUP BY trend, trend_kind, coalesce(lang, 'und')),
        lgmix AS (
            SELECT trend, trend_kind,
                   string_agg(l || ' ' || round(100.0 * k / tot)::INT || '%', '; ' ORDER BY rk) AS language_mix,
                   arg_min(l, rk) AS top_language, max(k / tot) AS top_language_share
            FROM lg WHERE rk <= 4 GROUP BY ALL),
        tl AS (
            SELECT trend, trend_kind, minute, posts,
                   lag(minute) OVER (PARTITION BY trend, trend_kind ORDER BY minute) AS prev
            FROM trend_timeline),
        pk AS (SELECT trend, trend_kind, max(posts) AS peak_posts, min(minute) AS first_minute,
                      max(minute) AS last_minute, count(*) AS active_minutes FROM tl GROUP BY ALL),
        pkm AS (
            SELECT tl.trend, tl.trend_kind, min(tl.minute) AS peak_minute
            FROM tl JOIN pk USING (trend, trend_kind) WHERE tl.posts = pk.peak_posts GROUP BY ALL),
        onset AS (
            SELECT tl.trend, tl.trend_kind,
                   greatest(max(CASE WHEN tl.posts <= 0.1 * pk.peak_posts AND tl.minute < pkm.peak_minute
                                     THEN tl.minute END),
                            max(CASE WHEN tl.minute <= pkm.peak_minute
                                      AND (tl.prev IS NULL OR tl.prev < tl.minute - INTERVAL 1 MINUTE)
                                     THEN tl.minute - INTERVAL 1 MINUTE END)) AS quiet_minute
            FROM tl JOIN pk USING (trend, trend_kind) JOIN pkm USING (trend, trend_kind) GROUP BY ALL),
        span AS (
            -- the span is the whole collection window (first to last post of the data set), so a
            -- hashtag that lives only in ten minutes of a three-day collection is a burst.
            SELECT trend, trend_kind, peak_posts, first_minute, last_minute, active_minutes,
                   datediff('minute', g.lo, g.hi) + 1 AS span_minutes
            FROM pk, (SELECT date_trunc('minute', min(time)) AS lo, date_trunc('minute', max(time)) AS hi
                      FROM _tt_p) g),
        med AS (
            -- median posts per minute over the span, zero minutes included: the zeros sort first,
            -- so the median is the non-zero count at rank ceil(span/2) - (span - active), or 0.
            SELECT trend, trend_kind,
                   coalesce(max(posts) FILTER (WHERE rn = ceil(span_minutes / 2.0)
                                                        - (span_minutes - active_minutes)), 0)
                       AS median_rate
            FROM (SELECT tl.trend, tl.trend_kind, tl.posts, s.span_minutes, s.active_minutes,
                         row_number() OVER (PARTITION BY tl.trend, tl.trend_kind ORDER BY tl.posts) AS rn
                  FROM tl JOIN span s USING (trend, trend_kind))
            GROUP BY ALL),
        burst AS (
            SELECT tl.trend, tl.trend_kind,
                   count(*) FILTER (WHERE tl.posts >= greatest(3, m.median_rate + 4 * sqrt(m.median_rate) + 1))
                   AS burst_minutes
            FROM tl JOIN med m USING (trend, trend_kind) GROUP BY ALL),
        spell AS (
            -- {SPELL_MINUTES}-minute spells in which suspect accounts wrote most of the trend's posts
            SELECT trend, trend_kind, count(*) AS suspect_spells, sum(k) AS suspect_spell_posts
            FROM (SELECT trend, trend_kind, time_bucket(INTERVAL {SPELL_MINUTES} MINUTE, time) AS w,
                         count(*) AS n, count(*) FILTER (WHERE suspect) AS k
                  FROM _tt_tp GROUP BY ALL)
            WHERE k >= {SPELL_MIN_POSTS} AND k >= 0.5 * n
            GROUP BY ALL),
        batch AS (
            -- largest share of the trend's suspect accounts created within {BATCH_DAYS} days of each other
            SELECT trend, trend_kind, max(w) AS batch_accounts, any_value(known) AS batch_known,
                   arg_max(created_at, w) AS batch_start
            FROM (SELECT trend, trend_kind, created_at,
                         count(*) OVER (PARTITION BY trend, trend_kind ORDER BY created_at
                                        RANGE BETWEEN CURRENT ROW AND INTERVAL {BATCH_DAYS} DAYS FOLLOWING) AS w,
                         count(*) OVER (PARTITION BY trend, trend_kind) AS known
                  FROM _tt_ta WHERE suspect AND created_at IS NOT NULL)
            GROUP BY ALL)
        SELECT b.trend, b.trend_kind, b.posts, b.accounts,
               b.posts / b.accounts AS posts_per_account,
               b.first_post, b.last_post,
               {null_if['coord']}b.coordinated_posts / b.posts AS coordinated_share,
               {null_if['sig']}b.inauthentic_posts / b.posts AS inauthentic_share,
               b.suspect_posts / b.posts AS suspect_share,
               b.suspect_weight, b.suspect_weight / b.posts AS suspect_weight_share,
               b.coordinated_posts, b.inauthentic_posts, b.suspect_posts,
               b.coordinated_accounts, b.coordinated_clusters, b.coordinated_min_p, b.inauthentic_accounts,
               b.suspect_accounts,
               s.peak_minute, sp.peak_posts, datediff('minute', o.quiet_minute, s.peak_minute) AS onset_minutes,
               sp.peak_posts / greatest(datediff('minute', o.quiet_minute, s.peak_minute), 1) AS onset_steepness,
               sp.span_minutes, sp.active_minutes, m.median_rate AS median_posts_per_minute,
               u.burst_minutes, sp.peak_posts / (b.posts / sp.span_minutes) AS burst_ratio,
               c.top1_share, c.gini, b.repost_share,
               {null_if['acc']}(a.new_accounts / nullif(a.known_age_accounts, 0)) AS new_account_share,
               a.new_accounts, a.new_account_posts, a.known_age_accounts,
               b.text_posts, b.templated_posts, b.templated_posts / nullif(b.text_posts, 0) AS templated_share,
               CASE WHEN z.home_offset IS NOT NULL THEN
                 {null_if['sig']}(z.misfit_accounts / nullif(z.tz_known_accounts, 0)) END AS home_tz_misfit_share,
               z.tz_known_accounts, z.misfit_accounts, z.home_offset, tm.tz_mix, tm.top_offset,
               b.languages, lm.language_mix, lm.top_language, lm.top_language_share,
               bt.batch_accounts, bt.batch_known, bt.batch_start,
               coalesce(sl.suspect_spells, 0) AS suspect_spells,
               coalesce(sl.suspect_spell_posts, 0) AS suspect_spell_posts,
               coalesce(sl.suspect_spell_posts, 0) / b.posts AS suspect_spell_share
        FROM base b
        JOIN conc c USING (trend, trend_kind)
        JOIN age a USING (trend, trend_kind)
        JOIN tz z USING (trend, trend_kind)
        JOIN span sp USING (trend, trend_kind)
        JOIN pkm s USING (trend, trend_kind)
        JOIN onset o USING (trend, trend_kind)
        JOIN med m USING (trend, trend_kind)
        JOIN burst u USING (trend, trend_kind)
        JOIN lgmix lm USING (trend, trend_kind)
        LEFT JOIN tzmix tm USING (trend, trend_kind)
        LEFT JOIN batch bt USING (trend, trend_kind)
        LEFT JOIN spell sl USING (trend, trend_kind)
    """, {"days": int(settings["new_account_days"])})
    _coaction_delays(con, inputs)


def _coaction_delays(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    """Temp table ``_tt_delay(trend, trend_kind, median_delay_s, top_trace)``: how far apart in time
    the example co-actions of the trend's coordinated account pairs were (from ``edge_evidence``)."""
    if not (inputs.evidence and inputs.coordination):
        con.execute("CREATE OR REPLACE TEMP TABLE _tt_delay (trend VARCHAR, trend_kind VARCHAR, "
                    "median_delay_s DOUBLE, top_trace VARCHAR, evidence_pairs BIGINT)")
        return
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _tt_delay AS
        WITH ca AS (SELECT trend, trend_kind, account_id FROM _tt_ta WHERE coordinated),
        ev AS (
            SELECT a.trend, a.trend_kind, e.trace,
                   abs(epoch(e.time_a::TIMESTAMP) - epoch(e.time_b::TIMESTAMP)) AS d
            FROM edge_evidence e
            JOIN ca a ON a.account_id = e.account_a
            JOIN ca b ON b.account_id = e.account_b AND b.trend = a.trend AND b.trend_kind = a.trend_kind
            WHERE e.time_a IS NOT NULL AND e.time_b IS NOT NULL),
        -- the most frequent trace; a tie goes to the first name in alphabetical order (mode() broke
        -- ties differently from run to run)
        tc AS (SELECT trend, trend_kind, trace, count(*) AS n FROM ev GROUP BY ALL),
        top AS (SELECT trend, trend_kind, first(trace ORDER BY n DESC, trace) AS top_trace FROM tc GROUP BY ALL)
        SELECT e.trend, e.trend_kind, median(e.d) AS median_delay_s, any_value(t.top_trace) AS top_trace,
               count(*) AS evidence_pairs
        FROM ev e JOIN top t USING (trend, trend_kind) GROUP BY e.trend, e.trend_kind
    """)
