"""What ``analyze`` prints when it is done: the verdicts first, in a table, then what the
coordination stage found.

Trend names, handles and evidence come from the data: they are shown as plain text (no console
markup, control characters and bidi controls replaced), never interpreted.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

__all__ = ["verdict_summary", "analysis_notes", "terminal_text", "chat_summary"]

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
    out.append(Text(f"{total:,} trend{'s' if total != 1 else ''}: {counts.get('manufactured', 0):,} manufactured, "
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
    out += [Text(n) for n in analysis_notes(con)]
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
    out += [Text(line) for line in chat_summary(con)]
    return out


def chat_summary(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One sentence on the orders read from ``--chats`` exports and who carried them out (none
    when no chat was given)."""
    if not _has(con, "chat_messages") or not _has(con, "instructions"):
        return []
    messages = con.execute("SELECT count(*) FROM chat_messages").fetchall()[0][0]
    if not messages:
        return []
    orders, bystanders = con.execute(
        "SELECT count(*), coalesce(sum(hashtag_users_not_qualified), 0) FROM instructions").fetchall()[0]
    accounts, posts = con.execute("SELECT count(DISTINCT account_id), count(*) FROM executions").fetchall()[0]
    s = "" if orders == 1 else "s"
    return [f"Chats: {orders:,} order{s} read from {messages:,} messages; {accounts:,} account"
            f"{'s' if accounts != 1 else ''} carried out at least one ({posts:,} post{'s' if posts != 1 else ''}, "
            f"see instructions.csv and executions.csv); {bystanders:,} users of the orders' hashtags did not "
            "qualify (no evidence beyond the hashtag)."]


def analysis_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Plain sentences on what the last analysis could not use or was stopped by (from ``runs``):
    traces that found no actions in the data, and where the pairs were lost between co-acting once,
    reaching ``min_co_actions`` and passing the significance test."""
    if not _has(con, "runs"):
        return []
    rows = con.execute("SELECT counts, settings FROM runs ORDER BY run_id DESC LIMIT 1").fetchall()
    if not rows:
        return []
    import json

    try:
        counts = json.loads(rows[0][0] or "{}").get("coordination") or {}
        settings = json.loads(rows[0][1] or "{}")
    except (ValueError, AttributeError):
        return []
    notes = []
    empty = [t for t, n in (counts.get("actions_by_trace") or {}).items() if not n]
    if empty:
        notes.append(f"No actions in this data for trace{'s' if len(empty) > 1 else ''} {', '.join(empty)}: "
                     "the fields they read are empty or absent (see docs/formats.md for --map).")
    tested, cand, edges = (int(counts.get(k) or 0) for k in ("tested", "candidates", "edges"))
    k = settings.get("min_co_actions")
    if tested:
        line = (f"{tested:,} account pair{'s' if tested != 1 else ''} co-acted at least once; {cand:,} of them "
                f"at least min_co_actions={k} times; {edges:,} kept as beyond chance (fdr={settings.get('fdr')}).")
        if not cand:
            line += (f" min_co_actions={k} stopped every pair: on a small or sparse collection, try a lower "
                     "--min-co-actions and read the p-values.")
        elif not edges:
            line += " None passed the significance test: their co-actions are what chance predicts here."
        notes.append(line)
    elif "actions" in counts:
        notes.append("No two accounts acted on the same object within the window: no co-action to test.")
    return notes
