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

A family index with the successor as a member (a mean over chips, or the
normalised index that splices it in ``L`` months after launch) has, for
delivery month ``M``, the weights ``a`` if the successor is in the index by
then and ``b`` if not.  Three outcomes make its futures price before the
launch: in the index by ``M`` (chance ``q'``, the launch ``L`` months before
``M`` at the latest: weights ``a``, stepped legs), launched but not yet in it
(``q - q'``: weights ``b``, stepped), not launched (``1 - q``: weights ``b``,
unstepped), so with ``G_l`` each leg's lognormal part without the successor

    F(t, M) = sum_l [q' a_l e^s_l + (q - q') b_l e^s_l + (1 - q) b_l] G_l + sum_l [q' a_l + (1 - q') b_l] floor_l

an expectation over the launch month, hence a martingale; after the launch the
weights are the scheduled family's.  :func:`family_mix` writes it on the legs'
futures, ``G_l = (F_l - floor_l) / (1 + (e^s_l - 1) q)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from etfsim._typing import Float64Array
from etfsim.curves.families import family_weights
from etfsim.curves.legs import Family, Leg, log_step

__all__ = [
    "NEVER_YM", "ArrivalHazard", "family_before_launch", "family_mix", "hazard_log_multiplier", "launch_chance", "launch_months", "launch_rows",
    "random_hold_error",
]  # fmt: skip


def random_hold_error(name: str) -> str:
    """The one-line refusal of a fund, family or basis on a leg that launches at a random month."""
    return (
        f"leg {name!r} launches at a random month (arrival_rate), so its contracts list on different dates on "
        f"different paths: a fund holds it only as a later generation (a strategy's [holding] generations = "
        f"[..., {name!r}]) or through a family over it, not alone or as a basis; give it a scheduled launch "
        "(remove arrival_rate) to hold it so"
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
    q = launch_chance(rate, first_ym, row_months, delivery_ym)
    return np.asarray(np.log1p(np.expm1(step) * q), dtype=np.float64)


def launch_chance(
    rate: float, first_ym: int, row_months: np.ndarray, delivery_ym: np.ndarray, lag_months: int = 0
) -> Float64Array:
    """``q(t, T)`` per (date, slot): the chance the successor launches by ``lag_months`` before the delivery month.

    Given that it has not launched by date ``t``: the launch months still
    possible run from the month after ``t`` (or the first possible month) to
    the delivery month less the lag; 0 for a cell without a contract.
    """
    start = np.maximum(_count(row_months) + 1, _count(np.array(first_ym)))[:, None]
    months = np.where(delivery_ym > 0, _count(delivery_ym) - int(lag_months) - start + 1, 0)
    return np.asarray(-np.expm1(-rate * np.maximum(months, 0) / 12.0), dtype=np.float64)


def family_mix(
    with_new: np.ndarray, without: np.ndarray, steps: np.ndarray, q: np.ndarray, q_spliced: np.ndarray
) -> tuple[Float64Array, Float64Array]:
    """A family's futures on its legs' futures before a random member launches (see the module docstring).

    Parameters
    ----------
    with_new, without : (legs, n, depth) arrays
        The family's weights for each delivery month with the new member in
        the index and without it.
    steps : (legs,) array
        The log step ``s_l`` each member takes at the launch (0: none; the new member's is 0).
    q, q_spliced : (n, depth) arrays
        The chance of the launch by the delivery month, and by the month the
        new member would have to launch to be in the index then (the splice lag earlier).

    Returns
    -------
    coef, floor_coef : (legs, n, depth) arrays
        The weight on each leg's futures price, and on its floor part; the
        family's price is ``sum coef F_l + sum (floor_coef - coef) floor_l``.
    """
    e = np.exp(np.asarray(steps, dtype=np.float64))[:, None, None]
    lognormal = q_spliced * with_new * e + (q - q_spliced) * without * e + (1.0 - q) * without
    coef = lognormal / (1.0 + (e - 1.0) * q)  # each leg's futures carry 1 + (e^s - 1) q over its lognormal part
    return np.asarray(coef, dtype=np.float64), np.asarray(q_spliced * with_new + (1 - q_spliced) * without)


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
        moved = shift != 0.0
        if not moved.any():
            return
        # only the cells a hazard moves: the others keep their bits (x - floor + floor need not be x), and a
        # market writing one array block by block keeps what its other blocks wrote there
        base = np.zeros(()) if floor is None else np.broadcast_to(floor[None], out.shape)
        np.exp(shift, out=shift)
        np.subtract(out, base, out=out, where=moved)
        np.multiply(out, shift, out=out, where=moved)
        np.add(out, base, out=out, where=moved)


NEVER_YM = 999_912  # the month of a launch that does not come: after any horizon


def family_before_launch(
    family: Family,
    launch_ym: Sequence[int],
    ratios: Sequence[float],
    delivery: np.ndarray,
    row_months: np.ndarray,
    member: int,
    successor: Leg,
    floors: Sequence[np.ndarray | None],
    launch_row: int,
) -> tuple[Float64Array, Float64Array]:
    """A family's weights ``(legs, n, depth)`` and floor offset ``(n, depth)`` on paths launching ``member`` on ``launch_row``.

    Before the launch the weights are :func:`family_mix`'s, after it the
    scheduled family's (``launch_ym`` holds the member's launch month, or
    :data:`NEVER_YM`).  ``floors`` are the legs' floor parts per cell (None: no floor).
    """
    first = int(str(successor.launch).replace("-", ""))
    early, never = list(launch_ym), list(launch_ym)
    early[member], never[member] = first, NEVER_YM
    with_new = family_weights(family, early, ratios, delivery)
    without = family_weights(family, never, ratios, delivery)
    lag = int(family.splice_lag_months) if family.method == "normalised" else 0
    q = launch_chance(successor.arrival_rate, first, row_months, delivery)
    q_spliced = launch_chance(successor.arrival_rate, first, row_months, delivery, lag)
    steps = np.array([log_step(successor.steps_down.get(x, 0.0)) for x in family.legs])
    coef, floor_coef = family_mix(with_new, without, steps, q, q_spliced)
    offset = np.zeros(delivery.shape)
    for j, fl in enumerate(floors):
        if fl is not None:
            offset += (floor_coef[j] - coef[j]) * fl
    before = (np.arange(len(row_months)) < launch_row)[:, None]
    after = family_weights(family, launch_ym, ratios, delivery)
    return np.where(before[None], coef, after), np.where(before, offset, 0.0)
