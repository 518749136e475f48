"""Telegram Desktop's machine-readable export (``result.json``; "Export chat history" → format
"Machine-readable JSON").

A single chat export is ``{"name", "type", "id", "messages": [...]}``; a full account export holds
its chats under ``chats.list``, and each becomes a chat named ``FILE:chat name``. A message's
``text`` is a string or a list of strings and entities (``{"type": "hashtag", "text": "#X"}``,
``{"type": "text_link", "text": "this", "href": "https://..."}``): the text is their
concatenation, and ``text_link`` addresses go to :attr:`Message.links`. ``date`` is the local time
the export shows; ``date_unixtime`` the exact instant (:attr:`Message.utc`). ``service`` messages
(group created, member joined) are kind ``system``; a photo, file or sticker without caption is
``media``. The HTML export is not read (it has no stable structure to parse).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendtrace.model import InputError

from ...chats.model import Message
from .phones import mask_phones
from .whatsapp import ChatParse

__all__ = ["parse_telegram"]

_MEDIA_KEYS = ("photo", "file", "media_type", "sticker_emoji", "poll", "location_information", "contact_information")


def _text(value: Any) -> tuple[str, tuple[str, ...]]:
    """The plain text of a ``text`` field and the ``text_link`` addresses in it."""
    if isinstance(value, str):
        return value, ()
    if not isinstance(value, list):
        return "", ()
    parts, links = [], []
    for item in value:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict):
            parts.append(str(item.get("text") or ""))
            if item.get("type") == "text_link" and isinstance(item.get("href"), str):
                links.append(item["href"])
    return "".join(parts), tuple(links)


def _messages(path: str, chat: str, items: Any, keep_phones: bool) -> list[Message]:
    if not isinstance(items, list):
        raise InputError(f"{path}:1: chat {chat!r} has no 'messages' list; is this a Telegram result.json?")
    out = []
    for i, m in enumerate(items, start=1):
        if not isinstance(m, dict):
            continue
        try:
            when = datetime.fromisoformat(str(m["date"]))
        except (KeyError, ValueError):
            raise InputError(f"{path}: message {i} of chat {chat!r} (id {m.get('id')}): no readable 'date'") from None
        utc = None
        if m.get("date_unixtime") not in (None, ""):
            try:
                utc = datetime.fromtimestamp(int(m["date_unixtime"]), UTC).replace(tzinfo=None)
            except (TypeError, ValueError, OverflowError):
                raise InputError(f"{path}: message {i} of chat {chat!r}: 'date_unixtime' is not a number") from None
        text, links = _text(m.get("text"))
        if m.get("type") == "service":
            kind, sender = "system", str(m.get("actor") or "")
            text = text or str(m.get("action") or "").replace("_", " ")
        else:
            sender = str(m.get("from") or "")
            kind = "media" if not text.strip() and any(k in m for k in _MEDIA_KEYS) else "text"
        if not keep_phones:
            sender, text = mask_phones(sender), mask_phones(text)
        out.append(Message(chat=chat, line=i, time=when.replace(tzinfo=None), sender=sender, text=text, kind=kind,
                           utc=utc, links=links))
    return out


def parse_telegram(path: str, text: str, keep_phones: bool = False) -> ChatParse:
    """Read a Telegram Desktop ``result.json`` (module doc)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}:1: not a Telegram export (expected a JSON object with 'messages')")
    name = Path(path).name
    if "messages" in doc:
        return ChatParse(_messages(path, name, doc["messages"], keep_phones), "telegram-json")
    chats = (doc.get("chats") or {}).get("list") if isinstance(doc.get("chats"), dict) else None
    if not isinstance(chats, list):
        raise InputError(f"{path}:1: not a Telegram export (no 'messages' and no 'chats.list')")
    out: list[Message] = []
    for c in chats:
        if isinstance(c, dict):
            label = str(c.get("name") or c.get("id") or "chat")
            out += _messages(path, f"{name}:{label}", c.get("messages"), keep_phones)
    return ChatParse(out, "telegram-json-account")
