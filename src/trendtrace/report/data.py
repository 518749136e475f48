"""``report.json``: everything the report shows, read from the store's result tables.

:func:`report_data` is the one door. It reads (never recomputes) the tables the analysis stages
wrote (``docs/schema.md``) and returns a JSON-serialisable dict whose schema is documented in
``docs/report.md``. Any result table may be absent or empty; its section is then marked
``"not computed"`` or ``"empty"`` in ``sections`` and holds an empty value.

The only numbers made here are presentation: counts of posts per hour of day (for the heat maps),
timeline minutes summed into wider buckets when a trend spans many hours, and a seeded layout of
the network drawing.
"""

from __future__ import annotations

import logging
import math
import random
import re
from datetime import datetime, timedelta, UTC
from typing import Any
from collections.abc import Mapping

import duckdb
import pyarrow as pa

from .. import __version__
from ..settings import SETTINGS, public_settings
from ._common import (
    Pseudonymizer,
    Store,
    jsonable,
    parse_json_object,
    permalink_sql,
    sentences,
    split_list,
)

__all__ = ["report_data", "SCHEMA_ID", "SECTIONS"]

log = logging.getLogger(__name__)

#: Identifier of the report.json layout; bumped when a field changes meaning or is removed.
SCHEMA_ID = "trendtrace.report/1"

#: Section name → the result table it is read from (its status goes in ``sections``).
SECTIONS = {
    "coverage": "posts",
    "trends": "trends",
    "timelines": "trend_timeline",
    "network": "edges",
    "evidence": "edge_evidence",
    "clusters": "clusters",
    "origin": "cluster_origin",
    "accounts": "account_coordination",
    "signals": "account_signals",
    "overlap": "overlap",
    "multi_campaign_accounts": "multi_campaign_accounts",
    "run": "runs",
}

_DEFAULTS = {s.name: s.default for s in SETTINGS}
_MAX_TIMELINE_POINTS = 180
_BUCKETS = (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 10080)
_EVIDENCE_PER_EDGE = 3
_TEXT_CHARS = 280


def _setting(settings: Mapping[str, Any] | None, name: str) -> Any:
    if settings is not None:
        try:
            return settings[name]
        except KeyError:
            pass
    return _DEFAULTS.get(name)


def _tz_offset_hours(name: str, when: datetime | None) -> tuple[float | None, str | None]:
    """UTC offset of zone ``name`` at ``when`` (naive UTC) in hours, or (None, problem)."""
    from ..offsets import zone_offset

    off = zone_offset(name, when or datetime(2025, 1, 1))  # None for an unknown zone
    return (off, None) if off is not None else (None, f"unknown time zone {name!r}")


def report_data(con: duckdb.DuckDBPyConnection, settings: Mapping[str, Any] | None = None, *,
                pseudonymizer: Pseudonymizer | None = None) -> dict[str, Any]:
    """Everything the report shows, as a JSON-serialisable dict (schema: ``docs/report.md``).

    Parameters
    ----------
    con:
        Connection to a trendtrace store; only SELECT statements are run on it.
    settings:
        A :class:`trendtrace.settings.Settings` (or any mapping); missing names take the defaults
        of the settings table. Read here: ``pseudonymize``, ``pseudonym_salt``, ``home_tz``,
        ``report_accounts``, ``report_edges``, ``report_trends``, ``report_lead_trends``,
        ``report_organic_trends``, ``price_low``, ``price_high``,
        ``seed`` (network layout).
    pseudonymizer:
        Share one :class:`Pseudonymizer` between outputs of one run (``write_outputs`` does), so
        that the same account gets the same pseudonym in every file. Default: one made from the
        settings.

    Returns
    -------
    dict
        Keys ``schema``, ``software``, ``generated_at``, ``pseudonymized``, ``home_tz``, ``run``,
        ``coverage``, ``sections``, ``summary``, ``trends``, ``trend_lead`` (positions in
        ``trends`` of the ones written out first), ``timelines``, ``network``,
        ``clusters``, ``hours``, ``overlap``, ``accounts``, ``personas``, ``cost``, ``chats``.
    """
    pz = pseudonymizer or Pseudonymizer(bool(_setting(settings, "pseudonymize")),
                                        str(_setting(settings, "pseudonym_salt") or ""))
    st = Store(con)
    run = _run(st)
    run_settings = run["settings"] if run and isinstance(run.get("settings"), dict) else {}
    coverage = _coverage(st)
    home_name = str(run_settings.get("home_tz") or _setting(settings, "home_tz"))
    mid = None
    if coverage.get("first_post") and coverage.get("last_post"):
        a = datetime.strptime(coverage["first_post"], "%Y-%m-%dT%H:%M:%SZ")
        b = datetime.strptime(coverage["last_post"], "%Y-%m-%dT%H:%M:%SZ")
        mid = a + (b - a) / 2
    # The zone the analysis used: the one given, or the one it inferred (table home_zone), or none.
    home_how, home_note, home_support = "given", f"home zone {home_name}, given with --home-tz", None
    if st.has("home_zone", "zone"):
        hz = st.rows("SELECT zone, label, how, support, note FROM home_zone")
        if hz:
            home_how, home_note, home_support = hz[0]["how"], hz[0]["note"], hz[0]["support"]
            if hz[0]["how"] != "given":
                home_name = hz[0]["zone"] or ""
    if home_name and home_name != "auto":
        home_offset, tz_problem = _tz_offset_hours(home_name, mid)
    else:
        home_offset, tz_problem = None, None
    if tz_problem:
        log.warning("report: %s; hour-of-day heat maps are shown in UTC", tz_problem)
    if home_how == "inferred" and home_offset is not None:
        from ..offsets import format_offset

        home_name = format_offset(home_offset)

    trends = _trends(st, pz)
    clusters = _clusters(st)
    data: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "software": {"name": "trendtrace", "version": __version__},
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pseudonymized": pz.enabled,
        "home_tz": {"name": home_name or None, "utc_offset": home_offset, "problem": tz_problem,
                    "how": home_how, "support": home_support, "note": home_note},
        "run": run,
        "coverage": coverage,
        "sections": {name: st.status(table) for name, table in SECTIONS.items()},
        "trends": trends,
        "trend_lead": _lead_trends(trends, int(_setting(settings, "report_lead_trends")),
                                   int(_setting(settings, "report_organic_trends"))),
        "timelines": _timelines(st, trends, int(_setting(settings, "report_trends"))),
        "network": _network(st, pz, int(_setting(settings, "report_edges")),
                            int(_setting(settings, "seed") or 0)),
        "clusters": clusters,
        "hours": _hours(st, home_offset or 0.0, [c["cluster"] for c in clusters]),
        "overlap": _overlap(st, pz, int(_setting(settings, "report_overlap_campaigns")),
                            int(_setting(settings, "report_overlap_min_shared"))),
        "accounts": _accounts(st, pz, int(_setting(settings, "report_accounts"))),
        "personas": _personas(st, clusters),
        "cost": _cost(st, trends, run_settings, settings),
        "chats": _chats(st, pz, int(run_settings.get("chat_window") or _setting(settings, "chat_window"))),
    }
    data["summary"] = _summary(st, data)
    return jsonable(data)


# ---------------------------------------------------------------------------------------- parts

def _run(st: Store) -> dict[str, Any] | None:
    if not st.has("runs"):
        return None
    order = "ORDER BY r.finished DESC NULLS LAST" if st.has("runs", "finished") else ""
    rows = st.rows(
        f"SELECT {st.col('runs', 'r', 'run_id')} AS run_id, {st.col('runs', 'r', 'started')} AS "
        f"started, {st.col('runs', 'r', 'finished')} AS finished, {st.col('runs', 'r', 'version')} "
        f"AS version, {st.col('runs', 'r', 'settings')} AS settings FROM runs r {order} LIMIT 1")
    if not rows:
        return None
    row = rows[0]
    # stores written before secrets were kept out of ``runs`` may still hold them
    row["settings"] = public_settings(parse_json_object(row["settings"]) or {})
    return row


def _coverage(st: Store) -> dict[str, Any]:
    out: dict[str, Any] = {"posts": st.count("posts"), "accounts": st.count("accounts"),
                           "first_post": None, "last_post": None, "sources": [], "kinds": [],
                           "languages": [], "files": st.count("files")}
    if st.has("posts", "time"):
        first, last = st.table("SELECT min(time) AS a, max(time) AS b FROM posts").to_pylist()[0].values()
        out["first_post"], out["last_post"] = jsonable(first), jsonable(last)
    for key, column in (("sources", "source_format"), ("kinds", "kind"), ("languages", "lang")):
        if st.has("posts", column):
            out[key] = st.rows(f"SELECT {column} AS name, count(*) AS posts FROM posts "
                               f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10")
    if st.has("posts", "account_id"):
        out["posting_accounts"] = int(st.table(
            "SELECT count(DISTINCT account_id) AS n FROM posts").column(0)[0].as_py())
    return out


_TREND_CORE = ("trend", "posts", "accounts", "coordinated_share", "inauthentic_share", "verdict",
               "score", "cost_usd_low", "cost_usd_high", "evidence")


def _trends(st: Store, pz: Pseudonymizer) -> list[dict[str, Any]]:
    if not st.has("trends", "trend"):
        return []
    order = "score DESC NULLS LAST, " if st.has("trends", "score") else ""
    order += "posts DESC NULLS LAST, " if st.has("trends", "posts") else ""
    rows = st.rows(f"SELECT * FROM trends ORDER BY {order}trend")
    out = []
    for r in rows:
        item = {k: r.get(k) for k in _TREND_CORE}
        item["evidence"] = [pz.text(s) for s in sentences(r.get("evidence"))]
        # Every further statistic the trends stage keeps is shown as it is.
        item["stats"] = {k: v for k, v in r.items() if k not in _TREND_CORE}
        out.append(item)
    return out


def _lead_trends(trends: list[dict[str, Any]], pushed: int, organic: int) -> list[int]:
    """Positions in ``trends`` (score order) of the trends the report writes out first: up to
    ``pushed`` manufactured and mixed ones by score, then the ``organic`` largest organic ones by
    posts."""
    lead = [i for i, t in enumerate(trends) if t.get("verdict") in ("manufactured", "mixed")][:pushed]
    rest = sorted((i for i, t in enumerate(trends) if t.get("verdict") not in ("manufactured", "mixed")),
                  key=lambda i: (-(trends[i].get("posts") or 0), str(trends[i].get("trend"))))
    return lead + rest[:organic]


def _timelines(st: Store, trends: list[dict], limit: int) -> list[dict[str, Any]]:
    if not st.has("trend_timeline", "trend", "minute", "posts") or not trends:
        return []
    names = [t["trend"] for t in trends[:limit]]
    coord = st.col("trend_timeline", "t", "coordinated_posts", "0")
    inauth = st.col("trend_timeline", "t", "inauthentic_posts", "0")
    st.con.register("_tt_names", pa.table({"trend": pa.array(names, pa.string())}))
    try:
        tab = st.table(
            f"SELECT t.trend, t.minute, t.posts, {coord} AS coordinated, {inauth} AS inauthentic "
            f"FROM trend_timeline t JOIN _tt_names n ON n.trend = t.trend ORDER BY t.trend, t.minute")
    finally:
        st.con.unregister("_tt_names")
    per: dict[str, list[tuple]] = {}
    for r in tab.to_pylist():
        per.setdefault(r["trend"], []).append(
            (r["minute"], r["posts"] or 0, r["coordinated"] or 0, r["inauthentic"] or 0))
    out = []
    for name in names:
        pts = per.get(name)
        if not pts:
            continue
        start, end = pts[0][0], pts[-1][0]
        span = (end - start).total_seconds() / 60 + 1
        bucket = next((b for b in _BUCKETS if span / b <= _MAX_TIMELINE_POINTS), _BUCKETS[-1])
        agg: dict[datetime, list[int]] = {}
        for minute, p, c, i in pts:
            offset = int((minute - start).total_seconds() // 60) // bucket * bucket
            key = start + timedelta(minutes=offset)
            cell = agg.setdefault(key, [0, 0, 0])
            cell[0] += p
            cell[1] += c
            cell[2] += i
        out.append({"trend": name, "bucket_minutes": bucket, "start": jsonable(start),
                    "end": jsonable(end + timedelta(minutes=1)),
                    "points": [[jsonable(k), *v] for k, v in sorted(agg.items())]})
    return out


def _clusters(st: Store) -> list[dict[str, Any]]:
    if not st.has("clusters", "cluster"):
        return []
    origin = st.has("cluster_origin", "cluster")
    o = (lambda c, d="NULL": st.col("cluster_origin", "o", c, d)) if origin else (lambda c, d="NULL": d)
    # Stages may type the cluster label differently (integer or text): join on its text.
    join = ("LEFT JOIN cluster_origin o ON CAST(o.cluster AS VARCHAR) = CAST(c.cluster AS VARCHAR)"
            if origin else "")
    rows = st.rows(
        f"SELECT c.cluster, {st.col('clusters', 'c', 'accounts')} AS accounts, "
        f"{st.col('clusters', 'c', 'posts')} AS posts, {st.col('clusters', 'c', 'traces')} AS traces, "
        f"{st.col('clusters', 'c', 'top_hashtags')} AS top_hashtags, {o('utc_offset')} AS utc_offset, "
        f"{o('confidence')} AS origin_confidence, {o('persona_mix')} AS persona_mix, "
        f"{o('persona_baseline')} AS persona_baseline, {o('script_mix')} AS script_mix, "
        f"{o('origin_note')} AS origin_note "
        f"FROM clusters c {join} ORDER BY accounts DESC NULLS LAST, c.cluster")
    for r in rows:
        r["traces"] = split_list(r["traces"])
        r["top_hashtags"] = split_list(r["top_hashtags"])
        for k in ("persona_mix", "persona_baseline", "script_mix"):
            r[k] = parse_json_object(r[k])
    return rows


def _hours(st: Store, home_offset: float, clusters: list) -> dict[str, Any]:
    """Posts per hour of day, in the home time zone, per cluster and for accounts in no cluster.

    Read from ``cluster_hours`` (posts per quarter hour of the UTC day, written by the
    coordination stage) and turned by the home zone's offset, rounded to a quarter hour (every
    zone's is one). A store analysed before that table existed shows no heat maps.
    """
    out: dict[str, Any] = {"utc_offset": home_offset, "clusters": {}, "baseline": None}
    if not st.has("cluster_hours", "cluster", "quarter", "posts"):
        return out
    shift = int(round(home_offset * 4))
    per: dict[Any, list[int]] = {}
    for r in st.rows("SELECT cluster, quarter, posts FROM cluster_hours"):
        key = None if r["cluster"] is None else str(r["cluster"])
        per.setdefault(key, [0] * 24)[((int(r["quarter"]) + shift) % 96) // 4] += int(r["posts"])
    out["baseline"] = per.get(None, [0] * 24)
    out["clusters"] = {str(c): per.get(str(c), [0] * 24) for c in clusters}
    return out


def _network(st: Store, pz: Pseudonymizer, max_edges: int, seed: int,
             cluster: str | None = None, account: str | None = None) -> dict[str, Any]:
    """The strongest ``max_edges`` edges with their accounts, evidence and layout; ``cluster``
    keeps the edges inside one cluster, ``account`` the edges of one account (dashboard)."""
    empty = {"nodes": [], "edges": [], "total_edges": 0, "shown_edges": 0}
    if not st.has("edges", "account_a", "account_b"):
        return empty
    where, params = "", []
    if cluster is not None and st.has("account_coordination", "account_id", "cluster"):
        where = ("WHERE e.account_a IN (SELECT account_id FROM account_coordination WHERE "
                 "CAST(cluster AS VARCHAR) = ?) AND e.account_b IN (SELECT account_id FROM "
                 "account_coordination WHERE CAST(cluster AS VARCHAR) = ?)")
        params = [str(cluster), str(cluster)]
    elif account is not None:
        where, params = "WHERE e.account_a = ? OR e.account_b = ?", [account, account]
    total = (int(st.table(f"SELECT count(*) FROM edges e {where}", params).column(0)[0].as_py())
             if where else st.count("edges"))
    weight = st.col("edges", "e", "weight", "1.0")
    edges = st.rows(
        f"SELECT e.account_a, e.account_b, {st.col('edges', 'e', 'traces')} AS traces, "
        f"{st.col('edges', 'e', 'co_actions')} AS co_actions, {weight} AS weight, "
        f"{st.col('edges', 'e', 'p_value')} AS p_value FROM edges e {where} "
        f"ORDER BY {weight} DESC NULLS LAST, e.account_a, e.account_b LIMIT ?", params + [max_edges])
    if not edges:
        return {**empty, "total_edges": total}
    ids = sorted({e["account_a"] for e in edges} | {e["account_b"] for e in edges})
    st.con.register("_net_ids", pa.table({"account_id": pa.array(ids, pa.string())}))
    try:
        nodes = st.rows(
            "SELECT n.account_id, "
            + (f"{st.col('accounts', 'a', 'handle')}" if st.has("accounts") else "NULL") + " AS handle, "
            + (f"{st.col('account_coordination', 'ac', 'cluster')}" if st.has("account_coordination") else "NULL")
            + " AS cluster, "
            + (f"{st.col('account_coordination', 'ac', 'coordination_score')}" if st.has("account_coordination")
               else "NULL")
            + " AS coordination_score, "
            + (f"{st.col('account_signals', 's', 'inauthenticity_score')}" if st.has("account_signals") else "NULL")
            + " AS inauthenticity_score, "
            + (f"coalesce({st.col('account_coordination', 'ac', 'posts')}, 0)" if st.has("account_coordination")
               else "0") + " AS posts "
            "FROM _net_ids n "
            + ("LEFT JOIN accounts a ON a.account_id = n.account_id " if st.has("accounts", "account_id") else "")
            + ("LEFT JOIN account_coordination ac ON ac.account_id = n.account_id "
               if st.has("account_coordination", "account_id") else "")
            + ("LEFT JOIN account_signals s ON s.account_id = n.account_id "
               if st.has("account_signals", "account_id") else "")
            + "ORDER BY n.account_id")
        evidence: dict[tuple[str, str], list[dict]] = {}
        if st.has("edge_evidence", "account_a", "account_b"):
            ev = st.col
            st.con.register("_net_edges", pa.table({
                "account_a": pa.array([e["account_a"] for e in edges], pa.string()),
                "account_b": pa.array([e["account_b"] for e in edges], pa.string())}))
            # a permalink for each post where the source has one (docs/report.md, evidence.csv)
            if st.has("posts", "post_id", "source_format") and st.has("edge_evidence", "post_a", "post_b"):
                links = f"{permalink_sql('pa')} AS url_a, {permalink_sql('pb')} AS url_b,"
                link_joins = ("LEFT JOIN posts pa ON pa.post_id = CAST(v.post_a AS VARCHAR) "
                              "LEFT JOIN posts pb ON pb.post_id = CAST(v.post_b AS VARCHAR)")
            else:
                links, link_joins = "NULL::VARCHAR AS url_a, NULL::VARCHAR AS url_b,", ""
            try:
                rows = st.rows(
                    f"SELECT * FROM (SELECT v.account_a, v.account_b, "
                    f"{ev('edge_evidence', 'v', 'trace')} AS trace, {ev('edge_evidence', 'v', 'object')} AS object, "
                    f"{ev('edge_evidence', 'v', 'post_a')} AS post_a, {ev('edge_evidence', 'v', 'post_b')} AS post_b, "
                    f"{ev('edge_evidence', 'v', 'time_a')} AS time_a, {ev('edge_evidence', 'v', 'time_b')} AS time_b, "
                    f"left({ev('edge_evidence', 'v', 'text_a')}, {_TEXT_CHARS}) AS text_a, "
                    f"left({ev('edge_evidence', 'v', 'text_b')}, {_TEXT_CHARS}) AS text_b, "
                    f"{links} "
                    f"row_number() OVER (PARTITION BY v.account_a, v.account_b ORDER BY "
                    f"{ev('edge_evidence', 'v', 'time_a')}, {ev('edge_evidence', 'v', 'trace')}) AS rn "
                    f"FROM edge_evidence v JOIN _net_edges s ON s.account_a = v.account_a "
                    f"AND s.account_b = v.account_b {link_joins}) WHERE rn <= {_EVIDENCE_PER_EDGE}")
            finally:
                st.con.unregister("_net_edges")
            for r in rows:
                r.pop("rn", None)
                key = (r.pop("account_a"), r.pop("account_b"))
                evidence.setdefault(key, []).append(pz.record(r))
    finally:
        st.con.unregister("_net_ids")
    xy = _layout(ids, [(e["account_a"], e["account_b"], e["weight"] or 1.0) for e in edges], seed)
    out_nodes = []
    for n in nodes:
        x, y = xy[n["account_id"]]
        out_nodes.append({"id": pz.account(n["account_id"]), "label": pz.handle(n["handle"]),
                          "cluster": n["cluster"], "posts": n["posts"],
                          "coordination_score": n["coordination_score"],
                          "inauthenticity_score": n["inauthenticity_score"],
                          "x": round(x, 4), "y": round(y, 4)})
    out_edges = []
    for e in edges:
        out_edges.append({"source": pz.account(e["account_a"]), "target": pz.account(e["account_b"]),
                          "traces": split_list(e["traces"]), "co_actions": e["co_actions"],
                          "weight": e["weight"], "p_value": e["p_value"],
                          "evidence": evidence.get((e["account_a"], e["account_b"]), [])})
    return {"nodes": out_nodes, "edges": out_edges, "total_edges": total,
            "shown_edges": len(out_edges)}


def _layout(ids: list[str], edges: list[tuple[str, str, float]], seed: int) -> dict[str, tuple[float, float]]:
    """Seeded Fruchterman–Reingold layout per connected component (igraph), components packed in
    rows by size; coordinates in [0, 1]. Presentation only."""
    import igraph as ig

    index = {a: i for i, a in enumerate(ids)}
    g = ig.Graph(n=len(ids), edges=[(index[a], index[b]) for a, b, _ in edges])
    g.es["weight"] = [max(float(w), 1e-9) for _, _, w in edges]
    comps = sorted(g.connected_components(), key=lambda c: (-len(c), min(c)))
    rng = random.Random(seed)
    # igraph's layouts draw from its own generator: give it a seeded one, then restore the default.
    ig.set_random_number_generator(random.Random(seed))
    try:
        placed = _place(g, comps, rng)
    finally:
        ig.set_random_number_generator(random)
    return _pack(ids, placed)


def _place(g: Any, comps: list, rng: random.Random) -> list[tuple[list[int], list[tuple[float, float]], float]]:
    placed: list[tuple[list[int], list[tuple[float, float]], float]] = []
    for comp in comps:
        sub = g.induced_subgraph(comp)
        start = [[rng.random(), rng.random()] for _ in comp]
        if len(comp) == 1:
            coords = [(0.0, 0.0)]
        else:
            lay = sub.layout_fruchterman_reingold(weights="weight", seed=start, niter=500)
            coords = [tuple(p) for p in lay.coords]
        xs, ys = [c[0] for c in coords], [c[1] for c in coords]
        w = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
        norm = [((x - min(xs)) / w, (y - min(ys)) / w) for x, y in coords]
        placed.append((comp, norm, math.sqrt(len(comp))))
    return placed


def _pack(ids: list[str], placed: list) -> dict[str, tuple[float, float]]:
    # Shelf packing: each component gets a square cell of side ∝ sqrt(size).
    total = sum(s * s for _, _, s in placed)
    row_width = max(math.sqrt(total) * 1.6, placed[0][2] if placed else 1)
    x = y = row_h = 0.0
    pos: dict[str, tuple[float, float]] = {}
    cells = []
    for comp, norm, side in placed:
        if x > 0 and x + side > row_width:
            x, y, row_h = 0.0, y + row_h, 0.0
        cells.append((comp, norm, x, y, side))
        x += side
        row_h = max(row_h, side)
    width, height = max((c[2] + c[4] for c in cells), default=1), max((c[3] + c[4] for c in cells), default=1)
    scale = max(width, height, 1e-9)
    for comp, norm, cx, cy, side in cells:
        pad = side * 0.1
        for i, (nx, ny) in zip(comp, norm, strict=False):
            pos[ids[i]] = ((cx + pad + nx * (side - 2 * pad)) / scale,
                           (cy + pad + ny * (side - 2 * pad)) / scale)
    return pos


def _overlap(st: Store, pz: Pseudonymizer, top: int = 20, min_shared: int = 2) -> dict[str, Any]:
    """The overlap matrix's campaigns (at most ``top``: those sharing most coordinated accounts with
    others, counting pairs that share at least ``min_shared``) and their pairs; names shown as the
    report shows them (``#tag`` for a hashtag, a campaign's name as given)."""
    out: dict[str, Any] = {"campaigns": [], "pairs": [], "multi_campaign_accounts": [], "min_shared": min_shared,
                           "pairs_total": 0}
    if st.has("overlap", "campaign_a", "campaign_b"):
        kinds = st.has("overlap", "kind_a", "kind_b")
        label = ("CASE WHEN o.kind_{s} = 'campaign' THEN o.campaign_{s} ELSE '#' || o.campaign_{s} END" if kinds
                 else "'#' || o.campaign_{s}")
        shared = st.col("overlap", "o", "shared_accounts")
        pairs = st.rows(
            f"SELECT {label.format(s='a')} AS campaign_a, {label.format(s='b')} AS campaign_b, {shared} AS "
            f"shared_accounts, {st.col('overlap', 'o', 'jaccard')} AS jaccard FROM overlap o "
            f"WHERE {shared} >= ? ORDER BY shared_accounts DESC NULLS LAST, campaign_a, campaign_b LIMIT 5000",
            [min_shared])
        out["pairs_total"] = int(st.rows(f"SELECT count(*) AS n FROM overlap o WHERE {shared} >= ?",
                                         [min_shared])[0]["n"])
        weight: dict[str, float] = {}
        for p in pairs:
            for c in (p["campaign_a"], p["campaign_b"]):
                weight[c] = weight.get(c, 0) + (p["shared_accounts"] or 0)
        # The matrix shows the campaigns that share most accounts with others.
        campaigns = sorted(weight, key=lambda c: (-weight[c], c))[:top]
        keep = set(campaigns)
        out["campaigns"] = campaigns
        out["pairs"] = [p for p in pairs if p["campaign_a"] in keep and p["campaign_b"] in keep]
    if st.has("multi_campaign_accounts", "account_id"):
        handle = "a.handle" if st.has("accounts", "handle") else "NULL"
        join = "LEFT JOIN accounts a ON a.account_id = m.account_id" if st.has("accounts", "handle") else ""
        rows = st.rows(
            f"SELECT m.account_id, {handle} AS handle, "
            f"{st.col('multi_campaign_accounts', 'm', 'campaigns')} AS campaigns, "
            f"{st.col('multi_campaign_accounts', 'm', 'campaign_list')} AS campaign_list "
            f"FROM multi_campaign_accounts m {join} ORDER BY campaigns DESC NULLS LAST, m.account_id "
            f"LIMIT 500")
        for r in rows:
            r["campaign_list"] = split_list(r["campaign_list"])
        out["multi_campaign_accounts"] = [pz.record(r) for r in rows]
    return out


#: Most orders and executing accounts listed in the report's instruction-channel section.
_CHAT_ROWS = 200


def _chats(st: Store, pz: Pseudonymizer, window_s: int) -> dict[str, Any]:
    """The orders read from ``--chats`` exports and who carried them out (table ``instructions``,
    ``chat_accounts``); ``messages`` 0 when no chat was given."""
    out: dict[str, Any] = {"messages": st.count("chat_messages"), "instructions": [], "executors": [],
                           "instructions_total": 0, "executors_total": 0, "window_hours": window_s / 3600}
    if not out["messages"] or not st.has("instructions", "instruction"):
        return out
    out["instructions_total"] = st.count("instructions")
    # local times as the chat shows them (no zone: jsonable would mark them UTC)
    rows = st.rows("SELECT instruction, chat, line, sent_at, strftime(sent_local, '%Y-%m-%d %H:%M') AS sent_local, "
                   "chat_tz, sender, hashtags, text, links, strftime(at_local, '%Y-%m-%d %H:%M') AS at_local, "
                   "min_count, executed_posts, accounts, median_delay_s, median_delay_after_time_s, "
                   "accounts_meeting_min_count, hashtag_users, "
                   "hashtag_users_not_qualified, baseline_posts, peak_ratio, evidence "
                   f"FROM instructions ORDER BY sent_at, instruction LIMIT {_CHAT_ROWS}")
    url = re.compile(r"https?://\S+", re.IGNORECASE)
    for r in rows:
        r = pz.record(r)
        if pz.enabled and r.get("text"):
            r["text"] = url.sub("<link>", r["text"])
        out["instructions"].append(r)
    if st.has("chat_accounts", "account_id"):
        out["executors_total"] = st.count("chat_accounts")
        handle = ("(SELECT any_value(handle) FROM accounts a WHERE a.account_id = c.account_id)"
                  if st.has("accounts", "handle") else "NULL")
        out["executors"] = [pz.record(r) for r in st.rows(
            f"SELECT c.account_id, {handle} AS handle, c.instructions, c.instruction_ids, c.posts, c.median_delay_s, "
            f"c.evidence FROM chat_accounts c ORDER BY c.instructions DESC, c.posts DESC, c.account_id "
            f"LIMIT {_CHAT_ROWS}")]
    return out


def accounts_sql(st: Store) -> str:
    """The SELECT behind ``accounts.csv``, the report's account table and the dashboard: one row
    per account seen (in ``accounts`` or ``posts``), left-joined with post counts, coordination and
    signals; absent tables give empty values (``posts`` 0, ``coordinated`` false)."""
    sources = []
    if st.has("accounts", "account_id"):
        sources.append("SELECT account_id FROM accounts")
    if st.has("posts", "account_id"):
        sources.append("SELECT DISTINCT account_id FROM posts")
    if st.has("account_coordination", "account_id"):
        sources.append("SELECT account_id FROM account_coordination")
    if st.has("account_signals", "account_id"):
        sources.append("SELECT account_id FROM account_signals")
    if not sources:
        sources = ["SELECT NULL::VARCHAR AS account_id WHERE false"]
    ids = " UNION ".join(sources)
    a = lambda c, d="NULL": st.col("accounts", "a", c, d)  # noqa: E731
    c = lambda n, d="NULL": st.col("account_coordination", "c", n, d)  # noqa: E731
    s = lambda n, d="NULL": st.col("account_signals", "s", n, d)  # noqa: E731
    joins = ""
    if st.has("accounts", "account_id"):
        joins += " LEFT JOIN accounts a ON a.account_id = i.account_id"
    if st.has("account_coordination", "account_id"):
        joins += " LEFT JOIN account_coordination c ON c.account_id = i.account_id"
    if st.has("account_signals", "account_id"):
        joins += " LEFT JOIN account_signals s ON s.account_id = i.account_id"
    # accounts that carried out orders of a --chats export: a labelled group, said first in the reasons
    chat = "NULL"
    if st.has("chat_accounts", "account_id", "instruction_ids", "evidence"):
        joins += " LEFT JOIN chat_accounts ch ON ch.account_id = i.account_id"
        chat = ("CASE WHEN ch.account_id IS NOT NULL THEN 'carried out ' || ch.instructions || ' chat order' || "
                "CASE WHEN ch.instructions = 1 THEN '' ELSE 's' END || ' (' || ch.instruction_ids || '; evidence: ' "
                "|| ch.evidence || ')' END")
    posts = f"coalesce({c('posts')}, 0)"  # counted once, by the coordination stage
    return (
        f"SELECT i.account_id AS account_id, CAST({a('handle')} AS VARCHAR) AS handle, "
        f"CAST({posts} AS BIGINT) AS posts, "
        f"coalesce(CAST({c('coordinated')} AS BOOLEAN), false) AS coordinated, "
        f"CAST({c('cluster')} AS VARCHAR) AS cluster, "
        f"CAST(coalesce({c('coordination_score')}, 0) AS DOUBLE) AS coordination_score, "
        f"CAST({s('inauthenticity_score')} AS DOUBLE) AS inauthenticity_score, "
        f"CAST({s('utc_offset')} AS DOUBLE) AS utc_offset, "
        # The account's own coordination evidence (written by the coordination stage) leads its reasons.
        f"CAST(concat_ws('; ', {chat}, nullif({c('coordination_evidence')}, ''), nullif({s('reasons')}, '')) "
        f"AS VARCHAR) "
        f"AS reasons, "
        f"CAST({a('display_name')} AS VARCHAR) AS display_name, "
        f"CAST({s('utc_offset_confidence')} AS DOUBLE) AS utc_offset_confidence, "
        f"CAST({s('persona')} AS VARCHAR) AS persona, "
        f"CAST({s('origin_note')} AS VARCHAR) AS origin_note, "
        f"CAST({c('degree')} AS BIGINT) AS degree "
        f"FROM ({ids}) i{joins}"
    )


def _score_info(st: Store) -> dict[str, Any]:
    """How the inauthenticity score was made in this store: the method, the source fields the data
    does not carry (with the sentence saying what goes unused), and a trained model's provenance."""
    out: dict[str, Any] = {"method": None, "unavailable": [], "model": None}
    if st.has("account_signals", "score_method"):
        out["method"] = st.table("SELECT any_value(score_method) FROM account_signals").column(0)[0].as_py()
    if st.has("account_fields", "note"):
        out["unavailable"] = st.rows("SELECT field, note FROM account_fields WHERE NOT available ORDER BY rowid")
    if st.has("account_model", "sha256"):
        rows = st.rows("SELECT sha256, trained_at, trained_by, labels, n, positives, cv_auc, holdout_auc "
                       "FROM account_model")
        out["model"] = rows[0] if rows else None
    return out


def _accounts(st: Store, pz: Pseudonymizer, limit: int) -> dict[str, Any]:
    if not (st.has("account_coordination") or st.has("account_signals")):
        return {"total": st.count("accounts"), "shown": 0, "rows": [], "score": _score_info(st)}
    base = accounts_sql(st)
    total = int(st.table(f"SELECT count(*) FROM ({base})").column(0)[0].as_py())
    rows = st.rows(
        f"SELECT * FROM ({base}) ORDER BY coordinated DESC, greatest(coordination_score, "
        f"coalesce(inauthenticity_score, 0)) DESC, posts DESC, account_id LIMIT ?", [limit])
    for r in rows:
        r["reasons"] = [pz.text(x) for x in sentences(r["reasons"], "; ")]
    return {"total": total, "shown": len(rows), "rows": [pz.record(r) for r in rows], "score": _score_info(st)}


def _personas(st: Store, clusters: list[dict]) -> dict[str, Any]:
    out: dict[str, Any] = {"overall": {}, "coordinated": {}, "by_cluster": {}}
    if st.has("account_signals", "persona"):
        coord = ("coalesce(c.coordinated, false)" if st.has("account_coordination", "coordinated")
                 else "false")
        join = ("LEFT JOIN account_coordination c ON c.account_id = s.account_id"
                if st.has("account_coordination", "coordinated") else "")
        for r in st.rows(f"SELECT coalesce(nullif(s.persona, ''), 'none') AS persona, {coord} AS "
                         f"coordinated, count(*) AS n FROM account_signals s {join} GROUP BY 1, 2"):
            out["overall"][r["persona"]] = out["overall"].get(r["persona"], 0) + r["n"]
            if r["coordinated"]:
                out["coordinated"][r["persona"]] = r["n"]
    for c in clusters:
        if c.get("persona_mix") is not None:
            out["by_cluster"][str(c["cluster"])] = c["persona_mix"]
    return out


def _cost(st: Store, trends: list[dict], run_settings: Mapping[str, Any], settings: Any) -> dict[str, Any]:
    """The trend stage's ``cost`` table (the report computes no money itself), with each trend's
    verdict and post count from ``trends``; ``total`` is the ``all`` row (each post counted once)."""
    low = run_settings.get("price_low", _setting(settings, "price_low"))
    high = run_settings.get("price_high", _setting(settings, "price_high"))
    out: dict[str, Any] = {"price_low": low, "price_high": high, "trends": [], "total": None}
    if not st.has("cost", "scope", "name", "inauthentic_posts", "cost_usd_low", "cost_usd_high"):
        return out
    by_name = {t["trend"]: t for t in trends}
    rows = st.rows("SELECT scope, name, inauthentic_posts, cost_usd_low, cost_usd_high FROM cost")
    for r in rows:
        if r["scope"] == "all":
            out["total"] = {"suspect_posts": r["inauthentic_posts"], "cost_usd_low": r["cost_usd_low"],
                            "cost_usd_high": r["cost_usd_high"]}
        elif (r["cost_usd_high"] or 0) > 0:
            t = by_name.get(r["name"], {})
            # suspect_posts is the count the cost multiplies (coordinated or likely inauthentic accounts' posts)
            out["trends"].append({"trend": r["name"], "verdict": t.get("verdict"), "posts": t.get("posts"),
                                  "suspect_posts": r["inauthentic_posts"], "cost_usd_low": r["cost_usd_low"],
                                  "cost_usd_high": r["cost_usd_high"]})
    out["trends"].sort(key=lambda r: (-(r["cost_usd_high"] or 0), r["trend"]))
    return out


def _summary(st: Store, data: dict) -> dict[str, Any]:
    verdicts: dict[str, int] = {}
    for t in data["trends"]:
        verdicts[str(t["verdict"])] = verdicts.get(str(t["verdict"]), 0) + 1
    coordinated = 0
    if st.has("account_coordination", "coordinated"):
        coordinated = int(st.table("SELECT count(*) FROM account_coordination WHERE coordinated")
                          .column(0)[0].as_py())
    return {"trends": len(data["trends"]), "verdicts": verdicts, "clusters": len(data["clusters"]),
            "coordinated_accounts": coordinated, "edges": data["network"]["total_edges"]}
