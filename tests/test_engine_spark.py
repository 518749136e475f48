"""The same Ibis expressions on PySpark (local[2]) give the same results as on DuckDB."""

from __future__ import annotations

import pytest

from trendtrace.coordination import coordination
from trendtrace.engine import Engine
from trendtrace.settings import Settings

from _coord_data import store
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
