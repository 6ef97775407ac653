"""The index's result: ER, TR and spot levels on every path, with their attribution and statistics.

:func:`etfsim.index.compute_index` builds an :class:`IndexResult`;
:meth:`IndexResult.attribution` splits the daily returns into spot, term
structure and collateral (see :mod:`etfsim.index.attribution`).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim._typing import DateArray, Float64Array, PathMatrix
from etfsim.exceptions import DataError
from etfsim.index import attribution as _attr

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["IndexResult"]

_ADOPT: ContextVar[bool] = ContextVar("etfsim_index_adopt", default=False)


def _day(dates: DateArray, t: int) -> str:
    """A date as text: ``2020-04-20`` at midnight, with the time otherwise."""
    return str(np.asarray(dates)[t])[:19].replace("T00:00:00", "").replace("T", " ")


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
    leverage : float
        1 for the index itself; a leveraged fund's daily objective of it
        (:func:`etfsim.index.leverage.daily_objective`) records its leverage.
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
    leverage: float = 1.0

    def __post_init__(self) -> None:
        adopt = _ADOPT.get()  # compute_index's own new levels: nothing else holds them, so no copy is needed
        for name in ("er", "tr", "spot", "dates", "collateral_rate"):
            a = getattr(self, name)
            if not (adopt and name in ("er", "tr", "spot")):
                a = np.array(a, copy=True)  # a caller's array: the result keeps its own, read-only
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
        from etfsim._charts import COLOURS, draw_growth, new_axes, title_above_legend

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
        title_above_legend(ax, f"{self.rule or 'index'}: index levels (base {self.base:g}){on}")
        return ax


# -- public entry points ----------------------------------------------------------------


def adopted(*args: Any) -> IndexResult:
    """``IndexResult(*args)`` keeping ``er``, ``tr`` and ``spot`` as given, without copies.

    For :func:`etfsim.index.compute_index`, whose levels are new arrays nothing else holds:
    on a study's 1,000 paths each copy is 20 MB.  Any other caller's arrays are copied.
    """
    token = _ADOPT.set(True)
    try:
        return IndexResult(*args)
    finally:
        _ADOPT.reset(token)
