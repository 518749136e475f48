"""The dashboard: pages, search, filtered downloads, one JSON error shape, read-only, no traversal."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from fastapi.testclient import TestClient

from trendtrace.report.serve import StoreNotFound, create_app

from _cli import one_error
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
    assert re.search(pattern, body["error"]["detail"]), body


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


# ------------------------------------------------------------------------ issue 14: hostile input

import html as _html
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from trendtrace.report.html import content_security_policy
from trendtrace.report.serve import ServeError, check_host, detail_href, is_loopback, listen

#: Ids and hashtags an outsider can choose: every character that a URL path treats specially, a
#: right-to-left text, an emoji, and the two ids a browser resolves as path steps.
WEIRD_IDS = {"a6": "a/b", "a7": "50%", "a8": "why?x", "a9": "#1", "a10": "with space",
             "a11": "مرحبا", "a12": "🙂", "a13": "..", "a20": ".", "a21": "a/../b", "a22": "%2F"}
WEIRD_TAGS = {"chai": "c/h", "weather": "50%_off", "lahore": "q?x#y", "news": "🙂 emoji",
              "pakvind": ".."}


def _sql_text(s):
    return "'" + s.replace("'", "''") + "'"


def build_weird(path):
    """The hostile fixture with the ids and hashtags of WEIRD_IDS / WEIRD_TAGS renamed in every table."""
    path = build_fixture(path)
    con = duckdb.connect(str(path))
    cols = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = 'main' AND column_name IN ('account_id', 'account_a', "
                       "'account_b')").fetchall()
    for table, column in cols:
        for old, new in WEIRD_IDS.items():
            con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [new, old])
    for old, new in WEIRD_TAGS.items():
        con.execute(f"UPDATE posts SET hashtags = list_transform(hashtags, lambda h: CASE WHEN h = "
                    f"{_sql_text(old)} THEN {_sql_text(new)} ELSE h END)")
        for table, column in [("trends", "trend"), ("trend_timeline", "trend"),
                              ("overlap", "campaign_a"), ("overlap", "campaign_b")]:
            con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [new, old])
    con.close()
    return path


@pytest.fixture(scope="module")
def weird_store(tmp_path_factory):
    return build_weird(tmp_path_factory.mktemp("weird") / "weird.duckdb")


_LINK = re.compile(r'href="(/(?:accounts|trends|clusters)/[^"]*)"')


def test_every_id_and_hashtag_opens_by_following_the_links(weird_store):
    """Crawl the dashboard from its list pages and follow every detail link it generates."""
    seen_accounts, seen_tags, todo, done = set(), set(), ["/", "/trends", "/accounts", "/clusters",
                                                          "/search?q=%23"], set()
    with TestClient(create_app(weird_store), base_url="http://127.0.0.1") as c:
        while todo:
            url = todo.pop()
            if url in done:
                continue
            done.add(url)
            r = c.get(url)
            assert r.status_code == 200, (url, r.text[:300])
            for href in _LINK.findall(r.text):
                todo.append(_html.unescape(href))
            # the page opened is the one the link named (its id in the heading)
            for kind, seen, names in [("/accounts/", seen_accounts, WEIRD_IDS.values()),
                                      ("/trends/", seen_tags, WEIRD_TAGS.values())]:
                if url.startswith(kind):
                    heading = re.search(r"<h2>(.*?)</h2>", r.text, re.S).group(1)
                    seen.update(n for n in names if f"<bdi>{_html.escape(n, quote=False)}</bdi>" in heading)
        assert seen_accounts == set(WEIRD_IDS.values())
        assert seen_tags == set(WEIRD_TAGS.values())
        # the JSON API takes the same paths
        assert c.get("/api/accounts/a%2Fb").json()["account"]["account_id"] == "a/b"
        assert c.get("/api/accounts/?id=..").json()["account"]["account_id"] == ".."
        assert c.get("/trends/q%3Fx%23y").status_code == 200
        _error(c.get("/accounts/"), 404, r"no account id given: open /accounts/ID")


@pytest.mark.parametrize("value, href", [
    ("a/b", "/accounts/a%2Fb"), ("50%", "/accounts/50%25"), ("why?x", "/accounts/why%3Fx"),
    ("#1", "/accounts/%231"), ("with space", "/accounts/with%20space"), ("🙂", "/accounts/%F0%9F%99%82"),
    ("..", "/accounts/?id=.."), (".", "/accounts/?id=."), ("a/../b", "/accounts/a%2F..%2Fb"), (7, "/accounts/7"),
])
def test_detail_href_keeps_every_id_one_segment(value, href):
    assert detail_href(value, "/accounts/") == href


@pytest.mark.parametrize("url, pattern", [
    ("/accounts?page=1e20", "page: Input should be a valid integer"),
    ("/accounts?page=100000000000000000000", "page: Input should be less than or equal to 10000000"),
    ("/trends?page=-1", "page: Input should be greater than or equal to 1"),
    ("/api/accounts?page=abc", "page: Input should be a valid integer"),
    ("/api/trends?page=99999999999999", "page: Input should be less than or equal to"),
    ("/accounts?min_score=nan", "min_score"), ("/download/accounts.csv?min_score=inf", "min_score"),
    ("/download/edges.csv?min_weight=nan", "min_weight: Input should be a finite number"),
    ("/download/edges.csv?min_weight=-1", "min_weight: Input should be greater than or equal to 0"),
    ("/accounts?q=" + "x" * 1001, "q: String should have at most 1000 characters"),
])
def test_numbers_and_texts_are_bounded(client, url, pattern):
    _error(client.get(url), 422, pattern)


def test_an_unexpected_error_keeps_the_shape_and_the_headers(store):
    app = create_app(store)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        r = c.get("/boom")
        _error(r, 500, "internal error; the server log has the details")
        assert "kaboom" not in r.text and "default-src 'none'" in r.headers["content-security-policy"]


def test_ingested_but_not_analysed_store_says_not_computed(tmp_path):
    path = build_fixture(tmp_path / "ingested.duckdb", omit=RESULT_TABLES)
    with TestClient(create_app(path), base_url="http://127.0.0.1") as c:
        for url in ["/", "/trends", "/accounts", "/clusters", "/search?q=a", "/search?q=%23boy",
                    "/trends/boycott_x", "/accounts/a0", "/search?q=%40news"]:
            r = c.get(url)
            assert r.status_code == 200, (url, r.text[:300])
            assert "not computed" in r.text, url
        assert "/trends/boycott_x" in c.get("/search?q=%23boy").text  # hashtags come from the posts
        _error(c.get("/clusters/0"), 404, r"no cluster '0' in this store \(clusters are not computed")
        for name in ["accounts", "edges", "clusters", "trends", "overlap"]:
            r = c.get(f"/download/{name}.csv")
            assert r.status_code == 200 and r.text.splitlines()[0], name
        assert len(list(csv.DictReader(io.StringIO(c.get("/download/accounts.csv").text)))) == 54
        for url, missing in [("/api/trends", ["trends"]),
                             ("/api/accounts", ["account_coordination", "account_signals"]),
                             ("/api/accounts/a0", ["account_coordination", "account_signals", "edges"]),
                             ("/api/search?q=boy", ["trends", "account_coordination", "account_signals"])]:
            body = c.get(url).json()
            assert body["not_computed"] == missing, url
            assert body["note"].startswith("not computed for this store: ") and "trendtrace analyze" in body["note"]
        assert c.get("/api/search?q=%23boy").json()["trends"][0]["trend"] == "boycott_x"
    with TestClient(create_app(store_path := build_fixture(tmp_path / "full.duckdb")),
                    base_url="http://127.0.0.1") as c:
        assert c.get("/api/trends").json()["not_computed"] == [] and "note" not in c.get("/api/trends").json()
    del store_path


# ------------------------------------------------------------------------ access token (--expose)

TOKEN = "s3cret-token_0123456789abcdefghijklmnopqrstuv"


@pytest.fixture(scope="module")
def exposed(store):
    with TestClient(create_app(store, token=TOKEN, allowed_hosts=("*",)), base_url="http://192.0.2.7") as c:
        yield c


def test_exposed_dashboard_needs_the_token(exposed):
    r = exposed.get("/", headers={"host": "dashboard.example:8000"})
    _error(r, 401, "needs its access token: open the URL that 'trendtrace serve --expose' printed")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    _error(exposed.get("/api/report", params={"token": "guess"}), 403, "wrong access token")
    _error(exposed.get("/", headers={"authorization": "Bearer guess"}), 403, "wrong access token")
    _error(exposed.get("/", params={"token": "é" * 10}), 403, "wrong access token")  # non-ASCII: no crash
    exposed.cookies.clear()
    assert exposed.get("/healthz", headers={"authorization": f"Bearer {TOKEN}"}).json() == {"ok": True}
    assert "set-cookie" not in exposed.get("/healthz", headers={"authorization": f"Bearer {TOKEN}"}).headers


def test_the_token_url_sets_a_strict_http_only_cookie_for_the_links(exposed):
    exposed.cookies.clear()
    r = exposed.get("/", params={"token": TOKEN})
    assert r.status_code == 200 and "served to the network" in r.text
    assert r.headers["content-security-policy"] == content_security_policy() + "; frame-ancestors 'none'"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"trendtrace_token={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert exposed.get("/accounts/a3").status_code == 200  # a link followed with the cookie only
    exposed.cookies.clear()
    exposed.cookies.set("trendtrace_token", "stale")
    _error(exposed.get("/accounts/a3"), 403, "wrong access token")
    exposed.cookies.clear()


def test_loopback_dashboard_still_checks_the_host(client):
    _error(client.get("/", headers={"host": "localhost.evil.example"}), 400, "is not served")
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200
    assert "set-cookie" not in client.get("/", params={"token": "x"}).headers


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.5", False), ("example.org", False),
    ("localhost.example.org", False),
])
def test_which_hosts_are_loopback(host, loopback):
    assert is_loopback(host) is loopback
    if not loopback:
        with pytest.raises(ServeError, match="is not a loopback address: .*add --expose"):
            check_host(host, expose=False)
    check_host(host, expose=True)


def test_listen_on_a_taken_port_is_a_clear_error():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(ServeError, match=rf"^port {port} on 127.0.0.1 is in use; choose another with --port$"):
            listen("127.0.0.1", port)


# ------------------------------------------------------------------------ the real command

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _cli(*args, **kw):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return [sys.executable, "-c", "from trendtrace.cli import main; main()", *args], env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_refuses_a_non_loopback_host_without_expose(store):
    cmd, env = _cli("serve", "--db", str(store), "--host", "0.0.0.0", "--port", str(_free_port()))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    one_error(proc, r"^Error: --host 0\.0\.0\.0 is not a loopback address: anyone who can reach "
                          r"this machine could read the store; add --expose")


def test_cli_port_in_use_is_one_line_and_exit_1(store):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        cmd, env = _cli("serve", "--db", str(store), "--port", str(port))
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    one_error(proc, rf"^Error: port {port} on 127\.0\.0\.1 is in use; choose another with --port$")
    assert "Traceback" not in proc.stderr and "Errno" not in proc.stderr


def _get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def test_cli_expose_prints_a_token_and_requires_it(weird_store):
    # --expose on loopback: the same token path as 0.0.0.0, without opening a port to the network
    # during the test suite (the non-loopback refusal is tested above).
    port = _free_port()
    cmd, env = _cli("serve", "--db", str(weird_store), "--port", str(port), "--expose")
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any(line.startswith("open ") for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        url = next(line for line in lines if line.startswith("open ")).split()[1]
        assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/\?token=[A-Za-z0-9_-]{{43}}", url), url
        token = url.split("token=")[1]
        assert any("WARNING: anyone with this token and network access" in line for line in lines)
        base = f"http://127.0.0.1:{port}"
        while True:  # the socket is bound before the line is printed; uvicorn starts listening next
            try:
                status, headers, body = _get(base + "/healthz")
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert status == 401 and '"status":401' in body
        assert _get(base + "/?token=wrong")[0] == 403
        status, headers, body = _get(url)
        assert status == 200 and "HttpOnly" in headers["Set-Cookie"] and "served to the network" in body
        cookie = headers["Set-Cookie"].split(";")[0]
        # a generated link, followed with the cookie, through the real server: an id with '/'
        assert 'href="/accounts/a%2Fb"' in _get(base + "/accounts?q=a%2Fb", {"Cookie": cookie})[2]
        status, _, body = _get(base + "/accounts/a%2Fb", {"Cookie": cookie})
        assert status == 200 and "a/b" in body
        assert _get(base + "/api/accounts?page=1e20", {"Authorization": f"Bearer {token}"})[0] == 422
        assert _get(base + "/api/accounts?page=100000000000000000000",
                    {"Authorization": f"Bearer {token}"})[0] == 422
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the way to stop it, not an error
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        reader.join(timeout=5)
    assert proc.returncode == 0, "".join(lines)
    assert not any(line.startswith("Error") for line in lines), "".join(lines)
    assert sum(token in line for line in lines) == 1  # printed once
    assert "Traceback" not in "".join(lines)


def test_search_finds_post_text_shown_as_text(client):
    r = client.get("/search", params={"q": "window.__xss"})
    assert r.status_code == 200
    page = r.text
    assert "<h3>Posts</h3>" in page and "Posts whose text contains" in page
    assert "&lt;script&gt;window.__xss=1" in page and "<script>window.__xss" not in page
    api = client.get("/api/search", params={"q": "window.__xss"}).json()
    assert api["posts"] and all("window.__xss" in p["text"].lower() for p in api["posts"])
    assert client.get("/api/search", params={"q": "#boycott_x"}).json()["posts"] == []  # tags only


def test_sql_page_runs_one_bound_select(client, store):
    con = duckdb.connect(str(store), read_only=True)
    n = con.execute("SELECT count(*) FROM posts WHERE account_id = 'a1'").fetchall()[0][0]
    con.close()
    r = client.get("/api/sql", params={"q": "SELECT count(*) AS n FROM posts WHERE account_id = ?", "p": "a1"})
    assert r.status_code == 200 and r.json() == {"columns": ["n"], "rows": [[n]], "truncated": False}
    page = client.get("/sql", params={"q": "SELECT handle FROM accounts ORDER BY account_id LIMIT 3"}).text
    assert "<table" in page and "3 rows" in page and "<script>window.__xss" not in page
    big = client.get("/api/sql", params={"q": "SELECT * FROM range(5000)"}).json()
    assert len(big["rows"]) == 1000 and big["truncated"] is True


@pytest.mark.parametrize("q, why", [
    ("DELETE FROM posts", r"only SELECT queries run here \(got DELETE\)"),
    ("CREATE TABLE t AS SELECT 1", r"only SELECT"),
    ("SELECT 1; SELECT 2", r"exactly one statement \(got 2\)"),
    ("SELECT * FROM read_csv('/etc/passwd')", r"disabled by configuration|Permission"),
    ("SELECT * FROM read_text('/etc/hostname')", r"disabled by configuration|Permission"),
    ("SELECT * FROM nope", r"SQL: Catalog Error"),
    ("SELEC 1", r"SQL: Parser Error"),
])
def test_sql_page_refuses_anything_but_a_read(client, q, why):
    _error(client.get("/api/sql", params={"q": q}), 400, why)
    page = client.get("/sql", params={"q": q})
    assert page.status_code == 200 and 'class="error"' in page.text


def test_sql_is_stopped_after_its_time(store):
    from trendtrace.report.serve import _Error, run_sql

    con = duckdb.connect(str(store), read_only=True)
    try:
        with pytest.raises(_Error, match=r"stopped after 0.5 s"):
            run_sql(con.cursor(), "SELECT count(*) FROM range(100000000000) a", seconds=0.5)
    finally:
        con.close()
