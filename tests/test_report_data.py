"""report.json: what report_data reads from the store, sections that are absent, pseudonyms."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import duckdb
import pytest
from hypothesis import given, settings as hsettings, strategies as st

import trendtrace.report as report
from trendtrace.report import report_data
from trendtrace.report._common import Pseudonymizer, neutralize_table, script_json, sentences, split_list
from trendtrace.model import neutralize
from trendtrace.report.data import SECTIONS, _timelines
from trendtrace.settings import Settings

from _report_fixture import RESULT_TABLES, build_fixture


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_fixture(tmp_path_factory.mktemp("rep") / "fx.duckdb")


@pytest.fixture(scope="module")
def data(store):
    con = duckdb.connect(str(store), read_only=True)
    try:
        yield report_data(con, Settings())
    finally:
        con.close()


def test_public_api_is_frozen():
    assert sorted(report.__all__) == ["SCHEMA_ID", "render_report", "report_data", "write_outputs"]


def test_report_data_is_json_and_complete(data):
    text = json.dumps(data, allow_nan=False)  # raises on NaN or a non-JSON value
    assert json.loads(text) == data
    assert data["schema"] == "trendtrace.report/1"
    assert set(data["sections"]) == set(SECTIONS)
    assert all(v == "ok" for v in data["sections"].values())
    assert data["coverage"]["posts"] == 1459 and data["coverage"]["accounts"] == 54
    assert data["home_tz"] == {"name": "Asia/Karachi", "utc_offset": 5.0, "problem": None, "how": "given",
                               "support": None, "note": "home zone Asia/Karachi, given with --home-tz"}
    assert data["run"]["settings"]["window"] == 60


def test_trends_sorted_by_score_with_sentences(data):
    scores = [t["score"] for t in data["trends"]]
    assert scores == sorted(scores, reverse=True)
    top = data["trends"][0]
    assert top["verdict"] == "manufactured"
    assert len(top["evidence"]) == 2 and top["evidence"][1].startswith("Accounts posting it")
    assert "repost_share" in top["stats"]  # further statistics are passed through


def test_hours_match_posts_counted_by_brute_force(store, data):
    con = duckdb.connect(str(store), read_only=True)
    rows = con.execute("SELECT p.time, c.cluster FROM posts p JOIN account_coordination c "
                       "USING (account_id)").fetchall()
    con.close()
    expect: dict[str, list[int]] = {}
    base = [0] * 24
    for t, cluster in rows:
        hour = (t + timedelta(hours=5)).hour  # Asia/Karachi is UTC+5 all year
        if cluster is None:
            base[hour] += 1
        else:
            expect.setdefault(str(cluster), [0] * 24)[hour] += 1
    assert data["hours"]["clusters"] == expect
    assert data["hours"]["baseline"] == base


def test_stored_hours_of_a_real_run_match_posts_in_a_half_hour_zone(tmp_path):
    """The coordination stage's ``cluster_hours`` against a brute-force count of ``posts``, and the
    report's heat maps shifted into UTC+5:30 (not a whole hour) against the same count."""
    from trendtrace.pipeline import analyze
    from trendtrace.simulate import simulate
    from trendtrace.store import Store

    sim = simulate(tmp_path / "sim", seed=5, posts=3000)
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(sim.data_paths)
        analyze(store, Settings(home_tz="Asia/Kolkata"))
        rows = store.con.execute("SELECT p.time, c.cluster FROM posts p JOIN account_coordination c "
                                 "USING (account_id)").fetchall()
        stored = {(c, q): n for c, q, n in store.con.execute("SELECT * FROM cluster_hours").fetchall()}
        data = report_data(store.con, Settings(home_tz="Asia/Kolkata"))
    assert stored == Counter((c, t.hour * 4 + t.minute // 15) for t, c in rows)
    assert data["hours"]["utc_offset"] == 5.5
    expect: dict[str, list[int]] = {}
    base = [0] * 24
    for t, cluster in rows:
        hour = (t + timedelta(hours=5, minutes=30)).hour
        if cluster is None:
            base[hour] += 1
        else:
            expect.setdefault(str(cluster), [0] * 24)[hour] += 1
    assert expect and data["hours"]["clusters"] == expect
    assert data["hours"]["baseline"] == base


def test_timeline_buckets_keep_totals(store, data):
    con = duckdb.connect(str(store), read_only=True)
    totals = dict(con.execute("SELECT trend, sum(posts) FROM trend_timeline GROUP BY 1").fetchall())
    con.close()
    for tl in data["timelines"]:
        assert sum(p[1] for p in tl["points"]) == totals[tl["trend"]]
        assert len(tl["points"]) <= 180


_MEM = duckdb.connect()  # one in-memory database for every Hypothesis example (each replaces its table)


@hsettings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 9), st.integers(0, 9)), min_size=1,
                max_size=60, unique_by=lambda x: x[0]))
def test_timeline_bucketing_equals_brute_force(rows):
    """Oracle: summing minutes into buckets by hand gives the same points."""
    start = datetime(2025, 1, 1)
    con = _MEM
    import pyarrow as pa

    con.register("tl", pa.table({
        "trend": ["t"] * len(rows), "minute": [start + timedelta(minutes=m) for m, _, _ in rows],
        "posts": [p for _, p, _ in rows], "coordinated_posts": [min(c, p) for _, p, c in rows],
        "inauthentic_posts": [0] * len(rows)}))
    con.execute("CREATE OR REPLACE TABLE trend_timeline AS SELECT * FROM tl")
    from trendtrace.report._common import Store

    (tl,) = _timelines(Store(con), [{"trend": "t"}], 1)
    first = min(m for m, _, _ in rows)
    b = tl["bucket_minutes"]
    want: Counter = Counter()
    want_c: Counter = Counter()
    for m, p, c in rows:
        want[(m - first) // b] += p
        want_c[(m - first) // b] += min(c, p)
    got = {(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ") - (start + timedelta(minutes=first)))
           // timedelta(minutes=b): (p, c) for iso, p, c, _ in tl["points"]}
    assert got == {k: (want[k], want_c[k]) for k in want}
    assert len(tl["points"]) <= 180


@pytest.mark.parametrize("missing", [RESULT_TABLES, ("trends", "trend_timeline"), ("edges", "edge_evidence"),
                                     ("account_signals", "cluster_origin"), ("runs",)])
def test_absent_tables_are_not_computed(tmp_path, missing):
    path = build_fixture(tmp_path / "s.duckdb", omit=missing)
    con = duckdb.connect(str(path), read_only=True)
    d = report_data(con, Settings())
    con.close()
    json.dumps(d, allow_nan=False)
    for section, table in SECTIONS.items():
        assert (d["sections"][section] == "not computed") == (table in missing), section
    if "trends" in missing:
        assert d["trends"] == [] and d["timelines"] == [] and d["cost"]["trends"] == []
    if "edges" in missing:
        assert d["network"]["nodes"] == []
    if "runs" in missing:
        assert d["run"] is None


def test_empty_tables_are_empty(tmp_path):
    path = build_fixture(tmp_path / "s.duckdb", empty=RESULT_TABLES)
    con = duckdb.connect(str(path), read_only=True)
    d = report_data(con, Settings())
    con.close()
    assert d["sections"]["trends"] == "empty" and d["sections"]["network"] == "empty"
    assert d["sections"]["coverage"] == "ok"
    assert d["trends"] == [] and d["network"]["edges"] == [] and d["clusters"] == []


def test_store_without_posts_still_reports(tmp_path):
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    d = report_data(con, Settings())
    assert d["coverage"]["posts"] == 0 and d["sections"]["coverage"] == "not computed"
    assert d["accounts"]["rows"] == [] and d["hours"]["baseline"] is None


def test_pseudonymized_report_holds_no_ids_or_handles(store):
    con = duckdb.connect(str(store), read_only=True)
    d = report_data(con, Settings(pseudonymize=True, pseudonym_salt="s1-7d0f3b9e2a4c6e8f1a3b5c7d9e0f2a4b"))
    ids = [r[0] for r in con.execute("SELECT account_id FROM accounts").fetchall()]
    handles = [r[0] for r in con.execute("SELECT handle FROM accounts").fetchall()]
    post_ids = {r[0] for r in con.execute("SELECT post_id FROM posts").fetchall()}
    con.close()
    text = json.dumps(d, ensure_ascii=False)
    # (run.settings holds the fixture's hostile parameter text, which is no handle)
    values = set(_all_strings({k: v for k, v in d.items() if k != "run"}))
    assert not values & set(ids)
    assert not values & post_ids
    assert not values & set(handles)
    # Handles also appear in texts, as @mentions and in "RT @handle:" prefixes: none is left.
    for h in handles:
        assert "@" + h not in text, h
    assert "RT @user_" in text or "RT @" in text
    assert all(n["id"].startswith("acct_") for n in d["network"]["nodes"])
    assert all(r["display_name"] is None for r in d["accounts"]["rows"])
    assert d["pseudonymized"] is True


def _all_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _all_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _all_strings(v)


def test_pseudonyms_stable_with_salt_and_random_without():
    a, b = Pseudonymizer(True, "salt"), Pseudonymizer(True, "salt")
    assert a.account("123") == b.account("123") != a.account("124")
    assert Pseudonymizer(True).account("123") != Pseudonymizer(True).account("123")
    # a mention in a text and the handle column agree, whatever the case
    assert a.text("RT @Ayesha_1: hi") == f"RT @{a.handle('ayesha_1')}: hi"
    assert a.handle("x").startswith("user_") and a.post("9").startswith("post_")
    off = Pseudonymizer(False)
    assert off.account("123") == "123" and off.text("@x") == "@x"


@given(st.text(max_size=12))
def test_neutralize_table_equals_cell_rule(s):
    """Oracle: the vectorised Arrow rule equals the per-cell rule of CONTRACT.md."""
    import pyarrow as pa

    t = neutralize_table(pa.table({"c": pa.array([s, None], pa.string()), "n": [1, 2]}))
    assert t.column("c").to_pylist() == [neutralize(s), None]
    assert t.column("n").to_pylist() == [1, 2]
    # NUL bytes removed and bidi controls shown as U+FFFD first (docs/report.md), then the prefix.
    plain = s.replace("\x00", "")
    plain = "".join("\ufffd" if "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" else ch for ch in plain)
    want = "'" + plain if plain[:1] in ("=", "+", "-", "@", "\t", "\r") else plain
    assert neutralize(s) == want


@given(st.text())
def test_script_json_cannot_close_its_block(s):
    out = script_json({"s": s})
    assert "<" not in out and ">" not in out and "\u202e" not in out and "\u2028" not in out
    assert json.loads(out) == {"s": s}


def test_list_and_sentence_parsing():
    assert split_list("a|b") == ["a", "b"] and split_list("x; y") == ["x", "y"]
    assert split_list('["a", "b"]') == ["a", "b"] and split_list(None) == []
    assert sentences("One fact. 2 more facts.") == ["One fact.", "2 more facts."]
    assert sentences("a; b", "; ") == ["a", "b"]
    assert sentences('["x", "y"]') == ["x", "y"]


def test_network_layout_is_seeded():
    from trendtrace.report.data import _layout

    ids = [f"a{i}" for i in range(12)]
    edges = [(f"a{i}", f"a{(i + 1) % 6}", 1.0) for i in range(6)] + [("a7", "a8", 2.0), ("a8", "a9", 1.0)]
    first = _layout(ids, edges, 42)
    assert _layout(ids, edges, 42) == first != _layout(ids, edges, 7)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in first.values())
    assert set(first) == set(ids)
