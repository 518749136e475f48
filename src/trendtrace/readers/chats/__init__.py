"""Exported chat groups: WhatsApp ``.txt`` and Telegram Desktop ``result.json`` (``docs/chats-formats.md``).

:func:`parse_chat` reads one export into :class:`trendtrace.chats.model.Message` rows, phone
numbers masked unless asked (:func:`mask_phones`). Telegram's HTML export is refused with a hint.
"""

from __future__ import annotations

import os
from pathlib import Path

from trendtrace.model import InputError

from ...chats.model import Message
from .phones import mask_phones
from .telegram import parse_telegram
from .whatsapp import DATE_ORDERS, ChatParse, parse_whatsapp

__all__ = ["parse_chat", "parse_chat_report", "mask_phones", "ChatParse", "DATE_ORDERS"]


def parse_chat_report(path: str | os.PathLike[str], date_order: str = "auto", keep_phones: bool = False) -> ChatParse:
    """Read the chat export at ``path``: Telegram JSON when it starts with ``{``, else WhatsApp text."""
    p = str(path)
    try:
        data = Path(p).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder; give the chat's .txt or result.json") from None
    if not data.strip():
        raise InputError(f"{p}:1: empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{p}:{line}: not UTF-8 text (a chat export is UTF-8)") from None
    head = text.lstrip()[:200].lower()
    if Path(p).suffix.lower() in (".html", ".htm") or head.startswith(("<!doctype", "<html")):
        raise InputError(f"{p}: Telegram's HTML export is not read; export the chat again as 'Machine-readable "
                         "JSON' (Telegram Desktop: the chat's ⋮ menu → Export chat history → Format: JSON)")
    if head.startswith("{"):
        return parse_telegram(p, text, keep_phones)
    return parse_whatsapp(p, text, date_order, keep_phones)


def parse_chat(path: str | os.PathLike[str], date_order: str = "auto", keep_phones: bool = False) -> list[Message]:
    """The messages of the chat export at ``path`` (:func:`parse_chat_report`)."""
    return parse_chat_report(path, date_order, keep_phones).messages
