"""The inauthenticity score: unsupervised evidence combination, and an optional trained model.

Unsupervised (no labels): each piece of evidence ``i`` in :data:`EVIDENCE` has a weight ``w_i``
(how strongly it alone suggests a fabricated or automated account) and a strength ``s_i`` in
[0, 1] computed from the features (0 = absent; graded above a human-plausible threshold). They are
combined as a noisy-OR (Pearl 1988, ch. 4.3.2):

    score = 1 - prod_i (1 - w_i * s_i)

so one strong signal (a creation batch) is enough to cross 0.5, several weak ones add up, and the
score stays in [0, 1]. Every triggered piece of evidence writes a sentence, and the account's
``reasons`` are the sentences of the strongest ``w_i * s_i`` first. Thresholds are absolute and
documented (e.g. DFRLab's 72 posts a day as suspicious, 144 as highly suspicious), except the
creation batch, which is judged against the data's own baseline (see features.creation_batches).

Supervised: :func:`train_model` fits scikit-learn's HistGradientBoostingClassifier on
:data:`MODEL_FEATURES` (missing values allowed) and reports 5-fold cross-validated ROC AUC; the
model is saved with skops (a format that does not run code on load) together with the feature
list and versions, and refused on load if those do not match.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from threadpoolctl import threadpool_limits

from ..model import InputError
from .features import FEATURES

__all__ = ["EVIDENCE", "MODEL_FEATURES", "evidence_sql", "train_model", "save_model", "load_model", "predict"]

log = logging.getLogger(__name__)

#: Features the trained model uses (order matters and is saved with the model).
MODEL_FEATURES: tuple[str, ...] = tuple(FEATURES) + ("quiet_share", "origin_mismatch")

# (key, weight, strength SQL, sentence SQL). The SQL sees one row of features with origin columns.
# ``{has_seconds}`` and ``{min_posts_origin}`` are filled in by evidence_sql.
_PCT = "CAST(round(100 * {x}) AS BIGINT)"
EVIDENCE: tuple[tuple[str, float, str, str], ...] = (
    ("creation_batch", 0.6,
     "CASE WHEN created_same_day >= 3 AND created_same_day >= 3 * created_day_expected AND batch_log10_q >= 1.3 "
     "THEN least(1.0, 0.6 + batch_log10_q / 20) ELSE 0 END",
     "format('created the same day as {:d} other accounts ({} expected by chance)', "
     "CAST(created_same_day - 1 AS BIGINT), CASE WHEN created_day_expected < 1 THEN 'fewer than 1' "
     "ELSE 'about ' || CAST(CAST(round(created_day_expected) AS BIGINT) AS VARCHAR) END)"),
    ("new_account", 0.25,
     "CASE WHEN age_at_first_post_days >= 0 AND age_at_first_post_days < 30 THEN 1 - age_at_first_post_days / 30 "
     "ELSE 0 END",
     "CASE WHEN age_at_first_post_days < 1 THEN 'first post within a day of the account''s creation' "
     "ELSE format('first post {:d} days after the account was created', CAST(floor(age_at_first_post_days) AS BIGINT)) END"),
    ("name_plus_digits", 0.3,
     "CASE WHEN name_plus_digits = 1 THEN CASE WHEN handle_tail_digits >= 8 THEN 1.0 ELSE 0.7 END ELSE 0 END",
     "format('handle is a name followed by {:d} digits', CAST(handle_tail_digits AS BIGINT))"),
    ("random_handle", 0.35, "coalesce(handle_random, 0)", "'handle looks like a random string'"),
    ("empty_profile", 0.25,
     "CASE WHEN no_description + no_location + no_url + no_display_name >= 2 "
     "THEN (no_description + no_location + no_url + no_display_name) / 4 ELSE 0 END",
     "'empty profile: ' || concat_ws(', ', CASE WHEN no_description = 1 THEN 'no bio' END, "
     "CASE WHEN no_location = 1 THEN 'no location' END, CASE WHEN no_url = 1 THEN 'no link' END, "
     "CASE WHEN no_display_name = 1 THEN 'no name of its own' END)"),
    ("default_image", 0.25, "default_profile_image", "'default profile picture'"),
    ("default_theme", 0.1, "default_profile", "'default profile theme'"),
    ("follow_spam", 0.35,
     "CASE WHEN following >= 100 AND follower_ratio < 1 "
     "THEN least(1.0, log10(following / 100) / log10(20)) * (1 - follower_ratio) ELSE 0 END",
     "format('follows {:d} accounts but is followed by {:d}', CAST(following AS BIGINT), CAST(followers AS BIGINT))"),
    ("few_followers", 0.15,
     "CASE WHEN followers < 10 AND age_days > 90 THEN 1 - followers / 10 ELSE 0 END",
     "format('only {:d} followers after {:d} days', CAST(followers AS BIGINT), CAST(floor(age_days) AS BIGINT))"),
    ("high_volume", 0.5,
     "CASE WHEN _rate > 24 THEN least(1.0, ln(_rate / 24) / ln(6)) ELSE 0 END",
     "format('posts {:d} times a day', CAST(round(_rate) AS BIGINT))"),
    ("reposts_only", 0.25,
     "CASE WHEN posts >= 10 AND repost_share >= 0.9 THEN 0.5 + (repost_share - 0.9) * 5 ELSE 0 END",
     f"format('{{:d}}% of its posts are reposts', {_PCT.format(x='repost_share')})"),
    ("replies_only", 0.3,
     "CASE WHEN posts >= 10 AND reply_share >= 0.9 THEN 0.5 + (reply_share - 0.9) * 5 ELSE 0 END",
     f"format('{{:d}}% of its posts are replies', {_PCT.format(x='reply_share')})"),
    ("duplicate_text", 0.4,
     "CASE WHEN posts * (1 - coalesce(repost_share, 0)) >= 3 AND dup_text_share >= 0.3 THEN dup_text_share ELSE 0 END",
     f"format('{{:d}}% of its own posts repeat text posted elsewhere', {_PCT.format(x='dup_text_share')})"),
    ("unusual_client", 0.3,
     "CASE WHEN posts >= 3 AND unusual_client_share >= 0.5 THEN unusual_client_share ELSE 0 END",
     "format('posts through {}, an automation or rarely used app', coalesce(top_client, 'an unknown app'))"),
    ("same_minute", 0.45,
     "CASE WHEN posts >= 10 AND minute_mode_share >= 0.5 THEN minute_mode_share ELSE 0 END",
     f"format('posts at the same minute of the hour {{:d}}% of the time', {_PCT.format(x='minute_mode_share')})"),
    ("same_second", 0.35,
     "CASE WHEN {has_seconds} AND posts >= 10 AND second_mode_share >= 0.5 THEN second_mode_share ELSE 0 END",
     f"format('posts at the same second of the minute {{:d}}% of the time', {_PCT.format(x='second_mode_share')})"),
    ("clockwork", 0.4,
     "CASE WHEN posts >= 10 AND burstiness < -0.5 THEN least(1.0, (-0.5 - burstiness) * 4) ELSE 0 END",
     "format('posts at near-constant intervals (about every {:d} minutes)', "
     "CAST(greatest(1, round(median_gap_s / 60)) AS BIGINT))"),
    ("no_sleep", 0.4,
     "CASE WHEN posts >= {min_posts_origin} AND quiet_share >= 0.15 THEN least(1.0, (quiet_share - 0.1) / 0.1) "
     "ELSE 0 END",
     "'posts around the clock with no nightly pause'"),
    ("name_changes", 0.2,
     "CASE WHEN handle_changes >= 1 THEN least(1.0, handle_changes / 2) ELSE 0 END",
     "format('seen with {:d} different handles or names', CAST(handle_changes + 1 AS BIGINT))"),
    ("origin_mismatch", 0.35, "coalesce(origin_mismatch, 0)", "origin_note"),
    ("links_only", 0.3,
     "CASE WHEN posts >= 5 AND link_share > 0.5 THEN (link_share - 0.5) / 0.5 ELSE 0 END",
     f"format('{{:d}}% of its posts carry a link', {_PCT.format(x='link_share')})"),
    ("mentions_only", 0.1,
     "CASE WHEN posts >= 5 AND mention_share >= 0.9 AND reply_share < 0.5 THEN 1 ELSE 0 END",
     f"format('{{:d}}% of its posts mention someone', {_PCT.format(x='mention_share')})"),
)


def _threads_for(rows: int) -> threadpool_limits:
    """One OpenMP/BLAS thread for models on fewer than 20,000 rows: more threads cost far more than
    they save on small inputs (and stall on a busy machine)."""
    return threadpool_limits(limits=1 if rows < 20_000 else None)


def evidence_sql(source: str, *, has_seconds: bool, min_posts_origin: int, max_reasons: int = 5) -> str:
    """SQL over ``source`` adding ``inauthenticity_score``, ``reasons`` and one ``ev_<key>`` column
    (``w * s``) per piece of evidence."""
    parts = []
    ev_cols = []
    for key, w, strength, _ in EVIDENCE:
        s = strength.format(has_seconds="true" if has_seconds else "false", min_posts_origin=int(min_posts_origin))
        parts.append(f"{w} * greatest(0.0, least(1.0, coalesce(({s})::DOUBLE, 0.0))) AS ev_{key}")
        ev_cols.append(key)
    items = ", ".join(
        f"CASE WHEN ev_{key} > 0 THEN {{'w': ev_{key}, 't': {text}}} END"
        for key, _, _, text in EVIDENCE
    )
    product = " * ".join(f"(1 - ev_{k})" for k in ev_cols)
    return f"""
    SELECT * EXCLUDE (_reason_list),
           array_to_string(list_transform(_reason_list[1:{int(max_reasons)}], lambda x: x.t), '; ') AS reasons
    FROM (
      SELECT *, 1 - {product} AS inauthenticity_score,
             list_reverse_sort(list_filter([{items}], lambda x: x IS NOT NULL AND x.t IS NOT NULL)) AS _reason_list
      FROM (
        SELECT *, {', '.join(parts)}
        FROM (SELECT *, greatest(CASE WHEN posts >= 10 THEN posts_per_day END,
                                 lifetime_posts_per_day) AS _rate FROM {source})
      )
    )
    """


# --------------------------------------------------------------------------- supervised

_FORMAT = "trendtrace-account-model"
_FORMAT_VERSION = 1


def _matrix(table: pa.Table, features: tuple[str, ...]) -> np.ndarray:
    cols = []
    for f in features:
        col = table.column(f).combine_chunks() if f in table.column_names else pa.nulls(table.num_rows)
        arr = np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        if len(arr) and np.isnan(arr).all():
            arr = np.zeros_like(arr)  # a feature the source lacks entirely (scikit-learn cannot bin all-NaN)
        cols.append(arr)
    return np.column_stack(cols) if cols else np.zeros((table.num_rows, 0))


def train_model(table: pa.Table, labels: np.ndarray, seed: int = 42) -> tuple[Any, dict[str, float]]:
    """Fit HistGradientBoostingClassifier on :data:`MODEL_FEATURES` of ``table`` against 0/1 ``labels``.

    Returns the fitted model and metrics: ``n``, ``positives``, ``cv_auc`` (mean ROC AUC of a
    stratified 5-fold cross-validation, folds shuffled with ``seed``; fewer folds when a class is
    small) and ``cv_auc_std``.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    X = _matrix(table, MODEL_FEATURES)
    y = np.asarray(labels, dtype=np.int64)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos < 2 or neg < 2:
        raise InputError(f"labels: need at least 2 accounts of each class, got {pos} inauthentic and {neg} authentic")
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=seed)
    folds = min(5, pos, neg)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with _threads_for(len(y)):
        aucs = cross_val_score(model, X, y, cv=cv, scoring="roc_auc")
        model.fit(X, y)
    metrics = {"n": float(len(y)), "positives": float(pos), "cv_auc": float(np.mean(aucs)),
               "cv_auc_std": float(np.std(aucs)), "folds": float(folds)}
    return model, metrics


def save_model(model: Any, path: str | Path, metrics: dict[str, float]) -> None:
    """Save ``model`` with its feature list, versions and metrics (skops format)."""
    import sklearn
    import skops.io as sio

    from .. import __version__

    payload = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "features": list(MODEL_FEATURES),
               "sklearn": sklearn.__version__, "trendtrace": __version__, "metrics": dict(metrics), "model": model}
    sio.dump(payload, str(path))


def load_model(path: str | Path) -> Any:
    """Load a model saved by :func:`save_model`; InputError if it is not one or does not fit."""
    import sklearn
    import skops.io as sio

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: model file not found (make one with 'trendtrace train LABELS.csv --model {p}')")
    try:
        untrusted = sio.get_untrusted_types(file=str(p))
        bad = [t for t in untrusted if not t.startswith("sklearn.")]
        if bad:
            raise InputError(f"{p}: model file holds types trendtrace does not load: {', '.join(bad)}")
        payload = sio.load(str(p), trusted=untrusted)
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure to parse means "not a model file"
        raise InputError(f"{p}: not a trendtrace model file ({type(e).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise InputError(f"{p}: not a trendtrace model file")
    if payload.get("format_version") != _FORMAT_VERSION or tuple(payload.get("features", ())) != MODEL_FEATURES:
        raise InputError(f"{p}: model was trained by another trendtrace version with other features; "
                         "train it again with 'trendtrace train'")
    if payload.get("sklearn", "").split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise InputError(f"{p}: model was saved with scikit-learn {payload.get('sklearn')}, this is "
                         f"{sklearn.__version__}; train it again with 'trendtrace train'")
    return payload


def predict(payload: Any, table: pa.Table) -> np.ndarray:
    """Probability of inauthentic for each row of ``table`` under a loaded model payload."""
    X = _matrix(table, MODEL_FEATURES)
    if len(X) == 0:
        return np.zeros(0)
    with _threads_for(len(X)):
        return payload["model"].predict_proba(X)[:, 1]
