"""Contract specifications and the listing calendar.

A :class:`ContractSpec` says what one futures contract is: its root, unit,
multiplier, tick, which months list, how many months out, how it expires and
how it settles.  Compute futures do not trade yet, so every field is a choice
the designer can change; the built-ins cover the default compute contract of
DESIGN.md and the real contracts of the reference data (WTI, Henry Hub, VIX).

Settlement styles:

``final``
    The contract settles on one print of the underlying at expiry (WTI is
    physically delivered, VIX settles on a special opening quotation; to a fund
    both mean "the price converges to one fixing").
``monthly_average``
    Cash-settled on the average of the daily index over the business days of
    the delivery month, like power and freight: during the delivery month the
    price is part realised fixings, part forward.

The expiry day: a contract usually trades through the close of its last trading
day, so a daily history still shows it as contract 1 that day (CL: the EIA's
RCLC1).  A contract whose final settlement is an opening print has no regular
session that day, so daily data already shows the next month as contract 1:
``on_expiry_day = "next"`` (Cboe VX).  :meth:`ContractSpec.listing` follows it.

Re-denomination: a contract that must survive a decade of falling prices gets
small (a 1,000 GPU-hour contract at $0.50 is $500).  An exchange then lists new
months with a larger multiplier (10,000 GPU-hours) while the months already
listed keep theirs; ``multiplier_changes`` says from which listing date, and
:meth:`ContractSpec.multipliers` gives each slot's multiplier on each date.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from etfsim._typing import DateArray, Float64Array, StrArray
from etfsim.contracts.calendars import add_business_days, business_days, get_calendar, to_day
from etfsim.contracts.expiry import (
    BusinessDaysBeforeDayOfPriorMonth,
    ExpiryRule,
    LastBusinessDayOfMonth,
    NthLastBusinessDayOfPriorMonth,
    VixFinalSettlement,
    expiry_rule_from_dict,
)
from etfsim.exceptions import ConfigError, DataError, UnknownNameError

__all__ = [
    "CONTRACTS",
    "COMPUTE_H100",
    "HENRY_HUB",
    "MONTH_CODES",
    "VIX",
    "WTI",
    "ContractSpec",
    "EXPIRY_DAY_CHOICES",
    "Listing",
    "check_expiry_day",
    "get_contract",
]

MONTH_CODES = "FGHJKMNQUVXZ"
"""Exchange month letters, January (F) to December (Z)."""

Settlement = Literal["final", "monthly_average"]
ExpiryDay = Literal["expiring", "next"]
EXPIRY_DAY_CHOICES: tuple[str, ...] = ("expiring", "next")


@dataclass(frozen=True)
class Listing:
    """Which contract sits in each nearby slot on each date (the same on every path).

    Attributes
    ----------
    contracts : (dates, depth) object array of codes, '' where no contract lists.
    expiries : (dates, depth) ``datetime64[D]``, NaT where no contract lists.
    delivery : (dates, depth) int64 ``YYYYMM`` delivery month, 0 where none.
    """

    contracts: StrArray
    expiries: DateArray
    delivery: np.ndarray


@dataclass(frozen=True)
class ContractSpec:
    """One futures contract's terms.

    Parameters
    ----------
    root : str
        Ticker root, e.g. ``"CL"``; codes are root + month letter + two-digit year.
    name : str
        Long name for reports.
    unit : str
        What one unit of price is for, e.g. ``"GPU-hour"`` or ``"barrel"``.
    multiplier : float
        Units per contract (1,000 GPU-hours; 1,000 barrels).
    tick : float
        Minimum price increment, in price units.
    listed_months : tuple of int
        Calendar months (1-12) with a contract.
    listed_depth : int
        How many listed months trade at once (the curve's natural depth).
    expiry_rule : ExpiryRule
        Last-trade rule.
    settlement : {"final", "monthly_average"}
        How the contract settles; see the module docstring.
    calendar : str
        Business calendar name (see ``etfsim.contracts.calendars.CALENDARS``).
    currency : str
        Price currency.
    multiplier_changes : tuple of (str, float)
        Re-denominations: ``(listing date "YYYY-MM-DD", new multiplier)`` pairs in
        increasing date order.  A contract first listed on or after a date has
        that multiplier (the last such date's); earlier ones keep ``multiplier``,
        the base multiplier that fund terms counted in contracts refer to.
    on_expiry_day : {"expiring", "next"}
        Which contract is in slot 0 on a contract's expiry day (``expiry_rule``'s
        date): ``"expiring"`` (default) when it trades through that day's close, as
        CL does on its last trading day; ``"next"`` when it has no regular session
        that day (Cboe VX: trading in the expiring contract ends at the open of its
        final settlement date), so the next month is slot 0 and the expiring one
        is off the listing.
    """

    root: str
    name: str
    unit: str
    multiplier: float
    tick: float
    listed_months: tuple[int, ...] = tuple(range(1, 13))
    listed_depth: int = 24
    expiry_rule: ExpiryRule = field(default_factory=LastBusinessDayOfMonth)
    settlement: Settlement = "final"
    calendar: str = "NYSE"
    currency: str = "USD"
    multiplier_changes: tuple[tuple[str, float], ...] = ()
    on_expiry_day: ExpiryDay = "expiring"

    def __post_init__(self) -> None:
        if not self.root or not self.root.isalnum():
            raise ConfigError(f"root must be a non-empty alphanumeric ticker root, got {self.root!r}")
        if not (np.isfinite(self.multiplier) and self.multiplier > 0):
            raise ConfigError(f"multiplier must be a positive number of units per contract, got {self.multiplier}")
        if not (np.isfinite(self.tick) and self.tick > 0):
            raise ConfigError(f"tick must be a positive price increment, got {self.tick}")
        months = tuple(int(m) for m in self.listed_months)
        if not months or any(m < 1 or m > 12 for m in months) or len(set(months)) != len(months):
            raise ConfigError(f"listed_months must be distinct months 1-12, got {self.listed_months}")
        object.__setattr__(self, "listed_months", tuple(sorted(months)))
        if not 1 <= self.listed_depth <= 120:
            raise ConfigError(f"listed_depth must be between 1 and 120 months, got {self.listed_depth}")
        if self.settlement not in ("final", "monthly_average"):
            raise ConfigError(f"settlement must be 'final' or 'monthly_average', got {self.settlement!r}")
        if not isinstance(self.expiry_rule, ExpiryRule):
            raise ConfigError("expiry_rule must be an ExpiryRule, e.g. LastBusinessDayOfMonth()")
        get_calendar(self.calendar)  # raises UnknownNameError listing the known calendars
        object.__setattr__(self, "multiplier_changes", _checked_changes(self.multiplier_changes))
        check_expiry_day(self.on_expiry_day, "on_expiry_day")

    # -- contracts -------------------------------------------------------------------
    def code(self, year: int, month: int) -> str:
        """Contract code, e.g. ``code(2020, 5) == "CLK20"``."""
        return f"{self.root}{MONTH_CODES[month - 1]}{year % 100:02d}"

    def delivery_month(self, code: str, last_trade: np.datetime64) -> str:
        """Delivery month ``YYYY-MM`` of a contract code (root, month letter, two-digit year).

        The century comes from the contract's last trading day, which lies
        within a year of its delivery month (``CLF00`` trading in December
        1999 delivers in January 2000).
        """
        letter, yy = code[len(self.root) : len(self.root) + 1], code[len(self.root) + 1 :]
        if not code.startswith(self.root) or not letter or letter not in MONTH_CODES or not yy.isdigit():
            raise DataError(f"{code!r} is not a {self.root} contract code (root, month letter, two-digit year)")
        year = int(str(last_trade.astype("datetime64[D]"))[:4])
        full = year - year % 100 + int(yy) + (100 if int(yy) < year % 100 - 50 else 0)
        return f"{full}-{MONTH_CODES.index(letter) + 1:02d}"

    def last_trade(self, year: int, month: int) -> np.datetime64:
        """Last trading day of the contract delivering in ``year``-``month``."""
        return _last_trade_cached(self.expiry_rule, self.calendar, int(year), int(month))

    def delivery_days(self, year: int, month: int) -> DateArray:
        """Business days of the delivery month (the fixings of a monthly-average contract)."""
        first = np.datetime64(_dt.date(year, month, 1), "D")
        nxt = np.datetime64(_dt.date(year + month // 12, month % 12 + 1, 1), "D")
        return business_days(self.calendar, first, nxt - np.timedelta64(1, "D"))

    def contract_months(self, start: object, end: object) -> list[tuple[int, int]]:
        """Listed delivery months whose life overlaps ``start``..``end`` plus the depth beyond."""
        lo, hi = to_day(start, "start"), to_day(end, "end")
        y0, m0 = lo.astype(_dt.date).year, lo.astype(_dt.date).month
        y1, m1 = hi.astype(_dt.date).year, hi.astype(_dt.date).month
        # a contract may expire up to two months before delivery (WTI: the 20th-ish of m-1)
        first = y0 * 12 + m0 - 1
        last = y1 * 12 + m1 - 1 + 2 + (self.listed_depth * 12) // len(self.listed_months)
        out = []
        for k in range(first, last + 1):
            y, m = divmod(k, 12)
            if m + 1 in self.listed_months:
                out.append((y, m + 1))
        return out

    def listing(self, dates: DateArray, depth: int | None = None, on_expiry_day: str | None = None) -> Listing:
        """The nearby-slot map: on each date, the next ``depth`` contracts not yet expired.

        With ``on_expiry_day = "expiring"`` a contract is in slot 0 up to and
        including its expiry day, and the next business day the old slot 1 is
        slot 0 (DESIGN.md: the ledger follows the contract, not the slot); with
        ``"next"`` the old slot 1 is slot 0 already on the expiry day.  ``None``
        takes the contract's own ``on_expiry_day``.
        """
        mode = self.on_expiry_day if on_expiry_day is None else check_expiry_day(on_expiry_day, "on_expiry_day")
        depth = self.listed_depth if depth is None else int(depth)
        if depth < 1:
            raise ConfigError(f"depth must be at least 1, got {depth}")
        days = np.asarray(dates).astype("datetime64[D]")
        if days.size == 0:
            raise ConfigError("dates is empty; give at least one date")
        months = self.contract_months(days.min(), days.max())
        months += self.contract_months(days.max(), days.max())[-depth:]
        months = sorted(set(months))
        exp = np.array([self.last_trade(y, m) for y, m in months], dtype="datetime64[D]")
        codes = np.array([self.code(y, m) for y, m in months], dtype=object)
        ym = np.array([y * 100 + m for y, m in months], dtype=np.int64)
        # "expiring": the first contract expiring on or after the date; "next": strictly after it
        first = np.searchsorted(exp, days, side="left" if mode == "expiring" else "right")
        idx = first[:, None] + np.arange(depth)[None, :]
        ok = idx < len(months)
        idx_c = np.where(ok, idx, 0)
        contracts = np.where(ok, codes[idx_c], "")
        expiries = np.where(ok, exp[idx_c], np.datetime64("NaT"))
        delivery = np.where(ok, ym[idx_c], 0)
        return Listing(contracts.astype(object), expiries.astype("datetime64[D]"), delivery)

    # -- re-denomination ---------------------------------------------------------------
    def first_listed(self, year: int, month: int) -> np.datetime64:
        """First trading day of the contract delivering in ``year``-``month``, by the listing rule.

        ``listed_depth`` months list at once, so a contract lists the business day
        after the contract ``listed_depth`` listed months before it last trades.
        """
        months = self.listed_months
        if int(month) not in months:
            raise ConfigError(f"month {month} is not listed; listed_months are {list(months)}")
        # count listed months from year 0: the contract listed_depth months earlier is index - listed_depth
        earlier = int(year) * len(months) + months.index(int(month)) - self.listed_depth
        y, earlier_month = divmod(earlier, len(months))
        earlier = months[earlier_month]
        return add_business_days(self.calendar, self.last_trade(y, earlier), 1)

    def multiplier_of(self, year: int, month: int) -> float:
        """The multiplier of the contract delivering in ``year``-``month`` (see ``multiplier_changes``)."""
        if not self.multiplier_changes:
            return float(self.multiplier)
        listed = self.first_listed(year, month)
        mult = float(self.multiplier)
        for day, new in self.multiplier_changes:
            if listed >= np.datetime64(day, "D"):
                mult = new
        return mult

    def multipliers(self, contracts: StrArray, expiries: DateArray) -> Float64Array:
        """Each (date, slot) contract's multiplier, from the codes and last trading days of a listing.

        ``contracts`` and ``expiries`` are ``(dates, depth)``, as on a :class:`Listing`
        or a curve; a slot without a contract ('') gets the base multiplier.

        Raises
        ------
        DataError
            A code that is not this contract's (root, month letter, two-digit year).
        """
        codes = np.asarray(contracts, dtype=object)
        out = np.full(codes.shape, float(self.multiplier))
        if not self.multiplier_changes:
            return out
        exp = np.asarray(expiries).astype("datetime64[D]")
        seen: dict[tuple[str, np.datetime64], float] = {}
        for idx in zip(*np.nonzero(codes != ""), strict=True):
            key = (str(codes[idx]), exp[idx])
            if key not in seen:
                y, m = self.delivery_month(key[0], key[1]).split("-")
                seen[key] = self.multiplier_of(int(y), int(m))
            out[idx] = seen[key]
        return out

    # -- plain data --------------------------------------------------------------------
    def to_dict(self) -> dict[str, object]:
        """The spec as plain data (for TOML and file metadata)."""
        return {
            "root": self.root,
            "name": self.name,
            "unit": self.unit,
            "multiplier": self.multiplier,
            "tick": self.tick,
            "listed_months": list(self.listed_months),
            "listed_depth": self.listed_depth,
            "expiry_rule": self.expiry_rule.to_dict(),
            "settlement": self.settlement,
            "calendar": self.calendar,
            "currency": self.currency,
            # only when given, so a spec without re-denomination writes the same metadata as before
            **({"multiplier_changes": [list(c) for c in self.multiplier_changes]} if self.multiplier_changes else {}),
            **({"on_expiry_day": self.on_expiry_day} if self.on_expiry_day != "expiring" else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ContractSpec:
        """Inverse of :meth:`to_dict`; unknown keys are an error that lists the valid ones."""
        data = dict(data)
        valid = set(cls.__dataclass_fields__)
        unknown = set(data) - valid
        if unknown:
            raise ConfigError(f"unknown contract field(s) {sorted(unknown)}; valid fields: {sorted(valid)}")
        if "expiry_rule" in data:
            rule = data["expiry_rule"]
            if not isinstance(rule, dict):
                raise ConfigError("contract expiry_rule must be a table like {rule = 'last_business_day'}")
            data["expiry_rule"] = expiry_rule_from_dict(rule)
        if "listed_months" in data:
            data["listed_months"] = tuple(data["listed_months"])  # type: ignore[arg-type]
        try:
            return cls(**data)  # type: ignore[arg-type]
        except TypeError as exc:
            raise ConfigError(f"contract spec is incomplete: {exc}") from exc


def check_expiry_day(value: object, field: str) -> ExpiryDay:
    """``value`` if it is a known expiry-day convention, else a ConfigError naming ``field``."""
    if value not in EXPIRY_DAY_CHOICES:
        raise ConfigError(
            f"{field} must be 'expiring' (the expiring contract is still slot 0 on its expiry day) or 'next' "
            f"(the next month is slot 0 that day), got {value!r}"
        )
    return value  # type: ignore[return-value]


def _checked_changes(changes: object) -> tuple[tuple[str, float], ...]:
    """``multiplier_changes`` as ``(YYYY-MM-DD, multiplier)`` pairs: dates increasing, multipliers > 0."""
    example = 'e.g. [["2029-01-01", 10000]]'
    if not isinstance(changes, (tuple, list)):
        raise ConfigError(
            f"multiplier_changes must be a list of [listing date, multiplier] pairs ({example}), got {changes!r}"
        )
    out: list[tuple[str, float]] = []
    for pair in changes:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or isinstance(pair[1], bool):
            raise ConfigError(
                f"multiplier_changes must hold [listing date, multiplier] pairs ({example}), got {pair!r}"
            )
        try:
            day = str(np.datetime64(str(pair[0]), "D"))
        except ValueError as exc:
            raise ConfigError(f"multiplier_changes dates must be like 2029-01-01, got {pair[0]!r}") from exc
        try:
            mult = float(pair[1])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"multiplier_changes multipliers must be numbers, got {pair[1]!r} for {day}") from exc
        if not (np.isfinite(mult) and mult > 0):
            raise ConfigError(
                f"multiplier_changes multipliers must be > 0 units per contract, got {pair[1]!r} for {day}"
            )
        if out and day <= out[-1][0]:
            raise ConfigError(f"multiplier_changes dates must be increasing: {day} follows {out[-1][0]}")
        out.append((day, mult))
    return tuple(out)


@lru_cache(maxsize=65536)
def _last_trade_cached(rule: ExpiryRule, calendar: str, year: int, month: int) -> np.datetime64:
    return rule.last_trade(year, month, calendar)


COMPUTE_H100 = ContractSpec(
    root="GPU",
    name="H100 GPU-hour rental index future (hypothetical)",
    unit="GPU-hour",
    multiplier=1000.0,
    tick=0.001,
    listed_depth=24,
    expiry_rule=LastBusinessDayOfMonth(),
    settlement="monthly_average",
    calendar="NYSE",
)
"""Default compute contract (DESIGN.md): monthly, 1,000 GPU-hours, cash-settled on the
monthly average of the daily rental index, last trade on the delivery month's last business day."""

WTI = ContractSpec(
    root="CL",
    name="NYMEX Light Sweet Crude Oil (WTI)",
    unit="barrel",
    multiplier=1000.0,
    tick=0.01,
    listed_depth=24,
    expiry_rule=BusinessDaysBeforeDayOfPriorMonth(day=25, business_days=3),
    settlement="final",
    calendar="NYSE",
)
"""NYMEX CL: 1,000 barrels, $0.01 tick, CME rulebook chapter 200."""

HENRY_HUB = ContractSpec(
    root="NG",
    name="NYMEX Henry Hub Natural Gas",
    unit="MMBtu",
    multiplier=10000.0,
    tick=0.001,
    listed_depth=24,
    expiry_rule=NthLastBusinessDayOfPriorMonth(n=3),
    settlement="final",
    calendar="NYSE",
)
"""NYMEX NG: 10,000 MMBtu, $0.001 tick, CME rulebook chapter 220."""

VIX = ContractSpec(
    root="VX",
    name="Cboe VIX Futures",
    unit="index point",
    multiplier=1000.0,
    tick=0.05,
    listed_depth=9,
    expiry_rule=VixFinalSettlement(),
    settlement="final",
    calendar="NYSE",
    # No daily close for the expiring contract on its final settlement date, so slot 0 that day is
    # the next month.  Cboe, VX futures contract specifications ("Trading Hours"): "Trading hours
    # for expiring VX futures contracts end at 8:00 a.m. Chicago time on the final settlement date"
    # (also CFE rule certification CFE-2020-028); the final settlement value is the Special Opening
    # Quotation (SOQ) of VIX from that morning's SPX opening prints.  Before December 2011 the last
    # trading day was the business day before the final settlement date (CFE Information Circular
    # IC11-73), so that day had no session in the expiring contract either.  Daily VX histories
    # (VX1..VXn files, Cboe's daily settlement files) show the next month as VX1 that day.
    on_expiry_day="next",
)
"""Cboe VX: $1,000 per index point, 0.05 tick, final settlement on the Wednesday 30 days
before the next month's third Friday (CFE contract specifications); on that day the next
month is already slot 0 (``on_expiry_day = "next"``: the expiring contract stops trading at
8:00 a.m. CT, before the regular session)."""

CONTRACTS: dict[str, ContractSpec] = {
    "compute-h100": COMPUTE_H100,
    "wti": WTI,
    "henry-hub": HENRY_HUB,
    "vix": VIX,
}
"""Built-in contracts by name."""


def get_contract(name: str) -> ContractSpec:
    """Return the built-in contract registered under ``name``."""
    key = str(name).lower()
    if key not in CONTRACTS:
        raise UnknownNameError("contract", str(name), CONTRACTS)
    return CONTRACTS[key]
