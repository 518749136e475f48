"""Speed of ``trendtrace comments`` on simulated threads, beside a copy baseline (issue 19 item 7).

Target: rings over 1,000,000 comments in under 5 minutes on this machine (2 cores) with the fast
model, MiniLM re-scoring only candidate pairs. The run simulates the threads
(:func:`trendtrace.simulate.comments.comment_threads`, a fifth of the threads seeded with a
paraphrase ring), times :func:`trendtrace.comments.comment_rings` stage by stage, and scores it
against the truth, beside the one-line baseline timed in the same run on the same rows: comments
whose exact text (case-folded, spaces collapsed) was posted by at least 3 authors in the thread.
Peak memory is the process's maximum resident set size. Run alone (helpers skew timings)::

    .venv/bin/python bench/comments.py --comments 1000000 [--seed 7]

Prints a Markdown row for docs/benchmarks.md and the stage times.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections import defaultdict


def _baseline(table) -> list[bool]:  # type: ignore[no-untyped-def]
    who: dict[tuple[str, str], set[str]] = defaultdict(set)
    keys = []
    for a, t, th in zip(table.column("author").to_pylist(), table.column("text").to_pylist(),
                        table.column("thread").to_pylist(), strict=True):
        k = (th, " ".join(t.casefold().split()))
        keys.append(k)
        who[k].add(a)
    return [len(who[k]) >= 3 for k in keys]


def _score(flagged: list[bool], roles: list[str], rings: list[str]) -> tuple[float, float, float]:
    in_true = [r in ("ring", "ring_agree") for r in roles]
    tp = sum(f and t for f, t in zip(flagged, in_true, strict=True))
    precision = tp / max(1, sum(flagged))
    found = {rings[i] for i, f in enumerate(flagged) if f and rings[i]}
    recall = len(found) / max(1, len({r for r in rings if r}))
    organic = sum(1 for f, t in zip(flagged, in_true, strict=True) if f and not t)
    return precision, recall, organic / max(1, sum(1 for t in in_true if not t))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--comments", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    from trendtrace.comments import comment_rings
    from trendtrace.simulate.comments import comment_threads

    t0 = time.perf_counter()
    table, truth = comment_threads(args.comments, seed=args.seed)
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = _baseline(table)
    t_base = time.perf_counter() - t0
    stages: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def tick(stage: str, done: int, total: int) -> None:
        if stage != last[1]:
            now = time.perf_counter()
            if last[1]:
                stages[str(last[1])] = stages.get(str(last[1]), 0.0) + now - float(last[0])
            last[0], last[1] = now, stage

    t0 = time.perf_counter()
    result = comment_rings(table, progress=tick)
    t_rings = time.perf_counter() - t0
    roles, rings = truth.column("role").to_pylist(), truth.column("ring").to_pylist()
    ours = [bool(r) for r in result.comments.column("ring").to_pylist()]
    p, r, fpr = _score(ours, roles, rings)
    bp, br, bfpr = _score(base, roles, rings)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    threads = len(set(table.column("thread").to_pylist()))
    load = os.getloadavg()[0]
    print(f"comments {table.num_rows:,} in {threads:,} threads (simulated in {t_sim:.1f} s); load {load:.2f}")
    print("stage seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    print("stats: " + ", ".join(f"{k}={v}" for k, v in result.stats.items() if not isinstance(v, dict)))
    print("| comments | method | seconds | ratio to baseline | precision (comments in rings) | rings found "
          "| organic comments in rings | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    print(f"| {table.num_rows:,} | trendtrace comments | {t_rings:.1f} | {t_rings / max(t_base, 1e-9):.0f}x "
          f"| {p:.3f} | {r:.3f} | {fpr:.4f} | {rss:,.0f} |")
    print(f"| {table.num_rows:,} | exact copies by ≥ 3 authors | {t_base:.1f} | 1x | {bp:.3f} | {br:.3f} "
          f"| {bfpr:.4f} | |")


if __name__ == "__main__":
    main()
