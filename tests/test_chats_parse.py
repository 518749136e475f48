"""Chat exports read into messages (issue 18, item 1): one hand-written export per layout in
``tests/fixtures/chats``, each with the messages it must give, explained case by case; phone
masking; every error through ``parse_chat`` and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.model import InputError
from trendtrace.readers.chats import mask_phones, parse_chat, parse_chat_report

from _cli import one_error

FIX = Path(__file__).parent / "fixtures" / "chats"
TRENDTRACE = [sys.executable, "-m", "trendtrace"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def _rows(name: str, **kw: str) -> list[tuple[int, datetime, str, str, str]]:
    return [(m.line, m.time, m.sender, m.kind, m.text) for m in parse_chat(FIX / name, **kw)]  # type: ignore[arg-type]


def test_android_24h_day_first() -> None:
    rows = _rows("android_24h_dmy.txt")
    d = lambda day, h, mi: datetime(2024, 3, day, h, mi)  # noqa: E731
    assert rows == [
        (1, d(12, 14, 58), "", "system", rows[0][4]),  # the encryption notice: no "Name: " prefix
        (2, d(12, 14, 59), "", "system", 'Ali Raza created group "Trend Team 🇵🇰"'),
        (3, d(12, 14, 59), "", "system", "Ali Raza added +92•••67"),  # a number in a system line: masked
        (4, d(12, 15, 0), "Ali Raza", "text",
         "Aaj raat 9 baje #PakistanZindabad trend karna hai, kam az kam 3 tweets har banda"),
        (5, d(12, 15, 2), "+92•••67", "text", "Ji sir"),  # an unsaved contact: the sender is masked
        # a multi-line message: the lines without a timestamp continue it
        (6, d(12, 15, 5), "Ali Raza", "text",
         'Copy karo:\n"Humari awaaz koi nahi daba sakta, sach samne aa kar rahega"\n#PakistanZindabad'),
        (9, d(12, 15, 6), "Sana", "media", ""),  # <Media omitted>
        (10, d(12, 20, 55), "Ali Raza", "text", "Retweet this: https://x.com/newsdesk/status/1767000000000000001?s=20"),
        (11, d(13, 9, 10), "Sana", "system", "This message was deleted"),  # deleted: system, sender kept
        # a subject holding ": " is still a system line (its "sender" would be 'Ali Raza changed ... "Trend')
        (12, d(13, 9, 11), "", "system", 'Ali Raza changed the subject from "Trend: Team" to "Trend Team 2"'),
        (13, d(13, 9, 12), "", "system", "+92•••21 left"),
    ]
    assert rows[0][4].startswith("Messages and calls are end-to-end encrypted")
    rep = parse_chat_report(FIX / "android_24h_dmy.txt")
    assert rep.layout == "android-24h-dmy" and not rep.date_order_guessed  # day 13 decides: day first


def test_android_12h_us_month_first() -> None:
    # 3/13/24: 13 cannot be a month, so month first; 4:00 PM after U+202F; 12:05 AM is 00:05
    rows = _rows("android_12h_us.txt")
    assert [(r[1], r[2], r[4][:22]) for r in rows] == [
        (datetime(2024, 3, 12, 15, 0), "Ali Raza", "Everyone: at 4:00 PM p"),
        (datetime(2024, 3, 12, 15, 1), "Bob", "ok"),
        (datetime(2024, 3, 13, 0, 5), "Ali Raza", "RT this now: https://t"),
    ]
    assert parse_chat_report(FIX / "android_12h_us.txt").layout == "android-12h-mdy"


def test_ios_brackets_seconds_and_marks() -> None:
    rows = _rows("ios_dmy.txt")
    assert rows == [
        # U+200E marks at the start of lines and of texts are dropped
        (1, datetime(2024, 3, 12, 15, 0, 5), "Ali Raza", "text", "Messages and calls are end-to-end encrypted."),
        (2, datetime(2024, 3, 12, 15, 0, 7), "Ali Raza", "text", "raat 9 baje #PTI pe tweet karo\nsab log zaroor"),
        (4, datetime(2024, 3, 12, 15, 1, 10), "Sana", "media", ""),  # image omitted
        (5, datetime(2024, 3, 12, 15, 2), "Sana", "media", ""),  # <attached: ...>
        (6, datetime(2024, 3, 13, 16, 0), "Ali Raza", "text",
         'Copy this text: "Every vote counts and every voice matters today"'),
    ]
    assert parse_chat_report(FIX / "ios_dmy.txt").layout == "ios-24h-dmy"


def test_date_order_ambiguous_forced_and_conflicting(tmp_path: Path) -> None:
    rep = parse_chat_report(FIX / "android_ambiguous.txt")  # 05/03 and 06/03: either order
    assert rep.date_order_guessed and rep.messages[0].time == datetime(2024, 3, 5, 10, 0)
    forced = parse_chat_report(FIX / "android_ambiguous.txt", date_order="mdy")
    assert not forced.date_order_guessed and forced.messages[0].time == datetime(2024, 5, 3, 10, 0)
    assert parse_chat(FIX / "ymd.txt")[0].time == datetime(2024, 3, 12, 16, 0)
    bad = tmp_path / "both.txt"
    bad.write_text("13/03/2024, 10:00 - A: x\n03/14/2024, 10:00 - A: y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"both\.txt:2: dates read both day-first \(line 1\) and month-first"):
        parse_chat(bad)
    # a forced order that makes an impossible date says where
    with pytest.raises(InputError, match=r"both\.txt:1: not a date"):
        parse_chat(bad, date_order="mdy")


def test_telegram_single_chat() -> None:
    ms = parse_chat(FIX / "telegram_result.json")
    assert [(m.line, m.kind, m.sender) for m in ms] == [
        (1, "system", "Ali Raza"), (2, "text", "Ali Raza"), (3, "text", "Ali Raza"),
        (4, "media", "+92•••67"),  # a photo without caption; the number masked
        (5, "text", "Sana"),  # a photo with a caption is a written message
    ]
    assert ms[1].time == datetime(2024, 3, 12, 15, 0) and ms[1].utc == datetime(2024, 3, 12, 10, 0)
    # text as a list of entities: concatenated; the text_link's address kept apart
    assert ms[2].text == "Is tweet ko RT karo #PakistanZindabad"
    assert ms[2].links == ("https://x.com/newsdesk/status/1767000000000000001",)


def test_telegram_account_export_gives_one_chat_per_group() -> None:
    ms = parse_chat(FIX / "telegram_account_export.json")
    assert [(m.chat, m.line, m.utc is None) for m in ms] == [
        ("telegram_account_export.json:Group A", 1, False), ("telegram_account_export.json:Group B", 1, True)]


def test_keep_phones() -> None:
    ms = parse_chat(FIX / "android_24h_dmy.txt", keep_phones=True)
    assert ms[4].sender == "+92 300 1234567"


@pytest.mark.parametrize("text,masked", [
    ("+92 300 1234567", "+92•••67"),
    ("\u202a+92 301 7654321\u202c left", "+92•••21 left"),
    ("+1 (555) 123-4567", "+1•••67"),
    ("call 0300-1234567 now", "call •••67 now"),
    ("at 16:00 on 12/03/2024 post 3 tweets in 2024", None),  # times, dates, counts, years stay
    ("https://x.com/u/status/1234567890123456789", None),  # never inside a link
    ("#Tag2024 and 1234567", None),  # 7 digits: too short for a phone number
    ("Rs 100 per tweet", None),
])
def test_mask_phones(text: str, masked: str | None) -> None:
    assert mask_phones(text) == (text if masked is None else masked)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_mask_phones_is_idempotent_and_keeps_digit_free_text(text: str) -> None:
    once = mask_phones(text)
    assert mask_phones(once) == once
    if not any(c.isdigit() for c in text):
        assert once == text


@pytest.mark.parametrize("content,pattern", [
    ("this is not a chat export\nat all\n", r"x\.txt:1: not a WhatsApp chat export"),
    ("", r"x\.txt:1: empty file"),
    ('{"messages": 3}', r"x\.txt:1: chat .* has no 'messages' list"),
    ('{"messages": [', r"x\.txt:1: not valid JSON"),
    ('{"name": "x"}', r"x\.txt:1: not a Telegram export"),
    ("<!DOCTYPE html><html>", r"Telegram's HTML export is not read"),
])
def test_errors_name_file_and_line(tmp_path: Path, content: str, pattern: str) -> None:
    p = tmp_path / "x.txt"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=pattern):
        parse_chat(p)


def test_not_utf8_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "latin.txt"
    p.write_bytes("12/03/2024, 10:00 - A: ok\n12/03/2024, 10:01 - A: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin\.txt:2: not UTF-8"):
        parse_chat(p)
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        parse_chat(tmp_path / "nope.txt")


def test_errors_through_the_command_line(tmp_path: Path) -> None:
    p = tmp_path / "x.html"
    p.write_text("<html><body>export</body></html>", encoding="utf-8")
    one_error(subprocess.run([*TRENDTRACE, "chats", str(p)], capture_output=True, text=True, env=ENV, timeout=60),
              r"x\.html: Telegram's HTML export is not read")
    r = subprocess.run([*TRENDTRACE, "chats", str(FIX / "android_ambiguous.txt")], capture_output=True, text=True,
                       env=ENV, timeout=60)
    assert r.returncode == 0 and "read as day/month" in r.stderr and "--date-order mdy" in r.stderr
    r = subprocess.run([*TRENDTRACE, "chats", str(FIX / "ymd.txt"), str(FIX / "ios_dmy.txt"), "--chat-tz",
                        "Asia/Karachi", "--chat-tz", "UTC", "--chat-tz", "UTC"], capture_output=True, text=True,
                       env=ENV, timeout=60)
    one_error(r, r"--chat-tz: given 3 times for 2 chats")
