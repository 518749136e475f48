"""The chat groups the simulator writes beside its data: WhatsApp exports of the operators' orders,
with the truth of which message ordered what and who carried it out, and the bystanders — real
people who used the same hashtags before the orders and never saw the chat.

One run of the ``small`` scenario (~5,000 posts, nine instructions in three campaigns) is shared.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from trendtrace.model import hashtags_in
from trendtrace.simulate import Simulation, simulate
from trendtrace.simulate._chats import CHAT_STREAM, COPY_LINES

HEAD = re.compile(r"^(\d{2})/(\d{2})/(\d{4}), (\d{2}):(\d{2}) - (.*)$")
STATUS = re.compile(r"https://x\.com/(\w+)/status/(\d+)")
#: Words that make a message an order when they come with a hashtag or a link.
IMPERATIVE = re.compile(r"\b(karo|karein|karna|post|posts|trend|tweets?|copy|rt|retweet|reply|minimum|least)\b", re.I)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Simulation:
    return simulate(tmp_path_factory.mktemp("chats") / "sim", "small", seed=7, fmt="csv")


def _rows(run: Simulation, name: str) -> list[dict[str, str]]:
    with open(run.labels_dir / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _messages(path: Path) -> list[dict]:
    """The export's messages: line, local time, sender ("" for system lines) and text (continuation
    lines joined with a newline)."""
    out: list[dict] = []
    for no, line in enumerate(path.read_text(encoding="utf-8").split("\n")[:-1], start=1):
        m = HEAD.match(line)
        if m is None:  # a continuation of the message above
            assert out, f"{path.name}:{no} continues nothing"
            out[-1]["text"] += "\n" + line
            continue
        d, mo, y, h, mi, rest = m.groups()
        sender, sep, text = rest.partition(": ")
        out.append(dict(line=no, time=datetime(int(y), int(mo), int(d), int(h), int(mi)),
                        sender=sender if sep else "", text=text if sep else rest))
    return out


def _utc(local: datetime, tz: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def _instructions(run: Simulation) -> dict[int, dict]:
    return {ins["instruction"]: dict(ins, campaign=c["name"]) for c in run.truth["campaigns"]
            for ins in c["instructions"]}


def _iso(s: str) -> datetime:
    return datetime.fromisoformat(s.rstrip("Z"))


def test_every_campaign_with_instructions_has_a_whatsapp_export(run: Simulation) -> None:
    out = run.labels_dir.parent
    campaigns = [c["name"] for c in run.truth["campaigns"] if c["instructions"]]
    assert [p.name for p in run.chat_paths] == [f"{c}.txt" for c in campaigns]
    assert {c["chat"]: c["chat_tz"] for c in run.truth["chats"]} == {
        "haq-march.txt": "Europe/Istanbul", "valdoria-solidarity.txt": "Europe/Istanbul",
        "northern-dawn.txt": "Asia/Dubai"}  # the clock of each campaign's first network
    system: list[str] = []
    written: list[dict] = []
    for chat in run.truth["chats"]:
        raw = (out / chat["path"]).read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n")
        lines = raw.decode("utf-8").split("\n")[:-1]
        assert len(lines) == chat["lines"]
        # every line is a message's first line or continues the message above
        assert HEAD.match(lines[0]) and "end-to-end encrypted" in lines[0]
        assert re.search(r' - [\w ]+ created group ".+"$', lines[1])
        msgs = _messages(out / chat["path"])
        times = [m["time"] for m in msgs]
        assert times == sorted(times)
        assert any(re.fullmatch(r"[\w ]+ added \+92 3\d\d \d{7}", m["text"]) for m in msgs if not m["sender"])
        system += [m["text"] for m in msgs if not m["sender"]]
        written += [m for m in msgs if m["sender"]]
    assert any(t.endswith("joined using this group's invite link") for t in system)
    assert any(t.endswith(" left") or " removed +92 " in t for t in system)
    texts = [m["text"] for m in written]
    assert "<Media omitted>" in texts and "This message was deleted" in texts
    assert any("\n" in t for t in texts)  # multi-line messages
    assert any(re.fullmatch(r"\+92 3\d\d \d{7}", m["sender"]) for m in written)  # unsaved numbers write too


def test_orders_and_links_in_the_truth_are_the_messages_at_their_lines(run: Simulation) -> None:
    out = run.labels_dir.parent
    instrs = _instructions(run)
    rows = _rows(run, "chat_instructions.csv")
    assert list(rows[0])[:7] == ["chat", "line", "kind", "instruction", "campaign", "sent_utc", "chat_tz"]
    assert {r["kind"] for r in rows} == {"order", "link", "reply_link"}
    by_chat = {c["chat"]: {m["line"]: m for m in _messages(out / c["path"])} for c in run.truth["chats"]}
    tz = {c["chat"]: c["chat_tz"] for c in run.truth["chats"]}
    orders = defaultdict(list)
    for r in rows:
        ins = instrs[int(r["instruction"])]
        assert r["campaign"] == ins["campaign"] and r["chat"] == f"{ins['campaign']}.txt"
        assert r["chat_tz"] == tz[r["chat"]]
        msg = by_chat[r["chat"]][int(r["line"])]
        assert msg["sender"], "an order is a message someone wrote"
        sent = _iso(r["sent_utc"])
        assert _utc(msg["time"], r["chat_tz"]) == sent.replace(second=0)  # the export shows the minute
        t0 = _iso(ins["time"])
        if r["kind"] == "order":
            orders[ins["instruction"]].append(r)
            assert [h.lower() for h in hashtags_in(msg["text"])] == ins["hashtags"]
            at = datetime.fromisoformat(r["at_local"])
            assert _utc(at, r["chat_tz"]) == t0  # the instructed time is T0 on the chat's clock
            hm = f"{at.hour:02d}:{at.minute:02d}"
            ampm = f"{at.hour % 12 or 12}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"
            assert hm in msg["text"] or ampm in msg["text"], msg["text"]
            assert re.search(rf"\b{r['min_count']}\b", msg["text"])
            if r["copy_text"]:
                assert any(c.format(text=r["copy_text"]) in msg["text"] for c in COPY_LINES.values())
                assert len(r["copy_text"].split()) >= 8
            else:
                assert "Copy" not in msg["text"]
            assert r["copy_text"] == ins["copy_text"]
        else:
            assert STATUS.search(msg["text"]).group(0) in r["url"] and r["url"] in msg["text"]
            want = ins["seed_post_id"] if r["kind"] == "link" else ins["reply_target_post_id"]
            assert STATUS.search(r["url"]).group(2) == r["post_id"] == want
            assert sent < t0
    assert sorted(orders) == sorted(instrs) and all(len(v) == 1 for v in orders.values())
    # every message with a link, a text to copy or an order's words with a hashtag is in the truth
    listed = {(r["chat"], int(r["line"])) for r in rows}
    for chat, msgs in by_chat.items():
        for line, m in msgs.items():
            if (chat, line) in listed:
                continue
            assert "https://" not in m["text"] and "Copy" not in m["text"], m["text"]
            assert not ("#" in m["text"] and IMPERATIVE.search(m["text"])), m["text"]


def test_orders_are_sent_20_to_90_minutes_before_the_executions_start(run: Simulation) -> None:
    instrs = _instructions(run)
    by_chat = {c["chat"]: {m["line"]: m for m in _messages(run.labels_dir.parent / c["path"])}
               for c in run.truth["chats"]}
    posts = {r["post_id"]: r for r in _rows(run, "../posts.csv")}
    for r in _rows(run, "chat_instructions.csv"):
        ins = instrs[int(r["instruction"])]
        t0 = _iso(ins["time"])
        sent = _utc(by_chat[r["chat"]][int(r["line"])]["time"], r["chat_tz"])  # read on the chat's clock
        if r["kind"] == "order":
            assert timedelta(minutes=20) <= t0 - sent <= timedelta(minutes=90)
            assert _iso(ins["order_sent"]) == sent
        elif r["kind"] == "link":  # once the seed post exists, before the executions start
            seed = _iso(posts[r["post_id"]]["time"])
            assert seed.replace(second=0) <= sent < t0 and _iso(r["sent_utc"]) > seed


def test_every_link_points_to_a_post_in_the_data(run: Simulation) -> None:
    posts = {r["post_id"]: r for r in _rows(run, "../posts.csv")}
    links = [m for p in run.chat_paths for m in STATUS.finditer(p.read_text(encoding="utf-8"))]
    assert len(links) >= 9
    for m in links:
        handle, post_id = m.groups()
        assert post_id in posts and posts[post_id]["handle"] == handle


def test_same_seed_same_chat_bytes_other_seed_differs(run: Simulation, tmp_path: Path) -> None:
    again = simulate(tmp_path / "again", "small", seed=7, fmt="coortweet")  # the chats do not depend on the format
    assert [p.read_bytes() for p in again.chat_paths] == [p.read_bytes() for p in run.chat_paths]
    assert (again.labels_dir / "chat_instructions.csv").read_bytes() == (
        run.labels_dir / "chat_instructions.csv").read_bytes()
    other = simulate(tmp_path / "other", "small", seed=8, fmt="coortweet")
    assert other.chat_paths[0].read_bytes() != run.chat_paths[0].read_bytes()
    # the chats are small and the same size whatever --posts: one order per instruction plus chatter
    scaled = simulate(tmp_path / "scaled", "small", seed=7, posts=1_500, fmt="coortweet")
    assert len(_rows(scaled, "chat_instructions.csv")) >= 9
    assert all(abs(a["lines"] - b["lines"]) <= 10 for a, b in zip(scaled.truth["chats"], run.truth["chats"],
                                                                     strict=True))
    assert int.from_bytes(b"chat", "big") == CHAT_STREAM


def test_bystanders_post_the_hashtag_before_each_order_and_are_not_operators(run: Simulation) -> None:
    instrs = _instructions(run)
    accounts = {r["account_id"]: r for r in _rows(run, "accounts.csv")}
    labels = {r["post_id"]: r for r in _rows(run, "posts.csv")}
    posts = {r["post_id"]: r for r in _rows(run, "../posts.csv")}
    executors = {r["account_id"] for r in _rows(run, "chat_executions.csv")}
    rows = _rows(run, "chat_bystanders.csv")
    assert list(rows[0]) == ["account_id", "post_id", "hashtag", "time", "instruction", "role"]
    before: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        ins = instrs[int(r["instruction"])]
        assert accounts[r["account_id"]]["label"] == "organic" and r["account_id"] not in executors
        assert labels[r["post_id"]]["label"] == "organic"
        assert r["hashtag"] == ins["hashtags"][0]
        t = _iso(r["time"])
        if r["role"] == "bystander":
            assert _iso(ins["time"]) - timedelta(hours=24) <= t < _iso(ins["time"])
            post = posts[r["post_id"]]
            assert post["kind"] == "post" and post["hashtags"].lower() == r["hashtag"]
            before[ins["instruction"]].append(r)
        else:
            assert r["role"] == "leak" and t >= _iso(ins["time"])
    for j, ins in instrs.items():
        assert len(before[j]) >= max(3, round(0.03 * ins["accounts"]))
        # at least one of them posts between the order and the start, inside a matcher's window
        assert any(_iso(ins["order_sent"]) < _iso(r["time"]) < _iso(ins["time"]) for r in before[j])
    assert sum(r["role"] == "leak" for r in rows) >= 3


def test_executions_are_every_campaign_post_and_copied_texts_are_used(run: Simulation) -> None:
    instrs = _instructions(run)
    labels = {r["post_id"]: r for r in _rows(run, "posts.csv")}
    posts = {r["post_id"]: r for r in _rows(run, "../posts.csv")}
    rows = _rows(run, "chat_executions.csv")
    assert list(rows[0])[:5] == ["instruction", "account_id", "post_id", "kind", "copied_text"]
    seeds = {ins["seed_post_id"] for ins in instrs.values()}
    campaign_posts = {p for p, r in labels.items() if r["label"] in {i["campaign"] for i in instrs.values()}}
    assert {r["post_id"] for r in rows} == campaign_posts - seeds
    gave = 0
    for j, ins in instrs.items():
        mine = [r for r in rows if int(r["instruction"]) == j]
        assert all(posts[r["post_id"]]["account_id"] == r["account_id"] for r in mine)
        assert all(posts[r["post_id"]]["ref_post_id"] == ins["seed_post_id"] for r in mine if r["kind"] == "repost")
        own = [r for r in mine if r["kind"] == "post"]
        copied = [r for r in own if r["copied_text"] == "true"]
        for r in own:
            text = posts[r["post_id"]]["text"]
            assert (r["copied_text"] == "true") == bool(ins["copy_text"] and ins["copy_text"] in text)
        if ins["copy_text"]:
            gave += 1
            assert len(copied) >= 0.5 * len(own) > 0
        else:
            assert not copied
    assert 3 <= gave <= 6  # about half of the orders give a text
