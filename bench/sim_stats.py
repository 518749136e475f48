"""Simulator vs real data: how much accounts post, how often they repost, and how often organic
accounts co-retweet within a minute (docs/simulator.md, "Simulator vs real data").

For each data set and side (organic / coordinated, and the parts of the ``realistic`` scenario):

* ``posts/acct`` median and 90th percentile of posts per account;
* ``gap`` the median over accounts (with ≥ 2 posts) of the account's median time between two
  consecutive posts, in minutes;
* ``reposts`` the share of posts that are reposts;
* ``co-RT ≥1`` / ``≥2``: the share of the side's accounts with at least one / two reposts for which
  *another* account (any side) reposted the same post within 60 s. When either of the two posts
  comes from a source with times to the minute, "within 60 s" means the same or the adjacent
  minute (|minute₁ − minute₂| ≤ 1), the only reading those times allow;
* ``pairs ≥3 co-RT``: pairs of accounts, both of the side, that co-retweeted (as above) at least
  three distinct posts — *repeated* co-action by the same pairs, what co-action detectors flag —
  and that number per 100 accounts of the side.

Data: the simulator's ``realistic`` and ``default`` scenarios (written to a temporary directory as
Parquet, with their truth), ``ira2017_congress`` (499 members of Congress vs 278 IRA troll
accounts; times to the minute) and ``coortweet/russian_coord_tweets.parquet`` (35,125 real
retweets, no labels: all accounts) from ``../shared/data`` (rows are skipped with a note when it
is absent). All statistics are DuckDB SQL over one ``posts(dataset, side, account_id, t, kind,
ref, res)`` table.

Run: ``.venv/bin/python bench/sim_stats.py [--seed 7] [--data DIR]``. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from trendtrace.simulate import simulate

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# The sides a simulated account belongs to: (side label, SQL condition on labels/accounts.csv).
SIM_SIDES = {
    "realistic": (
        ("organic (all)", "label = 'organic'"),
        ("· organisation members", "starts_with(grp, 'organisation:')"),
        ("· live-tweet communities", "starts_with(grp, 'community:')"),
        ("· heavy retweeters", "grp = 'heavy-retweeter'"),
        ("· everyone else", "label = 'organic' AND grp = ''"),
        ("inauthentic (all)", "label <> 'organic'"),
        ("· bursting networks", "label IN ('crescent-reach', 'bluewave-digital')"),
        ("· drip network", "label = 'evergreen-media'"),
    ),
    "default": (
        ("organic", "label = 'organic'"),
        ("inauthentic", "label <> 'organic'"),
    ),
}


def load_sim(con: duckdb.DuckDBPyConnection, scenario: str, seed: int, tmp: Path) -> float:
    """Simulate ``scenario`` as Parquet and add its posts (one row per post and side). Returns the
    seconds the simulation took."""
    t0 = time.perf_counter()
    sim = simulate(tmp / scenario, scenario, seed=seed, fmt="parquet")
    took = time.perf_counter() - t0
    files = [str(p) for p in sim.data_paths]
    minute_files = [p.name for p in sim.data_paths if p.stem.endswith("-minutes")]
    labels = sim.labels_dir / "accounts.csv"
    grp = "coalesce(\"group\", '')" if scenario == "realistic" else "''"
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW acc AS
        SELECT account_id, label, {grp} AS grp
        FROM read_csv('{labels}', all_varchar = true)""")
    for side, cond in SIM_SIDES[scenario]:
        con.execute(f"""
            INSERT INTO posts
            SELECT 'sim {scenario}', ?, p.account_id, epoch(p.time)::BIGINT, p.kind, p.ref_post_id,
                   CASE WHEN parse_filename(p.filename) IN ({", ".join(f"'{m}'" for m in minute_files) or "''"})
                        THEN 60 ELSE 0 END
            FROM read_parquet(?, filename = true) p JOIN acc a USING (account_id)
            WHERE {cond}""", [side, files])
    return took


def load_real(con: duckdb.DuckDBPyConnection, data: Path) -> list[str]:
    """Add the real data sets; returns notes on what is absent."""
    notes = []
    ira = data / "ira2017_congress"
    if (ira / "posts.parquet").exists():
        con.execute(f"""
            INSERT INTO posts
            SELECT 'ira2017_congress', CASE l.label WHEN 'organic' THEN 'organic (Congress)'
                                                 ELSE 'coordinated (IRA)' END,
                   p.account_id, epoch(p.time::TIMESTAMPTZ)::BIGINT, p.kind, p.ref_post_id, 60
            FROM read_parquet('{ira / "posts.parquet"}') p
            JOIN read_csv('{ira / "labels.csv"}', all_varchar = true) l USING (account_id)""")
    else:
        notes.append(f"{ira} is absent: no ira2017_congress rows")
    rus = data / "coortweet" / "russian_coord_tweets.parquet"
    if rus.exists():
        con.execute(f"""
            INSERT INTO posts
            SELECT 'coortweet russian', 'all accounts (no labels)', account_id, timestamp_share::BIGINT,
                   'repost', object_id, 0
            FROM read_parquet('{rus}')""")
    else:
        notes.append(f"{rus} is absent: no coortweet rows")
    return notes


STATS = """
WITH acts AS (  -- one row per post: a post counted under several sides is one act
    SELECT DISTINCT dataset, account_id, t, kind, ref, res FROM posts),
rt AS (SELECT row_number() OVER () AS id, * FROM acts WHERE kind = 'repost' AND ref IS NOT NULL),
co AS (  -- reposts with another account's repost of the same post within 60 s (minutes: ±1 minute)
    SELECT a.id, a.dataset, a.account_id
    FROM rt a JOIN rt b ON a.dataset = b.dataset AND a.ref = b.ref AND a.account_id <> b.account_id
         AND abs(a.t - b.t) < 120
    WHERE CASE WHEN a.res = 0 AND b.res = 0 THEN abs(a.t - b.t) <= 60
               ELSE abs(a.t // 60 - b.t // 60) <= 1 END
    GROUP BY ALL),
co_acc AS (SELECT dataset, account_id, count(*) AS n FROM co GROUP BY ALL),
pairs AS (  -- account pairs that co-retweeted at least 3 distinct posts within 60 s
    SELECT a.dataset, a.account_id AS a1, b.account_id AS a2
    FROM rt a JOIN rt b ON a.dataset = b.dataset AND a.ref = b.ref AND a.account_id < b.account_id
         AND abs(a.t - b.t) < 120
    WHERE CASE WHEN a.res = 0 AND b.res = 0 THEN abs(a.t - b.t) <= 60
               ELSE abs(a.t // 60 - b.t // 60) <= 1 END
    GROUP BY ALL HAVING count(DISTINCT a.ref) >= 3),
member AS (SELECT DISTINCT dataset, side, account_id FROM posts),
side_pairs AS (
    SELECT m1.dataset, m1.side, count(*) AS n
    FROM pairs p JOIN member m1 ON m1.dataset = p.dataset AND m1.account_id = p.a1
    JOIN member m2 ON m2.dataset = p.dataset AND m2.account_id = p.a2 AND m2.side = m1.side
    GROUP BY ALL),
per_acc AS (
    SELECT dataset, side, account_id, count(*) AS n, count(*) FILTER (WHERE kind = 'repost') AS reposts
    FROM posts GROUP BY ALL),
gaps AS (
    SELECT dataset, side, account_id, median(d) AS gap
    FROM (SELECT dataset, side, account_id, t - lag(t) OVER (PARTITION BY dataset, side, account_id ORDER BY t) AS d
          FROM posts)
    WHERE d IS NOT NULL GROUP BY ALL),
sides AS (SELECT DISTINCT dataset, side FROM posts)
SELECT s.dataset, s.side, count(*) AS accounts, sum(p.n)::BIGINT AS posts,
       median(p.n) AS med, quantile_disc(p.n, 0.9) AS p90,
       (SELECT median(gap) FROM gaps g WHERE g.dataset = s.dataset AND g.side = s.side) / 60 AS gap_min,
       sum(p.reposts) / sum(p.n) AS repost_share,
       avg((coalesce(c.n, 0) >= 1)::INT) AS co1, avg((coalesce(c.n, 0) >= 2)::INT) AS co2,
       coalesce(any_value(sp.n), 0) AS pairs3
FROM sides s JOIN per_acc p USING (dataset, side) LEFT JOIN co_acc c USING (dataset, account_id)
LEFT JOIN side_pairs sp USING (dataset, side)
GROUP BY s.dataset, s.side
"""

ORDER = ("sim realistic", "sim default", "ira2017_congress", "coortweet russian")


def table(rows: list[tuple]) -> str:
    out = ["| data set | side | accounts | posts | posts/acct median | p90 | gap (min) | reposts | co-RT ≥1 | co-RT ≥2 "
           "| pairs ≥3 co-RT (per 100 accounts) |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    sides = {k: [s for s, _ in v] for k, v in SIM_SIDES.items()}

    def key(r: tuple) -> tuple:
        name = r[0].removeprefix("sim ")
        order = sides.get(name, [])
        return (ORDER.index(r[0]), order.index(r[1]) if r[1] in order else r[1])

    for ds, side, acc, posts, med, p90, gap, rs, co1, co2, pairs in sorted(rows, key=key):
        out.append(f"| {ds} | {side} | {acc:,} | {posts:,} | {med:g} | {p90:g} | "
                   f"{gap:,.0f} | {rs:.2f} | {co1:.2f} | {co2:.2f} | {pairs:,} ({100 * pairs / acc:.1f}) |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", type=Path, default=DATA, help="the shared real data (default: %(default)s)")
    args = ap.parse_args(argv)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE posts (dataset VARCHAR, side VARCHAR, account_id VARCHAR, t BIGINT, kind VARCHAR, "
                "ref VARCHAR, res INTEGER)")
    took = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in ("realistic", "default"):
            took[scenario] = load_sim(con, scenario, args.seed, Path(tmp))
    notes = load_real(con, args.data)
    t0 = time.perf_counter()
    rows = con.execute(STATS).fetchall()
    print(table(rows))
    print()
    print(f"seed {args.seed}; simulated realistic in {took['realistic']:.1f} s, default in {took['default']:.1f} s; "
          f"statistics in {time.perf_counter() - t0:.1f} s.")
    for n in notes:
        print(f"note: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
