"""Masking phone numbers in chat exports: members who were not saved contacts appear by number.

:func:`mask_phones` keeps the country code (when written with ``+``) and the last two digits:
``+92 300 1234567`` → ``+92•••67``, ``0300-1234567`` → ``•••67``. Nothing else of the number is
kept (a hash would be reversible: there are few enough phone numbers to hash them all). Numbers
inside links are left alone (a status id is not a phone number); times, dates, counts and years are
too short or too oddly punctuated to match.
"""

from __future__ import annotations

import re

__all__ = ["mask_phones", "MASK"]

MASK = "•••"
# "+" and a 1-3 digit country code, or a leading 0; then groups of digits separated by single
# spaces, dashes, dots or parentheses, 9 to 15 digits in all (checked in _mask)
_PHONE = re.compile(r"(?<![\w/=?&#.:+•])[\u202a\u202c]?(\+\d{1,3}|\(?0)[\d ()\-.\u00a0]{6,20}\d(?![\w/]|\.\d)[\u202c]?")
_URL = re.compile(r"https?://\S+", re.I)


def _mask(m: re.Match[str]) -> str:
    raw = m.group(0)
    digits = re.sub(r"\D", "", raw)
    if not 9 <= len(digits) <= 15:
        return raw
    if "  " in raw.strip():
        return raw
    head = m.group(1)
    cc = head if head.startswith("+") else ""
    return f"{cc}{MASK}{digits[-2:]}"


def mask_phones(text: str) -> str:
    """``text`` with every phone number masked (module doc); links are kept as they are."""
    if not text or not any(c.isdigit() for c in text):
        return text
    out, last = [], 0
    for u in _URL.finditer(text):
        out.append(_PHONE.sub(_mask, text[last:u.start()]))
        out.append(u.group(0))
        last = u.end()
    out.append(_PHONE.sub(_mask, text[last:]))
    return "".join(out)
