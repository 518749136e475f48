"""The ``semantic`` trace's pre-step: pairs of distinct texts that say the same thing in other words.

Paraphrasing dodges exact and near-exact text matching (``tweet``, ``similar``): "Vote for change
on Sunday!" and "This Sunday, cast your ballot for change" share few words. Here every distinct
normalised own text of at least :data:`MIN_WORDS` words is embedded with the fast static model
(:func:`trendtrace.comments.embed.embed`, ``"fast"``), its :data:`NEIGHBOURS` nearest neighbours are
found by inner product (faiss: exact below :data:`EXACT_UP_TO` texts, HNSW above), pairs at cosine
``semantic_candidate`` or more are candidates, and only candidates that the transformer itself
(MiniLM, ``"minilm"``) scores at ``semantic_similarity`` or more are kept. The pairs then act like
``similar``'s: a group of paraphrases is an object, and only pairs of *different* texts that are
paraphrases of each other count as co-actions (:mod:`trendtrace.coordination._stage`).

Texts written mostly in Urdu, Arabic or Devanagari script are left out: both models read them
letter by letter (English vocabulary) and give unrelated Urdu sentences cosines around 0.9
(``docs/comments.md``). The trace is off by default (``--traces ...,semantic``): it needs
``trendtrace[comments]`` and MiniLM scores about 140 texts a second on two cores.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from typing import Any

import numpy as np

from ..model import InputError
from ..text import words

__all__ = ["paraphrase_pairs", "neighbour_pairs", "MIN_WORDS", "NEIGHBOURS", "EXACT_UP_TO", "latin_enough"]

log = logging.getLogger(__name__)

#: Texts with fewer words are not compared: short phrases ("so true", "well said") match by chance.
MIN_WORDS = 5
#: Nearest neighbours looked at per text.
NEIGHBOURS = 10
#: Up to this many texts the neighbour search is exact (a flat index), above it HNSW.
EXACT_UP_TO = 50_000


def latin_enough(text: str) -> bool:
    """At least half of the letters are Latin: what the English-vocabulary models can read."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if c < "\u0250" or "LATIN" in unicodedata.name(c, ""))
    return latin * 2 >= len(letters)


def neighbour_pairs(x: np.ndarray, threshold: float, k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of rows of the unit-length ``x`` with inner product at least ``threshold``
    among each row's ``k`` nearest neighbours; returns (i, j, similarity), sorted by (i, j). With
    ``k >= len(x) - 1`` and fewer than :data:`EXACT_UP_TO` rows it is every such pair."""
    n = len(x)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
    if n < 2:
        return empty
    import faiss  # type: ignore[import-untyped]

    x = np.ascontiguousarray(x, dtype=np.float32)
    index: Any
    if n <= EXACT_UP_TO:
        index = faiss.IndexFlatIP(x.shape[1])
    else:
        index = faiss.IndexHNSWFlat(x.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = max(64, 2 * k)
    index.add(x)
    kk = min(k + 1, n)
    sims, nbrs = index.search(x, kk)
    rows = np.repeat(np.arange(n, dtype=np.int64), kk)
    cols, vals = nbrs.reshape(-1).astype(np.int64), sims.reshape(-1)
    keep = (cols >= 0) & (cols != rows) & (vals >= threshold)
    a, b, v = rows[keep], cols[keep], vals[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = (lo << 32) | hi
    _, first = np.unique(key, return_index=True)
    return lo[first], hi[first], v[first].astype(np.float32)


def paraphrase_pairs(texts: list[str], candidate: float, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of indices into ``texts`` (distinct normalised texts) that are paraphrases:
    fast-model cosine at least ``candidate`` among nearest neighbours, then MiniLM cosine at least
    ``threshold`` (module doc)."""
    try:
        from ..comments.embed import EmbeddingUnavailable, embed
    except ImportError as exc:  # pragma: no cover - the module is part of the package
        raise InputError(f"trace 'semantic' cannot run: {exc}") from None
    t0 = time.perf_counter()
    idx = np.array([i for i, t in enumerate(texts) if len(words(t)) >= MIN_WORDS and latin_enough(t)], np.int64)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(idx) < 2:
        return empty
    try:
        x = embed([texts[i] for i in idx], model="fast")
        a, b, _ = neighbour_pairs(x, candidate)
        if not len(a):
            return empty
        used = np.unique(np.concatenate([a, b]))
        y = embed([texts[idx[u]] for u in used], model="minilm")
    except EmbeddingUnavailable as exc:
        raise InputError(f"trace 'semantic' needs the offline embedding models: {exc}") from None
    pos = {int(u): r for r, u in enumerate(used)}
    sims = np.einsum("ij,ij->i", y[[pos[int(i)] for i in a]], y[[pos[int(j)] for j in b]])
    keep = sims >= threshold
    log.info("semantic: %d texts embedded, %d candidate pairs, %d paraphrase pairs (%.1f s)",
             len(idx), len(a), int(keep.sum()), time.perf_counter() - t0)
    return idx[a[keep]], idx[b[keep]]
