"""A path-by-path schedule held as at most two (slot, weight) pairs a path and date.

A rule that decides path by path (optimum yield) holds one contract a day, two
while it rolls, out of a curve's twenty-four slots: as a dense
``(paths, dates, depth)`` array its weights are 482 MB on the default
1,000-path market, nearly all zeros, written once and read once by
:func:`etfsim.roll.restrict`, and the first write of fresh memory costs more
than the rule's own arithmetic (1.2 s of system time on this project's
machine).  :class:`PairWeights` keeps the pairs; :meth:`PairWeights.schedule`
gives the ordinary :class:`~etfsim.roll.schedule.RollSchedule` with the same
numbers, and :func:`~etfsim.roll.restrict` reads the pairs directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from etfsim._arrays import filled
from etfsim._numba import jit
from etfsim.curves.protocol import Curve
from etfsim.exceptions import DataError
from etfsim.roll.schedule import RollSchedule

__all__ = ["PairWeights"]


@jit
def _scatter_pairs(slots: np.ndarray, weights: np.ndarray, place: np.ndarray, out: np.ndarray) -> None:
    """``out[p, t, place[t, s]] = w`` for each pair ``(s, w)`` of path ``p`` on date ``t`` that ``place`` keeps.

    ``slots``, ``weights`` ``(2, dates, paths)``; ``place`` ``(dates, depth)``: each slot's column in ``out``
    (-1: left out); ``out`` ``(paths, dates, m)``, zeros where no pair lands.  A cell's two pairs sit on
    different slots (:class:`PairWeights` checks it), so no write overwrites another.
    """
    n_pairs, n, n_paths = slots.shape
    # sixteen paths at a time: each date's reads are one cache line of their slots, and the writes run
    # along sixteen paths' rows in date order (path by path, the reads strode a whole date apart)
    for lo in range(0, n_paths, 16):
        hi = min(lo + 16, n_paths)
        for t in range(n):
            for q in range(n_pairs):
                for p in range(lo, hi):
                    s = slots[q, t, p]
                    if s >= 0:
                        col = place[t, s]
                        if col >= 0:
                            out[p, t, col] = weights[q, t, p]


@dataclass(frozen=True, eq=False)
class PairWeights:
    """Quantity weights as two (slot, weight) pairs a path and date.

    Parameters
    ----------
    slots : (2, dates, paths) int32
        The slot of each pair (-1: none); the two slots of a cell differ.
    weights : (2, dates, paths) float64
        Its quantity weight (0 where there is none).
    invested, rolling : (dates,) bool
        As :class:`~etfsim.roll.schedule.RollSchedule`'s.
    rule : str
    params : mapping
    """

    slots: np.ndarray
    weights: np.ndarray
    invested: np.ndarray
    rolling: np.ndarray
    rule: str
    params: Mapping[str, Any]

    def __post_init__(self) -> None:
        s, w = self.slots, self.weights
        if s.ndim != 3 or s.shape[0] != 2 or w.shape != s.shape:
            raise DataError(f"pairs must be two (slots, weights) of the same (2, dates, paths) shape, got {s.shape}")
        # what held() and gather() rely on: a weight sits on a slot, and a cell's second pair on another slot
        if (w[s < 0] != 0).any():
            raise DataError(f"rule {self.rule}: a pair without a slot has a weight")
        second = s[1] >= 0
        if (s[0][second] < 0).any() or (s[0][second] == s[1][second]).any():
            raise DataError(f"rule {self.rule}: a cell's second pair must sit on a slot the first does not")

    @staticmethod
    def empty(n_dates: int, n_paths: int) -> tuple[np.ndarray, np.ndarray]:
        """Slots (-1) and weights (0) for a rule to fill, date rows first (a date's paths side by side)."""
        return np.full((2, n_dates, n_paths), -1, dtype=np.int32), np.zeros((2, n_dates, n_paths))

    @property
    def n_paths(self) -> int:
        return int(self.slots.shape[2])

    def held(self, depth: int) -> np.ndarray:
        """``(dates, depth)``: slots weighted on some path (what ``(weights > 0).any(axis=0)`` is densely)."""
        need = np.zeros((self.slots.shape[1], depth), dtype=bool)
        for s, w in zip(self.slots, self.weights, strict=True):
            weighted = w > 0
            need[np.nonzero(weighted)[0], s[weighted]] = True
        return need

    def gather(self, sel: np.ndarray) -> np.ndarray:
        """``(paths, dates, m)`` weights on the slots ``sel`` ``(dates, m)`` (-1: padding, weight 0).

        A pair whose slot ``sel`` leaves out has weight 0 (``sel`` holds every slot
        weighted on some path), so it is left out too.
        """
        n, m = sel.shape
        depth = max(int(self.slots.max()) + 1, int(sel.max()) + 1, 1)
        place = np.full((n, depth), -1, dtype=np.int64)  # the column of each slot in sel, by date
        rows, cols = np.nonzero(sel >= 0)
        place[rows, sel[rows, cols]] = cols
        out = np.zeros((self.n_paths, n, m))
        # one pass in numba: the index arithmetic of the same scatter in numpy took 0.2 s on 500 paths
        _scatter_pairs(self.slots, self.weights, place, out)
        return out

    def schedule(self, curve: Curve) -> RollSchedule:
        """The dense schedule on ``curve`` (checked as any new one)."""
        p, n, k = self.n_paths, curve.n_dates, curve.depth
        w = filled((p, n, k))
        for s, x in zip(self.slots, self.weights, strict=True):
            path, t = np.nonzero(s.T >= 0)
            w[path, t, s.T[path, t]] = x.T[path, t]
        return RollSchedule.for_curve(curve, w, self.invested, self.rolling, self.rule, self.params)
