"""Near-duplicate texts: MinHash with banding, then the exact Jaccard of every candidate pair.

Shingles. A normalised text (:func:`trendtrace.text.copy_key`) of at least :data:`MIN_WORDS` words
that is mostly Latin script is the set of its word bigrams; shorter texts and texts mostly in
other scripts (Urdu, Pashto, Arabic, Devanagari... where word boundaries are unreliable or words
are few) are the set of their character 4-grams. Shingles are hashed to 64 bits with
BLAKE2b (words) and SplitMix64 mixing (bigrams, 4-grams): stable across runs, machines and Python
processes (never Python's salted ``hash()``). Jaccard is computed exactly on these hashed sets
(a 64-bit collision would be needed to change it). With ``unit="words"`` (the templated-text
statistic of :mod:`trendtrace.trends.stats`) every text's shingles are its single words instead.

MinHash (Broder 1997) with ``num_perm`` hash functions ``h_k(x) = a_k x + b_k mod 2^64`` (odd
``a_k``, seeded), split into ``b`` bands of ``r`` rows (Leskovec, Rajaraman & Ullman, *Mining of
Massive Datasets*, ch. 3): two texts become candidates when all ``r`` values of some band agree,
which happens with probability ``1 - (1 - J^r)^b``. ``r`` is the largest that keeps this at least
0.995 at the threshold. Candidates whose signatures agree on fewer than ``threshold - 0.25`` of
their values are dropped (four standard deviations below the threshold), and every other candidate
is verified with its exact Jaccard, so the output has no false positives; a true pair is missed
only when banding (or, with probability below 1e-4, the pre-filter) misses it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit, prange
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "MIN_WORDS",
    "UNITS",
    "shingles",
    "jaccard",
    "band_shape",
    "near_duplicate_pairs",
    "components",
]

log = logging.getLogger("trendtrace.coordination")

#: Word bigrams need at least this many words; shorter texts use character 4-grams.
MIN_WORDS = 5
#: What a text's shingles are: ``auto`` (word bigrams or character 4-grams, as above) or ``words``
#: (the set of its space-separated words, for :func:`trendtrace.text.words` joined by spaces).
UNITS = ("auto", "words")
CHAR_K = 4
PREFILTER_MARGIN = 0.25
_U64 = np.uint64
_MASK = (1 << 64) - 1


def _splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = x + _U64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
        return x ^ (x >> _U64(31))


def _word_hash(w: str) -> int:
    return int.from_bytes(hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest(), "little")


def _uses_words(text: str, words: list[str]) -> bool:
    if len(words) < MIN_WORDS:
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if c < "\u0250")  # Basic Latin to Latin Extended-B
    return latin * 2 >= len(letters)


def _word_texts(texts: pa.Array, n_words: np.ndarray) -> np.ndarray:
    """Which texts use word bigrams (:func:`_uses_words`), vectorised for ASCII texts."""
    enough = n_words >= MIN_WORDS
    ascii_ = pc.string_is_ascii(texts).to_numpy(zero_copy_only=False)
    # ASCII letters are all Latin: an ASCII text qualifies when it has a letter at all.
    letter = pc.match_substring_regex(texts, "[A-Za-z]").to_numpy(zero_copy_only=False)
    use = enough & ascii_ & letter
    for i in np.flatnonzero(enough & ~ascii_):
        t = texts[int(i)].as_py()
        use[i] = _uses_words(t, t.split(" "))
    return use


@njit(cache=True, nogil=True)
def _dedupe_sorted_within(owner, hsh):  # pragma: no cover - compiled
    """Sort each owner's run of hashes (owners ascending) and drop repeats; returns a keep mask."""
    n = len(owner)
    keep = np.ones(n, np.bool_)
    s = 0
    while s < n:
        e = s + 1
        while e < n and owner[e] == owner[s]:
            e += 1
        seg = np.sort(hsh[s:e])
        hsh[s:e] = seg
        for k in range(s + 1, e):
            if hsh[k] == hsh[k - 1]:
                keep[k] = False
        s = e
    return keep


def _shingle_table(texts: Sequence[str] | pa.Array, unit: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """All (owner, shingle hash) of ``texts``, unique, sorted by owner then hash. ``unit``: see
    :func:`near_duplicate_pairs`."""
    if unit not in UNITS:
        raise ValueError(f"unknown shingle unit {unit!r}; known: {', '.join(UNITS)}")
    arr = pa.array(texts, pa.string()) if not isinstance(texts, pa.Array) else texts
    n = len(arr)
    owners: list[np.ndarray] = []
    hashes: list[np.ndarray] = []
    if n:
        words = pc.split_pattern(arr, " ")
        n_words = pc.list_value_length(words).to_numpy(zero_copy_only=False).astype(np.int64)
        use = np.ones(n, bool) if unit == "words" else _word_texts(arr, n_words)
    else:
        use = np.zeros(0, bool)
    wi = np.flatnonzero(use)
    if len(wi):
        wl = words.filter(pa.array(use))
        enc = pc.dictionary_encode(pc.list_flatten(wl))
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks()
        vocab = enc.dictionary.to_pylist()
        wh = np.fromiter((_word_hash(w) for w in vocab), dtype=_U64, count=len(vocab))
        ids = wh[enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
        own = np.repeat(wi, n_words[wi])
        if unit == "words":
            owners.append(own)
            hashes.append(ids)
        else:
            same = own[:-1] == own[1:]
            with np.errstate(over="ignore"):
                bi = _splitmix(ids[:-1] * _U64(0x100000001B3) + ids[1:])
            owners.append(own[:-1][same])
            hashes.append(bi[same])
    ci = np.flatnonzero(~use)
    if len(ci):
        char_texts = [t.replace("\x00", " ") for t in arr.take(pa.array(ci)).to_pylist()]
        char_owner = ci
        joined = "\x00".join(char_texts) + "\x00"
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(_U64)
        sep = cps == 0
        seg = np.cumsum(sep) - sep  # index of the text each code point belongs to
        m = len(cps) - CHAR_K + 1
        h = np.zeros(max(m, 0), dtype=_U64)
        ok = np.ones(max(m, 0), dtype=bool)
        with np.errstate(over="ignore"):
            for k in range(CHAR_K):
                h = _splitmix(h ^ cps[k : k + m])
                ok &= ~sep[k : k + m]
        co = np.asarray(char_owner, dtype=np.int64)
        owners.append(co[seg[:m][ok]])
        hashes.append(h[ok])
        # Texts shorter than CHAR_K characters: the whole text is one shingle.
        lengths = np.bincount(seg[~sep], minlength=len(char_texts))
        short = np.flatnonzero(lengths < CHAR_K)
        if len(short):
            owners.append(co[short])
            hashes.append(np.array([_word_hash("\x01" + char_texts[s]) for s in short], dtype=_U64))
    if not owners:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=_U64)
    owner = np.concatenate(owners)
    hsh = np.concatenate(hashes)
    # A few already-sorted runs of owners: a stable sort merges them in linear time.
    order = np.argsort(owner, kind="stable")
    owner, hsh = owner[order], hsh[order]
    keep = _dedupe_sorted_within(owner, hsh)
    return owner[keep], hsh[keep]


def shingles(text: str, unit: str = "auto") -> set[int]:
    """The shingle hashes of one normalised text (word bigrams or character 4-grams; or its words
    with ``unit="words"``)."""
    _, h = _shingle_table([text], unit)
    return set(int(x) for x in h)


def jaccard(a: str, b: str, unit: str = "auto") -> float:
    """Exact Jaccard similarity of two normalised texts' shingle sets."""
    sa, sb = shingles(a, unit), shingles(b, unit)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def band_shape(threshold: float, num_perm: int = 64, recall: float = 0.995) -> tuple[int, int]:
    """``(bands, rows)``: the largest ``rows`` with ``1 - (1 - t^rows)^bands >= recall`` at ``t``."""
    best = (num_perm, 1)
    for r in range(1, num_perm + 1):
        b = num_perm // r
        if b == 0:
            break
        if 1 - (1 - threshold**r) ** b >= recall:
            best = (b, r)
    return best


@njit(parallel=True, cache=True)
def _signatures(starts, hsh, a, b):  # pragma: no cover - compiled
    """MinHash signature of every text: ``min over its shingles x of a_k x + b_k mod 2^64``;
    texts without shingles keep the all-ones value. Texts run in parallel."""
    n = len(starts) - 1
    m = len(a)
    sig = np.empty((n, m), np.uint64)
    top = np.uint64(0xFFFFFFFFFFFFFFFF)
    for i in prange(n):
        for k in range(m):
            sig[i, k] = top
        for s in range(starts[i], starts[i + 1]):
            x = hsh[s]
            for k in range(m):
                v = x * a[k] + b[k]
                if v < sig[i, k]:
                    sig[i, k] = v
    return sig


#: Band buckets with more members than this (templated text: "happy birthday ...") are not paired
#: all-to-all; each member meets its :data:`NEIGHBOURS` nearest in two other bands' key order.
MAX_BUCKET = 1000
NEIGHBOURS = 10


def _pair_ids(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """Unordered text pairs as one id each: ``min * n + max``."""
    return np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j)


def _band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    n = sig.shape[0]
    keys = np.empty((bands, n), dtype=_U64)
    with np.errstate(over="ignore"):
        for b in range(bands):
            key = np.zeros(n, dtype=_U64)
            for c in range(rows):
                key = _splitmix(key ^ sig[:, b * rows + c])
            keys[b] = key
    return keys


def _big_bucket_pairs(members: np.ndarray, keys: np.ndarray, b: int, n: int) -> np.ndarray:
    """Bounded pairs for an oversized bucket: sorted-neighbourhood in two other bands' orders."""
    bands = keys.shape[0]
    out = []
    for ob in {(b + 1) % bands, (b + 2) % bands} - {b}:
        srt = members[np.argsort(keys[ob, members], kind="stable")]
        for d in range(1, min(NEIGHBOURS, len(srt) - 1) + 1):
            i, j = srt[:-d], srt[d:]
            out.append(_pair_ids(i, j, n))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _candidates(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Unique candidate pairs ``i * n + j`` (``i < j``) from banded signatures.

    Buckets of up to :data:`MAX_BUCKET` texts give every pair of their members; larger ones
    (templated text, where thousands of texts share a band) give each member's
    :data:`NEIGHBOURS` nearest in two other bands' key order, so the work stays linear (a
    500k-post benchmark of templated text needed tens of billions of pairs otherwise). Recall
    inside such buckets is no longer guaranteed by the banding formula.
    """
    n = sig.shape[0]
    ib = max(1, int(n - 1).bit_length())
    found: list[np.ndarray] = []
    all_keys = _band_keys(sig, bands, rows)
    big_buckets = 0
    for b in range(bands):
        key = all_keys[b]
        # Sort (key's high bits | text index) packed in one word, not argsort the key: several times
        # faster. Texts whose keys differ only in the dropped low bits become extra candidates,
        # which the exact verification removes; no true candidate is lost.
        packed = np.sort(((key >> _U64(ib)) << _U64(ib)) | np.arange(n, dtype=_U64))
        order = (packed & _U64((1 << ib) - 1)).astype(np.int64)
        ks = packed >> _U64(ib)
        starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        sizes = np.diff(np.r_[starts, n])
        multi = sizes >= 2
        st, sz = starts[multi], sizes[multi]
        if not len(st):
            continue
        small = sz <= 64
        # Runs of small size: pairs by offset d = 1..63, vectorised.
        s_st, s_sz = st[small], sz[small]
        for d in range(1, int(s_sz.max()) if len(s_sz) else 1):
            sel = s_sz > d
            if not sel.any():
                break
            base = s_st[sel]
            span = s_sz[sel] - d
            idx = np.repeat(base, span) + _ranges(span)
            i, j = order[idx], order[idx + d]
            found.append(_pair_ids(i, j, n))
        for s0, s1 in zip(st[~small], sz[~small], strict=False):
            members = np.sort(order[s0 : s0 + s1])
            if len(members) > MAX_BUCKET:
                big_buckets += 1
                found.append(_big_bucket_pairs(members, all_keys, b, n))
                continue
            a, c = np.triu_indices(len(members), 1)
            found.append(members[a].astype(np.int64) * n + members[c])
    if big_buckets:
        log.warning("near-duplicates: %d band buckets held more than %d texts (templated text); "
                    "their members were compared with their %d nearest neighbours only",
                    big_buckets, MAX_BUCKET, NEIGHBOURS)
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(found))


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(l)`` for each l in ``lengths``."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    out = np.arange(total, dtype=np.int64)
    return out - np.repeat(ends - lengths, lengths)


def _verify(pi: np.ndarray, pj: np.ndarray, owner: np.ndarray, hsh: np.ndarray, n: int,
            chunk: int = 1_000_000) -> np.ndarray:
    """Exact Jaccard of each pair (texts ``pi[k]``, ``pj[k]``) from the sorted shingle table."""
    starts = np.searchsorted(owner, np.arange(n + 1))
    size = np.diff(starts)
    out = np.empty(len(pi), dtype=float)
    for c0 in range(0, len(pi), chunk):
        i, j = pi[c0 : c0 + chunk], pj[c0 : c0 + chunk]
        m = len(i)
        si, sj = size[i], size[j]
        pid = np.concatenate([np.repeat(np.arange(m), si), np.repeat(np.arange(m), sj)])
        idx = np.concatenate([np.repeat(starts[i], si) + _ranges(si), np.repeat(starts[j], sj) + _ranges(sj)])
        # One 64-bit key per (pair, shingle): equal keys within a pair are shared shingles (a
        # spurious equal key needs a 64-bit collision). One sort instead of a two-key lexsort.
        key = _splitmix(hsh[idx] ^ _splitmix(pid.astype(_U64)))
        order = np.argsort(key)
        ks = key[order]
        dup = ks[1:] == ks[:-1]
        inter = np.bincount(pid[order][1:][dup], minlength=m)
        union = si + sj - inter
        out[c0 : c0 + chunk] = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    return out


def near_duplicate_pairs(
    texts: Sequence[str] | pa.Array, threshold: float, seed: int, num_perm: int = 64, unit: str = "auto"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of texts (indices ``i < j``) whose exact Jaccard is at least ``threshold``.

    ``texts`` are normalised (:func:`trendtrace.text.copy_key`, or :func:`trendtrace.text.words`
    joined by spaces with ``unit="words"``) and should be distinct (identical texts are co-tweet,
    not co-similar). Returns arrays ``(i, j, jaccard)`` sorted by ``(i, j)``. ``seed`` fixes the
    MinHash functions; ``num_perm`` (default 64) their number; ``unit`` (default ``"auto"``) what
    a shingle is (:data:`UNITS`): word bigrams or character 4-grams, or with ``"words"`` single
    words, so that the Jaccard is that of the texts' word sets.
    """
    n = len(texts)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    if n < 2:
        return empty
    owner, hsh = _shingle_table(texts, unit)
    starts = np.searchsorted(owner, np.arange(n + 1))
    has = np.diff(starts) > 0
    bands, rows = band_shape(threshold, num_perm)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**63, size=bands * rows, dtype=np.uint64) * _U64(2) + _U64(1)
    b = rng.integers(0, 2**63, size=bands * rows, dtype=np.uint64)
    sig = _signatures(starts.astype(np.int64), hsh, a, b)
    # Texts without shingles never become candidates: give them unique signatures.
    sig[~has] = _splitmix(np.arange(n, dtype=_U64)[~has])[:, None] + np.arange(bands * rows, dtype=_U64)
    cand = _candidates(sig, bands, rows)
    if not len(cand):
        return empty
    ci, cj = cand // n, cand % n
    # Cheap pre-filter: the share of equal signature values estimates J with standard deviation
    # <= 0.0625 at 64 functions; a pair at the threshold falls PREFILTER_MARGIN (0.25, four standard
    # deviations) below it with probability < 1e-4. Only survivors pay for the exact Jaccard.
    est = np.zeros(len(ci))
    for c0 in range(0, len(ci), 1_000_000):
        est[c0 : c0 + 1_000_000] = (sig[ci[c0 : c0 + 1_000_000]] == sig[cj[c0 : c0 + 1_000_000]]).mean(axis=1)
    close = est >= threshold - PREFILTER_MARGIN
    ci, cj = ci[close], cj[close]
    jac = _verify(ci, cj, owner, hsh, n)
    keep = jac >= threshold - 1e-12
    log.info("near-duplicates: %d texts, %d candidate pairs (%d bands x %d rows), %d verified",
             n, len(cand), bands, rows, int(keep.sum()))
    return ci[keep], cj[keep], jac[keep]


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` texts in the graph of pairs ``(i, j)``."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    g = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    return labels.astype(np.int64)
