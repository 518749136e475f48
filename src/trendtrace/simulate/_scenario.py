"""Scenario descriptions and the engine that turns one into posts, time slice by time slice.

The engine first *plans* (accounts as numpy columns; scheduled events — surges, campaign
instructions and their executions — as numeric arrays sorted by time), then walks through the
scenario in fixed time slices. In each slice it draws the background posts of every account group
(a Poisson process whose rate follows the group's diurnal profile in its own time zone; accounts
picked with probability proportional to their activity), merges the scheduled events that fall in
the slice, sorts by time, gives snowflake ids and renders the texts. Memory is the account columns
plus the event arrays (tens of bytes per account and per scheduled post) plus one slice of posts;
it does not grow with the number of background posts.
"""

from __future__ import annotations

import base64
import bisect
import itertools
from dataclasses import dataclass, field
from datetime import datetime, UTC
from functools import lru_cache
from typing import Any
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import numpy as np

from trendtrace.model import normalize_hashtag, normalize_url
from trendtrace.simulate import _names as N
from trendtrace.simulate import _text as T
from trendtrace.simulate._chats import CHAT_STREAM

# --------------------------------------------------------------------------- scenario description


@dataclass(frozen=True)
class Network:
    """An operator network: fake accounts created in batches and run from time zone ``tz``."""

    name: str
    tz: str
    accounts: int
    #: Start of each creation batch, in days before the scenario starts; a batch lasts 3 days.
    batches: tuple[int, ...]
    #: Share of accounts with a news-outlet persona (the rest present as women).
    news_share: float = 0.35
    #: Median filler posts per account over the scenario, on the operators' own daily rhythm.
    filler_posts: float = 62.0


@dataclass(frozen=True)
class Instruction:
    """One order to a network: at ``day`` (0-based) and ``hour`` (UTC), push these ``hashtags`` in
    this order. ``networks`` pairs a network with the share of its accounts that take part."""

    day: int
    hour: float
    hashtags: tuple[str, ...]
    networks: tuple[tuple[str, float], ...]
    link: bool = True
    mentions: bool = True


@dataclass(frozen=True)
class Drip:
    """A slow campaign run by ``network``: no instructions and no bursts. Every account posts a few
    times a day for the whole scenario, on the operators' daily rhythm: network filler, its own
    templated campaign posts (``posts_per_day``, one or two of ``hashtags``) and retweets
    (``retweets_per_day``) of the operator's hub posts (``hubs`` news personas, each
    ``hub_posts_per_day``) and of other accounts' campaign posts, hours after them. The campaign's
    posts are spread out so that no aligned 10-minute spell holds more than ``spell_cap`` of them."""

    network: str
    hashtags: tuple[str, ...]
    hubs: int = 3
    hub_posts_per_day: float = 3.0
    posts_per_day: float = 0.6
    retweets_per_day: float = 0.9
    spell_cap: int = 3


@dataclass(frozen=True)
class Campaign:
    """A paid campaign: named, with a theme (text bank), a link it shares and its instructions.
    ``hijacks``: organic hashtags it pushes too (their truth becomes ``mixed``). ``drip``: run as a
    slow drip instead of (or besides) instructions."""

    name: str
    theme: str
    link: str
    instructions: tuple[Instruction, ...]
    hijacks: tuple[str, ...] = ()
    drip: Drip | None = None


@dataclass(frozen=True)
class Organisation:
    """Genuine accounts coordinated by an organisation (a party, a media house): organic in the truth.

    A leader account posts ``leader_posts`` times a day (office hours, home zone). A share
    ``push_share`` of those posts is *pushed*: the official account and members retweet it after
    a log-normal delay of median ``delay`` seconds (about nine in ten within a minute). Each push
    has a turnout drawn from ``turnout``; half of the members never join, the others each with a
    propensity of their own (3·Beta(0.5, 1), mean 1), so the same keen core appears push after
    push. The other posts are retweeted by a few members within hours.
    Members also post ``member_posts`` times a day themselves, often with the ``hashtags``.
    ``members`` is the number at the scenario's size (it scales with ``--posts``)."""

    name: str
    kind: str  # "party" | "media"
    display: str
    short: str
    members: int
    hashtags: tuple[str, ...]
    site: str
    leader_posts: float = 5.0
    push_share: float = 0.2
    turnout: tuple[float, float] = (0.1, 0.35)
    delay: float = 20.0
    member_posts: float = 1.5


@dataclass(frozen=True)
class Broadcast:
    """An organic community that live-tweets a broadcast (a league's matches, a drama's episodes).

    On each of ``days`` from ``hour`` (UTC) for ``hours``, a share ``turnout`` of the ``members``
    (ordinary people, scaled with ``--posts``) is watching: each writes about ``posts`` posts with
    ``hashtags`` (+ that night's tag from ``night_tags``) shortly after the ``moments`` the host
    channel posts, and retweets moment posts after a log-normal delay of median 30 s. Members
    differ: each watches on a share of the nights (Beta, mean ``turnout``); half never retweet the
    channel, the others retweet each moment with a propensity of their own (mean over all members
    about ``retweet_share``)."""

    name: str
    kind: str  # "sport" | "drama"
    hashtags: tuple[str, ...]
    members: int
    days: tuple[int, ...]
    hour: float
    hours: float
    night_tags: tuple[str, ...] = ()
    turnout: float = 0.65
    moments: int = 16
    posts: float = 3.5
    retweet_share: float = 0.06


@dataclass(frozen=True)
class Surge:
    """An organic surge: many independent people post ``hashtag`` around ``day``/``hour`` (UTC).
    ``share``: fraction of all posts that belong to it."""

    name: str
    kind: str  # "match-surge" | "news-surge"
    hashtag: str
    day: int
    hour: float
    share: float


@dataclass(frozen=True)
class Scenario:
    """A simulated week: organic population, background hashtags, surges, networks and campaigns."""

    name: str
    description: str
    posts: int
    days: int = 7
    start: str = "2025-03-10T00:00:00"
    background: tuple[str, ...] = ()
    surges: tuple[Surge, ...] = ()
    networks: tuple[Network, ...] = ()
    campaigns: tuple[Campaign, ...] = ()
    #: Genuine accounts coordinated by organisations (organic in the truth).
    organisations: tuple[Organisation, ...] = ()
    #: Organic communities live-tweeting broadcasts on several nights.
    broadcasts: tuple[Broadcast, ...] = ()
    #: Heavy organic retweeters at the scenario's size (rounded; none below about an eighth of it),
    #: and their mean posts a day (95 % retweets, heavy-tailed between them, 30 to 450 each).
    heavy_retweeters: int = 0
    heavy_per_day: float = 150.0
    #: Share of accounts (any label) whose posts come from a source that records times to the
    #: minute only (their times are truncated to the minute; written to a separate file).
    minute_share: float = 0.0

    @property
    def extended(self) -> bool:
        """Whether the scenario uses any part beyond the default one's (their truth columns)."""
        return bool(self.organisations or self.broadcasts or self.heavy_retweeters or self.minute_share
                    or any(c.drip for c in self.campaigns))


_BACKGROUND = ("Pakistan", "Karachi", "Lahore", "PetrolPrices", "Cricket", "Islamabad", "LoadShedding",
               "Weather", "پاکستان", "Peshawar", "Education", "Traffic", "Health", "Jobs")
_SURGES = (
    Surge("earthquake", "news-surge", "EarthquakeSwat", day=1, hour=9.33, share=0.045),
    Surge("cricket-final", "match-surge", "PAKvNZ", day=3, hour=14.0, share=0.06),
)
_BOTH = (("crescent-reach", 0.9), ("bluewave-digital", 0.9))
_CAMPAIGNS = (
    Campaign("haq-march", "political", "https://awamihaq.org/news/haq-march", (
        Instruction(1, 15.0, ("HaqMarch", "AwamiHaqParty", "HaqKiAwaz"), _BOTH),
        Instruction(3, 16.0, ("HaqKiAwaz", "HaqMarch", "QaiserJamal"), _BOTH),
        Instruction(4, 13.5, ("PetrolPrices", "HaqKiAwaz", "AwamiHaqParty"), _BOTH),
        Instruction(6, 15.5, ("HaqMarch", "AwamiHaqParty", "HaqKiAwaz"), _BOTH),
    ), hijacks=("PetrolPrices",)),
    Campaign("valdoria-solidarity", "foreign-cause", "https://valdoria-voice.net/appeal", (
        Instruction(2, 11.0, ("StandWithValdoria", "FreeValdoria", "ValdoriaCrisis"), (("crescent-reach", 0.85),)),
        Instruction(4, 10.0, ("StandWithValdoria", "FreeValdoria", "ValdoriaCrisis"), (("crescent-reach", 0.85),)),
        Instruction(5, 12.5, ("FreeValdoria", "StandWithValdoria", "ActForValdoria"), (("crescent-reach", 0.85),)),
    )),
    Campaign("northern-dawn", "banned-group", "https://ndf-media.info/statement", (
        Instruction(2, 17.5, ("NorthernDawn", "VoiceOfTheNorth", "NDFAwakening"),
                    (("bluewave-digital", 0.85), ("crescent-reach", 0.35))),
        Instruction(5, 16.0, ("NorthernDawn", "VoiceOfTheNorth", "NDFAwakening"),
                    (("bluewave-digital", 0.85), ("crescent-reach", 0.35)), mentions=False),
    )),
)

# The realistic scenario: four weeks; the bursting campaigns spread over them, plus a drip.
_REAL_SURGES = (
    Surge("earthquake", "news-surge", "EarthquakeSwat", day=9, hour=9.33, share=0.02),
    Surge("cricket-final", "match-surge", "PAKvNZ", day=19, hour=14.0, share=0.03),
)
_REAL_CAMPAIGNS = (
    Campaign("haq-march", "political", "https://awamihaq.org/news/haq-march", (
        Instruction(3, 15.0, ("HaqMarch", "AwamiHaqParty", "HaqKiAwaz"), _BOTH),
        Instruction(10, 16.0, ("HaqKiAwaz", "HaqMarch", "QaiserJamal"), _BOTH),
        Instruction(16, 13.5, ("PetrolPrices", "HaqKiAwaz", "AwamiHaqParty"), _BOTH),
        Instruction(24, 15.5, ("HaqMarch", "AwamiHaqParty", "HaqKiAwaz"), _BOTH),
    ), hijacks=("PetrolPrices",)),
    Campaign("valdoria-solidarity", "foreign-cause", "https://valdoria-voice.net/appeal", (
        Instruction(6, 11.0, ("StandWithValdoria", "FreeValdoria", "ValdoriaCrisis"), (("crescent-reach", 0.85),)),
        Instruction(13, 10.0, ("StandWithValdoria", "FreeValdoria", "ValdoriaCrisis"), (("crescent-reach", 0.85),)),
        Instruction(20, 12.5, ("FreeValdoria", "StandWithValdoria", "ActForValdoria"), (("crescent-reach", 0.85),)),
    )),
    Campaign("northern-dawn", "banned-group", "https://ndf-media.info/statement", (
        Instruction(8, 17.5, ("NorthernDawn", "VoiceOfTheNorth", "NDFAwakening"),
                    (("bluewave-digital", 0.85), ("crescent-reach", 0.35))),
        Instruction(22, 16.0, ("NorthernDawn", "VoiceOfTheNorth", "NDFAwakening"),
                    (("bluewave-digital", 0.85), ("crescent-reach", 0.35)), mentions=False),
    )),
    Campaign("roshan-pakistan", "development", "https://roshan-pakistan.net/progress", (),
             drip=Drip("evergreen-media", ("RoshanPakistan", "TaraqqiKaSafar", "SabKaPakistan"))),
)
_ORGANISATIONS = (
    Organisation("qaumi-ittehad-party", "party", "Qaumi Ittehad Party", "QIP", 70, ("QIP", "QaumiIttehad"),
                 "https://qip.org.pk", leader_posts=5.0, push_share=0.06, turnout=(0.05, 0.2), member_posts=1.2),
    Organisation("jamhoori-mahaz", "party", "Pakistan Jamhoori Mahaz", "PJM", 45, ("PJM", "JamhooriMahaz"),
                 "https://pjm.org.pk", leader_posts=4.0, push_share=0.06, turnout=(0.05, 0.2), delay=25.0,
                 member_posts=1.2),
    Organisation("sitara-news", "media", "Sitara News", "SitaraNews", 25, ("SitaraNews",),
                 "https://sitaranews.pk", leader_posts=8.0, push_share=0.04, turnout=(0.05, 0.2), delay=30.0,
                 member_posts=1.5),
)
_BROADCASTS = (
    Broadcast("cricket-league", "sport", ("PSL10",), 250, days=(1, 4, 8, 11, 15, 18, 22, 25), hour=14.0,
              hours=3.5, night_tags=("LQvIU", "KKvPZ", "MSvQG", "IUvKK", "PZvLQ", "QGvMS", "LQvKK", "IUvPZ"),
              posts=3.0, retweet_share=0.03),
    Broadcast("drama-night", "drama", ("ChandniRaat",), 150, days=(2, 9, 16, 23), hour=15.0, hours=2.0,
              night_tags=("ChandniRaatEp21", "ChandniRaatEp22", "ChandniRaatEp23", "ChandniRaatEp24"),
              turnout=0.7, moments=10, posts=3.0, retweet_share=0.03),
)

SCENARIOS: dict[str, Scenario] = {
    "default": Scenario(
        "default",
        "One week around Pakistani trends: organic chatter in the home zone, an earthquake and a "
        "cricket final (organic surges), and two operator networks (Istanbul, Dubai) running three "
        "campaigns — a political trend that also hijacks #PetrolPrices, a foreign cause and a banned "
        "group's content — with the same accounts reused across them.",
        posts=60_000, background=_BACKGROUND, surges=_SURGES,
        networks=(Network("crescent-reach", "Europe/Istanbul", 140, (68, 24)),
                  Network("bluewave-digital", "Asia/Dubai", 100, (45, 11))),
        campaigns=_CAMPAIGNS,
    ),
    "small": Scenario(
        "small",
        "The default scenario at about 5,000 posts (for tests): same surges and campaigns, "
        "networks of 14 and 10 accounts.",
        posts=5_000, background=_BACKGROUND, surges=_SURGES,
        networks=(Network("crescent-reach", "Europe/Istanbul", 14, (68, 24)),
                  Network("bluewave-digital", "Asia/Dubai", 10, (45, 11))),
        campaigns=_CAMPAIGNS,
    ),
    "organic": Scenario(
        "organic",
        "No campaign at all: organic users, background hashtags and the two organic surges only "
        "(a detector must call every trend organic here).",
        posts=30_000, background=_BACKGROUND, surges=_SURGES,
    ),
    "realistic": Scenario(
        "realistic",
        "Four weeks with organic users that co-act as real ones do: two parties and a media house "
        "whose members retweet their leader's posts within a minute, week after week; fans "
        "live-tweeting cricket league matches and a drama's episodes on several nights; heavy "
        "retweeters; plus the two bursting networks and a third network that drips a slow "
        "campaign for weeks without a burst. Half of the accounts come from a source with times "
        "to the minute only.",
        posts=100_000, days=28, background=_BACKGROUND, surges=_REAL_SURGES,
        networks=(Network("crescent-reach", "Europe/Istanbul", 90, (68, 24), filler_posts=100.0),
                  Network("bluewave-digital", "Asia/Dubai", 60, (45, 11), filler_posts=100.0),
                  Network("evergreen-media", "Asia/Manila", 60, (120, 75), news_share=0.25,
                          filler_posts=60.0)),
        campaigns=_REAL_CAMPAIGNS, organisations=_ORGANISATIONS, broadcasts=_BROADCASTS,
        heavy_retweeters=4, heavy_per_day=130.0, minute_share=0.5,
    ),
}

#: Inserted before the extension of the data file that holds the minute-resolution source.
MINUTE_SUFFIX = "-minutes"

MAX_POSTS = 10_000_000
MIN_POSTS = 500
CHUNK_ROWS = 20_000
POOL_SIZE = 3_000
#: In the realistic scenario, this share of everyday retweets picks among the newest FRESH_POOL posts.
FRESH_SHARE = 0.4
FRESH_POOL = 150

# Snowflake ids: milliseconds since the platform epoch, shifted left 22 bits.
_EPOCH_MS = 1288834974657

#: Relative activity by local hour (0–23): people sleep ~01:00–08:00 and peak in the evening.
ORGANIC_PROFILE = np.array([0.55, 0.28, 0.14, 0.07, 0.05, 0.05, 0.08, 0.22, 0.45, 0.65, 0.75, 0.8, 0.85,
                            0.85, 0.8, 0.8, 0.85, 0.95, 1.05, 1.2, 1.35, 1.45, 1.35, 0.95])
#: Paid operators keep an ordinary human day in their own zone (their filler follows it); only the
#: instruction waves are timed for the home audience. The shared shape is what lets circadian
#: offset inference place every account with enough posts.
OPERATOR_PROFILE = ORGANIC_PROFILE.copy()

#: Accounts run by an office (a party's, a newsroom's) post mostly in working hours and evenings.
OFFICE_PROFILE = np.array([0.2, 0.1, 0.05, 0.03, 0.03, 0.03, 0.08, 0.3, 0.7, 1.1, 1.3, 1.35, 1.3,
                           1.2, 1.2, 1.2, 1.2, 1.25, 1.3, 1.35, 1.3, 1.1, 0.8, 0.45])

# Roles of planned posts.
R_BG, R_FILL, R_SURGE, R_EXEC, R_LEAK, R_SPECIAL = range(6)
# Roles of the realistic scenario's parts: live-tweeting, organisations, the drip campaign.
R_LIVE, R_ORG, R_DRIP = 6, 7, 8
#: Role of a real person's post with a campaign's hashtag before an instruction (chat bystanders).
R_BYST = 9
#: What the chat truth calls each role it lists (labels/chat_executions.csv, chat_bystanders.csv).
_CHAT_ROLES = {R_EXEC: "exec", R_LEAK: "leak", R_BYST: "bystander"}
#: ``ref`` of an instruction's own post that copies the text its chat order gave (ref is unused
#: for posts otherwise: -1).
COPY_REF = -2
# Kinds.
K_POST, K_REPOST, K_QUOTE, K_REPLY = range(4)
KIND_NAMES = ("post", "repost", "quote", "reply")
# Personas.
P_NONE, P_WOMAN, P_NEWS = range(3)
PERSONA_NAMES = ("", "woman", "news")

_LANG_IDX = {k: i for i, k in enumerate(T.LANGS)}


_B64_TO_ALNUM = bytes.maketrans(b"+/=", b"kQz")


def _b62(n: int, width: int) -> str:
    """``width`` (≤ 11) letters and digits derived from the integer ``n`` (like t.co codes)."""
    return base64.b64encode((n & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")).translate(_B64_TO_ALNUM)[:width].decode()


@lru_cache(maxsize=4096)
def _offset_hours(tz: str, ts: int) -> float:
    """UTC offset of ``tz`` at unix time ``ts`` (hours; DST-aware)."""
    off = datetime.fromtimestamp(ts, ZoneInfo(tz)).utcoffset()
    return off.total_seconds() / 3600 if off else 0.0


def _profile_at(profile: np.ndarray, local_hour: float) -> float:
    """The profile at a fractional local hour (linear between hour centres, wrapping midnight)."""
    x = (local_hour - 0.5) % 24
    i = int(x)
    f = x - i
    return float(profile[i] * (1 - f) + profile[(i + 1) % 24] * f)


def snowflakes(t: np.ndarray, msoff: np.ndarray, worker: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Snowflake ids for posts at unix seconds ``t`` (+ ``msoff`` milliseconds, ``worker`` 0–1023).

    Returns ``(order, ids)``: the permutation that puts the posts in id order, and the ids in that
    order. An id is ``(ms − epoch) << 22 | worker << 12 | sequence``, the sequence counting posts
    within the same millisecond, so ids are unique and increase with time.
    """
    order = np.lexsort((msoff, t))
    key = t[order].astype(np.int64) * 1000 + msoff[order]
    m = key.size
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1].astype(np.int64)
    seq = np.arange(m) - np.repeat(starts, np.diff(np.r_[starts, m]))
    if seq.max(initial=0) >= 4096:
        raise ValueError("more than 4096 posts in one millisecond: ask for fewer posts")
    ids = ((key - _EPOCH_MS) << 22) | (worker[order].astype(np.int64) << 12) | seq
    # Within one millisecond the id (worker bits) decides the order, as on the platform.
    again = np.argsort(ids, kind="stable")
    return order[again], ids[again]


def check_zone(tz: str) -> str:
    from ..offsets import zone_problem

    if zone_problem(tz):
        raise ValueError(f"unknown time zone {tz!r} (use an IANA name such as 'Asia/Karachi')")
    return tz


# --------------------------------------------------------------------------- records

#: A rendered post (also what ``refs`` hold for referenced originals):
#: (post_id, acct, time, kind, text, lang, ref_post_id, ref_acct, reply_to_post_id, hashtags_raw,
#:  urls_raw, tco, mention_idx, client, like, repost, reply, quote)
Rec = tuple

ACCOUNT_FIELDS = ("account_id", "handle", "display_name", "description", "location", "url", "lang",
                  "created_at", "followers", "following", "post_count", "verified", "default_profile",
                  "default_profile_image", "profile_image_url", "likes_given", "listed")


@dataclass
class SimChunk:
    """One bounded batch of rendered posts, in time order, and what writers need besides.

    ``recs`` holds one tuple per post (``POST_COLUMNS`` order, then the referenced original's
    record or None, then the post's part in a chat's truth — ``(role, instruction, copied)`` with
    role ``exec``, ``leak`` or ``bystander`` — or None); ``times`` their unix seconds.
    :attr:`posts` gives the same as columns.
    ``people`` holds account tuples (``ACCOUNT_FIELDS``) for every account a post of the chunk is
    by, refers to or mentions; ``refs`` the records of referenced originals; ``new_accounts`` the
    accounts whose first post is in this chunk, with ``first_seen`` times.
    """

    recs: list[tuple]
    times: np.ndarray
    people: dict[int, tuple]
    refs: dict[str, Rec]
    new_accounts: list[int]
    first_seen: list[int]
    _posts: dict[str, Any] | None = None

    @property
    def posts(self) -> dict[str, Any]:
        """Columns named as ``POST_COLUMNS`` (Python lists; ``time`` a numpy int64 array)."""
        if self._posts is None:
            cols = list(zip(*self.recs, strict=False)) if self.recs else [()] * len(POST_COLUMNS)
            posts: dict[str, Any] = {k: list(c) for k, c in zip(POST_COLUMNS, cols, strict=False)}
            posts["time"] = self.times
            self._posts = posts
        return self._posts


POST_COLUMNS = ("post_id", "acct", "time", "kind", "text", "lang", "ref_post_id", "ref_acct",
                "reply_to_post_id", "hashtags_raw", "urls_raw", "tco", "mention_idx", "client",
                "like_count", "repost_count", "reply_count", "quote_count", "label", "trend")


# --------------------------------------------------------------------------- the engine


@dataclass
class _Group:
    """Accounts whose background posts share one diurnal profile in one zone."""

    tz: str
    profile: np.ndarray
    members: np.ndarray
    cum: np.ndarray  # cumulative rates (posts over the whole scenario)
    kind_p: np.ndarray
    role: int


@dataclass
class _InstrPlan:
    campaign: int
    index: int  # within campaign
    time: int
    hashtags: tuple[str, ...]
    seed_key: int
    target_key: int
    link: str
    mentions: list[int]
    participants: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: When the chat's ORDER message is sent (unix seconds, a whole minute 20–90 min before ``time``).
    order_at: int = 0
    #: The text the order gives to copy ("" when it gives none) and its bank's language.
    copy_text: str = ""
    copy_lang: str = "en"


class Engine:
    """Plans a scenario and renders it slice by slice (see the module docstring)."""

    def __init__(self, scenario: Scenario, seed: int, posts: int | None, home_tz: str) -> None:
        self.scn = scenario
        self.seed = int(seed)
        self.home_tz = check_zone(home_tz)
        self.target = int(posts if posts is not None else scenario.posts)
        self.scale = self.target / scenario.posts
        self.start = int(datetime.fromisoformat(scenario.start).replace(tzinfo=UTC).timestamp())
        self.end = self.start + scenario.days * 86400
        self.rng = np.random.default_rng([self.seed, 0])
        self.specials: dict[int, dict[str, Any]] = {}
        self._acache: dict[int, tuple] = {}
        self._banks: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {}
        # Background hashtags are Zipf-like: the first few are used far more than the rest.
        w = np.cumsum(1.0 / np.arange(1, len(scenario.background) + 1) ** 0.9) if scenario.background else np.ones(1)
        self._bg_cum = w / w[-1]
        tags = set(scenario.background) | {"Cricket"} | {s.hashtag for s in scenario.surges} | {
            h for c in scenario.campaigns for i in c.instructions for h in i.hashtags}
        tags |= {h for c in scenario.campaigns if c.drip for h in c.drip.hashtags}
        tags |= {h for o in scenario.organisations for h in o.hashtags}
        tags |= {h for b in scenario.broadcasts for h in (*b.hashtags, *b.night_tags)}
        self._norm = {t: normalize_hashtag(t) for t in tags}
        # The realistic parts draw from their own stream, so the other scenarios stay as they were.
        self.rng2 = np.random.default_rng([self.seed, 2])
        self.special_recs: dict[int, Rec] = {}
        self._plan_accounts()
        #: Accounts whose source records times to the minute only (None: every source has seconds).
        self.minute = self.rng2.random(self.n) < scenario.minute_share if scenario.minute_share else None
        self._plan_events()
        self._plan_chat_events()

    # ------------------------------------------------------------------ accounts

    def _network_zone(self, tz: str) -> str:
        """Operators never share the home zone's offset (the point is that they are elsewhere)."""
        check_zone(tz)
        mid = self.start + 43200
        if tz == self.home_tz or _offset_hours(tz, mid) == _offset_hours(self.home_tz, mid):
            for alt in ("Europe/Istanbul", "Asia/Manila", "Africa/Lagos"):
                if _offset_hours(alt, mid) != _offset_hours(self.home_tz, mid):
                    return alt
        return tz

    def _plan_accounts(self) -> None:
        rng, scn, P = self.rng, self.scn, self.target
        nets = [(n, max(3, round(n.accounts * self.scale))) for n in scn.networks]
        self.net_tz = [self._network_zone(n.tz) for n, _ in nets]
        # Expected posts that are not organic background: filler, instruction executions, surges.
        filler = sum(k * n.filler_posts for n, k in nets)
        exec_per = {n.name: 0.0 for n, _ in nets}
        for c in scn.campaigns:
            for ins in c.instructions:
                for name, share in ins.networks:
                    exec_per[name] += share * 2.1
        execs = sum(k * exec_per[n.name] for n, k in nets)
        surge = sum(s.share for s in scn.surges) * P
        extra = self._extra_sizes(nets)  # organisations, live-tweeters, heavy retweeters, drips
        background = max(P - filler - execs * 1.06 - surge - extra, 0.2 * P)
        n_news = int(np.clip(round(4 + P / 6000), 4, 200))
        news_rate = rng.lognormal(np.log(85), 0.45, n_news)
        news_rate = np.minimum(news_rate, 0.08 * background / max(n_news, 1) * 3)
        people_budget = background - news_rate.sum()
        mean_rate = 5.0
        n_people = max(50, int(round(people_budget / mean_rate)))
        rate = np.minimum(rng.lognormal(0.0, 1.35, n_people), 400.0)
        rate *= people_budget / rate.sum()
        n_net = sum(k for _, k in nets)
        n_extra = sum(2 + m for m in self.org_sizes) + self.n_heavy
        n = n_news + n_people + n_net + n_extra
        self.n_news, self.n_people, self.n = n_news, n_people, n
        self.people_lo, self.people_hi = n_news, n_news + n_people

        label = np.zeros(n, np.int16)  # 0 organic, 1 + network index
        persona = np.zeros(n, np.int8)
        persona[:n_news] = P_NEWS
        lang = np.zeros(n, np.int8)
        created = np.zeros(n, np.int64)
        batch = np.full(n, -1, np.int16)
        followers = np.zeros(n, np.int64)
        following = np.zeros(n, np.int64)
        statuses = np.zeros(n, np.int64)
        verified = np.zeros(n, bool)
        dprof = np.zeros(n, bool)
        dimg = np.zeros(n, bool)
        client = np.zeros(n, np.int8)
        bg_rate = np.zeros(n)
        first = np.zeros(n, np.int16)
        last = np.zeros(n, np.int16)
        style = np.zeros(n, np.int8)
        bio = np.full(n, -1, np.int16)
        loc = np.full(n, -1, np.int16)
        clients = N.CLIENTS

        def pick(options: tuple[tuple[str, float], ...], k: int) -> np.ndarray:
            names = [clients.index(o) for o, _ in options]
            p = np.array([w for _, w in options])
            return np.array(names, np.int8)[rng.choice(len(names), size=k, p=p / p.sum())]

        # News outlets: old, many followers, often verified, post all day long.
        s = slice(0, n_news)
        bg_rate[s] = news_rate
        created[s] = self.start - rng.integers(11 * 365, 16 * 365, n_news) * 86400 - rng.integers(0, 86400, n_news)
        followers[s] = rng.lognormal(np.log(160_000), 1.2, n_news).astype(np.int64)
        following[s] = rng.integers(20, 900, n_news)
        statuses[s] = rng.integers(40_000, 600_000, n_news)
        verified[s] = rng.random(n_news) < 0.6
        client[s] = pick(N.NEWS_CLIENTS, n_news)
        lang[s] = np.where(rng.random(n_news) < 0.7, _LANG_IDX["en"], _LANG_IDX["ur"])
        loc[s] = rng.integers(0, 4, n_news)

        # Organic people: heavy-tailed activity and followers, ages over years, mixed languages.
        s = slice(n_news, n_news + n_people)
        k = n_people
        bg_rate[s] = rate
        age = np.where(rng.random(k) < 0.72, rng.integers(365, 14 * 365, k),
                       np.where(rng.random(k) < 0.85, rng.integers(60, 365, k), rng.integers(1, 60, k)))
        created[s] = self.start - age * 86400 - rng.integers(0, 86400, k)
        followers[s] = np.minimum(rng.lognormal(4.4, 1.7, k) * rate ** 0.35, 3e6).astype(np.int64)
        following[s] = np.minimum(rng.lognormal(5.3, 1.0, k), 5000).astype(np.int64)
        statuses[s] = (rate * age / 7 * rng.lognormal(0, 0.8, k)).astype(np.int64) + rng.integers(0, 50, k)
        verified[s] = (followers[s] > 200_000) & (rng.random(k) < 0.5)
        client[s] = pick(N.ORGANIC_CLIENTS, k)
        lang[s] = rng.choice(4, size=k, p=[0.33, 0.3, 0.3, 0.07])
        women = rng.random(k) < 0.38
        persona[s] = np.where(women, P_WOMAN, P_NONE)
        first[s] = np.where(women, rng.integers(0, len(N.FEMALE), k), rng.integers(0, len(N.MALE), k))
        last[s] = rng.integers(0, len(N.LAST), k)
        style[s] = rng.choice(4, size=k, p=[0.55, 0.22, 0.13, 0.10])
        bio[s] = np.where(rng.random(k) < 0.62, rng.integers(0, len(N.ORGANIC_BIOS), k), -1)
        loc[s] = np.where(rng.random(k) < 0.7, rng.integers(0, len(N.ORGANIC_LOCATIONS), k), -1)
        dimg[s] = rng.random(k) < 0.08
        dprof[s] = dimg[s] | (rng.random(k) < 0.15)

        # Network accounts: batch-created recently during the operators' working hours.
        self.net_ranges: list[tuple[int, int]] = []
        self.batch_names: list[str] = []
        self.batch_spans: list[tuple[int, int]] = []
        lo = n_news + n_people
        for j, ((net, k), tz) in enumerate(zip(nets, self.net_tz, strict=False)):
            hi = lo + k
            s = slice(lo, hi)
            self.net_ranges.append((lo, hi))
            label[s] = 1 + j
            news = rng.random(k) < net.news_share
            persona[s] = np.where(news, P_NEWS, P_WOMAN)
            b = rng.integers(0, len(net.batches), k)
            for bi, days in enumerate(net.batches):
                self.batch_names.append(f"{net.name}-b{bi + 1}")
                b0 = self.start - days * 86400
                self.batch_spans.append((b0, b0 + 3 * 86400))
            batch[s] = len(self.batch_names) - len(net.batches) + b
            day0 = self.start - np.array(net.batches)[b] * 86400 + rng.integers(0, 3, k) * 86400
            off = _offset_hours(tz, self.start)
            local_sec = rng.integers(9 * 3600, 20 * 3600, k)  # created during the working day
            created[s] = day0 + local_sec - int(off * 3600)
            followers[s] = np.minimum(rng.lognormal(np.log(25), 0.9, k), 900).astype(np.int64)
            following[s] = np.minimum(rng.lognormal(np.log(300), 0.6, k), 2000).astype(np.int64)
            fill = rng.lognormal(np.log(net.filler_posts), 0.25, k)
            bg_rate[s] = fill
            statuses[s] = ((fill / scn.days * (self.start - created[s]) / 86400).astype(np.int64)
                           + rng.integers(5, 60, k))
            client[s] = pick(N.CAMPAIGN_CLIENTS, k)
            lang[s] = rng.choice(3, size=k, p=[0.5, 0.15, 0.35])  # en, ur, rom — little Urdu script
            first[s] = np.where(news, rng.integers(0, len(N.CAMPAIGN_NEWS_NAMES), k), rng.integers(0, len(N.FEMALE), k))
            last[s] = rng.integers(0, len(N.LAST), k)
            style[s] = np.where(rng.random(k) < 0.6, 0, 1)
            bio[s] = rng.integers(0, 1000, k)
            loc[s] = np.where(rng.random(k) < 0.8, rng.integers(0, len(N.CAMPAIGN_LOCATIONS), k), -1)
            dimg[s] = rng.random(k) < 0.78
            dprof[s] = dimg[s] | (rng.random(k) < 0.6)
            lo = hi

        self.label, self.persona, self.lang, self.created, self.batch = label, persona, lang, created, batch
        self.followers, self.following, self.statuses = followers, following, statuses
        self.verified, self.dprof, self.dimg, self.client = verified, dprof, dimg, client
        self.bg_rate, self.first, self.last, self.style, self.bio, self.loc = bg_rate, first, last, style, bio, loc
        self.org_of = np.full(n, -1, np.int16)  # organisation of each account (-1: none)
        self.org_ranges: list[tuple[int, int]] = []  # per organisation: [leader, official, members...)
        self.heavy_range = (lo, lo)
        if n_extra:
            self._plan_extra_accounts(lo)
        self.net_names = [n.name for n, _ in nets]
        self.campaigns_of = np.zeros(n, np.int64)  # bit mask of campaigns taken part in
        self._make_ids_and_handles()

        # Background groups: everyone organic in the home zone; each network in its own zone.
        kinds_people = np.array([0.45, 0.35, 0.08, 0.12])
        home = np.arange(0, n_news + n_people)
        groups = [_Group(self.home_tz, ORGANIC_PROFILE, home, np.cumsum(bg_rate[home]), kinds_people, R_BG)]
        for (lo, hi), tz in zip(self.net_ranges, self.net_tz, strict=False):
            m = np.arange(lo, hi)
            groups.append(_Group(tz, OPERATOR_PROFILE, m, np.cumsum(bg_rate[m]),
                                 np.array([0.55, 0.38, 0.02, 0.05]), R_FILL))
        if self.org_ranges:  # organisation accounts write their own posts in office hours
            m = np.concatenate([np.arange(lo + 1, hi) for lo, hi in self.org_ranges])
            groups.append(_Group(self.home_tz, OFFICE_PROFILE, m, np.cumsum(bg_rate[m]),
                                 np.array([0.55, 0.3, 0.05, 0.1]), R_ORG))
        if self.n_heavy:  # heavy retweeters: nearly everything they post is a retweet
            m = np.arange(*self.heavy_range)
            groups.append(_Group(self.home_tz, ORGANIC_PROFILE, m, np.cumsum(bg_rate[m]),
                                 np.array([0.03, 0.95, 0.0, 0.02]), R_BG))
        self.groups = groups
        # Heavy-tailed popularity for choosing whom people retweet, reply to and mention.
        self.popular = np.argsort(-followers[: n_news + n_people], kind="stable")[: max(20, (n_news + n_people) // 50)]

    def _extra_sizes(self, nets: list[tuple[Network, int]]) -> float:
        """Sizes of the realistic scenario's parts (organisation members, heavy retweeters) and the
        number of posts they are expected to add (taken out of the people's budget). 0 without them."""
        scn, sc, days = self.scn, self.scale, self.scn.days
        self.org_sizes = [max(8, round(o.members * sc)) for o in scn.organisations]
        self.n_heavy = int(round(scn.heavy_retweeters * sc))  # none below about 12,500 posts
        self.community_sizes = [max(15, round(b.members * sc)) for b in scn.broadcasts]
        expected = 0.0
        for o, m in zip(scn.organisations, self.org_sizes, strict=False):
            lp = o.leader_posts * days
            expected += (lp + lp * o.push_share * (0.45 * sum(o.turnout) / 2 * m + 1)
                         + lp * (1 - o.push_share) * 0.06 * m
                         + o.member_posts * days * (m + 1))
        for b, k in zip(scn.broadcasts, self.community_sizes, strict=False):
            present = b.turnout * k
            expected += len(b.days) * (b.moments + present * (b.posts + b.moments * b.retweet_share))
        expected += self.n_heavy * scn.heavy_per_day * days * 1.05
        sizes = {n.name: k for n, k in nets}
        for c in scn.campaigns:
            if c.drip:
                k = sizes.get(c.drip.network, 0)
                expected += 1.03 * (k * (c.drip.posts_per_day + c.drip.retweets_per_day)
                                    + c.drip.hubs * c.drip.hub_posts_per_day) * days
        return expected

    def _plan_extra_accounts(self, lo: int) -> None:
        """Organisation accounts (leader, official account, members) and heavy retweeters, from
        index ``lo`` on: genuine, long-standing accounts (organic in the truth)."""
        rng, days = self.rng2, self.scn.days
        clients = N.CLIENTS

        def pick(options: tuple[tuple[str, float], ...], k: int) -> np.ndarray:
            names = [clients.index(o) for o, _ in options]
            w = np.array([x for _, x in options])
            return np.array(names, np.int8)[rng.choice(len(names), size=k, p=w / w.sum())]

        for oi, (org, m) in enumerate(zip(self.scn.organisations, self.org_sizes, strict=False)):
            hi = lo + 2 + m
            s = slice(lo, hi)
            k = hi - lo
            self.org_ranges.append((lo, hi))
            self.org_of[s] = oi
            women = rng.random(k) < 0.3
            women[:2] = False
            self.persona[s] = np.where(women, P_WOMAN, P_NONE)
            if org.kind == "media":
                self.persona[lo: lo + 2] = P_NEWS
            age = rng.integers(2 * 365, 13 * 365, k)
            age[:2] = rng.integers(9 * 365, 15 * 365, 2)
            self.created[s] = self.start - age * 86400 - rng.integers(0, 86400, k)
            fol = rng.lognormal(np.log(25_000), 1.0, k)
            fol[0] = rng.lognormal(np.log(2_500_000 if org.kind == "media" else 1_500_000), 0.3)
            fol[1] = rng.lognormal(np.log(400_000), 0.4)
            self.followers[s] = fol.astype(np.int64)
            self.following[s] = rng.integers(80, 1500, k)
            self.statuses[s] = rng.integers(3_000, 40_000, k)
            self.statuses[lo: lo + 2] = rng.integers(20_000, 120_000, 2)
            self.verified[s] = rng.random(k) < 0.6
            self.verified[lo: lo + 2] = True
            self.client[s] = pick(N.ORGANIC_CLIENTS, k)
            self.client[lo: lo + 2] = pick(N.NEWS_CLIENTS, 2)
            self.lang[s] = rng.choice(3, size=k, p=[0.6, 0.3, 0.1])
            self.first[s] = np.where(women, rng.integers(0, len(N.FEMALE), k), rng.integers(0, len(N.MALE), k))
            self.last[s] = rng.integers(0, len(N.LAST), k)
            self.loc[s] = rng.integers(0, len(N.PLACES), k)
            self.bio[s] = rng.integers(0, 1000, k)
            rate = rng.lognormal(np.log(org.member_posts * days), 0.5, k)
            rate[0] = 0.0  # the leader's posts are all planned events
            self.bg_rate[s] = rate
            lo = hi
        k = self.n_heavy
        if k:
            s = slice(lo, lo + k)
            self.heavy_range = (lo, lo + k)
            women = rng.random(k) < 0.35
            self.persona[s] = np.where(women, P_WOMAN, P_NONE)
            self.created[s] = self.start - rng.integers(3 * 365, 12 * 365, k) * 86400 - rng.integers(0, 86400, k)
            self.followers[s] = rng.lognormal(np.log(900), 1.0, k).astype(np.int64)
            self.following[s] = rng.integers(1500, 5000, k)
            self.statuses[s] = rng.integers(80_000, 400_000, k)
            self.client[s] = pick(N.ORGANIC_CLIENTS, k)
            self.lang[s] = rng.choice(3, size=k, p=[0.4, 0.3, 0.3])
            self.first[s] = np.where(women, rng.integers(0, len(N.FEMALE), k), rng.integers(0, len(N.MALE), k))
            self.last[s] = rng.integers(0, len(N.LAST), k)
            self.style[s] = rng.choice(4, size=k, p=[0.55, 0.22, 0.13, 0.10])
            self.bio[s] = np.where(rng.random(k) < 0.7, rng.integers(0, len(N.ORGANIC_BIOS), k), -1)
            self.loc[s] = rng.integers(0, len(N.ORGANIC_LOCATIONS), k)
            self.dimg[s] = rng.random(k) < 0.03
            self.dprof[s] = self.dimg[s] | (rng.random(k) < 0.1)
            per_day = rng.lognormal(0.0, 0.45, k)  # heavy-tailed, but their mean is heavy_per_day
            self.bg_rate[s] = np.clip(per_day * self.scn.heavy_per_day * k / per_day.sum(), 30.0, 450.0) * days

    def _make_ids_and_handles(self) -> None:
        rng, n = self.rng, self.n
        # Account ids: old accounts have small sequential-looking ids, newer ones snowflakes.
        ids = np.zeros(n, np.int64)
        snow_from = 1288834974  # ids became snowflakes late 2010
        old = self.created < snow_from
        ids[old] = (self.created[old] - 1142899200) * 3 + np.arange(n)[old] % 3 + 10_000
        ms = self.created[~old] * 1000 + rng.integers(0, 1000, int((~old).sum()))
        ids[~old] = ((ms - _EPOCH_MS) << 22) | (np.arange(n)[~old] & 0x3FFFFF)
        # Resolve the (rare) clashes among old ids deterministically.
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        dup = np.flatnonzero(np.diff(sorted_ids) <= 0)
        while dup.size:
            sorted_ids[dup + 1] = sorted_ids[dup] + 1
            dup = np.flatnonzero(np.diff(sorted_ids) <= 0)
        ids[order] = sorted_ids
        self.ids = ids
        self.id_str = [str(x) for x in ids.tolist()]

        handles: list[str] = []
        seen: set[str] = set()
        digits = rng.integers(0, 10**9, n).tolist()
        hstyle = rng.choice(8, size=n, p=[0.2, 0.15, 0.17, 0.12, 0.08, 0.06, 0.1, 0.12]).tolist()
        ndig = rng.integers(6, 9, n).tolist()
        first, last, persona, label = (self.first.tolist(), self.last.tolist(), self.persona.tolist(),
                                       self.label.tolist())
        self.outlets = [N.outlet_name(i) for i in range(self.n_news)]
        org_head = {lo: oi for oi, (lo, _) in enumerate(self.org_ranges)}  # leader index → organisation
        orgs = self.scn.organisations
        for i in range(n):
            if i < self.n_news:
                h = self.outlets[i][1]
            elif i in org_head or i - 1 in org_head:  # an organisation's leader or official account
                org = orgs[org_head.get(i, org_head.get(i - 1, 0))]
                if org.kind == "media":
                    h = org.short if i in org_head else f"{org.short}Eng"
                elif i in org_head:
                    h = f"{N.MALE[first[i]]}{N.LAST[last[i]]}"[: 15 - len(org.short)] + org.short
                else:
                    h = f"{org.short}Official"
            elif label[i] == 0:
                names = N.FEMALE if persona[i] == P_WOMAN else N.MALE
                h = N.organic_handle(names[first[i]], N.LAST[last[i]], hstyle[i], digits[i])
            elif persona[i] == P_NEWS:
                h = N.digit_handle(N.CAMPAIGN_NEWS_NAMES[first[i]][1], digits[i], ndig[i])
            else:
                h = N.digit_handle(N.FEMALE[first[i]], digits[i], ndig[i])
            k = 0
            while h.lower() in seen:  # handles are unique, case-insensitively
                k += 1
                h = f"{h[: 15 - len(str(k))]}{k}"
            seen.add(h.lower())
            handles.append(h)
        self.handles = handles

    def account(self, i: int) -> tuple:
        """The profile of account ``i`` as a tuple of ``ACCOUNT_FIELDS``."""
        return self.accounts([i])[i]

    def accounts(self, idx: list[int]) -> dict[int, tuple]:
        """Profiles (tuples of ``ACCOUNT_FIELDS``) of the accounts ``idx``; a bounded cache keeps
        recent ones, the rest are built in one vectorised gather."""
        cache = self._acache
        out = {}
        miss = []
        for i in idx:
            rec = cache.get(i)
            if rec is None:
                miss.append(i)
            else:
                out[i] = rec
        if not miss:
            return out
        if len(cache) + len(miss) > 20_000:  # bounded: memory must not grow with the data
            cache.clear()
        m = np.array(miss, np.int64)
        org_of = self.org_of[m].tolist()
        cols = zip(miss, self.persona[m].tolist(), self.label[m].tolist(), self.style[m].tolist(),
                   (self.ids[m] // 7).tolist(), self.first[m].tolist(), self.last[m].tolist(),
                   self.bio[m].tolist(), self.loc[m].tolist(), self.lang[m].tolist(), self.created[m].tolist(),
                   self.followers[m].tolist(), self.following[m].tolist(), self.statuses[m].tolist(),
                   self.verified[m].tolist(), self.dprof[m].tolist(), self.dimg[m].tolist(), strict=False)
        n_news, id_str, handles = self.n_news, self.id_str, self.handles
        for (i, p, lab, st, r, fi, la, b, li, lg, cr, fol, fri, sts, ver, dp, di), oi in zip(cols, org_of,
                                                                                             strict=False):
            url = None
            if i < n_news:
                name, _, domain = self.outlets[i]
                desc = f"{name}: news, politics, sport and business from Pakistan since {1947 + i % 60}."
                loc = N.PLACES[li] + ", Pakistan"
                url = f"https://{domain}"
            elif oi >= 0:
                name, desc, loc, url = self._org_profile(i, oi, p, fi, la, b, li)
            elif lab == 0:
                fname = (N.FEMALE if p == P_WOMAN else N.MALE)[fi]
                lname = N.LAST[la]
                if st == 1 and fname in N.URDU:
                    name = f"{N.URDU[fname]} {N.URDU.get(lname, lname)}"
                elif st == 2:
                    name = f"{fname} {N.NICK_EMOJI[r % len(N.NICK_EMOJI)]}"
                elif st == 3:
                    name = f"{fname} {lname} {N.NICK_EMOJI[r % len(N.NICK_EMOJI)]}"
                else:
                    name = f"{fname} {lname}"
                desc = N.ORGANIC_BIOS[b] if b >= 0 else ""
                loc = N.ORGANIC_LOCATIONS[li] if li >= 0 else ""
            else:
                if p == P_NEWS:
                    name = N.CAMPAIGN_NEWS_NAMES[fi][0]
                    desc = N.CAMPAIGN_NEWS_BIOS[b % len(N.CAMPAIGN_NEWS_BIOS)]
                else:
                    fname = N.FEMALE[fi]
                    name = fname if st == 0 else f"{fname} {N.LAST[la]}"
                    desc = N.CAMPAIGN_WOMAN_BIOS[b % len(N.CAMPAIGN_WOMAN_BIOS)].format(
                        a=N.CAMPAIGN_WOMAN_A[(b // 4) % len(N.CAMPAIGN_WOMAN_A)],
                        b=N.CAMPAIGN_WOMAN_B[(b // 24) % len(N.CAMPAIGN_WOMAN_B)])
                loc = N.CAMPAIGN_LOCATIONS[li] if li >= 0 else ""
            lang_code = "ur" if lg in (1, 2) and lab == 0 else "en"
            img = ("https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png" if di else
                   f"https://pbs.twimg.com/profile_images/{1200000000000000000 + r % 10**17}/{_b62(r, 8)}_normal.jpg")
            # Likes given and list memberships: one rule from posts and followers for every account
            # (what the v1.1 and v2 writers wrote before), a placeholder adding no signal of its own.
            out[i] = cache[i] = (id_str[i], handles[i], name, desc, loc, url, lang_code, cr, fol, fri, sts, ver,
                                 dp, di, img, sts // 3, fol // 200)
        return out

    def _org_profile(self, i: int, oi: int, persona: int, fi: int, la: int, b: int, li: int
                     ) -> tuple[str, str, str, str | None]:
        """(display name, bio, location, url) of an organisation's account."""
        org = self.scn.organisations[oi]
        head = self.org_ranges[oi][0]
        fname = (N.FEMALE if persona == P_WOMAN else N.MALE)[fi]
        person = f"{fname} {N.LAST[la]}"
        place = N.PLACES[li]
        if org.kind == "media":
            if i == head:
                return org.display, f"{org.display}: breaking news, live coverage and analysis from Pakistan.", \
                    "Karachi, Pakistan", org.site
            if i == head + 1:
                return f"{org.display} English", f"The English service of {org.display}.", "Islamabad, Pakistan", \
                    org.site + "/en"
            role = ("Reporter", "Anchor", "Producer", "Correspondent")[b % 4]
            return person, f"{role} @{org.short} | {place} | Views my own", f"{place}, Pakistan", None
        if i == head:
            return person, f"Chairman, {org.display}. Official account.", "Pakistan", org.site
        if i == head + 1:
            return org.display, f"Official account of the {org.display} #{org.hashtags[0]}", "Islamabad, Pakistan", \
                org.site
        seat = (f"Member National Assembly NA-{1 + b % 266}", f"MPA PP-{1 + b % 297}",
                "Senator", f"District president {place}", "Information secretary")[b % 5]
        return person, f"{seat} | {org.display} | Views my own", f"{place}, Pakistan", None

    # ------------------------------------------------------------------ events

    def _top_k(self, candidates: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
        """k distinct candidates drawn with probability ∝ weights (Gumbel top-k), sorted."""
        k = min(k, candidates.size)
        keys = np.log(weights) - np.log(-np.log(self.rng.random(candidates.size)))
        return np.sort(candidates[np.argpartition(-keys, k - 1)[:k]]) if k else candidates[:0]

    def _special(self, kind: str, acct: int, time: int, **info: Any) -> int:
        key = len(self.specials)
        self.specials[key] = dict(kind=kind, acct=int(acct), time=int(time), **info)
        return key

    def _plan_events(self) -> None:
        rng, scn = self.rng, self.scn
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "a", "kind", "role", "ev", "ref")}

        def add(t: np.ndarray, a: np.ndarray, kind: Any, role: int, ev: Any, ref: Any) -> None:
            m = t.size
            cols["t"].append(t.astype(np.int64))
            cols["a"].append(np.asarray(a, np.int64))
            cols["kind"].append(np.broadcast_to(np.asarray(kind, np.int8), (m,)).copy())
            cols["role"].append(np.full(m, role, np.int8))
            cols["ev"].append(np.broadcast_to(np.asarray(ev, np.int32), (m,)).copy())
            cols["ref"].append(np.broadcast_to(np.asarray(ref, np.int32), (m,)).copy())

        people = np.arange(self.people_lo, self.people_hi)
        pw = self.bg_rate[people] ** 0.3
        news_order = np.argsort(-self.followers[: self.n_news], kind="stable")
        self.surge_plans: list[dict[str, Any]] = []
        self.background_tags = list(scn.background)
        for si, sg in enumerate(scn.surges):
            t0 = self.start + sg.day * 86400 + int(sg.hour * 3600)
            total = sg.share * self.target
            k = int(min(round(total / 1.45), 0.6 * people.size))
            who = self._top_k(people, pw, k)
            n_act = np.minimum(1 + rng.poisson(0.45, who.size), 3)  # each person joins a few times at most
            a = np.repeat(who, n_act)
            m = a.size
            if sg.kind == "match-surge":
                moments = np.sort(rng.integers(0, int(3.5 * 3600), 10)) + t0
                moments = np.append(moments, t0 + int(3.5 * 3600))
                w = np.append(np.ones(10), 5.0)
                viral_t = int(moments[-1]) + 20
                viral_by = int(people[np.argmax(self.followers[people])])
                mt = moments[rng.choice(moments.size, m, p=w / w.sum())]
                t_post = mt + 5 + rng.gamma(2.0, 60.0, m).astype(np.int64)
            else:
                viral_t = t0 + 180
                viral_by = int(news_order[0])
                t_post = t0 + 30 + rng.lognormal(np.log(1200), 1.1, m).astype(np.int64)
            viral = self._special("viral", viral_by, viral_t, surge=si)
            t_rt = viral_t + 1 + rng.lognormal(np.log(900), 1.2, m).astype(np.int64)
            kind = rng.choice(4, m, p=[0.6, 0.32, 0.03, 0.05]).astype(np.int8)
            t = np.where(kind == K_POST, t_post, t_rt)
            ok = t < self.end
            add(t[ok], a[ok], kind[ok], R_SURGE, si, np.where(kind[ok] == K_POST, -1, viral))
            if sg.kind == "news-surge":  # the outlets report it within minutes
                nn = self.n_news
                add(t0 + 60 + rng.integers(0, 900, nn), np.arange(nn), K_POST, R_SURGE, si, -1)
            self.surge_plans.append(dict(surge=sg, time=t0, viral=viral, participants=who))

        # Campaign instructions and their executions.
        net_index = {name: j for j, name in enumerate(self.net_names)}
        self.instr: list[_InstrPlan] = []
        exec_counts = []
        for ci, camp in enumerate(scn.campaigns):
            c_exec = 0
            for ii, ins in enumerate(camp.instructions):
                T0 = self.start + ins.day * 86400 + int(ins.hour * 3600)
                parts = []
                for name, share in ins.networks:
                    lo, hi = self.net_ranges[net_index[name]]
                    members = np.arange(lo, hi)
                    parts.append(members[rng.random(members.size) < share])
                who = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
                lo0, hi0 = self.net_ranges[net_index[ins.networks[0][0]]]
                anchors = [i for i in range(lo0, hi0) if self.persona[i] == P_NEWS] or [lo0]
                seed_by = anchors[ii % len(anchors)]
                seed = self._special("seed", seed_by, T0 - int(rng.integers(60, 300)), campaign=ci,
                                     instr=len(self.instr))
                target_by = int(news_order[(ci + ii) % min(3, self.n_news)])
                target = self._special("target", target_by, T0 - int(rng.integers(1200, 5400)), campaign=ci,
                                       instr=len(self.instr))
                mentions = list(dict.fromkeys(
                    [int(news_order[(ci + 1) % self.n_news]), int(self.popular[(ci + 3) % self.popular.size])]
                )) if ins.mentions else []
                link = f"{camp.link}-{ii + 1}" if ins.link else ""
                plan = _InstrPlan(ci, ii, T0, ins.hashtags, seed, target, link, mentions, who)
                j = len(self.instr)
                self.instr.append(plan)
                self.campaigns_of[who] |= 1 << ci
                self.campaigns_of[seed_by] |= 1 << ci
                m = who.size
                for act, p, med, sd in ((K_REPOST, 0.9, 40, 0.9), (K_POST, 0.8, 110, 0.7),
                                        (K_REPLY, 0.3, 240, 0.6), (K_QUOTE, 0.1, 300, 0.6)):
                    sel = who[rng.random(m) < p]
                    t = T0 + 1 + rng.lognormal(np.log(med), sd, sel.size).astype(np.int64)
                    ref = seed if act in (K_REPOST, K_QUOTE) else (target if act == K_REPLY else -1)
                    add(t, sel, act, R_EXEC, j, ref)
                    c_exec += sel.size
                add(np.array([self.specials[seed]["time"]]), np.array([seed_by]), K_POST, R_SPECIAL, j, seed)
                add(np.array([self.specials[target]["time"]]), np.array([target_by]), K_POST, R_SPECIAL, j, target)
            exec_counts.append(c_exec)
            # A few real people pick the campaign up ("locals are rarely involved").
            if camp.instructions:
                n_leak = max(1, round(0.04 * c_exec))
                first_j = len(self.instr) - len(camp.instructions)
                t_first = self.instr[first_j].time
                t_leak = np.sort(rng.integers(t_first + 600, self.end, n_leak))
                a_leak = people[rng.integers(0, people.size, n_leak)]
                j_leak = np.array([first_j + bisect.bisect_right([p.time for p in self.instr[first_j:]], x) - 1
                                   for x in t_leak])
                kinds = np.where(rng.random(n_leak) < 0.5, K_REPOST, K_POST).astype(np.int8)
                refs = np.array([self.instr[x].seed_key for x in j_leak])
                add(t_leak, a_leak, kinds, R_LEAK, j_leak, np.where(kinds == K_REPOST, refs, -1))
        for sp in self.surge_plans:
            s = self.specials[sp["viral"]]
            add(np.array([s["time"]]), np.array([s["acct"]]), K_POST, R_SPECIAL, 0, sp["viral"])
        self.org_plans: list[dict[str, Any]] = []
        self.live_nights: list[dict[str, Any]] = []
        self.communities: list[np.ndarray] = []
        self.drip_plans: dict[int, dict[str, Any]] = {}
        if scn.extended:
            self._plan_realistic(add, people, news_order)

        ev = {k: np.concatenate(v) for k, v in cols.items()} if cols["t"] else {k: np.zeros(0, np.int64) for k in cols}
        keep = (ev["t"] >= self.start) & (ev["t"] < self.end)
        order = np.argsort(ev["t"][keep], kind="stable")
        self.ev = {k: v[keep][order] for k, v in ev.items()}
        self._evict: tuple[np.ndarray, np.ndarray] | None = None
        if scn.extended:
            # The realistic scenario plans many posts that others retweet (a drip's posts grow with
            # --posts): keep each rendered one only until its last retweet, so memory stays flat.
            last = np.array([sp["time"] for sp in self.specials.values()], np.int64)
            refd = (self.ev["ref"] >= 0) & (self.ev["role"] != R_SPECIAL)
            np.maximum.at(last, self.ev["ref"][refd], self.ev["t"][refd])
            order = np.argsort(last, kind="stable")
            self._evict = (order, last[order])

    def _plan_chat_events(self) -> None:
        """What the campaigns' chat groups change in the posts (docs/simulator.md, "The chat groups").

        Per instruction: when the ORDER is sent (20–90 min before the executions start); for about
        half of them a text to copy, which 60 % of the instruction's own posts then use; and a
        handful of bystanders — real people who post the instruction's first hashtag in the 24 hours
        before, in their own words (3 % of the instruction's accounts, at least 3), one of them
        after the order was sent. Drawn from a stream of its own, so that every other post keeps
        its id, time and text; bystander posts carry their own id draws and are merged into their
        slice in :meth:`chunks` (``self.byst``)."""
        rng = np.random.default_rng([self.seed, CHAT_STREAM, 0])
        camps = self.scn.campaigns
        first: dict[int, tuple[int, int]] = {}  # campaign → (parity of the orders with a text, next text)
        for plan in self.instr:
            parity, nxt = first.setdefault(plan.campaign, (int(rng.integers(0, 2)), int(rng.integers(0, 100))))
            plan.order_at = plan.time - plan.time % 60 - 60 * int(rng.integers(20, 90))
            if (plan.index + parity) % 2 == 0:  # every other order gives a text, a new one each time
                texts = T.COPY_TEXTS.get(camps[plan.campaign].theme, T.COPY_TEXTS["political"])
                bank = [(lg, x) for lg in ("en", "rom") for x in texts.get(lg, ())]
                plan.copy_lang, plan.copy_text = bank[nxt % len(bank)]
                first[plan.campaign] = (parity, nxt + 1)
        # 60 % of the own posts of an instruction that gave a text copy it (ref COPY_REF).
        ev = self.ev
        own = np.flatnonzero((ev["role"] == R_EXEC) & (ev["kind"] == K_POST))
        for j, plan in enumerate(self.instr):
            if plan.copy_text:
                idx = own[ev["ev"][own] == j]
                ev["ref"][np.sort(rng.choice(idx, int(round(0.6 * idx.size)), replace=False))] = COPY_REF
        # Bystanders: real people using the hashtag before the campaign, on the home zone's day.
        people = np.arange(self.people_lo, self.people_hi)
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "a", "ev")}
        hours = np.arange(24)
        for j, plan in enumerate(self.instr):
            k = max(3, int(round(0.03 * plan.participants.size)))
            t0 = plan.time - 86400
            local = (((t0 + hours * 3600 + 1800) % 86400) / 3600 + _offset_hours(self.home_tz, t0)) % 24
            w = np.array([_profile_at(ORGANIC_PROFILE, x) for x in local.tolist()])
            t = t0 + rng.choice(24, k, p=w / w.sum()) * 3600 + rng.integers(0, 3600, k)
            # one of them between the order and the start, where a matcher looks for executions
            t[-1] = plan.order_at + int(rng.integers(60, max(61, plan.time - 600 - plan.order_at)))
            parts["t"].append(t)
            parts["a"].append(people[rng.integers(0, people.size, k)])
            parts["ev"].append(np.full(k, j))
        byst = {key: np.concatenate(v).astype(np.int64) if v else np.zeros(0, np.int64) for key, v in parts.items()}
        n = byst["t"].size
        byst["ms"] = rng.integers(0, 1000, n)
        byst["worker"] = rng.integers(0, 1024, n)
        byst["rnd"] = rng.integers(0, 2**40, (n, 4))
        keep = (byst["t"] >= self.start) & (byst["t"] < self.end)
        order = np.argsort(byst["t"][keep], kind="stable")
        self.byst = {key: v[keep][order] for key, v in byst.items()}

    def _with_bystanders(self, lo: int, hi: int, cols: dict[str, np.ndarray], pid: np.ndarray, rnd: np.ndarray,
                         pool_pick: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
        """The slice with the bystander posts ``lo:hi`` of ``self.byst`` merged in id (= time) order.
        Their ids come from their own draws; one that equals an id of the slice takes the next
        sequence number, so ids stay unique and the slice's other posts keep theirs."""
        b = self.byst
        t = b["t"][lo:hi]
        ids = ((t * 1000 + b["ms"][lo:hi] - _EPOCH_MS) << 22) | (b["worker"][lo:hi] << 12)
        taken = set(pid.tolist())
        out = []
        for x in ids.tolist():
            while x in taken:
                x += 1
            taken.add(x)
            out.append(x)
        n = hi - lo
        extra: dict[str, np.ndarray] = {"t": t, "a": b["a"][lo:hi], "kind": np.full(n, K_POST, np.int8),
                                        "role": np.full(n, R_BYST, np.int8), "ev": b["ev"][lo:hi],
                                        "ref": np.full(n, -1, np.int32)}
        all_pid = np.concatenate([pid, np.array(out, np.int64)])
        order = np.argsort(all_pid, kind="stable")
        cols = {k: np.concatenate([v, extra[k].astype(v.dtype)])[order] for k, v in cols.items()}
        rnd = np.concatenate([rnd, b["rnd"][lo:hi]])[order]
        pool_pick = np.concatenate([pool_pick, np.full(n, -1, np.int64)])[order]
        return cols, all_pid[order], rnd, pool_pick

    # ------------------------------------------------------------------ the realistic scenario's events

    def _daily_times(self, rng: np.random.Generator, count: int, tz: str, profile: np.ndarray) -> np.ndarray:
        """``count`` times over the scenario whose local hour in ``tz`` follows ``profile``, sorted."""
        hour = rng.choice(24, size=count, p=profile / profile.sum())
        day = rng.integers(0, self.scn.days, count)
        off = int(_offset_hours(tz, self.start + 43200) * 3600)
        t = day * 86400 + hour * 3600 + rng.integers(0, 3600, count) - off
        return np.sort(self.start + t % (self.scn.days * 86400))

    def _spread(self, rng: np.random.Generator, t: np.ndarray, cap: int, tz: str, profile: np.ndarray) -> np.ndarray:
        """Move events so that no aligned 10-minute spell holds more than ``cap`` of them (an
        operator's scheduler spreads a drip campaign out); returns the times, in the input order."""
        t = t.copy()
        moved = np.zeros(t.size, bool)
        for _ in range(100):
            # Within a spell, events already moved queue behind those that were there: an event in
            # a spell within the cap never moves.
            order = np.lexsort((t, moved, t // 600))
            b = t[order] // 600
            starts = np.r_[0, np.flatnonzero(np.diff(b)) + 1]
            rank = np.arange(b.size) - np.repeat(starts, np.diff(np.r_[starts, b.size]))
            over = order[rank >= cap]
            if not over.size:
                break
            t[over] = rng.permutation(self._daily_times(rng, over.size, tz, profile))
            moved[over] = True
        return t

    def _plan_realistic(self, add: Any, people: np.ndarray, news_order: np.ndarray) -> None:
        """Organisations, live-tweeted broadcasts, heavy retweeters and drip campaigns (only in
        scenarios that have them; drawn from their own random stream)."""
        rng, scn = self.rng2, self.scn
        anchors: list[tuple[np.ndarray, np.ndarray, int]] = []  # (times, special keys, organisation or -1)

        # Organisations: the leader posts; pushed posts are retweeted by many members within a minute.
        for oi, org in enumerate(scn.organisations):
            lo, hi = self.org_ranges[oi]
            members = np.arange(lo + 1, hi)  # the official account first, then the members
            times = self._daily_times(rng, int(rng.poisson(org.leader_posts * scn.days)), self.home_tz,
                                      OFFICE_PROFILE)
            keys = np.array([self._special("leader", lo, t, org=oi) for t in times.tolist()], np.int64)
            add(times, np.full(times.size, lo), K_POST, R_SPECIAL, oi, keys)
            pushed = rng.random(times.size) < org.push_share
            # Members differ: half never join a push, the others with a propensity of their own
            # (mean 1 over them; times the push's turnout): a keen core appears push after push.
            keen = np.where(rng.random(members.size) < 0.5, 0.0, 3.0 * rng.beta(0.5, 1.0, members.size))
            pushes = []
            for t, key, push in zip(times.tolist(), keys.tolist(), pushed.tolist(), strict=False):
                if push:
                    who = members[rng.random(members.size) < rng.uniform(*org.turnout) * keen]
                    if who.size == 0 or who[0] != lo + 1:
                        who = np.r_[lo + 1, who]  # the official account always amplifies
                    delay = rng.lognormal(np.log(org.delay), 0.8, who.size)
                    pushes.append((key, who.size))
                else:
                    who = members[rng.random(members.size) < 0.06]
                    delay = rng.lognormal(np.log(1800), 1.2, who.size)
                kind = np.where(rng.random(who.size) < 0.05, K_QUOTE, K_REPOST)
                add(t + 1 + delay.astype(np.int64), who, kind, R_ORG, oi, key)
            self.org_plans.append(dict(org=org, leader=lo, official=lo + 1, posts=keys, pushes=pushes))
            anchors.append((times, keys, oi))

        # Broadcasts: a community of ordinary people live-tweets the same show on several nights.
        taken = np.zeros(self.n, bool)
        for bi, (bc, k) in enumerate(zip(scn.broadcasts, self.community_sizes, strict=False)):
            cand = people[~taken[people]]
            keys_w = np.log(self.bg_rate[cand] ** 0.3) - np.log(-np.log(rng.random(cand.size)))
            community = np.sort(cand[np.argpartition(-keys_w, min(k, cand.size) - 1)[:k]])
            taken[community] = True
            self.communities.append(community)
            host = int(news_order[(1 + bi) % self.n_news])
            # Fans differ: some watch every night, some now and then (mean ``turnout``); three in
            # ten never retweet the channel, the others with a propensity of their own.
            watch = rng.beta(2 * bc.turnout, 2 * (1 - bc.turnout), community.size)
            keen = np.where(rng.random(community.size) < 0.5, 0.0,
                            np.minimum(1.0, bc.retweet_share / 0.5 * 3.0 * rng.beta(0.5, 1.0, community.size)))
            for ni, day in enumerate(bc.days):
                t0 = self.start + day * 86400 + int(bc.hour * 3600)
                span = int(bc.hours * 3600)
                night = len(self.live_nights)
                tag = bc.night_tags[ni % len(bc.night_tags)] if bc.night_tags else ""
                here = rng.random(community.size) < watch
                present, present_keen = community[here], keen[here]
                mt = t0 + np.sort(rng.integers(0, span, bc.moments))
                mt[-1] = max(int(mt[-1]), t0 + span - 300)  # the result / the last scene closes the night
                mkeys = np.array([self._special("live", host, t, broadcast=bi, night=night, moment=j,
                                                last=j == bc.moments - 1) for j, t in enumerate(mt.tolist())], np.int64)
                add(mt, np.full(mt.size, host), K_POST, R_SPECIAL, night, mkeys)
                self.live_nights.append(dict(broadcast=bi, tag=tag, time=t0, end=t0 + span, host=host,
                                             participants=present.size, moments=mkeys))
                anchors.append((mt, mkeys, -1))
                # Own posts, shortly after a moment (the last one weighs most), some as replies to it.
                a = np.repeat(present, 1 + rng.poisson(bc.posts - 1, present.size))
                w = np.ones(bc.moments)
                w[-1] = 4.0
                mi = rng.choice(bc.moments, a.size, p=w / w.sum())
                t = mt[mi] + 5 + rng.gamma(2.0, 45.0, a.size).astype(np.int64)
                reply = rng.random(a.size) < 0.08
                add(t, a, np.where(reply, K_REPLY, K_POST), R_LIVE, night, np.where(reply, mkeys[mi], -1))
                # Retweets of the moment posts, within seconds.
                pi, mj = np.nonzero(rng.random((present.size, bc.moments)) < present_keen[:, None])
                t = mt[mj] + 1 + rng.lognormal(np.log(30), 1.2, mj.size).astype(np.int64)
                add(t, present[pi], K_REPOST, R_LIVE, night, mkeys[mj])

        # Heavy retweeters also retweet the leaders' and channels' posts within a minute or two;
        # each leans to one party, whose leader's posts it retweets most.
        if self.n_heavy:
            heavy = np.arange(*self.heavy_range)
            parties = [oi for oi, o in enumerate(scn.organisations) if o.kind == "party"]
            fav = np.array(parties, np.int64)[rng.integers(0, len(parties), heavy.size)] if parties \
                else np.full(heavy.size, -2)
            self.heavy_party = fav
            for times, keys, oi in anchors:
                for h, f in zip(heavy.tolist(), fav.tolist(), strict=False):
                    p = 0.7 if oi == f else (0.35 if oi < 0 else 0.1)
                    sel = rng.random(times.size) < p
                    d = rng.lognormal(np.log(40), 1.1, int(sel.sum())).astype(np.int64)
                    add(times[sel] + 1 + d, np.full(int(sel.sum()), h), K_REPOST, R_BG, 0, keys[sel])

        # Drip campaigns: a few posts per account per day, for weeks, never a burst.
        net_index = {name: j for j, name in enumerate(self.net_names)}
        for ci, camp in enumerate(scn.campaigns):
            if camp.drip is None:
                continue
            dr = camp.drip
            j = net_index[dr.network]
            lo, hi = self.net_ranges[j]
            tz = self.net_tz[j]
            accts = np.arange(lo, hi)
            news = accts[self.persona[accts] == P_NEWS]
            hubs = (news if news.size else accts)[: max(1, dr.hubs)]
            days = scn.days
            n_hub = int(rng.poisson(hubs.size * dr.hub_posts_per_day * days))
            n_own = int(rng.poisson(accts.size * dr.posts_per_day * days))
            n_rt = int(rng.poisson(accts.size * dr.retweets_per_day * days))
            t_all = self._spread(rng, self._daily_times(rng, n_hub + n_own + n_rt, tz, OPERATOR_PROFILE),
                                 dr.spell_cap, tz, OPERATOR_PROFILE)
            t_all = rng.permutation(t_all)
            hub_t, own_t, rt_t = np.sort(t_all[:n_hub]), np.sort(t_all[n_hub: n_hub + n_own]), t_all[n_hub + n_own:]
            hub_a = hubs[rng.integers(0, hubs.size, n_hub)]
            own_a = accts[rng.integers(0, accts.size, n_own)]
            rt_a = accts[rng.integers(0, accts.size, n_rt)]
            hub_k = np.array([self._special("hub", a, t, campaign=ci)
                              for a, t in zip(hub_a.tolist(), hub_t.tolist(), strict=False)],
                             np.int64)
            own_k = np.array([self._special("drip", a, t, campaign=ci)
                              for a, t in zip(own_a.tolist(), own_t.tolist(), strict=False)],
                             np.int64)
            add(hub_t, hub_a, K_POST, R_SPECIAL, ci, hub_k)
            add(own_t, own_a, K_POST, R_SPECIAL, ci, own_k)
            # Each retweet takes a hub post (half the time) or another account's campaign post from
            # the 36 hours before it, at least ten minutes old: hours later, not in a wave.
            use_hub = rng.random(n_rt) < 0.5
            ref = np.full(n_rt, -1, np.int64)
            for mask, src_t, src_a, src_k in ((use_hub, hub_t, hub_a, hub_k), (~use_hub, own_t, own_a, own_k)):
                if not src_t.size:
                    continue
                t = rt_t[mask]
                a0 = np.searchsorted(src_t, t - 36 * 3600)
                a1 = np.searchsorted(src_t, t - 600)
                idx = a0 + (rng.random(t.size) * (a1 - a0)).astype(np.int64)
                ok = (a1 > a0) & (src_a[np.minimum(idx, src_a.size - 1)] != rt_a[mask])
                ref[np.flatnonzero(mask)[ok]] = src_k[idx[ok]]
            ok = ref >= 0
            add(rt_t[ok], rt_a[ok], K_REPOST, R_DRIP, ci, ref[ok])
            self.campaigns_of[np.unique(np.r_[hub_a, own_a, rt_a[ok]])] |= 1 << ci
            # A few real people retweet a hub post, hours later ("locals are rarely involved").
            n_leak = int(round(0.02 * (n_hub + n_own + int(ok.sum()))))
            if n_hub and n_leak:
                hi_ = rng.integers(0, n_hub, n_leak)
                t = hub_t[hi_] + rng.lognormal(np.log(4 * 3600), 1.0, n_leak).astype(np.int64)
                add(t, people[rng.integers(0, people.size, n_leak)], K_REPOST, R_BG, 0, hub_k[hi_])
            self.drip_plans[ci] = dict(hubs=hubs, hub_set=set(hubs.tolist()), accounts=accts, hub_posts=n_hub,
                                       posts=n_own, retweets=int(ok.sum()), leaks=n_leak)

    # ------------------------------------------------------------------ slices

    def slice_seconds(self) -> int:
        per_hour = self.target / (self.scn.days * 24)
        for k in (1, 2, 4, 6, 12, 30, 60):
            if per_hour / k <= 8000:
                return 3600 // k
        return 60

    def _windows(self, L: int) -> Iterator[tuple[int, int, int, int]]:
        """(slice index, start, length, part) of the time windows to render, in order.

        A slice whose scheduled events (a surge's peak minutes, which grow with ``posts``) exceed
        ``CHUNK_ROWS`` is cut into shorter parts, so that no window holds much more than one chunk.
        """
        ev_t = self.ev["t"]
        half = CHUNK_ROWS // 2
        for si, t0 in enumerate(range(self.start, self.end, L)):
            lo, hi = np.searchsorted(ev_t, [t0, t0 + L])
            if hi - lo <= half:
                yield si, t0, L, 0
                continue
            # Cut at event times so that each part holds at most about half a chunk of events.
            cuts = [int(c) for c in np.unique(ev_t[lo + half: hi: half]) if t0 < c < t0 + L]
            bounds = [t0, *cuts, t0 + L]
            for sub, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
                yield si, a, b - a, sub + 1

    def chunks(self) -> Iterator[SimChunk]:
        """Rendered posts in time order, in chunks of at most ``CHUNK_ROWS`` posts."""
        L = self.slice_seconds()
        seen = np.zeros(self.n, bool)
        pool: list[Rec] = []
        pool_w: list[float] = []
        ev = self.ev
        total_days_sec = self.scn.days * 86400
        extended = self.scn.extended
        org_of = self.org_of
        # The default scenarios yield every slice as it comes (their bytes are fixed); the
        # realistic one gathers its many small slices into chunks of at least a few thousand posts.
        min_rows = CHUNK_ROWS // 4 if extended else 0
        held: list[tuple] = []
        evicted = 0
        for si, t0, span, sub in self._windows(L):
            rng = np.random.default_rng([self.seed, 1, si, sub])
            t1 = t0 + span
            parts: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "a", "kind", "role", "ev", "ref")}
            for g in self.groups:
                if g.members.size == 0:
                    continue
                local = ((t0 + span / 2) % 86400 / 3600 + _offset_hours(g.tz, t0)) % 24
                lam = g.cum[-1] / total_days_sec * span * _profile_at(g.profile, local) / g.profile.mean()
                n = int(rng.poisson(lam))
                idx = np.searchsorted(g.cum, rng.random(n) * g.cum[-1], side="right")
                a = g.members[np.minimum(idx, g.members.size - 1)]
                parts["t"].append(t0 + rng.integers(0, span, n))
                parts["a"].append(a)
                kind = rng.choice(4, n, p=g.kind_p).astype(np.int8)
                if g.role == R_BG:
                    kind[a < self.n_news] = np.where(rng.random(int((a < self.n_news).sum())) < 0.95, K_POST, K_REPOST)
                parts["kind"].append(kind)
                parts["role"].append(np.full(n, g.role, np.int8))
                parts["ev"].append(np.zeros(n, np.int32))
                parts["ref"].append(np.full(n, -1, np.int32))
            lo, hi = np.searchsorted(ev["t"], [t0, t1])
            for k in parts:
                parts[k].append(ev[k][lo:hi])
            cols = {k: np.concatenate(v) for k, v in parts.items()}
            m = cols["t"].size
            lo_b, hi_b = np.searchsorted(self.byst["t"], [t0, t1]).tolist()
            if m == 0 and lo_b == hi_b:
                continue
            order, pid = snowflakes(cols["t"], rng.integers(0, 1000, m), rng.integers(0, 1024, m))
            cols = {k: v[order] for k, v in cols.items()}
            rnd = rng.integers(0, 2**40, (m, 4))
            # Background rows that refer to someone else's post pick it from the recent pool.
            need = (cols["ref"] < 0) & (cols["kind"] != K_POST) & (
                (cols["role"] == R_BG) | (cols["role"] == R_FILL) | (cols["role"] == R_ORG))
            pool_pick = np.full(m, -1, np.int64)
            if pool and need.any():
                cum = np.cumsum(pool_w)
                pool_pick[need] = np.minimum(np.searchsorted(cum, rng.random(int(need.sum())) * cum[-1], side="right"),
                                             len(pool) - 1)
                if extended:  # people often retweet what just came in: fresh posts, the popular first
                    fresh = np.flatnonzero(need)
                    fresh = fresh[rng.random(fresh.size) < FRESH_SHARE]
                    lo_f = max(0, len(pool) - FRESH_POOL)
                    base = cum[lo_f - 1] if lo_f else 0.0
                    u = base + rng.random(fresh.size) * (cum[-1] - base)
                    pool_pick[fresh] = np.minimum(np.searchsorted(cum, u, side="right"), len(pool) - 1)
            else:
                cols["kind"][need] = K_POST
            if hi_b > lo_b:  # real people posting a campaign's hashtag before its order
                cols, pid, rnd, pool_pick = self._with_bystanders(lo_b, hi_b, cols, pid, rnd, pool_pick)
                m = pid.size
            recs = self._render(cols, pid, rnd, pool, pool_pick)
            if extended:  # organisation members' and live-tweeters' posts get retweeted too
                new_pool = [r for r, role, kind in zip(recs, cols["role"].tolist(), cols["kind"].tolist(), strict=False)
                            if kind == K_POST and role in (R_BG, R_SURGE, R_ORG, R_LIVE)
                            and (r[1] < self.people_hi or org_of[r[1]] >= 0)]
            else:
                new_pool = [r for r, role, kind in zip(recs, cols["role"].tolist(), cols["kind"].tolist(), strict=False)
                            if kind == K_POST and role in (R_BG, R_SURGE) and r[1] < self.people_hi]
            pool.extend(new_pool)
            pool_w.extend(float(self.followers[r[1]]) ** 0.5 + 1.0 for r in new_pool)
            if len(pool) > POOL_SIZE:
                del pool[: len(pool) - POOL_SIZE]
                del pool_w[: len(pool_w) - POOL_SIZE]
            if self._evict is not None:  # forget planned posts nobody will refer to again
                keys, last = self._evict
                upto = int(np.searchsorted(last, t1, side="left"))
                for k in keys[evicted:upto].tolist():
                    self.special_recs.pop(k, None)
                    if self.specials[k]["kind"] == "drip":
                        del self.specials[k]
                evicted = max(evicted, upto)
            if min_rows:  # a long, thin scenario: gather slices so that chunks are not tiny
                held.extend(recs)
                if len(held) < min_rows:
                    continue
                recs, held = held, []
                m = len(recs)
            for lo_r in range(0, m, CHUNK_ROWS):
                yield self._chunk(recs[lo_r: lo_r + CHUNK_ROWS], seen)
        if held:
            yield self._chunk(held, seen)

    def _chunk(self, recs: list[tuple], seen: np.ndarray) -> SimChunk:
        times = np.fromiter((r[2] for r in recs), np.int64, len(recs))
        acct_list = [r[1] for r in recs]
        acct = np.array(acct_list, np.int64)
        new_accounts: list[int] = []
        first_seen: list[int] = []
        if acct.size:
            uniq, first_idx = np.unique(acct, return_index=True)
            fresh = ~seen[uniq]
            new = uniq[fresh]
            fi = first_idx[fresh]
            order = np.argsort(fi, kind="stable")
            new_accounts = new[order].tolist()
            first_seen = times[fi[order]].tolist()
            seen[new] = True
        refs: dict[str, Rec] = {r[20][0]: r[20] for r in recs if r[20] is not None}
        involved = set(acct_list)
        involved.update(r[7] for r in recs)
        involved.update(itertools.chain.from_iterable(r[12] for r in recs))
        involved.update(itertools.chain.from_iterable(o[12] for o in refs.values()))
        involved.discard(-1)
        people = self.accounts(sorted(involved))
        return SimChunk(recs, times, people, refs, new_accounts, first_seen)

    # ------------------------------------------------------------------ rendering

    def _bank(self, name: str, lang: str) -> tuple[tuple[str, ...], str]:
        """A text bank with every ``{place}`` expanded, and the language it is really in."""
        key = (name, lang)
        hit = self._banks.get(key)
        if hit is None:
            bank = getattr(T, name)
            real = lang if lang in bank else "en"
            texts: list[str] = []
            for x in bank[real]:
                texts.extend(x.replace("{place}", pl) for pl in N.PLACES) if "{place}" in x else texts.append(x)
            hit = self._banks[key] = (tuple(texts), T.LANG_CODE[real])
        return hit

    def _render(self, cols: dict[str, np.ndarray], pid: np.ndarray, rnd: np.ndarray, pool: list[Rec],  # noqa: C901 (62)
                pool_pick: np.ndarray) -> list[tuple]:
        """Texts and entities for one slice. Returns records (``Rec`` + label, trend, referenced
        rec, chat truth; see :class:`SimChunk`).

        Choices that do not depend on text (language switch, emoji, hashtags, links, mentions) are
        drawn for the whole slice with numpy; the loop only assembles strings.
        """
        out: list[tuple] = []
        a_arr = cols["a"]
        lab_arr = self.label[a_arr]
        r0, r1, r2, r3 = rnd[:, 0], rnd[:, 1], rnd[:, 2], rnd[:, 3]
        la = self.lang[a_arr].astype(np.int64)
        la = np.where(r0 % 100 < 15, (la + 1 + (r0 // 100) % 3) % 4, la)  # people switch language now and then
        la[(lab_arr > 0) & (la == 3)] = 0
        emoji = np.where(r2 % 100 < 25, (r2 // 100) % len(T.EMOJI), -1)
        h = r3 % 100
        ntags = (h < 45).astype(np.int64) + (h < 10)
        tag1 = np.searchsorted(self._bg_cum, (r3 // 100) % 10007 / 10007, side="right")
        tag2 = np.searchsorted(self._bg_cum, (r3 // 10**6) % 10007 / 10007, side="right")
        link = np.where((r2 // 1000) % 100 < 8, np.where((r2 // 10**7) % 3 > 0, 1, 2), 0)
        mention = np.where((r0 // 1000) % 100 < 6, (r0 // 10**5), -1)

        handles = self.handles
        if not self.background_tags:
            ntags[:] = 0
        net_names = self.net_names
        n_news = self.n_news
        popular = self.popular.tolist()
        npop = len(popular)
        clients = N.CLIENTS
        camps = self.scn.campaigns
        surges = self.scn.surges
        specials, special_recs = self.specials, self.special_recs
        bgtags = self.background_tags
        nbg = len(bgtags)
        norm = self._norm
        emojis = T.EMOJI
        places = N.PLACES
        langs = T.LANGS
        chatter = [self._bank("CHATTER", x) for x in langs]
        filler = [self._bank("FILLER", x) for x in langs]
        kind_names = KIND_NAMES
        times = cols["t"]
        if self.minute is not None:  # a source with times to the minute only
            times = np.where(self.minute[a_arr], times - times % 60, times)
        orgs, bcs, nights = self.scn.organisations, self.scn.broadcasts, self.live_nights
        org_of = self.org_of
        chat_roles = _CHAT_ROLES
        for t, a, kind, role, ev, ref, p, pick, l_, lab_i, r1_, r2_, r3_, em, nt, t1, t2, lk, mn, cl in zip(
                times.tolist(), a_arr.tolist(), cols["kind"].tolist(), cols["role"].tolist(),
                cols["ev"].tolist(), cols["ref"].tolist(), pid.tolist(), pool_pick.tolist(), la.tolist(),
                lab_arr.tolist(), r1.tolist(), r2.tolist(), r3.tolist(), emoji.tolist(), ntags.tolist(),
                tag1.tolist(), tag2.tolist(), link.tolist(), mention.tolist(), self.client[a_arr].tolist(),
                strict=False):
            post_id = str(p)
            lang = langs[l_]
            tags: list[str] = []
            urls: list[str] = []
            ment: list[int] = []
            orig: Rec | None = None
            lab = "organic" if lab_i == 0 else net_names[lab_i - 1]
            trend = ""
            likes = 0
            if kind == K_POST and (role in (R_BG, R_FILL)):
                if a < n_news:
                    lang = "ur" if l_ == 1 else "en"
                    text = T.pick(T.HEADLINES[lang], r1_ // 7, places[r1_ % 16])
                    urls = [self._article(a, r2_)]
                    if r3_ % 10 < 3 and nbg:
                        tags = [bgtags[min(t1, nbg - 1)]]
                else:
                    bank, lang = (filler if role == R_FILL else chatter)[l_]
                    text = bank[r1_ % len(bank)]
                    if em >= 0:
                        text = f"{text} {emojis[em]}"
                    if role == R_BG:
                        if nt:
                            tags = [bgtags[min(t1, nbg - 1)]]
                            if nt == 2 and t2 != t1:
                                tags.append(bgtags[min(t2, nbg - 1)])
                        if lk:
                            urls = [self._article((r2_ // 10**5) % n_news, r2_) if lk == 1 else self._youtube(r2_)]
                    if mn >= 0:
                        ment = [popular[mn % npop]]
                if r3_ % 1000 < 150:
                    likes = (r3_ // 1000) % 40
            elif role == R_SPECIAL:
                lang = "en"
                sp = specials[ref]
                if sp["kind"] == "seed":
                    plan = self.instr[sp["instr"]]
                    camp = camps[plan.campaign]
                    tags = list(plan.hashtags)
                    text = T.CAMPAIGN_SEEDS[camp.theme]
                    if plan.link:
                        urls = [self._utm(plan.link, camp.name, r2_)]
                    lab = camp.name
                elif sp["kind"] == "target":
                    text = T.TARGET_HEADLINES[camps[sp["campaign"]].theme]
                    urls = [self._article(a, r2_)]
                elif sp["kind"] in ("leader", "live", "hub", "drip"):
                    text, lang, tags, urls, lab = self._render_anchor(sp, a, l_, lab, r1_, r2_, r3_)
                else:
                    sg = surges[sp["surge"]]
                    tags = [sg.hashtag]
                    if sg.kind == "match-surge":
                        text = "What a finish! Pakistan win the final. Scenes! 🏏🇵🇰"
                    else:
                        text = (f"BREAKING: Strong earthquake jolts {places[10]} and adjoining areas, "
                                "tremors felt in Islamabad")
                        urls = [self._article(a, r2_)]
                likes = 50 + r3_ % 5000 if sp["kind"] != "drip" else r3_ % 6
            elif kind == K_POST:
                if role == R_SURGE:
                    sg = surges[ev]
                    if a < n_news:
                        lang = "en"
                        text = (f"Earthquake of magnitude {5 + r1_ % 15 / 10:.1f} jolts {places[10]}, "
                                f"tremors felt in {places[r1_ % 16]}")
                        urls = [self._article(a, r2_)]
                    else:
                        bank, lang = self._bank("MATCH" if sg.kind == "match-surge" else "QUAKE", lang)
                        text = bank[r1_ % len(bank)]
                        if em >= 0:
                            text = f"{text} {emojis[em]}"
                    tags = [sg.hashtag]
                    if sg.kind == "match-surge" and r3_ % 100 < 20:
                        tags.append("Cricket")
                    lab = "organic"
                elif role == R_EXEC:
                    plan = self.instr[ev]
                    camp = camps[plan.campaign]
                    text, lang = self._exec_text(plan, lang, r1_, em, ref == COPY_REF)
                    ment = list(plan.mentions)
                    tags = list(plan.hashtags)
                    if plan.link and r2_ % 100 < 70:
                        urls = [self._utm(plan.link, camp.name, r2_)]
                    lab = camp.name
                elif role == R_LIVE:  # a fan live-tweeting tonight's match or episode
                    night = nights[ev]
                    bc = bcs[night["broadcast"]]
                    bank, lang = self._bank("MATCH" if bc.kind == "sport" else "DRAMA", lang)
                    text = bank[r1_ % len(bank)]
                    if em >= 0:
                        text = f"{text} {emojis[em]}"
                    h = r3_ % 100
                    tags = [*bc.hashtags, night["tag"]] if h < 70 or not night["tag"] else (
                        list(bc.hashtags) if h < 90 else [night["tag"]])
                    trend = norm[bc.hashtags[0]]
                elif role == R_ORG:  # an organisation's member writing their own post
                    org = orgs[org_of[a]]
                    bank = T.PARTY_MEMBER if org.kind == "party" else T.MEDIA_MEMBER
                    if lang not in bank:
                        lang = "en"
                    text = T.pick(bank[lang], r1_ // 7, places[r1_ % 16])
                    lang = T.LANG_CODE[lang]
                    if r3_ % 100 < 40:
                        tags = [org.hashtags[(r3_ // 100) % len(org.hashtags)]]
                    if r2_ % 100 < (10 if org.kind == "party" else 30):
                        urls = [f"{org.site}/{'news' if org.kind == 'party' else 'story'}/{r2_ % 10**7}"]
                    if (r1_ // 1000) % 100 < 10:
                        ment = [self.org_ranges[org_of[a]][0]]  # mentions the leader
                elif role == R_BYST:  # a real person using the hashtag before the campaign pushes it
                    plan = self.instr[ev]
                    text, lang = self._bystander_text(plan, lang, r1_)
                    tags = [plan.hashtags[0]]
                    lab = "organic"
                else:  # R_LEAK: a real person uses the campaign's first hashtag
                    bank, lang = chatter[l_]
                    text = bank[r1_ % len(bank)]
                    tags = [self.instr[ev].hashtags[0]]
                    lab = "organic"
                if r3_ % 1000 < 150:
                    likes = (r3_ // 1000) % 40
            else:
                if ref >= 0:
                    orig = special_recs.get(ref)
                if orig is None and pick >= 0:
                    orig = pool[pick]
                if orig is None:  # nothing to refer to yet: a plain post instead
                    kind = K_POST
                    bank, lang = chatter[l_]
                    text = bank[r1_ % len(bank)]
                else:
                    oh = handles[orig[1]]
                    if kind == K_REPOST:
                        text = f"RT @{oh}: {orig[4]}"
                        if len(text) > 140:  # the platform cuts retweet text at 140 characters
                            text = text[:139] + "…"
                        tags = orig[9]
                        urls = orig[10]
                        ment = [orig[1], *orig[12]]
                        lang = orig[5]
                    else:
                        if role == R_EXEC:
                            plan = self.instr[ev]
                            by_lang = (T.CAMPAIGN_REPLIES if kind == K_REPLY else T.CAMPAIGN_QUOTES)
                            if lang not in by_lang:
                                lang = "en"
                            b = by_lang[lang]
                            text = b[r1_ % len(b)] + T.SUFFIX[(r1_ // 7) % len(T.SUFFIX)]
                            tags = list(plan.hashtags)
                        elif role == R_ORG and kind == K_QUOTE:  # a member quoting the leader
                            org = orgs[org_of[a]]
                            b = T.ORG_QUOTES[org.kind]
                            text = b[r1_ % len(b)]
                            lang = "en"
                            tags = [org.hashtags[0]]
                        else:
                            by_lang = (T.REPLIES if kind == K_REPLY else T.QUOTES)
                            if lang not in by_lang:
                                lang = "en"
                            b = by_lang[lang]
                            text = b[r1_ % len(b)]
                            if role == R_SURGE:
                                tags = [surges[ev].hashtag]
                            elif role == R_LIVE:
                                tags = list(bcs[nights[ev]["broadcast"]].hashtags)
                            elif role == R_BG and r3_ % 100 < 15:
                                tags = [bgtags[min(t1, nbg - 1)]]
                        lang = T.LANG_CODE[lang]
                        if kind == K_REPLY:
                            text = f"@{oh} {text}"
                            ment = [orig[1]]
                    if role == R_EXEC:
                        lab = camps[self.instr[ev].campaign].name
                    elif role in (R_SURGE, R_LEAK):
                        lab = "organic"
                    elif role == R_DRIP:
                        lab = camps[ev].name
                if role == R_SURGE:
                    trend = norm[surges[ev].hashtag]
                elif role in (R_EXEC, R_LEAK):
                    trend = norm[self.instr[ev].hashtags[0]]
                elif role == R_LIVE:
                    trend = norm[bcs[nights[ev]["broadcast"]].hashtags[0]]
            # Assemble the text: mentions first, hashtags and links last.
            if ment and kind == K_POST and role != R_SPECIAL:
                text = " ".join(["@" + handles[x] for x in ment] + [text])
            if tags and kind != K_REPOST:
                text = f"{text} {' '.join(['#' + x for x in tags])}"
                if not trend:
                    trend = norm[tags[0]]
            elif tags and not trend:
                trend = norm[tags[0]]
            if kind == K_REPOST:
                tco = orig[11] if orig is not None else []
            elif urls:
                tco = [f"https://t.co/{_b62(r2_ * 7919 + k * 104729 + p, 10)}" for k in range(len(urls))]
                text = f"{text} {' '.join(tco)}"
            else:
                tco = []
            # The last field says what the chat truth lists the post as (labels/chat_*.csv).
            rec = (post_id, a, t, kind_names[kind], text, lang, orig[0] if orig else None,
                   orig[1] if orig else -1, orig[0] if (orig and kind == K_REPLY) else None, tags, urls, tco, ment,
                   clients[cl], likes, 0, 0, 0, lab, trend, orig,
                   (chat_roles[role], ev, ref == COPY_REF) if role in chat_roles else None)
            if role == R_SPECIAL:
                special_recs[ref] = rec[:18]
                specials[ref]["post_id"] = post_id
            out.append(rec)
        return out

    def _exec_text(self, plan: _InstrPlan, lang: str, r1: int, em: int, copy: bool) -> tuple[str, str]:
        """(text, lang) of an instruction's own post: its campaign's template with word swaps, or
        (``copy``) the text the chat order gave, verbatim, an emoji at most added."""
        if copy:
            return (plan.copy_text if em < 0 else f"{plan.copy_text} {T.EMOJI[em]}"), T.LANG_CODE[plan.copy_lang]
        bank = T.CAMPAIGN_TEMPLATES[self.scn.campaigns[plan.campaign].theme]
        if lang not in bank:
            lang = "en"
        tpls = bank[lang]
        return T.fill(tpls[plan.index % len(tpls)], r1), T.LANG_CODE[lang]

    def _bystander_text(self, plan: _InstrPlan, lang: str, r1: int) -> tuple[str, str]:
        """(text, lang) of a bystander's post about the instruction's first hashtag, in their own
        words (the cost of living for a hijacked organic hashtag)."""
        camp = self.scn.campaigns[plan.campaign]
        by = T.BYSTANDER.get("hijacked" if plan.hashtags[0] in camp.hijacks else camp.theme, T.BYSTANDER["political"])
        if lang not in by:
            lang = "en"
        return by[lang][r1 % len(by[lang])], T.LANG_CODE[lang]

    def _render_anchor(self, sp: dict[str, Any], a: int, l_: int, lab: str, r1: int, r2: int, r3: int
                       ) -> tuple[str, str, list[str], list[str], str]:
        """(text, lang, hashtags, urls, label) of a planned post of the realistic scenario: a
        leader's post, a broadcast moment, a drip campaign's hub post or an account's drip post."""
        kind = sp["kind"]
        places = N.PLACES
        if kind == "leader":
            org = self.scn.organisations[sp["org"]]
            if org.kind == "media":
                text = T.pick(T.HEADLINES["en"], r1 // 7, places[r1 % 16])
                tags = [org.hashtags[0]] if r3 % 100 < 20 else []
                return text, "en", tags, [f"{org.site}/story/{r2 % 10**7}"], lab
            lang = "ur" if r1 % 4 == 0 else "en"
            text = T.pick(T.PARTY_LEADER[lang], r1 // 7, places[r1 % 16])
            tags = [org.hashtags[(r3 // 100) % len(org.hashtags)]] if r3 % 100 < 45 else []
            urls = [f"{org.site}/news/{r2 % 10**7}"] if r2 % 100 < 25 else []
            return text, lang, tags, urls, lab
        if kind == "live":
            bc = self.scn.broadcasts[sp["broadcast"]]
            bank: tuple[str, ...] = T.SPORT_MOMENTS if bc.kind == "sport" else T.DRAMA_MOMENTS
            text = bank[-1] if sp["last"] else bank[(sp["moment"] + r1) % (len(bank) - 1)]
            tag = self.live_nights[sp["night"]]["tag"]
            return text, "en", [*bc.hashtags, tag] if tag else list(bc.hashtags), [], lab
        camp = self.scn.campaigns[sp["campaign"]]
        hs: tuple[str, ...] = tuple(camp.drip.hashtags) if camp.drip else ()
        if kind == "hub":
            bank = T.HUB_POSTS[camp.theme]
            tags = [hs[0], hs[1 + r3 % (len(hs) - 1)]] if len(hs) > 1 else list(hs)
            return bank[r1 % len(bank)], "en", tags, [self._utm(camp.link, camp.name, r2)], camp.name
        banks = T.CAMPAIGN_TEMPLATES[camp.theme]
        lang = T.LANGS[l_]
        if lang not in banks:
            lang = "en"
        tpls = banks[lang]
        text = T.fill(tpls[r1 % len(tpls)], r1 // len(tpls))
        tags = [hs[r3 % len(hs)]] if hs else []
        if hs and (r3 // 7) % 2:
            tags.append(hs[(r3 + 1) % len(hs)])
        urls = [self._utm(camp.link, camp.name, r2)] if r2 % 100 < 30 else []
        return text, T.LANG_CODE[lang], tags, urls, camp.name

    def _article(self, outlet: int, r: int) -> str:
        domain = self.outlets[outlet % max(self.n_news, 1)][2]
        section = ("pakistan", "world", "sport", "business", "opinion")[r % 5]
        return f"https://{domain}/{section}/2025/03/{(r // 5) % 10**7}"

    def _youtube(self, r: int) -> str:
        return f"https://www.youtube.com/watch?v={_b62(r, 11)}"

    def _utm(self, link: str, campaign: str, r: int) -> str:
        # Every operator gets a differently tagged copy of the same link.
        return (f"{link}?utm_source=twitter&utm_medium=social&utm_campaign={campaign}"
                f"&utm_content={r % 1_000_003:06d}")

    # ------------------------------------------------------------------ truth

    def campaign_names(self, i: int) -> list[str]:
        mask = int(self.campaigns_of[i])
        return [c.name for ci, c in enumerate(self.scn.campaigns) if mask >> ci & 1]

    def account_label(self, i: int) -> str:
        lab = int(self.label[i])
        return "organic" if lab == 0 else self.net_names[lab - 1]

    def account_tz(self, i: int) -> str:
        lab = int(self.label[i])
        return self.home_tz if lab == 0 else self.net_tz[lab - 1]

    def trends(self) -> list[tuple[str, str, str, str]]:
        """(trend, truth, campaign, kind) for every hashtag the scenario uses."""
        rows: dict[str, tuple[str, str, str, str]] = {}
        for tag in self.scn.background:
            rows[normalize_hashtag(tag)] = (normalize_hashtag(tag), "organic", "", "background")
        for sg in self.scn.surges:
            rows[normalize_hashtag(sg.hashtag)] = (normalize_hashtag(sg.hashtag), "organic", "", sg.kind)
        for c in self.scn.campaigns:
            for ins in c.instructions:
                for tag in ins.hashtags:
                    n = normalize_hashtag(tag)
                    if tag in c.hijacks or n in rows and rows[n][1] == "organic":
                        rows[n] = (n, "mixed", c.name, "hijacked")
                    elif n not in rows:
                        rows[n] = (n, "manufactured", c.name, "campaign")
        for o in self.scn.organisations:
            for tag in o.hashtags:
                rows.setdefault(normalize_hashtag(tag), (normalize_hashtag(tag), "organic", "", "organisation"))
        for b in self.scn.broadcasts:
            for tag in (*b.hashtags, *b.night_tags):
                rows.setdefault(normalize_hashtag(tag), (normalize_hashtag(tag), "organic", "", "live-event"))
        for c in self.scn.campaigns:
            for tag in c.drip.hashtags if c.drip else ():
                n = normalize_hashtag(tag)
                if n in rows and rows[n][1] == "organic":
                    rows[n] = (n, "mixed", c.name, "hijacked")
                elif n not in rows:
                    rows[n] = (n, "manufactured", c.name, "drip-campaign")
        return list(rows.values())

    def account_group(self, i: int) -> str:
        """The account's part in the realistic scenario: ``organisation:<name>``,
        ``community:<name>``, ``heavy-retweeter``, ``drip-hub:<campaign>`` or empty."""
        oi = int(self.org_of[i])
        if oi >= 0:
            return f"organisation:{self.scn.organisations[oi].name}"
        if self.heavy_range[0] <= i < self.heavy_range[1]:
            return "heavy-retweeter"
        for bc, members in zip(self.scn.broadcasts, self.communities, strict=False):
            k = int(np.searchsorted(members, i))
            if k < members.size and members[k] == i:
                return f"community:{bc.name}"
        for ci, plan in self.drip_plans.items():
            if i in plan["hub_set"]:
                return f"drip-hub:{self.scn.campaigns[ci].name}"
        return ""

    def account_times(self, i: int) -> str:
        """``minutes`` when the account's source records times to the minute only, else ``seconds``."""
        return "minutes" if self.minute is not None and self.minute[i] else "seconds"

    def truth(self, counts: dict[str, Any], fmt: str, chats: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The ground truth as a JSON-able dict (see docs/simulator.md); ``chats``: the chat groups
        written (file, campaign, clock...), listed as they are."""

        def iso(ts: int) -> str:
            return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        camps = []
        for ci, c in enumerate(self.scn.campaigns):
            instrs = []
            for j, plan in enumerate(self.instr):
                if plan.campaign != ci:
                    continue
                instrs.append(dict(
                    instruction=j, time=iso(plan.time), hashtags=[normalize_hashtag(h) for h in plan.hashtags],
                    seed_post_id=self.specials[plan.seed_key].get("post_id"),
                    seed_account_id=self.id_str[self.specials[plan.seed_key]["acct"]],
                    reply_target_post_id=self.specials[plan.target_key].get("post_id"),
                    link=plan.link and normalize_url(plan.link),
                    mentions=[self.handles[m].lower() for m in plan.mentions],
                    accounts=int(plan.participants.size), order_sent=iso(plan.order_at),
                    copy_text=plan.copy_text))
            tags = []
            for ins in c.instructions:
                for h in ins.hashtags:
                    if normalize_hashtag(h) not in tags:
                        tags.append(normalize_hashtag(h))
            nets = sorted({n for ins in c.instructions for n, _ in ins.networks})
            camp: dict[str, Any] = dict(name=c.name, theme=c.theme, networks=nets, trends=tags,
                        hijacked=[normalize_hashtag(h) for h in c.hijacks], instructions=instrs)
            if c.drip is not None:
                drip = self.drip_plans.get(ci, {})
                camp["networks"] = sorted({*nets, c.drip.network})
                camp["trends"] = list(dict.fromkeys([*tags, *(normalize_hashtag(h) for h in c.drip.hashtags)]))
                camp["drip"] = dict(
                    network=c.drip.network, link=normalize_url(c.link),
                    hub_accounts=[self.id_str[i] for i in drip.get("hubs", [])],
                    accounts=len(drip.get("accounts", [])), hub_posts=drip.get("hub_posts", 0),
                    posts=drip.get("posts", 0), retweets=drip.get("retweets", 0), leaks=drip.get("leaks", 0),
                    spell_cap=c.drip.spell_cap)
            camps.append(camp)
        reused = [self.id_str[i] for i in np.flatnonzero(
            np.array([bin(int(x)).count("1") for x in self.campaigns_of]) >= 2).tolist()]
        return dict(
            scenario=self.scn.name, seed=self.seed, format=fmt, home_tz=self.home_tz,
            start=iso(self.start), end=iso(self.end), counts=counts,
            networks=[dict(name=name, tz=tz, accounts=hi - lo,
                           batches=[dict(id=b, start=iso(s0), end=iso(s1)) for b, (s0, s1) in
                                    zip(self.batch_names, self.batch_spans, strict=False) if b.startswith(name + "-b")])
                      for name, tz, (lo, hi) in zip(self.net_names, self.net_tz, self.net_ranges, strict=False)],
            operator_time_zones={name: tz for name, tz in zip(self.net_names, self.net_tz, strict=False)},
            campaigns=camps,
            surges=[dict(name=sp["surge"].name, kind=sp["surge"].kind, trend=normalize_hashtag(sp["surge"].hashtag),
                         time=iso(sp["time"]), viral_post_id=self.specials[sp["viral"]].get("post_id"),
                         participants=int(sp["participants"].size)) for sp in self.surge_plans],
            reused_accounts=reused,
            chats=chats or [],
            **self._truth_extended(iso),
        )

    def _truth_extended(self, iso: Any) -> dict[str, Any]:
        """The realistic scenario's parts in ``truth.json`` (nothing for the other scenarios)."""
        scn = self.scn
        out: dict[str, Any] = {}
        if scn.organisations:
            orgs = []
            for plan in self.org_plans:
                org = plan["org"]
                lo, hi = self.org_ranges[scn.organisations.index(org)]
                orgs.append(dict(
                    name=org.name, kind=org.kind, display_name=org.display, truth="organic",
                    hashtags=[normalize_hashtag(h) for h in org.hashtags],
                    leader_account_id=self.id_str[plan["leader"]], official_account_id=self.id_str[plan["official"]],
                    accounts=hi - lo, leader_posts=int(plan["posts"].size),
                    pushed_posts=[dict(post_id=self.specials[k].get("post_id"), time=iso(self.specials[k]["time"]),
                                       retweeters=n) for k, n in plan["pushes"]]))
            out["organisations"] = orgs
        if scn.broadcasts:
            out["broadcasts"] = [dict(
                name=bc.name, kind=bc.kind, truth="organic", hashtags=[normalize_hashtag(h) for h in bc.hashtags],
                community=int(members.size),
                nights=[dict(time=iso(n["time"]), end=iso(n["end"]),
                             tag=normalize_hashtag(n["tag"]) if n["tag"] else "",
                             host_account_id=self.id_str[n["host"]], participants=int(n["participants"]),
                             moment_post_ids=[self.specials[k].get("post_id") for k in n["moments"].tolist()])
                        for n in self.live_nights if n["broadcast"] == bi])
                for bi, (bc, members) in enumerate(zip(scn.broadcasts, self.communities, strict=False))]
        if self.n_heavy:
            out["heavy_retweeters"] = [self.id_str[i] for i in range(*self.heavy_range)]
        if self.minute is not None:
            out["time_resolution"] = dict(minute_share=scn.minute_share, minute_accounts=int(self.minute.sum()),
                                          file_suffix=MINUTE_SUFFIX)
        return out
