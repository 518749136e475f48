"""The rules that read orders in chat messages (issue 18, item 2; ``trendtrace.chats.rules``):
one table of real-looking messages with what each must give, and why."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.chats.rules import RULES, extract_order, status_id

SENT = datetime(2024, 3, 12, 15, 0)  # every message below is sent at 15:00 on 12 March
T = lambda h, m=0, day=12: datetime(2024, 3, day, h, m)  # noqa: E731

# (message, hashtags, links, texts, at, min_count); None: not an order
CASES = [
    # --- orders: hashtags, a command or a time, counts
    ("Aaj 16:00 baje sab log #X trend karein, kam az kam 3 tweets har banda", ("x",), (), (), T(16), 3),
    ("Everyone: at 4:00 PM post #X and #Y, at least 2 posts each", ("x", "y"), (), (), T(16), 2),
    ("raat 9 baje #X pe tweet karo", ("x",), (), (), T(21), None),  # raat (night): pm
    ("shaam 5 baje #X chalao", ("x",), (), (), T(17), None),  # shaam (evening): pm
    ("kal subah 10 baje #X trend karo", ("x",), (), (), T(10, day=13), None),  # kal: the next day; subah: am
    ("dopahar 2 baje #X", ("x",), (), (), T(14, day=13), None),  # a time is a command; 14:00 has passed
    ("sawa 4 baje #X", ("x",), (), (), T(16, 15), None),  # sawa: a quarter past
    ("saade 4 baje #X", ("x",), (), (), T(16, 30), None),  # saade: half past
    ("pone 5 baje #X", ("x",), (), (), T(16, 45), None),  # pone: a quarter to
    ("4 baje #X", ("x",), (), (), T(16), None),  # 1-7 without am/pm: pm
    ("raat 12 baje #X trend", ("x",), (), (), T(0, day=13), None),  # raat 12: midnight
    ("at 9 tonight push #X", ("x",), (), (), T(21), None),
    ("at 10 o'clock #X trend karo", ("x",), (), (), T(22), None),  # 10 am has passed: 22:00
    ("9 p.m. #X use karo", ("x",), (), (), T(21), None),
    ("Tomorrow at 10 am trend #X", ("x",), (), (), T(10, day=13), None),
    ("16:00 sharp: trend #X", ("x",), (), (), T(16), None),
    ("16.30 pe #X", ("x",), (), (), T(16, 30), None),
    ("at 4 pm, #X", ("x",), (), (), T(16), None),
    ("at 3 pm #X", ("x",), (), (), T(15), None),  # sent at 15:00: today, not tomorrow
    ("at 2:50 PM #X", ("x",), (), (), T(14, 50), None),  # within the 15-minute grace: still today
    ("at 2:30 PM #X", ("x",), (), (), T(14, 30, day=13), None),  # past the grace: tomorrow
    ("09:00 #X trend karo", ("x",), (), (), T(9, day=13), None),  # zero-padded: 24-hour clock
    ("Minimum 5 tweets per account on #X", ("x",), (), (), None, 5),
    ("3-3 tweets #X pe karo", ("x",), (), (), None, 3),
    ("har banda 5 tweet kare #X", ("x",), (), (), None, 5),
    ("#PTI #ImranKhan trend karo", ("pti", "imrankhan"), (), (), None, None),
    ("Sab log #پاکستان_زندہ_باد trend karein", ("پاکستان_زندہ_باد",), (), (), None, None),  # Urdu script tag
    # --- links
    ("Ye tweet RT karo aur reply bhi: https://x.com/handle/status/1234567890?s=20", (),
     ("https://x.com/handle/status/1234567890",), (), None, None),  # ?s=20: a share tracker, dropped
    ("Sab isko retweet karein 👇\nhttps://twitter.com/desk/status/42", (), ("https://twitter.com/desk/status/42",), (),
     None, None),
    ("Is khabar pe reply karein https://dawn.com/news/1", (), ("https://dawn.com/news/1",), (), None, None),
    # --- texts to copy
    ('Copy karo: "Humari awaaz koi nahi daba sakta sach samne aayega"', (), (),
     ("Humari awaaz koi nahi daba sakta sach samne aayega",), None, None),
    ("Copy this text: “Every vote counts and every voice matters”", (), (),
     ("Every vote counts and every voice matters",), None, None),
    ("Copy paste:\nHum sab ek hain aur rahenge #Ekta", ("ekta",), (), ("Hum sab ek hain aur rahenge #Ekta",), None,
     None),  # after a copy cue, unquoted: the rest of the message (its hashtags stay in it)
    ('4 baje #X ke saath ye likho: "yeh mulk hamara hai aur hum iske wafadar hain"', ("x",), (),
     ("yeh mulk hamara hai aur hum iske wafadar hain",), T(16), None),
    # --- not orders
    ("lol #X is trending now 😂", None, None, None, None, None),  # chatter: no command
    ("who started #X?", None, None, None, None, None),  # a question
    ("kya #X pe tweet karna hai?", None, None, None, None, None),  # a question, even with a command
    ("good job everyone, #X was #1 in Pakistan", None, None, None, None, None),  # praise after the fact
    ("dekho ye khabar https://dawn.com/a", None, None, None, None, None),  # news shared: 'dekho' is no order
    ("MashaAllah, #HaqMarch abhi tak chal raha hai", None, None, None, None, None),
    ("#NorthernDawn trending mein number 3 pe 👏", None, None, None, None, None),  # "trending" is no "trend"
    ("Mere 3 tweets ho gaye ✅", None, None, None, None, None),  # no target
    ("Seed tweet ka link?", None, None, None, None, None),
    ("Alhamdulillah kamyab trend\nKal ka time baad mein bataya jaye ga", None, None, None, None, None),
    ('Quote: "ok"', None, None, None, None, None),  # a quoted word is no text to copy
    ("https://x.com/a/status/1", None, None, None, None, None),  # a bare link
]


@pytest.mark.parametrize("text,hashtags,links,texts,at,count", CASES, ids=[c[0][:40] for c in CASES])
def test_rules(text: str, hashtags: tuple | None, links: tuple | None, texts: tuple | None, at: datetime | None,
               count: int | None) -> None:
    o = extract_order(text, SENT)
    if hashtags is None:
        assert o is None, o
        return
    assert o is not None
    assert (o.hashtags, o.links, o.texts, o.at, o.min_count) == (hashtags, links, texts, at, count)
    assert set(o.rules) <= set(RULES) and any(r.startswith("target:") for r in o.rules)


def test_rules_name_why() -> None:
    o = extract_order("Aaj 16:00 baje sab log #X trend karein, kam az kam 3 tweets har banda", SENT)
    assert o is not None and o.rules == ("target:hashtag", "cue:imperative", "time:clock", "count:at-least")


def test_time_resolution_late_in_the_day() -> None:
    late = datetime(2024, 3, 12, 23, 50)
    o = extract_order("raat 12 baje #X trend karo", late)
    assert o is not None and o.at == datetime(2024, 3, 13, 0, 0)
    o = extract_order("4 baje #X", datetime(2024, 3, 12, 17, 0))  # 16:00 has passed: tomorrow 16:00
    assert o is not None and o.at == datetime(2024, 3, 13, 16, 0)
    o = extract_order("at 4 pm #X", datetime(2024, 3, 12, 16, 5))  # 5 minutes late: still today
    assert o is not None and o.at == datetime(2024, 3, 12, 16, 0)


def test_telegram_link_entities_are_targets() -> None:
    o = extract_order("Is tweet ko RT karo", SENT, ("https://x.com/desk/status/99",))
    assert o is not None and o.links == ("https://x.com/desk/status/99",)


@pytest.mark.parametrize("url,sid", [
    ("https://x.com/handle/status/1234567890", "1234567890"),
    ("https://twitter.com/handle/status/42?s=20", "42"),
    ("https://mobile.twitter.com/h/status/7", "7"),
    ("https://x.com/i/web/status/99", "99"),
    ("https://x.com/handle", None),
    ("https://dawn.com/status/5", None),
])
def test_status_id(url: str, sid: str | None) -> None:
    assert status_id(url) == sid


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
       st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_never_crashes_and_orders_have_targets(text: str, sent: datetime) -> None:
    o = extract_order(text, sent)
    if o is not None:
        assert o.hashtags or o.links or o.texts
        assert any(r.startswith("cue:") or r.startswith("time:") for r in o.rules)
        assert o.at is None or o.at >= sent - __import__("datetime").timedelta(minutes=15)
