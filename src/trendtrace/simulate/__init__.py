"""Seeded scenario generator with ground truth: ``trendtrace simulate``.

A scenario is a week of posts around a country's trends: organic people in the home time zone
with a diurnal rhythm, background hashtags, organic surges (a breaking-news event and a cricket
final) and, unless the scenario is ``organic``, operator networks in other time zones that run
paid campaigns on instructions — reusing the same batch-created accounts across unrelated causes
and hijacking an organic hashtag. The ``realistic`` scenario adds what real organic accounts do
that looks coordinated (party members retweeting their leader within a minute, fans live-tweeting
a broadcast, heavy retweeters), a drip campaign that never bursts, and a source with times to the
minute only. The same seed always gives the same bytes. See ``docs/simulator.md`` for the
scenarios, the formats, the truth files and scaling.

>>> from trendtrace.simulate import generate
>>> posts, accounts = next(generate("small", seed=1))
>>> posts.schema.names[:3]
['post_id', 'account_id', 'time']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import orjson
import pyarrow as pa

from trendtrace.model import ACCOUNT_SCHEMA, POST_SCHEMA, normalize_hashtag, normalize_url
from trendtrace.settings import SETTINGS
from trendtrace.simulate._scenario import (
    MAX_POSTS,
    MIN_POSTS,
    MINUTE_SUFFIX,
    SCENARIOS,
    Broadcast,
    Campaign,
    Drip,
    Engine,
    Instruction,
    Network,
    Organisation,
    Scenario,
    SimChunk,
    Surge,
)
from trendtrace.simulate._chats import chat_groups
from trendtrace.simulate.writers import CHAT_DIR, FORMATS, LabelWriter, open_writer, write_chats

__all__ = ["simulate", "generate", "SCENARIOS", "Simulation", "Scenario", "Network", "Campaign",
           "Instruction", "Surge", "Organisation", "Broadcast", "Drip", "FORMATS"]

log = logging.getLogger(__name__)

# Defaults come from the one table of settings (sim_scenario, sim_seed, sim_home_tz).
_DEFAULT = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True)
class Simulation:
    """What :func:`simulate` wrote: the data file(s), the labels directory, counts, the truth
    (the content of ``labels/truth.json``) and the chat groups' exports (``chats/``)."""

    data_paths: list[Path]
    labels_dir: Path
    posts: int
    accounts: int
    truth: dict[str, Any]
    chat_paths: list[Path] = field(default_factory=list)


def _engine(scenario: str, seed: int, posts: int | None, home_tz: str) -> Engine:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r} (choose from {', '.join(sorted(SCENARIOS))})")
    if posts is not None and not (MIN_POSTS <= posts <= MAX_POSTS):
        raise ValueError(f"posts must be between {MIN_POSTS:,} and {MAX_POSTS:,}, got {posts:,}")
    return Engine(SCENARIOS[scenario], seed, posts, home_tz)


def generate(scenario: str = _DEFAULT["sim_scenario"], seed: int = _DEFAULT["sim_seed"], posts: int | None = None,
             home_tz: str = _DEFAULT["sim_home_tz"]) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Simulated posts and accounts as canonical Arrow tables, in time order, chunk by chunk.

    Parameters: ``scenario`` — a key of :data:`SCENARIOS`; ``seed`` — same seed, same data;
    ``posts`` — approximate number of posts (default: the scenario's; 500 to 10,000,000; the
    numbers of organic accounts, network accounts and surge participants scale with it);
    ``home_tz`` — IANA zone the organic people live in.

    Yields ``(posts, accounts)`` with exactly :data:`trendtrace.model.POST_SCHEMA` and
    :data:`~trendtrace.model.ACCOUNT_SCHEMA` (``source_format="simulated"``, ``source_file=""``,
    ``source_line`` null). Each chunk holds at most 20,000 posts; each account appears once, in the
    chunk of its first post, with ``seen_at`` = that post's time. Memory stays flat in ``posts``.
    In a scenario with a minute-resolution source (``Scenario.minute_share``, the ``realistic``
    one), that source's posts have their times truncated to the minute and ``source_file =
    "minutes"``; posts stay in the order of their exact times, so a truncated time may be up to
    59 s before the previous post's.
    Raises ValueError for an unknown scenario or zone, or ``posts`` out of range.
    """
    engine = _engine(scenario, seed, posts, home_tz)
    for chunk in engine.chunks():
        yield _posts_table(chunk, engine), _accounts_table(chunk, engine)


def simulate(out_dir: str | Path, scenario: str = _DEFAULT["sim_scenario"], seed: int = _DEFAULT["sim_seed"],
             posts: int | None = None, fmt: str = "x-v2", home_tz: str = _DEFAULT["sim_home_tz"],
             progress: Callable[[int], None] | None = None) -> Simulation:
    """Write a scenario in format ``fmt`` into ``out_dir``, with the ground truth in ``out_dir/labels``.

    ``fmt`` is one of ``x-v2`` (default), ``x-v1``, ``io-archive``, ``csv``, ``parquet``,
    ``coortweet`` (file names in :data:`FORMATS`). ``progress(n)`` is called after every chunk
    with the number of posts written so far. Other parameters as in :func:`generate`. Files are
    written incrementally (flat memory) and are byte-identical for the same arguments.
    A scenario with a minute-resolution source writes that source's posts (times truncated to the
    minute) to a second file named with ``-minutes`` before the extension (``tweets-v2-minutes.jsonl``),
    except in ``io-archive``, whose times are minutes anyway; ``data_paths`` lists both.
    Every campaign with instructions also gets the WhatsApp export of the chat group that gave
    them, ``out_dir/chats/<campaign>.txt`` (``chat_paths``), with its truth in ``labels/chat_*.csv``
    (docs/simulator.md, "The chat groups").
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    engine = _engine(scenario, seed, posts, home_tz)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    labels = LabelWriter(out / "labels", engine)
    writer = open_writer(fmt, out, retrieved_base=engine.end + 300 * 86400)
    writers = [writer]
    # A scenario with a minute-resolution source writes that source's posts to a second file
    # (the information-operations archive has minutes only anyway: one file).
    minutes = None
    if engine.minute is not None and fmt != "io-archive":
        minutes = open_writer(fmt, out, retrieved_base=engine.end + 301 * 86400, suffix=MINUTE_SUFFIX)
        writers.append(minutes)
    try:
        for chunk in engine.chunks():
            if minutes is None:
                writer.write(chunk)
            else:
                exact, coarse = _split(chunk, engine.minute)
                for w, part in ((writer, exact), (minutes, coarse)):
                    if part.recs:
                        w.write(part)
            labels.write(chunk)
            if progress is not None:
                progress(labels.posts)
    finally:
        for w in writers:
            w.close()
    # The chats link to the seed and target posts, whose ids exist once they are rendered.
    groups = chat_groups(engine)
    chat_paths = write_chats(out / CHAT_DIR, groups)
    truth = labels.finish(fmt, groups)
    paths = [w.path for w in writers]
    if minutes is not None:
        truth["time_resolution"]["files"] = {p.name: ("minutes" if w is minutes else "seconds")
                                             for p, w in zip(paths, writers, strict=False)}
        (out / "labels" / "truth.json").write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2) + b"\n")
    log.info("simulated %s posts by %s accounts into %s", labels.posts, labels.accounts,
             ", ".join(str(p) for p in paths))
    return Simulation(paths, out / "labels", labels.posts, labels.accounts, truth, chat_paths)


def _split(chunk: SimChunk, minute: Any) -> tuple[SimChunk, SimChunk]:
    """The chunk's posts from exact-time sources and from the minute-resolution source (each in
    time order; profiles and referenced originals shared)."""
    coarse = minute[[r[1] for r in chunk.recs]].tolist() if chunk.recs else []
    parts = []
    for want in (False, True):
        idx = [k for k, c in enumerate(coarse) if c is want]
        parts.append(SimChunk([chunk.recs[k] for k in idx], chunk.times[idx], chunk.people, chunk.refs, [], []))
    return parts[0], parts[1]


# --------------------------------------------------------------------------- canonical tables

_TS = pa.timestamp("us")
_LIST = pa.list_(pa.string())


def _posts_table(chunk: SimChunk, engine: Engine) -> pa.Table:
    p = chunk.posts
    n = len(p["post_id"])
    ids = engine.id_str
    people = chunk.people
    cols: dict[str, Any] = {
        "post_id": p["post_id"],
        "account_id": [ids[a] for a in p["acct"]],
        "time": pa.array(p["time"] * 1_000_000, type=_TS),
        "kind": p["kind"],
        "text": p["text"],
        "lang": p["lang"],
        "ref_post_id": p["ref_post_id"],
        "ref_account_id": [ids[a] if a >= 0 else None for a in p["ref_acct"]],
        "reply_to_post_id": p["reply_to_post_id"],
        "hashtags": [[normalize_hashtag(h) for h in hs] for hs in p["hashtags_raw"]],
        "hashtags_raw": p["hashtags_raw"],
        "urls": [[normalize_url(u) for u in us] for us in p["urls_raw"]],
        "urls_raw": p["urls_raw"],
        "mentions": [[people[m][1].lower() for m in ms] for ms in p["mention_idx"]],
        "media": pa.array([[]] * n, type=_LIST),
        "client": p["client"],
        "latitude": pa.nulls(n, pa.float64()),
        "longitude": pa.nulls(n, pa.float64()),
        "like_count": p["like_count"],
        "repost_count": p["repost_count"],
        "reply_count": p["reply_count"],
        "quote_count": p["quote_count"],
        "source_format": pa.array(["simulated"] * n, pa.string()),
        # "minutes" marks the minute-resolution source (only in scenarios that have one).
        "source_file": pa.array([""] * n if engine.minute is None
                                else ["minutes" if m else "" for m in engine.minute[p["acct"]].tolist()], pa.string()),
        "source_line": pa.nulls(n, pa.int64()),
    }
    return pa.Table.from_arrays([pa.array(cols[f.name], type=f.type) if not isinstance(cols[f.name], pa.Array)
                                 else cols[f.name] for f in POST_SCHEMA], schema=POST_SCHEMA)


def _accounts_table(chunk: SimChunk, engine: Engine) -> pa.Table:
    rows = [chunk.people[i] for i in chunk.new_accounts]
    n = len(rows)

    def col(k: int) -> list[Any]:
        return [r[k] for r in rows]

    cols: dict[str, Any] = {
        "account_id": col(0), "handle": col(1), "display_name": col(2), "description": col(3),
        "location": col(4), "url": col(5), "lang": col(6),
        "created_at": pa.array([c * 1_000_000 for c in col(7)], type=pa.int64()).cast(_TS),
        "followers": col(8), "following": col(9), "post_count": col(10), "likes_given": col(15),
        "listed": col(16), "verified": col(11),
        "default_profile": col(12), "default_profile_image": col(13),
        "seen_at": pa.array([t * 1_000_000 for t in chunk.first_seen], type=pa.int64()).cast(_TS),
        "source_format": ["simulated"] * n, "source_file": [""] * n,
    }
    return pa.Table.from_arrays([cols[f.name] if isinstance(cols[f.name], pa.Array)
                                 else pa.array(cols[f.name], type=f.type) for f in ACCOUNT_SCHEMA],
                                schema=ACCOUNT_SCHEMA)
