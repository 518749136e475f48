"""What the chat parsers produce and what the instruction rules read: one :class:`Message` per
message of an exported chat, one :class:`Order` per message that gives an order.

Kept free of I/O and of the store so that parsers (``trendtrace.readers.chats``), rules
(:mod:`trendtrace.chats.rules`) and matching (:mod:`trendtrace.chats.match`) share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

__all__ = ["Message", "Order", "MESSAGE_KINDS", "MESSAGE_SCHEMA", "messages_table", "messages_from"]

#: ``text``: a message someone wrote; ``media``: a photo, video, voice note... with no text (a
#: caption makes it ``text``); ``system``: a line the app wrote (group created, member added or
#: left, encryption notice, a deleted message).
MESSAGE_KINDS = ("text", "media", "system")


@dataclass(frozen=True)
class Message:
    """One message of an exported chat.

    ``chat``: the chat's name (the file name, or ``file:chat name`` for one chat of a Telegram
    account export). ``line``: 1-based line of the file where the message starts (WhatsApp), or
    1-based position in the ``messages`` list (Telegram). ``time``: naive local time as the export
    shows it (the exporting phone's clock); ``utc``: the exact instant when the export carries one
    (Telegram's ``date_unixtime``), else None. ``sender``: as exported, phone numbers masked unless
    the parser was asked to keep them; "" for system lines. ``text``: the message, lines joined with
    ``\\n``; "" for media without caption. ``links``: link targets that are not in the text itself
    (Telegram ``text_link`` entities, whose visible text differs from the address).
    """

    chat: str
    line: int
    time: datetime
    sender: str
    text: str
    kind: str = "text"
    utc: datetime | None = None
    links: tuple[str, ...] = field(default=())
    #: The zone ``utc`` was computed from ``time`` in (``--chat-tz`` when the chat was stored), or ""
    #: when ``utc`` is the export's own (Telegram) or not known yet.
    zone: str = ""


@dataclass(frozen=True)
class Order:
    """What a message orders, as read by :func:`trendtrace.chats.rules.extract_order`.

    ``hashtags``: to push, normalised (:func:`trendtrace.model.normalize_hashtag`), in order of
    appearance. ``texts``: texts to copy, as written (quotes removed). ``links``: links to repost,
    quote or reply to, canonical (:func:`trendtrace.model.normalize_url`). ``at``: the instructed
    local time (naive, on the chat's clock) resolved against the message's own time, or None.
    ``min_count``: the minimum number of posts asked for, or None. ``rules``: the names of the
    rules that fired (documented in ``docs/chats-rules.md``), so that every row can say why it is an order.
    """

    hashtags: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    at: datetime | None = None
    min_count: int | None = None
    rules: tuple[str, ...] = ()


#: Columns of the store's ``chat_messages`` table (one row per :class:`Message`; ``docs/schema.md``).
MESSAGE_SCHEMA = pa.schema([
    ("chat", pa.string()), ("line", pa.int64()), ("time", pa.timestamp("us")), ("utc", pa.timestamp("us")),
    ("sender", pa.string()), ("text", pa.string()), ("kind", pa.string()), ("links", pa.list_(pa.string())),
    ("zone", pa.string()),
])


def messages_table(messages: list[Message]) -> pa.Table:
    """``messages`` as an Arrow table in :data:`MESSAGE_SCHEMA`."""
    return pa.table({
        "chat": [m.chat for m in messages], "line": [m.line for m in messages],
        "time": [m.time for m in messages], "utc": [m.utc for m in messages],
        "sender": [m.sender for m in messages], "text": [m.text for m in messages],
        "kind": [m.kind for m in messages], "links": [list(m.links) for m in messages],
        "zone": [m.zone for m in messages],
    }, schema=MESSAGE_SCHEMA)


def messages_from(table: pa.Table) -> list[Message]:
    """The :class:`Message` rows of a ``chat_messages`` table, in (chat, line) order."""
    rows = sorted(table.to_pylist(), key=lambda r: (r["chat"], r["line"]))
    return [Message(chat=r["chat"], line=r["line"], time=r["time"], sender=r["sender"] or "", text=r["text"] or "",
                    kind=r["kind"] or "text", utc=r["utc"], links=tuple(r["links"] or ()),
                    zone=r.get("zone") or "") for r in rows]
