"""Liquidity that grows: open interest and daily volume of a new market as paths by date.

Compute futures are not listed yet: a new contract starts with little open
interest and volume and grows into its market.  A fund's open interest and
daily volume can therefore be a path, given on a few dates and interpolated
log-linearly between them (constant growth per day), flat before the first
date and after the last.  The market impact of a trade and the limits given as
a share of open interest read the path on each date.

In a fund's TOML file::

    [fund.liquidity]
    dates = ["2026-04-01", "2028-01-01", "2031-01-01"]
    open_interest = [100_000, 600_000, 1_500_000]
    daily_volume = [15_000, 80_000, 200_000]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from etfsim._validate import number
from etfsim.exceptions import ConfigError

__all__ = ["LIQUIDITY_KEYS", "check_liquidity", "liquidity_from_table", "liquidity_on"]

LIQUIDITY_KEYS = ("dates", "open_interest", "daily_volume")
"""The keys of a ``[fund.liquidity]`` table."""


def _days(name: str, dates: object) -> np.ndarray:
    """Strictly increasing ``datetime64[D]`` dates, or a ConfigError naming ``name``."""
    if not isinstance(dates, (list, tuple, np.ndarray, pd.Index)):
        raise ConfigError(f"{name} must be a list of dates like 2026-04-01, got {dates!r}")
    try:
        if isinstance(dates, pd.DatetimeIndex) or (isinstance(dates, np.ndarray) and dates.dtype.kind == "M"):
            days: np.ndarray = np.asarray(dates).astype("datetime64[D]")  # already dates: no Timestamp per row
        else:
            days = pd.DatetimeIndex(pd.to_datetime(list(dates))).to_numpy().astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be dates like 2026-04-01, got {dates!r}") from exc
    if days.size == 0:
        raise ConfigError(f"{name} is empty; give at least one date")
    if np.isnat(days).any():
        raise ConfigError(f"{name} has a missing date; give dates like 2026-04-01")
    back = np.nonzero(np.diff(days) <= np.timedelta64(0, "D"))[0]
    if back.size:
        i = int(back[0])
        raise ConfigError(f"{name} must be strictly increasing: {days[i + 1]} follows {days[i]}")
    return days


def _positive(name: str, values: object, days: np.ndarray) -> np.ndarray:
    """Finite values > 0, one per date, or a ConfigError naming ``name`` and the date."""
    if not isinstance(values, (list, tuple, np.ndarray, pd.Series)):
        raise ConfigError(f"{name} must be a list of numbers (contracts), one per date, got {values!r}")
    if len(values) != days.size:
        raise ConfigError(f"{name} must have one value per date ({days.size} dates), got {len(values)}")
    if isinstance(values, np.ndarray) and values.dtype.kind == "f" and np.isfinite(values).all():
        out = np.array(values, dtype=float)  # finite floats would pass number() one by one: skip the loop
    else:
        out = np.array([number(name, v, hint=" (contracts)") for v in values], dtype=float)
    bad = np.nonzero(out <= 0)[0]
    if bad.size:
        raise ConfigError(f"{name} must be > 0 contracts, got {out[bad[0]]:g} on {days[bad[0]]}")
    return out


def check_liquidity(name: str, value: object) -> float | pd.Series:
    """A fund's ``open_interest`` or ``daily_volume``: a number of contracts > 0, or a Series of them by date.

    Raises
    ------
    ConfigError
        A value not > 0, dates not strictly increasing, or something else (named, with the fix).
    """
    if isinstance(value, pd.Series):
        days = _days(f"{name}'s dates (the Series index)", value.index)
        values = _positive(name, value.to_numpy(), days)
        series = pd.Series(values, index=pd.DatetimeIndex(days.astype("datetime64[ns]")), name=name)
        return series
    v = number(name, value, hint=" (contracts, or a Series of contracts by date)")
    if v <= 0:
        raise ConfigError(f"{name} must be > 0 contracts, got {v:g}")
    return v


def liquidity_on(value: float | pd.Series, dates: np.ndarray) -> np.ndarray:
    """The path on ``dates``: log-linear between the given dates, flat before the first and after the last.

    A number is the same on every date.
    """
    days = np.asarray(dates).astype("datetime64[D]").astype(np.int64)
    if not isinstance(value, pd.Series):
        return np.full(days.shape, float(value))
    given = value.index.to_numpy().astype("datetime64[D]").astype(np.int64)
    vals = value.to_numpy(dtype=float)
    # from the given date on or before each day: v0 * (v1 / v0) ** share of the way, so a given date is exact
    lo = np.clip(np.searchsorted(given, days, side="right") - 1, 0, given.size - 1)
    hi = np.minimum(lo + 1, given.size - 1)
    span = np.maximum(given[hi] - given[lo], 1)
    frac = np.clip((days - given[lo]) / span, 0.0, 1.0)
    out: np.ndarray = vals[lo] * np.exp(frac * np.log(vals[hi] / vals[lo]))
    return out


def liquidity_from_table(table: object, fund_tab: dict[str, Any]) -> dict[str, pd.Series]:
    """``[fund.liquidity]`` as Series by date for ``open_interest`` and ``daily_volume``.

    Raises
    ------
    ConfigError
        Not a table, an unknown key, no dates or no values, values not one per date or not > 0,
        dates not strictly increasing, or a key given in both ``[fund]`` and ``[fund.liquidity]``.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"[fund.liquidity] must be a table (dates = [...], open_interest = [...]), got {table!r}")
    bad = sorted(set(table) - set(LIQUIDITY_KEYS))
    if bad:
        raise ConfigError(
            f"unknown key {bad[0]!r} in [fund.liquidity]; valid keys: {', '.join(sorted(LIQUIDITY_KEYS))}"
        )
    if "dates" not in table:
        raise ConfigError("[fund.liquidity] needs dates = [...] (strictly increasing dates like 2026-04-01)")
    paths = [k for k in ("open_interest", "daily_volume") if k in table]
    if not paths:
        raise ConfigError("[fund.liquidity] needs open_interest = [...] or daily_volume = [...], one value per date")
    for key in paths:
        if key in fund_tab:
            raise ConfigError(f"give {key} in [fund] or in [fund.liquidity], not both")
    days = _days("[fund.liquidity] dates", table["dates"])
    index = pd.DatetimeIndex(days.astype("datetime64[ns]"))
    return {k: pd.Series(_positive(f"[fund.liquidity] {k}", table[k], days), index=index, name=k) for k in paths}
