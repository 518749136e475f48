"""Validity harness: trendtrace's real pipeline on every labelled real set, beside same-run baselines.

    .venv/bin/python bench/validity.py [--data ../shared/data] [--sets ira2017,sim,...] [--sample N]

For each labelled set in ``../shared/data`` (read-only; each skipped with a reason when absent) and
for the simulator, it runs ``trendtrace analyze`` through the library with default settings and
prints one Markdown table: per set, metric, method and half (accounts, or trends, split by a seeded
hash into a *calibration* half, where operating points are chosen, and a *held-out* half, which is
reported and never tuned on). Baselines are computed in the same run on the same rows:

* coordination (``ira2017_congress``): recall over troll accounts and false-positive rate over
  members of Congress, both over accounts with at least 10 posts, at the shipped operating point
  (``coordinated``); ROC AUC of ``coordination_score``; baselines "co-retweet >= 2 within 60 s" (the
  default of CooRTweet and the coordination-network-toolkit) and ">= 5", and the co-retweet rule's
  recall at trendtrace's own false-positive rate;
* accounts: ROC AUC of ``inauthenticity_score`` beside the best single profile feature (the best on
  the calibration half, oriented there) and beside ``rule_score`` (the rules alone, the method before
  the adaptive model: "trendtrace rules only (rule_score)"); ``account_auc_margin`` = trendtrace's
  AUC minus the best single feature's (positive = trendtrace better);
* trends (``ira2017_congress`` hashtags with at least 30 posts, labelled by who made them: at least
  90 % of posts by troll accounts = manufactured, at most 10 % = organic, the rest left out): ROC
  AUC of ``score`` and organic trends called ``manufactured``, beside the repost share and beside
  every single statistic of the trend (each numeric column of ``trends`` but the score, the verdict,
  the cost and the per-store ``background_share`` / ``home_offset``: "single statistic: <column>",
  oriented on the calibration half, a missing value taken as the least suspicious), the best of them
  on the calibration half ("best single statistic (<column>)") and ``trend_auc_margin`` = trendtrace's
  trend AUC minus that one's (positive = trendtrace better);
* the simulator: precision and recall of ``coordinated`` against its truth; the share of its organic
  accounts (``organic_accounts_suspect``) and of its campaign accounts (``campaign_accounts_suspect``;
  in the realistic scenario also its organisations' members) with ``inauthenticity_score`` >= 0.5,
  and the same for ``rule_score``.

Profile-only sets (``cresci2017_profiles``, ``social_honeypot``) and ``ephemeral_astroturfing`` are
in ``bench/_validity_profiles.py``. Results: ``docs/validity.md``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _validity_common import (HALVES, RULES_ONLY, Row, auc, by_half, co_action_max, margin_row, orient,  # noqa: E402
                               recall_at_fpr, recall_fpr, rules_note, score_method_of)

from trendtrace.pipeline import analyze  # noqa: E402
from trendtrace.settings import Settings  # noqa: E402
from trendtrace.store import Store  # noqa: E402

log = logging.getLogger("validity")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MIN_POSTS = 10  # accounts with fewer posts are left out of the coordination figures
TREND_MIN_POSTS = 30
#: Numeric columns of ``trends`` that are not a single statistic of the trend: the score and its cost,
#: and values of the store rather than of the trend (``background_share``: the store's lower quartile
#: of the suspect share; ``home_offset``: the store's home zone's offset at the trend's median time).
NOT_TREND_STATISTICS = ("score", "cost_usd_low", "cost_usd_high", "background_share", "home_offset")


def _sample_ids(ids: list[str], n: int) -> set[str]:
    """A deterministic sample of ``n`` ids (smallest BLAKE2b of the id)."""
    key = lambda a: hashlib.blake2b(a.encode(), digest_size=8).digest()  # noqa: E731
    return set(sorted(ids, key=key)[:n])


def coretweet_max(con: duckdb.DuckDBPyConnection, window: int = 60) -> dict[str, int]:
    """The peers' baseline: per account, the largest number of distinct posts it co-retweeted with
    any one other account within ``window`` seconds (0 when none). "Co-retweet >= k" flags max >= k."""
    return co_action_max(con, "SELECT account_id AS a, ref_post_id AS o, epoch(time)::BIGINT AS t FROM posts "
                              "WHERE kind = 'repost' AND ref_post_id IS NOT NULL AND account_id IS NOT NULL", window)


def _best_feature(y: np.ndarray, half: np.ndarray, feats: dict[str, np.ndarray]) -> tuple[str, np.ndarray]:
    """The single feature with the best AUC on the calibration half, oriented there."""
    cal = half == "calibration"
    oriented = {name: orient(v, y, cal)[0] for name, v in feats.items()}
    best = max(oriented, key=lambda name: auc(y[cal], oriented[name][cal]))
    return best, oriented[best]


def trend_statistics(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """Every single statistic of each trend: column -> trend -> value (NaN when null), over the
    numeric columns of ``trends`` (integers, floats, decimals; not text, times or
    :data:`NOT_TREND_STATISTICS`)."""
    tbl = con.sql("SELECT * FROM trends").to_arrow_table()
    names = tbl.column("trend").to_pylist()
    out: dict[str, dict[str, float]] = {}
    for field in tbl.schema:
        numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_decimal(field.type)
        if numeric and field.name not in NOT_TREND_STATISTICS:
            vals = tbl.column(field.name).cast(pa.float64()).to_numpy(zero_copy_only=False)
            out[field.name] = dict(zip(names, vals.tolist(), strict=False))
    return out


def orient_missing_low(x: np.ndarray, y: np.ndarray, cal: np.ndarray) -> tuple[np.ndarray, int]:
    """Orient ``x`` so that higher = positive class, the direction with the larger AUC on the
    calibration half (ties: as is), a missing value (NaN) taken as the least suspicious value in
    that direction (below every other). With nothing missing this is :func:`orient`'s direction."""
    x = np.asarray(x, dtype=float)
    best: tuple[float, np.ndarray, int] | None = None
    for sign in (1, -1):
        z = np.where(np.isnan(x), -np.inf, sign * x)
        a = auc(y[cal], z[cal])
        a = a if np.isfinite(a) else -1.0
        if best is None or a > best[0]:
            best = (a, z, sign)
    assert best is not None
    return best[1], best[2]


# ---------------------------------------------------------------------------------- ira2017_congress

def ira2017(data: Path, work: Path, sample: int | None = None, overrides: dict | None = None) -> list[Row]:
    """The IRA troll operation against members of Congress (``ira2017_congress/``)."""
    root = data / "ira2017_congress"
    name = "ira2017_congress"
    if not (root / "posts.parquet").exists():
        return [Row(name, "skipped", "-", "all", float("nan"), 0, f"{root} is absent")]
    src = root / "posts.parquet"
    lab = duckdb.sql(f"SELECT account_id::VARCHAR, label FROM read_csv('{root / 'labels.csv'}', all_varchar=true)")
    labels = dict(lab.fetchall())
    if sample:
        keep = _sample_ids(sorted(labels), sample)
        src = work / "ira_sample.parquet"
        c = duckdb.connect()
        c.register("_keep", pa.table({"a": sorted(keep)}))
        c.execute(f"COPY (SELECT * FROM read_parquet('{root / 'posts.parquet'}') WHERE account_id IN "
                  f"(SELECT a FROM _keep)) TO '{src}' (FORMAT parquet)")
        c.close()
        labels = {a: v for a, v in labels.items() if a in keep}
    db = work / "ira2017.duckdb"
    t0 = time.perf_counter()
    with Store(db) as store:
        store.ingest([src], fmt="parquet", mapping={"post_count": "statuses"})
        analyze(store, Settings(**(overrides or {})))
        seconds = time.perf_counter() - t0
        con = store.con
        acc = con.sql("""
            SELECT c.account_id, c.posts, c.coordinated, c.coordination_score, s.inauthenticity_score,
                   a.followers, a.following, a.post_count, s.rule_score
            FROM account_coordination c LEFT JOIN account_signals s USING (account_id)
            LEFT JOIN accounts a USING (account_id) ORDER BY c.account_id""").fetchall()
        score_method = score_method_of(con)
        base = coretweet_max(con)
        trends = con.sql(f"""
            WITH tp AS (SELECT lower(h) AS trend, account_id, kind FROM posts, unnest(hashtags) AS u(h))
            SELECT t.trend, t.score, t.verdict, count(*) AS n,
                   avg((tp.kind = 'repost')::INT) AS repost_share,
                   list(tp.account_id) AS accounts
            FROM trends t JOIN tp USING (trend) GROUP BY ALL HAVING count(*) >= {TREND_MIN_POSTS}
        """).fetchall()
        tstats = trend_statistics(con)
    log.info("ira2017_congress: analyze %.1f s", seconds)
    rows: list[Row] = []
    acc = [r for r in acc if r[0] in labels]
    ids = [r[0] for r in acc]
    y_all = np.array([labels[a] == "coordinated" for a in ids])
    half_all = by_half(ids)
    enough = np.array([r[1] >= MIN_POSTS for r in acc])
    flagged = np.array([bool(r[2]) for r in acc])
    cscore = np.array([float(r[3] or 0) for r in acc])
    iscore = np.array([float(r[4]) if r[4] is not None else np.nan for r in acc])
    rscore = np.array([float(r[8]) if r[8] is not None else np.nan for r in acc])
    bmax = np.array([base.get(a, 0) for a in ids])
    feats = {
        "followers": np.array([r[5] if r[5] is not None else np.nan for r in acc], dtype=float),
        "following": np.array([r[6] if r[6] is not None else np.nan for r in acc], dtype=float),
        "statuses": np.array([r[7] if r[7] is not None else np.nan for r in acc], dtype=float),
    }
    feats["following/followers"] = feats["following"] / np.maximum(feats["followers"], 1)
    fname, fscore = _best_feature(y_all, half_all, feats)
    for h in HALVES:
        m = (half_all == h) & enough
        y = y_all[m]
        n = int(m.sum())
        rec, fpr = recall_fpr(y, flagged[m])
        rows += [
            Row(name, "recall", "trendtrace", h, rec, int(y.sum()), f"accounts with >= {MIN_POSTS} posts"),
            Row(name, "fpr", "trendtrace", h, fpr, int((~y).sum())),
            Row(name, "coordination_auc", "trendtrace", h, auc(y, cscore[m]), n),
        ]
        for k in (2, 5):
            br, bf = recall_fpr(y, bmax[m] >= k)
            rows += [Row(name, "recall", f"co-retweet >= {k} in 60 s", h, br, int(y.sum())),
                     Row(name, "fpr", f"co-retweet >= {k} in 60 s", h, bf, int((~y).sum()))]
        rows.append(Row(name, "coordination_auc", "co-retweet count (max over partners)", h, auc(y, bmax[m]), n))
        rows.append(Row(name, "recall_at_trendtrace_fpr", "co-retweet count (max over partners)", h,
                        recall_at_fpr(y, bmax[m], fpr), int(y.sum()), f"at fpr {fpr:.3f}"))
        rows.append(Row(name, "recall_at_fpr_0.01", "trendtrace coordination_score", h,
                        recall_at_fpr(y, cscore[m], 0.01), int(y.sum())))
        rows.append(Row(name, "recall_at_fpr_0.01", "co-retweet count (max over partners)", h,
                        recall_at_fpr(y, bmax[m], 0.01), int(y.sum())))
        ma = half_all == h
        a_tt = auc(y_all[ma], np.nan_to_num(iscore[ma], nan=0.5))
        a_best = auc(y_all[ma], fscore[ma])
        rows.append(Row(name, "account_auc", "trendtrace", h, a_tt, int(ma.sum()), "all labelled accounts"))
        rows.append(Row(name, "account_auc", f"best single feature ({fname})", h, a_best, int(ma.sum())))
        rows.append(Row(name, "account_auc", RULES_ONLY, h, auc(y_all[ma], np.nan_to_num(rscore[ma], nan=0.5)),
                        int(ma.sum()), rules_note(score_method)))
        rows.append(margin_row(name, "account_auc", h, a_tt, a_best, fname, int(ma.sum())))
    # Trends: labelled by the share of their posts from troll accounts.
    tl, ts, tv, trep, tnames = [], [], [], [], []
    for trend, score, verdict, _n, rep, accs in trends:
        share = float(np.mean([labels.get(a) == "coordinated" for a in accs]))
        if share >= 0.9 or share <= 0.1:
            tl.append(share >= 0.9)
            ts.append(float(score))
            tv.append(verdict)
            trep.append(float(rep))
            tnames.append(trend)
    tl_a, ts_a, tv_a, trep_a = np.array(tl, bool), np.array(ts), np.array(tv, dtype=object), np.array(trep)
    th = by_half(tnames)
    single = _single_statistics(tl_a, th == "calibration", {c: [v[t] for t in tnames] for c, v in tstats.items()})
    sbest = max(single, key=lambda c: (single[c][2] if np.isfinite(single[c][2]) else -1.0, c)) if single else None
    for h in HALVES:
        m = th == h
        y = tl_a[m]
        note = f"hashtags with >= {TREND_MIN_POSTS} posts: {int(y.sum())} troll-made, {int((~y).sum())} organic"
        rows += [
            Row(name, "trend_auc", "trendtrace", h, auc(y, ts_a[m]), int(m.sum()), note),
            Row(name, "trend_auc", "repost share", h, auc(y, trep_a[m]), int(m.sum())),
            Row(name, "organic_trends_manufactured", "trendtrace", h,
                float(((tv_a[m] == "manufactured") & ~y).sum()), int((~y).sum()), "count"),
            Row(name, "manufactured_trends_found", "trendtrace", h,
                float(((tv_a[m] == "manufactured") & y).sum()), int(y.sum()), "count"),
        ]
        if sbest is not None:
            a_tt, (xb, how_b, cal_b) = auc(y, ts_a[m]), single[sbest]
            a_best = auc(y, xb[m])
            rows.append(Row(name, "trend_auc", f"best single statistic ({sbest})", h, a_best, int(m.sum()),
                            f"chosen as best on the calibration half (calibration AUC {cal_b:.3f}); {how_b}"))
            rows.append(margin_row(name, "trend_auc", h, a_tt, a_best, sbest, int(m.sum())))
        for col, (xo, how, _) in single.items():
            rows.append(Row(name, "trend_auc", f"single statistic: {col}", h, auc(y, xo[m]), int(m.sum()), how))
    rows.append(Row(name, "seconds", "trendtrace", "all", seconds, len(ids), "ingest + analyze"))
    return rows


def _single_statistics(y: np.ndarray, cal: np.ndarray,
                       cols: dict[str, list[float]]) -> dict[str, tuple[np.ndarray, str, float]]:
    """Per column of ``trends``: the values oriented on the calibration half (missing = least
    suspicious), how (the note of its rows) and the calibration AUC."""
    out = {}
    for col, vals in cols.items():
        x = np.asarray(vals, dtype=float)
        xo, sign = orient_missing_low(x, y, cal)
        miss = int(np.isnan(x).sum())
        how = (f"column trends.{col}, oriented on the calibration half: {'higher' if sign > 0 else 'lower'} = "
               f"more troll-made; missing (null) values taken as the least suspicious: {miss} of {len(x)} "
               "labelled trends")
        if len(np.unique(x[~np.isnan(x)])) <= 1:
            how += "; constant over the labelled trends"
        out[col] = (xo, how, auc(y[cal], xo[cal]))
    return out


# ---------------------------------------------------------------------------------------- simulator

def simulator(work: Path, scenario: str = "default", seed: int = 7, posts: int | None = None,
              overrides: dict | None = None) -> list[Row]:
    """Precision and recall of ``coordinated`` on a simulated scenario (truth from the simulator)."""
    from trendtrace.evaluate import coordination_recovery, trend_accuracy
    from trendtrace.simulate import simulate

    name = f"simulator ({scenario}, seed {seed})"
    sim = simulate(work / f"sim-{scenario}", scenario=scenario, seed=seed, posts=posts)  # x-v2, as the demo
    t0 = time.perf_counter()
    with Store(work / f"sim-{scenario}.duckdb") as store:
        store.ingest(sim.data_paths)
        analyze(store, Settings(**(overrides or {})))
        seconds = time.perf_counter() - t0
        rec = coordination_recovery(store.con, sim.labels_dir)
        acc = trend_accuracy(store.con, sim.labels_dir)
        signals = store.con.sql("SELECT account_id, inauthenticity_score, rule_score FROM account_signals").fetchall()
        score_method = score_method_of(store.con)
    return [
        Row(name, "precision", "trendtrace", "all", rec["precision"], rec["true_positives"] + rec["false_positives"]),
        Row(name, "recall", "trendtrace", "all", rec["recall"], rec["true_positives"] + rec["false_negatives"]),
        Row(name, "trend_accuracy", "trendtrace", "all", acc["accuracy"], acc["trends"]),
        *_suspect_rows(name, Path(sim.labels_dir), signals, score_method,
                       float(Settings(**(overrides or {}))["inauthentic_threshold"])),
        Row(name, "seconds", "trendtrace", "all", seconds, sim.posts, "ingest + analyze"),
    ]


def _suspect_rows(name: str, labels_dir: Path, signals: list[tuple], score_method: str, cut: float) -> list[Row]:
    """Share of the simulator's organic accounts, and of its campaign accounts (label not
    ``organic``), at or above the account cut ``cut`` (shipped: 0.5), for ``inauthenticity_score``
    and for ``rule_score``; in the realistic scenario also its organisations' members (organic in
    the truth, coordinated by a party or newsroom). Over the labelled accounts that have an
    ``account_signals`` row (silent accounts are not in the store)."""
    with (labels_dir / "accounts.csv").open(newline="", encoding="utf-8") as f:
        truth = {r["account_id"]: (r["label"], r.get("group") or "") for r in csv.DictReader(f)}
    have = [(truth[a], s, r) for a, s, r in signals if a in truth]
    groups = {
        "organic_accounts_suspect": ("organic accounts (label organic)", lambda lab, g: lab == "organic"),
        "campaign_accounts_suspect": ("campaign accounts (label not organic: an operator network's)",
                                      lambda lab, g: lab != "organic"),
    }
    if any(g.startswith("organisation:") for _, g in truth.values()):
        groups["organisation_accounts_suspect"] = (
            "organisation members (group organisation:*, organic in the truth, coordinated by a party or newsroom)",
            lambda lab, g: g.startswith("organisation:"))
    rows = []
    for metric, (who, pick) in groups.items():
        sel = [(s, r) for (lab, g), s, r in have if pick(lab, g)]
        n = len(sel)
        for method, i, what in (("trendtrace", 0, "inauthenticity_score"), (RULES_ONLY, 1, "rule_score")):
            v = float(np.mean([(x[i] or 0.0) >= cut for x in sel])) if n else float("nan")
            note = f"share of the simulator's {who} with {what} >= {cut:g}, of those with an account_signals row"
            if i == 1:
                note += "; " + rules_note(score_method)
            rows.append(Row(name, metric, method, "all", v, n, note if n else note + "; NaN: none in this run"))
    return rows


# ------------------------------------------------------------------------------------------- output

def markdown(rows: list[Row]) -> str:
    """One table: set, metric, method, then the calibration / held-out / all values side by side."""
    key: dict[tuple[str, str, str], dict[str, Row]] = {}
    for r in rows:
        key.setdefault((r.dataset, r.metric, r.method), {})[r.half] = r
    out = ["| set | metric | method | calibration | held-out | all | n (cal / held-out) | note |",
           "|---|---|---|---|---|---|---|---|"]

    def fmt(r: Row | None) -> str:
        if r is None:
            return ""
        if r.metric in ("seconds",) or r.note == "count" or r.metric.endswith("_trends_manufactured") \
                or r.metric.endswith("_found"):
            return f"{r.value:,.0f}" if np.isfinite(r.value) else "n/a"
        if r.metric.endswith("_margin"):
            return f"{r.value:+.3f}" if np.isfinite(r.value) else "n/a"
        return f"{r.value:.3f}" if np.isfinite(r.value) else "n/a"

    for (ds, metric, method), hs in key.items():
        c, h, a = hs.get("calibration"), hs.get("held-out"), hs.get("all")
        ns = " / ".join(str(x.n) for x in (c, h) if x is not None) or (str(a.n) if a else "")
        distinct = {x.note for x in hs.values() if x.note and x.note != "count"}
        if len(distinct) > 1:  # per-half notes, labelled, in half order
            notes = "; ".join(f"{h}: {hs[h].note}" for h in ("calibration", "held-out", "all")
                              if h in hs and hs[h].note)
        else:
            notes = "".join(distinct)
        out.append(f"| {ds} | {metric} | {method} | {fmt(c)} | {fmt(h)} | {fmt(a)} | {ns} | {notes} |")
    return "\n".join(out)


def _profile_sets() -> dict[str, Callable[..., list[Row]]]:
    import _validity_profiles as vp

    return {"cresci2017": vp.cresci2017, "social_honeypot": vp.social_honeypot,
            "astro_bots": vp.astro_bots, "astro_trends": vp.astro_trends}


def run(sets: list[str], data: Path, work: Path, sample: int | None = None,
        scenarios: tuple[str, ...] = ("default",), overrides: dict | None = None) -> list[Row]:
    """Every selected set's rows (``sets`` from ``ira2017``, ``sim``, ``cresci2017``,
    ``social_honeypot``, ``astro_bots``, ``astro_trends``)."""
    rows: list[Row] = []
    profile_names = {"cresci2017", "social_honeypot", "astro_bots", "astro_trends"}
    profiles = _profile_sets() if profile_names & set(sets) else {}
    for s in sets:
        t0 = time.perf_counter()
        if s == "ira2017":
            rows += ira2017(data, work, sample, overrides)
        elif s == "sim":
            for sc in scenarios:
                rows += simulator(work, sc, posts=None if not sample else max(2_000, sample * 20),
                                  overrides=overrides)
        elif s in profiles:
            rows += profiles[s](data, sample=sample)
        else:
            raise SystemExit(f"Error: unknown set {s!r}")
        log.info("%s: %.1f s", s, time.perf_counter() - t0)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--sets", default="ira2017,sim,cresci2017,social_honeypot,astro_bots,astro_trends")
    ap.add_argument("--scenarios", default="default", help="simulator scenarios, comma-separated")
    ap.add_argument("--sample", type=int, default=None, help="use only this many accounts per set (quick check)")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a setting (for choosing on the calibration half; reported figures use defaults)")
    ap.add_argument("--halves", default="calibration,held-out,all",
                    help="halves to print (print only 'calibration,all' while choosing settings)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    for noisy in ("trendtrace",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    overrides = {}
    for kv in args.set:
        k, _, v = kv.partition("=")
        overrides[k] = v  # Settings validates and coerces
    with tempfile.TemporaryDirectory(prefix="tt-validity-") as d:
        rows = run(args.sets.split(","), Path(args.data), Path(d), args.sample,
                   tuple(args.scenarios.split(",")), overrides)
    shown = set(args.halves.split(","))
    rows = [r for r in rows if r.half in shown]
    print(markdown(rows))
    if args.json:
        Path(args.json).write_text(json.dumps([r.as_dict() for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
