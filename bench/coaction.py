"""Benchmarks of the coordination engine (figures go to docs/benchmarks.md).

    .venv/bin/python bench/coaction.py coaction --posts 10000000          # 4 traces at 60 s
    .venv/bin/python bench/coaction.py coaction --posts 10000000 --stage  # the whole stage
    .venv/bin/python bench/coaction.py scaling --sizes 100000,1000000,10000000
    .venv/bin/python bench/coaction.py neardup --texts 1000000

Data are generated with numpy straight into Arrow and DuckDB (no simulator), at a constant density
of 20 posts per second (10M posts = 5.8 days): accounts with Zipf-like activity, 40 % reposts of
Zipf-popular posts, own posts with a text (20 % drawn from a pool of repeated texts), 0–3 hashtags
(Zipf over 10k), and a link in 30 % (Zipf over n/50 URLs). Each measurement runs in a fresh
process on a DuckDB file written beforehand, and reports wall time and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trendtrace.model import POST_SCHEMA  # noqa: E402

RATE = 20  # posts per second


def _zipf(rng: np.random.Generator, n: int, size: int, a: float = 1.1) -> np.ndarray:
    """Zipf-like integers in [0, n): popular ids are small."""
    u = rng.random(size)
    # inverse CDF of a continuous power law on [1, n+1)
    x = ((n + 1) ** (1 - a) - 1) * u + 1
    return np.minimum((x ** (1 / (1 - a))).astype(np.int64) - 1, n - 1)


def _lists(values: pa.Array, counts: np.ndarray) -> pa.Array:
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def make_posts(n: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    n_acc = max(1000, n // 10)
    acc = _zipf(rng, n_acc, n, 0.8)
    t = np.sort(rng.uniform(0, n / RATE, n)).astype(np.int64) * 1_000_000 + 1_704_067_200 * 1_000_000
    repost = rng.random(n) < 0.4
    own = ~repost
    n_own = int(own.sum())
    ids = pc.binary_join_element_wise("p", pc.cast(pa.array(np.arange(n)), pa.string()), "")
    accounts = pc.binary_join_element_wise("u", pc.cast(pa.array(acc), pa.string()), "")
    kind = np.where(repost, "repost", "post")
    ref = np.full(n, None, dtype=object)
    obj = _zipf(rng, max(100, n // 20), int(repost.sum()), 1.1)
    ref_arr = pc.binary_join_element_wise("p", pc.cast(pa.array(obj), pa.string()), "")
    # texts: 20 % from a pool of repeated texts, others unique
    pooled = rng.random(n_own) < 0.2
    tid = np.where(pooled, _zipf(rng, max(100, n // 200), n_own, 0.95), np.arange(n_own) + 10**9)
    texts_own = pc.binary_join_element_wise(
        "Breaking news number ", pc.cast(pa.array(tid), pa.string()), " about the march today", "")
    texts = pa.nulls(n, pa.string()).to_pylist() if False else None  # noqa: F841 (readability)
    text_col = np.empty(n, dtype=object)
    text_col[own] = texts_own.to_numpy(zero_copy_only=False)
    text_col[repost] = "RT @someone: shared post"
    # hashtags on own posts: 0..3 from Zipf(10k)
    hcount = np.where(own, rng.integers(0, 4, n), 0)
    tags = pc.binary_join_element_wise("tag",
                                       pc.cast(pa.array(_zipf(rng, 10_000, int(hcount.sum()), 0.95)), pa.string()), "")
    # links on 30 % of own posts
    lcount = np.where(own & (rng.random(n) < 0.3), 1, 0)
    uid = _zipf(rng, max(100, n // 50), int(lcount.sum()), 1.05)
    urls = pc.binary_join_element_wise(
        pc.binary_join_element_wise("https://site", pc.cast(pa.array(uid % 500), pa.string()), ""),
        pc.cast(pa.array(uid), pa.string()), ".com/a/")
    ref_col = np.empty(n, dtype=object)
    ref_col[repost] = ref_arr.to_numpy(zero_copy_only=False)
    del ref
    empty = _lists(pa.array([], pa.string()), np.zeros(n, dtype=np.int64))
    cols = {
        "post_id": ids,
        "account_id": accounts,
        "time": pa.array(t, pa.timestamp("us")),
        "kind": pa.array(kind, pa.string()),
        "text": pa.array(text_col, pa.string()),
        "lang": pa.nulls(n, pa.string()),
        "ref_post_id": pa.array(ref_col, pa.string()),
        "ref_account_id": pa.nulls(n, pa.string()),
        "reply_to_post_id": pa.nulls(n, pa.string()),
        "hashtags": _lists(tags, hcount),
        "hashtags_raw": _lists(tags, hcount),
        "urls": _lists(urls, lcount),
        "urls_raw": _lists(urls, lcount),
        "mentions": empty,
        "media": empty,
    }
    for f in POST_SCHEMA:
        if f.name not in cols:
            cols[f.name] = pa.nulls(n, f.type) if f.name != "source_file" else pa.array(["bench"] * n, pa.string())
    return pa.table({f.name: cols[f.name] for f in POST_SCHEMA}, schema=POST_SCHEMA)


def write_db(n: int, path: Path, seed: int = 1) -> None:
    t0 = time.perf_counter()
    tbl = make_posts(n, seed)
    con = duckdb.connect(str(path))
    con.register("_p", tbl)
    con.execute("CREATE OR REPLACE TABLE posts AS SELECT * FROM _p")
    con.close()
    print(f"# generated {n:,} posts into {path} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def _cpu() -> float:
    """CPU seconds of this process, all threads (the machine is shared: wall time alone misleads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _measure_counts(db: str, traces: str, window: int, memory_limit: str, stage: bool = False) -> dict:
    """Runs in a child process: open the store, count co-actions, report time and peak RSS.

    Every pair of accounts with a co-action is counted (``pairs``); the ones with at least
    ``min_co_actions`` (3) distinct co-acted objects are turned back into account ids
    (``candidates``), as ``analyze`` does: decoding all ~100M pairs of the 10M set into strings
    would measure Arrow string building, not the networks. With ``stage`` the whole coordination
    stage runs instead (null model, BH, edges, evidence, Leiden, result tables).
    """
    from trendtrace.coordination import coordination
    from trendtrace.coordination._stage import Run
    from trendtrace.engine import Engine
    from trendtrace.settings import Settings

    con = duckdb.connect(db)
    con.execute(f"SET memory_limit='{memory_limit}'")
    n = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    s = Settings(traces=traces, window=window, window_hashtag=window)
    t0 = time.perf_counter()
    cpu0 = _cpu()
    res: dict = {"posts": n, "traces": traces, "window": window}
    if stage:
        res["stage"] = coordination(con, s)
    else:
        run = Run(Engine(con), s)
        cand, tested, n_actions = run.fast_counts(int(s["min_co_actions"]))
        res.update({"actions": n_actions, "pairs": tested, "candidates": cand.num_rows})
    res.update({
        "seconds": round(time.perf_counter() - t0, 2),
        "cpu_seconds": round(_cpu() - cpu0, 2),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    })
    return res


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "_child", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cmd_coaction(n: int, traces: str, window: int, memory_limit: str, workdir: Path, stage: bool = False) -> dict:
    db = workdir / f"bench_{n}.duckdb"
    if not db.exists():
        write_db(n, db)
    res = _child([str(db), traces, str(window), memory_limit, "stage" if stage else "counts"])
    print(json.dumps(res))
    return res


def cmd_neardup(n: int, threshold: float, seed: int = 2) -> dict:
    from trendtrace.coordination import textsim

    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    texts: list[str] = []
    family: list[int] = []
    fam = 0
    while len(texts) < n:
        length = int(rng.integers(15, 26))
        base = vocab[_zipf(rng, 50_000, length, 0.9)]
        size = int(rng.integers(2, 11)) if rng.random() < 0.2 / 6 * 6 / 5 else 1
        for _ in range(size):
            v = base.copy()
            for _ in range(int(rng.integers(0, 3)) if size > 1 else 0):
                v[rng.integers(0, length)] = vocab[rng.integers(0, 50_000)]
            texts.append(" ".join(v))
            family.append(fam)
        fam += 1
    texts = texts[:n]
    family_arr = np.array(family[:n])
    # distinct texts only, as the engine feeds them
    uniq, first = np.unique(np.array(texts, dtype=object), return_index=True)
    texts = list(uniq)
    family_arr = family_arr[first]
    t0 = time.perf_counter()
    cpu0 = _cpu()
    i, j, _ = textsim.near_duplicate_pairs(texts, threshold, seed=42)
    dt = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    found = set(zip(i.tolist(), j.tolist(), strict=False))
    # Truth: exact Jaccard over every pair inside a family (texts of different families share
    # next to no bigrams: 15-25 words drawn from 50k).
    order = np.argsort(family_arr, kind="stable")
    fa = family_arr[order]
    starts = np.flatnonzero(np.r_[True, fa[1:] != fa[:-1]])
    ends = np.r_[starts[1:], len(fa)]
    pi, pj = [], []
    for s0, s1 in zip(starts, ends, strict=False):
        if s1 - s0 > 1:
            mem = np.sort(order[s0:s1])
            a, b = np.triu_indices(len(mem), 1)
            pi.append(mem[a])
            pj.append(mem[b])
    pi_a, pj_a = np.concatenate(pi), np.concatenate(pj)
    owner, hsh = textsim._shingle_table(texts)
    jac = textsim._verify(pi_a, pj_a, owner, hsh, len(texts))
    true = set(zip(pi_a[jac >= threshold].tolist(), pj_a[jac >= threshold].tolist(), strict=False))
    recall = len(found & true) / max(1, len(true))
    res = {"texts": len(texts), "threshold": threshold, "seconds": round(dt, 2), "cpu_seconds": round(cpu, 2),
           "true_pairs": len(true),
           "found_pairs": len(found), "recall": round(recall, 4),
           "found_outside_families": len(found - true), "peak_rss_gb": round(peak, 2)}
    print(json.dumps(res))
    return res


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        db, traces, window, mem, what = sys.argv[2:7]
        print(json.dumps(_measure_counts(db, traces, int(window), mem, what == "stage")))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("coaction")
    c.add_argument("--posts", type=int, default=10_000_000)
    c.add_argument("--traces", default="retweet,link,tweet,hashtag")
    c.add_argument("--window", type=int, default=60)
    c.add_argument("--memory-limit", default="6GB")
    c.add_argument("--workdir", default=tempfile.gettempdir())
    c.add_argument("--stage", action="store_true", help="run the whole coordination stage, not only the counts")
    s = sub.add_parser("scaling")
    s.add_argument("--sizes", default="100000,1000000,10000000")
    s.add_argument("--traces", default="retweet,link,tweet,hashtag")
    s.add_argument("--window", type=int, default=60)
    s.add_argument("--memory-limit", default="6GB")
    s.add_argument("--workdir", default=tempfile.gettempdir())
    d = sub.add_parser("neardup")
    d.add_argument("--texts", type=int, default=1_000_000)
    d.add_argument("--threshold", type=float, default=0.8)
    a = p.parse_args()
    if a.cmd == "coaction":
        cmd_coaction(a.posts, a.traces, a.window, a.memory_limit, Path(a.workdir), a.stage)
    elif a.cmd == "scaling":
        for n in (int(x) for x in a.sizes.split(",")):
            cmd_coaction(n, a.traces, a.window, a.memory_limit, Path(a.workdir))
    else:
        cmd_neardup(a.texts, a.threshold)


if __name__ == "__main__":
    main()
