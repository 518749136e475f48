"""How trend statistics separate fake from real trends on the Turkish data of Elmas et al. (2021).

Data: ``../shared/data/ephemeral_astroturfing`` (read-only, never copied; the script exits with a
message when it is absent). What its columns allow:

* ``all_trend_stats.csv.bz2``: one row per trend-day (2013-2022) with ``all`` (tweets seen for the
  trend that day), ``all_lex_cnt`` (of them, "lexicon" attack tweets: the trend plus random
  dictionary words), ``deleted_lex_cnt`` and ``perc`` (= deleted / lexicon), and the labels
  ``fake`` (True or empty), ``cscw_fake`` (2022 subset) and ``likely_fake``.
  There are no posts, accounts or times, so trendtrace's own pipeline cannot run on it, and the
  ten-minute spells of the verdict cannot be formed. We apply the rest of the *verdict rule* of
  :mod:`trendtrace.trends.verdict` with all lexicon tweets standing in for the suspect posts in
  dominated spells — score = lexicon / (all + PRIOR_POSTS), cut points MIXED_AT / MANUFACTURED_AT —
  and report AUC of each column against ``fake``. Caveat: the authors derived ``fake`` from these
  same lexicon and deletion counts, so high AUCs are partly circular; they show that the share
  statistic is the right *shape* of evidence, not an independent validation.
* ``fake_trends_20202122.csv.bz2``: three real attack tweets for each of 11,470 fake trends. We run
  trendtrace's templated-text test (word-set Jaccard ≥ ``template_similarity`` between posts of
  the same trend) on them: it measures whether near-duplicate detection alone would see lexicon
  attacks.

Run: ``.venv/bin/python bench/trends_real.py [DATA_DIR]``. Prints a Markdown section.
"""

from __future__ import annotations

import bz2
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.csv as pcsv
from sklearn.metrics import roc_auc_score

from trendtrace.settings import Settings
from trendtrace.trends.stats import MIN_TEMPLATE_WORDS
from trendtrace.trends.verdict import MANUFACTURED_AT, MIXED_AT, PRIOR_POSTS

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ephemeral_astroturfing"


def _read(path: Path) -> object:
    with bz2.open(path) as fh:
        return pcsv.read_csv(fh)


def main(data: Path) -> int:
    stats_file = data / "all_trend_stats.csv.bz2"
    if not stats_file.exists():
        print(f"skipped: {stats_file} is absent (the real data lives in ../shared/data)")
        return 0
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.register("raw", _read(stats_file))
    con.execute(f"""
        CREATE TABLE t AS
        SELECT *, coalesce(fake, false) AS y,
               all_lex_cnt / nullif("all", 0) AS lex_share,
               least(all_lex_cnt, "all") / ("all" + {PRIOR_POSTS}) AS score
        FROM raw WHERE "all" > 0
    """)
    n, pos = con.execute("SELECT count(*), sum(y::INT) FROM t").fetchall()[0]
    y = [r[0] for r in con.execute("SELECT y FROM t").fetchall()]
    rows = []
    for label, expr in [
        ("verdict score: lexicon tweets / (tweets + 10)", "score"),
        ("lexicon share: lexicon tweets / tweets", "coalesce(lex_share, 0)"),
        ("lexicon tweets (count)", "all_lex_cnt"),
        ("deleted share of lexicon tweets (perc)", "perc"),
        ("tweets (volume, like BotSlayer's volume signal)", '"all"'),
    ]:
        x = [r[0] for r in con.execute(f"SELECT {expr} FROM t").fetchall()]
        rows.append((label, roc_auc_score(y, x)))
    verdicts = con.execute(f"""
        SELECT CASE WHEN score >= {MANUFACTURED_AT} THEN 'manufactured' WHEN score >= {MIXED_AT} THEN 'mixed'
                    ELSE 'organic' END AS v, y, count(*) FROM t GROUP BY ALL ORDER BY v, y""").fetchall()
    by_year = con.execute(f"""
        SELECT year(date) AS yr, count(*), sum(y::INT),
               avg(CASE WHEN y THEN (score >= {MIXED_AT})::INT END) AS recall,
               avg(CASE WHEN NOT y THEN (score < {MIXED_AT})::INT END) AS specificity
        FROM t GROUP BY yr ORDER BY yr""").fetchall()
    cscw = con.execute(f"""
        SELECT count(*), sum(cscw_fake::INT), avg(CASE WHEN cscw_fake THEN (score >= {MIXED_AT})::INT END)
        FROM t WHERE date >= DATE '2022-05-23'""").fetchall()[0]
    auc_cscw_x = con.execute("SELECT score, cscw_fake FROM t WHERE date >= DATE '2022-05-23'").fetchall()
    auc_cscw = roc_auc_score([r[1] for r in auc_cscw_x], [r[0] for r in auc_cscw_x])

    # templated-text test on real attack tweets
    tmpl = None
    attack_file = data / "fake_trends_20202122.csv.bz2"
    if attack_file.exists():
        thr = float(Settings()["template_similarity"])
        con.register("att", _read(attack_file))
        con.execute("""
            CREATE TABLE tok AS
            SELECT row_number() OVER () AS tid, trend, k, list_distinct(list_filter(
                     regexp_split_to_array(lower(replace(txt, trend, ' ')), '[^\\p{L}\\p{N}\\p{M}]+'),
                     lambda w: length(w) >= 2)) AS toks
            FROM (SELECT trend, 1 AS k, text AS txt FROM att UNION ALL SELECT trend, 2, text2 FROM att
                  UNION ALL SELECT trend, 3, text3 FROM att) WHERE txt IS NOT NULL
        """)
        tmpl = con.execute(f"""
            WITH pairs AS (
                SELECT a.trend,
                len(list_intersect(a.toks, b.toks)) / len(list_distinct(list_concat(a.toks, b.toks))) AS j
                FROM tok a JOIN tok b ON a.trend = b.trend AND a.k < b.k
                WHERE len(a.toks) >= {MIN_TEMPLATE_WORDS} AND len(b.toks) >= {MIN_TEMPLATE_WORDS})
            SELECT (SELECT count(*) FROM tok), (SELECT avg(len(toks)) FROM tok),
                   (SELECT avg((len(toks) >= {MIN_TEMPLATE_WORDS})::INT) FROM tok),
                   count(*), avg(j), avg((j >= {thr})::INT) FROM pairs
        """).fetchall()[0]
    secs = time.perf_counter() - t0

    print("### Turkish fake trends (Elmas et al. 2021), `bench/trends_real.py`\n")
    print(f"{n:,} trend-days with at least one tweet, {pos:,} labelled fake. Measured in {secs:.1f} s.\n")
    print("| statistic (per trend-day) | AUC against `fake` |\n|---|---|")
    for label, auc in rows:
        print(f"| {label} | {auc:.3f} |")
    print(f"\nVerdict rule applied with lexicon tweets as suspect posts (cut points {MIXED_AT} / {MANUFACTURED_AT}):\n")
    print("| verdict | fake | not labelled fake |\n|---|---|---|")
    table: dict[str, dict[bool, int]] = {}
    for v, yy, k in verdicts:
        table.setdefault(v, {})[bool(yy)] = k
    for v in ("manufactured", "mixed", "organic"):
        print(f"| {v} | {table.get(v, {}).get(True, 0):,} | {table.get(v, {}).get(False, 0):,} |")
    print("\n| year | trend-days | fake | fake called mixed or manufactured | others called organic |\n"
          "|---|---|---|---|---|")
    for yr, k, f, rec, spec in by_year:
        print(f"| {yr} | {k:,} | {f:,} | {rec if rec is None else f'{rec:.3f}'} | {spec:.3f} |")
    print(f"\n2022 subset with the stricter `cscw_fake` label: {cscw[0]:,} trend-days, {cscw[1]:,} fake; "
          f"recall of the rule {cscw[2]:.3f}; AUC of the score {auc_cscw:.3f}.")
    if tmpl:
        print(f"\nTemplated-text test on {tmpl[0]:,} real attack tweets: {tmpl[1]:.1f} words on average once the "
              f"trend is removed; {tmpl[2]:.0%} have {MIN_TEMPLATE_WORDS}+ words; {tmpl[3]:,} same-trend pairs "
              f"compared, mean word Jaccard {tmpl[4]:.3f}, share at or above {Settings()['template_similarity']}: "
              f"{tmpl[5]:.3f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
