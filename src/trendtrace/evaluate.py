"""Compare an analysed store with a simulator's ground truth (``labels/`` written by ``simulate``).

Used by the demo, the recovery tests and the benchmarks. Reads result tables; computes nothing about
the data itself.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb

__all__ = ["coordination_recovery", "trend_accuracy", "read_labels"]


def read_labels(labels_dir: str | Path, name: str) -> list[dict[str, str]]:
    with open(Path(labels_dir) / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def coordination_recovery(con: duckdb.DuckDBPyConnection, labels_dir: str | Path) -> dict[str, Any]:
    """Precision and recall of ``account_coordination.coordinated`` against campaign membership.

    An account is truly coordinated when its label is not ``organic``. Accounts absent from the
    posts (labelled but silent) are ignored. Also returns, per found cluster, its size and purity
    (share of its accounts from its majority label).
    """
    truth = {r["account_id"]: r["label"] for r in read_labels(labels_dir, "accounts")}
    rows = con.execute("SELECT account_id, coordinated, cluster FROM account_coordination").fetchall()
    tp = fp = fn = 0
    clusters: dict[str, Counter[str]] = {}
    for account_id, coordinated, cluster in rows:
        label = truth.get(account_id, "organic")
        campaign = label != "organic"
        if coordinated and campaign:
            tp += 1
        elif coordinated:
            fp += 1
        elif campaign:
            fn += 1
        if cluster is not None and coordinated:
            clusters.setdefault(cluster, Counter())[label] += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    found = []
    for cluster, labels in sorted(clusters.items(), key=lambda kv: -sum(kv[1].values())):
        label, n = labels.most_common(1)[0]
        size = sum(labels.values())
        found.append({"cluster": cluster, "accounts": size, "majority": label, "purity": n / size})
    return {"precision": precision, "recall": recall, "true_positives": tp, "false_positives": fp,
            "false_negatives": fn, "clusters": found}


def trend_accuracy(con: duckdb.DuckDBPyConnection, labels_dir: str | Path) -> dict[str, Any]:
    """Share of labelled trends whose verdict equals the simulator's truth, with the confusion."""
    truth = {r["trend"]: r["truth"] for r in read_labels(labels_dir, "trends")}
    verdicts = dict(con.execute("SELECT trend, verdict FROM trends").fetchall())
    pairs = [(truth[t], verdicts[t]) for t in truth if t in verdicts]
    confusion = Counter(pairs)
    correct = sum(n for (t, v), n in confusion.items() if t == v)
    return {"accuracy": correct / len(pairs) if pairs else float("nan"), "trends": len(pairs),
            "missing": sorted(t for t in truth if t not in verdicts),
            "confusion": {f"{t}->{v}": n for (t, v), n in sorted(confusion.items())}}
