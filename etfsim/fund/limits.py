"""Position limits as the ledger meets them: in contracts, in dollars of notional, or a share of open interest.

Exchanges cap the contracts one holder may carry in a month (the position
limit, with an accountability level below it) and in all months together.  A
fund's contracts in a month are ``NAV * q / sum(q F multiplier)`` for the
schedule's quantity weights ``q``, so each limit caps the NAV it can invest, and
with it the creations the APs may make, in proportion to that notional.

A limit can be given three ways (:data:`etfsim.fund.config.LIMIT_BASES`), and
:func:`limit_arrays` turns each into what the day loop compares, by date and slot:

- in contracts: the count as given (in contracts of the spec's base
  multiplier; a re-denominated month's count scales by base / its multiplier);
- as a share of open interest: the share times that month's open interest on
  the date (all months: the total over the listed months), in whole contracts;
- in dollars of notional: ``dollars / multiplier``, which the loop divides by
  the day's price on each path (a month limit), or compares with the notional
  of all months (the all-months limit).

The first two are the same on every path, so :func:`room_per_notional` works
their room out once per weight row and date; a limit in dollars depends on the
path's prices and is met in the day loop (:func:`_creation_room`).  Limits all
given as counts on contracts that are never re-denominated are the same on every
date and in every month: the day loop then reads them from ``LedgerTerms``
(``limits_by_date`` false), which keeps a few percent of its time.

The day loop in :mod:`etfsim.fund.ledger` inlines the steps here, and numba's
disk cache keys its kernels on ``ledger.py`` alone: after changing this file,
touch ``ledger.py`` so they compile again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from etfsim._numba import jit
from etfsim.exceptions import ConfigError
from etfsim.fund import records
from etfsim.fund.config import FundConfig, LimitTerm
from etfsim.fund.records import HALT_ACCOUNTABILITY, HALT_ALL_MONTHS, HALT_POSITION_LIMIT, LedgerArrays, LedgerTerms

__all__ = ["LimitInForce", "check_launch", "limit_arrays", "limits_in_force", "room_per_notional"]

ACCOUNTABILITY, POSITION = 0, 1
"""Rows of ``LedgerArrays.month_limits``."""


def _day(date: object) -> np.datetime64:
    try:
        return np.datetime64(str(date)[:10], "D")
    except ValueError as exc:
        raise ConfigError(f"date must be like 2026-04-01, got {date!r}") from exc


@dataclass(frozen=True)
class LimitInForce:
    """A limit as the fund's terms give it and as contracts on each date, for a fact sheet.

    ``contracts`` is the limit in contracts of the month the fund holds most of
    on each date (all months: in contracts of the base multiplier for a count or
    a share of open interest, of that month for dollars), NaN where the fund
    holds nothing; for a limit in dollars, at the median price across paths.
    """

    term: LimitTerm
    dates: np.ndarray
    contracts: np.ndarray

    def contracts_on(self, date: object) -> float:
        """The limit in contracts on ``date`` (the last curve date on or before it)."""
        day = _day(date)
        i = int(np.searchsorted(self.dates.astype("datetime64[D]"), day, side="right")) - 1
        if i < 0:
            raise ConfigError(f"date {day} is before the fund's first date {str(self.dates[0])[:10]}; give a later one")
        return float(self.contracts[i])

    def describe(self, date: object) -> str:
        """``"position limit: 25% of open interest (about 375,000 contracts on 2026-04-01)"``.

        A limit in contracts reads ``"position limit: 600,000 contracts"``, with the
        contracts on ``date`` when the month held there is re-denominated.
        """
        day = str(_day(date))
        text = f"{self.term.label}: {self.term.describe()}"
        n = self.contracts_on(day)
        if not math.isfinite(n) or (self.term.basis == "contracts" and n == self.term.value):
            return text  # a count is its own contracts, unless the month held is re-denominated
        return text + f" (about {n:,.0f} contracts on {day})"


def _whole(x: np.ndarray) -> np.ndarray:
    """Whole contracts of a share of open interest: within 1e-9 of a whole number is that number.

    Open interest interpolated log-linearly between its dates comes back a few
    units in the last place off (0.4 x 72,000 as 28,799.99999999996), which a plain
    floor would turn into one contract fewer than the share states.
    """
    return np.floor(x + 1e-9)


def _slot_limit(
    term: LimitTerm | None, size: np.ndarray, multiplier: np.ndarray, oi: np.ndarray, whole: bool
) -> np.ndarray:
    """A month's limit by date and slot as the loop compares it (see the module docstring); inf: none."""
    if term is None:
        return np.full(size.shape, np.inf)
    if term.basis == "notional":
        return np.asarray(term.value / multiplier)
    if term.basis == "oi_share":
        room = np.asarray(term.value * oi / size)
        return _whole(room) if whole else room
    return np.asarray(term.value / size)


def limit_arrays(
    config: FundConfig, size: np.ndarray, multiplier: np.ndarray, open_interest: np.ndarray, total_oi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The limits by date and slot: ``month_limits`` ``(2, dates, depth)`` and ``all_months_limit`` ``(dates,)``.

    Parameters
    ----------
    config : FundConfig
        The fund's terms (each limit given one way).
    size, multiplier : (dates, depth) arrays
        Each slot's contract in contracts of the base multiplier, and its multiplier.
    open_interest : (dates, depth) array
        Each slot's open interest in contracts of the base multiplier.
    total_oi : (dates,) array
        The open interest of all listed months together, in contracts of the base multiplier.
    """
    whole = not config.fractional_contracts
    month = np.empty((2,) + size.shape)
    month[ACCOUNTABILITY] = _slot_limit(config.limit("accountability_level"), size, multiplier, open_interest, whole)
    month[POSITION] = _slot_limit(config.limit("position_limit"), size, multiplier, open_interest, whole)
    term = config.limit("all_months_limit")
    every = np.full(total_oi.shape, np.inf if term is None else term.value)
    if term is not None and term.basis == "oi_share":
        every = _whole(term.value * total_oi) if whole else term.value * total_oi
    return month, every


def _held_slot(weights: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Per date: the slot the schedule (its first row) weights most in units, -1 where it weights none."""
    w = np.nan_to_num(np.asarray(weights[0], dtype=float)) * size
    return np.where(w.max(axis=1) > 0, np.argmax(w, axis=1), -1)


def limits_in_force(config: FundConfig, dates: np.ndarray, data: LedgerArrays, start: int) -> tuple[LimitInForce, ...]:
    """Each limit given, with its contracts by date in the month the fund holds most of (see :class:`LimitInForce`)."""
    slot = _held_slot(data.weights, data.size)
    slot[:start] = -1
    rows = np.nonzero(slot >= 0)[0]
    cols = slot[rows]
    out = []
    for term in config.limits:
        contracts = np.full(len(dates), np.nan)
        if term.name == "all_months_limit":
            per = np.asarray(data.all_months_limit)[rows]
        else:
            per = np.asarray(data.month_limits[POSITION if term.name == "position_limit" else ACCOUNTABILITY])[
                rows, cols
            ]
        if term.basis == "notional":
            price = np.abs(np.nanmedian(np.asarray(data.prices)[:, rows, cols], axis=0))
            per = per / price if term.name != "all_months_limit" else per / (price * data.multiplier[rows, cols])
        contracts[rows] = per
        contracts.setflags(write=False)
        out.append(LimitInForce(term, dates, contracts))
    return tuple(out)


def check_launch(config: FundConfig, data: LedgerArrays, start: int) -> None:
    """Refuse a limit below the futures of one creation unit at launch (path 0's prices).

    Raises
    ------
    ConfigError
        Naming the limit's key, its contracts at launch and one unit's.
    """
    q = np.asarray(data.weights[0, start])
    held = np.nonzero(q > 0)[0]
    if held.size == 0:
        return
    f = np.abs(np.asarray(data.prices[0, start, held]))
    unit_value = config.creation_unit * config.nav_per_share
    # the fewest contracts one unit needs: in the dearest month it holds (as one month would carry it all)
    s = held[int(np.nanargmax(f * data.multiplier[start, held]))]
    price = abs(float(data.prices[0, start, s]))
    unit = unit_value / (price * float(data.multiplier[start, s]))
    for term in config.limits:
        if term.name == "all_months_limit":
            cap = float(data.all_months_limit[start])
            cap = cap / (price * float(data.multiplier[start, s])) if term.basis == "notional" else cap
            cap = cap / float(data.size[start, s]) if term.basis != "notional" else cap
        else:
            cap = float(data.month_limits[POSITION if term.name == "position_limit" else ACCOUNTABILITY, start, s])
            cap = cap / price if term.basis == "notional" else cap
        if cap < unit:
            given = "" if term.basis == "contracts" else f"{term.describe()}: "
            raise ConfigError(
                f"{term.key} ({given}{cap:,.0f} contracts) is below one creation unit's futures "
                f"({unit:,.1f} contracts at launch); raise it or shrink creation_unit"
            )


@jit
def room_per_notional(
    weights: np.ndarray,
    month_limits: np.ndarray,
    all_limit: np.ndarray,
    size: np.ndarray,
    spread_later: np.ndarray,
    swap_on: np.ndarray,
    terms: LedgerTerms,
) -> tuple[np.ndarray, np.ndarray]:
    """By weight row and date: the largest NAV the limits allow per dollar of ``sum q F multiplier``.

    A month's contracts are ``NAV * q / sum(q F multiplier)``, so a limit of ``L``
    contracts caps NAV at ``L / q`` (accountability level, position limit) or, all
    months, ``L / sum(q * size)`` dollars per dollar of that notional: a property
    of the weights and the dates alone, computed once for every path.  A limit in
    dollars is left to the day loop (inf here).  ``which`` names the limit that binds first.
    On a date whose limit response spreads into later months (``spread_later``) a
    month's position limit moves the excess on instead of halting creations.
    """
    rows, n, depth = weights.shape
    room = np.empty((rows, n))  # every entry is set below (np.empty also compiles fastest)
    which = np.empty((rows, n), dtype=np.int64)
    for w in range(rows):
        for t in range(n):
            month_cap = not spread_later[t] and not swap_on[t] and not terms.position_priced
            best = math.inf
            why = 0
            total_q = 0.0
            for s in range(depth):
                q = weights[w, t, s]
                if q > 0.0:
                    total_q += q * size[t, s]
                    account = month_limits[ACCOUNTABILITY, t, s]
                    if not terms.accountability_priced and account < math.inf and account / q < best:
                        best = account / q
                        why = HALT_ACCOUNTABILITY
                    limit_month = month_limits[POSITION, t, s]
                    if month_cap and limit_month < math.inf and limit_month / q < best:
                        best = limit_month / q
                        why = HALT_POSITION_LIMIT
            limit_all = all_limit[t]
            if not terms.all_months_dollars and total_q > 0.0 and limit_all < math.inf and limit_all / total_q < best:
                best = limit_all / total_q
                why = HALT_ALL_MONTHS
            room[w, t] = best
            which[w, t] = why
    return room, which


@jit(inline=True)
def _slot_multiplier(data: LedgerArrays, terms: LedgerTerms, t: int, s: int) -> float:
    """Slot ``s``'s multiplier on ``t``: the spec's own unless months were re-denominated.

    Without re-denomination every slot has the base multiplier, and the day loop
    does not read the array (a few percent of its time).
    """
    if terms.redenominated:
        m: float = data.multiplier[t, s]
        return m
    return terms.multiplier


@jit(inline=True)
def _slot_size(data: LedgerArrays, terms: LedgerTerms, t: int, s: int) -> float:
    """Slot ``s``'s contract in contracts of the base multiplier on ``t`` (1 unless re-denominated)."""
    if terms.redenominated:
        z: float = data.size[t, s]
        return z
    return 1.0


@jit(inline=True)
def _priced_room(
    data: LedgerArrays, terms: LedgerTerms, p: int, wp: int, t: int, value: float, room: float, which: int
) -> tuple[float, int]:
    """Tighten ``room`` by the limits given in dollars, on path ``p``'s prices today.

    A month limit of ``D`` dollars is ``D / (F multiplier)`` contracts, so NAV may reach
    ``value * D / (q F multiplier)``; the all-months limit caps the notional of all months.
    """
    gross = 0.0
    month_cap = terms.position_priced and not data.spread_later[t] and not data.swap_on[t]
    for s in range(data.prices.shape[2]):
        q = data.weights[wp, t, s]
        if q > 0.0:
            f = abs(data.prices[p, t, s])
            gross += q * f * data.multiplier[t, s]
            if terms.accountability_priced:
                cap = value * data.month_limits[ACCOUNTABILITY, t, s] / (q * f)
                if cap < room:
                    room, which = cap, HALT_ACCOUNTABILITY
            if month_cap:
                cap = value * data.month_limits[POSITION, t, s] / (q * f)
                if cap < room:
                    room, which = cap, HALT_POSITION_LIMIT
    if terms.all_months_dollars and gross > 0.0:
        cap = data.all_months_limit[t] * value / gross
        if cap < room:
            room, which = cap, HALT_ALL_MONTHS
    return room, which


@jit(inline=True)
def _creation_room(data: LedgerArrays, terms: LedgerTerms, p: int, wp: int, t: int) -> tuple[float, int]:
    """The largest NAV the limits allow today and the status bit of the limit that binds.

    Today's notional per unit of weight times the room per dollar of it (:func:`room_per_notional`),
    then the limits given in dollars (:func:`_priced_room`).
    """
    value = 0.0
    for s in range(data.prices.shape[2]):
        q = data.weights[wp, t, s]
        if q > 0.0:
            value += q * data.prices[p, t, s] * data.multiplier[t, s]
    room = value * data.room_per_notional[wp, t] if value > 0.0 else math.inf
    which = data.room_limit[wp, t]
    if value > 0.0 and (terms.accountability_priced or terms.position_priced or terms.all_months_dollars):
        room, which = _priced_room(data, terms, p, wp, t, value, room, which)
    if terms.leverage != 1.0:  # a 2x fund holds twice the contracts per dollar of NAV: half the room
        room = room / abs(terms.leverage)
    if data.swap_on[t] and room < math.inf:
        # exposure above the limits goes into the swap, up to the counterparty's share c of NAV: NAV may grow
        # until the excess (NAV - room) is c x NAV
        c = terms.swap_limit
        room = math.inf if c >= 1.0 else room / (1.0 - c)
    return room, which


@jit(inline=True)
def _month_limit(data: LedgerArrays, terms: LedgerTerms, p: int, t: int, s: int, k: float) -> tuple[float, float, int]:
    """Cap ``k`` contracts in slot ``s`` at a month's limit: (held, spread to the next month, status bit)."""
    cap = terms.position_limit  # the fast path: a count, the same every day and in every month
    if terms.limits_by_date:
        cap = data.month_limits[POSITION, t, s]
        if terms.position_priced:  # dollars / multiplier: contracts at today's price, whole unless fractional
            cap = cap / abs(data.prices[p, t, s])
            if not terms.fractional:
                cap = math.floor(cap)
    if not k > cap:
        return k, 0.0, 0
    excess = k - cap
    if data.spread_later[t] and s + 1 < data.prices.shape[2] and not math.isnan(data.prices[p, t, s + 1]):
        # the same notional in the next month: its price and its multiplier (the ratio is 1 without re-denomination)
        ratio = data.multiplier[t, s] / data.multiplier[t, s + 1]
        return cap, excess * data.prices[p, t, s] / data.prices[p, t, s + 1] * ratio, records.SPREAD_LATER
    return cap, 0.0, records.EXPOSURE_CAPPED


@jit(inline=True)
def _all_months_limit(data: LedgerArrays, terms: LedgerTerms, p: int, t: int, target: np.ndarray) -> int:
    """Scale ``target`` down to the all-months limit (contracts of the base multiplier, or dollars); the status bit."""
    total = 0.0
    cap = terms.all_months_limit
    if not terms.limits_by_date:  # the fast path: a count of contracts all of the base multiplier
        for s in range(target.shape[0]):
            total += abs(target[s])
    else:
        cap = data.all_months_limit[t]
        for s in range(target.shape[0]):
            if terms.all_months_dollars:
                if target[s] != 0.0:  # an empty slot may have no price
                    total += abs(target[s] * data.prices[p, t, s] * data.multiplier[t, s])
            else:
                total += abs(target[s]) * _slot_size(data, terms, t, s)
    if not total > cap:
        return 0
    scale = cap / total
    for s in range(target.shape[0]):
        x = target[s] * scale
        # whole contracts toward zero: a short (inverse) position is cut as a long one is
        target[s] = x if terms.fractional else (math.floor(x) if x >= 0.0 else -math.floor(-x))
    return records.EXPOSURE_CAPPED
