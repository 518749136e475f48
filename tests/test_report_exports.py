"""The files write_outputs writes: contract columns, spreadsheet-safe cells, Parquet copies,
GEXF/GraphML with evidence, pseudonyms in every file, and stores with missing tables."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET

import duckdb
import pyarrow.parquet as pq
import pytest

from trendtrace.report import write_outputs
from trendtrace.settings import Settings

from _report_fixture import RESULT_TABLES, build_fixture

FILES = ["accounts.csv", "accounts.parquet", "edges.csv", "edges.parquet", "clusters.csv",
         "clusters.parquet", "trends.csv", "trends.parquet", "overlap.csv", "overlap.parquet",
         "evidence.csv", "evidence.parquet", "network.gexf", "network.graphml", "report.json", "report.html"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_fixture(tmp_path_factory.mktemp("exp") / "fx.duckdb")


def _write(store, out, **overrides):
    con = duckdb.connect(str(store), read_only=True)
    try:
        return write_outputs(con, out, Settings(**overrides))
    finally:
        con.close()


@pytest.fixture(scope="module")
def out(store, tmp_path_factory):
    d = tmp_path_factory.mktemp("out")
    written = _write(store, d)
    assert [p.name for p in written] == FILES
    return d


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_accounts_csv_has_exactly_the_contract_columns(out, store):
    with open(out / "accounts.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["account_id", "handle", "posts", "coordinated", "cluster", "coordination_score",
                      "inauthenticity_score", "utc_offset", "reasons"]
    rows = {r["account_id"]: r for r in _csv(out / "accounts.csv")}
    assert len(rows) == 54
    a0, a20 = rows["a0"], rows["a20"]
    assert a0["coordinated"] == "true" and a0["cluster"] == "0" and a0["posts"] == "11"
    assert a20["coordinated"] == "false" and a20["cluster"] == "" and a20["utc_offset"] == "5"
    # posts are counted from the posts table
    con = duckdb.connect(str(store), read_only=True)
    counts = dict(con.execute("SELECT account_id, count(*) FROM posts GROUP BY 1").fetchall())
    con.close()
    assert {k: int(r["posts"]) for k, r in rows.items()} == {k: counts.get(k, 0) for k in rows}


def test_contract_columns_of_the_other_csvs(out):
    def header(name):
        with open(out / name, encoding="utf-8") as f:
            return next(csv.reader(f))
    assert header("edges.csv") == ["account_a", "account_b", "handle_a", "handle_b", "traces", "co_actions",
                                   "weight", "p_value"]
    assert header("evidence.csv") == ["account_a", "account_b", "trace", "post_a", "post_b", "handle_a",
                                      "handle_b", "time_a", "time_b", "text_a", "text_b", "url_a", "url_b",
                                      "object", "example"]
    assert header("clusters.csv") == ["cluster", "accounts", "posts", "traces", "top_hashtags", "utc_offset"]
    assert header("trends.csv")[:10] == ["trend", "posts", "accounts", "coordinated_share",
                                         "inauthentic_share", "verdict", "score", "cost_usd_low",
                                         "cost_usd_high", "evidence"]
    assert header("overlap.csv") == ["campaign_a", "campaign_b", "shared_accounts", "jaccard"]
    clusters = _csv(out / "clusters.csv")
    assert [c["utc_offset"] for c in clusters] == ["3", "3"]


@pytest.mark.parametrize("name", ["accounts", "edges", "clusters", "trends", "overlap", "evidence"])
def test_no_text_cell_can_run_as_a_formula(out, name):
    rows = _csv(out / f"{name}.csv")
    assert rows
    table = pq.read_table(out / f"{name}.parquet")
    numeric = {f.name for f in table.schema if not (str(f.type) in ("string", "large_string"))}
    hits = 0
    for r in rows:
        for k, v in r.items():
            if k in numeric:
                if v != "" and v not in ("true", "false"):
                    float(v)  # plain numbers stay plain numbers
                continue
            assert not v.startswith(DANGEROUS), (name, k, v)
            hits += v.startswith("'")
    if name in ("accounts", "trends", "overlap", "edges", "evidence"):
        assert hits > 0  # the fixture's formulas were found and defused


def test_parquet_copies_hold_the_same_rows_unprefixed(out):
    for name in ("accounts", "edges", "clusters", "trends", "overlap", "evidence"):
        rows = _csv(out / f"{name}.csv")
        table = pq.read_table(out / f"{name}.parquet")
        assert table.num_rows == len(rows) and table.column_names == list(rows[0])
    accounts = pq.read_table(out / "accounts.parquet").to_pylist()
    a1 = next(r for r in accounts if r["account_id"] == "a1")
    assert a1["handle"] == "=cmd|' /C calc'!A0" and a1["coordinated"] is True
    csv_a1 = next(r for r in _csv(out / "accounts.csv") if r["account_id"] == "a1")
    assert csv_a1["handle"] == "'=cmd|' /C calc'!A0"


def test_evidence_csv_holds_every_example_with_both_handles(out, store):
    """One row per ``edge_evidence`` row; the handles are the accounts' (hostile ones defused); the
    fixture's post ids are not X status ids, so no permalink is made up for them."""
    con = duckdb.connect(str(store), read_only=True)
    n = con.execute("SELECT count(*) FROM edge_evidence").fetchall()[0][0]
    handle = dict(con.execute("SELECT account_id, handle FROM accounts").fetchall())
    con.close()
    rows = pq.read_table(out / "evidence.parquet").to_pylist()
    assert len(rows) == n > 10
    for r in rows:
        assert (r["handle_a"], r["handle_b"]) == (handle[r["account_a"]], handle[r["account_b"]])
        assert r["url_a"] is None and r["url_b"] is None and r["post_a"] and r["text_a"] is not None
    edges = pq.read_table(out / "edges.parquet").to_pylist()
    assert all(e["handle_a"] == handle[e["account_a"]] for e in edges)


def test_gexf_and_graphml_parse_with_attributes_and_evidence(out):
    ns = {"g": "http://www.gexf.net/1.2draft"}
    root = ET.parse(out / "network.gexf").getroot()
    nodes = root.findall(".//g:node", ns)
    edges = root.findall(".//g:edge", ns)
    assert len(nodes) == 14 and len(edges) == 43
    titles = {a.get("id"): a.get("title") for a in root.findall(".//g:attributes/g:attribute", ns)}
    e0 = {titles[v.get("for")]: v.get("value") for v in edges[0].findall(".//g:attvalue", ns)}
    assert e0["traces"] == "retweet|hashtag" and e0["co_actions"] == "20"
    assert "<script>" in e0["evidence"] and "p" in e0["evidence_posts"]
    assert "\x07" not in (out / "network.gexf").read_text("utf-8")  # XML-illegal characters dropped
    labels = {n.get("label") for n in nodes}
    assert "<script>window.__xss=1;alert('xss')</script>" in labels  # escaped, parsed back intact
    groot = ET.parse(out / "network.graphml").getroot()
    gns = {"m": "http://graphml.graphdrawing.org/xmlns"}
    assert len(groot.findall(".//m:node", gns)) == 14 and len(groot.findall(".//m:edge", gns)) == 43
    keys = {k.get("attr.name") for k in groot.findall("m:key", gns)}
    assert {"weight", "evidence", "cluster", "handle", "inauthenticity_score"} <= keys


def test_gexf_carries_the_reports_colours_sizes_layout_and_times(out):
    """Gephi opens the graph as the report drew it: viz colour = the cluster's colour in the
    report, viz size by posts, viz position from report.json's layout (y up), and time intervals
    (first to last post per node, first to last example co-action per edge) for the timeline."""
    from trendtrace.report._svg import cluster_colour

    ns = {"g": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    root = ET.parse(out / "network.gexf").getroot()
    graph = root.find("g:graph", ns)
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "datetime"
    titles = {a.get("id"): a.get("title") for a in root.findall(".//g:attributes/g:attribute", ns)}
    layout = {n["id"]: n for n in json.loads((out / "report.json").read_text("utf-8"))["network"]["nodes"]}
    positioned = 0
    for node in root.findall(".//g:node", ns):
        attrs = {titles[v.get("for")]: v.get("value") for v in node.findall(".//g:attvalue", ns)}
        colour = node.find("viz:color", ns)
        expected = cluster_colour(attrs.get("cluster"))
        assert "#" + "".join(f"{int(colour.get(c)):02x}" for c in "rgb") == expected.lower()
        assert 3 <= float(node.find("viz:size", ns).get("value")) <= 12
        assert node.get("start") <= node.get("end") and node.get("start").startswith("20")
        pos = node.find("viz:position", ns)
        if node.get("id") in layout:
            positioned += 1
            assert float(pos.get("x")) == pytest.approx(1000 * layout[node.get("id")]["x"], abs=0.06)
            assert float(pos.get("y")) == pytest.approx(-1000 * layout[node.get("id")]["y"], abs=0.06)
    assert positioned == len(layout) > 0
    edges = root.findall(".//g:edge", ns)
    assert all(e.get("start") and e.get("start") <= e.get("end") for e in edges)
    groot = ET.parse(out / "network.graphml").getroot()
    gns = {"m": "http://graphml.graphdrawing.org/xmlns"}
    labels = [d.text for d in groot.findall(".//m:node/m:data[@key='n_label']", gns)]
    assert len(labels) == 14 and all(t.startswith("@") for t in labels)


def test_report_json_is_the_report_data(out):
    d = json.loads((out / "report.json").read_text("utf-8"))
    assert d["schema"] == "trendtrace.report/1" and d["summary"]["edges"] == 43


def test_pseudonymize_hides_ids_and_handles_in_every_file(store, tmp_path):
    con = duckdb.connect(str(store), read_only=True)
    ids = [r[0] for r in con.execute("SELECT account_id FROM accounts").fetchall()]
    handles = [r[0] for r in con.execute("SELECT handle FROM accounts").fetchall()]
    [r[0] for r in con.execute("SELECT display_name FROM accounts").fetchall()]
    con.close()
    written = _write(store, tmp_path / "p", pseudonymize=True, pseudonym_salt="fixed-7d0f3b9e2a4c6e8f1a3b5c7d9e0f2a4b")
    ids_quoted = [f'"{i}"' for i in ids]
    for path in written:
        if path.suffix == ".parquet":
            values = set()
            for col in pq.read_table(path).columns:
                values |= {v for v in col.to_pylist() if isinstance(v, str)}
            assert not values & set(ids), path.name
            assert not values & set(handles), path.name
            continue
        text = path.read_text("utf-8")
        for q in ids_quoted:
            assert q not in text, (path.name, q)
        for h in handles:
            if h.replace("_", "").isalnum():
                assert not re.search(rf"(?<!\w){re.escape(h)}(?!\w)", text), (path.name, h)
        for n in ("Daily News 24", "Person 13"):
            assert n not in text, (path.name, n)
    rows = _csv(tmp_path / "p" / "accounts.csv")
    assert all(r["account_id"].startswith("acct_") and r["handle"].startswith("user_") for r in rows)
    # a given salt gives the same pseudonyms; none gives new ones each run
    again = _write(store, tmp_path / "q", pseudonymize=True, pseudonym_salt="fixed-7d0f3b9e2a4c6e8f1a3b5c7d9e0f2a4b")
    assert (again[0]).read_text("utf-8") == (tmp_path / "p" / "accounts.csv").read_text("utf-8")
    # (a random salt per run is checked on the Pseudonymizer itself in test_report_data.py)
    edges = _csv(tmp_path / "p" / "edges.csv")
    assert {e["account_a"] for e in edges} <= {r["account_id"] for r in rows}


def test_store_with_only_posts_writes_headers_and_a_report(tmp_path):
    path = build_fixture(tmp_path / "bare.duckdb", omit=RESULT_TABLES)
    written = _write(path, tmp_path / "o")
    assert [p.name for p in written] == FILES
    assert _csv(tmp_path / "o" / "edges.csv") == []
    assert (tmp_path / "o" / "edges.csv").read_text().startswith('"account_a","account_b"')
    accounts = _csv(tmp_path / "o" / "accounts.csv")
    assert len(accounts) == 54 and all(r["coordinated"] == "false" and r["cluster"] == "" for r in accounts)
    assert "not computed" in (tmp_path / "o" / "report.html").read_text("utf-8")
    assert not [p for p in (tmp_path / "o").iterdir() if p.name.startswith(".")]  # no temp files left


def test_failed_write_leaves_no_partial_file(store, tmp_path, monkeypatch):
    import trendtrace.report.exports as ex

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ex, "write_gexf", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        _write(store, tmp_path)
    assert not (tmp_path / "network.gexf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
