"""The co-action counts and the popularity null of one trace, compiled (numba) for the DuckDB engine.

The relational form of these steps (:mod:`.window`, :mod:`.nullmodel`) is what Spark runs and what
this module must equal: a test compares the two on random inputs, and the brute-force oracle tests
run against this path. On one machine the relational form spends most of its time in
high-cardinality hash aggregations over string keys (7.4M action pairs into 6.1M account pairs took
DuckDB 6 s; a sort of the same pairs packed into integers takes 0.3 s), so here:

1. DuckDB hashes each object and account (``hash()``, 64 bits) and sorts the actions by object
   hash and time; hashes become dense integers (accounts are decoded back to their names at the
   end, and a name that shares its hash with another is detected and refused rather than merged;
   two objects sharing a 64-bit hash, odds about 1 in 10^6 at 5M objects, would count as one);
2. (object, time) is packed into one int64; for each action the window's end is
   a binary search, and a compiled loop writes every pair of actions at most ``W`` apart by distinct
   accounts as one int64 ``(account_lo, account_hi, object)``;
3. the packed pairs are sorted and a compiled pass over the runs gives ``co_actions``,
   ``co_objects`` and the idf ``weight`` of every account pair exactly. When the three ids need more
   than 63 bits, or there are more pairs than fit one sort (:data:`MAX_SORT`), the pairs are made in
   partitions by the high bits of the lower account and each partition is sorted on its own, so
   memory is bounded by one partition.

Caps: an (object, bucket) with more than ``cap`` accounts keeps the ``cap`` accounts with the
smallest ``md5(seed || '|' || account)`` (ties by account), as :func:`.window.capped` does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from collections.abc import Callable

import numpy as np
from numba import njit

from .nullmodel import level_sums

#: Most packed pairs sorted at once (8 bytes each): more are split into partitions.
MAX_SORT = 200_000_000


@dataclass
class Encoded:
    """One trace's actions as integers, sorted by (object, time)."""

    oid: np.ndarray  # int64 dense object index
    aid: np.ndarray  # int64 dense account index (in account-hash order)
    t: np.ndarray  # int64 seconds
    tid: np.ndarray | None  # int64 text id (trace "similar" only)
    n_objects: int
    account_hash: np.ndarray  # int64 hash of each dense account index (sorted)
    object_hash: np.ndarray | None = None  # int64 hash of each action's object
    post_hash: np.ndarray | None = None  # int64 hash of each action's post id

    @property
    def n_accounts(self) -> int:
        return len(self.account_hash)


def _unique(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort: several times faster than numpy's hash-based unique here)."""
    x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


@njit(cache=True, nogil=True)
def _ranks(h, uniq):  # pragma: no cover - compiled
    """Index of each ``h`` in the sorted distinct ``uniq``, through an open-addressing hash table
    (a binary search per row misses the cache on every step; the table fits in it far better)."""
    size = 1
    while size < 2 * len(uniq):
        size <<= 1
    mask = size - 1
    keys = np.empty(size, np.int64)
    vals = np.full(size, -1, np.int64)
    for r in range(len(uniq)):
        x = uniq[r]
        s = (x ^ (x >> 29)) & mask
        while vals[s] != -1:
            s = (s + 1) & mask
        keys[s] = x
        vals[s] = r
    out = np.empty(len(h), np.int64)
    for i in range(len(h)):
        x = h[i]
        s = (x ^ (x >> 29)) & mask
        while keys[s] != x or vals[s] == -1:
            s = (s + 1) & mask
        out[i] = vals[s]
    return out


def _dense(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ranks of ``h`` and its sorted distinct values."""
    h = np.ascontiguousarray(h, dtype=np.int64)
    uniq = _unique(h)
    return (_ranks(h, uniq) if len(h) else np.zeros(0, np.int64)), uniq


def encode(o_hash: np.ndarray, a_hash: np.ndarray, t: np.ndarray, tid: np.ndarray | None = None,
           p_hash: np.ndarray | None = None) -> Encoded:
    """Actions given as object hash, account hash, time (and text id, post hash), **sorted by object
    hash and time**, → :class:`Encoded`."""
    o_hash = np.asarray(o_hash, dtype=np.int64)
    t = np.asarray(t, dtype=np.int64)
    if len(o_hash) > 1 and not (np.all((o_hash[1:] > o_hash[:-1])
                                       | ((o_hash[1:] == o_hash[:-1]) & (t[1:] >= t[:-1])))):
        raise ValueError("actions must come sorted by object and time")
    oid = np.cumsum(np.r_[False, o_hash[1:] != o_hash[:-1]]) if len(o_hash) else np.zeros(0, np.int64)
    aid, accounts = _dense(a_hash)
    return Encoded(oid.astype(np.int64), aid, t, tid, int(oid[-1]) + 1 if len(oid) else 0, accounts,
                   o_hash, None if p_hash is None else np.asarray(p_hash, dtype=np.int64))


def _pack(oid: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(object, time) in one sortable int64: object in the high bits, seconds since the first
    action in the low 32."""
    return (oid << 32) | (t - (t.min() if len(t) else 0))


@dataclass
class _Windowed:
    """The kept actions of a trace ready for the compiled pair loops."""

    idx: np.ndarray  # positions in the Encoded arrays
    oid: np.ndarray
    aid: np.ndarray
    key: np.ndarray  # _pack(oid, t)
    hi: np.ndarray  # end (exclusive) of each action's window in key order
    tid: np.ndarray  # text ids (empty unless use_sim)
    sim: np.ndarray  # sorted near-duplicate text pairs (empty unless use_sim)
    use_sim: bool


def _windowed(e: Encoded, keep: np.ndarray, window: int, similar_pairs: np.ndarray | None) -> _Windowed:
    idx = np.flatnonzero(keep)
    oid, aid = e.oid[idx], e.aid[idx]
    key = _pack(oid, e.t[idx])
    empty = np.zeros(0, np.int64)
    tid = e.tid[idx] if (similar_pairs is not None and e.tid is not None) else None
    use_sim = tid is not None
    return _Windowed(idx, oid, aid, key, np.searchsorted(key, key + window, side="right"),
                     tid if tid is not None else empty,
                     similar_pairs if (tid is not None and similar_pairs is not None) else empty, use_sim)


def capped(e: Encoded, window: int, cap: int, seed: int, names: Callable[[np.ndarray], list[str]]) -> np.ndarray:
    """Boolean mask of the actions kept by the per-(object, bucket) cap on accounts.

    ``names`` turns dense account indices into account names (needed for the md5 ranking, only for
    the rare buckets over the cap).
    """
    n = len(e.t)
    keep = np.ones(n, dtype=bool)
    if n <= cap:
        return keep
    bucket = e.t // window
    # (object, bucket) groups are contiguous: actions are sorted by (object, time).
    change = np.r_[True, (e.oid[1:] != e.oid[:-1]) | (bucket[1:] != bucket[:-1])]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], n]
    big = ends - starts > cap
    for s, f in zip(starts[big], ends[big], strict=False):
        accs = _unique(e.aid[s:f])
        if len(accs) <= cap:
            continue
        ranked = sorted(
            (hashlib.md5(f"{seed}|{nm}".encode()).hexdigest(), nm, int(a))
            for nm, a in zip(names(accs), accs, strict=False)
        )
        chosen = np.array([a for _, _, a in ranked[:cap]], dtype=np.int64)
        keep[s:f] = np.isin(e.aid[s:f], chosen)
    return keep


def _bits(n: int) -> int:
    return max(1, int(n - 1).bit_length())


@njit(cache=True, nogil=True)
def _similar(tid, sim, i, j):  # pragma: no cover - compiled
    """Whether actions ``i`` and ``j`` are on two different texts that are a near-duplicate pair
    (``sim``: sorted ``lo << 32 | hi`` text ids)."""
    lo_t = min(tid[i], tid[j])
    hi_t = max(tid[i], tid[j])
    if lo_t == hi_t:
        return False
    sk = (lo_t << 32) | hi_t
    p = np.searchsorted(sim, sk)
    return p < len(sim) and sim[p] == sk


@njit(cache=True, nogil=True)
def _gen(key, aid, oid, tid, sim, use_sim, hi, part, pshift, lmask, ab, ob, out):  # pragma: no cover - compiled
    """Packed pairs of partition ``part`` into ``out``; returns how many (-1: ``out`` too small)."""
    k = 0
    n = len(key)
    for i in range(n):
        ai = aid[i]
        for j in range(i + 1, hi[i]):
            aj = aid[j]
            if ai == aj:
                continue
            if use_sim and not _similar(tid, sim, i, j):
                continue
            lo = min(ai, aj)
            if (lo >> pshift) != part:
                continue
            if k == len(out):
                return -1
            out[k] = ((lo & lmask) << (ab + ob)) | (max(ai, aj) << ob) | oid[i]
            k += 1
    return k


@njit(cache=True, nogil=True)
def _mark(key, aid, tid, sim, use_sim, hi, kept, mark):  # pragma: no cover - compiled
    """Mark both actions of every pair (as :func:`_gen` makes them) whose accounts are a ``kept``
    pair (sorted ``lo << 32 | hi`` keys)."""
    n = len(key)
    for i in range(n):
        ai = aid[i]
        for j in range(i + 1, hi[i]):
            aj = aid[j]
            if ai == aj:
                continue
            if use_sim and not _similar(tid, sim, i, j):
                continue
            pk = (min(ai, aj) << 32) | max(ai, aj)
            q = np.searchsorted(kept, pk)
            if q < len(kept) and kept[q] == pk:
                mark[i] = True
                mark[j] = True


def kept_actions(e: Encoded, keep: np.ndarray, window: int, kept_a: np.ndarray, kept_b: np.ndarray,
                 similar_pairs: np.ndarray | None = None) -> np.ndarray:
    """Mask of the actions (among ``keep``) that take part in a co-action of a kept account pair
    (dense indices ``kept_a``, ``kept_b``): all the evidence step needs to look at."""
    out = np.zeros(len(e.t), dtype=bool)
    if not len(kept_a) or not len(e.t):
        return out
    w = _windowed(e, keep, window, similar_pairs)
    kept = np.sort((np.minimum(kept_a, kept_b) << 32) | np.maximum(kept_a, kept_b))
    mark = np.zeros(len(w.idx), dtype=bool)
    _mark(w.key, w.aid, w.tid, w.sim, w.use_sim, w.hi, kept, mark)
    out[w.idx[mark]] = True
    return out


@njit(cache=True, nogil=True)
def _run(keys, i, ob, idf):  # pragma: no cover - compiled
    """The run of one account pair starting at ``i``: its end, co_actions, co_objects, weight."""
    n = len(keys)
    pair = keys[i] >> ob
    omask = (1 << ob) - 1
    ca = 0
    co = 0
    w = 0.0
    j = i
    while j < n and (keys[j] >> ob) == pair:
        if j == i or keys[j] != keys[j - 1]:
            co += 1
        ca += 1
        w += idf[keys[j] & omask]
        j += 1
    return j, ca, co, w


@njit(cache=True, nogil=True)
def _reduce(keys, ob, idf, min_count, by_objects):  # pragma: no cover - compiled
    """Runs of sorted packed pairs → (pair key, co_actions, co_objects, weight) of pairs passing
    the threshold, and the number of distinct pairs. Two passes (count, then fill) so that the
    output is allocated at its size, not at the number of action pairs."""
    n = len(keys)
    tested = 0
    passing = 0
    i = 0
    while i < n:
        i, ca, co, _w = _run(keys, i, ob, idf)
        tested += 1
        if (co if by_objects else ca) >= min_count:
            passing += 1
    out_pair = np.empty(passing, np.int64)
    out_ca = np.empty(passing, np.int64)
    out_co = np.empty(passing, np.int64)
    out_w = np.empty(passing, np.float64)
    i = 0
    m = 0
    while i < n:
        start = i
        i, ca, co, w = _run(keys, i, ob, idf)
        if (co if by_objects else ca) >= min_count:
            out_pair[m] = keys[start] >> ob
            out_ca[m] = ca
            out_co[m] = co
            out_w[m] = w
            m += 1
    return out_pair, out_ca, out_co, out_w, tested


@dataclass
class Counts:
    """Pair counts of one trace: dense account indices (``a < b``) and their three statistics."""

    a: np.ndarray
    b: np.ndarray
    co_actions: np.ndarray
    co_objects: np.ndarray
    weight: np.ndarray
    tested: int


def pair_counts(
    e: Encoded,
    keep: np.ndarray,
    window: int,
    idf: np.ndarray,
    min_count: int = 1,
    by_objects: bool = True,
    similar_pairs: np.ndarray | None = None,
    max_sort: int = MAX_SORT,
) -> Counts:
    """Every pair of distinct accounts with an action pair at most ``window`` apart on one object.

    ``keep`` masks the actions (the cap); ``idf`` is per object. Only pairs with ``co_objects``
    (``co_actions`` when not ``by_objects``) at least ``min_count`` are returned, but ``tested``
    counts them all. ``similar_pairs`` (sorted packed ``lo * 2**32 + hi`` text ids) restricts pairs
    to near-duplicate texts (trace ``similar``).
    """
    w = _windowed(e, keep, window, similar_pairs)
    key, aid, oid, tid, sim, use_sim, hi = w.key, w.aid, w.oid, w.tid, w.sim, w.use_sim, w.hi
    n = len(key)
    ab = _bits(e.n_accounts)
    ob = _bits(e.n_objects)
    empty = np.zeros(0, np.int64)
    if n == 0:
        return Counts(empty, empty, empty, empty, np.zeros(0), 0)
    bound = int((hi - np.arange(n) - 1).sum())  # action pairs before the distinct-account filter
    pbits = max(0, 2 * ab + ob - 63)
    while (bound >> pbits) > max_sort and pbits < ab:
        pbits += 1
    if pbits > ab:
        raise ValueError("too many accounts and objects to pack a pair into 64 bits")
    pshift = ab - pbits
    lmask = (1 << pshift) - 1
    buf = np.empty(min(bound, max(1, (bound >> pbits) * 2 + 1024)), np.int64)
    res = []
    tested = 0
    for part in range(1 << pbits):
        k = _gen(key, aid, oid, tid, sim, use_sim, hi, part, pshift, lmask, ab, ob, buf)
        if k < 0:  # an uneven partition: retry with room for every pair
            buf = np.empty(bound, np.int64)
            k = _gen(key, aid, oid, tid, sim, use_sim, hi, part, pshift, lmask, ab, ob, buf)
        if k == 0:
            continue
        keys = np.sort(buf[:k])
        pk, ca, co, w, nt = _reduce(keys, ob, idf, min_count, by_objects)
        tested += nt
        res.append((((pk >> ab) | (part << pshift)), pk & ((1 << ab) - 1), ca, co, np.round(w, 9)))
    if not res:
        return Counts(empty, empty, empty, empty, np.zeros(0), tested)
    ca_a, ca_b, ca_n, co_n, wt = (np.concatenate([r[i] for r in res]) for i in range(5))
    return Counts(ca_a, ca_b, ca_n, co_n, wt, tested)


def account_objects(e: Encoded) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (object, account) pairs of ``e`` as two sorted arrays: what :func:`object_idf` and
    :func:`popularity_terms` count from (computed once per trace and handed to both)."""
    ab = _bits(e.n_accounts)
    u = _unique((e.oid << ab) | e.aid)
    return u >> ab, u & ((1 << ab) - 1)


def object_idf(e: Encoded, pairs: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """``ln(1 + A / a_o)`` per object (:func:`.window.object_idf`); ``pairs`` from
    :func:`account_objects` (default: computed here)."""
    obj, _ = account_objects(e) if pairs is None else pairs
    a_o = np.bincount(obj, minlength=e.n_objects).astype(float)
    big_a = float(e.n_accounts)
    with np.errstate(divide="ignore"):
        return np.log1p(big_a / a_o)


def object_tau(e: Encoded, window: int, prior: float) -> tuple[np.ndarray, np.ndarray]:
    """``(n_o, tau_o)`` per object, as :func:`.nullmodel.object_null` computes them."""
    n = len(e.t)
    if n == 0:
        return np.zeros(e.n_objects, np.int64), np.zeros(e.n_objects)
    key = _pack(e.oid, e.t)
    c = np.searchsorted(key, key + window, side="right") - np.searchsorted(key, key - window, side="left")
    ts = np.sort(e.t)
    g = (np.searchsorted(ts, e.t + window, side="right") - np.searchsorted(ts, e.t - window, side="left")) / n
    n_o = np.bincount(e.oid, minlength=e.n_objects)
    c_sum = np.bincount(e.oid, weights=c, minlength=e.n_objects)
    with np.errstate(invalid="ignore", divide="ignore"):
        fg = np.bincount(e.oid, weights=g, minlength=e.n_objects) / n_o
        nf = n_o.astype(float)
        k = (c_sum - n_o) / 2.0
        tau_ff = np.where(n_o >= 2, k / (nf * (nf - 1.0) / 2.0), 0.0)
    gg = float(g.mean())
    lam = nf / (nf + float(prior))
    tau = lam * lam * tau_ff + 2.0 * lam * (1.0 - lam) * fg + (1.0 - lam) * (1.0 - lam) * gg
    return n_o, np.round(np.minimum(tau, 1.0), 12)


def popularity_terms(e: Encoded, window: int, prior: float, pairs: tuple[np.ndarray, np.ndarray] | None = None,
                     ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(D, a_o values, S(a_o) per repeat level, d per account, n per account)`` of
    :func:`.nullmodel.popularity_null`; ``pairs`` from :func:`account_objects` (default: computed
    here)."""
    obj, acc = account_objects(e) if pairs is None else pairs
    a_o = np.bincount(obj, minlength=e.n_objects)
    d = np.bincount(acc, minlength=e.n_accounts)
    n = np.bincount(e.aid, minlength=e.n_accounts)
    big_d = float(d.sum())
    _, tau = object_tau(e, window, prior)
    sel = a_o >= 2
    vals, inv = np.unique(a_o[sel], return_inverse=True)
    return big_d, vals, level_sums(tau[sel], inv, len(vals)), d, n


DAY = 86_400


def shift_expected(e: Encoded, keep: np.ndarray, window: int, days: int, a: np.ndarray, b: np.ndarray,
                   similar_pairs: np.ndarray | None = None) -> np.ndarray:
    """Mean ``co_objects`` of the pairs ``(a, b)`` (dense account indices) when one account's whole
    timeline is moved against the other's by ``k`` whole days, over ``k = ±1 … ±days``
    (:func:`.nullmodel.shift_pvalues`).

    One pass per ``k``: every action is also given to a *copy* of its account ``k`` days later, and
    pairs of an account with another's copy are counted by :func:`pair_counts` as usual (the pair
    ``(x, copy of y)`` is ``y`` moved by ``+k``, ``(y, copy of x)`` is ``y`` moved by ``−k``).
    """
    na = e.n_accounts
    total = np.zeros(len(a))
    if len(a) == 0 or len(e.t) == 0:
        return total
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    want = lo * na + hi
    order_w = np.argsort(want, kind="stable")
    want_sorted = want[order_w]
    ones = np.ones(e.n_objects)
    tid = None if e.tid is None else np.concatenate([e.tid, e.tid])
    for k in range(1, int(days) + 1):
        oid = np.concatenate([e.oid, e.oid])
        t = np.concatenate([e.t, e.t + k * DAY])
        o = np.lexsort((t, oid))
        e2 = Encoded(oid[o], np.concatenate([e.aid, e.aid + na])[o], t[o], None if tid is None else tid[o],
                     e.n_objects, np.arange(2 * na, dtype=np.int64))
        c = pair_counts(e2, np.concatenate([keep, keep])[o], window, ones, 1, True, similar_pairs)
        m = (c.a < na) & (c.b >= na) & (c.a != c.b - na)  # an account against another's copy
        x, y = c.a[m], c.b[m] - na
        key = np.minimum(x, y) * na + np.maximum(x, y)
        pos = np.searchsorted(want_sorted, key)
        ok = pos < len(want_sorted)
        ok[ok] = want_sorted[pos[ok]] == key[ok]
        np.add.at(total, order_w[pos[ok]], c.co_objects[m][ok])
    return total / (2 * int(days))
