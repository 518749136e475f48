"""End to end from the command line: simulate → analyze → contract files → report → demo."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from trendtrace.cli import main

# ../shared/CONTRACT.md: required columns of each file written by `analyze`.
CONTRACT = {
    "accounts.csv": ["account_id", "handle", "posts", "coordinated", "cluster", "coordination_score",
                     "inauthenticity_score", "utc_offset", "reasons"],
    "edges.csv": ["account_a", "account_b", "handle_a", "handle_b", "traces", "co_actions", "weight", "p_value"],
    "clusters.csv": ["cluster", "accounts", "posts", "traces", "top_hashtags", "utc_offset"],
    "trends.csv": ["trend", "posts", "accounts", "coordinated_share", "inauthentic_share", "verdict", "score",
                   "cost_usd_low", "cost_usd_high", "evidence"],
    "overlap.csv": ["campaign_a", "campaign_b", "shared_accounts", "jaccard"],
    "evidence.csv": ["account_a", "account_b", "trace", "post_a", "post_b", "handle_a", "handle_b", "time_a",
                     "time_b", "text_a", "text_b", "url_a", "url_b"],
}
OTHER_FILES = ["network.gexf", "network.graphml", "report.html", "report.json"]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    run("--quiet", "simulate", "--out", tmp / "sim", "--scenario", "small", "--seed", 3, "--format", "x-v2")
    data = tmp / "sim" / "tweets-v2.jsonl"
    result = run("analyze", data, "--out", tmp / "out")
    return tmp, data, result


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_analyze_writes_every_contract_file(analysed):
    tmp, _, result = analysed
    out = tmp / "out"
    assert f"report: {out / 'report.html'}" in result.stdout
    # the verdicts lead the summary on the terminal (stderr: stdout stays the report's path)
    assert "manufactured," in result.stderr and "Trends the data call manufactured or mixed" in result.stderr
    assert "Coordination:" in result.stderr
    for name, columns in CONTRACT.items():
        with open(out / name, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert set(columns) <= set(header), (name, set(columns) - set(header))
    for name in OTHER_FILES:
        assert (out / name).stat().st_size > 0
    assert (out / "trendtrace.duckdb").exists()


def test_contract_values(analysed):
    tmp, _, _ = analysed
    accounts = read_csv(tmp / "out" / "accounts.csv")
    assert accounts and all(a["coordinated"] in ("true", "false") for a in accounts)
    assert all(0 <= float(a["coordination_score"]) <= 1 and 0 <= float(a["inauthenticity_score"]) <= 1
               for a in accounts)
    assert all((a["cluster"] == "") == (a["coordinated"] == "false") or a["cluster"] for a in accounts)
    trends = read_csv(tmp / "out" / "trends.csv")
    assert {t["verdict"] for t in trends} <= {"organic", "mixed", "manufactured"}
    assert all(float(t["cost_usd_low"]) <= float(t["cost_usd_high"]) for t in trends if t["verdict"] != "organic")
    assert all(t["cost_usd_low"] == t["cost_usd_high"] == "" for t in trends if t["verdict"] == "organic")
    # The small scenario has campaigns: some accounts are found coordinated and some trend is not organic.
    assert any(a["coordinated"] == "true" for a in accounts)
    assert any(t["verdict"] != "organic" for t in trends)
    report = json.loads((tmp / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["trends"] and report["accounts"]
    # every evidence row names a kept edge; X posts (numeric ids) link to their status page
    edges = {(e["account_a"], e["account_b"]) for e in read_csv(tmp / "out" / "edges.csv")}
    evidence = read_csv(tmp / "out" / "evidence.csv")
    assert evidence and {(e["account_a"], e["account_b"]) for e in evidence} <= edges
    assert all(e["url_a"] == f"https://x.com/i/status/{e['post_a']}" and e["handle_a"] for e in evidence)


def test_ingest_again_changes_nothing_and_report_rebuilds(analysed):
    tmp, data, _ = analysed
    db = tmp / "out" / "trendtrace.duckdb"
    again = run("ingest", data, "--db", db)
    assert "already ingested, unchanged; skipped" in again.stderr
    rebuilt = run("report", "--db", db, "--out", tmp / "rebuilt")
    assert "report.html" in rebuilt.stdout
    before = read_csv(tmp / "out" / "trends.csv")
    after = read_csv(tmp / "rebuilt" / "trends.csv")
    assert before == after


def test_demo_leads_with_verdicts_and_compares_with_truth(tmp_path):
    result = run("demo", "--out", tmp_path / "demo", "--posts", 3000)
    out = result.stdout
    assert out.index("Trend verdicts") < out.index("verdicts match the truth")
    assert "coordinated accounts found: precision" in out
    assert out.rstrip().endswith(f"report: {tmp_path / 'demo' / 'report.html'}")
