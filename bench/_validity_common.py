"""Shared pieces of the validity harness (``bench/validity.py``): the seeded split, the metrics, and
one row format for every figure, so that each labelled set reports the same way.

Every figure is a :class:`Row`: the set, what is measured, the half of the accounts (or trends) it
is measured on, the value, and the number of labelled items behind it. Baselines are rows too,
computed in the same run on the same items, with ``method`` naming them.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from collections.abc import Iterable, Sequence

import numpy as np

#: The seed of the calibration / held-out split. Changing it changes which half is held out; the
#: operating points were chosen on the calibration half of *this* seed.
SPLIT_SEED = 20261204
HALVES = ("calibration", "held-out")


def half_of(key: str, seed: int = SPLIT_SEED) -> str:
    """``"calibration"`` or ``"held-out"`` for an account id (or trend name), by a stable hash
    (BLAKE2b of ``seed:key``; never Python's salted ``hash()``): the same split run after run."""
    h = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return HALVES[h[0] & 1]


@dataclass
class Row:
    """One figure of the harness."""

    dataset: str
    metric: str  # e.g. "recall", "fpr", "auc", "organic_called_manufactured"
    method: str  # "trendtrace" or a baseline's name
    half: str  # "calibration", "held-out" or "all"
    value: float
    n: int  # labelled items behind the figure
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def auc(y: Sequence[int] | np.ndarray, s: Sequence[float] | np.ndarray) -> float:
    """ROC AUC (ties count one half; Mann–Whitney); NaN when one class is absent."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(s, dtype=float)
    npos, nneg = int(y.sum()), int((~y).sum())
    if npos == 0 or nneg == 0:
        return float("nan")
    from scipy.stats import rankdata

    r = rankdata(s)
    return float((r[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def recall_fpr(y: Sequence[int] | np.ndarray, flagged: Sequence[bool] | np.ndarray) -> tuple[float, float]:
    """(share of positives flagged, share of negatives flagged)."""
    y = np.asarray(y, dtype=bool)
    f = np.asarray(flagged, dtype=bool)
    rec = float(f[y].mean()) if y.any() else float("nan")
    fpr = float(f[~y].mean()) if (~y).any() else float("nan")
    return rec, fpr


def recall_at_fpr(y: Sequence[int] | np.ndarray, s: Sequence[float] | np.ndarray, fpr: float) -> float:
    """Best recall of the rule ``score > c`` over thresholds c whose false-positive rate is at most
    ``fpr`` (no interpolation: a score tied across classes is flagged or not as a block)."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(s, dtype=float)
    if not y.any() or y.all():
        return float("nan")
    # Thresholds are the distinct scores, high to low; flagging ``s >= c`` at each.
    cs, inv = np.unique(s, return_inverse=True)
    pos = np.bincount(inv, weights=y, minlength=len(cs))[::-1].cumsum()
    neg = np.bincount(inv, weights=~y, minlength=len(cs))[::-1].cumsum()
    ok = neg / (~y).sum() <= fpr + 1e-12
    return float((pos[ok] / y.sum()).max()) if ok.any() else 0.0


def orient(x: np.ndarray, y: np.ndarray, cal: np.ndarray) -> tuple[np.ndarray, int]:
    """Fill missing values with the calibration median and orient so that higher = positive class,
    the direction chosen on the calibration half (AUC < 0.5 there: negated)."""
    x = np.asarray(x, dtype=float).copy()
    miss = ~np.isfinite(x)
    if miss.any():
        fill = np.nanmedian(x[cal & ~miss]) if (cal & ~miss).any() else 0.0
        x[miss] = fill
    a = auc(y[cal], x[cal])
    sign = -1 if (np.isfinite(a) and a < 0.5) else 1
    return sign * x, sign


#: The method name of the rules-alone rows (``account_signals.rule_score``, the account score before
#: the adaptive model), reported beside ``inauthenticity_score`` so the before/after is in one run.
RULES_ONLY = "trendtrace rules only (rule_score)"


def score_method_of(con: object) -> str:
    """The store's ``account_signals.score_method`` ('adaptive' or 'rules'; several joined by '/')."""
    try:
        sql = "SELECT DISTINCT score_method FROM account_signals ORDER BY 1"
        got = con.execute(sql).fetchall()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - an older store without the column
        return "n/a"
    return "/".join(str(m) for (m,) in got) or "n/a"


def rules_note(score_method: str) -> str:
    return ("the rules alone (account_signals.rule_score: the method before the adaptive model, with the rules "
            f"as they are now), same accounts and run; the shipped inauthenticity_score here is score_method "
            f"'{score_method}'")


def margin_row(dataset: str, metric: str, half: str, ours: float, best: float, best_name: str, n: int) -> Row:
    """``<metric>_margin``: trendtrace's AUC minus the best single feature's on the same items."""
    return Row(dataset, f"{metric}_margin", f"trendtrace minus best single feature ({best_name})", half, ours - best, n,
               f"trendtrace's {metric} minus that of the best single feature (chosen on the calibration half), "
               "same items; positive = trendtrace better" + ("" if np.isfinite(ours - best) else
                                                              "; NaN: one class is absent in this half"))


def co_action_max(con: object, actions_sql: str, window: int = 60) -> dict[str, int]:
    """The peers' rule, per account: the most distinct objects it acted on within ``window``
    seconds of one other account (``actions_sql`` yields columns ``a`` account, ``o`` object,
    ``t`` epoch seconds). Bucketed by (object, window), never a plain range self-join."""
    rows = con.sql(f"""
        WITH x AS (SELECT a, o, t, t // {window} AS b FROM ({actions_sql})),
        pr AS (SELECT p.a AS a, q.a AS b, count(DISTINCT p.o) AS c
               FROM x p JOIN x q ON p.o = q.o AND q.b BETWEEN p.b - 1 AND p.b + 1
                    AND p.a < q.a AND abs(p.t - q.t) <= {window}
               GROUP BY ALL)
        SELECT a, max(c) FROM (SELECT a, c FROM pr UNION ALL SELECT b, c FROM pr) GROUP BY a
    """).fetchall()  # type: ignore[attr-defined]
    return {a: int(n) for a, n in rows}


def by_half(keys: Iterable[str]) -> np.ndarray:
    """The half of each key, as an array of strings."""
    return np.array([half_of(k) for k in keys], dtype=object)
