"""ROC AUC of the inauthenticity score on labelled real data in ../shared/data (read-only).

1. social_honeypot (Lee, Eoff & Caverlee 2011): 22,223 content polluters vs 19,276 legitimate
   users; profile counts, creation and collection dates, screen-name and bio lengths, and up to
   ~10 tweets each. Mapped to the canonical tables here (bio text is unknown, only its length: a
   placeholder of that length stands for it; handles are unknown). Reports the AUC of the
   unsupervised score, and the 5-fold cross-validated AUC of a model trained with
   :func:`trendtrace.accounts.train`.
2. ephemeral_astroturfing (Elmas et al. 2021): profiles of astrobots (every one a bot, no human
   profiles in the set), with Botometer scores. There is no negative class, so AUC against the
   truth cannot be computed; reported instead: the share of bots at or above the threshold, and
   the AUC of our score against Botometer's own call (cap_universal >= 0.5) - agreement with
   another detector, not accuracy.

    .venv/bin/python bench/auc.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import bz2
import csv
import json
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score

from trendtrace.accounts import account_signals, train
from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, mentions_in, urls_in
from trendtrace.settings import Settings
import contextlib

_LISTS = {"hashtags", "hashtags_raw", "urls", "urls_raw", "mentions", "media"}


def _table(cols: dict[str, list], schema: pa.Schema, n: int) -> pa.Table:
    out = {}
    for f in schema:
        if f.name in cols:
            out[f.name] = pa.array(cols[f.name], f.type)
        elif pa.types.is_list(f.type):
            out[f.name] = pa.array([[]] * n, f.type)
        else:
            out[f.name] = pa.nulls(n, f.type)
    return pa.table(out, schema=schema)


def _ts(s: str) -> datetime | None:
    try:
        return datetime.fromisoformat(s.replace("Z", "").replace("T", " ").split(".")[0])
    except (ValueError, AttributeError):
        return None


def honeypot_store(root: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, int]]:
    acc: dict[str, list] = {n: [] for n in ("account_id", "created_at", "seen_at", "followers", "following",
                                            "post_count", "description")}
    labels: dict[str, int] = {}
    # 44 user ids are in both files: their label is unknown, so they are left out (as accounts too:
    # the store keys accounts by id).
    seen: dict[str, int] = {}
    for fname, _label in (("content_polluters.csv", 1), ("legitimate_users.csv", 0)):
        with (root / fname).open(newline="") as f:
            for r in csv.DictReader(f):
                seen[r["UserID"]] = seen.get(r["UserID"], 0) + 1
    for fname, label in (("content_polluters.csv", 1), ("legitimate_users.csv", 0)):
        with (root / fname).open(newline="") as f:
            for r in csv.DictReader(f):
                aid = r["UserID"]
                if seen[aid] > 1:
                    continue
                labels[aid] = label
                acc["account_id"].append(aid)
                acc["created_at"].append(_ts(r["CreatedAt"]))
                acc["seen_at"].append(_ts(r["CollectedAt"]))
                acc["following"].append(int(r["NumerOfFollowings"]))
                acc["followers"].append(int(r["NumberOfFollowers"]))
                acc["post_count"].append(int(r["NumberOfTweets"]))
                acc["description"].append("x" * int(r["LengthOfDescriptionInUserProfile"]))
    accounts = _table(acc, ACCOUNT_SCHEMA, len(acc["account_id"]))
    tw = pq.read_table(root / "tweets.parquet").to_pydict()
    keep = [i for i, u in enumerate(tw["user_id"]) if seen.get(u, 0) <= 1]
    tw = {k: [v[i] for i in keep] for k, v in tw.items()}
    n = len(tw["user_id"])
    texts = tw["tweet"]
    posts = _table({
        "post_id": [f"t{i}" for i in range(n)],
        "account_id": tw["user_id"],
        "time": [_ts(t) for t in tw["time"]],
        "kind": ["repost" if (t or "").startswith("RT @") else "post" for t in texts],
        "text": texts,
        "urls": [urls_in(t) for t in texts],
        "mentions": [mentions_in(t) for t in texts],
    }, POST_SCHEMA, n)
    con = duckdb.connect()
    con.register("_p", posts)
    con.register("_a", accounts)
    con.execute("CREATE TABLE posts AS SELECT * FROM _p")
    con.execute("CREATE TABLE accounts AS SELECT * FROM _a")
    return con, labels


def astro_store(root: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, float]]:
    acc: dict[str, list] = {n: [] for n in ("account_id", "handle", "display_name", "description", "location", "url",
                                            "created_at", "followers", "following", "post_count", "listed",
                                            "verified", "default_profile_image", "seen_at")}
    with bz2.open(root / "past_search_all_bots_lookupv2.json.bz2", "rt") as f:
        for line in f:
            page = json.loads(line)
            seen = _ts(page.get("__twarc", {}).get("retrieved_at", "")[:19])
            for u in page.get("data", []):
                m = u.get("public_metrics", {})
                acc["account_id"].append(u["id"])
                acc["handle"].append(u.get("username"))
                acc["display_name"].append(u.get("name"))
                acc["description"].append(u.get("description"))
                acc["location"].append(u.get("location"))
                acc["url"].append(u.get("url"))
                acc["created_at"].append(_ts(u.get("created_at", "")))
                acc["followers"].append(m.get("followers_count"))
                acc["following"].append(m.get("following_count"))
                acc["post_count"].append(m.get("tweet_count"))
                acc["listed"].append(m.get("listed_count"))
                acc["verified"].append(u.get("verified"))
                acc["default_profile_image"].append("default_profile_images" in (u.get("profile_image_url") or ""))
                acc["seen_at"].append(seen)
    accounts = _table(acc, ACCOUNT_SCHEMA, len(acc["account_id"]))
    botometer: dict[str, float] = {}
    with bz2.open(root / "bot_scores.csv.bz2", "rt") as f:
        for r in csv.DictReader(f):
            with contextlib.suppress(KeyError, ValueError):
                botometer[r["author_id"]] = float(r["cap_universal"])
    con = duckdb.connect()
    con.register("_a", accounts)
    con.execute("CREATE TABLE accounts AS SELECT * FROM _a")
    con.register("_p", _table({}, POST_SCHEMA, 0))
    con.execute("CREATE TABLE posts AS SELECT * FROM _p")
    return con, botometer


def run_honeypot(root: Path) -> dict[str, float]:
    t = time.perf_counter()
    con, labels = honeypot_store(root)
    settings = Settings()
    account_signals(con, settings)
    rows = con.sql("SELECT account_id, inauthenticity_score FROM account_signals").fetchall()
    y = np.array([labels[a] for a, _ in rows if a in labels])
    s = np.array([sc for a, sc in rows if a in labels])
    with tempfile.TemporaryDirectory() as d:
        lab = Path(d) / "labels.csv"
        lab.write_text("account_id,label\n" + "".join(f"{a},{v}\n" for a, v in labels.items()))
        metrics = train(con, lab, Path(d) / "m.skops", settings)
    return {"accounts": float(len(y)), "polluters": float(y.sum()), "auc_unsupervised": roc_auc_score(y, s),
            "suspect_share_polluters": float((s[y == 1] >= 0.5).mean()),
            "suspect_share_legitimate": float((s[y == 0] >= 0.5).mean()),
            "auc_trained_cv": metrics["cv_auc"], "auc_trained_cv_std": metrics["cv_auc_std"],
            "seconds": time.perf_counter() - t}


def run_astro(root: Path) -> dict[str, float]:
    t = time.perf_counter()
    con, botometer = astro_store(root)
    account_signals(con, Settings())
    rows = con.sql("SELECT account_id, inauthenticity_score FROM account_signals").fetchall()
    s = np.array([sc for _, sc in rows])
    both = [(sc, botometer[a]) for a, sc in rows if a in botometer]
    ours = np.array([b[0] for b in both])
    theirs = np.array([b[1] >= 0.5 for b in both])
    return {"bot_profiles": float(len(s)), "share_at_or_above_0.5": float((s >= 0.5).mean()),
            "median_score": float(np.median(s)), "with_botometer": float(len(both)),
            "botometer_bot_share": float(theirs.mean()),
            "auc_vs_botometer_call": roc_auc_score(theirs, ours) if 0 < theirs.sum() < len(theirs) else float("nan"),
            "seconds": time.perf_counter() - t}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = Path(args.data)
    hp, ea = data / "social_honeypot", data / "ephemeral_astroturfing"
    if not hp.is_dir() and not ea.is_dir():
        sys.exit(f"no labelled data under {data}")
    if hp.is_dir():
        print("social_honeypot:", json.dumps(run_honeypot(hp), indent=1))
    if ea.is_dir():
        print("ephemeral_astroturfing:", json.dumps(run_astro(ea), indent=1))


if __name__ == "__main__":
    main()
