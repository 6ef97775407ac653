"""A curve that keeps only its factor paths and prices contracts on demand.

A factor model gives every futures price in closed form from two factor values
and a maturity, so a Monte Carlo curve need not hold the whole
``(paths, dates, depth)`` cube: a front-month fund touches two contracts a day,
not twenty-four.  :class:`ModelCurve` offers the listing (dates, contracts,
expiries), the spot and the factors; :func:`etfsim.roll.restrict` prices only
the slots a roll schedule touches (``price_slots``) and returns an ordinary,
shallow :class:`FuturesCurve` with the matching schedule, so every later stage
runs unchanged on a few columns instead of twenty-four.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from etfsim._numba import readonly
from etfsim._results import html_table
from etfsim._typing import Float64Array
from etfsim.curves import kernels
from etfsim.curves.arrivals import ArrivalHazard
from etfsim.curves.curve import (
    FuturesCurve,
    check_first_path,
    curve_summary,
    plot_snapshot,
    row_on,
    selected_paths,
    share_in_contango,
    snapshot_frame,
)
from etfsim.exceptions import ConfigError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from etfsim.curves.simulate import PricingPlan

__all__ = ["ModelCurve"]


def _writable(out: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``out`` if the kernels can write prices of ``shape`` into it, else a ConfigError naming what it must be."""
    if out.shape != shape or out.dtype != np.float64 or not out.flags.c_contiguous or not out.flags.writeable:
        raise ConfigError(
            f"out must be a writable C-contiguous float64 array shaped {shape}, got {out.dtype} {out.shape}"
        )
    return out


@dataclass(frozen=True, eq=False)
class ModelCurve:
    """Factor paths of a closed-form model, with the listing and the pricing plan.

    It satisfies :class:`~etfsim.curves.protocol.Curve` as a :class:`FuturesCurve`
    does (the listing, the spot, ``metadata`` and ``first_path``, the front two
    slots, prices on some dates), so roll rules run on it directly; ``prices``
    builds the full cube (costly) and :meth:`price_slots` only the slots a schedule
    needs (see :func:`etfsim.roll.restrict`).

    With a priced regime (the plan's ``regimes > 1``), ``regime`` holds each
    path's regime at each close and every price reads that regime's
    coefficients; :meth:`select_paths` keeps it with the factors.
    """

    dates: np.ndarray
    contracts: np.ndarray
    expiries: np.ndarray
    chi: np.ndarray  # (paths, dates)
    xi: np.ndarray  # (paths, dates)
    spot: np.ndarray  # (paths, dates)
    plan: PricingPlan
    spot0: float
    metadata: Mapping[str, Any] = field(default_factory=dict)
    held: None = None
    first_path: int = 0  # index of path 0 in the run (see FuturesCurve)
    regime: np.ndarray | None = None  # (paths, dates) int64 regime at each close; futures condition on it
    # successors launching at a random month: prices before their launch carry its hazard (None: none)
    arrivals: ArrivalHazard | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_path", check_first_path(self.first_path))
        if self.regime is not None:
            reg = np.asarray(self.regime)
            if reg.shape != np.shape(self.chi) or not np.issubdtype(reg.dtype, np.integer):
                raise ConfigError(
                    f"regime must be whole numbers shaped like chi {np.shape(self.chi)} (the regime at each close), "
                    f"got {reg.dtype} {reg.shape}"
                )
            if reg.size and (reg.min() < 0 or reg.max() >= self.plan.regimes) and self.plan.regimes > 1:
                raise ConfigError(f"regime values must be between 0 and {self.plan.regimes - 1}, the plan's regimes")
            object.__setattr__(self, "regime", np.ascontiguousarray(reg, dtype=np.int64))
        elif self.plan.regimes > 1:
            raise ConfigError(
                "regime: this curve's pricing plan conditions on the regime; pass the regime path (paths, dates) as regime="
            )

    def _regime_of(self, rows: Any = slice(None)) -> np.ndarray | None:
        """The regime path the kernels read on some dates, or None when the plan has no regime axis."""
        if self.plan.regimes == 1 or self.regime is None:
            return None
        return np.ascontiguousarray(self.regime[:, rows])

    @property
    def n_paths(self) -> int:
        return int(self.chi.shape[0])

    @property
    def n_dates(self) -> int:
        return int(self.chi.shape[1])

    @property
    def depth(self) -> int:
        return int(self.contracts.shape[1])

    @cached_property
    def spot_cum(self) -> np.ndarray:
        """``(paths, dates + 1)`` running sums of the spot index (monthly-average fixings), computed once."""
        cum = np.empty((self.n_paths, self.n_dates + 1))
        kernels.running_sums(readonly(np.ascontiguousarray(self.spot, dtype=np.float64)), cum)
        cum.setflags(write=False)
        return cum

    def price_slots(self, sel: np.ndarray, out: np.ndarray | None = None, only_selected: bool = False) -> np.ndarray:
        """Prices ``(paths, dates, m)`` of the slots ``sel`` ``(dates, m)`` (-1: none, NaN).

        ``out``: a C-contiguous float64 array of that shape to write them into (every
        cell is written), so that a family summing its legs reuses one array.
        ``only_selected``: write only the cells ``sel`` selects where a contract is
        listed and leave the rest of ``out`` as it holds them (a market fills one
        array block by block); needs ``out``.
        """
        if only_selected and out is None:
            raise ConfigError("only_selected: give the array to write into as out=")
        n, m = sel.shape
        rows = np.arange(n)[:, None]
        safe = np.where(sel >= 0, sel, 0)
        out = np.empty((self.n_paths, n, m)) if out is None else _writable(out, (self.n_paths, n, m))
        plan = self.plan
        regime = self._regime_of()
        floor = None if plan.floor is None else np.where(sel >= 0, plan.floor[rows, safe], 0.0)
        if plan.avg is None:  # final settlement
            a = np.where(sel >= 0, plan.a[rows, safe], 0.0)
            c = np.where(sel >= 0, plan.c[..., rows, safe], np.nan)  # a regime axis, if any, kept whole
            kernels.price_final(
                self.chi, self.xi, np.ascontiguousarray(a), np.ascontiguousarray(c), out, regime, floor, only_selected
            )
        else:
            avg = plan.avg.at((rows, safe))
            avg = replace(avg, listed=avg.listed & (sel >= 0))
            avg.price(self.chi, self.xi, self.spot_cum, self.spot0, out, regime, floor, only_selected)
        if self.arrivals is not None:  # scales only the cells a hazard moves: the others keep their bits
            self.arrivals.apply(out, np.arange(n), sel, floor)
        return out

    @property
    def adds_prices(self) -> bool:
        """Whether :meth:`add_prices` can add this curve's prices in the pricing kernel (monthly average, no hazard)."""
        return self.plan.avg is not None and self.arrivals is None

    def add_prices(self, sel: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
        """``out += weight * nan_to_num(prices)`` of the slots ``sel`` ``(dates, m)``, listed cells only.

        What a family does with each of its legs (:func:`etfsim.curves.market_kernels.add_weighted`
        on :meth:`price_slots`), the same numbers, without an array of the leg's prices: each
        cell's price is added as it is worked out.  Needs :attr:`adds_prices`.
        """
        if not self.adds_prices:
            raise ConfigError("add_prices: this curve's prices cannot be added in the kernel; use price_slots")
        n, m = sel.shape
        out = _writable(out, (self.n_paths, n, m))
        rows = np.arange(n)[:, None]
        safe = np.where(sel >= 0, sel, 0)
        plan = self.plan
        floor = None if plan.floor is None else np.where(sel >= 0, plan.floor[rows, safe], 0.0)
        assert plan.avg is not None  # for the type checker: adds_prices says so
        avg = plan.avg.at((rows, safe))
        avg = replace(avg, listed=avg.listed & (sel >= 0))
        w = readonly(np.ascontiguousarray(weight, dtype=np.float64))
        avg.price(self.chi, self.xi, self.spot_cum, self.spot0, out, self._regime_of(), floor, True, w)

    def price_rows(self, rows: Sequence[int] | np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Prices ``(paths, len(rows), depth)`` of every listed contract on some dates only.

        A rule that reads prices on a few decision dates (optimum yield: one a
        month) needs no more; the full cube costs ``dates / len(rows)`` times as much.
        ``out``: an array to write them into, as :meth:`price_slots`.
        """
        r = np.asarray(rows, dtype=np.int64)
        plan, depth = self.plan, self.depth
        listed = np.asarray(self.contracts)[r] != ""
        out = np.empty((self.n_paths, len(r), depth)) if out is None else _writable(out, (self.n_paths, len(r), depth))
        chi, xi = np.ascontiguousarray(self.chi[:, r]), np.ascontiguousarray(self.xi[:, r])
        regime = self._regime_of(r)
        floor = None if plan.floor is None else np.where(listed, plan.floor[r], 0.0)
        if plan.avg is None:  # final settlement
            a = np.where(listed, plan.a[r], 0.0)
            c = np.where(listed, plan.c[..., r, :], np.nan)
            kernels.price_final(chi, xi, np.ascontiguousarray(a), np.ascontiguousarray(c), out, regime, floor)
            return self._with_arrivals(out, r, listed, floor)
        avg = plan.avg.at(r)
        # the kernel reads fixings as cum[row + 1] - cum[first fixed day]: give each its own column
        cum = self.spot_cum
        fixed_rows, fixed_slots = np.nonzero(avg.first_fixed >= 0)
        local = np.zeros((self.n_paths, 1 + len(r) + len(fixed_rows)))
        local[:, 1 : 1 + len(r)] = cum[:, r + 1]
        first = np.full_like(avg.first_fixed, -1)
        for c_, (i, k) in enumerate(zip(fixed_rows, fixed_slots, strict=True)):
            local[:, 1 + len(r) + c_] = cum[:, avg.first_fixed[i, k]]
            first[i, k] = 1 + len(r) + c_
        avg = replace(avg, listed=avg.listed & listed, first_fixed=first)
        # read-only local fixings: one compiled type of the kernel
        avg.price(chi, xi, readonly(local), self.spot0, out, regime, floor)
        return self._with_arrivals(out, r, listed, floor)

    def _with_arrivals(
        self, out: np.ndarray, rows: np.ndarray, listed: np.ndarray, floor: np.ndarray | None
    ) -> np.ndarray:
        """``out`` (prices of every slot on ``rows``) with the hazard of random successors, if any."""
        if self.arrivals is not None:
            slots = np.where(listed, np.arange(self.depth)[None, :], -1)
            self.arrivals.apply(out, rows, slots, floor)
        return out

    @property
    def prices(self) -> np.ndarray:
        """The full ``(paths, dates, depth)`` cube (prices every listed contract)."""
        sel = np.broadcast_to(np.arange(self.depth), (self.n_dates, self.depth))
        sel = np.where(np.asarray(self.contracts) != "", sel, -1)
        return self.price_slots(sel)

    def select_paths(self, paths: Sequence[int]) -> ModelCurve:
        """The same curve on some paths only (their factor paths, nothing priced).

        ``first_path`` follows the first path chosen, as :meth:`FuturesCurve.select_paths`.
        """
        idx = selected_paths(self.n_paths, list(paths))
        regime = None if self.regime is None else self.regime[idx]
        arrivals = None if self.arrivals is None else self.arrivals.select(idx)
        return replace(
            self,
            chi=self.chi[idx],
            xi=self.xi[idx],
            spot=self.spot[idx],
            first_path=self.first_path + int(idx[0]),
            regime=regime,
            arrivals=arrivals,
        )

    def front_two(self) -> np.ndarray:
        """Prices ``(paths, dates, 2)`` of the front and second contracts (the curve's shape at the short end)."""
        sel = np.tile(np.array([0, 1]), (self.n_dates, 1))
        listed = np.full((self.n_dates, 2), False)
        listed[:, : min(self.depth, 2)] = np.asarray(self.contracts)[:, :2] != ""
        return self.price_slots(np.where(listed, sel, -1))

    def contango_share(self) -> Float64Array:
        """Per path: the share of dates on which the second contract is dearer than the front (NaN if none)."""
        return share_in_contango(self.front_two())

    def term_structure_state(self) -> dict[str, float]:
        """Share of path-dates in contango and backwardation, as :meth:`FuturesCurve.term_structure_state`."""
        if self.depth < 2:
            return {"contango": float("nan"), "backwardation": float("nan"), "flat": float("nan")}
        f = self.front_two()
        shallow = FuturesCurve(self.dates, f, np.asarray(self.contracts)[:, :2], np.asarray(self.expiries)[:, :2])
        return shallow.term_structure_state()

    def snapshot(self, date: object | None = None, path: int = 0) -> pd.DataFrame:
        """The curve on one date (default: the last) for one path, as :meth:`FuturesCurve.snapshot`."""
        (p,) = selected_paths(self.n_paths, path)
        i = row_on(self.dates, date)
        prices = self.select_paths([int(p)]).price_rows(np.array([i]))[0, 0]
        return snapshot_frame(np.asarray(self.contracts)[i], np.asarray(self.expiries)[i], prices)

    def summary(self) -> str:
        """A few lines: shape, dates, source and the contango/backwardation split (front two slots priced)."""
        return curve_summary(self, "ModelCurve (factor paths, prices on demand)")

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<ModelCurve paths={self.n_paths} dates={self.n_dates} depth={self.depth}>"

    def _repr_html_(self) -> str:
        """A notebook shows the curve's last date: contract, expiry and price on path 0."""
        return html_table(repr(self), self.snapshot(path=0))

    def plot(self, path: int = 0, date: object | None = None, ax: Axes | None = None) -> Axes:
        """Futures prices by contract on one date for one path, as :meth:`FuturesCurve.plot`."""
        return plot_snapshot(self, path, date, ax)

    def to_curve(self) -> FuturesCurve:
        """The same curve with every price materialised."""
        prices = self.prices
        prices.setflags(write=False)
        return FuturesCurve(
            self.dates, prices, self.contracts, self.expiries, self.spot, None, self.metadata, self.first_path
        )
