"""UTC offsets and time zones: the one home of their format, distance and checks.

Every stage, the report and the command line use these, in Python and (for the SQL stages) as SQL
expressions that give the same answers (``tests/test_offsets.py`` holds the two together).

* :func:`format_offset`: ``5`` → ``UTC+5``, ``-3.5`` → ``UTC-3:30``, ``0`` → ``UTC`` (ASCII signs, so
  that the text is the same in a CSV, a terminal and a web page);
* :func:`offset_distance`: circular distance in hours (``+14`` and ``-12`` are 2 hours apart);
* :func:`zone_offset`: the offset of an IANA zone at a UTC instant (daylight-saving time included);
* :func:`zone_problem` / :func:`require_zone`: is a name a time zone, and the one error message;
* :func:`fixed_zone`: the IANA name of a whole-hour offset.
"""

from __future__ import annotations

import functools
from datetime import datetime, UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import InputError

__all__ = ["format_offset", "format_offset_sql", "offset_distance", "offset_distance_sql", "zone_offset",
           "zone_problem", "require_zone", "fixed_zone"]


def format_offset(hours: float) -> str:
    """``5`` → ``'UTC+5'``, ``-3.5`` → ``'UTC-3:30'``, ``5.75`` → ``'UTC+5:45'``, ``0`` → ``'UTC'``."""
    minutes_total = int(round(abs(float(hours)) * 60))
    if minutes_total == 0:
        return "UTC"
    sign = "+" if hours > 0 else "-"
    whole, minutes = divmod(minutes_total, 60)
    return f"UTC{sign}{whole}" + (f":{minutes:02d}" if minutes else "")


def format_offset_sql(column: str) -> str:
    """A DuckDB SQL expression over the hours in ``column`` (a trusted column name, never input)
    that gives :func:`format_offset`'s text."""
    m = f"CAST(round(abs({column}) * 60) AS BIGINT)"
    return (f"CASE WHEN {m} = 0 THEN 'UTC' ELSE 'UTC' || CASE WHEN {column} > 0 THEN '+' ELSE '-' END "
            f"|| CAST({m} // 60 AS VARCHAR) || CASE WHEN {m} % 60 = 0 THEN '' "
            f"ELSE ':' || lpad(CAST({m} % 60 AS VARCHAR), 2, '0') END END")


def offset_distance(a: float, b: float) -> float:
    """Circular distance in hours between two UTC offsets (24-hour period)."""
    d = abs(a - b) % 24
    return min(d, 24 - d)


def offset_distance_sql(a: str, b: str) -> str:
    """:func:`offset_distance` as a DuckDB SQL expression over two trusted column expressions."""
    d = f"(abs(({a}) - ({b})) % 24)"
    return f"least({d}, 24 - {d})"


@functools.lru_cache(maxsize=4096)
def zone_offset(zone: str, when: datetime) -> float | None:
    """UTC offset in hours of IANA ``zone`` at ``when`` (naive = UTC); None for an unknown zone."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    at = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    off = at.astimezone(tz).utcoffset()
    return None if off is None else off.total_seconds() / 3600


def zone_problem(name: str) -> str | None:
    """None when ``name`` is an IANA time zone, else what is wrong with it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "not a time zone name; use an IANA name such as Asia/Karachi"
    return None


def require_zone(name: str, what: str = "--home-tz", *, allow_auto: bool = False) -> str:
    """``name`` when it is a time zone (or ``'auto'`` with ``allow_auto``); else :class:`InputError`
    ``"<what> '<name>': not a time zone name; ..."``."""
    if allow_auto and name == "auto":
        return name
    problem = zone_problem(name)
    if problem:
        raise InputError(f"{what} {name!r}: {problem}" + (" or 'auto'" if allow_auto else ""))
    return name


def fixed_zone(offset: float) -> str:
    """The IANA name of a whole-hour fixed offset: ``5`` -> ``Etc/GMT-5`` (POSIX signs are inverted)."""
    h = int(round(offset))
    return "Etc/UTC" if h == 0 else f"Etc/GMT{-h:+d}"
