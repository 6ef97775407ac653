"""Collateral: the T-bill rate a futures fund's cash earns, as the S&P GSCI total-return index counts it.

A futures position needs only margin; the rest of the money sits in 91-day
Treasury bills.  The total-return index adds their interest to the excess
return: ``TR(t) = TR(t-1) (ER(t)/ER(t-1) + TBR(t))``, with the T-bill return
of each step from the discount rate of the day before.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

from etfsim._typing import DateArray, Float64Array
from etfsim.exceptions import ConfigError, DataError

__all__ = ["TBILL_DAYS", "collateral_rates", "tbill_returns"]

TBILL_DAYS = 91
"""Term of the Treasury bill the collateral earns (S&P GSCI: 91-day bills)."""


def _day(dates: DateArray, t: int) -> str:
    """A date as text: ``2020-04-20`` at midnight, with the time otherwise."""
    return str(np.asarray(dates)[t])[:19].replace("T00:00:00", "").replace("T", " ")


def _check_rate(value: float, what: str) -> None:
    # a rate given in percent (5 for 5%) would make 1 - 91/360 * r negative
    if not (math.isfinite(value) and -1.0 < value < 1.0):
        raise ConfigError(
            f"{what} must be a yearly fraction between -1 and 1 (0.05 for a 5% T-bill rate), got {value!r}"
        )


def collateral_rates(rate: float | pd.Series, dates: DateArray, start: int) -> Float64Array:
    """TBAR on each date (the rate the step *from* that date earns); NaN where no step needs it."""
    n = len(dates)
    out = np.full(n, np.nan)
    if isinstance(rate, pd.Series):
        try:
            values = pd.to_numeric(rate, errors="raise").to_numpy(np.float64)
            index = pd.DatetimeIndex(pd.to_datetime(rate.index)).to_numpy().astype("datetime64[ns]")
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"collateral_rate must be a Series of numbers indexed by date: {exc}") from exc
        keep = ~np.isnan(values) & ~np.isnat(index)  # forward-filling skips missing values
        values, index = values[keep], index[keep]
        if len(values) == 0:
            raise DataError("the collateral_rate series has no valid rate")
        order = np.argsort(index, kind="stable")
        values, index = values[order], index[order]
        pos = np.searchsorted(index, dates, side="right") - 1  # last rate on or before each date
        need = np.arange(start, n - 1)  # the steps after the first invested date
        if len(need) and pos[need[0]] < 0:
            raise DataError(
                f"the collateral_rate series starts on {_day(index, 0)} but the index needs a rate from "
                f"{_day(dates, int(need[0]))} (its first invested date); extend the series back"
            )
        out[need] = values[pos[need]]
        bad = need[~((out[need] > -1.0) & (out[need] < 1.0))]
        if len(bad):
            _check_rate(float(out[bad[0]]), f"collateral_rate on {_day(dates, int(bad[0]))}")
        return out
    if isinstance(rate, bool) or not isinstance(rate, Real):
        raise ConfigError(
            f"collateral_rate must be a number or a pandas Series of rates indexed by date, got {type(rate).__name__}"
        )
    _check_rate(float(rate), "collateral_rate")
    out[start : n - 1] = float(rate)
    return out


def tbill_returns(rates: Float64Array, dates: DateArray) -> Float64Array:
    """``TBR`` of each step ``t-1 -> t`` from the discount rate on ``t-1`` (length ``dates - 1``).

    ``TBR(t) = (1 / (1 - 91/360 * TBAR(t-1)))**(Delta_t / 91) - 1`` with
    ``Delta_t`` the calendar days between the two dates' calendar days, so
    intraday rows of one day earn nothing and a Friday-to-Monday step earns
    three days.
    """
    days = np.asarray(dates).astype("datetime64[D]")
    delta = np.diff(days).astype(np.float64)
    tbar = rates[:-1]
    with np.errstate(invalid="ignore"):
        return (1.0 / (1.0 - TBILL_DAYS / 360.0 * tbar)) ** (delta / TBILL_DAYS) - 1.0
