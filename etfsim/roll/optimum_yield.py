"""DBIQ Optimum Yield: roll into the contract with the highest implied roll yield (a rule that reads prices)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from etfsim.curves.protocol import Curve
from etfsim.exceptions import DataError
from etfsim.roll._calendar import BusinessDayIndex, curve_calendar, curve_days
from etfsim.roll._common import _check_window, _day, _expiry_days, _int, _params, _window_fraction
from etfsim.roll.pairs import PairWeights
from etfsim.roll.schedule import RollSchedule, contract_ids

__all__ = ["OptimumYield"]


@dataclass(frozen=True)
class OptimumYield:
    """DBIQ Optimum Yield: roll into the contract with the highest implied roll yield.

    Each month, at the close before the roll window (business days
    ``first_day``..``last_day``), a path whose held contract expires before next
    month's window picks, among the contracts expiring after next month's
    window and within ``max_months`` months, the one with the highest implied
    roll yield against the front: ``(ln F_front - ln F_j) * 365 / (E_j - E_front)``
    (non-positive prices are skipped).  Only prices at the decision close are read.
    """

    max_months: int = 13
    first_day: int = 2
    last_day: int = 6
    calendar: str | None = None
    name: ClassVar[str] = "optimum_yield"
    reads_prices: ClassVar[bool] = True  # decides path by path from the curve (the other rules read dates only)

    def __post_init__(self) -> None:
        _int("max_months", self.max_months, 1, 60, "months ahead to search")
        _check_window(self.first_day, self.last_day)

    def schedule(self, curve: Curve) -> RollSchedule:
        return self.pair_weights(curve).schedule(curve)

    def pair_weights(self, curve: Curve) -> PairWeights:
        """The schedule as (slot, weight) pairs, one a path and date, two while it rolls (see :mod:`etfsim.roll.pairs`)."""
        days = curve_days(curve)
        cal = BusinessDayIndex(curve_calendar(curve, self.calendar), days[0], days[-1])
        frac, ends = _window_fraction(cal, days, self.first_day, self.last_day, self.name)
        ids, _codes = contract_ids(np.asarray(curve.contracts, dtype=object))
        exp = _expiry_days(curve)
        p, n, k = curve.n_paths, curve.n_dates, curve.depth
        slots, w = PairWeights.empty(n, p)  # [0]: the contract bought (or held), [1]: the one sold while rolling
        invested = np.zeros(n, dtype=bool)
        rolling = np.zeros(n, dtype=bool)
        months = days.astype("datetime64[M]")
        held = np.full(p, -1, dtype=np.int64)  # contract id each path holds
        bd = cal.of_month(days)
        horizon = self.max_months * 31  # days: a contract "within 13 months"
        plan = []  # each month: its dates, and the close before its window's first day (None: no window)
        for month in np.unique(months):
            rows = np.nonzero(months == month)[0]
            in_window = rows[bd[rows] >= self.first_day]
            plan.append((rows, int(in_window[0]) - 1 if len(in_window) else None))
        # every decision close priced in one call, not one a month: a model curve works out the coefficients
        # of the cells it is asked for, and keeps the last few sets for the next chunk of paths
        decisions = sorted({d for _, d in plan if d is not None and d >= 0})
        at = {d: i for i, d in enumerate(decisions)}
        priced = curve.price_rows(np.asarray(decisions, dtype=np.int64)) if decisions else None
        for rows, decision in plan:
            if decision is None:
                self._hold(slots, w, ids, held, rows, invested, curve)
                continue
            if decision < 0:
                continue  # the curve starts inside the window: wait for next month
            before = rows[rows <= decision]
            self._hold(slots, w, ids, held, before, invested, curve)
            # next month's window relative to *this* month: the decision close may fall in the previous
            # month when the data lacks this month's first business days
            end_next = ends[1][rows[0]]
            exp_d = exp[decision]
            held_exp = np.full(p, -1, dtype=np.int64)
            for s in range(k):
                held_exp = np.where(ids[decision, s] == held, exp_d[s], held_exp)
            must_roll = (held < 0) | (held_exp <= end_next)
            new = held.copy()
            if must_roll.any():
                assert priced is not None  # a decision close exists, so it was priced
                prices = priced[:, at[decision], :]
                new[must_roll] = self._choose(curve, prices, decision, ids, exp_d, end_next, horizon)[must_roll]
            after = rows[rows > decision]
            if len(after):
                self._roll_days(slots, w, ids, held, new, after, frac, invested, rolling, bd, curve)
            done = frac[after] >= 1 if len(after) else np.array([True])
            if len(after) and done[-1]:
                held = new
            elif len(after):
                held = np.where(held < 0, new, held)
        if not invested.any():
            raise DataError(f"rule {self.name}: the curve is too short for a single roll decision")
        # the two weights of a cell in two slots: their sum is the sum over every slot (the others add zeros)
        invested_all = invested & (np.abs(w[0] + w[1] - 1.0) <= 1e-9).all(axis=1)
        w[:, ~invested_all] = 0.0
        return PairWeights(slots, w, invested_all, rolling, self.name, _params(self))

    @staticmethod
    def _slots(row_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """``(dates, paths)``: the slot of each path's contract ``wanted`` on each row of ``row_ids`` (-1: not there).

        A table by row and contract id (ids shifted by one, so -1, an empty slot, has a column too) holds
        each id's first slot: a lookup a path, not a comparison with every slot.
        """
        n_rows, depth = row_ids.shape
        width = int(max(row_ids.max(initial=-1), wanted.max(initial=-1))) + 2
        table = np.full((n_rows, width), -1, dtype=np.int64)
        rows = np.arange(n_rows)
        for s in range(depth - 1, -1, -1):  # the nearest slot written last: an id's first slot wins
            table[rows, row_ids[:, s] + 1] = s
        return table[:, wanted + 1]

    def _roll_days(
        self,
        slots: np.ndarray,
        w: np.ndarray,
        ids: np.ndarray,
        held: np.ndarray,
        new: np.ndarray,
        after: np.ndarray,
        frac: np.ndarray,
        invested: np.ndarray,
        rolling: np.ndarray,
        bd: np.ndarray,
        curve: Curve,
    ) -> None:
        """The pairs on the dates ``after`` a decision, all dates at once (a numpy call a step, not one a date).

        The share ``frac`` of each date is in the contract chosen (``new``), the rest still in the one ``held``.
        """
        f = frac[after][:, None]  # (dates, 1) against the paths' (1, paths)
        slot_old = self._slots(ids[after], held)
        slot_new = self._slots(ids[after], new)
        gone = ((held >= 0)[None, :] & (slot_old < 0) & (f < 1)).any(axis=1)
        lost = (slot_new < 0).any(axis=1)
        if (gone | lost).any():
            i = int(np.argmax(gone | lost))  # the first such date, as date by date
            day = _day(curve, int(after[i]))
            if gone[i]:
                raise DataError(f"rule {self.name}: a held contract left the curve during the roll on {day}")
            raise DataError(f"rule {self.name}: the chosen contract is not on the curve on {day}")
        first_buy = (held < 0)[None, :]  # the first month buys outright at the window's start
        slots[0, after] = slot_new
        w0 = 0.0 + np.where(first_buy, 1.0, f)  # 0 + x, as a dense array adds into zeros: -0.0 is 0.0
        keep = ~first_buy & (f < 1)
        same = keep & (slot_old == slot_new)  # still the contract chosen: one weight, f + (1 - f)
        w[0, after] = np.where(same, w0 + (1.0 - f), w0)
        sold = keep & ~same
        slots[1, after] = np.where(sold, slot_old, slots[1, after])
        w[1, after] = np.where(sold, 1.0 - f, w[1, after])
        invested[after] = True
        fa = frac[after]
        rolling[after] = ((0 < fa) & (fa < 1)) | (bd[after] == self.last_day)

    def _hold(
        self,
        slots: np.ndarray,
        w: np.ndarray,
        ids: np.ndarray,
        held: np.ndarray,
        rows: np.ndarray,
        invested: np.ndarray,
        curve: Curve,
    ) -> None:
        if (held < 0).all() or not len(rows):
            return
        slot = self._slots(ids[rows], held)
        missing = (slot < 0).any(axis=1)
        if missing.any():
            t = int(rows[np.argmax(missing)])
            raise DataError(f"rule {self.name}: a held contract is not on the curve on {_day(curve, t)}")
        slots[0, rows] = slot
        w[0, rows] = 1.0
        invested[rows] = True

    def _choose(
        self,
        curve: Curve,
        prices: np.ndarray,
        t: int,
        ids: np.ndarray,
        exp_d: np.ndarray,
        end_next: int,
        horizon: int,
    ) -> np.ndarray:
        """The contract each path rolls into at the close ``t``, from that close's prices ``(paths, depth)``."""
        day = int(curve_days(curve)[t].astype(np.int64))
        eligible = (exp_d > end_next) & (exp_d <= day + horizon) & (ids[t] >= 0)
        eligible[0] = False  # the yield is measured against the front, so the front itself is not a candidate
        if not eligible.any():
            raise DataError(
                f"rule {self.name}: no contract on {_day(curve, t)} expires after next month's window and within "
                f"{self.max_months} months; the curve needs more depth"
            )
        f0 = prices[:, :1]
        with np.errstate(divide="ignore", invalid="ignore"):
            iry = (np.log(f0) - np.log(prices)) * 365.0 / (exp_d - exp_d[0])[None, :]
        ok = eligible[None, :] & np.isfinite(iry) & (prices > 0) & (f0 > 0)
        score = np.where(ok, iry, -np.inf)
        best = score.argmax(axis=1)
        nearest = int(np.argmax(eligible))
        best = np.where(np.isfinite(score.max(axis=1)), best, nearest)  # no usable price: take the nearest eligible
        return np.asarray(ids[t, best])


# -- explicit calendar and recorded history ---------------------------------------------
