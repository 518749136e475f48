"""Which posts carried out which order of a chat group, and on what evidence.

An *order* is a chat message that :func:`trendtrace.chats.rules.extract_order` reads as one. Its
*window* runs from the moment it was sent to ``chat_window`` seconds after its instructed time (or
after it was sent, when it names none). A post in the window *matches* the order when it

* uses one of its hashtags (``hashtag``),
* links to one of its links, or reposts, quotes or replies to the post a status link names (``link``),
* or holds a near-copy of a text it gives to copy (``text``: at least ``chat_copy_similarity`` of the
  text's words, and at least half of the post's own words from it).

A hashtag is public: people who never saw the chat use it too. So an account counts as *executing*
an order only with evidence beyond the hashtag (docs/chats.md):

``text``      one of its posts in the window is a near-copy of the instructed text;
``link``      one of its posts shares, reposts, quotes or replies to the instructed link within
              ``chat_timing_span`` of the order's instructed time (later, the linked post has been
              seen by everyone: a late repost is a match, not evidence);
``timing``    one of its posts with one of the order's hashtags falls in a ten-minute spell, counted
              from the order's instructed time (or from when it was sent) up to
              ``chat_timing_span``, in which that hashtag ran at least ``chat_timing_ratio`` times
              faster than in the ``chat_baseline`` before the order (with at least
              :data:`MIN_BURST_POSTS` posts): at most about one in ``chat_timing_ratio`` of the posts
              of such a spell is expected from the background (each hashtag has its own background,
              so an organic hashtag an order hijacks needs a burst of its own);
``repeated``  the account matched at least ``chat_min_orders`` different orders.

The searches for matching posts run on the run's engine (:class:`trendtrace.engine.Engine`; DuckDB,
or Spark for data past one machine): a join on the hashtag, on the link and on the reposted post id,
each bounded by the order's window, and for texts a scan of the window's posts for the text's two
longest words. Only the matching posts come back to the driver, where the near-copy test and the
evidence are computed.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from trendtrace.engine import Engine
from trendtrace.settings import Settings
from trendtrace.text import words

from .model import Message, Order
from .rules import extract_order, status_id

__all__ = ["Instruction", "Execution", "Matching", "orders", "match", "to_utc", "MIN_BURST_POSTS", "BIN_SECONDS",
           "EVIDENCE_KINDS"]

log = logging.getLogger(__name__)

#: Width of the spells timing evidence is measured in.
BIN_SECONDS = 600
#: A spell with fewer posts of the hashtag than this is never a burst: two posts are not a crowd.
MIN_BURST_POSTS = 5
#: Evidence kinds, strongest first (the order ``evidence`` lists them in).
EVIDENCE_KINDS = ("text", "link", "timing", "repeated")
#: Words of an instructed text searched for in the window's posts (the longest ones).
_SEARCH_WORDS = 2
_TS = pa.timestamp("us")


def to_utc(local: datetime, zone: ZoneInfo | None) -> datetime:
    """Naive UTC of the naive local time ``local`` on the clock of ``zone`` (None: already UTC). In
    the hour a clock is set back, the earlier of the two instants (``fold=0``)."""
    if zone is None:
        return local
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


@dataclass
class Instruction:
    """One order read from a chat, with its times in UTC and what it matched."""

    id: str
    message: Message
    order: Order
    sent: datetime  # naive UTC
    at: datetime | None  # naive UTC of the instructed time
    window: timedelta
    status_ids: tuple[str, ...] = ()
    # filled by match()
    baseline_posts: int = 0
    peak_ratio: float | None = None
    hashtag_users: set[str] = field(default_factory=set)

    @property
    def start(self) -> datetime:
        return self.sent

    @property
    def effective(self) -> datetime:
        """When the order asks for action: its instructed time, or when it was sent."""
        return max(self.sent, self.at) if self.at else self.sent

    @property
    def end(self) -> datetime:
        return self.effective + self.window


@dataclass(frozen=True)
class Execution:
    """A post that carried out an order: what it matched and the evidence that qualified its account."""

    instruction: str
    post_id: str
    account_id: str
    time: datetime
    delay_s: float
    matched: tuple[str, ...]  # hashtag / link / text: what this post shares with the order
    evidence: tuple[str, ...]  # why its account counts as an executor of the order (EVIDENCE_KINDS)
    similarity: float | None  # share of the instructed text's words in the post (text matches)


@dataclass
class Matching:
    """The result of :func:`match`."""

    instructions: list[Instruction]
    executions: list[Execution]
    #: per instruction: accounts that used its hashtags in its window without evidence beyond them
    bystanders: dict[str, set[str]]


def orders(messages: Iterable[Message], zone: ZoneInfo | None, settings: Settings) -> list[Instruction]:
    """The orders among ``messages`` (written messages only), in the order they were sent, with ids
    ``I1``, ``I2``...; local times are read on the clock of ``zone`` unless the message carries its
    exact UTC time (Telegram)."""
    found = []
    for m in messages:
        if m.kind != "text" or not m.text.strip():
            continue
        order = extract_order(m.text, m.time, m.links)
        if order is None:
            continue
        sent = m.utc if m.utc is not None else to_utc(m.time, zone)
        # the instructed time on the same clock as the message: shift by the message's own offset
        at = None if order.at is None else sent + (order.at - m.time)
        sids = tuple(dict.fromkeys(s for s in (status_id(u) for u in order.links) if s))
        found.append((sent, m.chat, m.line, m, order, at, sids))
    found.sort(key=lambda r: (r[0], r[1], r[2]))
    window = timedelta(seconds=int(settings["chat_window"]))
    return [Instruction(id=f"I{i + 1}", message=m, order=o, sent=sent, at=at, window=window, status_ids=sids)
            for i, (sent, _, _, m, o, at, sids) in enumerate(found)]


# ------------------------------------------------------------------------------------ engine searches

def _targets(instrs: list[Instruction], baseline: timedelta) -> dict[str, pa.Table]:
    """Arrow tables of what to search for: (instruction, value, lo, hi, start) per hashtag, link,
    status id and search word. Hashtag rows reach back ``baseline`` before the order."""
    rows: dict[str, list[tuple[str, str, datetime, datetime, datetime]]] = defaultdict(list)
    for ins in instrs:
        for h in ins.order.hashtags:
            rows["hashtag"].append((ins.id, h, ins.start - baseline, ins.end, ins.start))
        for u in ins.order.links:
            rows["link"].append((ins.id, u, ins.start, ins.end, ins.start))
        for s in ins.status_ids:
            rows["status"].append((ins.id, s, ins.start, ins.end, ins.start))
        for text in ins.order.texts:
            for w in sorted(words(text), key=lambda w: (-len(w), w))[:_SEARCH_WORDS]:
                rows["word"].append((ins.id, w, ins.start, ins.end, ins.start))
    schema = pa.schema([("instruction", pa.string()), ("value", pa.string()), ("lo", _TS), ("hi", _TS),
                        ("start", _TS)])
    out = {}
    for k, v in rows.items():
        columns: list[list[Any]] = [list(c) for c in zip(*v, strict=True)]
        out[k] = pa.table(columns, schema=schema)
    return out


def _search(eng: Engine, instrs: list[Instruction],
            settings: Settings) -> tuple[pa.Table, dict[str, int], dict[tuple[str, str], int]]:
    """Run the searches on the engine: every post in an order's window that matches it (columns
    instruction, post_id, account_id, time, kind, text, match, tag: the order's hashtag it used)
    and, per order and per (order, hashtag), the posts with its hashtags in the baseline before it."""
    baseline = timedelta(seconds=int(settings["chat_baseline"]))
    targets = _targets(instrs, baseline)
    posts = eng.posts(["post_id", "account_id", "time", "kind", "text", "hashtags", "urls", "ref_post_id",
                       "reply_to_post_id"])
    p = posts.filter(posts.account_id.notnull() & posts.time.notnull())
    names: list[str] = []
    parts: list[ir.Table] = []
    base_counts: dict[str, int] = {}
    tag_base: dict[tuple[str, str], int] = {}
    cols = ("instruction", "post_id", "account_id", "time", "kind", "text", "match", "tag")
    no_tag = ibis.literal(None, type="string")

    def tbl(kind: str) -> ir.Table | None:
        if kind not in targets:
            return None
        name = f"_tt_chat_{kind}"
        names.append(name)
        return eng.table(targets[kind], name)

    try:
        if (t := tbl("hashtag")) is not None:
            h = p.select("post_id", "account_id", "time", "kind", "text", tag=p.hashtags.unnest())
            j = h.join(t, (h.tag == t.value) & (h.time >= t.lo) & (h.time <= t.hi))
            j = j.select("instruction", "post_id", "account_id", "time", "kind", "text", "start", "tag").distinct()
            before = j.filter(j.time < j.start)
            per_tag = before.group_by(["instruction", "tag"]).aggregate(n=lambda x: x.count())
            tag_base = {(r["instruction"], r["tag"]): int(r["n"]) for r in eng.arrow(per_tag).to_pylist()}
            per_order = before.select("instruction", "post_id").distinct().group_by("instruction").aggregate(
                n=lambda x: x.count())
            base_counts = {r["instruction"]: int(r["n"]) for r in eng.arrow(per_order).to_pylist()}
            w = j.filter(j.time >= j.start)
            parts.append(w.select(*cols[:-2], match=ibis.literal("hashtag"), tag=w.tag))
        if (t := tbl("link")) is not None:
            u = p.select("post_id", "account_id", "time", "kind", "text", url=p.urls.unnest())
            j = u.join(t, (u.url == t.value) & (u.time >= t.lo) & (u.time <= t.hi))
            parts.append(j.select(*cols[:-2], match=ibis.literal("link"), tag=no_tag))
        if (t := tbl("status")) is not None:
            for col in ("ref_post_id", "reply_to_post_id"):
                j = p.join(t, (p[col] == t.value) & (p.time >= t.lo) & (p.time <= t.hi))
                parts.append(j.select(*cols[:-2], match=ibis.literal("link"), tag=no_tag))
        if "word" in targets:
            own = p.filter((p.kind != "repost").fill_null(True))  # a repost's text is not its own
            for ins in instrs:
                ws = [w for text in ins.order.texts
                      for w in sorted(words(text), key=lambda w: (-len(w), w))[:_SEARCH_WORDS]]
                if not ws:
                    continue
                low = own.text.lower()
                hit = low.contains(ws[0])
                for w in ws[1:]:
                    hit = hit | low.contains(w)
                q = own.filter((own.time >= ins.start) & (own.time <= ins.end) & hit)
                parts.append(q.select("post_id", "account_id", "time", "kind", "text",
                                      instruction=ibis.literal(ins.id), match=ibis.literal("text?"), tag=no_tag)
                             .select(*cols))
        if not parts:
            return pa.table({c: [] for c in cols}), base_counts, tag_base
        found = eng.arrow(ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0])
    finally:
        eng.release(*names)
    return found, base_counts, tag_base


# ------------------------------------------------------------------------------------ evidence

def _copy_similarity(text: str, post: str | None) -> tuple[float, float]:
    """(share of ``text``'s words in ``post``, share of ``post``'s words from ``text``)."""
    a, b = set(words(text)), set(words(post))
    if not a or not b:
        return 0.0, 0.0
    shared = len(a & b)
    return shared / len(a), shared / len(b)


def _burst_bins(ins: Instruction, base: int, times: list[datetime], settings: Settings) -> tuple[set[int], float]:
    """The ten-minute spells after ``ins`` (index from its start) in which one of its hashtags, used
    ``base`` times in the baseline, is used at ``times``: the spells that are bursts, and the highest
    rate ratio over the baseline."""
    baseline_s = int(settings["chat_baseline"])
    rate = (base + 1) / (baseline_s / BIN_SECONDS)  # per spell; +1: no zero background
    counts: dict[int, int] = defaultdict(int)
    for t in times:
        counts[_spell(ins, t)] += 1
    limit = int(settings["chat_timing_span"])
    ratio = float(settings["chat_timing_ratio"])
    bursts = {b for b, c in counts.items()
              if c >= MIN_BURST_POSTS and c / rate >= ratio and 0 <= b * BIN_SECONDS < limit}
    return bursts, max(c / rate for c in counts.values())


def _spell(ins: Instruction, t: datetime) -> int:
    """The ten-minute spell of ``t``, counted from the order's instructed time (negative before it)."""
    return int((t - ins.effective).total_seconds() // BIN_SECONDS)


def match(eng: Engine, instrs: list[Instruction], settings: Settings) -> Matching:
    """Match every order of ``instrs`` to the posts in its window (module doc)."""
    if not instrs:
        return Matching([], [], {})
    found, base_counts, tag_base = _search(eng, instrs, settings)
    by_id = {ins.id: ins for ins in instrs}
    threshold = float(settings["chat_copy_similarity"])
    span = timedelta(seconds=int(settings["chat_timing_span"]))
    # (instruction, post) -> what it matched, and the order's hashtags it used; post facts
    matched: dict[tuple[str, str], set[str]] = defaultdict(set)
    tags: dict[tuple[str, str], set[str]] = defaultdict(set)
    facts: dict[str, tuple[str, datetime]] = {}
    sims: dict[tuple[str, str], float] = {}
    for r in found.to_pylist():
        ins = by_id[r["instruction"]]
        key = (ins.id, r["post_id"])
        kind = r["match"]
        if kind == "text?":
            best = max((_copy_similarity(t, r["text"]) for t in ins.order.texts), default=(0.0, 0.0))
            if best[0] < threshold or best[1] < 0.5:
                continue
            kind = "text"
            sims[key] = max(sims.get(key, 0.0), round(best[0], 3))
        matched[key].add(kind)
        if r["tag"] is not None:
            tags[key].add(r["tag"])
        facts[r["post_id"]] = (r["account_id"], r["time"])
    for ins in instrs:
        ins.baseline_posts = base_counts.get(ins.id, 0)
    # timing: posts with one of the order's hashtags in a burst of that hashtag
    tag_times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for (iid, pid), used in tags.items():
        for tag in used:
            tag_times[(iid, tag)].append(facts[pid][1])
    bursts: dict[tuple[str, str], set[int]] = {}
    for (iid, tag), times in tag_times.items():
        ins = by_id[iid]
        bursts[(iid, tag)], peak = _burst_bins(ins, tag_base.get((iid, tag), 0), times, settings)
        ins.peak_ratio = max(peak, ins.peak_ratio or 0.0)
    # per (instruction, account): the evidence of its posts
    acct_ev: dict[tuple[str, str], set[str]] = defaultdict(set)
    orders_of: dict[str, set[str]] = defaultdict(set)
    for (iid, pid), kinds in matched.items():
        acct, t = facts[pid]
        ins = by_id[iid]
        ev = acct_ev[(iid, acct)]
        if "text" in kinds:
            ev.add("text")
        if "link" in kinds and t <= ins.effective + span:  # later, the linked post is seen by everyone
            ev.add("link")
        spell = _spell(ins, t)
        if any(spell in bursts[(iid, tag)] for tag in tags.get((iid, pid), ())):
            ev.add("timing")
        orders_of[acct].add(iid)
    min_orders = int(settings["chat_min_orders"])
    for (_, acct), ev in acct_ev.items():
        if len(orders_of[acct]) >= min_orders:
            ev.add("repeated")
    executions: list[Execution] = []
    bystanders: dict[str, set[str]] = defaultdict(set)
    for (iid, pid), kinds in sorted(matched.items(), key=lambda kv: (kv[0][0], facts[kv[0][1]][1], kv[0][1])):
        acct, t = facts[pid]
        ins = by_id[iid]
        if "hashtag" in kinds:
            ins.hashtag_users.add(acct)
        ev = acct_ev[(iid, acct)]
        if not ev:
            bystanders[iid].add(acct)
            continue
        executions.append(Execution(
            instruction=iid, post_id=pid, account_id=acct, time=t, delay_s=(t - ins.sent).total_seconds(),
            matched=tuple(k for k in ("hashtag", "link", "text") if k in kinds),
            evidence=tuple(k for k in EVIDENCE_KINDS if k in ev), similarity=sims.get((iid, pid))))
    executions.sort(key=lambda e: (int(e.instruction[1:]), e.time, e.post_id))
    bystanders = {iid: accts - {e.account_id for e in executions if e.instruction == iid}
                  for iid, accts in bystanders.items()}
    return Matching(instrs, executions, bystanders)


# ------------------------------------------------------------------------------------ tables

def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def instruction_rows(m: Matching) -> list[dict[str, Any]]:
    """One row per order (the store's ``instructions`` table, ``docs/schema.md``)."""
    by: dict[str, list[Execution]] = defaultdict(list)
    for e in m.executions:
        by[e.instruction].append(e)
    rows = []
    for ins in m.instructions:
        ex = by[ins.id]
        first: dict[str, float] = {}
        count: dict[str, int] = defaultdict(int)
        ev: dict[str, set[str]] = defaultdict(set)
        shift = (ins.effective - ins.sent).total_seconds()  # from "sent" to the instructed time
        for e in ex:
            first[e.account_id] = min(first.get(e.account_id, math.inf), e.delay_s)
            count[e.account_id] += 1
            for k in e.evidence:
                ev[k].add(e.account_id)
        o = ins.order
        min_count = o.min_count
        rows.append(dict(
            instruction=ins.id, chat=ins.message.chat, line=ins.message.line, sent_at=ins.sent,
            sent_local=ins.message.time, sender=ins.message.sender, text=ins.message.text,
            hashtags=" ".join(f"#{h}" for h in o.hashtags), texts=" | ".join(o.texts), links=" ".join(o.links),
            at_time=ins.at, at_local=o.at, min_count=min_count, rules=" ".join(o.rules),
            executed_posts=len(ex), accounts=len(first), median_delay_s=_median(list(first.values())),
            median_delay_after_time_s=(None if ins.at is None or not first
                                       else _median([d - shift for d in first.values()])),
            accounts_meeting_min_count=(sum(1 for n in count.values() if n >= min_count) if min_count else None),
            hashtag_users=len(ins.hashtag_users),
            hashtag_users_not_qualified=len(m.bystanders.get(ins.id, set())),
            baseline_posts=ins.baseline_posts if o.hashtags else None,
            peak_ratio=None if ins.peak_ratio is None else round(ins.peak_ratio, 1),
            evidence=", ".join(f"{k} {len(ev[k])}" for k in EVIDENCE_KINDS if ev[k]),
        ))
    return rows


def execution_rows(m: Matching) -> list[dict[str, Any]]:
    """One row per (order, post) carried out (the store's ``executions`` table)."""
    return [dict(instruction=e.instruction, post_id=e.post_id, account_id=e.account_id, time=e.time,
                 delay_s=e.delay_s, matched=", ".join(e.matched), evidence=", ".join(e.evidence),
                 similarity=e.similarity) for e in m.executions]


def executor_rows(m: Matching) -> list[dict[str, Any]]:
    """One row per account that carried out at least one order (the store's ``chat_accounts``)."""
    by: dict[str, list[Execution]] = defaultdict(list)
    for e in m.executions:
        by[e.account_id].append(e)
    rows: list[dict[str, Any]] = []
    for acct, ex in sorted(by.items()):
        ids = sorted({e.instruction for e in ex}, key=lambda i: int(i[1:]))
        first = {i: min(e.delay_s for e in ex if e.instruction == i) for i in ids}
        ev = {k for e in ex for k in e.evidence}
        rows.append(dict(account_id=acct, instructions=len(ids), instruction_ids=" ".join(ids), posts=len(ex),
                         median_delay_s=_median(list(first.values())),
                         evidence=", ".join(k for k in EVIDENCE_KINDS if k in ev)))
    rows.sort(key=lambda r: (-r["instructions"], -r["posts"], r["account_id"]))
    return rows
