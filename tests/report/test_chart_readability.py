"""Readable charts: a log scale says so, the rules chart highlights the headline rule, the premium is a band."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from etfsim import _charts
from etfsim.report import charts


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures the chart functions draw, kept instead of encoded."""
    figures: list[Any] = []

    def keep(fig: Any) -> str:
        figures.append(fig.axes[0])
        return "data:kept"

    monkeypatch.setattr(charts, "_uri", keep)
    return figures


def test_a_log_scale_axis_is_labelled() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    _charts.money_axis(ax, log=True)
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "log scale"
    ax2 = Figure().add_subplot()
    _charts.money_axis(ax2, log=False)
    assert ax2.get_ylabel() == ""


def test_the_headline_rule_is_drawn_over_the_others(drawn: list[Any]) -> None:
    days = pd.bdate_range("2026-04-01", periods=300)
    levels = {f"rule{i}": pd.Series(np.linspace(1.0, 1.0 + 0.1 * i, len(days)), index=days) for i in range(8)}
    charts.rule_lines_chart(levels, highlight="rule3")
    lines = {ln.get_label(): ln for ln in drawn[0].get_lines() if ln.get_label().startswith("rule")}
    head = lines.pop("rule3")
    assert all(head.get_linewidth() > ln.get_linewidth() for ln in lines.values())
    assert all(head.get_zorder() > ln.get_zorder() for ln in lines.values())
    assert all(ln.get_alpha() < 1.0 for ln in lines.values())


def test_the_premium_chart_is_a_rolling_band_and_median(drawn: list[Any]) -> None:
    days = pd.bdate_range("2026-04-01", periods=200)
    rng = np.random.default_rng(3)
    premium = pd.Series(rng.normal(0.0, 0.004, 200), index=days)  # daily noise of about +-0.4%
    charts.premium_chart(premium)
    ax = drawn[0]
    (median,) = [ln for ln in ax.get_lines() if ln.get_label().endswith("median")]
    want = (premium * 100).rolling(charts.PREMIUM_WINDOW, min_periods=1).median().to_numpy()
    np.testing.assert_allclose(median.get_ydata(), want)  # a rolling month's median, not the daily +-0.4%
    assert np.abs(median.get_ydata()[charts.PREMIUM_WINDOW :]).max() <= 0.4
    (band,) = ax.collections
    assert band.get_label().endswith("range")


def test_ten_years_of_premium_are_thinned_without_losing_a_spike(drawn: list[Any]) -> None:
    from matplotlib.dates import date2num

    days = pd.bdate_range("2026-04-01", periods=2520)
    rng = np.random.default_rng(4)
    values = rng.normal(0.0, 0.002, len(days))
    values[1234], values[-1] = 0.031, -0.027  # one-day spikes: inside a bucket, and on the sheet's last day
    premium = pd.Series(values, index=days)
    charts.premium_chart(premium)
    ax = drawn[0]
    (median,) = [ln for ln in ax.get_lines() if ln.get_label().endswith("median")]
    assert len(median.get_ydata()) <= charts.MAX_POINTS
    (band,) = ax.collections
    vertices = band.get_paths()[0].vertices
    assert len(vertices) <= 4 * charts.MAX_POINTS + 8  # a step band: two corners a bucket, top and bottom
    roll = (premium * 100).rolling(charts.PREMIUM_WINDOW, min_periods=1)
    assert vertices[:, 1].max() == pytest.approx(roll.max().max())  # 3.1%: the spike's month is in the band
    # the last day's discount (its rolling low, -2.7%) is drawn with width, up to the last date
    last = date2num(days[-1])
    assert vertices[:, 0].max() == pytest.approx(last)
    at_end = vertices[np.isclose(vertices[:, 0], last), 1]
    assert at_end.min() == pytest.approx(roll.min().iloc[-1]) == pytest.approx(-2.7)
    assert vertices[:, 0].min() == pytest.approx(date2num(days[0]))


def test_a_style_set_by_another_library_does_not_change_the_charts() -> None:
    import matplotlib

    days = pd.bdate_range("2026-04-01", periods=100)
    premium = pd.Series(np.linspace(-0.004, 0.004, 100), index=days)
    plain = charts.premium_chart(premium)
    with matplotlib.rc_context({"font.size": 17, "axes.grid": True, "figure.figsize": [10.0, 6.0]}):
        styled = charts.premium_chart(premium)
    assert styled == plain  # same bytes whatever the session's rcParams
