"""Per-account aggregates of the posts, written once in Ibis and run where the posts are.

The account stage reads every post once through here, on the engine the run uses (DuckDB, or
Spark for data past one machine), and brings back only per-account rows: the driver then holds
O(accounts × 24) numbers, never the posts. What comes back (:class:`PostAggregates`):

``base``
    one row per account with posts: ``posts``, ``first_post``, ``last_post``, ``kinds`` (posts
    with a kind), ``reposts``, ``replies``, ``links``, ``mentions``, ``own_text_posts`` (posts that
    are not reposts and have text), ``dup_posts`` (own posts whose long copy key occurs in more than
    one post of the data), ``zero_second_n``, ``minute_mode_n``, ``second_mode_n`` (posts at the
    account's most frequent minute of the hour / second of the minute), ``gaps`` (number of gaps
    between consecutive posts), ``gmean``, ``gsd`` (population sd) and ``gmed`` (median: the middle
    two averaged) of those gaps in whole seconds.
``hours``
    (account, UTC hour, posts): the hour-of-day histograms behind the origin estimate.
``langs``, ``clients``
    (account, lang / client, posts), null values as their own group.
``times``
    (time, posts) per distinct time: the data's median time (:func:`median_time`) from it.

Every post counts only with an account and a time. Times are whole seconds (as in the
coordination traces), so a gap is an integer and sums of gaps are exact on either engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from ..engine import Engine
from ..text import copy_key_expr

__all__ = ["PostAggregates", "post_aggregates", "median_time", "LONG_TEXT_CHARS", "LONG_TEXT_WORDS"]

#: A copy key counts as a possible duplicate from this many characters...
LONG_TEXT_CHARS = 40
#: ...or this many words (short stock phrases like "good morning everyone" are repeated by real
#: people too).
LONG_TEXT_WORDS = 6

_COLUMNS = ["account_id", "time", "kind", "text", "lang", "client", "urls", "mentions"]


@dataclass(frozen=True)
class PostAggregates:
    """The per-account tables (Arrow, on the driver) described in the module's docstring."""

    base: pa.Table
    hours: pa.Table
    langs: pa.Table
    clients: pa.Table
    times: pa.Table


def _posts(engine: Engine) -> ir.Table:
    p = engine.posts(_COLUMNS)
    p = p.filter(p.account_id.notnull() & p.time.notnull())
    own = (p.kind != "repost") & p.text.notnull()
    nt = ibis.ifelse(own.fill_null(False), copy_key_expr(p.text), ibis.null("string"))
    words = nt.length() - nt.replace(" ", "").length() + 1
    long_key = ibis.ifelse((nt.length() >= LONG_TEXT_CHARS) | (words >= LONG_TEXT_WORDS), nt, ibis.null("string"))
    return p.mutate(
        t=p.time.epoch_seconds().floor().cast("int64"),
        own=nt.notnull(),
        long_key=long_key,
        has_link=p.urls.length().fill_null(0) > 0,
        has_mention=p.mentions.length().fill_null(0) > 0,
    )


def _expressions(p: ir.Table) -> dict[str, ir.Table]:
    one = ibis.literal(1)
    zero = ibis.literal(0)

    def n_if(cond: ir.BooleanValue) -> ir.IntegerValue:
        return ibis.ifelse(cond.fill_null(False), one, zero).sum()

    base = p.group_by("account_id").aggregate(
        posts=p.count(),
        first_post=p.time.min(),
        last_post=p.time.max(),
        kinds=p.kind.count(),
        reposts=n_if(p.kind == "repost"),
        replies=n_if(p.kind == "reply"),
        links=n_if(p.has_link),
        mentions=n_if(p.has_mention),
        own_text_posts=n_if(p.own),
        zero_second_n=n_if(p.t % 60 == 0),
    )
    # Own posts whose long copy key is used more than once in the whole data.
    keys = p.filter(p.long_key.notnull())
    shared = keys.group_by("long_key").aggregate(uses=keys.count()).filter(lambda t: t.uses > 1)
    dup = keys.semi_join(shared, "long_key").group_by("account_id").aggregate(dup_posts=lambda t: t.count())

    def mode_n(part: ir.IntegerValue, name: str) -> ir.Table:
        per = p.mutate(_v=part).group_by(["account_id", "_v"]).aggregate(n=lambda t: t.count())
        return per.group_by("account_id").aggregate(**{name: per.n.max()})

    # Gaps between consecutive posts of an account (ties in time give a gap of 0 whichever comes first).
    w = ibis.window(group_by="account_id", order_by="t")
    g = p.select("account_id", gap=(p.t - p.t.lag().over(w)).cast("float64"))
    g = g.filter(g.gap.notnull())
    gstats = g.group_by("account_id").aggregate(gaps=g.count(), gmean=g.gap.mean(), gsd=g.gap.std(how="pop"))
    # The exact median: the middle one or two of the sorted gaps, averaged.
    r = g.mutate(
        rk=ibis.row_number().over(ibis.window(group_by="account_id", order_by="gap")),
        cnt=g.count().over(ibis.window(group_by="account_id")),
    )
    mid = r.filter((r.rk == (r.cnt - 1) // 2) | (r.rk == r.cnt // 2))
    gmed = mid.group_by("account_id").aggregate(gmed=mid.gap.mean())

    base = base.left_join(dup, "account_id").drop("account_id_right")
    # Hour, minute and second from the whole seconds: Spark's EXTRACT(SECOND) keeps the fraction.
    for t in (mode_n((p.t // 60) % 60, "minute_mode_n"), mode_n(p.t % 60, "second_mode_n"), gstats, gmed):
        base = base.left_join(t, "account_id").drop("account_id_right")
    base = base.mutate(dup_posts=base.dup_posts.fill_null(0), gaps=base.gaps.fill_null(0))

    hours = p.mutate(hour=(p.t // 3600) % 24).group_by(["account_id", "hour"]).aggregate(posts=lambda t: t.count())
    langs = p.group_by(["account_id", "lang"]).aggregate(posts=lambda t: t.count())
    clients = p.group_by(["account_id", "client"]).aggregate(posts=lambda t: t.count())
    times = p.group_by("time").aggregate(posts=lambda t: t.count())
    return {"base": base, "hours": hours, "langs": langs, "clients": clients, "times": times}


_SCHEMAS = {
    "base": pa.schema([
        ("account_id", pa.string()), ("posts", pa.int64()), ("first_post", pa.timestamp("us")),
        ("last_post", pa.timestamp("us")), ("kinds", pa.int64()), ("reposts", pa.int64()),
        ("replies", pa.int64()), ("links", pa.int64()), ("mentions", pa.int64()),
        ("own_text_posts", pa.int64()), ("zero_second_n", pa.int64()), ("dup_posts", pa.int64()),
        ("minute_mode_n", pa.int64()), ("second_mode_n", pa.int64()), ("gaps", pa.int64()),
        ("gmean", pa.float64()), ("gsd", pa.float64()), ("gmed", pa.float64()),
    ]),
    "hours": pa.schema([("account_id", pa.string()), ("hour", pa.int64()), ("posts", pa.int64())]),
    "langs": pa.schema([("account_id", pa.string()), ("lang", pa.string()), ("posts", pa.int64())]),
    "clients": pa.schema([("account_id", pa.string()), ("client", pa.string()), ("posts", pa.int64())]),
    "times": pa.schema([("time", pa.timestamp("us")), ("posts", pa.int64())]),
}


def post_aggregates(engine: Engine) -> PostAggregates:
    """Run the per-account aggregates on ``engine`` and bring them to the driver (sorted by account)."""
    exprs = _expressions(_posts(engine))
    out: dict[str, pa.Table] = {}
    for name, expr in exprs.items():
        tbl = engine.arrow(expr)
        tbl = tbl.select(_SCHEMAS[name].names).cast(_SCHEMAS[name])
        keys = [(c, "ascending") for c in _SCHEMAS[name].names[:2 if name != "base" else 1]]
        out[name] = tbl.sort_by(keys)
    return PostAggregates(**out)


def median_time(times: pa.Table) -> datetime | None:
    """The lower median (``quantile_disc(time, 0.5)``) of the posts' times from ``times`` (sorted
    (time, posts) rows), or None without posts."""
    n = np.asarray(times.column("posts").to_numpy(), np.int64)
    total = int(n.sum())
    if not total:
        return None
    # quantile_disc(0.5): the value at 0-based position floor(0.5 * (total - 1)) of the sorted times
    k = int(np.searchsorted(np.cumsum(n), (total - 1) // 2 + 1))
    value = times.column("time")[k].as_py()
    return value if isinstance(value, datetime) else None
