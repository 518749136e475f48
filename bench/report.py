"""Time ``write_outputs`` on a synthetic analysed store of a given size.

    .venv/bin/python bench/report.py --posts 2000000 --accounts 200000

The store is filled with DuckDB SQL (seeded ``hash`` values, no simulator needed): posts with
hashtags, every account in ``account_coordination`` and ``account_signals``, coordinated clusters of
25 accounts whose members are all linked (edges with 2 evidence rows each), 500 trends with minute
timelines, overlap pairs. Prints seconds per phase, output sizes and peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def build(path: Path, posts: int, accounts: int, clusters: int) -> None:
    con = duckdb.connect(str(path))
    con.execute(f"""
        CREATE TABLE posts AS SELECT 'p' || i AS post_id, 'a' || (hash(i) % {accounts}) AS account_id,
            TIMESTAMP '2025-03-01' + to_seconds(CAST(hash(i * 7) % 604800 AS BIGINT)) AS time,
            CASE WHEN i % 3 = 0 THEN 'repost' ELSE 'post' END AS kind,
            'text ' || i || ' @user_' || (i % 1000) AS text, CASE WHEN i % 2 = 0 THEN 'ur' ELSE 'en' END AS lang,
            ['tag' || (hash(i * 13) % 500)] AS hashtags, 'x-v2' AS source_format
        FROM range({posts}) t(i)""")
    con.execute(f"""CREATE TABLE accounts AS SELECT 'a' || i AS account_id, 'user_' || i AS handle,
        'Name ' || i AS display_name FROM range({accounts}) t(i)""")
    members = clusters * 25
    con.execute(f"""CREATE TABLE account_coordination AS SELECT 'a' || i AS account_id,
        CASE WHEN i < {members} THEN i // 25 END AS cluster,
        CASE WHEN i < {members} THEN 0.8 ELSE 0.0 END AS coordination_score, i < {members} AS coordinated,
        CASE WHEN i < {members} THEN 24 ELSE 0 END AS degree FROM range({accounts}) t(i)""")
    con.execute(f"""CREATE TABLE account_signals AS SELECT 'a' || i AS account_id,
        (hash(i) % 1000) / 1000.0 AS inauthenticity_score, 'created the same day as 12 other accounts; '
        || 'handle is a name followed by 8 digits' AS reasons, 5.0 AS utc_offset, 0.8 AS utc_offset_confidence,
        CASE WHEN i % 7 = 0 THEN 'woman' ELSE '' END AS persona, '' AS origin_note FROM range({accounts}) t(i)""")
    con.execute(f"""CREATE TABLE edges AS SELECT 'a' || (c * 25 + x) AS account_a, 'a' || (c * 25 + y) AS account_b,
        'retweet|link' AS traces, 10 AS co_actions, 5.0 + (x + y) % 7 AS weight, 1e-8 AS p_value
        FROM range({clusters}) a(c), range(25) b(x), range(25) d(y) WHERE x < y""")
    con.execute("""CREATE TABLE edge_evidence AS SELECT account_a, account_b, tr AS trace, 'obj' AS object,
        'p1' AS post_a, 'p2' AS post_b, TIMESTAMP '2025-03-01 10:00:00' AS time_a,
        TIMESTAMP '2025-03-01 10:00:05' AS time_b, 'same text @user_1' AS text_a, 'same text' AS text_b
        FROM edges, (VALUES ('retweet'), ('link')) v(tr)""")
    con.execute("""CREATE TABLE clusters AS SELECT cluster, count(*) AS accounts, 100 AS posts,
        'retweet|link' AS traces, 'tag1|tag2' AS top_hashtags FROM account_coordination
        WHERE cluster IS NOT NULL GROUP BY 1""")
    con.execute("""CREATE TABLE cluster_origin AS SELECT CAST(cluster AS VARCHAR) AS cluster, 3.0 AS utc_offset,
        0.9 AS confidence, accounts, '{"woman": 0.5}' AS persona_mix FROM clusters""")
    con.execute("""CREATE TABLE trend_timeline AS SELECT h AS trend, date_trunc('minute', time) AS minute,
        count(*) AS posts, 0 AS coordinated_posts, 0 AS inauthentic_posts
        FROM (SELECT unnest(hashtags) AS h, time FROM posts) GROUP BY 1, 2""")
    con.execute("""CREATE TABLE trends AS SELECT trend, sum(posts) AS posts, 10 AS accounts,
        0.1 AS coordinated_share, 0.2 AS inauthentic_share, 'mixed' AS verdict, 0.5 AS score,
        1.0 AS cost_usd_low, 2.0 AS cost_usd_high, 'A sentence. Another one.' AS evidence
        FROM trend_timeline GROUP BY 1""")
    con.execute("""CREATE TABLE overlap AS SELECT 'tag' || i AS campaign_a, 'tag' || (i + 1) AS campaign_b,
        5 AS shared_accounts, 0.1 AS jaccard FROM range(100) t(i)""")
    con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--clusters", type=int, default=40)
    a = ap.parse_args(argv)
    from trendtrace.report import write_outputs
    from trendtrace.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        build(db, a.posts, a.accounts, a.clusters)
        t1 = time.perf_counter()
        con = duckdb.connect(str(db), read_only=True)
        written = write_outputs(con, Path(tmp) / "out", Settings())
        t2 = time.perf_counter()
        write_outputs(con, Path(tmp) / "pseudo", Settings(pseudonymize=True))
        t3 = time.perf_counter()
        edges = con.execute("SELECT count(*) FROM edges").fetchall()[0][0]
        con.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"store: {a.posts:,} posts, {a.accounts:,} accounts, {edges:,} edges (built in {t1 - t0:.1f} s)")
        print(f"write_outputs: {t2 - t1:.1f} s; with --pseudonymize: {t3 - t2:.1f} s; peak RSS {peak:.0f} MB")
        for p in written:
            print(f"  {p.name:18} {p.stat().st_size / 1e6:8.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
