"""Business calendars and day counts (etfsim.contracts.calendars).

Reference facts:
- NYSE closed on Thursday 9 January 2025 for the national day of mourning for
  President Jimmy Carter, an unscheduled closure; QuantLib's
  ``UnitedStates(NYSE)`` knows it (DESIGN.md, dependency notes).
- Good Friday 2026 is Friday 3 April (Easter Sunday is 5 April 2026); the NYSE
  is closed on Good Friday every year.
- ACT/365 (Fixed) is checked against QuantLib's own ``Actual365Fixed().yearFraction``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql

from etfsim.contracts.calendars import (
    CALENDARS,
    act365_year_fractions,
    add_business_days,
    business_days,
    get_calendar,
    is_business_day,
    to_day,
)
from etfsim.exceptions import CalendarError, ConfigError, UnknownNameError


def _days(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


# -- holidays QuantLib knows and a hand-written list would miss ------------------------


def test_nyse_knows_the_carter_day_of_mourning() -> None:
    assert not is_business_day("NYSE", "2025-01-09")
    # the days either side were ordinary sessions
    assert is_business_day("NYSE", "2025-01-08")
    assert is_business_day("NYSE", "2025-01-10")
    # a weekends-only calendar has no holidays at all: the closure is NYSE's
    assert is_business_day("WEEKDAYS", "2025-01-09")


def test_nyse_knows_good_friday_2026() -> None:
    assert not is_business_day("NYSE", "2026-04-03")
    assert is_business_day("NYSE", "2026-04-02")
    assert is_business_day("NYSE", "2026-04-06")  # Easter Monday is a US session
    assert not is_business_day("NYSE", "2026-04-04")  # Saturday


def test_calendar_names_are_case_insensitive() -> None:
    assert not is_business_day("nyse", "2025-01-09")
    assert get_calendar("nyse").name() == get_calendar("NYSE").name()


# -- business_days ----------------------------------------------------------------------


def test_business_days_includes_both_ends_and_skips_the_closure() -> None:
    # Mon 6 .. Fri 10 January 2025, Thursday 9 closed
    got = business_days("NYSE", "2025-01-06", "2025-01-10")
    np.testing.assert_array_equal(got, _days("2025-01-06", "2025-01-07", "2025-01-08", "2025-01-10"))
    assert got.dtype == np.dtype("datetime64[D]")


def test_business_days_single_day_range() -> None:
    np.testing.assert_array_equal(business_days("NYSE", "2026-03-31", "2026-03-31"), _days("2026-03-31"))
    # a one-day range on a holiday is empty, not an error
    assert business_days("NYSE", "2026-04-03", "2026-04-03").size == 0


def test_business_days_around_good_friday_2026() -> None:
    # Wed 1, Thu 2, (Fri 3 Good Friday), (Sat 4), (Sun 5), Mon 6, Tue 7 April 2026
    got = business_days("NYSE", "2026-04-01", "2026-04-07")
    np.testing.assert_array_equal(got, _days("2026-04-01", "2026-04-02", "2026-04-06", "2026-04-07"))


def test_business_days_is_read_only() -> None:
    got = business_days("NYSE", "2025-01-06", "2025-01-10")
    with pytest.raises(ValueError):
        got[0] = np.datetime64("2000-01-01")


def test_business_days_reversed_range_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError, match="reversed"):
        business_days("NYSE", "2025-01-10", "2025-01-06")


def test_bad_date_is_a_calendar_error_naming_the_field() -> None:
    with pytest.raises(CalendarError, match="start"):
        business_days("NYSE", "not a date", "2025-01-06")
    with pytest.raises(CalendarError, match="end"):
        business_days("NYSE", "2025-01-06", None)


def test_to_day_accepts_the_usual_date_types() -> None:
    expected = np.datetime64("2020-04-21", "D")
    for value in (
        "2020-04-21",
        dt.date(2020, 4, 21),
        pd.Timestamp("2020-04-21 15:30"),
        np.datetime64("2020-04-21T15:30:00.000000000"),
    ):
        got = to_day(value)
        assert got == expected
        assert got.dtype == np.dtype("datetime64[D]")


# -- registry ---------------------------------------------------------------------------


def test_unknown_calendar_lists_the_known_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        get_calendar("LSE-MOON")
    message = str(info.value)
    assert "LSE-MOON" in message
    for name in CALENDARS:
        assert name in message
    assert isinstance(info.value, ConfigError)
    assert info.value.known == sorted(CALENDARS)


def test_unknown_calendar_in_business_days() -> None:
    with pytest.raises(UnknownNameError, match="NYSE"):
        business_days("NOPE", "2025-01-06", "2025-01-10")


# -- add_business_days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Wed 8 Jan 2025 + 1: Thu 9 is closed -> Fri 10
        ("2025-01-08", 1, "2025-01-10"),
        # and back again: Fri 10 - 1 -> Wed 8
        ("2025-01-10", -1, "2025-01-08"),
        # Thu 2 Apr 2026 + 1: Fri 3 Good Friday, weekend -> Mon 6
        ("2026-04-02", 1, "2026-04-06"),
        # Thu 2 Apr 2026 + 2: Mon 6, Tue 7
        ("2026-04-02", 2, "2026-04-07"),
        # Wed 3 Jul 2024 + 1: Thu 4 Independence Day -> Fri 5
        ("2024-07-03", 1, "2024-07-05"),
        # zero moves nothing on a business day
        ("2026-03-31", 0, "2026-03-31"),
    ],
)
def test_add_business_days_across_holidays(start: str, n: int, expected: str) -> None:
    assert add_business_days("NYSE", start, n) == np.datetime64(expected, "D")


def test_add_business_days_on_a_weekends_only_calendar_ignores_the_closure() -> None:
    assert add_business_days("WEEKDAYS", "2025-01-08", 1) == np.datetime64("2025-01-09", "D")


# -- ACT/365 ----------------------------------------------------------------------------


def test_act365_matches_quantlib_year_fraction() -> None:
    pairs = [
        ("2020-01-01", "2021-01-01"),  # leap year: 366 days -> 366/365
        ("2021-01-01", "2022-01-01"),  # 365 days -> exactly 1
        ("2020-04-21", "2020-05-19"),
        ("2026-03-31", "2026-03-31"),  # zero
        ("2024-02-28", "2024-03-01"),  # across 29 Feb
        ("2025-12-31", "2035-06-30"),  # long
        ("2026-03-31", "2026-01-02"),  # reversed: negative
    ]
    start = np.array([a for a, _ in pairs], dtype="datetime64[D]")
    end = np.array([b for _, b in pairs], dtype="datetime64[D]")
    got = act365_year_fractions(start, end)
    dc = ql.Actual365Fixed()
    expected = []
    for a, b in pairs:
        da, db = np.datetime64(a).astype(object), np.datetime64(b).astype(object)
        expected.append(dc.yearFraction(ql.Date(da.day, da.month, da.year), ql.Date(db.day, db.month, db.year)))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    assert got[1] == 1.0
    assert got[0] == 366 / 365
    assert got[-1] < 0
    assert got.dtype == np.float64
