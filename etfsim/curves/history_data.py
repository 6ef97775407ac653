"""A price panel checked and laid out for the history filter.

Every check names the field and the fix: a log model needs positive prices,
a maturity frame must line up with the prices, a column with no price at all
says nothing about the curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etfsim._typing import Float64Array
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError

__all__ = ["DEFAULT_BUCKETS", "Panel", "panel_from_curve", "prepare_panel"]

DEFAULT_BUCKETS = (0.25, 0.5, 1.0, 2.0)
"""Maturity edges (years) of the error buckets of an incomplete panel: a contract's error depends on its maturity."""


@dataclass(frozen=True)
class Panel:
    """Log prices, maturities and error buckets as the kernel reads them (C-contiguous)."""

    dates: pd.DatetimeIndex
    columns: tuple[str, ...]
    y: Float64Array
    tau: Float64Array
    bucket: np.ndarray
    labels: tuple[str, ...]
    dt: Float64Array
    complete: bool

    @property
    def n_dates(self) -> int:
        """Number of dates."""
        return int(self.y.shape[0])

    @property
    def first_log_price(self) -> float:
        """The first date's log price of its nearest contract: where the long-term factor starts."""
        row, tau = self.y[0], self.tau[0]
        ok = np.isfinite(row) & np.isfinite(tau)
        return float(row[ok][np.argmin(tau[ok])]) if ok.any() else float(np.nanmean(self.y))


def _dates(panel: pd.DataFrame) -> pd.DatetimeIndex:
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(panel.index))
    except (TypeError, ValueError) as exc:
        raise DataError(f"panel index must be dates (one row per date), got {panel.index[:3].tolist()}") from exc
    if dates.has_duplicates:
        raise DataError(f"panel index has a repeated date {dates[dates.duplicated()][0].date()}; give each date once")
    if not dates.is_monotonic_increasing:
        raise DataError("panel dates must be in increasing order; sort the panel (panel.sort_index())")
    return dates


def _prices(panel: pd.DataFrame, dates: pd.DatetimeIndex) -> Float64Array:
    try:
        px: Float64Array = panel.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataError(f"panel prices must be numbers (NaN where there is no price): {exc}") from exc
    for j, col in enumerate(panel.columns):
        colv = px[:, j]
        if np.isnan(colv).all():
            raise DataError(f"panel column {col!r} has no price on any date; drop it")
        bad = np.flatnonzero(np.isfinite(colv) & (colv <= 0) | np.isinf(colv))
        if bad.size:
            i = int(bad[0])
            raise DataError(
                f"panel column {col!r} has price {colv[i]:g} on {dates[i].date()}; a log model needs prices > 0 "
                "(drop that date or the column)"
            )
    return px


def _maturities(
    maturities: Sequence[float] | pd.DataFrame | None, panel: pd.DataFrame, px: Float64Array, dates: pd.DatetimeIndex
) -> tuple[Float64Array, bool]:
    t, n = px.shape
    if maturities is None:
        raise ConfigError(
            "maturities is required: a list of constant maturities in years (one per column) "
            "or a DataFrame of each contract's time to maturity"
        )
    if isinstance(maturities, pd.DataFrame):
        if list(maturities.columns) != list(panel.columns):
            raise DataError(
                f"maturities columns {list(maturities.columns)[:4]}... do not match the panel's "
                f"{list(panel.columns)[:4]}...; give one maturity column per price column, in the same order"
            )
        if len(maturities) != t or not pd.DatetimeIndex(pd.to_datetime(maturities.index)).equals(dates):
            raise DataError(f"maturities must have the panel's {t} dates as its index, got {len(maturities)} rows")
        try:
            tau = maturities.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise DataError(f"maturities must be numbers (years to maturity): {exc}") from exc
        priced = np.isfinite(px)
        bad = priced & ~(np.isfinite(tau) & (tau >= 0))
        if bad.any():
            i, j = (int(v[0]) for v in np.nonzero(bad))
            raise DataError(
                f"maturities column {panel.columns[j]!r} on {dates[i].date()} is {tau[i, j]:g} where the panel has a "
                "price; give the time to maturity in years (>= 0)"
            )
        return np.ascontiguousarray(tau), False
    try:
        vals = np.asarray(maturities, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise DataError(f"maturities must be numbers (years), got {maturities!r}") from exc
    if vals.size != n:
        raise DataError(f"maturities has {vals.size} values but the panel has {n} columns; give one per column")
    if not (np.isfinite(vals).all() and (vals > 0).all()):
        raise DataError(f"maturities must be finite and > 0 (years), got {vals.tolist()}")
    return np.ascontiguousarray(np.broadcast_to(vals, (t, n))), True


def _steps(dt: float | Sequence[float] | None, dates: pd.DatetimeIndex) -> Float64Array:
    t = len(dates)
    out = np.zeros(t)
    if dt is None:
        out[1:] = np.diff(dates.to_numpy().astype("datetime64[D]").astype(np.int64)) / 365.0
        return out
    if isinstance(dt, (int, float)) and not isinstance(dt, bool):
        if not (math.isfinite(dt) and dt > 0):
            raise ConfigError(f"dt must be > 0 (a year fraction per step, e.g. 1/52 for weekly), got {dt}")
        out[1:] = float(dt)
        return out
    try:
        steps = np.asarray(dt, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"dt must be a number or one number per step, got {dt!r}") from exc
    if steps.size != t - 1:
        raise ConfigError(f"dt has {steps.size} values; the panel's {t} dates have {t - 1} steps")
    if not (np.isfinite(steps).all() and (steps > 0).all()):
        raise ConfigError("dt must be > 0 at every step (year fractions)")
    out[1:] = steps
    return out


def _buckets(
    errors: str | Sequence[float] | None, columns: tuple[str, ...], tau: Float64Array, y: Float64Array, complete: bool
) -> tuple[np.ndarray, tuple[str, ...]]:
    t, n = y.shape
    if errors is None:
        errors = "series" if complete else DEFAULT_BUCKETS
    if errors == "series":
        return np.ascontiguousarray(np.broadcast_to(np.arange(n, dtype=np.int64), (t, n))), columns
    if errors == "one":
        return np.zeros((t, n), dtype=np.int64), ("all",)
    if isinstance(errors, str):
        raise ConfigError(f"errors must be 'series', 'one' or maturity bucket edges in years, got {errors!r}")
    try:
        edges = np.asarray(errors, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"errors bucket edges must be numbers (years), got {errors!r}") from exc
    if edges.size == 0 or not np.isfinite(edges).all() or (np.diff(edges) <= 0).any() or (edges <= 0).any():
        raise ConfigError(f"errors bucket edges must be increasing maturities > 0 in years, got {edges.tolist()}")
    raw = np.searchsorted(edges, np.nan_to_num(tau, nan=0.0), side="right")
    used = np.unique(raw[np.isfinite(y) & np.isfinite(tau)])
    remap = np.full(edges.size + 1, 0, dtype=np.int64)
    remap[used] = np.arange(used.size)
    bounds = [0.0, *edges.tolist(), math.inf]
    labels = tuple(
        f"tau<{bounds[b + 1]:g}"
        if b == 0
        else f"tau>={bounds[b]:g}"
        if b == edges.size
        else f"{bounds[b]:g}-{bounds[b + 1]:g}"
        for b in used
    )  # an empty bucket has no error to estimate: it is left out
    return np.ascontiguousarray(remap[raw]), labels


def prepare_panel(
    panel: pd.DataFrame,
    maturities: Sequence[float] | pd.DataFrame | None,
    dt: float | Sequence[float] | None,
    errors: str | Sequence[float] | None,
) -> Panel:
    """Check a price panel and its maturities and lay them out for the filter (see :func:`calibrate_history`)."""
    if not isinstance(panel, pd.DataFrame):
        raise DataError(f"panel must be a pandas DataFrame of prices (dates x series), got {type(panel).__name__}")
    if panel.shape[0] == 0 or panel.shape[1] == 0:
        raise DataError(f"panel is empty ({panel.shape[0]} dates x {panel.shape[1]} columns)")
    dates = _dates(panel)
    px = _prices(panel, dates)
    tau, complete = _maturities(maturities, panel, px, dates)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.ascontiguousarray(np.log(px))
    columns = tuple(str(c) for c in panel.columns)
    bucket, labels = _buckets(errors, columns, tau, y, complete)
    return Panel(dates, columns, y, tau, bucket, labels, _steps(dt, dates), complete)


def panel_from_curve(curve: FuturesCurve, path: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One path of a curve as an incomplete panel: prices by slot and each slot's time to maturity (ACT/365).

    A real history loaded by :func:`etfsim.load_eia_wti` or a path simulated by
    etfsim becomes the ``(panel, maturities)`` pair :func:`calibrate_history`
    reads.  The maturity runs to the slot contract's last trading day.
    """
    if not isinstance(curve, FuturesCurve):
        raise ConfigError(f"curve must be an etfsim FuturesCurve, got {type(curve).__name__}")
    if not (isinstance(path, int) and 0 <= path < curve.n_paths):
        raise ConfigError(f"path must be between 0 and {curve.n_paths - 1}, got {path!r}")
    dates = pd.DatetimeIndex(curve.dates, name="date")
    cols = [f"slot{i}" for i in range(curve.depth)]
    days = (curve.expiries.astype("datetime64[D]") - curve.dates.astype("datetime64[D]")[:, None]).astype("float64")
    tau = np.where(np.isnat(curve.expiries), np.nan, days / 365.0)
    prices = pd.DataFrame(np.asarray(curve.prices[path]), index=dates, columns=cols)
    return prices, pd.DataFrame(tau, index=dates, columns=cols)
