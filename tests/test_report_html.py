"""report.html: self-contained, escaped, every section present or marked "not computed"."""

from __future__ import annotations

import base64
import html
import hashlib
import re

import duckdb
import pytest

from trendtrace.report import render_report, report_data
from trendtrace.report.html import content_security_policy
from trendtrace.settings import Settings

from _report_fixture import RESULT_TABLES, build_fixture


_VENDOR = re.compile(r'<script type="module">(.*?)</script>', re.S)


def _own(page: str) -> str:
    """The page without the inlined DataTables module (third-party code, checked on its own in
    test_vendored_datatables_is_the_bundle_and_allowed_by_the_csp)."""
    return _VENDOR.sub("", page)


def _html(path, **settings):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return render_report(report_data(con, Settings(**settings)))
    finally:
        con.close()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    return _html(build_fixture(tmp_path_factory.mktemp("html") / "fx.duckdb"))


def test_hostile_strings_are_escaped(page):
    page = _own(page)
    # the only script elements are the page's own: two data blocks and the behaviour
    assert len(re.findall(r"<script\b", page, re.I)) == 3
    assert "window.__xss=1" in page  # the text is there, as text...
    assert "<script>window.__xss" not in page  # ...never as markup
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page, re.I)  # no event-handler attributes
    assert not re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", page, re.I)
    assert "\u202e" not in page and "[U+202E]" in page  # the override is shown, not obeyed
    assert "\x07" not in page


def test_vendored_datatables_is_the_bundle_and_allowed_by_the_csp(page):
    from trendtrace.report._vendor import datatables

    modules = _VENDOR.findall(page)
    assert modules == [datatables()[0]]
    digest = base64.b64encode(hashlib.sha256(modules[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in content_security_policy()
    assert "<!--" not in modules[0] and "</script" not in modules[0].lower()
    assert "window.__ttDataTables" in modules[0] and "export{" not in modules[0].replace(" ", "")


def test_self_contained_with_strict_csp(page):
    size = len(page.encode())
    page = _own(page)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing to fetch
    assert "<link" not in page and "@import" not in page
    script = re.findall(r"<script>(.*?)</script>", page, re.S)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in content_security_policy()
    assert "default-src 'none'" in html.unescape(page)
    assert "@media print" in page
    # DataTables (about 620 kB of script, 110 kB of style) plus the page's own under 400 kB
    assert size - len(page.encode()) < 800_000 and len(page.encode()) < 400_000


def test_sections_in_order_verdicts_first(page):
    ids = re.findall(r'<section id="([^"]+)"', page)
    assert ids == ["verdicts", "timelines", "network", "clusters", "overlap", "accounts", "personas",
                   "cost", "how-to-read", "limits"]
    assert "look manufactured" in page and "What this does not show" in page
    assert page.count('class="chart timeline"') == 9
    assert 'data-nodes="14"' in page and 'data-edges="43"' in page
    assert "fits UTC+3" in page and "Asia/Karachi (UTC+5)" in page


def test_missing_tables_render_not_computed(tmp_path):
    page = _html(build_fixture(tmp_path / "s.duckdb", omit=RESULT_TABLES))
    assert page.count("not computed for this store") >= 7
    assert "The store records no analysis run" in page
    assert len(re.findall(r"<script\b", _own(page))) == 3


def test_pseudonymized_page_says_so(tmp_path):
    page = _html(build_fixture(tmp_path / "s.duckdb"), pseudonymize=True)
    assert "pseudonymised" in page and "news_1324" not in page and "Daily News 24" not in page


def test_cluster_palette_and_legend_in_size_order(page):
    from trendtrace.report._svg import NO_CLUSTER, PALETTE, SMALL_CLUSTER, cluster_colour

    assert len(set(PALETTE)) == len(PALETTE) >= 200 and NO_CLUSTER not in PALETTE
    assert cluster_colour(0) == PALETTE[0] and cluster_colour(len(PALETTE)) == SMALL_CLUSTER
    assert cluster_colour(None) == NO_CLUSTER
    legend = re.search(r'<span class="legend">(.*?)</span>\s*</div>', page, re.S).group(1)
    named = re.findall(r"cluster (\d+) <span class=\"muted\">\(([\d,]+)\)", legend)
    sizes = [int(n.replace(",", "")) for _, n in named]
    assert len(named) >= 2 and sizes == sorted(sizes, reverse=True)


def test_numbers_dates_labels_and_scales_read_right(page):
    """Years on dates, separators on counts, one '#' per hashtag, a colour scale on each colour map."""
    own = _own(page)
    assert not re.search(r"##\w", own)  # a hashtag is never prefixed twice
    assert re.search(r"\d{2} [A-Z][a-z]{2} 20\d{2} \d{2}:\d{2}", own)  # header dates carry the year
    ticks = re.findall(r'class="tick" text-anchor="start">([^<]+)</text>', own)
    assert ticks and all(re.search(r" 20\d{2} ", t) for t in ticks)  # each timeline's first tick too
    assert own.count('<g class="scale">') == 2  # hour-of-day heat map and overlap matrix
    assert "Jaccard of the two campaigns" in own and "busiest hour" in own


def test_counts_get_thousands_separators(tmp_path):
    from trendtrace.report._svg import fmt_num

    assert fmt_num(12891) == "12,891"
    con = duckdb.connect(str(build_fixture(tmp_path / "s.duckdb")))
    con.execute("INSERT INTO trends (trend, verdict, score, posts, accounts) "
                "SELECT 't' || i, 'organic', 0.0, 3, 2 FROM range(12000) r(i)")
    con.close()
    page = _own(_html(tmp_path / "s.duckdb"))
    assert re.search(r"Of the <b>12,0\d\d</b> trends", page) and "All 12,0" in page
