"""Return attribution: where an index's return comes from.

A futures index's excess return splits into the move of the underlying (the
**spot** contribution) and everything else: the **term-structure
contribution**, what the index gains or loses because it holds futures that
converge towards spot as they age (negative in contango, positive in
backwardation).  It is not a "roll yield": no cash changes hands at a roll.
The total return adds the **collateral** contribution, the T-bill interest.

In log returns the split is exact on every date::

    er = spot + term_structure
    tr = er + collateral

so the annualised figures (sums divided by years) add up the same way.
"""

from __future__ import annotations

import numpy as np

from etfsim._typing import DateArray, Float64Array, PathMatrix
from etfsim.exceptions import DataError

__all__ = ["ATTRIBUTION_COLUMNS", "annualise", "daily_attribution", "log_returns"]

ATTRIBUTION_COLUMNS = ("er", "spot", "term_structure", "collateral", "tr")
"""Columns of the daily attribution table."""


def _check_levels(levels: PathMatrix, start: int, dates: DateArray, name: str, allow_nan: bool) -> None:
    """Refuse a level that is zero or negative, or NaN where ``allow_nan`` is false (see :func:`log_returns`)."""
    x = levels[:, start:]
    nonpos = x <= 0
    if nonpos.any():
        p, i = (int(v) for v in np.argwhere(nonpos)[0])
        day = str(dates[start + i])[:19].replace("T00:00:00", "").replace("T", " ")
        path = f" on path {p}" if levels.shape[0] > 1 else ""
        raise DataError(
            f"the {name} index is {x[p, i]:.6g} <= 0 on {day}{path}, so its log returns are undefined; "
            "the index lost more than its value (negative futures prices can do that)"
        )
    if not allow_nan and np.isnan(x).any():
        raise DataError(f"the {name} index has missing levels after its first invested date")


def log_returns(levels: PathMatrix, start: int, dates: DateArray, name: str, allow_nan: bool = False) -> PathMatrix:
    """``(paths, dates - start - 1)`` log returns of ``levels`` from the first invested date on.

    Raises
    ------
    DataError
        If a level is zero or negative (the index lost more than everything;
        possible with negative futures prices), or NaN where ``allow_nan`` is
        false.
    """
    _check_levels(levels, start, dates, name, allow_nan)
    x = levels[:, start:]
    with np.errstate(invalid="ignore"):
        return np.log(x[:, 1:] / x[:, :-1])


def _last_valid(x: PathMatrix) -> Float64Array:
    """Each row's last non-NaN value (NaN for a row with none)."""
    ok = ~np.isnan(x)
    last = x.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)
    return np.where(ok.any(axis=1), x[np.arange(x.shape[0]), last], np.nan)


def daily_attribution(
    er: PathMatrix, tr: PathMatrix, spot: PathMatrix, start: int, dates: DateArray
) -> dict[str, PathMatrix]:
    """Daily log-return components, each ``(paths, dates - start - 1)``.

    Returns
    -------
    dict
        ``er``, ``spot``, ``term_structure = er - spot``,
        ``collateral = tr - er`` and ``tr``.  ``spot`` and ``term_structure``
        are NaN where the spot index is missing (a curve without spot).

    Notes
    -----
    ``er_t = log(ER_t / ER_{t-1})``, likewise for ``tr`` and ``spot``.  The
    split of ER into spot and term structure follows the usual decomposition of
    a commodity index's return (e.g. Erb and Harvey, 2006, "The Strategic and
    Tactical Value of Commodity Futures"), named as in etfsim DESIGN.md.
    """
    er_r = log_returns(er, start, dates, "ER")
    tr_r = log_returns(tr, start, dates, "TR")
    spot_r = log_returns(spot, start, dates, "spot", allow_nan=True)
    return {
        "er": er_r,
        "spot": spot_r,
        "term_structure": er_r - spot_r,
        "collateral": tr_r - er_r,
        "tr": tr_r,
    }


def annualise(
    er: PathMatrix, tr: PathMatrix, spot: PathMatrix, start: int, dates: DateArray
) -> dict[str, Float64Array]:
    """Annualised attribution per path: each log component summed and divided by years.

    Returns
    -------
    dict of (paths,) arrays
        ``er, spot, term_structure, collateral, tr``: log returns per year;
        ``er_return, tr_return, spot_return``: simple returns per year,
        ``(X_T / X_0)**(1/years) - 1``.

    Raises
    ------
    DataError
        If fewer than two dates are invested, or an ER/TR level is not positive.

    Notes
    -----
    Years are ACT/365 between the first invested date and the last date.  The
    sum of daily log returns telescopes to ``log(X_T / X_0)``; that form is used
    so a spot series with gaps still gives its full-period figure.
    """
    days = (dates[-1] - dates[start]) / np.timedelta64(1, "D")
    years = float(days) / 365.0
    if years <= 0:
        raise DataError("annualised figures need at least two invested dates on different days")
    _check_levels(er, start, dates, "ER", False)  # positivity checks with a clear message
    _check_levels(tr, start, dates, "TR", False)
    _check_levels(spot, start, dates, "spot", True)
    # a spot series with gaps (a publisher's holidays) ends on its last print
    ends = {"er": er[:, -1], "tr": tr[:, -1], "spot": _last_valid(spot[:, start:])}
    with np.errstate(invalid="ignore"):
        total = {name: np.log(ends[name] / x[:, start]) for name, x in (("er", er), ("tr", tr), ("spot", spot))}
    out = {
        "er": total["er"] / years,
        "spot": total["spot"] / years,
        "term_structure": (total["er"] - total["spot"]) / years,
        "collateral": (total["tr"] - total["er"]) / years,
        "tr": total["tr"] / years,
    }
    for name in ("er", "tr", "spot"):
        out[f"{name}_return"] = np.expm1(total[name] / years)
    return out
