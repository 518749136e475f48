"""Where relational work runs: DuckDB by default, PySpark on request, through one set of Ibis
expressions.

A stage builds Ibis expressions over the table handed out by :class:`Engine` and calls
:meth:`Engine.arrow` to run them. The stage never knows which backend runs the query: with
``engine="duckdb"`` the expressions compile to DuckDB SQL on the store's own connection (no copy);
with ``engine="spark"`` the ``posts`` table is handed to a Spark session (read from the store, or from
Parquet on shared storage, see ``docs/scale.md``) and the same expressions compile to Spark SQL.

Small Python-side tables (for instance the near-duplicate text pairs of :mod:`trendtrace.coordination.textsim`)
go to the backend with :meth:`Engine.table`.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import duckdb
import ibis
import pyarrow as pa

__all__ = ["Engine", "EngineError", "spark_session"]

log = logging.getLogger("trendtrace.engine")
_SQL_CACHE: dict[Any, str] = {}


class EngineError(RuntimeError):
    """The requested engine cannot run here (for instance pyspark or Java is missing)."""


def spark_session(master: str | None = None, app_name: str = "trendtrace") -> Any:
    """A Spark session: the active one if there is one, else a new one.

    ``master`` defaults to ``$TRENDTRACE_SPARK_MASTER`` or ``local[*]``; anything else (executor
    memory, a cluster's own defaults) comes from ``spark-defaults.conf`` or ``spark-submit`` as
    usual. A new session is told: times are UTC, Arrow for transfers, no console progress bars
    (they would interleave with trendtrace's own progress), warnings only, and, unless
    ``spark.sql.shuffle.partitions`` was set, two shuffle partitions per core of the cluster instead
    of Spark's fixed 200 (which made a small run schedule thousands of empty tasks). Raises
    :class:`EngineError` with an installation hint when pyspark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the environment
        raise EngineError("engine 'spark' needs pyspark: pip install 'trendtrace[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = master or os.environ.get("TRENDTRACE_SPARK_MASTER", "local[*]")
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        # Timestamps are naive UTC everywhere in trendtrace.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if os.environ.get("SPARK_LOCAL_IP"):
        builder = builder.config("spark.driver.bindAddress", os.environ["SPARK_LOCAL_IP"])
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing, master unreachable: one line, not a Java stack
        raise EngineError(f"cannot start Spark (master {master}): {str(exc).splitlines()[0][:300]}") from None
    session.sparkContext.setLogLevel("ERROR")
    if not session.sparkContext.getConf().contains("spark.sql.shuffle.partitions"):
        session.conf.set("spark.sql.shuffle.partitions", str(max(2, 2 * session.sparkContext.defaultParallelism)))
    return session


class Engine:
    """A backend for Ibis expressions plus the ``posts`` table on it.

    Parameters
    ----------
    con:
        The store's DuckDB connection (holds ``posts``; results are written back here).
    name:
        ``"duckdb"`` (default) or ``"spark"``.
    spark:
        An existing Spark session (``engine="spark"`` only); default: :func:`spark_session`.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str = "duckdb", spark: Any = None) -> None:
        self.con = con
        self.name = name
        self._n = 0
        if name == "duckdb":
            self.backend = ibis.duckdb.from_connection(con)
        elif name == "spark":
            self.spark = spark or spark_session()
            try:
                self.backend = ibis.pyspark.connect(self.spark)
            except Exception as exc:  # pragma: no cover - depends on the environment
                raise EngineError(f"cannot start the Spark backend: {exc}") from exc
        else:
            raise EngineError(f"unknown engine {name!r}: use duckdb or spark")

    # ------------------------------------------------------------------ tables
    def posts(self, columns: list[str]) -> ibis.Table:
        """The ``posts`` table (only ``columns``) as an Ibis table on this backend."""
        if self.name == "duckdb":
            return self.backend.table("posts").select(*columns)
        if "posts" not in self.backend.list_tables():
            uri = self._posts_uri()
            if uri:  # a results store over a Parquet data set: Spark reads the files where they lie
                from .dataset import spark_posts

                spark_posts(self.spark, uri).createOrReplaceTempView("posts")
                return self.backend.table("posts").select(*columns)
            # Every column, once: the view serves each later stage's columns too.
            # A cursor of its own: a result the caller left open on ``con`` must not block this read.
            arrow = self.con.cursor().sql("SELECT * FROM posts").arrow()
            if isinstance(arrow, pa.RecordBatchReader):
                arrow = arrow.read_all()
            self.table(arrow, "posts")
        return self.backend.table("posts").select(*columns)

    def _posts_uri(self) -> str | None:
        """``meta.posts_uri`` of the store (``Store.use_parquet_posts``), or None."""
        cur = self.con.cursor()
        try:
            if not cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'").fetchall()[0][0]:
                return None
            rows = cur.execute("SELECT value FROM meta WHERE key = 'posts_uri'").fetchall()
        finally:
            cur.close()
        return str(rows[0][0]) if rows else None

    def table(self, arrow: pa.Table, name: str | None = None) -> ibis.Table:
        """Put a Python-side Arrow table on the backend (a temporary view) and return it."""
        if name is None:
            self._n += 1
            name = f"_tt_tmp_{self._n}"
        if self.name == "duckdb":
            self.con.register(name, arrow)
            return self.backend.table(name)
        # PySpark 4 builds a DataFrame straight from Arrow (list columns included).
        df = self.spark.createDataFrame(arrow) if arrow.num_rows else self.spark.createDataFrame(
            [], _spark_schema(arrow.schema)
        )
        df.createOrReplaceTempView(name)
        return self.backend.table(name)

    def sql(self, expr: ibis.Expr) -> str:
        """The SQL of ``expr`` for this backend.

        Compiling a large Ibis expression costs up to a second of pure Python; expressions are
        immutable and compare by structure, so the SQL is cached per expression (a re-run with the
        same settings compiles nothing).
        """
        dialect = "duckdb" if self.name == "duckdb" else "pyspark"
        key = (dialect, expr.op())
        sql = _SQL_CACHE.get(key)
        if sql is None:
            sql = str(ibis.to_sql(expr, dialect=dialect))
            if len(_SQL_CACHE) > 512:
                _SQL_CACHE.clear()
            _SQL_CACHE[key] = sql
        return sql

    def execute(self, expr: ibis.Expr) -> Any:
        """Run a scalar expression and return its Python value."""
        if self.name == "duckdb":
            return self.con.sql(self.sql(expr)).fetchall()[0][0]
        return self.backend.execute(expr)

    def arrow(self, expr: ibis.Table) -> pa.Table:
        """Run ``expr`` and return the result as an Arrow table."""
        out = self.con.sql(self.sql(expr)).arrow() if self.name == "duckdb" else expr.to_pyarrow()
        if isinstance(out, pa.RecordBatchReader):
            out = out.read_all()
        return out

    def materialize(self, expr: ibis.Table, name: str) -> ibis.Table:
        """Compute ``expr`` once and keep it on the backend (a temp table / cached view)."""
        if self.name == "duckdb":
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {self.sql(expr)}")
            return self.backend.table(name)
        df = self.spark.sql(self.sql(expr))
        df = df.cache()
        df.createOrReplaceTempView(name)
        return self.backend.table(name)

    def release(self, *names: str) -> None:
        """Drop tables made by :meth:`table` or :meth:`materialize` (a missing name is no error)."""
        for name in names:
            if self.name == "duckdb":
                # a temp table (materialize), else a registered Arrow table (no error when absent)
                temp = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                                        [name]).fetchall()[0][0]
                if temp:
                    self.con.execute(f"DROP TABLE temp.{name}")
                else:
                    self.con.unregister(name)
            else:
                if self.spark.catalog.tableExists(name):
                    self.spark.catalog.uncacheTable(name)
                self.spark.catalog.dropTempView(name)


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    mapping = {
        pa.string(): T.StringType(),
        pa.large_string(): T.StringType(),
        pa.int64(): T.LongType(),
        pa.int32(): T.IntegerType(),
        pa.float64(): T.DoubleType(),
        pa.bool_(): T.BooleanType(),
    }
    return T.StructType([T.StructField(f.name, mapping.get(f.type, T.StringType())) for f in schema])
