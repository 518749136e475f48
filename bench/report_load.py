"""How fast report.html opens in Chromium for an analysed store (issue 17: under 2 s at any size).

    .venv/bin/python bench/report_load.py --db STORE [--extra-trends 13000] [--runs 3]

Writes report.html of ``STORE`` (``report_data`` and ``render_report``, as ``analyze`` does), or
of a copy of it when ``--extra-trends`` adds organic hashtags the way a real collection with
thousands of hashtags has them, twice:

* **page**: the report as it is (manufactured and mixed trends and the largest organic ones written
  out, every trend in the paginated table);
* **baseline**: the same page with every trend written out as table rows (``report_lead_trends``
  and ``report_organic_trends`` set to the number of trends), the layout of the report before
  issue 17, measured in the same run.

For each, in headless Chromium (Debian's /usr/bin/chromium through Playwright, a new page each
run): seconds until the ``load`` event, until the all-trends table shows its first page, for one
search keystroke in the all-trends table and for one click that sorts it. Prints a Markdown table
(median of ``--runs``) with the file sizes and the ratio page / baseline.

Measure alone: the figures mean something only when nothing else runs on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from trendtrace.report import render_report, report_data  # noqa: E402
from trendtrace.settings import Settings  # noqa: E402

CHROMIUM = os.environ.get("TRENDTRACE_CHROMIUM", "/usr/bin/chromium")


def _add_trends(db: Path, n: int) -> None:
    con = duckdb.connect(str(db))
    try:
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'trends'").fetchall()}
        kind = ", 'hashtag' AS trend_kind" if "trend_kind" in cols else ""
        con.execute(f"""
            INSERT INTO trends BY NAME
            SELECT 'extra_tag_' || i AS trend{kind}, 'organic' AS verdict, 0.0 AS score, 2 + i % 40 AS posts,
                   2 AS accounts, 0.0 AS coordinated_share,
                   'Consistent with organic participation: a few accounts used it (' || i || ').' AS evidence
            FROM range({n}) t(i)
        """)
    finally:
        con.close()


def _measure(page, path: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    page.goto(path.as_uri(), wait_until="load")
    loaded = time.perf_counter() - t0
    page.wait_for_selector("#tt-all-trends tbody tr", timeout=60_000)
    table = time.perf_counter() - t0
    search = page.locator(".dt-search input")
    t1 = time.perf_counter()
    search.fill("organic")
    page.locator(".dt-info", has_text="filtered").wait_for()  # locators: the page's CSP forbids eval
    keystroke = time.perf_counter() - t1
    search.fill("")
    t2 = time.perf_counter()
    page.locator("#tt-all-trends thead th >> nth=3").click()
    page.locator("#tt-all-trends thead th:nth-child(4)[aria-sort]").wait_for()
    sort = time.perf_counter() - t2
    return {"load": loaded, "table": table, "search": keystroke, "sort": sort}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="an analysed store (read, never written)")
    ap.add_argument("--extra-trends", type=int, default=0, help="organic hashtags to add to a copy of the store")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="tt-report-load-") as tmp:
        work = Path(tmp)
        db = Path(args.db)
        if args.extra_trends:
            shutil.copy(db, work / "store.duckdb")
            db = work / "store.duckdb"
            _add_trends(db, args.extra_trends)
        con = duckdb.connect(str(db), read_only=True)
        n_trends = con.execute("SELECT count(*) FROM trends").fetchall()[0][0]
        n_posts = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        pages = {}
        for name, overrides in (("page", {}), ("baseline", {"report_lead_trends": n_trends,
                                                           "report_organic_trends": n_trends})):
            t = time.perf_counter()
            (work / name).mkdir()
            pages[name] = work / name / "report.html"
            pages[name].write_text(render_report(report_data(con, Settings(**overrides))), encoding="utf-8")
            print(f"[report_load] {name}: report.html written in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        con.close()
        sizes = {k: p.stat().st_size for k, p in pages.items()}
        load = os.getloadavg()
        results: dict[str, list[dict[str, float]]] = {k: [] for k in pages}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            try:
                for _ in range(args.runs):
                    for name, path in pages.items():  # alternate, so that drift hits both alike
                        page = browser.new_page(viewport={"width": 1280, "height": 900})
                        results[name].append(_measure(page, path))
                        page.close()
            finally:
                browser.close()
    med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in results.items()}
    print(f"\n{n_posts:,} posts, {n_trends:,} trends; median of {args.runs} runs; Chromium headless, "
          f"1280×900; load average before the browser runs {load[0]:.2f}\n")
    print("| | report.html | load event | all-trends table shown | search keystroke | sort click |")
    print("|---|---|---|---|---|---|")
    for k in ("page", "baseline"):
        m = med[k]
        print(f"| {k} | {sizes[k] / 1e6:.1f} MB | {m['load']:.2f} s | {m['table']:.2f} s | {m['search']:.2f} s | "
              f"{m['sort']:.2f} s |")
    r = {m: med["page"][m] / med["baseline"][m] for m in med["page"]}
    print(f"| page / baseline | {sizes['page'] / sizes['baseline']:.2f} | {r['load']:.2f} | {r['table']:.2f} | "
          f"{r['search']:.2f} | {r['sort']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
