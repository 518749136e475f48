"""Telegram Desktop's machine-readable export (``result.json``: the chat's ⋮ menu → "Export chat
history", or Settings → Advanced → "Export Telegram data", format "Machine-readable JSON").

A single chat export is ``{"name", "type", "id", "messages": [...]}``; a whole account export holds
its chats under ``chats.list`` (and the groups the account left under ``left_chats.list``), each
read as a chat named ``FILE:chat name``. A message is::

    {"id": 5, "type": "message", "date": "2024-03-12T16:00:05", "date_unixtime": "1710241205",
     "from": "Ali", "from_id": "user123", "text": "...", "text_entities": [...], "photo": "..."}

``text`` is a string or a list of strings and entities (``{"type": "hashtag", "text": "#X"}``,
``{"type": "text_link", "text": "this", "href": "https://..."}``): the text is their
concatenation, and ``text_link`` addresses go to :attr:`Message.links`. ``date`` is the local time
the export shows (:attr:`Message.time`), ``date_unixtime`` the exact instant (:attr:`Message.utc`).
``service`` messages (group created, members invited) are kind ``system`` with the actor as
sender; a photo, file, sticker... without caption is ``media``. :attr:`Message.line` is the
message's 1-based position in its chat's ``messages`` list. The HTML export is not read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trendtrace.model import InputError

from ...chats.model import Message

__all__ = ["parse_telegram"]

#: Keys that mark a message as carrying media (a caption makes it a written message).
_MEDIA_KEYS = ("photo", "file", "media_type", "sticker_emoji", "poll", "location_information",
               "contact_information", "game_information", "live_location_period_seconds")

_Where = tuple[str | int, ...]  # keys from the document's root to a value, for error messages


class _Doc:
    """The decoded export and its text, to name the line of a bad value in error messages."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        try:
            self.root: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})") from None
        except RecursionError:
            raise InputError(f"{path}:1: not a Telegram export (JSON nested too deeply)") from None

    def error(self, where: _Where, problem: str) -> InputError:
        """``problem`` at the value reached by ``where``, as ``path:line: problem``."""
        return InputError(f"{self.path}:{self.line_of(where)}: {problem}")

    def line_of(self, where: _Where) -> int:
        """The 1-based line where the value at ``where`` starts (1 when it cannot be found).

        Walks the text with :meth:`json.JSONDecoder.raw_decode`, skipping the values before it; only
        called for errors, so good files are decoded once."""
        decoder, text = json.JSONDecoder(), self.text
        try:
            pos = _skip_ws(text, 0)
            for key in where:
                pos = _skip_ws(text, pos + 1)  # past "{" or "["
                index = 0
                while True:
                    if isinstance(key, str):
                        name, pos = decoder.raw_decode(text, pos)
                        pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past ":"
                        if name == key:
                            break
                    elif index == key:
                        break
                    _, pos = decoder.raw_decode(text, pos)  # a value before the one sought
                    pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past ","
                    index += 1
        except (ValueError, IndexError, RecursionError):
            return 1
        return text.count("\n", 0, pos) + 1


def _skip_ws(text: str, pos: int) -> int:
    """The position of the first character at or after ``pos`` that is not JSON whitespace."""
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _text(value: Any) -> tuple[str, tuple[str, ...]]:
    """The plain text of a ``text`` field (a string, or a list of strings and entities) and the
    addresses of its ``text_link`` entities."""
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


def _service_text(m: dict[str, Any]) -> str:
    """A readable line for a service message: its action, and the title or members it names."""
    text = str(m.get("action") or "service").replace("_", " ")
    if isinstance(m.get("title"), str):
        text += f' "{m["title"]}"'
    members = m.get("members")
    if isinstance(members, list) and members:
        text += ": " + ", ".join(str(x) for x in members if x is not None)
    return text


def _times(doc: _Doc, where: _Where, m: dict[str, Any]) -> tuple[datetime, datetime | None]:
    """(local time, UTC instant or None) of the message ``m`` at ``where``."""
    if "date" not in m:
        raise doc.error(where, f"message id {m.get('id')} has no 'date'")
    try:
        when = datetime.fromisoformat(str(m["date"])).replace(tzinfo=None)
    except ValueError:
        raise doc.error(where, f"message id {m.get('id')}: 'date' is not a date and time (expected like "
                        f"2024-03-12T16:00:05, got {str(m['date'])[:30]!r})") from None
    raw = m.get("date_unixtime")
    if raw is None or raw == "":
        return when, None
    try:
        return when, datetime.fromtimestamp(int(raw), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        raise doc.error(where, f"message id {m.get('id')}: 'date_unixtime' is not a number of seconds "
                        f"({str(raw)[:30]!r})") from None


def _message(doc: _Doc, where: _Where, chat: str, m: Any) -> Message:
    """One :class:`Message` from the message object ``m`` at ``where``."""
    if not isinstance(m, dict):
        raise doc.error(where, f"a message is not a JSON object (got {type(m).__name__})")
    when, utc = _times(doc, where, m)
    text, links = _text(m.get("text"))
    if m.get("type") == "service":
        sender, kind, text = str(m.get("actor") or ""), "system", text or _service_text(m)
    else:
        sender = str(m.get("from") or "")
        kind = "media" if not text.strip() and any(m.get(k) is not None for k in _MEDIA_KEYS) else "text"
    return Message(chat=chat, line=int(where[-1]) + 1, time=when, sender=sender, text=text, kind=kind, utc=utc,
                   links=links)


def _chat(doc: _Doc, where: _Where, chat: str, messages: Any) -> list[Message]:
    """The messages of one chat whose ``messages`` value sits at ``where``."""
    if not isinstance(messages, list):
        at = where if messages is not None else where[:-1]
        raise doc.error(at, f"chat {chat!r} has no 'messages' list; is this a Telegram result.json?")
    return [_message(doc, (*where, i), chat, m) for i, m in enumerate(messages)]


def _account_chats(doc: _Doc) -> list[tuple[_Where, dict[str, Any]]]:
    """The chats of a whole account export: ``chats.list`` then ``left_chats.list``."""
    root = doc.root
    found: list[tuple[_Where, dict[str, Any]]] = []
    for section in ("chats", "left_chats"):
        block = root.get(section)
        if block is None:
            continue
        chats = block.get("list") if isinstance(block, dict) else None
        if not isinstance(chats, list):
            raise doc.error((section,), f"'{section}' has no 'list' of chats; is this a Telegram result.json?")
        for i, c in enumerate(chats):
            if not isinstance(c, dict):
                raise doc.error((section, "list", i), "a chat is not a JSON object")
            found.append(((section, "list", i), c))
    if not found and "chats" not in root:
        raise doc.error((), "not a Telegram export: no 'messages' list and no 'chats' (expected a result.json from "
                        "Telegram Desktop, format Machine-readable JSON)")
    return found


def _labels(chats: Sequence[tuple[_Where, dict[str, Any]]]) -> list[str]:
    """Each chat's name; a name given twice gets the chat's id, so that chats stay apart."""
    names = [str(c.get("name") or c.get("type") or "chat") for _, c in chats]
    return [f"{n} (id {c.get('id')})" if names.count(n) > 1 else n for n, (_, c) in zip(names, chats, strict=True)]


def parse_telegram(text: str, path: str) -> list[Message]:
    """The messages of a Telegram Desktop ``result.json`` (module doc), phone numbers as written.

    ``text``: the file's text; ``path``: its name, for :attr:`Message.chat` (the file name, or
    ``file:chat name`` for each chat of an account export) and error messages. Raises
    :class:`~trendtrace.model.InputError` naming the file and line of invalid JSON, of a document
    that is not an export, or of a message without a readable date.
    """
    doc = _Doc(path, text)
    name = Path(path).name
    if not isinstance(doc.root, dict):
        raise doc.error((), f"not a Telegram export (expected a JSON object, got a {type(doc.root).__name__})")
    if "messages" in doc.root:
        return _chat(doc, ("messages",), name, doc.root["messages"])
    chats = _account_chats(doc)
    out: list[Message] = []
    for (where, c), label in zip(chats, _labels(chats), strict=True):
        out += _chat(doc, (*where, "messages"), f"{name}:{label}", c.get("messages"))
    return out
