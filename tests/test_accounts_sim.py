"""Account signals on the simulator's default scenario, against its ground truth (labels/accounts.csv)."""

from __future__ import annotations

import csv
import json

import duckdb
import numpy as np
import pyarrow as pa
import pytest

import trendtrace.simulate as simulate_mod  # noqa: E402

from trendtrace.accounts import account_signals  # noqa: E402
from trendtrace.accounts.origin import offset_distance, zone_offset  # noqa: E402
from trendtrace.settings import Settings  # noqa: E402


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    simulate_mod.simulate(out, "default", seed=7, fmt="coortweet")  # writes labels/accounts.csv
    with (out / "labels" / "accounts.csv").open(newline="", encoding="utf-8") as f:
        truth = {r["account_id"]: r for r in csv.DictReader(f)}
    parts = list(simulate_mod.generate("default", seed=7))
    con = duckdb.connect()
    con.register("_p", pa.concat_tables([p for p, _ in parts]))
    con.register("_a", pa.concat_tables([a for _, a in parts]))
    con.execute("CREATE TABLE posts AS SELECT * FROM _p")
    con.execute("CREATE TABLE accounts AS SELECT * FROM _a")
    # Pool by the true networks, as the coordination stage would find them.
    con.register("_t", pa.table({"account_id": list(truth), "cluster": [
        r["label"] if r["label"] != "organic" else None for r in truth.values()]}))
    con.execute("CREATE TABLE account_coordination AS SELECT account_id, cluster, 0.0 AS coordination_score, "
                "cluster IS NOT NULL AS coordinated, 0 AS degree FROM _t")
    account_signals(con, Settings(home_tz="Asia/Karachi"))  # the simulated home, given
    rel = con.sql("SELECT * FROM account_signals")
    rows = {r[0]: dict(zip(rel.columns, r, strict=False)) for r in rel.fetchall()}
    when = con.sql("SELECT quantile_disc(time, 0.5) FROM posts").fetchall()[0][0]
    return con, rows, truth, when


def test_offset_within_one_hour_for_active_accounts(sim):
    _, rows, truth, when = sim
    active = [(r, truth[a]) for a, r in rows.items() if r["posts"] >= 50 and a in truth]
    assert len(active) >= 100
    hits = [offset_distance(r["utc_offset"], zone_offset(t["tz"], when)) <= 1 for r, t in active]
    assert np.mean(hits) >= 0.9


def test_batch_created_accounts_flagged(sim):
    _, rows, truth, _ = sim
    batch = [a for a, t in truth.items() if t["created_batch"]]
    assert len(batch) >= 50
    flagged = [("created the same day as" in (rows[a]["reasons"] or "")) for a in batch]
    assert np.mean(flagged) >= 0.8


def test_campaign_accounts_score_high(sim):
    _, rows, truth, _ = sim
    camp = [rows[a]["inauthenticity_score"] for a, t in truth.items() if t["label"] != "organic"]
    org = [rows[a]["inauthenticity_score"] for a, t in truth.items() if t["label"] == "organic"]
    assert np.mean(np.array(camp) >= 0.5) >= 0.9
    assert np.mean(np.array(org) >= 0.5) <= 0.15
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score([1] * len(camp) + [0] * len(org), camp + org) >= 0.95


def test_personas_found(sim):
    _, rows, truth, _ = sim
    for persona in ("news", "woman"):
        want = [a for a, t in truth.items() if t["persona"] == persona and t["label"] != "organic"]
        assert want
        assert np.mean([rows[a]["persona"] == persona for a in want]) >= 0.8, persona


def test_cluster_origin_and_persona_mix(sim):
    con, _, _, when = sim
    home = zone_offset("Asia/Karachi", when)
    rows = con.sql("SELECT cluster, utc_offset, confidence, persona_mix, persona_baseline, origin_note "
                   "FROM cluster_origin").fetchall()
    assert rows
    for _cluster, off, conf, mix, base, note in rows:
        assert off is not None and conf > 0.9
        assert offset_distance(off, home) > 1.5
        assert "not the home zone Asia/Karachi (UTC+5)" in note
        assert json.loads(mix).get("none", 0) < json.loads(base).get("none", 0)
