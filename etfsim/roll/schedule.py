"""The roll schedule: which contracts the index holds at each close, and how much.

A :class:`RollSchedule` stores **quantity weights** ``q`` by nearby slot,
aligned with the curve's slot map on the same date: ``weights[p, t, k]`` is the
share of the position held, from the close of date ``t`` to the close of
``t + 1``, in the contract that sits in slot ``k`` on date ``t``.  Because the
map names the contract, a weight always refers to a real contract: when the
front expires and slot 1 becomes slot 0, the ledger follows the contract
(:func:`next_slot_map` tells where each contract moved).

Weights are non-negative and sum to 1 on every invested date.  A schedule
shared by all paths (a rule that reads only the calendar) has one row of
weights, ``weights.shape[0] == 1``; a rule that reads prices (optimum yield)
has one per path.

Why rolling costs money in contango: the index sells the cheaper expiring
contract and buys the dearer next one at the same quantity weight, then the
dearer contract drifts down towards the spot as it ages.  No cash changes hands
at the roll itself, which is why etfsim calls the effect the
*term-structure contribution*, not "roll yield".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from etfsim._numba import jit, readonly
from etfsim._results import html_table
from etfsim._typing import BoolArray, DateArray, Float64Array, SlotMap, StrArray
from etfsim.curves.listing import contract_ids, next_slot_map
from etfsim.curves.protocol import Curve
from etfsim.exceptions import DataError

__all__ = ["RollSchedule", "contract_ids", "next_slot_map"]

WEIGHT_TOL = 1e-12


@jit
def trade_mask_kernel(weights: np.ndarray, nxt: np.ndarray, tol: float, out: np.ndarray) -> None:
    """``out[p, t]``: the weights by contract at close ``t`` differ from those carried from ``t - 1``."""
    n_paths, n, depth = weights.shape
    carried = np.zeros(depth)
    for p in range(n_paths):
        for s in range(depth):
            if weights[p, 0, s] > 0.0:
                out[p, 0] = True
        for t in range(1, n):
            carried[:] = 0.0
            lost = False
            for s in range(depth):
                w = weights[p, t - 1, s]
                if w > 0.0:
                    j = nxt[t - 1, s]
                    if j < 0:
                        lost = True
                    else:
                        carried[j] += w
            changed = lost
            for s in range(depth):
                if abs(weights[p, t, s] - carried[s]) > tol:
                    changed = True
            out[p, t] = changed


@jit
def first_unpriced_trade(weights: np.ndarray, nxt: np.ndarray, prices: np.ndarray, tol: float) -> tuple[int, int, int]:
    """First (path, date, slot) whose weight changes at a close where its price is missing; (-1, -1, -1) if none.

    With one row of weights (a shared schedule) every price path is checked.
    """
    n_w, n, depth = weights.shape
    n_paths = prices.shape[0]
    carried = np.zeros(depth)
    for p in range(n_paths):
        wp = 0 if n_w == 1 else p
        for t in range(n):
            carried[:] = 0.0
            if t > 0:
                for s in range(depth):
                    w = weights[wp, t - 1, s]
                    if w > 0.0 and nxt[t - 1, s] >= 0:
                        carried[nxt[t - 1, s]] += w
            for s in range(depth):
                if abs(weights[wp, t, s] - carried[s]) > tol and math.isnan(prices[p, t, s]):
                    return p, t, s
    return -1, -1, -1


@dataclass(frozen=True, eq=False)
class RollSchedule:
    """Quantity weights across contracts held at each close.

    Parameters
    ----------
    weights : (paths or 1, dates, depth) float64
        Quantity weight of the contract in each slot from this close to the next.
    dates : (dates,) datetime64
        The curve's dates.
    contracts : (dates, depth) object
        The curve's slot map (contract codes).
    expiries : (dates, depth) datetime64[D]
        Expiry of each slot's contract.
    invested : (dates,) bool
        Dates on which the weights sum to 1; before a rule's first decision the
        index is not yet invested and the weights are 0.
    rolling : (dates,) bool
        Dates inside a roll window (weights moving from one contract to another).
    rule : str
        Name of the rule that made the schedule.
    params : mapping
        The rule's parameters.
    """

    weights: Float64Array
    dates: DateArray
    contracts: StrArray
    expiries: SlotMap
    invested: BoolArray
    rolling: BoolArray
    rule: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=np.float64)
        if w.ndim != 3:
            raise DataError(f"weights must be shaped (paths, dates, depth), got {w.ndim} dimensions")
        n, k = np.shape(self.contracts)
        if w.shape[1:] != (n, k):
            raise DataError(f"weights must be shaped (paths, {n}, {k}) to match the slot map, got {w.shape}")
        # reductions rather than elementwise masks: a per-path schedule holds paths x dates x slots numbers,
        # and a mask of each would be as large (the locating masks are built only to name an error)
        lowest, highest = w.min(), w.max(axis=0)  # NaN propagates into both
        if not (np.isfinite(lowest) and np.isfinite(highest).all()):
            raise DataError(f"rule {self.rule}: weights must be finite")
        if lowest < -WEIGHT_TOL:
            p, t, s = np.argwhere(w < -WEIGHT_TOL)[0]
            raise DataError(f"rule {self.rule}: negative weight {w[p, t, s]} on {self._day(t)} for slot {s}")
        if lowest < 0:  # round-off below zero; copy only then
            w = np.where(w < 0, 0.0, w)
        empty = np.asarray(self.contracts) == ""
        if (highest[empty] > 0).any():
            t = np.argwhere((highest > 0) & empty)[0][0]
            raise DataError(f"rule {self.rule}: a weight sits in an empty slot on {self._day(t)}")
        invested = np.asarray(self.invested, dtype=bool)
        sums = w.sum(axis=2)
        bad = np.abs(sums - np.where(invested, 1.0, 0.0)[None, :]) > 1e-9
        if bad.any():
            p, t = np.argwhere(bad)[0]
            raise DataError(
                f"rule {self.rule}: weights sum to {sums[p, t]:.12g} on {self._day(t)} (path {p}); "
                "they must sum to 1 on invested dates and 0 before"
            )
        if w.flags.writeable:
            w.setflags(write=False)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "invested", invested)
        object.__setattr__(self, "rolling", np.asarray(self.rolling, dtype=bool))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @classmethod
    def _restricted(
        cls,
        weights: Float64Array,
        dates: DateArray,
        contracts: StrArray,
        expiries: SlotMap,
        invested: BoolArray,
        rolling: BoolArray,
        rule: str,
        params: Mapping[str, Any],
    ) -> RollSchedule:
        """A checked schedule's weights gathered onto fewer slots: built without checking them again.

        The checks of a new schedule are full passes over its weights, which for a
        rule that decides path by path are ``paths x dates x slots`` numbers.
        """
        obj = object.__new__(cls)
        w = np.asarray(weights, dtype=np.float64)
        w.setflags(write=False)
        for name, value in (
            ("weights", w),
            ("dates", dates),
            ("contracts", contracts),
            ("expiries", expiries),
            ("invested", np.asarray(invested, dtype=bool)),
            ("rolling", np.asarray(rolling, dtype=bool)),
            ("rule", rule),
            ("params", MappingProxyType(dict(params))),
        ):
            object.__setattr__(obj, name, value)
        return obj

    def _day(self, t: int) -> str:
        return str(np.asarray(self.dates)[t])[:19].replace("T00:00:00", "")

    @property
    def shared(self) -> bool:
        """Whether one set of weights serves every path."""
        return bool(self.weights.shape[0] == 1)

    def path_weights(self, path: int = 0) -> Float64Array:
        """``(dates, depth)`` weights of one path."""
        return np.asarray(self.weights[0 if self.shared else path])

    def holdings(self, path: int = 0) -> pd.DataFrame:
        """Long table of the contracts held: ``date, contract, expiry, weight`` (weights > 0)."""
        w = self.path_weights(path)
        t, s = np.nonzero(w > 0)
        return pd.DataFrame(
            {
                "date": np.asarray(self.dates)[t],
                "contract": np.asarray(self.contracts)[t, s],
                "expiry": np.asarray(self.expiries)[t, s],
                "weight": w[t, s],
            }
        )

    def roll_dates(self, path: int = 0) -> DateArray:
        """Dates on whose close the weights by contract change (a trade happens)."""
        return np.asarray(self.dates)[self._changes(path)]

    def trade_mask(self) -> BoolArray:
        """``(paths or 1, dates)``: does the position by contract differ from the previous close's?

        The previous close's weights are carried to today's slots (a contract
        may have moved one slot nearer) before comparing, so an expiry that only
        renumbers the slots is not a trade.
        """
        out = np.zeros(self.weights.shape[:2], dtype=np.bool_)
        trade_mask_kernel(
            readonly(np.ascontiguousarray(self.weights)), next_slot_map(np.asarray(self.contracts)), WEIGHT_TOL, out
        )
        return out

    def _changes(self, path: int) -> BoolArray:
        return np.asarray(self.trade_mask()[0 if self.shared else path])

    def roll_trades(self, path: int = 0) -> int:
        """Number of closes on which the index trades (its weights by contract change)."""
        return int(self._changes(path)[1:].sum())

    def roll_trades_by_path(self) -> np.ndarray:
        """Trading closes per path (one entry when the schedule is shared)."""
        return np.asarray(self.trade_mask()[:, 1:].sum(axis=1), dtype=np.int64)

    def summary(self) -> str:
        held = self.holdings(0)
        lines = [
            f"RollSchedule '{self.rule}' {dict(self.params)}",
            f"  {len(self.dates)} dates, {'shared by all paths' if self.shared else f'{self.weights.shape[0]} paths'}",
            f"  invested from {self._day(int(np.argmax(self.invested)))}"
            if self.invested.any()
            else "  never invested",
            f"  {self.roll_trades(0)} trading closes on path 0; {held['contract'].nunique()} contracts held",
        ]
        return "\n".join(lines)

    def to_frame(self, path: int = 0) -> pd.DataFrame:
        """The contracts held on one path by date (:meth:`holdings`)."""
        return self.holdings(path)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<RollSchedule {self.rule} weights={self.weights.shape}>"

    def _repr_html_(self) -> str:
        return html_table(repr(self), self.holdings(0))

    @classmethod
    def for_curve(
        cls,
        curve: Curve,
        weights: Float64Array,
        invested: BoolArray,
        rolling: BoolArray,
        rule: str,
        params: Mapping[str, Any],
    ) -> RollSchedule:
        """Build a schedule on ``curve``'s dates and slot map."""
        return cls(weights, curve.dates, curve.contracts, curve.expiries, invested, rolling, rule, params)
