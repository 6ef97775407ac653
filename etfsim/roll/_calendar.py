"""Business-day arithmetic the roll rules share (QuantLib calendars underneath)."""

from __future__ import annotations

import numpy as np

from etfsim._typing import DateArray
from etfsim.contracts.calendars import business_days
from etfsim.curves.protocol import Curve

__all__ = ["BusinessDayIndex", "curve_calendar", "curve_days"]


def curve_days(curve: Curve) -> DateArray:
    """The calendar date of each curve row (intraday rows share their day)."""
    return np.asarray(curve.dates).astype("datetime64[D]")


def curve_calendar(curve: Curve, calendar: str | None) -> str:
    """The rule's calendar, else the curve's contract calendar, else NYSE."""
    if calendar:
        return calendar
    contract = curve.metadata.get("contract")
    if isinstance(contract, dict) and contract.get("calendar"):
        return str(contract["calendar"])
    return "NYSE"


class BusinessDayIndex:
    """Position of any date among a calendar's business days.

    ``index(d)`` is the number of business days on or before ``d`` minus one,
    so for business days ``index(b) - index(a)`` counts the business days in
    ``(a, b]``.
    """

    def __init__(self, calendar: str, first: np.datetime64, last: np.datetime64) -> None:
        lo = first.astype("datetime64[D]") - np.timedelta64(62, "D")
        hi = last.astype("datetime64[D]") + np.timedelta64(62, "D")
        self.calendar = calendar
        self.days = business_days(calendar, lo, hi)

    def index(self, dates: DateArray) -> np.ndarray:
        d = np.asarray(dates).astype("datetime64[D]")
        return np.searchsorted(self.days, d, side="right").astype(np.int64) - 1

    def nth_of_month(self, year_month: np.ndarray, n: int) -> DateArray:
        """The ``n``-th business day (1-based) of each month given as ``datetime64[M]``."""
        ym = np.asarray(year_month).astype("datetime64[M]")
        first = ym.astype("datetime64[D]")
        start = np.searchsorted(self.days, first, side="left")
        out = self.days[np.minimum(start + n - 1, len(self.days) - 1)]
        return out

    def count_in_month(self, year_month: np.ndarray) -> np.ndarray:
        ym = np.asarray(year_month).astype("datetime64[M]")
        lo = np.searchsorted(self.days, ym.astype("datetime64[D]"), side="left")
        hi = np.searchsorted(self.days, (ym + 1).astype("datetime64[D]"), side="left")
        return (hi - lo).astype(np.int64)

    def of_month(self, dates: DateArray) -> np.ndarray:
        """1-based business day of the month (a holiday counts as the business day before it)."""
        d = np.asarray(dates).astype("datetime64[D]")
        first = d.astype("datetime64[M]").astype("datetime64[D]")
        return self.index(d) - np.searchsorted(self.days, first, side="left") + 1
