"""The same Ibis expressions on PySpark (local[2]) give the same results as on DuckDB.

The coordination stage's tables (every tested pair with its p- and q-values, the evidence, the
accounts' coordination) are compared on both engines from the command line, on the demo's
scenario and on hostile text, by ``tests/test_cli_spark.py``; this file keeps the library-level
check of the account stage's aggregates on data made to hit their edge cases (duplicate texts,
sub-second times)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest

from trendtrace.engine import Engine

from _coord_data import post, store
from _spark import spark  # noqa: F401  (session-scoped fixture)
from test_coordination import GOLDEN, _campaign_and_surge

pytestmark = pytest.mark.spark


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
