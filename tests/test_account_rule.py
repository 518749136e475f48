"""The account rule: coordination is an account's own evidence, not its cluster's (golden data,
through the library and through the command line)."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, UTC
from pathlib import Path

from click.testing import CliRunner

from trendtrace.cli import main
from trendtrace.coordination import coordination
from trendtrace.settings import Settings

from _coord_data import post, store

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def _golden() -> list[tuple[str, str, int, str, str | None]]:
    """(post id, account, second, text, retweeted post id), explained line by line:

    - ``ring1..ring3`` retweet the same seven obscure posts ``X0..X6`` (nobody else touches them),
      each time within 20 s of one another, an hour apart: three retweet pairs with 7 co-acted
      objects each, far beyond chance (the same posts are objects of ``slow_retweet`` too, counted
      once). Own evidence 7 (rare trace, weight 1) >= 6 (``min_account_evidence``): coordinated.
    - ``fan`` uses the hashtags #m0..#m5 within 30 s of ``ring1``'s own posts with the same
      hashtags: one hashtag pair with 6 co-acted objects, significant, so ``fan`` is joined to the
      ring in the fused graph and lands in its cluster. But hashtags are a crowd trace: own evidence
      6 x 0.25 = 1.5 < 6: not coordinated, whatever its cluster.
    - ``bg00..bg39`` are background: each retweets 5 of 200 popular posts ``P0..P199`` at scattered
      times (days apart), so the null model has a population to compare with; they co-act with
      nobody.
    """
    rows: list[tuple[str, str, int, str, str | None]] = []
    k = 0
    for i in range(7):
        for j, acc in enumerate(("ring1", "ring2", "ring3")):
            rows.append((f"r{k}", acc, 3600 * i + 7 * j, "RT obscure", f"X{i}"))
            k += 1
    for i in range(6):
        rows.append((f"h{k}", "ring1", 30_000 + 3600 * i, f"message #m{i}", None))
        rows.append((f"h{k + 1}", "fan", 30_000 + 3600 * i + 30, f"me too #m{i}", None))
        k += 2
    for b in range(40):
        for i in range(5):
            rows.append((f"b{k}", f"bg{b:02d}", 86_400 * ((b * 5 + i) % 14) + 977 * b + 131 * i, "RT popular",
                         f"P{(b * 7 + i * 31) % 200}"))
            k += 1
    return rows


def _coordination_rows() -> dict[str, tuple]:
    rows = [post(pid, acc, sec, "repost" if ref else "post", text, ref=ref,
                 tags=[w[1:] for w in text.split() if w.startswith("#")])
            for pid, acc, sec, text, ref in _golden()]
    con = store(rows)
    coordination(con, Settings())
    return {r[0]: r[1:] for r in con.execute(
        "SELECT account_id, coordinated, cluster, evidence, coordination_score, coordination_evidence "
        "FROM account_coordination").fetchall()}


def test_own_evidence_flags_the_ring_and_not_its_crowd_trace_neighbour() -> None:
    acc = _coordination_rows()
    for r in ("ring1", "ring2", "ring3"):
        coordinated, cluster, evidence, score, sentence = acc[r]
        assert coordinated and cluster is not None
        assert evidence >= 7 and score > 0.5  # ring1 also has the 1.5 of its hashtag pair with fan
        assert sentence.startswith("coordinated: ") and "retweet 7 objects with" in sentence
    coordinated, cluster, evidence, score, sentence = acc["fan"]
    assert evidence == 1.5 and score < 0.5 and not coordinated
    assert cluster == acc["ring1"][1]  # in the ring's cluster, reported, but not flagged by it
    assert "hashtag 6 objects with 1 account" in sentence and "a crowd trace" in sentence
    assert sentence.startswith("some co-action, below the rule: ")
    assert not any(acc[f"bg{b:02d}"][0] for b in range(40))


def test_account_rule_through_the_command_line(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "user_id", "screen_name", "created_at", "text", "retweet_id"])
        for pid, acc, sec, text, ref in _golden():
            w.writerow([pid, acc, acc, (T0 + timedelta(seconds=sec)).strftime("%Y-%m-%dT%H:%M:%SZ"), text, ref or ""])
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["analyze", str(src), "--out", str(out), "--db", str(tmp_path / "s.duckdb")],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    with (out / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["account_id"]: r for r in csv.DictReader(fh)}
    assert {a for a, r in rows.items() if r["coordinated"] == "true"} == {"ring1", "ring2", "ring3"}
    assert rows["fan"]["cluster"] == rows["ring1"]["cluster"] != ""
    assert rows["ring2"]["reasons"].startswith("coordinated: acted with other accounts")
    assert "a crowd trace" in rows["fan"]["reasons"]


def test_unknown_crowd_trace_is_a_one_line_error(tmp_path: Path) -> None:
    src = Path(__file__).parent / "fixtures" / "readers" / "x_v1.jsonl"
    res = CliRunner().invoke(main, ["analyze", str(src), "--out", str(tmp_path / "o"),
                                    "--db", str(tmp_path / "s.duckdb"),
                                    "--set", "crowd_traces=hashtag,bogus"])
    assert res.exit_code == 1
    assert "Error: setting crowd_traces: unknown trace(s) bogus" in res.output
    assert "Traceback" not in res.output
