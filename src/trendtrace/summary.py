"""What ``analyze`` prints when it is done: the verdicts first, in a table, then what the
coordination stage found.

Trend names, handles and evidence come from the data: they are shown as plain text (no console
markup, control characters and bidi controls replaced), never interpreted.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

__all__ = ["verdict_summary", "terminal_text"]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(value: Any, width: int = 60) -> str:
    """``value`` as one line of plain text for a terminal: newlines and tabs become spaces,
    other control and bidi characters U+FFFD, at most ``width`` characters (… when cut)."""
    s = _CONTROL.sub("\ufffd", str(value).replace("\n", " ").replace("\r", " ").replace("\t", " "))
    return s if len(s) <= width else s[: width - 1] + "…"


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def verdict_summary(con: duckdb.DuckDBPyConnection, top: int = 10) -> list[Any]:
    """Renderables (rich) summing up a finished analysis of the store behind ``con``.

    A line with the number of trends per verdict; a table of the manufactured and mixed trends
    (highest score first, at most ``top``) followed by the largest organic trends by posts, so that
    the table is never empty when there are trends; a line on coordination (coordinated accounts,
    clusters, edges). Absent tables are said to be absent.
    """
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    if not _has(con, "trends"):
        return [Text("No trend statistics were computed.")]
    counts = dict(con.execute("SELECT verdict, count(*) FROM trends GROUP BY verdict").fetchall())
    total = sum(counts.values())
    out.append(Text(f"{total:,} trends: {counts.get('manufactured', 0):,} manufactured, "
                    f"{counts.get('mixed', 0):,} mixed, {counts.get('organic', 0):,} organic."))
    rows = con.execute("""
        SELECT trend, trend_kind, verdict, score, posts, accounts, coordinated_share FROM trends
        WHERE verdict <> 'organic' ORDER BY score DESC, posts DESC, trend LIMIT $n
    """, {"n": top}).fetchall()
    organic = con.execute("""
        SELECT trend, trend_kind, verdict, score, posts, accounts, coordinated_share FROM trends
        WHERE verdict = 'organic' ORDER BY posts DESC, trend LIMIT $n
    """, {"n": max(3, top - len(rows)) if rows else top}).fetchall()
    if rows or organic:
        title = ("Trends the data call manufactured or mixed, then the largest organic ones" if rows
                 else "No trend is called manufactured or mixed; the largest organic trends")
        table = Table(title=title, title_justify="left")
        for col in ("trend", "verdict", "score", "posts", "accounts", "coordinated share"):
            table.add_column(col, justify="left" if col in ("trend", "verdict") else "right")
        for trend, kind, verdict, score, posts, accounts, share in rows + organic:
            name = ("#" if kind == "hashtag" else "") + terminal_text(trend, 40)
            table.add_row(Text(name), verdict, f"{score:.2f}", f"{posts:,}", f"{accounts:,}",
                          "—" if share is None else f"{share:.0%}")
        out.append(table)
        pushed = counts.get("manufactured", 0) + counts.get("mixed", 0)
        if pushed > len(rows):
            out.append(Text(f"… and {pushed - len(rows):,} more manufactured or mixed trends in trends.csv "
                            "and the report."))
    if _has(con, "account_coordination"):
        n_acc, n_clu = con.execute(
            "SELECT count(*) FILTER (WHERE coordinated), count(DISTINCT cluster) FILTER (WHERE coordinated) "
            "FROM account_coordination").fetchall()[0]
        n_edges = con.execute("SELECT count(*) FROM edges").fetchall()[0][0] if _has(con, "edges") else 0
        out.append(Text(f"Coordination: {n_acc:,} account{'s' if n_acc != 1 else ''} acting in lockstep in "
                        f"{n_clu:,} cluster{'s' if n_clu != 1 else ''} ({n_edges:,} account "
                        f"pair{'s' if n_edges != 1 else ''} co-acting beyond chance)."))
    else:
        out.append(Text("Coordination was not computed."))
    return out
