"""Account signals: features, score and reasons, personas, scripts, origin, training, errors."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from trendtrace.accounts import account_signals, parse_labels, train
from trendtrace.accounts.features import FEATURES, account_features, creation_batches
from trendtrace.accounts.origin import (
    OFFSETS, TEMPLATE, claimed_place, format_offset, infer_offsets, offset_distance, quiet_share, zone_offset,
)
from trendtrace.accounts.personas import female_names, text_scripts
from trendtrace.accounts.score import EVIDENCE, MODEL_FEATURES
from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, InputError
from trendtrace.settings import Settings

_LISTS = {"hashtags", "hashtags_raw", "urls", "urls_raw", "mentions", "media"}
T0 = datetime(2024, 3, 1)


class Store:
    """Builds small canonical posts/accounts tables in an in-memory DuckDB."""

    def __init__(self) -> None:
        self.posts: dict[str, list] = {n: [] for n in POST_SCHEMA.names}
        self.accounts: dict[str, list] = {n: [] for n in ACCOUNT_SCHEMA.names}
        self.n = 0

    def account(self, account_id: str, **kw) -> None:
        kw = {"handle": account_id, "display_name": "Someone", "description": "a bio", "location": "",
              "url": "https://example.org", "created_at": datetime(2016, 1, 1), "followers": 300,
              "following": 200, "post_count": 2000, "default_profile": False, "default_profile_image": False,
              **kw, "account_id": account_id}
        for n in ACCOUNT_SCHEMA.names:
            self.accounts[n].append(kw.get(n))

    def post(self, account_id: str, time: datetime, text: str = "hello", kind: str = "post", **kw) -> None:
        self.n += 1
        kw = {"post_id": f"p{self.n}", "account_id": account_id, "time": time, "kind": kind, "text": text,
              "client": "Twitter for Android", **kw}
        for n in POST_SCHEMA.names:
            self.posts[n].append(kw.get(n, [] if n in _LISTS else None))

    def human_posts(self, account_id: str, rng: np.random.Generator, n: int, utc_offset: float,
                    text: str | None = None) -> None:
        local = rng.choice(24, size=n, p=TEMPLATE)
        for i, h in enumerate(local):
            t = T0 + timedelta(days=int(rng.integers(0, 28)), hours=float((h - utc_offset) % 24),
                               minutes=int(rng.integers(0, 60)), seconds=int(rng.integers(0, 60)))
            self.post(account_id, t, text or f"my own words number {i} about things {rng.integers(1e9)}")

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.register("_p", pa.Table.from_pydict(self.posts, schema=POST_SCHEMA))
        con.register("_a", pa.Table.from_pydict(self.accounts, schema=ACCOUNT_SCHEMA))
        con.execute("CREATE TABLE posts AS SELECT * FROM _p")
        con.execute("CREATE TABLE accounts AS SELECT * FROM _a")
        return con


def _rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    rel = con.sql("SELECT * FROM account_signals")
    cols = rel.columns
    return {r[0]: dict(zip(cols, r, strict=False)) for r in rel.fetchall()}


@pytest.fixture(scope="module")
def campaign_store() -> tuple[duckdb.DuckDBPyConnection, dict[str, dict]]:
    """200 organic people in Pakistan (UTC+5) and a 30-account network run from UTC+3, batch-created."""
    rng = np.random.default_rng(3)
    s = Store()
    for a in range(200):
        aid = f"o{a:03d}"
        s.account(aid, handle=f"person{a}", display_name="Bilal Ahmed", location="Lahore, Pakistan",
                  created_at=datetime(2012, 1, 1) + timedelta(days=int(rng.integers(0, 4000)),
                                                              hours=int(rng.integers(0, 24))))
        s.human_posts(aid, rng, 60, 5)
    for a in range(30):
        aid = f"c{a:03d}"
        s.account(aid, handle=f"Ayesha{rng.integers(10**7, 10**8)}", display_name="Ayesha Khan", description="",
                  location="Lahore", url="", created_at=datetime(2024, 2, 20, 3, a), followers=3, following=450,
                  post_count=80, default_profile_image=True)
        s.human_posts(aid, rng, 60, 3, text="Imran Khan is our hope, march to Islamabad today #HaqMarch")
    s.account("news1", handle="DailyKhabarTV", display_name="Daily Khabar TV", description="تازہ ترین خبریں")
    s.human_posts("news1", rng, 5, 5)
    s.account("urdu1", handle="sadia_r", display_name="سعدیہ رحمان", description="")
    s.post("urdu1", T0, "یہ بہت اچھا ہے")
    con = s.connect()
    con.execute("CREATE TABLE account_coordination AS SELECT account_id, "
                "CASE WHEN account_id LIKE 'c%' THEN 7 END AS cluster, 0.9 AS coordination_score, "
                "account_id LIKE 'c%' AS coordinated, 3 AS degree FROM accounts")
    result = account_signals(con, Settings())
    assert result["accounts"] == 232
    return con, _rows(con)


def test_every_account_gets_one_row(campaign_store):
    con, rows = campaign_store
    ids = {r[0] for r in con.sql("SELECT DISTINCT account_id FROM posts").fetchall()}
    assert ids <= set(rows)
    n, distinct = con.sql("SELECT count(*), count(DISTINCT account_id) FROM account_signals").fetchall()[0]
    assert n == distinct == len(rows)
    for col in ("inauthenticity_score", "reasons", "utc_offset", "utc_offset_confidence", "persona", "origin_note",
                "script", "languages", "clients", *FEATURES):
        assert col in next(iter(rows.values())), col


def test_campaign_scores_above_organic_with_plain_reasons(campaign_store):
    _, rows = campaign_store
    camp = [r for a, r in rows.items() if a.startswith("c")]
    org = [r for a, r in rows.items() if a.startswith("o")]
    assert min(r["inauthenticity_score"] for r in camp) >= 0.5
    assert np.mean([r["inauthenticity_score"] >= 0.5 for r in org]) <= 0.05
    assert all(0 <= r["inauthenticity_score"] <= 1 for r in rows.values())
    reasons = camp[0]["reasons"]
    assert "created the same day as 29 other accounts" in reasons
    assert "handle is a name followed by 8 digits" in reasons
    assert "posts at the same minute" not in reasons  # minutes are random here
    assert "repeat text posted elsewhere" in reasons
    assert "claims Lahore; sleeps as if in UTC+3" in reasons


def test_organic_accounts_have_no_batch_reason(campaign_store):
    _, rows = campaign_store
    assert not any("created the same day" in (r["reasons"] or "") for a, r in rows.items() if a.startswith("o"))


def test_offsets_inferred_for_people_and_operators(campaign_store):
    _, rows = campaign_store
    org = [r["utc_offset"] for a, r in rows.items() if a.startswith("o")]
    camp = [r["utc_offset"] for a, r in rows.items() if a.startswith("c")]
    assert np.mean([abs(o - 5) <= 1 for o in org]) >= 0.9
    assert np.mean([abs(o - 3) <= 1 for o in camp]) >= 0.9
    assert rows["news1"]["utc_offset"] is None  # 5 posts < min_posts_origin
    assert rows["news1"]["utc_offset_confidence"] is None


def test_personas_and_scripts(campaign_store):
    _, rows = campaign_store
    assert rows["news1"]["persona"] == "news"
    assert rows["c000"]["persona"] == "woman"
    assert rows["urdu1"]["persona"] == "woman"  # Urdu-script name
    assert rows["o000"]["persona"] == ""
    assert rows["urdu1"]["script"] == "urdu"
    assert rows["c000"]["script"] == "latin"


def test_cluster_origin_pools_members(campaign_store):
    con, _ = campaign_store
    rows = con.sql("SELECT cluster, utc_offset, confidence, accounts, persona_mix, persona_baseline, origin_note "
                   "FROM cluster_origin").fetchall()
    assert len(rows) == 1
    cluster, off, conf, n, mix, base, note = rows[0]
    assert cluster == "7" and off == 3 and conf > 0.9 and n == 30
    assert json.loads(mix) == {"woman": 1.0}
    assert json.loads(base)["woman"] < 0.2
    assert "not the home zone UTC+5 (inferred)" in note


def test_origin_thresholds_come_from_settings(campaign_store):
    con, rows = campaign_store
    camp = [f"c{a:03d}" for a in range(30)]
    at3 = [a for a in camp if rows[a]["utc_offset"] == 3 and rows[a]["utc_offset_confidence"] >= 0.6]
    assert len(at3) >= 10 and all(rows[a]["origin_mismatch"] == 1 for a in at3)  # claims Lahore, sleeps as UTC+3
    copy = duckdb.connect()
    for t in ("posts", "accounts", "account_coordination"):
        copy.register("_t", con.sql(f"SELECT * FROM {t}").to_arrow_table())
        copy.execute(f"CREATE TABLE {t} AS SELECT * FROM _t")
        copy.unregister("_t")
    # 2 h between UTC+3 and Lahore's UTC+5 is within a 2.5 h tolerance: no mismatch, no home-zone note
    account_signals(copy, Settings(origin_mismatch_hours=2.5))
    wide = _rows(copy)
    assert all(wide[a]["origin_mismatch"] == 0 and wide[a]["origin_note"].endswith("which fits") for a in at3)
    note = copy.sql("SELECT origin_note FROM cluster_origin").fetchall()[0][0]
    assert "home zone" not in note and note.startswith("members sleep as if in UTC+3")
    # a confidence no rhythm reaches: every note says the rhythm is unclear
    account_signals(copy, Settings(origin_confidence=1.0))
    strict = _rows(copy)
    assert sum(r["origin_mismatch"] for r in strict.values()) == 0
    assert all(strict[a]["origin_note"].startswith("daily rhythm unclear") for a in at3)


def test_without_accounts_table_or_coordination():
    s = Store()
    rng = np.random.default_rng(0)
    s.human_posts("x", rng, 30, 0)
    con = duckdb.connect()
    con.register("_p", pa.Table.from_pydict(s.posts, schema=POST_SCHEMA))
    con.execute("CREATE TABLE posts AS SELECT * FROM _p")
    out = account_signals(con, Settings())
    assert out["accounts"] == 1 and out["clusters"] == 0
    assert con.sql("SELECT count(*) FROM cluster_origin").fetchall()[0][0] == 0


def test_follow_spam_and_link_share_are_graded():
    s = Store()
    rng = np.random.default_rng(4)
    s.account("limit", following=2000, followers=0)  # at the platform's old follow limit, nobody back
    s.account("some", following=1000, followers=500)
    s.account("balanced", following=300, followers=400)
    s.account("few", following=90, followers=0)  # below 100 followed: no evidence
    s.account("links", following=50, followers=80)
    s.account("half", following=50, followers=80)
    for i in range(8):
        s.post("links", T0 + timedelta(hours=5 * i), f"read this {i} https://x.example/{i}",
               urls=[f"https://x.example/{i}"] if i < 6 else [])  # 6 of 8 posts with a link
        s.post("half", T0 + timedelta(hours=5 * i), f"read this {i}", urls=["https://x.example"] if i < 4 else [])
    for a in ("limit", "some", "balanced", "few"):
        s.human_posts(a, rng, 3, 5)
    con = s.connect()
    account_signals(con, Settings())
    rows = _rows(con)
    assert rows["limit"]["ev_follow_spam"] == pytest.approx(0.35)
    # log10(1000/100)/log10(20) * (1 - 500/1001)
    assert rows["some"]["ev_follow_spam"] == pytest.approx(0.35 * math.log10(10) / math.log10(20) * (1 - 500 / 1001))
    assert rows["balanced"]["ev_follow_spam"] == 0 and rows["few"]["ev_follow_spam"] == 0
    assert "follows 2000 accounts but is followed by 0" in rows["limit"]["reasons"]
    assert rows["links"]["ev_links_only"] == pytest.approx(0.3 * (0.75 - 0.5) / 0.5)
    assert "75% of its posts carry a link" in rows["links"]["reasons"]
    assert rows["half"]["ev_links_only"] == 0


def test_duplicate_profile_rows_keep_personas_aligned():
    # The store keys accounts by id, but a hand-made table may repeat one: rows must not multiply
    # or shift when persona and script columns are joined on.
    s = Store()
    s.account("d1", handle="DailyNewsPK", display_name="Daily News")
    s.account("d1", handle="DailyNewsPK", display_name="Daily News")
    s.account("w1", handle="ayesha_k", display_name="Ayesha")
    s.post("d1", T0, "خبر یہ ہے")
    s.post("w1", T0, "hello there")
    con = s.connect()
    account_signals(con, Settings())
    got = con.sql("SELECT account_id, persona, script FROM account_signals ORDER BY ALL").fetchall()
    assert got == [("d1", "news", "urdu"), ("d1", "news", "urdu"), ("w1", "woman", "latin")]


def test_persona_sql_refuses_a_non_column():
    with pytest.raises(ValueError, match="not a column name: 'x; DROP'"):
        from trendtrace.accounts.personas import persona_sql
        persona_sql(duckdb.connect(), "t", keep=("x; DROP",))


def test_profiles_without_posts():
    # Profile-only data (e.g. looked-up bot profiles): every account still gets a score.
    s = Store()
    s.account("p1", handle="ayesha12345678", following=2000, followers=3, description="")
    s.account("p2")
    con = s.connect()
    out = account_signals(con, Settings())
    rows = _rows(con)
    assert out["accounts"] == 2 and rows["p1"]["posts"] == 0 and rows["p1"]["utc_offset"] is None
    assert rows["p1"]["inauthenticity_score"] > rows["p2"]["inauthenticity_score"]
    assert "handle is a name followed by 8 digits" in rows["p1"]["reasons"]


def test_no_posts_table_is_a_clear_error():
    with pytest.raises(InputError, match="no posts table"):
        account_signals(duckdb.connect(), Settings())


def test_clockwork_same_minute_and_volume_reasons():
    s = Store()
    s.account("bot", handle="xkcdqwrtzp", created_at=datetime(2023, 1, 1))
    for i in range(200):  # every 30 minutes at :15:17 and :45:17 -> the same second too
        s.post("bot", T0 + timedelta(minutes=15 + 30 * i, seconds=17), f"automated post number {i}")
    rng = np.random.default_rng(1)
    for a in range(30):
        s.account(f"h{a}")
        s.human_posts(f"h{a}", rng, 25, 5)
    con = s.connect()
    account_signals(con, Settings())
    r = _rows(con)["bot"]
    assert "posts at near-constant intervals (about every 30 minutes)" in r["reasons"]
    assert "handle looks like a random string" in r["reasons"]
    assert "posts around the clock with no nightly pause" in r["reasons"]
    assert "posts at the same second of the minute 100% of the time" in r["reasons"]
    assert len(r["reasons"].split("; ")) == 5  # the five strongest only
    assert r["ev_high_volume"] > 0 and r["posts_per_day"] == pytest.approx(48.5, abs=0.5)
    assert "no nightly pause" in r["origin_note"]
    assert r["inauthenticity_score"] > 0.8


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 30)), min_size=1, max_size=30, unique_by=lambda t: t[0]))
@hsettings(max_examples=60, deadline=None)
def test_creation_batches_matches_brute_force(day_counts):
    from scipy import stats

    days = np.array([d for d, _ in day_counts])
    counts = np.array([c for _, c in day_counts], dtype=float)
    expected, logp = creation_batches(days, counts, half_window=30)
    for i, d in enumerate(days):
        around = sum(c for dd, c in day_counts if dd != d and abs(dd - d) <= 30)
        exp = max(around / 60, 1 / 61)
        assert expected[i] == pytest.approx(exp)
        assert logp[i] == pytest.approx(-math.log10(max(stats.poisson.sf(counts[i] - 1, exp), 1e-300)))


@given(st.lists(st.integers(0, 23), min_size=1, max_size=80))
@hsettings(max_examples=80, deadline=None)
def test_offset_inference_matches_brute_force(hours_list):
    hist = np.bincount(hours_list, minlength=24).astype(float)
    off, conf = infer_offsets(hist[None, :], 1)
    ll = {o: sum(hist[u] * math.log(TEMPLATE[(u + o) % 24]) for u in range(24)) / 2 for o in OFFSETS}
    best = max(ll.values())
    assert ll[int(off[0])] == pytest.approx(best)
    z = sum(math.exp(v - best) for v in ll.values())
    near = sum(math.exp(v - best) for o, v in ll.items() if offset_distance(o, off[0]) <= 1)
    assert conf[0] == pytest.approx(near / z)


@given(st.lists(st.integers(0, 23), min_size=1, max_size=60))
@hsettings(max_examples=60, deadline=None)
def test_quiet_share_matches_brute_force(hours_list):
    hist = np.bincount(hours_list, minlength=24).astype(float)
    want = min(sum(hist[(s + k) % 24] for k in range(6)) for s in range(24)) / hist.sum()
    assert quiet_share(hist[None, :])[0] == pytest.approx(want)


@pytest.mark.parametrize("true_offset", [-5, 0, 3, 5, 8])
def test_offset_recovered_from_many_posts(true_offset):
    rng = np.random.default_rng(true_offset + 20)
    local = rng.choice(24, size=(200, 80), p=TEMPLATE)
    hist = np.stack([np.bincount((row - true_offset) % 24, minlength=24) for row in local])
    off, conf = infer_offsets(hist, 20)
    assert np.mean([offset_distance(o, true_offset) <= 1 for o in off]) >= 0.95
    assert np.median(conf) > 0.7


def test_offset_needs_min_posts():
    off, conf = infer_offsets(np.ones((1, 24)) * 0.5, 20)  # 12 posts
    assert np.isnan(off[0]) and np.isnan(conf[0])


def test_gazetteer_places():
    assert claimed_place("Lahore, Pakistan").name == "Lahore"
    assert claimed_place("لاہور").name == "Lahore"
    assert claimed_place("Karachi 🇵🇰").country == "PK"
    assert claimed_place("🇦🇪").country == "AE"
    assert claimed_place("Islamabad").zones == ("Asia/Karachi",)
    assert claimed_place("Dubai, UAE").zones == ("Asia/Dubai",)
    assert claimed_place("somewhere over the rainbow") is None
    assert claimed_place("") is None and claimed_place(None) is None


def test_zone_offsets_and_format():
    assert zone_offset("Asia/Karachi", datetime(2024, 1, 1)) == 5
    assert zone_offset("Europe/London", datetime(2024, 7, 1)) == 1  # summer time
    assert zone_offset("Not/AZone", datetime(2024, 1, 1)) is None
    assert format_offset(5) == "UTC+5" and format_offset(-3.5) == "UTC-3:30" and format_offset(0) == "UTC"
    assert offset_distance(12, -11) == 1


def test_scripts():
    con = duckdb.connect()
    got = text_scripts(con, ["یہ بہت اچھا ہے", "هذا خبر عاجل من القناة", "دا ښه ورځ ده", "यह अच्छा है",
                             "this is good https://x.com/a", "yeh bohat acha hai yaar", "این یک روز خوب است",
                             "", "Привет мир", "@someone #tag"])
    assert got == ["urdu", "arabic", "pashto", "devanagari", "latin", "roman-urdu", "persian", None, "cyrillic", None]


def test_name_list_has_source_and_no_male_names():
    names = set(female_names().column("name").to_pylist())
    assert {"ayesha", "fatima", "mary", "priya", "عائشہ", "sadia"} <= names
    assert not {"ali", "muhammad", "john", "imran"} & names


def test_evidence_weights_are_probabilities():
    assert all(0 < w < 1 for _, w, _, _ in EVIDENCE)
    assert len({k for k, *_ in EVIDENCE}) == len(EVIDENCE)


# --------------------------------------------------------------------------- labels and training


def test_parse_labels_variants(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("account_id,label\na,bot\nb,human\nc,1\nd,0\ne,Inauthentic\nf,organic\n\n")
    assert parse_labels(p) == {"a": 1, "b": 0, "c": 1, "d": 0, "e": 1, "f": 0}


@pytest.mark.parametrize("content, message", [
    ("account_id,label\na,maybe\n", r"l\.csv:2: label 'maybe' is not a known label"),
    ("id,label\na,1\n", r"l\.csv:1: needs columns account_id and label \(found: id, label\)"),
    ("account_id,label\na,1\na,0\n", r"l\.csv:3: account a is labelled both ways"),
    ("account_id,label\n,1\n", r"l\.csv:2: empty account_id"),
    ("", r"l\.csv: empty file"),
    ("account_id,label\n", r"l\.csv: no labelled accounts"),
])
def test_parse_labels_errors(tmp_path, content, message):
    p = tmp_path / "l.csv"
    p.write_text(content)
    with pytest.raises(InputError, match=message):
        parse_labels(p)


def test_parse_labels_missing_file(tmp_path):
    with pytest.raises(InputError, match="labels file not found"):
        parse_labels(tmp_path / "nope.csv")


def test_train_save_and_use_model(campaign_store, tmp_path):
    con, rows = campaign_store
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\n" + "".join(
        f"{a},{'bot' if a.startswith('c') else 'human'}\n" for a in rows if a[0] in "oc") + "ghost,bot\n")
    model = tmp_path / "m.skops"
    metrics = train(con, labels, model, Settings())
    assert metrics["n"] == 230 and metrics["positives"] == 30 and metrics["unmatched"] == 1
    assert metrics["cv_auc"] > 0.95
    con2 = con.cursor()
    account_signals(con2, Settings(model=str(model)))
    got = _rows(con2)
    assert got["c001"]["score_method"] == "model"
    assert got["c001"]["inauthenticity_score"] > 0.9 > got["o001"]["inauthenticity_score"]
    assert "created the same day" in got["c001"]["reasons"]
    account_signals(con, Settings())  # leave the fixture as it was


def test_model_file_errors(campaign_store, tmp_path):
    con, _ = campaign_store
    with pytest.raises(InputError, match="model file not found"):
        account_signals(con.cursor(), Settings(model=str(tmp_path / "none.skops")))
    bad = tmp_path / "bad.skops"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a trendtrace model file"):
        account_signals(con.cursor(), Settings(model=str(bad)))


def test_train_needs_matching_accounts(campaign_store, tmp_path):
    con, _ = campaign_store
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\nzz1,1\nzz2,0\n")
    with pytest.raises(InputError, match="none of the 2 labelled accounts are in the store"):
        train(con, labels, tmp_path / "m.skops", Settings())


def test_model_features_cover_features():
    assert set(FEATURES) <= set(MODEL_FEATURES)


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcxyzAEIOUYQ019_.-é", max_size=20)
                | st.text(alphabet="ab1", min_size=60, max_size=70),
                min_size=1, max_size=30))
def test_handle_features_match_reference_sql(handles):
    """The byte-matrix handle features equal the reference SQL (and handle_entropy) on every handle."""
    from trendtrace.accounts.features import _HANDLE_COLUMNS, _HANDLE_SQL, _handle_table, handle_entropy

    con = duckdb.connect()
    con.register("accs", pa.table({"handle": pa.array(handles + [None], pa.string())}))
    fast = _handle_table(con, "accs").to_pylist()
    con.register("ref_src", pa.table({"hnd": [r["hnd"] for r in fast]}))
    ref = {r["hnd"]: r for r in con.sql(_HANDLE_SQL.format(source="ref_src")).to_arrow_table().to_pylist()}
    assert len(fast) == len(set(handles) | {""})
    for row in fast:
        for k in _HANDLE_COLUMNS:
            assert (row[k] == pytest.approx(ref[row["hnd"]][k], nan_ok=True)
                    or (row[k] is None and ref[row["hnd"]][k] is None)), (row["hnd"], k)
        want = handle_entropy([row["hnd"]])[0]
        assert ((row["handle_entropy"] is None and math.isnan(want))
                or row["handle_entropy"] == pytest.approx(want)), row["hnd"]


_REF_SQL = """
    WITH g AS (SELECT account_id, epoch(time) - lag(epoch(time)) OVER (PARTITION BY account_id ORDER BY time) AS gap
               FROM posts),
    gs AS (SELECT account_id, avg(gap) AS m, stddev_pop(gap) AS sd, median(gap) AS med FROM g
           WHERE gap IS NOT NULL GROUP BY account_id),
    mi AS (SELECT account_id, max(n) AS n FROM (SELECT account_id, minute(time), count(*) AS n FROM posts GROUP BY ALL)
           GROUP BY account_id),
    se AS (SELECT account_id, max(n) AS n FROM (SELECT account_id, second(time), count(*) AS n FROM posts GROUP BY ALL)
           GROUP BY account_id),
    b AS (SELECT account_id, count(*) AS posts, avg((kind = 'repost')::INT) AS rp, avg((kind = 'reply')::INT) AS rl,
                 avg((len(urls) > 0)::INT) AS ls, min(time) AS f, max(time) AS l,
                 list(hour(time)) AS hrs FROM posts GROUP BY account_id)
    SELECT b.account_id, b.posts, b.rp, b.rl, b.ls, b.f, b.l,
           CASE WHEN gs.sd + gs.m > 0 THEN (gs.sd - gs.m) / (gs.sd + gs.m) END, gs.med,
           mi.n / b.posts, se.n / b.posts, b.hrs
    FROM b LEFT JOIN gs USING (account_id) LEFT JOIN mi USING (account_id) LEFT JOIN se USING (account_id)
    ORDER BY 1
"""


@hsettings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5 * 86400),
                          st.sampled_from(["post", "repost", "reply", None]), st.booleans()),
                min_size=1, max_size=40))
def test_per_account_aggregates_match_plain_sql(posts):
    # The numpy aggregates (bincounts over a sorted read) against the plain SQL they replaced.
    s = Store()
    for a, secs, kind, link in posts:
        s.post(f"u{a}", T0 + timedelta(seconds=secs), f"text {secs}", kind=kind,
               urls=["https://x.example"] if link else [])
    con = s.connect()
    got = {r["account_id"]: r for r in account_features(con, Settings()).to_pylist()}
    for aid, n, rp, rl, ls, first, last, burst, med, mmode, smode, hrs in con.sql(_REF_SQL).fetchall():
        r = got[aid]
        assert r["posts"] == n and r["first_post"] == first and r["last_post"] == last
        for k, v in (("repost_share", rp), ("reply_share", rl), ("link_share", ls), ("burstiness", burst),
                     ("median_gap_s", med), ("minute_mode_share", mmode), ("second_mode_share", smode)):
            assert (r[k] is None) == (v is None), k
            if v is not None:
                assert r[k] == pytest.approx(v, rel=1e-9, abs=1e-9), k
        assert r["hours"] == [hrs.count(h) for h in range(24)]
