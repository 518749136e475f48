"""What the data does not carry is not evidence; the adaptive score; training with a held-out AUC.

Library tests on small hand-built stores, oracles for the rank transform and the quantile mapping,
and the same behaviour through the real command line (``trendtrace analyze`` / ``train``).
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings as hsettings, strategies as st
from scipy.stats import rankdata

from trendtrace.accounts import account_signals
from trendtrace.accounts.adaptive import MIN_ACCOUNTS, _ranked, adaptive_scores
from trendtrace.accounts.availability import FEATURE_FIELDS, FIELDS, field_availability
from trendtrace.accounts.features import FEATURES
from trendtrace.accounts.score import EVIDENCE, RULE_FIELDS
from trendtrace.cli import main
from trendtrace.settings import Settings

from test_accounts import T0, Store, _rows


# ------------------------------------------------------------------------- availability


def _people(s: Store, n: int, rng: np.random.Generator, **kw) -> None:
    for a in range(n):
        aid = f"p{a:03d}"
        s.account(aid, handle=f"person{a}", display_name=f"Person {a}", followers=int(rng.integers(50, 5000)),
                  following=int(rng.integers(50, 2000)), post_count=int(rng.integers(100, 20000)),
                  created_at=datetime(2012, 1, 1) + timedelta(days=int(rng.integers(0, 3000))), **kw)
        s.human_posts(aid, rng, 12, 0)


def test_a_field_the_source_lacks_is_unavailable_and_says_so():
    # 120 accounts: no bios, no locations, no links at all (as in an IO archive or a bare posts file);
    # display names everywhere.
    rng = np.random.default_rng(1)
    s = Store()
    _people(s, 120, rng, description=None, location=None, url=None)
    con = s.connect()
    avail = field_availability(con)
    for f in ("description", "location", "url"):
        assert not avail[f]["available"] and avail[f]["present"] == 0
    assert avail["description"]["note"] == (
        "this data has no bios, so the score does not use profile emptiness (no bio) and bio length")
    for f in ("handle", "display_name", "created_at", "followers", "following", "post_count", "time", "text"):
        assert avail[f]["available"], f
    # Times carry seconds (human_posts draws them), so the seconds field is there; likes are not.
    assert avail["seconds"]["available"] and not avail["likes_given"]["available"]
    account_signals(con, Settings())
    rows = _rows(con)
    assert not any("empty profile" in (r["reasons"] or "") for r in rows.values())
    assert all(r["ev_empty_profile"] == 0 for r in rows.values())
    fields = dict(con.execute("SELECT field, available FROM account_fields").fetchall())
    assert set(fields) == set(FIELDS) and fields["description"] is False and fields["handle"] is True


def test_constant_for_99_percent_is_unavailable_but_1_in_50_is_not():
    rng = np.random.default_rng(2)
    s = Store()
    # 200 accounts: every one has the same bio but one (99.5 %); 4 of 200 (2 %) have a profile link.
    _people(s, 200, rng, description="same bio")
    s.accounts["description"][0] = "another bio"
    s.accounts["url"] = [("https://x.org" if i < 4 else None) for i in range(200)]
    avail = field_availability(s.connect())
    assert not avail["description"]["available"] and avail["description"]["modal"] == pytest.approx(0.995)
    assert "are the same for 100% of accounts" in avail["description"]["note"] or \
        "are the same for 99" in avail["description"]["note"]
    assert avail["url"]["available"] and avail["url"]["present"] == pytest.approx(0.02)


def test_accounts_seen_only_in_posts_count_as_empty():
    # 11 accounts with a bio in the accounts table, 989 more only in posts: bios for 1.1 % -> there;
    # 10 of 1,000 -> empty for 99 % of accounts -> not there.
    s = Store()
    for i in range(11):
        s.account(f"a{i}", description=f"bio {i}")
    for i in range(1000):
        s.post(f"a{i}", T0 + timedelta(minutes=i))
    avail = field_availability(s.connect())["description"]
    assert avail["available"] and avail["present"] == pytest.approx(0.011)
    s.accounts["description"][10] = None
    avail = field_availability(s.connect())["description"]
    assert not avail["available"] and avail["modal"] == pytest.approx(0.99)


def test_times_kept_to_the_minute_are_not_same_second_evidence():
    # A source that keeps minutes only: every post at second 0. The seconds field is unavailable,
    # and no account is said to post "at the same second" (the old rule flagged them all).
    rng = np.random.default_rng(3)
    s = Store()
    for a in range(30):
        s.account(f"m{a}")
        for _i in range(20):
            s.post(f"m{a}", T0 + timedelta(hours=int(rng.integers(0, 600)), minutes=int(rng.integers(0, 60))))
    con = s.connect()
    assert not field_availability(con)["seconds"]["available"]
    account_signals(con, Settings())
    assert not any("same second" in (r["reasons"] or "") for r in _rows(con).values())


def test_no_creation_dates_means_no_lifetime_rate():
    # Posts only, with lifetime post counts but no creation dates (as in ira2017_congress): the
    # lifetime rate cannot be computed, so "posts N times a day" comes from the data alone.
    rng = np.random.default_rng(4)
    s = Store()
    for a in range(20):
        s.account(f"n{a}", created_at=None, post_count=900_000)
        s.human_posts(f"n{a}", rng, 12, 0)
    con = s.connect()
    account_signals(con, Settings())
    assert not any("times a day" in (r["reasons"] or "") for r in _rows(con).values())


def test_every_rule_and_feature_names_known_fields():
    assert set(RULE_FIELDS) == {k for k, *_ in EVIDENCE}
    for need in (*RULE_FIELDS.values(), *FEATURE_FIELDS.values()):
        assert set(need) <= set(FIELDS)
    assert set(FEATURES) <= set(FEATURE_FIELDS)


# ------------------------------------------------------------------------- adaptive score


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=1, max_size=60))
def test_rank_share_is_the_mid_rank(values):
    x = np.array([np.nan if v is None else float(v) for v in values])
    z, share = _ranked(x, np.random.default_rng(0))
    ok = ~np.isnan(x)
    assert np.isnan(share[~ok]).all() and (z[~ok] == 0).all()
    if ok.any():
        expect = (rankdata(x[ok]) - 0.5) / ok.sum()  # brute force: average ranks of ties
        assert np.allclose(share[ok], expect)
        assert np.all(np.diff(z[ok][np.argsort(x[ok], kind="stable")]) >= 0)  # monotone


def test_large_stores_read_ranks_off_quantile_knots():
    # 120,000 accounts (more than RANK_SAMPLE): a continuous feature's rank share comes from a sample
    # and KNOTS knots, within 1 / KNOTS plus the sampling error of the exact mid-rank; a 0/1 feature
    # stays exact up to sampling.
    from trendtrace.accounts.adaptive import KNOTS, RANK_SAMPLE

    rng = np.random.default_rng(8)
    n = 120_000
    assert n > RANK_SAMPLE
    x = rng.lognormal(3, 2, n)
    _, share = _ranked(x, np.random.default_rng(0))
    exact = (rankdata(x) - 0.5) / n
    assert np.abs(share - exact).max() < 1 / KNOTS + 0.01
    b = (rng.random(n) < 0.3).astype(float)
    _, share = _ranked(b, np.random.default_rng(0))
    assert np.allclose(np.unique(share), [0.35, 0.85], atol=0.01)


@hsettings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(MIN_ACCOUNTS, 400))
def test_score_keeps_the_rules_scale(seed, n):
    rng = np.random.default_rng(seed)
    rule = np.where(rng.random(n) < 0.2, rng.random(n), 0.0)
    cols = {"a": rng.normal(size=n) + 3 * (rule > 0.5), "b": np.where(rng.random(n) < 0.1, np.nan, rng.random(n))}
    fit = adaptive_scores(cols, rule, seed=1)
    # the same multiset of values as the rules (so the same number of accounts reach 0.5) ...
    assert np.array_equal(np.sort(fit.score), np.sort(rule))
    if fit.method == "adaptive":
        # ... handed out in the model's order
        o = np.argsort(fit.model_score, kind="stable")
        assert np.all(np.diff(fit.score[o]) >= 0)


def test_the_rules_teach_a_signal_they_do_not_know():
    # 1,000 accounts. 60 operated accounts: 30 of them trip the rules (rule score 0.7), 30 trip none;
    # all 60 have given almost no likes, which no rule looks at. The model learns "few likes" from the
    # 30 the rules caught and ranks the other 30 above nearly every ordinary account.
    rng = np.random.default_rng(5)
    n, ops = 1000, np.arange(60)
    likes = rng.lognormal(7, 1.2, n)
    likes[ops] = rng.integers(0, 5, len(ops))
    rule = np.where(rng.random(n) < 0.04, 0.6, 0.0)  # the rules' usual false alarms on ordinary accounts
    rule[:30] = 0.7
    rule[30:60] = 0.0
    cols = {"likes_given": likes, "followers": rng.lognormal(5, 1, n), "noise": rng.random(n)}
    fit = adaptive_scores(cols, rule, seed=0)
    assert fit.method == "adaptive"
    hidden = fit.model_score[30:60]
    ordinary = fit.model_score[60:]
    assert np.mean(hidden[:, None] > ordinary[None, :]) > 0.95
    assert fit.coef[fit.features.index("likes_given")] < 0  # fewer likes, more suspect
    # the same number of accounts at >= 0.5 as the rules flagged
    assert (fit.score >= 0.5).sum() == (rule >= 0.5).sum()


def test_small_stores_keep_the_rule_score():
    rule = np.linspace(0, 1, MIN_ACCOUNTS - 1)
    fit = adaptive_scores({"x": rule * 2}, rule)
    assert fit.method == "rules" and "fewer than" in fit.why and np.array_equal(fit.score, rule)
    fit = adaptive_scores({"x": np.arange(500.0)}, np.zeros(500))
    assert fit.method == "rules" and "evidence on fewer than" in fit.why


def test_suspects_get_a_relative_reason_with_the_value():
    from test_accounts import Store as S

    rng = np.random.default_rng(6)
    s = S()
    _people(s, 300, rng)
    for a in range(40):  # operated: batch-created on one day, name+digits handles, follow many, few followers
        aid = f"x{a:02d}"
        s.account(aid, handle=f"Ayesha{rng.integers(10**7, 10**8)}", created_at=datetime(2024, 2, 20, 3, a),
                  followers=int(rng.integers(0, 10)), following=int(rng.integers(1500, 3000)), post_count=40)
        s.human_posts(aid, rng, 12, 0)
    con = s.connect()
    account_signals(con, Settings())
    rows = _rows(con)
    assert {r["score_method"] for r in rows.values()} == {"adaptive"}
    ops = [r for a, r in rows.items() if a.startswith("x")]
    people = [r for a, r in rows.items() if a.startswith("p")]
    assert np.mean([r["inauthenticity_score"] >= 0.5 for r in ops]) >= 0.9
    assert np.mean([r["inauthenticity_score"] >= 0.5 for r in people]) <= 0.05
    said = "; ".join(r["reasons"] for r in ops)
    assert "of accounts in this data)" in said  # e.g. "follows 2,310 accounts (higher than 93% of accounts ...)"
    assert "created the same day as" in said  # the rule sentences stay


# ------------------------------------------------------------------------- command line


def _write_csv(path: Path, rng: np.random.Generator, bots: int = 40, people: int = 260) -> list[tuple[str, str]]:
    """A posts CSV with profile counts but no bios, locations or links; returns (account, label)."""
    labels = []
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "user_id", "screen_name", "created_at", "text", "followers_count", "friends_count",
                    "statuses_count", "favourites_count", "account_created_at"])
        k = 0
        for a in range(people + bots):
            bot = a >= people
            aid = f"u{a:04d}"
            labels.append((aid, "bot" if bot else "human"))
            created = datetime(2024, 2, 20, 3, a % 60) if bot else datetime(2011, 1, 1) + timedelta(
                days=int(rng.integers(0, 4000)))
            prof = (int(rng.integers(0, 10)), int(rng.integers(1500, 3000)), 40, int(rng.integers(0, 3))) if bot else (
                int(rng.integers(50, 5000)), int(rng.integers(50, 2000)), int(rng.integers(100, 20000)),
                int(rng.integers(100, 30000)))
            handle = f"Ayesha{rng.integers(10**7, 10**8)}" if bot else f"person_{a}"
            for i in range(10):
                k += 1
                t = T0 + timedelta(days=int(rng.integers(0, 20)), hours=int(rng.integers(6, 23)),
                                   minutes=int(rng.integers(0, 60)), seconds=int(rng.integers(0, 60)))
                text = f"march today #HaqMarch {i}" if bot else f"my own words {rng.integers(1e9)}"
                w.writerow([f"t{k}", aid, handle, t.isoformat(), text, *prof, created.isoformat()])
    return labels


def _cli(*args: object) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adaptive")
    data = tmp / "posts.csv"
    labels = _write_csv(data, np.random.default_rng(7))
    r = _cli("--quiet", "analyze", data, "--out", tmp / "out")
    assert r.exit_code == 0, r.output
    return tmp, labels


def test_cli_report_lists_what_the_data_lacks(cli_store):
    tmp, _ = cli_store
    rep = json.loads((tmp / "out" / "report.json").read_text())
    score = rep["accounts"]["score"]
    assert score["method"] == "adaptive" and score["model"] is None
    gone = {u["field"]: u["note"] for u in score["unavailable"]}
    assert {"description", "location", "url"} <= set(gone) and "likes_given" not in gone
    assert gone["description"].startswith("this data has no bios, so the score does not use")
    html = (tmp / "out" / "report.html").read_text()
    assert "Not used because this data does not carry it: this data has no" in html
    with (tmp / "out" / "accounts.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert not any("no bio" in r["reasons"] for r in rows)
    bots = [r for r in rows if r["handle"].startswith("Ayesha")]
    assert np.mean([float(r["inauthenticity_score"]) >= 0.5 for r in bots]) >= 0.9


def test_cli_train_reports_held_out_auc_and_the_report_names_the_model(cli_store):
    tmp, labels = cli_store
    lab = tmp / "labels.csv"
    lab.write_text("account_id,label\n" + "".join(f"{a},{y}\n" for a, y in labels))
    model = tmp / "m.skops"
    db = tmp / "out" / "trendtrace.duckdb"
    r = _cli("train", lab, "--db", db, "--model", model)
    assert r.exit_code == 0, r.output
    assert "cross-validated AUC" in r.output and "held-out AUC" in r.output and "300 labelled accounts" in r.output
    r = _cli("--quiet", "analyze", "--db", db, "--out", tmp / "out2", "--model", model)
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp / "out2" / "report.json").read_text())
    m = rep["accounts"]["score"]["model"]
    assert rep["accounts"]["score"]["method"] == "model" and len(m["sha256"]) == 64
    assert m["labels"] == "labels.csv" and m["n"] == 300 and 0.5 <= m["holdout_auc"] <= 1
    assert "Inauthenticity score from a trained model" in (tmp / "out2" / "report.html").read_text()
    # without --model the next run is unsupervised again and says so
    r = _cli("--quiet", "analyze", "--db", db, "--out", tmp / "out3")
    assert json.loads((tmp / "out3" / "report.json").read_text())["accounts"]["score"]["method"] == "adaptive"


@pytest.mark.parametrize("rows, message", [
    (lambda labels: [(a, "human") for a, _ in labels], r"all 300 labelled accounts found in the store are authentic"),
    (lambda labels: [(a, y) for a, y in labels if y == "human"][:50] + [(a, y) for a, y in labels if y == "bot"][:5],
     r"need at least 10 labelled accounts of each class in the store, got 5 inauthentic and 50 authentic"),
])
def test_cli_train_refuses_one_class_or_tiny_labels(cli_store, rows, message):
    tmp, labels = cli_store
    lab = tmp / "bad.csv"
    lab.write_text("account_id,label\n" + "".join(f"{a},{y}\n" for a, y in rows(labels)))
    r = _cli("train", lab, "--db", tmp / "out" / "trendtrace.duckdb", "--model", tmp / "never.skops")
    assert r.exit_code == 1
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and __import__("re").search(message, lines[0]), r.stderr
    assert not (tmp / "never.skops").exists()


# ------------------------------------------------------------------------- home zone


def test_home_zone_is_inferred_from_ordinary_accounts_not_assumed():
    # 60 people at UTC+1 (an unusual home on purpose) and 30 batch-created accounts at UTC+8 that
    # post twice as much: the home is the people's, UTC+1; the others are "not the home zone".
    from trendtrace.accounts.origin import infer_home_offset

    rng = np.random.default_rng(9)
    s = Store()
    for a in range(60):
        s.account(f"h{a:02d}", handle=f"resident{a}", display_name=f"R {a}",
                  created_at=datetime(2012, 1, 1) + timedelta(days=int(rng.integers(0, 3000))))
        s.human_posts(f"h{a:02d}", rng, 40, 1)
    for a in range(30):
        s.account(f"x{a:02d}", handle=f"Ayesha{rng.integers(10**7, 10**8)}", created_at=datetime(2024, 2, 20, 3, a),
                  followers=2, following=900, post_count=50, location="")
        s.human_posts(f"x{a:02d}", rng, 80, 8)
    con = s.connect()
    account_signals(con, Settings())
    (zone, label, how, off, support, n, note), = con.execute("SELECT * FROM home_zone").fetchall()
    assert (zone, how, off) == ("Etc/GMT-1", "inferred", 1.0) and label == "UTC+1 (inferred)"
    assert note.startswith("home zone UTC+1, inferred from the pooled daily rhythm of") and support >= 0.9
    rows = _rows(con)
    assert all("not the home zone UTC+1 (inferred)" in (rows[f"x{a:02d}"]["origin_note"] or "") for a in range(30)
               if rows[f"x{a:02d}"]["utc_offset"] is not None and rows[f"x{a:02d}"]["claimed_place"] is None)
    # Given: used as is, and said so.
    account_signals(con, Settings(home_tz="Asia/Tokyo"))
    assert con.execute("SELECT how, note FROM home_zone").fetchall() == [
        ("given", "home zone Asia/Tokyo, given with --home-tz")]
    # Too little evidence: no home zone, and why.
    steady = np.roll(np.r_[np.zeros(8), np.ones(16)], -1)  # awake 07-23 at UTC+1
    off, support, n = infer_home_offset(np.array([1.0] * 5 + [np.nan] * 10), steady * 5)
    assert off is None and n == 5 and support == 1.0
    off, support, n = infer_home_offset(np.array([1.0] * 25), steady * 25)
    assert (off, support, n) == (1.0, 1.0, 25)


def test_cli_says_which_home_zone_and_how(cli_store):
    tmp, _ = cli_store
    rep = json.loads((tmp / "out" / "report.json").read_text())
    home = rep["home_tz"]
    assert home["how"] in ("inferred", "unknown") and home["note"].startswith("home zone")
    assert "Home time zone:" in (tmp / "out" / "report.html").read_text()
    r = _cli("analyze", "--db", tmp / "out" / "trendtrace.duckdb", "--out", tmp / "out4")
    assert r.exit_code == 0 and ("Home zone " in r.output), r.output
    r = _cli("analyze", "--db", tmp / "out" / "trendtrace.duckdb", "--out", tmp / "out5", "--home-tz", "Mars/Base")
    assert r.exit_code == 1 and "--home-tz 'Mars/Base': not a time zone name" in r.stderr
