"""Leveraged and inverse funds with a daily objective (``FundConfig.leverage``)."""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.exceptions import ConfigError, DataError
from etfsim.fund import FundConfig, simulate_fund
from etfsim.fund.records import EXPOSURE_CAPPED
from etfsim.index import compute_index
from etfsim.index.leverage import daily_objective
from tests.fund.fund_cases import FREE


@pytest.mark.parametrize("leverage", [2.0, -1.0, -2.0, 3.0, 0.5])
def test_each_day_the_nav_returns_leverage_times_the_index_plus_collateral(compute, leverage: float) -> None:
    curve, sched = compute
    res = simulate_fund(curve, sched, FundConfig(**FREE, leverage=leverage))
    idx = compute_index(curve, sched, collateral_rate=0.04)  # the unlevered index, computed on its own
    s = res.start
    er, tr = idx.er[:, s:], idx.tr[:, s:]
    index_excess = er[:, 1:] / er[:, :-1] - 1.0
    collateral = tr[:, 1:] / tr[:, :-1] - er[:, 1:] / er[:, :-1]
    nav = res.nav[:, s:]
    np.testing.assert_allclose(nav[:, 1:] / nav[:, :-1] - 1.0, leverage * index_excess + collateral, rtol=0, atol=1e-10)
    # the fund's own index is that daily objective, so its tracking error is nil
    np.testing.assert_allclose(res.index.tr[:, s:] / res.index.tr[:, s : s + 1], nav / nav[:, :1], rtol=1e-9)
    assert res.index.rule == f"gsci x{leverage:g}"


def test_an_inverse_fund_is_short_and_its_limits_cap_the_short(compute) -> None:
    curve, sched = compute
    res = simulate_fund(curve, sched, FundConfig(**FREE, leverage=-1.0))
    held = res.positions[:, res.start :]
    assert np.nanmax(held) <= 0.0 and np.nanmin(held) < 0.0
    capped = simulate_fund(curve, sched, FundConfig(**{**FREE, "fractional_contracts": False}, leverage=-2.0,
                                                    position_limit=3_000.0))  # fmt: skip
    assert np.nanmin(capped.positions) >= -3_000.0 and (capped.status & EXPOSURE_CAPPED).any()
    assert np.nanmin(capped.positions) == -3_000.0  # whole contracts, cut toward zero


def test_volatility_drag_over_a_period(compute) -> None:
    # a 2x fund's return over ten years is not twice the index's: the daily compounding of a volatile index
    curve, sched = compute
    one = simulate_fund(curve, sched, FundConfig(**FREE))
    two = simulate_fund(curve, sched, FundConfig(**FREE, leverage=2.0))
    s = one.start
    r1 = one.nav[:, -1] / one.nav[:, s] - 1.0
    r2 = two.nav[:, -1] / two.nav[:, s] - 1.0
    drag = r2 - 2.0 * r1
    assert (np.abs(drag) > 0.05).all()
    # the drag is the compounding: log growth of the 2x fund ~ 2 log growth - variance of daily returns
    daily = np.diff(np.log(one.index.er[:, s:]), axis=1)
    approx = 2.0 * np.log(one.index.er[:, -1] / one.index.er[:, s]) - (daily**2).sum(axis=1)
    exact = np.log(two.index.er[:, -1] / two.index.er[:, s])
    np.testing.assert_allclose(exact, approx, atol=0.1)


def test_a_leveraged_fund_trades_every_day(compute) -> None:
    curve, sched = compute
    costs = dict(FREE, commission=1.0, fractional_contracts=False)
    one = simulate_fund(curve, sched, FundConfig(**costs))
    two = simulate_fund(curve, sched, FundConfig(**costs, leverage=2.0))
    # 1x: NAV moves with the futures, so the contracts held stay right and only rolls and interest trade;
    # 2x: every move changes the exposure the fund needs (by leverage x (leverage - 1) x the move), so it
    # rebalances a share of its position at every close.  Turnover: contracts traded / contracts held, a day
    s = one.start + 1

    def turnover(res) -> float:  # type: ignore[no-untyped-def]
        held = np.nansum(np.abs(res.positions[:, s:]), axis=2)
        return float(np.nanmedian(res.ledger.commission[:, s:] / held))  # the median day: rolls are a few

    assert turnover(one) < 0.002 and turnover(two) > 0.01


def test_daily_objective_of_one_is_the_index(compute) -> None:
    curve, sched = compute
    idx = compute_index(curve, sched, collateral_rate=0.04)
    assert daily_objective(idx, 1.0) is idx
    two = daily_objective(idx, 2.0)
    assert two.leverage == 2.0 and daily_objective(two, 2.0) is two  # a fund's own index, handed back, as it is
    with pytest.raises(DataError, match="already the daily objective of a 2x fund"):
        daily_objective(two, -1.0)
    # a 2x fund given its own result's index does not lever it twice
    res = simulate_fund(curve, sched, FundConfig(**FREE, leverage=2.0))
    again = simulate_fund(curve, sched, FundConfig(**FREE, leverage=2.0), index=res.index)
    np.testing.assert_array_equal(again.nav, res.nav)


@pytest.mark.parametrize("bad", [0.0, 3.5, -4.0])
def test_leverage_out_of_range_is_refused(bad: float) -> None:
    with pytest.raises(ConfigError, match="leverage must be between -3 and 3 and not 0"):
        FundConfig(leverage=bad)
