"""Issue 14, hostile input to the readers and the store: every case below crashed, hung on to a
bad value, or said too much or too little before its fix (docs/formats.md, "Hostile input").

Library-level cases read with :func:`trendtrace.readers.read` or ingest into a store; CLI cases run
``python -m trendtrace`` in a subprocess and check the contract: exit 1, exactly one stderr line
``Error: FILE:LINE: ...``, no traceback, and the store file unchanged.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trendtrace.model import MAX_MESSAGE, InputError, neutralize
from trendtrace.readers import read
from trendtrace.settings import SettingError, Settings
from trendtrace.store import Store

FX = Path(__file__).parent / "fixtures" / "readers"
SRC = Path(__file__).resolve().parents[1] / "src"
PAGES = (FX / "x_v2_pages.jsonl").read_bytes().splitlines()
FLAT = (FX / "x_v2_flat.jsonl").read_bytes().splitlines()
V1 = (FX / "x_v1.jsonl").read_bytes().splitlines()


def rejects_of(path, fmt="auto", mapping=None):
    return [(r.line, r.reason) for c in read(path, fmt, mapping) for r in c.rejects]


def post_ids(path, fmt="auto", mapping=None):
    return [p for c in read(path, fmt, mapping) for p in c.posts["post_id"].to_pylist()]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    # What the installed ``trendtrace`` entry point runs, with this checkout's sources first.
    return subprocess.run([sys.executable, "-c", "import sys; from trendtrace.cli import main; sys.exit(main())",
                           "-q", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def assert_one_line_error(r: subprocess.CompletedProcess, *needles: str) -> str:
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def mutated(line: bytes, fn) -> bytes:
    obj = json.loads(line)
    fn(obj)
    return json.dumps(obj, ensure_ascii=False).encode()


# ------------------------------------------------------------ 1. invalid UTF-8 in a v2 page file

def _bad_byte_after_line_1(tmp_path: Path, key: bytes) -> Path:
    line = PAGES[1]
    i = line.index(key) + len(key) + 1
    p = tmp_path / "pages.jsonl"
    p.write_bytes(PAGES[0] + b"\n" + line[:i] + b"\xff" + line[i:] + b"\n")
    return p


@pytest.mark.parametrize("key", [b'"text": "', b'"username": "', b'"name": "', b'"id": "'])
def test_v2_page_invalid_utf8_after_line_1_is_a_reject(tmp_path, key):
    p = _bad_byte_after_line_1(tmp_path, key)
    rej = rejects_of(p)
    assert len(rej) == 1 and rej[0][0] == 2 and rej[0][1].startswith("not UTF-8 text (byte 0xff at column ")
    with Store(tmp_path / "s.duckdb") as s:
        r = s.ingest([p])
        assert r.rejects == 1
        # Exactly line 1's posts: none of line 2's.
        assert s.con.execute("SELECT count(*) FROM posts WHERE source_line = 2").fetchone()[0] == 0
        n = s.count("posts")
    only = tmp_path / "line1.jsonl"
    only.write_bytes(PAGES[0] + b"\n")
    with Store(tmp_path / "t.duckdb") as t:
        t.ingest([only])
        assert t.count("posts") == n


def test_v2_page_invalid_utf8_cli_fail_names_file_and_line(tmp_path):
    p = _bad_byte_after_line_1(tmp_path, b'"name": "')
    db = tmp_path / "s.duckdb"
    assert cli("ingest", str(FX / "x_v1.jsonl"), "--db", str(db), cwd=tmp_path).returncode == 0
    before = db.read_bytes()
    r = cli("ingest", str(p), "--db", str(db), "--on-error", "fail", cwd=tmp_path)
    assert_one_line_error(r, f"{p}:2: not UTF-8 text")
    assert db.read_bytes() == before


# ------------------------------------------------------------ 2. fields of the wrong JSON type

@pytest.mark.parametrize("src,fn,reason", [
    (PAGES, lambda o: o["data"][0].__setitem__("text", 12345), "data[0]: 'text' is a number, not text"),
    (PAGES, lambda o: o["data"][0].__setitem__("text", {"a": 1}), "data[0]: 'text' is an object, not text"),
    (PAGES, lambda o: o["data"][0].setdefault("entities", {}).__setitem__("urls", "http://x"),
     "data[0]: 'entities.urls' is text, not a list"),
    (PAGES, lambda o: o["data"][0].setdefault("entities", {}).__setitem__("hashtags", [{"tag": 5}]),
     "data[0]: 'entities.hashtags.tag' is a number, not text"),
    (FLAT, lambda o: o.__setitem__("text", 7), "'text' is a number, not text"),
    (V1, lambda o: o.__setitem__("text", [1]), "'text' is a list, not text"),
    (V1, lambda o: o.__setitem__("entities", "x"), "'entities' is text, not an object"),
    (V1, lambda o: o.__setitem__("favorite_count", "many"), "'like_count' is text, not a whole number (64-bit)"),
])
def test_wrong_json_types_are_rejects_with_a_reason(tmp_path, src, fn, reason):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b"\n".join([src[0], mutated(src[1], fn), *src[2:]]) + b"\n")
    assert rejects_of(p) == [(2, reason)]
    bad_id = json.loads(src[1]).get("id_str") or (json.loads(src[1]).get("data") or [{}])[0].get("id") or \
        json.loads(src[1]).get("id")
    assert bad_id not in post_ids(p)


def test_account_field_of_wrong_type_is_unknown_not_a_reject(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b"\n".join([V1[0], mutated(V1[1], lambda o: o["user"].__setitem__("screen_name", 5))]) + b"\n")
    assert rejects_of(p) == []
    acc = {a: h for c in read(p)
           for a, h in zip(c.accounts["account_id"].to_pylist(), c.accounts["handle"].to_pylist(), strict=False)}
    assert None in acc.values()


# ------------------------------------------------------------ 3. the accepted time range

def _dates_csv(tmp_path: Path) -> Path:
    p = tmp_path / "dates.csv"
    rows = ["id,user_id,created_at,text,account_created_at"]
    rows += [f"{i},u{i % 5},2021-06-01T10:{i:02d}:00Z,#tag{i % 3} hello,0999-01-01" for i in range(40)]
    rows += ["x1,u1,0999-01-01T00:00:00Z,#tag1 old,2020-01-01", "x2,u2,9999-12-31T00:00:00Z,#tag1 far,9999-01-01"]
    p.write_text("\n".join(rows) + "\n")
    return p


def test_times_outside_the_range_are_rejects_and_account_dates_unknown(tmp_path):
    p = _dates_csv(tmp_path)
    assert rejects_of(p) == [
        (42, "time 0999-01-01 00:00:00 is outside the accepted range (1970-01-01 to 2099-12-31)"),
        (43, "time 9999-12-31 00:00:00 is outside the accepted range (1970-01-01 to 2099-12-31)"),
    ]
    created = [v for c in read(p) for v in c.accounts["created_at"].to_pylist()]
    assert created and all(v is None for v in created)


def test_analyze_and_report_run_after_hostile_dates(tmp_path):
    p = _dates_csv(tmp_path)
    db, out = tmp_path / "s.duckdb", tmp_path / "out"
    r = cli("analyze", str(p), "--db", str(db), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = cli("report", "--db", str(db), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (out / "report.html").exists()


# ------------------------------------------------------------ 4. whole-file mistakes

def test_coortweet_without_its_columns(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("id,user_id,created_at,text\n1,2,2021-01-01T00:00:00Z,a\n")
    with pytest.raises(InputError, match=r"no column '\w+' for the coortweet format"):
        list(read(p, "coortweet"))


def test_parquet_struct_column_mapped_to_text(tmp_path):
    p = tmp_path / "s.parquet"
    pq.write_table(pa.table({"id": ["1"], "user_id": ["2"], "created_at": ["2021-01-01T00:00:00Z"],
                             "s": pa.array([{"a": 1}])}), p)
    with pytest.raises(InputError, match=r"column 's' holds struct<a: int64> values, which cannot be 'text'"):
        list(read(p, "parquet", {"text": "s"}))


def test_v1_nested_1000_deep_is_a_reject(tmp_path):
    inner = '{"id_str": "X", "created_at": "Wed Oct 10 20:19:24 +0000 2018", "text": "t", "user": {"id_str": "9"}'
    deep = "".join(inner.replace("X", str(i)) + ', "retweeted_status": ' for i in range(1000)) + inner + "}" * 1001
    p = tmp_path / "deep.jsonl"
    p.write_text(V1[0].decode() + "\n" + deep + "\n")
    assert rejects_of(p, "x-v1") == [(2, "statuses nested more than 5 deep (retweeted_status / quoted_status)")]
    assert len(post_ids(p, "x-v1")) >= 1


def test_ingest_memory_has_a_sane_minimum(tmp_path):
    with pytest.raises(SettingError, match="too small; give at least 64MB"):
        Settings(ingest_memory="1KB")
    with pytest.raises(InputError, match="too small"), Store(tmp_path / "s.duckdb") as s:
        s.ingest([FX / "x_v1.jsonl"], memory_limit="1KB")
    r = cli("ingest", str(FX / "x_v1.jsonl"), "--db", str(tmp_path / "t.duckdb"), "--ingest-memory", "1KB",
            cwd=tmp_path)
    assert_one_line_error(r, "ingest_memory", "64MB")


@pytest.mark.parametrize("args,needle", [
    (("--format", "coortweet"), "for the coortweet format"),
    (("--format", "parquet", "--map", "text=s"), "which cannot be 'text'"),
])
def test_whole_file_mistakes_cli(tmp_path, args, needle):
    if "parquet" in args:
        p = tmp_path / "s.parquet"
        pq.write_table(pa.table({"id": ["1"], "user_id": ["2"], "created_at": ["2021-01-01T00:00:00Z"],
                                 "s": pa.array([{"a": 1}])}), p)
    else:
        p = tmp_path / "a.csv"
        p.write_text("id,user_id,created_at,text\n1,2,2021-01-01T00:00:00Z,a\n")
    db = tmp_path / "s.duckdb"
    r = cli("ingest", str(p), "--db", str(db), *args, cwd=tmp_path)
    assert_one_line_error(r, str(p), needle)


# ------------------------------------------------------------ 5. a CSV record over 4 MB

def _long_record_csv(tmp_path: Path, mb: int = 9) -> Path:
    good = "\n".join(f"{i},u{i},2021-01-01T00:00:00Z,ok" for i in range(100))
    p = tmp_path / "long.csv"
    p.write_text(f"id,user_id,created_at,text\n{good}\nbig,u1,2021-01-01T00:00:00Z,{'x' * (mb << 20)}\n"
                 f"after,u2,2021-01-01T00:00:00Z,c\n")
    return p


@pytest.mark.parametrize("mb", [5, 9])
def test_long_csv_record_is_a_reject_with_its_line(tmp_path, mb):
    p = _long_record_csv(tmp_path, mb)
    assert rejects_of(p) == [(102, "record longer than 4 MB")]
    ids = post_ids(p)
    assert len(ids) == 101 and ids[-1] == "after"


def test_long_csv_record_cli(tmp_path):
    p = _long_record_csv(tmp_path)
    db = tmp_path / "s.duckdb"
    r = cli("ingest", str(p), "--db", str(db), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with Store(db, read_only=True) as s:
        assert s.count("posts") == 101
    before = db.read_bytes()
    p2 = tmp_path / "long2.csv"
    p2.write_bytes(p.read_bytes().replace(b"after,", b"later,"))
    r = cli("ingest", str(p2), "--db", str(db), "--on-error", "fail", cwd=tmp_path)
    assert_one_line_error(r, f"{p2}:102: record longer than 4 MB")
    assert db.read_bytes() == before


# ------------------------------------------------------------ 6. messages that quote input

def test_json_read_as_csv_gives_a_short_error(tmp_path):
    p = tmp_path / "pages.csv"
    p.write_bytes(b"\n".join(PAGES * 10) + b"\n")
    with pytest.raises(InputError) as e:
        list(read(p, "csv"))
    assert len(str(e.value)) - len(str(p)) <= 300 and "\n" not in str(e.value)
    r = cli("ingest", str(p), "--format", "csv", "--db", str(tmp_path / "s.duckdb"), cwd=tmp_path)
    line = assert_one_line_error(r, str(p), "no column for 'post_id'")
    assert len(line) - len(str(p)) <= 300  # the 82 KB "column name" is clipped


def test_reject_reasons_quoting_values_are_clipped(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(f"id,user_id,created_at\n1,2,{'9' * 50}x{'y' * 5000}\n")
    (line, reason), = rejects_of(p)
    assert line == 2 and len(reason) <= 200 and reason.startswith("time '999")


# ------------------------------------------------------------ 7. ids

def test_io_archive_ids_normalised_alike(tmp_path):
    rows = list(csv.reader((FX / "io_archive.csv").open(encoding="utf-8")))
    rows[1][0], rows[1][1] = "456.0", "789.0"
    p = tmp_path / "io.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows[:2])
    c, = list(read(p))
    assert c.posts["post_id"].to_pylist() == ["456"]
    assert c.posts["account_id"].to_pylist() == ["789"] and c.accounts["account_id"].to_pylist() == ["789"]


def test_big_ids_kept_exactly_and_inexact_floats_rejected(tmp_path):
    p = tmp_path / "ids.csv"
    p.write_text("id,user_id,created_at\n123456789012345678901234,98765432109876543210,2021-01-01T00:00:00Z\n")
    c, = list(read(p))
    assert c.posts["post_id"].to_pylist() == ["123456789012345678901234"]
    assert c.posts["account_id"].to_pylist() == ["98765432109876543210"]
    q = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"id": pa.array([456.0, 1.8446744073709552e19]),
                             "user_id": pa.array([2 ** 64 - 1, 5], pa.uint64()),
                             "created_at": ["2021-01-01T00:00:00Z"] * 2}), q)
    c, = list(read(q))
    assert c.posts["post_id"].to_pylist() == ["456"]
    assert c.posts["account_id"].to_pylist() == ["18446744073709551615"]
    assert [r.line for r in c.rejects] == [2] and "cannot hold the id exactly" in c.rejects[0].reason


@pytest.mark.parametrize("value,reason", [
    ([1], "'id_str' is a list, not an id"),
    ({"a": 1}, "'id_str' is an object, not an id"),
    (True, "'id_str' is true/false, not an id"),
])
def test_json_ids_of_the_wrong_type_are_rejects(tmp_path, value, reason):
    p = tmp_path / "v1.jsonl"
    p.write_bytes(b"\n".join([V1[0], mutated(V1[1], lambda o: o.__setitem__("id_str", value))]) + b"\n")
    assert rejects_of(p, "x-v1") == [(2, reason)]
    assert not any("[" in i or "{" in i or i == "True" for i in post_ids(p, "x-v1"))


def test_json_id_beyond_64_bits_is_rejected_not_rounded(tmp_path):
    line = mutated(V1[1], lambda o: (o.pop("id_str"), o.__setitem__("id", 2 ** 70)))
    p = tmp_path / "v1.jsonl"
    p.write_bytes(V1[0] + b"\n" + line + b"\n")
    (n, reason), = rejects_of(p, "x-v1")
    assert n == 2 and "is not an exact id" in reason


# ------------------------------------------------------------ 8. the rejects file

def _bad_csv(tmp_path: Path, name: str, bad: bool) -> Path:
    p = tmp_path / name
    p.write_text("id,user_id,created_at\n" + f"{name}1,u,2021-01-01T00:00:00Z\n" +
                 (f"{name}2,u,not a date\n" if bad else ""))
    return p


def test_rejects_file_lifecycle(tmp_path):
    db = tmp_path / "s.duckdb"
    rej = tmp_path / "s.rejects.csv"
    with Store(db) as s:
        s.ingest([_bad_csv(tmp_path, "a.csv", True)])
        first = rej.read_text()
        assert "a.csv" in first
        # A run that fails on its first file commits nothing: the file is left as it was.
        with pytest.raises(InputError):
            s.ingest([_bad_csv(tmp_path, "b.csv", True)], on_error="fail")
        assert rej.read_text() == first
        # A run that commits nothing (unchanged file) leaves it too.
        s.ingest([tmp_path / "a.csv"])
        assert rej.read_text() == first
        # A clean run that commits a file removes the stale one.
        r = s.ingest([_bad_csv(tmp_path, "c.csv", False)])
        assert r.rejects_path is None and not rej.exists()


def test_failing_multi_file_run_names_what_it_kept(tmp_path):
    db = tmp_path / "s.duckdb"
    a, b = _bad_csv(tmp_path, "a.csv", True), _bad_csv(tmp_path, "b.csv", False)
    missing = tmp_path / "missing.csv"
    r = cli("ingest", str(a), str(b), str(missing), "--db", str(db), cwd=tmp_path)
    line = assert_one_line_error(r, str(missing), f"already ingested and kept: {a}, {b}")
    assert line
    with Store(db, read_only=True) as s:
        assert s.count("posts") == 2
    # The committed files' rejects are written, not lost with the failure.
    assert "a.csv" in (tmp_path / "s.rejects.csv").read_text()


# ------------------------------------------------------------ 9. NUL and bidi controls in outputs

def test_csv_cells_and_gexf_labels_are_neutralised():
    from trendtrace.report._common import neutralize_table, xml_text

    assert neutralize("a\x00b\u202ec") == "ab\ufffdc"
    assert neutralize("\x00=1") == "'=1"
    t = neutralize_table(pa.table({"t": ["x\x00y", "\u2066evil\u2069", "=cmd"], "n": [1, 2, 3]}))
    assert t["t"].to_pylist() == ["xy", "\ufffdevil\ufffd", "'=cmd"] and t["n"].to_pylist() == [1, 2, 3]
    assert xml_text("gnp.\u202eexe\x00") == "gnp.\ufffdexe"


def test_report_outputs_carry_no_nul_or_bidi(tmp_path):
    p = tmp_path / "evil.csv"
    rows = ["id,user_id,screen_name,created_at,text"]
    for i in range(30):
        rows.append(f"{i},u{i % 3},\"ev\u202eil{i % 3}\",2021-06-01T10:00:{i:02d}Z,\"#same text\x00 {i % 2}\"")
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    r = cli("analyze", str(p), "--db", str(tmp_path / "s.duckdb"), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for f in list(out.glob("*.csv")) + list(out.glob("*.gexf")):
        text = f.read_text(encoding="utf-8")
        bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        assert "\x00" not in text and not any(ch in text for ch in bidi), f


# ------------------------------------------------------------ 10. fuzzing every reader

_FIXTURES = [("x_v2_pages.jsonl", "x-v2"), ("x_v2_flat.jsonl", "x-v2"), ("x_v1.jsonl", "x-v1"),
             ("io_archive.csv", "io-archive"), ("generic_aliases.csv", "csv"), ("coortweet.csv", "coortweet")]
_ODD = [None, True, -1, 2 ** 70, 1.5e300, "", "\u202e", "x" * 300, [], [1, {"a": None}], {"a": [1]}, {}]


def _retype(obj, rnd: random.Random, depth: int = 0):
    """Replace a random field somewhere in ``obj`` by a value of another type, or nest it."""
    if isinstance(obj, dict) and obj:
        k = rnd.choice(sorted(obj))
        if depth < 4 and isinstance(obj[k], (dict, list)) and rnd.random() < 0.6:
            _retype(obj[k], rnd, depth + 1)
        elif rnd.random() < 0.2:
            obj[k] = {"nested": obj[k]}
        else:
            obj[k] = rnd.choice(_ODD)
    elif isinstance(obj, list) and obj:
        i = rnd.randrange(len(obj))
        if depth < 4 and isinstance(obj[i], (dict, list)):
            _retype(obj[i], rnd, depth + 1)
        else:
            obj[i] = rnd.choice(_ODD)


def _mutate(line: bytes, how: str, rnd: random.Random) -> bytes:
    if how == "flip" and line:
        b = bytearray(line)
        for _ in range(rnd.randint(1, 3)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        return bytes(b).replace(b"\n", b" ")
    if how == "truncate" and line:
        return line[:rnd.randrange(len(line))]
    if how == "retype" and line.startswith(b"{"):
        obj = json.loads(line)
        for _ in range(rnd.randint(1, 3)):
            _retype(obj, rnd)
        return json.dumps(obj).encode()
    if how == "retype":
        cells = next(csv.reader([line.decode("utf-8", "replace")]))
        if cells:
            cells[rnd.randrange(len(cells))] = rnd.choice(["", "[]", "{'a': 1}", "1e400", "9999-99-99", "\u202e",
                                                           "x" * 300, "0999-01-01 00:00", "456.0", '"'])
        return ",".join(f'"{c}"' if "," in c else c for c in cells).encode()
    if how == "nest" and line.startswith(b"{"):
        d = rnd.choice([3, 30, 600])
        return b'{"data": ' * d + line + b"}" * d
    return line


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fixture=st.sampled_from(_FIXTURES), seed=st.integers(0, 2 ** 32 - 1),
       hows=st.lists(st.sampled_from(["flip", "truncate", "retype", "nest", "keep"]), min_size=1, max_size=4))
def test_fuzzed_fixture_lines_give_rows_or_rejects_never_an_exception(tmp_path, fixture, seed, hows):
    name, fmt = fixture
    rnd = random.Random(seed)
    lines = (FX / name).read_bytes().splitlines()
    header = lines[:1] if name.endswith(".csv") else []
    body = lines[len(header):]
    out = []
    for how in hows:
        out.append(_mutate(rnd.choice(body), how, rnd))
    p = tmp_path / f"fuzz-{name}"
    p.write_bytes(b"\n".join(header + body + out) + b"\n")
    try:
        chunks = list(read(p, fmt))
    except InputError as e:  # a whole-file problem is allowed, as one short line
        assert "\n" not in str(e) and len(str(e)) <= MAX_MESSAGE
        return
    for c in chunks:
        for r in c.rejects:
            assert r.line >= 1 and r.reason and len(r.reason) <= 200
        assert c.posts["post_id"].null_count == 0
