"""Comment rings on real templated text: the polluters of the social-honeypot set (issue 19).

``../shared/data/social_honeypot/tweets.parquet`` holds 192,921 real tweets (at most 10 per user) of
20,729 content polluters and 19,271 legitimate users (Lee, Eoff & Caverlee 2011). Polluters post
templated spam ("I found a way we can make some extra cash over the summer http://bit.ly/...") under
many names; legitimate users post their own lives, and sometimes the same automated lines ("Just
changed my twitter background...").

The set has no comment threads and its two sides were collected at different times (nearly all
legitimate tweets are from November 2009), so time would separate them on its own: the tweets are
given to ``trendtrace comments`` **without times**, as comments of ``--threads`` comment sections
drawn by a seeded hash of each tweet (one section by default). Users are split by the project's
seeded hash (``bench/_validity_common.half_of``) into a calibration half (where settings are chosen)
and a held-out half (reported); each half is analysed on its own, so no ring joins the halves.

An author is *flagged* when one of their comments is in a ring. Beside it, in the same run on the
same rows, two one-line baselines:

* ``exact copies``: an author is flagged when one of their texts (case-folded, spaces collapsed) was
  posted by at least ``--min-authors`` authors;
* ``copies w/o links``: the same after removing links, @mentions and digits.

Reported per half: polluters flagged (recall), legitimate users flagged (false-positive rate),
precision, and the time taken. Run::

    .venv/bin/python bench/comments_real.py [--half both] [--threads 1] [--sample 0]

Results go to stdout as a Markdown table (and ``--json`` for the test).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _validity_common import half_of  # noqa: E402

DATA = Path(os.environ.get("TRENDTRACE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
TWEETS = DATA / "social_honeypot" / "tweets.parquet"

_LINK = re.compile(r"https?://\S+|www\.\S+|@\w+|\d+", re.IGNORECASE)


def _copy_key(text: str, strip: bool) -> str:
    if strip:
        text = _LINK.sub(" ", text)
    return " ".join(text.casefold().split())


def load(half: str, threads: int = 1, sample: int = 0) -> tuple[pa.Table, dict[str, int]]:
    """The comments of one half (``calibration`` or ``held-out``) and each author's label (1 polluter)."""
    import duckdb

    con = duckdb.connect()
    rows = con.sql("SELECT user_id, label, tweet FROM read_parquet(?) WHERE tweet IS NOT NULL ORDER BY user_id, time",
                   params=[str(TWEETS)]).fetchall()
    con.close()
    label: dict[str, int] = {}
    ids, authors, texts, thread = [], [], [], []
    users = sorted({r[0] for r in rows if half_of(f"honeypot:{r[0]}") == half})
    if sample and sample < len(users):
        rng = np.random.default_rng(20261205)
        users = sorted(rng.choice(users, sample, replace=False).tolist())
    keep = set(users)
    for k, (user, lab, tweet) in enumerate(rows):
        if user not in keep:
            continue
        label[user] = int(lab == "bot")
        ids.append(f"t{k}")
        authors.append(user)
        texts.append(tweet)
        thread.append(f"section-{hash_bucket(k, threads)}")
    table = pa.table({"id": ids, "author": authors, "text": texts, "thread": thread})
    return table, label


def hash_bucket(k: int, n: int) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(f"thread:{k}".encode(), digest_size=8).digest(), "big") % n


def baseline(table: pa.Table, min_authors: int, strip: bool) -> set[str]:
    who: dict[str, set[str]] = defaultdict(set)
    authors = table.column("author").to_pylist()
    for a, t in zip(authors, table.column("text").to_pylist(), strict=True):
        key = _copy_key(t, strip)
        if key:
            who[key].add(a)
    return {a for users in who.values() if len(users) >= min_authors for a in users}


def measure(flagged: set[str], label: dict[str, int]) -> dict[str, float]:
    pos = sum(label.values())
    neg = len(label) - pos
    tp = sum(1 for a in flagged if label.get(a) == 1)
    fp = sum(1 for a in flagged if label.get(a) == 0)
    return {"recall": tp / pos if pos else 0.0, "fpr": fp / neg if neg else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 0.0, "flagged": tp + fp, "polluters": pos, "legitimate": neg}


def run(half: str, threads: int = 1, sample: int = 0, settings: dict | None = None) -> dict[str, object]:
    from trendtrace.comments import comment_rings

    table, label = load(half, threads, sample)
    t0 = time.perf_counter()
    result = comment_rings(table, settings or {})
    seconds = time.perf_counter() - t0
    c = result.comments
    ours = {a for a, r in zip(c.column("author").to_pylist(), c.column("ring").to_pylist(), strict=True) if r}
    min_authors = int((settings or {}).get("ring_min_authors", 3))
    out: dict[str, object] = {
        "half": half, "comments": table.num_rows, "authors": len(label), "rings": result.rings.num_rows,
        "seconds": round(seconds, 1),
        "rings (trendtrace comments)": measure(ours, label),
        "exact copies": measure(baseline(table, min_authors, strip=False), label),
        "copies w/o links": measure(baseline(table, min_authors, strip=True), label),
        "notes": list(result.notes),
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--half", choices=["calibration", "held-out", "both"], default="both")
    ap.add_argument("--threads", type=int, default=1, help="comment sections the tweets are dealt into")
    ap.add_argument("--sample", type=int, default=0, help="at most this many users per half (0: all)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not TWEETS.exists():
        sys.exit(f"Error: {TWEETS} is missing (see ../shared/data/SOURCES.md)")
    settings = {}
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings[name] = value
    halves = ["calibration", "held-out"] if args.half == "both" else [args.half]
    results = [run(h, args.threads, args.sample, settings) for h in halves]
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print("| half | comments | authors | method | polluters flagged (recall) | legitimate flagged (FPR) "
          "| precision | seconds |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for r in results:
        for name in ("rings (trendtrace comments)", "exact copies", "copies w/o links"):
            m = r[name]
            assert isinstance(m, dict)
            secs = r["seconds"] if name.startswith("rings") else ""
            print(f"| {r['half']} | {r['comments']:,} | {r['authors']:,} | {name} | {m['recall']:.3f} "
                  f"| {m['fpr']:.4f} | {m['precision']:.3f} | {secs} |")
    for r in results:
        for note in r["notes"]:  # type: ignore[union-attr]
            print(f"note ({r['half']}): {note}")


if __name__ == "__main__":
    main()
