"""Unit checks of the simulator's fast pieces against brute-force oracles (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.model import hashtags_in
from trendtrace.simulate import _text as T
from trendtrace.simulate._scenario import _EPOCH_MS, ORGANIC_PROFILE, _profile_at, snowflakes


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1_741_564_800, 1_741_564_803), st.integers(0, 2), st.integers(0, 1023)),
                min_size=1, max_size=60))
def test_snowflakes_match_a_loop(posts: list[tuple[int, int, int]]) -> None:
    t = np.array([p[0] for p in posts], np.int64)
    ms = np.array([p[1] for p in posts], np.int64)
    w = np.array([p[2] for p in posts], np.int64)
    order, ids = snowflakes(t, ms, w)
    # Oracle: sort by (time, ms) keeping input order on ties, number each millisecond's posts 0, 1, ...
    expected: dict[int, int] = {}
    counter: dict[int, int] = {}
    for i in sorted(range(len(posts)), key=lambda i: (posts[i][0], posts[i][1])):
        key = posts[i][0] * 1000 + posts[i][1]
        seq = counter.get(key, 0)
        counter[key] = seq + 1
        expected[i] = ((key - _EPOCH_MS) << 22) | (posts[i][2] << 12) | seq
    assert sorted(order.tolist()) == list(range(len(posts)))
    assert [expected[i] for i in order.tolist()] == ids.tolist()
    assert len(set(ids.tolist())) == len(posts)
    assert all(a < b for a, b in zip(ids.tolist(), ids.tolist()[1:], strict=False))
    times = t[order] * 1000 + ms[order]
    assert all(a <= b for a, b in zip(times.tolist(), times.tolist()[1:], strict=False))


@given(st.floats(0, 24, allow_nan=False))
def test_profile_interpolation_stays_between_neighbours(hour: float) -> None:
    v = _profile_at(ORGANIC_PROFILE, hour)
    assert ORGANIC_PROFILE.min() - 1e-12 <= v <= ORGANIC_PROFILE.max() + 1e-12
    if abs(hour - round(hour - 0.5) - 0.5) < 1e-9:  # at an hour centre it is that hour's value
        assert abs(v - ORGANIC_PROFILE[int(hour) % 24]) < 1e-9


@given(st.integers(0, 10**12))
def test_campaign_template_posts_are_light_edits(r: int) -> None:
    for _theme, banks in T.CAMPAIGN_TEMPLATES.items():
        for _lang, templates in banks.items():
            for tpl in templates:
                text = T.fill(tpl, r)
                assert "{" not in text and text
                assert not hashtags_in(text)  # the ordered hashtags are added by the caller
                # word swaps only: every variant shares the template's fixed words
                fixed = [w for w in tpl[0][0].split() if "{" not in w]
                assert all(w in text for w in fixed), (text, fixed)


_ENGINE = None


def _engine():
    global _ENGINE
    if _ENGINE is None:
        from trendtrace.simulate._scenario import SCENARIOS, Engine
        _ENGINE = Engine(SCENARIOS["realistic"], 1, 500, "Asia/Karachi")
    return _ENGINE


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 28 * 86400 - 1), min_size=0, max_size=300), st.integers(1, 4),
       st.integers(0, 2**32 - 1))
def test_spread_caps_every_ten_minute_spell(offsets: list[int], cap: int, seed: int) -> None:
    """The drip campaign's scheduler: no aligned 10-minute spell keeps more than ``cap`` events;
    events in spells within the cap stay where they were; every time stays in the scenario."""
    from trendtrace.simulate._scenario import OPERATOR_PROFILE

    e = _engine()
    t = e.start + np.array(offsets, np.int64)
    out = e._spread(np.random.default_rng(seed), t, cap, "Asia/Manila", OPERATOR_PROFILE)
    assert out.shape == t.shape
    assert ((out >= e.start) & (out < e.end)).all()
    if out.size:
        assert np.bincount(out // 600 - e.start // 600).max() <= cap
    counts = np.bincount(t // 600 - e.start // 600) if t.size else np.zeros(0, np.int64)
    calm = np.array([counts[b] <= cap for b in (t // 600 - e.start // 600)], bool)
    assert (out[calm] == t[calm]).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2_000), st.integers(0, 2**32 - 1))
def test_daily_times_follow_the_zone_and_profile(count: int, seed: int) -> None:
    from trendtrace.simulate._scenario import OFFICE_PROFILE

    e = _engine()
    t = e._daily_times(np.random.default_rng(seed), count, "Asia/Karachi", OFFICE_PROFILE)
    assert t.size == count and (np.diff(t) >= 0).all()
    assert ((t >= e.start) & (t < e.end)).all()
    local_hour = (t + 5 * 3600) % 86400 // 3600  # Karachi is UTC+5 all year
    assert np.isin(local_hour, np.flatnonzero(OFFICE_PROFILE > 0)).all()
    if count >= 500:  # office accounts: few posts between 02:00 and 06:00 local
        assert ((local_hour >= 2) & (local_hour < 6)).mean() < 0.05
