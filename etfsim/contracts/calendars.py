"""Business calendars and day counts, from QuantLib.

Exchanges close on holidays and, now and then, on unscheduled days (the NYSE
closed on 9 January 2025 for a national day of mourning).  Hand-written holiday
lists miss those, so every calendar here is a QuantLib calendar, looked up by a
short name in one registry.  Dates cross this module's boundary as
``numpy.datetime64[D]``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import QuantLib as ql

from etfsim._typing import DateArray, Float64Array
from etfsim.exceptions import CalendarError, UnknownNameError

__all__ = [
    "CALENDARS",
    "act365_year_fractions",
    "add_business_days",
    "business_days",
    "get_calendar",
    "is_business_day",
    "to_day",
]

CALENDARS: dict[str, Callable[[], ql.Calendar]] = {
    "NYSE": lambda: ql.UnitedStates(ql.UnitedStates.NYSE),
    "US-SETTLEMENT": lambda: ql.UnitedStates(ql.UnitedStates.Settlement),
    "US-GOVERNMENTBOND": lambda: ql.UnitedStates(ql.UnitedStates.GovernmentBond),
    "TARGET": lambda: ql.TARGET(),
    "UK-EXCHANGE": lambda: ql.UnitedKingdom(ql.UnitedKingdom.Exchange),
    "WEEKDAYS": lambda: ql.WeekendsOnly(),
}
"""Calendar names etfsim knows, mapped to QuantLib constructors."""


@lru_cache(maxsize=None)
def get_calendar(name: str) -> ql.Calendar:
    """Return the QuantLib calendar registered under ``name`` (case-insensitive)."""
    key = str(name).upper()
    if key not in CALENDARS:
        raise UnknownNameError("calendar", str(name), CALENDARS)
    return CALENDARS[key]()


def to_day(value: object, field: str = "date") -> np.datetime64:
    """Coerce a date-like value (str, date, datetime64, Timestamp) to ``datetime64[D]``."""
    wrong = f"{field} must be a date like 2026-03-31, got {value!r}"
    day: np.datetime64
    if isinstance(value, np.datetime64):
        day = value.astype("datetime64[D]")
    elif isinstance(value, (str, bytes, int, _dt.date)):  # a Timestamp is a datetime, so a date
        try:
            day = np.datetime64(value, "D")
        except (ValueError, TypeError) as exc:
            raise CalendarError(wrong) from exc
    else:
        raise CalendarError(wrong)
    if np.isnat(day):
        raise CalendarError(wrong)
    return day


def _ql_date(day: np.datetime64) -> ql.Date:
    d = day.astype(_dt.date)
    return ql.Date(d.day, d.month, d.year)


def _np_day(date: ql.Date) -> np.datetime64:
    return np.datetime64(_dt.date(date.year(), date.month(), date.dayOfMonth()), "D")


def is_business_day(calendar: str, day: object) -> bool:
    """Whether ``day`` is a business day of ``calendar``."""
    return bool(get_calendar(calendar).isBusinessDay(_ql_date(to_day(day))))


@lru_cache(maxsize=256)
def _business_days_cached(calendar: str, start: np.datetime64, end: np.datetime64) -> DateArray:
    cal = get_calendar(calendar)
    days = np.arange(start, end + np.timedelta64(1, "D"), dtype="datetime64[D]")
    mask = np.fromiter((cal.isBusinessDay(_ql_date(d)) for d in days), dtype=bool, count=len(days))
    out: DateArray = days[mask]
    out.setflags(write=False)
    return out


def business_days(calendar: str, start: object, end: object) -> DateArray:
    """Business days of ``calendar`` from ``start`` to ``end`` inclusive, as ``datetime64[D]``.

    Raises
    ------
    CalendarError
        If the range is reversed.
    """
    lo, hi = to_day(start, "start"), to_day(end, "end")
    if hi < lo:
        raise CalendarError(f"date range is reversed: start {lo} is after end {hi}; swap them")
    return _business_days_cached(str(calendar).upper(), lo, hi)


def add_business_days(calendar: str, day: object, n: int) -> np.datetime64:
    """Move ``n`` business days from ``day`` (negative moves back), QuantLib's ``advance``."""
    cal = get_calendar(calendar)
    return _np_day(cal.advance(_ql_date(to_day(day)), int(n), ql.Days))


def act365_year_fractions(start: DateArray, end: DateArray) -> Float64Array:
    """ACT/365 (Fixed) year fractions from ``start`` to ``end`` (elementwise, may be negative).

    QuantLib's ``Actual365Fixed`` is days/365; the division is vectorised here
    and a test checks it against QuantLib's ``yearFraction``.
    """
    days = (np.asarray(end, dtype="datetime64[D]") - np.asarray(start, dtype="datetime64[D]")).astype(np.int64)
    return np.asarray(days.astype(np.float64) / 365.0)
