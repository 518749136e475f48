"""Actions from posts: one row per (trace, object, account, post, time).

A *trace* is a kind of action (DOMAIN.md); its *object* is what two accounts must share to co-act:

=====================  ==============================================================  ===========
trace                  object                                                          posts used
=====================  ==============================================================  ===========
``retweet``            the reposted post (``ref_post_id``)                             reposts
``slow_retweet``       the reposted post, when at most ``obscure_accounts`` accounts   reposts
                       reposted it in the data (its own, longer window)
``quote``              the quoted post (``ref_post_id``)                               quotes
``reply``              the post replied to (``reply_to_post_id``)                      all
``tweet``              the text's :func:`~trendtrace.text.copy_key`                    not reposts
``similar``            a group of near-duplicate texts (:mod:`.textsim`); only pairs    not reposts
                       of *different* texts with Jaccard ≥ ``similarity`` count
``semantic``           a group of paraphrases (:mod:`.semantic`, embeddings; off by     not reposts
                       default); only pairs of different texts that are paraphrases
``link``               each normalised URL of the post                                 not reposts
``domain``             each URL's host (optional trace, off by default)                 not reposts
``hashtag``            each distinct normalised hashtag of the post                    not reposts
``hashtag_sequence``   the post's hashtags in order, joined by a space (≥ 3 hashtags)   not reposts
``mention``            each distinct mentioned handle                                  not reposts
``media``              each media item (an image hash, or the media key of the source)  not reposts
=====================  ==============================================================  ===========

Reposts carry the original's text, links and hashtags: counting them again under ``tweet`` or
``hashtag`` would restate ``retweet``, so content traces use an account's own posts only.

Times are whole seconds since the epoch (``t``); sub-second precision is dropped. Everything here
is an Ibis expression, so it runs unchanged on DuckDB and on Spark (:mod:`trendtrace.engine`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from ..text import copy_key, copy_key_expr

__all__ = [
    "Trace", "Inputs", "REGISTRY", "TRACE_WORDS", "select",
    "POST_OBJECT_TRACES", "HANDLE_OBJECT_TRACES",
    "TRACES",
    "DEFAULT_OFF",
    "ACTION_COLUMNS",
    "MIN_TEXT_CHARS",
    "normalize_text",
    "normalized_text_expr",
    "parse_traces",
    "actions",
    "time_resolution",
]

#: Columns of an actions table.
ACTION_COLUMNS = ("trace", "object", "account_id", "post_id", "t", "tid")
#: Normalised texts shorter than this are not compared (``"ok"`` by two people is no evidence).
MIN_TEXT_CHARS = 10
#: Hashtags a post needs for ``hashtag_sequence``.
MIN_SEQUENCE = 3

_POST_COLUMNS = [
    "post_id",
    "account_id",
    "time",
    "kind",
    "text",
    "ref_post_id",
    "reply_to_post_id",
    "hashtags",
    "urls",
    "mentions",
    "media",
]

#: The ``tweet`` text rule lives in :mod:`trendtrace.text` (shared with ``dup_text_share``); these
#: names stay for callers that import them from here.
normalize_text = copy_key
normalized_text_expr = copy_key_expr


def parse_traces(value: str) -> list[str]:
    """The ``traces`` setting as a list; raises ValueError naming unknown traces."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in TRACES]
    if unknown:
        raise ValueError(f"unknown trace(s) {', '.join(unknown)}; known: {', '.join(TRACES)}")
    return [n for n in TRACES if n in names]


def time_resolution(posts: ir.Table) -> ir.IntegerScalar:
    """60 when some source file (with at least 10 posts) has every time on a whole minute, else 0.

    The X information-operations archive gives ``tweet_time`` to the minute; two posts stamped
    12:03 and 12:04 may be 1 s or 119 s apart. See :func:`trendtrace.coordination.window.effective_window`.
    """
    per_file = posts.group_by("source_file").aggregate(
        n=posts.post_id.count(),
        off=(posts.time.second() + posts.time.millisecond()).max(),
    )
    minute = per_file.filter((per_file.n >= 10) & (per_file.off == 0)).count()
    return ibis.ifelse(minute > 0, 60, 0)


def _base(posts: ir.Table) -> ir.Table:
    # floor, not a cast: DuckDB gives epoch seconds as a double and its cast rounds; Spark truncates.
    b = posts.select(*_POST_COLUMNS)
    return b.mutate(t=b.time.epoch_seconds().floor().cast("int64"))


def select(t: ir.Table, trace: str, obj: ir.Value, tid: ir.Value | None = None) -> ir.Table:
    """Rows of ``t`` as actions of ``trace`` on the object ``obj`` (columns :data:`ACTION_COLUMNS`)."""
    return t.select(
        trace=ibis.literal(trace),
        object=obj.cast("string"),
        account_id=t.account_id,
        post_id=t.post_id,
        t=t.t,
        tid=(tid if tid is not None else ibis.null()).cast("int64"),
    )


def _first_of_each(arr: ir.ArrayValue) -> ir.ArrayValue:
    """The distinct elements of ``arr`` in order (first occurrences): what ``arr.unique()`` gives,
    but DuckDB's list_distinct took 3x as long as this filter on 6M lists."""
    return arr.filter(lambda x, i: arr.index(x) == i)


@dataclass(frozen=True)
class Inputs:
    """What a trace's object function gets: every post with ``t`` (``base``), the posts that are
    not reposts (``own``) and the run's options."""

    base: ir.Table
    own: ir.Table
    similar_texts: ir.Table | None = None
    short_texts: bool = False
    obscure_accounts: int = 10


@dataclass(frozen=True)
class Trace:
    """One kind of action, registered in :data:`REGISTRY`.

    Attributes
    ----------
    name : the trace's name (the ``traces`` setting, ``coaction_pairs.trace``, the report).
    objects : ``Inputs -> actions`` (columns :data:`ACTION_COLUMNS`, made with :func:`select`).
    words : plain words for the evidence sentences ("reposted the same posts").
    object_kind : ``post`` (a post id), ``handle`` or ``text``: how shared outputs pseudonymise it.
    window : the setting that holds its co-action window.
    default_on : in the default ``traces`` setting.
    text_ids : needs the near-duplicate text groups (the ``similar`` pre-step, its text ids on
        each action and the pair filter that keeps only pairs of near-duplicate texts).
    """

    name: str
    objects: Callable[[Inputs], ir.Table]
    words: str
    object_kind: str = "text"
    window: str = "window"
    default_on: bool = True
    text_ids: bool = False


def _reposts(i: Inputs) -> ir.Table:
    b = i.base
    return b.filter((b.kind == "repost") & b.ref_post_id.notnull())


def _retweet(i: Inputs) -> ir.Table:
    t = _reposts(i)
    return select(t, "retweet", t.ref_post_id)


def _slow_retweet(i: Inputs) -> ir.Table:
    # The same obscure post reposted by the same accounts, time and again, within hours:
    # crowds rarely share posts that few people in the data shared at all.
    t = _reposts(i)
    few = t.group_by(ref=t.ref_post_id).aggregate(n=t.account_id.nunique())
    few = few.filter(few.n <= int(i.obscure_accounts)).select("ref")
    t = t.semi_join(few, t.ref_post_id == few.ref)
    return select(t, "slow_retweet", t.ref_post_id)


def _quote(i: Inputs) -> ir.Table:
    b = i.base
    t = b.filter((b.kind == "quote") & b.ref_post_id.notnull())
    return select(t, "quote", t.ref_post_id)


def _reply(i: Inputs) -> ir.Table:
    t = i.base.filter(i.base.reply_to_post_id.notnull())
    return select(t, "reply", t.reply_to_post_id)


def _tweet(i: Inputs) -> ir.Table:
    t = i.own.mutate(ntext=normalized_text_expr(i.own.text))
    if not i.short_texts:
        t = t.filter(t.ntext.length() >= MIN_TEXT_CHARS)
    return select(t, "tweet", t.ntext)


def _text_groups(trace: str) -> Callable[[Inputs], ir.Table]:
    """Actions on groups of related texts (``similar``: near-duplicates; ``semantic``: paraphrases),
    from the pre-step's table (``ntext``, ``tid``, ``comp``, ``trace``)."""

    def objects(i: Inputs) -> ir.Table:
        if i.similar_texts is None:
            raise ValueError(f"trace {trace!r} needs the text-group table of its pre-step")
        groups = i.similar_texts.filter(i.similar_texts.trace == trace).drop("trace")
        t = i.own.mutate(ntext=normalized_text_expr(i.own.text))
        t = t.filter(t.ntext.length() >= MIN_TEXT_CHARS)
        j = t.join(groups, t.ntext == groups.ntext)
        return select(j, trace, j.comp, j.tid)

    return objects


def _urls(i: Inputs) -> ir.Table:
    t = i.own.filter(i.own.urls.length() > 0)
    t = t.mutate(u=_first_of_each(t.urls).unnest())
    return t.filter(t.u.notnull() & (t.u != ""))


def _link(i: Inputs) -> ir.Table:
    t = _urls(i)
    return select(t, "link", t.u)


def _domain(i: Inputs) -> ir.Table:
    t = _urls(i)
    t = t.mutate(u=t.u.re_extract("^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]+)", 1))
    t = t.filter(t.u.notnull() & (t.u != ""))
    return select(t, "domain", t.u).distinct()


def _each_of(column: str, trace: str) -> Callable[[Inputs], ir.Table]:
    def objects(i: Inputs) -> ir.Table:
        t = i.own.filter(i.own[column].length() > 0)
        t = t.mutate(h=_first_of_each(t[column]).unnest())
        t = t.filter(t.h.notnull() & (t.h != ""))
        return select(t, trace, t.h)

    return objects


def _hashtag_sequence(i: Inputs) -> ir.Table:
    t = i.own.filter(i.own.hashtags.length() >= MIN_SEQUENCE)
    return select(t, "hashtag_sequence", t.hashtags.join(" "))


#: Every trace the engine knows, in report order. Adding one: an object function and an entry
#: here, its words, and a test in ``tests/test_coordination.py`` (``docs/coordination.md``).
REGISTRY: dict[str, Trace] = {t.name: t for t in (
    Trace("retweet", _retweet, "reposted the same posts", object_kind="post"),
    Trace("slow_retweet", _slow_retweet, "reposted the same little-shared posts, again and again",
          object_kind="post", window="window_slow"),
    Trace("quote", _quote, "quoted the same posts", object_kind="post"),
    Trace("reply", _reply, "replied to the same posts", object_kind="post"),
    Trace("tweet", _tweet, "posted identical texts"),
    Trace("similar", _text_groups("similar"), "posted near-identical texts", text_ids=True),
    Trace("semantic", _text_groups("semantic"), "posted paraphrases of the same texts", text_ids=True,
          default_on=False),
    Trace("link", _link, "shared the same links"),
    Trace("domain", _domain, "shared links to the same sites", default_on=False),
    Trace("hashtag", _each_of("hashtags", "hashtag"), "used the same hashtags", window="window_hashtag"),
    Trace("hashtag_sequence", _hashtag_sequence, "used the same sequence of hashtags"),
    Trace("mention", _each_of("mentions", "mention"), "mentioned the same accounts", object_kind="handle"),
    Trace("media", _each_of("media", "media"), "posted the same images or videos"),
)}
#: Every trace name, in report order.
TRACES: tuple[str, ...] = tuple(REGISTRY)
#: Traces that exist but are not in the default ``traces`` setting.
DEFAULT_OFF = frozenset(n for n, t in REGISTRY.items() if not t.default_on)
#: Traces whose object is a post id (pseudonymised like post ids in shared outputs).
POST_OBJECT_TRACES = frozenset(n for n, t in REGISTRY.items() if t.object_kind == "post")
#: Traces whose object is a handle.
HANDLE_OBJECT_TRACES = frozenset(n for n, t in REGISTRY.items() if t.object_kind == "handle")
#: Plain words for each trace (evidence sentences).
TRACE_WORDS = {n: t.words for n, t in REGISTRY.items()}


def actions(posts: ir.Table, traces: list[str], similar_texts: ir.Table | None = None,
            short_texts: bool = False, obscure_accounts: int = 10) -> ir.Table:
    """All actions of ``traces`` as one table with :data:`ACTION_COLUMNS`.

    ``similar_texts`` (columns ``ntext``, ``tid``, ``comp``, ``trace``) maps each normalised text that
    has a near-duplicate (``trace`` = ``similar``) or a paraphrase (``semantic``) to its text id and
    group; needed when one of those traces is among ``traces``.
    ``short_texts=True`` keeps ``tweet`` actions whose text is shorter than
    :data:`MIN_TEXT_CHARS` for the caller to drop: a filter on the normalised text makes DuckDB
    compute it twice, so the numpy path filters afterwards. ``obscure_accounts``: a post reposted
    by at most this many distinct accounts is an object of ``slow_retweet``.
    """
    base = _base(posts)
    base = base.filter(base.account_id.notnull() & base.time.notnull())
    own = base.filter(base.kind.isnull() | (base.kind != "repost"))
    inputs = Inputs(base, own, similar_texts, short_texts, obscure_accounts)
    parts: list[ir.Table] = []
    for trace in traces:
        if trace not in REGISTRY:  # pragma: no cover - parse_traces rejects these
            raise ValueError(f"unknown trace {trace!r}")
        parts.append(REGISTRY[trace].objects(inputs))
    if not parts:
        raise ValueError("no traces selected")
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def distinct_texts(posts: ir.Table) -> ir.Table:
    """Distinct normalised texts of own posts (column ``ntext``), for near-duplicate search."""
    own = posts.filter(posts.kind.isnull() | (posts.kind != "repost"))
    t = own.select(ntext=normalized_text_expr(own.text))
    return t.filter(t.ntext.length() >= MIN_TEXT_CHARS).distinct()
