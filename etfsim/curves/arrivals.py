"""Generations that arrive at a random month: each path's launch and the hazard older chips are priced with.

A successor chip whose launch is not scheduled (a leg with ``arrival_rate``
``lambda > 0``) launches on the first business day of a random month: from its
first possible month on, each month is the launch with the chance
``p = 1 - exp(-lambda / 12)``, so ``k`` months hold at least one launch with
the chance ``1 - exp(-lambda k / 12)`` (a Poisson arrival at ``lambda`` a
year, launching at the next month's start).  Each path draws its own month,
independent of the factors, from a uniform drawn after the path's factor
draws, so a market without random launches keeps its numbers.

When the successor launches, each leg it steps down by a fraction ``f`` has
its long-term level lowered by ``s = ln(1 - f)`` for good.  Before the launch
a futures price on such a leg is the expectation over the launch month (the
launch is independent of the factors):

    F(t, T) = floor(T) + G(t, T) [1 + (e^s - 1) q(t, T)],   q(t, T) = 1 - exp(-lambda k / 12)

with ``G`` the lognormal part without the successor and ``k`` the launch
months still possible from the month after ``t`` (or the first possible
month) to the delivery month of ``T``.  With ``m = 1 + (e^s - 1) q``, the
drift of ``F`` before launch is ``G (dm/dt + lambda (e^s - m))``, and
``dm/dt = -lambda (e^s - 1) (1 - q) = -lambda (e^s - m)``: the futures price is
a martingale through the launch (it jumps to ``G e^s`` on the day, as often
as the hazard says).  A monthly-average contract whose month has begun
cannot be hit (launches fall on a month's first day), so only delivery
months not yet started carry the hazard, and they have no fixings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etfsim._typing import Float64Array

__all__ = ["ArrivalHazard", "hazard_log_multiplier", "launch_months", "launch_rows", "random_hold_error"]


def random_hold_error(name: str) -> str:
    """The one-line refusal of a fund, family or basis on a leg that launches at a random month."""
    return (
        f"leg {name!r} launches at a random month (arrival_rate), so its contracts list on different dates on "
        f"different paths: a fund holds it only as a later generation (a strategy's [holding] generations = "
        f"[..., {name!r}]), not alone, in a family or as a basis; give it a scheduled launch (remove arrival_rate) "
        "to hold it so"
    )


def _count(ym: np.ndarray) -> np.ndarray:
    """``YYYYMM`` as a count of months (0 stays a marker of no month: callers mask it)."""
    ym = np.asarray(ym, dtype=np.int64)
    return np.asarray((ym // 100) * 12 + ym % 100 - 1, dtype=np.int64)


def launch_months(u: np.ndarray, rate: float, first_ym: int) -> np.ndarray:
    """Each path's launch month ``YYYYMM`` from its uniform ``u`` in (0, 1].

    Months after ``first_ym`` until the launch are ``floor(-12 ln(u) / rate)``:
    at least ``k`` of them with the chance ``exp(-rate k / 12)``.
    """
    waited = np.floor(-12.0 * np.log(np.asarray(u, dtype=np.float64)) / rate)
    waited = np.minimum(waited, 12 * 10_000).astype(np.int64)  # a launch past year 10,000 is never
    total = _count(np.array(first_ym)) + waited
    return np.asarray((total // 12) * 100 + total % 12 + 1, dtype=np.int64)


def launch_rows(months_ym: np.ndarray, grid_months: np.ndarray) -> np.ndarray:
    """Row of the first grid date in each launch month; ``len(grid)`` for a month after the grid."""
    first_rows = np.searchsorted(_count(grid_months), _count(months_ym), side="left")
    return np.asarray(first_rows, dtype=np.int64)


def hazard_log_multiplier(
    step: float, rate: float, first_ym: int, row_months: np.ndarray, delivery_ym: np.ndarray
) -> Float64Array:
    """``ln(1 + (e^s - 1) q(t, T))`` per (date, slot) for a leg not yet hit by the successor.

    Parameters
    ----------
    step : float
        ``s``, the log step of the leg when the successor launches (``ln(1 - f)``).
    rate : float
        The successor's launches a year.
    first_ym : int
        Its first possible launch month ``YYYYMM``.
    row_months : (n,) int array
        ``YYYYMM`` of each date.
    delivery_ym : (n, depth) int array
        ``YYYYMM`` each cell's price settles on (the delivery month, or the
        expiry's month for final settlement); 0 for a cell without a contract.
    """
    start = np.maximum(_count(row_months) + 1, _count(np.array(first_ym)))[:, None]
    months = np.where(delivery_ym > 0, _count(delivery_ym) - start + 1, 0)
    q = -np.expm1(-rate * np.maximum(months, 0) / 12.0)
    return np.asarray(np.log1p(np.expm1(step) * q), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class ArrivalHazard:
    """The random successors of one leg: their hazard before launch and each path's launch row.

    Attributes
    ----------
    log_mult : (successors, n, depth) array
        :func:`hazard_log_multiplier` of each successor (read-only, shared by
        every chunk of a run).
    launch_row : (successors, paths) int array
        Row of each successor's launch on each path (``n``: after the horizon).
    """

    log_mult: Float64Array
    launch_row: np.ndarray

    def select(self, idx: np.ndarray) -> ArrivalHazard:
        """The same hazard on some paths."""
        return ArrivalHazard(self.log_mult, np.ascontiguousarray(self.launch_row[:, idx]))

    def apply(self, out: np.ndarray, rows: np.ndarray, slots: np.ndarray, floor: np.ndarray | None) -> None:
        """Scale the lognormal part of prices ``out`` ``(paths, len(rows), m)`` in place.

        ``slots`` ``(len(rows), m)`` are the cells' slots (-1: none); ``floor``
        the cells' floor part (None: no floor), which the successor leaves alone.
        """
        r = np.asarray(rows, dtype=np.int64)
        safe = np.where(slots >= 0, slots, 0)
        shift = np.zeros(out.shape)
        for hz_table, launch in zip(self.log_mult, self.launch_row, strict=True):
            hz = np.where(slots >= 0, hz_table[r[:, None], safe], 0.0)
            if not hz.any():
                continue
            before = r[None, :] < launch[:, None]  # (paths, rows): not launched yet on that path
            shift += np.where(before[:, :, None], hz[None], 0.0)
        if not shift.any():
            return
        base = 0.0 if floor is None else floor[None]
        np.exp(shift, out=shift)
        out -= base
        out *= shift
        out += base
