"""Simulator speed and memory: posts per second and peak RSS, per output format and size.

    .venv/bin/python bench/_simulate_speed.py [--posts 100000,1000000] [--formats generate,x-v2,...]

Each (size, format) runs in a fresh child process so that peak RSS (ru_maxrss) belongs to that run
alone. ``generate`` iterates the canonical Arrow tables without writing; the other names write the
default scenario in that format into a temporary directory (labels included). Reported: wall and
CPU seconds, posts per CPU second, the child's RSS after imports and its peak RSS. Memory is flat
when the peak barely moves from 100k to 1M posts. Figures go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, tempfile, time
import pyarrow, numpy, pandas  # imported up front so the baseline includes them
from trendtrace.simulate import generate, simulate
posts, fmt, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
w, c = time.perf_counter(), time.process_time()
if fmt == "generate":
    n = sum(p.num_rows for p, _ in generate("default", seed=7, posts=posts))
else:
    n = simulate(out, "default", seed=7, posts=posts, fmt=fmt).posts
wall, cpu = time.perf_counter() - w, time.process_time() - c
print(json.dumps({"posts": n, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                  "posts_per_cpu_s": round(n / cpu), "rss_base_mb": round(base),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", default="100000,1000000")
    ap.add_argument("--formats", default="generate,x-v2,x-v1,io-archive,csv,parquet,coortweet")
    args = ap.parse_args()
    env = dict(os.environ)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    for n in [int(x) for x in args.posts.split(",")]:
        for fmt in args.formats.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                r = subprocess.run([sys.executable, "-c", CHILD, str(n), fmt, tmp], capture_output=True, text=True,
                                   env=env, check=False)
                if r.returncode:
                    print(f"{fmt} {n}: FAILED\n{r.stderr}", flush=True)
                    continue
                res = json.loads(r.stdout.strip().splitlines()[-1])
                size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(tmp) for f in fs)
                res["bytes_written_mb"] = round(size / 2**20)
                print(json.dumps({"format": fmt, "target": n, **res}), flush=True)


if __name__ == "__main__":
    main()
