"""Null models, tested alike: on accounts that act independently (each with its own daily rhythm,
objects chosen by popularity, over three weeks) no null model may call pairs significant more often
than its level says; and the shift null's counts equal a brute-force oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from scipy import stats

from trendtrace.coordination import _fast
from trendtrace.coordination._stage import NULL_MODELS, Run
from trendtrace.engine import Engine
from trendtrace.settings import SETTINGS, Settings

from _coord_data import post, store

DAY = 86_400


def _rhythm_world(seed: int, n_acc: int = 90, n_obj: int = 25, days: int = 21) -> list[dict]:
    """Independent accounts: each posts 1-4 times a day around its own hour (±40 min), using one
    hashtag per post chosen by popularity. Accounts sharing an hour co-act by chance, day after day:
    the co-activity a shared daily rhythm makes, which a null must not take for coordination."""
    rng = np.random.default_rng(seed)
    pop = rng.pareto(1.0, n_obj) + 1
    pop /= pop.sum()
    rows = []
    k = 0
    for a in range(n_acc):
        hour = rng.choice([9, 13, 20]) * 3600 + rng.normal(0, 900)
        for d in range(days):
            for _ in range(rng.integers(1, 5)):
                t = d * DAY + hour + rng.normal(0, 2400)
                o = rng.choice(n_obj, p=pop)
                rows.append(post(f"p{k}", f"u{a:03d}", float(t), "post", f"post {k}", tags=[f"tag{o}"]))
                k += 1
    return rows


def _all_pair_pvalues(null_model: str, rows: list[dict]) -> np.ndarray:
    """p of every account pair of the world: each candidate's p from the null model under test, and
    1 for pairs that never co-act (they are never significant)."""
    con = store(rows)
    s = Settings(traces="hashtag", window_hashtag=60, min_co_actions=1, null_model=null_model)
    run = Run(Engine(con), s)
    null = NULL_MODELS[null_model]
    cand_tbl, _, _ = run.fast_counts(1, by_objects=null.statistic == "co_objects",
                                     expected=null_model == "popularity")
    cand = run.engine.table(cand_tbl.select(["trace", "account_a", "account_b", "co_actions", "co_objects",
                                             "weight"]), "_tt_candidates")
    _, p = null.test(run, cand_tbl, cand)
    n_acc = len({r["account_id"] for r in rows})
    return np.concatenate([p, np.ones(n_acc * (n_acc - 1) // 2 - len(p))])


def test_every_null_model_is_registered_and_documented() -> None:
    setting = next(s for s in SETTINGS if s.name == "null_model")
    assert set(setting.choices) == set(NULL_MODELS)
    doc = Path("docs/coordination.md").read_text(encoding="utf-8")
    for name in NULL_MODELS:
        assert f"`{name}`" in doc


@pytest.mark.parametrize("null_model", sorted(NULL_MODELS))
def test_null_is_not_liberal_for_independent_accounts_with_rhythm(null_model: str) -> None:
    p = _all_pair_pvalues(null_model, _rhythm_world(5))
    n = len(p)
    assert n == 90 * 89 // 2
    # at each level, no more pairs below it than the level allows (3 binomial standard deviations)
    for alpha in (0.001, 0.01, 0.05):
        assert (p <= alpha).sum() <= alpha * n + 3 * np.sqrt(alpha * n) + 1, (null_model, alpha, (p <= alpha).sum())
    # one-sided KS: the p-values are not stochastically smaller than uniform (fixed data, fixed seed)
    assert stats.kstest(p, "uniform", alternative="greater").pvalue > 0.001


def _shift_oracle(acts: list[tuple[int, int, int]], w: int, days: int, a: int, b: int) -> float:
    """Mean over d = ±1..±days of the distinct objects on which a and b (b moved by d days) act
    at most w apart."""
    tot = 0
    for d in [*range(1, days + 1), *range(-days, 0)]:
        objs = {o for (x, o, t) in acts if x == a
                for (y, o2, t2) in acts if y == b and o2 == o and abs(t - (t2 + d * DAY)) <= w}
        tot += len(objs)
    return tot / (2 * days)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2), st.integers(0, 4), st.integers(0, 200)),
                min_size=2, max_size=30),
       st.integers(1, 3), st.sampled_from([30, 60, 150]))
def test_shift_counts_equal_brute_force(raw: list[tuple[int, int, int, int]], days: int, w: int) -> None:
    # (account, object, day, second): few accounts, objects and days, so shifts do line up
    acts = sorted({(a, o, d * DAY + s) for a, o, d, s in raw}, key=lambda x: (x[1], x[2]))
    oid = np.array([x[1] for x in acts], np.int64)
    aid = np.array([x[0] for x in acts], np.int64)
    t = np.array([x[2] for x in acts], np.int64)
    e = _fast.Encoded(oid, aid, t, None, int(oid.max()) + 1, np.arange(5, dtype=np.int64))
    pa_, pb_ = np.array([i for i in range(5) for j in range(i + 1, 5)]), np.array(
        [j for i in range(5) for j in range(i + 1, 5)])
    got = _fast.shift_expected(e, np.ones(len(t), bool), w, days, pa_, pb_)
    want = [_shift_oracle(acts, w, days, int(x), int(y)) for x, y in zip(pa_, pb_, strict=False)]
    assert np.allclose(got, want), (got, want)


def test_shift_null_on_spark_is_a_one_line_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from trendtrace.cli import main

    src = str(Path(__file__).parent / "fixtures" / "readers" / "x_v1.jsonl")
    res = CliRunner().invoke(main, ["analyze", src, "--out", str(tmp_path / "o"),
                                    "--db", str(tmp_path / "s.duckdb"), "--engine", "spark",
                                    "--set", "null_model=shift"])
    assert res.exit_code == 1
    assert "Error: setting null_model: 'shift' runs on the DuckDB engine only" in res.output
    assert "Traceback" not in res.output
