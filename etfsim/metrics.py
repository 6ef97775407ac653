"""Performance statistics on level series shaped ``(paths, dates)``.

Every function takes levels (an index, a NAV) rather than returns so that the
same numbers appear in the CLI, the fact sheet and the tests.  Years are
ACT/365 between the first and last valid dates; daily volatility is scaled
by the square root of the observed number of returns per year.
"""

from __future__ import annotations

import numpy as np

from etfsim._typing import DateArray, Float64Array

__all__ = ["annualised_return", "annualised_volatility", "max_drawdown", "years_between"]


def years_between(dates: DateArray) -> float:
    """ACT/365 years from the first to the last date."""
    d = np.asarray(dates).astype("datetime64[D]")
    return float((d[-1] - d[0]).astype(np.int64)) / 365.0


def _as2d(levels: Float64Array) -> Float64Array:
    x = np.asarray(levels, dtype=np.float64)
    return x[None, :] if x.ndim == 1 else x


def annualised_return(levels: Float64Array, dates: DateArray) -> Float64Array:
    """Compound annual growth ``(L_T / L_0)^(1/years) - 1`` per path, over each path's valid span."""
    x = _as2d(levels)
    out = np.full(x.shape[0], np.nan)
    d = np.asarray(dates).astype("datetime64[D]")
    for p in range(x.shape[0]):
        ok = np.nonzero(np.isfinite(x[p]))[0]
        if len(ok) < 2:
            continue
        yrs = float((d[ok[-1]] - d[ok[0]]).astype(np.int64)) / 365.0
        ratio = x[p, ok[-1]] / x[p, ok[0]]
        if yrs > 0 and ratio > 0:
            out[p] = ratio ** (1.0 / yrs) - 1.0
    return out


def annualised_volatility(levels: Float64Array, dates: DateArray) -> Float64Array:
    """Standard deviation of daily log returns times sqrt(returns per year), per path."""
    x = _as2d(levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.diff(np.log(x), axis=1)
    n = np.isfinite(r).sum(axis=1)
    yrs = years_between(dates)
    per_year = n / yrs if yrs > 0 else np.full(x.shape[0], np.nan)
    with np.errstate(invalid="ignore"):
        sd = np.nanstd(np.where(np.isfinite(r), r, np.nan), axis=1, ddof=1)
    return np.asarray(sd * np.sqrt(per_year), dtype=np.float64)


def max_drawdown(levels: Float64Array) -> Float64Array:
    """Largest fall from a running peak, as a negative fraction (``-0.35`` = 35% below the peak)."""
    x = _as2d(levels)
    filled = np.where(np.isfinite(x), x, -np.inf)
    peak = np.maximum.accumulate(filled, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(np.isfinite(x) & (peak > 0), x / peak - 1.0, np.nan)
    return np.asarray(np.nanmin(dd, axis=1), dtype=np.float64)
