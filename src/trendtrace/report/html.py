"""``report.html``: one self-contained page rendered from :func:`~trendtrace.report.data.report_data`.

The page inlines its stylesheet and script (``static/``) and draws its charts as SVG on the server
side (``_svg.py``), so it opens offline, prints, and shows every chart even with JavaScript off;
the script adds the network's evidence panel, zoom, cluster filter and sortable tables. Every string
from the data is escaped by Jinja's autoescaping or by ``_svg.esc``; hidden bidi and control
characters are shown as ``[U+XXXX]``. A Content-Security-Policy allows only the page's own inline
script (by its SHA-256), so even an escaping mistake could not run injected script, and forbids
every network request.
"""

from __future__ import annotations

import base64
import collections
import functools
import hashlib
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from . import _svg
from ._common import detail_href, script_json
from ._vendor import datatables

__all__ = ["render_report", "render_page", "environment", "content_security_policy", "network_payload"]


@functools.cache
def _static(name: str) -> str:
    return resources.files("trendtrace.report").joinpath("static", name).read_text("utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def content_security_policy() -> str:
    """The CSP of every page: no network, no plugins, only the bundled inline scripts (the page's
    own and the DataTables module, :mod:`trendtrace.report._vendor`)."""
    return ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            f"script-src {_sha256(_static('report.js'))} {_sha256(datatables()[0])}; base-uri 'none'; "
            "form-action 'self'")


def _persona_bars(counts: dict[str, int], total: int) -> list[tuple[str, float, str]]:
    """Bars for a persona count table: share of ``total`` per persona, largest first."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    colours = {"news_outlet": "#0072b2", "woman": "#cc79a7", "none": "#b8c4d0"}
    return [(str(k), v / total if total else 0.0, colours.get(str(k), "#e69f00")) for k, v in items]


def _verdict_class(v: Any) -> str:
    return v if v in ("organic", "mixed", "manufactured") else "unknown"


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the report and the dashboard (autoescaping on for every template)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("trendtrace.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        show=_svg.show, share=_svg.fmt_share, num=_svg.fmt_num, usd=_svg.fmt_usd,
        offset=_svg.fmt_offset, scorebar=_svg.score_bar, verdict_class=_verdict_class,
        colour=_svg.cluster_colour, short_time=_svg._short_time, href=detail_href,
    )
    env.globals.update(
        svg=_svg, css=Markup(_static("report.css")), js=Markup(_static("report.js")),
        dt_js=Markup(datatables()[0]), dt_css=Markup(datatables()[1]),
        csp=content_security_policy(), script_json=lambda d: Markup(script_json(d)),
        persona_bars=_persona_bars,
    )
    return env


def render_page(template: str, **context: Any) -> str:
    """Render one of the package's templates (the dashboard uses this)."""
    return environment().get_template(template).render(**context)


_EVIDENCE_FIELDS = ("trace", "object", "post_a", "post_b", "time_a", "time_b", "text_a", "text_b", "url_a", "url_b")


def network_payload(net: dict[str, Any], evidence_per_edge: int = 2) -> dict[str, Any]:
    """What the page's script needs of the network (the drawing itself is server-side SVG).

    Compact: evidence rows become lists in the order of ``fields`` (the page's script reads them
    by position), at most ``evidence_per_edge`` per edge; ``report.json`` keeps them all."""
    return {
        "fields": list(_EVIDENCE_FIELDS),
        "nodes": [{k: n.get(k) for k in ("id", "label", "cluster", "posts", "coordination_score",
                                          "inauthenticity_score")} for n in net.get("nodes", [])],
        "edges": [{**{k: e.get(k) for k in ("source", "target", "traces", "co_actions", "weight",
                                             "p_value")},
                   "evidence": [[ev.get(f) for f in _EVIDENCE_FIELDS]
                                for ev in (e.get("evidence") or [])[:evidence_per_edge]]}
                  for e in net.get("edges", [])],
    }


#: Columns of the embedded all-trends table (the page's script builds the DataTables columns from it).
TREND_TABLE_FIELDS = ("trend", "verdict", "score", "posts", "accounts", "coordinated_share", "inauthentic_share",
                      "cost_usd_low", "cost_usd_high", "evidence")


def trend_table_rows(trends: list[dict[str, Any]]) -> list[list[Any]]:
    """Compact rows for the all-trends table: :data:`TREND_TABLE_FIELDS`, the evidence cut to its
    first sentence (at most 200 characters; report.json and trends.csv keep all of it)."""
    rows = []
    for t in trends:
        first = (t.get("evidence") or [""])[0] or ""
        first = first if len(first) <= 200 else first[:199] + "…"
        rows.append([t.get(f) for f in TREND_TABLE_FIELDS[:-1]] + [first])
    return rows


#: Clusters named in the network's legend (largest first); the rest are counted.
LEGEND_CLUSTERS = 12


def _cluster_key(c: Any) -> tuple[int, Any]:
    try:
        return (0, int(c))
    except (TypeError, ValueError):
        return (1, str(c))


def render_report(data: dict[str, Any]) -> str:
    """The complete ``report.html`` for a :func:`report_data` dict, as text."""
    settings = (data.get("run") or {}).get("settings") or {}
    home = data.get("home_tz") or {}
    tz_label = (f"{home.get('name')} ({_svg.fmt_offset(home.get('utc_offset'))})"
                if home.get("utc_offset") is not None else "UTC")
    # clusters in the drawing, largest first (the legend's order), with their sizes
    size = {c.get("cluster"): c.get("accounts") or 0 for c in data.get("clusters") or []}
    drawn = collections.Counter(n.get("cluster") for n in data["network"]["nodes"] if n.get("cluster") is not None)
    clusters_used = sorted(drawn, key=lambda c: (-(size.get(c) or drawn[c]), _cluster_key(c)))
    legend = [{"cluster": c, "accounts": size.get(c) or drawn[c]} for c in clusters_used[:LEGEND_CLUSTERS]]
    return render_page(
        "report.html", d=data, settings=settings, tz_label=tz_label,
        # The heat map shows the 20 largest clusters (report.json has the hours of all).
        hour_rows=_svg.hour_rows(data.get("hours") or {}, (data.get("clusters") or [])[:20]),
        network_payload=network_payload(data["network"]), clusters_used=clusters_used, legend=legend,
        legend_more=max(0, len(clusters_used) - LEGEND_CLUSTERS),
        timelines_by_trend={t["trend"]: t for t in data.get("timelines", [])},
        lead_trends=[data["trends"][i] for i in data.get("trend_lead", range(len(data["trends"])))],
        trend_table={"fields": list(TREND_TABLE_FIELDS), "rows": trend_table_rows(data["trends"])},
    )
