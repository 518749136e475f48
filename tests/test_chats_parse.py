"""Chat exports read into messages (``trendtrace.readers.chats``, ``docs/chats-formats.md``).

One hand-written export per layout in ``tests/fixtures/chats`` (a Pakistani campaign group writing
English and Roman Urdu), each with the exact messages it must give, explained line by line; the
sender heuristic's tricky lines; date-order detection; phone masking on a table and with
Hypothesis; a round trip (render random messages as a phone would, read them back); and every
error through ``parse_chat``, its text naming the file and line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trendtrace.readers.chats as chats
from trendtrace.chats.model import Message
from trendtrace.model import InputError
from trendtrace.readers.chats import ChatParse, mask_phones, parse_chat, parse_chat_report
from trendtrace.readers.chats.whatsapp import parse_whatsapp

from _cli import one_error

FIX = Path(__file__).parent / "fixtures" / "chats"
ENCRYPTED = ("Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read "
             "or listen to them.")
COPY_TEXT = '"Humari awaaz koi nahi daba sakta, sach samne aa kar rahega"'

Row = tuple[int, datetime, str, str, str]


def rows(messages: list[Message]) -> list[Row]:
    """(line, time, sender, kind, text) of each message: what the golden lists spell out."""
    return [(m.line, m.time, m.sender, m.kind, m.text) for m in messages]


def at(day: int, hour: int, minute: int, second: int = 0, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, minute, second)


def test_public_api_is_frozen() -> None:
    assert chats.__all__ == ["parse_chat", "parse_chat_report", "mask_phones", "ChatParse", "DATE_ORDERS", "MASK"]


# ---- WhatsApp, one fixture per layout ------------------------------------------------------------

def test_android_24h_day_first() -> None:
    rep = parse_chat_report(FIX / "android_24h_dmy.txt")
    # 13/03 can only be day 13: day first, and nothing was guessed
    assert (rep.layout, rep.date_order_guessed) == ("android-24h-dmy", False)
    assert {m.chat for m in rep.messages} == {"android_24h_dmy.txt"}
    assert rows(rep.messages) == [
        # no "Name: " after the dash: the app's lines, kind system, no sender
        (1, at(12, 14, 58), "", "system", ENCRYPTED + " Tap to learn more."),
        (2, at(12, 14, 59), "", "system", 'Ali Raza created group "Trend Team 🇵🇰"'),
        # a number wrapped in U+202A...U+202C in a system line: masked, marks gone
        (3, at(12, 14, 59), "", "system", "Ali Raza added +92•••67"),
        (4, at(12, 15, 0), "Ali Raza", "text",
         "Aaj raat 9 baje #PakistanZindabad trend karna hai, kam az kam 3 tweets har banda"),
        # an unsaved contact writes under its number: the sender is masked
        (5, at(12, 15, 2), "+92•••67", "text", "Ji sir, 9 baje ready"),
        # lines 7 and 8 have no timestamp: they continue the message of line 6
        (6, at(12, 15, 5), "Ali Raza", "text", f"Copy karo:\n{COPY_TEXT}\n#PakistanZindabad"),
        (9, at(12, 15, 6), "Sana Khan", "media", ""),  # <Media omitted>
        # the status id in the link is not a phone number
        (10, at(12, 20, 55), "Ali Raza", "text", "Retweet this: https://x.com/newsdesk/status/1767000000000000001"),
        # a number in a message is masked; "time: 16:00" stays (a second ": " belongs to the text)
        (11, at(12, 20, 56), "Bilal", "text", "Mera number •••67 hai, time: 16:00 se pehle DM karo"),
        (12, at(13, 9, 10), "Sana Khan", "system", "This message was deleted"),  # deleted: system, sender kept
        # the first ": " is inside the quoted old subject: the would-be sender opens a quote, so no sender
        (13, at(13, 9, 11), "", "system", 'Ali Raza changed the subject from "Trend: Team" to "Trend Team 2"'),
        (14, at(13, 9, 12), "", "system", "+92•••21 left"),
        (15, at(13, 9, 15), "", "system", "You joined using this group's invite link"),
        # an attachment with the caption Android writes below it: a written message, the caption its text
        (16, at(13, 21, 1), "Bilal", "text", "Sab log ye image lagao"),
        (18, at(13, 21, 2), "Bilal", "media", ""),  # a voice note without caption
        (19, at(13, 21, 3), "Sana Khan", "text", "Done ✅"),  # the "<This message was edited>" mark dropped
        # line 21 is an iOS line pasted into an Android chat: not this file's layout, so part of the message
        (20, at(13, 21, 5), "Ali Raza", "text", "Dusre group se:\n[13/03/2024, 21:04:10] Hamza: 10 baje #SachKiAwaaz"),
    ]


def test_android_12h_us_month_first() -> None:
    rep = parse_chat_report(FIX / "android_12h_us.txt")
    # 3/13/24: 13 cannot be a month, so month first; am/pm after U+202F; the file has CRLF line ends
    assert (rep.layout, rep.date_order_guessed) == ("android-12h-mdy", False)
    assert rows(rep.messages) == [
        (1, at(12, 11, 58), "", "system", ENCRYPTED + " Tap to learn more."),
        # 12 PM is noon; the sender is the text before the first ": " ("Everyone: ..." is the message)
        (2, at(12, 12, 0), "Ali Raza", "text", "Everyone: at 4:00 PM post #VoteKaro, at least 2 posts each"),
        (3, at(12, 12, 1), "+1•••67", "text", "ok 👍"),  # "+1 (555) 123-4567": country code 1
        (4, at(12, 15, 59), "Ali Raza", "text", "1 minute left!"),  # 3:59 PM
        (5, at(13, 0, 5), "Ali Raza", "text",  # 12:05 AM is five past midnight
         "RT this now: https://twitter.com/desk/status/1767000000000000002"),
        (6, at(13, 0, 6), "Sana Khan", "media", ""),
    ]


def test_ios_brackets_seconds_and_marks() -> None:
    rep = parse_chat_report(FIX / "ios_dmy.txt")
    assert (rep.layout, rep.date_order_guessed) == ("ios-24h-dmy", False)
    assert rows(rep.messages) == [
        # iOS writes the app's lines after a name (the group's, or the member's) and U+200E: system, no sender
        (1, at(12, 14, 58), "", "system", ENCRYPTED),  # the BOM before line 1 is dropped
        (2, at(12, 14, 58, 1), "", "system", "Ali Raza created this group"),
        (3, at(12, 14, 59, 30), "", "system", "Ali Raza added +92•••67"),  # U+200E before the line and the number
        (4, at(12, 15, 0, 5), "Ali Raza", "text",
         "raat 9 baje #SachKiAwaaz pe tweet karo\nsab log zaroor, kam az kam 5 tweets"),
        (6, at(12, 15, 1, 10), "Sana Khan", "media", ""),  # image omitted
        (7, at(12, 15, 2), "Sana Khan", "media", ""),  # <attached: ...jpg>
        (8, at(12, 15, 3), "+92•••21", "media", ""),  # sticker omitted, by an unsaved contact
        (9, at(13, 16, 0), "Ali Raza", "text", f"Copy karo: {COPY_TEXT}"),
        (10, at(13, 16, 1), "Bilal", "system", "This message was deleted."),  # deleted: sender kept
        (11, at(13, 16, 2), "", "system", "Bilal left"),
        (12, at(13, 16, 3), "Sana Khan", "text", "Done"),
    ]


def test_year_first() -> None:
    rep = parse_chat_report(FIX / "ymd.txt")
    # a 4-digit first number: year-month-day whatever the other numbers are
    assert (rep.layout, rep.date_order_guessed) == ("android-24h-ymd", False)
    assert rows(rep.messages) == [
        (1, at(12, 16, 0), "Ali Raza", "text", "16:00 pe #PakistanZindabad trend karo"),
        (2, at(12, 16, 2), "Sana Khan", "text", "Done"),
        (3, at(13, 9, 0), "Bilal", "text", "Kal 3 baje phir"),
    ]


@pytest.mark.parametrize("line,when,layout", [
    ("12/03/2024, 16:00 - Ali: x", at(12, 16, 0), "android-24h-dmy"),
    ("12/03/2024 16:00 - Ali: x", at(12, 16, 0), "android-24h-dmy"),  # no comma after the date
    ("12.03.24, 16:00 - Ali: x", at(12, 16, 0), "android-24h-dmy"),  # dots, 2-digit year
    ("13-3-24, 16:00 - Ali: x", at(13, 16, 0), "android-24h-dmy"),  # dashes, one-digit month
    ("2/3/24, 4:00 pm - Ali: x", at(2, 16, 0), "android-12h-dmy"),  # lower-case pm (ambiguous: day first)
    ("2/3/24, 4:00 p.m. - Ali: x", at(2, 16, 0), "android-12h-dmy"),
    ("2/3/24, 4:00 p. m. - Ali: x", at(2, 16, 0), "android-12h-dmy"),
    ("2/3/24, 4:00\u00a0PM - Ali: x", at(2, 16, 0), "android-12h-dmy"),  # NBSP before PM
    ("2/3/24, 12:30\u202fAM - Ali: x", at(2, 0, 30), "android-12h-dmy"),  # 12 am is 00
    ("12/03/2024, 16:00:05 - Ali: x", at(12, 16, 0, 5), "android-24h-dmy"),  # Android with seconds
    ("[3/12/24, 4:00:05\u202fPM] Ali: x", at(3, 16, 0, 5, month=12), "ios-12h-dmy"),
    ("\u200e[12/03/2024, 16:00:05] Ali: x", at(12, 16, 0, 5), "ios-24h-dmy"),
])
def test_whatsapp_timestamp_variants(line: str, when: datetime, layout: str) -> None:
    rep = parse_whatsapp([line], "x.txt")
    m = rep.messages[0]
    assert (rep.layout, m.time, m.sender, m.text) == (layout, when, "Ali", "x")


# The sender is the text before the first ": " unless it is too long, opens a quotation or names a
# system event (docs/chats-formats.md); otherwise the whole line is the app's.
@pytest.mark.parametrize("rest,sender,kind,text", [
    ("Ali Raza: Time: 9 baje", "Ali Raza", "text", "Time: 9 baje"),  # only the first ": " separates
    ("Dr. Ali (Lahore): ok", "Dr. Ali (Lahore)", "text", "ok"),
    ('Ali "Sher" Raza: ok', 'Ali "Sher" Raza', "text", "ok"),  # quotes closed in the name: still a name
    ('Ali created group "Trend: Team"', "", "system", 'Ali created group "Trend: Team"'),  # open quote
    ("Ali changed the subject from “a: b” to “c”", "", "system", "Ali changed the subject from “a: b” to “c”"),
    ("Ali a changé le sujet de « a: b » à « c »", "", "system", "Ali a changé le sujet de « a: b » à « c »"),
    ("Ali added Sana: welcome", "", "system", "Ali added Sana: welcome"),  # names a system event
    (f"{'x' * 61}: y", "", "system", f"{'x' * 61}: y"),  # longer than any name
    ("Sana Khan:", "Sana Khan", "text", "second line"),  # the message starts on the next line
    ("\u202a+92 300 1234567\u202c: hi", "+92 300 1234567", "text", "hi"),  # marks around the name dropped
    ("Ali: <Médias omis>", "Ali", "media", ""),
    ("Ali: null", "Ali", "media", ""),  # view-once media
    ("Ali: You deleted this message", "Ali", "system", "You deleted this message"),
])
def test_sender_heuristic(rest: str, sender: str, kind: str, text: str) -> None:
    lines = [f"12/03/2024, 16:00 - {rest}"] + (["second line"] if rest.endswith(":") else [])
    m = parse_whatsapp(lines, "x.txt").messages[0]
    assert (m.sender, m.kind, m.text) == (sender, kind, text)


# ---- date order ----------------------------------------------------------------------------------

def test_date_order_ambiguous_is_read_day_first_and_says_so() -> None:
    rep = parse_chat_report(FIX / "android_ambiguous.txt")  # 05/03 and 06/03: either order
    assert rep.date_order_guessed and rep.layout == "android-24h-dmy"
    assert [m.time for m in rep.messages] == [at(5, 10, 0), at(6, 10, 5)]


def test_date_order_forced() -> None:
    rep = parse_chat_report(FIX / "android_ambiguous.txt", date_order="mdy")
    assert not rep.date_order_guessed and rep.layout == "android-24h-mdy"
    assert [m.time for m in rep.messages] == [datetime(2024, 5, 3, 10, 0), datetime(2024, 6, 3, 10, 5)]
    assert parse_chat(FIX / "android_ambiguous.txt", date_order="dmy")[0].time == at(5, 10, 0)


@pytest.mark.parametrize("dates,order", [
    (["13/03/2024", "01/04/2024"], "dmy"),  # one first number above 12 decides for the file
    (["03/13/2024", "04/01/2024"], "mdy"),  # one second number above 12
])
def test_date_order_detected_both_ways(dates: list[str], order: str) -> None:
    rep = parse_whatsapp([f"{d}, 10:00 - Ali: x" for d in dates], "x.txt")
    assert (rep.layout, rep.date_order_guessed) == (f"android-24h-{order}", False)
    assert rep.messages[1].time == datetime(2024, 4, 1, 10, 0)


def test_same_day_and_month_is_not_a_guess() -> None:
    rep = parse_whatsapp(["01/01/2024, 10:00 - Ali: x", "02/02/2024, 10:00 - Ali: y"], "x.txt")
    assert not rep.date_order_guessed  # 01/01 reads the same both ways


def test_date_order_conflict_and_forced_impossible_date() -> None:
    with pytest.raises(InputError, match=r"error_dates_conflict\.txt:3: dates read both day-first \(line 1: "
                                         r"13/03/2024\) and month-first \(line 3: 03/14/2024\); give --date-order"):
        parse_chat(FIX / "error_dates_conflict.txt")
    # forcing an order is the way out, and a date that order cannot read says where it is
    with pytest.raises(InputError, match=r"error_dates_conflict\.txt:3: not a date and time: 03/14/2024 10:00 read "
                                         r"as dmy"):
        parse_chat(FIX / "error_dates_conflict.txt", date_order="dmy")


# ---- Telegram ------------------------------------------------------------------------------------

def test_telegram_single_chat() -> None:
    rep = parse_chat_report(FIX / "telegram_result.json")
    assert rep.layout == "telegram-json" and not rep.date_order_guessed
    ms = rep.messages
    assert {m.chat for m in ms} == {"telegram_result.json"}
    assert rows(ms) == [
        # service messages: system, the actor as sender, a readable line from the action
        (1, at(12, 14, 59), "Ali Raza", "system", 'create group "Trend Team": Ali Raza'),
        (2, at(12, 14, 59), "Ali Raza", "system", "invite members: Sana Khan, +92•••67"),  # member's number masked
        (3, at(12, 15, 0), "Ali Raza", "text",
         "Aaj 16:00 baje sab log #PakistanZindabad trend karein, kam az kam 3 tweets har banda"),
        # text as a list of strings and entities: their concatenation
        (4, at(12, 15, 5), "Ali Raza", "text", 'Is tweet ko RT karo aur copy karo: "Humari awaaz koi nahi daba '
                                               'sakta" #PakistanZindabad https://x.com/newsdesk/status/1767000000000000003'),
        (5, at(12, 15, 6), "+92•••67", "media", ""),  # a photo without caption; the sender is a number
        (6, at(12, 15, 7), "Sana Khan", "text", "Ye image lagao, call •••67 agar masla ho"),  # caption: text
        (7, at(12, 15, 8), "", "text", "Main bhi hoon"),  # "from": null (a deleted account)
        (8, at(12, 15, 9), "Bilal", "media", ""),  # a sticker
    ]
    # date_unixtime, a string or a number, is the exact instant (Pakistan is UTC+5); missing: None
    assert [m.utc for m in ms] == [datetime(2024, 3, 12, 9, 59)] * 2 + [
        datetime(2024, 3, 12, 10, m) for m in (0, 5, 6, 7, 8)] + [None]
    # only a text_link's address is kept apart: a plain link is already in the text
    assert [m.links for m in ms if m.links] == [("https://x.com/newsdesk/status/1767000000000000001",)]


def test_telegram_account_export_gives_one_chat_per_group() -> None:
    ms = parse_chat(FIX / "telegram_account_export.json")
    assert [(m.chat, m.line, m.time, m.utc, m.sender, m.text) for m in ms] == [
        ("telegram_account_export.json:Trend Team", 1, at(12, 21, 0), datetime(2024, 3, 12, 16, 0), "Ali Raza",
         "Kal subah 10 baje #SachKiAwaaz trend karo"),
        # a private chat is named after the contact, here a number: masked in the chat's name too
        ("telegram_account_export.json:+92•••21", 1, at(13, 9, 0), None, "+92•••21", "Group link bhejo"),
        ("telegram_account_export.json:+92•••21", 2, at(13, 9, 1), datetime(2024, 3, 13, 4, 1), "Ali Raza",
         "Abhi bhejta hoon"),
    ]


def test_telegram_left_chats_and_repeated_names(tmp_path: Path) -> None:
    msg = {"id": 1, "type": "message", "date": "2024-03-12T10:00:00", "from": "A", "text": "x"}
    doc = {"chats": {"list": [{"name": "Team", "id": 1, "messages": [msg]}, {"name": "Team", "id": 2, "messages": []}]},
           "left_chats": {"list": [{"name": "Old Team", "id": 3, "messages": [msg]}]}}
    p = tmp_path / "result.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    assert [m.chat for m in parse_chat(p)] == ["result.json:Team (id 1)", "result.json:Old Team"]


def test_number_in_the_file_name_is_masked(tmp_path: Path) -> None:
    p = tmp_path / "WhatsApp Chat with +92 300 1234567.txt"
    p.write_text("12/03/2024, 16:00 - +92 300 1234567: Mera no.03001234567 hai\n", encoding="utf-8")
    m = parse_chat(p)[0]
    assert (m.chat, m.sender, m.text) == ("WhatsApp Chat with +92•••67.txt", "+92•••67", "Mera no.•••67 hai")


def test_keep_phones() -> None:
    ms = parse_chat(FIX / "android_24h_dmy.txt", keep_phones=True)
    # direction marks are dropped from names and from the app's lines either way
    assert (ms[2].text, ms[4].sender) == ("Ali Raza added +92 300 1234567", "+92 300 1234567")
    tg = parse_chat(FIX / "telegram_account_export.json", keep_phones=True)
    assert tg[1].chat == "telegram_account_export.json:+92 301 7654321"


# ---- phone masking -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,masked", [
    ("+92 300 1234567", "+92•••67"),
    ("+923001234567", "+92•••67"),  # the country code from the E.164 table, not the first three digits
    ("+1 (555) 123-4567", "+1•••67"),
    ("+44 7700 900123", "+44•••23"),
    ("+33 6 12 34 56 78", "+33•••78"),
    ("0300-1234567", "•••67"),
    ("(0300) 1234567", "•••67"),
    ("555 123 4567", "•••67"),  # ten digits without a country code
    ("(555) 123-4567", "•••67"),
    ("\u202a+92 300 1234567\u202c left", "+92•••67 left"),  # WhatsApp's marks around a number go with it
    ("Ali added \u200e+92 300 1234567", "Ali added +92•••67"),
    ("call 0300-1234567 now.", "call •••67 now."),
    ("0300-1234567 0301-7654321", "•••67 •••21"),  # two numbers in a row
    ("+92 300 1234567, +92 301 7654321", "+92•••67, +92•••21"),
    ("2024 0300-1234567", "2024 •••67"),  # a year before a number stays
    ("tel:+923001234567", "tel:+92•••67"),
    ("wa.me/923001234567", "wa.me/•••67"),  # the one link whose path is a phone number
    ("۰۳۰۰۱۲۳۴۵۶۷", "•••۶۷"),  # Urdu digits
])
def test_mask_phones_masks(text: str, masked: str) -> None:
    assert mask_phones(text) == masked


@pytest.mark.parametrize("text", [
    "at 16:00 on 12/03/2024, 4:00 PM",  # times and dates
    "2024-03-12 16:00:05",
    "kam az kam 3 tweets, 500 retweets, Rs 1500000, 1,234,567,890 views",  # counts and amounts
    "2022 2023 2024",  # a list of years
    "12 345 678 901",  # an amount grouped in thousands
    "10000 20000 tweets",  # round amounts
    "#Tag1234567890 @user1234567890",  # digits glued to a tag or a mention
    "https://x.com/user/status/1234567890123456789",  # never inside a link
    "x.com/user/status/1234567890 and www.example.com/0300-1234567",
    "id 1767000000000000001",  # more than 15 digits: a status id, not a phone number
    "1 2 3 4 5 6 7 8 9 10",
    "+92 300",  # too short
])
def test_mask_phones_leaves_alone(text: str) -> None:
    assert mask_phones(text) == text


NO_DIGITS = st.text(st.characters(exclude_categories=["Nd"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_mask_phones_is_idempotent(text: str) -> None:
    once = mask_phones(text)
    assert mask_phones(once) == once


@settings(max_examples=200, deadline=None)
@given(NO_DIGITS)
def test_mask_phones_keeps_text_without_digits(text: str) -> None:
    assert mask_phones(text) == text


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A phone number as people write it, and its masked form."""
    subscriber = draw(st.text("0123456789", min_size=9, max_size=10))
    if draw(st.booleans()):  # international: +92 300 1234567, +92-300-1234567, +923001234567
        cc = draw(st.sampled_from(["92", "1", "44", "971", "91"]))
        sep = draw(st.sampled_from([" ", "-", "", "\u00a0"]))
        written = f"+{cc}{sep}{subscriber[:3]}{sep}{subscriber[3:]}"
        if draw(st.booleans()):
            written = f"\u202a{written}\u202c"
        return written, f"+{cc}•••{subscriber[-2:]}"
    sep = draw(st.sampled_from(["-", " ", ""]))  # national: 0300-1234567, 0300 1234567, 03001234567
    return f"0{subscriber[:3]}{sep}{subscriber[3:]}", f"•••{subscriber[-2:]}"


def pieces(alphabet: list[str], min_size: int = 0, max_size: int = 20) -> st.SearchStrategy[str]:
    """Strings made of these characters and words."""
    return st.lists(st.sampled_from(alphabet), min_size=min_size, max_size=max_size).map("".join)


WORDS = pieces([*"abcdefghij KLMN#?!,.", "baje", "karo", "ٹرینڈ"])


@settings(max_examples=300, deadline=None)
@given(WORDS, phone_numbers(), WORDS)
def test_mask_phones_hides_every_number_in_text(before: str, phone: tuple[str, str], after: str) -> None:
    written, masked = phone
    out = mask_phones(f"{before} {written} {after}")
    assert out == f"{before} {masked} {after}"
    assert not re.search(r"\d{3}", out.replace(masked, ""))  # nothing of the number is left elsewhere


@settings(max_examples=200, deadline=None)
@given(WORDS, st.text("0123456789", min_size=8, max_size=19))
def test_mask_phones_never_touches_links(before: str, status: str) -> None:
    url = f"https://x.com/newsdesk/status/{status}?s=20"
    assert url in mask_phones(f"{before} {url} {before}")


# ---- a round trip: messages written as a phone writes them are read back ---------------------------

NAMES = st.sampled_from(["Ali Raza", "Sana Khan", "Bilal", "~ Hamza", "Dr. Ayesha (Lahore)", "+92 300 1234567"])
LINE = pieces([*"abcdefghij KLMNOP#?!,.:'", "baje", "karo", ": ", "ٹرینڈ", "🇵🇰"], 1, 30).filter(
    lambda s: s.strip() not in ("", "null"))
MESSAGES = st.lists(st.tuples(st.integers(0, 60 * 24 * 400), NAMES, st.lists(LINE, min_size=1, max_size=3)),
                    min_size=1, max_size=8)


def _android_12h_us(t: datetime) -> str:
    return f"{t.month}/{t.day}/{t:%y}, {(t.hour - 1) % 12 + 1}:{t:%M}\u202f{'AM' if t.hour < 12 else 'PM'} -"


def _android_24h(t: datetime) -> str:
    return f"{t:%d/%m/%Y}, {t:%H:%M} -"


def _ios_dots(t: datetime) -> str:
    return f"\u200e[{t:%d.%m.%y}, {t:%H:%M:%S}]"


#: How a phone writes a message's timestamp, and the order to read it back in.
LAYOUTS: dict[str, tuple[Callable[[datetime], str], str]] = {
    "android-24h-dmy": (_android_24h, "dmy"),
    "android-12h-mdy": (_android_12h_us, "mdy"),
    "ios-24h-dmy": (_ios_dots, "dmy"),
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(LAYOUTS)), MESSAGES)
def test_whatsapp_round_trip(layout: str, messages: list[tuple[int, str, list[str]]]) -> None:
    stamp, order = LAYOUTS[layout]
    start = datetime(2023, 12, 25, 0, 0)
    expected: list[Row] = []
    lines: list[str] = []
    for minutes, sender, text in sorted(messages):
        t = start + timedelta(minutes=minutes)
        expected.append((len(lines) + 1, t, sender, "text", "\n".join(text).strip()))
        lines += [f"{stamp(t)} {sender}: {text[0]}", *text[1:]]
    rep = parse_whatsapp(lines, "chat.txt", date_order=order)
    assert rep.layout == layout and rows(rep.messages) == expected


# ---- errors: one line, naming the file and the line -------------------------------------------------

@pytest.mark.parametrize("name,pattern", [
    ("error_not_a_chat.txt", r"error_not_a_chat\.txt:1: not a WhatsApp chat export \(expected lines like "
                             r"'12/03/2024, 16:00 - Name: text' or '\[12/03/2024, 16:00:05\] Name: text'\)"),
    ("error_preamble.txt", r"error_preamble\.txt:2: text before the first message \('Chat history with Trend "
                           r"Team'\); a WhatsApp export starts with a dated line like line 3"),
    ("error_impossible_date.txt", r"error_impossible_date\.txt:2: not a date and time: 31/02/2024 10:00 read as dmy"),
    ("error_latin1.txt", r"error_latin1\.txt:2: not UTF-8 text \(byte 0xe9\)"),
    ("error_utf16.txt", r"error_utf16\.txt:1: UTF-16 text; a chat export is UTF-8"),
    ("error_empty.txt", r"error_empty\.txt:1: empty file"),
    ("error_messages.html", r"error_messages\.html:1: Telegram's HTML export is not supported; export the chat "
                            r"again as \"Machine-readable JSON\" \(Telegram Desktop: the chat's ⋮ menu → Export "
                            r"chat history → Format: JSON, or Settings → Advanced → Export Telegram data"),
    ("error_bad.json", r"error_bad\.json:4: not valid JSON \(Expecting property name enclosed in double quotes"),
    ("error_no_messages.json", r"error_no_messages\.json:1: not a Telegram export: no 'messages' list and no "
                               r"'chats'"),
    ("error_no_date.json", r"error_no_date\.json:13: message id 2 has no 'date'"),  # line 13 opens message 2
    ("error_dates_conflict.txt", r"error_dates_conflict\.txt:3: dates read both"),
])
def test_errors_name_file_and_line(name: str, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern) as err:
        parse_chat(FIX / name)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("content,pattern", [
    ("<!DOCTYPE html>\n<html>", r"x\.txt:1: Telegram's HTML export is not supported"),  # told by its start
    ("\n<html lang='en'>", r"x\.txt:1: Telegram's HTML export is not supported"),
    ('{"messages": 3}', r"x\.txt:1: chat 'x\.txt' has no 'messages' list"),
    ('{\n "name": "T",\n "messages": [\n  1\n ]\n}', r"x\.txt:4: a message is not a JSON object"),
    ('{\n "messages": [\n  {"id": 7, "date": "12/03/2024"}\n ]\n}', r"x\.txt:3: message id 7: 'date' is not a date"),
    ('{"messages": [{"id": 7, "date": "2024-03-12T10:00:00", "date_unixtime": "soon"}]}',
     r"x\.txt:1: message id 7: 'date_unixtime' is not a number of seconds \('soon'\)"),
    ('{\n "chats": {\n  "list": [\n   {"name": "A"}\n  ]\n }\n}', r"x\.txt:4: chat 'x\.txt:A' has no 'messages' list"),
    ("[1, 2]", r"x\.txt:1: not a WhatsApp chat export"),
    ("\n".join(["notes"] * 60 + ["12/03/2024, 10:00 - Ali: x"]), r"x\.txt:1: not a WhatsApp chat export"),
])
def test_more_errors(tmp_path: Path, content: str, pattern: str) -> None:
    p = tmp_path / "x.txt"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=pattern):
        parse_chat(p)


def test_json_name_is_read_as_telegram(tmp_path: Path) -> None:
    p = tmp_path / "result.json"
    p.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match=r"result\.json:1: not a Telegram export \(expected a JSON object, got a list"):
        parse_chat(p)


def test_missing_file_folder_and_bad_date_order(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        parse_chat(tmp_path / "nope.txt")
    with pytest.raises(InputError, match=r": is a folder; give the chat's \.txt or result\.json"):
        parse_chat(tmp_path)
    with pytest.raises(InputError, match=r"date order 'ydm': choose one of auto, dmy, mdy, ymd"):
        parse_chat(FIX / "ymd.txt", date_order="ydm")


def test_chat_parse_is_what_parse_chat_wraps() -> None:
    rep = parse_chat_report(FIX / "ymd.txt")
    assert isinstance(rep, ChatParse) and rep.messages == parse_chat(FIX / "ymd.txt")


# ---- through the command line -----------------------------------------------------------------------

def test_errors_and_warnings_through_the_command_line() -> None:
    cmd, env = [sys.executable, "-m", "trendtrace", "chats"], {**os.environ, "PYTHONWARNINGS": "ignore"}
    r = subprocess.run([*cmd, str(FIX / "error_messages.html")], capture_output=True, text=True, env=env, timeout=120)
    one_error(r, r"error_messages\.html:1: Telegram's HTML export is not supported")
    r = subprocess.run([*cmd, str(FIX / "android_ambiguous.txt")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and "read as day/month" in r.stderr and "--date-order mdy" in r.stderr
