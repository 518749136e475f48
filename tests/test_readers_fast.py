"""The vectorised shortcuts of the readers against their plain forms (issue 2, item 9).

``per_distinct`` runs a column conversion once per distinct value and spreads the result back; it
must give exactly the conversion of the whole column. The io-archive reader with and without it
must give identical chunks, on the fixtures and on a simulated file.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings, strategies as st

import trendtrace.readers.io_archive as io_archive
from trendtrace.readers import read
from trendtrace.readers._columns import blank_to_null, hashtag_lists, list_from_text, per_distinct, to_number, url_lists

FX = Path(__file__).parent / "fixtures" / "readers"

_CELLS = ["", " ", "0", "0.0", "12", " 7 ", "1e3", "-2.5", "absent", "nan", "inf", "1e400", "123.0",
          "[]", "['a', 'b']", "['#PTI', 'pti']", "[a, b]", "x|y", "https://Example.com/a?utm_source=x#f",
          "['https://t.co/x', 'http://a.b/']", "True", "false", "اردو", "#हिन्दी", "２０"]
_FNS = {
    "int": lambda a: to_number(a, pa.int64()),
    "float": lambda a: to_number(a, pa.float64()),
    "blank": blank_to_null,
    "ids": io_archive._ids,
    "lists": list_from_text,
    "hashtags": lambda a: hashtag_lists(list_from_text(a)),
    "urls": lambda a: url_lists(list_from_text(a)),
}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(_CELLS), st.text(max_size=6)), max_size=60),
       st.sampled_from(sorted(_FNS)))
def test_per_distinct_equals_whole_column(cells, name):
    fn = _FNS[name]
    arr = pa.array(cells, pa.string())
    want = fn(arr)
    got = per_distinct(arr, fn, min_rows=0, max_share=1.0)
    if isinstance(want, tuple):
        assert all(g.equals(w) for g, w in zip(got, want, strict=False))
    else:
        assert got.equals(want), (got, want)


def test_per_distinct_skips_when_mostly_distinct():
    calls = []

    def fn(a):
        calls.append(len(a))
        return a

    arr = pa.array([str(i) for i in range(5000)])
    assert per_distinct(arr, fn).equals(arr)
    assert calls == [5000]  # whole column: too many distinct values to gain anything
    calls.clear()
    per_distinct(pa.array(["a", "b", None] * 2000), fn)
    assert calls == [3]


def _chunks(path, chunk_rows=50_000):
    out = []
    for c in read(path, "io-archive", None, chunk_rows):
        out.append((c.posts, c.accounts, c.rejects, c.records, c.naive_time))
    return out


def _same(a, b):
    assert len(a) == len(b)
    for (p1, a1, r1, n1, t1), (p2, a2, r2, n2, t2) in zip(a, b, strict=False):
        assert p1.equals(p2) and a1.equals(a2)
        assert (r1, n1, t1) == (r2, n2, t2)


def _plain(monkeypatch):
    monkeypatch.setattr(io_archive, "per_distinct", lambda arr, fn, *a, **k: fn(arr.combine_chunks()
                                                                                if isinstance(arr, pa.ChunkedArray)
                                                                                else arr))


@pytest.mark.parametrize("name", ["io_archive.csv", "io_archive_bad.csv"])
def test_io_archive_fixtures_same_with_and_without_distinct_path(name, monkeypatch):
    import trendtrace.readers._columns as columns

    forced = columns.per_distinct.__defaults__
    monkeypatch.setattr(columns.per_distinct, "__defaults__", (0, 1.0))  # every column via distinct
    fast = _chunks(FX / name, chunk_rows=3)
    monkeypatch.setattr(columns.per_distinct, "__defaults__", forced)
    _plain(monkeypatch)
    _same(fast, _chunks(FX / name, chunk_rows=3))


def test_io_archive_simulated_same_with_and_without_distinct_path(tmp_path, monkeypatch):
    from trendtrace.simulate import simulate

    sim = simulate(tmp_path / "sim", scenario="small", seed=3, posts=6000, fmt="io-archive")
    (path,) = sim.data_paths
    fast = _chunks(path, chunk_rows=2500)
    assert sum(c[0].num_rows for c in fast) >= 5000
    _plain(monkeypatch)
    _same(fast, _chunks(path, chunk_rows=2500))
