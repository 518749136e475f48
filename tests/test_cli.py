"""The command line: exit codes, one-line errors, help for every option."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from trendtrace.cli import main

COMMANDS = ["ingest", "analyze", "simulate", "demo", "train", "report", "serve"]


def run(*args, **kw):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kw)


def one_line_error(result, pattern):
    assert result.exit_code == 1, result.output
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help(command):
    cmd = main.commands[command]
    for param in cmd.params:
        if param.param_type_name == "option":
            assert param.help, f"{command} {param.opts} has no help"
    assert run(command, "--help").exit_code == 0


def test_readme_documents_every_command():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for command in COMMANDS:
        assert f"trendtrace {command}" in readme
    assert readme.index("make demo") < 1200 and readme.index("make test") < 1200


def test_ingest_missing_file(tmp_path):
    r = run("ingest", str(tmp_path / "none.jsonl"), "--db", str(tmp_path / "s.duckdb"))
    one_line_error(r, r"none\.jsonl: no such file$")


def test_bad_map(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    r = run("ingest", str(f), "--db", str(tmp_path / "s.duckdb"), "--map", "time")
    one_line_error(r, r"--map 'time': write FIELD=COLUMN")
    r = run("ingest", str(f), "--db", str(tmp_path / "s.duckdb"), "--map", "when=a")
    one_line_error(r, r"unknown field 'when'; fields are: .*time")


def test_bad_home_tz(tmp_path):
    r = run("analyze", "--db", str(tmp_path / "s.duckdb"), "--home-tz", "Mars/Olympus")
    one_line_error(r, r"--home-tz 'Mars/Olympus': not a time zone name")


def test_bad_setting(tmp_path):
    r = run("analyze", "--db", str(tmp_path / "s.duckdb"), "--set", "fdr=3")
    one_line_error(r, r"setting fdr: 3.0 must be between 0 and 1")


def test_analyze_empty_store(tmp_path):
    r = run("analyze", "--db", str(tmp_path / "s.duckdb"))
    one_line_error(r, r"the store has no posts")


def test_report_and_serve_on_missing_store(tmp_path):
    one_line_error(run("report", "--db", str(tmp_path / "no.duckdb")), r"no such store")
    one_line_error(run("serve", "--db", str(tmp_path / "no.duckdb")), r"no such store")


def test_simulate_unknown_scenario(tmp_path):
    one_line_error(run("simulate", "--out", str(tmp_path), "--scenario", "mars"), r"unknown scenario")


def test_bad_ingest_memory(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("post_id,account_id,time\n1,a,2024-01-01T00:00:00Z\n")
    r = run("ingest", str(f), "--db", str(tmp_path / "s.duckdb"), "--ingest-memory", "lots'; DROP TABLE posts")
    one_line_error(r, r"memory limit .*: write a size such as 1GB")
    r = run("ingest", str(f), "--db", str(tmp_path / "s.duckdb"), "--ingest-memory", "256MB")
    assert r.exit_code == 0 and "1 new posts" in r.stderr
