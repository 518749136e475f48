"""Trend verdicts on small hand-made stores: a golden set, missing inputs, oracles, cost, errors."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from trendtrace.model import POST_SCHEMA, InputError
from trendtrace.settings import Settings
from trendtrace.trends import Campaign, TREND_COLUMNS, trend_verdicts
from trendtrace.trends.cost import cost_range
from trendtrace.trends.stats import build_trend_posts, gini_sql, inspect_inputs
from trendtrace.trends.verdict import PRIOR_POSTS, verdict_of

T0 = datetime(2025, 5, 3, 10, 0)
_LISTS = ("hashtags", "hashtags_raw", "urls", "urls_raw", "mentions", "media")


def posts_table(rows: list[dict[str, Any]]) -> pa.Table:
    cols = {n: [r.get(n) for r in rows] for n in POST_SCHEMA.names}
    for n in _LISTS:
        cols[n] = [r.get(n) or [] for r in rows]
    return pa.Table.from_pydict(cols, schema=POST_SCHEMA)


def store(posts: list[dict[str, Any]], **tables: pa.Table | list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """An in-memory store with ``posts`` and any extra tables (Arrow tables or lists of dicts)."""
    con = duckdb.connect()
    con.register("_in", posts_table(posts))
    con.execute("CREATE TABLE posts AS SELECT * FROM _in")
    con.unregister("_in")
    for name, t in tables.items():
        if isinstance(t, list):
            t = pa.Table.from_pylist(t)
        con.register("_in", t)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _in")
        con.unregister("_in")
    return con


def trends(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, Any]]:
    rel = con.sql("SELECT * FROM trends")
    return {(r["trend"], r["trend_kind"]): r for r in (dict(zip(rel.columns, x, strict=False)) for x in rel.fetchall())}


# --------------------------------------------------------------------------- the golden set
#
# #news  : o1..o6 each post once at 10:00, 10:01, ... 10:05 (distinct texts); o1 posts again at
#          10:05.  -> 7 posts, 6 accounts, peak minute 10:05 with 2 posts, nobody suspect: organic.
# #push  : c1..c4 post the same 9-word text five times each, at 12:00 + 10 s steps -> 20 posts,
#          all templated; r1 reposts c1's first post without a hashtag of its own and inherits #push
#          -> 21 posts, 5 accounts, 1 repost. c1..c4 are one coordinated cluster and score 0.9;
#          r1 scores 0.8 -> all 21 posts suspect; score 21 / (21 + PRIOR_POSTS) = 0.68: manufactured.
# #solo  : only o1 (one account): not a trend.
# campaign 'leader' (keyword "great leader"): the 20 c posts and r1's "RT @c1: ..." -> 21 posts.
# c1..c4 were created 8 days before, the others in 2019; c's rhythm fits UTC+3, the o's UTC+5
# (home Asia/Karachi = UTC+5): every c misfits, no o does; r1's offset is unknown.
NEWS = ["water rising near the old bridge", "schools closed across the district today",
        "my street is flooded again this morning", "rescue boats reached the village at last",
        "power cut since midnight in our area", "volunteers are handing out food near the mosque"]
TEMPLATE = "please support our great leader today and every day"


def golden() -> duckdb.DuckDBPyConnection:
    posts: list[dict[str, Any]] = []
    for i in range(6):
        posts.append(dict(post_id=f"n{i}", account_id=f"o{i + 1}", time=T0 + timedelta(minutes=i), kind="post",
                          text=f"#news {NEWS[i]}", lang="ur", hashtags=["news"]))
    posts.append(dict(post_id="n6", account_id="o1", time=T0 + timedelta(minutes=5, seconds=30), kind="post",
                      text="#news another flood update from the river bank", lang="en", hashtags=["news"]))
    for i in range(20):
        posts.append(dict(post_id=f"c{i}", account_id=f"c{i % 4 + 1}", time=T0 + timedelta(hours=2, seconds=10 * i),
                          kind="post", text=f"#push {TEMPLATE}", lang="ur", hashtags=["push"]))
    posts.append(dict(post_id="r0", account_id="r1", time=T0 + timedelta(hours=2, minutes=5), kind="repost",
                      text=f"RT @c1: {TEMPLATE}", lang="ur", ref_post_id="c0"))
    posts += [dict(post_id=f"s{i}", account_id="o1", time=T0, kind="post", text="solo", hashtags=["solo"])
              for i in range(2)]
    accounts = [dict(account_id=a, created_at=datetime(2019, 1, 1)) for a in
                ["o1", "o2", "o3", "o4", "o5", "o6", "r1"]]
    accounts += [dict(account_id=f"c{i}", created_at=T0 - timedelta(days=8)) for i in range(1, 5)]
    coordination = [dict(account_id=a, cluster=(0 if a.startswith("c") else None),
                         coordination_score=(0.9 if a.startswith("c") else 0.0), coordinated=a.startswith("c"),
                         degree=(3 if a.startswith("c") else 0))
                    for a in ["o1", "o2", "o3", "o4", "o5", "o6", "r1", "c1", "c2", "c3", "c4"]]
    signals = [dict(account_id=a, inauthenticity_score=0.1, reasons="", utc_offset=5.0) for a in
               ["o1", "o2", "o3", "o4", "o5", "o6"]]
    signals += [dict(account_id=f"c{i}", inauthenticity_score=0.9, reasons="x", utc_offset=3.0) for i in range(1, 5)]
    signals += [dict(account_id="r1", inauthenticity_score=0.8, reasons="x", utc_offset=None)]
    evidence = [dict(account_a="c1", account_b="c2", trace="tweet", object="t", post_a="c0", post_b="c1",
                     time_a=T0 + timedelta(hours=2), time_b=T0 + timedelta(hours=2, seconds=10), text_a="", text_b="")]
    return store(posts, accounts=pa.Table.from_pylist(accounts, schema=pa.schema(
        [("account_id", pa.string()), ("created_at", pa.timestamp("us"))])),
        account_coordination=coordination, account_signals=signals, edge_evidence=evidence)


def test_golden_statistics_and_verdicts() -> None:
    con = golden()
    counts = trend_verdicts(con, Settings(min_campaigns=2, home_tz="Asia/Karachi"),
                            [Campaign("leader", keywords=("great leader",))])
    assert counts["trends"] == 3 and counts["organic"] == 1 and counts["manufactured"] == 2
    t = trends(con)
    assert set(t) == {("news", "hashtag"), ("push", "hashtag"), ("leader", "campaign")}
    news, push, leader = t["news", "hashtag"], t["push", "hashtag"], t["leader", "campaign"]
    assert (news["posts"], news["accounts"], news["verdict"], news["score"]) == (7, 6, "organic", 0.0)
    assert news["peak_minute"] == T0 + timedelta(minutes=5) and news["peak_posts"] == 2
    assert news["onset_minutes"] == 6  # the minute before the first post (09:59) is the quiet one
    # gini of [1,1,1,1,1,2]: 2*27/(6*7) - 7/6
    assert news["gini"] == pytest.approx(2 * 27 / 42 - 7 / 6)
    assert news["top1_share"] == pytest.approx(2 / 7)
    assert news["new_account_share"] == 0 and news["home_tz_misfit_share"] == 0
    assert news["tz_mix"] == "UTC+5 100%" and news["language_mix"] == "ur 86%; en 14%"
    assert news["templated_share"] == 0
    assert (push["posts"], push["accounts"], push["repost_share"]) == (21, 5, pytest.approx(1 / 21))
    assert push["coordinated_share"] == pytest.approx(20 / 21)
    assert push["inauthentic_share"] == 1.0 and push["suspect_posts"] == 21
    # one 10-minute spell (12:00-12:10) holds all 21 posts, all suspect
    assert (push["suspect_spells"], push["suspect_spell_posts"]) == (1, 21)
    assert (news["suspect_spells"], news["suspect_spell_posts"]) == (0, 0)
    assert push["score"] == pytest.approx(21 / (21 + PRIOR_POSTS), abs=1e-4)
    assert push["verdict"] == verdict_of(21 / (21 + PRIOR_POSTS)) == "manufactured"
    assert push["templated_share"] == 1.0 and push["text_posts"] == 20
    assert push["new_account_share"] == pytest.approx(4 / 5)
    assert push["home_tz_misfit_share"] == 1.0 and push["tz_known_accounts"] == 4
    assert push["tz_mix"] == "UTC+3 100%"
    assert push["batch_accounts"] == 4 and push["median_delay_s"] == 10 and push["top_trace"] == "tweet"
    assert (push["cost_usd_low"], push["cost_usd_high"]) == cost_range(21, 0.02, 0.36) == (0.42, 7.56)
    assert leader["posts"] == 21 and leader["accounts"] == 5
    # contract columns come first, in order
    assert con.sql("SELECT * FROM trends").columns[: len(TREND_COLUMNS)] == list(TREND_COLUMNS)


def test_golden_evidence_sentences() -> None:
    con = golden()
    trend_verdicts(con, Settings(home_tz="Asia/Karachi"))
    ev = trends(con)["push", "hashtag"]["evidence"]
    assert ev.startswith("Consistent with a manufactured trend, in bursts: 100 % of the posts came in 1 ten-minute "
                         "spell in "
                         "which coordinated or likely inauthentic accounts wrote most posts; such accounts wrote "
                         "100 % of all its posts.")
    assert "95 % of the posts (20) came from 4 accounts in 1 coordinated cluster" in ev
    assert "they mostly posted identical texts, a median 10 s apart" in ev
    assert "80 % of the suspect accounts with a known creation date were created within the same 14 days" in ev
    assert "do not fit the home zone Asia/Karachi (UTC+5), given with --home-tz; by inferred offset: UTC+3 100%." in ev
    assert "$0.42–$7.56 (an estimate, not evidence of payment)" in ev
    news = trends(con)["news", "hashtag"]["evidence"]
    assert news.startswith("Consistent with organic participation: no ten-minute spell was dominated by coordinated "
                           "or likely inauthentic accounts; such accounts wrote 0 % of all its posts")
    assert "None of the posts came from accounts in coordinated clusters." in news
    for text in (ev, news):  # the evidence never attributes accounts to anyone
        for word in ("paid by", "operated by", "run by", "bot farm", "because"):
            assert word not in text


def test_golden_timeline_overlap_multi_and_cost() -> None:
    con = golden()
    trend_verdicts(con, Settings(min_campaigns=2), [Campaign("leader", keywords=("great leader",))])
    tl = con.sql("SELECT minute, posts, coordinated_posts, inauthentic_posts FROM trend_timeline "
                 "WHERE trend = 'push' ORDER BY minute").fetchall()
    # 20 c posts at 10 s steps from 12:00 -> 6, 6, 6, 2 per minute; r1's repost at 12:05
    assert tl == [(T0 + timedelta(hours=2, minutes=m), n, c, n) for m, n, c in
                  [(0, 6, 6), (1, 6, 6), (2, 6, 6), (3, 2, 2), (5, 1, 0)]]
    assert con.sql("SELECT campaign_a, campaign_b, shared_accounts, jaccard FROM overlap").fetchall() == [
        ("leader", "push", 4, 1.0)]
    multi = con.sql("SELECT account_id, campaigns, campaign_list FROM multi_campaign_accounts").fetchall()
    assert multi == [(f"c{i}", 2, "#push; leader") for i in range(1, 5)]
    cost = dict((r[0], r[1:]) for r in con.sql(
        "SELECT name, inauthentic_posts, cost_usd_low, cost_usd_high FROM cost").fetchall())
    assert cost["all trends"] == (21, 0.42, 7.56)  # each post once although in two trends
    assert "news" not in cost  # an organic trend gets no cost row (nothing to have paid for)


def test_without_upstream_tables_says_so() -> None:
    con = golden()
    for t in ("account_coordination", "account_signals", "accounts", "edge_evidence"):
        con.execute(f"DROP TABLE {t}")
    counts = trend_verdicts(con, Settings())
    t = trends(con)
    push = t["push", "hashtag"]
    assert push["coordinated_share"] is None and push["inauthentic_share"] is None
    assert push["cost_usd_low"] is None and push["new_account_share"] is None
    assert "Coordination results were not available" in push["evidence"]
    assert "Account signals were not available" in push["evidence"]
    assert "Account creation times were not available" in push["evidence"]
    # the proxy (templated posts) still flags the copy-paste trend
    assert push["verdict"] == "manufactured" and push["signals_used"] == "templated text, account age"
    assert t["news", "hashtag"]["verdict"] == "organic"
    assert counts["overlap_pairs"] == 0 and con.execute("SELECT count(*) FROM cost").fetchone() == (0,)


def test_a_table_without_needed_columns_is_treated_as_absent() -> None:
    con = golden()
    con.execute("DROP TABLE account_signals")
    con.execute("CREATE TABLE account_signals AS SELECT 'c1' AS account_id")
    trend_verdicts(con, Settings())
    assert trends(con)["push", "hashtag"]["inauthentic_share"] is None


def test_temp_tables_are_dropped_and_reruns_replace() -> None:
    con = golden()
    trend_verdicts(con, Settings())
    first = con.sql("SELECT trend, score FROM trends ORDER BY trend").fetchall()
    trend_verdicts(con, Settings())
    assert con.sql("SELECT trend, score FROM trends ORDER BY trend").fetchall() == first
    assert con.execute("SELECT count(*) FROM duckdb_tables() "
                       "WHERE table_name LIKE '\\_tt\\_%' ESCAPE '\\'").fetchone() == (0,)


def test_min_trend_accounts_and_hashtag_campaign() -> None:
    con = golden()
    trend_verdicts(con, Settings(min_trend_accounts=6), [Campaign("solo_c", hashtags=("solo",)),
                                                         Campaign("none", hashtags=("absent",))])
    t = trends(con)
    assert set(t) == {("news", "hashtag"), ("solo_c", "campaign")}  # push has 5 accounts
    assert t["solo_c", "campaign"]["posts"] == 2


# --------------------------------------------------------------------------- errors

def test_errors() -> None:
    con = duckdb.connect()
    with pytest.raises(InputError, match=r"^trends: the store has no 'posts' table; ingest some posts first$"):
        trend_verdicts(con, Settings())
    con.execute("CREATE TABLE posts (post_id VARCHAR)")
    with pytest.raises(InputError, match=r"^trends: table 'posts' lacks column\(s\) account_id, hashtags"):
        trend_verdicts(con, Settings())
    with pytest.raises(InputError, match=r"^home_tz 'Mars/Olympus': not a time zone name"):
        trend_verdicts(golden(), Settings(home_tz="Mars/Olympus"))
    with pytest.raises(InputError,
                       match=r"^price_low \(0\.5\) is above price_high \(0\.1\); give the low price first$"):
        trend_verdicts(golden(), Settings(price_low=0.5, price_high=0.1))


def test_cost_arithmetic() -> None:
    assert cost_range(0, 0.02, 0.36) == (0.0, 0.0)
    assert cost_range(12_400, 0.02, 0.36) == (248.0, 4464.0)
    assert cost_range(3, 0.1, 0.1) == (0.3, 0.3)
    with pytest.raises(ValueError, match="posts must be 0 or more"):
        cost_range(-1, 0.02, 0.36)


def test_hostile_text_is_data_not_sql() -> None:
    bad = "x'); DROP TABLE posts; --"
    posts = [dict(post_id=f"p{i}", account_id=f"a{i}", time=T0, kind="post", text=bad + " great leader",
                  hashtags=[bad]) for i in range(3)]
    con = store(posts)
    trend_verdicts(con, Settings(), [Campaign("c'; DROP TABLE posts; --", keywords=("'); drop",))])
    assert {k for k in trends(con)} == {(bad, "hashtag"), ("c'; DROP TABLE posts; --", "campaign")}
    assert con.execute("SELECT count(*) FROM posts").fetchone() == (3,)


# --------------------------------------------------------------------------- oracles

@given(st.lists(st.lists(st.integers(1, 50), min_size=1, max_size=40), min_size=1, max_size=6))
@hsettings(max_examples=25, deadline=None)
def test_gini_and_top1_match_brute_force(groups: list[list[int]]) -> None:
    rows = [{"g": gi, "n": v} for gi, g in enumerate(groups) for v in g]
    con = duckdb.connect()
    con.register("t", pa.Table.from_pylist(rows))
    got = {g: (gini, top) for g, gini, top in con.sql(gini_sql("t", "g", "n")).fetchall()}
    for gi, g in enumerate(groups):
        n, total = len(g), sum(g)
        mean_abs = sum(abs(a - b) for a in g for b in g) / (2 * n * n * (total / n))  # textbook definition
        k = math.ceil(0.01 * n)
        assert got[gi][0] == pytest.approx(mean_abs, abs=1e-9)
        assert got[gi][1] == pytest.approx(sum(sorted(g, reverse=True)[:k]) / total)


_post = st.fixed_dictionaries({
    "account": st.integers(0, 5),
    "minute": st.integers(0, 30),
    "second": st.integers(0, 59),
    "tags": st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3),
    "repost": st.booleans(),
})


@given(st.lists(_post, min_size=1, max_size=60), st.integers(1, 3))
@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_counts_timeline_and_rates_match_brute_force(spec: list[dict[str, Any]], min_acc: int) -> None:
    posts = [dict(post_id=f"p{i}", account_id=f"a{s['account']}",
                  time=T0 + timedelta(minutes=s["minute"], seconds=s["second"]),
                  kind="repost" if s["repost"] else "post", text="x", hashtags=s["tags"])
             for i, s in enumerate(spec)]
    con = store(posts)
    trend_verdicts(con, Settings(min_trend_accounts=min_acc))
    by_tag: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in posts:
        for h in set(p["hashtags"]):
            by_tag[h].append(p)
    expect = {h: ps for h, ps in by_tag.items() if len({p["account_id"] for p in ps}) >= min_acc}
    got = trends(con)
    assert {k[0] for k in got} == set(expect)
    lo = min(p["time"] for p in posts).replace(second=0)
    hi = max(p["time"] for p in posts).replace(second=0)
    window = int((hi - lo).total_seconds() // 60) + 1
    for h, ps in expect.items():
        row = got[h, "hashtag"]
        assert row["posts"] == len(ps) and row["accounts"] == len({p["account_id"] for p in ps})
        assert row["repost_share"] == pytest.approx(sum(p["kind"] == "repost" for p in ps) / len(ps))
        per_min = Counter(p["time"].replace(second=0) for p in ps)
        tl = dict(con.execute("SELECT minute, posts FROM trend_timeline WHERE trend = ?", [h]).fetchall())
        assert tl == dict(per_min)
        full = [per_min.get(lo + timedelta(minutes=m), 0) for m in range(window)]
        med = sorted(full)[math.ceil(window / 2) - 1]  # lower median, zero minutes included
        assert row["median_posts_per_minute"] == med
        assert row["burst_minutes"] == sum(v >= max(3, med + 4 * math.sqrt(med) + 1) for v in full)
        peak = max(full)
        peak_m = full.index(peak)
        quiet = max(m for m in range(-1, peak_m) if m < 0 or full[m] <= 0.1 * peak)
        assert row["peak_posts"] == peak and row["onset_minutes"] == peak_m - quiet


def _templated_ids(con) -> tuple[set[str], int]:
    """Ids of the posts the trend stage flags as near-copies (on DuckDB), and how many trend posts
    were checked (own text of 5+ words)."""
    tp = build_trend_posts(con, Settings(template_similarity=0.6), inspect_inputs(con), [])
    try:
        rows = tp.engine.arrow(tp.tp.filter(tp.tp.templated).select("post_id"))
        checked = tp.engine.execute(tp.tp.text_post.sum())
    finally:
        tp.release()
    return set(rows.column("post_id").to_pylist()), int(checked or 0)


_words = st.sampled_from(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])


@given(st.lists(st.tuples(st.integers(0, 4), st.lists(_words, min_size=3, max_size=9)), min_size=2, max_size=30))
@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_templated_flags_are_verified_and_exact_copies_found(spec: list[tuple[int, list[str]]]) -> None:
    posts = [dict(post_id=f"p{i:03d}", account_id=f"a{acc}", time=T0 + timedelta(seconds=i), kind="post",
                  text="#t " + " ".join(ws), hashtags=["t"]) for i, (acc, ws) in enumerate(spec)]
    posts.append(dict(post_id="z", account_id="other", time=T0, kind="post", text="#t", hashtags=["t"]))
    con = store(posts)
    flagged, checked = _templated_ids(con)
    sets = {p["post_id"]: (p["account_id"], set(w for w in p["text"].split()[1:]))
            for p in posts if p["post_id"] != "z"}
    eligible = {k for k, (_, s) in sets.items() if len(s) >= 5}
    oracle, exact = set(), set()
    for a in eligible:
        for b in eligible:
            if a != b and sets[a][0] != sets[b][0]:
                j = len(sets[a][1] & sets[b][1]) / len(sets[a][1] | sets[b][1])
                if j >= 0.6:
                    oracle.add(a)
                if j == 1.0:
                    exact.add(a)
    assert flagged <= oracle
    assert exact <= flagged
    assert checked == len(eligible)


def test_a_thin_suspect_background_stays_organic_but_a_burst_is_mixed() -> None:
    """Same posts, same suspect accounts: 50 suspect posts spread over the day leave the trend
    organic; the same 50 packed into one ten-minute spell make it mixed. Both trends have the same
    suspect share (1/3), which is also the store's background (the lower quartile of 1/3 and 1/3),
    so the sustained shape is 0 for both and only the burst counts."""
    posts, signals = [], []
    for tag, burst in (("spread", False), ("burst", True)):
        for i in range(100):  # one organic post every 10 minutes, each by a different account
            posts.append(dict(post_id=f"{tag}o{i}", account_id=f"{tag}o{i}", time=T0 + timedelta(minutes=10 * i + 3),
                              kind="post", text="x", hashtags=[tag]))
            signals.append(dict(account_id=f"{tag}o{i}", inauthenticity_score=0.1, utc_offset=5.0))
        for i in range(50):
            t = T0 + (timedelta(minutes=500, seconds=10 * i) if burst else timedelta(minutes=40 * i + 7))
            posts.append(dict(post_id=f"{tag}s{i}", account_id=f"{tag}s{i % 5}", time=t, kind="repost",
                              text="x", hashtags=[tag]))
        signals += [dict(account_id=f"{tag}s{i}", inauthenticity_score=0.9, utc_offset=3.0) for i in range(5)]
    con = store(posts, account_signals=signals)
    trend_verdicts(con, Settings())
    t = trends(con)
    spread, burst = t["spread", "hashtag"], t["burst", "hashtag"]
    assert spread["suspect_share"] == burst["suspect_share"] == pytest.approx(50 / 150)
    assert spread["background_share"] == pytest.approx(50 / 150, abs=1e-4)
    assert spread["sustained_score"] == burst["sustained_score"] == 0
    assert (spread["verdict"], spread["score"], spread["suspect_spells"]) == ("organic", 0.0, 0)
    assert spread["cost_usd_low"] is None and spread["shape"] == ""  # no cost for an organic trend
    assert burst["suspect_spells"] == 1 and burst["suspect_spell_posts"] == 50
    assert burst["score"] == pytest.approx(50 / (150 + PRIOR_POSTS), abs=1e-4)
    assert (burst["verdict"], burst["shape"]) == ("mixed", "burst")
    assert burst["evidence"].startswith("Consistent with a mixed trend, organic activity with a manufactured part, "
                                        "in bursts: 33 % of the posts came in 1 ten-minute spell")


def test_a_persistent_operation_is_caught_by_its_sustained_share() -> None:
    """Four ordinary hashtags get 10 % of their posts from suspect accounts (the background); a
    fifth gets 80 %, a few posts an hour for days, never dominating a spell's majority with 5 posts.
    Burst shape 0; sustained = (80/110 - 0.1) / 0.9 = 0.697: manufactured, shape sustained."""
    posts, signals = [], []
    for tag in ("a", "b", "c", "d"):
        for i in range(90):
            posts.append(dict(post_id=f"{tag}o{i}", account_id=f"{tag}o{i}", time=T0 + timedelta(minutes=7 * i),
                              kind="post", text="x", hashtags=[tag]))
            signals.append(dict(account_id=f"{tag}o{i}", inauthenticity_score=0.1, utc_offset=5.0))
        for i in range(10):
            posts.append(dict(post_id=f"{tag}s{i}", account_id=f"{tag}s{i}", time=T0 + timedelta(minutes=61 * i + 1),
                              kind="post", text="x", hashtags=[tag]))
            signals.append(dict(account_id=f"{tag}s{i}", inauthenticity_score=0.9, utc_offset=5.0))
    for i in range(20):
        posts.append(dict(post_id=f"po{i}", account_id=f"po{i}", time=T0 + timedelta(minutes=97 * i + 5),
                          kind="post", text="x", hashtags=["drip"]))
        signals.append(dict(account_id=f"po{i}", inauthenticity_score=0.1, utc_offset=5.0))
    for i in range(80):  # one post every 23 minutes by 8 suspect accounts: never 5 in one spell
        posts.append(dict(post_id=f"ps{i}", account_id=f"ps{i % 8}", time=T0 + timedelta(minutes=23 * i),
                          kind="post", text="x", hashtags=["drip"]))
    signals += [dict(account_id=f"ps{i}", inauthenticity_score=0.9, utc_offset=5.0) for i in range(8)]
    con = store(posts, account_signals=signals)
    trend_verdicts(con, Settings())
    t = trends(con)
    drip = t["drip", "hashtag"]
    assert drip["background_share"] == pytest.approx(0.1)
    assert drip["burst_score"] == 0 and drip["suspect_spells"] == 0
    assert drip["sustained_score"] == pytest.approx((80 / 110 - 0.1) / 0.9, abs=1e-4)
    assert (drip["verdict"], drip["shape"]) == ("manufactured", "sustained")
    assert drip["evidence"].startswith(
        "Consistent with a manufactured trend, sustained rather than in bursts: coordinated or likely inauthentic "
        "accounts wrote 80 % of its posts; weighted by the "
        "strength of the evidence on each account (coordination p-value, inauthenticity score), its posts score "
        "80 %, against 10 % for an ordinary trend of this data set")
    assert all(t[x, "hashtag"]["verdict"] == "organic" for x in "abcd")


def test_public_api_is_frozen() -> None:
    import trendtrace.trends as tt

    assert sorted(tt.__all__) == sorted(
        ["trend_verdicts", "load_campaigns", "campaigns_from_mapping", "Campaign", "TREND_COLUMNS", "STAGE"])


def test_empty_store_writes_empty_tables() -> None:
    con = store([])
    counts = trend_verdicts(con, Settings(), [Campaign("x", ("a",))])
    assert counts["trends"] == 0 and counts["campaigns_without_posts"] == 1
    for table in ("trends", "trend_timeline", "overlap", "multi_campaign_accounts", "cost"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]
    assert con.sql("SELECT * FROM trends").columns[: len(TREND_COLUMNS)] == list(TREND_COLUMNS)


def test_weak_evidence_weighs_less_than_strong() -> None:
    """Evidence strength enters the sustained shape. Two hashtags, each 60 posts by 6 suspect accounts
    and 40 by ordinary ones (score 0.1). On ``strong`` the suspect accounts score 0.9 (margin 0.4
    over the 0.5 threshold, beyond FULL_MARGIN 0.25: weight 1); on ``weak`` they score 0.55 (weight
    0.5 + 0.5 * 0.05 / 0.25 = 0.6). Both have suspect_share 0.6, but suspect_weight 60 vs 36. With
    only two trends the background (lower quartile of 0.36 and 0.6) is 0.36 + 0.25 * 0.24 = 0.42:
    strong = (60/110 - 0.42) / 0.58 = 0.2163, weak = max(0, 36/110 - 0.42) = 0."""
    posts, signals = [], []
    for tag, score in (("strong", 0.9), ("weak", 0.55)):
        for i in range(40):
            posts.append(dict(post_id=f"{tag}o{i}", account_id=f"{tag}o{i}", time=T0 + timedelta(minutes=13 * i),
                              kind="post", text="x", hashtags=[tag]))
            signals.append(dict(account_id=f"{tag}o{i}", inauthenticity_score=0.1, utc_offset=5.0))
        for i in range(60):
            posts.append(dict(post_id=f"{tag}s{i}", account_id=f"{tag}s{i % 6}", time=T0 + timedelta(minutes=29 * i),
                              kind="post", text="x", hashtags=[tag]))
        signals += [dict(account_id=f"{tag}s{i}", inauthenticity_score=score, utc_offset=5.0) for i in range(6)]
    con = store(posts, account_signals=signals)
    trend_verdicts(con, Settings())
    t = trends(con)
    strong, weak = t["strong", "hashtag"], t["weak", "hashtag"]
    assert strong["suspect_share"] == weak["suspect_share"] == pytest.approx(0.6)
    assert (strong["suspect_weight"], weak["suspect_weight"]) == (pytest.approx(60), pytest.approx(36))
    assert strong["background_share"] == pytest.approx(0.42, abs=1e-4)
    assert strong["sustained_score"] == pytest.approx((60 / 110 - 0.42) / 0.58, abs=1e-4)
    assert weak["sustained_score"] == 0 and weak["verdict"] == "organic"


@given(st.lists(st.tuples(st.integers(0, 4), st.lists(_words, min_size=3, max_size=9)), min_size=2, max_size=30))
@hsettings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_templated_flags_equal_the_brute_force_word_set_jaccard(spec: list[tuple[int, list[str]]]) -> None:
    """The near-duplicate search (textsim, single words as shingles) finds every pair a brute-force
    comparison finds on small inputs (a miss needs banding to fail at 64 functions: derandomized)."""
    from trendtrace.text import words
    posts = [dict(post_id=f"p{i:03d}", account_id=f"a{acc}", time=T0 + timedelta(seconds=i), kind="post",
                  text="#t " + " ".join(ws), hashtags=["t"]) for i, (acc, ws) in enumerate(spec)]
    con = store(posts)
    flagged, _ = _templated_ids(con)
    sets = {p["post_id"]: (p["account_id"], set(words(p["text"]))) for p in posts}
    eligible = {k for k, (_, s) in sets.items() if len(s) >= 5}
    oracle = {a for a in eligible for b in eligible
              if sets[a][0] != sets[b][0]
              and len(sets[a][1] & sets[b][1]) >= 0.6 * len(sets[a][1] | sets[b][1])}
    assert flagged == oracle
