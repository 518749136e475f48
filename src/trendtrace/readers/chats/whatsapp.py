"""WhatsApp chat exports (``.txt``, "Export chat" → "Without media"), as the phones write them
(``docs/chats-formats.md``).

==============  ========================================  =========================================
layout          a message line                            notes
==============  ========================================  =========================================
android (24 h)  ``12/03/2024, 16:00 - Ali: text``         ``/``, ``.`` or ``-`` in dates; 2- or
                                                          4-digit years; the comma may be missing
android (12 h)  ``3/12/24, 4:00 PM - Ali: text``          ``pm``, ``PM``, ``p.m.``; a space, NBSP or
                                                          narrow NBSP (U+202F) before it
ios             ``[12/03/2024, 16:00:05] Ali: text``      seconds; lines often start with U+200E
year first      ``2024-03-12, 16:00 - Ali: text``         read as year-month-day
==============  ========================================  =========================================

The first dated line fixes the file's layout (brackets or not, date separator, year first or not,
12- or 24-hour clock); a later line starts a message only in that same layout, so a chat line
pasted from another phone into a message stays part of that message. A line that does not start a
message continues the one before it (lines joined with ``\\n``).

**Who wrote it.** After the timestamp comes ``Name: text``, or, for a line the app wrote (group
created, member added or left, encryption notice), the text alone. The sender is the text before
the first ``": "`` when that prefix (1) is at most :data:`MAX_SENDER` characters long, (2) leaves
no quotation open (``Ali changed the subject from "a: b" to "c"``: the ``": "`` is inside the
quotes) and (3) does not name a system event (``... created group``, ``... changed the subject``,
``... added``, ``... left``: :data:`_SYSTEM_PHRASE`). Otherwise the line is a *system* line without
sender. iOS writes app lines with a sender (the group's name, or the member concerned) followed by
U+200E: content starting with U+200E is the app's, so a *system* line without sender too, unless it
is media or a deleted message.

**Media** without caption (``<Media omitted>``, ``image omitted``, ``<attached: ...>``,
``IMG-....jpg (file attached)``, ``null``) is kind ``media`` with empty text; the caption Android
writes on the lines below an attachment makes it a ``text`` message with the caption as text. A
deleted message (``This message was deleted``) is kind ``system`` with its sender kept. The
``<This message was edited>`` mark is dropped from the text.

**Date order.** ``date_order="auto"`` reads every date of the file: a 4-digit first number means
year first; a first number above 12 means day first; a second number above 12 month first; both in
one file is an error. When no date tells, day first (most of the world) and
:attr:`ChatParse.date_order_guessed` is set, unless every date reads the same both ways (01/01).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trendtrace.model import InputError

from ...chats.model import Message

__all__ = ["parse_whatsapp", "ChatParse", "DATE_ORDERS", "MAX_SENDER"]

#: Accepted values of ``date_order``: decide from the file, or day/month/year, month/day/year,
#: year/month/day.
DATE_ORDERS = ("auto", "dmy", "mdy", "ymd")
#: The longest text before ``": "`` read as a sender's name (WhatsApp profile names are at most 25
#: characters; saved contact names and numbers are rarely longer than 40).
MAX_SENDER = 60
#: Lines without a message line among the first this many non-empty ones are not a WhatsApp export.
_SNIFF_LINES = 50

_LRM = "\u200e"
#: Invisible direction marks WhatsApp puts around names, numbers and app texts (and a BOM).
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_NO_MARKS = dict.fromkeys(map(ord, _MARKS))
_SP = r"[ \u00a0\u202f]"  # a space, NBSP, or the narrow NBSP recent phones write before am/pm
_DATE = r"(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})"
_TIME = (r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
         rf"(?:{_SP}*(?P<half>[AaPp])\.?{_SP}?[Mm]\.?)?")
_ANDROID = re.compile(rf"{_DATE},?{_SP}+{_TIME}{_SP}+[-–]{_SP}+(?P<rest>.*)")
_IOS = re.compile(rf"\[{_DATE},?{_SP}+{_TIME}\]{_SP}+(?P<rest>.*)")

_MEDIA = re.compile(
    r"(?:<Media omitted>|<Médias omis>|<Medien ausgeschlossen>|<Multimedia omitido>|<Mídia oculta>|"
    r"<Media weggelaten>|<Media tidak disertakan>|null|"
    r"(?:image|video|audio|sticker|GIF|Contact card|video note) omitted|(?:.*\s)?document omitted|"
    r".*<attached: [^>]+>|\S.* \(file attached\))", re.I)
_DELETED = re.compile(r"(?:This message was deleted|You deleted this message)(?: by .*)?\.?", re.I)
_EDITED = re.compile(rf"\s*{_LRM}?<This message was edited>$")
#: System events whose line can hold ": " (in a quoted subject or group name) or that iOS writes
#: after a name: a "sender" naming one of them is no sender.
_SYSTEM_PHRASE = re.compile(
    r"\b(?:created (?:group|this group)|changed (?:the subject|the group|this group's|their phone number|to)|"
    r"added|removed|left|joined using|was added|were added|is now an admin|pinned a message|"
    r"turned (?:on|off) disappearing|security code)\b|end-to-end encrypted", re.I)


@dataclass(frozen=True)
class ChatParse:
    """What one chat export gave (:func:`trendtrace.readers.chats.parse_chat_report`).

    ``messages``: in file order. ``layout``: e.g. ``android-24h-dmy``, ``ios-12h-mdy``,
    ``telegram-json``. ``date_order_guessed``: every date could be read day-first or month-first
    and was read day-first; the caller should say so (``--date-order mdy`` reads it the other way).
    """

    messages: list[Message]
    layout: str
    date_order_guessed: bool = False


@dataclass(frozen=True)
class _Start:
    """The first line of a message: its line number and the fields of its timestamp."""

    line: int
    head: re.Match[str]


def _head(line: str) -> re.Match[str] | None:
    """The timestamp match of a message's first line (direction marks before it ignored), or None."""
    bare = line.lstrip(_MARKS)
    return _IOS.fullmatch(bare) or _ANDROID.fullmatch(bare)


def _layout_key(head: re.Match[str]) -> tuple[bool, str, bool, bool]:
    """What all message lines of one file share: brackets, date separator, year first, 12-hour clock."""
    return head.re is _IOS, head["sep"], len(head["a"]) == 4, head["half"] is not None


def _not_whatsapp(path: str, line: int) -> InputError:
    return InputError(f"{path}:{line}: not a WhatsApp chat export (expected lines like '12/03/2024, 16:00 - Name: "
                      "text' or '[12/03/2024, 16:00:05] Name: text')")


def _split_messages(path: str, lines: Iterable[str]) -> list[tuple[_Start, list[str]]]:
    """The messages of the file: each first line's timestamp and the message's text lines."""
    messages: list[tuple[_Start, list[str]]] = []
    layout: tuple[bool, str, bool, bool] | None = None
    before: list[tuple[int, str]] = []  # non-empty lines before the first message
    for ln, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        head = _head(line)
        if layout is None and head is None:
            if line.strip(_MARKS + " \t"):
                before.append((ln, line))
                if len(before) >= _SNIFF_LINES:
                    break
            continue
        if head is not None and layout is None:
            if before:
                first, text = before[0]
                raise InputError(f"{path}:{first}: text before the first message ({_preview(text)}); a WhatsApp "
                                 f"export starts with a dated line like line {ln}: remove the lines above it")
            layout = _layout_key(head)
        if head is not None and _layout_key(head) == layout:
            messages.append((_Start(ln, head), [head["rest"]]))
        else:
            messages[-1][1].append(line)
    if not messages:
        raise _not_whatsapp(path, before[0][0] if before else 1)
    return messages


def _preview(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters."""
    text = text.strip(_MARKS + " \t\r\n")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _date_order(path: str, starts: list[_Start], forced: str) -> tuple[str, bool]:
    """The file's date order and whether it was guessed: ``forced``, or decided from all its dates."""
    if forced != "auto":
        return forced, False
    if any(len(s.head["a"]) == 4 for s in starts):
        return "ymd", False
    day_first = next((s for s in starts if int(s.head["a"]) > 12), None)
    month_first = next((s for s in starts if int(s.head["b"]) > 12), None)
    if day_first and month_first:
        d, m = (day_first.line, _date_text(day_first)), (month_first.line, _date_text(month_first))
        raise InputError(f"{path}:{max(d[0], m[0])}: dates read both day-first (line {d[0]}: {d[1]}) and "
                         f"month-first (line {m[0]}: {m[1]}); give --date-order dmy or mdy")
    if month_first:
        return "mdy", False
    if day_first:
        return "dmy", False
    return "dmy", any(int(s.head["a"]) != int(s.head["b"]) for s in starts)


def _date_text(start: _Start) -> str:
    g = start.head
    return f"{g['a']}{g['sep']}{g['b']}{g['sep']}{g['c']}"


def _time(path: str, start: _Start, order: str) -> datetime:
    """The naive local time of a message from its timestamp fields, read in ``order``."""
    g = start.head
    a, b, c = int(g["a"]), int(g["b"]), int(g["c"])
    year, month, day = (a, b, c) if order == "ymd" else (c, b, a) if order == "dmy" else (c, a, b)
    if year < 100:
        year += 2000
    hour = int(g["h"])
    if g["half"] is not None and 1 <= hour <= 12:
        hour = hour % 12 + (12 if g["half"] in "Pp" else 0)  # 12 am is 00, 12 pm is 12
    elif g["half"] is not None:
        hour = 99  # "0:30 pm", "13:00 pm": no such time
    try:
        return datetime(year, month, day, hour, int(g["mi"]), int(g["s"] or 0))
    except ValueError:
        stamp = f"{_date_text(start)} {g['h']}:{g['mi']}{' ' + g['half'] + 'm' if g['half'] else ''}"
        raise InputError(f"{path}:{start.line}: not a date and time: {stamp} read as {order}; if the phone wrote "
                         "dates in another order, give --date-order") from None


def _sender(first_line: str) -> tuple[str, str] | None:
    """(name, rest of the line) when ``first_line`` starts with ``Name: ``, else None (module doc)."""
    name, sep, rest = first_line.partition(": ")
    if not sep and first_line.endswith(":"):  # "Ali:" then the message on the next lines
        name, sep, rest = first_line[:-1], ":", ""
    name = name.strip(_MARKS + " ")
    if not sep or not name or len(name) > MAX_SENDER or _opens_quote(name) or _SYSTEM_PHRASE.search(name):
        return None
    return name, rest


def _opens_quote(text: str) -> bool:
    """Whether ``text`` opens a quotation it does not close (straight, curly, German or French quotes)."""
    return (text.count('"') % 2 == 1 or text.count("“") > text.count("”") or text.count("«") > text.count("»")
            or text.count("„") > text.count("“"))


def _unmarked(text: str) -> str:
    """``text`` without direction marks: in a line the app wrote they only wrap names and numbers."""
    return text.translate(_NO_MARKS)


def _content(sender: str, text: str) -> tuple[str, str, str]:
    """(sender, text, kind) of a message written by ``sender`` (module doc: media, deleted, iOS app lines)."""
    by_app = text.startswith(_LRM)
    text = _EDITED.sub("", text.strip(_MARKS + " \t\n"))
    first, _, caption = text.partition("\n")
    if _MEDIA.fullmatch(first.replace(_LRM, "")):
        caption = caption.strip()
        return sender, caption, "text" if caption else "media"
    if _DELETED.fullmatch(text):
        return sender, text, "system"
    if by_app:
        return "", _unmarked(text), "system"
    return sender, text, "text"


def _message(chat: str, start: _Start, body: list[str], when: datetime) -> Message:
    """One :class:`Message` from its first line's timestamp and its text lines."""
    split = _sender(body[0])
    if split is None:
        text = _unmarked("\n".join(body)).strip()
        return Message(chat=chat, line=start.line, time=when, sender="", text=text, kind="system")
    sender, first = split
    sender, text, kind = _content(sender, "\n".join([first, *body[1:]]))
    return Message(chat=chat, line=start.line, time=when, sender=sender, text=text, kind=kind)


def parse_whatsapp(lines: Iterable[str], path: str, date_order: str = "auto") -> ChatParse:
    """The messages of a WhatsApp export (module doc), phone numbers as written.

    ``lines``: the file's text lines (a BOM and line ends are dropped); ``path``: its name, for
    :attr:`Message.chat` (the file name) and error messages; ``date_order``: one of
    :data:`DATE_ORDERS`. Raises :class:`~trendtrace.model.InputError` naming the file and line
    when this is not a WhatsApp export, has text before its first message, has dates read both
    day-first and month-first, or a date that does not exist in the order read.

    >>> parse_whatsapp(["12/03/2024, 16:00 - Ali: #PakistanZindabad trend karo"], "chat.txt").messages[0].time
    datetime.datetime(2024, 3, 12, 16, 0)
    """
    if date_order not in DATE_ORDERS:
        raise InputError(f"date order {date_order!r}: choose one of {', '.join(DATE_ORDERS)}")
    messages = _split_messages(path, lines)
    starts = [s for s, _ in messages]
    order, guessed = _date_order(path, starts, date_order)
    chat = Path(path).name
    out = [_message(chat, s, body, _time(path, s, order)) for s, body in messages]
    ios, _, _, twelve = _layout_key(starts[0].head)
    return ChatParse(out, f"{'ios' if ios else 'android'}-{'12h' if twelve else '24h'}-{order}", guessed)
