"""Validity harness, profile-level sets: trendtrace's real pipeline on labelled account profiles,
and what can honestly be said about the Turkish fake-trend labels (Elmas et al. 2021).

Part of ``bench/validity.py``. Every function takes the shared data folder (``../shared/data``,
read-only, never copied) and an optional ``sample`` (a deterministic sample of that many accounts,
or trends, so that a test runs in seconds), and returns :class:`_validity_common.Row` figures per
half of the seeded split (:func:`_validity_common.half_of` of the account id or trend name).
A missing data folder gives one row with ``metric="skipped"`` and the reason.

* :func:`cresci2017`, :func:`social_honeypot`: the whole pipeline
  (:func:`trendtrace.pipeline.analyze` with default :class:`~trendtrace.settings.Settings`) on an
  in-memory :class:`~trendtrace.store.Store`; AUC of ``inauthenticity_score`` against the labels,
  the share of bots and of genuine accounts at or above the shipped ``inauthentic_threshold``
  (0.5), and baselines on the same accounts in the same run: the AUC of every single profile
  feature the file has (oriented on the calibration half, the same orientation used on the
  held-out half), the feature best on the calibration half, and that feature cut at trendtrace's
  own calibration false-positive rate (cut chosen on the calibration half, applied to both). Beside
  them, the same AUC and shares for ``rule_score`` (the rules alone, the method before the adaptive
  model; method "trendtrace rules only (rule_score)"), and ``account_auc_margin``: trendtrace's AUC
  minus the best single feature's, per half (positive = trendtrace better).
* :func:`astro_bots`: the same pipeline on the astrobot profiles. Every one is a bot; there is no
  negative class, so only the share flagged (beside Botometer's share) and the agreement with
  Botometer's call can be given - agreement with another detector, not accuracy. The same for
  ``rule_score``, ``auc_vs_botometer_margin``, and ``recall_by_type (<label>)``: the share flagged
  per type of ``astrobot_annotations.csv`` (HUMAN, INACTIVE, RETWEETER; the authors' 2019
  annotations), over the few annotated bots that have a profile here (most do not: the profiles
  are of bots detected in 2022), beside Botometer's share.
* :func:`astro_trends`: no posts with accounts and times exist for these trends, so the pipeline
  cannot run. The rows are the verdict rule's arithmetic applied to the authors' lexicon counts,
  marked "not the pipeline", beside the raw columns.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import json
import logging
import sys
import time
from datetime import datetime, UTC
from pathlib import Path
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

from _validity_common import (HALVES, RULES_ONLY, SPLIT_SEED, Row, auc, co_action_max, half_of,  # noqa: E402
                               margin_row, orient as _orient, recall_fpr, rules_note, score_method_of)
from auc import _table, _ts, astro_store, honeypot_store  # noqa: E402
from trendtrace.model import ACCOUNT_SCHEMA  # noqa: E402

__all__ = ["cresci2017", "social_honeypot", "astro_bots", "astro_trends", "ALL"]

log = logging.getLogger("bench.validity.profiles")

#: Smoothing (pseudo-accounts at the calibration base rate) of the per-value bot share that turns a
#: categorical field (language, time zone) into a score; fitted on the calibration half only.
_CATEGORY_SMOOTHING = 10.0


# --------------------------------------------------------------------------- small helpers


def _skipped(dataset: str, reason: str) -> list[Row]:
    log.warning("%s skipped: %s", dataset, reason)
    return [Row(dataset, "skipped", "-", "all", float("nan"), 0, reason)]


def _seconds(dataset: str, method: str, t0: float, n: int, what: str) -> Row:
    secs = time.perf_counter() - t0
    log.info("%s: %.1f s", dataset, secs)
    return Row(dataset, "seconds", method, "all", secs, n, what)


def _sample_keys(keys: Sequence[str], sample: int | None) -> set[str] | None:
    """A deterministic sample of ``sample`` distinct keys (smallest seeded BLAKE2b digest first;
    independent of the half split's hash), or None for all of them."""
    if sample is None:
        return None
    distinct = sorted(set(keys), key=lambda k: hashlib.blake2b(f"{SPLIT_SEED}:sample:{k}".encode(),
                                                               digest_size=8).digest())
    return set(distinct[: max(int(sample), 0)])


def _halves(keys: Sequence[str]) -> np.ndarray:
    return np.array([half_of(k) for k in keys], dtype=object)


def _arrow(rel: object) -> pa.Table:
    out = rel.arrow()  # type: ignore[attr-defined]
    return out.read_all() if isinstance(out, pa.RecordBatchReader) else out


def _threshold() -> float:
    from trendtrace.settings import Settings

    return float(Settings()["inauthentic_threshold"])


def _run_pipeline(accounts: pa.Table, posts: pa.Table | None
                  ) -> tuple[dict[str, float], str, set[str], dict[str, float], str]:
    """Load the canonical tables into an in-memory store, run the whole pipeline with default
    settings, return ``account_id -> inauthenticity_score``, a note saying what ran, the accounts
    the coordination stage called coordinated, ``account_id -> rule_score`` (the rules alone) and
    the store's ``score_method``."""
    from trendtrace.pipeline import analyze
    from trendtrace.settings import Settings
    from trendtrace.store import Store

    t0 = time.perf_counter()
    with Store(":memory:") as store:
        con = store.con
        for name, table in (("accounts", accounts), ("posts", posts)):
            if table is None or table.num_rows == 0:
                continue
            con.register("_vp_in", table)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _vp_in")
            con.unregister("_vp_in")
        counts = analyze(store, Settings())
        scores = dict(con.execute("SELECT account_id, inauthenticity_score FROM account_signals").fetchall())
        rules = dict(con.execute("SELECT account_id, rule_score FROM account_signals").fetchall())
        method = score_method_of(con)
        coordinated = {a for (a,) in con.execute(
            "SELECT account_id FROM account_coordination WHERE coordinated").fetchall()}
    coord = counts.get("coordination", {})
    log.info("pipeline: %d accounts, %d posts, %s clusters, %.1f s", accounts.num_rows,
             0 if posts is None else posts.num_rows, coord.get("clusters"), time.perf_counter() - t0)
    what = ("full pipeline (trendtrace.pipeline.analyze, default Settings) on a profile-only store (no posts)"
            if posts is None or posts.num_rows == 0 else
            f"full pipeline (trendtrace.pipeline.analyze, default Settings) on profiles + {posts.num_rows:,} posts; "
            f"coordination found {coord.get('clusters', 0)} clusters")
    return scores, what, coordinated, rules, method


def _cotweet_max(posts: pa.Table, window: int = 60) -> dict[str, int]:
    """Per account: the most distinct texts (lower-cased, trimmed, at least 10 characters) it posted
    within ``window`` seconds of one other account (the peers' co-tweet rule counts these)."""
    import duckdb

    con = duckdb.connect()
    con.register("_p", posts.select(["account_id", "time", "text"]))
    try:
        return co_action_max(con, "SELECT account_id AS a, lower(trim(text)) AS o, epoch(time)::BIGINT AS t "
                                  "FROM _p WHERE text IS NOT NULL AND length(trim(text)) >= 10", window)
    finally:
        con.close()


def _col(acc: pa.Table, name: str) -> list:
    return acc.column(name).to_pylist() if name in acc.column_names else [None] * acc.num_rows


def _days(ts: list[datetime | None]) -> np.ndarray:
    return np.array([np.nan if t is None else t.replace(tzinfo=UTC).timestamp() / 86400.0 for t in ts],
                    dtype=float)


def _num(v: list) -> np.ndarray:
    return np.array([np.nan if x is None else float(x) for x in v], dtype=float)


def _length(v: list) -> np.ndarray:
    return np.array([len(x) if x else 0 for x in v], dtype=float)


def _flag(v: list) -> np.ndarray:
    return np.array([1.0 if x else 0.0 for x in v], dtype=float)


def _profile_features(acc: pa.Table) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simple features of the canonical ``accounts`` table, aligned with its rows: (profile
    features, collection artefacts). Fields the set does not have (all null) are left out."""
    followers, following = _num(_col(acc, "followers")), _num(_col(acc, "following"))
    posts = _num(_col(acc, "post_count"))
    created, seen = _days(_col(acc, "created_at")), _days(_col(acc, "seen_at"))
    age = seen - created
    handle = _col(acc, "handle")
    feats: dict[str, np.ndarray] = {
        "followers": followers,
        "following": following,
        "followers/(following+1)": followers / (following + 1),
        "statuses (lifetime posts)": posts,
        "statuses per day of age": posts / np.maximum(age, 1.0),
        "account created (date)": created,
        "account age when collected (days)": age,
        "description length": _length(_col(acc, "description")),
        "display name length": _length(_col(acc, "display_name")),
        "handle length": _length(handle),
        "digits in handle": np.array([sum(c.isdigit() for c in h) if h else 0 for h in handle], dtype=float),
        "has location": _flag(_col(acc, "location")),
        "has profile url": _flag(_col(acc, "url")),
        "verified": _flag(_col(acc, "verified")),
        "default profile": _flag(_col(acc, "default_profile")),
        "default profile image": _flag(_col(acc, "default_profile_image")),
    }
    present = {
        "followers": "followers", "following": "following", "followers/(following+1)": "followers",
        "statuses (lifetime posts)": "post_count", "statuses per day of age": "post_count",
        "account created (date)": "created_at", "account age when collected (days)": "created_at",
        "description length": "description", "display name length": "display_name", "handle length": "handle",
        "digits in handle": "handle", "has location": "location", "has profile url": "url",
        "verified": "verified", "default profile": "default_profile",
        "default profile image": "default_profile_image",
    }
    feats = {k: v for k, v in feats.items() if acc.column(present[k]).null_count < acc.num_rows}
    artefacts = {"collection time (artefact)": seen} if acc.column("seen_at").null_count < acc.num_rows else {}
    return feats, artefacts


def _encode_category(values: Sequence[str], y: np.ndarray, cal: np.ndarray) -> np.ndarray:
    """Smoothed bot share of each value on the calibration half (unseen values: the calibration
    base rate); higher = more bot-like by construction."""
    base = float(y[cal].mean()) if cal.any() else 0.5
    pos: dict[str, float] = {}
    cnt: dict[str, float] = {}
    for v, yy, c in zip(values, y, cal, strict=False):
        if c:
            pos[v] = pos.get(v, 0.0) + float(yy)
            cnt[v] = cnt.get(v, 0.0) + 1.0
    m = _CATEGORY_SMOOTHING
    return np.array([(pos.get(v, 0.0) + m * base) / (cnt.get(v, 0.0) + m) for v in values], dtype=float)


def _cut_at_fpr(x: np.ndarray, y: np.ndarray, fpr: float) -> float:
    """Smallest cut c such that the share of negatives with x >= c is at most ``fpr`` (ties are
    flagged as a block); +inf when no cut qualifies."""
    neg = x[~y]
    if len(neg) == 0 or not np.isfinite(fpr):
        return float("inf")
    for c in np.unique(x):  # ascending: the first that qualifies flags the most
        if (neg >= c).mean() <= fpr + 1e-12:
            return float(c)
    return float("inf")


def _auc_note(a: float, base: str) -> str:
    return base if np.isfinite(a) else f"{base}; NaN: one class is absent in this half"


def _score_rows(
    dataset: str,
    keys: Sequence[str],
    y: np.ndarray,
    score: np.ndarray,
    feats: dict[str, np.ndarray],
    artefacts: dict[str, np.ndarray],
    categorical: dict[str, Sequence[str]],
    note: str,
    *,
    auc_metric: str = "account_auc",
    pos_word: str = "bots",
    neg_word: str = "genuine accounts",
    flag_rows: bool = True,
    rules: np.ndarray | None = None,
    score_method: str = "n/a",
) -> list[Row]:
    """AUC of the score and of every single feature per half, the feature best on the calibration
    half, and (``flag_rows``) recall / organic_flagged at the shipped cut with that feature cut at
    the same calibration false-positive rate beside them. With ``rules`` (``rule_score``, the rules
    alone) the same AUC and flag rows for it, method :data:`RULES_ONLY`; and ``<auc_metric>_margin``,
    trendtrace's AUC minus the best single feature's."""
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype=float)
    rules = None if rules is None else np.nan_to_num(np.asarray(rules, dtype=float))
    halves = _halves(keys)
    cal = halves == HALVES[0]
    cut = _threshold()
    oriented: dict[str, tuple[np.ndarray, str, int]] = {}
    for name, x in feats.items():
        fin = x[np.isfinite(x)]
        if len(fin) == 0 or fin.min() == fin.max():
            log.info("%s: feature %r is constant here, left out", dataset, name)
            continue
        xo, sign = _orient(x, y, cal)
        way = "higher" if sign > 0 else "lower"
        oriented[name] = (xo, f"oriented on the calibration half: {way} = more {pos_word}",
                          sign)
    for name, vals in categorical.items():
        oriented[name] = (_encode_category(vals, y, cal),
                          f"categorical: smoothed share of {pos_word} per value on the calibration half "
                          f"(in-sample there; held-out is the fair figure)", 1)
    candidates = list(oriented)
    for name, x in artefacts.items():
        if np.isfinite(x).any() and np.nanmin(x) != np.nanmax(x):
            xo, sign = _orient(x, y, cal)
            oriented[name] = (xo, "collection artefact, not a property of the account; never the best single "
                                  f"feature; oriented on the calibration half: {'higher' if sign > 0 else 'lower'} "
                                  f"= more {pos_word}", sign)
    cal_auc = {n: auc(y[cal], oriented[n][0][cal]) for n in candidates}
    best = max(candidates, key=lambda n: (cal_auc[n] if np.isfinite(cal_auc[n]) else -1.0, n)) if candidates else None
    log.info("%s: best single feature on the calibration half: %s (%.3f)", dataset, best,
             cal_auc.get(best, float("nan")) if best else float("nan"))

    rows: list[Row] = []
    best_cut = float("inf")
    if flag_rows and best is not None:
        _, tt_fpr_cal = recall_fpr(y[cal], score[cal] >= cut)
        best_cut = _cut_at_fpr(oriented[best][0][cal], y[cal], tt_fpr_cal)
    for h in HALVES:
        m = halves == h
        n, npos, nneg = int(m.sum()), int((y & m).sum()), int((~y & m).sum())
        a = auc(y[m], score[m])
        rows.append(Row(dataset, auc_metric, "trendtrace", h, a, n, _auc_note(a, note)))
        if rules is not None:
            ar = auc(y[m], rules[m])
            rows.append(Row(dataset, auc_metric, RULES_ONLY, h, ar, n, _auc_note(ar, rules_note(score_method))))
        if best is not None:
            ab = auc(y[m], oriented[best][0][m])
            rows.append(Row(dataset, auc_metric, f"best single feature ({best})", h, ab, n,
                            _auc_note(ab, f"chosen as best on the calibration half (calibration AUC "
                                          f"{cal_auc[best]:.3f}); {oriented[best][1]}")))
            rows.append(margin_row(dataset, auc_metric, h, a, ab, best, n))
        for name, (xo, how, _) in oriented.items():
            af = auc(y[m], xo[m])
            rows.append(Row(dataset, auc_metric, f"feature: {name}", h, af, n, _auc_note(af, how)))
        if flag_rows:
            rec, fpr = recall_fpr(y[m], score[m] >= cut)
            rows.append(Row(dataset, "recall", "trendtrace", h, rec, npos,
                            f"share of {pos_word} with inauthenticity_score >= {cut:g} (shipped cut); {note}"))
            rows.append(Row(dataset, "organic_flagged", "trendtrace", h, fpr, nneg,
                            f"share of {neg_word} with inauthenticity_score >= {cut:g} (false-positive rate "
                            f"at the shipped cut); {note}"))
            if rules is not None:
                rrec, rfpr = recall_fpr(y[m], rules[m] >= cut)
                rn = rules_note(score_method)
                rows.append(Row(dataset, "recall", RULES_ONLY, h, rrec, npos,
                                f"share of {pos_word} with rule_score >= {cut:g}; {rn}"))
                rows.append(Row(dataset, "organic_flagged", RULES_ONLY, h, rfpr, nneg,
                                f"share of {neg_word} with rule_score >= {cut:g}; {rn}"))
            if best is not None:
                brec, bfpr = recall_fpr(y[m], oriented[best][0][m] >= best_cut)
                meth = f"best single feature ({best}) at trendtrace's calibration organic_flagged"
                sign = oriented[best][2]
                rule = (f"{best} {'>=' if sign > 0 else '<='} {sign * best_cut:.6g}" if best not in categorical
                        else f"smoothed calibration bot share of its {best} >= {best_cut:.4g}")
                bnote = (f"flagged when {rule}, the cut chosen on the calibration half so that its "
                         f"share of {neg_word} flagged is at most trendtrace's there")
                rows.append(Row(dataset, "recall", meth, h, brec, npos, bnote))
                rows.append(Row(dataset, "organic_flagged", meth, h, bfpr, nneg, bnote))
    return rows


# --------------------------------------------------------------------------- cresci 2017


def _cresci_time(s: str) -> datetime | None:
    try:
        return datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC).replace(tzinfo=None)
    except (ValueError, TypeError):
        return _ts(s)


def _bool(s: str) -> bool | None:
    s = (s or "").strip().lower()
    return True if s in ("1", "true") else False if s in ("0", "false") else None


def cresci2017(data: Path, sample: int | None = None) -> list[Row]:
    """Cresci et al. 2017: 3,474 genuine accounts and 991 social spambots #1, profiles only."""
    ds = "cresci2017"
    path = Path(data) / "cresci2017_profiles" / "profiles.csv"
    if not path.is_file():
        return _skipped(ds, f"{path} is absent (the real data lives in ../shared/data)")
    t0 = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as f:
        recs = list(csv.DictReader(f))
    keep = _sample_keys([r["account_id"] for r in recs], sample)
    if keep is not None:
        recs = [r for r in recs if r["account_id"] in keep]
    cols: dict[str, list] = {n: [] for n in ("account_id", "handle", "display_name", "description", "location", "url",
                                             "lang", "created_at", "followers", "following", "post_count",
                                             "likes_given", "listed", "verified", "default_profile",
                                             "default_profile_image", "seen_at")}
    for r in recs:
        cols["account_id"].append(r["account_id"])
        cols["handle"].append(r["screen_name"] or None)
        cols["display_name"].append(r["name"] or None)
        cols["description"].append(r["description"] or None)
        cols["location"].append(r["location"] or None)
        cols["url"].append(r["url"] or None)
        cols["lang"].append(r["lang"] or None)
        cols["created_at"].append(_cresci_time(r["created_at"]))
        cols["followers"].append(int(r["followers_count"]))
        cols["following"].append(int(r["friends_count"]))
        cols["post_count"].append(int(r["statuses_count"]))
        cols["likes_given"].append(int(r["favourites_count"]))
        cols["listed"].append(int(r["listed_count"]))
        # The file leaves these flags empty unless set; empty is read as unknown (the score
        # treats unknown as not set).
        cols["verified"].append(_bool(r["verified"]))
        cols["default_profile"].append(_bool(r["default_profile"]))
        cols["default_profile_image"].append(_bool(r["default_profile_image"]))
        cols["seen_at"].append(_ts(r["crawled_at"]))
    accounts = _table(cols, ACCOUNT_SCHEMA, len(recs))
    scores, what, _, rules, method = _run_pipeline(accounts, None)
    keys = cols["account_id"]
    y = np.array([r["label"] == "bot" for r in recs])
    feats, artefacts = _profile_features(accounts)
    feats["favourites"] = np.array([float(r["favourites_count"]) for r in recs])
    feats["listed"] = np.array([float(r["listed_count"]) for r in recs])
    categorical = {"account language (lang)": [r["lang"] for r in recs],
                   "time zone": [r["time_zone"] for r in recs]}
    note = what + ("" if sample is None else f"; sample of {len(recs)} accounts")
    rows = _score_rows(ds, keys, y, np.array([scores[k] for k in keys]), feats, artefacts, categorical, note,
                       rules=np.array([rules[k] for k in keys]), score_method=method)
    rows.append(_seconds(ds, "trendtrace", t0, len(keys), "read the file, build the store, analyze, baselines"))
    log.info("%s: %d rows in %.1f s", ds, len(rows), time.perf_counter() - t0)
    return rows


# --------------------------------------------------------------------------- social honeypot


def social_honeypot(data: Path, sample: int | None = None) -> list[Row]:
    """Lee et al. 2011: content polluters vs legitimate users; profiles and up to ~10 tweets each,
    loaded by ``bench/auc.py``'s :func:`honeypot_store` (the 44 ids in both files left out)."""
    ds = "social_honeypot"
    root = Path(data) / "social_honeypot"
    need = [root / n for n in ("content_polluters.csv", "legitimate_users.csv", "tweets.parquet")]
    if not all(p.is_file() for p in need):
        return _skipped(ds, f"{root} is absent or incomplete (the real data lives in ../shared/data)")
    t0 = time.perf_counter()
    con, labels = honeypot_store(root)
    keep = _sample_keys(list(labels), sample)
    if keep is not None:
        con.register("_vp_keep", pa.table({"account_id": sorted(keep)}))
        for t in ("accounts", "posts"):
            con.execute(f"DELETE FROM {t} WHERE account_id NOT IN (SELECT account_id FROM _vp_keep)")
    accounts = _arrow(con.sql("SELECT * FROM accounts ORDER BY account_id"))
    posts = _arrow(con.sql("SELECT * FROM posts"))
    # Tweet features of the baselines, straight from the tweet texts (not trendtrace's features).
    tw = dict((r[0], r[1:]) for r in con.execute("""
        SELECT account_id, count(*), avg((text LIKE '%http%')::INT), avg((text LIKE '%@%')::INT),
               avg((text LIKE 'RT @%')::INT)
        FROM posts GROUP BY account_id""").fetchall())
    con.close()
    log.info("%s: store built in %.1f s (%d accounts, %d posts)", ds, time.perf_counter() - t0,
             accounts.num_rows, posts.num_rows)
    scores, what, coordinated, rules, method = _run_pipeline(accounts, posts)
    keys = accounts.column("account_id").to_pylist()
    y = np.array([labels[k] == 1 for k in keys])
    feats, artefacts = _profile_features(accounts)
    # "description length" is the true bio length: auc.py stores a placeholder of that length.
    screen: dict[str, float] = {}
    for fname in ("content_polluters.csv", "legitimate_users.csv"):
        with (root / fname).open(newline="") as f:
            for r in csv.DictReader(f):
                screen[r["UserID"]] = float(r["LengthOfScreenName"])
    feats["screen name length"] = np.array([screen.get(k, np.nan) for k in keys])
    none = (0, np.nan, np.nan, np.nan)
    feats["tweets in the data"] = np.array([float(tw.get(k, none)[0]) for k in keys])
    feats["tweets: share with a link"] = np.array([tw.get(k, none)[1] for k in keys], dtype=float)
    feats["tweets: share with a mention"] = np.array([tw.get(k, none)[2] for k in keys], dtype=float)
    feats["tweets: share of retweets"] = np.array([tw.get(k, none)[3] for k in keys], dtype=float)
    note = (what + "; caution: two account rules (follow_spam, links_only) were tuned on this set's labels, on a "
            "random half drawn with numpy seed 20240229 (docs/accounts.md), which overlaps both halves of this "
            "split, so the held-out half here is not held out from that tuning")
    if sample is not None:
        note += f"; sample of {len(keys)} accounts"
    rows = _score_rows(ds, keys, y, np.array([scores[k] for k in keys]), feats, artefacts, {}, note,
                       pos_word="polluters", neg_word="legitimate users",
                       rules=np.array([rules[k] for k in keys]), score_method=method)
    # The coordination stage's own flag (this set has posts): its share of each side, per half,
    # beside the peers' co-tweet rule (the same text by two accounts within 60 s, at least twice;
    # the set has no retweet ids, so the co-retweet rule cannot be applied).
    flag = np.array([k in coordinated for k in keys])
    cotweet = _cotweet_max(posts)
    base = np.array([cotweet.get(k, 0) >= 2 for k in keys])
    halves = _halves(keys)
    for h in HALVES:
        m = halves == h
        for method, f, extra in (("trendtrace", flag, "; " + what), ("co-tweet >= 2 in 60 s", base, "")):
            rec, fpr = recall_fpr(y[m], f[m])
            rows.append(Row(ds, "coordinated_recall", method, h, rec, int(y[m].sum()),
                            "share of polluters called coordinated (up to 10 tweets each: little to co-act on)"
                            + extra))
            rows.append(Row(ds, "coordinated_organic_flagged", method, h, fpr, int((~y[m]).sum()),
                            "share of legitimate users called coordinated" + extra))
    rows.append(_seconds(ds, "trendtrace", t0, len(keys), "build the store (bench/auc.py), analyze, baselines"))
    log.info("%s: %d rows in %.1f s", ds, len(rows), time.perf_counter() - t0)
    return rows


# --------------------------------------------------------------------------- astrobots


def astro_bots(data: Path, sample: int | None = None) -> list[Row]:
    """Elmas et al. 2021 astrobot profiles (all bots) with Botometer scores, loaded by
    ``bench/auc.py``'s :func:`astro_store`."""
    ds = "ephemeral_astroturfing/bots"
    root = Path(data) / "ephemeral_astroturfing"
    profiles, bm_file = root / "past_search_all_bots_lookupv2.json.bz2", root / "bot_scores.csv.bz2"
    if not (profiles.is_file() and bm_file.is_file()):
        return _skipped(ds, f"{profiles.name} or {bm_file.name} is absent under {root}")
    t0 = time.perf_counter()
    con, botometer = astro_store(root)
    ids = [r[0] for r in con.execute("SELECT account_id FROM accounts").fetchall()]
    annotated = _astrobot_annotations(root)
    keep = _sample_keys(ids, sample)
    if keep is not None:
        # The few annotated bots that have a profile stay in a sample, so that its by-type rows exist.
        keep |= set(annotated) & set(ids)
        con.register("_vp_keep", pa.table({"account_id": sorted(keep)}))
        con.execute("DELETE FROM accounts WHERE account_id NOT IN (SELECT account_id FROM _vp_keep)")
    accounts = _arrow(con.sql("SELECT * FROM accounts ORDER BY account_id"))
    con.close()
    scores, what, _, rules, method = _run_pipeline(accounts, None)
    extra: dict[str, tuple[float, float]] = {}  # listed count, protected: fields the store has no column for
    with bz2.open(profiles, "rt") as f:
        for line in f:
            for u in json.loads(line).get("data", []):
                extra[u["id"]] = (float(u.get("public_metrics", {}).get("listed_count", np.nan)),
                                  1.0 if u.get("protected") else 0.0)
    keys_all = accounts.column("account_id").to_pylist()
    s_all = np.array([scores[k] for k in keys_all])
    r_all = np.nan_to_num(np.array([rules[k] for k in keys_all], dtype=float))
    cut = _threshold()
    both = np.array([k in botometer for k in keys_all])
    keys = [k for k, b in zip(keys_all, both, strict=False) if b]
    s, r = s_all[both], r_all[both]
    theirs = np.array([botometer[k] for k in keys])
    called = theirs >= 0.5
    halves_all = _halves(keys_all)
    halves = _halves(keys)
    sub = accounts.filter(pa.array(both))
    feats, artefacts = _profile_features(sub)
    feats["listed"] = np.array([extra.get(k, (np.nan, 0.0))[0] for k in keys])
    feats["protected"] = np.array([extra.get(k, (np.nan, 0.0))[1] for k in keys])
    base = what + ("" if sample is None else f"; sample of {len(keys_all)} profiles (the annotated ones included)")
    rows: list[Row] = []
    for h in HALVES:
        m, ma = halves == h, halves_all == h
        rec_all = float((s_all[ma] >= cut).mean()) if ma.any() else float("nan")
        rows.append(Row(ds, "recall", "trendtrace", h, float((s[m] >= cut).mean()) if m.any() else float("nan"),
                        int(m.sum()),
                        f"share of bots with inauthenticity_score >= {cut:g}, on the profiles that have a Botometer "
                        f"score; on all {int(ma.sum())} profiles of this half: {rec_all:.3f}; every account is a bot "
                        f"(no negative class, so no false-positive rate); {base}"))
        rows.append(Row(ds, "recall", "Botometer (cap_universal >= 0.5)", h,
                        float(called[m].mean()) if m.any() else float("nan"), int(m.sum()),
                        "share of the same bots that Botometer calls bots (its scores shipped with the data)"))
        rows.append(Row(ds, "recall", RULES_ONLY, h, _share(r[m] >= cut), int(m.sum()),
                        f"share of the same bots with rule_score >= {cut:g}; {rules_note(method)}"))
    agree_note = ("agreement with another detector (Botometer's call, cap_universal >= 0.5), not accuracy: "
                  "every account here is a bot; " + base)
    rows += _score_rows(ds, keys, called, s, feats, artefacts, {}, agree_note, auc_metric="auc_vs_botometer",
                        pos_word="Botometer-called bots", neg_word="", flag_rows=False, rules=r, score_method=method)
    rows += _by_type_rows(ds, annotated, keys_all, halves_all, s_all, r_all, botometer, cut, method, len(ids), base)
    rows.append(_seconds(ds, "trendtrace", t0, len(keys_all), "build the store (bench/auc.py), analyze, baselines"))
    log.info("%s: %d rows in %.1f s", ds, len(rows), time.perf_counter() - t0)
    return rows


#: What each label of ``astrobot_annotations.csv`` (Elmas et al.'s 2019 study) stands for. The
#: repository's README calls the file "Annotations of the astrobots" and defines no label, and the
#: paper's definitions could not be checked here; its abstract says the bots include compromised
#: accounts. So: "as annotated by the authors", with the likely reading marked as such.
_ASTROBOT_TYPES = {
    "HUMAN": "HUMAN as annotated by the authors (likely reading, not checked against the paper: the account looked "
             "like a real person's, i.e. most likely compromised; the paper reports compromised accounts among "
             "the bots)",
    "INACTIVE": "INACTIVE as annotated by the authors (likely reading, not checked against the paper: no recent "
                "activity of its own)",
    "RETWEETER": "RETWEETER as annotated by the authors (likely reading, not checked against the paper: mostly "
                 "retweets)",
}


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else float("nan")


def _astrobot_annotations(root: Path) -> dict[str, str]:
    """``bot_id -> label`` of ``astrobot_annotations.csv`` (empty when the file is absent)."""
    path = root / "astrobot_annotations.csv"
    if not path.is_file():
        log.info("%s absent: no by-type rows", path)
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {r["bot_id"].strip(): r["label"].strip() for r in csv.DictReader(f)}


def _by_type_rows(ds: str, annotated: dict[str, str], keys: list[str], halves: np.ndarray, score: np.ndarray,
                  rules: np.ndarray, botometer: dict[str, float], cut: float, method: str, profiles: int,
                  base: str) -> list[Row]:
    """``recall_by_type (<label>)``: per annotated type and half, the share of the annotated bots
    that have a profile here with inauthenticity_score (and rule_score, and Botometer's
    cap_universal where it exists) at or above the cut."""
    if not annotated:
        return []
    pos = {k: i for i, k in enumerate(keys)}
    types = sorted(set(annotated.values()))
    total = {t: sum(v == t for v in annotated.values()) for t in types}
    found = {t: [pos[k] for k, v in annotated.items() if v == t and k in pos] for t in types}
    log.info("%s: %d of %d annotated astrobots have a profile here (%s)", ds, sum(map(len, found.values())),
             len(annotated), ", ".join(f"{t} {len(found[t])}/{total[t]}" for t in types))
    rows: list[Row] = []
    for t in types:
        what = _ASTROBOT_TYPES.get(t, f"{t} as annotated by the authors")
        join = (f"{len(found[t])} of the {total[t]} bots annotated {t} (astrobot_annotations.csv, the 2019 study) "
                f"have a profile among the {profiles:,} here (the profiles are of bots detected in 2022; the ids "
                f"are joined as strings)")
        idx = np.array(found[t], dtype=int)
        for h in HALVES:
            sel = idx[halves[idx] == h] if len(idx) else idx
            n = len(sel)
            nan_why = "" if n else f"; NaN: no annotated {t} bot with a profile in this half"
            rows.append(Row(ds, f"recall_by_type ({t})", "trendtrace", h, _share(score[sel] >= cut), n,
                            f"share with inauthenticity_score >= {cut:g}; {what}; {join}; {base}{nan_why}"))
            rows.append(Row(ds, f"recall_by_type ({t})", RULES_ONLY, h, _share(rules[sel] >= cut), n,
                            f"share with rule_score >= {cut:g}; {rules_note(method)}{nan_why}"))
            bm = [botometer[keys[i]] for i in sel if keys[i] in botometer]
            rows.append(Row(ds, f"recall_by_type ({t})", "Botometer (cap_universal >= 0.5)", h,
                            _share(np.array(bm) >= 0.5), len(bm),
                            "share Botometer calls bots, of those with a Botometer score"
                            + ("" if bm else f"; NaN: no annotated {t} bot with a Botometer score in this half")))
    return rows


# --------------------------------------------------------------------------- fake trends


def astro_trends(data: Path, sample: int | None = None) -> list[Row]:
    """Elmas et al. 2021 trend-days (2013-2022) with the authors' ``fake`` label.

    What the files hold: ``all_trend_stats.csv.bz2`` has per trend-day counts only (tweets seen,
    "lexicon" attack tweets, deleted ones) and the labels; ``fake_trends_20202122.csv.bz2`` three
    attack-tweet texts per fake trend (no accounts, no times, no organic trends);
    ``attack_annotations.csv`` tweet ids and an annotation code, nothing else. No trend has posts
    with accounts and times, so trendtrace's pipeline cannot run on any of it. Reported instead,
    marked "not the pipeline": the verdict rule's arithmetic (score = suspect posts / (posts +
    PRIOR_POSTS), cuts MIXED_AT / MANUFACTURED_AT) with the authors' lexicon tweets standing in for
    suspect posts, beside the raw columns; and trendtrace's templated-text rule on the attack
    texts, beside exact duplicates. Trend-days are split by ``half_of(trend name)``: a trend that
    trended on several days stays in one half.
    """
    ds = "ephemeral_astroturfing/trends"
    root = Path(data) / "ephemeral_astroturfing"
    stats_file = root / "all_trend_stats.csv.bz2"
    if not stats_file.is_file():
        return _skipped(ds, f"{stats_file} is absent (the real data lives in ../shared/data)")
    import duckdb
    import pyarrow.csv as pcsv

    from trendtrace.settings import Settings
    from trendtrace.trends.stats import MIN_TEMPLATE_WORDS
    from trendtrace.trends.verdict import MANUFACTURED_AT, MIXED_AT, PRIOR_POSTS

    t0 = time.perf_counter()
    with bz2.open(stats_file) as fh:
        raw = pcsv.read_csv(fh)
    con = duckdb.connect()
    con.register("raw", raw)
    trends = [r[0] for r in con.execute("SELECT DISTINCT trend FROM raw").fetchall()]
    keep = _sample_keys(trends, sample)
    con.register("_vp_keep", pa.table({"trend": sorted(keep) if keep is not None else trends}))
    cols = con.execute(f"""
        SELECT trend, coalesce(fake, false), all_lex_cnt, "all", coalesce(perc, 0),
               coalesce(all_lex_cnt / nullif("all", 0), 0),
               least(all_lex_cnt, "all") / ("all" + {PRIOR_POSTS})
        FROM raw WHERE "all" > 0 AND trend IN (SELECT trend FROM _vp_keep)
        ORDER BY trend, date""").fetchnumpy()
    names = list(cols["trend"])
    y = np.asarray(cols[list(cols)[1]], dtype=bool)
    lex, vol, perc, share, score = (np.asarray(cols[c], dtype=float) for c in list(cols)[2:])
    halves = _halves(names)
    cal = halves == HALVES[0]
    caveat = ("not the pipeline: no trend here has posts with accounts and times, so trendtrace cannot run; "
              f"this is the verdict rule's arithmetic, lexicon/(tweets+{PRIOR_POSTS}), with the authors' lexicon "
              "attack-tweet counts standing in for suspect posts (trendtrace does not detect lexicon tweets); the "
              "authors derived 'fake' from the same lexicon counts (every fake trend-day has a lexicon tweet), so "
              "agreement is partly circular and is not a detection figure")
    if sample is not None:
        caveat += f"; sample of {len(set(names))} trends"
    neg_note = "'organic' = trend-days not labelled fake (unlabelled, not certified organic)"
    baselines = {"lexicon share (lexicon tweets / tweets)": share, "lexicon tweets (count)": lex,
                 "tweets (volume)": vol, "deleted share of lexicon tweets (perc)": perc}
    oriented = {n: _orient(x, y, cal) for n, x in baselines.items()}
    cal_auc = {n: auc(y[cal], oriented[n][0][cal]) for n in oriented}
    best = max(oriented, key=lambda n: (cal_auc[n] if np.isfinite(cal_auc[n]) else -1.0, n))
    rule = "verdict rule on lexicon counts (not the pipeline)"
    flag_baselines = {  # metric -> baseline name -> flagged
        "recall": {"any lexicon tweet (lexicon tweets > 0)": lex > 0,
                   f"lexicon share >= {MIXED_AT} (no shrinkage)": share >= MIXED_AT},
        "recall_manufactured": {"any lexicon tweet (lexicon tweets > 0)": lex > 0,
                                f"lexicon share >= {MANUFACTURED_AT} (no shrinkage)": share >= MANUFACTURED_AT},
    }
    rows: list[Row] = []
    for h in HALVES:
        m = halves == h
        n, npos, nneg = int(m.sum()), int((y & m).sum()), int((~y & m).sum())
        a = auc(y[m], score[m])
        rows.append(Row(ds, "trend_auc", rule, h, a, n, _auc_note(a, caveat)))
        ab = auc(y[m], oriented[best][0][m])
        rows.append(Row(ds, "trend_auc", f"best single column ({best})", h, ab, n,
                        _auc_note(ab, f"chosen as best on the calibration half (calibration AUC {cal_auc[best]:.3f})")))
        for name, (xo, sign) in oriented.items():
            af = auc(y[m], xo[m])
            rows.append(Row(ds, "trend_auc", f"column: {name}", h, af, n,
                            _auc_note(af, "oriented on the calibration half: "
                                          f"{'higher' if sign > 0 else 'lower'} = fake")))
        for metric, fmetric, flagged, what in (
            ("recall", "organic_flagged", score >= MIXED_AT, f"called mixed or manufactured (score >= {MIXED_AT})"),
            ("recall_manufactured", "organic_called_manufactured", score >= MANUFACTURED_AT,
             f"called manufactured (score >= {MANUFACTURED_AT})"),
        ):
            rec, fpr = recall_fpr(y[m], flagged[m])
            rows.append(Row(ds, metric, rule, h, rec, npos, f"share of fake trend-days {what}; {caveat}"))
            rows.append(Row(ds, fmetric, rule, h, fpr, nneg, f"share of {neg_note} {what}; {caveat}"))
            for bname, bf in flag_baselines[metric].items():
                brec, bfpr = recall_fpr(y[m], bf[m])
                rows.append(Row(ds, metric, bname, h, brec, npos, "same trend-days, raw column, no fitting"))
                rows.append(Row(ds, fmetric, bname, h, bfpr, nneg, f"{neg_note}; raw column, no fitting"))
    rows += _templated_rows(ds, con, root, keep, float(Settings()["template_similarity"]), MIN_TEMPLATE_WORDS)
    con.close()
    rows.append(_seconds(ds, rule, t0, len(names), "not the pipeline: read the files, the rule and the baselines"))
    log.info("%s: %d rows in %.1f s", ds, len(rows), time.perf_counter() - t0)
    return rows


def _templated_rows(ds: str, con: object, root: Path, keep: set[str] | None, thr: float, min_words: int) -> list[Row]:
    """trendtrace's templated-text rule (word-set Jaccard >= template_similarity, texts of
    MIN_TEMPLATE_WORDS+ words once the trend is removed) on the real attack tweets of each fake
    trend, pairs within a trend; beside it, identical texts. Only fake trends exist here, so this is
    a share of attack pairs the rule would link, not a detection rate."""
    import pyarrow.csv as pcsv

    path = root / "fake_trends_20202122.csv.bz2"
    if not path.is_file():
        log.info("%s: %s absent, no templated-text rows", ds, path.name)
        return []
    with bz2.open(path) as fh:
        att = pcsv.read_csv(fh)
    if keep is not None:
        att = att.filter(pc.is_in(att.column("trend"), value_set=pa.array(sorted(keep))))
    con.register("att", att)  # type: ignore[attr-defined]
    pairs = con.execute(f"""
        WITH tok AS (
            SELECT trend, k, list_distinct(list_filter(
                     regexp_split_to_array(lower(replace(txt, trend, ' ')), '[^\\p{{L}}\\p{{N}}\\p{{M}}]+'),
                     lambda w: length(w) >= 2)) AS toks
            FROM (SELECT trend, 1 AS k, text AS txt FROM att UNION ALL SELECT trend, 2, text2 FROM att
                  UNION ALL SELECT trend, 3, text3 FROM att) WHERE txt IS NOT NULL)
        SELECT a.trend,
               len(list_intersect(a.toks, b.toks)) / len(list_distinct(list_concat(a.toks, b.toks))) AS j,
               list_sort(a.toks) = list_sort(b.toks) AS same
        FROM tok a JOIN tok b ON a.trend = b.trend AND a.k < b.k
        WHERE len(a.toks) >= {min_words} AND len(b.toks) >= {min_words}""").fetchnumpy()  # type: ignore[attr-defined]
    halves = _halves(list(pairs["trend"]))
    j = np.asarray(pairs["j"], dtype=float)
    same = np.asarray(pairs["same"], dtype=bool)
    note = (f"not the pipeline: trendtrace's templated-text rule (word-set Jaccard >= {thr:g}, {min_words}+ words "
            "once the trend is removed) on pairs of the 3 real attack tweets of each fake trend (2020-2022); "
            "only fake trends exist in this file, so this is the share of attack pairs the rule would link, "
            "not a detection rate; the templated share never moves the verdict when account signals exist")
    rows = []
    for h in HALVES:
        m = halves == h
        n = int(m.sum())
        rows.append(Row(ds, "attack_pairs_templated", "templated-text rule (not the pipeline)", h,
                        float((j[m] >= thr).mean()) if n else float("nan"), n, note))
        rows.append(Row(ds, "attack_pairs_templated", "identical word sets (trend removed)", h,
                        float(same[m].mean()) if n else float("nan"), n,
                        "same pairs; exact duplicates of the word set"))
    return rows


#: The functions of this module in the order the harness runs them.
ALL: tuple[Callable[..., list[Row]], ...] = (cresci2017, social_honeypot, astro_bots, astro_trends)


if __name__ == "__main__":  # quick look: .venv/bin/python bench/_validity_profiles.py [DATA] [SAMPLE]
    logging.basicConfig(level=logging.INFO, format="%(relativeCreated)7.0f ms %(name)s: %(message)s")
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else _HERE.parents[1] / "shared" / "data"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else None
    for fn in ALL:
        t = time.perf_counter()
        out = fn(data, n)
        print(f"\n## {fn.__name__} ({time.perf_counter() - t:.1f} s)\n")
        print("| dataset | metric | method | half | value | n | note |\n|---|---|---|---|---|---|---|")
        for r in out:
            print(f"| {r.dataset} | {r.metric} | {r.method} | {r.half} | {r.value:.3f} | {r.n} | {r.note} |")
