"""Estimated cost of a trend's inauthentic posts: posts × a price range per post.

This is an estimate with stated assumptions, never evidence that anyone paid:

* "inauthentic posts" are the trend's *suspect* posts: posts by accounts in coordinated clusters or
  with ``inauthenticity_score`` ≥ ``inauthentic_threshold`` (see :mod:`trendtrace.trends.verdict`);
* every suspect post is assumed to have been paid for, at one price per post between
  ``price_low`` and ``price_high`` US dollars (defaults from the 2025 case in ``docs/trends.md``:
  2 US cents to about 36 US cents);
* reposts count as posts; account creation, management and software are not counted;
* the total over all trends counts each post once, even when it carries several trend hashtags.

When neither the coordination nor the account stage has run there are no suspect posts to price,
and the cost is left empty.
"""

from __future__ import annotations

import duckdb

from trendtrace.model import InputError
from trendtrace.settings import Settings
from trendtrace.stage import write_table

from .on_engine import TrendPosts

__all__ = ["ASSUMPTIONS", "cost_range", "write_cost_table"]

ASSUMPTIONS = (
    "Estimate, not evidence of payment: every post by a coordinated or likely inauthentic account is "
    "assumed paid at one price per post within the range; reposts count as posts; account creation "
    "and management are not counted; each post is counted once in the total."
)


def cost_range(posts: int, price_low: float, price_high: float) -> tuple[float, float]:
    """``(posts × price_low, posts × price_high)`` in US dollars, rounded to cents.

    >>> cost_range(1000, 0.02, 0.36)
    (20.0, 360.0)
    """
    if posts < 0:
        raise ValueError("posts must be 0 or more")
    if price_low > price_high:
        raise InputError(f"price_low ({price_low:g}) is above price_high ({price_high:g}); give the low price first")
    return round(posts * price_low, 2), round(posts * price_high, 2)


def write_cost_table(con: duckdb.DuckDBPyConnection, settings: Settings, has_signals: bool,
                     tp: TrendPosts) -> None:
    """Write ``cost(scope, name, inauthentic_posts, price_low, price_high, cost_usd_low, cost_usd_high,
    assumptions)``: one row per trend (``scope`` = ``hashtag`` or ``campaign``) and one row
    ``scope = 'all'`` over the distinct suspect posts of every trend, counting only trends whose
    verdict is not ``organic`` (the table ``trends`` is read for that). Empty without signals.

    SQL only counts the posts; the money is :func:`cost_range`, the one place a cost is computed
    (the ``trends`` columns ``cost_usd_low``/``cost_usd_high`` come from it too). The report reads
    this table. Needs the temp table ``_tt_base`` of :mod:`trendtrace.trends.stats` and, for the
    total, ``tp`` (the distinct suspect posts are counted on the run's engine).
    """
    import pyarrow as pa

    lo, hi = float(settings["price_low"]), float(settings["price_high"])
    cost_range(0, lo, hi)  # validates the order of the prices
    where = "WHERE v.verdict <> 'organic'" if has_signals else "WHERE false"
    # only trends the data do not call organic: an organic trend has nothing to have paid for
    counts = con.execute(f"""
        SELECT t.trend_kind AS scope, t.trend AS name, t.suspect_posts AS n
        FROM _tt_base t JOIN trends v USING (trend, trend_kind) {where}
        ORDER BY n DESC, name
    """).fetchall()
    if counts:
        chosen = con.execute(f"""
            SELECT t.trend, t.trend_kind FROM _tt_base t JOIN trends v USING (trend, trend_kind) {where}
        """).fetchall()
        counts.insert(0, ("all", "all trends", tp.suspect_posts_in([(r[0], r[1]) for r in chosen])))
    costs = [cost_range(int(n), lo, hi) for _, _, n in counts]
    table = pa.table({
        "scope": pa.array([c[0] for c in counts], pa.string()),
        "name": pa.array([c[1] for c in counts], pa.string()),
        "inauthentic_posts": pa.array([int(c[2]) for c in counts], pa.int64()),
        "price_low": pa.array([lo] * len(counts), pa.float64()),
        "price_high": pa.array([hi] * len(counts), pa.float64()),
        "cost_usd_low": pa.array([c[0] for c in costs], pa.float64()),
        "cost_usd_high": pa.array([c[1] for c in costs], pa.float64()),
        "assumptions": pa.array([ASSUMPTIONS] * len(counts), pa.string()),
    })
    write_table(con, "cost", table)
