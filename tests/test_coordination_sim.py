"""Campaign recovery on the simulator: networks found, organic surges left alone."""

from __future__ import annotations

import csv

import duckdb
import pyarrow as pa
import pytest

import trendtrace.simulate as simulate_mod
from trendtrace.coordination import coordination
from trendtrace.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_scenario(tmp_path_factory):
    """The default scenario (seed 7) in a store, and the truth: account -> label."""
    posts = [p for p, _ in simulate_mod.generate("default")]
    con = duckdb.connect()
    con.register("_p", pa.concat_tables(posts))
    con.execute("CREATE TABLE posts AS SELECT * FROM _p")
    con.unregister("_p")
    out = tmp_path_factory.mktemp("sim")
    sim = simulate_mod.simulate(out, "default", fmt="parquet")
    with open(sim.labels_dir / "accounts.csv", newline="", encoding="utf-8") as fh:
        labels = {r["account_id"]: r["label"] for r in csv.DictReader(fh)}
    return con, labels, sim.truth


def test_default_scenario_precision_and_recall(default_scenario) -> None:
    con, labels, truth = default_scenario
    counts = coordination(con, Settings())
    flagged = {a for a, c in con.execute("SELECT account_id, coordinated FROM account_coordination").fetchall() if c}
    network = {a for a, lab in labels.items() if lab != "organic"}
    tp = len(flagged & network)
    precision, recall = tp / max(1, len(flagged)), tp / len(network)
    # measured on seed 7: precision 0.949, recall 1.000 (253 flagged, 240 network accounts); 0.930 before
    # the null counted repeat actions (docs/coordination.md §8)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall, counts)


def test_default_scenario_surges_give_close_to_no_edges(default_scenario) -> None:
    con, labels, truth = default_scenario
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'edges'").fetchall()[0][0]:
        coordination(con, Settings())
    edges = con.execute("SELECT account_a, account_b FROM edges").fetchall()
    organic = sum(1 for a, b in edges if labels.get(a) == "organic" and labels.get(b) == "organic")
    # thousands of surge participants (truth["surges"]) give a handful of organic-organic edges
    participants = sum(s["participants"] for s in truth["surges"])
    assert participants > 1000
    assert organic <= 0.005 * len(edges), (organic, len(edges))


def test_realistic_scenario_keeps_most_organic_co_activity_unflagged(tmp_path_factory) -> None:
    """The harder default scenario: organisations, live-tweeting fans and heavy retweeters really
    co-act; a drip campaign never bursts. Measured on seed 7 (docs/validity.md): precision 0.60,
    recall 0.68; the bursting networks are found, the drip network is missed (each pair of its
    accounts shares few posts), and the organic accounts flagged are organisation members and
    cricket fans who repost the same little-shared posts within the hour (slow_retweet) — far more
    often than members of Congress do (docs/simulator.md). The 0.95 target is not met; this test
    holds what is met: the bursting networks, and the everyday organic population left alone."""
    posts = [p for p, _ in simulate_mod.generate("realistic")]
    con = duckdb.connect()
    con.register("_p", pa.concat_tables(posts))
    con.execute("CREATE TABLE posts AS SELECT * FROM _p")
    con.unregister("_p")
    sim = simulate_mod.simulate(tmp_path_factory.mktemp("realistic"), "realistic", fmt="coortweet")
    with open(sim.labels_dir / "accounts.csv", newline="", encoding="utf-8") as fh:
        labels = {r["account_id"]: (r["label"], r["group"]) for r in csv.DictReader(fh)}
    coordination(con, Settings())
    flagged = {a for a, c in con.execute("SELECT account_id, coordinated FROM account_coordination").fetchall() if c}
    bursting = {a for a, (lab, grp) in labels.items() if lab in ("bluewave-digital", "crescent-reach")}
    organic = {a for a, (lab, _) in labels.items() if lab == "organic"}
    everyday = {a for a, (lab, grp) in labels.items() if lab == "organic" and not grp}
    assert len(flagged & bursting) >= 0.95 * len(bursting)
    assert len(flagged & organic) <= 0.02 * len(organic), len(flagged & organic)  # measured 96 of 7,076
    assert len(flagged & everyday) <= 0.001 * len(everyday), len(flagged & everyday)  # measured 1 of 6,528
