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
    assert all(a < b for a, b in zip(ids.tolist(), ids.tolist()[1:]))
    times = t[order] * 1000 + ms[order]
    assert all(a <= b for a, b in zip(times.tolist(), times.tolist()[1:]))


@given(st.floats(0, 24, allow_nan=False))
def test_profile_interpolation_stays_between_neighbours(hour: float) -> None:
    v = _profile_at(ORGANIC_PROFILE, hour)
    assert ORGANIC_PROFILE.min() - 1e-12 <= v <= ORGANIC_PROFILE.max() + 1e-12
    if abs(hour - round(hour - 0.5) - 0.5) < 1e-9:  # at an hour centre it is that hour's value
        assert abs(v - ORGANIC_PROFILE[int(hour) % 24]) < 1e-9


@given(st.integers(0, 10**12))
def test_campaign_template_posts_are_light_edits(r: int) -> None:
    for theme, banks in T.CAMPAIGN_TEMPLATES.items():
        for lang, templates in banks.items():
            for tpl in templates:
                text = T.fill(tpl, r)
                assert "{" not in text and text
                assert not hashtags_in(text)  # the ordered hashtags are added by the caller
                # word swaps only: every variant shares the template's fixed words
                fixed = [w for w in tpl[0][0].split() if "{" not in w]
                assert all(w in text for w in fixed), (text, fixed)
