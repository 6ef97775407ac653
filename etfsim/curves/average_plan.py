"""Monthly-average settlement's pricing coefficients: for every cell of the grid, or for the cells asked for.

A contract that settles on the average of its delivery month is priced cell by
cell, each (date, slot) from coefficients of its own (its unfixed delivery days'
weights and their moments, :func:`etfsim.curves.kernels.price_monthly_average`).
:func:`monthly_average_plan` works them out for every cell of the grid: ten
years of a 24-deep curve under a three-regime chain is 60 MB and 0.85 s.
:class:`AveragePlanCells` works them out for the cells a curve is asked to
price, and keeps them: a Monte Carlo chunk of the GSCI-style roll prices two
slots a date, a twelfth of the cells, and every chunk asks for the same ones.

Both come from one function over a mask of cells.  What a cell's numbers are
made of (the time to each of its delivery days, the month's seasonality and
day count) is that cell's alone, and every sum runs along the cell's own days,
so a cell has the same bits whichever other cells are worked out with it
(``tests/curves/test_average_plan.py``).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from etfsim._typing import BoolArray, DateArray, Float64Array, Int64Array
from etfsim.contracts.calendars import act365_year_fractions
from etfsim.contracts.spec import ContractSpec, Listing
from etfsim.curves import kernels
from etfsim.curves.delivery_months import MonthGroup, month_groups
from etfsim.curves.overlays import regime_log_factor
from etfsim.exceptions import ConfigError

if TYPE_CHECKING:
    from etfsim.curves.schwartz import SchwartzSmith

__all__ = ["AveragePlanCells", "MonthlyAveragePlan", "log_regime", "monthly_average_plan", "regime_path"]

MAX_DELIVERY_DAYS = 23
"""Business days a delivery month may have (the kernel's fixed width)."""


def regime_path(regime: np.ndarray | None, chi: np.ndarray) -> np.ndarray:
    """The regime path that prices with a regime axis need, checked against the factor paths ``chi``."""
    if regime is None:
        raise ConfigError("regime: these prices condition on the regime; pass its path (paths, dates) as regime=")
    if regime.shape != chi.shape or regime.dtype != np.int64:
        raise ConfigError(f"regime must be int64 shaped like chi {chi.shape}, got {regime.dtype} {regime.shape}")
    return regime


def log_regime(model: SchwartzSmith, max_days: int) -> Float64Array | None:
    """``ln W_r`` by calendar days to maturity, or None without a priced regime."""
    regime = model.overlays.pricing_regime
    return None if regime is None else regime_log_factor(model.kappa, regime, max(int(max_days), 0))


@dataclass(frozen=True)
class MonthlyAveragePlan:
    """Coefficients of monthly-average settlement per (date, slot), in the order the kernel takes them.

    With a priced regime, ``moments`` and ``day_w`` carry a leading regime axis
    (the forward of each delivery day depends on today's regime); the rest
    depend on maturities only.  See :func:`etfsim.curves.kernels.price_monthly_average`
    for what each one is.
    """

    listed: BoolArray  # (n, depth) a contract sits in the slot
    n_days: Float64Array  # (n, depth) business days in the delivery month
    first_fixed: Int64Array  # (n, depth) grid index of the first delivery day fixed on the grid, -1 if none
    pre_fixed: Float64Array  # (n, depth) delivery days fixed before the grid starts
    abar: Float64Array  # (n, depth) mean of a_d over the unfixed days
    dmax: Float64Array  # (n, depth) max |a_d - abar|
    moments: Float64Array  # ([regimes,] n, depth, terms) sum_d w_d (a_d - abar)^j / j!
    # the days, for the cells whose series would not converge: zero days wide when not kept (see ``source``)
    day_a: Float64Array  # (n, depth, days) a_d = exp(-kappa tau_d) of the unfixed days
    day_w: Float64Array  # ([regimes,] n, depth, days) w_d = exp(A(tau_d) + s(d) + ln W_r(tau_d)) / N, 0 if fixed
    # where the days not kept come from, when a price needs them (None: kept, or none needed)
    source: DaySource | None = field(default=None, repr=False, compare=False)

    @property
    def regimes(self) -> int:
        """Regimes the weights are given for (1: no priced regime, no regime axis)."""
        return int(self.moments.shape[0]) if self.moments.ndim == 4 else 1

    @property
    def keeps_days(self) -> bool:
        """Whether ``day_a`` and ``day_w`` are here (else they are worked out from ``source`` when needed)."""
        return self.day_a.shape[-1] > 0 or self.source is None

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The coefficients as the kernel's positional arguments after ``spot0``."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "source")

    def with_days(self) -> MonthlyAveragePlan:
        """The same cells with ``day_a`` and ``day_w`` (worked out now if not kept)."""
        if self.keeps_days:
            return self
        assert self.source is not None  # keeps_days says so
        full = self.source.plan()
        return replace(self, day_a=full.day_a, day_w=full.day_w, source=None)

    def at(self, index: Any) -> MonthlyAveragePlan:
        """The coefficients of some (date, slot) cells: each array indexed by ``index``, contiguous.

        ``index`` selects dates (and slots); a regime axis is kept whole.
        """
        cells = index if isinstance(index, tuple) else (index,)
        picked = _pick(self, self.regimes > 1, lambda a: a[cells], lambda a: a[(slice(None), *cells)])
        return picked if self.source is None else replace(picked, source=_PickedDays(self.source, cells))

    def needs_days(self, chi: np.ndarray) -> bool:
        """Whether pricing these cells on the factor paths ``chi`` sums some cell's days one by one.

        The kernel does where ``|chi| dmax`` is over ``EXPANSION_LIMIT`` (or NaN) on a path; the
        largest ``|chi|`` of each date over the paths bounds every path's product (a product of
        floats grows with either factor), so no cell the kernel sums is missed.
        """
        if chi.shape[0] == 0 or not self.listed.any():
            return False
        # max |chi| of each date, exactly, without a (paths, dates) array of |chi|; NaN where a path is NaN,
        # which the kernel also sums day by day
        top = np.maximum(chi.max(axis=0), -chi.min(axis=0))
        return bool((self.listed & ~(top[:, None] * self.dmax <= kernels.EXPANSION_LIMIT)).any())

    def price(
        self,
        chi: np.ndarray,
        xi: np.ndarray,
        spot_cum: np.ndarray,
        spot0: float,
        out: np.ndarray,
        regime: np.ndarray | None = None,
        floor: np.ndarray | None = None,
        keep: bool = False,
        weight: np.ndarray | None = None,
    ) -> None:
        """Prices of these cells into ``out`` (:func:`etfsim.curves.kernels.price_monthly_average`).

        ``regime`` (paths, dates) is needed when the plan has a regime axis, and
        ignored otherwise; ``floor`` is the floor part of these cells
        (:attr:`PricingPlan.floor`), ``None`` without a floor; ``keep``: leave
        the cells not listed as ``out`` holds them (else NaN); ``weight``: add
        ``weight`` times the prices into ``out`` instead of writing them.
        """
        reg = regime_path(regime, chi) if self.regimes > 1 else None
        plan = self if self.keeps_days or not self.needs_days(chi) else self.with_days()
        kernels.price_monthly_average(
            chi, xi, spot_cum, spot0, plan.listed, plan.n_days, plan.first_fixed, plan.pre_fixed, plan.abar,
            plan.dmax, plan.moments, plan.day_a, plan.day_w, out, reg, floor, keep, weight,
        )  # fmt: skip


class DaySource:
    """Where a plan's days come from when it does not keep them: its cells' plan with the days, worked out once."""

    def __init__(self) -> None:
        self._plan: MonthlyAveragePlan | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        state["_plan"] = None  # worked out again where needed, not sent
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def plan(self) -> MonthlyAveragePlan:
        """The cells' plan with ``day_a`` and ``day_w``, kept once worked out."""
        with self._lock:
            if self._plan is None:
                self._plan = self._work_out()
            return self._plan

    def _work_out(self) -> MonthlyAveragePlan:
        raise NotImplementedError


class _GridDays(DaySource):
    """The days of every cell of a grid (:func:`monthly_average_plan` with them)."""

    def __init__(
        self, model: SchwartzSmith, contract: ContractSpec, days: DateArray, listing: Listing, listed: BoolArray
    ) -> None:
        super().__init__()
        self._args = (model, contract, days, listing, listed)

    def _work_out(self) -> MonthlyAveragePlan:
        model, contract, days, listing, listed = self._args
        plan = monthly_average_plan(model, contract, days, listing, listed, keep_days=True)
        for arr in plan.arrays():
            arr.setflags(write=False)
        return plan


class _PickedDays(DaySource):
    """The days of some cells of another source's plan (:meth:`MonthlyAveragePlan.at`)."""

    def __init__(self, parent: DaySource, cells: tuple[Any, ...]) -> None:
        super().__init__()
        self._parent, self._cells = parent, cells

    def _work_out(self) -> MonthlyAveragePlan:
        return self._parent.plan().at(self._cells)


def _pick(
    plan: MonthlyAveragePlan,
    regime_axis: bool,
    plain: Callable[[np.ndarray], np.ndarray],
    per_regime: Callable[[np.ndarray], np.ndarray],
) -> MonthlyAveragePlan:
    """Each array of ``plan`` through ``plain``, or ``per_regime`` for those with a leading regime axis; contiguous."""
    with_axis = {"moments", "day_w"} if regime_axis else set()
    names = [f.name for f in fields(plan) if f.name != "source"]
    picked = [
        np.ascontiguousarray(per_regime(a) if name in with_axis else plain(a))
        for name, a in zip(names, plan.arrays(), strict=True)
    ]
    listed, n_days, first_fixed, pre_fixed, abar, dmax, moments, day_a, day_w = picked
    return MonthlyAveragePlan(listed, n_days, first_fixed, pre_fixed, abar, dmax, moments, day_a, day_w)


def monthly_average_plan(
    model: SchwartzSmith,
    contract: ContractSpec,
    days: DateArray,
    listing: Listing,
    listed: BoolArray,
    keep_days: bool = True,
) -> MonthlyAveragePlan:
    """Every cell's coefficients, ``(n, depth)`` arrays (see the module docstring).

    ``keep_days=False`` leaves out ``day_a`` and ``day_w`` (zero days wide), which only a cell
    whose series would not converge reads: a plan then works them out for the whole grid the
    first time a price needs them (:meth:`MonthlyAveragePlan.price`), the same numbers.  On the
    default market no price ever does, and the seven legs' days were 289 MB.

    Raises
    ------
    ConfigError
        If a delivery month has more than ``MAX_DELIVERY_DAYS`` business days.
    """
    n, depth = listed.shape
    flat = _cells(model, contract, days, listing, listed, np.ones(listed.shape, dtype=bool), keep_days=keep_days)
    plan = _pick(
        flat,
        model.overlays.pricing_regime is not None,
        lambda a: a.reshape((n, depth) + a.shape[1:]),
        lambda a: a.reshape((a.shape[0], n, depth) + a.shape[2:]),
    )
    return plan if keep_days else replace(plan, source=_GridDays(model, contract, days, listing, listed))


class AveragePlanCells:
    """Monthly-average coefficients worked out for the cells asked for, and kept by those cells.

    :meth:`at` answers as :meth:`MonthlyAveragePlan.at` of the whole grid's plan
    would, with the same numbers, working out only the cells in ``index``.  The
    answers for the last ``keep`` different indices are kept (a curve's chunks
    ask for one; a study's strategies for a few); threads may ask at once.
    """

    def __init__(
        self,
        model: SchwartzSmith,
        contract: ContractSpec,
        days: DateArray,
        listing: Listing,
        listed: BoolArray,
        keep: int = 8,
    ) -> None:
        self._args = (model, contract, np.asarray(days, dtype="datetime64[D]"), listing, listed)
        regime = model.overlays.pricing_regime
        self._axis = regime is not None  # moments and day_w carry a leading regime axis
        self.regimes = 1 if regime is None else len(regime.levels)
        self._keep = keep
        self._kept: OrderedDict[bytes, MonthlyAveragePlan] = OrderedDict()
        self._lock = threading.Lock()
        # the grid's delivery months, once (a month too long for the kernel is refused here, as the whole plan does)
        self._groups = _groups(contract, listing, listed)

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (a curve sent to another process): the lock is made anew, the kept cells travel."""
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def at(self, index: Any) -> MonthlyAveragePlan:
        """The coefficients of the cells ``index`` selects (dates, or dates and slots), contiguous.

        Raises
        ------
        IndexError
            If an index is not an integer array or falls outside the grid.
        """
        listed = self._args[-1]
        n, depth = listed.shape
        cells = index if isinstance(index, tuple) else (index,)
        for c in cells:
            if np.asarray(c).dtype.kind not in "iu":
                raise IndexError(f"cells are selected by integer arrays of dates and slots, got {np.asarray(c).dtype}")
        if len(cells) == 1:  # whole dates: every slot of each
            t, s = np.asarray(cells[0], dtype=np.int64).reshape(-1)[:, None], np.arange(depth, dtype=np.int64)[None, :]
        else:
            t, s = (np.asarray(c, dtype=np.int64) for c in cells)
        for x, size, what in ((t, n, "date"), (s, depth, "slot")):
            if x.size and (x.min() < -size or x.max() >= size):
                raise IndexError(f"a {what} index is outside 0..{size - 1} (or -{size}..-1)")
        t, s = np.broadcast_arrays(np.where(t < 0, t + n, t), np.where(s < 0, s + depth, s))
        flat = t * depth + s
        key = np.asarray(flat.shape, dtype=np.int64).tobytes() + flat.tobytes()
        with self._lock:
            hit = self._kept.get(key)
        if hit is not None:
            return hit
        want = np.zeros(n * depth, dtype=bool)
        want[flat.ravel()] = True
        rank = np.cumsum(want) - 1  # each wanted cell's row in the worked-out arrays (grid order)
        worked = _cells(*self._args, want.reshape(n, depth), self._groups)
        pos = rank[flat]
        picked = _pick(worked, self._axis, lambda a: a[pos], lambda a: a[:, pos])
        for arr in picked.arrays():
            arr.setflags(write=False)  # shared by every chunk that asks for these cells
        with self._lock:
            self._kept[key] = picked
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)
        return picked


def _groups(contract: ContractSpec, listing: Listing, listed: BoolArray) -> list[MonthGroup]:
    groups = month_groups(contract, listing, listed)
    for grp in groups:
        if grp.month_days.shape[1] > MAX_DELIVERY_DAYS:
            ym = str(grp.month_days[0, 0])[:7].replace("-", "")
            raise ConfigError(
                f"delivery month {ym} has {grp.month_days.shape[1]} business days; "
                f"at most {MAX_DELIVERY_DAYS} are supported"
            )
    return groups


def _cells(
    model: SchwartzSmith,
    contract: ContractSpec,
    days: DateArray,
    listing: Listing,
    listed: BoolArray,
    want: BoolArray,
    groups: list[MonthGroup] | None = None,
    keep_days: bool = True,
) -> MonthlyAveragePlan:
    """The coefficients of the cells ``want`` marks, one row a cell in grid order (date, then slot).

    Per contract, its delivery days (``groups``: the grid's delivery months, if already grouped);
    per cell, the unfixed days' weights (``day_a`` and ``day_w`` zero days wide unless ``keep_days``).
    """
    terms = kernels.EXPANSION_TERMS
    groups = _groups(contract, listing, listed) if groups is None else groups
    # the regime's table runs to the grid's last delivery day whichever cells are wanted: one table, kept
    last = max((g.month_days[:, -1].max() for g in groups if g.month_days.shape[1]), default=days[0])
    log_reg = log_regime(model, int((last - days[0]).astype(np.int64)))
    reg = () if log_reg is None else (log_reg.shape[0],)
    cells = int(want.sum())
    row_of = np.full(want.shape, -1, dtype=np.int64)
    row_of[want] = np.arange(cells)
    n_days = np.ones(cells, dtype=np.float64)
    first_fixed = np.full(cells, -1, dtype=np.int64)
    pre_fixed = np.zeros(cells, dtype=np.float64)
    abar = np.zeros(cells)
    dmax = np.zeros(cells)
    moments = np.zeros(reg + (cells, terms))
    width = MAX_DELIVERY_DAYS if keep_days else 0
    day_a = np.zeros((cells, width))
    day_w = np.zeros(reg + (cells, width))
    factorial = np.array([math.factorial(j) for j in range(terms)], dtype=np.float64)
    for grp in groups:
        mine = want[grp.rows, grp.slots]
        if not mine.any():
            continue
        rows, month = grp.rows[mine], grp.month[mine]
        at_row = row_of[rows, grp.slots[mine]]
        dd = grp.month_days[month]
        nd = dd.shape[1]
        # what depends on the time to a delivery day only, once per whole number of days: ACT/365 maturities
        # take a few thousand values, the (cells, nd) table a million
        gap = (dd - days[rows][:, None]).astype(np.int64)
        lo = int(gap.min(initial=0))
        at = gap - lo
        tau = act365_year_fractions(days[:1], days[0] + np.arange(lo, int(gap.max(initial=0)) + 1))
        unfixed = gap > 0
        a_d = np.where(tau > 0, np.exp(-model.kappa * np.maximum(tau, 0.0)), 0.0)[at]
        season = model.overlays.seasonal(grp.month_days)[month]
        log_w = model.A(np.maximum(tau, 0.0))[at] + season - math.log(nd)
        if log_reg is not None:  # (regimes, cells, nd): today's regime sets each day's forward
            # gathered by np.take, once per maturity and then per cell: indexing log_reg[:, index] with the
            # (cells, nd) index took five times as long (0.23 s of a market's seven plans)
            by_tau = np.take(log_reg, np.where(tau > 0, np.rint(tau * 365.0), 0).astype(np.int64), axis=1)
            log_w = log_w[None] + np.take(by_tau, at, axis=1)
        w_d = np.where(unfixed, np.exp(log_w), 0.0)
        n_unfixed = unfixed.sum(axis=1)
        ab = np.where(n_unfixed > 0, a_d.sum(axis=1) / np.maximum(n_unfixed, 1), 0.0)
        delta = np.where(unfixed, a_d - ab[:, None], 0.0)
        n_days[at_row] = nd
        abar[at_row] = ab
        dmax[at_row] = np.abs(delta).max(axis=1, initial=0.0)
        # sum_d w_d delta_d^j / j! cell by cell: the (regimes, cells, days, terms) products are never stored
        w3 = w_d if log_reg is not None else w_d[None]
        mom = np.empty((w3.shape[0], len(rows), terms))
        kernels.average_moments(w3, delta, factorial, mom)
        moments[..., at_row, :] = mom if log_reg is not None else mom[0]
        if keep_days:
            day_a[at_row, :nd] = a_d
            day_w[..., at_row, :nd] = w_d
        # fixings already known at the close of each date: on the grid, or before it starts
        n_fixed = nd - n_unfixed
        before = (grp.month_days < days[0]).sum(axis=1)  # delivery days before the grid (a prefix: days ascend)
        on_grid = np.searchsorted(days, grp.month_days)  # grid index of each delivery day (same calendar)
        first_on_grid = np.where(before < nd, on_grid[np.arange(len(before)), np.minimum(before, nd - 1)], -1)
        pre_fixed[at_row] = np.minimum(n_fixed, before[month])
        first_fixed[at_row] = np.where(n_fixed > before[month], first_on_grid[month], -1)
    return MonthlyAveragePlan(listed[want], n_days, first_fixed, pre_fixed, abar, dmax, moments, day_a, day_w)
