"""Standardised performance (SEC Form N-1A Item 4(b)(2)(iii), Rule 482(d)(3)): 1, 5, 10 years and since
inception, average annual, as of the most recent calendar quarter end; every expected figure by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etfsim.report.standardised import quarter_end, since_launch, standardised_performance


@pytest.mark.parametrize(
    ("day", "end"),
    [
        ("2036-04-01", "2036-03-31"),
        ("2036-03-31", "2036-03-31"),
        ("2036-12-31", "2036-12-31"),
        ("2036-01-15", "2035-12-31"),
        ("2036-09-29", "2036-06-30"),
    ],
)
def test_quarter_end_is_the_last_one_on_or_before(day: str, end: str) -> None:
    assert quarter_end(day) == pd.Timestamp(end)


def _levels(start: str, end: str, rate: float) -> pd.Series:
    """A level growing at ``rate`` a year (ACT/365) from 25 on ``start``, every business day."""
    days = pd.bdate_range(start, end)
    t = (days - days[0]).days.to_numpy() / 365.0
    return pd.Series(25.0 * (1.0 + rate) ** t, index=days)


def test_the_table_is_as_of_the_quarter_end_with_dashes_before_inception() -> None:
    nav = _levels("2029-06-03", "2036-05-20", 0.05)
    market = nav * 1.001
    table, as_of, ratios = standardised_performance(
        {"nav": nav, "market": market}, "2036-05-20", "2029-06-03", 25.2, 0.0095
    )
    assert as_of == "2036-03-31"
    q = pd.Timestamp("2036-03-31")
    level = nav[nav.index <= q].iloc[-1]
    five_back = nav[nav.index <= pd.Timestamp("2031-03-31")].iloc[-1]
    cells = {c.key: c.value for c in table.cells()}
    assert cells["standardised.nav.1Y"] == pytest.approx(level / nav[nav.index <= "2035-03-31"].iloc[-1] - 1)
    assert cells["standardised.nav.5Y"] == pytest.approx((level / five_back) ** (1 / 5) - 1)
    assert np.isnan(cells["standardised.nav.10Y"])  # the record is under ten years
    days = (q - pd.Timestamp("2029-06-03")).days
    assert cells["standardised.nav.SI"] == pytest.approx((level / 25.2) ** (365 / days) - 1)  # from the launch price
    m_level = market[market.index <= q].iloc[-1]
    assert cells["standardised.market.SI"] == pytest.approx((m_level / 25.2) ** (365 / days) - 1)
    assert {f.key: f.value for f in ratios} == {"expense.gross": 0.0095, "expense.net": 0.0095}


def test_since_launch_is_cumulative_within_a_year_and_nan_before_inception() -> None:
    nav = _levels("2036-01-02", "2036-05-20", 0.10)
    q = pd.Timestamp("2036-03-31")
    assert since_launch(nav, q, pd.Timestamp("2036-01-02"), 25.0) == pytest.approx(nav[:q].iloc[-1] / 25.0 - 1)
    assert np.isnan(since_launch(nav, pd.Timestamp("2035-12-31"), pd.Timestamp("2036-01-02"), 25.0))
