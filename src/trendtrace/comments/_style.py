"""How a comment is written, and how uniform a group of comments is compared with its thread.

Seven numbers describe the form of a comment, never its meaning (:data:`FEATURES`): its length
(log of characters), words per sentence, punctuation marks per word, the share of upper-case
letters, whether it starts with a capital, whether it ends with a full stop, question or exclamation
mark, and whether it holds an emoji or other symbol. Polite machine-written rings read alike on all
of them (full sentences, capitalised, one full stop each, similar length); people in a comment
section differ.

:func:`uniformity` compares a group with random groups of the same size drawn from the same thread
(a permutation null): the share of random groups whose spread is larger than the group's. About 0.5
is what chance gives; near 1 the group is more alike in form than nearly any random group.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

__all__ = ["FEATURES", "style_features", "uniformity", "length_cv"]

FEATURES = ("length", "words_per_sentence", "punctuation", "upper_share", "starts_capital", "ends_sentence",
            "symbols")

_SENTENCE_END = re.compile(r"[.!?۔؟]+(?:\s|$)")
_PUNCT = re.compile(r"[!-/:-@\[-`{-~،؛؟۔…]")
_WORDS = re.compile(r"\S+")


def _symbols(text: str) -> bool:
    if text.isascii():
        return False
    return any(unicodedata.category(c) in ("So", "Sk", "Cs") for c in text if ord(c) > 0x2000)


def style_features(texts: Sequence[str]) -> np.ndarray:
    """One row of :data:`FEATURES` per text (float32)."""
    out = np.zeros((len(texts), len(FEATURES)), dtype=np.float32)
    for i, text in enumerate(texts):
        t = text.strip()
        if not t:
            continue
        words = len(_WORDS.findall(t))
        sentences = max(1, len(_SENTENCE_END.findall(t)) + (0 if _SENTENCE_END.search(t[-1:] + " ") else 1))
        letters = [c for c in t if c.isalpha()]
        upper = sum(1 for c in letters if c.isupper())
        out[i] = (
            math.log1p(len(t)),
            words / sentences,
            len(_PUNCT.findall(t)) / max(1, words),
            upper / len(letters) if letters else 0.0,
            1.0 if t[0].isupper() else 0.0,
            1.0 if t[-1] in ".!?۔؟" else 0.0,
            1.0 if _symbols(t) else 0.0,
        )
    return out


def _spread(rows: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Sum over features of the standard deviation within each group (axis -2), scaled."""
    return np.asarray((rows.std(axis=-2) / scale).sum(axis=-1))


def uniformity(features: np.ndarray, group: np.ndarray, reference: np.ndarray, rng: np.random.Generator,
               draws: int = 200) -> tuple[float, float, float]:
    """How much more alike in form the rows ``group`` of ``features`` are than random groups of the
    same size from the rows ``reference`` (which may include the group): the share of ``draws``
    random groups whose spread is larger (ties count half). Returns ``(uniformity, spread of the
    group, median spread of random groups)``; uniformity is 0.5 when there is too little to compare
    (a reference smaller than twice the group, or no feature that varies)."""
    k = len(group)
    if k < 2 or len(reference) < 2 * k:
        return 0.5, math.nan, math.nan
    ref = features[reference]
    scale = ref.std(axis=0)
    keep = scale > 1e-6
    if not keep.any():
        return 0.5, math.nan, math.nan
    f = features[:, keep]
    s = scale[keep]
    own = float(_spread(f[group], s))
    picks = np.argsort(rng.random((draws, len(reference))), axis=1)[:, :k]
    spreads = _spread(f[reference[picks]], s)
    u = (float(np.sum(spreads > own)) + 0.5 * float(np.sum(spreads == own))) / draws
    return u, own, float(np.median(spreads))


def length_cv(features: np.ndarray, rows: np.ndarray) -> float:
    """Coefficient of variation of the lengths in characters of ``rows``."""
    if len(rows) < 2:
        return math.nan
    lengths = np.expm1(features[rows, 0].astype(np.float64))
    mean = lengths.mean()
    return float(lengths.std() / mean) if mean > 0 else math.nan
