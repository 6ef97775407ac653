"""The exposure, generation-mix and basis charts draw their data (and thinning keeps a one-day cap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from etfsim._charts import draw_exposure, draw_histogram, draw_mix
from etfsim.report.charts import MAX_POINTS, _any_in_bucket


def _axes():  # type: ignore[no-untyped-def]
    return Figure().add_subplot()


def test_exposure_chart_draws_notional_over_nav_in_percent_and_shades_the_capped_days() -> None:
    x = pd.date_range("2026-01-01", periods=50, freq="B").to_numpy()
    exposure = np.linspace(1.0, 0.4, 50)
    capped = (exposure < 0.7).astype(float)
    halted = np.zeros(50)
    halted[10] = 1.0
    ax = _axes()
    draw_exposure(ax, x, exposure, capped, halted)
    line = next(ln for ln in ax.lines if ln.get_label() == "Notional / NAV")
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), exposure * 100)
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["Capped by a position limit", "Creations halted"]
    low, high = ax.get_ylim()
    assert low <= 40.0 - 2.0 + 1e-9 and high >= 101.0


def test_exposure_chart_leaves_unknown_capped_days_unshaded() -> None:
    x = np.arange(20.0)
    ax = _axes()
    draw_exposure(ax, x, np.ones(20), np.full(20, np.nan), np.zeros(20))
    assert not ax.collections  # a folder without capped days shades nothing, rather than every day


def test_mix_chart_stacks_the_shares_to_one_hundred() -> None:
    x = pd.date_range("2026-01-01", periods=30, freq="B")
    h2 = np.clip(np.linspace(-0.5, 1.5, 30), 0, 1)
    shares = pd.DataFrame({"h100": 1 - h2, "h200": h2}, index=x)
    ax = _axes()
    draw_mix(ax, x.to_numpy(), shares)
    assert [c.get_label() for c in ax.collections] == ["h100", "h200"]
    top = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert np.nanmax(top) == 100.0 and ax.get_ylim() == (0.0, 100.0)


def test_basis_histogram_counts_every_path() -> None:
    d = np.random.default_rng(1).normal(0.01, 0.05, 200)
    ax = _axes()
    draw_histogram(ax, [("a - b", np.r_[d, np.nan])], bins=20)
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 20 and sum(heights) == 200  # the NaN is left out


def test_thinned_capped_days_keep_a_one_day_cap() -> None:
    days = np.zeros(2520)
    days[1234] = 1.0
    kept = _any_in_bucket(days)
    assert len(kept) < MAX_POINTS and kept.sum() == 1.0
    np.testing.assert_array_equal(_any_in_bucket(days[:100]), days[:100])
