"""Orders matched to the posts that carried them out (issue 18, items 3-4), on golden data explained
line by line, through the command line and the library.

The chat (WhatsApp, Android layout, on Asia/Karachi's clock, UTC+5) gives three orders on
12 March 2024:

  I1 15:00 (10:00 UTC) "at 16:00 everyone trend #TestTag, at least 2 tweets each"
       window: 10:00 UTC .. 11:00 + 6 h = 17:00 UTC; baseline: 11 March 10:00 .. 12 March 10:00 UTC
  I2 15:55 (10:55 UTC) "retweet this: https://x.com/hub/status/900"   window 10:55 .. 16:55
  I3 15:56 (10:56 UTC) 'copy this text: "Humari awaaz koi nahi daba sakta sach samne aayega"'

and chatter that is not an order. The posts (UTC):

  o1, o2   use #TestTag on 11 March 20:00 and 12 March 08:00: the baseline (2 posts in 24 h, so
           (2 + 1) / 144 = 0.021 posts per ten minutes)
  e1..e6   #TestTag at 11:01..11:06, all in the ten-minute spell 11:00..11:10 after I1 (spell 6
           from 10:00): 6 posts, 290 times the baseline, >= 5 posts: a burst -> timing evidence
  e1       also retweets post 900 at 11:02 -> link evidence for I2
  e8       replies to post 900 at 12:00 -> link evidence for I2
  e7       posts the instructed text plus #TestTag at 13:30 -> text evidence for I3; for I1 it is a
           hashtag use alone outside any burst (matched 2 orders < chat_min_orders 3): not qualified
  o3       uses #TestTag at 15:00: a bystander of I1 (alone in its spell, no other evidence)
  o4       uses #OtherTag at 11:02: matches nothing
  o5       uses #TestTag at 18:00: after I1's window, matches nothing
  hub      wrote post 900 at 10:50 (before I2 was sent): the linked post itself is no execution
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from trendtrace.chats.match import orders
from trendtrace.chats.model import Message
from trendtrace.settings import Settings

from _cli import one_error

TRENDTRACE = [sys.executable, "-m", "trendtrace"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}

CHAT = """12/03/2024, 14:58 - Messages and calls are end-to-end encrypted. No one outside of this chat can read them.
12/03/2024, 14:59 - Admin created group "Trend Team"
12/03/2024, 15:00 - Admin: Aaj 16:00 baje sab log #TestTag trend karein, kam az kam 2 tweets har banda
12/03/2024, 15:30 - Bilal: ok ji
12/03/2024, 15:55 - Admin: Ye tweet RT karo: https://x.com/hub/status/900
12/03/2024, 15:56 - Admin: Copy this text: "Humari awaaz koi nahi daba sakta sach samne aayega"
12/03/2024, 17:10 - +92 321 9988776: Zabardast! #TestTag top pe hai
"""

POSTS = [
    # post_id, account_id, time (UTC), text, ref_post_id, reply_to_post_id
    ("101", "o1", "2024-03-11T20:00:00Z", "what is #TestTag about", "", ""),
    ("102", "o2", "2024-03-12T08:00:00Z", "#TestTag again", "", ""),
    ("900", "hub", "2024-03-12T10:50:00Z", "The news of the day #Hub", "", ""),
    *[(str(200 + i), f"e{i}", f"2024-03-12T11:0{i}:00Z", f"Post number {i} for #TestTag", "", "")
      for i in range(1, 7)],
    ("300", "e1", "2024-03-12T11:02:30Z", "RT @hub: The news of the day", "900", ""),
    ("301", "e8", "2024-03-12T12:00:00Z", "@hub so true", "900", "900"),
    ("302", "e7", "2024-03-12T13:30:00Z", "Humari awaaz koi nahi daba sakta, sach samne aayega! #TestTag", "", ""),
    ("303", "o3", "2024-03-12T15:00:00Z", "watching #TestTag trend", "", ""),
    ("304", "o4", "2024-03-12T11:02:00Z", "something else #OtherTag", "", ""),
    ("305", "o5", "2024-03-12T18:00:00Z", "late to #TestTag", "", ""),
]


def _write(tmp: Path) -> tuple[Path, Path]:
    posts, chat = tmp / "posts.csv", tmp / "Trend Team.txt"
    with posts.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["post_id", "account_id", "time", "text", "ref_post_id", "reply_to_post_id"])
        w.writerows(POSTS)
    chat.write_text(CHAT, encoding="utf-8")
    return posts, chat


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    tmp = tmp_path_factory.mktemp("chats")
    posts, chat = _write(tmp)
    r = subprocess.run([*TRENDTRACE, "analyze", str(posts), "--chats", str(chat), "--home-tz", "Asia/Karachi",
                        "--out", str(tmp / "out")], capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    return tmp / "out", r


def test_instructions_csv(run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, r = run
    rows = {x["instruction"]: x for x in _csv(out / "instructions.csv")}
    assert sorted(rows) == ["I1", "I2", "I3"]  # the chatter and the praise after the fact are no orders
    i1, i2, i3 = rows["I1"], rows["I2"], rows["I3"]
    assert i1["sent_at"].startswith("2024-03-12 10:00:00") and i1["at_time"].startswith("2024-03-12 11:00:00")
    assert i1["hashtags"] == "#testtag" and i1["min_count"] == "2" and i1["sender"] == "Admin"
    assert (i1["accounts"], i1["executed_posts"]) == ("6", "6")  # e1..e6, timing
    assert i1["hashtag_users"] == "8" and i1["hashtag_users_not_qualified"] == "2"  # + e7 and o3
    assert i1["baseline_posts"] == "2" and i1["evidence"] == "timing 6"
    assert i1["accounts_meeting_min_count"] == "0"  # each posted once
    assert float(i1["median_delay_s"]) == 3600 + 210  # first posts 11:01..11:06 after 10:00: median 11:03:30
    assert i2["links"] == "https://x.com/hub/status/900" and (i2["accounts"], i2["evidence"]) == ("2", "link 2")
    assert i3["texts"] == "Humari awaaz koi nahi daba sakta sach samne aayega"
    assert (i3["accounts"], i3["evidence"]) == ("1", "text 1")
    assert "Chats: 3 orders read from 7 messages; 8 accounts carried out at least one (9 posts" in r.stderr


def test_executions_and_executors_csv(run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = run
    ex = _csv(out / "executions.csv")
    got = [(x["instruction"], x["post_id"], x["account_id"], x["matched"], x["evidence"]) for x in ex]
    assert got == [
        *[("I1", str(200 + i), f"e{i}", "hashtag", "timing") for i in range(1, 7)],
        ("I2", "300", "e1", "link", "link"),
        ("I2", "301", "e8", "link", "link"),
        ("I3", "302", "e7", "text", "text"),
    ]
    assert float(next(x for x in ex if x["post_id"] == "302")["similarity"]) == 1.0
    assert float(next(x for x in ex if x["post_id"] == "300")["delay_s"]) == 7 * 60 + 30  # 11:02:30 - 10:55
    by = {x["account_id"]: x for x in _csv(out / "executors.csv")}
    assert set(by) == {"e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"}
    e1 = by["e1"]
    assert (e1["instructions"], e1["instruction_ids"], e1["evidence"]) == ("2", "I1 I2", "link, timing")
    accounts = {x["account_id"]: x for x in _csv(out / "accounts.csv")}  # the labelled group, in the reasons
    assert accounts["e1"]["reasons"].startswith("carried out 2 chat orders (I1 I2; evidence: link, timing)")
    assert "chat order" not in accounts["o3"]["reasons"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="chats"' in html and "Orders from chat groups" in html
    assert "9988776" not in html  # phone numbers are masked in every output
    with duckdb.connect(str(out / "trendtrace.duckdb"), read_only=True) as con:  # the store too
        senders = {r[0] for r in con.execute("SELECT sender FROM chat_messages").fetchall()}
    assert "+92•••76" in senders and not any("9988776" in x for x in senders)


def test_orders_are_read_on_the_chat_clock() -> None:
    msg = Message(chat="c", line=1, time=datetime(2024, 3, 12, 15, 0), sender="A",
                  text="Aaj 16:00 baje sab log #X trend karein")
    (ins,) = orders([msg], ZoneInfo("Asia/Karachi"), Settings())
    assert (ins.sent.hour, ins.at and ins.at.hour) == (10, 11)
    (utc,) = orders([msg], None, Settings())  # no zone known: the clock is read as UTC
    assert (utc.sent.hour, utc.at and utc.at.hour) == (15, 16)


def test_chats_command_lists_orders(tmp_path: Path) -> None:
    _, chat = _write(tmp_path)
    r = subprocess.run([*TRENDTRACE, "chats", str(chat), "--chat-tz", "Asia/Karachi", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "3 orders in 5 written messages" in r.stdout and "#testtag" in r.stdout
    rows = _csv(tmp_path / "o" / "instructions.csv")
    assert [x["instruction"] for x in rows] == ["I1", "I2", "I3"]
    assert rows[0]["sent_at"].startswith("2024-03-12 10:00:00") and rows[0]["accounts"] == ""


def test_pseudonymized_outputs_carry_no_chat_links_or_senders(tmp_path: Path) -> None:
    posts, chat = _write(tmp_path)
    r = subprocess.run([*TRENDTRACE, "analyze", str(posts), "--chats", str(chat), "--home-tz", "Asia/Karachi",
                        "--pseudonymize", "--out", str(tmp_path / "shared")], capture_output=True, text=True, env=ENV,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    for name in ("instructions.csv", "executions.csv", "executors.csv", "report.html", "report.json"):
        text = (tmp_path / "shared" / name).read_text(encoding="utf-8")
        assert "x.com/hub" not in text and "Admin" not in text and ",e1," not in text, name


def test_bad_chat_is_one_error_and_no_store(tmp_path: Path) -> None:
    posts, _ = _write(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a chat export\nat all\n", encoding="utf-8")
    r = subprocess.run([*TRENDTRACE, "analyze", str(posts), "--chats", str(bad), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=ENV, timeout=120)
    one_error(r, r"bad\.txt.*not a WhatsApp chat export")
    assert not (tmp_path / "out" / "trendtrace.duckdb").exists()
    r = subprocess.run([*TRENDTRACE, "chats", str(tmp_path / "missing.txt")], capture_output=True, text=True, env=ENV,
                       timeout=60)
    one_error(r, r"missing\.txt")
    r = subprocess.run([*TRENDTRACE, "chats", str(bad), "--chat-tz", "Mars/Olympus"], capture_output=True, text=True,
                       env=ENV, timeout=60)
    one_error(r, r"chat_tz.*IANA")
    _, chat = _write(tmp_path)
    r = subprocess.run([*TRENDTRACE, "chats", str(chat), str(chat), "--chat-tz", "UTC", "--chat-tz", "UTC",
                        "--chat-tz", "UTC"], capture_output=True, text=True, env=ENV, timeout=60)
    one_error(r, r"--chat-tz: given 3 times for 2 chats")
