"""A small, hand-made, hostile store for the report tests (and the README screenshots).

:func:`build_fixture` writes a DuckDB file holding ``posts`` and ``accounts`` (the canonical schema of
``trendtrace.model``) and every result table the report reads (``docs/schema.md``), filled with a
seeded toy scenario:

* 40 organic accounts in the home time zone (UTC+5, Asia/Karachi) posting about ``#cricket`` in a
  surge and about other things through their waking hours;
* two coordinated clusters (0: 8 accounts, 1: 6 accounts) operated from UTC+3 that push
  ``#boycott_x`` and ``#آزادی`` within seconds of each other; cluster 1 also pushes ``#=cmd``;
* strings an attacker would write: ``<script>``, ``<img onerror>``, ``javascript:`` links, the
  right-to-left override U+202E, spreadsheet formulas (``=cmd|' /C calc'!A0``, ``@SUM``, ``+1``,
  ``-2``, leading tab), a NUL-free control character, and Urdu text.

The result tables are filled by direct, obvious computations over the toy posts so that they agree
with each other (the report only reads them; these numbers are not the analysis stages' output).
``omit`` drops tables and ``empty`` creates tables with no rows, to test "not computed" sections.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA
from trendtrace.store import SCHEMA_VERSION

RESULT_TABLES = (
    "coaction_pairs", "edges", "edge_evidence", "account_coordination", "clusters", "cluster_hours",
    "account_signals", "cluster_origin", "trends", "trend_timeline", "overlap",
    "multi_campaign_accounts", "runs",
)

XSS_SCRIPT = "<script>window.__xss=1;alert('xss')</script>"
XSS_IMG = '<img src=x onerror="window.__xss=2">'
JS_LINK = "javascript:window.__xss=3"
RLO = "\u202e"
FORMULA = "=cmd|' /C calc'!A0"
URDU = "عائشہ خان"

START = datetime(2025, 3, 1, 0, 0, 0)

#: Handles of the hostile accounts, in order of account index.
HOSTILE_HANDLES = [
    XSS_SCRIPT,                 # a0 (cluster 0)
    FORMULA,                    # a1 (cluster 0)
    "@SUM(1+1)",                # a2 (cluster 0)
    "ayesha" + RLO + "gnp.exe", # a3 (cluster 0)
    "+92300000",                # a4 (cluster 0)
    "\tTabbed",                 # a5 (cluster 0)
]


def _accounts(rng: random.Random) -> list[dict]:
    rows = []
    for i in range(54):
        if i < 8:
            cluster, kind = 0, "campaign"
        elif i < 14:
            cluster, kind = 1, "campaign"
        else:
            cluster, kind = None, "organic"
        handle = HOSTILE_HANDLES[i] if i < len(HOSTILE_HANDLES) else (
            f"news_{i}24" if kind == "campaign" and i % 2 else
            f"sana{rng.randint(10_000_000, 99_999_999)}" if kind == "campaign" else f"user_{i}")
        created = (datetime(2025, 2, 20) + timedelta(hours=rng.randint(0, 30)) if kind == "campaign"
                   else datetime(2015, 1, 1) + timedelta(days=rng.randint(0, 3000)))
        display = {0: URDU, 1: XSS_IMG, 3: "Ayesha " + RLO + "fdp.exe", 8: "Daily News 24",
                   9: "خبر نیوز"}.get(i, f"Person {i}")
        rows.append(dict(
            account_id=f"a{i}", handle=handle, display_name=display,
            description=(f"visit {JS_LINK}" if i == 2 else "صحافی | journalist" if i == 20 else ""),
            location=("Lahore" if i < 14 else rng.choice(["Karachi", "Lahore", "Islamabad", ""])),
            url=(JS_LINK if i in (2, 5) else None), lang="ur", created_at=created,
            followers=rng.randint(0, 50) if kind == "campaign" else rng.randint(50, 20_000),
            following=rng.randint(500, 2000) if kind == "campaign" else rng.randint(50, 800),
            post_count=rng.randint(100, 5000), verified=False,
            default_profile=kind == "campaign", default_profile_image=kind == "campaign",
            seen_at=START, source_format="x-v2", source_file="fixture.jsonl",
            _cluster=cluster, _kind=kind,
        ))
    return rows


_CAMPAIGN_TEXTS = [
    "Boycott now! #boycott_x " + XSS_SCRIPT,
    "بائیکاٹ کریں #boycott_x #آزادی",
    "Read this " + JS_LINK + " #boycott_x",
    "Truth " + RLO + "won't be hidden #boycott_x #آزادی",
    XSS_IMG + " #boycott_x",
]


def _posts(rng: random.Random, accounts: list[dict]) -> list[dict]:
    posts: list[dict] = []

    def add(acc: dict, t: datetime, text: str, tags: list[str], kind: str = "post",
            ref: str | None = None) -> str:
        pid = f"p{len(posts)}"
        posts.append(dict(
            post_id=pid, account_id=acc["account_id"], time=t, kind=kind, text=text, lang="ur",
            ref_post_id=ref, hashtags=tags, hashtags_raw=tags, urls=[], urls_raw=[],
            mentions=[], media=[], client="Twitter for Android" if acc["_kind"] == "organic"
            else "Cheap Bulk Poster", source_format="x-v2", source_file="fixture.jsonl",
            source_line=len(posts) + 1,
        ))
        return pid

    organic = [a for a in accounts if a["_kind"] == "organic"]
    # Organic background over two days, waking hours in UTC+5 (08:00-24:00 local = 03-19 UTC).
    for acc in organic:
        for _ in range(rng.randint(15, 40)):
            day = rng.randint(0, 1)
            hour = rng.choice(list(range(3, 19)))
            t = START + timedelta(days=day, hours=hour, minutes=rng.randint(0, 59),
                                  seconds=rng.randint(0, 59))
            tags = rng.choice([["chai"], ["lahore"], [], ["news"], ["weather"]])
            add(acc, t, f"good morning Lahore #{tags[0]}" if tags else "ordinary post", tags)
    # Organic cricket surge: day 1, 14:00-16:00 UTC (19:00-21:00 local), bell-shaped.
    for acc in organic:
        for _ in range(rng.randint(2, 8)):
            t = START + timedelta(days=1, hours=14, minutes=min(119, max(0, int(rng.gauss(60, 20)))),
                                  seconds=rng.randint(0, 59))
            add(acc, t, "What a six! #cricket #PAKvIND", ["cricket", "pakvind"])
    # Campaign bursts: instructions at set times (UTC+3 working hours = 06-15 UTC), every member
    # posts within seconds.
    clusters = defaultdict(list)
    for a in accounts:
        if a["_cluster"] is not None:
            clusters[a["_cluster"]].append(a)
    for c, members in clusters.items():
        for day in (0, 1):
            for hour in (6, 8, 10, 12, 14):
                base = START + timedelta(days=day, hours=hour, minutes=rng.randint(0, 20))
                seed_pid = None
                for j, acc in enumerate(members):
                    text = _CAMPAIGN_TEXTS[(hour + c) % len(_CAMPAIGN_TEXTS)]
                    tags = ["boycott_x"] + (["آزادی"] if "آزادی" in text else [])
                    if c == 1 and hour == 10:
                        text, tags = "=cmd|' /C calc'!A0 #=cmd", ["=cmd", "boycott_x"]
                    t = base + timedelta(seconds=3 * j + rng.randint(0, 4))
                    if seed_pid is None:
                        seed_pid = add(acc, t, text, tags)
                    else:
                        add(acc, t, "RT @" + members[0]["handle"] + ": " + text, tags,
                            kind="repost", ref=seed_pid)
    # One post from a hostile account with every nasty string in it.
    add(accounts[0], START + timedelta(hours=7), XSS_SCRIPT + XSS_IMG + JS_LINK + RLO + URDU
        + "\x07 #boycott_x", ["boycott_x"])
    posts.sort(key=lambda p: p["time"])
    return posts


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)


def build_fixture(path: str | Path, *, seed: int = 0, omit: Iterable[str] = (),
                  empty: Iterable[str] = ()) -> Path:
    """Write the hostile toy store to ``path`` (replaced if present) and return the path.

    ``omit`` names result tables not to create; ``empty`` names result tables to create with no
    rows. ``posts`` and ``accounts`` are always written.
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    omit, empty = set(omit), set(empty)
    rng = random.Random(seed)
    accounts = _accounts(rng)
    posts = _posts(rng, accounts)
    by_id = {a["account_id"]: a for a in accounts}

    con = duckdb.connect(str(path))
    con.register("_posts", _table(posts, POST_SCHEMA))
    con.register("_accounts", _table(accounts, ACCOUNT_SCHEMA))
    con.execute("CREATE TABLE posts AS SELECT * FROM _posts")
    con.execute("CREATE TABLE accounts AS SELECT * FROM _accounts")
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', ?), ('version', '0.1.0')", [str(SCHEMA_VERSION)])

    posts_of = Counter(p["account_id"] for p in posts)
    members = defaultdict(list)
    for a in accounts:
        if a["_cluster"] is not None:
            members[a["_cluster"]].append(a["account_id"])

    tables: dict[str, tuple[str, list[tuple]]] = {}
    # ---- coordination: every pair inside a cluster co-retweets 10 times.
    pairs, edges, evidence = [], [], []
    first_post = {}
    for p in posts:
        first_post.setdefault(p["account_id"], p)
    for c, ids in members.items():
        for i, x in enumerate(ids):
            for y in ids[i + 1:]:
                a, b = sorted((x, y))
                pv = 1e-9 * (1 + i)
                pairs.append((a, b, "retweet", 10, 10.0, 0.02, pv, pv * 5, True))
                pairs.append((a, b, "hashtag", 10, 4.0, 1.5, 1e-4, 1e-3, True))
                edges.append((a, b, "retweet|hashtag", 20, 14.0, pv))
                pa_, pb_ = first_post[a], first_post[b]
                evidence.append((a, b, "retweet", "p0" if c == 0 else "p1", pa_["post_id"],
                                 pb_["post_id"], pa_["time"], pb_["time"], pa_["text"], pb_["text"]))
                evidence.append((a, b, "hashtag", "boycott_x", pa_["post_id"], pb_["post_id"],
                                 pa_["time"], pb_["time"], XSS_SCRIPT + " " + URDU, JS_LINK + RLO))
    # one weak organic pair, tested but not kept
    pairs.append(("a20", "a21", "hashtag", 3, 1.0, 2.9, 0.4, 0.9, False))
    tables["coaction_pairs"] = ("account_a VARCHAR, account_b VARCHAR, trace VARCHAR, co_actions "
                                "BIGINT, weight DOUBLE, expected DOUBLE, p_value DOUBLE, q_value "
                                "DOUBLE, kept BOOLEAN", pairs)
    tables["edges"] = ("account_a VARCHAR, account_b VARCHAR, traces VARCHAR, co_actions BIGINT, "
                       "weight DOUBLE, p_value DOUBLE", edges)
    tables["edge_evidence"] = ("account_a VARCHAR, account_b VARCHAR, trace VARCHAR, object VARCHAR, "
                               "post_a VARCHAR, post_b VARCHAR, time_a TIMESTAMP, time_b TIMESTAMP, "
                               "text_a VARCHAR, text_b VARCHAR", evidence)
    degree = Counter()
    for a, b, *_ in edges:
        degree[a] += 1
        degree[b] += 1
    tables["account_coordination"] = (
        "account_id VARCHAR, cluster INTEGER, coordination_score DOUBLE, coordinated BOOLEAN, "
        "degree BIGINT, posts BIGINT",
        [(a["account_id"], a["_cluster"],
          round(0.8 + 0.02 * (int(a["account_id"][1:]) % 7), 3) if a["_cluster"] is not None else 0.0,
          a["_cluster"] is not None, degree[a["account_id"]], posts_of[a["account_id"]]) for a in accounts])
    # posts per (cluster, quarter hour of the UTC day), as the coordination stage stores them
    quarters = Counter((by_id[p["account_id"]]["_cluster"], p["time"].hour * 4 + p["time"].minute // 15)
                       for p in posts)
    tables["cluster_hours"] = ("cluster INTEGER, quarter INTEGER, posts BIGINT",
                               [(c, q, n) for (c, q), n in quarters.items()])
    tag_counts: dict[int, Counter] = defaultdict(Counter)
    for p in posts:
        c = by_id[p["account_id"]]["_cluster"]
        if c is not None:
            tag_counts[c].update(p["hashtags"])
    tables["clusters"] = (
        "cluster INTEGER, accounts BIGINT, posts BIGINT, traces VARCHAR, top_hashtags VARCHAR",
        [(c, len(ids), sum(posts_of[i] for i in ids), "retweet|hashtag",
          "|".join(t for t, _ in tag_counts[c].most_common(3))) for c, ids in sorted(members.items())])
    # ---- accounts stage
    sig = []
    for a in accounts:
        camp = a["_kind"] == "campaign"
        idx = int(a["account_id"][1:])
        persona = ("news_outlet" if camp and idx % 2 else "woman" if camp else
                   "woman" if idx % 5 == 0 else "")
        reasons = ("created the same day as 13 other accounts; handle is a name followed by 8 "
                   "digits; default profile image; " + ("bio links to " + JS_LINK if idx == 2 else
                                                        "posts within 5 s of others"))
        sig.append((a["account_id"], round(0.7 + 0.02 * (idx % 10), 3) if camp else
                    round(0.05 + 0.01 * (idx % 20), 3), reasons if camp else "",
                    3.0 if camp else 5.0, 0.9 if camp else 0.8, persona,
                    ("claims Lahore; sleeps as if in UTC+3" if camp else ""), "Arabic" if camp else
                    "Latin", 1.0 if camp else 0.1))
    tables["account_signals"] = (
        "account_id VARCHAR, inauthenticity_score DOUBLE, reasons VARCHAR, utc_offset DOUBLE, "
        "utc_offset_confidence DOUBLE, persona VARCHAR, origin_note VARCHAR, script VARCHAR, "
        "batch_share DOUBLE", sig)
    tables["cluster_origin"] = (
        "cluster INTEGER, utc_offset DOUBLE, confidence DOUBLE, accounts BIGINT, persona_mix VARCHAR",
        [(c, 3.0, 0.85, len(ids), json.dumps(
            {"woman": sum(1 for i in ids if int(i[1:]) % 2 == 0) / len(ids),
             "news_outlet": sum(1 for i in ids if int(i[1:]) % 2 == 1) / len(ids),
             "baseline": {"woman": 0.12, "news_outlet": 0.05}}))
         for c, ids in sorted(members.items())])
    # ---- trends stage
    coordinated = {a["account_id"] for a in accounts if a["_cluster"] is not None}
    by_trend: dict[str, list[dict]] = defaultdict(list)
    for p in posts:
        for t in set(p["hashtags"]):
            by_trend[t].append(p)
    trend_rows, timeline = [], []
    for t, ps in sorted(by_trend.items()):
        accs = {p["account_id"] for p in ps}
        if len(accs) < 2:
            continue
        coord = sum(p["account_id"] in coordinated for p in ps)
        share = coord / len(ps)
        verdict = "manufactured" if share > 0.6 else "mixed" if share > 0.2 else "organic"
        score = round(min(1.0, share * 1.1), 3)
        evidence_text = json.dumps([
            f"{share:.0%} of the {len(ps):,} posts came from "
            f"{len({by_id[p['account_id']]['_cluster'] for p in ps if p['account_id'] in coordinated})} cluster(s) "
            "of accounts that reposted within 15 s of each other.",
            "Accounts posting it were created in the same two days; their rhythm fits UTC+3, "
            "not the home zone UTC+5.",
        ] if coord else [f"{len(accs)} accounts posted it; none belongs to a coordinated cluster."],
            ensure_ascii=False)
        trend_rows.append((t, len(ps), len(accs), round(share, 4), round(share, 4), verdict, score,
                           round(coord * 0.02, 2), round(coord * 0.36, 2), evidence_text,
                           round(sum(p["kind"] == "repost" for p in ps) / len(ps), 4),
                           round(len(ps) / len(accs), 3)))
        per_min: dict[datetime, list[int]] = defaultdict(lambda: [0, 0, 0])
        for p in ps:
            m = p["time"].replace(second=0, microsecond=0)
            per_min[m][0] += 1
            per_min[m][1] += p["account_id"] in coordinated
            per_min[m][2] += p["account_id"] in coordinated
        timeline += [(t, m, *v) for m, v in sorted(per_min.items())]
    tables["trends"] = (
        "trend VARCHAR, posts BIGINT, accounts BIGINT, coordinated_share DOUBLE, inauthentic_share "
        "DOUBLE, verdict VARCHAR, score DOUBLE, cost_usd_low DOUBLE, cost_usd_high DOUBLE, "
        "evidence VARCHAR, repost_share DOUBLE, posts_per_account DOUBLE", trend_rows)
    tables["trend_timeline"] = (
        "trend VARCHAR, minute TIMESTAMP, posts BIGINT, coordinated_posts BIGINT, "
        "inauthentic_posts BIGINT", timeline)
    camp_accounts = {t: {p["account_id"] for p in ps} & coordinated for t, ps in by_trend.items()}
    names = sorted(t for t, s in camp_accounts.items() if s)
    ov = []
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            inter = camp_accounts[x] & camp_accounts[y]
            union = camp_accounts[x] | camp_accounts[y]
            ov.append((x, y, len(inter), round(len(inter) / len(union), 4)))
    tables["overlap"] = ("campaign_a VARCHAR, campaign_b VARCHAR, shared_accounts BIGINT, "
                         "jaccard DOUBLE", ov)
    multi = [(a, len(ts), "|".join(sorted(ts))) for a in sorted(coordinated)
             if len(ts := {t for t in names if a in camp_accounts[t]}) >= 2]
    tables["multi_campaign_accounts"] = ("account_id VARCHAR, campaigns BIGINT, campaign_list VARCHAR",
                                         multi)
    tables["runs"] = ("run_id VARCHAR, started TIMESTAMP, finished TIMESTAMP, version VARCHAR, "
                      "settings VARCHAR",
                      [("run-1", datetime(2025, 3, 3, 9, 0), datetime(2025, 3, 3, 9, 1), "0.1.0",
                        json.dumps({"window": 60, "min_co_actions": 3, "fdr": 0.01,
                                    "home_tz": "Asia/Karachi", "price_low": 0.02,
                                    "price_high": 0.36, "traces": "retweet,hashtag",
                                    "note": XSS_SCRIPT}))])
    for name, (cols, rows) in tables.items():
        if name in omit:
            continue
        con.execute(f"CREATE TABLE {name} ({cols})")
        if rows and name not in empty:
            # Arrow rather than executemany: one bulk insert instead of a statement per row.
            cols_ = list(zip(*rows, strict=False))
            con.register("_rows", pa.table({f"c{i}": list(c) for i, c in enumerate(cols_)}))
            con.execute(f"INSERT INTO {name} SELECT * FROM _rows")
            con.unregister("_rows")
    con.close()
    return path


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/_report_fixture.py OUT
    import sys

    print(build_fixture(sys.argv[1] if len(sys.argv) > 1 else "fixture.duckdb"))
