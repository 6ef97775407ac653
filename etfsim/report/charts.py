"""The sheets' charts: matplotlib (Agg, no pyplot state) drawn to SVG data URIs.

Charts are embedded in the HTML as ``data:image/svg+xml`` URIs, so the page
needs no other file, font or network: text is drawn as paths, and the SVG
carries no date and fixed element ids, so the same data gives the same bytes
(``etfsim report`` re-renders an identical page).  matplotlib is imported
here, inside the functions, because it costs half a second to import.

The drawing itself (``draw_*``, the palette, the axes' formats) lives in
:mod:`etfsim._charts`, which the results' ``plot()`` methods share; here each
chart is drawn on its own SVG figure at the sheet's size and fonts.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from etfsim._charts import COLOURS, SERIES, draw_curve, draw_exposure, draw_fan, draw_growth, draw_histogram, draw_mix
from etfsim._charts import date_axis as _dates
from etfsim._charts import legend_above as _legend_above
from etfsim._charts import log_needed as _log_needed
from etfsim._charts import money_axis as _money_axis

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "COLOURS",
    "basis_chart",
    "curve_chart",
    "exposure_chart",
    "fan_chart",
    "growth_chart",
    "mix_chart",
    "premium_chart",
    "rule_box_chart",
    "rule_lines_chart",
]

_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "etfsim",  # fixed clip-path ids: same data, same bytes
    "svg.fonttype": "path",  # no font needed where the page is opened
    "font.family": "DejaVu Sans",
    "font.size": 7.0,
    "axes.titlesize": 7.5,
    "axes.labelsize": 7.0,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#55606e",
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "axes.grid": True,
    "grid.color": "#e3e8ef",
    "grid.linewidth": 0.5,
    "path.simplify": True,
}


@contextmanager
def _figure(width: float, height: float) -> Iterator[Any]:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    # from matplotlib's own defaults, not the session's: a style another library set on import (seaborn's,
    # through quantstats) must not change the sheet's bytes
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_RC)
        fig = Figure(figsize=(width, height), dpi=100)
        FigureCanvasSVG(fig)
        yield fig


def _uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight", pad_inches=0.03)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


MAX_POINTS = 600
"""Points drawn per daily series: about two per printed pixel of a half-page chart at 300 dpi.

Ten years of business days are 2,520 points; drawing each one only makes the SVG
(and the PDF renderer) slower, with no visible difference.
"""


def _thin(n: int) -> np.ndarray:
    """Indices of at most ``MAX_POINTS`` evenly spread points of ``n``, first and last included."""
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_POINTS).round().astype(np.int64))


def _envelope(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bucket of days: its first date, and the highest and lowest value, so no spike is thinned away."""
    n = len(y)
    if n <= MAX_POINTS:
        return x, y, y
    edges = _thin(n)
    starts = edges[:-1]
    hi = np.maximum.reduceat(np.nan_to_num(y, nan=-np.inf), starts)
    lo = np.minimum.reduceat(np.nan_to_num(y, nan=np.inf), starts)
    hi = np.where(np.isfinite(hi), hi, np.nan)
    lo = np.where(np.isfinite(lo), lo, np.nan)
    return x[starts], hi, lo


def growth_chart(growth: pd.DataFrame, width: float = 3.55, height: float = 1.75) -> str:
    """Growth of 10,000 at NAV and in the index (log scale when the range is wide)."""
    with _figure(width, height) as fig:
        ax = fig.add_subplot()
        keep = _thin(len(growth))
        lines = [
            ("Index total return", growth["index_tr"].to_numpy()[keep], COLOURS["index"], 0.9),
            ("Fund NAV", growth["nav"].to_numpy()[keep], COLOURS["fund"], 1.1),
        ]
        wide = _log_needed(growth["nav"].to_numpy(), growth["index_tr"].to_numpy())  # every day, not the drawn ones
        draw_growth(ax, growth.index.to_numpy()[keep], lines, 10_000, money=True, wide=wide)
        return _uri(fig)


def fan_chart(fan: pd.DataFrame, width: float = 3.55, height: float = 1.75) -> str:
    """Percentiles across paths of the growth of 10,000 at NAV, with the headline path."""
    with _figure(width, height) as fig:
        ax = fig.add_subplot()
        fan = fan.iloc[_thin(len(fan))]
        draw_fan(ax, fan.index.to_numpy(), fan, 10_000, money=True)
        return _uri(fig)


PREMIUM_WINDOW = 21
"""Trading days of the premium chart's rolling band (about a month): the band, not each day's noise."""


def premium_chart(premium: pd.Series, width: float = 3.55, height: float = 1.1) -> str:
    """The premium (+) or discount (-) to NAV as a band: its range and median over a rolling month, in percent."""
    from matplotlib.ticker import FuncFormatter

    values = pd.Series(premium.to_numpy(dtype=float) * 100, index=premium.index)
    roll = values.rolling(PREMIUM_WINDOW, min_periods=1)
    days = premium.index.to_numpy()
    # the band drawn per bucket of days from its highest high and lowest low, so no day's extreme is thinned away
    x, hi, _ = _envelope(days, roll.max().to_numpy())
    _, _, lo = _envelope(days, roll.min().to_numpy())
    step = None  # every day drawn, joined as before
    if len(x) < len(days):  # thinned: each bucket a step from its first day to the next's, the last to the last day
        x, hi, lo, step = np.append(x, days[-1]), np.append(hi, hi[-1]), np.append(lo, lo[-1]), "post"
    keep = _thin(len(days))
    with _figure(width, height) as fig:
        ax = fig.add_subplot()
        ax.fill_between(x, lo, hi, color=COLOURS["light"], lw=0, step=step, label=f"{PREMIUM_WINDOW}-day range")
        ax.plot(days[keep], roll.median().to_numpy()[keep], color=COLOURS["fund"], lw=0.8,
                label=f"{PREMIUM_WINDOW}-day median")  # fmt: skip
        ax.axhline(0, color="#55606e", lw=0.5)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:+g}%" if v else "0%"))
        _dates(ax)
        _legend_above(ax, 2)
        return _uri(fig)


def curve_chart(curve: pd.DataFrame, spot: float, unit: str, width: float = 3.55, height: float = 1.5) -> str:
    """Futures prices by contract on the report date, with the spot index."""
    with _figure(width, height) as fig:
        draw_curve(fig.add_subplot(), curve, spot, unit)
        return _uri(fig)


def rule_box_chart(values: Mapping[str, np.ndarray], width: float = 4.6, height: float = 1.5) -> str:
    """Distribution across paths of a per-year figure by rule: box 25-75%, whiskers 5-95%, median line."""
    from matplotlib.ticker import FuncFormatter

    with _figure(width, height) as fig:
        ax = fig.add_subplot()
        names = list(values)
        data = [np.asarray(values[n], dtype=float)[np.isfinite(values[n])] for n in names]
        ax.boxplot(
            data,
            orientation="horizontal",
            whis=(5, 95),
            showfliers=False,
            widths=0.55,
            tick_labels=names,
            patch_artist=True,
            boxprops={"facecolor": COLOURS["light"], "edgecolor": COLOURS["fund"], "linewidth": 0.7},
            medianprops={"color": COLOURS["index"], "linewidth": 1.2},
            whiskerprops={"color": COLOURS["fund"], "linewidth": 0.7},
            capprops={"color": COLOURS["fund"], "linewidth": 0.7},
        )
        ax.axvline(0, color=COLOURS["grey"], lw=0.5, ls="--")
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v * 100:+.0f}%" if v else "0%"))
        ax.grid(axis="y", visible=False)
        return _uri(fig)


def rule_lines_chart(
    levels: Mapping[str, pd.Series], width: float = 4.6, height: float = 1.5, highlight: str | None = None
) -> str:
    """Each rule's fund NAV or index level on the headline path, rebased to 10,000.

    With ``highlight`` (the headline rule) that line is drawn thick and on top and
    the others thin and pale, so eight rules stay readable as one against the rest.
    """
    with _figure(width, height) as fig:
        ax = fig.add_subplot()
        arrays = []
        for i, (name, s) in enumerate(levels.items()):
            keep = _thin(len(s))
            y = 10_000 * s.to_numpy(dtype=float)[keep] / float(s.iloc[0])
            arrays.append(y)
            main = highlight is None or name == highlight
            colour = COLOURS["fund"] if name == highlight else SERIES[i % len(SERIES)]
            ax.plot(s.index.to_numpy()[keep], y, lw=1.4 if name == highlight else 0.7, color=colour,
                    alpha=1.0 if main else 0.55, zorder=3 if name == highlight else 2, label=name)  # fmt: skip
        ax.axhline(10_000, color=COLOURS["grey"], lw=0.5, ls="--")
        _money_axis(ax, _log_needed(*arrays))
        _dates(ax)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, ncol=1, handlelength=1.2)
        return _uri(fig)


def _any_in_bucket(days: np.ndarray) -> np.ndarray:
    """Per bucket of :func:`_envelope`: whether any of its days is marked (a one-day cap is never thinned away)."""
    d: np.ndarray = np.nan_to_num(np.asarray(days, dtype=float))
    if len(d) <= MAX_POINTS:
        return d
    out: np.ndarray = np.maximum.reduceat(d, _thin(len(d))[:-1])
    return out


def exposure_chart(exposure: pd.DataFrame, width: float = 7.3, height: float = 1.25) -> str:
    """Futures notional / NAV by date, with the days a position limit capped it and creations were halted."""
    with _figure(width, height) as fig:
        ax = fig.add_subplot()
        # the lowest exposure of each bucket of days: a dip to a limit is what the chart is for
        x, _hi, lo = _envelope(exposure.index.to_numpy(), exposure["exposure"].to_numpy(dtype=float))
        draw_exposure(
            ax, x, lo, _any_in_bucket(exposure["capped"].to_numpy()), _any_in_bucket(exposure["halted"].to_numpy())
        )
        return _uri(fig)


def mix_chart(shares: pd.DataFrame, width: float = 7.3, height: float = 1.1) -> str:
    """Shares of futures notional by leg, stacked, by date."""
    with _figure(width, height) as fig:
        ax = fig.add_subplot()
        shares = shares.iloc[_thin(len(shares))]
        draw_mix(ax, shares.index.to_numpy(), shares)
        return _uri(fig)


def basis_chart(samples: Mapping[str, np.ndarray], width: float = 4.6, height: float = 1.7) -> str:
    """Histogram across paths of the difference in fund return per year between two index families."""
    with _figure(width, height) as fig:
        draw_histogram(fig.add_subplot(), list(samples.items()))
        return _uri(fig)
