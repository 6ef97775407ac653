"""Fact-sheet statistics on hand-made series, each figure worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etfsim.exceptions import DataError
from etfsim.report import stats


def _levels(points: dict[str, float]) -> pd.Series:
    return pd.Series(list(points.values()), index=pd.DatetimeIndex(list(points)), dtype=float)


# a record from 2020-01-15 to 2023-06-30 with a few month ends; 2020-02-29 is a leap day
SERIES = _levels(
    {
        "2020-01-15": 100.0,  # inception
        "2020-02-28": 104.0,  # Friday: the last level on or before 29 Feb 2020
        "2020-06-30": 90.0,
        "2020-12-31": 110.0,
        "2022-06-30": 120.0,  # the 1Y start of 30 June 2023
        "2022-12-30": 125.0,  # Friday 30 Dec 2022: the YTD start (31 Dec is a Saturday)
        "2023-03-31": 130.0,  # 3M start
        "2023-05-31": 128.0,  # 1M start (month end to month end)
        "2023-06-30": 132.0,  # as of
    }
)


def test_period_starts_step_back_by_calendar_months_and_stop_at_inception() -> None:
    as_of, inception = pd.Timestamp("2023-06-30"), pd.Timestamp("2020-01-15")
    assert stats.period_start(as_of, "1M", inception) == pd.Timestamp("2023-05-31")
    assert stats.period_start(pd.Timestamp("2023-06-15"), "1M", inception) == pd.Timestamp("2023-05-15")
    assert stats.period_start(pd.Timestamp("2023-03-31"), "1M", inception) == pd.Timestamp("2023-02-28")
    assert stats.period_start(as_of, "YTD", inception) == pd.Timestamp("2022-12-31")
    assert stats.period_start(as_of, "3Y", inception) == pd.Timestamp("2020-06-30")
    assert stats.period_start(as_of, "SI", inception) == inception
    assert stats.period_start(pd.Timestamp("2021-06-30"), "3Y", inception) is None  # before inception: no figure


def test_period_returns_by_hand() -> None:
    r = stats.performance_table({"nav": SERIES}).loc["nav"]
    # 1M: 31 May 2023 -> 128
    assert r["1M"] == pytest.approx(132.0 / 128.0 - 1.0, abs=1e-15)
    # 3M: 31 March 2023 -> 130
    assert r["3M"] == pytest.approx(132.0 / 130.0 - 1.0, abs=1e-15)
    # YTD: 31 December 2022 -> Friday 30 December's 125
    assert r["YTD"] == pytest.approx(132.0 / 125.0 - 1.0, abs=1e-15)
    # 1Y: 30 June 2022 -> 120, cumulative
    assert r["1Y"] == pytest.approx(132.0 / 120.0 - 1.0, abs=1e-15)
    # 3Y: 30 June 2020 -> 90, annualised over three years
    assert r["3Y"] == pytest.approx((132.0 / 90.0) ** (1.0 / 3.0) - 1.0, abs=1e-15)
    # since inception: 1,262 days (15 Jan 2020 to 30 Jun 2023), annualised ACT/365
    days = (pd.Timestamp("2023-06-30") - pd.Timestamp("2020-01-15")).days
    assert days == 1262
    assert r["SI"] == pytest.approx((132.0 / 100.0) ** (365.0 / days) - 1.0, abs=1e-15)


def test_a_young_record_shows_dashes_and_a_cumulative_since_inception() -> None:
    young = _levels({"2023-02-01": 10.0, "2023-03-31": 10.5, "2023-06-30": 11.0})
    r = stats.performance_table({"nav": young}).loc["nav"]
    assert math.isnan(r["YTD"]) and math.isnan(r["1Y"]) and math.isnan(r["3Y"])  # start before inception
    assert r["3M"] == pytest.approx(11.0 / 10.5 - 1.0)
    assert r["SI"] == pytest.approx(11.0 / 10.0 - 1.0)  # under a year: not annualised


def test_as_of_earlier_than_the_last_date_uses_the_level_on_or_before_it() -> None:
    # as of 15 April 2023: the level on or before is 31 March's 130; 1M starts 15 March -> 125 (30 Dec)
    r = stats.period_return(SERIES, "1M", as_of="2023-04-15")
    assert r == pytest.approx(130.0 / 125.0 - 1.0)


def test_calendar_years_chain_from_the_last_level_of_the_year_before() -> None:
    frame = stats.calendar_year_returns(SERIES)
    assert list(frame.index) == [2020, 2022, 2023]
    assert frame.at[2020, "return"] == pytest.approx(110.0 / 100.0 - 1.0)
    assert frame.at[2022, "return"] == pytest.approx(125.0 / 110.0 - 1.0)  # no 2021 level: from the end of 2020
    assert frame.at[2023, "return"] == pytest.approx(132.0 / 125.0 - 1.0)
    assert frame["partial"].tolist() == [True, False, True]  # starts in January 2020; ends in June 2023


def test_monthly_returns_and_risk_ratios_by_hand() -> None:
    levels = _levels(
        {"2024-01-02": 100.0, "2024-01-31": 110.0, "2024-02-29": 99.0, "2024-03-28": 108.9, "2024-04-30": 98.01}
    )
    m = stats.monthly_returns(levels)
    np.testing.assert_allclose(m.to_numpy(), [0.10, -0.10, 0.10, -0.10], atol=1e-12)
    assert stats.hit_rate(m) == 0.5
    assert stats.payoff_ratio(m) == pytest.approx(1.0)
    # risk-free 0: excess mean 0 -> Sharpe and Sortino 0
    assert stats.sharpe_ratio(m) == pytest.approx(0.0, abs=1e-12)
    r = pd.Series([0.02, -0.01, 0.03, 0.00])
    rf = 0.005
    excess = r.to_numpy() - rf
    want_sharpe = excess.mean() / excess.std(ddof=1) * math.sqrt(12)
    want_dd = math.sqrt(np.mean(np.minimum(excess, 0.0) ** 2))  # only -0.015 and -0.005 count
    assert want_dd == pytest.approx(math.sqrt((0.015**2 + 0.005**2) / 4))
    assert stats.sharpe_ratio(r, rf) == pytest.approx(want_sharpe)
    assert stats.sortino_ratio(r, rf) == pytest.approx(excess.mean() / want_dd * math.sqrt(12))
    # a risk-free series is aligned by index
    rf_series = pd.Series([0.005] * 4, index=r.index)
    assert stats.sharpe_ratio(r, rf_series) == pytest.approx(want_sharpe)


def test_cost_drag_sums_each_days_cost_over_the_previous_nav() -> None:
    # 1 of 100 and 2 of 200 over half a year: (0.01 + 0.01) / 0.5 = 4% a year
    assert stats.cost_drag([1.0, 2.0], [100.0, 200.0], 0.5) == pytest.approx(0.04)


def test_percentile_fan_across_paths() -> None:
    x = np.arange(10.0).reshape(5, 2)
    fan = stats.percentile_fan(x, (0, 50, 100))
    np.testing.assert_array_equal(fan, [[0.0, 1.0], [4.0, 5.0], [8.0, 9.0]])


def test_bad_input_names_the_problem() -> None:
    with pytest.raises(DataError, match="indexed by date"):
        stats.period_return(pd.Series([1.0, 2.0]), "1Y")
    with pytest.raises(DataError, match="unknown period '2Y'"):
        stats.period_return(SERIES, "2Y")
