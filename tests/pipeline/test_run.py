"""``run_strategy``, the one pipeline call, and the statistics table every table reads."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import etfsim.pipeline.statistics as statistics_module
from etfsim.curves.model_curve import ModelCurve
from etfsim.exceptions import DataError, UnknownNameError
from etfsim.fund.engine import FundResult
from etfsim.fund.metrics import fund_metrics
from etfsim.fund.summary import FundSummary
from etfsim.pipeline import STATISTICS, Statistic, backtest, load_strategy, run_strategy, statistic, statistics_of
from etfsim.report.tables import FORMATS
from etfsim.scenario import load_scenario

PATHS = 6


@pytest.fixture(scope="module")
def model() -> ModelCurve:
    sc = dataclasses.replace(load_scenario(), years=2.0)
    (chunk,) = list(sc.iter_chunks(paths=PATHS, chunk_size=PATHS, lazy_prices=True))
    return chunk


def test_the_table_is_well_formed() -> None:
    columns = [s.column for s in STATISTICS]
    assert len(columns) == len(set(columns))
    for s in STATISTICS:
        assert s.fmt in FORMATS, s.column
        assert s.label and s.heading and s.definition and s.of in ("index", "fund") and s.tables, s.column
        assert s.tables <= {"backtest", "fund", "sweep"}, s.column
    assert statistic("tracking_error").fmt == "pct_u"
    with pytest.raises(UnknownNameError, match="unknown statistic 'sharpe'; known statistics: contango_share"):
        statistic("sharpe")


def test_summarised_and_recorded_funds_give_the_same_statistics(model: ModelCurve) -> None:
    strat = load_strategy("compute_default")
    recorded = run_strategy(model, strat, strat.fund, strat.demand)
    reduced = run_strategy(model, strat, strat.fund, strat.demand, summarise=True, keep=np.array([10, 20]))
    assert isinstance(recorded.fund, FundResult) and isinstance(reduced.fund, FundSummary)
    assert list(recorded.stats.columns) == [s.column for s in STATISTICS]
    pd.testing.assert_frame_equal(recorded.stats, reduced.stats, rtol=1e-12, atol=1e-12, check_dtype=False)
    # the fund statistics are the fund's own metrics, by the definitions in the table
    m = fund_metrics(recorded.fund)
    d = np.asarray(recorded.fund.dates).astype("datetime64[D]")
    years = float((d[-1] - d[recorded.fund.start]).astype(np.int64)) / 365.0
    cost = (m["fees"] + m["trading_costs"] + m["impact_costs"]) / m["nav_mean"] / years
    np.testing.assert_allclose(recorded.stats["costs_per_year"], cost, rtol=1e-14)
    np.testing.assert_allclose(recorded.stats["premium_days_per_year"], m["days_premium"] / years, rtol=1e-14)
    np.testing.assert_allclose(recorded.stats["nav_return"], m["nav_return"], rtol=1e-14)


def test_a_model_curve_priced_on_demand_gives_the_fully_priced_figures(model: ModelCurve) -> None:
    strat = load_strategy("gsci")
    full = model.to_curve()
    lazy = run_strategy(model, strat, strat.fund)
    priced = run_strategy(full, strat)
    assert lazy.curve.depth < full.depth and lazy.slots is not None and priced.slots is None
    np.testing.assert_allclose(lazy.index.tr, priced.index.tr, rtol=1e-13)
    cols = [s.column for s in statistics_of("backtest")]
    pd.testing.assert_frame_equal(lazy.stats[cols], priced.stats[cols], rtol=1e-12, check_dtype=False)


def test_a_fund_at_another_rate_tracks_its_own_index(model: ModelCurve) -> None:
    strat = load_strategy("compute_default")
    # the default fund earns 91-day T-bills at 3.6% (DTB3 in March 2026): another rate than this run's 0%
    assert strat.fund is not None and strat.fund.collateral_rate == 0.036
    rate = strat.fund.collateral_rate
    run = run_strategy(model, strat, strat.fund, collateral_rate=0.0)
    assert run.stats["tr_return"].to_numpy() == pytest.approx(run.stats["er_return"].to_numpy(), abs=1e-12)
    # the fund's own index earns the fund's T-bills: the TR index at 3.6%, not the 0% one of this run
    at_its_rate = run_strategy(model, strat, collateral_rate=rate)
    np.testing.assert_allclose(run.stats["index_tr_return"], at_its_rate.stats["tr_return"], rtol=1e-12)
    gap = np.log1p(at_its_rate.stats["tr_return"]) - np.log1p(run.stats["tr_return"])  # T-bills at 3.6%, in logs
    assert ((gap > rate - 0.005) & (gap < rate + 0.005)).all()


def test_on_paths_keeps_each_paths_own_demand(model: ModelCurve) -> None:
    strat = load_strategy("compute_default")
    run = run_strategy(model, strat, strat.fund, strat.demand)
    curve, schedule = run.on_paths(3, 5)
    from etfsim.fund.engine import simulate_fund

    part = simulate_fund(curve, schedule, strat.fund, flows=strat.demand, slots=run.slots)
    assert isinstance(run.fund, FundResult)
    np.testing.assert_array_equal(part.nav, run.fund.nav[3:5])
    with pytest.raises(DataError, match="paths 5 to 6 are not all on the run's 6 paths"):
        run.on_paths(5, 7)


def test_a_new_statistic_is_one_row(model: ModelCurve, monkeypatch: pytest.MonkeyPatch) -> None:
    row = Statistic(
        "er_minus_tr",
        "ER - TR / yr",
        "pct",
        "excess-return minus total-return growth (minus the collateral)",
        "index",
        frozenset({"backtest"}),
        lambda s: s.annualised["er_return"].to_numpy() - s.annualised["tr_return"].to_numpy(),
    )
    monkeypatch.setattr(statistics_module, "STATISTICS", (*STATISTICS, row))
    res = backtest(model.to_curve(), ["gsci"], collateral_rate=0.04)
    table = res.table()
    assert "er_minus_tr" in table.columns and "er_minus_tr" in res.stats_frame().columns
    assert table.loc["gsci", "er_minus_tr"] == pytest.approx(
        table.loc["gsci", "er_return"] - table.loc["gsci", "tr_return"], abs=1e-12
    )


def test_a_run_that_keeps_no_curve_says_so(model: ModelCurve) -> None:
    run = run_strategy(model, "gsci", keep_curve=False)
    assert run.curve is None and run.n_paths == PATHS and "not kept" in repr(run)
    with pytest.raises(DataError, match="did not keep its curve; run it with keep_curve=True"):
        run.on_paths(0, 1)


def test_the_contango_share_given_as_a_function_is_asked_for_once_and_used(model: ModelCurve) -> None:
    """A study hands each run a function, so the share is worked out once per curve, on the runs' threads."""
    own = run_strategy(model, "front_month").stats["contango_share"].to_numpy()
    calls: list[int] = []

    def share() -> np.ndarray:
        calls.append(1)
        return np.linspace(0.1, 0.6, PATHS)

    given = run_strategy(model, "front_month", contango=share).stats["contango_share"].to_numpy()
    assert len(calls) == 1
    np.testing.assert_array_equal(given, np.linspace(0.1, 0.6, PATHS))
    np.testing.assert_array_equal(run_strategy(model, "front_month", contango=lambda: own).stats["contango_share"], own)


def test_a_model_curve_handed_over_goes_before_the_fund_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep's chunk hands its curve over: the factor paths are freed once the contracts held are priced."""
    import gc
    import weakref

    import etfsim.pipeline.run as run_module

    sc = dataclasses.replace(load_scenario(), years=1.0)
    curves = list(sc.iter_chunks(paths=3, chunk_size=3, lazy_prices=True))
    ref = weakref.ref(curves[0])
    alive_at_fund: list[bool] = []
    real = run_module.summarise_fund

    def fund(*args: object, **kwargs: object) -> FundSummary:
        gc.collect()
        alive_at_fund.append(ref() is not None)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "summarise_fund", fund)
    terms = load_strategy("compute_default")
    handed = run_strategy(curves.pop(), "gsci", terms.fund, summarise=True, contango=np.zeros(3))
    assert alive_at_fund == [False] and handed.n_paths == 3
    # a caller that keeps its curve keeps it, and the contango share is still the curve's own
    (kept,) = list(sc.iter_chunks(paths=3, chunk_size=3, lazy_prices=True))
    run = run_strategy(kept, "gsci", terms.fund, summarise=True)
    np.testing.assert_array_equal(run.stats["contango_share"], kept.contango_share())
    np.testing.assert_array_equal(run.stats["nav_return"], handed.stats["nav_return"])
