"""The sheet's performance statistics against quantstats (a well-kept library, used here as an oracle only).

On the saved default run's headline fund (tests/data/default_run/fund_headline.parquet: NAV per share
with reverse splits undone, and the T-bill return) and on a seeded random series: Sharpe and Sortino on
monthly returns over T-bills, maximum drawdown, volatility, calendar-year returns, hit rate and payoff
ratio.  Where the two libraries define a figure differently the test says how and compares like with
like.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from etfsim.metrics import annualised_volatility, max_drawdown
from etfsim.report.stats import (
    calendar_year_returns,
    hit_rate,
    monthly_returns,
    payoff_ratio,
    sharpe_ratio,
    sortino_ratio,
)

# quantstats sets seaborn's plotting style when imported; keep that out of every other test's charts
with matplotlib.rc_context():
    import quantstats as qs

DEFAULT_RUN = Path(__file__).resolve().parents[1] / "data" / "default_run" / "fund_headline.parquet"


def _saved() -> tuple[pd.Series, pd.Series]:
    frame = pd.read_parquet(DEFAULT_RUN)
    index = pd.DatetimeIndex(frame["date"])
    return (
        pd.Series(frame["nav_per_share_adj"].to_numpy(float), index=index),
        pd.Series(frame["tbill_return"].to_numpy(float), index=index),
    )


def _random() -> tuple[pd.Series, pd.Series]:
    days = pd.bdate_range("2026-04-01", "2034-12-31")
    rng = np.random.default_rng(20261203)
    levels = 25.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, len(days))))
    return pd.Series(levels, index=days), pd.Series(0.036 / 252, index=days)


CASES = {"default run": _saved, "random walk": _random}


@pytest.fixture(params=list(CASES))
def series(request: pytest.FixtureRequest) -> tuple[pd.Series, pd.Series]:
    return CASES[request.param]()


def _monthly_excess(levels: pd.Series, tbill: pd.Series) -> tuple[pd.Series, pd.Series]:
    monthly = monthly_returns(levels)
    # the T-bill's return compounded over each month, as the sheet takes it
    rf = (1.0 + tbill).groupby(tbill.index.to_period("M")).prod() - 1.0
    return monthly, rf.reindex(monthly.index)


def test_sharpe_and_sortino_equal_quantstats_on_monthly_excess_returns(series) -> None:  # type: ignore[no-untyped-def]
    levels, tbill = series
    monthly, rf = _monthly_excess(levels, tbill)
    excess = (monthly - rf).dropna()
    excess.index = excess.index.to_timestamp("M")
    # quantstats subtracts a constant rf; the sheet a monthly series, so both are handed the excess returns
    assert sharpe_ratio(monthly, rf, 12) == pytest.approx(qs.stats.sharpe(excess, rf=0.0, periods=12), rel=1e-12)
    assert sortino_ratio(monthly, rf, 12) == pytest.approx(qs.stats.sortino(excess, rf=0.0, periods=12), rel=1e-12)


def test_max_drawdown_equals_quantstats(series) -> None:  # type: ignore[no-untyped-def]
    levels, _tbill = series
    ours = float(max_drawdown(levels.to_numpy()[None, :])[0])
    assert ours == pytest.approx(qs.stats.max_drawdown(levels), rel=1e-12)


def test_volatility_equals_quantstats_on_daily_log_returns(series) -> None:  # type: ignore[no-untyped-def]
    levels, _tbill = series
    dates = levels.index.to_numpy().astype("datetime64[D]")
    ours = float(annualised_volatility(levels.to_numpy()[None, :], dates)[0])
    logs = np.log(levels).diff().dropna()
    # etfsim annualises by the returns a year the record holds (ACT/365 years), quantstats by a fixed count
    per_year = len(logs) / ((levels.index[-1] - levels.index[0]).days / 365.0)
    assert ours == pytest.approx(qs.stats.volatility(logs, periods=per_year), rel=1e-10)


def test_calendar_year_returns_equal_quantstats_compounded_by_year(series) -> None:  # type: ignore[no-untyped-def]
    levels, _tbill = series
    ours = calendar_year_returns(levels)["return"]
    daily = levels.pct_change().dropna()
    theirs = qs.utils.group_returns(daily, daily.index.year, compounded=True)
    np.testing.assert_allclose(ours.to_numpy(), theirs.reindex(ours.index).to_numpy(), rtol=1e-10)


def test_hit_rate_and_payoff_ratio_equal_quantstats(series) -> None:  # type: ignore[no-untyped-def]
    levels, _tbill = series
    monthly = monthly_returns(levels)
    monthly.index = monthly.index.to_timestamp("M")
    assert (monthly != 0).all()  # quantstats' win rate leaves out flat months, the sheet counts them
    assert hit_rate(monthly) == pytest.approx(qs.stats.win_rate(monthly, aggregate=None), rel=1e-12)
    assert payoff_ratio(monthly) == pytest.approx(qs.stats.payoff_ratio(monthly), rel=1e-12)


def test_the_sheet_prints_what_quantstats_computes(saved) -> None:  # type: ignore[no-untyped-def]
    from etfsim.report.factsheet import factsheet_data

    values = factsheet_data(saved).all_cells()
    index = pd.DatetimeIndex(saved.fund["date"])
    levels = pd.Series(saved.fund["nav_per_share_adj"].to_numpy(float), index=index)
    tbill = pd.Series(saved.fund["tbill_return"].to_numpy(float), index=index)
    monthly, rf = _monthly_excess(levels, tbill)
    excess = (monthly - rf).dropna()
    excess.index = excess.index.to_timestamp("M")
    assert values["risk.sharpe"] == pytest.approx(qs.stats.sharpe(excess, rf=0.0, periods=12), rel=1e-12)
    assert values["risk.sortino"] == pytest.approx(qs.stats.sortino(excess, rf=0.0, periods=12), rel=1e-12)
    assert values["risk.max_drawdown"] == pytest.approx(qs.stats.max_drawdown(levels), rel=1e-9)
    yearly = qs.utils.group_returns(levels.pct_change().dropna(), levels.index.year[1:], compounded=True)
    for year, value in yearly.items():
        assert values[f"calendar_years.nav.{year}"] == pytest.approx(value, rel=1e-10)
