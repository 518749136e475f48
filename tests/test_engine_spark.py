"""The same Ibis expressions on PySpark (local[2]) give the same results as on DuckDB."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest

from trendtrace.coordination import coordination
from trendtrace.engine import Engine
from trendtrace.settings import Settings

from _coord_data import post, store
from _spark import spark  # noqa: F401  (session-scoped fixture)
from test_coordination import GOLDEN, _campaign_and_surge

pytestmark = pytest.mark.spark

TABLES = {
    "edges": "SELECT * FROM edges ORDER BY account_a, account_b",
    "coaction_pairs": "SELECT * FROM coaction_pairs ORDER BY trace, account_a, account_b",
    "account_coordination": "SELECT * FROM account_coordination ORDER BY account_id",
    "clusters": "SELECT * FROM clusters ORDER BY cluster",
    "edge_evidence": "SELECT * FROM edge_evidence ORDER BY ALL",
}


def _run(rows: list[dict], settings: Settings, spark_session=None) -> dict[str, list]:
    con = store(rows)
    eng = Engine(con, settings["engine"], spark=spark_session)
    if spark_session is not None:
        spark_session.catalog.dropTempView("posts")
    out = coordination(con, settings, eng)
    tables = {name: con.execute(q).fetchall() for name, q in TABLES.items()}
    tables["_counts"] = [out]
    return tables


def test_spark_results_identical_to_duckdb(spark) -> None:  # noqa: F811
    # A campaign (8 accounts), 40 organic retweeters, 30 fans of a surge, and the golden posts.
    rows = _campaign_and_surge(4, fans=30) + GOLDEN
    s = Settings(traces="retweet,reply,tweet,similar,link,hashtag,hashtag_sequence", min_co_actions=1)
    duck = _run(rows, s)
    sp = _run(rows, s.replace(engine="spark"), spark)
    assert len(duck["edges"]) >= 28 and len(duck["coaction_pairs"]) > 100
    for name in TABLES:
        assert sp[name] == duck[name], name
    assert sp["_counts"] == duck["_counts"]


def test_post_aggregates_identical_on_spark(spark) -> None:  # noqa: F811
    """The account stage's per-account aggregates (counts, shares' parts, dup posts, gap mean, sd and
    exact median, minute and second modes, hour/lang/client counts, times) are the same tables on
    Spark as on DuckDB, row for row (floats to 1e-12)."""
    from trendtrace.accounts.post_aggregates import median_time, post_aggregates

    copied = "@lead Vote for the new bridge today, it is the only sensible choice"  # 12 words: a long key
    rows = _campaign_and_surge(4, fans=30) + GOLDEN + [
        post(f"d{i}", f"copier{i % 3}", 9000 + 7 * i, "post", copied if i % 2 else copied.upper(),
             mentions=["lead"])
        for i in range(6)
    ]
    con = store(rows)
    duck = post_aggregates(Engine(con, "duckdb"))
    spark.catalog.dropTempView("posts")
    sp = post_aggregates(Engine(con, "spark", spark=spark))
    assert duck.base.num_rows >= 40 and int(pa.compute.sum(duck.base.column("dup_posts")).as_py()) > 0
    for name in ("base", "hours", "langs", "clients", "times"):
        a, b = getattr(duck, name).to_pylist(), getattr(sp, name).to_pylist()
        assert len(a) == len(b), name
        for ra, rb in zip(a, b, strict=True):
            assert ra.keys() == rb.keys()
            for k, v in ra.items():
                if isinstance(v, float):
                    assert rb[k] == pytest.approx(v, rel=1e-12, abs=1e-12), (name, k, ra)
                else:
                    assert rb[k] == v, (name, k, ra)
    assert median_time(sp.times) == median_time(duck.times) == con.execute(
        "SELECT quantile_disc(time, 0.5) FROM posts").fetchall()[0][0]
