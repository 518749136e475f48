"""Exported chat groups: WhatsApp ``.txt`` and Telegram Desktop ``result.json`` (``docs/chats-formats.md``).

:func:`parse_chat` reads one export into :class:`trendtrace.chats.model.Message` rows;
:func:`parse_chat_report` also says which layout it read and whether the date order was a guess.
Phone numbers are masked (:func:`mask_phones`) unless asked to keep them. The format is told from
the file: ``{`` first (or a ``.json`` name) is Telegram JSON, ``.html`` or an HTML start is
Telegram's HTML export (refused, with how to export JSON), anything else is WhatsApp text.

>>> from trendtrace.readers.chats import mask_phones
>>> mask_phones("Ali added +92 300 1234567")
'Ali added +92•••67'
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from trendtrace.model import InputError

from ...chats.model import Message
from .telegram import parse_telegram
from .whatsapp import DATE_ORDERS, ChatParse, parse_whatsapp

__all__ = ["parse_chat", "parse_chat_report", "mask_phones", "ChatParse", "DATE_ORDERS", "MASK"]

#: What replaces the hidden digits of a phone number.
MASK = "•••"

_HTML_HINT = ("Telegram's HTML export is not supported; export the chat again as \"Machine-readable JSON\" "
              "(Telegram Desktop: the chat's ⋮ menu → Export chat history → Format: JSON, or Settings → Advanced "
              "→ Export Telegram data → Format: JSON)")


def parse_chat_report(path: str | os.PathLike[str], date_order: str = "auto", keep_phones: bool = False) -> ChatParse:
    """Read the chat export at ``path``: its messages, layout and whether the date order was guessed.

    ``date_order``: ``auto`` (from the file), ``dmy``, ``mdy`` or ``ymd``, for WhatsApp exports
    (Telegram's dates are unambiguous). ``keep_phones``: keep phone numbers as written instead of
    :func:`mask_phones` on chat names, senders, texts and links. Raises
    :class:`~trendtrace.model.InputError`, one line naming the file and line, for anything that is
    not a readable export: missing or empty file, not UTF-8, Telegram's HTML export, invalid JSON,
    no WhatsApp message line, dates read both day-first and month-first.
    """
    p = os.fspath(path)
    if date_order not in DATE_ORDERS:
        raise InputError(f"{p}: date order {date_order!r}: choose one of {', '.join(DATE_ORDERS)}")
    data = _read_bytes(p)
    suffix = Path(p).suffix.lower()
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:9].lower()  # after a BOM and blank space
    if suffix in (".html", ".htm") or start.startswith((b"<!doctype", b"<html")):
        raise InputError(f"{p}:1: {_HTML_HINT}")
    text = _decode(p, data)
    head = text.lstrip()[:1]
    if head == "{" or suffix == ".json":
        parsed = ChatParse(parse_telegram(text, p), "telegram-json")
    else:
        parsed = parse_whatsapp(text.split("\n"), p, date_order)
    return parsed if keep_phones else replace(parsed, messages=[_masked(m) for m in parsed.messages])


def parse_chat(path: str | os.PathLike[str], date_order: str = "auto", keep_phones: bool = False) -> list[Message]:
    """The messages of the chat export at ``path``, in file order (:func:`parse_chat_report`, whose
    ``date_order`` and ``keep_phones`` these are)."""
    return parse_chat_report(path, date_order, keep_phones).messages


def _read_bytes(path: str) -> bytes:
    """The content of the file at ``path``, or an InputError saying why it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give the chat's .txt or result.json") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _decode(path: str, data: bytes) -> str:
    """``data`` as UTF-8 text (a BOM dropped), or an InputError naming the line that is not."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}:1: UTF-16 text; a chat export is UTF-8: save it again as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); a chat export is UTF-8, "
                         "as the phone or Telegram Desktop wrote it") from None
    if not text.strip():
        raise InputError(f"{path}:1: empty file")
    return text


def _masked(m: Message) -> Message:
    return replace(m, chat=mask_phones(m.chat), sender=mask_phones(m.sender), text=mask_phones(m.text),
                   links=tuple(mask_phones(u) for u in m.links))


# ---- phone numbers -------------------------------------------------------------------------------

# A run of digit groups: "+" or not, groups joined by one separator (a space, NBSP or narrow NBSP,
# "-" or "." with optional spaces, or parentheses), the first group maybe in parentheses. WhatsApp
# wraps numbers in U+202A...U+202C (iOS puts U+200E before them): the marks go with the number.
# Never glued to a word, a tag, a mention, a masked number or a link's path or query.
_SEP = r"(?:\)[ \u00a0\u202f\-]?|[ \u00a0\u202f]?\(|[ \u00a0\u202f][\-.]?[ \u00a0\u202f]?|[\-.][ \u00a0\u202f]?)"
_RUN = re.compile(
    r"(?<![\w+•#@/=&?%])(?<!\d[.,])[\u202a\u200e]?"
    rf"(?P<run>\+?(?:\(\d{{1,5}}\)[ \u00a0\u202f\-]?)?\d+(?:{_SEP}\d+)*)"
    r"\u202c?(?![\w•@/]|:\d)")  # nor followed by a time's ":30"
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}/\S*", re.I)
# The one kind of link whose digits are a phone number: WhatsApp's click-to-chat.
_PHONE_LINK = re.compile(r"(wa\.me/|api\.whatsapp\.com/send/?\?phone=)(\+?\d{8,15})(?!\d)", re.I)
# E.164 country codes form a prefix code: 1 and 7 are one digit, these are two, all others three.
_CC2 = frozenset({
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49", "51",
    "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84", "86", "90",
    "91", "92", "93", "94", "95", "98"})


def mask_phones(text: str) -> str:
    """``text`` with every phone number masked to its country code and last two digits.

    ``+92 300 1234567`` → ``+92•••67``; without ``+`` (``0300-1234567``) → ``•••67``. The country
    code is read with the E.164 table, so ``+923001234567`` gives ``+92•••67`` too. A number is:

    * ``+`` then 8 to 15 digits, grouped any way (spaces, dashes, dots, parentheses);
    * ``0`` then 9 to 14 more digits, in groups of at least two, joined by spaces, dashes or
      parentheses (``0300-1234567``, ``(0300) 1234567``, ``06 12 34 56 78``);
    * else 10 to 15 digits in at most four groups of at least two (``555 123 4567``,
      ``(555) 123-4567``, ``5551234567``), unless the groups look like a list (``2022 2023 2024``:
      all of one length up to 4), amounts (``12 345 678 901``: groups of three after the first;
      ``10000 20000``: every group ends in 000) or a date (``2024-03-12 1600``: 4-2-2 or 2-2-4).

    Numbers are read left to right, each as long as the rules allow; a group starting with ``0``
    after a space starts a new number once the current one has ten digits (or did not start with
    ``+`` or ``0``), so ``0300-1234567 0301-7654321`` is two numbers. Digits glued to letters
    (``#Tag2024``, ``user1234567890``), followed by ``:`` and a digit (a time), inside links
    (``https://x.com/u/status/1234567890123456789``, ``x.com/...``), times, dates, counts, years
    and unbroken runs of more than 15 digits (status ids) are left alone. The one exception inside
    links is WhatsApp's ``wa.me/<number>``, whose path is the number. Nothing else of the number is
    kept: a hash would be reversible (there are few enough numbers to hash them all). Idempotent.
    """
    if not text or not any(c.isdigit() for c in text):
        return text
    out, last = [], 0
    for url in _URL.finditer(text):
        out += [_RUN.sub(_mask_match, text[last:url.start()]), _PHONE_LINK.sub(_mask_link, url.group(0))]
        last = url.end()
    out.append(_RUN.sub(_mask_match, text[last:]))
    return "".join(out)


def _mask_match(m: re.Match[str]) -> str:
    masked = _mask_run(m["run"])
    return m.group(0) if masked == m["run"] else masked


def _mask_link(m: re.Match[str]) -> str:
    return m[1] + _mask_number(m[2].lstrip("+"), False)


def _mask_run(run: str) -> str:
    """``run`` (digit groups and separators) with each phone number in it masked, left to right."""
    plus = run.startswith("+")
    parts = re.split(r"(\d+)", run)  # [lead, group, sep, group, ..., group, ""]
    lead, groups, seps = parts[0], parts[1::2], parts[2:-1:2]
    out: list[str] = []
    i = 0
    while i < len(groups):
        j = _phone_end(groups, seps, i, plus and i == 0)
        if j:
            out.append(_mask_number("".join(groups[i:j]), plus and i == 0))
        else:
            out.append((lead if i == 0 else "") + groups[i])
            j = i + 1
        if j < len(groups):
            out.append(seps[j - 1])
        i = j
    return "".join(out)


def _phone_end(groups: list[str], seps: list[str], i: int, plus: bool) -> int:
    """The end (exclusive) of the longest phone number made of ``groups[i:]``, or 0 when none starts at ``i``."""
    end = i + 1
    digits = len(groups[i])
    while end < len(groups):  # where a new number starts (module doc)
        starts_new = groups[end].startswith("0") and seps[end - 1][:1] in " \u00a0\u202f" and (
            digits >= 10 or not (plus or groups[i].startswith("0")))
        if starts_new:
            break
        digits += len(groups[end])
        end += 1
    for j in range(end, i, -1):
        if _is_phone(groups[i:j], seps[i:j - 1], plus):
            return j
    return 0


def _is_phone(groups: list[str], seps: list[str], plus: bool) -> bool:
    """Whether these digit groups, joined by ``seps``, are a phone number (rules: :func:`mask_phones`)."""
    n = sum(len(g) for g in groups)
    if plus:
        return 8 <= n <= 15
    if not 10 <= n <= 15 or any(len(g) < 2 for g in groups) or any("." in s for s in seps):
        return False
    if groups[0].startswith("0"):
        return True
    lengths = [len(g) for g in groups]
    looks_like_list = len(groups) > 1 and len(set(lengths)) == 1 and lengths[0] <= 4
    looks_like_amount = len(groups) > 2 and all(x == 3 for x in lengths[1:])
    looks_like_date = lengths[:3] in ([4, 2, 2], [2, 2, 4])
    round_amounts = all(g.endswith("000") for g in groups)
    return len(groups) <= 4 and not (looks_like_list or looks_like_amount or looks_like_date or round_amounts)


def _mask_number(digits: str, plus: bool) -> str:
    """The masked form of a number's ``digits``: ``+`` and country code if written with ``+``, the last two."""
    if not plus:
        return f"{MASK}{digits[-2:]}"
    ascii_digits = "".join(str(unicodedata.decimal(c, 0)) for c in digits[:3])
    cc = 1 if ascii_digits[0] in "17" else 2 if ascii_digits[:2] in _CC2 else 3
    return f"+{digits[:cc]}{MASK}{digits[-2:]}"
