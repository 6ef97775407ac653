"""The daily objective of a leveraged or inverse fund: ``leverage`` times the index's daily excess return.

A 2x (or -1x) fund on dated futures rebalances each close to ``leverage x NAV``
of exposure, so each day its return is ``leverage`` times the index's daily
excess return plus its collateral return.  Over longer periods it does not
return ``leverage`` times the index's return (the compounding of daily returns:
volatility drag); the daily-objective index below is what such a fund tracks
and what its tracking is measured against.
"""

from __future__ import annotations

import numpy as np

from etfsim.exceptions import DataError
from etfsim.index.result import IndexResult

__all__ = ["daily_objective"]


def daily_objective(index: IndexResult, leverage: float) -> IndexResult:
    """The index a ``leverage``-times daily fund tracks, on the same paths and dates.

    ``ER_L(t) / ER_L(t-1) = 1 + leverage * (ER(t) / ER(t-1) - 1)`` and
    ``TR_L(t) / TR_L(t-1) = ER_L(t) / ER_L(t-1) + c(t)``, where ``c(t) =
    TR(t) / TR(t-1) - ER(t) / ER(t-1)`` is the step's collateral (T-bill)
    return: the collateral is the fund's whole NAV whatever its exposure.  An
    index already of this leverage (1: the index itself; a fund result's own
    index handed back) is returned as it is.
    """
    if leverage == index.leverage:
        return index  # already this objective (a fund result's own index, handed back in)
    if index.leverage != 1.0:
        raise DataError(
            f"index is already the daily objective of a {index.leverage:g}x fund; pass the index itself "
            f"for a {leverage:g}x fund"
        )
    s = index.start
    er, tr = np.asarray(index.er), np.asarray(index.tr)
    out_er = np.full(er.shape, np.nan)
    out_tr = np.full(tr.shape, np.nan)
    out_er[:, s] = out_tr[:, s] = index.base
    with np.errstate(invalid="ignore", divide="ignore"):
        step = er[:, s + 1 :] / er[:, s:-1]
        collateral = tr[:, s + 1 :] / tr[:, s:-1] - step
    lev = 1.0 + leverage * (step - 1.0)
    out_er[:, s + 1 :] = index.base * np.cumprod(lev, axis=1)
    out_tr[:, s + 1 :] = index.base * np.cumprod(lev + collateral, axis=1)
    rule = f"{index.rule} x{leverage:g}" if index.rule else f"x{leverage:g}"
    return IndexResult(
        out_er, out_tr, index.spot, index.dates, s, index.base, index.collateral_rate, rule, index.missing, leverage
    )
