"""The adaptive part of the inauthenticity score: the plain-word rules teach a model of this store.

The rules of :mod:`trendtrace.accounts.score` have fixed weights and absolute thresholds. Each
real data set has its own strong signals (likes given in one, the following count in another, the
follower ratio in a third) that no fixed weighting gets right everywhere. So the rules are used as
a teacher, not as the answer (self-training, Yarowsky 1995; pseudo-labelling, Lee 2013):

1. Every available feature becomes a robust within-store score: the normal quantile of its
   mid-rank among the accounts of this store (ranks from a seeded sample of at most
   :data:`RANK_SAMPLE` values), 0 when the account lacks it, plus a 0/1 "missing" column when some
   accounts lack it. Features whose source field the store does not carry are left out.
2. The accounts the rules rank highest (the share the rules flag, between 2 % and 25 %) are the
   provisional positives, the lower half the provisional negatives; an L2-penalised logistic
   regression (C = 0.1) learns from those which features separate them *in this store*, with
   either sign.
3. Its ranking becomes the teacher of the next round (:data:`ROUNDS` rounds).
4. The score keeps the rules' scale: the account ranked k-th by the model gets the rule score of
   the k-th account ranked by the rules (a quantile mapping). How many accounts reach 0.5 is
   therefore still decided by the documented absolute rules; which accounts, by the model.

Nothing here sees a label. Measured on the labelled real sets of ``bench/validity.py`` (calibration
half for the choices, held-out half for the figures): ``docs/accounts.md`` and ``docs/validity.md``.
When the store is too small (fewer than :data:`MIN_ACCOUNTS` accounts) or the rules flag fewer
than :data:`MIN_POSITIVES` accounts, the rule score is used as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

__all__ = ["AdaptiveFit", "adaptive_scores", "relative_reasons", "ROUNDS", "MIN_ACCOUNTS", "MIN_POSITIVES", "RANK_SAMPLE"]

log = logging.getLogger(__name__)

ROUNDS = 3
MIN_ACCOUNTS = 100
MIN_POSITIVES = 10
RANK_SAMPLE = 50_000
FIT_SAMPLE = 100_000
_C = 0.1
_Q_MIN, _Q_MAX = 0.02, 0.25


@dataclass
class AdaptiveFit:
    """What the adaptive step did: ``score`` (0-1, on the rules' scale), ``model_score`` (the
    last round's probability), the features used with their coefficients, and ``method``
    (``'adaptive'``, or ``'rules'`` with ``why`` when it fell back)."""

    score: np.ndarray
    model_score: np.ndarray | None
    method: str
    why: str = ""
    features: list[str] = field(default_factory=list)
    coef: np.ndarray | None = None
    z: np.ndarray | None = None  # the transformed matrix (accounts x features), for the reasons
    positives: int = 0


def _ranked(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Normal scores of the mid-ranks of ``x`` within its non-missing values (from a sample of at
    most RANK_SAMPLE of them), and the mid-rank share itself; NaN stays NaN in the share, 0 in z."""
    ok = ~np.isnan(x)
    share = np.full(len(x), np.nan)
    z = np.zeros(len(x))
    v = x[ok]
    if len(v) == 0:
        return z, share
    ref = np.sort(v if len(v) <= RANK_SAMPLE else rng.choice(v, RANK_SAMPLE, replace=False))
    lo = np.searchsorted(ref, v, side="left")
    hi = np.searchsorted(ref, v, side="right")
    mid = (lo + hi) / 2.0 / len(ref)
    eps = 0.5 / len(ref)
    share[ok] = mid
    z[ok] = ndtri(np.clip(mid, eps, 1 - eps))
    return z, share


def _fit(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> object:
    from sklearn.linear_model import LogisticRegression

    idx = np.flatnonzero(y >= 0)
    if len(idx) > FIT_SAMPLE:
        idx = np.sort(rng.choice(idx, FIT_SAMPLE, replace=False))
    model = LogisticRegression(C=_C, max_iter=500)
    model.fit(X[idx], y[idx])
    return model


def adaptive_scores(columns: dict[str, np.ndarray], rule_score: np.ndarray, *, seed: int = 42) -> AdaptiveFit:
    """The adaptive score of every account from its feature ``columns`` (name -> float array with
    NaN for missing; only features the store carries) and the rules' ``rule_score``. See the module
    docstring for the method; ``seed`` fixes the samples."""
    n = len(rule_score)
    rule_score = np.nan_to_num(np.asarray(rule_score, dtype=float))
    if n < MIN_ACCOUNTS:
        return AdaptiveFit(rule_score, None, "rules", f"fewer than {MIN_ACCOUNTS} accounts")
    flagged = float((rule_score >= 0.5).mean())
    q = min(max(flagged, _Q_MIN), _Q_MAX)
    if int((rule_score > 0).sum()) < MIN_POSITIVES:
        return AdaptiveFit(rule_score, None, "rules", f"the rules found evidence on fewer than {MIN_POSITIVES} accounts")
    rng = np.random.default_rng(seed)
    names: list[str] = []
    cols: list[np.ndarray] = []
    for name, x in columns.items():
        x = np.asarray(x, dtype=float)
        z, _ = _ranked(x, rng)
        if np.ptp(z) == 0:
            continue
        names.append(name)
        cols.append(z)
        miss = np.isnan(x)
        if miss.any() and not miss.all():
            names.append(f"{name} (missing)")
            cols.append(miss.astype(float))
    if not cols:
        return AdaptiveFit(rule_score, None, "rules", "no feature varies in this data")
    X = np.column_stack(cols)
    from .score import _threads_for

    s = rule_score
    model = None
    with _threads_for(min(n, FIT_SAMPLE)):
        for _ in range(ROUNDS):
            # ranks with ties broken by position are fine here: only the top q and the lower half matter
            order = np.argsort(s, kind="stable")
            rank = np.empty(n)
            rank[order] = (np.arange(n) + 0.5) / n
            y = np.full(n, -1, dtype=np.int64)
            y[(rank > 1 - q) & (s > (0 if s is rule_score else -np.inf))] = 1
            y[rank <= 0.5] = 0
            if (y == 1).sum() < MIN_POSITIVES or (y == 0).sum() < MIN_POSITIVES:
                break
            model = _fit(X, y, rng)
            s = model.predict_proba(X)[:, 1]  # type: ignore[attr-defined]
    if model is None:
        return AdaptiveFit(rule_score, None, "rules", "too few accounts on either side to learn from")
    # quantile mapping onto the rules' scale: k-th by the model gets the k-th rule score
    by_model = np.lexsort((rule_score, s))
    out = np.empty(n)
    out[by_model] = np.sort(rule_score)
    coef = np.asarray(model.coef_[0])  # type: ignore[attr-defined]
    log.info("adaptive score: %d features, %d provisional positives per round, top weights %s", len(names),
             int(round(q * n)), sorted(zip(np.round(coef, 2), names), key=lambda t: -abs(t[0]))[:5])
    return AdaptiveFit(out, s, "adaptive", "", names, coef, X, int(round(q * n)))


#: How a feature's value reads in a sentence (features not listed are not used in sentences).
_SAY: dict[str, str] = {
    "followers": "{v:,.0f} followers",
    "following": "follows {v:,.0f} accounts",
    "follower_ratio": "{v:.2g} followers per account followed",
    "post_count": "{v:,.0f} posts in its lifetime",
    "likes_given": "has liked {v:,.0f} posts",
    "listed": "on {v:,.0f} lists",
    "age_days": "account {v:,.0f} days old",
    "age_at_first_post_days": "first post {v:,.0f} days after the account was created",
    "lifetime_posts_per_day": "{v:,.1f} posts a day over its life",
    "posts_per_day": "{v:,.1f} posts a day in this data",
    "repost_share": "{v:.0%} of its posts are reposts",
    "reply_share": "{v:.0%} of its posts are replies",
    "link_share": "{v:.0%} of its posts carry a link",
    "mention_share": "{v:.0%} of its posts mention someone",
    "dup_text_share": "{v:.0%} of its own posts repeat text posted elsewhere",
    "hour_entropy": "posting hours spread {v:.2f} (1 = evenly around the clock)",
    "handle_length": "handle of {v:.0f} characters",
    "handle_digit_share": "{v:.0%} of its handle is digits",
    "description_length": "bio of {v:.0f} characters",
    "minute_mode_share": "{v:.0%} of its posts at one minute of the hour",
    "burstiness": "burstiness {v:.2f} (-1 clockwork, 0 random, 1 bursty)",
    "median_gap_s": "{v:,.0f} s between posts (median)",
    "quiet_share": "{v:.0%} of its posts in the usual sleeping hours",
    "batch_log10_q": "creation-day count {v:.1f} orders of magnitude beyond chance",
}


def relative_reasons(fit: AdaptiveFit, columns: dict[str, np.ndarray], reasons: list[str | None],
                     *, cut: float = 0.5, per_account: int = 2, max_reasons: int = 7) -> list[str | None]:
    """Add up to ``per_account`` data-relative sentences after the rule sentences of every account
    scoring ``cut`` or more (keeping at most ``max_reasons`` in all): the features that pushed the model up most for that account,
    with the value and where it stands in this store ("follows 4,210 accounts (higher than 97% of
    accounts in this data)")."""
    if fit.coef is None or fit.z is None:
        return reasons
    usable = [j for j, name in enumerate(fit.features) if name in _SAY and name in columns]
    if not usable:
        return reasons
    out = list(reasons)
    sel = np.flatnonzero(fit.score >= cut)
    if not len(sel):
        return out
    cols = np.array(usable)
    contrib = fit.z[np.ix_(sel, cols)] * fit.coef[cols]
    top = np.argsort(-contrib, axis=1)[:, :per_account]
    sorted_cols = {fit.features[j]: np.sort(columns[fit.features[j]][~np.isnan(columns[fit.features[j]])])
                   for j in usable}
    for row, i in enumerate(sel):
        said = []
        for k in top[row]:
            if contrib[row, k] <= 0.1:  # a push that small is not a reason
                continue
            name = fit.features[cols[k]]
            v = columns[name][i]
            if np.isnan(v):
                continue
            ref = sorted_cols[name]
            if fit.coef[cols[k]] > 0:
                pct = np.searchsorted(ref, v, side="left") / len(ref)
                where = f"higher than {int(pct * 100)}% of accounts in this data"
            else:
                pct = 1 - np.searchsorted(ref, v, side="right") / len(ref)
                where = f"lower than {int(pct * 100)}% of accounts in this data"
            if int(pct * 100) < 50:
                continue
            said.append(f"{_SAY[name].format(v=v)} ({where})")
        if said:
            rules = [r for r in (out[i] or "").split("; ") if r]
            out[i] = "; ".join(rules[:max(max_reasons - len(said), 0)] + said)
    return out
