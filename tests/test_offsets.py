"""trendtrace.offsets: the one format, distance and zone check, in Python and in SQL."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trendtrace.model import InputError
from trendtrace.offsets import (fixed_zone, format_offset, format_offset_sql, offset_distance, offset_distance_sql,
                                require_zone, zone_offset, zone_problem)

# quarter hours from -12 to +14: every offset in use, and then some
OFFSETS = st.integers(min_value=-48, max_value=56).map(lambda q: q / 4)


@pytest.mark.parametrize(("hours", "text"), [
    (5, "UTC+5"), (-3.5, "UTC-3:30"), (5.75, "UTC+5:45"), (0, "UTC"), (-0.0, "UTC"), (14, "UTC+14"),
    (-12, "UTC-12"), (0.5, "UTC+0:30"), (-0.5, "UTC-0:30"),
])
def test_format_offset_golden(hours: float, text: str) -> None:
    assert format_offset(hours) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(OFFSETS, min_size=1, max_size=20))
def test_sql_format_equals_python(offsets: list[float]) -> None:
    con = duckdb.connect()
    got = con.execute(f"SELECT {format_offset_sql('o')} FROM unnest(?::DOUBLE[]) AS t(o)", [offsets]).fetchall()
    assert [r[0] for r in got] == [format_offset(o) for o in offsets]


@settings(max_examples=200, deadline=None)
@given(OFFSETS, OFFSETS)
def test_sql_distance_equals_python_and_is_circular(a: float, b: float) -> None:
    con = duckdb.connect()
    (d,), = con.execute(f"SELECT {offset_distance_sql('a', 'b')} FROM (SELECT ?::DOUBLE AS a, ?::DOUBLE AS b)",
                        [a, b]).fetchall()
    assert d == pytest.approx(offset_distance(a, b))
    assert 0 <= offset_distance(a, b) <= 12
    assert offset_distance(a, b) == offset_distance(b, a)


def test_distance_wraps_around_the_date_line() -> None:
    assert offset_distance(14, -12) == 2
    assert offset_distance(-11, 12) == 1


def test_zone_offset_reads_the_instant_as_utc_across_daylight_saving() -> None:
    # Europe/Berlin switches to summer time at 01:00 UTC on 2025-03-30
    assert zone_offset("Europe/Berlin", datetime(2025, 3, 30, 0, 59)) == 1
    assert zone_offset("Europe/Berlin", datetime(2025, 3, 30, 1, 0)) == 2
    assert zone_offset("Asia/Kolkata", datetime(2025, 1, 1)) == 5.5
    assert zone_offset("Mars/Olympus", datetime(2025, 1, 1)) is None


def test_zone_checks_have_one_message() -> None:
    assert zone_problem("Asia/Karachi") is None
    assert require_zone("auto", allow_auto=True) == "auto"
    with pytest.raises(InputError, match=r"^--home-tz 'Mars/Olympus': not a time zone name; use an IANA name "
                                         r"such as Asia/Karachi or 'auto'$"):
        require_zone("Mars/Olympus", allow_auto=True)
    with pytest.raises(InputError, match=r"^home_tz 'auto': not a time zone name"):
        require_zone("auto", "home_tz")


def test_fixed_zone() -> None:
    assert (fixed_zone(5), fixed_zone(-3), fixed_zone(0)) == ("Etc/GMT-5", "Etc/GMT+3", "Etc/UTC")
    assert zone_offset(fixed_zone(5), datetime(2025, 6, 1)) == 5
