"""The comment-thread simulator: seeded, truthful, scalable, and readable by ``trendtrace comments``."""

from __future__ import annotations

from collections import Counter

import pyarrow.csv as pacsv
import pytest

from trendtrace.comments import COMMENT_SCHEMA, read_comments
from trendtrace.simulate.comments import TOPICS, TRUTH_FILE, comment_threads, write_comment_threads


def test_same_seed_same_threads_other_seed_other_threads():
    a, ta = comment_threads(1500, seed=3)
    b, tb = comment_threads(1500, seed=3)
    c, _ = comment_threads(1500, seed=4)
    assert a.equals(b) and ta.equals(tb)
    assert not a.equals(c)


def test_truth_describes_every_comment():
    table, truth = comment_threads(4000, seed=9, ring_share=0.3)
    assert table.schema == COMMENT_SCHEMA
    assert truth.column("id").equals(table.column("id"))
    assert 4000 <= table.num_rows < 4000 + 400  # the last thread may run over
    assert len(set(table.column("id").to_pylist())) == table.num_rows
    rows = table.to_pylist()
    t = truth.to_pylist()
    by_id = {r["id"]: (r, x) for r, x in zip(rows, t, strict=True)}
    roles = Counter(x["role"] for x in t)
    assert set(roles) == {"organic", "organic_agree", "ring", "ring_agree"}
    rings: dict[str, list[dict]] = {}
    for r, x in zip(rows, t, strict=True):
        if x["role"] == "ring":
            rings.setdefault(x["ring"], []).append(r)
            assert r["parent"] is None
        elif x["role"] == "ring_agree":  # agreement under a comment of its own ring, by another account
            parent, ptruth = by_id[r["parent"]]
            assert ptruth["ring"] == x["ring"] and ptruth["role"] == "ring" and parent["author"] != r["author"]
        else:
            assert x["ring"] == ""
    for members in rings.values():
        assert 4 <= len(members) <= 12
        assert len({m["author"] for m in members}) == len(members)
        assert len({m["thread"] for m in members}) == 1
    # a ring's comments are polite full sentences; organic ones often are not
    assert all(m["text"][0].isupper() and m["text"].endswith(".") for ms in rings.values() for m in ms)
    topics = {r["thread"].split("-")[0] for r in rows}
    assert topics == set(TOPICS)


def test_organic_only_and_bad_arguments():
    _, truth = comment_threads(800, seed=1, ring_share=0)
    assert set(truth.column("role").to_pylist()) <= {"organic", "organic_agree"}
    with pytest.raises(ValueError, match="ring_share must be between 0 and 1"):
        comment_threads(10, ring_share=2)
    with pytest.raises(ValueError, match="unknown topic 'sports'"):
        comment_threads(10, topics=("sports",))
    with pytest.raises(ValueError, match="comments must be 1 or more"):
        comment_threads(0)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_written_files_read_back(tmp_path, fmt):
    path, truth_path = write_comment_threads(tmp_path, 600, seed=2, fmt=fmt)
    assert path.name == f"comments.{fmt}" and truth_path.name == TRUTH_FILE
    table, notes = read_comments(path)
    expected, _ = comment_threads(600, seed=2)
    assert notes == []
    assert table.equals(expected)
    assert pacsv.read_csv(truth_path).num_rows == table.num_rows
    again, _ = write_comment_threads(tmp_path / "again", 600, seed=2, fmt=fmt)
    assert again.read_bytes() == path.read_bytes()
