"""A curve restricted to the contracts a roll schedule touches.

A model curve prices every contract in closed form from its factor paths, so
a front-month fund need not price twenty-four listed months a day: it needs
the contracts it holds and the one it rolls into, two or three a day.
:func:`restrict` prices only those (through the curve's ``price_slots``) and
returns an ordinary, shallow :class:`~etfsim.curves.FuturesCurve` with the
same weights on its slots, so the index and the fund ledger run unchanged on a
few columns.  A rule that decides path by path hands over its weights as
(slot, weight) pairs (:class:`~etfsim.roll.pairs.PairWeights`), which are
gathered onto the few columns without a dense ``(paths, dates, depth)`` array.
"""

from __future__ import annotations

import numpy as np

from etfsim.curves.curve import FuturesCurve
from etfsim.curves.listing import next_slot_map
from etfsim.curves.protocol import Curve
from etfsim.roll.pairs import PairWeights
from etfsim.roll.schedule import RollSchedule

__all__ = ["restrict", "touched_slots"]


def touched_slots(weights: np.ndarray, contracts: np.ndarray) -> np.ndarray:
    """``(dates, m)`` slots a schedule needs priced, in slot order, -1 padded.

    On date ``t`` that is every slot weighted at ``t`` and every slot that holds
    a contract weighted at ``t - 1`` (its price on ``t`` settles yesterday's
    position).
    """
    return _needed(np.asarray((np.asarray(weights) > 0).any(axis=0)), contracts)  # (n, k) over paths


def _needed(w: np.ndarray, contracts: np.ndarray) -> np.ndarray:
    """:func:`touched_slots` from the ``(dates, depth)`` slots weighted on some path."""
    need = w.copy()
    nxt = next_slot_map(np.asarray(contracts))
    rows, cols = np.nonzero(w[:-1] & (nxt >= 0))
    need[rows + 1, nxt[rows, cols]] = True
    m = max(int(need.sum(axis=1).max()), 1)
    # each row's needed slots first, in slot order (a stable sort of "not needed"), then -1 padding
    order = np.argsort(~need, axis=1, kind="stable")[:, :m]
    return np.where(np.take_along_axis(need, order, axis=1), order, -1).astype(np.int64)


def restrict(curve: Curve, schedule: RollSchedule | PairWeights) -> tuple[FuturesCurve, RollSchedule, np.ndarray]:
    """Price only the slots ``schedule`` touches.

    Parameters
    ----------
    curve : Curve
        A :class:`~etfsim.curves.FuturesCurve` or a :class:`~etfsim.curves.model_curve.ModelCurve`.
    schedule : RollSchedule or PairWeights
        A schedule built on ``curve`` (``etfsim.roll_schedule(curve, rule)``), or
        a path-by-path rule's pairs (``OptimumYield().pair_weights(curve)``): the same
        result on a model or market curve, which prices every listed contract.  On a
        recorded curve use ``roll_schedule``, which also checks that each contract
        traded has a price (pairs are not checked).

    Returns
    -------
    curve : FuturesCurve
        Shallow curve: on each date only the touched contracts, in expiry order.
    schedule : RollSchedule
        The same weights on the shallow curve's slots.
    slots : (dates, m) int array
        The original slot of each shallow slot (-1 where padded), e.g. to
        look up liquidity by months to expiry.
    """
    if isinstance(schedule, PairWeights):
        sel = _needed(schedule.held(curve.depth), np.asarray(curve.contracts))
    else:
        sel = touched_slots(schedule.weights, curve.contracts)
    rows = np.arange(curve.n_dates)[:, None]
    safe = np.where(sel >= 0, sel, 0)
    contracts = np.where(sel >= 0, np.asarray(curve.contracts)[rows, safe], "").astype(object)
    expiries = np.where(sel >= 0, np.asarray(curve.expiries)[rows, safe], np.datetime64("NaT"))
    prices = curve.price_slots(sel)
    prices.setflags(write=False)
    meta = dict(curve.metadata, restricted_to=schedule.rule)
    small_curve = FuturesCurve(curve.dates, prices, contracts, expiries, curve.spot, curve.held, meta, curve.first_path)
    if isinstance(schedule, PairWeights):
        w = schedule.gather(sel)
    else:
        # gathered along the slot axis, which keeps every path's row contiguous (fancy indexing over two
        # axes gives a strided array that each later stage would have to copy)
        w = np.take_along_axis(np.asarray(schedule.weights), safe[None, :, :], axis=2)
        w[:, sel < 0] = 0.0  # a new array: padded slots can be zeroed in place
    small = RollSchedule._restricted(  # the same checked weights on fewer slots
        w,
        curve.dates,
        contracts,
        expiries.astype("datetime64[D]"),
        schedule.invested,
        schedule.rolling,
        schedule.rule,
        dict(schedule.params),
    )
    return small_curve, small, sel
