"""WhatsApp chat exports (``.txt``, "Export chat" → "Without media"), in the phone layouts seen in
the wild (``docs/chats-formats.md``):

==========  ================================================  ==========================
layout      a message line                                    notes
==========  ================================================  ==========================
android     ``12/03/2024, 16:00 - Ali: text``                 ``/``, ``.`` or ``-`` in dates;
                                                              2- or 4-digit years; the comma
                                                              may be missing
android 12h ``3/12/24, 4:00 PM - Ali: text``                  am/pm after a space, NBSP or
                                                              NNBSP (U+202F); ``p.m.``
ios         ``[12/03/2024, 16:00:05] Ali: text``              seconds; lines often start with
                                                              U+200E; ``image omitted``
==========  ================================================  ==========================

A line that does not start with a timestamp continues the message before it. A line whose text has
no ``Name: `` prefix is a *system* line (group created, member added or left, encryption notice).
Media without caption (``<Media omitted>``, ``image omitted``, ``<attached: ...>``) is kind
``media``; a deleted message (``This message was deleted``) is kind ``system`` with its sender kept.

Dates are written in the phone's order. ``date_order="auto"`` reads the whole file first: a first
number above 12 means day first, a second number above 12 month first, both in one file is an
error; when no number tells, day first (most of the world) and :attr:`ChatParse.date_order_guessed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trendtrace.model import InputError

from ...chats.model import Message
from .phones import mask_phones

__all__ = ["parse_whatsapp", "ChatParse", "DATE_ORDERS"]

DATE_ORDERS = ("auto", "dmy", "mdy", "ymd")

_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"
_AMPM = r"(?:[\s\u00a0\u202f]*([AaPp])\.?[\s\u00a0\u202f]?[Mm]\.?)?"
_TIME = r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?" + _AMPM
_DATE = r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"
_SP = r"[\s\u00a0\u202f]"
_ANDROID = re.compile(r"^" + _DATE + r",?" + _SP + "+" + _TIME + _SP + r"+[-–]" + _SP + r"+(.*)$", re.S)
_IOS = re.compile(r"^\[" + _DATE + r",?" + _SP + "+" + _TIME + r"\]" + _SP + r"+(.*)$", re.S)
_MEDIA = re.compile(
    r"^(?:<Media omitted>|<Médias omis>|<Medien ausgeschlossen>|<Multimedia omitido>|null|"
    r"(?:image|video|audio|sticker|GIF|document|Contact card) omitted|<attached: [^>]*>|"
    r".+ \(file attached\)|.+\.(?:jpg|jpeg|png|webp|mp4|opus|pdf) \(file attached\))$", re.I)
_DELETED = re.compile(r"^(?:This message was deleted|You deleted this message)\.?$", re.I)
#: Phrases of system lines that could be mistaken for "Name: text" (they contain ": ").
_SYSTEM = re.compile(
    r"(?:changed (?:the subject|this group's|the group description|their phone number)|created group|"
    r"added|removed|left$|joined using|changed to|Messages and calls are end-to-end encrypted|"
    r"security code (?:with|changed)|pinned a message|is now an admin|turned (?:on|off) disappearing)", re.I)
_MAX_SENDER = 80


@dataclass(frozen=True)
class ChatParse:
    """What :func:`parse_whatsapp` (and the Telegram reader) read from one file."""

    messages: list[Message]
    layout: str
    date_order_guessed: bool = False


def _split_line(line: str) -> tuple[str, tuple[str, ...]] | None:
    """(layout, timestamp fields + rest) of a message's first line, or None for a continuation."""
    m = _IOS.match(line)
    if m:
        return "ios", m.groups()
    m = _ANDROID.match(line)
    if m:
        return "android", m.groups()
    return None


def _date_order(path: str, dates: list[tuple[int, int, int, int]], forced: str) -> tuple[str, bool]:
    """The date order of the file: forced, or decided from its dates ((a, b, c, line) as written)."""
    if forced != "auto":
        return forced, False
    if any(a > 31 for a, _, _, _ in dates):
        return "ymd", False
    first = next((ln for a, _, _, ln in dates if a > 12), None)
    second = next((ln for _, b, _, ln in dates if b > 12), None)
    if first is not None and second is not None:
        raise InputError(f"{path}:{max(first, second)}: dates read both day-first (line {first}) and month-first "
                         f"(line {second}); give --date-order dmy or mdy")
    if second is not None:
        return "mdy", False
    return "dmy", first is None


def _stamp(path: str, ln: int, g: tuple[str, ...], order: str) -> datetime:
    a, b, c, hh, mm, ss, half = g[:7]
    if order == "ymd":
        y, mo, d = int(a), int(b), int(c)
    elif order == "mdy":
        mo, d, y = int(a), int(b), int(c)
    else:
        d, mo, y = int(a), int(b), int(c)
    if y < 100:
        y += 2000
    h = int(hh)
    if half:
        if not 1 <= h <= 12:
            raise InputError(f"{path}:{ln}: hour {h} with am/pm")
        h = h % 12 + (12 if half.lower() == "p" else 0)
    try:
        return datetime(y, mo, d, h, int(mm), int(ss or 0))
    except ValueError:
        raise InputError(f"{path}:{ln}: not a date and time ({a}/{b}/{c} {hh}:{mm}); "
                         "if the phone wrote dates in another order, give --date-order") from None


def _sender_and_text(rest: str) -> tuple[str, str] | None:
    """("Name", "text") when ``rest`` starts with a sender, else None (a system line)."""
    name, sep, text = rest.partition(": ")
    if not sep:
        if rest.endswith(":") and 0 < len(rest) - 1 <= _MAX_SENDER:  # an empty message
            return rest[:-1], ""
        return None
    if not name.strip() or len(name) > _MAX_SENDER or "\n" in name or _SYSTEM.search(name):
        return None
    return name.strip(), text


def parse_whatsapp(path: str, text: str, date_order: str = "auto", keep_phones: bool = False) -> ChatParse:
    """Read a WhatsApp export's ``text`` (the file at ``path``; module doc)."""
    if date_order not in DATE_ORDERS:
        raise InputError(f"--date-order {date_order}: choose one of {', '.join(DATE_ORDERS)}")
    chat = Path(path).name
    starts: list[tuple[int, str, tuple[str, ...]]] = []  # (line, layout, groups)
    bodies: list[list[str]] = []
    for ln, raw in enumerate(text.splitlines(), start=1):
        line = raw.lstrip(_MARKS) if raw[:1] in _MARKS else raw
        split = _split_line(line)
        if split is None:
            if not starts:
                if line.strip():
                    if ln > 50:
                        break
                    continue  # a preamble some tools add; checked below
                continue
            bodies[-1].append(raw.strip(_MARKS) if raw[:1] in _MARKS else raw)
            continue
        starts.append((ln, split[0], split[1]))
        bodies.append([split[1][-1]])
    if not starts:
        raise InputError(f"{path}:1: not a WhatsApp chat export (expected lines like '12/03/2024, 16:00 - Name: text' "
                         "or '[12/03/2024, 16:00:05] Name: text')")
    layouts = {layout for _, layout, _ in starts}
    layout = "ios" if layouts == {"ios"} else "android"
    order, guessed = _date_order(path, [(int(g[0]), int(g[1]), int(g[2]), ln) for ln, _, g in starts], date_order)
    messages = []
    for (ln, _, g), body in zip(starts, bodies, strict=True):
        when = _stamp(path, ln, g, order)
        rest = "\n".join(body).strip()
        st = _sender_and_text(rest)
        if st is None:
            sender, content, kind = "", rest, "system"
        else:
            sender, content = st
            content = content.lstrip(_MARKS).strip()
            if _MEDIA.match(content):
                content, kind = "", "media"
            elif _DELETED.match(content):
                kind = "system"
            else:
                kind = "text"
        if not keep_phones:
            sender, content = mask_phones(sender), mask_phones(content)
        messages.append(Message(chat=chat, line=ln, time=when, sender=sender, text=content, kind=kind))
    twelve = any(g[6] for _, _, g in starts)
    return ChatParse(messages, f"{layout}-{'12h' if twelve else '24h'}-{order}", guessed)
