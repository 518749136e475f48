"""The validity harness (bench/validity.py) runs on a sample of the real labelled data, so it cannot
rot: every trendtrace figure has its baseline beside it, on both halves."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
sys.path.insert(0, str(BENCH))

import _validity_common as vc  # noqa: E402
import validity  # noqa: E402


def test_split_is_stable_and_balanced() -> None:
    keys = [str(i) for i in range(4000)]
    halves = [vc.half_of(k) for k in keys]
    assert halves == [vc.half_of(k) for k in keys]  # no salted hash: same split every run
    assert 0.45 < halves.count("calibration") / len(keys) < 0.55
    assert vc.half_of("123", seed=1) in vc.HALVES


def test_metrics_against_hand_counts() -> None:
    y = [1, 1, 1, 0, 0, 0]
    s = [0.9, 0.8, 0.3, 0.85, 0.1, 0.2]
    # pairs (pos, neg) ranked right: 0.9 beats all 3, 0.8 beats 2 (not 0.85), 0.3 beats 2: 7 of 9
    assert vc.auc(y, s) == pytest.approx(7 / 9)
    assert vc.recall_fpr(y, [True, False, False, True, False, False]) == (1 / 3, 1 / 3)
    assert vc.recall_at_fpr(y, s, 0.0) == pytest.approx(1 / 3)  # only 0.9 is above every negative
    assert vc.recall_at_fpr(y, s, 0.34) == 1.0  # one negative (0.85) allowed


def test_markdown_puts_halves_side_by_side() -> None:
    rows = [vc.Row("set", "recall", "trendtrace", "calibration", 0.5, 10),
            vc.Row("set", "recall", "trendtrace", "held-out", 0.25, 12)]
    md = validity.markdown(rows)
    assert "| set | recall | trendtrace | 0.500 | 0.250 |  | 10 / 12 |" in md


def test_single_statistic_takes_missing_as_least_suspicious() -> None:
    import numpy as np

    y = np.array([1, 1, 0, 0, 1, 0], dtype=bool)
    cal = np.array([True, True, True, True, False, False])
    x = np.array([0.1, 0.2, 0.8, np.nan, np.nan, 0.9])  # lower = positive on the calibration half
    xo, sign = validity.orient_missing_low(x, y, cal)
    assert sign == -1 and vc.auc(y[cal], xo[cal]) == 1.0
    assert np.isneginf(xo[3]) and np.isneginf(xo[4])  # below every value, whichever the direction
    xo, sign = validity.orient_missing_low(-x, y, cal)
    assert sign == 1 and np.isneginf(xo[3])


@pytest.mark.skipif(not (DATA / "ira2017_congress" / "posts.parquet").exists(),
                    reason="the real labelled data (../shared/data/ira2017_congress) is absent; "
                           "a fresh checkout has none")
def test_harness_on_a_sample_of_real_data(tmp_path: Path) -> None:
    rows = validity.run(["ira2017", "sim"], DATA, tmp_path, sample=150)
    ira = [r for r in rows if r.dataset == "ira2017_congress"]
    for metric in ("recall", "fpr", "coordination_auc", "account_auc", "trend_auc"):
        for half in vc.HALVES:
            got = [r for r in ira if r.metric == metric and r.half == half]
            assert any(r.method == "trendtrace" for r in got), (metric, half)
            assert any(r.method != "trendtrace" for r in got), (metric, half)  # a baseline beside it
    for r in rows:
        if r.metric in ("recall", "fpr", "coordination_auc", "account_auc", "precision"):
            assert math.isnan(r.value) or 0.0 <= r.value <= 1.0, r
    for half in vc.HALVES:  # the rules alone beside the shipped score, and the margin over the best feature
        got = {(r.metric, r.method): r for r in ira if r.half == half}
        rules = got[("account_auc", vc.RULES_ONLY)]
        assert math.isfinite(rules.value) and rules.n == got[("account_auc", "trendtrace")].n
        margin = [r for (m, _), r in got.items() if m == "account_auc_margin"]
        best = [r for (m, meth), r in got.items() if m == "account_auc" and meth.startswith("best single feature")]
        assert len(margin) == 1 and len(best) == 1
        assert margin[0].value == pytest.approx(got[("account_auc", "trendtrace")].value - best[0].value)
    for half in vc.HALVES:  # every single statistic of the trends, the best on the calibration half, the margin
        got = [r for r in ira if r.half == half and r.metric in ("trend_auc", "trend_auc_margin")]
        single = {r.method.removeprefix("single statistic: "): r for r in got
                  if r.method.startswith("single statistic: ")}
        assert {"coordinated_share", "suspect_share", "burst_score", "sustained_score", "repost_share",
                "home_tz_misfit_share", "onset_minutes", "posts"} <= set(single), sorted(single)
        assert not set(single) & {"score", "verdict", "cost_usd_low", "cost_usd_high", "background_share", "trend"}
        assert all("least suspicious" in r.note for r in single.values())
        best = [r for r in got if r.metric == "trend_auc" and r.method.startswith("best single statistic (")]
        margin = [r for r in got if r.metric == "trend_auc_margin"]
        assert len(best) == 1 and len(margin) == 1, (best, margin)
        best_col = best[0].method.removeprefix("best single statistic (").removesuffix(")")
        assert best_col in single and best[0].value == pytest.approx(single[best_col].value, nan_ok=True)
        ours = next(r for r in got if r.metric == "trend_auc" and r.method == "trendtrace")
        assert margin[0].value == pytest.approx(ours.value - best[0].value, nan_ok=True)
    sim = {r.metric: r.value for r in rows if r.dataset.startswith("simulator") and r.method == "trendtrace"}
    assert sim["precision"] > 0.5 and sim["recall"] > 0.5
    suspect = {(r.metric, r.method): r for r in rows if r.metric.endswith("_accounts_suspect")}
    for metric in ("organic_accounts_suspect", "campaign_accounts_suspect"):
        for method in ("trendtrace", vc.RULES_ONLY):
            r = suspect[(metric, method)]
            assert r.half == "all" and r.n > 0 and 0.0 <= r.value <= 1.0, r
