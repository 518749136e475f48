"""Rings: comments by different authors that say the same thing far more alike than their thread explains.

Under a news story everybody writes about the same thing, so comments are alike anyway; a ring is a
group whose comments are near-copies or paraphrases of one another well beyond that. Step by step
(``docs/comments.md`` has the numbers behind each choice):

1. **What is compared.** Comments with at least ``ring_min_words`` content words (:mod:`._text`).
   Comments with equal copy keys in one thread are one *text* (copies); texts in Latin script
   (English, Roman Urdu) are embedded with the fast static model
   (:func:`trendtrace.comments.embed.embed`); texts in other scripts (Urdu...) are matched as copies
   only, because both models read them letter by letter.
2. **The thread's background.** For every thread, the cosine similarities of all pairs of its texts
   by different authors (threads above ``ring_exact_thread`` texts: a seeded sample of pairs),
   separately for pairs of two Roman Urdu texts (which the models put close together anyway) and
   the rest: their median and robust spread (1.4826 × median absolute deviation, at least
   :data:`SCALE_FLOOR`). Threads with fewer than ``ring_background_pairs`` pairs borrow the
   background of all threads together, and when that is too small too, the prior
   :data:`PRIOR` measured on organic simulated threads. The background is measured twice: the
   second time without the pairs between two texts that each have a pair at ``ring_candidate`` or
   above, so that a ring does not raise its own bar (a thread left with too few pairs borrows).
3. **Candidates.** Pairs by different authors with similarity at least
   ``max(ring_candidate, median + ring_background_z × spread)`` of their thread: exact for threads
   of up to ``ring_exact_thread`` texts (one matrix product), the ``ring_neighbours`` nearest
   neighbours above (faiss; exact up to :data:`FLAT_UP_TO` texts, HNSW beyond).
4. **Re-scoring.** MiniLM itself embeds only the texts of candidate pairs; a pair is kept when its
   MiniLM cosine is at least ``ring_similarity`` (near-copies at fast similarity
   :data:`NEAR_COPY` or more are kept without it).
5. **Groups.** Per thread, seeded Leiden (constant Potts model, resolution :data:`DENSITY`: groups
   in which most pairs are kept) on the kept pairs; a group of copies is one text. Groups with at
   least ``ring_min_comments`` comments by ``ring_min_authors`` different authors are weighed.
6. **Evidence and score** (:func:`ring_score`): how far the group's mean similarity lies above the
   thread's background, how many authors, agreement-only replies under its comments by at least
   ``ring_min_agree`` other authors (:mod:`._agree`; they join the ring), and how uniform its
   comments are in form compared with random groups from the same thread (:mod:`._style`). A group
   is a ring when its score reaches ``ring_threshold``.

Nothing here judges whether a text was machine-written: rings are found by closeness and
uniformity beyond the thread's own background, and by replies that only agree.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from ..model import InputError
from ._agree import agreement_only
from ._style import length_cv, style_features, uniformity
from ._text import LATIN, LATIN_OTHER, OTHER, ROMAN_URDU, SCRIPTS, text_info

__all__ = [
    "comment_rings", "RingResult", "Background", "similar_pairs", "ring_score", "specificity", "Progress",
    "COMMENTS_COLUMNS",
    "RINGS_COLUMNS", "NEAR_COPY", "SCALE_FLOOR", "PRIOR", "DENSITY", "FLAT_UP_TO", "PRE_SCORE",
]

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: called as work goes on (the command draws a bar).
Progress = Callable[[str, int, int], None]

#: Fast-model similarity at which a pair is a near-copy and needs no re-scoring.
NEAR_COPY = 0.95
#: Least robust spread of a background: one thread's pairs can be nearly all alike.
SCALE_FLOOR = 0.05
#: (median, spread) of the fast model's similarities between organic comments of one thread, by
#: pair script (Latin, Roman Urdu), used when neither the thread nor all threads together have
#: ``ring_background_pairs`` pairs: measured on organic simulated threads (docs/comments.md).
PRIOR: Mapping[int, tuple[float, float]] = {LATIN: (0.42, 0.15), ROMAN_URDU: (0.68, 0.09)}
#: Resolution of the constant Potts model in the Leiden step: a text joins a group when it is
#: kept-paired with more than this share of the group's texts.
DENSITY = 0.3
#: Groups of fast-model candidates are re-scored by MiniLM only when their score, weighed with the
#: fast model's similarities, reaches this share of ``ring_threshold``.
PRE_SCORE = 0.5
#: Nearest-neighbour search (threads above ``ring_exact_thread`` texts) is exact up to this many
#: texts, HNSW above.
FLAT_UP_TO = 50_000  # the same as trendtrace.coordination.semantic.EXACT_UP_TO, whose search is used
#: Background pairs kept per thread and script for the background of all threads together.
_POOL_PER_THREAD = 64
#: Pairs sampled for the background of a thread compared by nearest neighbours.
_SAMPLE_PAIRS = 20_000
#: Random groups drawn for the uniformity of each group, and the most reference comments used.
_DRAWS = 200
_REFERENCE_MAX = 2000
_EMBED_BATCH = 20_000

#: Columns of :attr:`RingResult.comments`, in order.
COMMENTS_COLUMNS = ("id", "author", "thread", "ring", "ring_score", "role", "agreement_only", "max_similarity",
                    "most_similar", "compared")
#: Columns of :attr:`RingResult.rings`, in order.
RINGS_COLUMNS = ("ring", "thread", "comments", "authors", "ring_score", "example", "evidence", "mean_similarity",
                 "thread_background", "background_from", "percentile", "closeness_z", "minilm_similarity", "copies",
                 "agreement_replies", "agreement_authors", "uniformity", "length_cv", "thread_length_cv",
                 "first_time", "last_time")


@dataclass(frozen=True)
class Background:
    """The similarities of a thread's pairs of texts by different authors: median, robust spread
    (1.4826 MAD, at least :data:`SCALE_FLOOR`), the number of pairs, and where it comes from
    (``"thread"``, ``"all threads"`` or ``"prior"``)."""

    median: float
    scale: float
    pairs: int
    source: str

    def threshold(self, floor: float, z: float) -> float:
        return max(floor, self.median + z * self.scale)


@dataclass(frozen=True)
class RingResult:
    """What :func:`comment_rings` found.

    ``comments``: one row per input comment, in input order (:data:`COMMENTS_COLUMNS`): ``ring`` (empty
    if none), ``ring_score`` (the score of the group of similar comments it belongs to, 0 if none; a
    group is a ring only at ``ring_threshold``), ``role`` (``paraphrase``, ``copy`` or ``agreement`` in a
    ring, else empty), ``agreement_only``, ``max_similarity`` (fast-model cosine with the most similar
    comment by another author in its thread; copies 1; empty when not compared), ``most_similar`` (that
    comment's id) and ``compared``: ``meaning`` (English and Roman Urdu: paraphrases count),
    ``near-copies only`` (other Latin-script languages), ``copies only`` (Urdu and other scripts) or
    ``too short`` (fewer than ``ring_min_words`` content words: not compared).
    ``rings``: one row per ring, highest score first (:data:`RINGS_COLUMNS`).
    ``notes``: plain sentences for the user (fallbacks, comments left out). ``stats``: counts and seconds.
    """

    comments: pa.Table
    rings: pa.Table
    notes: tuple[str, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)


def ring_score(closeness_z: float, authors: int, agreement_authors: int, uniformity: float,
               copies: float = 0.0) -> float:
    """The ring score in [0, 1] of a group (docs/comments.md, "The score").

    ``closeness_z``: the group's mean similarity above the thread's background, in robust spreads;
    ``authors``: distinct authors; ``agreement_authors``: distinct authors of agreement-only replies
    under its comments; ``uniformity``: :func:`trendtrace.comments._style.uniformity` of its distinct
    texts (0.5 = chance); ``copies``: the share of its comments that are copies of a text of its, each
    weighted by how specific that text is (:func:`specificity`: a copied slogan of four words is
    weak evidence, a copied paragraph strong).

    ``score = C × (1 − (1 − N)(1 − 0.6 A)(1 − 0.8 U)(1 − 0.8 K))`` with closeness
    ``C = clip((z − 1) / 2, 0, 1)``, breadth ``N = 1 − 0.8^(authors − 2)``, agreement
    ``A = 1 − 0.5^agreement_authors``, uniformity beyond chance ``U = clip(2 uniformity − 1, 0, 1)``
    and copies ``K = copies``. Without closeness there is no ring; each other kind of evidence
    raises the score and none can lower it. Three authors alone give at most 0.2. The constants
    were chosen on simulated threads (calibration seeds; docs/comments.md): true rings mostly above
    0.5, organic groups below.

    >>> round(ring_score(4.0, 3, 0, 0.5), 2), round(ring_score(4.0, 8, 2, 0.95), 2)
    (0.2, 0.96)
    """
    c = min(1.0, max(0.0, (closeness_z - 1.0) / 2.0))
    n = 1.0 - 0.8 ** max(0, authors - 2)
    a = 1.0 - 0.5 ** max(0, agreement_authors)
    u = min(1.0, max(0.0, 2.0 * uniformity - 1.0))
    k = min(1.0, max(0.0, copies))
    return float(c * (1.0 - (1.0 - n) * (1.0 - 0.6 * a) * (1.0 - 0.8 * u) * (1.0 - 0.8 * k)))


def specificity(content_words: int, min_words: int = 4) -> float:
    """How unlikely two people are to write a text of ``content_words`` content words word for word
    by chance, from 0 (``min_words`` words: a slogan) to 1 (12 or more words above it: a paragraph),
    linearly. ``clip((content_words − min_words) / 8, 0, 1)``."""
    return min(1.0, max(0.0, (content_words - min_words) / 8.0))


# --------------------------------------------------------------------------- pair search

@lru_cache(maxsize=64)
def _triu(m: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(m, 1)
    return i.astype(np.int32), j.astype(np.int32)


def _exact_block(x: np.ndarray, authors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (i < j) of the rows of ``x``: (i, j, cosine, by different authors)."""
    s = x @ x.T
    i, j = _triu(len(x))
    vals = s[i, j]
    diff = (authors[i] != authors[j]) | (authors[i] < 0) | (authors[j] < 0)
    return i, j, vals, diff


def _knn_block(x: np.ndarray, authors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest neighbours as pairs (i < j, deduplicated): (i, j, cosine, different authors)."""
    from ..coordination.semantic import neighbour_pairs

    a, b, v = neighbour_pairs(x, -np.inf, k)
    i, j = a.astype(np.int32), b.astype(np.int32)
    diff = (authors[i] != authors[j]) | (authors[i] < 0) | (authors[j] < 0)
    return i, j, v, diff


def _segments(threads: np.ndarray) -> list[np.ndarray]:
    """Row indices of each thread, threads in order of their codes."""
    order = np.argsort(threads, kind="stable")
    cuts = np.flatnonzero(np.diff(threads[order])) + 1
    return [seg for seg in np.split(order, cuts) if len(seg)]


def similar_pairs(x: np.ndarray, threads: np.ndarray, authors: np.ndarray, threshold: float, *,
                  exact_up_to: int = 2000, neighbours: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of rows of the unit-length ``x`` in the same thread (equal ``threads`` codes), by
    different authors (``authors`` codes differ, or either is negative: several authors), with cosine
    at least ``threshold``; returns (i, j, cosine) sorted by (i, j).

    Threads of up to ``exact_up_to`` rows compare every pair (one matrix product); larger threads
    look at each row's ``neighbours`` nearest neighbours only (faiss), so pairs beyond them may be
    missed (none are when ``neighbours`` is at least the thread's size minus one and the thread has
    at most :data:`FLAT_UP_TO` rows). This is the candidate search of :func:`comment_rings`.
    """
    out_i, out_j, out_v = [], [], []
    for seg in _segments(np.asarray(threads)):
        if len(seg) < 2:
            continue
        xt, at = x[seg], np.asarray(authors)[seg]
        i, j, v, diff = _exact_block(xt, at) if len(seg) <= exact_up_to else _knn_block(xt, at, neighbours)
        keep = diff & (v >= threshold)
        gi, gj = seg[i[keep]], seg[j[keep]]
        out_i.append(np.minimum(gi, gj))
        out_j.append(np.maximum(gi, gj))
        out_v.append(v[keep])
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    i, j, v = (np.concatenate(out_i).astype(np.int64), np.concatenate(out_j).astype(np.int64),
               np.concatenate(out_v).astype(np.float32))
    order = np.lexsort((j, i))
    return i[order], j[order], v[order]


# --------------------------------------------------------------------------- backgrounds

def _robust(values: np.ndarray) -> tuple[float, float]:
    med = float(np.median(values))
    return med, max(SCALE_FLOOR, 1.4826 * float(np.median(np.abs(values - med))))


def _pair_script(scripts: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The background class of pairs: ROMAN_URDU for two Roman Urdu texts, LATIN_OTHER when either
    text is in another Latin-script language (near-copies only), else LATIN."""
    both = (scripts[i] == ROMAN_URDU) & (scripts[j] == ROMAN_URDU)
    other = (scripts[i] == LATIN_OTHER) | (scripts[j] == LATIN_OTHER)
    return np.where(other, LATIN_OTHER, np.where(both, ROMAN_URDU, LATIN)).astype(np.int8)


# --------------------------------------------------------------------------- the door

@dataclass
class _Texts:
    """Distinct texts (copy groups) per thread, of comments long enough to compare."""

    thread: np.ndarray  # thread code
    author: np.ndarray  # author code, -1 when copies by several authors
    script: np.ndarray
    rep: np.ndarray  # the first comment of each text
    members: list[list[int]]


def _settings(settings: Mapping[str, Any] | None) -> Mapping[str, Any]:
    from ..settings import Settings

    if settings is None:
        return Settings()
    if isinstance(settings, Settings):
        return settings
    return Settings(**dict(settings))


def comment_rings(comments: pa.Table, settings: Mapping[str, Any] | None = None, *,
                  progress: Progress | None = None) -> RingResult:
    """Rings in a comments table (columns of :data:`trendtrace.comments.COMMENT_SCHEMA`: ``id``,
    ``author``, ``text``, ``thread``, ``parent``, ``time``; missing optional columns are allowed).

    ``settings``: a :class:`~trendtrace.settings.Settings` or a mapping of overrides (section
    ``comments``: ``ring_*``, and ``seed``); defaults from :data:`trendtrace.settings.SETTINGS`.
    Returns a :class:`RingResult`. The method is the module's (steps 1-6) and is deterministic for a
    given ``seed``. Needs the optional extra ``trendtrace[comments]`` for the models; raises
    :class:`~trendtrace.model.InputError` when they are missing or the table lacks a column.

    >>> from trendtrace.simulate.comments import comment_threads   # doctest: +SKIP
    >>> result = comment_rings(comment_threads(2000, seed=1)[0])    # doctest: +SKIP
    >>> result.rings.column_names[:4]                                # doctest: +SKIP
    ['ring', 'thread', 'comments', 'authors']
    """
    cfg = _settings(settings)
    started = time.perf_counter()
    tick: Progress = progress or (lambda stage, done, total: None)
    for col in ("id", "author", "text"):
        if col not in comments.column_names:
            raise InputError(f"the comments table has no column {col!r}")
    n = comments.num_rows
    ids = [str(v) for v in comments.column("id").to_pylist()]
    authors = [str(v) for v in comments.column("author").to_pylist()]
    texts = ["" if v is None else str(v) for v in comments.column("text").to_pylist()]
    threads = (["" if v is None else str(v) for v in comments.column("thread").to_pylist()]
               if "thread" in comments.column_names else [""] * n)
    parents = comments.column("parent").to_pylist() if "parent" in comments.column_names else [None] * n
    times = comments.column("time").to_pylist() if "time" in comments.column_names else [None] * n
    seed = int(cfg["seed"])
    min_words = int(cfg["ring_min_words"])
    notes: list[str] = []
    stats: dict[str, Any] = {"comments": n, "threshold": float(cfg["ring_threshold"])}

    author_code = _codes(authors)
    thread_names = list(dict.fromkeys(threads))
    thread_of = {t: k for k, t in enumerate(thread_names)}
    thread_code = np.fromiter((thread_of[t] for t in threads), dtype=np.int64, count=n)
    row_of = {c: i for i, c in enumerate(ids)}
    parent_row = np.fromiter((row_of.get(p, -1) if p is not None else -1 for p in parents), dtype=np.int64, count=n)

    tick("reading texts", 0, n)
    info = text_info(texts)
    features = style_features(texts)
    agree = np.zeros(n, dtype=bool)
    for i in range(n):
        if info.content[i] <= 6:  # longer replies always say something of their own
            p = parent_row[i]
            agree[i] = agreement_only(texts[i], texts[p] if p >= 0 else None)
    tick("reading texts", n, n)
    stats["seconds_text"] = round(time.perf_counter() - started, 2)

    # 1. texts: copies in one thread are one text
    long_enough = info.content >= min_words
    tx = _distinct_texts(np.flatnonzero(long_enough), thread_code, author_code, info)
    embedded = tx.script != OTHER
    stats["texts"] = len(tx.rep)
    n_other = int(sum(len(m) for m, e in zip(tx.members, embedded, strict=True) if not e))
    if n_other:
        notes.append(f"{n_other:,} comments in Urdu or another script the models cannot read were compared "
                     f"as exact copies only")
    n_foreign = int(sum(len(m) for m, sc in zip(tx.members, tx.script, strict=True) if sc == LATIN_OTHER))
    if n_foreign:
        notes.append(f"{n_foreign:,} comments in a Latin-script language other than English and Roman Urdu were "
                     f"compared as near-copies only (fast-model similarity {NEAR_COPY} or more)")
    n_short = int((~long_enough).sum())
    if n_short:
        notes.append(f"{n_short:,} comments with fewer than {min_words} content words were not compared "
                     f"(agreement-only replies among them still count)")

    t0 = time.perf_counter()
    x = _embed_fast(tx, texts, embedded, tick)
    stats["seconds_fast_model"] = round(time.perf_counter() - t0, 2)

    # 2-3. backgrounds and candidates
    t0 = time.perf_counter()
    bg, cand, best = _compare(x, tx, embedded, cfg, seed, n, tick)
    stats["seconds_compare"] = round(time.perf_counter() - t0, 2)
    ci, cj, cv = cand
    stats["candidate_pairs"] = len(ci)
    stats["background_all_threads"] = {SCRIPTS[k]: (round(bg[(-1, k)].median, 3), round(bg[(-1, k)].scale, 3),
                                                     bg[(-1, k)].pairs) for k in (LATIN, ROMAN_URDU)}
    lent = {(t, s): b.source for (t, s), b in bg.items() if t >= 0 and b.source != "thread"}
    borrowed = len(lent)
    if borrowed:
        kinds = set(lent.values())
        notes.append(f"{borrowed:,} thread part{'s' if borrowed != 1 else ''} (the comments of one thread in one "
                     f"language: English, Roman Urdu) had too few pairs for a background of "
                     f"{'their' if borrowed != 1 else 'its'} own and used {' or '.join(sorted(kinds))}")

    # 4. MiniLM re-scores the candidates that could make a ring: pairs inside groups of the fast
    # model's candidates big enough to weigh whose score, weighed with fast similarities, reaches
    # PRE_SCORE × ring_threshold (the final score is weighed again after re-scoring)
    t0 = time.perf_counter()
    min_comments, min_authors = int(cfg["ring_min_comments"]), int(cfg["ring_min_authors"])
    threshold = float(cfg["ring_threshold"])
    reference = _reference(tx, thread_code, long_enough)
    agreeing: dict[int, list[int]] = {}
    for r in np.flatnonzero(agree & (parent_row >= 0)).tolist():
        agreeing.setdefault(int(parent_row[r]), []).append(r)
    ctx = _Ctx(tx, x, embedded, bg, author_code, agreeing, features, reference, int(cfg["ring_min_agree"]),
               info.content, min_words)
    group_of = np.full(len(tx.rep), -1, dtype=np.int64)
    pre = _groups(ci, cj, tx, author_code, seed, min_comments, min_authors, tick, "pre-grouping")
    pre_rng = np.random.default_rng(seed + 1)
    promising = 0
    for g, nodes in enumerate(pre):
        if len(nodes) > 1 and _weigh(nodes, ctx, pre_rng)["ring_score"] >= PRE_SCORE * threshold:
            group_of[nodes] = g
            promising += 1
    stats["pre_groups"], stats["pre_groups_promising"] = len(pre), promising
    inside = (group_of[ci] >= 0) & (group_of[ci] == group_of[cj]) if len(ci) else np.zeros(0, dtype=bool)
    ci, cj, cv = ci[inside], cj[inside], cv[inside]
    stats["candidate_pairs_rescored"] = len(ci)
    minilm = _rescore(ci, cj, cv, tx, texts, tick)
    stats["seconds_minilm"] = round(time.perf_counter() - t0, 2)
    kept = (cv >= NEAR_COPY) | (minilm >= float(cfg["ring_similarity"]))
    stats["kept_pairs"] = int(kept.sum())
    stats["minilm_texts"] = int(len(np.unique(np.concatenate([ci[cv < NEAR_COPY], cj[cv < NEAR_COPY]]))))

    # 5. groups
    t0 = time.perf_counter()
    groups = _groups(ci[kept], cj[kept], tx, author_code, seed, min_comments, min_authors, tick, "grouping")
    pair_minilm = {(int(a), int(b)): float(m) for a, b, m in zip(ci[kept], cj[kept], minilm[kept], strict=True)}

    # 6. evidence, score, rings
    rng = np.random.default_rng(seed)
    emb_idx = np.flatnonzero(embedded)
    text_rows = {int(tx.thread[emb_idx[seg[0]]]): emb_idx[seg] for seg in _segments(tx.thread[emb_idx])} \
        if len(emb_idx) else {}
    found = [_evidence(nodes, ctx, pair_minilm, times, texts, authors, text_rows, rng) for nodes in groups]
    stats["seconds_groups"] = round(time.perf_counter() - t0, 2)
    found.sort(key=lambda e: (-e["ring_score"], e["thread_code"], e["core"][0]))
    ring_of = [""] * n
    score_of = np.zeros(n, dtype=np.float64)
    role_of = [""] * n
    rows: list[dict[str, Any]] = []
    for ev in found:
        for c in ev["core"] + ev["agreement"]:
            score_of[c] = max(score_of[c], ev["ring_score"])
        if ev["ring_score"] < threshold:
            continue
        name = f"ring-{len(rows) + 1}"
        ev["ring"] = name
        for c in ev["core"]:
            ring_of[c] = name
            role_of[c] = "copy" if c in ev["copies_set"] else "paraphrase"
        for c in ev["agreement"]:
            if not ring_of[c]:
                ring_of[c] = name
                role_of[c] = "agreement"
        rows.append(ev)
    stats["groups"] = len(found)
    stats["rings"] = len(rows)
    stats["seconds"] = round(time.perf_counter() - started, 2)

    compared = np.full(n, "too short", dtype=object)
    for k, members in enumerate(tx.members):
        for c in members:
            compared[c] = ("copies only" if not embedded[k] else "near-copies only" if tx.script[k] == LATIN_OTHER
                           else "meaning")
    best_sim, best_other = best
    out = pa.table({
        "id": pa.array(ids, pa.string()),
        "author": pa.array(authors, pa.string()),
        "thread": pa.array(threads, pa.string()),
        "ring": pa.array(ring_of, pa.string()),
        "ring_score": pa.array(np.round(score_of, 3), pa.float64()),
        "role": pa.array(role_of, pa.string()),
        "agreement_only": pa.array(agree, pa.bool_()),
        "max_similarity": pa.array([None if math.isnan(v) else round(float(v), 3) for v in best_sim], pa.float64()),
        "most_similar": pa.array([ids[o] if o >= 0 else None for o in best_other], pa.string()),
        "compared": pa.array(compared.tolist(), pa.string()),
    })
    return RingResult(out, _rings_table(rows, thread_names), tuple(notes), stats)


def _codes(values: Sequence[str]) -> np.ndarray:
    index: dict[str, int] = {}
    return np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))


def _distinct_texts(rows: np.ndarray, thread_code: np.ndarray, author_code: np.ndarray, info: Any) -> _Texts:
    key_of: dict[tuple[int, str], int] = {}
    members: list[list[int]] = []
    for r in rows.tolist():
        k = (int(thread_code[r]), info.key[r])
        t = key_of.get(k)
        if t is None:
            key_of[k] = len(members)
            members.append([r])
        else:
            members[t].append(r)
    rep = np.fromiter((m[0] for m in members), dtype=np.int64, count=len(members))
    author = np.fromiter((author_code[m[0]] if len({int(author_code[c]) for c in m}) == 1 else -1 for m in members),
                         dtype=np.int64, count=len(members))
    return _Texts(thread_code[rep] if len(rep) else np.zeros(0, np.int64), author,
                  info.script[rep] if len(rep) else np.zeros(0, np.int8), rep, members)


def _import_embed() -> Any:
    try:
        from . import embed as embedding
    except ImportError as exc:  # pragma: no cover - part of the package
        raise InputError(f"comment embeddings cannot be loaded: {exc}") from None
    return embedding


def _embed_fast(tx: _Texts, texts: list[str], embedded: np.ndarray, tick: Progress) -> np.ndarray:
    """Fast-model rows for the embedded texts (zeros for the others), each distinct string once."""
    embedding = _import_embed()
    rows = np.flatnonzero(embedded)
    strings: dict[str, int] = {}
    slot = np.fromiter((strings.setdefault(texts[tx.rep[k]], len(strings)) for k in rows.tolist()),
                       dtype=np.int64, count=len(rows))
    unique = list(strings)
    total = len(unique)
    tick("embedding (fast model)", 0, total)
    try:
        parts = []
        for start in range(0, total, _EMBED_BATCH):
            parts.append(embedding.embed(unique[start:start + _EMBED_BATCH], model="fast"))
            tick("embedding (fast model)", min(total, start + _EMBED_BATCH), total)
    except embedding.EmbeddingUnavailable as exc:
        raise InputError(str(exc)) from None
    dim = parts[0].shape[1] if parts else 256
    u = np.concatenate(parts) if parts else np.zeros((0, dim), np.float32)
    x = np.zeros((len(tx.rep), dim), dtype=np.float32)
    if len(rows):
        x[rows] = u[slot]
    return x


def _compare(x: np.ndarray, tx: _Texts, embedded: np.ndarray, cfg: Mapping[str, Any], seed: int, n_comments: int,
             tick: Progress) -> tuple[dict[tuple[int, int], Background], tuple[np.ndarray, np.ndarray, np.ndarray],
                                      tuple[np.ndarray, np.ndarray]]:
    """Backgrounds per (thread, pair script), candidate pairs of texts (i, j, fast cosine), and for
    every comment its best similarity to another author's comment in its thread and that comment."""
    floor, z = float(cfg["ring_candidate"]), float(cfg["ring_background_z"])
    min_pairs = int(cfg["ring_background_pairs"])
    exact_up_to, k = int(cfg["ring_exact_thread"]), int(cfg["ring_neighbours"])
    rng = np.random.default_rng(seed)
    best_sim = np.full(n_comments, np.nan)
    best_other = np.full(n_comments, -1, dtype=np.int64)
    # copies: 1 with another author's copy
    for m in tx.members:
        if len(m) > 1:
            for c in m:
                other = next((o for o in m if o != c), -1)
                best_sim[c], best_other[c] = 1.0, other
    idx = np.flatnonzero(embedded)
    segments = _segments(tx.thread[idx]) if len(idx) else []
    own: dict[tuple[int, int], Background] = {}
    pool: dict[int, list[np.ndarray]] = {LATIN: [], ROMAN_URDU: []}
    stored: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    present: set[tuple[int, int]] = set()
    total = len(segments)
    tick("comparing within threads", 0, total)
    for done, seg in enumerate(segments, 1):
        rows = idx[seg]
        if len(rows) >= 2:
            t = int(tx.thread[rows[0]])
            xt, at = x[rows], tx.author[rows]
            exact = len(rows) <= exact_up_to
            i, j, v, diff = _exact_block(xt, at) if exact else _knn_block(xt, at, k)
            pscript = _pair_script(tx.script[rows], i, j)
            _best(rows, i, j, v, diff, tx, best_sim, best_other)
            if not exact:  # the background of a large thread: random pairs
                si, sj, sv, sdiff = _sample_pairs(xt, at, rng)
                sscript = _pair_script(tx.script[rows], si, sj)
            else:
                si, sj, sv, sdiff, sscript = i, j, v, diff, pscript
            for s in (LATIN, ROMAN_URDU):
                sel = sdiff & (sscript == s)
                vals = sv[sel]
                if not len(vals):
                    continue
                present.add((t, s))
                pool[s].append(vals if len(vals) <= _POOL_PER_THREAD else rng.choice(vals, _POOL_PER_THREAD, False))
                if len(vals) < min_pairs:
                    continue
                b = Background(*_robust(vals), len(vals), "thread")
                # a second time without the pairs between two texts that each have a pair at the floor
                # or above: a ring must not raise its own bar
                # (a thread that is mostly candidates has too few other pairs: it borrows a background)
                hot = sel & (sv >= floor)
                if hot.any():
                    cands = np.zeros(len(rows), dtype=bool)
                    cands[si[hot]] = cands[sj[hot]] = True
                    calm = sel & ~(cands[si] & cands[sj])
                    if calm.sum() < min_pairs:
                        continue
                    b = Background(*_robust(sv[calm]), int(calm.sum()), "thread")
                own[(t, s)] = b
            keep = diff & (v >= floor)
            if keep.any():
                stored.append((t, rows[i[keep]], rows[j[keep]], v[keep], pscript[keep]))
        tick("comparing within threads", done, total)
    pooled = {s: (np.concatenate(p) if p else np.zeros(0, np.float32)) for s, p in pool.items()}
    shared = {s: (Background(*_robust(p), len(p), "all threads") if len(p) >= min_pairs
                  else Background(PRIOR[s][0], PRIOR[s][1], 0, "prior")) for s, p in pooled.items()}
    bg: dict[tuple[int, int], Background] = {}
    out_i, out_j, out_v = [], [], []
    for t, gi, gj, v, ps in stored:
        thr = np.empty(len(v), dtype=np.float32)
        thr[ps == LATIN_OTHER] = NEAR_COPY
        for s in (LATIN, ROMAN_URDU):
            b = own.get((t, s)) or shared[s]
            thr[ps == s] = b.threshold(floor, z)
        keep = v >= thr
        out_i.append(gi[keep])
        out_j.append(gj[keep])
        out_v.append(v[keep])
    for key, b in own.items():
        bg.setdefault(key, b)
    for t, s in present:
        bg.setdefault((t, s), own.get((t, s)) or shared[s])
    bg[(-1, LATIN)], bg[(-1, ROMAN_URDU)] = shared[LATIN], shared[ROMAN_URDU]
    if out_i:
        ci, cj, cv = (np.concatenate(out_i).astype(np.int64), np.concatenate(out_j).astype(np.int64),
                      np.concatenate(out_v).astype(np.float32))
        lo, hi = np.minimum(ci, cj), np.maximum(ci, cj)
        order = np.lexsort((hi, lo))
        ci, cj, cv = lo[order], hi[order], cv[order]
    else:
        ci, cj, cv = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return bg, (ci, cj, cv), (best_sim, best_other)


def _sample_pairs(x: np.ndarray, authors: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    m = len(x)
    i = rng.integers(0, m, _SAMPLE_PAIRS).astype(np.int32)
    j = rng.integers(0, m, _SAMPLE_PAIRS).astype(np.int32)
    ok = i != j
    i, j = np.minimum(i[ok], j[ok]), np.maximum(i[ok], j[ok])
    v = np.einsum("ij,ij->i", x[i], x[j])
    diff = (authors[i] != authors[j]) | (authors[i] < 0) | (authors[j] < 0)
    return i, j, v, diff


def _best(rows: np.ndarray, i: np.ndarray, j: np.ndarray, v: np.ndarray, diff: np.ndarray, tx: _Texts,
          best_sim: np.ndarray, best_other: np.ndarray) -> None:
    """Each text's most similar text by another author in the thread, onto its comments."""
    if not diff.any():
        return
    a = np.concatenate([i[diff], j[diff]])
    b = np.concatenate([j[diff], i[diff]])
    s = np.concatenate([v[diff], v[diff]])
    order = np.lexsort((-s, a))
    a, b, s = a[order], b[order], s[order]
    first = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    for k in first.tolist():
        text, other = int(rows[a[k]]), int(rows[b[k]])
        sim = float(s[k])
        for c in tx.members[text]:
            if not sim < best_sim[c]:  # nan or lower
                best_sim[c], best_other[c] = sim, tx.members[other][0]


def _rescore(ci: np.ndarray, cj: np.ndarray, cv: np.ndarray, tx: _Texts, texts: list[str],
             tick: Progress) -> np.ndarray:
    """MiniLM cosine of each candidate pair below :data:`NEAR_COPY` (NaN for the others)."""
    out = np.full(len(ci), np.nan, dtype=np.float32)
    todo = np.flatnonzero(cv < NEAR_COPY)
    if not len(todo):
        return out
    embedding = _import_embed()
    nodes = np.unique(np.concatenate([ci[todo], cj[todo]]))
    strings: dict[str, int] = {}
    slot = {int(t): strings.setdefault(texts[tx.rep[t]], len(strings)) for t in nodes.tolist()}
    unique = list(strings)
    total = len(unique)
    tick("re-scoring candidates (MiniLM)", 0, total)
    parts = []
    step = 512
    try:
        for start in range(0, total, step):
            parts.append(embedding.embed(unique[start:start + step], model="minilm"))
            tick("re-scoring candidates (MiniLM)", min(total, start + step), total)
    except embedding.EmbeddingUnavailable as exc:
        raise InputError(str(exc)) from None
    y = np.concatenate(parts)
    a = np.fromiter((slot[int(t)] for t in ci[todo].tolist()), dtype=np.int64, count=len(todo))
    b = np.fromiter((slot[int(t)] for t in cj[todo].tolist()), dtype=np.int64, count=len(todo))
    out[todo] = np.einsum("ij,ij->i", y[a], y[b])
    return out


def _groups(ki: np.ndarray, kj: np.ndarray, tx: _Texts, author_code: np.ndarray, seed: int, min_comments: int,
            min_authors: int, tick: Progress, stage: str) -> list[list[int]]:
    """Groups of texts (lists of text indices): Leiden (CPM, :data:`DENSITY`) per thread on the kept
    pairs, plus texts copied by enough authors on their own; only groups big enough to weigh."""
    import igraph as ig
    import leidenalg

    def big_enough(nodes: list[int]) -> bool:
        comments = [c for t in nodes for c in tx.members[t]]
        return len(comments) >= min_comments and len({int(author_code[c]) for c in comments}) >= min_authors

    groups: list[list[int]] = []
    in_edges = set(ki.tolist()) | set(kj.tolist())
    for t, m in enumerate(tx.members):
        if len(m) >= min_comments and t not in in_edges and big_enough([t]):
            groups.append([t])
    if len(ki):
        thread = tx.thread[ki]
        order = np.argsort(thread, kind="stable")
        cuts = np.flatnonzero(np.diff(thread[order])) + 1
        parts = np.split(order, cuts)
        tick(stage, 0, len(parts))
        for done, part in enumerate(parts, 1):
            a, b = ki[part], kj[part]
            nodes = np.unique(np.concatenate([a, b]))
            local = {int(v): i for i, v in enumerate(nodes.tolist())}
            g = ig.Graph(n=len(nodes), edges=[(local[int(p)], local[int(q)]) for p, q in zip(a, b, strict=True)])
            part_ = leidenalg.find_partition(g, leidenalg.CPMVertexPartition, resolution_parameter=DENSITY,
                                             seed=seed, n_iterations=-1)
            for comm in part_:
                members = sorted(int(nodes[v]) for v in comm)
                if big_enough(members):
                    groups.append(members)
            tick(stage, done, len(parts))
    return groups


def _reference(tx: _Texts, thread_code: np.ndarray, long_enough: np.ndarray) -> dict[int, np.ndarray]:
    """Comments each thread's groups are compared with in form: its comments long enough to compare
    (key -1: a sample of all of them, for small threads)."""
    rows = np.flatnonzero(long_enough)
    ref: dict[int, np.ndarray] = {}
    if len(rows):
        for seg in _segments(thread_code[rows]):
            ref[int(thread_code[rows[seg[0]]])] = rows[seg]
        rng = np.random.default_rng(0)
        ref[-1] = rows if len(rows) <= _REFERENCE_MAX else np.sort(rng.choice(rows, _REFERENCE_MAX, replace=False))
    else:
        ref[-1] = rows
    return ref


_NAME_SHAPE = re.compile(r"[^\W\d_]+|\d+")


def _name_shape(name: str) -> str:
    return _NAME_SHAPE.sub(lambda m: "9" if m.group().isdigit() else "a", name.lower())


@dataclass
class _Ctx:
    """What weighing a group needs, gathered once."""

    tx: _Texts
    x: np.ndarray
    embedded: np.ndarray
    bg: Mapping[tuple[int, int], Background]
    author_code: np.ndarray
    agreeing_under: Mapping[int, list[int]]
    features: np.ndarray
    reference: Mapping[int, np.ndarray]
    min_agree: int
    content: np.ndarray
    min_words: int


def _weigh(nodes: list[int], ctx: _Ctx, rng: np.random.Generator) -> dict[str, Any]:
    """A group's core evidence and score (closeness, authors, agreement, uniformity)."""
    tx, x = ctx.tx, ctx.x
    core = sorted(c for t in nodes for c in tx.members[t])
    core_set = set(core)
    thread = int(tx.thread[nodes[0]])
    sizes = np.array([len(tx.members[t]) for t in nodes], dtype=np.float64)
    # mean similarity over pairs of comments: copies 1, other pairs their texts' cosine
    emb = np.array([bool(ctx.embedded[t]) for t in nodes])
    if len(nodes) > 1 and emb.any():
        s = x[nodes] @ x[nodes].T
        s[~emb, :] = 0.0
        s[:, ~emb] = 0.0
        np.fill_diagonal(s, 1.0)
        w = np.outer(sizes, sizes)
        np.fill_diagonal(w, sizes * (sizes - 1) / 2)
        iu = np.triu_indices(len(nodes))
        mean = float((s[iu] * w[iu]).sum() / max(w[iu].sum(), 1.0))
    else:
        mean = 1.0
    scripts = tx.script[nodes]
    script = ROMAN_URDU if (scripts == ROMAN_URDU).sum() * 2 > len(nodes) else LATIN  # others: as English
    b = ctx.bg.get((thread, script)) or ctx.bg[(-1, script)]
    z = (mean - b.median) / b.scale
    # agreement-only replies under the group's comments, by others than the comment's author
    agreeing = [r for p in core for r in ctx.agreeing_under.get(p, ())
                if r not in core_set and ctx.author_code[r] != ctx.author_code[p]]
    agree_authors = len({int(ctx.author_code[r]) for r in agreeing})
    # uniformity of form against random groups of the thread, over distinct texts: copies are alike
    # in form by being copies, which closeness already counts
    ref = ctx.reference.get(thread, ctx.reference[-1])
    if len(ref) < 2 * len(nodes) + 5:
        ref = ctx.reference[-1]
    if len(ref) > _REFERENCE_MAX:
        ref = np.sort(rng.choice(ref, _REFERENCE_MAX, replace=False))
    distinct = np.asarray([tx.rep[t] for t in nodes])
    uni = uniformity(ctx.features, distinct, ref, rng, _DRAWS)[0] if len(distinct) >= 3 else 0.5
    n_authors = len({int(ctx.author_code[c]) for c in core})
    copied = sum(len(tx.members[t]) * specificity(int(ctx.content[tx.rep[t]]), ctx.min_words)
                 for t in nodes if len(tx.members[t]) > 1)
    return {
        "nodes": nodes, "thread_code": thread, "core": core, "sizes": sizes, "emb": emb, "mean": mean,
        "script": script, "background": b, "z": z, "agreeing": agreeing, "agree_authors": agree_authors,
        "reference": ref, "distinct": distinct, "uniformity": uni, "n_authors": n_authors,
        "copied": copied / len(core), "ring_score": ring_score(z, n_authors, agree_authors, uni, copied / len(core)),
    }


def _evidence(nodes: list[int], ctx: _Ctx, pair_minilm: Mapping[tuple[int, int], float], times: list[Any],
              texts: list[str], authors: list[str], text_rows: Mapping[int, np.ndarray],
              rng: np.random.Generator) -> dict[str, Any]:
    """:func:`_weigh` and the rest of a group's row in rings.csv, with its evidence in words."""
    tx, x = ctx.tx, ctx.x
    w = _weigh(nodes, ctx, rng)
    core, b, thread = w["core"], w["background"], w["thread_code"]
    copies = [c for t in nodes if len(tx.members[t]) > 1 for c in tx.members[t]]
    percentile = _percentile(w["mean"], b, x, tx, text_rows.get(thread, np.zeros(0, np.int64)), w["script"], rng)
    kept = [pair_minilm[(p, q)] for i_, p in enumerate(nodes) for q in nodes[i_ + 1:]
            if (p, q) in pair_minilm and not math.isnan(pair_minilm[(p, q)])]
    agreeing = w["agreeing"]
    joined = agreeing if w["agree_authors"] >= ctx.min_agree else []
    ref, distinct = w["reference"], w["distinct"]
    cv_ring, cv_thread = length_cv(ctx.features, distinct), length_cv(ctx.features, ref)
    stamps = [times[c] for c in core if times[c] is not None]
    first, last = (min(stamps), max(stamps)) if stamps else (None, None)
    shapes = [_name_shape(authors[c]) for c in core]
    top_shape, top_count = max(((s_, shapes.count(s_)) for s_ in set(shapes)), key=lambda p: (p[1], p[0]))
    thread_shapes = [_name_shape(authors[c]) for c in ref.tolist()]
    shape_share = thread_shapes.count(top_shape) / max(1, len(thread_shapes))
    example = tx.rep[nodes[_central(nodes, tx, x, w["emb"])]]
    ev = {
        "thread_code": thread, "core": core, "copies_set": set(copies), "agreement": joined,
        "ring_score": w["ring_score"], "comments": len(core) + len(joined),
        "authors": len({int(ctx.author_code[c]) for c in core + joined}), "example": texts[example],
        "mean_similarity": w["mean"], "thread_background": b.median, "background_from": b.source,
        "percentile": percentile, "closeness_z": w["z"],
        "minilm_similarity": float(np.mean(kept)) if kept else math.nan, "copies": len(copies),
        "agreement_replies": len(agreeing), "agreement_authors": w["agree_authors"], "uniformity": w["uniformity"],
        "distinct": len(distinct), "length_cv": cv_ring, "thread_length_cv": cv_thread, "first_time": first,
        "last_time": last,
    }
    pattern = top_count if top_count * 5 >= 3 * len(core) and shape_share < 0.2 and top_count >= 3 else 0
    ev["evidence"] = _words(ev, w["n_authors"], w["z"], ctx.min_agree, pattern, top_shape)
    return ev


def _central(nodes: list[int], tx: _Texts, x: np.ndarray, emb: np.ndarray) -> int:
    """Position in ``nodes`` of the text most like the others, weighted by copies (the example)."""
    sizes = np.array([len(tx.members[t]) for t in nodes], dtype=np.float64)
    if len(nodes) == 1 or not emb.any():
        return int(np.argmax(sizes))
    s = (x[nodes] @ x[nodes].T) @ sizes
    return int(np.argmax(s + sizes))


def _percentile(mean: float, b: Background, x: np.ndarray, tx: _Texts, rows: np.ndarray, script: int,
                rng: np.random.Generator) -> float:
    """Share of the background pairs of the thread whose embedded texts are ``rows`` (by different
    authors, of the script) below ``mean``; NaN for a borrowed background."""
    if b.source != "thread" or len(rows) < 2:
        return math.nan
    xt, at = x[rows], tx.author[rows]
    if len(rows) > 3000:
        i, j, v, diff = _sample_pairs(xt, at, rng)
    else:
        i, j, v, diff = _exact_block(xt, at)
    sel = diff & (_pair_script(tx.script[rows], i, j) == script)
    vals = v[sel]
    return float(np.mean(vals < mean)) if len(vals) else math.nan


def _minutes(seconds: float) -> str:
    m = seconds / 60
    if m < 1:
        return "within a minute"
    if m < 120:
        return f"within {m:.0f} minute{'s' if round(m) != 1 else ''}"
    return f"within {m / 60:.1f} hours"


def _words(ev: Mapping[str, Any], n_authors: int, z: float, min_agree: int, pattern: int, shape: str) -> str:
    """The ring's evidence in plain words."""
    parts = []
    head = f"{len(ev['core'])} comments by {n_authors} authors"
    if ev["first_time"] is not None and ev["last_time"] is not None and len(ev["core"]) > 1:
        first, last = ev["first_time"], ev["last_time"]
        if isinstance(first, datetime) and isinstance(last, datetime):
            head += " " + _minutes((last - first).total_seconds())
    parts.append(head)
    where = {"thread": "typical for this thread", "all threads": "typical across all threads (thread too small)",
             "prior": "typical for organic threads (too few comments to measure)"}[ev["background_from"]]
    sim = f"mean similarity {ev['mean_similarity']:.2f} vs {ev['thread_background']:.2f} {where}"
    if not math.isnan(ev["percentile"]):
        sim += f" (above {_pct(ev['percentile'])} of its pairs)"
    sim += f", {z:.1f} spreads above it"
    parts.append(sim)
    if ev["copies"]:
        parts.append(f"{ev['copies']} are copies of another's text")
    if not math.isnan(ev["minilm_similarity"]):
        parts.append(f"MiniLM similarity {ev['minilm_similarity']:.2f} on the kept pairs")
    if ev["agreement_replies"]:
        joined = "" if ev["agreement"] else f" (fewer than {min_agree} authors: not counted)"
        parts.append(f"{ev['agreement_replies']} agreement-only repl{'ies' if ev['agreement_replies'] != 1 else 'y'} "
                     f"by {ev['agreement_authors']} author{'s' if ev['agreement_authors'] != 1 else ''}{joined}")
    if ev["uniformity"] >= 0.8:
        cv = ""
        if not (math.isnan(ev["length_cv"]) or math.isnan(ev["thread_length_cv"])):
            cv = f"lengths CV {ev['length_cv']:.2f} vs {ev['thread_length_cv']:.2f}; "
        parts.append(f"its {ev['distinct']} different texts unusually uniform in form ({cv}more alike than "
                     f"{ev['uniformity']:.0%} of random groups of {ev['distinct']} from the thread)")
    if pattern:
        parts.append(f"{pattern} author names share one pattern ({_shape_example(shape)}), rare in the thread")
    return "; ".join(parts)


def _pct(p: float) -> str:
    if p >= 0.999:
        return "99.9%"
    return f"{math.floor(p * 1000) / 10:g}%"


def _shape_example(shape: str) -> str:
    return shape.replace("a", "Name").replace("9", "123")


def _rings_table(rows: list[dict[str, Any]], thread_names: list[str]) -> pa.Table:
    def col(name: str) -> list[Any]:
        return [r[name] for r in rows]

    def num(name: str, digits: int = 3) -> pa.Array:
        return pa.array([None if r[name] is None or math.isnan(r[name]) else round(float(r[name]), digits)
                         for r in rows], pa.float64())

    return pa.table({
        "ring": pa.array([r["ring"] for r in rows], pa.string()),
        "thread": pa.array([thread_names[r["thread_code"]] for r in rows], pa.string()),
        "comments": pa.array(col("comments"), pa.int64()),
        "authors": pa.array(col("authors"), pa.int64()),
        "ring_score": num("ring_score"),
        "example": pa.array(col("example"), pa.string()),
        "evidence": pa.array(col("evidence"), pa.string()),
        "mean_similarity": num("mean_similarity"),
        "thread_background": num("thread_background"),
        "background_from": pa.array(col("background_from"), pa.string()),
        "percentile": num("percentile", 4),
        "closeness_z": num("closeness_z", 2),
        "minilm_similarity": num("minilm_similarity"),
        "copies": pa.array(col("copies"), pa.int64()),
        "agreement_replies": pa.array(col("agreement_replies"), pa.int64()),
        "agreement_authors": pa.array(col("agreement_authors"), pa.int64()),
        "uniformity": num("uniformity"),
        "length_cv": num("length_cv"),
        "thread_length_cv": num("thread_length_cv"),
        "first_time": pa.array(col("first_time"), pa.timestamp("us")),
        "last_time": pa.array(col("last_time"), pa.timestamp("us")),
    })


_ = SCRIPTS  # the names of the script codes, for readers of this module
