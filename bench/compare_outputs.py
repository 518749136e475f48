"""Compare the outputs of two trendtrace revisions on the same simulated data (issue 15: a refactor
changes no output unless a change is a named bug fix).

    .venv/bin/python bench/compare_outputs.py BASE_REV [NEW_REV] [--posts 20000] [--seed 7]

Each revision is checked out in a temporary git worktree and run with this virtualenv's Python
(``PYTHONPATH=<worktree>/src``): ``simulate`` (default scenario), ``analyze``. Then every CSV
output is compared cell by cell, and ``report.json`` key by key (times and versions excepted). The
result is a list of the columns or keys that differ, with counts and one example each: the
differences a change must name as bug fixes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CSVS = ("accounts", "edges", "clusters", "trends", "overlap")
#: report.json keys that change run to run by design.
VOLATILE = {"generated_at", "software", "run"}


def run_revision(rev: str, work: Path, posts: int, seed: int) -> Path:
    tree = work / f"tree-{rev[:10]}"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
    try:
        env = {**os.environ, "PYTHONPATH": str(tree / "src"), "SPARK_LOCAL_IP": "127.0.0.1"}
        cmd = [sys.executable, "-m", "trendtrace.cli", "-q"]
        sim, out = work / f"sim-{rev[:10]}", work / f"out-{rev[:10]}"
        subprocess.run([*cmd, "simulate", "--out", str(sim), "--posts", str(posts), "--seed", str(seed)],
                       check=True, env=env, cwd=work)
        subprocess.run([*cmd, "analyze", str(sim / "tweets-v2.jsonl"), "--out", str(out)], check=True, env=env,
                       cwd=work)
        return out
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)


def _rows(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        fields = list(r.fieldnames or [])
        key = fields[:2] if path.stem in ("edges", "overlap") else fields[:1]
        return fields, {"|".join(row[k] for k in key): row for row in r}


def compare_csv(a: Path, b: Path) -> list[str]:
    fa, ra = _rows(a)
    fb, rb = _rows(b)
    out = []
    if set(fa) != set(fb):
        out.append(f"{a.name}: columns only before {sorted(set(fa) - set(fb))}, only after {sorted(set(fb) - set(fa))}")
    if set(ra) != set(rb):
        out.append(f"{a.name}: {len(set(ra) - set(rb))} rows only before, {len(set(rb) - set(ra))} only after")
    for col in [c for c in fa if c in fb]:
        diff = [k for k in ra.keys() & rb.keys() if ra[k][col] != rb[k][col]]
        if diff:
            k = sorted(diff)[0]
            out.append(f"{a.name}.{col}: {len(diff)} of {len(ra.keys() & rb.keys())} rows differ, e.g. {k}: "
                       f"{ra[k][col][:120]!r} -> {rb[k][col][:120]!r}")
    return out


def _walk(x: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(x, dict):
        out: dict[str, Any] = {}
        for k, v in x.items():
            out.update(_walk(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(x, list):
        out = {}
        for i, v in enumerate(x):
            out.update(_walk(v, f"{prefix}[{i}]"))
        return out
    return {prefix: x}


def compare_json(a: Path, b: Path) -> list[str]:
    ja = {k: v for k, v in json.loads(a.read_text()).items() if k not in VOLATILE}
    jb = {k: v for k, v in json.loads(b.read_text()).items() if k not in VOLATILE}
    wa, wb = _walk(ja), _walk(jb)
    by_top: dict[str, list[str]] = {}
    for k in sorted(wa.keys() | wb.keys()):
        if wa.get(k, "<absent>") != wb.get(k, "<absent>"):
            by_top.setdefault(k.split(".")[0].split("[")[0], []).append(k)
    return [f"report.json {top}: {len(keys)} values differ, e.g. {keys[0]}: {str(wa.get(keys[0], '<absent>'))[:100]!r}"
            f" -> {str(wb.get(keys[0], '<absent>'))[:100]!r}" for top, keys in by_top.items()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("new", nargs="?", default="HEAD")
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tt-compare-") as d:
        work = Path(d)
        a = run_revision(args.base, work, args.posts, args.seed)
        b = run_revision(args.new, work, args.posts, args.seed)
        lines = []
        for name in CSVS:
            lines += compare_csv(a / f"{name}.csv", b / f"{name}.csv")
        lines += compare_json(a / "report.json", b / "report.json")
    print(f"# {args.base} -> {args.new}: simulated default scenario, {args.posts:,} posts, seed {args.seed}")
    print("\n".join(f"- {x}" for x in lines) if lines else "identical outputs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
