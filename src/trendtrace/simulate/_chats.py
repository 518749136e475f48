"""The chat groups that drove the simulated campaigns: WhatsApp exports and their truth.

Operators of a paid campaign take their orders in a chat group. For every campaign with
instructions the simulator writes the group's WhatsApp export (Android layout, 24-hour clock,
day-first dates, the operators' own clock): system lines (encryption notice, group created,
members added, joining and leaving), per instruction an ORDER message 20–90 minutes before the
executions start (hashtags, the instructed local time, a minimum count, in about half of them a
text to copy), a LINK message to the seed post once it exists (and sometimes a reply link to the
target post), and members' chatter that gives no order.

Pure: :func:`chat_groups` reads the engine's plans (after rendering, when the seed and target
posts have their ids) and returns the text of each export with one truth row per ORDER or LINK
message; the caller writes the files. Every choice comes from a stream of its own,
``default_rng([seed, CHAT_STREAM, 1, campaign])``: the posts' streams are untouched and the same
seed gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from trendtrace.model import normalize_hashtag
from trendtrace.simulate import _names as N

__all__ = ["CHAT_STREAM", "ChatGroup", "ChatOrder", "chat_groups", "ORDER_TEMPLATES", "LINK_TEMPLATES",
           "REPLY_LINK_TEMPLATES", "COPY_LINES", "iso"]

#: The chat's random streams: ``default_rng([seed, CHAT_STREAM, ...])`` ("chat" as an integer).
CHAT_STREAM = int.from_bytes(b"chat", "big")

#: Order messages: (language, uses a day word, template). ``{hm}`` is the instructed local time on a
#: 24-hour clock (``16:00``), ``{ampm}`` the same on a 12-hour one (``4:00 PM``): both read one way.
ORDER_TEMPLATES: tuple[tuple[str, bool, str], ...] = (
    ("rom", True, "Aaj {hm} baje sab log {tags} trend karein, kam az kam {n} tweets har banda"),
    ("en", False, "Everyone: at {ampm} post {tags_and}, at least {n} posts each"),
    ("rom", False, "Sab members dhyan dein: {hm} baje {tags} pe tweet karna hai, har account se kam az kam {n} tweets"),
    ("en", True, "Team, today at {hm} we trend {tags}. Minimum {n} tweets per account"),
    ("rom", False, "{ampm} se {tags} chalana hai, sab ne kam az kam {n} posts karni hain"),
    ("en", False, "Attention all: trend starts {hm} sharp. Hashtags: {tags}. At least {n} tweets each 🇵🇰"),
)
#: How an order gives its text to copy, by the order's language (on a line of its own or not).
COPY_LINES = {"rom": 'Copy karo: "{text}"', "en": 'Copy this text: "{text}"'}
#: Link messages: the seed post to repost, and the target post to reply to.
LINK_TEMPLATES = ("Ye tweet RT karo: {url}", "Sab isko retweet karein 👇\n{url}", "RT this now: {url}",
                  "Is post ko RT aur quote karo: {url}")
REPLY_LINK_TEMPLATES = ("Is pe reply karo: {url}", "Reply on this one, sab log: {url}",
                        "Is khabar pe reply karein 👇\n{url}")

# Chatter: never an order (no imperative together with a hashtag or a link).
_GROUP_TITLES = {
    "political": ("HM Digital Force 🇵🇰", "Haq Social Media Team", "HAQ Trends Official"),
    "foreign-cause": ("Valdoria Voice Team", "VS Digital Wing", "Solidarity Trends 🌍"),
    "banned-group": ("ND Media Cell", "Dawn Digital Team", "North Voice Group"),
}
_WELCOME = ("Assalam o alaikum team. Is group mein sirf kaam ki baat hogi 🙏",
            "Welcome all. Timings aur instructions yahin milenge, notifications on rakhein",
            "Salam sab ko. Ye official group hai, faltu forward nahi chahiye")
_ACKS = ("Ok 👍", "Ji sir", "InshaAllah", "Ji admin sahab 👍", "Noted", "Ready hain 💪", "Ok bhai")
_ASK_LINK = ("koi link bhej do?", "Link kab aye ga?", "Seed tweet ka link?", "Bhai link?")
_PRAISE = ("Zabardast! {tag} top pe hai 🔥", "{tag} trending mein number {k} pe 👏",
           "MashaAllah, {tag} abhi tak chal raha hai", "Kamaal team 🔥 {tag} Pakistan trends mein")
_DONE = ("Done ✅", "Mere {k} tweets ho gaye ✅", "Ho gaya bhai", "Done sir, sab accounts se", "Mine done 👍")
_SUMMARY = ("Aaj ka trend acha gaya 👏\nTop 10 mein {k} ghante raha\nShukriya sab ka 🙏",
            "Report:\nTop position: {k}\nSab ne acha kaam kiya, shabash",
            "Alhamdulillah kamyab trend\nKal ka time baad mein bataya jaye ga")
_DAILY = ("Kal ka plan kya hai?", "Bhai payment kab aye gi?",
          "Mera ek account lock ho gaya, number verification maang raha hai", "Naye accounts ke liye SIM chahiye",
          "Koi update?", "Aaj koi trend hai?", "Mere 3 accounts suspend ho gaye 😢", "Payment mil gayi, shukriya admin",
          "Aaj net bohat slow hai", "Kisi ke paas extra SIM hai?", "Naya account bana liya, 200 followers ho gaye",
          "Admin sahab, kal off hai kya?", "Sab theek?", "Ji theek hai", "Bijli nahi hai, mobile se kaam kar raha hoon")
_MORNING = ("Good morning team ☀️", "Subah bakhair sab ko", "Assalam o alaikum, good morning")
_NIGHT = ("Shab bakhair", "Good night team 🌙")
_NICKS = ("Bhai", "Team", "HM", "Ops")
_MEDIA = "<Media omitted>"
_DELETED = "This message was deleted"
_ENCRYPTED = ("Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
              "can read or listen to them. Tap to learn more.")


@dataclass(frozen=True)
class ChatOrder:
    """One ORDER or LINK message of a chat and what it asks (a row of ``labels/chat_instructions.csv``).

    ``line``: 1-based line of the export where the message starts; ``sent``: unix seconds (the
    export shows the minute, on ``chat_tz``'s clock); ``at``: the instruction's time T0 (when
    executions start); ``url``/``post_id``: the linked post (links only)."""

    chat: str
    line: int
    kind: str  # order | link | reply_link
    instruction: int
    campaign: str
    sent: int
    chat_tz: str
    hashtags: tuple[str, ...]
    at: int
    at_local: str = ""
    min_count: int | None = None
    copy_text: str = ""
    url: str = ""
    post_id: str = ""


@dataclass
class ChatGroup:
    """One exported chat: the campaign it drove, its file name and clock, its lines and its orders."""

    campaign: str
    file_name: str
    title: str
    tz: str
    lines: list[str]
    orders: list[ChatOrder] = field(default_factory=list)
    members: int = 0

    def text(self) -> str:
        """The export's content (``\\n`` line ends, a final newline)."""
        return "\n".join(self.lines) + "\n"


@dataclass
class _Msg:
    t: int
    seq: int
    sender: str  # "" for a system line
    text: str
    order: dict[str, Any] | None = None


def _phone(rng: np.random.Generator) -> str:
    """A Pakistani mobile number as WhatsApp shows an unsaved contact: ``+92 3xx xxxxxxx``."""
    return f"+92 3{int(rng.integers(0, 50)):02d} {int(rng.integers(0, 10**7)):07d}"


def _ampm(local: datetime) -> str:
    h = local.hour % 12 or 12
    return f"{h}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def _tags(hashtags: tuple[str, ...], joiner: str = "") -> str:
    tags = ["#" + h for h in hashtags]
    if joiner and len(tags) > 1:
        return ", ".join(tags[:-1]) + f" {joiner} " + tags[-1]
    return " ".join(tags)


def chat_groups(engine: Any) -> list[ChatGroup]:
    """The chat group of every campaign with instructions, from the engine's plans.

    Call after the engine has rendered its posts (the links need the seed and target posts' ids;
    a link whose post was never rendered is left out). Returns one :class:`ChatGroup` per campaign
    with instructions, in the scenario's campaign order.
    """
    groups = []
    for ci, camp in enumerate(engine.scn.campaigns):
        plans = [(j, p) for j, p in enumerate(engine.instr) if p.campaign == ci]
        if plans:
            groups.append(_chat(engine, ci, camp, plans))
    return groups


def _chat(engine: Any, ci: int, camp: Any, plans: list[tuple[int, Any]]) -> ChatGroup:
    rng = np.random.default_rng([engine.seed, CHAT_STREAM, 1, ci])
    net_index = {name: k for k, name in enumerate(engine.net_names)}
    tz = engine.net_tz[net_index[camp.instructions[0].networks[0][0]]]
    titles = _GROUP_TITLES.get(camp.theme, (f"{camp.name} team",))
    b = _Builder(rng, tz, titles[int(rng.integers(len(titles)))])
    created = b.minute_in(b.day_start(min(p.time for _, p in plans)) - int(rng.integers(2, 6)) * 86400, 10, 18)
    b.opening(created, engine.end)
    b.daily(created, engine.end)
    for j, plan in plans:
        b.instruction(j, plan, engine)
    return b.export(camp.name, f"{camp.name}.txt", engine.end)


class _Builder:
    """The messages of one chat group, drawn from ``rng`` on the clock of ``tz``."""

    def __init__(self, rng: np.random.Generator, tz: str, title: str) -> None:
        self.rng, self.tz, self.zone, self.title = rng, tz, ZoneInfo(tz), title
        self.msgs: list[_Msg] = []
        # Two admins (saved contacts), members saved by name or shown as numbers, and a few numbers
        # that join or leave later and never write.
        self._used: set[str] = set()
        self.admins = [self._fresh(lambda: f"{self.pick(N.MALE)} {self.pick(N.LAST)}")]
        self.admins.append(self._fresh(lambda: f"{self.pick(N.FEMALE)} {self.pick(N.LAST)}"))
        self.members = [self._fresh(lambda: _phone(rng)) if rng.random() < 0.6 else
                        self._fresh(lambda: f"{self.pick(N.MALE)} {self.pick(_NICKS)}")
                        for _ in range(int(rng.integers(8, 15)))]
        self.lurkers = [self._fresh(lambda: _phone(rng)) for _ in range(int(rng.integers(2, 5)))]
        self.writers = self.admins + self.members

    def _fresh(self, make: Any) -> str:
        while True:
            s = make()
            if s not in self._used:
                self._used.add(s)
                return str(s)

    def pick(self, bank: tuple[str, ...] | list[str]) -> str:
        return bank[int(self.rng.integers(len(bank)))]

    def say(self, t: int, sender: str, text: str, order: dict[str, Any] | None = None) -> None:
        self.msgs.append(_Msg(int(t), len(self.msgs), sender, text, order))

    def local(self, t: int) -> datetime:
        return datetime.fromtimestamp(t, self.zone)

    def day_start(self, t: int) -> int:
        """Unix seconds of the local midnight that starts ``t``'s day."""
        return int(self.local(t).replace(hour=0, minute=0, second=0, microsecond=0).timestamp())

    def minute_in(self, day0: int, lo: float, hi: float) -> int:
        """A whole minute between local hours ``lo`` and ``hi`` of the day starting at ``day0``."""
        return day0 + int(self.rng.integers(int(lo * 60), int(hi * 60))) * 60

    def opening(self, created: int, end: int) -> None:
        """The export's first lines (group created, members added, a welcome) and the joins and
        leaves of the following days."""
        rng, admin = self.rng, self.admins[0]
        self.say(created, "", _ENCRYPTED)
        self.say(created, "", f'{admin} created group "{self.title}"')
        self.say(created + 60, "", f"{admin} added you")
        for k, who in enumerate(self.members[: int(rng.integers(3, 6))]):
            self.say(created + 60 + 30 * (k + 1), "", f"{admin} added {who}")
        self.say(created + 600 + int(rng.integers(0, 1200)), admin, self.pick(_WELCOME))
        for k, who in enumerate(self.lurkers):
            tj = self.minute_in(self.day_start(created) + int(rng.integers(0, 3)) * 86400, 9, 23)
            self.say(max(tj, created + 900), "", f"{who} joined using this group's invite link")
            if k % 2 == 0:
                tl = tj + int(rng.integers(1, 4)) * 86400 + int(rng.integers(0, 3600))
                if tl < end:
                    self.say(tl, "", f"{who} left" if rng.random() < 0.6 else f"{self.pick(self.admins)} removed {who}")

    def daily(self, created: int, end: int) -> None:
        """Members' chatter in the operators' daytime, from the day after the group was made."""
        rng = self.rng
        d0 = self.day_start(created) + 86400
        while d0 < end:
            for _ in range(int(rng.integers(0, 4))):
                t = self.minute_in(d0, 9, 23)
                r = rng.random()
                hour = (t - d0) / 3600
                bank = _MORNING if hour < 11 and r < 0.5 else (_NIGHT if hour >= 22 and r < 0.5 else _DAILY)
                text = _MEDIA if r < 0.12 else (_DELETED if r < 0.18 else self.pick(bank))
                if t < end:
                    self.say(t, self.pick(self.members), text)
            d0 += 86400

    def instruction(self, j: int, plan: Any, engine: Any) -> None:
        """The ORDER of instruction ``j``, the LINK to its seed post (and sometimes to its reply
        target), and what members say around them."""
        rng = self.rng
        T0, order_t = int(plan.time), int(plan.order_at)
        seed, target = engine.specials[plan.seed_key], engine.specials[plan.target_key]
        admin = self.pick(self.admins)
        tags = tuple(normalize_hashtag(h) for h in plan.hashtags)
        # The instructed local time of T0, as the operators say it (to the minute).
        at = self.local(T0 + 30).replace(second=0, microsecond=0)
        same_day = self.local(order_t).date() == at.date()
        choices = [k for k, (_, day_word, _) in enumerate(ORDER_TEMPLATES) if same_day or not day_word]
        lang, _, tpl = ORDER_TEMPLATES[choices[int(rng.integers(len(choices)))]]
        n = int(rng.integers(2, 6))
        text = tpl.format(hm=f"{at.hour:02d}:{at.minute:02d}", ampm=_ampm(at), tags=_tags(plan.hashtags),
                          tags_and=_tags(plan.hashtags, "and" if lang == "en" else "aur"), n=n)
        if plan.copy_text:
            sep = "\n" if rng.random() < 0.6 else " "
            text += sep + COPY_LINES[lang].format(text=plan.copy_text)
        self.say(order_t, admin, text, dict(kind="order", instruction=j, hashtags=tags, at=T0,
                                            at_local=at.strftime("%Y-%m-%dT%H:%M"), min_count=n,
                                            copy_text=plan.copy_text))
        for _ in range(int(rng.integers(1, 4))):  # acknowledgements
            self.say(order_t + int(rng.integers(30, 900)), self.pick(self.members), self.pick(_ACKS))
        # The LINK to the seed post, once it exists; a member may ask for it first.
        seed_t = int(seed["time"])
        if seed.get("post_id"):
            if rng.random() < 0.5:
                self.say(order_t + int(rng.integers(120, max(121, seed_t - order_t))), self.pick(self.members),
                         self.pick(_ASK_LINK))
            url = f"https://x.com/{engine.handles[seed['acct']]}/status/{seed['post_id']}"
            if rng.random() < 0.3:
                url += "?s=20"
            link_t = seed_t + int(rng.integers(5, max(6, T0 - seed_t)))
            self.say(link_t, self.pick(self.admins), self.pick(LINK_TEMPLATES).format(url=url),
                     dict(kind="link", instruction=j, hashtags=tags, at=T0, url=url, post_id=seed["post_id"]))
        if target.get("post_id") and rng.random() < 0.5:
            url = f"https://x.com/{engine.handles[target['acct']]}/status/{target['post_id']}"
            lo = max(int(target["time"]), order_t) + 5
            self.say(lo + int(rng.integers(0, max(1, T0 - lo))), self.pick(self.admins),
                     self.pick(REPLY_LINK_TEMPLATES).format(url=url),
                     dict(kind="reply_link", instruction=j, hashtags=tags, at=T0, url=url, post_id=target["post_id"]))
        self._after(T0, admin, "#" + plan.hashtags[0])

    def _after(self, T0: int, admin: str, tag: str) -> None:
        """After the push: done, screenshots, praise with the hashtag (no order), a summary."""
        rng = self.rng
        for _ in range(int(rng.integers(2, 5))):
            r = rng.random()
            t = T0 + int(rng.integers(300, 3 * 3600))
            if r < 0.4:
                self.say(t, self.pick(self.members), self.pick(_DONE).format(k=int(rng.integers(2, 7))))
            elif r < 0.6:
                self.say(t, self.pick(self.members), _MEDIA)
            elif r < 0.9:
                self.say(t, self.pick(self.writers), self.pick(_PRAISE).format(tag=tag, k=int(rng.integers(2, 9))))
            else:
                self.say(t, self.pick(self.members), _DELETED)
        if rng.random() < 0.6:
            self.say(T0 + int(rng.integers(3 * 3600, 5 * 3600)), admin,
                     self.pick(_SUMMARY).format(k=int(rng.integers(2, 5))))

    def export(self, campaign: str, file_name: str, end: int) -> ChatGroup:
        """The export's lines in time order (a message's extra lines follow it) and its truth rows.
        The export ends with the scenario (orders and links always fall before their instruction)."""
        msgs = sorted((m for m in self.msgs if m.t < end or m.order is not None), key=lambda m: (m.t, m.seq))
        lines: list[str] = []
        orders: list[ChatOrder] = []
        for m in msgs:
            d = self.local(m.t)
            head = f"{d.day:02d}/{d.month:02d}/{d.year:04d}, {d.hour:02d}:{d.minute:02d} - "
            if m.order is not None:
                o = m.order
                orders.append(ChatOrder(chat=file_name, line=len(lines) + 1, kind=o["kind"],
                                        instruction=o["instruction"], campaign=campaign, sent=m.t, chat_tz=self.tz,
                                        hashtags=o["hashtags"], at=o["at"], at_local=o.get("at_local", ""),
                                        min_count=o.get("min_count"), copy_text=o.get("copy_text", ""),
                                        url=o.get("url", ""), post_id=o.get("post_id", "")))
            first, *rest = m.text.split("\n")
            lines.append(head + (f"{m.sender}: {first}" if m.sender else first))
            lines.extend(rest)
        return ChatGroup(campaign, file_name, self.title, self.tz, lines, orders,
                         members=len(self.writers) + len(self.lurkers))


def iso(ts: int) -> str:
    """Unix seconds as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
