"""Chart drawing shared by the sheets and the results' ``plot()`` methods.

Each ``draw_*`` function draws one chart on a given matplotlib Axes:
:mod:`etfsim.report.charts` calls them on SVG figures at the sheet's size and
fonts, and ``IndexResult.plot``, ``FuturesCurve.plot``, ``ModelCurve.plot`` and
``SweepResult.plot`` on the caller's Axes or on a new pyplot figure
(:func:`new_axes`, so a notebook shows it).  Nothing here calls ``show``, so
the Agg backend (no display) works as well as an interactive one.  matplotlib
is imported inside the functions: importing it costs half a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COLOURS",
    "SERIES",
    "date_axis",
    "draw_curve",
    "draw_exposure",
    "draw_fan",
    "draw_growth",
    "draw_histogram",
    "draw_mix",
    "legend_above",
    "log_needed",
    "money_axis",
    "new_axes",
    "percent_axis",
    "title_above_legend",
]

COLOURS = {
    "fund": "#1f3a5f",
    "index": "#e07a1f",
    "grey": "#8a94a6",
    "light": "#c9d6e8",
    "mid": "#8fb0d6",
    "positive": "#2a7f62",
    "negative": "#b23a48",
}

SERIES = ("#1f3a5f", "#e07a1f", "#2a7f62", "#b23a48", "#6a4c93", "#8a94a6", "#d4a017", "#1982c4", "#7d5a50")
"""Colours of several series on one chart (rules, legs), in order."""
"""The sheet's palette: fund navy, index orange."""


def money_axis(ax: Any, log: bool) -> None:
    """Dollar tick labels ($10k, $950, $0.50), on a log scale when ``log``."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    def money(v: float, _pos: int) -> str:
        if v >= 1000:
            return f"${v / 1000:,.0f}k"
        return f"${v:,.0f}" if v >= 1 else f"${v:.2f}"

    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel("log scale", color="#5b6676")  # equal steps are equal percentage moves, and say so
    ax.yaxis.set_major_formatter(FuncFormatter(money))


def date_axis(ax: Any) -> None:
    """Three to nine concise date ticks."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    # matplotlib.dates has no annotations, so these calls are untyped for mypy
    locator = AutoDateLocator(minticks=3, maxticks=9)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))  # type: ignore[no-untyped-call]


def title_above_legend(ax: Any, text: str) -> None:
    """A plot's title above the legend strip of :func:`legend_above` (the sheets set none)."""
    ax.set_title(text, pad=24)


def legend_above(ax: Any, ncol: int) -> None:
    """A legend in a strip above the axes, where it never hides a line."""
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        frameon=False,
        ncol=ncol,
        handlelength=1.4,
        columnspacing=1.0,
        borderaxespad=0.1,
    )


def log_needed(*series: np.ndarray) -> bool:
    """Whether the positive values span more than a factor of 8 (then a log scale reads better)."""
    values = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    values = values[np.isfinite(values) & (values > 0)]
    return bool(len(values)) and float(values.max() / values.min()) > 8.0


def new_axes(width: float = 6.4, height: float = 3.6) -> Any:
    """Axes on a new pyplot figure, for a result's ``plot()`` called without ``ax``."""
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots(figsize=(width, height))
    return ax


def draw_growth(
    ax: Any,
    x: np.ndarray,
    lines: Sequence[tuple[str, np.ndarray, str, float]],
    base: float,
    money: bool,
    wide: bool | None = None,
) -> None:
    """Level lines ``(label, y, colour, width)`` against dates, with the starting level dashed.

    Log scale when the range is ``wide`` (default: when the lines span more than
    a factor of 8); a money axis for the growth of an investment.
    """
    for label, y, colour, lw in lines:
        ax.plot(x, y, color=colour, lw=lw, label=label)
    ax.axhline(base, color=COLOURS["grey"], lw=0.5, ls="--")
    log = log_needed(*(y for _label, y, _c, _w in lines)) if wide is None else wide
    if money:
        money_axis(ax, log)
    elif log:
        ax.set_yscale("log")
    if np.issubdtype(np.asarray(x).dtype, np.datetime64):
        date_axis(ax)
    legend_above(ax, len(lines))


def draw_fan(ax: Any, x: np.ndarray, fan: pd.DataFrame, base: float, money: bool) -> None:
    """Bands of the 5th-95th and 25th-75th percentiles, the median, and a ``headline`` column if any."""
    ax.fill_between(x, fan["p5"].to_numpy(), fan["p95"].to_numpy(), color=COLOURS["light"], lw=0, label="5th-95th")
    ax.fill_between(x, fan["p25"].to_numpy(), fan["p75"].to_numpy(), color=COLOURS["mid"], lw=0, label="25th-75th")
    ax.plot(x, fan["p50"].to_numpy(), color=COLOURS["fund"], lw=1.0, label="Median")
    if "headline" in fan:
        ax.plot(x, fan["headline"].to_numpy(), color=COLOURS["index"], lw=0.8, label="Headline path")
    ax.axhline(base, color=COLOURS["grey"], lw=0.5, ls="--")
    wide = log_needed(fan["p5"].to_numpy(), fan["p95"].to_numpy())
    if money:
        money_axis(ax, wide)
    elif wide:
        ax.set_yscale("log")
    if np.issubdtype(np.asarray(x).dtype, np.datetime64):
        date_axis(ax)
    legend_above(ax, 4 if "headline" in fan else 3)


def draw_curve(ax: Any, curve: pd.DataFrame, spot: float, unit: str) -> None:
    """Futures prices by contract (``contract, price`` columns, in expiry order), with the spot index."""
    n = len(curve)
    x = np.arange(n)
    ax.plot(x, curve["price"].to_numpy(dtype=float), color=COLOURS["fund"], lw=1.0, marker="o", ms=2.0, label="Futures")
    if np.isfinite(spot):
        ax.axhline(spot, color=COLOURS["index"], lw=0.8, ls="--", label="Spot index")
    step = max(1, -(-n // 6))  # about six labels: contract codes are wide
    ax.set_xticks(x[::step])
    ax.set_xticklabels([str(c) for c in curve["contract"].to_numpy()[::step]])
    ax.set_ylabel(f"$ per {unit}")
    legend_above(ax, 2)


def percent_axis(ax: Any, axis: str = "y", signed: bool = False) -> None:
    """Tick labels in percent of values given in percent (``100`` -> ``100%``; ``+5%`` when ``signed``)."""
    from matplotlib.ticker import FuncFormatter

    def text(v: float, _pos: int) -> str:
        return (f"{v:+g}%" if signed else f"{v:g}%") if v else "0%"

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(text))


def _shade(ax: Any, x: np.ndarray, days: np.ndarray, colour: str, label: str, height: float = 1.0) -> None:
    """Shade the days marked in ``days`` from the bottom of the axes to ``height`` of it (NaN: unknown, not shaded)."""
    on = np.nan_to_num(np.asarray(days, dtype=float)) > 0
    if on.any():
        ax.fill_between(x, 0, height, where=on, transform=ax.get_xaxis_transform(), color=colour, lw=0, step="mid",
                        label=label)  # fmt: skip


def draw_exposure(ax: Any, x: np.ndarray, exposure: np.ndarray, capped: np.ndarray, halted: np.ndarray) -> None:
    """Futures notional / NAV in percent by date, 100% dashed; days a limit capped it shaded, creation halts a strip."""
    _shade(ax, x, capped, "#f3c9cf", "Capped by a position limit")
    # a strip along the bottom: a halt often falls on a capped day, and would vanish under its shade
    _shade(ax, x, halted, COLOURS["grey"], "Creations halted", height=0.06)
    y = np.asarray(exposure, dtype=float) * 100
    ax.plot(x, y, color=COLOURS["fund"], lw=0.9, label="Notional / NAV")
    ax.axhline(100, color=COLOURS["grey"], lw=0.5, ls="--")
    seen = y[np.isfinite(y)]
    if len(seen):  # at least 95% to 101%: whole-contract wiggles of a tenth of a percent should look flat
        ax.set_ylim(min(95.0, float(seen.min()) - 2.0), max(101.0, float(seen.max()) + 1.0))
    percent_axis(ax)
    if np.issubdtype(np.asarray(x).dtype, np.datetime64):
        date_axis(ax)
    legend_above(ax, 3)


def draw_mix(ax: Any, x: np.ndarray, shares: pd.DataFrame) -> None:
    """Stacked shares of futures notional by leg (columns, fractions that sum to 1) against dates."""
    values = np.nan_to_num(shares.to_numpy(dtype=float).T) * 100
    colours = [SERIES[i % len(SERIES)] for i in range(values.shape[0])]
    ax.stackplot(x, values, labels=[str(c) for c in shares.columns], colors=colours, lw=0)
    ax.set_ylim(0, 100)
    percent_axis(ax)
    if np.issubdtype(np.asarray(x).dtype, np.datetime64):
        date_axis(ax)
    legend_above(ax, min(len(colours), 6))


def draw_histogram(ax: Any, samples: Sequence[tuple[str, np.ndarray]], bins: int = 30) -> None:
    """Histograms of per-path differences ``(label, values)`` in fractions, on shared bins, drawn in percent."""
    finite = [np.asarray(v, dtype=float)[np.isfinite(v)] * 100 for _label, v in samples]
    every = np.concatenate(finite) if finite else np.empty(0)
    if not len(every):
        return
    lo, hi = float(every.min()), float(every.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1e-9, bins + 1)
    for i, ((label, _v), values) in enumerate(zip(samples, finite, strict=True)):
        colour = SERIES[i % len(SERIES)]
        ax.hist(values, bins=edges, color=colour, alpha=0.55 if len(samples) > 1 else 0.85, label=label, lw=0)
        ax.axvline(float(np.median(values)), color=colour, lw=0.9, ls="--")
    ax.axvline(0, color=COLOURS["grey"], lw=1.0)  # no difference: drawn over the bars, visible at any width
    percent_axis(ax, "x", signed=True)
    ax.set_ylabel("Paths")
    legend_above(ax, min(len(samples), 3))
