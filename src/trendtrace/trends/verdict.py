"""The verdict on each trend — organic, mixed or manufactured — its score and evidence sentences.

Method (``docs/trends.md`` has the calibration):

1. **Suspect posts.** A post is suspect when its account is in a coordinated cluster (coordination
   stage: co-actions far beyond the null model) or has ``inauthenticity_score`` ≥
   ``inauthentic_threshold`` (account stage). When neither stage's table exists, a weaker proxy is
   used instead: the post is a near-copy of another account's text, or its account was at most
   ``new_account_days`` old.
2. **Suspect spells.** The trend's posts are cut into fixed 10-minute spells
   (:data:`~trendtrace.trends.stats.SPELL_MINUTES`). A spell is *dominated* when suspect accounts
   wrote at least half of its posts and at least 5 of them. Why spells and not the plain suspect
   share: every real data set has a background of suspect accounts (false positives of any
   account score, and fake accounts posting filler on popular hashtags to blend in). That
   background is spread thinly through organic trends and never holds the majority of a busy
   minute, while a campaign or a hijack arrives as a burst in which suspect accounts outnumber
   everyone else. On the simulator, the plain suspect share of organic trends was 0.15-0.29 (so it
   overlaps hijacked trends, 0.43), while their dominated-spell share was near 0.
3. **Two shapes, each against this data set's own background.**
   *Burst* = posts in dominated spells / (posts + :data:`PRIOR_POSTS`): the share of the trend's
   posts that came in spells dominated by suspect accounts, shrunk towards 0 for tiny trends.
   *Sustained* = how far the trend's evidence-weighted suspect share (``suspect_weight`` / (posts +
   PRIOR_POSTS): each suspect post weighted in (0, 1] by its account's coordination p-value or
   inauthenticity-score margin, :mod:`trendtrace.trends.stats`) lies above the **background** b,
   as a share of the room above it: (share - b) / (1 - b), 0 below b,
   and scaled down when fewer than :data:`MIN_SUSPECT_ACCOUNTS` distinct suspect accounts wrote
   them. b is the :data:`BACKGROUND_QUANTILE` quantile of that weighted share over this store's
   hashtags with 10 or more posts: what an ordinary trend of this data set gets from suspect
   accounts, so that a store full of suspect accounts does not make every trend manufactured. A
   persistent operation that posts a few times an hour for weeks never dominates a spell, but its
   trends are far above the background.
   **Score** = the larger of the two; ``shape`` says which.
4. **Verdict**: ``manufactured`` when score ≥ :data:`MANUFACTURED_AT`, ``mixed`` when score ≥
   :data:`MIXED_AT`, otherwise ``organic``. The quantile, the account minimum and the cut points
   were chosen on the calibration half of ``bench/validity.py`` (``ira2017_congress`` hashtags by
   their share of troll posts) together with the simulator's verdicts (``docs/trends.md``).

Concentration, onset, repost share, time-zone fit, new accounts, templated text and language mix
never move the score when account-level signals exist: organic surges share most of them with
campaigns (a viral post is reposted by thousands in minutes). They are reported as context.

Evidence sentences say what the data show and what that is consistent with; they never say who
runs an account or why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..coordination.traces import TRACE_WORDS
from ..offsets import format_offset
from .stats import BATCH_DAYS

__all__ = ["PRIOR_POSTS", "MIXED_AT", "MANUFACTURED_AT", "BACKGROUND_QUANTILE", "MIN_SUSPECT_ACCOUNTS",
           "background_share", "score_row", "verdict_of", "evidence_sentences",
           "TRACE_WORDS"]

#: Pseudo-posts added to the denominator of the score (shrinkage towards "organic").
PRIOR_POSTS = 10
#: Score at or above which a trend is called mixed.
MIXED_AT = 0.3
#: Score at or above which a trend is called manufactured.
MANUFACTURED_AT = 0.4
#: The background suspect share: this quantile over the store's hashtags with BACKGROUND_MIN_POSTS+ posts.
BACKGROUND_QUANTILE = 0.25
BACKGROUND_MIN_POSTS = 10
#: Fewer distinct suspect accounts than this scale the sustained shape down (k / this).
MIN_SUSPECT_ACCOUNTS = 5


def background_share(records: list[dict[str, Any]]) -> float:
    """The store's background evidence share: the :data:`BACKGROUND_QUANTILE` quantile of
    ``suspect_weight / posts`` over hashtag trends with at least :data:`BACKGROUND_MIN_POSTS` posts
    (0 when there are none)."""
    import numpy as np

    shares = [float(r["suspect_weight"] or 0) / int(r["posts"]) for r in records
              if r.get("trend_kind", "hashtag") == "hashtag" and int(r["posts"]) >= BACKGROUND_MIN_POSTS]
    return float(np.quantile(shares, BACKGROUND_QUANTILE)) if shares else 0.0


def score_row(row: dict[str, Any], background: float = 0.0) -> tuple[float, int, float, float]:
    """Score in [0, 1], the number of suspect posts (for the cost), and the burst and sustained
    parts, for one row of statistics against the store's ``background`` suspect share (see the
    module docstring)."""
    posts = int(row["posts"])
    suspect = int(row["suspect_posts"] or 0)
    burst = int(row["suspect_spell_posts"] or 0) / (posts + PRIOR_POSTS)
    sustained = 0.0
    if background < 1:
        weight = float(row.get("suspect_weight") or 0)
        sustained = max(0.0, (weight / (posts + PRIOR_POSTS) - background) / (1 - background))
        sustained *= min(1.0, int(row.get("suspect_accounts") or 0) / MIN_SUSPECT_ACCOUNTS)
    return max(burst, sustained), suspect, burst, sustained


def verdict_of(score: float) -> str:
    """``manufactured`` / ``mixed`` / ``organic`` from a score (cut points above)."""
    if score >= MANUFACTURED_AT:
        return "manufactured"
    if score >= MIXED_AT:
        return "mixed"
    return "organic"


def _pct(x: float) -> str:
    p = 100 * x
    if 0 < p < 1:
        return "under 1 %"
    if 99 < p < 100:
        return "over 99 %"
    return f"{p:.0f} %"


def _n(x: int | float) -> str:
    return f"{int(x):,}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{_n(n)} {one if n == 1 else (many or one + 's')}"


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")



def _seconds(s: float) -> str:
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def evidence_sentences(row: dict[str, Any], *, verdict: str, suspect: int, has_signals: bool,
                       settings: Any, notes: list[str], cost: tuple[float, float] | None) -> str:
    """Plain sentences, joined by a space, that a journalist can quote for one trend.

    ``row`` holds the statistics of :func:`trendtrace.trends.stats.trend_statistics` (plus
    ``median_delay_s``/``top_trace``); ``notes`` says which inputs were missing.
    """
    s: list[str] = []
    posts, accounts = int(row["posts"]), int(row["accounts"])
    who = ("coordinated or likely inauthentic accounts" if has_signals
           else "near-copies or new accounts (coordination and account signals were not available)")
    spell = int(row["suspect_spell_posts"] or 0)
    k = int(row["suspect_spells"] or 0)
    overall = f"such accounts wrote {_pct(suspect / posts)} of all its posts" if has_signals else \
        f"{_pct(suspect / posts)} of all its posts were of that kind"
    shape = row.get("shape") or ""
    bg = row.get("background_share")
    weighted = ""
    if bg is not None and has_signals:
        weighted = (f"weighted by the strength of the evidence on each account (coordination p-value, "
                    f"inauthenticity score), its posts score {_pct(float(row['suspect_weight']) / posts)}, against "
                    f"{_pct(float(bg))} for an ordinary trend of this data set (the lower quartile over its hashtags)")
    sustained_words = f"{who} wrote {_pct(suspect / posts)} of its posts; {weighted}" if weighted else ""
    burst_words = (f"{_pct(spell / posts)} of the posts came in {_plural(k, 'ten-minute spell')} in which {who} "
                   f"wrote most posts; {overall}")
    if verdict in ("manufactured", "mixed"):
        lead = ("Consistent with a manufactured trend" if verdict == "manufactured" else
                "Consistent with a mixed trend, organic activity with a manufactured part")
        if shape == "sustained" and sustained_words:
            s.append(f"{lead}, sustained rather than in bursts: {sustained_words}.")
        else:
            s.append(f"{lead}, in bursts: {burst_words}.")
    elif spell:
        s.append(f"Consistent with organic participation: only {_pct(spell / posts)} of the posts came in spells "
                 f"in which {who} wrote most posts; {overall}" + (f"; {weighted}." if weighted else
                                                                  ", spread through its activity."))
    else:
        s.append(f"Consistent with organic participation: no ten-minute spell was dominated by {who}; "
                 f"{overall}" + (f"; {weighted}." if weighted else ", spread through its activity."))
    s.append(f"The data show {_plural(posts, 'post')} from {_plural(accounts, 'account')} between "
             f"{_when(row['first_post'])} and {_when(row['last_post'])} UTC; the busiest minute "
             f"({_when(row['peak_minute'])} UTC) had {_plural(int(row['peak_posts']), 'post')}.")
    if row["burst_minutes"] and int(row["burst_minutes"]) > 0 and row["onset_minutes"] is not None:
        s.append(f"Activity went from a quiet minute to its peak in {_plural(int(row['onset_minutes']), 'minute')}, "
                 f"with {_plural(int(row['burst_minutes']), 'minute')} far above the trend's usual rate.")
    if row["coordinated_share"] is not None:
        cp = int(row["coordinated_posts"])
        if cp:
            k = int(row["coordinated_clusters"])
            tail = ""
            if row.get("median_delay_s") is not None and row.get("top_trace"):
                words = TRACE_WORDS.get(str(row["top_trace"]), f"acted together ({row['top_trace']})")
                tail = (f"; in the example co-actions they mostly {words}, a median "
                        f"{_seconds(float(row['median_delay_s']))} apart")
            strength = ""
            if row.get("coordinated_min_p") is not None:
                strength = (f" (the strongest evidence: a pair whose co-actions have probability "
                            f"{float(row['coordinated_min_p']):.1g} under the null model)")
            s.append(f"{_pct(cp / posts)} of the posts ({_n(cp)}) came from "
                     f"{_plural(int(row['coordinated_accounts']), 'account')} in {_plural(k, 'coordinated cluster')}: "
                     f"accounts that repeatedly acted together far more often than chance predicts{strength}{tail}.")
        else:
            s.append("None of the posts came from accounts in coordinated clusters.")
    if row["inauthentic_share"] is not None:
        ip = int(row["inauthentic_posts"])
        thr = settings["inauthentic_threshold"]
        if ip:
            s.append(f"{_pct(ip / posts)} of the posts came from "
                     f"{_plural(int(row['inauthentic_accounts']), 'account')} "
                     f"whose profile and behaviour score as likely inauthentic (score ≥ {thr:g}).")
        else:
            s.append("No account in the trend scores as likely inauthentic.")
    bk = row.get("batch_known")
    if bk and int(bk) >= 3 and row["batch_accounts"] and int(row["batch_accounts"]) / int(bk) >= 0.3:
        s.append(f"{_pct(int(row['batch_accounts']) / int(bk))} of the suspect accounts with a known creation date "
                 f"were created within the same {BATCH_DAYS} days (from {row['batch_start']:%Y-%m-%d}).")
    if row["new_account_share"] is not None and row["known_age_accounts"]:
        s.append(f"{_pct(float(row['new_account_share']))} of the {_plural(int(row['known_age_accounts']), 'account')} "
                 f"with a known creation date were at most {settings['new_account_days']} days old when they joined "
                 f"the trend.")
    if row["text_posts"] and int(row["text_posts"]) >= 5:
        tp = int(row["templated_posts"])
        s.append(f"{_pct(tp / int(row['text_posts']))} of the {_plural(int(row['text_posts']), 'post')} with text of "
                 f"their own were copies or near-copies of another account's post.")
    if row["home_tz_misfit_share"] is not None and row["tz_known_accounts"] and int(row["tz_known_accounts"]) >= 3:
        home = str(settings["home_tz"])
        zone = (f"the home zone {format_offset(float(row['home_offset']))}, inferred from the daily rhythm of "
                f"this data set's accounts" if home == "auto" else
                f"the home zone {home} ({format_offset(float(row['home_offset']))}), given with --home-tz")
        s.append(f"Of the {_plural(int(row['tz_known_accounts']), 'account')} whose daily rhythm could be inferred, "
                 f"{_pct(float(row['home_tz_misfit_share']))} do not fit {zone}; by inferred offset: {row['tz_mix']}.")
    if row["language_mix"]:
        s.append(f"Languages of the posts: {row['language_mix']}.")
    if accounts >= 20:
        s.append(f"The most active 1 % of accounts wrote {_pct(float(row['top1_share']))} of the posts "
                 f"(Gini {float(row['gini']):.2f}); {_pct(float(row['repost_share']))} of the posts were reposts.")
    else:
        s.append(f"{_pct(float(row['repost_share']))} of the posts were reposts.")
    if cost is not None and suspect and verdict != "organic":
        s.append(f"Estimated cost if each of the {_plural(suspect, 'suspect post')} was paid for at "
                 f"${settings['price_low']:g}–${settings['price_high']:g}: ${cost[0]:,.2f}–${cost[1]:,.2f} "
                 f"(an estimate, not evidence of payment).")
    s.extend(notes)
    # Sentences may open with "under 1 %" or "over 99 %".
    return " ".join(x[0].upper() + x[1:] for x in s if x)
