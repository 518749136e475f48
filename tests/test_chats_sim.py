"""Orders matched to the right accounts on the simulator's truth (issue 18, item 5).

The simulator writes the WhatsApp group behind each campaign (``chats/<campaign>.txt``, on the
operators' clock) and the truth: which chat line is which simulated instruction
(``labels/chat_instructions.csv``), every post that carried one out (``chat_executions.csv``) and the
organic people who used the same hashtags before the order and after it (``chat_bystanders.csv``).
``trendtrace analyze POSTS --chats ...`` runs through the command line; (instruction, account) pairs
are scored against the truth, and bystanders must stay out. The simulator is not evidence of accuracy
on real cases (docs/chats.md): it checks that the pieces fit.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

TRENDTRACE = [sys.executable, "-m", "trendtrace", "-q"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}

pytestmark = pytest.mark.slow


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _score(root: Path, out: Path) -> dict[str, float]:
    """Precision and recall of (simulated instruction, account) pairs, and bystanders let in."""
    labels = root / "labels"
    line_to_j = {(r["chat"], int(r["line"])): r["instruction"] for r in _csv(labels / "chat_instructions.csv")}
    truth: dict[str, set[str]] = defaultdict(set)
    for r in _csv(labels / "chat_executions.csv"):
        truth[r["instruction"]].add(r["account_id"])
    ours = {r["instruction"]: line_to_j.get((r["chat"], int(r["line"]))) for r in _csv(out / "instructions.csv")}
    pred: dict[str | None, set[str]] = defaultdict(set)
    for r in _csv(out / "executions.csv"):
        pred[ours[r["instruction"]]].add(r["account_id"])
    tp = sum(len(pred[j] & truth[j]) for j in truth)
    n_pred = sum(len(a) for a in pred.values())  # orders with no simulated instruction: all false
    n_true = sum(len(a) for a in truth.values())
    bystanders = {(r["instruction"], r["account_id"]) for r in _csv(labels / "chat_bystanders.csv")}
    operators = {a for accts in truth.values() for a in accts}
    let_in = {(j, a) for j, accts in pred.items() for a in accts
              if (j, a) in bystanders and a not in operators}
    return {"precision": tp / n_pred, "recall": tp / n_true, "pairs": n_true, "predicted": n_pred,
            "bystanders_in": len(let_in), "bystanders": len(bystanders), "orders_read": len(ours),
            "orders_unmatched": sum(1 for j in ours.values() if j is None)}


@pytest.mark.parametrize("scenario,seed", [("small", 7), ("default", 3)])
def test_orders_are_matched_to_the_accounts_that_carried_them_out(tmp_path: Path, scenario: str, seed: int) -> None:
    root = tmp_path / "sim"
    args = ["--posts", "20000"] if scenario == "default" else []
    r = subprocess.run([*TRENDTRACE, "simulate", "--out", str(root), "--scenario", scenario, "--seed", str(seed),
                        "--format", "csv", *args], capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    chats = json.loads((root / "labels" / "truth.json").read_text(encoding="utf-8"))["chats"]
    assert chats, "the scenario has no chat to test"
    zones = [x for c in chats for x in ("--chat-tz", c["chat_tz"])]
    out = tmp_path / "out"
    r = subprocess.run([*TRENDTRACE, "analyze", str(root / "posts.csv"), "--out", str(out),
                        *[x for c in chats for x in ("--chats", str(root / c["path"]))], *zones],
                       capture_output=True, text=True, env=ENV, timeout=600)
    assert r.returncode == 0, r.stderr
    s = _score(root, out)
    print(scenario, s)  # the figures quoted in docs/chats.md
    assert s["orders_unmatched"] == 0, s  # no chatter read as an order
    assert s["orders_read"] == len(_csv(root / "labels" / "chat_instructions.csv")), s
    assert s["precision"] >= 0.95 and s["recall"] >= 0.95, s
    assert s["bystanders"] > 0 and s["bystanders_in"] <= 0.05 * s["bystanders"], s
