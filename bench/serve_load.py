"""Load the dashboard on loopback: requests/s and p50/p99 latency per page type, against baselines.

    .venv/bin/python bench/serve_load.py --posts 20000 --requests 2000 --clients 4

Simulates the default scenario (``trendtrace simulate --posts N``) and analyses it (``trendtrace
analyze``) in a temporary directory, or uses ``--db FILE``. Then, one server at a time, each in its
own process on ``127.0.0.1`` and a free port:

1. a bare Starlette app answering ``/healthz`` under uvicorn (the floor: HTTP + ASGI, no dashboard);
2. ``trendtrace serve`` answering ``/healthz`` (the dashboard's middleware, no store work);
3. ``trendtrace serve`` answering a mix of every page type in turn (overview, lists, detail pages,
   search, JSON API, a CSV download), ids taken from the store.

Each run sends ``--requests`` requests from ``--clients`` threads, each keeping one HTTP/1.1
connection open (stdlib ``http.client``), after 20 warm-up requests. Prints the machine (``nproc``,
CPU model, load average before and after) and markdown tables. Bounded (a fixed number of
requests), loopback only; not a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

SRC = Path(__file__).resolve().parents[1] / "src"
CLI = "from trendtrace.cli import main; main()"
BARE = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
async def healthz(request):
    return JSONResponse({"ok": True})
uvicorn.run(Starlette(routes=[Route("/healthz", healthz)]), host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning")
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _run_cli(*args: str) -> None:
    subprocess.run([sys.executable, "-c", CLI, "--quiet", *args], env=_env(), check=True,
                   stdout=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(cmd: list[str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            con.request("GET", "/healthz")
            if con.getresponse().status == 200:
                con.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _load(port: int, paths: list[str], requests: int, clients: int) -> tuple[float, dict[str, list[float]], int]:
    """Send ``requests`` GETs cycling through ``paths`` from ``clients`` threads.

    Returns (wall seconds, latencies in seconds per path, errors)."""
    lock = threading.Lock()
    counter = iter(range(requests + 20 * clients))
    latencies: dict[str, list[float]] = {p: [] for p in paths}
    errors = 0
    start_gate = threading.Barrier(clients + 1)

    def worker(warmup: int) -> None:
        nonlocal errors
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(warmup):
            con.request("GET", paths[i % len(paths)])
            con.getresponse().read()
        start_gate.wait()
        while True:
            with lock:
                i = next(counter, None)
            if i is None or i >= requests:
                break
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            con.request("GET", path)
            r = con.getresponse()
            r.read()
            dt = time.perf_counter() - t0
            with lock:
                latencies[path].append(dt)
                if r.status != 200:
                    errors += 1
        con.close()

    threads = [threading.Thread(target=worker, args=(20,)) for _ in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, errors


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] * 1000


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def _load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _paths(db: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        trend = con.execute("SELECT trend FROM trends ORDER BY score DESC NULLS LAST LIMIT 1").fetchone()[0]
        account = con.execute("SELECT account_id FROM account_coordination WHERE coordinated "
                              "ORDER BY coordination_score DESC LIMIT 1").fetchone()[0]
        cluster = con.execute("SELECT cluster FROM clusters ORDER BY accounts DESC LIMIT 1").fetchone()[0]
        handle = con.execute("SELECT handle FROM accounts WHERE account_id = ?", [account]).fetchone()[0]
    finally:
        con.close()
    return ["/", "/trends", f"/trends/{quote(str(trend), safe='')}", "/accounts",
            f"/accounts/{quote(str(account), safe='')}", f"/clusters/{cluster}",
            f"/search?q={quote(str(handle)[:4], safe='')}", "/api/accounts?page=2",
            "/download/trends.csv"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="an analysed store (default: simulate and analyse one)")
    ap.add_argument("--posts", type=int, default=20_000, help="scale of the simulated store")
    ap.add_argument("--requests", type=int, default=2000, help="requests per run")
    ap.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    a = ap.parse_args(argv)

    print(f"machine: {_machine()}; load average before: {_load_avg()}")
    with tempfile.TemporaryDirectory() as tmp:
        db = a.db
        if db is None:
            t0 = time.perf_counter()
            _run_cli("simulate", "--out", f"{tmp}/sim", "--posts", str(a.posts))
            inputs = sorted(str(p) for p in Path(tmp, "sim").glob("*.jsonl*"))
            db = Path(tmp) / "bench.duckdb"
            _run_cli("analyze", *inputs, "--db", str(db), "--out", f"{tmp}/out")
            print(f"simulated and analysed {a.posts:,} posts in {time.perf_counter() - t0:.1f} s")
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        n_posts, n_accounts = (con.execute("SELECT count(*) FROM posts").fetchone()[0],
                               con.execute("SELECT count(DISTINCT account_id) FROM posts").fetchone()[0])
        con.close()
        paths = _paths(db)
        print(f"store: {n_posts:,} posts, {n_accounts:,} posting accounts; {a.requests:,} requests "
              f"per run, {a.clients} clients, keep-alive")

        runs = []
        port = _free_port()
        proc = _start([sys.executable, "-c", BARE, str(port)], port)
        try:
            runs.append(("bare Starlette /healthz", ["/healthz"], *_load(port, ["/healthz"], a.requests, a.clients)))
        finally:
            _stop(proc)
        port = _free_port()
        proc = _start([sys.executable, "-c", CLI, "serve", "--db", str(db), "--port", str(port)], port)
        try:
            runs.append(("dashboard /healthz", ["/healthz"], *_load(port, ["/healthz"], a.requests, a.clients)))
            runs.append(("dashboard, page mix", paths, *_load(port, paths, a.requests, a.clients)))
        finally:
            _stop(proc)

    print(f"load average after: {_load_avg()}\n")
    print("| run | requests | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for name, _, wall, lat, errors in runs:
        every = [x for xs in lat.values() for x in xs]
        print(f"| {name} | {len(every):,} | {len(every) / wall:,.0f} | {_pct(every, 0.5):.1f} | "
              f"{_pct(every, 0.99):.1f} | {errors} |")
    print("\n| page (mix run) | requests | p50 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|")
    for path, xs in runs[-1][3].items():
        print(f"| `{path}` | {len(xs)} | {_pct(xs, 0.5):.1f} | {_pct(xs, 0.99):.1f} | "
              f"{statistics.fmean(xs) * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
