"""The input-format registry: every format has a reader, detection names what the simulator writes,
the CLI offers exactly the registry's formats, and ``--map`` has one parser."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from trendtrace.cli import main
from trendtrace.model import Format
from trendtrace.readers import FORMATS, FormatSpec, detect_format, read
from trendtrace.readers.registry import FORMATS_HELP, MAPPED, detectors

from _cli import one_error

#: Writers that keep only part of a data set: CooRTweet has reposts only.
_PARTIAL = {"coortweet"}


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_entry_has_a_reader_and_a_one_line_doc():
    assert list(FORMATS) == ["x-v2", "x-v1", "io-archive", "csv", "parquet", "coortweet"]
    for name, spec in FORMATS.items():
        assert isinstance(spec, FormatSpec) and spec.name == name == name.lower()
        assert callable(spec.read), name
        assert spec.parse is None or callable(spec.parse), name
        assert spec.doc and "\n" not in spec.doc, name


def test_format_enum_is_the_registry():
    assert [f.value for f in Format] == ["auto", *FORMATS]


def test_messages_and_mapped_come_from_the_registry():
    assert FORMATS_HELP == "x-v2, x-v1, io-archive, csv, parquet, coortweet"
    assert MAPPED == ("csv", "parquet", "coortweet")
    # catch-alls are asked last: a CooRTweet header is not taken for a generic CSV
    assert [n for n, _ in detectors("csv_header")] == ["io-archive", "coortweet", "csv"]
    assert [n for n, _ in detectors("parquet_columns")] == ["coortweet", "parquet"]
    assert [n for n, _ in detectors("json_record")] == ["x-v2", "x-v1"]


def test_every_writer_exists_and_simulate_offers_exactly_those():
    from trendtrace.simulate import FORMATS as FILE_NAMES
    from trendtrace.simulate.writers import WRITERS

    named = [n for n, s in FORMATS.items() if s.writer]
    assert list(WRITERS) == list(FILE_NAMES) == named
    for name in named:
        assert WRITERS[name].__name__ == FORMATS[name].writer and WRITERS[name].fmt == name


def _choices(command: str) -> list[str]:
    (opt,) = [p for p in main.commands[command].params if p.name == "fmt"]
    return list(opt.type.choices)


def test_cli_format_choices_are_the_registry():
    assert _choices("ingest") == _choices("analyze") == ["auto", *FORMATS]
    # and the simulator's one more: a Parquet data set for analyze --posts (written through convert)
    assert _choices("simulate") == [n for n, s in FORMATS.items() if s.writer] + ["dataset"]


@pytest.mark.parametrize("fmt", [n for n, s in FORMATS.items() if s.writer])
def test_detection_round_trips_the_simulator(tmp_path, fmt):
    from trendtrace.simulate import simulate

    sim = simulate(tmp_path, "small", seed=3, posts=500, fmt=fmt)
    with open(sim.labels_dir / "posts.csv", encoding="utf-8", newline="") as fh:
        written = {row["post_id"] for row in csv.DictReader(fh)}
    read_ids: list[str] = []
    for path in sim.data_paths:
        assert detect_format(path) is Format(fmt)
        for chunk in read(path):
            assert chunk.rejects == []
            assert set(chunk.posts["source_format"].to_pylist()) <= {fmt}
            read_ids += chunk.posts["post_id"].to_pylist()
    assert read_ids and len(set(read_ids)) == len(read_ids)
    assert set(read_ids) <= written
    if fmt not in _PARTIAL:
        assert set(read_ids) == written


# --------------------------------------------------------------------------- --map in the CLI


def test_cli_map_account_lang(tmp_path):
    from trendtrace.store import Store

    f = tmp_path / "posts.csv"
    f.write_text("post_id,account_id,time,handle,speaks\n"
                 "1,10,2024-01-01T10:00:00Z,ana,pt\n"
                 "2,11,2024-01-01T10:01:00Z,bo,de\n", encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    r = run("-q", "ingest", str(f), "--db", db, "--map", "account_lang=speaks")
    assert r.exit_code == 0, r.output
    with Store(db) as store:
        langs = dict(store.con.execute("SELECT account_id, lang FROM accounts").fetchall())
    assert langs == {"10": "pt", "11": "de"}


def test_cli_map_bad_field_is_one_line(tmp_path):
    f = tmp_path / "posts.csv"
    f.write_text("post_id,account_id,time\n1,10,2024-01-01T10:00:00Z\n", encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    r = run("ingest", str(f), "--db", db, "--map", "colour=time")
    one_error(r, r"^Error: --map 'colour=time': unknown field 'colour'; fields are: post_id, account_id, "
                       r".*account_lang")
    r = run("ingest", str(f), "--db", db, "--map", "account_lang")
    one_error(r, r"^Error: --map 'account_lang': write FIELD=COLUMN, e\.g\. --map time=created_at$")
