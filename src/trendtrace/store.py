"""The DuckDB store: schema and version, atomic idempotent ingestion, and the connection stages use.

A store is one DuckDB file with the tables ``posts``, ``accounts``, ``account_names``, ``files`` and
``meta`` (``docs/schema.md``). Ingestion is atomic per file: every chunk of a file is written inside one
transaction (posts straight into ``posts``, account snapshots into a staging table), duplicates are
removed and accounts merged at the end, so a failure anywhere leaves the store exactly as it was. It
is idempotent: posts are keyed on ``post_id`` (the first copy wins), accounts keep their latest
snapshot, and a file already ingested with the same size and modification time is recorded once.
The reader runs one chunk ahead in a background thread (:func:`_prefetched`).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Iterator, Mapping

import duckdb

from . import __version__
from .model import ACCOUNT_SCHEMA, NAMES_SCHEMA, POST_SCHEMA, Chunk, Format, InputError, Reject, neutralize

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "IngestReport", "FileReport"]

log = logging.getLogger("trendtrace.store")

#: Bump when a table changes shape; older stores are refused with a message saying what to do.
#: 2: ``accounts`` gained ``likes_given`` and ``listed``.
SCHEMA_VERSION = 2

_SQL_TYPES = {
    "string": "VARCHAR",
    "timestamp[us]": "TIMESTAMP",
    "list<item: string>": "VARCHAR[]",
    "double": "DOUBLE",
    "int64": "BIGINT",
    "bool": "BOOLEAN",
}


def _ddl(name: str, schema: object, temp: bool = False) -> str:
    cols = ", ".join(f'"{f.name}" {_SQL_TYPES[str(f.type)]}' for f in schema)  # type: ignore[attr-defined]
    return f"CREATE {'TEMP ' if temp else ''}TABLE IF NOT EXISTS {name} ({cols})"


def cast_select(schema: object, have: set[str]) -> str:
    """A select list with exactly ``schema``'s columns, cast to its types; a column not in
    ``have`` is a typed NULL (reading Parquet written by someone else into the store's schema)."""
    return ", ".join(f'CAST("{f.name}" AS {_SQL_TYPES[str(f.type)]}) AS "{f.name}"' if f.name in have
                     else f'CAST(NULL AS {_SQL_TYPES[str(f.type)]}) AS "{f.name}"'
                     for f in schema)  # type: ignore[attr-defined]


class StoreError(Exception):
    """The store file cannot be used (wrong version, not a trendtrace store, locked...)."""


@dataclass
class FileReport:
    path: str
    format: str
    records: int = 0
    posts_added: int = 0
    accounts_updated: int = 0
    rejects: int = 0
    naive_time: bool = False
    skipped_unchanged: bool = False
    #: rows whose post id the store (or this file) already held: merged, one post kept per id
    duplicates: int = 0
    #: columns of a mapped file (CSV, Parquet) that no field used
    unused_columns: tuple[str, ...] = ()


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    rejects_path: Path | None = None

    @property
    def posts_added(self) -> int:
        return sum(f.posts_added for f in self.files)

    @property
    def rejects(self) -> int:
        return sum(f.rejects for f in self.files)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)


ChunkSource = Callable[[str, str, Mapping[str, str] | None, int], Iterable[Chunk]]
Progress = Callable[[str, int], None]


#: The record of analysis runs (``docs/schema.md``).
RUNS_DDL = ("CREATE TABLE IF NOT EXISTS runs (run_id INTEGER, started TIMESTAMP, finished TIMESTAMP, "
            "version VARCHAR, settings VARCHAR, counts VARCHAR)")


class Store:
    """An open trendtrace store.

    >>> with Store(":memory:") as store:
    ...     store.count("posts")
    0
    """

    def __init__(self, path: str | os.PathLike[str] = "trendtrace.duckdb", read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(f"{self.path}: no such store; create it with 'trendtrace ingest FILE --db {self.path}'")
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            first = str(exc).splitlines()[0]
            if "lock" in first.lower():
                raise StoreError(f"{self.path}: the store is in use by another process ({first})") from None
            raise StoreError(f"{self.path}: cannot open as a DuckDB store ({first})") from None
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open as a DuckDB store ({str(exc).splitlines()[0]})") from None
        try:
            # fetch every result here: DuckDB 2 refuses the next .sql() while one is left open
            self.con.execute("SET TimeZone = 'UTC'").fetchall()
            self._check_or_create()
        except duckdb.Error as exc:
            self.con.close()
            raise StoreError(f"{self.path}: cannot use as a trendtrace store ({str(exc).splitlines()[0]})") from None
        except StoreError:
            self.con.close()
            raise

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _tables(self) -> set[str]:
        # and the posts view over a Parquet data set (``use_parquet_posts``), which is temporary
        return {r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE view_name = 'posts'").fetchall()}

    def _check_or_create(self) -> None:
        tables = self._tables()
        if "meta" in tables:
            rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
            raw = rows[0][0] if rows else 0
            try:
                version = int(raw)
            except (TypeError, ValueError):
                raise StoreError(f"{self.path}: the store's meta table holds schema version {str(raw)[:40]!r}, "
                                 f"not a number; the file was changed by hand or is damaged") from None
            if version != SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: store has schema version {version}, this trendtrace ({__version__}) "
                    f"reads version {SCHEMA_VERSION}; ingest your files again into a new store "
                    f"(--db NEW.duckdb) or use the trendtrace version that wrote it"
                )
            uri = self.con.execute("SELECT value FROM meta WHERE key = 'posts_uri'").fetchall()
            if uri and "posts" not in tables:
                from .dataset import attach_view

                attach_view(self.con, uri[0][0])  # a results store over a Parquet data set
            return
        if tables:
            raise StoreError(
                f"{self.path}: this DuckDB file is not a trendtrace store (tables: {', '.join(sorted(tables))}); "
                "choose another --db"
            )
        if self.read_only:
            raise StoreError(f"{self.path}: empty store; ingest files first")
        self.con.execute("BEGIN")
        self.con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?), ('created_by', ?), ('created_at', ?)",
            [str(SCHEMA_VERSION), f"trendtrace {__version__}", datetime.now(UTC).isoformat()],
        )
        self.con.execute(_ddl("posts", POST_SCHEMA))
        self.con.execute(_ddl("accounts", ACCOUNT_SCHEMA))
        self.con.execute(
            "CREATE TABLE account_names (account_id VARCHAR, handle VARCHAR, display_name VARCHAR, "
            "first_seen TIMESTAMP, last_seen TIMESTAMP)"
        )
        self.con.execute(
            "CREATE TABLE files (path VARCHAR, format VARCHAR, size BIGINT, mtime DOUBLE, posts BIGINT, "
            "accounts BIGINT, rejects BIGINT, ingested_at TIMESTAMP)"
        )
        from .chats.model import MESSAGE_SCHEMA

        self.con.execute(_ddl("chat_messages", MESSAGE_SCHEMA))
        self.con.execute("COMMIT").fetchall()

    # ------------------------------------------------------------------ Parquet posts

    def use_parquet_posts(self, posts_uri: str, accounts_uri: str | None = None) -> int:
        """Read ``posts`` from a Parquet data set in place (``trendtrace.dataset``) instead of this
        store's own table: the table is dropped and the location kept in ``meta.posts_uri``, so
        every later open sees the same view. ``accounts_uri`` (a Parquet file or folder in the
        ``accounts`` schema) is copied in: one row per account, far fewer than the posts.

        Only for a store without posts; returns the number of posts the view shows."""
        from .dataset import attach_view, local_parquet_files

        if self.count("posts"):
            raise StoreError(f"{self.path}: already holds {self.count('posts'):,} ingested posts; "
                             "--posts needs a new results store (--db NEW.duckdb)")
        files = local_parquet_files(accounts_uri) if accounts_uri else []
        self.con.execute("BEGIN")
        try:
            self.con.execute("DROP TABLE IF EXISTS posts")
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('posts_uri', ?)", [posts_uri])
            if files:
                rel = self.con.read_parquet(files, union_by_name=True)
                have = set(rel.columns)
                if "account_id" not in have:
                    raise InputError(f"--accounts {accounts_uri}: no column account_id")
                self.con.execute("DELETE FROM accounts")
                rel.select(cast_select(ACCOUNT_SCHEMA, have)).insert_into("accounts")
            self.con.execute("COMMIT").fetchall()
        except BaseException:
            self.con.execute("ROLLBACK").fetchall()
            raise
        attach_view(self.con, posts_uri)
        return self.count("posts")

    # ------------------------------------------------------------------ runs

    def record_run(self, started: datetime, settings: Mapping[str, Any], counts: Mapping[str, Any]) -> int:
        """Append a row to ``runs`` (created on the first run): when the analysis started and
        finished, this trendtrace's version, the settings (secrets replaced:
        :func:`~trendtrace.settings.public_settings`) and each stage's counts, as JSON. Returns the
        run id."""
        from .settings import public_settings

        self.con.execute(RUNS_DDL).fetchall()
        run_id = int(self.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchall()[0][0])
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, started, datetime.now(UTC).replace(tzinfo=None), __version__,
             json.dumps(public_settings(dict(settings)), default=str), json.dumps(dict(counts))],
        ).fetchall()
        return run_id

    # ------------------------------------------------------------------ queries

    def count(self, table: str) -> int:
        if table not in self._tables():
            return 0
        return int(self.con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])  # type: ignore[index]

    def has_table(self, table: str) -> bool:
        return table in self._tables()

    # ------------------------------------------------------------------ chats

    def add_chats(self, messages: Iterable[Any]) -> int:
        """Store the messages of exported chat groups (:class:`trendtrace.chats.model.Message`) in
        ``chat_messages``, replacing those of chats with the same names (a chat given again is read
        again, not doubled). One transaction: a failure leaves the table as it was. Returns the
        number of messages stored."""
        from .chats.model import MESSAGE_SCHEMA, messages_table

        table = messages_table(list(messages))
        self.con.execute("BEGIN")
        try:
            self.con.execute(_ddl("chat_messages", MESSAGE_SCHEMA))
            self.con.register("_tt_chat_new", table)
            self.con.execute("DELETE FROM chat_messages WHERE chat IN (SELECT DISTINCT chat FROM _tt_chat_new)")
            self.con.execute("INSERT INTO chat_messages SELECT * FROM _tt_chat_new")
            self.con.unregister("_tt_chat_new")
            self.con.execute("COMMIT").fetchall()
        except BaseException:
            self.con.execute("ROLLBACK").fetchall()
            raise
        return table.num_rows

    # ------------------------------------------------------------------ ingestion

    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]],
        fmt: Format | str = Format.AUTO,
        mapping: Mapping[str, str] | None = None,
        on_error: str = "skip",
        chunk_rows: int = 50_000,
        progress: Progress | None = None,
        reader: ChunkSource | None = None,
        memory_limit: str = "1GB",
    ) -> IngestReport:
        """Ingest files, each atomically; return what was added and rejected.

        ``on_error='skip'`` counts bad records and writes them with their reason to
        ``<store>.rejects.csv``; ``'fail'`` raises :class:`InputError` ("FILE:LINE: reason") at the
        first one, leaving the store as it was before that file. ``reader`` defaults to
        :func:`trendtrace.readers.read` (tests pass their own). ``memory_limit`` caps DuckDB's memory
        while ingesting (the rest spills to disk); uncommitted posts are written to the store file
        as row groups fill, so memory does not grow with the file.

        The rejects file belongs to the last run that committed a file (:meth:`_settle_rejects`):
        such a run replaces it with the rejects of the files it committed, or removes it when they
        had none; a run that commits nothing (it fails on its first file, or every file is
        unchanged) leaves it as it was. When a later file fails, the files committed before it
        stay in the store and the error says which they were.
        """
        if on_error not in ("skip", "fail"):
            raise InputError(f"--on-error must be 'skip' or 'fail', not {on_error!r}")
        if reader is None:
            from .readers import read  # late: keeps `import trendtrace.store` light

            reader = read
        limit = _memory(memory_limit)
        report = IngestReport()
        all_rejects: list[Reject] = []
        committed: list[str] = []
        previous = self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]  # type: ignore[index]
        try:
            self.con.execute(f"SET memory_limit = '{limit}'")
            for p in paths:
                path = str(p)
                fr = self._ingest_file(path, str(Format(fmt).value if isinstance(fmt, Format) else fmt), mapping,
                                       on_error, chunk_rows, progress, reader, all_rejects)
                report.files.append(fr)
                if not fr.skipped_unchanged:
                    committed.append(path)
        except BaseException as exc:
            if not committed:
                raise
            report.rejects_path = self._settle_rejects(all_rejects)
            if isinstance(exc, InputError):
                raise InputError(f"{exc} [already ingested and kept: {_names(committed)}; "
                                 f"run again with the rest]") from None
            raise
        finally:
            self.con.execute(f"SET memory_limit = '{_memory(previous, minimum=False)}'")
        if committed:
            report.rejects_path = self._settle_rejects(all_rejects)
        return report

    def _ingest_file(
        self,
        path: str,
        fmt: str,
        mapping: Mapping[str, str] | None,
        on_error: str,
        chunk_rows: int,
        progress: Progress | None,
        reader: ChunkSource,
        all_rejects: list[Reject],
    ) -> FileReport:
        fr = FileReport(path=path, format=fmt)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
        if Path(path).is_dir():
            raise InputError(f"{path}: is a directory; give the files inside it")
        known = self.con.execute(
            "SELECT 1 FROM files WHERE path = ? AND size = ? AND mtime = ?", [path, st.st_size, st.st_mtime]
        ).fetchall()
        if known:
            fr.skipped_unchanged = True
            log.info("%s: already ingested with the same size and time; nothing to do", path)
            return fr
        con = self.con
        con.execute("BEGIN")
        try:
            # Posts go straight into ``posts`` (transaction-local rows, which DuckDB writes to the
            # database file as row groups fill, so memory does not grow with the file); duplicates
            # are removed once at the end. Rows committed before this file have smaller row ids.
            boundary = con.execute("SELECT coalesce(max(rowid), -1) FROM posts").fetchall()[0][0]  # type: ignore[index]
            con.execute(_ddl("_stage_accounts", ACCOUNT_SCHEMA, temp=True))
            con.execute(_ddl("_stage_names", NAMES_SCHEMA, temp=True))
            inserted = 0
            file_rejects: list[Reject] = []
            for chunk in _prefetched(reader(path, fmt, mapping, chunk_rows)):
                fr.records += chunk.records
                fr.naive_time |= chunk.naive_time
                if chunk.rejects:
                    if on_error == "fail":
                        raise InputError(chunk.rejects[0].message())
                    fr.rejects += len(chunk.rejects)
                    file_rejects.extend(chunk.rejects)
                # from_arrow + insert_into, not register(): a registered table stays referenced
                # by the open transaction after unregister(), so every chunk of the file would
                # stay in memory until COMMIT (measured: Arrow memory grew by each chunk).
                if chunk.posts.num_rows:
                    con.from_arrow(chunk.posts).filter("post_id IS NOT NULL").insert_into("posts")
                    inserted += chunk.posts.num_rows - chunk.posts["post_id"].null_count
                if chunk.accounts.num_rows:
                    con.from_arrow(chunk.accounts).filter("account_id IS NOT NULL").insert_into("_stage_accounts")
                    names = chunk.names
                    if names is None:  # every snapshot is in ``accounts``
                        names = con.from_arrow(chunk.accounts).select(
                            "account_id, handle, display_name, seen_at AS first_seen, seen_at AS last_seen")
                    else:
                        names = con.from_arrow(names)
                    names.filter("account_id IS NOT NULL").insert_into("_stage_names")
                if chunk.unused_columns:
                    fr.unused_columns = chunk.unused_columns
                if progress:
                    progress(path, chunk.records)
            fr.duplicates = self._drop_duplicate_posts(boundary) if inserted else 0
            fr.posts_added = inserted - fr.duplicates
            fr.accounts_updated = self._merge_accounts()
            con.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
                [path, fmt, st.st_size, st.st_mtime, fr.posts_added, fr.accounts_updated, fr.rejects],
            )
            con.execute("DROP TABLE _stage_accounts")
            con.execute("DROP TABLE _stage_names")
            con.execute("COMMIT")
        except BaseException as exc:
            con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                # A value the readers let through and DuckDB refuses (invalid text, a memory
                # limit too small for this file): one line naming the file, the store unchanged.
                raise InputError(f"{path}: cannot store this file ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0]})") from None
            raise
        all_rejects.extend(file_rejects)  # only a committed file's rejects are reported
        return fr

    def _drop_duplicate_posts(self, boundary: int) -> int:
        """Delete the rows of this file whose ``post_id`` is already kept; return how many.

        Per post id the kept row is the one stored before this file (row id <= ``boundary``), else
        the file's row with the smallest ``source_line`` (nulls last), else the first inserted.
        Candidates are found by grouping 64-bit hashes of ``post_id`` (a small hash table, where
        grouping the strings themselves would hold every id in memory); only the rows whose hash
        occurs twice are then compared by the id itself, so a hash collision costs a comparison,
        never a post.
        """
        return int(self.con.execute(
            """
            DELETE FROM posts WHERE rowid IN (
                SELECT rowid FROM posts
                WHERE hash(post_id) IN (SELECT hash(post_id) FROM posts GROUP BY 1 HAVING count(*) > 1)
                QUALIFY row_number() OVER (
                    PARTITION BY post_id ORDER BY rowid > ?, source_line NULLS LAST, rowid) > 1
            )
            """,
            [boundary],
        ).fetchall()[0][0])  # type: ignore[index]

    def _merge_accounts(self) -> int:
        """Merge ``_stage_accounts`` into ``accounts`` and ``account_names``; return accounts written."""
        con = self.con
        # Accounts: the latest snapshot in this file, replacing the stored one only when newer.
        con.execute(
            """
            CREATE TEMP TABLE _new_accounts AS
            SELECT s.* FROM (
                SELECT * FROM _stage_accounts
                QUALIFY row_number() OVER (
                    PARTITION BY account_id ORDER BY seen_at DESC NULLS LAST, handle, display_name, rowid) = 1
            ) s ANTI JOIN accounts a ON a.account_id = s.account_id
                AND coalesce(a.seen_at, TIMESTAMP '0001-01-01') >= coalesce(s.seen_at, TIMESTAMP '0001-01-01')
            """
        )
        con.execute("DELETE FROM accounts WHERE account_id IN (SELECT account_id FROM _new_accounts)")
        updated = con.execute("INSERT INTO accounts SELECT * FROM _new_accounts").fetchall()[0][0]  # type: ignore[index]
        con.execute("DROP TABLE _new_accounts")
        # Every (handle, name) an account was seen with, for handle/name-change signals.
        con.execute(
            """
            CREATE TEMP TABLE _names AS
            SELECT account_id, handle, display_name, min(first_seen) AS first_seen, max(last_seen) AS last_seen
            FROM (
                SELECT * FROM _stage_names
                UNION ALL
                SELECT n.* FROM account_names n
                SEMI JOIN (SELECT DISTINCT account_id FROM _stage_accounts) s ON s.account_id = n.account_id
            ) GROUP BY ALL
            """
        )
        con.execute(
            "DELETE FROM account_names WHERE account_id IN (SELECT DISTINCT account_id FROM _stage_accounts)"
        )
        con.execute("INSERT INTO account_names SELECT * FROM _names")
        con.execute("DROP TABLE _names")
        return int(updated)

    def rejects_file(self) -> Path:
        """``<store>.rejects.csv`` next to the store (``trendtrace.rejects.csv`` for ``:memory:``)."""
        base = Path(self.path) if self.path != ":memory:" else Path("trendtrace")
        return base.with_name(base.stem + ".rejects.csv")

    def _settle_rejects(self, rejects: list[Reject]) -> Path | None:
        """Write this run's rejects to :meth:`rejects_file` (atomically: a temporary file renamed
        over it), or remove a stale one when there are none, so that the file never mixes runs
        nor describes a run that added nothing. Returns its path, or None when there is none."""
        out = self.rejects_file()
        if not rejects:
            out.unlink(missing_ok=True)
            return None
        tmp = out.with_name(out.name + ".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["source_file", "line", "reason", "raw"])
            for r in rejects:
                w.writerow([neutralize(r.source_file), r.line, neutralize(r.reason), neutralize(r.raw)])
        os.replace(tmp, out)
        return out


def _names(paths: list[str], limit: int = 3) -> str:
    """The first ``limit`` paths and how many more, for a one-line message."""
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _memory(value: str, minimum: bool = True) -> str:
    """A DuckDB memory size such as '1GB' or '512 MiB', checked (it goes into a SET statement) and,
    with ``minimum``, at least the ``ingest_memory`` setting's floor (settings.MIN_INGEST_MEMORY)."""
    from .settings import SettingError, validate

    if not minimum:
        from .settings import memory_bytes

        if memory_bytes(value) is None:
            raise InputError(f"memory limit {value!r}: write a size such as 1GB or 512MB")
        return value.strip()
    try:
        return str(validate("ingest_memory", value)).strip()
    except SettingError as exc:
        raise InputError(str(exc)) from None


_DONE = object()


def _prefetched(chunks: Iterable[Chunk], depth: int = 2) -> Iterator[Chunk]:
    """``chunks`` read ahead by a background thread, at most ``depth`` chunks ahead.

    Parsing (Arrow kernels, pyarrow's CSV reader) and DuckDB's inserts both release the GIL, so on
    two cores the next chunk is parsed while the store writes the current one. Order is kept;
    an exception from the reader is raised here, at the point where its chunk would have come.
    When the consumer stops early (an error, ``--on-error fail``), the reader is closed in its own
    thread before this generator returns, so no file stays open.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        it = iter(chunks)
        try:
            for chunk in it:
                if not put(chunk):
                    break
            else:
                put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    t = threading.Thread(target=work, name="trendtrace-reader", daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        t.join()



