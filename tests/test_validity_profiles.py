"""bench/_validity_profiles.py on small deterministic samples of the real labelled sets.

Every function of the module is run once with ``sample=300`` on ``../shared/data`` (skipped with the
reason when that folder or the set is absent) and its rows are checked for shape: both halves of
the split, values in [0, 1] (or NaN with a note saying why), and a baseline computed on the same
items beside every figure of trendtrace's own.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import _validity_profiles as vp  # noqa: E402
from _validity_common import HALVES, RULES_ONLY, Row  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLE = 300

#: function name -> folder it needs under ../shared/data
NEEDS = {
    "cresci2017": "cresci2017_profiles",
    "social_honeypot": "social_honeypot",
    "astro_bots": "ephemeral_astroturfing",
    "astro_trends": "ephemeral_astroturfing",
}

_cache: dict[str, list[Row]] = {}


def _rows(name: str) -> list[Row]:
    folder = DATA / NEEDS[name]
    if not folder.is_dir():
        pytest.skip(f"real data not present at {folder} (only on the development machine; see "
                    "../shared/data/SOURCES.md)")
    if name not in _cache:
        _cache[name] = getattr(vp, name)(DATA, sample=SAMPLE)
    return _cache[name]


def _ours(r: Row) -> bool:
    """trendtrace's own figure (the real pipeline, or a trendtrace rule marked 'not the pipeline')."""
    return r.method == "trendtrace" or r.method.endswith("(not the pipeline)")


@pytest.mark.parametrize("name", list(NEEDS))
def test_rows_are_well_formed(name: str) -> None:
    rows = _rows(name)
    assert rows, f"{name} returned no rows"
    assert all(isinstance(r, Row) for r in rows)
    assert not any(r.metric == "skipped" for r in rows), [r.note for r in rows if r.metric == "skipped"]
    seconds = [r for r in rows if r.metric == "seconds"]
    assert len(seconds) == 1 and seconds[0].half == "all" and seconds[0].value > 0, seconds
    for r in rows:
        if r.metric == "seconds":
            continue
        assert r.half in HALVES, r
        assert isinstance(r.n, int) and r.n >= 0, r
        assert r.dataset and r.metric and r.method, r
        if math.isnan(r.value):
            assert r.note, f"NaN without a note: {r}"
        elif r.metric.endswith("_margin"):  # a difference of two AUCs
            assert -1.0 <= r.value <= 1.0, r
        else:
            assert 0.0 <= r.value <= 1.0, r
    # No figure is given twice.
    keys = [(r.dataset, r.metric, r.method, r.half) for r in rows]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("name", list(NEEDS))
def test_both_halves_and_a_baseline_beside_every_figure_of_ours(name: str) -> None:
    rows = [r for r in _rows(name) if r.metric != "seconds"]
    ours = [r for r in rows if _ours(r)]
    assert ours, f"{name}: no trendtrace row"
    by_metric_method: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        by_metric_method.setdefault((r.dataset, r.metric, r.method), set()).add(r.half)
    for key, halves in by_metric_method.items():
        assert halves == set(HALVES), f"{key} lacks a half: {halves}"
    for r in ours:
        beside = [b for b in rows if not _ours(b) and (b.dataset, b.metric, b.half) == (r.dataset, r.metric, r.half)]
        assert beside, f"no baseline beside {r}"
        assert any(b.n == r.n for b in beside), f"baselines beside {r} are not on the same items"
    # Figures of ours say what ran.
    assert all(r.note for r in ours)


@pytest.mark.parametrize("name", ["cresci2017", "social_honeypot"])
def test_labelled_sets_report_the_asked_figures(name: str) -> None:
    rows = _rows(name)
    got = {(r.metric, r.method) for r in rows}
    for metric in ("account_auc", "recall", "organic_flagged"):
        assert (metric, "trendtrace") in got, metric
    best = [r for r in rows if r.metric == "account_auc" and r.method.startswith("best single feature (")]
    assert {r.half for r in best} == set(HALVES)
    assert len({r.method for r in best}) == 1, "the best feature is chosen once, on the calibration half"
    # The best single feature is one of the features reported, with the same value.
    feat = best[0].method[len("best single feature ("):-1]
    for r in best:
        same = [f for f in rows if f.method == f"feature: {feat}" and f.half == r.half and f.metric == r.metric]
        assert same and same[0].value == r.value
    # The whole pipeline ran (not only the account stage).
    tt = [r for r in rows if r.method == "trendtrace" and r.metric != "seconds"]
    assert all("full pipeline" in r.note for r in tt)


def _one(rows: list[Row], metric: str, method: str, half: str) -> Row:
    got = [r for r in rows if (r.metric, r.method, r.half) == (metric, method, half)]
    assert len(got) == 1, (metric, method, half, got)
    return got[0]


@pytest.mark.parametrize("name,metric", [("cresci2017", "account_auc"), ("social_honeypot", "account_auc"),
                                         ("astro_bots", "auc_vs_botometer")])
def test_rules_only_and_margin_beside_the_shipped_score(name: str, metric: str) -> None:
    rows = _rows(name)
    best = {r.half: r for r in rows if r.metric == metric and r.method.startswith("best single feature (")}
    flag_metrics = ("recall", "organic_flagged") if name != "astro_bots" else ("recall",)
    for h in HALVES:
        ours = _one(rows, metric, "trendtrace", h)
        rules = _one(rows, metric, RULES_ONLY, h)
        assert math.isfinite(rules.value) and rules.n == ours.n and "rule_score" in rules.note, rules
        margin = [r for r in rows if r.metric == f"{metric}_margin" and r.half == h]
        assert len(margin) == 1 and best[h].method[len("best single "):] in margin[0].method, margin
        assert margin[0].value == pytest.approx(ours.value - best[h].value), margin  # + = trendtrace better
        for fm in flag_metrics:
            r = _one(rows, fm, RULES_ONLY, h)
            assert math.isfinite(r.value) and r.n == _one(rows, fm, "trendtrace", h).n, r


def test_astro_bots_recall_by_annotated_type() -> None:
    rows = _rows("astro_bots")
    if not (DATA / "ephemeral_astroturfing" / "astrobot_annotations.csv").is_file():
        pytest.skip("astrobot_annotations.csv is absent")
    methods = ("trendtrace", RULES_ONLY, "Botometer (cap_universal >= 0.5)")
    finite = 0
    for t in ("HUMAN", "INACTIVE", "RETWEETER"):
        for h in HALVES:
            got = {m: _one(rows, f"recall_by_type ({t})", m, h) for m in methods}
            assert "as annotated by the authors" in got["trendtrace"].note
            assert got["trendtrace"].n == got[RULES_ONLY].n
            for r in got.values():
                assert math.isfinite(r.value) == (r.n > 0), r  # NaN exactly when no annotated bot is in the half
                finite += r.n > 0
    # The few annotated bots that have a profile are kept in the sample, so some figures exist.
    assert finite > 0


def test_astro_bots_are_agreement_not_accuracy() -> None:
    rows = _rows("astro_bots")
    agree = [r for r in rows if r.metric == "auc_vs_botometer" and r.method == "trendtrace"]
    assert agree and all("not accuracy" in r.note for r in agree)
    assert not any(r.metric in ("account_auc", "organic_flagged") for r in rows), "there is no negative class"


def test_astro_trends_say_they_are_not_the_pipeline() -> None:
    rows = _rows("astro_trends")
    ours = [r for r in rows if _ours(r)]
    assert not any(r.method == "trendtrace" for r in rows)
    assert all(r.note.startswith("not the pipeline") or "not the pipeline:" in r.note for r in ours)


def test_absent_data_gives_one_skipped_row(tmp_path: Path) -> None:
    for name in NEEDS:
        rows = getattr(vp, name)(tmp_path, sample=10)
        assert len(rows) == 1 and rows[0].metric == "skipped" and rows[0].note, (name, rows)
        assert math.isnan(rows[0].value)


def test_sample_is_deterministic_and_sized() -> None:
    keys = [f"a{i}" for i in range(1000)]
    a = vp._sample_keys(keys, 50)
    assert a == vp._sample_keys(list(reversed(keys)), 50)
    assert a is not None and len(a) == 50 and a <= set(keys)
    assert vp._sample_keys(keys, None) is None
