"""The roll schedule ahead: which contracts the fund will sell and buy, and when.

Fact sheets of futures ETFs list the next roll windows so investors know when
the fund trades.  A rule that reads only the calendar (front month, strip,
monthly window, constant maturity) gives the same schedule on any prices, so
the windows after the sheet's date come from applying the rule to the
contract's listing calendar on flat prices.  A rule that chooses contracts from
prices (optimum yield) fixes the dates but not the contract bought; the table
says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from etfsim.contracts.calendars import business_days
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import EtfsimError
from etfsim.roll.schedule import next_slot_map

__all__ = ["PRICE_DRIVEN_RULES", "roll_windows", "rule_params", "upcoming_rolls"]

PRICE_DRIVEN_RULES = ("optimum_yield",)
"""Rules whose choice of contract depends on prices at the decision close."""

ROLL_COLUMNS = ("first_day", "last_day", "days", "sell", "buy")


def rule_params(rule: Any) -> dict[str, Any]:
    """A rule's parameters as plain data (for metadata and words)."""
    try:
        return {f.name: getattr(rule, f.name) for f in fields(rule)}
    except TypeError:  # not a dataclass: a user's own rule object
        return {}


def _by_contract(weights: np.ndarray, codes: np.ndarray) -> dict[str, float]:
    return {str(codes[s]): float(weights[s]) for s in np.nonzero(weights > 1e-12)[0]}


def roll_windows(weights: np.ndarray, contracts: np.ndarray, dates: np.ndarray) -> pd.DataFrame:
    """Group the closes where a schedule trades into roll windows.

    Parameters
    ----------
    weights : (dates, depth) float64
        One path's quantity weights (:meth:`RollSchedule.path_weights`).
    contracts : (dates, depth) object
        The slot map.
    dates : (dates,) datetime64

    Returns
    -------
    DataFrame
        One row per window of consecutive trading closes that sell and buy
        the same contracts: ``first_day, last_day, days, sell, buy``.
    """
    nxt = next_slot_map(contracts)
    rows: list[dict[str, Any]] = []
    last_t = -2
    for t in range(1, len(dates)):
        carried: dict[str, float] = {}
        for s, w in enumerate(weights[t - 1]):
            if w > 1e-12 and nxt[t - 1, s] >= 0:
                code = str(contracts[t, nxt[t - 1, s]])
                carried[code] = carried.get(code, 0.0) + float(w)
        today = _by_contract(weights[t], contracts[t])
        codes = sorted(set(carried) | set(today))
        sell = tuple(c for c in codes if today.get(c, 0.0) < carried.get(c, 0.0) - 1e-9)
        buy = tuple(c for c in codes if today.get(c, 0.0) > carried.get(c, 0.0) + 1e-9)
        if not carried or not (sell and buy):
            continue  # the projection's first investment (nothing held yet) is not a roll
        day = np.datetime64(dates[t], "D")
        if rows and last_t == t - 1 and rows[-1]["sell"] == sell and rows[-1]["buy"] == buy:
            rows[-1]["last_day"] = day
            rows[-1]["days"] += 1
        else:
            rows.append({"first_day": day, "last_day": day, "days": 1, "sell": sell, "buy": buy})
        last_t = t
    frame = pd.DataFrame(rows, columns=list(ROLL_COLUMNS))
    frame["sell"] = [", ".join(x) for x in frame["sell"]]
    frame["buy"] = [", ".join(x) for x in frame["buy"]]
    return frame


def upcoming_rolls(
    rule: Any, contract: ContractSpec, after: object, depth: int, windows: int = 4, months: int = 8
) -> pd.DataFrame:
    """The next ``windows`` roll windows of ``rule`` after the date ``after``.

    The rule runs on the contract's listing calendar from ``after`` for
    ``months`` months with flat prices.  For a rule in
    :data:`PRICE_DRIVEN_RULES` the ``buy`` column reads "chosen at the close
    before the window".  A rule that cannot be projected (a calendar that ends)
    gives an empty table.
    """
    start = np.datetime64(pd.Timestamp(after).date(), "D")
    if hasattr(rule, "in_force"):  # dated segments: the rule in force after the date
        rule = rule.in_force(start)
    days = business_days(contract.calendar, start, start + np.timedelta64(31 * months, "D"))
    listing = contract.listing(days, depth)
    prices = np.where(listing.contracts == "", np.nan, 1.0)[None, :, :]
    curve = FuturesCurve(days, prices, listing.contracts, listing.expiries, metadata={"contract": contract.to_dict()})
    try:
        schedule = rule.schedule(curve)
    except EtfsimError:
        return pd.DataFrame(columns=list(ROLL_COLUMNS))
    frame = roll_windows(schedule.path_weights(0), np.asarray(curve.contracts), days).head(windows)
    if getattr(rule, "name", "") in PRICE_DRIVEN_RULES:
        frame["buy"] = "chosen at the close before the window"
    return frame.reset_index(drop=True)
