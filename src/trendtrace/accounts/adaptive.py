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

from typing import TYPE_CHECKING

import logging
from dataclasses import dataclass, field

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa
from scipy.special import ndtri

__all__ = ["AdaptiveFit", "adaptive_scores", "relative_reasons", "ROUNDS", "MIN_ACCOUNTS", "MIN_POSITIVES",
           "RANK_SAMPLE"]

log = logging.getLogger(__name__)

ROUNDS = 3
MIN_ACCOUNTS = 100
MIN_POSITIVES = 10
RANK_SAMPLE = 50_000
FIT_SAMPLE = 50_000
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


#: In a store of more than RANK_SAMPLE accounts, a feature with more than this many distinct values
#: in the sample has its ranks read off this many quantile knots
#: (off by less than 1 / KNOTS of a rank share); at or below it they are exact mid-ranks.
KNOTS = 2048


def _ranked(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Normal scores of the mid-ranks of ``x`` within its non-missing values (from a sample of at
    most RANK_SAMPLE of them), and the mid-rank share itself; NaN stays NaN in the share, 0 in z."""
    ok = ~np.isnan(x)
    share = np.full(len(x), np.nan)
    z = np.zeros(len(x))
    v = x[ok]
    if len(v) == 0:
        return z, share
    ref = v if len(v) <= RANK_SAMPLE else rng.choice(v, RANK_SAMPLE, replace=False)
    uniq, counts = np.unique(ref, return_counts=True)
    below = np.concatenate([[0], np.cumsum(counts)[:-1]])
    eps = 0.5 / len(ref)
    if len(v) > RANK_SAMPLE and len(uniq) > KNOTS:
        # many distinct values (a count, a share): KNOTS quantile knots; a value between two knots
        # gets the share halfway between theirs (off by less than 1 / KNOTS)
        pick = np.unique(np.linspace(0, len(uniq) - 1, KNOTS).round().astype(np.int64))
        knot_s = np.concatenate([[0.0], (below[pick] + counts[pick] / 2.0) / len(ref), [1.0]])
        step = (knot_s[:-1] + knot_s[1:]) / 2.0
        code = np.searchsorted(uniq[pick], v, side="right")
        share[ok] = step[code]
        z[ok] = ndtri(np.clip(step, eps, 1 - eps))[code]
        return z, share
    # few distinct values: exact. One search into them; the mid-rank takes one of 2 * len(uniq) + 1
    # values, so the normal score is looked up, not recomputed
    i = np.searchsorted(uniq, v, side="left")
    at = np.minimum(i, len(uniq) - 1)
    hit = uniq[at] == v
    code = np.where(hit, 2 * at + 1, 2 * i)  # 2k: just below distinct value k (or above all); 2k+1: equal to it
    edges = np.concatenate([below, [len(ref)]])
    mids = np.empty(2 * len(uniq) + 1)
    mids[0::2] = edges
    mids[1::2] = below + counts / 2.0
    mids /= len(ref)
    share[ok] = mids[code]
    z[ok] = ndtri(np.clip(mids, eps, 1 - eps))[code]
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
        return AdaptiveFit(rule_score, None, "rules",
                           f"the rules found evidence on fewer than {MIN_POSITIVES} accounts")
    rng = np.random.default_rng(seed)
    names: list[str] = []
    X = np.empty((n, 2 * len(columns)), dtype=np.float32)
    masks: set[bytes] = set()  # one "missing" column per distinct pattern (features of posts share one)
    for name, x in columns.items():
        x = np.asarray(x, dtype=float)
        z, _ = _ranked(x, rng)
        if np.ptp(z) == 0:
            continue
        X[:, len(names)] = z
        names.append(name)
        miss = np.isnan(x)
        if miss.any() and not miss.all():
            key = np.packbits(miss).tobytes()
            if key not in masks:
                masks.add(key)
                X[:, len(names)] = miss
                names.append(f"{name} (missing)")
    if not names:
        return AdaptiveFit(rule_score, None, "rules", "no feature varies in this data")
    X = X[:, :len(names)]
    from .score import _threads_for

    s = rule_score
    model = None
    with _threads_for(min(n, FIT_SAMPLE)):
        for _ in range(ROUNDS):
            # provisional negatives: at or below the median; positives: the top q (ties at the cut
            # included; never a rule score of 0), which win over the negatives
            k = max(int(n * q), 1)
            hi_cut = np.partition(s, n - k)[n - k]
            median = np.partition(s, n // 2)[n // 2]
            y = np.full(n, -1, dtype=np.int64)
            y[s <= median] = 0
            y[(s >= hi_cut) & (s > (0 if s is rule_score else -np.inf))] = 1
            if (y == 1).sum() < MIN_POSITIVES or (y == 0).sum() < MIN_POSITIVES:
                break
            model = _fit(X, y, rng)
            s = model.predict_proba(X)[:, 1]  # type: ignore[attr-defined]
    if model is None:
        return AdaptiveFit(rule_score, None, "rules", "too few accounts on either side to learn from")
    # quantile mapping onto the rules' scale: k-th by the model gets the k-th rule score
    by_model = np.argsort(s, kind="stable")
    out = np.empty(n)
    out[by_model] = np.sort(rule_score)
    coef = np.asarray(model.coef_[0])  # type: ignore[attr-defined]
    log.info("adaptive score: %d features, %d provisional positives per round, top weights %s", len(names),
             int(round(q * n)), sorted(zip(np.round(coef, 2), names, strict=False), key=lambda t: -abs(t[0]))[:5])
    return AdaptiveFit(out, s, "adaptive", "", names, coef, X, int(round(q * n)))


#: How a feature's value reads in a sentence (features not listed are not used in sentences; the
#: creation batch, flags and handle patterns have rule sentences of their own).
_SAY: dict[str, str] = {
    "followers": "{v:,.0f} followers",
    "following": "follows {v:,.0f} accounts",
    "follower_ratio": "{v:.2g} followers per account followed",
    "post_count": "{v:,.0f} posts in its lifetime",
    "likes_given": "has liked {v:,.0f} posts",
    "listed": "on {v:,.0f} lists",
    "followers_per_day": "{v:,.2f} new followers a day over its life",
    "following_per_day": "followed {v:,.2f} accounts a day over its life",
    "likes_per_day": "{v:,.2f} likes given a day over its life",
    "listed_per_day": "{v:,.3f} list memberships gained a day over its life",
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
}


def relative_reasons(fit: AdaptiveFit, columns: dict[str, np.ndarray], reasons: pa.Array,
                     *, cut: float = 0.5, per_account: int = 2) -> pa.Array:
    """Add up to ``per_account`` data-relative sentences after the rule sentences (at most five) of
    every account scoring ``cut`` or more: the features that pushed the model up most for that account,
    with the value and where it stands in this store ("follows 4,210 accounts (higher than 97% of
    accounts in this data)")."""
    if fit.coef is None or fit.z is None:
        return reasons
    usable = [j for j, name in enumerate(fit.features) if name in _SAY and name in columns]
    sel = np.flatnonzero(fit.score >= cut)
    if not usable or not len(sel):
        return reasons
    cols = np.array(usable)
    contrib = fit.z[np.ix_(sel, cols)] * fit.coef[cols]
    top = np.argsort(-contrib, axis=1)[:, :per_account]
    # Where each chosen value stands, per feature in one search (against a seeded sample of the
    # column, as the ranks): the share of accounts strictly below it (a higher-is-suspect feature)
    # or strictly above it (a lower-is-suspect one).
    rng = np.random.default_rng(0)
    pct = np.full(top.shape, -1, dtype=np.int64)
    value = np.full(top.shape, np.nan)
    for k, j in enumerate(cols):
        rows, slot = np.nonzero(top == k)
        if not len(rows):
            continue
        x = columns[fit.features[j]]
        ref = x[~np.isnan(x)]
        ref = np.sort(ref if len(ref) <= RANK_SAMPLE else rng.choice(ref, RANK_SAMPLE, replace=False))
        v = x[sel[rows]]
        if fit.coef[j] > 0:
            p = np.searchsorted(ref, v, side="left") / max(len(ref), 1)
        else:
            p = 1 - np.searchsorted(ref, v, side="right") / max(len(ref), 1)
        good = ~np.isnan(v) & (contrib[rows, k] > 0.1)  # a push that small is not a reason
        pct[rows[good], slot[good]] = np.floor(p[good] * 100).astype(np.int64)
        value[rows, slot] = v
    keep = pct >= 50
    # Sentences per (slot, feature), formatted from Python floats; the rule sentences come first.
    said = [np.full(len(sel), None, dtype=object) for _ in range(top.shape[1])]
    for place in range(top.shape[1]):
        for rank_col, j in enumerate(cols):
            rows = np.flatnonzero((top[:, place] == rank_col) & keep[:, place])
            if not len(rows):
                continue
            tpl, word = _SAY[fit.features[j]], "higher" if fit.coef[j] > 0 else "lower"
            said[place][rows] = [f"{tpl.format(v=v)} ({word} than {p}% of accounts in this data)"
                                 for v, p in zip(value[rows, place].tolist(), pct[rows, place].tolist(), strict=True)]
    import pyarrow as pa
    import pyarrow.compute as pc

    rules = reasons.take(pa.array(sel))
    joined = pc.binary_join_element_wise(pc.if_else(pc.equal(rules, ""), None, rules),
                                         *(pa.array(x, pa.string()) for x in said), "; ", null_handling="skip")
    mask = np.zeros(len(reasons), dtype=bool)
    mask[sel] = True
    return pc.replace_with_mask(reasons, pa.array(mask), joined.cast(reasons.type))
