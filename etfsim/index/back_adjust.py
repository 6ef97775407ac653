"""Back-adjusted continuous futures prices.

A chart or a signal wants one long price series, but each futures contract
lives a few months, and at every roll the series would jump from the old
contract's price to the new one's (by the calendar spread, not by any market
move).  Back-adjustment removes those jumps by shifting the history *before*
each roll: by the difference new minus old (**Panama**, additive) or by the
ratio new over old (**ratio**, multiplicative).  The latest segment keeps the
prices actually traded.

A Panama series keeps price differences (P&L per contract) right and can go
negative; a ratio series keeps percentage returns right and stays positive when
the prices are, but refuses any price at or below zero, at a roll or not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import DataError, UnknownNameError
from etfsim.index.levels import _day, check_same_listing
from etfsim.roll.schedule import WEIGHT_TOL, RollSchedule, next_slot_map

__all__ = ["BACK_ADJUST_METHODS", "back_adjust"]

BACK_ADJUST_METHODS = ("panama", "ratio")
"""Known back-adjustment methods."""


def back_adjust(
    curve: FuturesCurve,
    schedule: RollSchedule,
    method: str = "panama",
    path: int = 0,
) -> pd.Series:
    """Back-adjusted price series of a one-contract-at-a-time schedule.

    Parameters
    ----------
    curve : FuturesCurve
        Prices by nearby slot.
    schedule : RollSchedule
        Built on ``curve``; on every invested date it must hold exactly one
        contract (weights 0 or 1).
    method : {"panama", "ratio"}, default "panama"
        Additive or multiplicative adjustment.
    path : int, default 0
        Which path of the curve.

    Returns
    -------
    Series
        Named ``"adjusted"``, indexed by the curve's dates.  NaN before the
        first invested date and wherever the held contract has no print.

    Raises
    ------
    UnknownNameError
        If ``method`` is not ``"panama"`` or ``"ratio"``.
    DataError
        If the schedule holds more than one contract on a date or belongs to
        another curve; a roll lacks the old or the new contract's price at
        its close; or (``ratio``) a price at a roll, or of the held contract on
        any date, is zero or negative.

    Notes
    -----
    Let ``c(t)`` be the contract weighted at close ``t``.  A roll happens at the
    close ``r`` where ``c(r) != c(r-1)``; both prices are taken at that same
    close: ``F_new(r) = F_{c(r)}(r)`` and ``F_old(r) = F_{c(r-1)}(r)``.

    * Panama: ``adjusted(t) = F_{c(t)}(t) + sum_{r > t} (F_new(r) - F_old(r))``
    * Ratio:  ``adjusted(t) = F_{c(t)}(t) * prod_{r > t} F_new(r) / F_old(r)``

    Which series comes out depends on the view of the data.  On the
    pysystemtrade *timestamps* view (``load_pysystemtrade(daily=False)``) with
    the as-recorded schedule (:class:`etfsim.roll.rules.AsRecorded`, which
    already weights the new contract at the last row of the old one), the
    Panama series reproduces pysystemtrade's ``adjusted_prices_csv`` file: its
    rule (``sysobjects/adjusted_prices.py::_panama_stitch``) adds
    ``FORWARD[t-1] - PRICE[t-1]`` at the last old row ``t-1`` to every row up to
    and including ``t-1``, and here ``r = t-1``, ``F_new(r) = FORWARD[t-1]``,
    ``F_old(r) = PRICE[t-1]``, ``adjusted(t-1) = FORWARD[t-1] + later =
    PRICE[t-1] + roll_diff + later``: the same numbers.  The roll rows are
    Carver's, often intraday.  On the *daily* view the roll is measured between
    two daily closes instead, so the series differs from his file by that
    day's intraday moves of the spread.
    """
    if method not in BACK_ADJUST_METHODS:
        raise UnknownNameError("back-adjustment method", str(method), BACK_ADJUST_METHODS)
    check_same_listing(curve, schedule)
    if not isinstance(path, (int, np.integer)) or not 0 <= int(path) < curve.n_paths:
        raise DataError(f"path {path!r} out of range for a curve with {curve.n_paths} paths")
    p = int(path)
    dates, contracts = curve.dates, curve.contracts
    n = curve.n_dates
    w = schedule.path_weights(p)
    invested = np.asarray(schedule.invested, dtype=bool)

    one = np.abs(w - 1.0) <= WEIGHT_TOL
    zero = np.abs(w) <= WEIGHT_TOL
    not_binary = invested & ~((one | zero).all(axis=1) & (one.sum(axis=1) == 1))
    if not_binary.any():
        t = int(np.argmax(not_binary))
        held = ", ".join(f"{contracts[t, s]} {w[t, s]:.6g}" for s in np.nonzero(w[t] > WEIGHT_TOL)[0])
        raise DataError(
            f"back-adjustment needs one contract per date (weights 0 or 1), but rule {schedule.rule!r} "
            f"holds {held} on {_day(dates, t)}; use a single-contract rule (front month, as recorded)"
        )

    slot = np.argmax(one, axis=1)  # the held contract's slot (0 where not invested; masked below)
    rows = np.arange(n)
    price = np.where(invested, curve.prices[p, rows, slot], np.nan)
    code = np.where(invested, contracts[rows, slot], "")

    # rolls: invested on both closes and a different contract
    roll = np.zeros(n, dtype=bool)
    roll[1:] = invested[1:] & invested[:-1] & (code[1:] != code[:-1])
    r = np.nonzero(roll)[0]
    nxt = next_slot_map(contracts)
    old_slot = nxt[r - 1, slot[r - 1]]  # where the old contract sits at the roll's close
    gone = old_slot < 0
    if gone.any():
        i = int(r[np.argmax(gone)])
        raise DataError(
            f"contract {code[i - 1]} held at the close of {_day(dates, i - 1)} is not on the curve on "
            f"{_day(dates, i)}, where the schedule rolls out of it; its price at the roll is needed"
        )
    f_old = curve.prices[p, r, old_slot]
    f_new = price[r]
    for f, codes, which in ((f_new, code[r], "new"), (f_old, code[r - 1], "old")):
        missing = np.isnan(f)
        if missing.any():
            i = int(np.argmax(missing))
            raise DataError(
                f"no price for the {which} contract {codes[i]} at the roll on {_day(dates, int(r[i]))}; "
                "back-adjustment needs both prices at the roll's close"
            )

    if method == "panama":
        diffs = np.zeros(n)
        diffs[r] = f_new - f_old
        # later[t] = sum of the diffs of rolls strictly after t
        later = np.r_[np.cumsum(diffs[::-1])[::-1][1:], 0.0]
        adjusted = price + later
    else:
        _check_positive(dates, r, code, price, invested, f_new, f_old)
        factors = np.ones(n)
        factors[r] = f_new / f_old
        # later[t] = product of the factors of rolls strictly after t
        later = np.r_[np.cumprod(factors[::-1])[::-1][1:], 1.0]
        adjusted = price * later
    return pd.Series(adjusted, index=pd.DatetimeIndex(dates, name="date"), name="adjusted")


def _check_positive(
    dates: np.ndarray,
    r: np.ndarray,
    code: np.ndarray,
    price: np.ndarray,
    invested: np.ndarray,
    f_new: np.ndarray,
    f_old: np.ndarray,
) -> None:
    """Refuse a ratio adjustment through a price at or below zero: at a roll, or of the held contract on any date.

    A ratio series is read as percentage returns, each a division by the day
    before's price, so a price at or below zero on any date makes them
    meaningless, not only at a roll.
    """
    for f, codes, which in ((f_new, code[r], "new"), (f_old, code[r - 1], "old")):
        nonpos = f <= 0
        if nonpos.any():
            i = int(np.argmax(nonpos))
            raise DataError(
                f"ratio back-adjustment needs positive prices at each roll, but the {which} contract "
                f"{codes[i]} is at {f[i]:.6g} at the roll on {_day(dates, int(r[i]))}; use method='panama'"
            )
    held_nonpos = invested & (price <= 0)
    if held_nonpos.any():
        i = int(np.argmax(held_nonpos))
        raise DataError(
            f"ratio back-adjustment needs positive prices, but the held contract {code[i]} is at "
            f"{price[i]:.6g} on {_day(dates, i)}; use method='panama'"
        )
