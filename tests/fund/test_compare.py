"""The futures ETF against its stock twin: the table, and the after-tax arithmetic worked by hand.

Tax rules assumed by etfsim/fund/comparison.py (TaxAssumptions): a top-bracket US
holder, 23.8% long-term (20% + 3.8% net investment income tax), 40.8%
short-term.  Futures ETF (Internal Revenue Code section 1256): gains marked to
market at each calendar year end, taxed 60% long / 40% short = 30.6%, losses
credited at the same rate.  Stock ETF: dividends taxed in the year they are
paid; price gains taxed once, at 23.8%, when the holder sells.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import etfsim
from etfsim.fund import FundConfig, InvestorDemand, fund_metrics
from etfsim.fund.comparison import TaxAssumptions, after_tax_futures, after_tax_stock, compare
from etfsim.fund.stock_twin import StockBasket, StockFundResult
from etfsim.roll import roll_schedule


def test_compare_is_the_function_the_readme_calls() -> None:
    # README: etfsim.fund.compare(curve, schedule, config, basket=StockBasket(...)); it was once a module
    import etfsim.fund

    assert callable(etfsim.fund.compare)
    assert etfsim.fund.compare is compare is etfsim.compare
    assert etfsim.fund.Comparison is etfsim.Comparison
    assert etfsim.fund.TaxAssumptions is TaxAssumptions
    assert {"compare", "Comparison", "TaxAssumptions"} <= set(etfsim.fund.__all__)


ROWS = [
    "NAV return / yr",
    "index total return / yr",
    "term-structure contribution / yr (log)",
    "tracking difference / yr",
    "tracking error",
    "days at a premium / yr",
    "days at a discount / yr",
    "mean absolute premium",
    "largest premium",
    "fees / yr (of average NAV)",
    "trading and impact costs / yr",
    "creation halts (days)",
    "after-tax return / yr",
]


@pytest.fixture(scope="module")
def comparison():
    curve = dataclasses.replace(etfsim.load_scenario(), years=1.5).simulate(paths=3, seed=17)
    schedule = roll_schedule(curve, "gsci")
    cfg = FundConfig(collateral_rate=0.04, impact_coefficient=0.002, daily_volume=200_000, open_interest=1_500_000)
    return curve, compare(
        curve, schedule, cfg, basket=StockBasket(compute_beta=0.5), flows=InvestorDemand(volatility=0.004, seed=1)
    )


def test_table_rows_and_columns(comparison) -> None:
    _curve, cmp = comparison
    assert list(cmp.table.columns) == ["futures ETF", "stock ETF"]
    assert list(cmp.table.index) == ROWS
    assert np.isfinite(cmp.table.to_numpy()).all()
    assert "term-structure contribution" in str(cmp)


def test_futures_column_is_the_fund_metrics_means(comparison) -> None:
    curve, cmp = comparison
    fut = cmp.table["futures ETF"]
    fm = fund_metrics(cmp.futures)
    for row, col in [
        ("NAV return / yr", "nav_return"),
        ("index total return / yr", "index_tr_return"),
        ("tracking difference / yr", "tracking_difference"),
        ("tracking error", "tracking_error"),
        ("creation halts (days)", "halted_days"),
    ]:
        assert fut[row] == pytest.approx(fm[col].mean(), rel=1e-12, abs=1e-15), row
    # the futures fund's term-structure contribution is its index's; the stock fund never rolls
    ts = cmp.futures.index.annualised()["term_structure"]
    assert fut["term-structure contribution / yr (log)"] == pytest.approx(ts.mean(), rel=1e-12)
    assert abs(ts.mean()) > 1e-3
    assert cmp.table.loc["term-structure contribution / yr (log)", "stock ETF"] == 0.0
    # in-kind flows cost the stock fund nothing and it has no limits
    assert cmp.table.loc["trading and impact costs / yr", "stock ETF"] == 0.0
    assert cmp.table.loc["trading and impact costs / yr", "futures ETF"] > 0.0
    assert cmp.table.loc["creation halts (days)", "stock ETF"] == 0.0
    # fees per year of average NAV are each fund's expense ratio (0.75% futures default, 0.20% stock twin)
    assert cmp.table.loc["fees / yr (of average NAV)", "futures ETF"] == pytest.approx(0.0075, rel=0.03)
    assert cmp.table.loc["fees / yr (of average NAV)", "stock ETF"] == pytest.approx(0.0020, rel=0.03)
    # after-tax rows are the two functions below, averaged over paths
    s = cmp.futures.start
    tax = TaxAssumptions()
    from etfsim.fund.comparison import _interest_share

    at_f = after_tax_futures(
        cmp.futures.nav_per_share_adjusted, np.asarray(curve.dates), s, tax, interest=_interest_share(cmp.futures)
    )
    assert fut["after-tax return / yr"] == pytest.approx(at_f.mean(), rel=1e-12)
    assert cmp.table.loc["after-tax return / yr", "stock ETF"] == pytest.approx(
        after_tax_stock(cmp.stock, tax).mean(), rel=1e-12
    )


def test_stock_column_is_the_twin_on_the_same_horizon(comparison) -> None:
    curve, cmp = comparison
    st = cmp.stock
    s = cmp.futures.start
    np.testing.assert_array_equal(st.dates, np.asarray(curve.dates)[s:].astype("datetime64[D]"))
    assert st.nav_per_share.shape == (curve.n_paths, curve.n_dates - s)
    d = st.dates
    years = float((d[-1] - d[0]).astype(int)) / 365
    nav_ret = (st.nav_per_share[:, -1] / st.nav_per_share[:, 0]) ** (1 / years) - 1
    idx_ret = (st.index_tr[:, -1] / st.index_tr[:, 0]) ** (1 / years) - 1
    stock = cmp.table["stock ETF"]
    assert stock["NAV return / yr"] == pytest.approx(nav_ret.mean(), rel=1e-12)
    assert stock["index total return / yr"] == pytest.approx(idx_ret.mean(), rel=1e-12)
    # the stock fund lags its basket by about its 0.20% expense ratio
    assert stock["tracking difference / yr"] == pytest.approx(-0.002, abs=0.0015)
    days = (st.premium[:, 1:] > 1e-12).sum(axis=1).mean() / years
    assert stock["days at a premium / yr"] == pytest.approx(days, rel=1e-12) and days > 10


# -- after tax, by hand ------------------------------------------------------------------------------
def test_after_tax_futures_by_hand() -> None:
    # launched 1 Apr 2026 (index 1; index 0 is before inception), marked at each year end:
    # 2026: 10.00 -> 11.00 = +10%; 2027: 11.00 -> 10.45 = -5% (the 30 June mark is not a tax event)
    dates = np.array(["2025-12-31", "2026-04-01", "2026-12-31", "2027-06-30", "2027-12-31"], dtype="datetime64[D]")
    navps = np.array([[np.nan, 10.0, 11.0, 9.0, 10.45], [np.nan, 10.0, 10.0, 10.0, 10.0]])
    tax = TaxAssumptions(long_term=0.238, short_term=0.408)
    assert tax.blended_1256 == pytest.approx(0.306)  # 0.6 * 23.8% + 0.4 * 40.8% = 14.28% + 16.32%
    got = after_tax_futures(navps, dates, 1, tax)
    # 2026: +10% less 30.6% tax = +6.94%; 2027: -5% with the loss credited at 30.6% = -3.47%
    # wealth 1.0694 * 0.9653 = 1.03229182 over 639 days = 1.75068 years
    wealth = 1.0694 * 0.9653
    assert wealth == pytest.approx(1.03229182, abs=1e-8)
    assert got[0] == pytest.approx(wealth ** (365 / 639) - 1, rel=1e-12)
    assert got[0] == pytest.approx(0.018319, abs=1e-6)
    assert got[1] == pytest.approx(0.0, abs=1e-15)  # no gain, no tax


def test_after_tax_stock_by_hand() -> None:
    def result(dates: list[str], navps: list[float], div: list[float]) -> StockFundResult:
        d = np.array(dates, dtype="datetime64[D]")
        nav = np.array([navps])
        zeros = np.zeros_like(nav)
        return StockFundResult(d, nav, zeros + 1e6, zeros, zeros, zeros, zeros, nav * 100 / nav[0, 0], np.array([div]))

    tax = TaxAssumptions()
    # no dividends: 20 -> 30 over 1,096 days; the 50% gain is taxed once at 23.8% on the sale:
    # 1.5 - 0.238 * 0.5 = 1.381
    plain = result(["2026-01-02", "2027-01-04", "2029-01-02"], [20.0, 24.0, 30.0], [0.0, 0.0, 0.0])
    assert after_tax_stock(plain, tax)[0] == pytest.approx(1.381 ** (365 / 1096) - 1, rel=1e-12)

    # a dividend of 2% of NAV on 30 June 2026 (NAV per share 100 -> 102 with the dividend reinvested in the
    # fund, so the ex-dividend price is flat), then +10% in price to 4 January 2027:
    #   the dividend is taxed in 2026: 2% * (1 - 23.8%) = 1.524% reinvested -> 1.01524 shares, basis 1.01524
    #   at the sale: 1.01524 * 1.10 = 1.116764, gain 0.101524, tax 23.8% = 0.024163 -> 1.092601
    with_div = result(["2026-01-02", "2026-06-30", "2027-01-04"], [100.0, 102.0, 112.2], [0.0, 0.02, 0.0])
    assert after_tax_stock(with_div, tax)[0] == pytest.approx(1.092601288 ** (365 / 367) - 1, rel=1e-9)
    # untaxed, the holder simply has the NAV total return
    free = TaxAssumptions(long_term=0.0, short_term=0.0, dividends=0.0)
    assert after_tax_stock(with_div, free)[0] == pytest.approx(1.122 ** (365 / 367) - 1, rel=1e-12)


def test_same_pre_tax_return_futures_end_with_less_after_tax() -> None:
    """Deferral: the futures holder pays tax on each year's gain, so that money stops compounding;
    the stock ETF holder (in-kind redemptions, no capital-gain distributions) keeps the whole gain
    invested until the sale and pays once.  The 60/40 rate (30.6%) is also above the 23.8%
    long-term rate; equal rates below isolate the deferral alone."""
    dates = np.array([f"{y}-12-31" for y in range(2026, 2032)], dtype="datetime64[D]")
    navps = np.array([10.0 * 1.08 ** np.arange(6)])  # +8% in each of five calendar years
    stock = StockFundResult(
        dates, navps, np.ones_like(navps), *(np.zeros_like(navps),) * 4, navps, np.zeros_like(navps)
    )
    years = 1826 / 365

    same = TaxAssumptions(long_term=0.30, short_term=0.30, dividends=0.30)
    fut = after_tax_futures(navps, dates, 0, same)[0]
    stk = after_tax_stock(stock, same)[0]
    # futures: (1 + 8% * 0.7)^5 = 1.056^5 = 1.313166; stock: 1.08^5 - 0.3 * (1.08^5 - 1) = 1.328530
    assert fut == pytest.approx(1.3131658832 ** (1 / years) - 1, rel=1e-9)
    assert stk == pytest.approx(1.3285296538 ** (1 / years) - 1, rel=1e-9)
    assert fut < stk

    # with the real rates the gap widens: futures (1 + 8% * 0.694)^5 = 1.310184; stock 1.08^5 - 23.8% of the gain = 1.357628
    default = TaxAssumptions()
    fut_d = after_tax_futures(navps, dates, 0, default)[0]
    stk_d = after_tax_stock(stock, default)[0]
    assert fut_d == pytest.approx(1.3101841272 ** (1 / years) - 1, rel=1e-9)
    assert stk_d == pytest.approx(1.3576279945 ** (1 / years) - 1, rel=1e-9)
    assert stk_d - fut_d > stk - fut > 0
