"""Cross-campaign overlap: the same coordinated accounts in different trends and campaigns.

* ``overlap(campaign_a, campaign_b, shared_accounts, jaccard, kind_a, kind_b, accounts_a,
  accounts_b)``: for every pair of trends (hashtags, and campaigns from ``--campaigns``) that share at
  least one *coordinated* account, the number shared and the Jaccard index
  ``shared / (accounts_a + accounts_b − shared)`` over their coordinated accounts.
  ``campaign_a < campaign_b``.
* ``multi_campaign_accounts(account_id, campaigns, campaign_list)``: coordinated accounts active in
  at least ``min_campaigns`` *unrelated* campaigns.

"Unrelated": hashtags that a campaign pushes together are one campaign, not several. Two hashtag
trends are related when, among the *suspect* posts (coordinated or likely inauthentic accounts)
carrying the rarer of the two, at least :data:`RELATED_CONTAINMENT` also carry the other, and at
least :data:`RELATED_MIN_POSTS` posts carry both; related hashtags are merged by connected
components. Suspect posts, not all posts, because a campaign that hijacks a big organic hashtag
always adds its own tags to it, while the organic crowd does not. A hashtag named in a
``--campaigns`` campaign belongs to that campaign. Only *pushed* campaigns count: a group with at
least one trend judged mixed or manufactured, or a ``--campaigns`` campaign (a fake account that
also posts filler on #weather is not "pushing" #weather). The campaign list names each group by
its (up to three) largest hashtags.

Only coordinated accounts count, as the question is whether the *same operated accounts* push
unrelated causes; without the coordination stage both tables are empty.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from trendtrace.settings import Settings

from .campaigns import Campaign
from .on_engine import TrendPosts

__all__ = ["RELATED_CONTAINMENT", "RELATED_MIN_POSTS", "write_overlap", "campaign_units"]

#: Share of the rarer hashtag's suspect posts that must also carry the other for the two to be one campaign.
RELATED_CONTAINMENT = 0.5
#: Least suspect posts carrying both hashtags for them to be related.
RELATED_MIN_POSTS = 5


def campaign_units(con: duckdb.DuckDBPyConnection, campaigns: list[Campaign], tp: TrendPosts) -> None:
    """Temp table ``_tt_unit(trend, trend_kind, unit, pushed)``: the campaign each trend belongs to,
    and whether that campaign counts as pushed.

    Needs ``_tt_stats`` of :mod:`trendtrace.trends.stats`, the ``trends`` table, and ``tp`` (the
    hashtags' shared suspect posts are counted on the run's engine).
    """
    trends = con.execute(
        "SELECT trend, posts FROM _tt_stats WHERE trend_kind = 'hashtag' ORDER BY posts DESC, trend"
    ).fetchall()
    index = {t: i for i, (t, _) in enumerate(trends)}
    con.register("_tt_co", tp.shared_suspect_posts())
    try:
        pairs = con.execute("""
            WITH n AS (SELECT trend, suspect_posts AS k FROM _tt_base WHERE trend_kind = 'hashtag')
            SELECT co.ta, co.tb FROM _tt_co co JOIN n na ON na.trend = co.ta JOIN n nb ON nb.trend = co.tb
            WHERE co.k >= $min_posts AND co.k >= $c * least(na.k, nb.k)
        """, {"c": RELATED_CONTAINMENT, "min_posts": RELATED_MIN_POSTS}).fetchall()
    finally:
        con.unregister("_tt_co")
    owner: dict[str, str] = {}
    for c in campaigns:
        for t in c.hashtags:
            owner.setdefault(t, c.name)
    n = len(trends)
    if n:
        rows = np.array([index[a] for a, _ in pairs], dtype=np.int64)
        cols = np.array([index[b] for _, b in pairs], dtype=np.int64)
        graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
    else:
        labels = np.zeros(0, dtype=np.int64)
    members: dict[int, list[str]] = {}
    for (t, _), lab in zip(trends, labels, strict=False):
        members.setdefault(int(lab), []).append(t)  # trends are in descending posts order
    names: dict[int, str] = {}
    for lab, ts in members.items():
        owned = sorted({owner[t] for t in ts if t in owner})
        if owned:
            names[lab] = owned[0]
        else:
            shown = " / ".join("#" + t for t in ts[:3])
            names[lab] = shown + (f" (+{len(ts) - 3} related)" if len(ts) > 3 else "")
    pushed_tags = {r[0] for r in con.execute(
        "SELECT trend FROM trends WHERE trend_kind = 'hashtag' AND verdict <> 'organic'").fetchall()}
    pushed_labels = {int(lab) for (t, _), lab in zip(trends, labels, strict=False) if t in pushed_tags}
    unit_trend = [t for t, _ in trends] + [c.name for c in campaigns]
    unit_kind = ["hashtag"] * n + ["campaign"] * len(campaigns)
    unit_name = ([owner.get(t, names[int(lab)]) for (t, _), lab in zip(trends, labels, strict=False)]
                 + [c.name for c in campaigns])
    pushed = ([t in owner or int(lab) in pushed_labels for (t, _), lab in zip(trends, labels, strict=False)]
              + [True] * len(campaigns))
    tbl = pa.table({"trend": unit_trend, "trend_kind": unit_kind, "unit": unit_name, "pushed": pushed},
                   schema=pa.schema([("trend", pa.string()), ("trend_kind", pa.string()), ("unit", pa.string()),
                                     ("pushed", pa.bool_())]))
    con.register("_tt_unit_arrow", tbl)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _tt_unit AS SELECT * FROM _tt_unit_arrow")
    finally:
        con.unregister("_tt_unit_arrow")


def write_overlap(con: duckdb.DuckDBPyConnection, settings: Settings, campaigns: list[Campaign],
                  tp: TrendPosts) -> None:
    """Write the store tables ``overlap`` and ``multi_campaign_accounts`` (see module doc).

    Needs the temp tables of :mod:`trendtrace.trends.stats` (``_tt_ta``, ``_tt_base``, ``_tt_stats``)
    and ``tp``.
    """
    con.execute("""
        CREATE OR REPLACE TABLE overlap AS
        WITH ca AS (SELECT DISTINCT trend, trend_kind, account_id FROM _tt_ta WHERE coordinated),
        sz AS (SELECT trend, trend_kind, count(*) AS n FROM ca GROUP BY ALL),
        pr AS (
            SELECT a.trend AS campaign_a, a.trend_kind AS kind_a, b.trend AS campaign_b, b.trend_kind AS kind_b,
                   count(*) AS shared_accounts
            FROM ca a JOIN ca b ON a.account_id = b.account_id
                 AND (a.trend < b.trend OR (a.trend = b.trend AND a.trend_kind < b.trend_kind))
            GROUP BY ALL)
        SELECT pr.campaign_a, pr.campaign_b, pr.shared_accounts,
               pr.shared_accounts / (sa.n + sb.n - pr.shared_accounts) AS jaccard,
               pr.kind_a, pr.kind_b, sa.n AS accounts_a, sb.n AS accounts_b
        FROM pr JOIN sz sa ON sa.trend = pr.campaign_a AND sa.trend_kind = pr.kind_a
                JOIN sz sb ON sb.trend = pr.campaign_b AND sb.trend_kind = pr.kind_b
        ORDER BY shared_accounts DESC, jaccard DESC, campaign_a, campaign_b
    """)
    campaign_units(con, campaigns, tp)
    con.execute("""
        CREATE OR REPLACE TABLE multi_campaign_accounts AS
        WITH au AS (SELECT DISTINCT ta.account_id, u.unit
                    FROM _tt_ta ta JOIN _tt_unit u USING (trend, trend_kind) WHERE ta.coordinated AND u.pushed)
        SELECT account_id, count(*) AS campaigns, string_agg(unit, '; ' ORDER BY unit) AS campaign_list
        FROM au GROUP BY account_id HAVING count(*) >= $k
        ORDER BY campaigns DESC, account_id
    """, {"k": int(settings["min_campaigns"])})
