"""The ``semantic`` trace (issue 19, item 4): paraphrased posts by different accounts within the
window co-act. A brute-force oracle for the neighbour search, and a small case through the command
line: five accounts post paraphrases of the same message within a minute, four times on four days,
while five ordinary accounts post unrelated texts at the same moments; only the five co-act."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.coordination.semantic import latin_enough, neighbour_pairs

TRENDTRACE = [sys.executable, "-m", "trendtrace", "-q"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 30), st.integers(2, 8), st.floats(-0.5, 0.95), st.integers(0, 2**31 - 1))
def test_neighbour_pairs_equal_brute_force(n: int, d: int, threshold: float, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    i, j, v = neighbour_pairs(x, threshold, k=n)  # every neighbour: the exact answer
    sims = x @ x.T
    want = {(a, b) for a in range(n) for b in range(a + 1, n) if sims[a, b] >= threshold + 1e-5}
    maybe = {(a, b) for a in range(n) for b in range(a + 1, n) if abs(sims[a, b] - threshold) <= 1e-5}
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    assert want <= got <= want | maybe  # float ties at the threshold may fall either way
    assert np.allclose(v, sims[i, j], atol=1e-5)


def test_latin_enough() -> None:
    assert latin_enough("Vote for change on Sunday")
    assert latin_enough("Sab log vote karein, tabdeeli ka waqt hai")  # Roman Urdu
    assert not latin_enough("ہم سب ایک ہیں اور رہیں گے")  # Urdu script: the models cannot read it
    assert not latin_enough("🙏🙏🙏")


MESSAGES = [
    ["The new bridge will cut travel time for thousands of families in our city",
     "Thousands of families here will spend far less time on the road thanks to the new bridge",
     "Our city's families are going to save so much travel time once the new bridge opens",
     "Travel times for thousands of local families will drop a lot because of this new bridge",
     "This new bridge means much shorter journeys for thousands of families in the city"],
    ["Teachers deserve a fair pay rise after years of frozen salaries",
     "After so many years of frozen wages, our teachers have earned a fair raise",
     "It is time to give teachers the fair salary increase they have waited years for",
     "Years of salary freezes are enough, teachers should finally get a fair pay increase",
     "Our teachers have gone years without a raise and a fair one is long overdue"],
    ["Clean water should reach every village before the next summer season",
     "Before next summer every single village must have access to clean drinking water",
     "No village should enter another summer without a supply of clean water",
     "Getting clean water to all villages before the coming summer must be the priority",
     "Every village deserves safe clean water by the time next summer arrives"],
    ["The hospital upgrade has finally given our district modern emergency care",
     "Thanks to the upgraded hospital our district now has proper modern emergency services",
     "Modern emergency care has at last arrived in the district with the hospital upgrade",
     "Our district finally enjoys up to date emergency treatment after the hospital was upgraded",
     "With the renovated hospital, emergency care in our district is finally modern"],
]
ORGANIC = [
    "Lovely weather for a walk in the park with my kids this afternoon",
    "Does anyone know a good mechanic near the main market road",
    "Watching the cricket highlights again, what a finish last night",
    "My mother's biryani recipe is still the best one I have ever tasted",
    "Finished reading a wonderful novel about sailors and the sea",
]


@pytest.mark.slow
def test_paraphrase_ring_coacts_through_the_command_line(tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    start = datetime(2025, 3, 1, 12, 0)
    rows = []
    for day, variants in enumerate(MESSAGES):
        t0 = start + timedelta(days=day)
        for k, text in enumerate(variants):
            rows.append((f"r{day}{k}", f"ring{k}", (t0 + timedelta(seconds=9 * k)).isoformat() + "Z", text))
        for k, text in enumerate(ORGANIC):  # the same moments, their own words
            rows.append((f"o{day}{k}", f"person{k}", (t0 + timedelta(seconds=7 * k)).isoformat() + "Z",
                         f"{text} (day {day + 1})"))
    with posts.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["post_id", "account_id", "time", "text"])
        w.writerows(rows)
    out = tmp_path / "out"
    r = subprocess.run([*TRENDTRACE, "analyze", str(posts), "--out", str(out), "--traces", "similar,semantic",
                        "--home-tz", "UTC", "--set", "fdr=0.5"], capture_output=True, text=True, env=ENV,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    with duckdb.connect(str(out / "trendtrace.duckdb"), read_only=True) as con:
        pairs = con.execute("SELECT account_a, account_b, co_actions FROM coaction_pairs "
                            "WHERE trace = 'semantic'").fetchall()
        similar = con.execute("SELECT count(*) FROM coaction_pairs WHERE trace = 'similar'").fetchall()[0][0]
    found = {(a, b) for a, b, n in pairs if n >= 3}
    ring = {(f"ring{a}", f"ring{b}") for a in range(5) for b in range(a + 1, 5)}
    assert len(found & ring) >= 8, pairs  # most of the 10 ring pairs co-act on 3+ of the 4 messages
    assert not {p for p in found if not (p[0].startswith("ring") and p[1].startswith("ring"))}, pairs
    assert similar == 0  # paraphrases share too few words for the near-duplicate trace: why this one exists
