"""Comments in: CSV and JSON lines, format detection, a store's replies, and every error's text."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.comments import COMMENT_SCHEMA, comment_format, comments_from_store, parse_comments, read_comments
from trendtrace.model import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "comments"


def _csv(text: str, name: str = "c.csv") -> tuple:
    return parse_comments(io.BytesIO(text.encode("utf-8")), name, "csv")


def _jsonl(text: str, name: str = "c.jsonl") -> tuple:
    return parse_comments(io.BytesIO(text.encode("utf-8")), name, "jsonl")


def test_csv_with_bom_quotes_and_line_breaks():
    table, notes = _csv('\ufeffID,Author,Text,Time,extra\n1,ali,"two\nlines, one comment",2025-03-01T10:00:00+05:00,x\n'
                        "2,sana,plain,,y\n")
    assert table.schema == COMMENT_SCHEMA
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["text"] == "two\nlines, one comment"
    assert rows[0]["time"] == datetime(2025, 3, 1, 5, 0)  # +05:00 to UTC
    assert rows[1]["time"] is None and rows[1]["parent"] is None and rows[1]["thread"] == ""
    assert notes == ["c.csv: no thread column: its 2 comments are compared as one thread"]


def test_jsonl_types_times_and_parents():
    lines = [
        {"id": 7, "author": 99, "text": "hi", "thread": "t", "parent": None, "time": 1740823200},
        {"id": "8", "author": "b", "text": None, "thread": "t", "parent": 7, "time": "2025-03-01T10:00:00Z"},
        {"id": "9", "author": "c", "text": "self", "thread": "t", "parent": "9", "time": 1740823200123},
    ]
    table, notes = _jsonl("\n".join(orjson.dumps(x).decode() for x in lines) + "\n\n")
    rows = table.to_pylist()
    assert [(r["id"], r["author"], r["text"], r["parent"]) for r in rows] == [
        ("7", "99", "hi", None), ("8", "b", "", "7"), ("9", "c", "self", None)]  # its own parent: none
    assert rows[0]["time"] == rows[1]["time"] == datetime(2025, 3, 1, 10, 0)
    assert rows[2]["time"] == datetime(2025, 3, 1, 10, 0, 0, 123000)  # milliseconds
    assert notes == []


def test_some_rows_without_thread_are_said():
    _table, notes = _csv("id,author,text,thread\n1,a,x,t1\n2,b,y,\n")
    assert notes == ["c.csv: 1 of 2 comments have no thread and are compared as one thread of their own"]


@pytest.mark.parametrize("name, head, fmt", [
    ("a.csv", b"{", "csv"), ("a.CSV.gz", b"", "csv"), ("a.jsonl", b"id,author", "jsonl"),
    ("a.ndjson.zst", b"", "jsonl"), ("a.json", b"", "jsonl"), ("comments", b"\xef\xbb\xbf  \n{\"id\": 1}", "jsonl"),
    ("comments.txt", b"id,author,text", "csv"),
])
def test_format_by_extension_then_content(name, head, fmt):
    assert comment_format(name, head) == fmt


@pytest.mark.parametrize("text, message", [
    ("id,author,body\n1,a,x\n", r"^c\.csv:1: missing column 'text' in the header \(columns: id, author, body\)$"),
    ("id,text\n1,x\n", r"^c\.csv:1: missing columns 'author' in the header|^c\.csv:1: missing column 'author'"),
    ("id,author,text,id\n1,a,x,2\n", r"^c\.csv:1: column 'id' appears twice in the header$"),
    ("id,author,text\n1,a,x\n2,b\n", r"^c\.csv:3: 2 fields, but the header has 3$"),
    ("id,author,text\n1,a,x\n\n1,b,y\n", r"^c\.csv:4: duplicate id '1' \(first on line 2\)$"),
    ("id,author,text\n1, ,x\n", r"^c\.csv:2: empty author$"),
    ("id,author,text,time\n1,a,x,yesterday\n",
     r"^c\.csv:2: time 'yesterday' is not a date and time \(write ISO 8601"),
    ("id,author,text,time\n1,a,x,2150-01-01\n",
     r"^c\.csv:2: time 2150-01-01T00:00:00 is out of range \(1970 to 2099\)$"),
    ("id,author,text\n", r"^c\.csv: no comments in the file \(a header line only\)$"),
    ('id,author,text\n1,a,"never closed\n', r"^c\.csv:2: not valid CSV"),
])
def test_csv_errors_name_file_line_and_problem(text, message):
    with pytest.raises(InputError, match=message):
        _csv(text)


@pytest.mark.parametrize("text, message", [
    ('{"id": 1, "author": "a", "text": "x"}\n{"id": 2, "author": "b"\n', r"^c\.jsonl:2: not valid JSON \("),
    ('[1, 2]\n', r"^c\.jsonl:1: a line must be a JSON object with id, author and text, not list$"),
    ('{"id": 1, "text": "x"}\n', r"^c\.jsonl:1: missing column 'author' \(the line has: id, text\)$"),
    ('{"id": 1, "author": "a", "text": "x"}\n\n{"id": 1, "author": "b", "text": "y"}\n',
     r"^c\.jsonl:3: duplicate id '1' \(first on line 1\)$"),
    ('{"id": 1.5, "author": "a", "text": "x"}\n', r"^c\.jsonl:1: id must be text or a whole number, not float$"),
    ('{"id": 1, "author": "a", "text": ["x"]}\n', r"^c\.jsonl:1: text must be text, not list$"),
    ('{"id": 1, "author": "a", "text": "x", "time": true}\n', r"^c\.jsonl:1: time True is not a date and time"),
    ('\n\n', r"^c\.jsonl: no comments in the file$"),
])
def test_jsonl_errors_name_file_line_and_problem(text, message):
    with pytest.raises(InputError, match=message):
        _jsonl(text)


def test_bytes_that_are_not_utf8_name_their_line():
    with pytest.raises(InputError, match=r"^c\.jsonl:2: not UTF-8 text"):
        parse_comments(io.BytesIO(b'{"id": 1, "author": "a", "text": "x"}\n{"id": 2, "text": "\xff"}\n'),
                       "c.jsonl", "jsonl")
    with pytest.raises(InputError, match=r"^c\.csv:\d+: not UTF-8 text"):
        parse_comments(io.BytesIO(b"id,author,text\n1,a,\xff\xfe\n"), "c.csv", "csv")


def test_hostile_text_is_data(tmp_path):
    hostile = ["=cmd|' /C calc'!A0", "'; DROP TABLE posts; --", "$(rm -rf ~)", "<script>alert(1)</script>",
               "\u202eevil\u202c", "nul\x00byte", "🙂" * 3]
    path = tmp_path / "h.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "author", "text"])
        for i, t in enumerate(hostile):
            w.writerow([f"x{i}", t, t])
    table, _ = read_comments(path)
    assert table.column("text").to_pylist() == hostile


def test_gzip_files_are_read_through(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": "a", "author": "u", "text": "hello"}\n'))
    table, _ = read_comments(path)
    assert table.column("id").to_pylist() == ["a"]


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="none.csv: file not found"):
        read_comments(tmp_path / "none.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty.csv: empty file"):
        read_comments(tmp_path / "empty.csv")


def test_fixtures_read():
    for name, n in (("copy_ring.csv", 18), ("paraphrase_ring.jsonl", 39), ("organic_heated.csv", 32)):
        table, notes = read_comments(FIXTURES / name)
        assert table.num_rows == n and notes == []


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, st.one_of(st.none(), _TEXT)), min_size=1, max_size=8))
def test_any_text_round_trips_through_both_formats(rows):
    """Whatever the text (quotes, commas, line breaks, NUL, RTL marks), what is written comes back."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["id", "author", "text", "thread"])
    lines = []
    for i, (author, text, thread) in enumerate(rows):
        author = author.strip() or "a"
        w.writerow([f"i{i}", author, text, thread or ""])
        lines.append(orjson.dumps({"id": f"i{i}", "author": author, "text": text, "thread": thread}))
    expect = [(f"i{i}", (a.strip() or "a"), t, th or "") for i, (a, t, th) in enumerate(rows)]
    for table, _ in (parse_comments(io.BytesIO(buf.getvalue().encode("utf-8")), "x.csv", "csv"),
                     parse_comments(io.BytesIO(b"\n".join(lines)), "x.jsonl", "jsonl")):
        got = [(r["id"], r["author"], r["text"], r["thread"]) for r in table.to_pylist()]
        assert got == expect


def make_store(path: Path, replies: list[tuple[str, str, str, str | None]]) -> Path:
    """A trendtrace store holding one root post per thread and the given replies (id, author, text, parent)."""
    from trendtrace.store import Store

    with Store(path) as store:
        roots = {p for _i, _a, _t, p in replies if p and p.startswith("root")}
        for k, root in enumerate(sorted(roots)):
            store.con.execute("INSERT INTO posts (post_id, account_id, time, kind, text) VALUES (?, ?, ?, 'post', ?)",
                              [root, "news", datetime(2025, 3, 1, 8, k), f"headline {k}"])
        for k, (pid, author, text, parent) in enumerate(replies):
            store.con.execute(
                "INSERT INTO posts (post_id, account_id, time, kind, text, reply_to_post_id) "
                "VALUES (?, ?, ?, 'reply', ?, ?)", [pid, author, datetime(2025, 3, 1, 9, k % 60), text, parent])
    return path


def test_replies_in_a_store_are_comments_threaded_by_their_root(tmp_path):
    db = make_store(tmp_path / "s.duckdb", [
        ("r1", "a", "first reply", "root1"), ("r2", "b", "reply to a reply", "r1"), ("r3", "c", "deeper", "r2"),
        ("r4", "d", "other story", "root2"), ("r5", "e", "reply to a post not in the store", "gone"),
    ])
    table, notes = comments_from_store(db)
    got = {r["id"]: (r["author"], r["thread"], r["parent"]) for r in table.to_pylist()}
    assert got == {"r1": ("a", "root1", "root1"), "r2": ("b", "root1", "r1"), "r3": ("c", "root1", "r2"),
                   "r4": ("d", "root2", "root2"), "r5": ("e", "gone", "gone")}
    assert notes == [f"{db}: 5 replies in 3 reply threads (thread = the post at the root of each chain)"]


def test_a_store_without_replies_is_an_input_error(tmp_path):
    db = make_store(tmp_path / "s.duckdb", [])
    with pytest.raises(InputError, match=r"the store holds no replies"):
        comments_from_store(db)
