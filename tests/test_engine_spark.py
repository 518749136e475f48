"""The same Ibis expressions on PySpark (local[2]) give the same edges as on DuckDB."""

from __future__ import annotations

import pytest

from trendtrace.coordination import coaction_counts, coordination
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


def _run(rows: list[dict], settings: Settings, engine_name: str, spark_session=None) -> dict[str, list]:
    con = store(rows)
    eng = Engine(con, engine_name, spark=spark_session)
    if engine_name == "spark":
        spark_session.catalog.dropTempView("posts")
    out = coordination(con, settings, eng)
    tables = {name: con.execute(q).fetchall() for name, q in TABLES.items()}
    tables["_counts"] = [out]
    return tables


def test_spark_edges_identical_to_duckdb(spark) -> None:  # noqa: F811
    rows = _campaign_and_surge(4)
    s = Settings(traces="retweet,tweet,similar,link,hashtag,hashtag_sequence")
    duck = _run(rows, s, "duckdb")
    sp = _run(rows, s.replace(engine="spark"), "spark", spark)
    assert duck["edges"] and len(duck["edges"]) == len(sp["edges"])
    for name in TABLES:
        assert sp[name] == duck[name], name
    assert sp["_counts"] == duck["_counts"]


def test_spark_golden_counts(spark) -> None:  # noqa: F811
    con = store(GOLDEN)
    spark.catalog.dropTempView("posts")
    s = Settings(traces="retweet,quote,reply,tweet,link,hashtag,hashtag_sequence,mention", engine="spark")
    got = coaction_counts(con, s, Engine(con, "spark", spark=spark))
    want = coaction_counts(con, s.replace(engine="duckdb"))
    assert got.to_pylist() == want.to_pylist()
