"""Index levels: excess return, total return and spot.

A futures index holds *quantities* of contracts fixed at each close.  Its
**excess return** (ER) index is the value of that position marked from one
close to the next, as if it were fully collateralised but the collateral earned
nothing: only futures price moves count.  When the index rolls, it sells the
expiring contract and buys the next at the same value; no cash changes hands,
so a roll by itself does not move the ER index.  What rolling costs in contango
(or earns in backwardation) shows up over time as the held contract drifts
towards the spot price: the *term-structure contribution*.

The **total return** (TR) index adds the interest the collateral earns in
91-day Treasury bills, as the S&P GSCI does.  The **spot** index follows the
underlying (the GPU rental index, WTI spot) where the curve carries it.

:func:`compute_index` returns an :class:`IndexResult` with the three levels on
every path and date; its :meth:`~IndexResult.attribution` splits the returns
into spot, term structure and collateral (see :mod:`etfsim.index.attribution`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etfsim._numba import jit, readonly
from etfsim._results import Result
from etfsim._typing import DateArray, Float64Array, Int64Array, PathMatrix
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.protocol import Curve
from etfsim.exceptions import ConfigError, DataError
from etfsim.index import attribution as _attr
from etfsim.roll.schedule import RollSchedule, next_slot_map

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MISSING_CHOICES", "IndexResult", "compute_index", "fill_by_contract", "index_levels", "tbill_returns"]

MISSING_CHOICES = ("raise", "previous")
"""What :func:`compute_index` does with a missing print of a held contract."""

TBILL_DAYS = 91
"""Term of the Treasury bill the collateral earns (S&P GSCI: 91-day bills)."""

# Path chunks keep the temporaries of one chunk near this many float64 values
# (about 32 MB each), whatever the number of paths.
_CHUNK_ELEMENTS = 4_000_000


# -- small helpers ----------------------------------------------------------------------
def _day(dates: DateArray, t: int) -> str:
    """A date as text: ``2020-04-20`` at midnight, with the time otherwise."""
    return str(np.asarray(dates)[t])[:19].replace("T00:00:00", "").replace("T", " ")


def _on_path(n_paths: int, p: int) -> str:
    return f" on path {p}" if n_paths > 1 else ""


def check_same_listing(curve: Curve, schedule: RollSchedule) -> None:
    """Raise DataError unless ``schedule`` was built on ``curve``'s dates and slot map."""
    same = (
        len(schedule.dates) == curve.n_dates
        and np.array_equal(np.asarray(schedule.dates).astype("datetime64[ns]"), curve.dates)
        and np.shape(schedule.contracts) == curve.contracts.shape
        and bool((np.asarray(schedule.contracts) == curve.contracts).all())
    )
    if not same:
        raise DataError(
            f"the schedule of rule {schedule.rule!r} was built on another curve (its dates or slot map "
            "differ from this curve's); build it with the rule on this curve"
        )
    n_w = schedule.weights.shape[0]
    if n_w not in (1, curve.n_paths):
        raise DataError(
            f"the schedule has weights for {n_w} paths but the curve has {curve.n_paths}; "
            "a schedule holds one row of weights for all paths or one per path"
        )


@jit
def fill_by_contract(prices: np.ndarray, nxt: np.ndarray, out: np.ndarray) -> None:
    """Carry each contract's last valid price over its missing prints.

    ``out[p, t, s]`` is ``prices[p, t, s]`` or, where that is NaN, the filled
    price on ``t - 1`` of the same contract (found through ``nxt``, the
    :func:`~etfsim.roll.schedule.next_slot_map`).  A contract with no valid
    price yet stays NaN.  The fill follows the contract, not the slot: when the
    front expires, slot 1's history moves to slot 0.
    """
    n_paths, n, k = prices.shape
    for p in range(n_paths):
        for s in range(k):
            out[p, 0, s] = prices[p, 0, s]
        for t in range(1, n):
            for s in range(k):
                out[p, t, s] = prices[p, t, s]
            for s in range(k):
                j = nxt[t - 1, s]
                if j >= 0 and math.isnan(out[p, t, j]):
                    out[p, t, j] = out[p, t - 1, s]


def _check_rate(value: float, what: str) -> None:
    # a rate given in percent (5 for 5%) would make 1 - 91/360 * r negative
    if not (math.isfinite(value) and -1.0 < value < 1.0):
        raise ConfigError(
            f"{what} must be a yearly fraction between -1 and 1 (0.05 for a 5% T-bill rate), got {value!r}"
        )


def _collateral_rates(rate: float | pd.Series, dates: DateArray, start: int) -> Float64Array:
    """TBAR on each date (the rate the step *from* that date earns); NaN where no step needs it."""
    n = len(dates)
    out = np.full(n, np.nan)
    if isinstance(rate, pd.Series):
        try:
            values = pd.to_numeric(rate, errors="raise").to_numpy(np.float64)
            index = pd.DatetimeIndex(pd.to_datetime(rate.index)).to_numpy().astype("datetime64[ns]")
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"collateral_rate must be a Series of numbers indexed by date: {exc}") from exc
        keep = ~np.isnan(values) & ~np.isnat(index)  # forward-filling skips missing values
        values, index = values[keep], index[keep]
        if len(values) == 0:
            raise DataError("the collateral_rate series has no valid rate")
        order = np.argsort(index, kind="stable")
        values, index = values[order], index[order]
        pos = np.searchsorted(index, dates, side="right") - 1  # last rate on or before each date
        need = np.arange(start, n - 1)  # the steps after the first invested date
        if len(need) and pos[need[0]] < 0:
            raise DataError(
                f"the collateral_rate series starts on {_day(index, 0)} but the index needs a rate from "
                f"{_day(dates, int(need[0]))} (its first invested date); extend the series back"
            )
        out[need] = values[pos[need]]
        bad = need[~((out[need] > -1.0) & (out[need] < 1.0))]
        if len(bad):
            _check_rate(float(out[bad[0]]), f"collateral_rate on {_day(dates, int(bad[0]))}")
        return out
    if isinstance(rate, bool) or not isinstance(rate, Real):
        raise ConfigError(
            f"collateral_rate must be a number or a pandas Series of rates indexed by date, got {type(rate).__name__}"
        )
    _check_rate(float(rate), "collateral_rate")
    out[start : n - 1] = float(rate)
    return out


def tbill_returns(rates: Float64Array, dates: DateArray) -> Float64Array:
    """``TBR`` of each step ``t-1 -> t`` from the discount rate on ``t-1`` (length ``dates - 1``).

    ``TBR(t) = (1 / (1 - 91/360 * TBAR(t-1)))**(Delta_t / 91) - 1`` with
    ``Delta_t`` the calendar days between the two dates' calendar days, so
    intraday rows of one day earn nothing and a Friday-to-Monday step earns
    three days.
    """
    days = np.asarray(dates).astype("datetime64[D]")
    delta = np.diff(days).astype(np.float64)
    tbar = rates[:-1]
    with np.errstate(invalid="ignore"):
        return (1.0 / (1.0 - TBILL_DAYS / 360.0 * tbar)) ** (delta / TBILL_DAYS) - 1.0


# -- the step ratios --------------------------------------------------------------------
def _step_ratios(
    prices: np.ndarray,
    weights: np.ndarray,
    nxt: Int64Array,
    invested: np.ndarray,
    curve: FuturesCurve,
    first_path: int,
    missing: str,
) -> Float64Array:
    """``(paths, dates - 1)`` ER ratios ``sum q F(t) / sum q F(t-1)`` of one chunk of paths.

    ``weights`` is ``(1 or paths, dates, depth)``.  Steps from an uninvested
    date have ratio 1.  :func:`compute_index` uses the one-pass :func:`_levels`
    and comes here to name a step it cannot price (the tests hold the two equal).
    """
    n = prices.shape[1]
    num = np.empty((prices.shape[0], n - 1))
    den = np.empty_like(num)
    trouble = step_sums(prices, np.ascontiguousarray(weights), nxt, num, den)
    if trouble:
        _diagnose_held(prices, weights, nxt, curve, first_path, missing)
    return _ratios(num, den, prices, weights, invested, curve, first_path)


@jit
def step_sums(prices: np.ndarray, weights: np.ndarray, nxt: np.ndarray, num: np.ndarray, den: np.ndarray) -> bool:
    """``num[p, t-1] = sum_s q(t-1) F(t)`` and ``den[p, t-1] = sum_s q(t-1) F(t-1)`` over held slots.

    Visits only the slots with weight, so a front-month schedule costs two
    multiplications a day.  Returns True when a held contract leaves the curve
    or has no price, so the caller can say which (the slow path, on errors only).
    """
    n_paths, n, depth = prices.shape
    shared = weights.shape[0] == 1
    trouble = False
    for p in range(n_paths):
        wp = 0 if shared else p
        for i in range(n - 1):
            a = 0.0
            b = 0.0
            for s in range(depth):
                w = weights[wp, i, s]
                if w > 0.0:
                    j = nxt[i, s]
                    if j < 0:
                        trouble = True
                        continue
                    f_prev = prices[p, i, s]
                    f_cur = prices[p, i + 1, j]
                    if math.isnan(f_prev) or math.isnan(f_cur):
                        trouble = True
                        continue
                    a += w * f_cur
                    b += w * f_prev
            num[p, i] = a
            den[p, i] = b
    return trouble


@jit
def _levels(
    prices: np.ndarray,
    weights: np.ndarray,
    nxt: np.ndarray,
    invested: np.ndarray,
    tbr: np.ndarray,
    start: int,
    base: float,
    er: np.ndarray,
    tr: np.ndarray,
) -> bool:
    """ER and TR levels in one pass, the same products as ``base * cumprod`` of the step ratios.

    Returns False, leaving the levels unfinished, when a held contract leaves the
    curve or has no price, or a step's position is worth zero or less: the caller
    then takes the array path, which names the date and contract.  The sums
    repeat :func:`step_sums`' loop on purpose: a shared helper taking the arrays
    would cost two atomic reference-count updates a call (see etfsim/fund/ledger.py).
    """
    n_paths, n, depth = prices.shape
    shared = weights.shape[0] == 1
    for p in range(n_paths):
        wp = 0 if shared else p
        c_er = 1.0
        c_tr = 1.0
        for i in range(n - 1):
            a = 0.0
            b = 0.0
            for s in range(depth):
                w = weights[wp, i, s]
                if w > 0.0:
                    j = nxt[i, s]
                    if j < 0:
                        return False
                    f_prev = prices[p, i, s]
                    f_cur = prices[p, i + 1, j]
                    if math.isnan(f_prev) or math.isnan(f_cur):
                        return False
                    a += w * f_cur
                    b += w * f_prev
            ratio = 1.0
            if invested[i]:
                if b <= 0.0:
                    return False
                ratio = a / b
            if not math.isfinite(ratio):
                return False
            if i >= start:
                c_er = c_er * ratio
                c_tr = c_tr * (ratio + tbr[i])
                er[p, i + 1] = base * c_er
                tr[p, i + 1] = base * c_tr
    return True


def _diagnose_held(
    prices: np.ndarray, weights: np.ndarray, nxt: Int64Array, curve: FuturesCurve, first_path: int, missing: str
) -> None:
    """Raise the DataError that names the first held contract that left the curve or has no price."""
    dates, contracts = curve.dates, curve.contracts
    n_all = curve.n_paths
    n = prices.shape[1]
    held = weights[:, :-1, :] > 0  # (pw, n-1, k): what is held from close t-1
    listed_next = nxt >= 0

    lost = held & ~listed_next[None]
    if lost.any():
        p, i, s = (int(x) for x in np.argwhere(lost)[0])
        on = _on_path(n_all, first_path + p) if weights.shape[0] > 1 else ""  # shared: every path
        raise DataError(
            f"contract {contracts[i, s]} held at the close of {_day(dates, i)}{on} "
            f"is not on the curve on {_day(dates, i + 1)} (the next date); "
            "the rule must roll out of it by its last trading day"
        )

    f_prev = prices[:, :-1, :]
    rows = np.arange(n - 1)[:, None]
    f_cur = prices[:, rows + 1, np.where(listed_next, nxt, 0)]  # the same contracts on t
    f_cur = np.where(listed_next[None], f_cur, np.nan)

    bad_prev = held & np.isnan(f_prev)
    bad_cur = held & np.isnan(f_cur)
    if bad_prev.any() or bad_cur.any():
        # the earliest date on which a held contract has no price
        cand: list[tuple[int, int, int, int]] = []  # (date of the missing print, path, step, slot)
        for bad, ahead in ((bad_prev, 0), (bad_cur, 1)):
            if bad.any():
                where = np.argwhere(bad)
                p, i, s = (int(x) for x in where[np.argmin(where[:, 1])])
                cand.append((i + ahead, p, i, s))
        when, p, i, s = min(cand)
        hint = (
            "and it has no earlier valid price to carry"
            if missing == "previous"
            else "(missing='raise'); pass missing='previous' to carry its last valid price"
        )
        raise DataError(
            f"no price for contract {contracts[i, s]} on {_day(dates, when)}{_on_path(n_all, first_path + p)}, "
            f"held from the close of {_day(dates, i)} {hint}"
        )

    raise AssertionError("step_sums reported a problem that the diagnosis did not find")  # pragma: no cover


def _ratios(
    num: np.ndarray,
    den: np.ndarray,
    prices: np.ndarray,
    weights: np.ndarray,
    invested: np.ndarray,
    curve: FuturesCurve,
    first_path: int,
) -> Float64Array:
    dates, contracts = curve.dates, curve.contracts
    n_all = curve.n_paths
    held = weights[:, :-1, :] > 0
    step_invested = invested[:-1][None, :]
    bad_den = step_invested & (den <= 0)
    if bad_den.any():
        p, i = (int(x) for x in np.argwhere(bad_den)[0])
        pw = 0 if weights.shape[0] == 1 else p
        slots = np.nonzero(held[pw, i])[0]
        parts = ", ".join(f"{contracts[i, s]} at {prices[p, i, s]:.6g} (weight {weights[pw, i, s]:.6g})" for s in slots)
        raise DataError(
            f"the position held at the close of {_day(dates, i)}{_on_path(n_all, first_path + p)} is worth "
            f"{den[p, i]:.6g} <= 0 ({parts}), so the return to {_day(dates, i + 1)} is undefined; "
            "back-adjust the prices first (back_adjust(method='panama')) or use a rule that rolls earlier"
        )
    ratio = np.ones(den.shape)
    np.divide(num, den, out=ratio, where=np.broadcast_to(step_invested, den.shape))
    if not np.isfinite(ratio).all():
        p, i = (int(x) for x in np.argwhere(~np.isfinite(ratio))[0])
        raise DataError(
            f"the excess return from {_day(dates, i)} to {_day(dates, i + 1)}{_on_path(n_all, first_path + p)} "
            f"is not finite ({ratio[p, i]}); check the curve for infinite prices"
        )
    return ratio


# -- the result ---------------------------------------------------------------------------
class IndexResult(Result):
    """Excess-return, total-return and spot index levels on every path.

    Parameters
    ----------
    er, tr, spot : (paths, dates) float64
        Index levels; NaN before the first invested date.  ``spot`` is NaN
        everywhere when the curve carries no spot series.
    dates : (dates,) datetime64[ns]
        The curve's dates.
    start : int
        Position of the first invested date (where every index equals ``base``).
    base : float
        Level on the first invested date.
    collateral_rate : (dates,) float64
        T-bill discount rate (TBAR, a fraction) used for the step from each
        date; NaN where no step uses one.
    rule : str
        Name of the roll rule behind the schedule.
    missing : str
        How missing prints were handled (see :func:`compute_index`).
    """

    er: PathMatrix
    tr: PathMatrix
    spot: PathMatrix
    dates: DateArray
    start: int
    base: float
    collateral_rate: Float64Array
    rule: str = ""
    missing: str = "raise"

    def __post_init__(self) -> None:
        for name in ("er", "tr", "spot", "dates", "collateral_rate"):
            a = np.array(getattr(self, name), copy=True)
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        if not (self.er.shape == self.tr.shape == self.spot.shape) or self.er.ndim != 2:
            raise DataError(
                f"er, tr and spot must share one (paths, dates) shape, got {self.er.shape}, "
                f"{self.tr.shape}, {self.spot.shape}"
            )
        if self.er.shape[1] != len(self.dates) or len(self.collateral_rate) != len(self.dates):
            raise DataError("er, dates and collateral_rate must have one entry per date")

    # -- shape ------------------------------------------------------------------------
    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.er.shape[0])

    @property
    def years(self) -> float:
        """Years (ACT/365) from the first invested date to the last date."""
        span = (self.dates[-1] - self.dates[self.start]) / np.timedelta64(1, "D")
        return float(span) / 365.0

    def _paths(self, path: int | None) -> list[int]:
        if path is None:
            return list(range(self.n_paths))
        if not isinstance(path, (int, np.integer)) or not 0 <= int(path) < self.n_paths:
            raise DataError(f"path {path!r} out of range for a result with {self.n_paths} paths")
        return [int(path)]

    def _frame(self, columns: dict[str, np.ndarray], dates: DateArray, paths: list[int], single: bool) -> pd.DataFrame:
        """Stack ``(paths, dates)`` arrays into one frame: by date, or by (path, date)."""
        if single:
            p = paths[0]
            return pd.DataFrame({k: v[p] for k, v in columns.items()}, index=pd.DatetimeIndex(dates, name="date"))
        index = pd.MultiIndex.from_product([paths, pd.DatetimeIndex(dates)], names=["path", "date"])
        return pd.DataFrame({k: v[paths].reshape(-1) for k, v in columns.items()}, index=index)

    # -- views ------------------------------------------------------------------------
    def to_frame(self, path: int | None = None) -> pd.DataFrame:
        """Levels ``er, tr, spot`` by date (one path) or by ``(path, date)`` (all of several paths)."""
        paths = self._paths(path)
        single = path is not None or self.n_paths == 1
        return self._frame({"er": self.er, "tr": self.tr, "spot": self.spot}, self.dates, paths, single)

    def attribution(self, path: int | None = None) -> pd.DataFrame:
        """Daily log returns and their split, from the day after the first invested date.

        Columns ``er, spot, term_structure, collateral, tr`` with
        ``er = spot + term_structure`` and ``tr = er + collateral`` on every
        date; see :func:`etfsim.index.attribution.daily_attribution`.  The
        annualised figures are :meth:`annualised`.

        Raises
        ------
        DataError
            If an index level is zero or negative (a log return is undefined).
        """
        paths = self._paths(path)
        single = path is not None or self.n_paths == 1
        parts = _attr.daily_attribution(self.er, self.tr, self.spot, self.start, self.dates)
        return self._frame(parts, self.dates[self.start + 1 :], paths, single)

    def annualised(self) -> pd.DataFrame:
        """Annualised attribution per path (index ``path``): the study's Monte Carlo table.

        Columns: ``er, spot, term_structure, collateral, tr`` (log returns per
        year) and ``er_return, tr_return, spot_return`` (simple returns per
        year); see :func:`etfsim.index.attribution.annualise`.
        """
        table = _attr.annualise(self.er, self.tr, self.spot, self.start, self.dates)
        return pd.DataFrame(table, index=pd.RangeIndex(self.n_paths, name="path"))

    def annualised_attribution(self, path: int = 0) -> pd.Series:
        """One path's row of :meth:`annualised`, as a Series."""
        (p,) = self._paths(path)
        return self.annualised().loc[p].rename(f"path {p}")

    def summary(self) -> str:
        """Dates, rule and the annualised attribution (mean and 5-95% range across paths)."""
        lines = [
            f"IndexResult: rule {self.rule or 'unnamed'!r}, {self.n_paths} path(s), {len(self.dates)} dates",
            f"  invested from {_day(self.dates, self.start)} to {_day(self.dates, len(self.dates) - 1)} "
            f"({self.years:.2f} years), base {self.base:g}",
        ]
        try:
            table = self.annualised()
        except DataError as exc:
            lines.append(f"  attribution unavailable: {exc}")
            return "\n".join(lines)
        labels = [
            ("er_return", "ER return per year"),
            ("tr_return", "TR return per year"),
            ("spot", "spot (log, per year)"),
            ("term_structure", "term structure (log, per year)"),
            ("collateral", "collateral (log, per year)"),
        ]
        if self.n_paths == 1:
            for col, label in labels:
                v = float(table[col].iloc[0])
                lines.append(f"  {label:<32}{'n/a' if np.isnan(v) else f'{v:.2%}':>9}")
        else:
            lines.append(f"  {'':<32}{'mean':>9}{'5%':>9}{'95%':>9}")
            for col, label in labels:
                v = table[col].to_numpy()
                if np.isnan(v).all():
                    lines.append(f"  {label:<32}{'n/a':>9}")
                    continue
                lo, hi = np.nanpercentile(v, [5, 95])
                lines.append(f"  {label:<32}{np.nanmean(v):>9.2%}{lo:>9.2%}{hi:>9.2%}")
        return "\n".join(lines)

    def _repr_facts(self) -> Mapping[str, object]:
        return {"rule": self.rule, "paths": self.n_paths, "dates": len(self.dates), "start": self.start}

    def _repr_frame(self) -> pd.DataFrame:
        """One path's levels, or with several paths each path's annualised attribution."""
        if self.n_paths == 1:
            return self.to_frame()
        try:
            return self.annualised()
        except DataError:  # a level <= 0 has no log attribution: show the headline path's levels
            return self.to_frame(path=0)

    def plot(self, ax: Axes | None = None, path: int = 0) -> Axes:
        """Growth of the excess-return, total-return and spot index on one path (all from ``base``).

        Returns the matplotlib Axes (a new figure's when ``ax`` is None); the
        lines' y-data are ``er[path]``, ``tr[path]`` and, where the curve has a
        spot, ``spot[path]``, from the first invested date on.
        """
        from etfsim._charts import COLOURS, draw_growth, new_axes

        (p,) = self._paths(path)
        s = self.start
        lines = [
            ("Excess return", self.er[p, s:], COLOURS["fund"], 1.1),
            ("Total return", self.tr[p, s:], COLOURS["index"], 0.9),
        ]
        if np.isfinite(self.spot[p, s:]).any():
            lines.append(("Spot", self.spot[p, s:], COLOURS["grey"], 0.8))
        ax = new_axes() if ax is None else ax
        draw_growth(ax, np.asarray(self.dates[s:]), lines, self.base, money=False)
        on = f", path {p}" if self.n_paths > 1 else ""
        ax.set_title(f"{self.rule or 'index'}: index levels (base {self.base:g}){on}")
        return ax


# -- public entry points ----------------------------------------------------------------
def compute_index(
    curve: FuturesCurve,
    schedule: RollSchedule,
    collateral_rate: float | pd.Series = 0.0,
    base: float = 100.0,
    missing: str = "raise",
) -> IndexResult:
    """Excess-return, total-return and spot index levels of a roll schedule on a curve.

    Parameters
    ----------
    curve : FuturesCurve
        Prices by nearby slot on one or many paths.  Every held price is read,
        so a curve that prices on demand is restricted first
        (:meth:`~etfsim.curves.protocol.Curve.restrict`).
    schedule : RollSchedule
        Quantity weights built on ``curve`` (same dates and slot map); a schedule
        with one row of weights serves every path.
    collateral_rate : float or Series, default 0.0
        The 91-day T-bill discount rate as a yearly fraction (0.05 for 5%): a
        constant, or a Series indexed by date, forward-filled onto the curve's
        dates (missing values are skipped).
    base : float, default 100.0
        Level of every index on the first invested date.
    missing : {"raise", "previous"}, default "raise"
        A held contract with no price at either end of a step: ``"raise"``
        stops with a DataError naming the date and contract; ``"previous"``
        uses the contract's last valid price (a *stale* price: the index does
        not move with that contract until it prints again, and catches up in
        one step when it does).  A contract with no valid price yet still
        raises.

    Returns
    -------
    IndexResult
        Levels ``(paths, dates)``: NaN before the first invested date, ``base``
        on it.  The spot index is NaN everywhere when ``curve.spot`` is absent
        (real histories carry none).

    Raises
    ------
    ConfigError
        If ``missing`` is not a known choice, ``base`` is not positive, or a
        collateral rate is not a fraction between -1 and 1.
    DataError
        If the schedule belongs to another curve or is never invested; a held
        contract leaves the curve (the rule did not roll out of it by its last
        trading day); a held contract has no price (``missing="raise"``); the
        position at a close is worth zero or less (the return is undefined);
        the collateral series starts after the first invested date; or the spot
        is not positive on the first invested date.

    Notes
    -----
    With quantity weights ``q(t-1)`` fixed at the previous close
    (etfsim DESIGN.md, "Index")::

        ER(t) / ER(t-1) = sum_i q_i(t-1) F_i(t) / sum_i q_i(t-1) F_i(t-1)

    where ``F_i(t)`` is the price on ``t`` of the contract that sat in slot
    ``i`` on ``t-1`` (it may have moved a slot nearer; see
    :func:`~etfsim.roll.schedule.next_slot_map`).  A step from an uninvested
    date leaves the ER unchanged.

    Total return, S&P GSCI Methodology, "Total Return Index" (T-bill
    collateral)::

        TR(t) = TR(t-1) * (1 + ER(t)/ER(t-1) - 1 + TBR(t))
        TBR(t) = (1 / (1 - 91/360 * TBAR(t-1)))**(Delta_t / 91) - 1

    with ``TBAR(t-1)`` the 91-day T-bill discount rate on the previous date and
    ``Delta_t`` the calendar days between the two dates (between their calendar
    days, so on an intraday history only the first row of a new day earns
    interest).  Spot: ``base * S(t) / S(t0)``.

    Negative prices are arithmetic like any other: a numerator that turns
    negative (WTI May 2020 settled at -37.63 on 20 April 2020) makes the ER
    fall by more than 100%, and the level may turn negative.  Only a position
    worth zero or less at the previous close is refused, because the ratio has
    no meaning there.
    """
    if missing not in MISSING_CHOICES:
        raise ConfigError(f"missing must be one of {', '.join(map(repr, MISSING_CHOICES))}, got {missing!r}")
    if isinstance(base, bool) or not isinstance(base, Real) or not (math.isfinite(base) and base > 0):
        raise ConfigError(f"base must be a positive number (the level on the first invested date), got {base!r}")
    check_same_listing(curve, schedule)
    invested = np.asarray(schedule.invested, dtype=bool)
    if not invested.any():
        raise DataError(f"the schedule of rule {schedule.rule!r} is never invested; there is no index to compute")
    start = int(np.argmax(invested))
    dates = curve.dates
    n_paths, n, k = curve.prices.shape
    rates = _collateral_rates(collateral_rate, dates, start)
    tbr = tbill_returns(rates, dates) if n > 1 else np.zeros(0)

    er = np.full((n_paths, n), np.nan)
    tr = np.full((n_paths, n), np.nan)
    er[:, start] = tr[:, start] = float(base)
    if n > 1:
        nxt = next_slot_map(curve.contracts)
        weights = schedule.weights
        chunk = max(1, _CHUNK_ELEMENTS // (n * k))
        for lo in range(0, n_paths, chunk):
            hi = min(n_paths, lo + chunk)
            prices = curve.prices[lo:hi]
            if missing == "previous":
                filled = np.empty_like(prices)
                fill_by_contract(prices, nxt, filled)
                prices = filled
            w = weights if schedule.shared else weights[lo:hi]
            # one pass in numba; a step it cannot price is named by the array path (step ratios), which raises
            ro = (readonly(prices), readonly(np.ascontiguousarray(w)), readonly(nxt), readonly(invested), readonly(tbr))
            if not _levels(*ro, start, float(base), er[lo:hi], tr[lo:hi]):  # read-only: one compiled type
                _step_ratios(prices, w, nxt, invested, curve, lo, missing)
                raise AssertionError("the index kernel stopped on a step the step ratios price")  # pragma: no cover

    spot = np.full((n_paths, n), np.nan)
    if curve.spot is not None:
        s0 = curve.spot[:, start]
        bad = ~(np.isfinite(s0) & (s0 > 0))
        if bad.any():
            p = int(np.argmax(bad))
            raise DataError(
                f"the spot index is {s0[p]!r} on the first invested date {_day(dates, start)}"
                f"{_on_path(n_paths, p)}; it must be a positive number to rebase the spot index there"
            )
        spot[:, start:] = float(base) * curve.spot[:, start:] / s0[:, None]
    return IndexResult(er, tr, spot, dates, start, float(base), rates, schedule.rule, missing)


def index_levels(
    curve: FuturesCurve,
    schedule: RollSchedule,
    collateral_rate: float | pd.Series = 0.0,
    base: float = 100.0,
    missing: str = "raise",
) -> pd.DataFrame:
    """Index levels as a table: columns ``er, tr, spot``.

    Indexed by date for a one-path curve, by a ``(path, date)`` MultiIndex for
    several paths.  Parameters, errors and formulas as :func:`compute_index`.
    """
    return compute_index(curve, schedule, collateral_rate, base, missing).to_frame()
