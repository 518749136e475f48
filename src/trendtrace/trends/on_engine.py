"""The trend stage's reads of the posts, written once in Ibis and run where the posts are.

Everything here that touches posts runs on the run's engine (DuckDB, or Spark for data past one
machine): which posts belong to which trend (hashtags, a repost taking the hashtags of the post it
reposts, campaign hashtags and keywords), which own-text posts are near-copies, and the trend ×
post table with each post's account flags. Only aggregates come back to the driver
(:class:`TrendPosts`), as Arrow tables that the statistics in :mod:`trendtrace.trends.stats` read
with DuckDB:

``ta``      one row per (trend, account): posts, first post time, flags — O(trend memberships);
``base``    one row per trend: post counts (all, with a kind, reposts, coordinated, inauthentic,
            suspect, own-text, templated), first and last post, summed evidence strength;
``timeline`` one row per (trend, minute): posts, coordinated and inauthentic posts (written as
            the store table ``trend_timeline``);
``langs``   one row per (trend, language): posts;
``spells``  one row per trend with a spell: ten-minute spells in which suspect accounts wrote most
            of the trend's posts, and their suspect posts;
``span``    the first and last post time of the whole data.

The near-copy search itself (MinHash over the distinct word sets,
:func:`trendtrace.coordination.textsim.near_duplicate_pairs`) runs on the driver over one row per
distinct word set of the trends' own-text posts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from trendtrace.coordination.textsim import near_duplicate_pairs
from trendtrace.engine import Engine
from trendtrace.settings import Settings
from trendtrace.text import words_expr

from .campaigns import Campaign

if TYPE_CHECKING:  # pragma: no cover
    from .stats import Inputs

__all__ = ["TrendPosts", "trend_posts", "templated", "MIN_TEMPLATE_WORDS", "P_FULL_LOG10", "FULL_MARGIN",
           "SPELL_MINUTES", "SPELL_MIN_POSTS"]

log = logging.getLogger(__name__)

#: Texts shorter than this (in words, after removing links, hashtags, mentions) are never called
#: templated: short phrases ("what a match") repeat by chance.
MIN_TEMPLATE_WORDS = 5
#: A coordinated account's posts weigh fully in ``suspect_weight`` when its smallest pair p-value
#: is at most 10 ** -P_FULL_LOG10; weaker evidence weighs -log10(p) / P_FULL_LOG10.
P_FULL_LOG10 = 6
#: An inauthentic account's posts weigh fully when its score is this far above
#: ``inauthentic_threshold``, half at the threshold.
FULL_MARGIN = 0.25
#: Length of the spells in which a trend's posts are checked for suspect majorities (minutes).
SPELL_MINUTES = 10
#: Least suspect posts in a spell for it to count (a spell of two posts proves nothing).
SPELL_MIN_POSTS = 5

_KEYS = ["trend", "trend_kind"]
_TS = pa.timestamp("us")
_SCHEMAS = {
    "ta": pa.schema([("trend", pa.string()), ("trend_kind", pa.string()), ("account_id", pa.string()),
                     ("n", pa.int64()), ("first_time", _TS), ("suspect", pa.bool_())]),
    "base": pa.schema([("trend", pa.string()), ("trend_kind", pa.string()), ("posts", pa.int64()),
                       ("first_post", _TS), ("last_post", _TS), ("kinds", pa.int64()), ("reposts", pa.int64()),
                       ("coordinated_posts", pa.int64()), ("inauthentic_posts", pa.int64()),
                       ("suspect_posts", pa.int64()), ("strength", pa.float64()), ("text_posts", pa.int64()),
                       ("templated_posts", pa.int64())]),
    "timeline": pa.schema([("trend", pa.string()), ("trend_kind", pa.string()), ("minute", _TS),
                           ("posts", pa.int64()), ("coordinated_posts", pa.int64()),
                           ("inauthentic_posts", pa.int64())]),
    "langs": pa.schema([("trend", pa.string()), ("trend_kind", pa.string()), ("lang", pa.string()),
                        ("posts", pa.int64())]),
    "spells": pa.schema([("trend", pa.string()), ("trend_kind", pa.string()), ("suspect_spells", pa.int64()),
                         ("suspect_spell_posts", pa.int64())]),
}
_ACCT = pa.schema([("account_id", pa.string()), ("coordinated", pa.bool_()), ("cluster", pa.string()),
                   ("min_p_value", pa.float64()), ("inauthenticity_score", pa.float64()),
                   ("inauthentic", pa.bool_()), ("utc_offset", pa.float64()), ("created_at", _TS)])


@dataclass
class TrendPosts:
    """The trend × post table on the engine and the aggregates of it on the driver (module doc).

    ``acct`` is the per-account table of flags the posts were joined with (driver side).
    """

    engine: Engine
    tp: ir.Table
    acct: pa.Table
    ta: pa.Table
    base: pa.Table
    timeline: pa.Table
    langs: pa.Table
    spells: pa.Table
    span: tuple[datetime | None, datetime | None]
    names: tuple[str, ...]

    def suspect_posts_in(self, trends: list[tuple[str, str]]) -> int:
        """Distinct suspect posts over the given (trend, trend_kind) pairs."""
        if not trends:
            return 0
        sel = self.engine.table(pa.table({"trend": [t for t, _ in trends], "trend_kind": [k for _, k in trends]},
                                         schema=pa.schema([("trend", pa.string()), ("trend_kind", pa.string())])),
                                "_tt_e_sel")
        try:
            tp = self.tp.filter(self.tp.suspect).semi_join(sel, _KEYS)
            return int(self.engine.execute(tp.post_id.nunique()) or 0)
        finally:
            self.engine.release("_tt_e_sel")

    def shared_suspect_posts(self) -> pa.Table:
        """(trend_a, trend_b, k): hashtag trends ``trend_a < trend_b`` sharing ``k`` suspect posts."""
        h = self.tp.filter((self.tp.trend_kind == "hashtag") & self.tp.suspect).select("trend", "post_id")
        a = h.select(ta=h.trend, pa_=h.post_id)
        b = h.select(tb=h.trend, pb_=h.post_id)
        co = a.join(b, (a.pa_ == b.pb_) & (a.ta < b.tb)).group_by(["ta", "tb"]).aggregate(k=lambda t: t.count())
        out = self.engine.arrow(co)
        return out.select(["ta", "tb", "k"]).cast(pa.schema([("ta", pa.string()), ("tb", pa.string()),
                                                                ("k", pa.int64())]))

    def release(self) -> None:
        """Drop the engine-side tables and views."""
        self.engine.release(*self.names)


def _account_flags(con: duckdb.DuckDBPyConnection, settings: Settings, inputs: Inputs,
                   has_min_p: bool) -> pa.Table:
    """One row per account named in a result table: coordinated (and its cluster and smallest pair
    p-value), inauthenticity score and flag, inferred UTC offset, creation time. Several rows per
    account in an input table would multiply posts: one value each is taken."""
    sources = [t for t, ok in (("account_coordination", inputs.coordination), ("account_signals", inputs.signals),
                               ("accounts", inputs.accounts)) if ok]
    if not sources:
        return _ACCT.empty_table()
    joins = []
    coord, cluster, min_p = "NULL::BOOLEAN", "NULL::VARCHAR", "NULL::DOUBLE"
    score, offset, created = "NULL::DOUBLE", "NULL::DOUBLE", "NULL::TIMESTAMP"
    if inputs.coordination:
        mp = "min(min_p_value) FILTER (WHERE coordinated)" if has_min_p else "NULL::DOUBLE"
        joins.append("LEFT JOIN (SELECT account_id, bool_or(coordinated) AS coordinated, min(cluster) AS cluster, "
                     f"{mp} AS min_p_value FROM account_coordination GROUP BY account_id) c USING (account_id)")
        coord, cluster, min_p = "c.coordinated", "c.cluster::VARCHAR", "c.min_p_value"
    if inputs.signals:
        joins.append("LEFT JOIN (SELECT account_id, max(inauthenticity_score) AS inauthenticity_score, "
                     "any_value(utc_offset) AS utc_offset FROM account_signals GROUP BY account_id) s "
                     "USING (account_id)")
        score, offset = "s.inauthenticity_score::DOUBLE", "s.utc_offset::DOUBLE"
    if inputs.accounts:
        joins.append("LEFT JOIN (SELECT account_id, min(created_at) AS created_at FROM accounts "
                     "GROUP BY account_id) a USING (account_id)")
        created = "a.created_at::TIMESTAMP"
    ids = " UNION ".join(f"SELECT account_id::VARCHAR AS account_id FROM {t}" for t in sources)
    out = con.cursor().sql(f"""
        SELECT u.account_id,
               coalesce({coord}, false) AS coordinated,
               CASE WHEN coalesce({coord}, false) THEN {cluster} END AS cluster,
               {min_p}::DOUBLE AS min_p_value,
               {score} AS inauthenticity_score,
               coalesce({score} >= $thr, false) AS inauthentic,
               {offset} AS utc_offset,
               {created} AS created_at
        FROM ({ids}) u {' '.join(joins)}
        WHERE u.account_id IS NOT NULL
    """, params={"thr": float(settings["inauthentic_threshold"])}).arrow()
    if isinstance(out, pa.RecordBatchReader):
        out = out.read_all()
    return out.cast(_ACCT)


def _memberships(eng: Engine, p: ir.Table, posts: ir.Table, settings: Settings,
                 campaigns: list[Campaign], names: list[str]) -> ir.Table:
    """(trend, trend_kind, post_id), distinct: hashtags used by at least ``min_trend_accounts``
    accounts (a repost without hashtags of its own takes those of the post it reposts, when that
    post is in the data), and campaigns by hashtag or keyword (case-insensitive substring)."""
    ref = posts.select(_ref=posts.post_id, _rtags=posts.hashtags)
    q = p.left_join(ref, p.ref_post_id == ref._ref)
    no_tags = q.hashtags.length().fill_null(0) == 0
    tags = ibis.ifelse(no_tags & (q.kind == "repost").fill_null(False), q._rtags, q.hashtags)
    h = q.select("post_id", "account_id", trend=tags.unnest())
    h = h.filter(h.trend.notnull())
    keep = h.group_by("trend").aggregate(n=h.account_id.nunique())
    keep = keep.filter(keep.n >= int(settings["min_trend_accounts"])).select("trend")
    parts = [h.semi_join(keep, "trend").select("trend", trend_kind=ibis.literal("hashtag"), post_id=h.post_id)]
    tags_t = [(c.name, t) for c in campaigns for t in c.hashtags]
    words_t = [(c.name, k) for c in campaigns for k in c.keywords]
    schema = pa.schema([("campaign", pa.string()), ("term", pa.string())])
    if tags_t:
        terms = eng.table(pa.table({"campaign": [c for c, _ in tags_t], "term": [t for _, t in tags_t]},
                                   schema=schema), "_tt_e_ctags")
        names.append("_tt_e_ctags")
        j = h.join(terms, h.trend == terms.term)
        parts.append(j.select(trend=j.campaign, trend_kind=ibis.literal("campaign"), post_id=j.post_id))
    if words_t:
        terms = eng.table(pa.table({"campaign": [c for c, _ in words_t], "term": [t for _, t in words_t]},
                                   schema=schema), "_tt_e_cwords")
        names.append("_tt_e_cwords")
        j = p.join(terms, p.text.lower().contains(terms.term))
        parts.append(j.select(trend=j.campaign, trend_kind=ibis.literal("campaign"), post_id=j.post_id))
    return ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0].distinct()


def templated(eng: Engine, p: ir.Table, m: ir.Table, threshold: float, seed: int,
              names: list[str]) -> ir.Table:
    """(post_id, templated) for the own-text posts of the trends (``m``) with at least
    :data:`MIN_TEMPLATE_WORDS` words; engine tables made on the way are added to ``names``.

    Each post's word set is :func:`trendtrace.text.words` (its copy key without hashtags and
    mentions, split into words of 2+ characters). A post is flagged when another account posted the
    same word set, or a word set with Jaccard ≥ ``threshold`` with it. The distinct word sets come
    to the driver and are compared with the near-duplicate search of the ``similar`` trace
    (:func:`trendtrace.coordination.textsim.near_duplicate_pairs` with ``unit="words"``: MinHash
    with banding, Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets* ch. 3;
    every candidate verified with its exact Jaccard), so every flag is verified; a near-copy is
    missed only when banding misses the pair. ``seed`` fixes the MinHash functions. The flagged
    word sets go back to the engine, where each post takes its word set's flag.
    """
    own = p.filter((p.kind != "repost").fill_null(True) & p.text.notnull()).semi_join(m.select("post_id"), "post_id")
    toks = words_expr(own.text)
    tok = own.select("post_id", "account_id", _toks=toks)
    tok = tok.filter(tok._toks.length() >= MIN_TEMPLATE_WORDS)
    tok = tok.select("post_id", "account_id", wkey=ibis.literal(" ").join(tok._toks))
    tok = eng.materialize(tok, "_tt_e_tok")
    names.append("_tt_e_tok")
    # one row per distinct word set: how many accounts posted it, and one of them (the driver's part)
    wset = eng.arrow(tok.group_by("wkey").aggregate(n_acc=tok.account_id.nunique(), acc=tok.account_id.min()))
    wset = wset.select(["wkey", "n_acc", "acc"]).cast(
        pa.schema([("wkey", pa.string()), ("n_acc", pa.int64()), ("acc", pa.string())])).sort_by("wkey")
    keys = wset.column("wkey").combine_chunks()
    i, j, _ = near_duplicate_pairs(keys, threshold, seed, unit="words")
    flag = _templated_word_sets(wset, i, j)
    flags = eng.table(pa.table({"wkey": keys.filter(pa.array(flag))}, schema=pa.schema([("wkey", pa.string())])),
                      "_tt_e_tflags")
    names.append("_tt_e_tflags")
    marked = flags.mutate(_t=ibis.literal(True))
    q = tok.left_join(marked, tok.wkey == marked.wkey)
    return q.select(q.post_id, templated=q._t.fill_null(False))


def _templated_word_sets(wset: pa.Table, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Per distinct word set t (posted by one account A when ``n_acc`` is 1): templated when another
    account posted t, or t has a near-duplicate set u posted by two or more accounts, or by one that
    is not A. Depends on the word set alone: with ``n_acc`` 1 its one account is ``acc``."""
    n_acc = np.asarray(wset.column("n_acc").to_numpy(), np.int64)
    acc = np.asarray(wset.column("acc").to_pylist(), dtype=object)
    flag = n_acc >= 2
    t = np.concatenate([np.asarray(i, np.int64), np.asarray(j, np.int64)])
    u = np.concatenate([np.asarray(j, np.int64), np.asarray(i, np.int64)])
    flag[t[n_acc[u] >= 2]] = True
    one = n_acc[u] == 1
    flag[t[one & (acc[u] != acc[t])]] = True
    return flag


def trend_posts(con: duckdb.DuckDBPyConnection, settings: Settings, inputs: Inputs,
                campaigns: list[Campaign], engine: Engine | None = None, has_min_p: bool = False) -> TrendPosts:
    """Build the trend × post table on ``engine`` (default: the run's, ``settings['engine']``) and
    bring back its aggregates (module doc)."""
    eng = engine or Engine(con, str(settings["engine"]))
    names: list[str] = []
    posts = eng.posts(["post_id", "account_id", "time", "kind", "text", "lang", "hashtags", "ref_post_id"])
    p = posts.filter(posts.account_id.notnull() & posts.time.notnull())
    try:
        m = eng.materialize(_memberships(eng, p, posts, settings, campaigns, names), "_tt_e_m")
        names.append("_tt_e_m")
        acct_tbl = _account_flags(con, settings, inputs, has_min_p)
        acct = eng.table(acct_tbl, "_tt_e_acct")
        names.append("_tt_e_acct")
        tmpl = templated(eng, p, m, float(settings["template_similarity"]), int(settings["seed"]), names)
        tp = eng.materialize(_trend_post_table(p, m, acct, tmpl, settings, inputs), "_tt_e_tp")
        names.append("_tt_e_tp")
        out = {name: _fetch(eng, expr, name) for name, expr in _aggregates(tp).items()}
        lo, hi = eng.arrow(p.aggregate(lo=p.time.min(), hi=p.time.max())).cast(
            pa.schema([("lo", _TS), ("hi", _TS)])).to_pylist()[0].values()
    except BaseException:
        eng.release(*names)
        raise
    return TrendPosts(engine=eng, tp=tp, acct=acct_tbl, span=(lo, hi), names=tuple(names), **out)


def _trend_post_table(p: ir.Table, m: ir.Table, acct: ir.Table, tmpl: ir.Table, settings: Settings,
                      inputs: Inputs) -> ir.Table:
    """One row per trend × post with the post's account flags, ``suspect`` and ``strength``
    (docs/trends.md; the SQL this replaced is quoted there)."""
    q = m.join(p.select("post_id", "account_id", "time", "kind", "lang"), "post_id")
    q = q.left_join(acct, q.account_id == acct.account_id)
    t = tmpl.select(_tp=tmpl.post_id, _templated=tmpl.templated)
    q = q.left_join(t, q.post_id == t._tp)
    coordinated = q.coordinated.fill_null(False)
    inauthentic = q.inauthentic.fill_null(False)
    templated = q._templated.fill_null(False)
    thr = float(settings["inauthentic_threshold"])
    # an account at most new_account_days old at the post (whole seconds on both engines)
    age = q.time.epoch_seconds().floor() - q.created_at.epoch_seconds().floor()
    young = (age <= int(settings["new_account_days"]) * 86400).fill_null(False)
    if inputs.coordination or inputs.signals:
        suspect = coordinated | inauthentic
        # how strong the evidence on a suspect post's account is, in (0, 1]: a coordinated account
        # weighs by its smallest pair p-value (full weight at p <= 1e-P_FULL_LOG10), an inauthentic
        # one by its score's margin over the threshold (half weight at the threshold, full weight
        # FULL_MARGIN above it); the larger of the two. Other posts weigh 0.
        by_p = ibis.least(1.0, -(ibis.greatest(q.min_p_value, 1e-300).log10()) / P_FULL_LOG10).fill_null(1.0)
        by_score = ibis.least(1.0, 0.5 + 0.5 * (q.inauthenticity_score - thr) / FULL_MARGIN)
        strength = ibis.greatest(ibis.ifelse(coordinated, by_p, 0.0), ibis.ifelse(inauthentic, by_score, 0.0))
    else:
        # without either account-level stage: a near-copy, or an account at most new_account_days
        # old (a weak proxy, said so in the evidence); every suspect post weighs 1
        suspect = templated | young
        strength = ibis.ifelse(suspect, 1.0, 0.0)
    return q.select(
        "trend", "trend_kind", "post_id", "account_id", "time", "kind", "lang",
        coordinated=coordinated, inauthentic=inauthentic, suspect=suspect, strength=strength.cast("float64"),
        text_post=q._tp.notnull(), templated=templated,
    )


def _aggregates(tp: ir.Table) -> dict[str, ir.Table]:
    one, zero = ibis.literal(1), ibis.literal(0)

    def n_if(cond: ir.BooleanValue) -> ir.IntegerValue:
        return ibis.ifelse(cond.fill_null(False), one, zero).sum()

    ta = tp.group_by([*_KEYS, "account_id"]).aggregate(n=tp.count(), first_time=tp.time.min(),
                                                           suspect=tp.suspect.any())
    base = tp.group_by(_KEYS).aggregate(
        posts=tp.count(), first_post=tp.time.min(), last_post=tp.time.max(), kinds=tp.kind.count(),
        reposts=n_if(tp.kind == "repost"), coordinated_posts=n_if(tp.coordinated),
        inauthentic_posts=n_if(tp.inauthentic), suspect_posts=n_if(tp.suspect), strength=tp.strength.sum(),
        text_posts=n_if(tp.text_post), templated_posts=n_if(tp.templated),
    )
    timeline = tp.mutate(minute=tp.time.truncate("m")).group_by([*_KEYS, "minute"]).aggregate(
        posts=lambda t: t.count(), coordinated_posts=lambda t: n_if(t.coordinated),
        inauthentic_posts=lambda t: n_if(t.inauthentic))
    # no language, or an empty one, is "und" (undetermined, BCP 47): never a blank label
    lang = ibis.ifelse(tp.lang.isnull() | (tp.lang.strip() == ""), "und", tp.lang)
    langs = tp.mutate(lang=lang).group_by([*_KEYS, "lang"]).aggregate(
        posts=lambda t: t.count())
    # spells of SPELL_MINUTES minutes from the epoch (DuckDB's time_bucket origin, 2000-01-03, is
    # on that grid too) in which suspect accounts wrote most of the trend's posts
    w = (tp.time.epoch_seconds().floor() // (60 * SPELL_MINUTES)).cast("int64")
    sp = tp.mutate(_w=w).group_by([*_KEYS, "_w"]).aggregate(n=lambda t: t.count(), k=lambda t: n_if(t.suspect))
    sp = sp.filter((sp.k >= SPELL_MIN_POSTS) & (sp.k >= 0.5 * sp.n))
    spells = sp.group_by(_KEYS).aggregate(suspect_spells=sp.count(), suspect_spell_posts=sp.k.sum())
    return {"ta": ta, "base": base, "timeline": timeline, "langs": langs, "spells": spells}


def _fetch(eng: Engine, expr: ir.Table, name: str) -> pa.Table:
    schema = _SCHEMAS[name]
    tbl = eng.arrow(expr).select(schema.names).cast(schema)
    return tbl.sort_by([(c, "ascending") for c in schema.names[:3 if name in ("ta", "timeline", "langs") else 2]])
