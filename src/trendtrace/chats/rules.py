"""Which chat messages are orders, and what they order: a table of small named rules.

A message is an **order** when it names at least one *target* (a hashtag, a link, or a text to
copy) **and** gives a *cue* (an order verb, a call for action, the group addressed, an instructed
time, or a count asked of each member), unless the cue is cancelled (a question, or a report or
praise with no order verb). :func:`extract_order` returns what the order asks as an
:class:`~trendtrace.chats.model.Order` and names every rule that fired in ``Order.rules``, so that
each row can say why it counted.

Every rule is listed in :data:`RULES` and documented with examples in ``docs/chats-rules.md``; the
families are

``target:*``  what to push: hashtags, links, texts to copy (:func:`_targets`);
``cue:*``     why it is an order: ``cue:imperative`` (an order verb), ``cue:urgent`` (please,
              zaroor, jaldi), ``cue:address`` ("Everyone:", "sab log", "har banda");
``time:*``    when (``Order.at``): readers of a clock, am/pm, ``baje``, ``at 9``, noon and midnight,
              then how the hour was placed in the day and on which day;
``count:*``   how many posts each (``Order.min_count``); "at least 3", "3 each" are cues too;
``veto:*``    what cancels cues (never in ``Order.rules``: a vetoed message is no order).

The rules read Roman Urdu and English, and a few Urdu-script words and digits. They are simple and
transparent on purpose: read the message before relying on a row.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from trendtrace.model import hashtags_in, normalize_hashtag, normalize_url, urls_in

from .model import Order

__all__ = ["extract_order", "status_id", "RULES", "MIN_TEXT_WORDS", "MIN_CUE_WORDS", "MAX_COUNT", "GRACE"]

#: A quoted passage shorter than this (in words with a letter; hashtags, mentions and links do not
#: count) is not a text to copy ("ok", "Pakistan Zindabad").
MIN_TEXT_WORDS = 5
#: After an explicit copy cue ("copy karo:", "text:") two such words are enough.
MIN_CUE_WORDS = 2
#: A count above this is a goal for the whole group ("at least 5000 tweets"), not per account: ignored.
MAX_COUNT = 100
#: An instructed time this long before the message still means today ("at 4 pm" sent at 16:05).
GRACE = timedelta(minutes=15)

#: Rule name -> what it reads. The names fired for a message are ``Order.rules``; ``veto:*`` rules
#: cancel cues and so never appear there. Examples for each: ``docs/chats-rules.md``.
RULES: dict[str, str] = {
    "target:hashtag": "a hashtag in the message (#X), normalised: a hashtag to push",
    "target:link": "a link in the text (http(s)://, www., x.com/...) or a Telegram link entity: to share, RT, reply",
    "target:text": f"a text to copy: a quoted passage of {MIN_TEXT_WORDS}+ words, or what follows a copy cue "
                   "('copy karo:', 'copy this text:', 'text:', 'ye likho:')",
    "cue:imperative": "an order verb: English in command position (post, tweet, RT, reply, share, use...) or "
                      "Roman Urdu/Urdu command forms (karo, karein, karna hai, kar do, chalao, lagao...)",
    "cue:urgent": "a call for action: please/pls, kindly, zaroor, jaldi, foran, asap, request/guzarish hai",
    "cue:address": "the group addressed: 'Everyone:', 'Team,', 'Sab log:', 'Attention all', 'har banda'",
    "time:clock": "a clock time: 16:00, 16.00, 4:30 PM, 09:00 (zero-padded or 13-23: a 24-hour clock)",
    "time:ampm": "an hour with am/pm: 4 pm, 4pm, 9 p.m., 4-5 pm, saade 4 pm",
    "time:baje": "Roman Urdu o'clock: 4 baje, sawa 4 baje (4:15), saade 4 (4:30), pone 5 (4:45), dhai baje (2:30)",
    "time:at": "an hour after 'at' or before o'clock: at 9, at 10 o'clock",
    "time:named": "noon, midnight, aadhi raat",
    "time:period": "a part of the day next to the hour sets it: raat/tonight (12 -> 00:00, 1-5 after midnight, "
                   "else pm), shaam/evening (pm), dopahar/afternoon (12, 1-6 pm), subah/morning (am)",
    "time:unmarked": "an hour with no am/pm and no part of the day: 1-7 pm, 8-11 whichever comes next, 12 noon",
    "time:tomorrow": "kal / tomorrow next to the time: the next day",
    "time:next-day": "the time had passed more than 15 minutes before the message: the next day's",
    "time:now": "abhi / now / foran with no clock time: at = when the message was sent (not a cue by itself)",
    "count:at-least": "at least 3, minimum 5, min 5, kam az kam 3, 3+ tweets",
    "count:each": "3 tweets each, 3-3 tweets, 5 posts per account, har banda 5 tweet, har account se 5",
    "count:posts": "a number of posts asked for: 5 tweets, 3 RTs (when no rule above read one)",
    "veto:question": "a sentence ending in '?' gives no order and none of its cues count (', ok?' tails excepted)",
    "veto:report": "a report, praise or laughter (good job, was, tha, ho gaya, top pe hai, lol) cancels every cue "
                   "but an order verb",
    "veto:negated": "a negated order verb is no cue: don't post, mat karo, na karein",
}

_I = re.IGNORECASE

# --------------------------------------------------------------------------- the message, prepared

#: Removed before reading: direction marks (WhatsApp puts U+200E around numbers and names), bidi
#: embeddings and isolates, the Arabic letter mark, zero-width space and BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                                    "\u200b\ufeff"))
_SPACES = {ord(c): " " for c in "\xa0\u2007\u2009\u200a\u202f\u205f\u3000\t"}
#: Arabic-Indic and Eastern (Urdu) digits read as ASCII for times and counts.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Links typed without a scheme: "www.site.pk/...", "x.com/handle/status/1".
_BARE_URL = re.compile(r"(?<![\w@/.:])(?:www\.|(?:mobile\.)?(?:x|twitter)\.com/)[^\s<>\"']+", _I)
_URL = re.compile(r"https?://[^\s<>\"']+|" + _BARE_URL.pattern, _I)
_URL_TAIL = ".,;:!?)]}'\""  # punctuation after a link, not part of it (as in trendtrace.model.urls_in)
_MENTION = re.compile(r"(?<![\w@])@\w+")
# A hashtag as a word ("#1" too, which hashtags_in skips): never read as a time, count or cue.
_HASHTAG_WORD = re.compile(r"[#＃][^\s#＃.,:;!?()\[\]{}\"'“”«»„/\\]*")


@dataclass(frozen=True)
class _Spans:
    """What a message's targets are, and the text left to read cues, times and counts from."""

    hashtags: tuple[str, ...]
    links: tuple[str, ...]
    texts: tuple[str, ...]
    instr: str  # lower case; links, mentions, hashtags and copy texts replaced by placeholder words


# --------------------------------------------------------------------------- targets

# A quoted passage: straight, curly, low-high („...“) or guillemets.
_QUOTED = re.compile(r"[\"“”„«]([^\"“”„«»]{1,4000})[\"”“»]")
_SEP = r"[^\S\n]*(?:[:：]|👇|⬇\ufe0f?|↓)(?:[^\S\n]*(?:👇|⬇\ufe0f?|↓))*"
#: Copy cues: "copy:", "copy this text:", "copy paste:", "copy karo:", "is text ko copy karo:", "ye
#: likho:", "copy karo 👇" and a copy cue that ends its line.
_COPY_CUE = re.compile(
    r"(?<![\w'])(?:(?:ye|yeh|is|ise|isay|this|the|following|neeche|niche|below)\s+)?"
    r"(?:(?:wala|wali)\s+)?(?:(?:text|tweet|message|msg|post|caption)\s+)?(?:ko\s+)?"
    r"(?:copy(?:\s*(?:[-/&+]|and|aur|n)?\s*paste)?|paste)"
    r"(?:\s+(?:this|ye|yeh|is|the|following|below))?(?:\s+(?:text|tweet|message|msg|post|caption))?"
    r"(?:\s+(?:karo|kro|karein|karen|kren|krein|karain|kijiye|kar\s+(?:do|dein|den|lo|lein|len)|"
    r"kar\s+ke\s+\w+\s+(?:karo|karein|kren|kro)|karna\s+hai|krna\s+hai))?"
    rf"(?:{_SEP}|[^\S\n]*(?=\n))"
    r"|(?<![\w'])(?:(?:ye|yeh|is|this)\s+)?(?:likho|likhein|likhen|likh\s+(?:do|dein))" + _SEP, _I)
#: Labels: "text:", "tweet:", "caption:", "Tweet 2:", "tweet karo:" ("message:" is an announcement).
_LABEL_CUE = re.compile(
    r"(?<![\w'])(?:(?:tweet|post)\s+)?(?:text|tweet|caption)(?:\s*\d{1,2})?[^\S\n]*[:：]"
    r"|(?<![\w'])(?:tweet|post)\s+(?:karo|karein|karen|kren|kro)" + _SEP, _I)
_OPEN_QUOTE = "\"“”„«"
_ALL_QUOTES = "\"“”„«»'‘’"


def _words(text: str) -> int:
    """Words of a passage with a letter in them, hashtags, mentions and links left out."""
    return sum(1 for w in text.split() if not w.startswith(("#", "＃", "@", "http://", "https://", "www."))
               and any(c.isalpha() for c in w))


def _copy_texts(text: str) -> list[tuple[int, int, str]]:
    """Texts after copy cues: (start, end, text) of each, up to the next cue or the end."""
    cues = sorted([*_COPY_CUE.finditer(text), *_LABEL_CUE.finditer(text)], key=lambda m: m.start())
    kept: list[re.Match[str]] = []
    for m in cues:  # overlapping matches: the first one wins
        if not kept or m.start() >= kept[-1].end():
            kept.append(m)
    found = []
    for k, m in enumerate(kept):
        end = kept[k + 1].start() if k + 1 < len(kept) else len(text)
        body = text[m.end():end]
        lead = len(body) - len(body.lstrip())
        start = m.end() + lead
        q = _QUOTED.match(text, start, end)
        if q and body.lstrip()[:1] in _OPEN_QUOTE:
            body, end = q.group(1), q.end()
        body = body.strip().strip(_ALL_QUOTES).strip()
        if _words(body) >= MIN_CUE_WORDS:
            found.append((m.end(), end, body))
    return found


def _texts(text: str) -> list[tuple[int, int, str]]:
    """``target:text``: texts to copy with their spans, in order of appearance."""
    found = _copy_texts(text)
    starts = [s for s, _, _ in found]  # sorted, the spans do not overlap
    for q in _QUOTED.finditer(text):
        body = q.group(1).strip()
        k = bisect.bisect_right(starts, q.start()) - 1
        if _words(body) >= MIN_TEXT_WORDS and not (k >= 0 and q.start() < found[k][1]):
            found.append((q.start(), q.end(), body))
    return sorted(found)


def _normal_url(url: str) -> str:
    try:
        return normalize_url(url)
    except ValueError:  # a malformed address (an IPv6 host left open): keep it as written
        return url.strip()


def _links(text: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    """``target:link``: http(s) links, bare ``www.``/``x.com/`` ones, and the link entities."""
    bare = ["https://" + u.rstrip(_URL_TAIL) for u in _BARE_URL.findall(text)]
    found = [_normal_url(u) for u in [*urls_in(text), *bare, *extra] if isinstance(u, str) and u.strip()]
    return tuple(dict.fromkeys(u for u in found if u))


def _link_word(m: re.Match[str]) -> str:
    """A link as a placeholder word, keeping the punctuation after it (it may end a sentence)."""
    url = m.group()
    return " xlinkx " + url[len(url.rstrip(_URL_TAIL)):]


def _targets(text: str, extra: tuple[str, ...]) -> _Spans:
    """Targets of a cleaned message, and the text left to read its cues from."""
    texts = _texts(text)
    merged: list[list[int]] = []
    for start, end, _ in texts:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, pos = [], 0
    for start, end in merged:  # copied texts give no cues, times or counts of their own
        parts += [text[pos:start], " xtextx "]
        pos = end
    rest = "".join(parts) + text[pos:]
    no_links = _URL.sub(_link_word, text)
    tags = tuple(dict.fromkeys(t for t in (normalize_hashtag(h) for h in hashtags_in(no_links)) if t))
    rest = _HASHTAG_WORD.sub(" xhashtagx ", _MENTION.sub(" xmentionx ", _URL.sub(_link_word, rest)))
    instr = _instructions(rest.translate(_DIGITS).replace("’", "'").lower())
    return _Spans(tags, _links(text, extra), tuple(dict.fromkeys(t for _, _, t in texts)), instr)


# --------------------------------------------------------------------------- questions

_SENTENCE_END = re.compile(r"\n|(?<=[.!?؟])\s+")
#: A tag after an order is no question: "4 baje #X trend karein, ok?", "..., theek hai?".
_TAG_QUESTION = re.compile(
    r"[,\s]*\b(?:ok|okay|theek\s+hai|thik\s+hai|thk\s+hai|samjhe|samjh\s+gaye|clear|right|hai\s+na|haina|"
    r"got\s+it|understood|ji|na)\s*[?؟][^\w]*$")


def _is_question(sentence: str) -> bool:
    """Whether ``sentence`` ends in a question mark (emoji, spaces and other symbols may follow)."""
    end = len(sentence)
    while end and not (sentence[end - 1].isalnum() or sentence[end - 1] == "_"):
        end -= 1
    tail = sentence[end:]
    return "?" in tail or "؟" in tail


def _instructions(text: str) -> str:
    """``text`` without its question sentences (``veto:question``), one sentence a line."""
    kept = []
    for sentence in _SENTENCE_END.split(text):
        s = sentence.strip()
        if _is_question(s):
            tail = max(0, len(s) - 40)  # a tag is short: looking at the end only keeps this linear
            tag = _TAG_QUESTION.search(s, tail)
            if tag and tag.start() > 0 and s[:tag.start()].strip(", \n"):
                s = s[:tag.start()]
            else:
                continue
        if s:
            kept.append(s)
    return "\n".join(kept)


# --------------------------------------------------------------------------- cues

def _wordset(words: str) -> frozenset[str]:
    """The words of ``words``, split on spaces (the word lists below read better as text)."""
    return frozenset(words.split())


_TOKEN = re.compile(r"[^\W\d_](?:[\w']*[^\W_])?|\d+|[^\w\s]|\n")
_Token = tuple[str, int, int]

#: English order verbs: a cue in command position (first in a clause, or after a word below).
_EN_VERBS = _wordset(
    "post tweet trend retweet rt repost reply comment quote copy paste share use push like start tag spread boost "
    "amplify support join follow make get raise flood storm send forward mention")
#: Words after which an English verb is in command position ("everyone post", "4 pm post").
_BEFORE_COMMAND = _wordset(
    "please pls plz plzz kindly now then and aur or ya also just again must should will shall we everyone "
    "everybody all guys team friends dosto doston bhai bhaiyo log sab sabhi members today tonight tomorrow aaj kal "
    "abhi pm am baje bajay bje sharp o'clock oclock se zaroor jaldi foran fauran asap immediately quickly")
#: "need to post", "have to trend", "don't forget to share".
_BEFORE_TO = _wordset("need needs have has got going forget remember sure try time")
#: After the verb, these make it a noun or a report: "trend is fake", "RT ho gaya", "post ka link".
_NOUN_NEXT = _wordset("of is was are were has had hai hain tha thi ho hua hui ka ki ke done")
_NEGATIONS = _wordset("don't dont never not no mat na nah nahi nahin nai mt")
#: Roman Urdu and Urdu command forms: a cue wherever they stand.
_UR_VERBS = _wordset(
    "karo kro karein karen kren krein karain karien kijiye kijiyega kijye kijie kare karay karey karna krna karni "
    "krni chalao chalaein chalayen chalaen chalana chalani lagao lagayen lagaen lagana lao lana laana daalo dalo "
    "likho likhein likhen "
    "daalein dalein bhejo bhejein phelao phailao failao pohanchao rahein rahen raho "
    "کریں کرو کرنا کیجیے کیجئے چلائیں لگائیں")
#: "kar do", "kar dein", "kar lo": the light verb with an imperative helper.
_KAR_HELPERS = _wordset("do dein den dijiye dijiyega dena lo lein len")
#: Light verbs after these are no order to push anything: "wait karo", "check karo", "call karo".
_NOT_ORDERS = _wordset(
    "wait intezar intezaar check call message msg contact maaf baat yaad confirm verify login update reset inbox "
    "dm dekh")
_PAST = _wordset("tha thi thay thae")
_PAST_HELPERS = _wordset("diya diye di liya liye li chuka chuke chuki raha rahe rahi sakta sakte")
_LETS_NOT = _wordset("see hope wait watch check")


def _tokens(text: str) -> list[_Token]:
    """Words (with inner apostrophes), numbers, single symbols and line ends; combining marks left out."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)
            if not unicodedata.category(m.group()[0]).startswith("M")]


def _word(tokens: list[_Token], i: int) -> str:
    return tokens[i][0] if 0 <= i < len(tokens) else ""


def _command_position(tokens: list[_Token], i: int, times: list[tuple[int, int]]) -> bool:
    """Whether the English verb at ``i`` stands where a command does."""
    if i == 0:
        return True
    prev, start, _ = tokens[i - 1]
    if not prev[0].isalnum():
        return prev not in "'\""  # after punctuation or an emoji: a new clause
    if prev in _NEGATIONS:
        return False
    if prev in _BEFORE_COMMAND or (prev == "to" and _word(tokens, i - 2) in _BEFORE_TO):
        return True
    return prev.isdigit() and any(a <= start < b for a, b in times)  # "16:00 post #X"


def _english_order(tokens: list[_Token], i: int, times: list[tuple[int, int]]) -> bool:
    word, nxt = tokens[i][0], _word(tokens, i + 1)
    if word in ("let's", "lets"):
        return nxt not in _LETS_NOT
    if word == "keep":
        return nxt.endswith("ing") and _command_position(tokens, i, times)
    if word not in _EN_VERBS or nxt in _NOUN_NEXT or (word == "rt" and nxt == "xmentionx"):
        return False  # "RT @user:" is a pasted retweet, not an order
    if nxt == "kar" and _word(tokens, i + 2) in _PAST_HELPERS:
        return False  # "RT kar diya": done
    return _command_position(tokens, i, times)


def _urdu_order(tokens: list[_Token], i: int) -> bool:
    word, prev = tokens[i][0], _word(tokens, i - 1)
    if word == "kar" and _word(tokens, i + 1) not in _KAR_HELPERS:
        return False
    if word != "kar" and word not in _UR_VERBS:
        return False
    if prev in _NEGATIONS or prev in _NOT_ORDERS:
        return False
    # "karna tha", "karna chahiye tha": it was to be done (a reproach, not an order)
    return not ({_word(tokens, i + 1), _word(tokens, i + 2)} & _PAST)


def _imperative(text: str, times: list[tuple[int, int]]) -> bool:
    """``cue:imperative``: an English verb in command position or a Roman Urdu command form, not
    negated (``veto:negated``)."""
    tokens = _tokens(text)
    return any(_english_order(tokens, i, times) or _urdu_order(tokens, i) for i in range(len(tokens)))


_URGENT = re.compile(r"\b(?:please|pls|plz|plzz|kindly|zaroor|zarur|zaroori|jaldi|foran|fauran|asap|urgent|"
                     r"request|guzarish|guzaarish|darkhwast)\b")
# "Everyone:", "Team,", "🚨 Sab log!", "Attention all", "Everyone #X": the group addressed as such.
_VOCATIVE = re.compile(
    r"(?:^|(?<=[^\w\s']))[^\S\n]*(?:(?:hi|hello|hey|dear|salam|aoa|attention)[^\S\n]+)?"
    r"(?:everyone|everybody|all|guys|team|friends|dosto|doston|sab|sab[^\S\n]+log|sab[^\S\n]+members|sabhi|"
    r"sab[^\S\n]+dost|sab[^\S\n]+accounts|all[^\S\n]+members|all[^\S\n]+accounts|"
    r"attention(?:[^\S\n]+(?:all|everyone|team))?)[^\S\n]*(?=$|[^\w\s']|xhashtagx)", re.M)
_EACH_ONE = re.compile(r"\bhar[^\S\n]+(?:banda|bandah|bnda|account|member|koi|ek|user)\b")


def _address(text: str) -> bool:
    """``cue:address``: the group addressed as such, or each member ("har banda")."""
    return bool(_VOCATIVE.search(text) or _EACH_ONE.search(text))


#: ``veto:report``: praise, thanks, a past tense, a status ("top pe hai", "is trending"), laughter.
_REPORT = re.compile(
    r"\b(?:was|were|did|had|went|reached|trended|worked|done|been|good\s+job|great\s+job|well\s+done|nice\s+work|"
    r"great\s+work|good\s+work|congrats|congratulations|thanks|thank\s+you|proud|"
    r"(?:is|are|hai|hain)\s+(?:now\s+|abhi\s+)?trending|trending\s+(?:now|mein|main|me|pe|par|on|in)|"
    r"tha|thi|thay|thae|hua|hui|huay|hue|gaya|gaye|gayi|gya|gye|gyi|diya|diye|kiya|kiye|liya|raha|rahi|rahe|"
    r"chuka|chuke|shabash|zabardast|kamaal|kamal|mubarak|shukriya|alhamdulillah|mashallah|mashaallah|"
    r"masha\s+allah|top\s+(?:pe|par|per|mein|main|me)|on\s+top|number\s+\d+\s+(?:pe|par|per)|lol|lmao|haha\w*)\b"
    r"|😂|🤣")


# --------------------------------------------------------------------------- times


@dataclass(frozen=True)
class _Clock:
    """An hour as written: which reader found it, where, and what it says."""

    rule: str
    hour: int
    minute: int
    half: str  # "a", "p" or ""
    start: int
    end: int
    h24: bool = False  # zero-padded ("09:00"): a 24-hour clock


_NOT_AFTER_DIGIT = r"(?<![\w/.:#+\-])"
_FRACTION = r"(?:(?P<frac>sawa|sava|savaa|saade|saadhe|sade|sadhe|sarhe|saarhe|pone|paune|pauney|ponay)\s+)?"
_HALF = r"(?P<half>[ap])\.?\s?m\b\.?"
_CLOCK = re.compile(_NOT_AFTER_DIGIT + r"(?P<h>\d{1,2})(?P<sep>[:.])(?P<m>[0-5]\d)(?:\s*" + _HALF + r")?"
                    r"(?![\w/:]|[.,]\d)")
_AMPM = re.compile(_NOT_AFTER_DIGIT + _FRACTION + r"(?P<h>\d{1,2})(?:\s*(?:-|–|to|se)\s*\d{1,2})?\s*" + _HALF)
_WORD_HOURS = {"derh": (1, 30), "dedh": (1, 30), "dhai": (2, 30), "dhaai": (2, 30), "arhai": (2, 30),
               "adhai": (2, 30)}
_BAJE = re.compile(_NOT_AFTER_DIGIT + _FRACTION + r"(?P<h>\d{1,2}|derh|dedh|dhai|dhaai|arhai|adhai)\s*"
                   r"(?:(?:baje|bajay|bajey|bje|baja|bajy|بجے)(?!\w)|baj(?=\s*k(?:ar)?\s*\d))"
                   r"(?:\s*(?:kar|k)\s*(?P<m>[0-5]?\d)\s*(?:minute|mint|min)\w*)?")
_NAMED = re.compile(r"\b(?:(?:at\s+)?(?:12\s+)?(?P<w>noon|midnight)|aadhi\s+raat|adhi\s+raat)\b")
_AT = re.compile(r"(?:\bat|@)\s+(?P<h>\d{1,2})(?:\s*o'?\s?clock\b)?(?![\w:]|[.,]\d)"
                 r"|" + _NOT_AFTER_DIGIT + r"(?P<h2>\d{1,2})\s*o'?\s?clock\b")
#: After "at N" these make N a count or an amount, not an hour ("at 3 tweets per hour").
_AT_NOT_BEFORE = re.compile(r"\s*(?:%|tweets?|posts?|retweets?|rts|replies|comments?|accounts?|followers?|likes?|"
                            r"people|members|log|percent|k\b|rs\b|rupees|lakh|number|position|min|minutes?|hours?|"
                            r"ghant|pe\b|par\b)")
_CURRENCY_BEFORE = re.compile(r"(?:rs\.?|pkr|\$|usd|inr|₹|£|€)\s*$")
_UNIT_AFTER = re.compile(r"\s*(?:k\b|m\b|lakh|lac|crore|million|billion|bn|mn|%|percent|rs|rupees|followers|"
                         r"tweets|posts|views|likes|x\b)")


#: Quarter words before an hour: sawa 4 = 4:15, saade 4 = 4:30, pone 5 = 4:45.
_QUARTERS = {**dict.fromkeys(("sawa", "sava", "savaa"), (0, 15)),
             **dict.fromkeys(("saade", "saadhe", "sade", "sadhe", "sarhe", "saarhe"), (0, 30)),
             **dict.fromkeys(("pone", "paune", "pauney", "ponay"), (-1, 45))}


def _fraction(frac: str | None, hour: int) -> tuple[int, int]:
    shift, minute = _QUARTERS.get((frac or "").lower(), (0, 0))
    return (hour + shift if hour + shift > 0 else 12), minute


def _read_clock(text: str) -> _Clock | None:
    for m in _CLOCK.finditer(text):
        if m.group("sep") == "." and (_CURRENCY_BEFORE.search(text[max(0, m.start() - 8):m.start()])
                                      or _UNIT_AFTER.match(text, m.end())):
            continue  # "Rs 16.50", "1.25 lakh followers"
        h, minute = int(m.group("h")), int(m.group("m"))
        if h <= 24:
            return _Clock("time:clock", h, minute, (m.group("half") or "")[:1], m.start(), m.end(),
                          h24=m.group("h").startswith("0") and len(m.group("h")) == 2)
    return None


def _read_ampm(text: str) -> _Clock | None:
    for m in _AMPM.finditer(text):
        h, minute = _fraction(m.group("frac"), int(m.group("h")))
        if 0 <= h <= 23:
            return _Clock("time:ampm", h, minute, m.group("half"), m.start(), m.end())
    return None


def _read_baje(text: str) -> _Clock | None:
    for m in _BAJE.finditer(text):
        raw = m.group("h")
        h, minute = _WORD_HOURS.get(raw, (int(raw) if raw.isdigit() else -1, 0))
        if m.group("frac"):
            h, minute = _fraction(m.group("frac"), h)
        if m.group("m"):
            minute = int(m.group("m"))
        if 0 <= h <= 24:
            return _Clock("time:baje", h, minute, "", m.start(), m.end())
    return None


def _read_named(text: str) -> _Clock | None:
    m = _NAMED.search(text)
    if not m:
        return None
    return _Clock("time:named", 12 if m.group("w") == "noon" else 0, 0, "", m.start(), m.end(), h24=True)


def _read_at(text: str) -> _Clock | None:
    for m in _AT.finditer(text):
        if _AT_NOT_BEFORE.match(text, m.end()):
            continue
        h = int(m.group("h") or m.group("h2"))
        if h <= 24:
            return _Clock("time:at", h, 0, "", m.start(), m.end())
    return None


#: Time readers, tried in this order; the first that reads an hour wins.
_TIME_READERS: tuple[tuple[str, Callable[[str], _Clock | None]], ...] = (
    ("time:clock", _read_clock), ("time:ampm", _read_ampm), ("time:baje", _read_baje),
    ("time:named", _read_named), ("time:at", _read_at))

#: Parts of the day: word -> the part it names. Only the two words before an hour and the three after
#: it count ("Good morning team, aaj 4 baje" is no morning order).
_PERIODS = {
    **dict.fromkeys(_wordset("raat rat raath tonight night midnight رات"), "night"),
    **dict.fromkeys(_wordset("shaam sham evening maghrib شام"), "evening"),
    **dict.fromkeys(_wordset("dopahar dopehar dupahar dophar zuhr afternoon noon دوپہر"), "afternoon"),
    **dict.fromkeys(_wordset("subah subha sobh morning fajr savera صبح"), "morning"),
}
_DAY_WORDS = re.compile(r"\b(?:kal|tomorrow|tmrw|tomorow|aaj|aj|today|tonight)\b")
_NOW = re.compile(r"\b(?:abhi|abi|right\s+now|now|immediately|foran|fauran|asap|isi\s+waqt)\b"
                  r"(?![^\S\n]+(?:tak|bhi|bi|se)\b)")


def _period(text: str, clock: _Clock) -> str:
    before = re.findall(r"[^\W\d_]+", text[max(0, clock.start - 40):clock.start])[-2:]
    after = re.findall(r"[^\W\d_]+", text[clock.end:clock.end + 40])[:3]
    for word in [*reversed(before), *after]:
        if word in _PERIODS:
            return _PERIODS[word]
    return ""


def _hours(clock: _Clock, period: str) -> tuple[tuple[int, ...], str]:
    """Candidate 24-hour hours for ``clock`` and the rule that placed it in the day ("" when written
    unambiguously)."""
    h = clock.hour
    if h == 24 or (h == 0 and not clock.half):
        return (0,), ""
    if clock.half:
        if h > 12:
            return (h,), ""  # "16:00 PM"
        return (h % 12 + (12 if clock.half == "p" else 0),), ""
    if clock.h24 or h >= 13:
        return (h,), ""
    if period == "night":
        return ((0 if h == 12 else h if h <= 5 else h + 12),), "time:period"
    if period == "evening":
        return (h % 12 + 12,), "time:period"
    if period == "afternoon":
        return ((h + 12 if h <= 6 else h),), "time:period"
    if period == "morning":
        return (h % 12,), "time:period"
    if h == 12:
        return (12,), "time:unmarked"
    return ((h + 12,) if h <= 7 else (h, h + 12)), "time:unmarked"


def _day_shift(text: str, clock: _Clock) -> int:
    """1 when the day word nearest the time is kal/tomorrow, else 0."""
    words = [(min(abs(m.start() - clock.start), abs(m.start() - clock.end)), m.group())
             for m in _DAY_WORDS.finditer(text)]
    if not words:
        return 0
    return 1 if min(words)[1] in ("kal", "tomorrow", "tmrw", "tomorow") else 0


def _resolve(hours: tuple[int, ...], minute: int, sent: datetime, days: int,
             after_midnight: bool) -> tuple[datetime, bool]:
    """The instructed time: on ``sent``'s date plus ``days`` when a day is named, else the next
    occurrence at or after ``sent - GRACE``; and whether it was moved to the next day."""
    found = []
    for h in hours:
        at = sent.replace(hour=h, minute=minute, second=0, microsecond=0)
        if days:
            found.append((at + timedelta(days=days + (1 if after_midnight else 0)), False))
        elif at < sent - GRACE:
            found.append((at + timedelta(days=1), True))
        else:
            found.append((at, False))
    return min(found)


def _time(text: str, sent: datetime) -> tuple[datetime | None, list[str], _Clock | None]:
    """``Order.at``, the ``time:*`` rules that read it, and the hour as written (None for "abhi")."""
    for _, reader in _TIME_READERS:
        clock = reader(text)
        if clock is None:
            continue
        period = _period(text, clock)
        hours, placed = _hours(clock, period)
        days = _day_shift(text, clock)
        try:
            at, rolled = _resolve(hours, clock.minute, sent, days, period == "night" and hours[0] < 6)
        except (OverflowError, ValueError):  # a message sent at the end of time
            return None, [], None
        rules = [clock.rule, *([placed] if placed else []), *(["time:tomorrow"] if days else []),
                 *(["time:next-day"] if rolled else [])]
        return at, rules, clock
    if _NOW.search(text):
        return sent, ["time:now"], None
    return None, [], None


# --------------------------------------------------------------------------- counts

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "ek": 1, "do": 2, "teen": 3, "char": 4, "chaar": 4, "paanch": 5, "panch": 5, "chay": 6,
                 "chhe": 6, "saat": 7, "aath": 8, "nau": 9, "das": 10}
_N = r"(?P<n>\d{1,4}|" + "|".join(_NUMBER_WORDS) + r")"
_POSTS = r"(?:tweets?|posts?|retweets?|rts?|replies|reply|comments?|quotes?|likes?|shares?)"
#: After "at least N" these make N something else than posts ("kam az kam 2 ghante", "at least 50 log").
_NOT_POSTS = (r"\s*(?:hours?|hrs?|ghant\w*|minutes?|mins?|mint|din|days?|log|people|members|accounts?|followers|"
              r"%|k\b|rs\b|rupees|lakh|baje|pm\b|am\b|[:.]\d)")
_WHO = r"(?:banda|bandah|bnda|account|accounts|member|person|head|user|id|koi|ek|one)"
#: Count readers, tried in this order; the first that reads a number from 1 to MAX_COUNT wins.
_COUNT_READERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("count:at-least", re.compile(r"\b(?:at\s*least|atleast|minimum(?:\s+of)?|min\.?|kam\s+az\s+kam|kam\s+se\s+kam|"
                                  r"kamaz\s*kam)\s*[:\-]?\s*" + _N + r"\b(?!" + _NOT_POSTS + ")")),
    ("count:at-least", re.compile(r"\b(?P<n>\d{1,4})\s*\+\s*" + _POSTS + r"\b")),
    ("count:each", re.compile(r"\b" + _N + r"(?:\s*-\s*\d{1,4})?\s*" + _POSTS + r"\s*(?:each|per\s+" + _WHO +
                              r"|har\s+" + _WHO + r"|fi\s+" + _WHO + r"|every\s+" + _WHO + r"|from\s+each)\b")),
    ("count:each", re.compile(r"\b(?:har|each|every|per)\s+" + _WHO + r"\s+(?:se\s+|ke\s+|ki\s+|ko\s+)?" + _N +
                              r"\b(?!\s*(?:baje|pm|am|:|\.\d))")),
    ("count:each", re.compile(r"\b(?P<n>\d{1,4})\s*-\s*(?P=n)\s*" + _POSTS + r"\b")),
    ("count:posts", re.compile(r"(?<!top\s)(?<!number\s)(?<!no\.\s)\b(?P<n>\d{1,4})\s*" + _POSTS + r"\b")),
)


def _count(text: str) -> tuple[int | None, list[str]]:
    """``Order.min_count`` and the ``count:*`` rule that read it."""
    for rule, pattern in _COUNT_READERS:
        for m in pattern.finditer(text):
            raw = m.group("n")
            n = _NUMBER_WORDS.get(raw) or (int(raw) if raw.isdigit() else 0)
            if 1 <= n <= MAX_COUNT:
                return n, [rule]
    return None, []


# --------------------------------------------------------------------------- the door

_X_HOSTS = frozenset({"x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com",
                      "m.twitter.com", "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com"})
_POST_ID = re.compile(r"[1-9]\d{0,19}")


def status_id(url: str) -> str | None:
    """The post id of an X/Twitter status link, else None.

    Reads ``https://x.com/HANDLE/status/ID`` on x.com, twitter.com, mobile.twitter.com and the embed
    mirrors (fxtwitter, vxtwitter, fixupx), with or without ``https://``, ``www.``, a query
    (``?s=20``) or a tail (``/photo/1``), and ``/i/web/status/ID``, ``/i/status/ID``,
    ``/statuses/ID``. Used by matching to find the reposts, quotes and replies of the post.

    >>> status_id("https://twitter.com/someone/status/1234567890?s=20"), status_id("https://x.com/someone")
    ('1234567890', None)
    """
    u = url.strip()
    if "://" not in u:
        u = "https://" + u
    try:
        parts = urlsplit(u)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or host not in _X_HOSTS:
        return None
    segs = [s for s in parts.path.split("/") if s]
    low = [s.lower() for s in segs]
    if len(segs) >= 3 and low[1] in ("status", "statuses"):  # /HANDLE/status/ID, /i/status/ID
        candidate = segs[2]
    elif len(segs) >= 4 and low[:3] == ["i", "web", "status"]:
        candidate = segs[3]
    elif len(segs) >= 2 and low[0] == "statuses":
        candidate = segs[1]
    else:
        return None
    return candidate if _POST_ID.fullmatch(candidate) else None


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE).translate(_SPACES)


def extract_order(text: str, sent: datetime, links: tuple[str, ...] = ()) -> Order | None:
    """The order that a chat message gives, or None when it gives none.

    ``text``: the message; ``sent``: when it was sent, naive local time on the chat's clock (the
    instructed time is resolved against it); ``links``: link targets not visible in the text
    (Telegram ``text_link`` entities), empty by default. Returns an :class:`Order` with the
    targets, the instructed time and count, and the names of the rules that fired (:data:`RULES`,
    ``docs/chats-rules.md``); every returned order has at least one target and one rule. Never
    raises on any text.

    >>> o = extract_order("raat 9 baje #PakFauj pe tweet karo", datetime(2024, 3, 12, 18, 0))
    >>> o.hashtags, o.at, o.rules[:3]
    (('pakfauj',), datetime.datetime(2024, 3, 12, 21, 0), ('target:hashtag', 'cue:imperative', 'time:baje'))
    >>> extract_order("lol #PakFauj is trending now 😂", datetime(2024, 3, 12, 18, 0)) is None
    True
    """
    if not text or not text.strip():
        return None
    spans = _targets(_clean(text), tuple(links))
    targets = [r for r, on in (("target:hashtag", spans.hashtags), ("target:link", spans.links),
                               ("target:text", spans.texts)) if on]
    if not targets:
        return None
    at, time_rules, clock = _time(spans.instr, sent)
    times = [(clock.start, clock.end)] if clock else []
    imperative = _imperative(spans.instr, times)
    weak = [r for r, on in (("cue:urgent", bool(_URGENT.search(spans.instr))),
                            ("cue:address", _address(spans.instr))) if on]
    if not imperative and _REPORT.search(spans.instr):
        return None  # veto:report: praise or a report gives no order without an order verb
    count, count_rules = _count(spans.instr)
    if not imperative and not weak and clock is None and count_rules[:1] not in (["count:at-least"], ["count:each"]):
        return None
    cues = ["cue:imperative"] * imperative + weak
    return Order(hashtags=spans.hashtags, texts=spans.texts, links=spans.links, at=at, min_count=count,
                 rules=tuple(targets + cues + time_rules + count_rules))
