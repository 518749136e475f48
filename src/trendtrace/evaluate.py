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

__all__ = ["coordination_recovery", "trend_accuracy", "read_labels", "chat_recovery"]


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


def chat_recovery(con: duckdb.DuckDBPyConnection, labels_dir: str | Path) -> dict[str, Any]:
    """Precision and recall of (simulated instruction, account) pairs found by the chats stage
    against the simulator's truth (``chat_instructions.csv``, ``chat_executions.csv``), and the
    organic users of the orders' hashtags (``chat_bystanders.csv``) let in.

    Orders read from messages that are no simulated instruction count wholly as false positives.
    """
    line_to_j = {(r["chat"], int(r["line"])): r["instruction"] for r in read_labels(labels_dir, "chat_instructions")}
    truth: dict[str, set[str]] = {}
    for r in read_labels(labels_dir, "chat_executions"):
        truth.setdefault(r["instruction"], set()).add(r["account_id"])
    ours = {i: line_to_j.get((c, int(ln))) for i, c, ln in con.execute(
        "SELECT instruction, chat, line FROM instructions").fetchall()}
    pred: dict[str | None, set[str]] = {}
    for i, a in con.execute("SELECT instruction, account_id FROM executions").fetchall():
        pred.setdefault(ours[i], set()).add(a)
    tp = sum(len(pred.get(j, set()) & accts) for j, accts in truth.items())
    n_pred = sum(len(a) for a in pred.values())
    n_true = sum(len(a) for a in truth.values())
    operators = set().union(*truth.values()) if truth else set()
    bystanders = {(r["instruction"], r["account_id"]) for r in read_labels(labels_dir, "chat_bystanders")
                  if r["account_id"] not in operators}
    let_in = {(j, a) for j, accts in pred.items() for a in accts if (j, a) in bystanders}
    return {"precision": tp / n_pred if n_pred else None, "recall": tp / n_true if n_true else None,
            "pairs": n_true, "found": n_pred, "orders": len(ours),
            "orders_not_in_truth": sum(1 for j in ours.values() if j is None),
            "bystanders": len(bystanders), "bystanders_in": len(let_in)}
