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
:data:`MODEL_FEATURES` (missing values allowed) and reports a cross-validated and a held-out ROC AUC; the
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
from datetime import UTC

__all__ = ["EVIDENCE", "RULE_FIELDS", "MODEL_FEATURES", "evidence_sql", "rules_used", "train_model", "save_model",
           "load_model", "predict"]

log = logging.getLogger(__name__)

#: Features the trained model uses (order matters and is saved with the model).
MODEL_FEATURES: tuple[str, ...] = tuple(FEATURES) + ("quiet_share", "origin_mismatch")

# (key, weight, strength SQL, sentence SQL). The SQL sees one row of features with origin columns.
# ``{min_posts_origin}`` and the empty-profile parts are filled in by evidence_sql.
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
     "ELSE format('first post {:d} days after the account was created', "
     "CAST(floor(age_at_first_post_days) AS BIGINT)) END"),
    ("name_plus_digits", 0.3,
     "CASE WHEN name_plus_digits = 1 THEN CASE WHEN handle_tail_digits >= 8 THEN 1.0 ELSE 0.7 END ELSE 0 END",
     "format('handle is a name followed by {:d} digits', CAST(handle_tail_digits AS BIGINT))"),
    ("random_handle", 0.35, "coalesce(handle_random, 0)", "'handle looks like a random string'"),
    ("empty_profile", 0.25, "{empty_profile}", "{empty_profile_text}"),
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
     "CASE WHEN posts >= 10 AND second_mode_share >= 0.5 AND zero_second_share < 0.5 THEN second_mode_share ELSE 0 END",
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


#: The source fields (``availability.FIELDS``) each rule needs; a rule whose field is unavailable in
#: the store contributes nothing. ``empty_profile`` is built from the profile fields that are there.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "creation_batch": ("created_at",), "new_account": ("created_at", "time"), "name_plus_digits": ("handle",),
    "random_handle": ("handle",), "empty_profile": (), "default_image": ("default_profile_image",),
    "default_theme": ("default_profile",), "follow_spam": ("followers", "following"),
    "few_followers": ("followers", "created_at"), "high_volume": ("time",), "reposts_only": ("kind",),
    "replies_only": ("kind",), "duplicate_text": ("text",), "unusual_client": ("client",),
    "same_minute": ("time",), "same_second": ("seconds",), "clockwork": ("time",), "no_sleep": ("time",),
    "name_changes": ("handle",), "origin_mismatch": ("location", "time"), "links_only": ("urls",),
    "mentions_only": ("mentions",),
}

# Parts of an empty profile: (field, feature column, words in the sentence).
_PROFILE_PARTS = (("description", "no_description", "no bio"), ("location", "no_location", "no location"),
                  ("url", "no_url", "no link"), ("display_name", "no_display_name", "no name of its own"))


def rules_used(available: set[str]) -> list[str]:
    """Keys of :data:`EVIDENCE` whose fields are all in ``available`` (``empty_profile`` needs at
    least two of its four profile fields)."""
    out = []
    for key, *_ in EVIDENCE:
        if key == "empty_profile":
            if sum(f in available for f, _, _ in _PROFILE_PARTS) >= 2:
                out.append(key)
        elif all(f in available for f in RULE_FIELDS[key]):
            out.append(key)
    return out


def evidence_sql(source: str, *, available: set[str], min_posts_origin: int, max_reasons: int = 5) -> str:
    """SQL over ``source`` adding ``rule_score`` (the noisy-OR of the rules), ``reasons`` and one
    ``ev_<key>`` column (``w * s``) per piece of evidence. ``available`` holds the source fields the
    store carries (:func:`trendtrace.accounts.availability.field_availability`); a rule that needs
    another field is 0 for every account."""
    used = set(rules_used(available))
    parts_there = [(col, words) for f, col, words in _PROFILE_PARTS if f in available]
    n_parts = max(len(parts_there), 1)
    total = " + ".join(col for col, _ in parts_there) or "0"
    fill = {
        "min_posts_origin": int(min_posts_origin),
        "empty_profile": f"CASE WHEN {total} >= 2 THEN ({total}) / {n_parts} ELSE 0 END",
        "empty_profile_text": "'empty profile: ' || concat_ws(', ', "
        + ", ".join(f"CASE WHEN {col} = 1 THEN '{words}' END" for col, words in parts_there) + ")"
        if parts_there else "NULL",
    }
    parts = []
    ev_cols = []
    for key, w, strength, _ in EVIDENCE:
        s = strength.format(**fill) if key in used else "0"
        parts.append(f"{w} * greatest(0.0, least(1.0, coalesce(({s})::DOUBLE, 0.0))) AS ev_{key}")
        ev_cols.append(key)
    items = ", ".join(
        f"CASE WHEN ev_{key} > 0 THEN {{'w': ev_{key}, 't': "
        f"{fill['empty_profile_text'] if key == 'empty_profile' else text}}} END"
        for key, _, _, text in EVIDENCE
    )
    product = " * ".join(f"(1 - ev_{k})" for k in ev_cols)
    lifetime = "lifetime_posts_per_day" if {"post_count", "created_at"} <= available else "NULL"
    return f"""
    SELECT * EXCLUDE (_reason_list),
           array_to_string(list_transform(_reason_list[1:{int(max_reasons)}], lambda x: x.t), '; ') AS reasons
    FROM (
      SELECT *, 1 - {product} AS rule_score,
             list_reverse_sort(list_filter([{items}], lambda x: x IS NOT NULL AND x.t IS NOT NULL)) AS _reason_list
      FROM (
        SELECT *, {', '.join(parts)}
        FROM (SELECT *, greatest(CASE WHEN posts >= 10 THEN posts_per_day END,
                                 {lifetime}) AS _rate FROM {source})
      )
    )
    """


# --------------------------------------------------------------------------- supervised

_FORMAT = "trendtrace-account-model"
_FORMAT_VERSION = 2


def _matrix(table: pa.Table, features: tuple[str, ...]) -> np.ndarray:
    cols = []
    for f in features:
        col = table.column(f).combine_chunks() if f in table.column_names else pa.nulls(table.num_rows)
        arr = np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        if len(arr) and np.isnan(arr).all():
            arr = np.zeros_like(arr)  # a feature the source lacks entirely (scikit-learn cannot bin all-NaN)
        cols.append(arr)
    return np.column_stack(cols) if cols else np.zeros((table.num_rows, 0))


#: ``train`` refuses fewer labelled accounts than this on either side (a quarter is held out).
MIN_PER_CLASS = 10


def train_model(table: pa.Table, labels: np.ndarray, seed: int = 42) -> tuple[Any, dict[str, float]]:
    """Fit HistGradientBoostingClassifier on :data:`MODEL_FEATURES` of ``table`` against 0/1 ``labels``.

    A stratified quarter of the accounts (seeded) is held out: ``cv_auc`` is the mean ROC AUC of a
    stratified 5-fold cross-validation on the other three quarters (fewer folds when a class is
    small), ``holdout_auc`` the AUC on the held-out quarter of a model fitted on those three
    quarters. The model returned is then fitted on every labelled account. Also returned: ``n``,
    ``positives``, ``cv_auc_std``, ``folds``, ``holdout_n``. InputError when a class has fewer
    than :data:`MIN_PER_CLASS` accounts.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

    X = _matrix(table, MODEL_FEATURES)
    y = np.asarray(labels, dtype=np.int64)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if pos == 0 or neg == 0:
        side = "inauthentic" if neg == 0 else "authentic"
        raise InputError(f"labels: all {len(y)} labelled accounts found in the store are {side}; "
                         "a model needs accounts of both classes")
    if pos < MIN_PER_CLASS or neg < MIN_PER_CLASS:
        raise InputError(f"labels: need at least {MIN_PER_CLASS} labelled accounts of each class in the store, "
                         f"got {pos} inauthentic and {neg} authentic")
    idx = np.arange(len(y))
    fit_i, hold_i = train_test_split(idx, test_size=0.25, stratify=y, random_state=seed)

    def new() -> Any:
        return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=seed)

    yf = y[fit_i]
    folds = int(min(5, yf.sum(), len(yf) - yf.sum()))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with _threads_for(len(y)):
        aucs = cross_val_score(new(), X[fit_i], yf, cv=cv, scoring="roc_auc")
        part = new().fit(X[fit_i], yf)
        holdout = float(roc_auc_score(y[hold_i], part.predict_proba(X[hold_i])[:, 1]))
        model = new().fit(X, y)
    metrics = {"n": float(len(y)), "positives": float(pos), "cv_auc": float(np.mean(aucs)),
               "cv_auc_std": float(np.std(aucs)), "folds": float(folds), "holdout_auc": holdout,
               "holdout_n": float(len(hold_i))}
    return model, metrics


def save_model(model: Any, path: str | Path, metrics: dict[str, float], labels: str = "") -> None:
    """Save ``model`` with its feature list, versions, metrics, the time and the labels file it was
    trained on (skops format)."""
    from datetime import datetime

    import sklearn
    import skops.io as sio

    from .. import __version__

    payload = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "features": list(MODEL_FEATURES),
               "sklearn": sklearn.__version__, "trendtrace": __version__, "metrics": dict(metrics), "model": model,
               "trained_at": datetime.now(UTC).isoformat(timespec="seconds"), "labels": labels}
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
