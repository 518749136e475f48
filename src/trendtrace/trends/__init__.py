"""Trend verdicts: organic, mixed or manufactured, with evidence; cross-campaign overlap; cost.

One door, :func:`trend_verdicts`, reads the store (``posts``, and when present ``accounts``,
``account_coordination``, ``account_signals``, ``edge_evidence``) and writes the tables ``trends``,
``trend_timeline``, ``overlap``, ``multi_campaign_accounts`` and ``cost``. Campaigns defined by the
user come from :func:`load_campaigns`. Method and calibration: ``docs/trends.md``.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import pyarrow as pa

from trendtrace.settings import Settings
from trendtrace.stage import Stage, write_table

from .campaigns import Campaign, campaigns_from_mapping, load_campaigns
from .cost import cost_range, write_cost_table
from .overlap import write_overlap
from .stats import build_trend_posts, inspect_inputs, trend_statistics
from .verdict import background_share, evidence_sentences, score_row, verdict_of

__all__ = ["trend_verdicts", "load_campaigns", "campaigns_from_mapping", "Campaign", "TREND_COLUMNS", "STAGE"]

log = logging.getLogger(__name__)

#: Contract columns of ``trends`` / ``trends.csv`` (CONTRACT.md), first in the table.
TREND_COLUMNS = ("trend", "posts", "accounts", "coordinated_share", "inauthentic_share", "verdict", "score",
                 "cost_usd_low", "cost_usd_high", "evidence")

_TEMP = ("_tt_acct", "_tt_ta", "_tt_base", "_tt_lang", "_tt_spell", "_tt_home", "_tt_stats", "_tt_delay",
         "_tt_unit", "_tt_out")


def trend_verdicts(con: duckdb.DuckDBPyConnection, settings: Settings,
                   campaigns: list[Campaign] | None = None) -> dict[str, int]:
    """Judge every trend in the store and write the result tables.

    Parameters
    ----------
    con : an open store (needs ``posts``; ``accounts``, ``account_coordination``,
        ``account_signals`` and ``edge_evidence`` are used when present — a missing one is treated as
        no signal and said so in each trend's evidence).
    settings : reads ``min_trend_accounts``, ``new_account_days``, ``inauthentic_threshold``,
        ``template_similarity``, ``home_tz``, ``price_low``, ``price_high``, ``min_campaigns``.
    campaigns : extra trends defined by hashtags and keywords (:func:`load_campaigns`), default none.

    Returns
    -------
    Counts: ``trends``, ``organic``, ``mixed``, ``manufactured``, ``overlap_pairs``,
    ``multi_campaign_accounts``, ``timeline_rows``, ``campaigns_without_posts``.

    Writes (CREATE OR REPLACE)
    --------------------------
    ``trends`` — one row per trend (every hashtag used by ≥ ``min_trend_accounts`` accounts, and
    every campaign with at least one post; ``trend_kind`` tells which): the contract columns
    ``trend, posts, accounts, coordinated_share, inauthentic_share, verdict, score, cost_usd_low,
    cost_usd_high, evidence`` and every statistic behind them (``docs/trends.md``);
    ``trend_timeline``, ``overlap``, ``multi_campaign_accounts``, ``cost``.

    Raises
    ------
    trendtrace.model.InputError : no ``posts`` table, an unknown ``home_tz``, ``price_low`` above
        ``price_high``.
    """
    campaigns = list(campaigns or [])
    cost_range(0, float(settings["price_low"]), float(settings["price_high"]))  # fail early on bad prices
    inputs = inspect_inputs(con)
    has_signals = inputs.coordination or inputs.signals
    tp = None
    try:
        tp = build_trend_posts(con, settings, inputs, campaigns)
        trend_statistics(con, settings, inputs, tp.span)
        rows = con.sql("""
            SELECT s.*, d.median_delay_s, d.top_trace, d.evidence_pairs
            FROM _tt_stats s LEFT JOIN _tt_delay d USING (trend, trend_kind)
            ORDER BY s.trend_kind, s.trend
        """).arrow()
        if not isinstance(rows, pa.Table):
            rows = rows.read_all()
        records = rows.to_pylist()
        out = _judge(records, settings, inputs.notes, has_signals)
        table = _trends_table(rows, out)
        write_table(con, "trends", table, order_by="score DESC, posts DESC, trend")
        write_cost_table(con, settings, has_signals, tp)
        write_overlap(con, settings, campaigns, tp)
        empty = [c.name for c in campaigns
                 if c.name not in {r["trend"] for r in records if r["trend_kind"] == "campaign"}]
        for name in empty:
            log.warning("campaign %r matched no posts; it has no row in 'trends'", name)
        counts: dict[str, int] = {"trends": len(records), "organic": 0, "mixed": 0, "manufactured": 0}
        for v in out["verdict"]:
            counts[v] += 1
        for key, table in (("overlap_pairs", "overlap"), ("multi_campaign_accounts", "multi_campaign_accounts"),
                           ("timeline_rows", "trend_timeline")):
            counts[key] = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        counts["campaigns_without_posts"] = len(empty)
        return counts
    finally:
        if tp is not None:
            tp.release()
        for t in _TEMP:
            con.execute(f"DROP TABLE IF EXISTS temp.{t}")


def _judge(records: list[dict[str, Any]], settings: Settings, notes: list[str],
           has_signals: bool) -> dict[str, list[Any]]:
    lo, hi = float(settings["price_low"]), float(settings["price_high"])
    out: dict[str, list[Any]] = {k: [] for k in ("score", "verdict", "cost_usd_low", "cost_usd_high", "evidence",
                                                  "signals_used", "burst_score", "sustained_score", "shape",
                                                  "background_share")}
    used = "coordination, account signals" if has_signals else "templated text, account age"
    background = background_share(records)
    for r in records:
        score, suspect, burst, sustained = score_row(r, background)
        verdict = verdict_of(score)
        shape = "" if verdict == "organic" else ("sustained" if sustained > burst else "burst")
        r = {**r, "shape": shape, "background_share": background}
        # no cost for a trend the data call organic: there is nothing to have paid for
        cost = cost_range(suspect, lo, hi) if has_signals and verdict != "organic" else None
        out["burst_score"].append(round(burst, 4))
        out["sustained_score"].append(round(sustained, 4))
        out["shape"].append(shape)
        out["background_share"].append(round(background, 4))
        out["score"].append(round(score, 4))
        out["verdict"].append(verdict)
        out["cost_usd_low"].append(cost[0] if cost else None)
        out["cost_usd_high"].append(cost[1] if cost else None)
        out["evidence"].append(evidence_sentences(r, verdict=verdict, suspect=suspect, has_signals=has_signals,
                                                  settings=settings, notes=notes, cost=cost))
        out["signals_used"].append(used)
    return out


def _trends_table(stats: pa.Table, out: dict[str, list[Any]]) -> pa.Table:
    cols: dict[str, pa.Array] = {}
    extra = {
        "score": pa.array(out["score"], pa.float64()),
        "verdict": pa.array(out["verdict"], pa.string()),
        "cost_usd_low": pa.array(out["cost_usd_low"], pa.float64()),
        "cost_usd_high": pa.array(out["cost_usd_high"], pa.float64()),
        "evidence": pa.array(out["evidence"], pa.string()),
        "signals_used": pa.array(out["signals_used"], pa.string()),
        "shape": pa.array(out["shape"], pa.string()),
        "burst_score": pa.array(out["burst_score"], pa.float64()),
        "sustained_score": pa.array(out["sustained_score"], pa.float64()),
        "background_share": pa.array(out["background_share"], pa.float64()),
    }
    for name in TREND_COLUMNS:
        cols[name] = extra[name] if name in extra else stats.column(name)
    for name in ("signals_used", "shape", "burst_score", "sustained_score", "background_share"):
        cols[name] = extra[name]
    for name in stats.column_names:
        if name not in cols:
            cols[name] = stats.column(name)
    return pa.table(cols)


def _door(store: Any, settings: Settings) -> dict[str, int]:
    path = str(settings["campaigns"])
    return trend_verdicts(store.con, settings, load_campaigns(path) if path else None)


#: The stage contract (:mod:`trendtrace.stage`).
STAGE = Stage("trends", _door, reads=("posts",),
              uses=("accounts", "account_coordination", "account_signals", "edge_evidence", "home_zone"),
              writes=("trends", "trend_timeline", "overlap", "multi_campaign_accounts", "cost"))
