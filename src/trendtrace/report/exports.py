"""The files ``analyze`` and ``report`` write (CONTRACT.md): spreadsheet-safe CSVs with Parquet
copies, Gephi's GEXF and GraphML with evidence on edges, ``report.json`` and ``report.html``.

Every file is written from the store's result tables (``docs/schema.md``); nothing is recomputed.
CSV text cells that start with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a leading
``'`` so that a spreadsheet runs nothing (OWASP "CSV injection"); numeric and boolean columns stay
plain. The Parquet copies hold the same rows and columns with typed, unprefixed values (no
spreadsheet evaluates Parquet). With ``pseudonymize`` every output carries salted hashes instead of
account ids, handles and post ids (see :class:`~trendtrace.report._common.Pseudonymizer`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import os
import re
import tempfile
from datetime import datetime, UTC
from pathlib import Path
from typing import IO, Any
from collections.abc import Iterator, Mapping

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .. import __version__
from ..model import InputError
from ..trends import TREND_COLUMNS  # the contract columns, defined by the stage that writes them
from ._common import Pseudonymizer, Store, neutralize_table, permalink_sql, split_list, xml_text
from ._svg import cluster_colour
from .data import _setting, accounts_sql, report_data

__all__ = ["write_outputs", "write_csv", "CSV_TABLES", "csv_query", "write_gexf", "write_graphml",
           "pseudonymizer_for", "refuse_private_files", "PRIVATE_PATTERNS"]

log = logging.getLogger(__name__)

#: CSV outputs in the order they are written; each maps to a query in :func:`csv_query`.
CSV_TABLES = ("accounts", "edges", "clusters", "trends", "overlap", "evidence")
#: CSV outputs of the chats stage, written only when the store holds chat messages (``--chats``).
CHAT_CSV_TABLES = ("instructions", "executions", "executors")
_URL_IN_TEXT = re.compile(r"https?://\S+", re.IGNORECASE)
_EVIDENCE_COLUMNS = ("account_a", "account_b", "trace", "post_a", "post_b", "handle_a", "handle_b", "time_a",
                     "time_b", "text_a", "text_b", "url_a", "url_b", "object", "example")

_ACCOUNT_COLUMNS = ("account_id", "handle", "posts", "coordinated", "cluster",
                    "coordination_score", "inauthenticity_score", "utc_offset", "reasons")


#: Files that hold real ids, handles or raw records: never in a folder meant for sharing.
PRIVATE_PATTERNS = ("*.duckdb", "*.duckdb.wal", "*.rejects.csv")


def refuse_private_files(out: Path) -> None:
    """Raise :class:`InputError` when the folder ``out`` holds a store or a rejects file (real ids,
    handles and raw records), so that a pseudonymised output folder is safe to hand to a stranger."""
    if not out.is_dir():
        return
    found = sorted({p.name for pattern in PRIVATE_PATTERNS for p in out.glob(pattern)})
    if found:
        raise InputError(f"{out}: holds {', '.join(found)} (real ids, handles or raw records); a --pseudonymize "
                         f"output folder must hold no store or rejects file: move them, or choose another --out")


def pseudonymizer_for(settings: Mapping[str, Any] | None) -> Pseudonymizer:
    """The :class:`Pseudonymizer` the settings ask for (``pseudonymize``, ``pseudonym_salt``)."""
    return Pseudonymizer(bool(_setting(settings, "pseudonymize")),
                         str(_setting(settings, "pseudonym_salt") or ""))


def csv_query(st: Store, name: str, where: str = "", order: str = "") -> str:
    """The SELECT behind ``<name>.csv`` (one of :data:`CSV_TABLES`).

    ``where`` and ``order`` are SQL fragments over the output's own column names, written by the
    caller with ``?`` placeholders for every value (the dashboard's filters); they never hold user
    text. An absent source table gives a query with the right columns and no rows.
    """
    if name not in CSV_TABLES + CHAT_CSV_TABLES:
        raise ValueError(f"unknown CSV output {name!r}; expected one of {', '.join(CSV_TABLES + CHAT_CSV_TABLES)}")
    if name in CHAT_CSV_TABLES:
        return _chat_sql(st, name, where, order)
    if name == "accounts":
        inner = f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM ({accounts_sql(st)})"
    elif name == "edges":
        if st.has("edges", "account_a", "account_b"):
            c = lambda n, d="NULL": st.col("edges", "e", n, d)  # noqa: E731
            ha, hb, joins = _handles(st, "e")
            inner = (f"SELECT CAST(e.account_a AS VARCHAR) AS account_a, CAST(e.account_b AS VARCHAR) "
                     f"AS account_b, {ha} AS handle_a, {hb} AS handle_b, "
                     f"CAST({c('traces')} AS VARCHAR) AS traces, CAST({c('co_actions')} "
                     f"AS BIGINT) AS co_actions, CAST({c('weight')} AS DOUBLE) AS weight, "
                     f"CAST({c('p_value')} AS DOUBLE) AS p_value FROM edges e{joins}")
        else:
            inner = ("SELECT NULL::VARCHAR AS account_a, NULL::VARCHAR AS account_b, NULL::VARCHAR AS handle_a, "
                     "NULL::VARCHAR AS handle_b, NULL::VARCHAR AS traces, NULL::BIGINT AS co_actions, "
                     "NULL::DOUBLE AS weight, NULL::DOUBLE AS p_value WHERE false")
    elif name == "evidence":
        inner = _evidence_sql(st)
    elif name == "clusters":
        if st.has("clusters", "cluster"):
            c = lambda n, d="NULL": st.col("clusters", "c", n, d)  # noqa: E731
            origin = st.has("cluster_origin", "cluster", "utc_offset")
            inner = (f"SELECT CAST(c.cluster AS VARCHAR) AS cluster, CAST({c('accounts')} AS BIGINT) AS "
                     f"accounts, CAST({c('posts')} AS BIGINT) AS posts, {_listish(st, 'clusters', 'c', 'traces')} AS traces, "
                     f"{_listish(st, 'clusters', 'c', 'top_hashtags')} AS top_hashtags, "
                     f"CAST({'o.utc_offset' if origin else 'NULL'} AS DOUBLE) AS utc_offset FROM clusters c"
                     + (" LEFT JOIN cluster_origin o ON CAST(o.cluster AS VARCHAR) = CAST(c.cluster AS VARCHAR)"
                        if origin else ""))
        else:
            inner = ("SELECT NULL::VARCHAR AS cluster, NULL::BIGINT AS accounts, NULL::BIGINT AS posts, "
                     "NULL::VARCHAR AS traces, NULL::VARCHAR AS top_hashtags, NULL::DOUBLE AS "
                     "utc_offset WHERE false")
    elif name == "trends":
        if st.has("trends", "trend"):
            extra = sorted(st.columns["trends"] - set(TREND_COLUMNS))
            cols = [f"t.{c}" if st.has("trends", c) else f"NULL AS {c}" for c in TREND_COLUMNS]
            inner = f"SELECT {', '.join(cols + [f't.{c}' for c in extra])} FROM trends t"
        else:
            inner = ("SELECT " + ", ".join(f"NULL::{'DOUBLE' if c not in ('trend', 'verdict', 'evidence') else 'VARCHAR'} AS {c}"
                                           for c in TREND_COLUMNS) + " WHERE false")
    else:  # overlap
        if st.has("overlap", "campaign_a", "campaign_b"):
            c = lambda n, d="NULL": st.col("overlap", "o", n, d)  # noqa: E731
            inner = (f"SELECT CAST(o.campaign_a AS VARCHAR) AS campaign_a, CAST(o.campaign_b AS VARCHAR) "
                     f"AS campaign_b, CAST({c('shared_accounts')} AS BIGINT) AS shared_accounts, "
                     f"CAST({c('jaccard')} AS DOUBLE) AS jaccard FROM overlap o")
        else:
            inner = ("SELECT NULL::VARCHAR AS campaign_a, NULL::VARCHAR AS campaign_b, NULL::BIGINT AS "
                     "shared_accounts, NULL::DOUBLE AS jaccard WHERE false")
    default_order = {"accounts": "account_id", "edges": "account_a, account_b", "clusters": "cluster",
                     "trends": "trend", "overlap": "campaign_a, campaign_b",
                     "evidence": "account_a, account_b, trace, example"}[name]
    return (f"SELECT * FROM ({inner}) AS x {('WHERE ' + where) if where else ''} "
            f"ORDER BY {order or default_order}")


def _handles(st: Store, alias: str) -> tuple[str, str, str]:
    """SQL for the handles of ``alias.account_a`` and ``alias.account_b`` (from ``accounts``, empty
    when the store has none), and the joins they need."""
    if not st.has("accounts", "account_id", "handle"):
        return "NULL::VARCHAR", "NULL::VARCHAR", ""
    joins = (f" LEFT JOIN (SELECT account_id, any_value(handle) AS handle FROM accounts GROUP BY account_id) ha"
             f" ON ha.account_id = {alias}.account_a"
             f" LEFT JOIN (SELECT account_id, any_value(handle) AS handle FROM accounts GROUP BY account_id) hb"
             f" ON hb.account_id = {alias}.account_b")
    return "CAST(ha.handle AS VARCHAR)", "CAST(hb.handle AS VARCHAR)", joins


def _evidence_sql(st: Store) -> str:
    """The SELECT behind ``evidence.csv``: every example co-action of ``edge_evidence`` with both
    accounts' handles and, for posts from X/Twitter formats with numeric ids, a permalink
    (``https://x.com/i/status/ID``: it resolves whatever the handle is now)."""
    if not st.has("edge_evidence", "account_a", "account_b", "post_a", "post_b"):
        return ("SELECT " + ", ".join(f"NULL::{'BIGINT' if c == 'example' else 'VARCHAR'} AS {c}"
                                      for c in _EVIDENCE_COLUMNS) + " WHERE false")
    e = lambda n, d="NULL": st.col("edge_evidence", "v", n, d)  # noqa: E731
    ha, hb, joins = _handles(st, "v")
    if st.has("posts", "post_id", "source_format"):
        url_a, url_b = permalink_sql("pa"), permalink_sql("pb")
        joins += (" LEFT JOIN posts pa ON pa.post_id = CAST(v.post_a AS VARCHAR)"
                  " LEFT JOIN posts pb ON pb.post_id = CAST(v.post_b AS VARCHAR)")
    else:
        url_a = url_b = "NULL::VARCHAR"
    return (f"SELECT CAST(v.account_a AS VARCHAR) AS account_a, CAST(v.account_b AS VARCHAR) AS account_b, "
            f"CAST({e('trace')} AS VARCHAR) AS trace, CAST(v.post_a AS VARCHAR) AS post_a, "
            f"CAST(v.post_b AS VARCHAR) AS post_b, {ha} AS handle_a, {hb} AS handle_b, "
            f"CAST({e('time_a')} AS VARCHAR) AS time_a, CAST({e('time_b')} AS VARCHAR) AS time_b, "
            f"CAST({e('text_a')} AS VARCHAR) AS text_a, CAST({e('text_b')} AS VARCHAR) AS text_b, "
            f"{url_a} AS url_a, {url_b} AS url_b, CAST({e('object')} AS VARCHAR) AS object, "
            f"CAST({e('example')} AS BIGINT) AS example FROM edge_evidence v{joins}")


def _listish(st: Store, table: str, alias: str, column: str) -> str:
    """A column as text: a list column (``VARCHAR[]``) ``|``-joined, text as it is."""
    if not st.has(table, column):
        return "NULL::VARCHAR"
    if st.is_list(table, column):
        return f"array_to_string({alias}.{column}, '|')"
    return f"CAST({alias}.{column} AS VARCHAR)"


def _evidence_text(value: Any) -> Any:
    """Trend evidence stored as a JSON list → sentences joined by spaces (readable in a cell)."""
    if isinstance(value, str) and value.startswith("["):
        parts = split_list(value)
        if parts:
            return " ".join(parts)
    return value


#: Significant digits of every floating-point value in the tabular outputs (CSV and their Parquet
#: copies). Probabilities computed in a different order (DuckDB's compiled pair counts, Spark's
#: partitions) differ in the 15th or 16th digit; twelve digits are far beyond any evidence's
#: precision and make the files of the two engines the same but for a value that falls within
#: 1e-15 of a rounding boundary. (Weights are rounded to 9 decimals where they are computed.)
FLOAT_DIGITS = 12


def _chat_sql(st: Store, name: str, where: str, order: str) -> str:
    """The SELECTs behind ``instructions.csv``, ``executions.csv`` and ``executors.csv`` (the chats
    stage's tables; docs/chats.md), with handles, and for executions the post's time, text and
    permalink."""
    from ..chats import EXECUTION_SCHEMA, EXECUTOR_SCHEMA, INSTRUCTION_SCHEMA

    handles = ("LEFT JOIN (SELECT account_id, any_value(handle) AS handle FROM accounts GROUP BY account_id) h "
               "ON h.account_id = x.account_id") if st.has("accounts", "account_id", "handle") else ""
    handle = "CAST(h.handle AS VARCHAR)" if handles else "NULL::VARCHAR"
    table, schema = {"instructions": ("instructions", INSTRUCTION_SCHEMA), "executions": ("executions", EXECUTION_SCHEMA),
                     "executors": ("chat_accounts", EXECUTOR_SCHEMA)}[name]
    if not st.has(table, schema.names[0]):
        from ..store import _SQL_TYPES

        inner = "SELECT " + ", ".join(f'NULL::{_SQL_TYPES[str(f.type)]} AS "{f.name}"' for f in schema) + " WHERE false"
        if name != "instructions":
            inner = f"SELECT *, NULL::VARCHAR AS handle FROM ({inner})"
    elif name == "instructions":
        inner = "SELECT * FROM instructions"
    elif name == "executors":
        inner = (f"SELECT x.account_id, {handle} AS handle, x.* EXCLUDE (account_id) FROM chat_accounts x {handles}")
    else:
        posts = st.has("posts", "post_id")
        inner = (f"SELECT x.instruction, x.post_id, x.account_id, {handle} AS handle, x.delay_s, x.time, x.matched, "
                 f"x.evidence, x.similarity, {'CAST(p.text AS VARCHAR)' if posts else 'NULL::VARCHAR'} AS text, "
                 f"{permalink_sql('p') if posts else 'NULL::VARCHAR'} AS url FROM executions x {handles}"
                 + (" LEFT JOIN posts p ON p.post_id = x.post_id" if posts else ""))
    default_order = {"instructions": "sent_at, instruction",
                     "executions": "CAST(substr(instruction, 2) AS BIGINT), time, post_id",
                     "executors": "instructions DESC, posts DESC, account_id"}[name]
    return f"SELECT * FROM ({inner}) AS x {('WHERE ' + where) if where else ''} ORDER BY {order or default_order}"


def write_orders_csv(table: pa.Table, out: Path) -> Path:
    """Write the orders of ``trendtrace chats`` (an ``instructions`` table) as ``out/instructions.csv``."""
    path = out / "instructions.csv"
    with _atomic(path) as f:
        t = _prepared(table.combine_chunks().to_batches()[0], Pseudonymizer(False), "instructions") if table.num_rows else table
        pacsv.write_csv(neutralize_table(t), f, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return path


def _rounded(values: list[Any]) -> pa.Array:
    return pa.array([v if v is None or not math.isfinite(v) else float(f"{v:.{FLOAT_DIGITS}g}") for v in values],
                    pa.float64())


def _prepared(batch: pa.RecordBatch, pz: Pseudonymizer, name: str) -> pa.Table:
    t = pa.Table.from_batches([batch])
    if name == "trends" and "evidence" in t.column_names:
        i = t.column_names.index("evidence")
        t = t.set_column(i, "evidence", pa.array([_evidence_text(v) for v in t.column(i).to_pylist()],
                                                 pa.string()))
    for i, f in enumerate(t.schema):
        if pa.types.is_floating(f.type):
            t = t.set_column(i, f.name, _rounded(t.column(i).to_pylist()))
    if pz.enabled and name == "instructions":
        # a chat's links name accounts and posts (x.com/handle/status/id): not in a shared folder
        for col in ("text", "texts"):
            i = t.column_names.index(col)
            t = t.set_column(i, col, pa.array([None if v is None else _URL_IN_TEXT.sub("<link>", v)
                                               for v in t.column(i).to_pylist()], pa.string()))
    return pz.table(t)


def write_csv(st: Store, name: str, out: IO[bytes], pz: Pseudonymizer, *, where: str = "",
              params: list[Any] | None = None, parquet_path: Path | None = None,
              order: str = "") -> int:
    """Stream ``<name>.csv`` (see :func:`csv_query`) into the binary file ``out``; optionally its
    Parquet copy to ``parquet_path``. Returns the number of rows written."""
    reader = st.reader(csv_query(st, name, where, order), params)
    schema = None
    writer = None
    pwriter = None
    rows = 0
    try:
        for batch in _batches_or_empty(reader):
            t = _prepared(batch, pz, name)
            if writer is None:
                schema = t.schema
                writer = pacsv.CSVWriter(out, schema, write_options=pacsv.WriteOptions(
                    include_header=True, quoting_style="needed"))
                if parquet_path is not None:
                    pwriter = pq.ParquetWriter(str(parquet_path), schema)
            t = t.cast(schema)
            if pwriter is not None:
                pwriter.write_table(t)
            writer.write_table(neutralize_table(t))
            rows += t.num_rows
    finally:
        if writer is not None:
            writer.close()
        if pwriter is not None:
            pwriter.close()
    return rows


def _batches_or_empty(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """The reader's batches; one empty batch when it has none, so that headers are still written."""
    any_ = False
    for b in reader:
        any_ = True
        yield b
    if not any_:
        yield pa.RecordBatch.from_pylist([], schema=reader.schema)


# ------------------------------------------------------------------------------------ graph files

def _attr(value: Any) -> str:
    """An XML attribute value: XML-illegal characters dropped, markup and whitespace escaped so that
    newlines and tabs survive attribute normalisation."""
    s = xml_text(value)
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


_NODE_ATTRS = (("handle", "string"), ("display_name", "string"), ("cluster", "string"),
               ("posts", "long"), ("coordinated", "boolean"), ("coordination_score", "double"),
               ("inauthenticity_score", "double"), ("utc_offset", "double"), ("persona", "string"),
               ("reasons", "string"))
_EDGE_ATTRS = (("traces", "string"), ("co_actions", "long"), ("p_value", "double"),
               ("evidence", "string"), ("evidence_posts", "string"))


def _graph_nodes(st: Store) -> str:
    members = []
    if st.has("edges", "account_a", "account_b"):
        members += ["SELECT account_a AS account_id FROM edges", "SELECT account_b FROM edges"]
    if st.has("account_coordination", "account_id", "coordinated"):
        members.append("SELECT account_id FROM account_coordination WHERE coordinated")
    times = ("LEFT JOIN (SELECT account_id AS _acc, min(time) AS first_post, max(time) AS last_post FROM posts "
             "GROUP BY account_id) t ON t._acc = a.account_id" if st.has("posts", "account_id", "time") else
             "LEFT JOIN (SELECT NULL::VARCHAR AS _acc, NULL::TIMESTAMP AS first_post, NULL::TIMESTAMP AS "
             "last_post) t ON false")
    if not members:
        return f"SELECT a.*, t.first_post, t.last_post FROM ({accounts_sql(st)}) a {times} WHERE false"
    return (f"SELECT a.*, t.first_post, t.last_post FROM (SELECT * FROM ({accounts_sql(st)}) "
            f"WHERE account_id IN ({' UNION '.join(members)})) a {times} ORDER BY a.account_id")


#: Example post pairs per edge in network.gexf and network.graphml unless the settings say otherwise.
NETWORK_EVIDENCE = 5

_EV_FIELDS = ("trace", "object", "post_a", "post_b", "time_a", "time_b", "text_a", "text_b")


def _graph_edges(st: Store, per_edge: int = NETWORK_EVIDENCE) -> str | None:
    """One row per edge and evidence example (at most ``per_edge``, earliest first), in edge order,
    so that the writer groups consecutive rows: a sort DuckDB can spill to disk, where a list
    aggregate of every edge's evidence had to fit in memory (it took 20 GB at 1M posts)."""
    if not st.has("edges", "account_a", "account_b"):
        return None
    c = lambda n, d="NULL": st.col("edges", "e", n, d)  # noqa: E731
    cols = (f"e.account_a, e.account_b, CAST({c('traces')} AS VARCHAR) AS traces, "
            f"CAST({c('co_actions')} AS BIGINT) AS co_actions, CAST({c('weight', '1.0')} AS DOUBLE) AS "
            f"weight, CAST({c('p_value')} AS DOUBLE) AS p_value")
    if not (per_edge > 0 and st.has("edge_evidence", "account_a", "account_b")):
        nulls = ", ".join(f"NULL::VARCHAR AS ev_{f}" for f in _EV_FIELDS)
        return (f"SELECT {cols}, NULL::TIMESTAMP AS t_start, NULL::TIMESTAMP AS t_end, {nulls} FROM edges e "
                "ORDER BY e.account_a, e.account_b")
    v = lambda n: st.col("edge_evidence", "v", n)  # noqa: E731
    fields = ", ".join(f"CAST({v(f)} AS VARCHAR) AS {f}" for f in _EV_FIELDS)
    order = f"{v('time_a')}, {v('trace')}, {v('object')}, {v('post_a')}, {v('post_b')}"
    ev = (f"SELECT v.account_a, v.account_b, {fields}, "
          f"row_number() OVER (PARTITION BY v.account_a, v.account_b ORDER BY {order}) AS rn "
          f"FROM edge_evidence v QUALIFY rn <= {int(per_edge)}")
    ev_cols = ", ".join(f"ev.{f} AS ev_{f}" for f in _EV_FIELDS)
    span = ""
    if st.has("edge_evidence", "time_a", "time_b"):
        # the edge's time interval for Gephi's timeline: its first and last example co-action
        span = (" LEFT JOIN (SELECT account_a, account_b, min(least(time_a, time_b)) AS t_start, "
                "max(greatest(time_a, time_b)) AS t_end FROM edge_evidence GROUP BY ALL) sp "
                "ON sp.account_a = e.account_a AND sp.account_b = e.account_b")
    times = "sp.t_start, sp.t_end" if span else "NULL::TIMESTAMP AS t_start, NULL::TIMESTAMP AS t_end"
    return (f"SELECT {cols}, {times}, {ev_cols} FROM edges e{span} LEFT JOIN ({ev}) ev "
            f"ON ev.account_a = e.account_a AND ev.account_b = e.account_b "
            f"ORDER BY e.account_a, e.account_b, ev.rn")


def _evidence_strings(items: list[dict] | None, pz: Pseudonymizer) -> tuple[str, str]:
    """Evidence as one readable string and the post ids as ``|``-separated text."""
    if not items:
        return "", ""
    parts, posts = [], []
    for it in items:
        it = pz.record(it)
        parts.append(f"[{it.get('trace')}] {it.get('object') or ''} :: {it.get('time_a') or ''} "
                     f"{it.get('post_a') or ''}: {it.get('text_a') or ''} <> {it.get('time_b') or ''} "
                     f"{it.get('post_b') or ''}: {it.get('text_b') or ''}")
        posts += [str(p) for p in (it.get("post_a"), it.get("post_b")) if p]
    return " || ".join(parts), "|".join(dict.fromkeys(posts))


def _fmt(kind: str, v: Any) -> str | None:
    """A typed attribute value as text, or None when missing (the attribute is then omitted)."""
    if v is None:
        return None
    if kind == "boolean":
        return "true" if v else "false"
    if kind == "double":
        f = float(v)
        return None if not math.isfinite(f) else repr(f)
    if kind == "long":
        return str(int(v))
    return str(v)


def _graph_rows(st: Store, pz: Pseudonymizer,
               per_edge: int = NETWORK_EVIDENCE) -> tuple[Iterator[dict], Iterator[dict]]:
    def nodes() -> Iterator[dict]:
        for batch in st.reader(_graph_nodes(st)):
            for r in batch.to_pylist():
                r = pz.record(r)
                r["cluster"] = r["cluster"]
                yield r

    def rows() -> Iterator[dict]:
        q = _graph_edges(st, per_edge)
        if q is None:
            return
        for batch in st.reader(q, batch_size=8192):
            yield from batch.to_pylist()

    def edges() -> Iterator[dict]:
        # consecutive rows of one edge carry its evidence examples, in order
        for _, group in itertools.groupby(rows(), key=lambda r: (r["account_a"], r["account_b"])):
            items = list(group)
            r = {k: v for k, v in items[0].items() if not k.startswith("ev_")}
            ev = [{f: it[f"ev_{f}"] for f in _EV_FIELDS} for it in items if it["ev_trace"] is not None]
            r["evidence"], r["evidence_posts"] = _evidence_strings(ev, pz)
            r["account_a"], r["account_b"] = pz.account(r["account_a"]), pz.account(r["account_b"])
            yield r

    return nodes(), edges()


def _gexf_time(v: Any) -> str | None:
    """A time as GEXF's ``datetime`` (ISO 8601, UTC, seconds), or None."""
    if v is None:
        return None
    return v.strftime("%Y-%m-%dT%H:%M:%S") if isinstance(v, datetime) else str(v).replace(" ", "T")[:19]


def _viz(r: dict[str, Any], pmax: float, layout: Mapping[str, tuple[float, float]]) -> str:
    """``viz:`` colour (the report's cluster colour), size (as the report sizes dots) and position
    (the report's layout, y pointing up as in Gephi) of a node."""
    colour = cluster_colour(r.get("cluster"))
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    size = 3 + 9 * math.sqrt(max(0, r.get("posts") or 0) / pmax) if pmax > 0 else 3
    out = f'<viz:color r="{red}" g="{green}" b="{blue}"/><viz:size value="{size:.2f}"/>'
    pos = layout.get(str(r["account_id"]))
    if pos is not None:
        out += f'<viz:position x="{1000 * pos[0]:.1f}" y="{-1000 * pos[1]:.1f}" z="0.0"/>'
    return out


def write_gexf(st: Store, out: IO[str], pz: Pseudonymizer, per_edge: int = NETWORK_EVIDENCE,
               layout: Mapping[str, tuple[float, float]] | None = None) -> None:
    """Write the co-action graph as GEXF 1.2 (Gephi): one node per account in an edge or in a
    coordinated cluster, attributes as in ``accounts.csv``; undirected weighted edges with
    ``traces``, ``co_actions``, ``p_value``, and ``evidence`` (at most ``per_edge`` example post pairs
    from ``edge_evidence``: trace, object, times, post ids and texts).

    For Gephi's views: each node's ``viz`` colour and size are the report's (cluster colour, size by
    posts) and its position the report's layout where the report drew it (``layout``: node id → x,
    y in the unit square); each node's time interval runs from its first to its last post and each
    edge's from its first to its last example co-action (Gephi's timeline)."""
    layout = layout or {}
    pmax = float(st.con.sql(f"SELECT coalesce(max(posts), 0) FROM ({_graph_nodes(st)})").fetchall()[0][0] or 0)
    nodes, edges = _graph_rows(st, pz, per_edge)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
              'version="1.2">\n'
              f'  <meta lastmodifieddate="{datetime.now(UTC).date().isoformat()}">'
              f"<creator>trendtrace {_attr(__version__)}</creator>"
              "<description>co-action network: accounts that acted on the same objects within the "
              "window more often than chance; evidence = example post pairs</description></meta>\n"
              '  <graph mode="dynamic" defaultedgetype="undirected" timeformat="datetime">\n'
              '    <attributes class="node">\n')
    for i, (name, kind) in enumerate(_NODE_ATTRS):
        out.write(f'      <attribute id="n{i}" title="{name}" type="{kind}"/>\n')
    out.write('    </attributes>\n    <attributes class="edge">\n')
    for i, (name, kind) in enumerate(_EDGE_ATTRS):
        out.write(f'      <attribute id="e{i}" title="{name}" type="{kind}"/>\n')
    out.write("    </attributes>\n    <nodes>\n")
    for r in nodes:
        label = r.get("handle") or r["account_id"]
        span = "".join(f' {k}="{t}"' for k, t in (("start", _gexf_time(r.get("first_post"))),
                                                   ("end", _gexf_time(r.get("last_post")))) if t)
        out.write(f'      <node id="{_attr(r["account_id"])}" label="{_attr(label)}"{span}><attvalues>')
        for i, (name, kind) in enumerate(_NODE_ATTRS):
            v = _fmt(kind, r.get(name))
            if v is not None:
                out.write(f'<attvalue for="n{i}" value="{_attr(v)}"/>')
        out.write("</attvalues>" + _viz(r, pmax, layout) + "</node>\n")
    out.write("    </nodes>\n    <edges>\n")
    for k, r in enumerate(edges):
        w = _fmt("double", r["weight"]) or "1.0"
        span = "".join(f' {k2}="{t}"' for k2, t in (("start", _gexf_time(r.get("t_start"))),
                                                     ("end", _gexf_time(r.get("t_end")))) if t)
        out.write(f'      <edge id="{k}" source="{_attr(r["account_a"])}" target="{_attr(r["account_b"])}" '
                  f'weight="{w}"{span}><attvalues>')
        for i, (name, kind) in enumerate(_EDGE_ATTRS):
            v = _fmt(kind, r.get(name))
            if v is not None:
                out.write(f'<attvalue for="e{i}" value="{_attr(v)}"/>')
        out.write("</attvalues></edge>\n")
    out.write("    </edges>\n  </graph>\n</gexf>\n")


_GRAPHML_TYPES = {"string": "string", "long": "long", "double": "double", "boolean": "boolean"}


def write_graphml(st: Store, out: IO[str], pz: Pseudonymizer, per_edge: int = NETWORK_EVIDENCE) -> None:
    """Write the same graph as :func:`write_gexf` in GraphML (igraph, networkx, Cytoscape, Gephi);
    edge ``weight`` is a double attribute."""
    nodes, edges = _graph_rows(st, pz, per_edge)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
              'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for name, kind in _NODE_ATTRS:
        out.write(f'  <key id="n_{name}" for="node" attr.name="{name}" attr.type="{_GRAPHML_TYPES[kind]}"/>\n')
    out.write('  <key id="n_label" for="node" attr.name="label" attr.type="string"/>\n')
    out.write('  <key id="e_weight" for="edge" attr.name="weight" attr.type="double"/>\n')
    for name, kind in _EDGE_ATTRS:
        out.write(f'  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="{_GRAPHML_TYPES[kind]}"/>\n')
    out.write('  <graph id="coaction" edgedefault="undirected">\n')
    for r in nodes:
        out.write(f'    <node id="{_attr(r["account_id"])}">'
                  f'<data key="n_label">{_attr("@" + str(r.get("handle") or r["account_id"]))}</data>')
        for name, kind in _NODE_ATTRS:
            v = _fmt(kind, r.get(name))
            if v is not None:
                out.write(f'<data key="n_{name}">{_attr(v)}</data>')
        out.write("</node>\n")
    for k, r in enumerate(edges):
        out.write(f'    <edge id="e{k}" source="{_attr(r["account_a"])}" target="{_attr(r["account_b"])}">')
        w = _fmt("double", r["weight"])
        if w is not None:
            out.write(f'<data key="e_weight">{w}</data>')
        for name, kind in _EDGE_ATTRS:
            v = _fmt(kind, r.get(name))
            if v is not None:
                out.write(f'<data key="e_{name}">{_attr(v)}</data>')
        out.write("</edge>\n")
    out.write("  </graph>\n</graphml>\n")


# ------------------------------------------------------------------------------------ the door

@contextlib.contextmanager
def _atomic(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success, so that a
    failure never leaves a half-written output."""
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); outputs get the usual permissions of the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        f: IO[Any] = (os.fdopen(fd, mode) if "b" in mode
                      else os.fdopen(fd, mode, encoding="utf-8", newline="\n"))
        with f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_outputs(con: duckdb.DuckDBPyConnection, out_dir: str | Path,
                  settings: Mapping[str, Any] | None = None) -> list[Path]:
    """Write every report output of the store behind ``con`` into ``out_dir`` (created if needed).

    Files: ``accounts.csv``, ``edges.csv``, ``clusters.csv``, ``trends.csv``, ``overlap.csv``
    (CONTRACT.md columns; formula-neutralised text cells) and a ``.parquet`` copy of each,
    ``network.gexf``, ``network.graphml``, ``report.json`` (:func:`report_data`) and the
    self-contained ``report.html``. Result tables that are absent give header-only CSVs and
    "not computed" report sections. With ``settings["pseudonymize"]`` every file carries salted
    hashes instead of account ids, handles and post ids (salt: ``pseudonym_salt``, else random per
    call) and no display names, bios, locations or profile links.

    Returns the paths written, in the order above. Each file is written to a temporary name and
    renamed into place, so a failure leaves no half-written file.
    """
    from .html import render_report  # the page imports jinja2; keep it off the CSV-only path

    out = Path(out_dir)
    pz = pseudonymizer_for(settings)
    if pz.enabled:
        refuse_private_files(out)
    out.mkdir(parents=True, exist_ok=True)
    st = Store(con)
    per_edge = int((settings or {}).get("network_evidence", NETWORK_EVIDENCE))
    written: list[Path] = []
    for name in CSV_TABLES:
        path, ppath = out / f"{name}.csv", out / f"{name}.parquet"
        tmp_parquet = out / f".{name}.parquet.tmp"
        try:
            with _atomic(path) as f:
                n = write_csv(st, name, f, pz, parquet_path=tmp_parquet)
            os.replace(tmp_parquet, ppath)
        finally:
            with contextlib.suppress(OSError):
                tmp_parquet.unlink()
        log.info("wrote %s (%d rows) and its Parquet copy", path, n)
        written += [path, ppath]
    if st.count("chat_messages"):
        for name in CHAT_CSV_TABLES:
            path, ppath = out / f"{name}.csv", out / f"{name}.parquet"
            tmp_parquet = out / f".{name}.parquet.tmp"
            try:
                with _atomic(path) as f:
                    n = write_csv(st, name, f, pz, parquet_path=tmp_parquet)
                os.replace(tmp_parquet, ppath)
            finally:
                with contextlib.suppress(OSError):
                    tmp_parquet.unlink()
            written += [path, ppath]
    data = report_data(con, settings, pseudonymizer=pz)
    layout = {str(n["id"]): (float(n["x"]), float(n["y"])) for n in data["network"]["nodes"]
              if n.get("x") is not None and n.get("y") is not None}
    path = out / "network.gexf"
    with _atomic(path, "w") as f:
        write_gexf(st, f, pz, per_edge, layout)
    written.append(path)
    path = out / "network.graphml"
    with _atomic(path, "w") as f:
        write_graphml(st, f, pz, per_edge)
    written.append(path)
    path = out / "report.json"
    with _atomic(path, "w") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, allow_nan=False)
        f.write("\n")
    written.append(path)
    path = out / "report.html"
    with _atomic(path, "w") as f:
        f.write(render_report(data))
    written.append(path)
    log.info("report written to %s", path)
    return written
