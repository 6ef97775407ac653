"""Results explain themselves: the Result base (etfsim._results) and the plots of the main results.

Every result is frozen, keeps its arrays read-only, has a one-line ``repr`` of
facts (never the numbers), a text ``summary()`` that ``str()`` prints, a
``to_frame()`` and an HTML table for notebooks.  A plot is checked by the data
its Axes holds: each line's y-data is the series it stands for.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from etfsim._results import Result, describe, frozen_array
from etfsim.curves.calibrate import CalibrationResult, calibrate
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.exceptions import DataError
from etfsim.index.levels import IndexResult, compute_index
from etfsim.roll import roll_schedule
from etfsim.scenario import load_scenario
from etfsim.sweep.runner import SweepResult, summarise


class Levels(Result):
    """A small result to try the base on."""

    levels: np.ndarray
    by_name: dict[str, np.ndarray]
    rule: str = "gsci"

    def __post_init__(self) -> None:
        if np.asarray(self.levels).ndim != 2:
            raise DataError("levels must be (paths, dates)")
        object.__setattr__(self, "levels", np.asarray(self.levels, dtype=float))


# -- the base -----------------------------------------------------------------------------------


def test_a_result_is_frozen_and_its_arrays_read_only() -> None:
    mine = np.arange(6.0).reshape(2, 3)
    extra = np.ones(4)
    res = Levels(mine, {"extra": extra})
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.rule = "other"  # type: ignore[misc]
    assert not res.levels.flags.writeable and not res.by_name["extra"].flags.writeable
    with pytest.raises(TypeError):
        res.by_name["new"] = extra  # type: ignore[index]
    mine[0, 0] = 99.0  # the caller's arrays stay the caller's
    assert mine.flags.writeable and extra.flags.writeable and res.levels[0, 0] == 0.0
    held = frozen_array(res.levels)
    assert held is res.levels  # already read-only: kept, not copied
    assert replace(res, rule="bcom").levels is res.levels


def test_a_subclass_post_init_validates_first() -> None:
    with pytest.raises(DataError, match="levels must be"):
        Levels(np.arange(3.0), {})
    res = Levels([[1, 2]], {})  # type: ignore[arg-type]
    assert res.levels.dtype == np.float64 and not res.levels.flags.writeable


def test_results_compare_by_identity() -> None:
    a = Levels(np.zeros((1, 2)), {})
    b = Levels(np.zeros((1, 2)), {})
    assert a == a and a != b
    assert len({a, b}) == 2


def test_repr_summary_frame_and_html() -> None:
    res = Levels(np.linspace(0.0, 1.0, 20_000).reshape(4, 5_000), {"x": np.ones(3)})
    text = repr(res)
    assert text == "<Levels levels=(4, 5000) by_name={1 keys} rule='gsci'>"
    assert str(res) == res.summary() and "levels" in res.summary() and "(4, 5000)" in res.summary()
    frame = res.to_frame()
    assert list(frame.columns) == ["fact", "value"] and frame["fact"].tolist() == ["levels", "by_name", "rule"]
    html = res._repr_html_()
    assert html.startswith("<div>") and "<table" in html and "&lt;Levels" in html
    assert "0.5" not in text  # never the numbers


def test_describe_is_short() -> None:
    assert describe(np.zeros((3, 4))) == "(3, 4)"
    assert describe(pd.DataFrame({"a": [1, 2]})) == "2x1 frame"
    assert describe(pd.Series([1.0])) == "1 values"
    assert describe(0.123456789) == "0.123457"
    assert describe("x" * 50) == repr("x" * 37 + "...")
    assert describe((1, 2)) == "[2]"


# -- IndexResult ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index() -> IndexResult:
    curve = replace(load_scenario(), years=1.0).simulate(paths=3)
    return compute_index(curve, roll_schedule(curve, "gsci"), collateral_rate=0.04)


def test_index_result_manners(index: IndexResult) -> None:
    assert isinstance(index, Result)
    assert repr(index) == f"<IndexResult rule='gsci' paths=3 dates={len(index.dates)} start={index.start}>"
    assert str(index).startswith("IndexResult: rule 'gsci', 3 path(s)")
    assert not index.er.flags.writeable and not index.collateral_rate.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        index.base = 1.0  # type: ignore[misc]
    pd.testing.assert_frame_equal(index._repr_frame(), index.annualised())  # several paths: one row each
    assert "<table" in index._repr_html_()


def test_index_plot_holds_the_levels(index: IndexResult) -> None:
    ax = index.plot(ax=Figure().add_subplot(), path=2)
    er, tr, spot = ax.get_lines()[:3]
    s = index.start
    np.testing.assert_array_equal(er.get_ydata(), index.er[2, s:])
    np.testing.assert_array_equal(tr.get_ydata(), index.tr[2, s:])
    np.testing.assert_array_equal(spot.get_ydata(), index.spot[2, s:])
    np.testing.assert_array_equal(np.asarray(er.get_xdata()), index.dates[s:])
    assert [er.get_label(), tr.get_label(), spot.get_label()] == ["Excess return", "Total return", "Spot"]
    assert ax.get_lines()[3].get_ydata()[0] == index.base  # the dashed starting level
    assert "path 2" in ax.get_title()
    with pytest.raises(DataError, match="out of range"):
        index.plot(ax=Figure().add_subplot(), path=3)


def test_index_plot_without_axes_makes_a_figure(index: IndexResult) -> None:
    import matplotlib.pyplot as plt

    ax = index.plot()
    try:
        np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), index.er[0, index.start :])
    finally:
        plt.close(ax.figure)


# -- CalibrationResult ------------------------------------------------------------------------


def test_calibration_result_manners() -> None:
    truth = SchwartzSmith(
        kappa=1.2, sigma_chi=0.3, lambda_chi=0.05, mu_xi=0.0, sigma_xi=0.15, rho=0.2, mu_xi_star=-0.02
    )
    tenors = np.array([0.1, 0.25, 0.5, 1.0, 2.0])
    prices = np.exp(truth.log_futures(0.0, np.log(2.35), tenors))
    fit = calibrate(tenors, prices, spot=2.35, prior=truth)
    assert isinstance(fit, CalibrationResult) and isinstance(fit, Result)
    assert repr(fit).startswith("<CalibrationResult tenors=5 success=True rmse_log=")
    assert str(fit) == fit.summary() and "kappa" in str(fit)
    assert list(fit.to_frame().columns) == ["tenor_years", "observed", "fitted", "residual"]
    assert not fit.fitted.flags.writeable


# -- SweepResult ------------------------------------------------------------------------------


def _sweep_rows() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for strategy in ("front_month", "gsci"):
        for path in range(20):
            rec = {"scenario": "compute", "strategy": strategy, "path": path}
            for c in ("er_return", "tr_return", "term_structure", "nav_return", "tracking_difference"):
                rec[c] = float(rng.normal(0.02, 0.1))
            rec["costs_per_year"], rec["halted_days"] = 0.01, 0.0
            rec["monthly_nav"] = list(25.0 * np.exp(np.cumsum(rng.normal(0, 0.05, 12))))
            rows.append(rec)
    return pd.DataFrame(rows)


def test_sweep_result_summary_is_text_and_the_table_a_frame() -> None:
    rows = _sweep_rows()
    res = SweepResult(Path("sweeps/x"), rows, 4, 0)
    assert isinstance(res.summary(), str) and str(res) == res.summary()
    assert "compute / gsci: 20 paths" in res.summary()
    pd.testing.assert_frame_equal(res.table(), summarise(rows))
    assert res.to_frame() is rows
    assert repr(res) == "<SweepResult folder='sweeps/x' rows=40 runs=2 computed=4>"
    pd.testing.assert_frame_equal(res._repr_frame(), summarise(rows))


def test_sweep_fan_plot_holds_the_percentiles() -> None:
    rows = _sweep_rows()
    res = SweepResult(Path("sweeps/x"), rows, 4, 0)
    fan = res.fan(strategy="gsci")
    values = np.vstack(rows[rows["strategy"] == "gsci"]["monthly_nav"].to_list())
    np.testing.assert_allclose(fan["p50"].to_numpy(), np.percentile(values, 50, axis=0), rtol=1e-15)
    assert fan.index.tolist() == list(range(1, 13))
    ax = res.plot(ax=Figure().add_subplot(), strategy="gsci")
    median = ax.get_lines()[0]
    np.testing.assert_array_equal(median.get_ydata(), fan["p50"].to_numpy())
    np.testing.assert_array_equal(median.get_xdata(), np.arange(1, 13))
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.max(), fan["p95"].max()) and np.isclose(band.min(), fan["p5"].min())
    with pytest.raises(DataError, match="choose one with strategy= from"):
        res.fan()
    with pytest.raises(DataError, match="'bcom' is not in the sweep"):
        res.fan(strategy="bcom")
    with pytest.raises(DataError, match="no finished chunks"):
        SweepResult(Path("empty"), rows.iloc[:0], 0, 0).fan()
