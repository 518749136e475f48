"""The dashboard: pages, search, filtered downloads, one JSON error shape, read-only, no traversal."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from fastapi.testclient import TestClient

from trendtrace.report.serve import StoreNotFound, create_app

from _report_fixture import RESULT_TABLES, build_fixture


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_fixture(tmp_path_factory.mktemp("srv") / "fx.duckdb")


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(store), base_url="http://127.0.0.1") as c:
        yield c


def _error(r, status, pattern):
    assert r.status_code == status
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == status
    assert pytest.importorskip("re").search(pattern, body["error"]["detail"]), body


@pytest.mark.parametrize("url, text", [
    ("/", "look manufactured"), ("/trends", "/trends/boycott_x"), ("/trends?verdict=organic", "/trends/cricket"),
    ("/trends/boycott_x", "Accounts that posted it"), ("/trends/%3Dcmd", "manufactured"),
    ("/clusters", "cluster 1"), ("/clusters/0", "Members"), ("/accounts", "news_1324"),
    ("/accounts/a3", "[U+202E]"), ("/search?q=news", "news_1324"), ("/search?q=%23boy", "/trends/boycott_x"),
])
def test_pages_render(client, url, text):
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert text in r.text
    assert "<script>window.__xss" not in r.text and "\u202e" not in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_filters_narrow_the_pages(client):
    organic = client.get("/trends?verdict=organic").text
    assert "/trends/boycott_x" not in organic
    r = client.get("/api/accounts", params={"cluster": "1"}).json()
    assert r["total"] == 6 and {a["cluster"] for a in r["rows"]} == {"1"}
    r = client.get("/api/accounts", params={"coordinated": "false", "min_score": 0.2}).json()
    assert r["total"] > 0 and all(not a["coordinated"] for a in r["rows"])


def test_filtered_csv_download_is_safe(client):
    r = client.get("/download/accounts.csv", params={"cluster": "0"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="accounts.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 8 and {x["cluster"] for x in rows} == {"0"}
    assert any(x["handle"] == "'=cmd|' /C calc'!A0" for x in rows)
    assert all(not x["handle"].startswith(("=", "+", "-", "@", "\t")) for x in rows)
    edges = list(csv.DictReader(io.StringIO(client.get("/download/edges.csv?account=a13").text)))
    assert len(edges) == 5 and all("a13" in (e["account_a"], e["account_b"]) for e in edges)
    trends = list(csv.DictReader(io.StringIO(client.get("/download/trends.csv?verdict=manufactured").text)))
    assert {t["verdict"] for t in trends} == {"manufactured"}


def test_one_json_error_shape(client):
    _error(client.get("/accounts/nope"), 404, "no account 'nope'")
    _error(client.get("/clusters/99"), 404, "no cluster '99'")
    _error(client.get("/trends/never_used"), 404, "no trend 'never_used'")
    _error(client.get("/download/posts.csv"), 404, "no download 'posts'")
    _error(client.get("/nowhere"), 404, "no page at '/nowhere'")
    _error(client.get("/accounts?min_score=7"), 422, "min_score: Input should be less than or equal to 1")
    _error(client.get("/accounts?page=0"), 422, "page")
    _error(client.post("/accounts"), 405, "Method Not Allowed")
    _error(client.get("/", headers={"host": "evil.example"}), 400, "host 'evil.example' is not served")


def test_no_path_traversal(client):
    for url in ["/download/..%2F..%2Fetc%2Fpasswd.csv", "/download/../../etc/passwd",
                "/static/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"]:
        r = client.get(url)
        assert r.status_code == 404 and "root:" not in r.text
        assert r.json()["error"]["status"] == 404


def test_input_never_becomes_sql(client, store):
    evil = "'; DROP TABLE posts; --"
    for url in ["/search", "/api/search"]:
        assert client.get(url, params={"q": evil}).status_code == 200
    assert client.get("/api/accounts", params={"q": evil, "cluster": "1 OR 1=1"}).json()["total"] == 0
    assert client.get("/trends/" + evil.replace("/", "")).status_code == 404
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM posts").fetchall()[0][0] == 1459
    con.close()


def test_store_is_opened_read_only(store):
    app = create_app(store)
    # a read-only DuckDB handle in this process forbids a writer on the same file
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(store)).execute("CREATE TABLE x (a INT)")
    del app


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreNotFound, match="no store at .*run 'trendtrace ingest'"):
        create_app(tmp_path / "none.duckdb")


def test_dashboard_on_a_store_without_results(tmp_path):
    path = build_fixture(tmp_path / "bare.duckdb", omit=RESULT_TABLES)
    with TestClient(create_app(path), base_url="http://127.0.0.1") as c:
        assert "not computed" in c.get("/").text
        assert c.get("/accounts").status_code == 200
        assert c.get("/trends").status_code == 200 and "not computed" in c.get("/trends").text
        assert list(csv.reader(io.StringIO(c.get("/download/edges.csv").text)))[0][0] == "account_a"
