"""Benchmark: account features and scores for N accounts / M posts (default 1M / 10M).

Generates canonical ``posts`` and ``accounts`` tables with numpy (seeded; heavy-tailed activity,
a diurnal rhythm, a few batch-created networks), loads them into an in-memory DuckDB and times
:func:`trendtrace.accounts.account_signals`. Prints the timings and peak memory.

    .venv/bin/python bench/accounts.py [--accounts 1000000] [--posts 10000000] [--seed 1]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import time

import duckdb
import numpy as np
import pyarrow as pa

from trendtrace.accounts import account_signals
from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA
from trendtrace.settings import Settings


def make_tables(n_accounts: int, n_posts: int, seed: int) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("a", np.arange(n_accounts).astype(str))
    # Heavy-tailed activity: Zipf-like weights.
    w = rng.pareto(1.2, n_accounts) + 1
    owner = rng.choice(n_accounts, size=n_posts, p=w / w.sum())
    t0 = np.datetime64("2024-03-01T00:00:00", "s")
    day = rng.integers(0, 30, n_posts)
    local_hour = rng.choice(24, size=n_posts, p=np.r_[np.full(7, 0.01), np.full(17, (1 - 0.07) / 17)])
    zone = np.where(np.arange(n_accounts) % 50 == 0, 3, 5)  # every 50th account runs from UTC+3
    secs = day * 86400 + ((local_hour - zone[owner]) % 24) * 3600 + rng.integers(0, 3600, n_posts)
    times = t0 + secs.astype("timedelta64[s]")
    kinds = np.array(["post", "repost", "reply", "quote"])[rng.choice(4, n_posts, p=[0.45, 0.35, 0.15, 0.05])]
    words = np.array(["pakistan", "zindabad", "news", "match", "cricket", "today", "hai", "yeh", "bohat",
                      "acha", "the", "people", "vote", "march", "islamabad", "لاہور", "خبر", "پاکستان"])
    text = np.char.add(np.char.add(words[rng.integers(0, len(words), n_posts)], " "),
                       words[rng.integers(0, len(words), n_posts)])
    text = np.char.add(np.char.add(text, " "), rng.integers(0, 50_000, n_posts).astype(str))
    clients = np.array(["Twitter for Android", "Twitter for iPhone", "Twitter Web App", "PostBot Pro"])
    client = clients[rng.choice(4, n_posts, p=[0.6, 0.25, 0.149, 0.001])]
    empty_list = pa.array([[]] * n_posts, pa.list_(pa.string()))
    cols = {
        "post_id": pa.array(np.char.add("p", np.arange(n_posts).astype(str))),
        "account_id": pa.array(ids[owner]),
        "time": pa.array(times.astype("datetime64[us]")),
        "kind": pa.array(kinds),
        "text": pa.array(text),
        "lang": pa.array(np.array(["ur", "en", "und"])[rng.integers(0, 3, n_posts)]),
        "client": pa.array(client),
    }
    posts = pa.table({f.name: cols.get(f.name, empty_list if pa.types.is_list(f.type) else pa.nulls(n_posts, f.type))
                      for f in POST_SCHEMA}, schema=POST_SCHEMA)
    created = np.datetime64("2010-01-01", "s") + rng.integers(0, 14 * 365 * 86400, n_accounts).astype("timedelta64[s]")
    batch = owner_batch = rng.random(n_accounts) < 0.01
    created[batch] = (np.datetime64("2024-02-20T03:00:00", "s")
                      + rng.integers(0, 86400, batch.sum()).astype("timedelta64[s]"))
    first = np.array(["ayesha", "bilal", "fatima", "usman", "sana", "hamza", "zainab", "ali", "daily", "xkqzt"])
    handle = np.char.add(first[rng.integers(0, len(first), n_accounts)], rng.integers(0, 10**8, n_accounts).astype(str))
    del owner_batch
    acols = {
        "account_id": pa.array(ids),
        "handle": pa.array(handle),
        "display_name": pa.array(np.char.capitalize(first[rng.integers(0, len(first), n_accounts)])),
        "description": pa.array(np.where(rng.random(n_accounts) < 0.3, "", "cricket lover, proud Pakistani")),
        "location": pa.array(np.array(["Lahore", "Karachi, Pakistan", "", "Dubai", "پاکستان", "Earth"])[
            rng.integers(0, 6, n_accounts)]),
        "created_at": pa.array(created.astype("datetime64[us]")),
        "followers": pa.array(rng.lognormal(4, 2, n_accounts).astype(np.int64)),
        "following": pa.array(rng.lognormal(5, 1.2, n_accounts).astype(np.int64)),
        "post_count": pa.array(rng.lognormal(6, 2, n_accounts).astype(np.int64)),
        "default_profile": pa.array(rng.random(n_accounts) < 0.2),
        "default_profile_image": pa.array(rng.random(n_accounts) < 0.1),
    }
    accounts = pa.table({f.name: acols.get(f.name, pa.nulls(n_accounts, f.type)) for f in ACCOUNT_SCHEMA},
                        schema=ACCOUNT_SCHEMA)
    return posts, accounts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t = time.perf_counter()
    posts, accounts = make_tables(args.accounts, args.posts, args.seed)
    con = duckdb.connect()
    con.register("_p", posts)
    con.register("_a", accounts)
    con.execute("CREATE TABLE posts AS SELECT * FROM _p")
    con.execute("CREATE TABLE accounts AS SELECT * FROM _a")
    con.unregister("_p")
    con.unregister("_a")
    del posts, accounts
    gen = time.perf_counter() - t
    load_before = os.getloadavg()
    t = time.perf_counter()
    cpu = time.process_time()
    result = account_signals(con, Settings())
    took = time.perf_counter() - t
    cpu = time.process_time() - cpu
    load_after = os.getloadavg()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"data generated and loaded in {gen:.1f} s")
    print(f"account_signals: {args.accounts:,} accounts / {args.posts:,} posts in {took:.1f} s "
          f"({args.posts / took:,.0f} posts/s); CPU time {cpu:.1f} s; peak RSS {peak:.1f} GB")
    # Other jobs share the machine: the load average says how much of it this run had.
    print(f"load average (1/5/15 min) before {load_before[0]:.1f}/{load_before[1]:.1f}/{load_before[2]:.1f}, "
          f"after {load_after[0]:.1f}/{load_after[1]:.1f}/{load_after[2]:.1f}; {os.cpu_count()} cores")
    print(result)


if __name__ == "__main__":
    main()
