"""Wall time of the analysis stages (coordination, accounts, trends) on one store, this checkout
against a baseline revision, in the same run, alternating, on copies of the same store.

    .venv/bin/python bench/analyze_speed.py --baseline-rev aad86bb [--posts 500000] [--repeat 2]
                                            [--data FILE --format F --map FIELD=COLUMN ...]
                                            [--set NAME=VALUE ...]

Without ``--data`` it simulates ``--posts`` posts (default scenario, seed 7) and ingests them once.
The baseline runs from a ``git worktree`` of ``--baseline-rev`` (``PYTHONPATH`` points at its
``src/``); both run ``trendtrace.pipeline.analyze`` with default settings (``--set`` applies to
this checkout only, to time an option such as ``null_model=shift``). Prints one Markdown row per
run and the median ratio. Measure alone: other work on 2 cores skews the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from trendtrace.pipeline import analyze
from trendtrace.settings import Settings
from trendtrace.store import Store
overrides = json.loads(sys.argv[2])
t0 = time.perf_counter()
with Store(sys.argv[1]) as st:
    counts = analyze(st, Settings(**overrides))
print(json.dumps({"seconds": time.perf_counter() - t0, "coordinated": counts["coordination"].get("coordinated"),
                  "edges": counts["coordination"].get("edges")}))
"""


def _run(src: Path, db: Path, overrides: dict[str, str]) -> dict:
    import json

    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), json.dumps(overrides)], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-rev", required=True)
    ap.add_argument("--posts", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--data", default=None)
    ap.add_argument("--format", default="auto")
    ap.add_argument("--map", action="append", default=[])
    ap.add_argument("--set", action="append", default=[])
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from trendtrace.settings import Settings
    from trendtrace.store import Store

    overrides = dict(kv.split("=", 1) for kv in args.set)
    with tempfile.TemporaryDirectory(prefix="tt-speed-") as d:
        work = Path(d)
        base_tree = work / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base_tree),
                        args.baseline_rev], check=True)
        try:
            db = work / "store.duckdb"
            t0 = time.perf_counter()
            with Store(db) as st:
                if args.data:
                    st.ingest([args.data], fmt=args.format, mapping=dict(m.split("=", 1) for m in args.map))
                    what = f"{args.data}"
                else:
                    from trendtrace.simulate import simulate

                    sim = simulate(work / "sim", posts=args.posts)
                    st.ingest(sim.data_paths)
                    what = f"simulated {Settings()['sim_scenario']} scenario, {args.posts:,} posts"
                n = st.count("posts")
            print(f"input: {what}: {n:,} posts in the store (prepared in {time.perf_counter() - t0:.0f} s); "
                  f"load average before: {os.getloadavg()[0]:.2f}")
            # Warm-up on a small store: numba compiles into each tree's __pycache__ on first use.
            from trendtrace.simulate import simulate as _sim

            small = _sim(work / "warm", posts=2_000)
            for src, ov in ((base_tree / "src", {}), (ROOT / "src", overrides)):
                warm_db = work / "warm.duckdb"
                with Store(warm_db) as st:
                    st.ingest(small.data_paths)
                _run(src, warm_db, ov)
                warm_db.unlink()
            print("| run | code | seconds | coordinated accounts | edges |\n|---|---|---|---|---|")
            times: dict[str, list[float]] = {"baseline": [], "this checkout": []}
            for i in range(args.repeat):
                for name, src, ov in (("baseline", base_tree / "src", {}), ("this checkout", ROOT / "src", overrides)):
                    copy = work / f"run-{name.replace(' ', '_')}-{i}.duckdb"
                    shutil.copy(db, copy)
                    r = _run(src, copy, ov)
                    copy.unlink()
                    times[name].append(r["seconds"])
                    label = f"{args.baseline_rev}" if name == "baseline" else f"HEAD {overrides or ''}"
                    print(f"| {i + 1} | {label} | {r['seconds']:.1f} | {r['coordinated']} | {r['edges']} |")
            mb, mc = statistics.median(times["baseline"]), statistics.median(times["this checkout"])
            print(f"\nmedian: baseline {mb:.1f} s, this checkout {mc:.1f} s, ratio {mc / mb:.2f}; "
                  f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
