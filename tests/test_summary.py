"""The verdict summary ``analyze`` prints: counts per verdict, the pushed trends first, the largest
organic ones after, coordination in a line; data strings shown as plain text."""

from __future__ import annotations

import duckdb
from rich.console import Console

from trendtrace.summary import terminal_text, verdict_summary


def _render(con: duckdb.DuckDBPyConnection, top: int = 10) -> str:
    console = Console(record=True, width=200, file=open("/dev/null", "w"))  # noqa: SIM115
    for part in verdict_summary(con, top=top):
        console.print(part)
    return console.export_text()


def _store(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE trends (trend VARCHAR, trend_kind VARCHAR, verdict VARCHAR, score DOUBLE, posts BIGINT, "
                "accounts BIGINT, coordinated_share DOUBLE)")
    con.executemany("INSERT INTO trends VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_pushed_trends_lead_and_organic_ones_follow_by_volume() -> None:
    con = _store([("big", "hashtag", "organic", 0.0, 12345, 900, 0.01),
                  ("push", "hashtag", "manufactured", 0.8, 300, 12, 0.9),
                  ("half", "campaign", "mixed", 0.4, 200, 30, 0.3),
                  ("small", "hashtag", "organic", 0.1, 50, 20, None)])
    text = _render(con)
    assert "4 trends: 1 manufactured, 1 mixed, 2 organic." in text
    order = [text.index(s) for s in ("#push", "half", "#big", "#small")]
    assert order == sorted(order)  # score order for the pushed, then posts order for the organic
    assert "12,345" in text and "90%" in text and "—" in text
    assert "Coordination was not computed." in text


def test_a_cut_list_says_how_many_more_and_hostile_names_stay_plain() -> None:
    con = _store([(f"[bold red]t{i}[/]\u202e\nx", "hashtag", "manufactured", 0.9 - i / 100, 10, 5, 1.0)
                  for i in range(5)])
    con.execute("CREATE TABLE account_coordination (account_id VARCHAR, coordinated BOOLEAN, cluster INTEGER)")
    con.execute("INSERT INTO account_coordination VALUES ('a', true, 1), ('b', true, 1), ('c', false, NULL)")
    con.execute("CREATE TABLE edges AS SELECT 'a' AS account_a, 'b' AS account_b")
    text = _render(con, top=3)
    assert "… and 2 more manufactured or mixed trends" in text
    assert "[bold red]t0[/]\ufffd x" in text  # markup shown, not applied; bidi control and newline replaced
    assert "Coordination: 2 accounts acting in lockstep in 1 cluster (1 account pair co-acting" in text


def test_terminal_text_cuts_and_cleans() -> None:
    assert terminal_text("a\tb\x1b[31mc", 60) == "a b\ufffd[31mc"
    assert terminal_text("x" * 70, 10) == "x" * 9 + "…"
