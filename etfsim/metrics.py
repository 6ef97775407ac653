"""Performance statistics on level series shaped ``(paths, dates)``.

Every function takes levels (an index, a NAV) rather than returns so that the
same numbers appear in the CLI, the fact sheet and the tests.  Years are
ACT/365 between the first and last valid dates; daily volatility is scaled
by the square root of the observed number of returns per year.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit, readonly
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


@jit
def _log_return_moments(x: np.ndarray, start: int, count: np.ndarray, sd: np.ndarray) -> None:
    """Per row, from column ``start``: how many daily log returns are finite, and their sample deviation."""
    r = np.empty(x.shape[1])
    for p in range(x.shape[0]):
        n = 0
        total = 0.0
        prev = np.log(x[p, start])  # np.log: -inf or NaN for a level <= 0, compiled or not
        for t in range(start + 1, x.shape[1]):
            cur = np.log(x[p, t])
            d = cur - prev
            prev = cur
            if math.isfinite(d):
                r[n] = d
                n += 1
                total += d
        count[p] = n
        sd[p] = math.nan
        if n > 1:
            mean = total / n
            ss = 0.0
            for i in range(n):
                ss += (r[i] - mean) * (r[i] - mean)
            sd[p] = math.sqrt(ss / (n - 1))


@jit
def _max_drawdown(x: np.ndarray, start: int, out: np.ndarray) -> None:
    """Per row, from column ``start``: the lowest ``x / running peak - 1`` over finite values, positive peak."""
    for p in range(x.shape[0]):
        peak = -math.inf
        worst = math.nan
        for t in range(start, x.shape[1]):
            v = x[p, t]
            if not math.isfinite(v):
                continue
            peak = max(peak, v)
            if peak > 0:
                dd = v / peak - 1.0
                if math.isnan(worst) or dd < worst:
                    worst = dd
        out[p] = worst


def annualised_volatility(levels: Float64Array, dates: DateArray, start: int = 0) -> Float64Array:
    """Standard deviation of daily log returns times sqrt(returns per year), per path.

    ``dates`` are the dates of ``levels``' columns; with ``start``, only the
    columns from ``start`` on count (an index from its first invested date),
    read in place rather than as a copied slice.
    """
    x = _contiguous(levels)
    count = np.empty(x.shape[0], dtype=np.int64)
    sd = np.empty(x.shape[0])
    _log_return_moments(x, int(start), count, sd)
    yrs = years_between(np.asarray(dates)[start:])
    per_year = count / yrs if yrs > 0 else np.full(x.shape[0], np.nan)
    return np.asarray(sd * np.sqrt(per_year), dtype=np.float64)


def max_drawdown(levels: Float64Array, start: int = 0) -> Float64Array:
    """Largest fall from a running peak, as a negative fraction (``-0.35`` = 35% below the peak).

    With ``start``, from column ``start`` on (see :func:`annualised_volatility`).
    """
    x = _contiguous(levels)
    out = np.empty(x.shape[0])
    _max_drawdown(x, int(start), out)
    return out


def _contiguous(levels: Float64Array) -> Float64Array:
    # one layout and read-only, so each kernel compiles once (a column slice is copied: pass start instead)
    return readonly(np.ascontiguousarray(_as2d(levels)))
