"""Premium/discount as 17 CFR 270.6c-11(c)(1)(iv), (v) and (vii) ask an ETF to publish it.

The rule's periods: the most recently completed calendar year and the
completed calendar quarters since; the median bid-ask spread over the last
30 calendar days; a statement when the premium or discount exceeded 2% for
more than seven consecutive trading days.  Every expected figure here is
counted by hand from the series the test builds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etfsim.report.premium_6c11 import (
    SHARE_TICK,
    median_spread,
    persistent_premiums,
    premium_periods,
    premium_section,
    share_spread,
)


def _series(start: str, end: str, value: float = 0.001) -> pd.Series:
    days = pd.bdate_range(start, end)
    return pd.Series(value, index=days)


def test_periods_are_the_last_completed_year_and_the_quarters_since() -> None:
    prem = _series("2030-01-01", "2036-05-15")
    prem[prem.index.year == 2035] = -0.002  # every day of 2035 at a discount
    prem[(prem.index >= "2036-02-01") & (prem.index <= "2036-02-10")] = 0.0  # at NAV
    table = premium_periods(prem, pd.Timestamp("2036-05-15"))
    assert list(table["period"]) == ["2035", "2036 Q1"]  # Q2 2036 is not complete; 2034 is not the latest year
    y2035 = table.iloc[0]
    assert y2035["days_discount"] == len(pd.bdate_range("2035-01-01", "2035-12-31"))
    assert y2035["days_premium"] == 0
    q1 = table.iloc[1]
    at_nav = len(pd.bdate_range("2036-02-01", "2036-02-10"))
    assert q1["days_at_nav"] == at_nav
    assert q1["days_premium"] == len(pd.bdate_range("2036-01-01", "2036-03-31")) - at_nav
    assert q1["max_premium"] == pytest.approx(0.001)


def test_on_a_year_end_the_year_just_ended_is_the_whole_table() -> None:
    prem = _series("2030-01-01", "2036-12-31")
    table = premium_periods(prem, pd.Timestamp("2036-12-31"))
    assert list(table["period"]) == ["2036"]


def test_on_a_quarter_end_that_quarter_is_complete() -> None:
    prem = _series("2030-01-01", "2036-09-30")
    table = premium_periods(prem, pd.Timestamp("2036-09-30"))
    assert list(table["period"]) == ["2035", "2036 Q1", "2036 Q2", "2036 Q3"]


def test_a_young_fund_shows_its_periods_from_launch() -> None:
    prem = _series("2035-08-15", "2036-02-20")
    table = premium_periods(prem, pd.Timestamp("2036-02-20"))
    assert list(table["period"]) == ["2035 (from launch)"]
    assert table.iloc[0]["days_premium"] == len(pd.bdate_range("2035-08-15", "2035-12-31"))


def test_persistent_runs_are_more_than_seven_days_over_two_percent() -> None:
    prem = _series("2036-01-01", "2036-06-30", 0.0)
    days = prem.index
    prem.iloc[10:18] = 0.025  # 8 days: a run
    prem.iloc[30:37] = 0.03  # 7 days: not more than seven
    prem.iloc[50:55] = -0.021  # 5 days at a discount, then 5 at a premium: two short runs, not one
    prem.iloc[55:60] = 0.021
    prem.iloc[70:79] = -0.04  # 9 days at a discount
    prem.iloc[72] = -0.05
    runs = persistent_premiums(prem)
    assert len(runs) == 2
    first, second = runs.iloc[0], runs.iloc[1]
    assert (first["start"], first["end"], first["days"], first["kind"]) == (days[10], days[17], 8, "premium")
    assert (second["days"], second["kind"], second["largest"]) == (9, "discount", pytest.approx(-0.05))


def test_exactly_two_percent_is_not_over_two_percent() -> None:
    prem = _series("2036-01-01", "2036-03-31", 0.02)
    assert persistent_premiums(prem).empty


def test_share_spread_is_the_futures_spread_or_one_cent_whichever_is_larger() -> None:
    days = pd.DatetimeIndex(["2036-01-02", "2036-01-03"])
    holdings = pd.DataFrame(
        {
            "date": [days[0], days[0], days[1]],
            "price": [2.0, 4.0, 2.0],
            "weight": [0.5, 0.5, 1.0],
        }
    )
    price = pd.Series([25.0, 0.5], index=days)
    spread = share_spread(price, holdings, half_spread_ticks=0.5, tick=0.01)
    # day 0: 2 x 0.5 x 0.01 x (0.5/2 + 0.5/4) / 1.0 = 0.00375, above $0.01 / $25 = 0.0004
    assert spread.iloc[0] == pytest.approx(0.00375)
    # day 1: futures 0.005; one cent on a $0.50 share is 2%, the larger
    assert spread.iloc[1] == pytest.approx(SHARE_TICK / 0.5)


def test_median_spread_takes_the_last_thirty_calendar_days() -> None:
    days = pd.date_range("2036-01-01", "2036-03-31", freq="D")
    spread = pd.Series(np.where(days > pd.Timestamp("2036-03-01"), 0.002, 0.009), index=days)
    assert median_spread(spread, pd.Timestamp("2036-03-31")) == pytest.approx(0.002)  # 2 March to 31 March
    assert median_spread(spread, pd.Timestamp("2036-03-20")) == pytest.approx(0.002)  # 19 days at 0.2%, 11 at 0.9%


def _fund(prem: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    fund = pd.DataFrame({"date": prem.index, "premium": prem.to_numpy(), "market_price": 25.0})
    holdings = pd.DataFrame({"date": prem.index, "price": 2.0, "weight": 1.0})
    return fund, holdings


@pytest.mark.parametrize(
    ("structure", "says"), [("33_act_pool", "not to a commodity pool"), ("40_act_subsidiary", "Rule 6c-11(c)(1)(iv)")]
)
def test_the_section_says_whether_the_rule_applies(structure: str, says: str) -> None:
    prem = _series("2034-01-02", "2036-05-15", 0.001)
    fund, holdings = _fund(prem)
    facts, table, notes = premium_section(fund, holdings, "2036-05-15", {"structure": structure}, 0.01, 3.0)
    assert says in notes[0]
    assert [r.label for r in table.rows] == ["2035", "2036 Q1"]
    values = {f.key: f.value for f in facts}
    assert values["premium.days_premium"] == len(prem)
    assert values["premium.persistent"] == 0
    assert values["premium.halted_days"] == 3.0
    # a half-tick of 0.01 on a $2 contract held at 1x NAV: 2 x 0.5 x 0.01 / 2 = 0.5%
    assert values["premium.median_spread"] == pytest.approx(0.005)
    assert "did not exceed 2%" in notes[2]


def test_the_statement_names_the_latest_run_of_the_year() -> None:
    prem = _series("2035-01-02", "2036-05-15", 0.0)
    prem[(prem.index >= "2036-03-03") & (prem.index <= "2036-03-14")] = 0.031
    fund, holdings = _fund(prem)
    _facts, _table, notes = premium_section(fund, holdings, "2036-05-15", {"structure": "40_act_subsidiary"}, 0.01, 0)
    assert "Rule 6c-11(c)(1)(vii) statement" in notes[2]
    assert "10 consecutive trading days from 2036-03-03 to 2036-03-14" in notes[2]
    assert "3.10%" in notes[2]
