"""Ingestion speed and memory per input format.

    .venv/bin/python bench/ingest.py [--posts 1000000] [--formats x-v2,io-archive,...]

For each format: the simulator writes the default scenario scaled to --posts (cached under
bench/out/), then a fresh child process ingests it into a new store (then, for x-v2 and io-archive,
the baselines in BASELINES, each in a fresh child too); we report posts per second
(wall time of Store.ingest, reading + parsing + staging + merging), the CPU seconds the child used
for it (user + system, all threads; comparable when other jobs share the machine, unlike wall time)
and the child's peak RSS. Memory flatness: the same at a quarter of the size. The load average is
printed before and after, since wall times on a shared machine depend on it. Figures go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

CHILD = r"""
import json, os, resource, sys, time
paths, fmt, db, mode, memory = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
from trendtrace.store import Store
import pyarrow.json as pj
import duckdb
from trendtrace.readers import _x_v2_arrow
from trendtrace.readers.x_v2 import read_x_v2
t0, c0 = time.perf_counter(), cpu()
records = rejects = 0
if mode == "store":  # what `trendtrace ingest` does
    with Store(db) as s:
        r = s.ingest(paths, fmt, memory_limit=memory)
        n, records, rejects = s.count("posts"), r.records, r.rejects
elif mode == "python-reader":  # the same, with the X v2 Python reader for every line
    with Store(db) as s:
        r = s.ingest(paths, fmt, reader=lambda p, f, m, c: read_x_v2(p, c, fast=False), memory_limit=memory)
        n, records, rejects = s.count("posts"), r.records, r.rejects
elif mode == "arrow-parse":  # only pyarrow.json parsing the pages with the reader's schema
    n = 0
    for p in paths:
        opts = pj.ReadOptions(block_size=_x_v2_arrow._BLOCK, use_threads=True)
        po = pj.ParseOptions(explicit_schema=_x_v2_arrow.PAGE_SCHEMA, unexpected_field_behavior="ignore")
        for b in pj.open_json(p, read_options=opts, parse_options=po):
            n += b.num_rows
elif mode == "duckdb-csv":  # DuckDB's own CSV reader into a table of the store's file, no conversion
    con = duckdb.connect(db)
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv($p, all_varchar = true)", {"p": paths})
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
dt, dc = time.perf_counter() - t0, cpu() - c0
print(json.dumps({"seconds": dt, "cpu_seconds": dc, "posts": n, "records": records, "rejects": rejects,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

#: Baselines measured in the same run, per format: (mode, what it is).
BASELINES = {
    "x-v2": [("python-reader", "the Python reader for every line (the path before the Arrow reader)"),
             ("arrow-parse", "pyarrow.json parsing the file alone: no rules, no store (the floor of this design)")],
    "io-archive": [("duckdb-csv", "DuckDB's own read_csv into a table of a store file, all columns as text, "
                                  "no conversion (the ceiling of an embedded DuckDB store here)")],
}


def ensure_data(fmt: str, posts: int) -> list[str]:
    d = OUT / f"sim-{fmt}-{posts}"
    marker = d / "paths.json"
    if marker.exists():
        return json.loads(marker.read_text())
    from trendtrace.simulate import simulate

    t0 = time.perf_counter()
    sim = simulate(d, scenario="default", seed=7, posts=posts, fmt=fmt)
    print(f"  simulated {sim.posts:,} posts as {fmt} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    paths = [str(p) for p in sim.data_paths]
    marker.write_text(json.dumps(paths))
    return paths


def measure(fmt: str, posts: int, mode: str = "store", memory: str = "1GB") -> dict:
    paths = ensure_data(fmt, posts)
    db = OUT / f"bench-{fmt}-{posts}.duckdb"
    db.unlink(missing_ok=True)
    res = subprocess.run([sys.executable, "-c", CHILD, json.dumps(paths), fmt, str(db), mode, memory],
                         capture_output=True, text=True, check=True)
    db.unlink(missing_ok=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["size_mb"] = sum(os.path.getsize(p) for p in paths) / 1e6
    out["posts_per_s"] = out["posts"] / out["seconds"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--formats", default="x-v2,x-v1,io-archive,csv,parquet,coortweet")
    ap.add_argument("--no-baselines", action="store_true", help="skip the baselines measured after each format")
    ap.add_argument("--ingest-memory", default="1GB", help="DuckDB memory limit while ingesting (the ingest_memory "
                    "setting; default 1GB as in the CLI)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {os.getloadavg()[0]:.1f}; ingest_memory {args.ingest_memory}")
    print("| format | input posts (file MB) | stored posts | seconds | posts/s | CPU s | peak RSS MB "
          "| at 1/4 size: seconds, CPU s, peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    baselines = []
    for fmt in args.formats.split(","):
        big = measure(fmt, args.posts, memory=args.ingest_memory)
        small = measure(fmt, args.posts // 4, memory=args.ingest_memory)
        print(f"| {fmt} | {args.posts:,} ({big['size_mb']:.0f}) | {big['posts']:,} | {big['seconds']:.1f} | "
              f"{big['posts_per_s']:,.0f} | {big['cpu_seconds']:.1f} | {big['peak_rss_mb']:.0f} | "
              f"{small['seconds']:.1f}, {small['cpu_seconds']:.1f}, {small['peak_rss_mb']:.0f} |", flush=True)
        if not args.no_baselines:
            for mode, what in BASELINES.get(fmt, []):
                b = measure(fmt, args.posts, mode, args.ingest_memory)
                baselines.append((fmt, mode, what, b, big))
    if baselines:
        print("\nBaselines, same input and run (ratio = trendtrace ingest time / baseline time):\n")
        print("| format | baseline | seconds | CPU s | peak RSS MB | ratio |")
        print("|---|---|---|---|---|---|")
        for fmt, mode, what, b, big in baselines:
            print(f"| {fmt} | {mode}: {what} | {b['seconds']:.1f} | {b['cpu_seconds']:.1f} | "
                  f"{b['peak_rss_mb']:.0f} | {big['seconds'] / b['seconds']:.2f} |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
