"""Trend verdicts against the simulator's truth: accuracy, organic surges, overlap of reused accounts."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from trendtrace.settings import Settings
from trendtrace.trends import Campaign, trend_verdicts

import trendtrace.simulate as simulate_mod  # noqa: E402


def _sim(tmp: Path, scenario: str, seed: int, posts: int | None = None) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A store with the simulated posts and accounts, and the labels directory of the same run."""
    con = duckdb.connect()
    parts = list(simulate_mod.generate(scenario, seed, posts))
    for name, i in (("posts", 0), ("accounts", 1)):
        con.register("_in", pa.concat_tables([p[i] for p in parts]))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _in")
        con.unregister("_in")
    simulate_mod.simulate(tmp, scenario, seed, posts, fmt="coortweet")
    return con, tmp / "labels"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _truth_campaigns(labels: Path) -> list[Campaign]:
    camps: dict[str, list[str]] = {}
    for r in _rows(labels / "trends.csv"):
        if r["campaign"]:
            camps.setdefault(r["campaign"], []).append(r["trend"])
    return [Campaign(n, tuple(h)) for n, h in camps.items()]


def _accuracy(con: duckdb.DuckDBPyConnection, labels: Path) -> tuple[float, list[tuple[str, str, str, float]]]:
    truth = {r["trend"]: r["truth"] for r in _rows(labels / "trends.csv")}
    got = {t: (v, s) for t, v, s in con.execute(
        "SELECT trend, verdict, score FROM trends WHERE trend_kind = 'hashtag'").fetchall()}
    wrong = [(t, truth[t], got[t][0], got[t][1]) for t in truth if t in got and got[t][0] != truth[t]]
    missing = [t for t in truth if t not in got]
    assert not missing, f"trends of the truth file without a verdict: {missing}"
    return 1 - len(wrong) / len(truth), wrong


def test_overlap_matches_the_simulators_reuse_of_accounts(tmp_path: Path) -> None:
    """With the truth's accounts as the coordinated ones, the overlap between campaigns and the
    accounts in >= 3 unrelated campaigns equal the simulator's reuse exactly (reuse counted over the
    accounts that actually posted for a campaign: the simulator also assigns a few accounts that
    then draw no action)."""
    con, labels = _sim(tmp_path, "small", 7)
    accounts = _rows(labels / "accounts.csv")
    con.register("_c", pa.Table.from_pylist([
        dict(account_id=r["account_id"], cluster=r["label"], coordination_score=1.0,
             coordinated=r["label"] != "organic", degree=1) for r in accounts]))
    con.execute("CREATE TABLE account_coordination AS SELECT * FROM _c")
    campaigns = _truth_campaigns(labels)
    acted: dict[str, set[str]] = {c.name: set() for c in campaigns}
    for r in _rows(labels / "posts.csv"):
        if r["label"] in acted:
            acted[r["label"]].add(r["account_id"])
    expect = {tuple(sorted((a, b))): len(acted[a] & acted[b]) for a, b in itertools.combinations(acted, 2)}
    assert all(expect.values())  # the scenario does reuse accounts across its three campaigns

    trend_verdicts(con, Settings(), campaigns)
    got = {(a, b): n for a, b, n in con.execute(
        "SELECT campaign_a, campaign_b, shared_accounts FROM overlap WHERE kind_a = 'campaign' AND kind_b = 'campaign'"
    ).fetchall()}
    assert got == expect
    jac = {(a, b): j for a, b, j in con.execute(
        "SELECT campaign_a, campaign_b, jaccard FROM overlap "
        "WHERE kind_a = 'campaign' AND kind_b = 'campaign'").fetchall()}
    for (a, b), n in expect.items():
        assert jac[a, b] == pytest.approx(n / len(acted[a] | acted[b]))
    in_all = set.intersection(*acted.values())
    multi = {r[0]: r[1]
             for r in con.execute("SELECT account_id, campaign_list FROM multi_campaign_accounts").fetchall()}
    assert set(multi) == in_all
    assert set(multi.values()) == {"; ".join(sorted(acted))}

    # Without the campaigns file, the hashtags each campaign pushes together are grouped into one
    # campaign from the data alone, and the same accounts come out.
    trend_verdicts(con, Settings())
    multi2 = {r[0]: r[1]
              for r in con.execute("SELECT account_id, campaign_list FROM multi_campaign_accounts").fetchall()}
    assert set(multi2) == in_all
    assert all(v.count("; ") == 2 for v in multi2.values())


def _pipeline(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Run the upstream stages that exist, as ``analyze`` does, then the trends stage."""
    s = Settings()
    ran: dict[str, Any] = {}
    try:
        from trendtrace.coordination import coordination
    except ImportError:  # pragma: no cover - stage not built
        coordination = None
    try:
        from trendtrace.accounts import account_signals
    except ImportError:  # pragma: no cover - stage not built
        account_signals = None
    if coordination is not None:
        ran["coordination"] = coordination(con, s)
    if account_signals is not None:
        ran["accounts"] = account_signals(con, s)
    ran["trends"] = trend_verdicts(con, s)
    return ran


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 11, 23])
def test_verdict_accuracy_on_the_default_scenario(tmp_path: Path, seed: int) -> None:
    con, labels = _sim(tmp_path, "default", seed)
    _pipeline(con)
    acc, wrong = _accuracy(con, labels)
    assert acc >= 0.9, wrong
    truth = _rows(labels / "trends.csv")
    verdict = dict(con.execute("SELECT trend, verdict FROM trends WHERE trend_kind = 'hashtag'").fetchall())
    for r in truth:  # organic surges must stay organic, whatever the rest does
        if r["kind"].endswith("surge"):
            assert verdict[r["trend"]] == "organic", r


@pytest.mark.slow
def test_no_campaign_means_every_trend_organic(tmp_path: Path) -> None:
    con, labels = _sim(tmp_path, "organic", 5, posts=15_000)
    _pipeline(con)
    bad = con.execute("SELECT trend, verdict, score FROM trends WHERE verdict <> 'organic' AND posts >= 20").fetchall()
    assert not bad


def _pct(x: float) -> str:
    """The evidence sentences' percentage format, written out again here (not imported)."""
    p = 100 * x
    return "under 1 %" if 0 < p < 1 else "over 99 %" if 99 < p < 100 else f"{p:.0f} %"


def test_every_number_in_the_evidence_and_the_cost_is_recomputed_from_the_table(tmp_path: Path) -> None:
    """Each percentage, count and cost the evidence sentences and the cost table state is recomputed
    here from the same ``trends`` row (default scenario, seed 7): the words never drift from the
    numbers. Organic trends carry no cost, in ``trends`` and in ``cost``."""
    import re

    con, _ = _sim(tmp_path, "default", 7)
    _pipeline(con)
    s = Settings()
    lo, hi = float(s["price_low"]), float(s["price_high"])
    rows = con.sql("SELECT * FROM trends")
    cols = rows.columns
    checked = 0
    for r in (dict(zip(cols, x, strict=False)) for x in rows.fetchall()):
        # a sentence may open with "Under 1 %" / "Over 99 %": compare without case
        ev, posts = r["evidence"].lower(), r["posts"]
        weighted = (f"its posts score {_pct(r['suspect_weight'] / posts)}, against {_pct(r['background_share'])} "
                    "for an ordinary trend").lower()
        if r["verdict"] != "organic" and r["shape"] == "sustained":
            assert f"wrote {_pct(r['suspect_posts'] / posts)} of its posts; weighted".lower() in ev
            assert weighted in ev
        elif r["verdict"] != "organic":
            assert f"{_pct(r['suspect_spell_posts'] / posts)} of the posts came in".lower() in ev
            assert f"such accounts wrote {_pct(r['suspect_posts'] / posts)} of all its posts".lower() in ev
        else:
            assert f"such accounts wrote {_pct(r['suspect_posts'] / posts)} of all its posts; weighted".lower() in ev
            assert weighted in ev
        if r["coordinated_posts"]:
            assert f"{_pct(r['coordinated_posts'] / posts)} of the posts ({r['coordinated_posts']:,}) came from " \
                   f"{r['coordinated_accounts']:,} account".lower() in ev
        if r["coordinated_posts"] and r["coordinated_min_p"] is not None:
            assert f"probability {r['coordinated_min_p']:.1g} under the null model".lower() in ev
        if r["inauthentic_posts"]:
            assert f"{_pct(r['inauthentic_posts'] / posts)} of the posts came from {r['inauthentic_accounts']:,} " \
                   "account".lower() in ev
        if r["text_posts"] and r["text_posts"] >= 5:
            assert f"{_pct(r['templated_posts'] / r['text_posts'])} of the {r['text_posts']:,} post".lower() in ev
        assert f"{_pct(r['repost_share'])} of the posts were reposts".lower() in ev
        m = re.search(r"estimated cost if each of the ([\d,]+) suspect posts? was paid for at "
                      r"\$([\d.]+)–\$([\d.]+): \$([\d,.]+)–\$([\d,.]+)", ev)
        if r["verdict"] == "organic":
            assert m is None and r["cost_usd_low"] is None and r["cost_usd_high"] is None
        elif r["suspect_posts"]:
            n = int(m.group(1).replace(",", ""))
            assert n == r["suspect_posts"] and float(m.group(2)) == lo and float(m.group(3)) == hi
            assert float(m.group(4).replace(",", "")) == pytest.approx(round(n * lo, 2))
            assert float(m.group(5).replace(",", "")) == pytest.approx(round(n * hi, 2))
            assert (r["cost_usd_low"], r["cost_usd_high"]) == (pytest.approx(n * lo), pytest.approx(n * hi))
        checked += 1
    assert checked >= 20
    # The cost table: one row per trend not called organic, with the same count and arithmetic.
    cost = {(sc, name): (n, a, b) for sc, name, n, a, b in con.execute(
        "SELECT scope, name, inauthentic_posts, cost_usd_low, cost_usd_high FROM cost WHERE scope <> 'all'").fetchall()}
    verdicts = {(k, t): (v, sp) for t, k, v, sp in con.execute(
        "SELECT trend, trend_kind, verdict, suspect_posts FROM trends").fetchall()}
    assert set(cost) == {k for k, (v, _) in verdicts.items() if v != "organic"}
    for key, (n, a, b) in cost.items():
        assert n == verdicts[key][1] and a == pytest.approx(round(n * lo, 2)) and b == pytest.approx(round(n * hi, 2))
    # The total counts each post once, and the report shows the table, not a sum of its own.
    (total,) = con.execute("SELECT inauthentic_posts FROM cost WHERE scope = 'all'").fetchall()[0]
    assert max(n for n, _, _ in cost.values()) <= total <= sum(n for n, _, _ in cost.values())
    from trendtrace.report.data import report_data

    shown = report_data(con, s)["cost"]
    assert shown["total"]["suspect_posts"] == total
    assert shown["total"]["cost_usd_high"] == pytest.approx(round(total * hi, 2))
    assert {r["trend"] for r in shown["trends"]} == {name for (_, name), (n, _, _) in cost.items() if n}
