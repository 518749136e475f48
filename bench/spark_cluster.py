"""Run trendtrace on a real Spark standalone cluster (issue 16, item 4) and compare it with DuckDB.

    .venv/bin/python bench/spark_cluster.py [--posts 1000000] [--format x-v2|parquet] [--data DIR]
                                            [--port PORT] [--workdir DIR] [--json FILE]
                                            [--spark-conf KEY=VALUE ...] [-- ANALYZE ARGS ...]

Smoke test (a few minutes, most of it Spark's fixed cost per query):

    .venv/bin/python bench/spark_cluster.py --posts 3000

Steps: start a Spark standalone master and two workers (1 core, 2 GB each) on 127.0.0.1 with the
``spark-class`` launcher that the pyspark package ships, on free ports; simulate the default
scenario (seed 7) unless ``--data`` names an existing folder; run ``python -m trendtrace analyze``
twice as child processes, once on DuckDB and once with ``--engine spark`` against the cluster
(``TRENDTRACE_SPARK_MASTER=spark://127.0.0.1:PORT``: the CLI process is the driver, the workers'
executors run the queries), timing each (wall time, peak memory); compare ``edges.csv``,
``accounts.csv``, ``clusters.csv`` and ``trends.csv`` byte for byte; print a Markdown block for
docs/benchmarks.md (and JSON with ``--json``). The master, the workers and any run still going are
always stopped, on success, failure, Ctrl-C or SIGTERM; the script says so. Exit status: 0 when
the outputs are equal, 1 when they differ or something failed, 130 on Ctrl-C.

Measure alone: the figures are only meaningful when nothing else runs on the machine.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("edges.csv", "accounts.csv", "clusters.csv", "trends.csv")
HOST = "127.0.0.1"

#: Every child started in its own process group (pgid = pid); stopped by :func:`_stop_all`.
_CHILDREN: list[tuple[str, subprocess.Popen[bytes]]] = []
_STOPPED = False


class BenchError(Exception):
    """A one-line reason the benchmark cannot go on."""


def _say(msg: str) -> None:
    print(f"[spark_cluster] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- prerequisites
def _spark_home() -> tuple[Path, str]:
    """The pyspark package folder (a complete SPARK_HOME: bin/, jars/) and Spark's version."""
    try:
        import pyspark
    except ImportError:
        raise BenchError(f"pyspark is not installed for {sys.executable}: pip install 'trendtrace[spark]'") from None
    home = Path(pyspark.__file__).resolve().parent
    if not (home / "bin" / "spark-class").is_file():
        raise BenchError(f"{home}/bin/spark-class is missing: reinstall pyspark (pip install 'trendtrace[spark]')")
    return home, str(pyspark.__version__)


def _java() -> str:
    """The ``java -version`` line; Spark 4 needs Java 17 or later (found as spark-class finds it)."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise BenchError("Java is missing: Spark 4 needs Java 17+ on PATH or in JAVA_HOME "
                         "(apt-get install openjdk-17-jre-headless)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    first = (out.stderr or out.stdout).strip().splitlines()[0] if (out.stderr or out.stdout).strip() else "?"
    m = re.search(r'version "(\d+)', first)
    if m and int(m.group(1)) < 17:
        raise BenchError(f"{java} is Java {m.group(1)}: Spark 4 needs Java 17+ (set JAVA_HOME)")
    return first


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _check_port(port: int, option: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError as exc:
            raise BenchError(f"{option} {port}: port busy on {HOST} ({exc.strerror}); pick another or leave "
                             f"{option} out to use a free one") from None
    return port


# --------------------------------------------------------------------------- processes
@dataclass
class _Proc:
    ppid: int
    pgrp: int
    comm: str


def _processes() -> dict[int, _Proc]:
    """Every process on the machine, from /proc (Linux): parent, process group, command name."""
    procs: dict[int, _Proc] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                raw = fh.read().decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        head, _, rest = raw.rpartition(")")
        fields = rest.split()
        procs[int(entry.name)] = _Proc(int(fields[1]), int(fields[2]), head.partition("(")[2])
    return procs


def _descendants(roots: Iterable[int], procs: dict[int, _Proc]) -> set[int]:
    """``roots`` (those alive) and all their descendants."""
    children: dict[int, list[int]] = {}
    for pid, p in procs.items():
        children.setdefault(p.ppid, []).append(pid)
    out: set[int] = set()
    stack = [r for r in roots if r in procs]
    while stack:
        pid = stack.pop()
        if pid not in out:
            out.add(pid)
            stack.extend(children.get(pid, ()))
    return out


def _mem_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in kB; VmHWM is the kernel's exact peak RSS of that process so far."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


@dataclass
class TreeMemory:
    """Peak memory of a set of processes: the largest sum of their RSS over the samples (shared pages
    counted once per process), and each process's own peak (VmHWM) as last seen."""

    tree_peak_kb: int = 0
    hwm_kb: dict[int, int] = field(default_factory=dict)
    comm: dict[int, str] = field(default_factory=dict)

    def sample(self, pids: Iterable[int], procs: dict[int, _Proc]) -> None:
        total = 0
        for pid in pids:
            rss, hwm = _mem_kb(pid)
            total += rss
            if hwm:
                self.hwm_kb[pid] = max(hwm, self.hwm_kb.get(pid, 0))
                self.comm[pid] = procs[pid].comm
        self.tree_peak_kb = max(self.tree_peak_kb, total)

    def peak_of(self, comm: str) -> int:
        """The largest VmHWM among the sampled processes named ``comm`` (0 if none)."""
        return max((h for pid, h in self.hwm_kb.items() if self.comm.get(pid) == comm), default=0)


def _spawn(name: str, cmd: Sequence[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in a new session (its own process group, so it and all it starts can be stopped
    together and a Ctrl-C in the terminal does not reach it half-way), output to ``log``."""
    with open(log, "wb") as fh:
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    _CHILDREN.append((name, proc))
    return proc


def _groups_alive(pgids: set[int]) -> set[int]:
    return {p.pgrp for p in _processes().values() if p.pgrp in pgids}


def _stop_all() -> None:
    """Stop every process group this script started: SIGTERM, up to 20 s, then SIGKILL; then check
    in /proc that none of their processes is left. Runs once (finally, atexit and signals all call it)."""
    global _STOPPED
    if _STOPPED or not _CHILDREN:
        return
    _STOPPED = True
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
    pgids = {proc.pid for _, proc in _CHILDREN}
    alive = _groups_alive(pgids)
    for pgid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while alive and time.monotonic() < deadline:
        for _, proc in _CHILDREN:
            if proc.returncode is None:
                proc.poll()
        time.sleep(0.2)
        alive = _groups_alive(pgids)
    for pgid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    time.sleep(0.5)
    for _, proc in _CHILDREN:
        if proc.returncode is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
    left = _groups_alive(pgids)
    names = ", ".join(f"{name} (pgid {proc.pid})" for name, proc in _CHILDREN)
    if left:
        _say(f"WARNING: processes of groups {sorted(left)} are still running; stop them with kill -9 -- -PGID")
    else:
        _say(f"stopped everything this script started: {names}; no process of theirs is left")


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through main's finally, which stops the cluster


def _last_error(log: Path) -> str:
    """The first line of ``log`` that names an exception or error, else its last line."""
    try:
        lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "(no log)"
    for ln in lines:
        if re.search(r"Exception|Error|error:", ln):
            return ln[:300]
    return lines[-1][:300] if lines else "(empty log)"


# --------------------------------------------------------------------------- the cluster
class Cluster:
    """A Spark standalone master and ``workers`` workers on 127.0.0.1, started with ``spark-class``."""

    def __init__(self, spark_home: Path, folder: Path, env: dict[str, str], port: int, webui_port: int,
                 workers: int, cores: int, memory: str) -> None:
        self.spark_home, self.folder, self.env = spark_home, folder, env
        self.port, self.webui_port = port, webui_port
        self.n_workers, self.cores, self.memory = workers, cores, memory
        self.url = f"spark://{HOST}:{port}"
        self.procs: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    @property
    def worker_pids(self) -> list[int]:
        return [p.pid for name, p, _ in self.procs if name.startswith("worker")]

    def _class(self, name: str, args: Sequence[str]) -> None:
        log = self.folder / f"{name}.log"
        cmd = [str(self.spark_home / "bin" / "spark-class"), *args]
        self.procs.append((name, _spawn(f"Spark {name}", cmd, self.env, log, self.folder), log))

    def _state(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.webui_port}/json/", timeout=2) as r:
                state: dict[str, Any] = json.loads(r.read())
                return state
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def _wait(self, what: str, ready: Any, deadline: float) -> dict[str, Any]:
        while True:
            for name, proc, log in self.procs:
                if proc.poll() is not None:
                    raise BenchError(f"Spark {name} exited with code {proc.returncode}: {_last_error(log)} "
                                     f"(log: {log})")
            state = self._state()
            if state is not None and ready(state):
                return state
            if time.monotonic() > deadline:
                raise BenchError(f"timed out waiting for {what} (master UI http://{HOST}:{self.webui_port}/json/ "
                                 f"says {'nothing' if state is None else state.get('status')}); logs in {self.folder}")
            time.sleep(0.5)

    def start(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self._class("master", ["org.apache.spark.deploy.master.Master", "--host", HOST, "--port", str(self.port),
                               "--webui-port", str(self.webui_port)])
        state = self._wait("the master to be ALIVE", lambda s: s.get("status") == "ALIVE", deadline)
        # Spark moves to the next port when one is taken between our check and its bind: trust its own URL.
        self.url = str(state.get("url") or self.url)
        _say(f"master ALIVE at {self.url} (UI http://{HOST}:{self.webui_port}/)")
        for i in range(1, self.n_workers + 1):
            work = self.folder / f"worker{i}"
            work.mkdir(exist_ok=True)
            self._class(f"worker{i}", ["org.apache.spark.deploy.worker.Worker", self.url, "--host", HOST,
                                       "--cores", str(self.cores), "--memory", self.memory, "--work-dir", str(work),
                                       "--webui-port", str(_free_port())])

        def registered(s: dict[str, Any]) -> bool:
            return sum(w.get("state") == "ALIVE" for w in s.get("workers", [])) >= self.n_workers

        self._wait(f"{self.n_workers} workers to register", registered, deadline)
        _say(f"{self.n_workers} workers registered ({self.cores} core, {self.memory} each)")

    def executor_tasks(self) -> dict[str, int]:
        """Tasks each worker's executors finished, by application id, counted in the executors' own
        logs (``WORK_DIR/APP_ID/EXECUTOR_ID/stderr``, Spark's INFO line "Finished task"): the proof
        that the queries ran on the workers and not in the driver."""
        tasks: dict[str, int] = {}
        for i in range(1, self.n_workers + 1):
            for log in sorted((self.folder / f"worker{i}").glob("app-*/*/stderr")):
                text = log.read_text(errors="replace")
                key = f"worker{i} {log.parent.parent.name}"
                tasks[key] = tasks.get(key, 0) + text.count("Finished task")
        return tasks


# --------------------------------------------------------------------------- timed runs
@dataclass
class RunResult:
    engine: str
    command: list[str]
    seconds: float
    tree_peak_mb: float  # the CLI process and everything it started (the driver JVM for Spark)
    python_peak_mb: float  # the CLI (driver) Python process alone
    jvm_peak_mb: float  # the driver JVM alone (0: none)
    executors_peak_mb: float  # all the workers' children: executor JVMs and their Python workers (0: none)
    log: str


def _timed_run(engine: str, cmd: list[str], env: dict[str, str], cwd: Path, log: Path,
               worker_pids: Sequence[int], interval: float, timeout: float) -> RunResult:
    """Run ``cmd``; wall time from start to exit (the main thread blocks in wait4), memory sampled from
    /proc every ``interval`` seconds by a thread."""
    cli, execs = TreeMemory(), TreeMemory()
    proc = _spawn(f"analyze ({engine})", cmd, env, log, cwd)
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            procs = _processes()
            cli.sample(_descendants([proc.pid], procs), procs)
            if worker_pids:
                execs.sample(_descendants(worker_pids, procs) - set(worker_pids), procs)
            done.wait(interval)

    thread = threading.Thread(target=sampler, daemon=True)
    t0 = time.perf_counter()
    thread.start()
    def kill() -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    finally:
        done.set()
        if timer:
            timer.cancel()
    thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        why = f"timed out after {timeout:.0f} s" if timeout and seconds >= timeout else f"exit {proc.returncode}"
        raise BenchError(f"analyze on {engine} failed ({why}): {_last_error(log)} (log: {log})")
    # ru_maxrss (kB): the largest single process among the CLI and its reaped children, exact but late.
    python_kb = cli.hwm_kb.get(proc.pid) or usage.ru_maxrss
    mb = 1024.0
    return RunResult(engine, cmd, seconds, max(cli.tree_peak_kb, python_kb) / mb, python_kb / mb,
                     cli.peak_of("java") / mb, execs.tree_peak_kb / mb, str(log))


# --------------------------------------------------------------------------- comparison
def _first_difference(a: Path, b: Path) -> str:
    la, lb = a.read_bytes().splitlines(), b.read_bytes().splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False), start=1):
        if x != y:
            return (f"line {i}:\n    duckdb: {x.decode(errors='replace')[:200]}\n"
                    f"    spark:  {y.decode(errors='replace')[:200]}")
    return f"{len(la):,} lines on DuckDB, {len(lb):,} on Spark (one is a prefix of the other)"


def compare_outputs(duck: Path, spark: Path, names: Sequence[str] = OUTPUTS) -> dict[str, str]:
    """Each output file name mapped to ``""`` when both folders hold it byte for byte equal, else to
    a description of the first difference."""
    result: dict[str, str] = {}
    for name in names:
        a, b = duck / name, spark / name
        missing = [eng for eng, p in (("DuckDB", a), ("Spark", b)) if not p.is_file()]
        if missing:
            result[name] = f"missing on {' and '.join(missing)}"
        elif a.read_bytes() != b.read_bytes():
            result[name] = _first_difference(a, b)
        else:
            result[name] = ""
    return result


# --------------------------------------------------------------------------- machine and input
def _machine() -> dict[str, Any]:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "?")
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "os": platform.platform()}


def _input_counts(db: Path) -> tuple[int, int]:
    """Posts and distinct posting accounts in the store ``db``."""
    from trendtrace.store import Store  # a results store over a data set has posts as a view

    with Store(db, read_only=True) as store:
        row = store.con.execute("SELECT count(*), count(DISTINCT account_id) FROM posts").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _data_files(path: Path) -> list[Path]:
    """The data files of a (simulated) folder: its top-level files, not ``labels/``; or ``path`` itself."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise BenchError(f"--data {path}: no such file or folder")
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise BenchError(f"--data {path}: no data file at the top of the folder (simulate writes e.g. tweets-v2.jsonl)")
    return files


def _simulate(out: Path, args: argparse.Namespace, env: dict[str, str], cwd: Path) -> list[Path]:
    cmd = [sys.executable, "-m", "trendtrace", "-q", "simulate", "--out", str(out), "--scenario", args.scenario,
           "--posts", str(args.posts), "--seed", str(args.seed), "--format", args.format]
    _say(f"simulating: {shlex.join(cmd)}")
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines() or ["(no output)"]
        raise BenchError(f"simulate failed (exit {r.returncode}): {lines[-1]}")
    _say(f"simulated in {time.perf_counter() - t0:.1f} s")
    return _data_files(out)


# --------------------------------------------------------------------------- the report
def _spark_size(size: str) -> str:
    """Spark's ``2g`` as ``2 GB``."""
    m = re.fullmatch(r"(\d+)([kmgt])b?", size.strip().lower())
    return f"{m.group(1)} {m.group(2).upper()}B" if m else size


def _fmt_mb(mb: float) -> str:
    return f"{mb:,.0f} MB" if mb else "–"


def markdown(rep: dict[str, Any]) -> str:
    """The Markdown section for docs/benchmarks.md."""
    m, c, inp = rep["machine"], rep["cluster"], rep["input"]
    duck, spark = rep["runs"]["duckdb"], rep["runs"]["spark"]
    differ = [n for n, d in rep["outputs"].items() if d]
    equal = "yes, all four byte for byte" if not differ else f"NO: {', '.join(differ)} differ"
    rows = [
        "| engine | wall s | peak memory, CLI process tree | CLI Python process | driver JVM | executors (sum) |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in (("DuckDB", duck), (f"Spark, {c['master']}", spark)):
        rows.append(f"| {label} | {r['seconds']:,.1f} | {_fmt_mb(r['tree_peak_mb'])} | {_fmt_mb(r['python_peak_mb'])} "
                    f"| {_fmt_mb(r['jvm_peak_mb'])} | {_fmt_mb(r['executors_peak_mb'])} |")
    rows.append(f"| Spark / DuckDB | {rep['ratio']['seconds']:.1f}× | {rep['ratio']['tree_peak_mb']:.1f}× "
                f"| {rep['ratio']['python_peak_mb']:.1f}× | | |")
    return "\n".join([
        f"## Spark standalone cluster against DuckDB (issue 16), {rep['date_utc']} UTC",
        "",
        "`bench/spark_cluster.py` starts a Spark standalone cluster on 127.0.0.1 with the `spark-class` launcher "
        f"of the pyspark package (Spark {c['spark']}, {c['java']}): {c['shape']}. It runs "
        "`python -m trendtrace analyze` as a child process twice on the same input, once on DuckDB and once with "
        f"`--engine spark` and `TRENDTRACE_SPARK_MASTER={c['master']}` (the CLI process is the driver; the "
        "workers' executors run the queries; both runs ingest the input into a store of their own first). Wall "
        "time is start to exit of the CLI process. Peak memory is sampled from /proc every "
        f"{rep['sample_interval_s']} s: the process tree's is the largest sum of RSS of the CLI process and "
        "all it started (the driver JVM for Spark); the CLI Python process and the driver JVM are each one "
        "process's own peak (VmHWM); executors is the largest sum of RSS of the workers' children (executor "
        "JVMs and their Python workers), not counted in the tree.",
        "",
        "```",
        rep["command"],
        "```",
        "",
        f"Input: {inp['posts']:,} posts by {inp['accounts']:,} accounts ({inp['source']}). Machine: `nproc` "
        f"{m['nproc']}, {m['cpu']}, {m['memory_gb']:.0f} GB, Python {m['python']}. Load average (1 min) "
        f"{rep['load_before'][0]:.2f} before, {rep['load_after'][0]:.2f} after.",
        "",
        *rows,
        "",
        "Tasks finished by the executors (their own logs): "
        + ", ".join(f"{k} {n:,}" for k, n in c.get("executor_tasks", {}).items()) + ".",
        "",
        f"Outputs equal (`{'`, `'.join(rep['outputs'])}`): {equal}.",
    ])


def _report(args: argparse.Namespace, argv: Sequence[str], cluster: Cluster, spark_version: str, java: str,
            source: str, counts: tuple[int, int], runs: dict[str, RunResult], outputs: dict[str, str],
            load_before: tuple[float, ...]) -> dict[str, Any]:
    exe = Path(sys.executable)
    exe_shown = os.path.relpath(exe, ROOT) if exe.is_relative_to(ROOT) else str(exe)
    duck, spark = runs["duckdb"], runs["spark"]
    shape = f"1 master, {cluster.n_workers} workers × {cluster.cores} core × {_spark_size(cluster.memory)}"

    def ratio(a: float, b: float) -> float:
        return round(a / b, 2) if b else 0.0

    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "command": shlex.join([exe_shown, os.path.relpath(Path(__file__).resolve(), ROOT), *argv]),
        "input": {"posts": counts[0], "accounts": counts[1], "source": source},
        "machine": _machine(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cluster": {"master": cluster.url, "spark": spark_version, "java": java,
                    "shape": shape,
                    "workers": cluster.n_workers, "worker_cores": cluster.cores, "worker_memory": cluster.memory,
                    "spark_conf": args.spark_conf},
        "sample_interval_s": args.interval,
        "runs": {k: {**vars(r), "seconds": round(r.seconds, 2),
                     **{f: round(getattr(r, f), 1) for f in ("tree_peak_mb", "python_peak_mb", "jvm_peak_mb",
                                                              "executors_peak_mb")}} for k, r in runs.items()},
        "ratio": {"seconds": ratio(spark.seconds, duck.seconds), "tree_peak_mb": ratio(spark.tree_peak_mb,
                  duck.tree_peak_mb), "python_peak_mb": ratio(spark.python_peak_mb, duck.python_peak_mb)},
        "outputs": outputs,
        "outputs_equal": not any(outputs.values()),
    }


# --------------------------------------------------------------------------- command line
def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="bench/spark_cluster.py", usage="%(prog)s [options] [-- ANALYZE ARGS ...]", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Anything after `--` is passed to both `trendtrace analyze` runs, e.g. `-- --window 30 --set "
               "NAME=VALUE`. Progress goes to stderr, the Markdown block to stdout.")
    data = ap.add_argument_group("input")
    data.add_argument("--posts", type=int, metavar="N", default=1_000_000,
                      help="simulate about this many posts (default: 1,000,000; the smoke test uses 3000)")
    data.add_argument("--format", choices=["x-v2", "parquet"], default="x-v2",
                      help="format of the simulated data file (default: x-v2, JSON lines)")
    data.add_argument("--scenario", default="default", metavar="NAME", help="simulator scenario (default: default)")
    data.add_argument("--seed", type=int, default=7, metavar="N", help="simulator seed (default: 7)")
    data.add_argument("--parquet", action="store_true",
                      help="convert the input once into a Parquet data set (`trendtrace convert`) and have both "
                           "runs read it in place (`analyze --posts DS/posts --accounts DS/accounts.parquet`), "
                           "Spark's executors reading the Parquet files themselves")
    data.add_argument("--data", type=Path, default=None, metavar="DIR",
                      help="reuse this simulated folder (its top-level data files) or data file instead of simulating")
    cl = ap.add_argument_group("cluster")
    cl.add_argument("--port", type=int, default=None, metavar="PORT", help="master port (default: a free port)")
    cl.add_argument("--webui-port", type=int, default=None, metavar="PORT",
                    help="master web UI port (default: a free port)")
    cl.add_argument("--workers", type=int, default=2, metavar="N", help="number of workers (default: 2)")
    cl.add_argument("--worker-cores", type=int, default=1, metavar="N", help="cores per worker (default: 1)")
    cl.add_argument("--worker-memory", default="2g", metavar="SIZE",
                    help="memory per worker, Spark syntax (default: 2g)")
    cl.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                    help="a line of spark-defaults.conf (SPARK_CONF_DIR of the cluster and the Spark run's "
                         "driver), repeatable (e.g. spark.driver.memory=4g; the default driver heap is 1g, "
                         "executors get 1g each)")
    cl.add_argument("--start-timeout", type=float, default=120, metavar="S",
                    help="seconds to wait for the master and the workers to come up (default: 120)")
    run = ap.add_argument_group("runs and output")
    run.add_argument("--workdir", type=Path, default=None, metavar="DIR",
                     help="folder for the data, stores, outputs and Spark logs, kept afterwards (default: a "
                          "temporary folder, removed at the end unless the outputs differ, a step fails or --keep)")
    run.add_argument("--keep", action="store_true", help="keep the temporary folder")
    run.add_argument("--timeout", type=float, default=0, metavar="S",
                     help="kill an analyze run after this many seconds and fail (default: 0, no limit)")
    run.add_argument("--interval", type=float, default=0.2, metavar="S",
                     help="memory sampling interval in seconds (default: 0.2)")
    run.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the results as JSON here")
    return ap


def _split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def _child_env(spark_home: Path, cluster_dir: Path, conf_dir: Path | None) -> dict[str, str]:
    """The environment of every child: this checkout's trendtrace first on PYTHONPATH (the executors'
    Python workers need it too), the same Python everywhere, Spark on 127.0.0.1 only."""
    env = dict(os.environ)
    env.pop("TRENDTRACE_SPARK_MASTER", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    env.update(SPARK_HOME=str(spark_home), SPARK_LOCAL_IP=HOST, PYSPARK_PYTHON=sys.executable,
               PYSPARK_DRIVER_PYTHON=sys.executable, SPARK_LOG_DIR=str(cluster_dir),
               SPARK_WORKER_DIR=str(cluster_dir), SPARK_PID_DIR=str(cluster_dir))
    if conf_dir is not None:
        env["SPARK_CONF_DIR"] = str(conf_dir)
    return env


def _spark_conf_lines(confs: Sequence[str]) -> list[str]:
    lines = []
    for kv in confs:
        key, sep, value = kv.partition("=")
        if not sep or not key.strip():
            raise BenchError(f"--spark-conf {kv!r}: write KEY=VALUE, e.g. spark.driver.memory=4g")
        lines.append(f"{key.strip()} {value.strip()}")
    return lines


def _spark_conf_dir(lines: Sequence[str], folder: Path) -> Path | None:
    """A SPARK_CONF_DIR holding ``lines`` as spark-defaults.conf (None: no lines, Spark's own defaults)."""
    if not lines:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spark-defaults.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@dataclass
class Preflight:
    """Everything checked before anything is started or written."""

    spark_home: Path
    spark_version: str
    java: str
    port: int
    webui_port: int
    data_files: list[Path] | None
    conf_lines: list[str]


def preflight(args: argparse.Namespace) -> Preflight:
    """Check pyspark, Java, the ports, the options and ``--data``; one-line :class:`BenchError` if not."""
    for option, n in (("--workers", args.workers), ("--worker-cores", args.worker_cores)):
        if n < 1:
            raise BenchError(f"{option} {n}: give 1 or more")
    if args.json and not args.json.parent.resolve().is_dir():
        raise BenchError(f"--json {args.json}: folder {args.json.parent} does not exist")
    conf_lines = _spark_conf_lines(args.spark_conf)
    files = _data_files(args.data) if args.data else None
    spark_home, spark_version = _spark_home()
    java = _java()
    port = _check_port(args.port, "--port") if args.port else _free_port()
    webui = _check_port(args.webui_port, "--webui-port") if args.webui_port else _free_port()
    return Preflight(spark_home, spark_version, java, port, webui, files, conf_lines)


def _analyze_cmd(files: Sequence[Path], work: Path, name: str, extra: Sequence[str],
                 dataset: Path | None = None) -> list[str]:
    source = (["--posts", str(dataset / "posts"), "--accounts", str(dataset / "accounts.parquet")] if dataset
              else [*map(str, files)])
    cmd = [sys.executable, "-m", "trendtrace", "analyze", *source, "--db", str(work / f"{name}.duckdb"),
           "--out", str(work / name)]
    return [*cmd, *(["--engine", "spark"] if name == "spark" else []), *extra]


def bench(args: argparse.Namespace, pre: Preflight, argv: Sequence[str], extra: Sequence[str],
          work: Path) -> dict[str, Any]:
    """Start the cluster, get the data, run both engines, compare; the report as a dict."""
    cluster_dir = work / "cluster"
    cluster_dir.mkdir(parents=True, exist_ok=True)
    env = _child_env(pre.spark_home, cluster_dir, _spark_conf_dir(pre.conf_lines, work / "conf"))
    load_before = os.getloadavg()
    cluster = Cluster(pre.spark_home, cluster_dir, env, pre.port, pre.webui_port, args.workers, args.worker_cores,
                      args.worker_memory)
    _say(f"starting Spark {pre.spark_version} standalone: 1 master, {args.workers} workers; logs in {cluster_dir}")
    cluster.start(args.start_timeout)
    if pre.data_files:
        files, source = pre.data_files, f"`{args.data}`"
    else:
        files = _simulate(work / "sim", args, env, work)
        source = f"`trendtrace simulate --scenario {args.scenario} --posts {args.posts} --seed {args.seed} " \
                 f"--format {args.format}`"
    dataset = None
    if args.parquet:
        dataset = work / "dataset"
        cmd = [sys.executable, "-m", "trendtrace", "-q", "convert", *map(str, files), "--out", str(dataset)]
        _say(f"converting to a Parquet data set: {shlex.join(cmd)}")
        t0 = time.monotonic()
        done = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise BenchError(f"convert failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        _say(f"converted in {time.monotonic() - t0:.1f} s")
        source += " converted with `trendtrace convert` and read in place (`analyze --posts`)"
    runs: dict[str, RunResult] = {}
    for name in ("duckdb", "spark"):
        key = "duck" if name == "duckdb" else "spark"
        cmd = _analyze_cmd(files, work, key, extra, dataset)
        run_env = {**env, "TRENDTRACE_SPARK_MASTER": cluster.url} if name == "spark" else env
        _say(f"running analyze on {name}: {shlex.join(cmd)}")
        runs[name] = r = _timed_run(name, cmd, run_env, work, work / f"{key}.log",
                                    cluster.worker_pids if name == "spark" else [], args.interval, args.timeout)
        _say(f"{name}: {r.seconds:.1f} s, process tree peak {r.tree_peak_mb:,.0f} MB")
    tasks = cluster.executor_tasks()
    if not sum(tasks.values()):
        raise BenchError(f"the Spark run finished but no executor on the cluster logged a finished task (logs in "
                         f"{cluster_dir}/worker*/app-*/): did it run on local[*]?")
    _say("tasks finished by the executors: " + ", ".join(f"{k}: {n:,}" for k, n in tasks.items()))
    outputs = compare_outputs(work / "duck", work / "spark")
    counts = _input_counts(work / "duck.duckdb")
    rep = _report(args, argv, cluster, pre.spark_version, pre.java, source, counts, runs, outputs, load_before)
    rep["cluster"]["executor_tasks"] = tasks
    return rep


def main(argv: Sequence[str] | None = None) -> int:
    own, extra = _split_argv(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(own)
    if not Path("/proc/self/stat").exists():
        print("error: this benchmark reads /proc to measure memory and stop processes: run it on Linux",
              file=sys.stderr)
        return 1
    shown_argv = [*own, *(["--", *extra] if extra else [])]
    try:
        pre = preflight(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    atexit.register(_stop_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    temporary = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="tt-spark-cluster-")) if temporary else args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    keep, code = args.keep or not temporary, 1
    try:
        rep = bench(args, pre, shown_argv, extra, work)
        code = 0 if rep["outputs_equal"] else 1
        for name, diff in rep["outputs"].items():
            if diff:
                _say(f"{name} differs between DuckDB and Spark at {diff}")
        print(markdown(rep), flush=True)
        if args.json:
            args.json.write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
            _say(f"wrote {args.json}")
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("error: interrupted (Ctrl-C)", file=sys.stderr)
        code = 130
    except SystemExit as exc:  # SIGTERM or SIGHUP, from _on_signal
        code = int(exc.code or 1)
        print(f"error: stopped by a signal (exit {code})", file=sys.stderr)
    finally:
        _stop_all()
    if temporary and not keep and code == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        _say(f"kept the work folder {work}")
    return code


if __name__ == "__main__":
    sys.exit(main())
