"""Which chat messages are orders, and what they order: small named rules, each documented.

A message is an **order** when it names at least one *target* and gives a *command*:

targets
  ``target:hashtag``  a hashtag to push (``#PakistanZindabad``);
  ``target:link``     a link to share, repost, quote or reply to (any ``http(s)://`` address, and
                      link entities a Telegram export keeps apart from the text);
  ``target:text``     a text to copy: a quoted passage of at least :data:`MIN_TEXT_WORDS` words
                      (``"..."``, ``“...”``, ``«...»``, ``„...“``), or what follows a copy cue
                      (``copy:``, ``copy this text:``, ``copy karo:``, ``text:``, ``ye likho:``).
command
  ``cue:imperative``  an order verb in English or Roman Urdu (post, tweet, trend, retweet, RT,
                      reply, comment, quote, copy, paste, share, push, use, start, karo, karein,
                      karna hai, chalana, lagao, zaroor...);
  ``time:*``          an instructed time (below): "at 4 pm, #X" is an order even without a verb.

Not orders: a message that ends with a question mark ("kya #X pe tweet karna hai?"), and
messages with a target but no command ("#X top pe hai", "dekho ye khabar https://...", praise after
the fact). Addressing the group ("everyone", "sab log") is not a command by itself.

times (``Order.at``; local, on the chat's clock, resolved against the message's own time)
  ``time:clock``   ``16:00``, ``16.00``, ``4:30 PM``, ``09:00`` (a zero-padded or 13-23 hour is a
                   24-hour clock);
  ``time:ampm``    ``4 pm``, ``4pm``, ``9 p.m.``;
  ``time:baje``    ``4 baje``, ``raat 9 baje``, ``sawa 4`` (+15 min), ``saade 4`` (+30), ``pone 5`` (-15);
  ``time:at``      ``at 9``, ``at 10 o'clock``;
  an hour written without am/pm (``4 baje``, ``at 9``, ``4:30``) takes the part of the day a word
  names: ``raat``/``tonight``/``night``/``shaam``/``evening``/``dopahar``/``afternoon`` → pm,
  ``subah``/``morning`` → am; with no such word, 1-7 are read as pm (campaign hours), 8-11 as the
  next of the two after the message, 12 as noon (``raat 12 baje``: midnight);
  ``time:tomorrow`` (``kal``, ``tomorrow``) moves it to the next day; otherwise a time more than
  :data:`GRACE` before the message means the next day ("at 4 pm" sent at 16:05 is still today).
counts (``Order.min_count``)
  ``count:at-least``  ``at least 3``, ``minimum 5``, ``min 5``, ``kam az kam 3``, ``kam se kam 3``;
  ``count:each``      ``3 tweets each``, ``3-3 tweets``, ``5 posts per account``, ``har banda 5``.

``tests/test_chats_rules.py`` holds one case per rule and the messages the rules must leave alone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from trendtrace.model import hashtags_in, normalize_hashtag, normalize_url, urls_in

from .model import Order

__all__ = ["extract_order", "status_id", "RULES", "MIN_TEXT_WORDS", "GRACE"]

#: A quoted passage shorter than this (in words) is not a text to copy ("ok", "jeet").
MIN_TEXT_WORDS = 5
#: An instructed time this long before the message still means today.
GRACE = timedelta(minutes=15)

#: Rule name -> what it reads (docs/chats.md; every fired rule is named in ``Order.rules``).
RULES: dict[str, str] = {
    "target:hashtag": "a hashtag to push",
    "target:link": "a link to share, repost, quote or reply to",
    "target:text": f"a text to copy: a quoted passage of {MIN_TEXT_WORDS}+ words, or what follows 'copy:'",
    "cue:imperative": "an order verb (post, tweet, trend, RT, reply, copy, karo, karein, karna hai...)",
    "time:clock": "a clock time: 16:00, 4:30 PM",
    "time:ampm": "an hour with am/pm: 4 pm, 9 p.m.",
    "time:baje": "Roman Urdu o'clock: 4 baje, raat 9 baje, saade 4 baje",
    "time:at": "'at 9', 'at 10 o'clock'",
    "time:tomorrow": "kal / tomorrow: the next day",
    "count:at-least": "at least N, minimum N, kam az kam N",
    "count:each": "N tweets each, N posts per account, har banda N",
}

_I = re.IGNORECASE
_CUE = re.compile(
    r"\b(?:post|posts|tweet|tweets|tweeting|trend|retweet|retweets|rt|reply|replies|comment|comments|quote|"
    r"copy|paste|share|push|use|start|like|karo|karein|karen|kren|kro|krein|karna|krna|karni|krni|kare|"
    r"chalana|chalao|chalayen|lagao|lagayen|zaroor|zarur|jaldi)\b", _I)
_QUESTION_END = re.compile(r"\?[\s\W]*$")
_QUOTED = re.compile(r"[\"“«„]([^\"“”«»„]{3,}?)[\"”»“]")
_COPY_CUE = re.compile(
    r"(?:\bcopy(?:[\s-]*paste)?(?:\s+(?:this|karo|karein|kren|kro))?(?:\s+(?:text|tweet))?|\btext|"
    r"\bye\s+likho|\bis\s+text\s+ko\s+copy\s+karo)\s*:\s*(.+)$", _I | re.S)
_STATUS = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:i/web|[^/?#]+)/status(?:es)?/(\d{1,25})",
                     _I)
# times: the clock with optional am/pm; an hour with am/pm; "N baje" with words around it; "at N"
_CLOCK = re.compile(r"(?<![\w/.:])(\d{1,2})[:.]([0-5]\d)(?![\w/:]|\.\d)(?:\s*([ap])\.?\s?m\b\.?)?", _I)
_AMPM = re.compile(r"(?<![\w/.:])(\d{1,2})\s*([ap])\.?\s?m\b\.?", _I)
_BAJE = re.compile(r"\b(?:(sawa|saade|sarhe|pone|paune)\s+)?(\d{1,2})\s*(?:bajay|baje|bje|bajey)\b", _I)
_AT = re.compile(r"\bat\s+(\d{1,2})(?:\s*o'?\s?clock)?\b(?![:.]\d)(?!\s*(?:%|tweets?|posts?|[ap]\.?\s?m))", _I)
_PM_WORDS = re.compile(r"\b(?:raat|rat|tonight|night|shaam|sham|evening|dopahar|dopehar|afternoon)\b", _I)
_AM_WORDS = re.compile(r"\b(?:subah|subha|morning)\b", _I)
_MIDNIGHT_WORDS = re.compile(r"\b(?:raat|rat|tonight|night)\b", _I)
_TOMORROW = re.compile(r"\b(?:kal|tomorrow|tmrw)\b", _I)
_AT_LEAST = re.compile(r"\b(?:at\s+least|minimum|min\.?|kam\s+az\s+kam|kam\s+se\s+kam|kamaz\s*kam)\s*(\d{1,3})\b", _I)
_EACH = re.compile(
    r"\b(\d{1,3})(?:\s*-\s*\d{1,3})?\s*(?:tweets?|posts?|retweets?|replies|comments?)\s*"
    r"(?:each|per\s+(?:account|person|member|head)|har\s+(?:banda|account|member|koi))\b"
    r"|\bhar\s+(?:banda|account|member|koi)\s+(?:se\s+)?(\d{1,3})\b"
    r"|\b(\d{1,3})\s*-\s*\3\s*(?:tweets?|posts?)\b", _I)


def status_id(url: str) -> str | None:
    """The post id of an X/Twitter status link (``https://x.com/handle/status/123?s=20`` → ``"123"``),
    else None."""
    m = _STATUS.match(url.strip())
    return m.group(1) if m else None


def _words(text: str) -> list[str]:
    """Words of a passage that are not hashtags, mentions or links."""
    return [w for w in re.split(r"\s+", text) if w and not w.startswith(("#", "＃", "@", "http://", "https://"))
            and any(c.isalnum() for c in w)]


def _texts(text: str) -> list[str]:
    """Texts to copy: quoted passages of MIN_TEXT_WORDS+ words, else what follows a copy cue."""
    found = [q.strip() for q in _QUOTED.findall(text) if len(_words(q)) >= MIN_TEXT_WORDS]
    if found:
        return list(dict.fromkeys(found))
    m = _COPY_CUE.search(text)
    if m:
        rest = m.group(1).strip().strip("\"“”«»„'").strip()
        if len(_words(rest)) >= 3:
            return [rest]
    return []


def _hour(h: int, minute: int, half: str | None, text: str, sent: datetime) -> tuple[int, int] | None:
    """The 24-hour (hour, minute) of an hour written ``h`` with ``half`` ("a"/"p"/None)."""
    if not (0 <= h <= 24 and 0 <= minute < 60):
        return None
    if half:
        if not 1 <= h <= 12:
            return None
        return (h % 12 + (12 if half.lower() == "p" else 0), minute)
    if h >= 13 or h == 0:
        return (h % 24, minute)
    if h == 12:
        return (0 if _MIDNIGHT_WORDS.search(text) else 12, minute)
    if _PM_WORDS.search(text):
        return (h + 12, minute)
    if _AM_WORDS.search(text):
        return (h, minute)
    if h <= 7:
        return (h + 12, minute)
    # 8-11: whichever of the two comes next after the message
    am = sent.replace(hour=h, minute=minute, second=0, microsecond=0)
    return (h, minute) if am >= sent - GRACE else (h + 12, minute)


def _time(text: str, sent: datetime) -> tuple[datetime | None, list[str]]:
    """The instructed time and the rules that read it."""
    hm: tuple[int, int] | None = None
    rule = ""
    for m in _CLOCK.finditer(text):
        h, minute, half = int(m.group(1)), int(m.group(2)), m.group(3)
        if m.group(1).startswith("0") and not half:
            hm = (h, minute) if h < 24 else None
        else:
            hm = _hour(h, minute, half, text, sent)
        if hm:
            rule = "time:clock"
            break
    if hm is None:
        for m in _AMPM.finditer(text):
            hm = _hour(int(m.group(1)), 0, m.group(2), text, sent)
            if hm:
                rule = "time:ampm"
                break
    if hm is None:
        b = _BAJE.search(text)
        if b:
            h, minute, mod = int(b.group(2)), 0, (b.group(1) or "").lower()
            if mod == "sawa":
                minute = 15
            elif mod in ("saade", "sarhe"):
                minute = 30
            elif mod in ("pone", "paune"):
                h, minute = h - 1, 45
            h = 12 if h == 0 else h
            hm = _hour(h, minute, None, text, sent) if 1 <= h <= 24 else None
            rule = "time:baje" if hm else ""
    if hm is None:
        a = _AT.search(text)
        if a:
            hm = _hour(int(a.group(1)), 0, None, text, sent)
            rule = "time:at" if hm else ""
    if hm is None:
        return None, []
    rules = [rule]
    at = sent.replace(hour=hm[0], minute=hm[1], second=0, microsecond=0)
    if _TOMORROW.search(text):
        rules.append("time:tomorrow")
        return at + timedelta(days=1), rules
    if at < sent - GRACE:
        at += timedelta(days=1)
    return at, rules


def _count(text: str) -> tuple[int | None, list[str]]:
    m = _AT_LEAST.search(text)
    if m and 0 < int(m.group(1)) <= 500:
        return int(m.group(1)), ["count:at-least"]
    e = _EACH.search(text)
    if e:
        n = int(e.group(1) or e.group(2) or e.group(3))
        if 0 < n <= 500:
            return n, ["count:each"]
    return None, []


def extract_order(text: str, sent: datetime, links: tuple[str, ...] = ()) -> Order | None:
    """The order that the message ``text`` sent at ``sent`` (naive local time) gives, or None when it
    gives none (module doc). ``links``: link targets not visible in the text (Telegram entities)."""
    if not text or not text.strip():
        return None
    text = text.replace("\u200e", "").replace("\u200f", "").replace("\u202f", " ").replace("\xa0", " ")
    if _QUESTION_END.search(text):
        return None
    rules: list[str] = []
    tags = tuple(dict.fromkeys(t for t in (normalize_hashtag(h) for h in hashtags_in(text)) if t))
    urls = tuple(dict.fromkeys(normalize_url(u) for u in [*urls_in(text), *links] if u))
    texts = tuple(_texts(text))
    rules += [r for r, on in (("target:hashtag", tags), ("target:link", urls), ("target:text", texts)) if on]
    if not rules:
        return None
    # times and counts are read without the links (a status id is no time, a path no count)
    bare = re.sub(r"https?://\S+", " ", text)
    cue = bool(_CUE.search(re.sub(r"[#＃]\w+", " ", bare)))
    at, time_rules = _time(bare, sent)
    if not cue and at is None:
        return None
    if cue:
        rules.append("cue:imperative")
    count, count_rules = _count(bare)
    return Order(hashtags=tags, texts=texts, links=urls, at=at, min_count=count,
                 rules=tuple(rules + time_rules + count_rules))
