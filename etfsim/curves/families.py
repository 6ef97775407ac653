"""Index families and generation switches as deterministic weights on the market's legs.

A family index is, within every month, a fixed linear combination of legs
(membership and weights change only on a month's first business day), so its
futures price for a delivery month is the same combination of the legs'
futures for that month.  :func:`family_weights` gives the combination for
each delivery month; :func:`generation_weights` gives how a fund that holds
"the current generation" spreads across successive chips over time.  Both
depend on the calendar and the launch months only, never on a path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from etfsim._typing import DateArray
from etfsim.curves.legs import Family
from etfsim.exceptions import ConfigError

__all__ = ["family_weights", "generation_weights", "month_of", "months_after"]


def month_of(dates: DateArray) -> np.ndarray:
    """``YYYYMM`` of each date, as int64."""
    d = np.asarray(dates).astype("datetime64[M]")
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    months = d.astype(np.int64) % 12 + 1
    return np.asarray(years * 100 + months, dtype=np.int64)


def months_after(ym: int, months: int) -> int:
    """The ``YYYYMM`` month ``months`` after ``ym``."""
    total = (ym // 100) * 12 + (ym % 100 - 1) + months
    return int((total // 12) * 100 + total % 12 + 1)


def family_weights(family: Family, launch_ym: Sequence[int], ratios: Sequence[float], months: np.ndarray) -> np.ndarray:
    """Weight of each of the family's legs for each month in ``months``: ``(legs, *months.shape)``.

    Parameters
    ----------
    family : Family
    launch_ym : sequence of int
        Each of the family's legs' launch month ``YYYYMM`` (0: trading from the start).
    ratios : sequence of float
        Each leg's performance ratio against the market's reference chip.
    months : int array
        ``YYYYMM`` months (any shape; 0 marks a cell with no contract, weight 0).
    """
    launch = np.asarray(launch_ym, dtype=np.int64)
    live = (launch[:, None] <= months.ravel()[None, :]) & (months.ravel() > 0)[None, :]  # (legs, cells)
    out = np.zeros((len(launch), months.size))
    cells = months.ravel() > 0
    if family.method in ("mean", "usage", "median"):  # a median's members are the mean's (its price is not linear)
        base = np.ones(len(launch)) if family.method != "usage" else np.asarray(family.weights, dtype=np.float64)
        w = np.where(live, base[:, None], 0.0)
        total = w.sum(axis=0)
        empty = cells & (total <= 0)
        if empty.any():
            ym = int(months.ravel()[np.argmax(empty)])
            raise ConfigError(f"family {family.name!r}: no leg of it trades in {ym // 100}-{ym % 100:02d}")
        out[:, cells] = w[:, cells] / total[cells]
    else:  # normalised: the newest spliced generation, divided by its performance ratio
        lag = int(family.splice_lag_months)
        spliced = np.array([months_after(int(y), lag) if y > 0 else 0 for y in launch])
        joined = (spliced[:, None] <= months.ravel()[None, :]) & cells[None, :]
        if cells.any() and not joined[0, cells].all():
            raise ConfigError(
                f"family {family.name!r}: its first generation {family.legs[0]!r} must trade from the start "
                "(the index needs a chip on every date)"
            )
        newest = len(launch) - 1 - np.argmax(joined[::-1], axis=0)  # last joined generation per cell
        r = np.asarray(ratios, dtype=np.float64)
        out[newest[cells], np.nonzero(cells)[0]] = 1.0 / r[newest[cells]]
    return out.reshape((len(launch),) + months.shape)


def generation_weights(
    dates: DateArray,
    launch_rows: Sequence[int],
    open_interest: Sequence[np.ndarray | None],
    switch_open_interest: float | None,
    switch_age_months: int | None,
    window: int,
) -> np.ndarray:
    """``(generations, dates)``: how a fund holding the current generation spreads across successive chips.

    The fund starts in the first generation.  Generation ``g + 1`` becomes due
    on the first date on which it trades and its futures' open interest reaches
    ``switch_open_interest`` or it has traded ``switch_age_months`` months,
    whichever comes first (at launch when neither is given), and not before the
    move into ``g`` has finished; exposure then moves over ``window`` business
    days, ``1 / window`` of it at each close.
    """
    n = len(dates)
    gens = len(launch_rows)
    if launch_rows[0] != 0:
        raise ConfigError("the first generation a fund holds must trade from the start of the horizon")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or not 1 <= window <= 60:
        raise ConfigError(f"switch_window must be a whole number of business days 1-60, got {window!r}")
    months = month_of(dates)
    w = np.zeros((gens, n))
    w[0] = 1.0
    free_from = 1  # the first row at which a new move may start: the fund opens in the first generation
    for g in range(1, gens):
        due = np.arange(n) >= max(launch_rows[g], free_from)
        crit = np.zeros(n, dtype=bool)
        if switch_age_months is not None:
            launch_ym = months[launch_rows[g]] if launch_rows[g] < n else 0
            crit |= months >= months_after(int(launch_ym), int(switch_age_months)) if launch_ym else False
        oi = open_interest[g]
        if switch_open_interest is not None and oi is not None:
            crit |= np.asarray(oi) >= switch_open_interest
        if switch_age_months is None and (switch_open_interest is None or oi is None):
            crit[:] = True
        start = np.nonzero(due & crit)[0]
        if len(start) == 0:
            break  # never due within the horizon: later generations are not reached either
        t0 = int(start[0])
        step = np.clip((np.arange(n) - t0 + 1) / window, 0.0, 1.0)
        moved = w[g - 1] * step
        w[g] = moved
        w[g - 1] = w[g - 1] - moved
        free_from = t0 + window
    return w
