"""Server-side SVG charts for the report and the dashboard.

Charts are drawn in Python so that the page shows them without JavaScript, prints them, and needs
no chart library. Every piece of text from the data goes through :func:`esc` (HTML/XML escaping,
bidi controls made visible); numbers are formatted by this module.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any
from collections.abc import Iterable

from markupsafe import Markup, escape

def _glasbey() -> tuple[str, ...]:
    """Cluster colours: colorcet's Glasbey palette that starts with the ten Tableau/category10 hues
    (Glasbey et al. 2007: each next colour as far as possible from all before it), without its greys
    and near-whites (grey means "no cluster" here): 219 colours told apart at a glance."""
    import colorcet

    rgb = colorcet.glasbey_category10
    hexes = colorcet.palette["glasbey_category10"]
    return tuple(h for h, c in zip(hexes, rgb, strict=True) if max(c) - min(c) >= 0.15 and sum(c) / 3 < 0.9)


#: Colours of clusters 0, 1, 2... (numbered by decreasing size), :func:`_glasbey`.
PALETTE = _glasbey()
NO_CLUSTER = "#9a9a9a"
#: Clusters past the palette (the smallest ones) share this colour, and the legend says so.
SMALL_CLUSTER = "#d4d4d4"
COORD = "#c0392b"
OTHER = "#b8c4d0"
INAUTH = "#2c3e50"

# Characters that can reorder or hide text (bidi embeddings, overrides, isolates) and C0 controls:
# shown as a visible [U+XXXX] marker so that a spoofed handle cannot pass for another.
_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain(text: Any) -> str:
    """Text with hidden controls replaced by a visible ``[U+XXXX]`` (not yet escaped)."""
    return _HIDDEN.sub(lambda m: f"[U+{ord(m.group()):04X}]", "" if text is None else str(text))


def esc(text: Any) -> Markup:
    """Escaped text with hidden controls made visible: safe inside HTML or SVG text/attributes."""
    return escape(plain(text))


def show(text: Any) -> Markup:
    """Escaped text for HTML, isolated for bidi (``<bdi>``) and with hidden controls marked."""
    if text is None or text == "":
        return Markup("")
    s = "" if text is None else str(text)
    out = _HIDDEN.sub(lambda m: f"\0{ord(m.group()):04X}\0", s)
    parts = out.split("\0")
    html = []
    for i, part in enumerate(parts):
        if i % 2:
            html.append(f'<span class="ctl" title="hidden control character">[U+{part}]</span>')
        else:
            html.append(str(escape(part)))
    return Markup("<bdi>" + "".join(html) + "</bdi>")


def cluster_colour(cluster: Any) -> str:
    """The colour of a cluster: its own for the :data:`PALETTE`'s length of largest clusters (cluster
    numbers count from the largest), :data:`SMALL_CLUSTER` past them, :data:`NO_CLUSTER` without one.
    A cluster named other than by a number gets a palette colour from its name."""
    if cluster is None or cluster == "":
        return NO_CLUSTER
    try:
        i = int(cluster)
    except (TypeError, ValueError):
        return PALETTE[sum(map(ord, str(cluster))) % len(PALETTE)]
    return PALETTE[i] if 0 <= i < len(PALETTE) else SMALL_CLUSTER



def _short_time(iso: str) -> str:
    try:
        t = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return str(iso)
    return t.strftime("%d %b %Y %H:%M")


def timeline(tl: dict[str, Any], width: int = 640, height: int = 150) -> Markup:
    """Stacked bars per time bucket: posts from coordinated accounts (red) under the other posts
    (grey), with posts from suspect (high inauthenticity) accounts as a dark line."""
    pts = tl.get("points") or []
    left, right, top, bottom = 44, 8, 10, 26
    w, h = width - left - right, height - top - bottom
    ymax = max((p[1] for p in pts), default=0) or 1
    max(len(pts), 1)
    start = datetime.strptime(tl["start"], "%Y-%m-%dT%H:%M:%SZ")
    end = datetime.strptime(tl["end"], "%Y-%m-%dT%H:%M:%SZ")
    span = max((end - start).total_seconds(), 60.0)
    bucket = tl.get("bucket_minutes", 1) * 60
    bw = max(w * bucket / span - 0.5, 1.5)
    parts = [f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{esc("posts over time for " + str(tl.get("trend")))}" data-points="{len(pts)}">']
    parts.append(f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" class="axis"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 8}" class="tick" text-anchor="end">{ymax}</text>')
    parts.append(f'<text x="{left - 4}" y="{top + h}" class="tick" text-anchor="end">0</text>')
    # Two paths (coordinated, other) instead of an element per bar keep a week of minutes small.
    line, d_other, d_coord = [], [], []
    peak = max(pts, key=lambda p: p[1]) if pts else None
    for iso, posts, coord, inauth in pts:
        t = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
        x = left + w * (t - start).total_seconds() / span
        hc = h * min(coord, posts) / ymax
        ho = h * max(posts - coord, 0) / ymax
        if ho > 0:
            d_other.append(f"M{x:.1f} {top + h - hc - ho:.1f}h{bw:.1f}v{ho:.1f}h{-bw:.1f}z")
        if hc > 0:
            d_coord.append(f"M{x:.1f} {top + h - hc:.1f}h{bw:.1f}v{hc:.1f}h{-bw:.1f}z")
        if inauth:
            line.append(f"M{x:.1f} {top + h - h * min(inauth, posts) / ymax:.1f}h{max(bw, 2):.1f}")
    if peak is not None:
        tip = (f"#{tl.get('trend')}: busiest {_short_time(peak[0])} UTC with {peak[1]:,} posts, "
               f"{peak[2]:,} from coordinated accounts")
        parts.append(f"<title>{esc(tip)}</title>")
    parts.append(f'<path class="other" fill="{OTHER}" d="{"".join(d_other)}"/>')
    parts.append(f'<path class="coord" fill="{COORD}" d="{"".join(d_coord)}"/>')
    if line:
        parts.append(f'<path class="inauth" d="{"".join(line)}" fill="none" stroke="{INAUTH}" '
                     f'stroke-width="2"/>')
    for frac, anchor in ((0, "start"), (0.5, "middle"), (1, "end")):
        t = start + (end - start) * frac
        # the year on the first tick, and on any tick in another year than the first
        fmt = "%d %b %Y %H:%M" if frac == 0 or t.year != start.year else "%d %b %H:%M"
        parts.append(f'<text x="{left + w * frac:.1f}" y="{height - 8}" class="tick" '
                     f'text-anchor="{anchor}">{esc(t.strftime(fmt))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _scale(x: float, y: float, width: float, colour_at: Any, lo: str, hi: str, title: str,
           steps: int = 10) -> str:
    """A colour scale: ``steps`` swatches from ``colour_at(0.05)`` to ``colour_at(0.95)`` with its
    title above and its end values below."""
    w = width / steps
    parts = [f'<g class="scale"><text x="{x:.1f}" y="{y - 4:.1f}" class="tick">{esc(title)}</text>']
    for k in range(steps):
        parts.append(f'<rect x="{x + k * w:.1f}" y="{y:.1f}" width="{w:.1f}" height="9" '
                     f'fill="{colour_at((k + 0.5) / steps)}"/>')
    parts.append(f'<text x="{x:.1f}" y="{y + 21:.1f}" class="tick">{esc(lo)}</text>'
                 f'<text x="{x + width:.1f}" y="{y + 21:.1f}" class="tick" text-anchor="end">{esc(hi)}</text></g>')
    return "".join(parts)


def _heat(a: float) -> str:
    return f"rgba(192,57,43,{0.06 + 0.94 * a:.3f})"


def _jaccard(a: float) -> str:
    return f"rgba(0,114,178,{0.08 + 0.92 * a:.3f})"


def heatmap(rows: list[tuple[str, list[int], str]], tz_label: str, width: int = 640) -> Markup:
    """Hour-of-day heat map: one row per (label, 24 counts, note); each row scaled to its own
    maximum, so rows with few posts stay readable. Hours 0–6 of the home zone are shaded as the
    usual sleeping time."""
    left, top, cell_h = 150, 24, 20
    cw = (width - left - 70) / 24
    height = top + cell_h * len(rows) + 22 + 44
    parts = [f'<svg class="chart heatmap" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="posts per hour of day" data-rows="{len(rows)}">']
    parts.append(f'<rect x="{left}" y="{top - 4}" width="{cw * 7:.1f}" height="{cell_h * len(rows) + 8}" '
                 f'class="night"/>')
    for hr in range(0, 24, 3):
        parts.append(f'<text x="{left + cw * (hr + 0.5):.1f}" y="{top - 8}" class="tick" '
                     f'text-anchor="middle">{hr:02d}</text>')
    for r, (label, counts, note) in enumerate(rows):
        y = top + r * cell_h
        total = sum(counts) or 1
        peak = max(counts) or 1
        parts.append(f'<text x="{left - 6}" y="{y + cell_h * 0.68:.1f}" class="label" '
                     f'text-anchor="end">{esc(label)}</text>')
        for hr, c in enumerate(counts):
            a = c / peak
            parts.append(f'<rect x="{left + hr * cw:.1f}" y="{y + 1}" width="{cw - 1:.1f}" '
                         f'height="{cell_h - 2}" fill="{_heat(a)}">'
                         '<title>'
                         f'{esc(f"{label}: {c} posts ({100 * c / total:.0f} %) at {hr:02d}:00-{hr:02d}:59 {tz_label}")}'
                         '</title></rect>')
        parts.append(f'<text x="{left + 24 * cw + 6:.1f}" y="{y + cell_h * 0.68:.1f}" class="tick">'
                     f'{esc(note)}</text>')
    parts.append(f'<text x="{left}" y="{height - 48}" class="tick">hour of day, {esc(tz_label)} '
                 f'(shaded: 00–06, when most people there sleep)</text>')
    parts.append(_scale(left, height - 26, min(240, 24 * cw), _heat, "0", "the row's busiest hour",
                        "posts in the hour, against the row's busiest hour"))
    parts.append("</svg>")
    return Markup("".join(parts))


def overlap_matrix(campaigns: list[str], pairs: list[dict], width: int = 640) -> Markup:
    """Campaign × campaign matrix: cell darkness = Jaccard of their coordinated accounts, number =
    shared accounts."""
    n = len(campaigns)
    if not n:
        return Markup("")
    label_w = 130
    cell = max(min((width - label_w) / n, 44), 14)
    size = label_w + cell * n
    index = {c: i for i, c in enumerate(campaigns)}
    parts = [f'<svg class="chart overlap" viewBox="0 0 {size + 4:.0f} {size + 50:.0f}" role="img" '
             f'aria-label="cross-campaign overlap" data-cells="{len(pairs)}" '
             f'style="max-width:{size + 4:.0f}px;overflow:visible">']
    for c, i in index.items():
        y = label_w + i * cell
        short = c if len(c) <= 18 else c[:17] + "…"
        parts.append(f'<text x="{label_w - 4}" y="{y + cell * 0.65:.1f}" class="label" text-anchor="end">'
                     f'<title>{esc(c)}</title>{esc(short)}</text>')
        parts.append(f'<text transform="translate({label_w + i * cell + cell * 0.65:.1f},{label_w - 4}) '
                     f'rotate(-60)" class="label"><title>{esc(c)}</title>{esc(short)}</text>')
        parts.append(f'<rect x="{label_w + i * cell:.1f}" y="{y:.1f}" width="{cell - 1:.1f}" '
                     f'height="{cell - 1:.1f}" fill="#eee"/>')
    for p in pairs:
        ia, ib = index.get(p["campaign_a"]), index.get(p["campaign_b"])
        if ia is None or ib is None:
            continue
        i, j = ia, ib
        jac = float(p.get("jaccard") or 0)
        tip = esc(f"{p['campaign_a']} and {p['campaign_b']}: {int(p.get('shared_accounts') or 0):,} shared "
                  f"coordinated accounts, Jaccard {jac:.2f}")
        for a, b in ((i, j), (j, i)):
            x, y = label_w + b * cell, label_w + a * cell
            parts.append(f'<g class="cell"><title>{tip}</title><rect x="{x:.1f}" y="{y:.1f}" '
                         f'width="{cell - 1:.1f}" height="{cell - 1:.1f}" '
                         f'fill="{_jaccard(jac)}"/>')
            if cell >= 20:
                parts.append(f'<text x="{x + cell / 2:.1f}" y="{y + cell * 0.62:.1f}" class="cellnum" '
                             f'text-anchor="middle" fill="{"#fff" if jac > 0.5 else "#123"}">'
                             f'{int(p.get("shared_accounts") or 0):,}</text>')
            parts.append("</g>")
    parts.append(_scale(label_w, size + 22, min(240, cell * n), _jaccard, "0", "1 (the same accounts)",
                        "Jaccard of the two campaigns' coordinated accounts"))
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(items: list[tuple[str, float, str]], width: int = 420, unit: str = "%") -> Markup:
    """Horizontal bars: (label, value in [0, 1] or a count, colour)."""
    if not items:
        return Markup("")
    top = max(v for _, v, _ in items) or 1
    scale = 1.0 if unit == "%" and top <= 1 else top
    left, bh = 150, 18
    height = bh * len(items) + 4
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="bars" '
             f'data-bars="{len(items)}">']
    for i, (label, v, colour) in enumerate(items):
        y = i * bh + 2
        bw = (width - left - 60) * v / scale
        txt = f"{100 * v:.0f} %" if unit == "%" else f"{v:g}"
        parts.append(f'<text x="{left - 6}" y="{y + bh * 0.68:.1f}" class="label" text-anchor="end">'
                     f'{esc(label)}</text><rect x="{left}" y="{y + 2}" width="{max(bw, 0.5):.1f}" '
                     f'height="{bh - 5}" fill="{colour}"/><text x="{left + bw + 4:.1f}" '
                     f'y="{y + bh * 0.68:.1f}" class="tick">{txt}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def score_bar(v: Any) -> Markup:
    """A small inline bar for a score in [0, 1]."""
    if v is None:
        return Markup('<span class="na">–</span>')
    f = max(0.0, min(1.0, float(v)))
    hue = 120 - 120 * f
    return Markup(f'<span class="scorebar" title="{f:.2f}"><span style="width:{100 * f:.0f}%;'
                  f'background:hsl({hue:.0f},60%,45%)"></span></span> {f:.2f}')


def network(net: dict[str, Any], width: int = 900, height: int = 560) -> Markup:
    """The co-action network: accounts coloured by cluster and sized by posts; edges as lines
    (``data-e`` = index into ``net["edges"]`` for the evidence panel), drawn from the layout
    coordinates in ``report.json``."""
    nodes = net.get("nodes") or []
    if not nodes:
        return Markup("")
    pad = 20
    # The layout is in the unit square with its longer side 1; fit the drawing's height to it.
    span_y = max((n["y"] for n in nodes), default=1)
    height = int(min(height, max(220, pad * 2 + span_y * (width - 2 * pad))))
    side = min(width - 2 * pad, (height - 2 * pad) / max(span_y, 1e-9))
    pos = {n["id"]: (pad + n["x"] * side, pad + n["y"] * side) for n in nodes}
    parts = [f'<svg class="chart network" id="tt-network" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="co-action network" data-nodes="{len(nodes)}" data-edges="{len(net.get("edges") or [])}">'
             '<g class="viewport"><g class="edges">']
    wmax = max((float(e.get("weight") or 1) for e in net.get("edges") or []), default=1) or 1
    for i, e in enumerate(net.get("edges") or []):
        a, b = pos.get(e["source"]), pos.get(e["target"])
        if a is None or b is None:
            continue
        sw = 0.6 + 2.4 * math.sqrt(float(e.get("weight") or 1) / wmax)
        parts.append(f'<line class="edge" data-e="{i}" x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" '
                     f'y2="{b[1]:.1f}" stroke-width="{sw:.2f}"><title>'
                     f'''{esc("co-actions: " + str(e.get("co_actions")) + " (" + ", ".join(e.get("traces") or [])
                              + "); click for evidence")}'''
                     f'</title></line>')
    parts.append('</g><g class="nodes">')
    pmax = max((n.get("posts") or 0 for n in nodes), default=1) or 1
    labels: list[str] = []
    for i, n in enumerate(nodes):
        x, y = pos[n["id"]]
        r = 3 + 9 * math.sqrt((n.get("posts") or 0) / pmax)
        label = n.get("label") or n["id"]
        cl = "none" if n.get("cluster") is None else n.get("cluster")
        tip = esc("@" + str(label) + " · cluster " + str(cl) + " · " + str(n.get("posts")) + " posts")
        parts.append(f'<circle class="node" data-n="{i}" data-cluster="{esc(cl)}" cx="{x:.1f}" '
                     f'cy="{y:.1f}" r="{r:.1f}" fill="{cluster_colour(n.get("cluster"))}"><title>'
                     f'{tip}</title></circle>')
        labels.append(f'<text class="nlabel" data-cluster="{esc(cl)}" x="{x + r + 1:.1f}" y="{y:.1f}">'
                      f'{esc("@" + str(label))}</text>')
    # handles, shown once zoomed in (report.js), never drawn over each other at full view
    parts.append('</g><g class="labels">' + "".join(labels) + "</g></g></svg>")
    return Markup("".join(parts))


def fmt_share(v: Any) -> str:
    return "–" if v is None else f"{100 * float(v):.0f} %"


def fmt_num(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != 0 and abs(v) < 0.001:
            return f"{v:.1e}"
        return f"{v:,.3f}".rstrip("0").rstrip(".")
    return str(v)


def fmt_usd(v: Any) -> str:
    return "–" if v is None else f"${float(v):,.2f}"


def fmt_offset(v: Any) -> str:
    """An offset as :func:`trendtrace.offsets.format_offset` writes it; ``–`` for none."""
    from ..offsets import format_offset

    return "–" if v is None else format_offset(float(v))


def hour_rows(hours: dict[str, Any], clusters: Iterable[dict]) -> list[tuple[str, list[int], str]]:
    """Rows for :func:`heatmap`: each cluster (with its inferred origin) and the accounts in no
    cluster as the baseline."""
    rows = []
    for c in clusters:
        counts = (hours.get("clusters") or {}).get(str(c["cluster"]))
        if counts and sum(counts):
            note = f"fits {fmt_offset(c.get('utc_offset'))}" if c.get("utc_offset") is not None else ""
            rows.append((f"cluster {c['cluster']} ({c.get('accounts')} acc.)", counts, note))
    base = hours.get("baseline")
    if base and sum(base):
        rows.append(("not in a cluster", base, "baseline"))
    return rows
