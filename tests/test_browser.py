"""The report and the dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright): charts and tables rendered, the network's evidence panel works, hostile text stays
text, no network request leaves the page, print layout hides the controls.

Needs ``apt-get install chromium`` and ``pip install playwright`` (no browser download: Playwright
drives the system Chromium). Without them every test here is skipped with the reason.

Screenshots: set ``TRENDTRACE_SCREENSHOTS=docs/img`` to keep them (README images); optionally
``TRENDTRACE_SCREENSHOT_DB=path/to/trendtrace.duckdb`` to take the report's first screenshot from an
analysed store (e.g. the demo's) instead of the hostile fixture.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import duckdb
import pytest

from trendtrace.report import write_outputs
from trendtrace.settings import Settings

from _report_fixture import build_fixture

CHROMIUM = Path(os.environ.get("TRENDTRACE_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        # A persistent context gives Chromium its own new, empty user-data-dir.
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=str(CHROMIUM),
                                                   args=ARGS, headless=True,
                                                   viewport={"width": 1280, "height": 900})
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_fixture(tmp_path_factory.mktemp("br") / "fx.duckdb")


@pytest.fixture(scope="module")
def report_file(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("br-out")
    con = duckdb.connect(str(store), read_only=True)
    write_outputs(con, out, Settings())
    con.close()
    return out / "report.html"


def _shoot(page, name, **kw):
    target = os.environ.get("TRENDTRACE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name), **kw)


class Watch:
    """Records what the page does that it must not: dialogs, script errors, network requests."""

    def __init__(self, page, allowed_prefixes=("file:", "data:")):
        self.dialogs, self.errors, self.requests = [], [], []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: None if r.url.startswith(allowed_prefixes)
                else self.requests.append(r.url))

    def clean(self, page):
        assert self.dialogs == [] and self.errors == [] and self.requests == []
        assert page.evaluate("typeof window.__xss") == "undefined"


def test_report_renders_charts_tables_and_evidence(browser, report_file):
    page = browser.new_page()
    watch = Watch(page)
    page.goto(report_file.as_uri())
    count = lambda sel: page.locator(sel).count()  # noqa: E731
    assert count("#tt-trends tbody tr") == 9
    assert count("#tt-accounts tbody tr") == 54
    assert count("svg.timeline") == 9
    # bars were drawn: the coordinated path of the first timeline has geometry and a real size
    assert len(page.get_attribute("svg.timeline >> nth=0 >> path.coord", "d")) > 20
    box = page.locator("svg.timeline >> nth=0").bounding_box()
    assert box["width"] > 300 and box["height"] > 60
    assert count("svg.network circle.node") == 14 and count("svg.network line.edge") == 43
    assert count("svg.heatmap rect") > 60 and count("svg.overlap g.cell") == 6
    _shoot(page, "report.png")
    # click a line of the network: its example posts appear, hostile text as text
    page.locator("svg.network line.edge >> nth=0").click(force=True)
    panel = page.locator("#tt-evidence")
    assert panel.locator(".pair").count() >= 1
    assert "<script>window.__xss=1" in panel.inner_text()
    assert "[U+202E]" in panel.inner_text()
    assert panel.locator("script, img").count() == 0
    page.locator("#network").scroll_into_view_if_needed()
    _shoot(page, "report-network.png", clip={**page.locator("#network").bounding_box()})
    # click a dot: its links are listed and each opens its evidence
    page.locator("svg.network circle.node >> nth=0").click(force=True)
    assert panel.locator("li button").count() >= 1
    panel.locator("li button >> nth=0").click()
    assert panel.locator(".pair").count() >= 1
    # the cluster filter dims the other cluster
    page.select_option("#tt-cluster-filter", "1")
    assert count("svg.network circle.node.dim") == 8
    # handles appear once zoomed in (only the selected cluster's), never at full view
    assert count("svg.network text.nlabel:visible") == 0
    box = page.locator("#tt-network").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(6):
        page.mouse.wheel(0, -100)
    page.wait_for_selector("svg.network.zoomed")
    assert 0 < count("svg.network text.nlabel:visible") == count("svg.network circle.node:not(.dim)")
    # table filter and sorting
    page.fill('input[data-filter="tt-trends"]', "cricket")
    assert page.locator("#tt-trends tbody tr:visible").count() == 1
    page.fill('input[data-filter="tt-trends"]', "")
    page.click("#tt-accounts th:has-text('posts')")
    first = page.locator("#tt-accounts tbody tr >> nth=0 >> td >> nth=2").inner_text()
    page.click("#tt-accounts th:has-text('posts')")
    last = page.locator("#tt-accounts tbody tr >> nth=0 >> td >> nth=2").inner_text()
    assert int(first) != int(last)
    watch.clean(page)
    page.close()


@pytest.fixture(scope="module")
def many_trends(tmp_path_factory):
    """The fixture plus 5,000 organic and mixed hashtags (one hostile), as a large real collection
    has: the page writes out only the pushed and the largest organic ones, the rest are paged."""
    root = tmp_path_factory.mktemp("br-many")
    db = build_fixture(root / "fx.duckdb")
    con = duckdb.connect(str(db))
    con.execute("""
        INSERT INTO trends BY NAME
        SELECT CASE WHEN i = 7 THEN '<img src=x onerror=window.__xss=1>' ELSE 'tag' || i END AS trend,
               CASE WHEN i % 500 = 0 THEN 'mixed' ELSE 'organic' END AS verdict,
               (i % 100) / 1000.0 AS score, 10 + i AS posts, 3 + i % 50 AS accounts,
               'Nothing here looks manufactured: sentence ' || i || '.' AS evidence
        FROM range(5000) t(i)
    """)
    counts = dict(con.execute("SELECT verdict, count(*) FROM trends GROUP BY ALL").fetchall())
    write_outputs(con, root / "out", Settings())
    con.close()
    return root / "out" / "report.html", counts


def test_every_trend_is_paged_searchable_and_escaped(browser, many_trends):
    path, counts = many_trends
    page = browser.new_page()
    watch = Watch(page)
    page.goto(path.as_uri())
    page.wait_for_selector("#tt-all-trends tbody tr")
    pushed = counts.get("manufactured", 0) + counts.get("mixed", 0)
    # written out: every manufactured and mixed trend, then the 10 largest organic ones
    assert page.locator("#tt-trends tbody tr").count() == pushed + 10
    assert page.locator("#tt-all-trends tbody tr").count() == 25
    info = lambda: page.locator(".dt-info").first.inner_text()  # noqa: E731
    assert f"of {sum(counts.values()):,} entries" in info()
    search = page.locator(".dt-search input")
    # the verdict word matches verdicts, not evidence sentences that mention it
    search.fill("manufactured")
    assert f"Showing 1 to {min(25, counts['manufactured'])} of {counts['manufactured']:,} entries" in info()
    search.fill("mixed")
    assert f"of {counts['mixed']:,} entries" in info()
    search.fill("onerror")
    cell = page.locator("#tt-all-trends tbody tr >> nth=0 >> td >> nth=0")
    assert cell.inner_text() == "#<img src=x onerror=window.__xss=1>"
    assert page.locator("#tt-all-trends img").count() == 0
    search.fill("")
    page.locator(".dt-paging button:has-text('2')").first.click()
    assert "Showing 26 to 50" in info()
    page.locator("#all-trends").scroll_into_view_if_needed()
    _shoot(page, "report-all-trends-5000.png")
    watch.clean(page)
    page.close()


def test_report_prints(browser, report_file):
    page = browser.new_page()
    page.goto(report_file.as_uri())
    page.emulate_media(media="print")
    assert page.locator("nav.toc").is_hidden() and page.locator(".controls >> nth=0").is_hidden()
    assert page.locator("svg.timeline >> nth=0").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
    page.close()


def test_report_screenshot_from_an_analysed_store(browser, tmp_path):
    """README image of a real run (only when TRENDTRACE_SCREENSHOT_DB names a store)."""
    db = os.environ.get("TRENDTRACE_SCREENSHOT_DB")
    if not db or not os.environ.get("TRENDTRACE_SCREENSHOTS"):
        pytest.skip("set TRENDTRACE_SCREENSHOTS and TRENDTRACE_SCREENSHOT_DB to take it")
    con = duckdb.connect(db, read_only=True)
    write_outputs(con, tmp_path, Settings())
    con.close()
    page = browser.new_page()
    watch = Watch(page)
    page.goto((tmp_path / "report.html").as_uri())
    assert page.locator("#tt-trends tbody tr").count() > 0
    _shoot(page, "report.png")
    page.locator("#timelines").scroll_into_view_if_needed()
    _shoot(page, "report-timelines.png")
    page.wait_for_selector("#tt-all-trends tbody tr")
    page.locator("#all-trends").scroll_into_view_if_needed()
    _shoot(page, "report-all-trends.png")
    watch.clean(page)
    page.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(store):
    import uvicorn

    from trendtrace.report.serve import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("dashboard did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_dashboard_pages_search_and_evidence(browser, dashboard):
    page = browser.new_page()
    watch = Watch(page, allowed_prefixes=(dashboard, "data:"))
    page.goto(dashboard + "/")
    assert page.locator("#tt-trends tbody tr").count() == 9
    assert page.locator("#tt-clusters tbody tr").count() == 2
    _shoot(page, "dashboard.png")
    page.fill("form.search input[name=q]", "news")
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_url("**/search?q=news")
    assert page.locator("#tt-accounts tbody tr").count() == 4  # news_724 … news_1324
    page.goto(dashboard + "/clusters/0")
    assert page.locator("svg.network circle.node").count() == 8
    assert page.locator("svg.heatmap").count() == 1
    page.locator("svg.network line.edge >> nth=0").click(force=True)
    assert page.locator("#tt-evidence .pair").count() >= 1
    _shoot(page, "dashboard-cluster.png")
    page.goto(dashboard + "/accounts?coordinated=true")
    assert page.locator("#tt-accounts tbody tr").count() == 14
    href = page.get_attribute("a:has-text('download these as CSV')", "href")
    assert href.startswith("/download/accounts.csv?") and "coordinated=true" in href
    # post text search, and the SQL page with a bound value
    page.goto(dashboard + "/search?q=window.__xss")
    assert page.locator("h3:has-text('Posts') + p + .tablewrap tbody tr").count() >= 1
    page.goto(dashboard + "/sql")
    page.fill("textarea[name=q]", "SELECT handle, count(*) AS posts FROM posts JOIN accounts USING (account_id) "
                                  "WHERE handle <> ? GROUP BY handle ORDER BY posts DESC, handle LIMIT 5")
    page.fill("input[name=p] >> nth=0", "nobody")
    page.click("form.sql button[type=submit]")
    page.wait_for_selector("#tt-sql tbody tr")
    assert page.locator("#tt-sql tbody tr").count() == 5
    _shoot(page, "dashboard-sql.png")
    watch.clean(page)
    page.close()


def test_evidence_posts_link_to_their_permalinks(browser, tmp_path):
    """Posts from an X/Twitter format with numeric ids link to https://x.com/i/status/ID in the
    evidence panel (a new tab, no referrer); the fixture's ids are made numeric for this."""
    db = build_fixture(tmp_path / "fx.duckdb")
    con = duckdb.connect(str(db))
    con.execute("UPDATE posts SET post_id = '9' || substr(post_id, 2)")
    con.execute("UPDATE edge_evidence SET post_a = '9' || substr(post_a, 2), post_b = '9' || substr(post_b, 2)")
    write_outputs(con, tmp_path / "out", Settings())
    con.close()
    page = browser.new_page()
    watch = Watch(page)
    page.goto((tmp_path / "out" / "report.html").as_uri())
    page.locator("svg.network line.edge >> nth=0").click(force=True)
    links = page.locator("#tt-evidence .pair a")
    assert links.count() >= 2
    href, text = links.nth(0).get_attribute("href"), links.nth(0).inner_text()
    assert href == f"https://x.com/i/status/{text}" and text.isdigit()
    assert links.nth(0).get_attribute("rel") == "noopener noreferrer"
    watch.clean(page)  # drawing links requests nothing
    page.close()
    con = duckdb.connect(str(db), read_only=True)
    write_outputs(con, tmp_path / "p", Settings(pseudonymize=True))
    con.close()
    for name in ("report.html", "report.json", "evidence.csv"):  # permalinks carry the real post ids
        assert not re.search(r"x\.com/i/status/\d", (tmp_path / "p" / name).read_text("utf-8")), name
