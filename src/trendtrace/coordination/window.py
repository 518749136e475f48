"""The co-action join: pairs of distinct accounts acting on the same object within the window.

Never a range self-join. Actions are put in buckets of the window's width (``bucket = t // W``), so
two actions at most ``W`` apart sit in the same or in adjacent buckets. The join key is
(trace, object, bucket) against the right side copied once with its own bucket and once with
``bucket - 1``: an equi-join that the engines hash, with work proportional to the pairs that are
really close in time, not to the square of an object's actions (Ding et al. use the same idea for
band joins; SynchroTrap buckets time the same way).

Each unordered pair of actions is produced exactly once:
  * same bucket: only with ``account_L < account_R``;
  * adjacent buckets: only with the left action in the earlier bucket (any account order).

Popular objects. An object (bucket) acted on by more than ``cap`` accounts contributes the pairs
of a deterministic sample of ``cap`` of them only: accounts are ranked by ``md5(seed || account)``
within the (object, bucket) and the first ``cap`` kept. The same sample on every engine, run after
run. Each co-action is also weighted by the object's inverse document frequency
``ln(1 + A / a_o)`` (``A`` accounts with the trace, ``a_o`` accounts on the object), as Pacheco et
al. (2021) weight traces by TF-IDF, so that sharing a viral post counts for less than sharing an
obscure one.
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir

__all__ = ["effective_window", "capped", "action_pairs", "object_idf", "pair_counts"]


def effective_window(window: int, resolution: int) -> int:
    """The window on recorded times that keeps every pair that *may* have been ``window`` apart.

    With times recorded to ``resolution`` seconds (60 for the information-operations archive), two
    stamps ``k`` ticks apart were more than ``(k - 1) * resolution`` seconds apart, so they may
    co-act when ``(k - 1) * resolution < window``: the effective window is
    ``resolution * ceil(window / resolution)``. Unchanged for ``resolution`` 0 (exact times) or when
    ``window`` is a multiple of it (60 s on minute data).
    """
    if resolution <= 0:
        return int(window)
    return int(resolution * math.ceil(window / resolution))


def capped(actions: ir.Table, window: int, cap: int, seed: int) -> ir.Table:
    """``actions`` plus ``bucket``, keeping at most ``cap`` accounts per (trace, object, bucket).

    Buckets over the cap keep the accounts with the smallest ``md5(seed || '|' || account_id)``.
    """
    a = actions.mutate(bucket=(actions.t // window).cast("int64"))
    sizes = a.group_by(["trace", "object", "bucket"]).aggregate(n_acc=a.account_id.nunique())
    big = sizes.filter(sizes.n_acc > cap)
    # Only actions in over-full buckets pay for the ranking.
    hot = a.semi_join(big, ["trace", "object", "bucket"])
    calm = a.anti_join(big, ["trace", "object", "bucket"])
    accs = hot.select("trace", "object", "bucket", "account_id").distinct()
    accs = accs.mutate(h=(ibis.literal(f"{seed}|") + accs.account_id).hexdigest("md5"))
    w = ibis.window(group_by=[accs.trace, accs.object, accs.bucket], order_by=[accs.h, accs.account_id])
    accs = accs.mutate(r=ibis.row_number().over(w))
    keep = accs.filter(accs.r < cap).select("trace", "object", "bucket", "account_id")
    hot = hot.semi_join(keep, ["trace", "object", "bucket", "account_id"])
    return ibis.union(calm, hot, distinct=False)


def action_pairs(actions: ir.Table, window: int) -> ir.Table:
    """Every unordered pair of actions by distinct accounts on the same object at most ``window``
    seconds apart. ``actions`` needs :data:`~.traces.ACTION_COLUMNS` and ``bucket`` (from
    :func:`capped`).

    Returns ``trace, object, account_a, account_b, post_a, post_b, t_a, t_b, tid_a, tid_b`` with
    ``account_a < account_b`` (the ``_a`` columns belong to ``account_a``).
    """
    left = actions.select(
        "trace", "object", "bucket",
        l_acc=actions.account_id, l_post=actions.post_id, l_t=actions.t, l_tid=actions.tid,
    )
    r = actions.select(
        r_trace=actions.trace, r_object=actions.object,
        r_acc=actions.account_id, r_post=actions.post_id, r_t=actions.t, r_tid=actions.tid,
        r_bucket=actions.bucket,
    )
    right = ibis.union(
        r.mutate(key=r.r_bucket, same=ibis.literal(True)),
        r.mutate(key=r.r_bucket - 1, same=ibis.literal(False)),
        distinct=False,
    )
    j = left.join(
        right,
        [left.trace == right.r_trace, left.object == right.r_object, left.bucket == right.key],
    )
    j = j.filter(
        ((j.same & (j.l_acc < j.r_acc)) | (~j.same & (j.l_acc != j.r_acc)))
        & ((j.l_t - j.r_t).abs() <= window)
    )
    lo = j.l_acc < j.r_acc
    return j.select(
        "trace",
        "object",
        account_a=ibis.ifelse(lo, j.l_acc, j.r_acc),
        account_b=ibis.ifelse(lo, j.r_acc, j.l_acc),
        post_a=ibis.ifelse(lo, j.l_post, j.r_post),
        post_b=ibis.ifelse(lo, j.r_post, j.l_post),
        t_a=ibis.ifelse(lo, j.l_t, j.r_t),
        t_b=ibis.ifelse(lo, j.r_t, j.l_t),
        tid_a=ibis.ifelse(lo, j.l_tid, j.r_tid),
        tid_b=ibis.ifelse(lo, j.r_tid, j.l_tid),
    )


def object_idf(actions: ir.Table) -> ir.Table:
    """Per (trace, object): ``idf = ln(1 + A / a_o)`` with ``A`` accounts in the trace and ``a_o``
    accounts on the object."""
    per_obj = actions.group_by(["trace", "object"]).aggregate(a_o=actions.account_id.nunique())
    per_trace = actions.group_by("trace").aggregate(A=actions.account_id.nunique())
    j = per_obj.join(per_trace, "trace")
    return j.select("trace", "object", idf=(1.0 + j.A.cast("float64") / j.a_o).ln())


def pair_counts(pairs: ir.Table, idf: ir.Table) -> ir.Table:
    """Per (trace, account_a, account_b): ``co_actions`` (pairs of actions), ``co_objects`` (distinct
    objects with at least one of them) and ``weight`` (sum of the objects' idf over the pairs)."""
    j = pairs.join(idf, ["trace", "object"])
    return j.group_by(["trace", "account_a", "account_b"]).aggregate(
        # Rounded: a parallel float sum may differ in its last bits from run to run and engine to engine.
        co_actions=j.post_a.count(), co_objects=j.object.nunique(), weight=j.idf.sum().round(9)
    )
