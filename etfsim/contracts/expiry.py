"""Last-trade (expiry) rules of futures contracts.

A rule maps a delivery month to the contract's last trading day on a business
calendar.  Real exchange rules are encoded from the exchanges' contract specs,
which the docstrings cite; the compute contract, not yet listed, defaults to
the last business day of its delivery month (DESIGN.md).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from etfsim.contracts.calendars import add_business_days, is_business_day
from etfsim.exceptions import ConfigError, UnknownNameError

__all__ = [
    "EXPIRY_RULES",
    "BusinessDaysBeforeDayOfPriorMonth",
    "ExpiryRule",
    "LastBusinessDayOfMonth",
    "NthLastBusinessDayOfPriorMonth",
    "VixFinalSettlement",
    "expiry_rule_from_dict",
]


def _first_of(year: int, month: int) -> np.datetime64:
    return np.datetime64(_dt.date(year, month, 1), "D")


def _shift_month(year: int, month: int, k: int) -> tuple[int, int]:
    m = year * 12 + (month - 1) + k
    return m // 12, m % 12 + 1


def _last_business_day_on_or_before(calendar: str, day: np.datetime64) -> np.datetime64:
    while not is_business_day(calendar, day):
        day = day - np.timedelta64(1, "D")
    return day


@dataclass(frozen=True)
class ExpiryRule:
    """Base class: ``last_trade(year, month, calendar)`` gives the last trading day."""

    name: ClassVar[str] = "base"

    def last_trade(self, year: int, month: int, calendar: str) -> np.datetime64:
        """Last trading day of the contract for delivery in ``year``-``month``."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, object]:
        """The rule as plain data (``{"rule": name, ...}``) for TOML and file metadata."""
        # dataclasses.fields() leaves out the ClassVar ``name``, which __dataclass_fields__ lists
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {"rule": self.name, **values}


@dataclass(frozen=True)
class LastBusinessDayOfMonth(ExpiryRule):
    """Last business day of the delivery month (the default compute contract, DESIGN.md).

    With monthly-average settlement the contract trades through its delivery
    month while the index fixes day by day.
    """

    name: ClassVar[str] = "last_business_day"

    def last_trade(self, year: int, month: int, calendar: str) -> np.datetime64:
        ny, nm = _shift_month(year, month, 1)
        return _last_business_day_on_or_before(calendar, _first_of(ny, nm) - np.timedelta64(1, "D"))


@dataclass(frozen=True)
class BusinessDaysBeforeDayOfPriorMonth(ExpiryRule):
    """``business_days`` business days before ``day`` of the month before delivery.

    NYMEX Light Sweet Crude Oil (CL), CME rulebook chapter 200: "Trading terminates
    3 business days before the 25th calendar day of the month prior to the contract
    month. If the 25th calendar day is not a business day, trading terminates 4
    business days before the 25th calendar day."  Both sentences are "3 business days
    before the last business day on or before the 25th", which is what this computes.
    """

    name: ClassVar[str] = "business_days_before_day_of_prior_month"
    day: int = 25
    business_days: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 28:
            raise ConfigError(f"expiry day must be between 1 and 28, got {self.day}")
        if self.business_days < 0:
            raise ConfigError(f"expiry business_days must be >= 0, got {self.business_days}")

    def last_trade(self, year: int, month: int, calendar: str) -> np.datetime64:
        py, pm = _shift_month(year, month, -1)
        anchor = _last_business_day_on_or_before(calendar, np.datetime64(_dt.date(py, pm, self.day), "D"))
        return add_business_days(calendar, anchor, -self.business_days)


@dataclass(frozen=True)
class NthLastBusinessDayOfPriorMonth(ExpiryRule):
    """The ``n``-th last business day of the month before delivery.

    NYMEX Henry Hub Natural Gas (NG), CME rulebook chapter 220: "Trading terminates
    on the 3rd last business day of the month prior to the contract month."
    """

    name: ClassVar[str] = "nth_last_business_day_of_prior_month"
    n: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.n <= 15:
            raise ConfigError(f"expiry n must be between 1 and 15, got {self.n}")

    def last_trade(self, year: int, month: int, calendar: str) -> np.datetime64:
        last = _last_business_day_on_or_before(calendar, _first_of(year, month) - np.timedelta64(1, "D"))
        return add_business_days(calendar, last, -(self.n - 1))


@dataclass(frozen=True)
class VixFinalSettlement(ExpiryRule):
    """Cboe VIX futures final settlement date (Cboe Futures Exchange VX contract specs).

    "The Wednesday that is thirty days prior to the third Friday of the calendar
    month immediately following the month in which the contract expires. If the
    third Friday of the month subsequent to expiration of the applicable VX futures
    contract is a CFE holiday, the Final Settlement Date for the contract shall be
    thirty days prior to the CFE business day immediately preceding that Friday."
    In practice (e.g. March 2019, Good Friday 19 April 2019) that lands on the
    Tuesday; if the Wednesday itself is a holiday, the business day before it.
    """

    name: ClassVar[str] = "vix_final_settlement"

    def last_trade(self, year: int, month: int, calendar: str) -> np.datetime64:
        ny, nm = _shift_month(year, month, 1)
        first = _dt.date(ny, nm, 1)
        third_friday = first + _dt.timedelta(days=(4 - first.weekday()) % 7 + 14)
        friday: np.datetime64 = np.datetime64(third_friday, "D")
        if not is_business_day(calendar, friday):
            friday = _last_business_day_on_or_before(calendar, friday - np.timedelta64(1, "D"))
        return _last_business_day_on_or_before(calendar, friday - np.timedelta64(30, "D"))


EXPIRY_RULES: dict[str, type[ExpiryRule]] = {
    cls.name: cls
    for cls in (
        LastBusinessDayOfMonth,
        BusinessDaysBeforeDayOfPriorMonth,
        NthLastBusinessDayOfPriorMonth,
        VixFinalSettlement,
    )
}
"""Expiry rules by name, for TOML files and file metadata."""


def expiry_rule_from_dict(data: dict[str, object]) -> ExpiryRule:
    """Build a rule from ``{"rule": name, **fields}``; unknown names and fields are errors."""
    data = dict(data)
    name = str(data.pop("rule", ""))
    if name not in EXPIRY_RULES:
        raise UnknownNameError("expiry rule", name, EXPIRY_RULES)
    cls = EXPIRY_RULES[name]
    valid = {f.name for f in fields(cls)}  # not __dataclass_fields__: it lists the ClassVar ``name``
    unknown = set(data) - valid
    if unknown:
        raise ConfigError(
            f"unknown field(s) {sorted(unknown)} for expiry rule {name!r}; valid fields: {sorted(valid) or 'none'}"
        )
    return cls(**data)
