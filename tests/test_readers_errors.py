"""Bad records (rejects with line and reason), whole-file errors (their message text), compression."""

from __future__ import annotations

import gzip
import io
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
import zstandard

from trendtrace.model import Format, InputError
from trendtrace.readers import detect_format, parse_x_v2, read

FX = Path(__file__).parent / "fixtures" / "readers"


def rejects_of(path, fmt="auto", mapping=None):
    return [(r.line, r.reason) for c in read(path, fmt, mapping) for r in c.rejects]


def post_ids(path, fmt="auto", mapping=None, chunk_rows=50_000):
    return [pid for c in read(path, fmt, mapping, chunk_rows) for pid in c.posts["post_id"].to_pylist()]


# ----------------------------------------------------------------------------------- bad records

def test_json_bad_records_become_rejects():
    # Line 1 good, 2 cut-off JSON, 3 no id, 4 bad date, 5 blank (not a record), 6 byte 0xff, 7 good.
    assert rejects_of(FX / "x_v2_bad.jsonl") == [
        (2, "not valid JSON: unexpected control character in string at column 95"),
        (3, "missing 'id'"),
        (4, "time '2021-13-01' is not a date"),
        (6, "not UTF-8 text (byte 0xff at column 28)"),
    ]
    assert post_ids(FX / "x_v2_bad.jsonl") == ["5004", "6005"]
    chunks = list(read(FX / "x_v2_bad.jsonl"))
    assert sum(c.records for c in chunks) == 6


def test_json_reject_raw_and_message():
    rej = [r for c in read(FX / "x_v2_bad.jsonl") for r in c.rejects]
    assert rej[1].message() == f"{FX / 'x_v2_bad.jsonl'}:3: missing 'id'"
    assert rej[1].raw.startswith('{"author_id": "1002"')


def test_v2_page_tweet_rejects_name_the_index():
    line = (b'{"data": [{"id": "1", "author_id": "a", "created_at": "2021-01-01T00:00:00.000Z", "text": "ok"},'
            b' {"author_id": "a", "created_at": "2021-01-01T00:00:00.000Z"}], "includes": {}}\n')
    chunks = list(parse_x_v2([line], "page.jsonl"))
    assert [(r.line, r.reason) for r in chunks[0].rejects] == [(1, "data[1]: missing 'id'")]
    assert chunks[0].posts["post_id"].to_pylist() == ["1"]


def test_v1_bad_records(tmp_path):
    good = (FX / "x_v1.jsonl").read_text(encoding="utf-8").splitlines()[0]
    p = tmp_path / "v1.jsonl"
    p.write_text("\n".join([
        good,
        good.replace('"id_str": "1050118621198921728", ', "").replace('"id": 1050118621198921728, ', ""),
        good.replace("Wed Oct 10 20:19:24 +0000 2018", "Wed Oct 32 20:19:24 +0000 2018", 1).replace(
            "1050118621198921728", "1050118621198921799"),
        "[1, 2]",
    ]) + "\n", encoding="utf-8")
    assert rejects_of(p, "x-v1") == [(2, "missing 'id_str'"),
                                     (3, "time 'Wed Oct 32 20:19:24 +0000 2018' is not a date"),
                                     (4, "not a JSON object (found list)")]


def test_csv_bad_records_lines():
    # Header 1; 2001 spans lines 2-3; line 4 no tweetid; 5 bad time; 6 blank; 7 too few fields;
    # 8 byte 0xff; 9 good.
    assert rejects_of(FX / "io_archive_bad.csv") == [
        (4, "missing 'tweetid'"),
        (5, "time '2019-13-01 10:02' is not a date"),
        (7, "expected 31 fields, found 14"),
        (8, "not UTF-8 text in column 'tweet_text' (byte 0xff at character 4)"),
    ]
    lines = [ln for c in read(FX / "io_archive_bad.csv") for ln in c.posts["source_line"].to_pylist()]
    assert post_ids(FX / "io_archive_bad.csv") == ["2001", "2006"] and lines == [2, 9]


def _lines_by_key(f, name: str, key: str, block_size: int) -> tuple[dict, list[int]]:
    """Read ``f`` with :func:`csv_batches`: the start line of each record by its ``key`` column, and
    the lines of the rejected ones."""
    from trendtrace.readers._csv import csv_batches, read_header

    names, header_lines = read_header(f, name)
    got, bad = {}, []
    for b in csv_batches(f, name, names, header_lines, block_size=block_size):
        got.update(zip(b.table[key].to_pylist(), b.lines.tolist(), strict=False))
        bad += [r.line for r in b.rejects]
    return got, bad


def test_csv_line_numbers_across_blocks(tmp_path):
    # Many records, some multi-line, blank or malformed, spread over several parser blocks: every
    # good record's source_line must be the physical line where it starts.
    import random

    rng = random.Random(3)
    out, expect, bad_expect, line = ["a,b,c"], {}, [], 2
    for i in range(4000):
        r = rng.random()
        if r < 0.03:
            out.append("")
            line += 1
        elif r < 0.06:
            out.append(f"{i},short")
            bad_expect.append(line)
            line += 1
        elif r < 0.25:
            out.append(f'{i},"multi\nline\nvalue",x')
            expect[str(i)] = line
            line += 3
        else:
            out.append(f"{i},plain,x")
            expect[str(i)] = line
            line += 1
    f = io.BytesIO(("\n".join(out) + "\n").encode())
    got, bad = _lines_by_key(f, "t.csv", "a", 1 << 12)
    assert got == expect
    assert bad == bad_expect


def test_generic_bad_time_and_missing_account(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("id,user_id,date\n1,u,2021-01-01\n2,,2021-01-01\n3,u,yesterday\n4,u,\n")
    assert rejects_of(p) == [(3, "missing 'account_id' (column 'user_id' is empty)"),
                             (4, "time 'yesterday' is not a date"),
                             (5, "missing 'time' (column 'date' is empty)")]


# ----------------------------------------------------------------------------------- whole-file errors

def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.jsonl: file not found$"):
        read(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="file not found"):
        detect_format(tmp_path / "nope.jsonl")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: empty file$"):
        read(p)
    g = tmp_path / "empty.jsonl.gz"
    g.write_bytes(gzip.compress(b"\n\n"))
    with pytest.raises(InputError, match=r"empty\.jsonl\.gz: empty file"):
        list(read(g))


def test_unknown_format(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("just some words\nand more\n")
    with pytest.raises(InputError, match=r"notes\.txt: cannot tell the input format .*formats are: x-v2, x-v1, "
                                         r"io-archive, csv, parquet, coortweet; name one with --format"):
        read(p)
    j = tmp_path / "other.jsonl"
    j.write_text('{"foo": 1}\n')
    with pytest.raises(InputError, match="neither X API v2 nor v1.1"):
        detect_format(j)
    b = tmp_path / "blob.bin"
    b.write_bytes(bytes(range(256)))
    with pytest.raises(InputError, match="cannot tell the input format"):
        detect_format(b)


def test_unknown_format_name():
    with pytest.raises(InputError, match=r"unknown format 'xml'; formats are: auto, x-v2"):
        read(FX / "x_v1.jsonl", "xml")


def test_mapping_errors():
    with pytest.raises(InputError, match=r"generic_mapped\.csv: --map time=ts: no column 'ts'; columns are: msg_no, "
                                         r"who, when_utc, body, tag_list, link_list, kind$"):
        list(read(FX / "generic_mapped.csv", "csv", {"time": "ts"}))
    with pytest.raises(InputError, match=r"no column for 'post_id'; use --map post_id=COLUMN; columns are: msg_no"):
        list(read(FX / "generic_mapped.csv", "csv"))
    with pytest.raises(InputError, match=r"--map colour=body: 'colour' is not a field; fields are: post_id"):
        list(read(FX / "generic_mapped.csv", "csv", {"colour": "body"}))
    with pytest.raises(InputError, match="--map applies to the csv, parquet and coortweet formats, not x-v1"):
        read(FX / "x_v1.jsonl", "auto", {"time": "x"})


def test_io_archive_without_required_column(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("tweetid,userid,tweet_text\n1,u,hi\n")
    with pytest.raises(InputError, match=r"a\.csv: no column 'tweet_time' for the io-archive format; columns are: "
                                         r"tweetid, userid, tweet_text"):
        list(read(p, "io-archive"))


def test_parquet_format_mismatch(tmp_path):
    with pytest.raises(InputError, match=r"not a Parquet file .*use --format csv"):
        list(read(FX / "coortweet.csv", "parquet"))
    import pyarrow.parquet as pq

    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": ["1"], "user_id": ["u"], "date": ["2021-01-01"]}), p)
    with pytest.raises(InputError, match="a Parquet file, not CSV; use --format parquet"):
        list(read(p, "csv"))
    g = tmp_path / "t.parquet.gz"
    g.write_bytes(gzip.compress(p.read_bytes()))
    with pytest.raises(InputError, match="compressed Parquet file; decompress it first"):
        list(read(g, "parquet"))


# ----------------------------------------------------------------------------------- compression

FIXTURES = ["x_v2_pages.jsonl", "x_v2_flat.jsonl", "x_v1.jsonl", "io_archive.csv", "generic_aliases.csv",
            "coortweet.csv"]


def _compress(src: Path, dst: Path, kind: str) -> Path:
    data = src.read_bytes()
    dst.write_bytes(gzip.compress(data) if kind == "gz" else zstandard.ZstdCompressor().compress(data))
    return dst


@pytest.mark.parametrize("kind", ["gz", "zst"])
@pytest.mark.parametrize("name", FIXTURES)
def test_compressed_equals_plain(tmp_path, name, kind):
    # Named *.data so that only the magic bytes can tell the compression.
    p = _compress(FX / name, tmp_path / f"{name}.data", kind)
    assert detect_format(p) is detect_format(FX / name)
    plain = pa.concat_tables([c.posts for c in read(FX / name)]).drop(["source_file"])
    packed = pa.concat_tables([c.posts for c in read(p)]).drop(["source_file"])
    assert packed.equals(plain)


def test_concatenated_zstd_frames(tmp_path):
    lines = (FX / "x_v1.jsonl").read_bytes().splitlines(keepends=True)
    c = zstandard.ZstdCompressor()
    p = tmp_path / "multi.jsonl.zst"
    p.write_bytes(c.compress(b"".join(lines[:3])) + c.compress(b"".join(lines[3:])))
    assert len(post_ids(p)) == 6


def _big_v2(n: int) -> bytes:
    src = (FX / "x_v2_flat.jsonl").read_text(encoding="utf-8").splitlines()[0]
    return "".join(src.replace('"id": "5001"', f'"id": "{i}"', 1) + "\n" for i in range(n)).encode()


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_truncated_compressed_file(tmp_path, kind):
    data = _big_v2(3000)
    full = gzip.compress(data) if kind == "gz" else zstandard.ZstdCompressor().compress(data)
    p = tmp_path / f"cut.jsonl.{kind}"
    p.write_bytes(full[: len(full) * 2 // 3])
    got = []
    with pytest.raises(InputError, match=rf"cut\.jsonl\.{kind}: compressed data ends early \(truncated or damaged "
                                         rf"\.{kind} file\?\)"):
        for c in read(p, chunk_rows=500):
            got.append(c.posts.num_rows)
    # The complete chunks before the damage were handed out first.
    assert len(got) >= 1 and all(n >= 500 for n in got)


def test_truncated_gzip_csv(tmp_path):
    rows = "".join(f"{i},u{i % 7},2021-01-01 00:00:{i % 60:02d},text {i}\n" for i in range(60_000))
    full = gzip.compress(("id,user_id,date,text\n" + rows).encode())
    p = tmp_path / "cut.csv.gz"
    p.write_bytes(full[: len(full) // 2])
    with pytest.raises(InputError, match=r"cut\.csv\.gz: compressed data ends early"):
        list(read(p))


def test_chunking_flat_memory_shape(tmp_path):
    p = tmp_path / "many.jsonl"
    p.write_bytes(_big_v2(1200))
    chunks = list(read(p, chunk_rows=500))
    # 1,200 tweets + 1 shared referenced tweet per chunk → chunks of ≥ 500 posts, then the rest.
    assert [c.records for c in chunks] == [500, 500, 200]
    assert len({pid for c in chunks for pid in c.posts["post_id"].to_pylist()}) == 1200


def test_copy_keeps_detection(tmp_path):
    # A renamed file (wrong extension) still reads: detection is by content.
    p = tmp_path / "archive.json"
    shutil.copy(FX / "io_archive.csv", p)
    assert detect_format(p) is Format.IO_ARCHIVE


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_RECORD = st.one_of(
    st.tuples(st.just("plain"), st.integers(0, 0)),
    st.tuples(st.just("multi"), st.integers(1, 4)),  # a quoted value with this many newlines
    st.tuples(st.just("blank"), st.integers(0, 0)),
    st.tuples(st.just("bad"), st.integers(0, 2)),  # wrong field count (possibly spanning lines)
    st.tuples(st.just("quotes"), st.integers(0, 0)),  # "" escapes inside a quoted value
)


@settings(deadline=None, max_examples=40)
@given(st.lists(_RECORD, max_size=120), st.sampled_from([1 << 9, 1 << 12]))
def test_csv_line_numbers_oracle(records, block):
    # Oracle: walk the records in Python, counting physical lines, and compare with the
    # vectorised numbering (cumsum of newlines per record, invalid rows placed by ordinal).
    out, expect, bad_expect, line = ["id,v,w"], {}, [], 2
    for i, (kind, k) in enumerate(records):
        if kind == "plain":
            out.append(f"r{i},x,y")
        elif kind == "multi":
            out.append(f'r{i},"' + "\n".join(["l"] * (k + 1)) + '",y')
        elif kind == "blank":
            out.append("")
        elif kind == "quotes":
            out.append(f'r{i},"say ""hi""",y')
        else:
            out.append(f'r{i},"' + "\n".join(["b"] * (k + 1)) + '"')
            bad_expect.append(line)
        if kind in ("plain", "multi", "quotes"):
            expect[f"r{i}"] = line
        line += 1 + (k if kind in ("multi", "bad") else 0)
    f = io.BytesIO(("\n".join(out) + "\n").encode())
    got, bad = _lines_by_key(f, "h.csv", "id", block)
    assert got == expect
    assert bad == bad_expect


def test_header_only_csv_has_no_records(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("id,user_id,date\n")
    assert post_ids(p) == [] and rejects_of(p) == []
