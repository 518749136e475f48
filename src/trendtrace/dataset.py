"""Posts as a Parquet data set in the store's own schema, for data read where it lies.

A *data set* is a folder: ``posts/part-NNNNN.parquet`` (exactly :data:`~trendtrace.model.POST_SCHEMA`,
``docs/schema.md``) and ``accounts.parquet`` (:data:`~trendtrace.model.ACCOUNT_SCHEMA`, the latest
snapshot of each account). ``trendtrace convert FILES --out DIR`` writes one from any input format
through the same readers as ``ingest``, chunk by chunk, so memory stays flat in the number of posts
(the accounts, far fewer, are merged in memory).

``trendtrace analyze --posts DIR/posts --accounts DIR/accounts.parquet`` analyses it without copying
the posts into DuckDB: the results store keeps the Parquet location (``meta.posts_uri``) and every
time it is opened reads ``posts`` as a view over those files (:func:`attach_view`); with
``--engine spark`` Spark reads the same location itself (:func:`spark_posts`), so it may be any
Hadoop file system URI for the coordination stage.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .model import ACCOUNT_SCHEMA, POST_SCHEMA, Chunk, InputError, Reject

__all__ = ["write_dataset", "DatasetReport", "attach_view", "spark_posts", "REQUIRED_POST_COLUMNS",
           "local_parquet_files"]

#: Columns a posts data set must have; the others of POST_SCHEMA are null when absent.
REQUIRED_POST_COLUMNS = ("post_id", "account_id", "time", "kind")


class DatasetReport:
    """What :func:`write_dataset` wrote."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.posts = 0
        self.accounts = 0
        self.parts = 0
        self.rejects: list[Reject] = []


def write_dataset(chunks: Iterable[Chunk], out: str | os.PathLike[str],
                  progress: Callable[[int], None] | None = None) -> DatasetReport:
    """Write ``chunks`` (from :func:`trendtrace.readers.read`) as a data set in folder ``out``.

    Refuses a folder that already holds a ``posts`` folder or ``accounts.parquet`` (no silent
    mixing of two data sets). Posts whose id was already written are dropped, as ``ingest`` does;
    the ids seen are kept as 64-bit hashes (about 70 bytes of memory per post: 700 MB for 10M).
    Files are written under temporary names and renamed at the end, so a failure leaves no half
    data set that looks complete.
    """
    root = Path(out)
    posts_dir, accounts_file = root / "posts", root / "accounts.parquet"
    if posts_dir.exists() or accounts_file.exists():
        raise InputError(f"{root}: already holds a data set (posts/ or accounts.parquet); choose an empty folder")
    tmp = root / ".posts.partial"
    tmp.mkdir(parents=True, exist_ok=True)
    report = DatasetReport(root)
    seen: set[int] = set()
    accounts: list[pa.Table] = []
    hasher = duckdb.connect()  # DuckDB's hash of the id: fast, and only compared within this run
    try:
        for chunk in chunks:
            report.rejects.extend(chunk.rejects)
            posts = chunk.posts
            if posts.num_rows:
                hasher.register("_ids", posts.select(["post_id"]))
                keys = hasher.sql("SELECT hash(post_id) AS k FROM _ids").fetchnumpy()["k"].tolist()
                keep = []
                for i, k in enumerate(keys):
                    if k not in seen:
                        seen.add(k)
                        keep.append(i)
                if len(keep) < posts.num_rows:
                    posts = posts.take(pa.array(keep, pa.int64()))
                pq.write_table(posts.cast(POST_SCHEMA), tmp / f"part-{report.parts:05d}.parquet", compression="zstd")
                report.parts += 1
                report.posts += posts.num_rows
                if progress:
                    progress(posts.num_rows)
            if chunk.accounts.num_rows:
                accounts.append(chunk.accounts.cast(ACCOUNT_SCHEMA))
        merged = _latest(accounts)
        pq.write_table(merged, root / ".accounts.partial.parquet", compression="zstd")
        report.accounts = merged.num_rows
        tmp.rename(posts_dir)
        (root / ".accounts.partial.parquet").rename(accounts_file)
    except BaseException:
        for f in tmp.glob("*.parquet"):
            f.unlink()
        tmp.rmdir()
        (root / ".accounts.partial.parquet").unlink(missing_ok=True)
        raise
    finally:
        hasher.close()
    return report


def _latest(parts: list[pa.Table]) -> pa.Table:
    """One row per account: its latest snapshot (largest ``seen_at``; the later one on a tie)."""
    if not parts:
        return ACCOUNT_SCHEMA.empty_table()
    con = duckdb.connect()
    try:
        con.register("_acc", pa.concat_tables(parts))
        # ingest's rule (Store._merge_accounts): the latest seen_at; on a tie the earlier file, then
        # within a file the smallest handle and display name, then the first row
        con.execute("CREATE TEMP TABLE _numbered AS SELECT *, row_number() OVER () AS _n FROM _acc")
        return con.sql("SELECT * EXCLUDE (_n, _f) FROM (SELECT *, min(_n) OVER (PARTITION BY source_file) AS _f "
                       "FROM _numbered) "
                       "QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY seen_at DESC NULLS LAST, "
                       "_f, handle, display_name, _n) = 1 ORDER BY account_id").arrow().read_all().cast(ACCOUNT_SCHEMA)
    finally:
        con.close()


def local_parquet_files(uri: str) -> list[str]:
    """The Parquet files of a local ``uri`` (a file, a folder searched recursively, or a glob);
    raises InputError when there are none or the URI names a remote file system."""
    if "://" in uri and not uri.startswith("file://"):
        raise InputError(f"--posts {uri}: the accounts and trends stages and the report read posts on this "
                         "machine through DuckDB, which reads local paths only; give a local or mounted path "
                         "(Spark alone could read this URI)")
    path = Path(uri.removeprefix("file://"))
    if path.is_dir():
        files = sorted(str(p) for p in path.rglob("*.parquet"))
    elif any(c in str(path) for c in "*?["):
        files = sorted(str(p) for p in Path(path.anchor or ".").glob(str(path.relative_to(path.anchor or "."))))
    else:
        files = [str(path)] if path.is_file() else []
    if not files:
        raise InputError(f"--posts {uri}: no Parquet files there")
    return files


def _required(uri: str, columns: list[str]) -> set[str]:
    have = set(columns)
    missing = [c for c in REQUIRED_POST_COLUMNS if c not in have]
    if missing:
        raise InputError(f"--posts {uri}: no column {', '.join(missing)}; --posts reads Parquet in the store's "
                         "posts schema (docs/schema.md), as 'trendtrace convert' writes it")
    return have


def attach_view(con: duckdb.DuckDBPyConnection, uri: str) -> None:
    """Make ``posts`` a (temporary) view over the Parquet files at ``uri`` with exactly the
    store's columns; no SQL is built from the URI (DuckDB's relation API takes the file list)."""
    files = local_parquet_files(uri)
    try:
        rel = con.read_parquet(files, union_by_name=True)
    except duckdb.Error as exc:
        raise InputError(f"--posts {uri}: cannot read as Parquet ({str(exc).splitlines()[0]})") from None
    have = _required(uri, rel.columns)
    from .store import cast_select

    rel.select(cast_select(POST_SCHEMA, have)).create_view("posts", replace=True)


def spark_posts(spark: Any, uri: str) -> Any:
    """The posts at ``uri`` (any file system Spark reads) as a DataFrame with the store's columns."""
    from pyspark.sql import functions as F

    try:
        df = spark.read.parquet(uri)
    except Exception as exc:  # AnalysisException: path missing, not Parquet
        raise InputError(f"--posts {uri}: Spark cannot read it ({str(exc).splitlines()[0][:200]})") from None
    have = _required(uri, df.columns)
    spark_types = {"string": "string", "timestamp[us]": "timestamp_ntz", "list<item: string>": "array<string>",
                   "double": "double", "int64": "bigint", "bool": "boolean"}
    return df.select(*[(F.col(f"`{f.name}`") if f.name in have else F.lit(None))
                       .cast(spark_types[str(f.type)]).alias(f.name) for f in POST_SCHEMA])
