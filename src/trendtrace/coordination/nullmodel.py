"""How many co-actions two *independent* accounts would have, a p-value, and Benjamini–Hochberg.

The null model (per trace)
--------------------------
Condition on what each account did — which objects it acted on and how often — and ask only whether
the *timing* of two accounts is closer than the timing of the object's actions in general. Under
the null the times of the ``n_o`` actions on object ``o`` are exchangeable: the accounts are dealt
at random over the object's observed action times (a permutation of the account labels within each
object; the object-level analogue of shuffling each account's actions in time). For two accounts
with ``n_a`` and ``n_b`` actions on ``o`` the expected number of action pairs within the window is
then exactly::

    E_ab,o = n_a * n_b * tau_o,        tau_o = K_o / C(n_o, 2)

where ``K_o`` is the number of pairs of the object's actions (by anyone) at most ``W`` apart:
``tau_o`` is the chance that two random actions on ``o`` fall within the window. Summed over the
objects two accounts share, ``E_ab = sum_o E_ab,o`` is the expected ``co_actions``.

This is what keeps organic surges unflagged: when thousands post ``#PAKvIND`` during a match or
retweet a breaking-news post within minutes, ``tau_o`` is large for exactly those objects, so fans
who co-act on them do so no more than expected.

Objects used by one tight group only (a campaign post retweeted by its own 30 accounts within a
minute) would have ``tau_o ≈ 1`` and give no evidence. A prior shrinks each object's time profile
towards the trace's overall activity profile with ``null_prior`` pseudo-actions (empirical-Bayes
smoothing): with ``lambda = n_o / (n_o + alpha)``::

    tau_o = lambda^2 tau_ff + 2 lambda (1 - lambda) tau_fg + (1 - lambda)^2 tau_gg

where ``tau_fg`` is the mean share of the trace's actions within ``W`` of the object's actions and
``tau_gg`` the same over all actions. Popular objects (``n_o >> alpha``) keep their own profile; a
small object that burst within a minute is compared with how the whole trace is spread in time.
``null_prior = 0`` gives the exact permutation null.

The p-value is the Poisson upper tail ``P(X >= co_actions | E_ab)``. For a sum of independent
Bernoulli indicators (one action per account and object, as for retweets) the Poisson tail is
conservative (its variance is larger; Le Cam 1960). BH (Benjamini & Hochberg 1995) runs over every
(pair, trace) with at least one co-action; pairs below ``min_co_actions`` are counted in ``m`` with
``p = 1`` (they cannot be kept, and counting them makes the correction stricter, never looser).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
from scipy import special, stats

__all__ = ["object_null", "poisson_p", "shift_pvalues", "bh_qvalues"]


def object_null(actions: ir.Table, window: int, prior: float) -> ir.Table:
    """Per (trace, object): ``n_o`` actions, ``k_o`` pairs within ``window``, and ``tau``, the null
    probability that two of its actions fall within the window (see the module text)."""
    w = ibis.range_window(preceding=window, following=window, group_by=[actions.trace, actions.object],
                          order_by=actions.t)
    a = actions.mutate(c=actions.t.count().over(w))
    # The trace's activity profile on a per-second histogram (small), then a range sum over it.
    sec = actions.group_by(["trace", "t"]).aggregate(c_s=actions.t.count())
    gw = ibis.range_window(preceding=window, following=window, group_by=sec.trace, order_by=sec.t)
    sec = sec.mutate(g_s=sec.c_s.sum().over(gw))
    totals = actions.group_by("trace").aggregate(n_trace=actions.t.count())
    sec = sec.join(totals, "trace").select("trace", "t", g=sec.g_s.cast("float64") / totals.n_trace)
    a = a.join(sec, ["trace", "t"])
    per_obj = a.group_by(["trace", "object"]).aggregate(
        n_o=a.t.count(), c_sum=a.c.sum(), fg=a.g.mean()
    )
    per_trace = a.group_by("trace").aggregate(gg=a.g.mean())
    j = per_obj.join(per_trace, "trace")
    n = j.n_o.cast("float64")
    k = (j.c_sum - j.n_o).cast("float64") / 2.0
    tau_ff = ibis.ifelse(j.n_o >= 2, k / (n * (n - 1.0) / 2.0), 0.0)
    lam = n / (n + float(prior))
    tau = lam * lam * tau_ff + 2.0 * lam * (1.0 - lam) * j.fg + (1.0 - lam) * (1.0 - lam) * j.gg
    # Rounded to 12 decimals: parallel float means may differ in the last bits run to run.
    return j.select("trace", "object", "n_o", k_o=k.cast("int64"), tau=ibis.least(tau, 1.0).round(12))


#: Repeat levels ``k`` at which each object's chance of a co-action in ``k`` tries is tabulated
#: (1, 1.25, 1.5625, ... up to about 1.3e6; a pair's ``k`` is rounded up to the next level).
K_LEVELS: np.ndarray = np.unique(np.round(1.25 ** np.arange(64), 9))


def popularity_null(actions: ir.Table, window: int, prior: float) -> tuple[ir.Table, ir.Table, ir.Table]:
    """The popularity (configuration) null, as three small tables.

    Account ``x`` acts on ``d_x`` distinct objects with ``n_x`` actions (``r_x = n_x / d_x`` per
    object); object ``o`` is acted on by ``a_o`` accounts; ``D = sum_x d_x``. If accounts chose
    objects independently in proportion to popularity (the bipartite configuration model,
    ``P(x acts on o) = min(1, d_x a_o / D)``), acted ``r_x`` times on each, each time drawn from the
    object's own time profile, the expected number of distinct objects two accounts co-act on within
    the window is::

        E_ab = sum_o min(1, d_a a_o / D) * min(1, d_b a_o / D) * (1 - (1 - tau_o) ** (r_a r_b))

    (``r_a r_b`` pairs of actions, each within the window with probability ``tau_o``). It depends
    on the pair only through ``(d_a, d_b, r_a r_b)``: objects are summarised by ``a_o``, with
    ``S_j(a) = sum over objects with a_o = a of 1 - (1 - tau_o) ** K_LEVELS[j]`` (column ``s_j``),
    see :func:`popularity_expected`. An account acting once per object (``r = 1``) gives the plain
    ``tau_o``; one that retweets the same posts or uses the same hashtag all day has many chances,
    which the first version of this null left out (``docs/coordination.md`` §8).
    Returns ``(per_trace[trace, D], per_popularity[trace, a_o, s_0 ... s_63],
    per_account[trace, account_id, d, n])``.
    """
    null = object_null(actions, window, prior)
    ao = actions.group_by(["trace", "account_id", "object"]).aggregate(n=actions.t.count())
    per_obj = ao.group_by(["trace", "object"]).aggregate(a_o=ao.account_id.count())
    per_acc = ao.group_by(["trace", "account_id"]).aggregate(d=ao.object.count(), n=ao.n.sum())
    big_d = per_acc.group_by("trace").aggregate(D=per_acc.d.sum())
    j = per_obj.filter(per_obj.a_o >= 2).join(null, ["trace", "object"])
    sums = {f"s_{i}": (1.0 - (1.0 - j.tau) ** float(k)).sum().round(12) for i, k in enumerate(K_LEVELS)}
    per_pop = j.group_by(["trace", "a_o"]).aggregate(**sums)
    return big_d, per_pop, per_acc


def repeat_levels(k: np.ndarray) -> np.ndarray:
    """Index into :data:`K_LEVELS` of the smallest level at or above each ``k`` (rounding up makes
    the expected count larger, so the test more cautious)."""
    idx = np.searchsorted(K_LEVELS, np.asarray(k, dtype=float) * (1 - 1e-12), side="left")
    return np.minimum(idx, len(K_LEVELS) - 1)


def level_sums(tau: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """``S[g, j] = sum over objects in group g of 1 - (1 - tau) ** K_LEVELS[j]``, rounded to 12
    decimals (the numpy twin of the ``s_j`` columns of :func:`popularity_null`)."""
    out = np.empty((n_groups, len(K_LEVELS)))
    for i, k in enumerate(K_LEVELS):
        out[:, i] = np.round(np.bincount(group, weights=1.0 - (1.0 - tau) ** float(k), minlength=n_groups), 12)
    return out


def popularity_expected(d_a: np.ndarray, d_b: np.ndarray, big_d: float, a_o: np.ndarray, s: np.ndarray,
                        k: np.ndarray | None = None) -> np.ndarray:
    """``E_ab`` of :func:`popularity_null` for degree pairs ``(d_a, d_b)`` of one trace.

    ``s`` is ``S`` per popularity ``a_o``: one column (``r_a r_b = 1`` for every pair) or one per
    :data:`K_LEVELS`, in which case ``k`` gives each pair's ``r_a r_b``.
    """
    d_a = np.asarray(d_a, dtype=float)
    d_b = np.asarray(d_b, dtype=float)
    out = np.zeros(len(d_a))
    if len(d_a) == 0 or len(a_o) == 0 or big_d <= 0:
        return out
    s = np.asarray(s, dtype=float)
    if s.ndim == 1:
        s = s[:, None]
        lev = np.zeros(len(d_a))
    else:
        lev = repeat_levels(np.ones(len(d_a)) if k is None else k).astype(float)
    keys, inv = np.unique(np.stack([d_a, d_b, lev], axis=1), axis=0, return_inverse=True)
    a = np.asarray(a_o, dtype=float) / float(big_d)
    res = np.empty(len(keys))
    for c0 in range(0, len(keys), 2048):
        blk = keys[c0 : c0 + 2048]
        pa_ = np.minimum(1.0, blk[:, :1] * a[None, :])
        pb_ = np.minimum(1.0, blk[:, 1:2] * a[None, :])
        cols = s[:, blk[:, 2].astype(np.int64)]  # (groups, block)
        res[c0 : c0 + 2048] = np.einsum("ij,ji->i", pa_ * pb_, cols)
    return res[inv.ravel()]


def terms(candidates: ir.Table, actions: ir.Table, null: ir.Table) -> ir.Table:
    """One row per (trace, account_a, account_b) of ``candidates`` and object both acted on (at any
    time): ``m = n_a,o * n_b,o`` action pairs, each within the window with probability ``tau``."""
    ao = actions.group_by(["trace", "account_id", "object"]).aggregate(n=actions.t.count())
    aa = ao.select(trace_a=ao.trace, acc_a=ao.account_id, obj=ao.object, n_a=ao.n)
    bb = ao.select(trace_b=ao.trace, acc_b=ao.account_id, obj_b=ao.object, n_b=ao.n)
    c = candidates.select("trace", "account_a", "account_b")
    j = c.join(aa, [c.trace == aa.trace_a, c.account_a == aa.acc_a])
    j = j.join(bb, [j.trace == bb.trace_b, j.account_b == bb.acc_b, j.obj == bb.obj_b])
    j = j.join(null, [j.trace == null.trace, j.obj == null.object])
    return j.select("trace", "account_a", "account_b", m=(j.n_a * j.n_b).cast("int64"), tau=j.tau)


def pair_pvalues(
    observed: np.ndarray,
    pair_index: np.ndarray,
    m: np.ndarray,
    tau: np.ndarray,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected co-actions and upper-tail p-values ``P(X >= observed)`` per pair.

    ``pair_index``, ``m``, ``tau`` list each pair's shared objects (``pair_index[k]`` indexes
    ``observed``). Under the permutation null an object on which each account acted once
    (``m = 1``; retweets, replies, quotes) adds an independent Bernoulli(``tau``): their sum is
    Poisson-binomial and computed exactly (a dynamic programme over the objects, with the mass at or
    above ``observed`` accumulated separately so that tiny p-values keep their precision). Objects
    with ``m > 1`` (a hashtag used many times by both) add Poisson(``m * tau``) (Poisson
    approximation of their correlated pair counts). With ``rng`` the p-values are randomised,
    ``P(X > x) + U * P(X = x)``: exactly uniform under the null, for calibration checks.
    """
    obs = np.asarray(observed, dtype=np.int64)
    n = len(obs)
    exp = np.bincount(pair_index, weights=m * tau, minlength=n)
    single = m == 1
    mu_rest = np.bincount(pair_index[~single], weights=(m * tau)[~single], minlength=n)
    order = np.argsort(pair_index[single], kind="stable")
    pi = pair_index[single][order]
    ts = tau[single][order]
    starts = np.searchsorted(pi, np.arange(n + 1))

    def tail(k: int, probs: np.ndarray, mu: float) -> float:
        """P(B + P >= k), B ~ Poisson-binomial(probs), P ~ Poisson(mu)."""
        if k <= 0:
            return 1.0
        pmf = np.zeros(k)
        pmf[0] = 1.0
        above = 0.0
        for q in probs:
            above += pmf[-1] * q
            pmf[1:] = pmf[1:] * (1 - q) + pmf[:-1] * q
            pmf[0] *= 1 - q
        if mu > 0:
            # P(P >= k - j) for j = 0..k-1
            need = k - np.arange(k)
            above += float(np.dot(pmf, special.pdtrc(need - 1, mu)))
        return min(1.0, above)

    p = np.empty(n)
    for i in range(n):
        probs = ts[starts[i] : starts[i + 1]]
        ge = tail(int(obs[i]), probs, float(mu_rest[i]))
        if rng is None:
            p[i] = ge
        else:
            gt = tail(int(obs[i]) + 1, probs, float(mu_rest[i]))
            p[i] = gt + rng.random() * (ge - gt)
    return exp, p


def poisson_p(observed: np.ndarray, expected: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Upper-tail Poisson p-values ``P(X >= observed)`` with ``X ~ Poisson(expected)``.

    With ``rng`` the p-values are randomised (``P(X > x) + U * P(X = x)``), which makes them exactly
    uniform under a correct Poisson null; used to check calibration, not for decisions.
    """
    obs = np.asarray(observed, dtype=float)
    mu = np.maximum(np.asarray(expected, dtype=float), 1e-300)
    if rng is None:
        return stats.poisson.sf(obs - 1, mu)
    return stats.poisson.sf(obs, mu) + rng.random(obs.shape) * stats.poisson.pmf(obs, mu)


def shift_pvalues(observed: np.ndarray, shifted_mean: np.ndarray, shifts: int) -> tuple[np.ndarray, np.ndarray]:
    """Expected count and p-value of each pair under the *shift* null.

    The null conditions on everything each account did — its objects, how often, its daily rhythm,
    its bursts — and asks only whether the two timelines line up at their true relative position
    more than at other positions that keep the rhythm: one account's whole timeline moved against the
    other's by ``k`` whole days, ``k = ±1 … ±shifts/2``. Under the null the true position is one of
    ``shifts + 1`` exchangeable positions, so the mean over *all* of them, the observed one
    included, estimates the expected count; including the observed count makes the estimate lean
    high, and the test conservative, never liberal::

        E_ab = (observed + shifts * shifted_mean) / (shifts + 1),   p = P(Poisson(E_ab) >= observed)

    ``shifted_mean`` is the mean over the shifted positions (:func:`._fast.shift_expected`).
    """
    obs = np.asarray(observed, dtype=float)
    e = (obs + int(shifts) * np.asarray(shifted_mean, dtype=float)) / (int(shifts) + 1)
    return e, poisson_p(obs, e)


def bh_qvalues(p: np.ndarray, m: int | None = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) of ``p``.

    ``m`` is the number of hypotheses tested (default ``len(p)``); hypotheses not in ``p`` are taken
    to have ``p = 1`` (they rank last and leave these q-values unchanged except through ``m``).
    Reference: Benjamini, Y. & Hochberg, Y. (1995), JRSS B 57(1), 289–300.
    """
    p = np.asarray(p, dtype=float)
    m = len(p) if m is None else int(m)
    if len(p) == 0:
        return p.copy()
    if m < len(p):
        raise ValueError(f"m ({m}) is smaller than the number of p-values ({len(p)})")
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, len(p) + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(p)
    q[order] = np.minimum(q_sorted, 1.0)
    return q
