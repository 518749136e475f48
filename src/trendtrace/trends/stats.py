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
from trendtrace.engine import Engine
from trendtrace.settings import Settings

from .campaigns import Campaign
from .on_engine import (FULL_MARGIN, MIN_TEMPLATE_WORDS, P_FULL_LOG10, SPELL_MIN_POSTS, SPELL_MINUTES, TrendPosts,
                        trend_posts)

__all__ = ["Inputs", "inspect_inputs", "build_trend_posts", "trend_statistics", "gini_sql", "P_FULL_LOG10",
           "FULL_MARGIN", "MIN_TEMPLATE_WORDS", "SPELL_MINUTES", "SPELL_MIN_POSTS"]

log = logging.getLogger(__name__)

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
                      campaigns: list[Campaign], engine: Engine | None = None) -> TrendPosts:
    """Build the trend × post table on the run's engine (:func:`trendtrace.trends.on_engine.trend_posts`)
    and put its aggregates in DuckDB temp tables for the statistics: ``_tt_ta`` (one row per trend
    and account, with the account's flags), ``_tt_base`` (per trend), ``_tt_lang`` (per trend and
    language), ``_tt_spell`` (per trend with a suspect spell); and the store table ``trend_timeline``.

    A repost without hashtags of its own takes the hashtags of the post it reposts when that post
    is in the store: retweeting a post that carries ``#x`` is taking part in ``#x``. Own-text posts
    are flagged as near-copies as :func:`trendtrace.trends.on_engine.templated` describes. The
    caller releases the returned object's engine tables (:meth:`TrendPosts.release`).
    """
    has_p = inputs.coordination and "min_p_value" in _columns(con, "account_coordination")
    tp = trend_posts(con, settings, inputs, campaigns, engine, has_min_p=has_p)
    try:
        _temp_table(con, "_tt_acct", tp.acct)
        _temp_table(con, "_tt_ta0", tp.ta)
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _tt_ta AS
            SELECT t.trend, t.trend_kind, t.account_id, t.n, t.first_time, a.created_at, a.utc_offset,
                   t.suspect, coalesce(a.coordinated, false) AS coordinated,
                   coalesce(a.inauthentic, false) AS inauthentic, a.cluster, a.min_p_value
            FROM _tt_ta0 t LEFT JOIN _tt_acct a USING (account_id)
        """)
        con.execute("DROP TABLE IF EXISTS temp._tt_ta0")
        _temp_table(con, "_tt_base", tp.base)
        _temp_table(con, "_tt_lang", tp.langs)
        _temp_table(con, "_tt_spell", tp.spells)
        con.register("_tt_timeline_arrow", tp.timeline)
        try:
            con.execute("CREATE OR REPLACE TABLE trend_timeline AS SELECT * FROM _tt_timeline_arrow "
                        "ORDER BY trend, trend_kind, minute")
        finally:
            con.unregister("_tt_timeline_arrow")
    except BaseException:
        tp.release()
        raise
    return tp


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register(f"{name}_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    finally:
        con.unregister(f"{name}_arrow")


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
    # quantile_disc(time, 0.5) lies in the minute where the running count of the timeline first
    # reaches the lower median's rank; daylight-saving changes fall on whole minutes, so the
    # offset at the start of that minute is the offset at the median instant.
    rows = con.execute("""
        SELECT trend, trend_kind, min(minute) FILTER (WHERE cum >= (total - 1) // 2 + 1)
        FROM (SELECT trend, trend_kind, minute,
                     sum(posts) OVER (PARTITION BY trend, trend_kind ORDER BY minute) AS cum,
                     sum(posts) OVER (PARTITION BY trend, trend_kind) AS total
              FROM trend_timeline)
        GROUP BY ALL
    """).fetchall()
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


def trend_statistics(con: duckdb.DuckDBPyConnection, settings: Settings, inputs: Inputs,
                     span: tuple[datetime | None, datetime | None]) -> None:
    """Create temp table ``_tt_stats``: one row per trend with every statistic (see module doc).

    Needs the tables of :func:`build_trend_posts`; ``span`` is the first and last post time of the
    whole data (:attr:`TrendPosts.span`).
    Statistics whose input table is absent are null.
    """
    _home_offsets(con, str(settings["home_tz"]))
    # A missing input makes its statistics NULL, not 0: no evidence is not evidence of absence.
    null_if = {
        "coord": "" if inputs.coordination else "NULL::DOUBLE * ",
        "sig": "" if inputs.signals else "NULL::DOUBLE * ",
        "acc": "" if inputs.accounts else "NULL::DOUBLE * ",
    }
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _tt_stats AS
        WITH acc AS (
            SELECT trend, trend_kind, count(*) AS accounts,
                   count(*) FILTER (WHERE coordinated) AS coordinated_accounts,
                   count(DISTINCT cluster) FILTER (WHERE coordinated) AS coordinated_clusters,
                   min(min_p_value) FILTER (WHERE coordinated) AS coordinated_min_p,
                   count(*) FILTER (WHERE inauthentic) AS inauthentic_accounts,
                   count(*) FILTER (WHERE suspect) AS suspect_accounts
            FROM _tt_ta GROUP BY ALL),
        base AS (
            SELECT b.trend, b.trend_kind, b.posts, a.accounts, b.first_post, b.last_post,
                   b.reposts / nullif(b.kinds, 0) AS repost_share,  -- posts without a kind do not count
                   b.coordinated_posts, b.inauthentic_posts, b.suspect_posts,
                   round(b.strength, 6) AS suspect_weight,  -- rounded: a parallel float sum varies in its
                                                            -- last digits
                   a.coordinated_accounts, a.coordinated_clusters, a.coordinated_min_p, a.inauthentic_accounts,
                   a.suspect_accounts, b.text_posts, b.templated_posts, l.languages
            FROM _tt_base b JOIN acc a USING (trend, trend_kind)
            JOIN (SELECT trend, trend_kind, count(*) AS languages FROM _tt_lang GROUP BY ALL) l
                 USING (trend, trend_kind)),
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
            SELECT trend, trend_kind, lang AS l, posts AS k,
                   sum(posts) OVER (PARTITION BY trend, trend_kind) AS tot,
                   row_number() OVER (PARTITION BY trend, trend_kind ORDER BY posts DESC, lang) AS rk
            FROM _tt_lang),
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
            FROM pk, (SELECT date_trunc('minute', $lo::TIMESTAMP) AS lo,
                             date_trunc('minute', $hi::TIMESTAMP) AS hi) g),
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
        LEFT JOIN _tt_spell sl USING (trend, trend_kind)
    """, {"days": int(settings["new_account_days"]), "lo": span[0], "hi": span[1]})
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
