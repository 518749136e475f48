"""The rules that read orders in chat messages (issue 18, item 2; ``trendtrace.chats.rules``).

One table of real-looking messages (English, Roman Urdu, mixed, Urdu script) with what each must
give and why; the time resolution at the edges of the day; the simulator's own phrasings; status
links; every rule documented in ``docs/chats-rules.md`` and its worked examples true; Hypothesis:
no text crashes the rules and every order they return has a target and a cue.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trendtrace.chats.rules import GRACE, MAX_COUNT, RULES, extract_order, status_id
from trendtrace.model import normalize_hashtag, normalize_url

SENT = datetime(2024, 3, 12, 15, 0)  # every message of the table is sent at 15:00 on Tuesday 12 March


def T(h: int, m: int = 0, day: int = 12) -> datetime:
    return datetime(2024, 3, day, h, m)


def order(text: str, tags: tuple[str, ...] = (), links: tuple[str, ...] = (), texts: tuple[str, ...] = (),
          at: datetime | None = None, count: int | None = None) -> tuple:
    return (text, (tags, links, texts, at, count))


def no(text: str) -> tuple:
    return (text, None)


CASES = [
    # ------------------------------------------------------------ the simulator's phrasings (must stay orders)
    # 24-hour clock with "baje"; "karein" orders; "kam az kam" = at least, read before "har banda"
    order("Aaj 16:00 baje sab log #X trend karein, kam az kam 3 tweets har banda", ("x",), at=T(16), count=3),
    # "Everyone:" addresses the group; 4:00 PM; "post" after the time is a command; "at least 2"
    order("Everyone: at 4:00 PM post #X and #Y, at least 2 posts each", ("x", "y"), at=T(16), count=2),
    # "tweet karna hai" = (you) have to tweet; "kam az kam 3" wins over "har account se"
    order("Sab members dhyan dein: 16:00 baje #X pe tweet karna hai, har account se kam az kam 3 tweets", ("x",),
          at=T(16), count=3),
    # "Team," addresses; "we trend" after "we"; "Minimum 3"
    order("Team, today at 16:00 we trend #X. Minimum 3 tweets per account", ("x",), at=T(16), count=3),
    # 12-hour clock before "se" (from); "chalana hai" = have to run; "karni hain"
    order("4:00 PM se #X #Y chalana hai, sab ne kam az kam 3 posts karni hain", ("x", "y"), at=T(16), count=3),
    # "Attention all:"; "16:00 sharp"; the flag emoji is no obstacle
    order("Attention all: trend starts 16:00 sharp. Hashtags: #X, #Y. At least 3 tweets each 🇵🇰", ("x", "y"),
          at=T(16), count=3),
    # "raat" (night) makes 9 a pm hour
    order("raat 9 baje #X pe tweet karo", ("x",), at=T(21)),
    # a status link to RT and reply to; ?s=20 is a share tracker, dropped by normalize_url
    order("Ye tweet RT karo aur reply bhi: https://x.com/handle/status/1234567890?s=20",
          links=("https://x.com/handle/status/1234567890",)),
    # a quoted text after a copy cue; the quotes go
    order('Copy karo: "Humari awaaz koi nahi daba sakta sach samne aayega"',
          texts=("Humari awaaz koi nahi daba sakta sach samne aayega",)),
    # curly quotes; "Copy" first in the message is a command
    order("Copy this text: “Every vote counts and every voice matters”",
          texts=("Every vote counts and every voice matters",)),
    # ------------------------------------------------------------ times
    order("shaam 5 baje #X chalao", ("x",), at=T(17)),  # shaam (evening): pm
    order("kal subah 10 baje #X trend karo", ("x",), at=T(10, day=13)),  # kal: the next day; subah: am
    order("dopahar 2 baje #X", ("x",), at=T(14, day=13)),  # a time is a cue by itself; 14:00 has passed
    order("dopahar 12 baje #X pe post karo", ("x",), at=T(12, day=13)),  # dopahar 12 = noon, passed: tomorrow
    order("sawa 4 baje #X", ("x",), at=T(16, 15)),  # sawa: a quarter past
    order("saade 4 baje #X", ("x",), at=T(16, 30)),  # saade: half past
    order("pone 5 baje #X", ("x",), at=T(16, 45)),  # pone: a quarter to
    order("4 baje #X", ("x",), at=T(16)),  # 1-7 without am/pm or part of the day: pm
    order("raat 12 baje #X trend", ("x",), at=T(0, day=13)),  # raat 12: midnight, the next day's 00:00
    order("at 9 tonight push #X", ("x",), at=T(21)),  # tonight after the hour: pm
    order("at 10 o'clock #X trend karo", ("x",), at=T(22)),  # 8-11: the next of 10:00 and 22:00 after 15:00
    order("9 p.m. #X use karo", ("x",), at=T(21)),  # p.m. with dots
    order("Tomorrow at 10 am trend #X", ("x",), at=T(10, day=13)),
    order("16:00 sharp: trend #X", ("x",), at=T(16)),
    order("16.30 pe #X", ("x",), at=T(16, 30)),  # a dot for the colon
    order("at 4 pm, #X", ("x",), at=T(16)),  # an instructed time and a target: an order without a verb
    order("at 3 pm #X", ("x",), at=T(15)),  # sent at 15:00: today, not tomorrow
    order("at 2:50 PM #X", ("x",), at=T(14, 50)),  # 10 minutes before the message: within the grace, today
    order("at 2:30 PM #X", ("x",), at=T(14, 30, day=13)),  # 30 minutes before: past the grace, tomorrow
    order("09:00 #X trend karo", ("x",), at=T(9, day=13)),  # zero-padded: a 24-hour clock, 09:00 tomorrow
    order("sharp 5pm #X, sab log RT karo", ("x",), at=T(17)),
    order("Sab log 4 baje #X trend karein, ok?", ("x",), at=T(16)),  # ", ok?" is a tag, not a question
    order("abhi #X pe tweet karo", ("x",), at=SENT),  # abhi (now): at = when it was sent
    order("Good morning team ☀️ aaj 4 baje #X trend karo", ("x",), at=T(16)),  # "morning" is not next to the hour
    order("Kal ki tarah aaj bhi 4 baje #X trend karna hai", ("x",), at=T(16)),  # "aaj" is nearer the time than "kal"
    order("آج رات ۹ بجے #X ٹرینڈ کریں", ("x",), at=T(21)),  # Urdu script: raat, Urdu digit 9, baje, karein
    order("\u200f#X\u200e 4\u200e baje\u200f trend karo", ("x",), at=T(16)),  # WhatsApp's direction marks
    order("aadhi raat ko #X trend karna hai", ("x",), at=T(0, day=13)),  # aadhi raat = midnight
    order("#X: 12 noon, post karo", ("x",), at=T(12, day=13)),  # noon has passed at 15:00: tomorrow
    order("Rs 100 milenge, #X pe tweet karo", ("x",)),  # a price is no time and no count
    order("12/03 ko #X trend karna hai", ("x",)),  # a date is no time
    # ------------------------------------------------------------ counts
    order("Minimum 5 tweets per account on #X", ("x",), count=5),  # a count asked of each is a cue
    order("3-3 tweets #X pe karo", ("x",), count=3),  # "3-3": three each
    order("har banda 5 tweet kare #X", ("x",), count=5),
    order("Everyone post 3+ tweets on #X", ("x",), count=3),
    order("kam az kam teen tweets #X pe karo", ("x",), count=3),  # teen = three
    order("3 RTs karo #X", ("x",), count=3),  # a bare number of posts, in an order
    order("#1 trend banana hai #X ko, sab log tweet karo", ("x",)),  # "#1" is no hashtag to push and no count
    order("Top 10 mein lana hai #X ko", ("x",)),  # "top 10" is no count; "lana hai" = have to bring
    # ------------------------------------------------------------ hashtags and cues
    order("#PTI #ImranKhan trend karo", ("pti", "imrankhan")),
    order("Sab log #پاکستان_زندہ_باد trend karein", ("پاکستان_زندہ_باد",)),  # an Urdu-script hashtag
    order("Please #X", ("x",)),  # cue:urgent
    order("Everyone #X", ("x",)),  # cue:address: the group addressed, then the target
    order("#X 16:00", ("x",), at=T(16)),  # a time alone is a cue
    order("#X ko top pe lao", ("x",)),  # "top pe" sounds like a report, but "lao" (bring) is an order verb
    order("Don't use #Y, use #X instead", ("y", "x")),  # known limit: an avoided hashtag is listed too
    # ------------------------------------------------------------ links
    order("Sab isko retweet karein 👇\nhttps://twitter.com/desk/status/42", links=("https://twitter.com/desk/status/42",)),
    order("Is khabar pe reply karein https://dawn.com/news/1", links=("https://dawn.com/news/1",)),
    order("RT karo x.com/desk/status/43", links=("https://x.com/desk/status/43",)),  # typed without https://
    order("Reply on this one, sab log: https://mobile.twitter.com/desk/status/44?s=20&t=abc",
          links=("https://mobile.twitter.com/desk/status/44",)),  # s and t: X's share trackers
    order("Guys pls like and RT https://x.com/u/status/77", links=("https://x.com/u/status/77",)),
    order("Good job! Now RT this: https://x.com/u/status/8", links=("https://x.com/u/status/8",), at=SENT),
    # "Done?" is a question of its own: the order before it stands
    order("RT this https://x.com/a/status/5. Done?", links=("https://x.com/a/status/5",)),
    # ------------------------------------------------------------ texts to copy
    order("Copy paste:\nHum sab ek hain aur rahenge #Ekta", ("ekta",), texts=("Hum sab ek hain aur rahenge #Ekta",)),
    order('4 baje #X ke saath ye likho: "yeh mulk hamara hai aur hum iske wafadar hain"', ("x",),
          texts=("yeh mulk hamara hai aur hum iske wafadar hain",), at=T(16)),
    order("ye likho: Pakistan zindabad #X", ("x",), texts=("Pakistan zindabad #X",)),  # 2 words after a copy cue
    order("#X\nTweet at 9 pm\nText: hum sab ek hain aur rahenge", ("x",), texts=("hum sab ek hain aur rahenge",),
          at=T(21)),
    order("Sab log post karein: «Sach ko koi nahi chhupa sakta, kabhi nahi»",
          texts=("Sach ko koi nahi chhupa sakta, kabhi nahi",)),  # guillemets
    order('Copy karo: "Kya hum khamosh rahenge? Nahi! #Awaz"', ("awaz",),
          texts=("Kya hum khamosh rahenge? Nahi! #Awaz",)),  # a question inside the text to copy is no question
    order("Tweet 1: Pakistan ki fauj zindabad\nTweet 2: Hum sab ek hain #X", ("x",),
          texts=("Pakistan ki fauj zindabad", "Hum sab ek hain #X")),  # numbered texts: each up to the next
    # ------------------------------------------------------------ not orders
    no("lol #X is trending now 😂"),  # chatter: "trending" is no "trend", and laughter
    no("who started #X?"),  # a question
    no("kya #X pe tweet karna hai?"),  # a question, even with an order verb in it
    no("good job everyone, #X was #1 in Pakistan"),  # praise after the fact (veto:report)
    no("dekho ye khabar https://dawn.com/a"),  # news shared: "dekho" (look) is no order
    no("Sab log dekho ye khabar https://dawn.com/b"),  # addressed, then told only to look
    no("MashaAllah, #HaqMarch abhi tak chal raha hai"),  # "abhi tak" = still: a report
    no("#NorthernDawn trending mein number 3 pe 👏"),  # a report
    no("Zabardast! #X top pe hai 🔥"),  # praise
    no("Kamaal team 🔥 #X Pakistan trends mein"),  # praise; "team" does not open the message
    no("Mere 3 tweets ho gaye ✅"),  # no target
    no("Seed tweet ka link?"),  # no target, and a question
    no("Alhamdulillah kamyab trend\nKal ka time baad mein bataya jaye ga"),  # no target
    no('Quote: "ok"'),  # a quoted word is no text to copy
    no("https://x.com/a/status/1"),  # a bare link: no cue
    no("kya scene hai"),  # chatter
    no("#X looks like a paid trend lol"),  # "like" and "trend" are not in command position
    no("Don't use #Y"),  # a negated verb (veto:negated)
    no("#Y pe tweet mat karna"),  # mat = don't
    no("check karo ye link https://a.com/x"),  # checking is no order to push anything
    no("RT @abc: #X is the truth"),  # a pasted retweet
    no("✅ RT ho gaya https://x.com/a/status/5"),  # done, not asked
    no("#X was trending at 4 pm"),  # a time in a report
    no("Kal #X 4 baje trend hua tha"),  # kal = yesterday here: a report
    no("Done sir, sab accounts se #X"),  # a report
    no("Shukriya sab ka 🙏 #X"),  # thanks
    no("Bhai #X pe tweet karna tha, kisi ne nahi kiya"),  # "karna tha" = had to: a reproach
    no("#X aur #Y dono trend pe hain"),  # a status
]


@pytest.mark.parametrize("text,want", CASES, ids=[c[0][:50] for c in CASES])
def test_rules(text: str, want: tuple | None) -> None:
    o = extract_order(text, SENT)
    if want is None:
        assert o is None, o
        return
    assert o is not None, "not read as an order"
    assert (o.hashtags, o.links, o.texts, o.at, o.min_count) == want, o.rules
    assert set(o.rules) <= set(RULES) and any(r.startswith("target:") for r in o.rules)


def test_the_table_is_big_and_mixed() -> None:
    orders = [c for c in CASES if c[1] is not None]
    assert len(CASES) >= 40 and len(orders) >= 20 and len(CASES) - len(orders) >= 20


def test_every_rule_fires_somewhere_in_the_table() -> None:
    fired = {r for text, want in CASES if want is not None for r in extract_order(text, SENT).rules}  # type: ignore[union-attr]
    assert {r for r in RULES if not r.startswith("veto:")} - fired == set()


@pytest.mark.parametrize("text,rules", [
    ("Aaj 16:00 baje sab log #X trend karein, kam az kam 3 tweets har banda",
     ("target:hashtag", "cue:imperative", "cue:address", "time:clock", "count:at-least")),
    ("raat 9 baje #X pe tweet karo", ("target:hashtag", "cue:imperative", "time:baje", "time:period")),
    ("4 baje #X", ("target:hashtag", "time:baje", "time:unmarked")),
    ("dopahar 2 baje #X", ("target:hashtag", "time:baje", "time:period", "time:next-day")),
    ("kal 4 baje #X pe tweet karo", ("target:hashtag", "cue:imperative", "time:baje", "time:unmarked",
                                     "time:tomorrow")),
    ("at 9 tonight push #X", ("target:hashtag", "cue:imperative", "time:at", "time:period")),
    ("aadhi raat ko #X", ("target:hashtag", "time:named", "time:next-day")),
    ("Please RT now https://x.com/u/status/1", ("target:link", "cue:imperative", "cue:urgent", "time:now")),
    ('Copy karo: "Humari awaaz koi nahi daba sakta" #X, 3 tweets each',
     ("target:hashtag", "target:text", "cue:imperative", "count:each")),
    ("5 tweets karo #X", ("target:hashtag", "cue:imperative", "count:posts")),
])
def test_rules_say_why(text: str, rules: tuple[str, ...]) -> None:
    o = extract_order(text, SENT)
    assert o is not None and o.rules == rules


# ------------------------------------------------------------------------------------ time resolution

@pytest.mark.parametrize("text,sent,at", [
    # raat 12 = midnight: sent at 23:50, the midnight ten minutes later
    ("raat 12 baje #X trend karo", datetime(2024, 3, 12, 23, 50), datetime(2024, 3, 13, 0, 0)),
    # ... and "kal raat 12" is the midnight that ends tomorrow
    ("kal raat 12 baje #X trend karo", datetime(2024, 3, 12, 20, 0), datetime(2024, 3, 14, 0, 0)),
    # raat 1 sent before midnight: after midnight; sent after midnight: the same night
    ("raat 1 baje #X karo", datetime(2024, 3, 12, 22, 0), datetime(2024, 3, 13, 1, 0)),
    ("raat 1 baje #X karo", datetime(2024, 3, 13, 0, 30), datetime(2024, 3, 13, 1, 0)),
    # "4 baje" (1-7 read as pm): before 16:00 today, after it (beyond the grace) tomorrow, never 04:00
    ("4 baje #X trend karo", datetime(2024, 3, 12, 15, 0), datetime(2024, 3, 12, 16, 0)),
    ("4 baje #X trend karo", datetime(2024, 3, 12, 17, 0), datetime(2024, 3, 13, 16, 0)),
    ("4 baje #X trend karo", datetime(2024, 3, 12, 3, 0), datetime(2024, 3, 12, 16, 0)),
    # "9 baje" (8-11): whichever of 09:00 and 21:00 comes first
    ("9 baje #X trend karo", datetime(2024, 3, 12, 8, 0), datetime(2024, 3, 12, 9, 0)),
    ("9 baje #X trend karo", datetime(2024, 3, 12, 10, 0), datetime(2024, 3, 12, 21, 0)),
    ("9 baje #X trend karo", datetime(2024, 3, 12, 22, 0), datetime(2024, 3, 13, 9, 0)),
    ("kal 9 baje #X trend karo", datetime(2024, 3, 12, 22, 0), datetime(2024, 3, 13, 9, 0)),
    # 12 without a part of the day: noon
    ("12 baje #X trend karo", datetime(2024, 3, 12, 10, 0), datetime(2024, 3, 12, 12, 0)),
    # tomorrow: the message's date plus one, whatever the hour
    ("tomorrow 10am post #X", datetime(2024, 3, 12, 22, 0), datetime(2024, 3, 13, 10, 0)),
    ("tomorrow 10am post #X", datetime(2024, 3, 12, 1, 0), datetime(2024, 3, 13, 10, 0)),
    # the grace: 5 minutes late is today, 20 minutes late is tomorrow
    ("at 4 pm post #X", datetime(2024, 3, 12, 16, 5), datetime(2024, 3, 12, 16, 0)),
    ("at 4 pm post #X", datetime(2024, 3, 12, 16, 20), datetime(2024, 3, 13, 16, 0)),
    # the end of a month and of a year
    ("raat 12 baje #X", datetime(2024, 12, 31, 23, 30), datetime(2025, 1, 1, 0, 0)),
    ("kal 4 baje #X karo", datetime(2024, 2, 28, 12, 0), datetime(2024, 2, 29, 16, 0)),
    # minutes: "4 baj kar 20 minute", "12:15 AM" (just after midnight), "derh baje" (1:30, a pm hour)
    ("4 baj kar 20 minute pe #X karo", datetime(2024, 3, 12, 10, 0), datetime(2024, 3, 12, 16, 20)),
    ("Everyone: at 12:15 AM post #X", datetime(2024, 3, 12, 23, 40), datetime(2024, 3, 13, 0, 15)),
    ("derh baje #X karo", datetime(2024, 3, 12, 10, 0), datetime(2024, 3, 12, 13, 30)),
])
def test_time_resolution(text: str, sent: datetime, at: datetime) -> None:
    o = extract_order(text, sent)
    assert o is not None and o.at == at, o


@pytest.mark.parametrize("text", [
    "Rs 16.50 milenge, #X pe tweet karo",  # a price with a dot
    "1.25 lakh followers wala account, #X share karo",  # an amount
    "12.03.2024 ko #X trend karna hai",  # a date with dots
    "https://x.com/a/status/1600 RT karo",  # a number in a link
    "#4pm #X trend karo",  # a hashtag that looks like a time
    "at least 3 tweets #X pe karo",  # a count after "at"
    "Top 10 mein #X lana hai",
])
def test_numbers_that_are_not_times(text: str) -> None:
    o = extract_order(text, SENT)
    assert o is not None and o.at is None, o


def test_telegram_link_entities_are_targets() -> None:
    o = extract_order("Is tweet ko RT karo", SENT, ("https://x.com/desk/status/99?s=20",))
    assert o is not None and o.links == ("https://x.com/desk/status/99",) and o.rules[0] == "target:link"


def test_counts_above_the_cap_are_group_goals() -> None:
    o = extract_order("at least 5000 tweets chahiye #X pe, tweet karo", SENT)
    assert o is not None and o.min_count is None and MAX_COUNT < 5000


# ------------------------------------------------------------------------------------ the simulator

def test_simulated_orders_are_read_with_their_fields() -> None:
    """Every order template of the chat simulator, at times across the day (and across midnight),
    gives its hashtags, time and count; its copy lines give the text; its link lines give the link."""
    from trendtrace.simulate import _chats as sim

    text = "Humari awaaz koi nahi daba sakta sach samne aayega"
    for sent, at in [(T(15, 10), T(16)), (T(23, 40), T(0, 15, day=13)), (T(8, 50), T(9, 30)), (T(11, 5), T(12, 0)),
                     (T(20, 0), T(21, 5))]:
        hm = f"{at.hour:02d}:{at.minute:02d}"
        ampm = f"{at.hour % 12 or 12}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"
        for lang, day_word, tpl in sim.ORDER_TEMPLATES:
            if day_word and sent.date() != at.date():
                continue  # the simulator says "Aaj" only when the order is for the same day
            msg = tpl.format(hm=hm, ampm=ampm, tags="#Alpha #Beta",
                             tags_and="#Alpha and #Beta" if lang == "en" else "#Alpha aur #Beta", n=4)
            for full in (msg, msg + "\n" + sim.COPY_LINES[lang].format(text=text),
                         msg + " " + sim.COPY_LINES[lang].format(text=text)):
                o = extract_order(full, sent)
                assert o is not None, full
                assert (o.hashtags, o.at, o.min_count) == (("alpha", "beta"), at, 4), (full, o)
                assert o.texts == ((text,) if full != msg else ()), (full, o)
    url = "https://x.com/desk/status/1767000000000000001?s=20"
    for tpl in (*sim.LINK_TEMPLATES, *sim.REPLY_LINK_TEMPLATES):
        o = extract_order(tpl.format(url=url), SENT)
        assert o is not None and o.links == ("https://x.com/desk/status/1767000000000000001",), tpl


def test_simulated_chatter_is_no_order() -> None:
    from trendtrace.simulate import _chats as sim

    banks = [getattr(sim, name, ()) for name in ("_WELCOME", "_ACKS", "_ASK_LINK", "_PRAISE", "_DONE", "_SUMMARY",
                                                 "_DAILY", "_MORNING", "_NIGHT")]
    lines = [line.format(tag="#Alpha", k=3) for bank in banks for line in bank]
    assert len(lines) > 20
    assert [line for line in lines if extract_order(line, SENT)] == []


# ------------------------------------------------------------------------------------ status ids

@pytest.mark.parametrize("url,sid", [
    ("https://x.com/handle/status/1234567890", "1234567890"),
    ("https://twitter.com/handle/status/42?s=20", "42"),
    ("https://mobile.twitter.com/h/status/7", "7"),
    ("https://www.twitter.com/h/status/7/photo/1", "7"),
    ("http://X.com/h/status/1767000000000000001?s=46&t=abc", "1767000000000000001"),
    ("https://x.com/i/web/status/99", "99"),
    ("https://x.com/i/status/98", "98"),
    ("x.com/h/status/5", "5"),  # typed without https://
    ("https://fxtwitter.com/h/status/6", "6"),  # an embed mirror
    ("https://twitter.com/h/statuses/8", "8"),
    (normalize_url("https://x.com/h/status/55?s=20"), "55"),  # what matching passes: normalised links
    ("https://x.com/handle", None),  # a profile
    ("https://x.com/hashtag/PTI", None),
    ("https://x.com/h/status/", None),
    ("https://x.com/h/status/abc", None),
    ("https://x.com/h/status/0123", None),  # post ids have no leading zero
    ("https://x.com/h/likes/123", None),
    ("https://dawn.com/status/5", None),  # another site
    ("https://x.com.evil.example/h/status/5", None),  # a look-alike host
    ("https://evil.example/x.com/h/status/5", None),
    ("https://x.com@evil.example/h/status/5", None),  # the host is evil.example
    ("ftp://x.com/h/status/5", None),
    ("https://t.co/abc", None),
    ("", None),
    ("http://[::1", None),  # a malformed address
])
def test_status_id(url: str, sid: str | None) -> None:
    assert status_id(url) == sid


# ------------------------------------------------------------------------------------ docs

DOC = Path(__file__).resolve().parent.parent / "docs" / "chats-rules.md"


def test_every_rule_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert [r for r in RULES if f"`{r}`" not in doc] == []


def test_worked_examples_in_the_docs_hold() -> None:
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("## Worked examples", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) >= 5
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        message = re.match(r"`(.*)`", cells[0]).group(1)  # type: ignore[union-attr]
        late = re.search(r"sent (\d\d):(\d\d)$", cells[0])
        sent = SENT.replace(hour=int(late.group(1)), minute=int(late.group(2))) if late else SENT
        o = extract_order(message, sent)
        if "not an order" in row:
            assert o is None, message
        else:
            assert o is not None and " ".join(o.rules) == cells[-1], (message, o)


# ------------------------------------------------------------------------------------ robustness

_PIECES = ["#X", "#پاکستان", "#1", " ", "\n", "4 baje", "raat", "kal", "12", ":", "16:00", "16.00", "pm", "p.m.",
           "karo", "karein", "RT", "post", "everyone", "sab log", "?", "؟", "\u200f", "\u200e", "\u202e", "\u200b",
           "https://x.com/a/status/1?s=20", "x.com/", "http://[::1", '"', "“", "”", "«", "»", "„", "copy:",
           "copy karo 👇", "text:", "Tweet 2:", "at least", "kam az kam", "3", "99999", "tweets", "each", "har banda",
           "😂", "۹", "بجے", "sawa", "pone", "saade", "derh", "0", "24", "at", "o'clock", "noon", "abhi", "-", "lol",
           "was", "tha", "mat", "don't", "Rs", "@user", "\t", "\r\n", "ـ", "\u064e", "\U0001F1F5\U0001F1F0"]
_messages = st.one_of(st.text(max_size=400),
                      st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=60).map("".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages, st.datetimes(), st.lists(st.text(max_size=40), max_size=3))
def test_never_crashes_and_orders_have_a_target_and_a_cue(text: str, sent: datetime, links: list[str]) -> None:
    o = extract_order(text, sent, tuple(links))
    if o is None:
        return
    assert o.hashtags or o.links or o.texts
    assert o.rules and set(o.rules) <= set(RULES) and not any(r.startswith("veto:") for r in o.rules)
    assert any(r.startswith(("target:",)) for r in o.rules)
    assert any(r.startswith(("cue:", "time:", "count:")) and r not in ("time:now", "count:posts") for r in o.rules)
    assert all(normalize_hashtag(h) == h and h for h in o.hashtags)
    assert len(set(o.hashtags)) == len(o.hashtags) and len(set(o.links)) == len(o.links)
    assert all(t.strip() == t and t for t in o.texts)
    assert o.min_count is None or 1 <= o.min_count <= MAX_COUNT
    if o.at is not None:  # never before the message (less the grace), never more than two days after it
        assert sent.replace(second=0, microsecond=0) - GRACE <= o.at <= sent + timedelta(days=3)


@settings(max_examples=200, deadline=None)
@given(_messages, st.lists(st.sampled_from(["\u200e", "\u200f", "\u2066", "\u2069"]), min_size=1, max_size=5),
       st.randoms(use_true_random=False))
def test_direction_marks_change_nothing(text: str, marks: list[str], rnd) -> None:  # type: ignore[no-untyped-def]
    """WhatsApp sprinkles U+200E/U+200F around numbers and names: the order read is the same."""
    marked = text
    for mark in marks:
        k = rnd.randint(0, len(marked))
        marked = marked[:k] + mark + marked[k:]
    assert extract_order(marked, SENT) == extract_order(text, SENT)
