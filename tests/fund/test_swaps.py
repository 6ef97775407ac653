"""Total-return swaps when position limits bind (``limit_response = "swap"``): UNG's answer in 2009."""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.exceptions import ConfigError
from etfsim.fund import FundConfig, InvestorDemand, simulate_fund
from etfsim.fund.records import EXPOSURE_CAPPED, SWAP_USED
from tests.fund.fund_cases import FREE

LIMIT = 2_000.0  # contracts a month: the $100m fund needs more than that


def test_a_free_swap_keeps_the_fund_on_its_index_while_the_futures_sit_at_the_limit(compute) -> None:
    curve, sched = compute
    res = simulate_fund(curve, sched, FundConfig(**FREE, position_limit=LIMIT, limit_response="swap"))
    s = res.start
    assert np.nanmax(res.positions[:, s:]) <= LIMIT  # the futures are capped ...
    used = (res.status & SWAP_USED) != 0
    assert used[:, s:].mean() > 0.5 and not (res.status & EXPOSURE_CAPPED).any()  # ... the swap holds the rest
    assert (res.ledger.swap[used] > 0).all() and (res.ledger.swap[:, s:][~used[:, s:]] == 0).all()
    # futures notional + swap notional is NAV every day, so the fund earns the TR index's return exactly
    np.testing.assert_allclose((res.ledger.notional + res.ledger.swap)[:, s:], res.nav[:, s:], rtol=1e-9)
    nav, tr = res.nav[:, s:], res.index.tr[:, s:]
    np.testing.assert_allclose(nav[:, 1:] / nav[:, :-1], tr[:, 1:] / tr[:, :-1], rtol=0, atol=1e-10)
    # capped instead, the fund misses part of the index
    cut = simulate_fund(curve, sched, FundConfig(**FREE, position_limit=LIMIT))
    assert np.abs(cut.nav[:, -1] / res.nav[:, -1] - 1).min() > 0.01


def test_the_financing_spread_is_paid_on_the_swap_notional(compute) -> None:
    curve, sched = compute
    free = simulate_fund(curve, sched, FundConfig(**FREE, position_limit=LIMIT, limit_response="swap"))
    paid = simulate_fund(
        curve, sched, FundConfig(**FREE, position_limit=LIMIT, limit_response="swap", swap_spread=0.01)
    )
    s = free.start
    days = np.diff(curve.dates.astype("datetime64[D]")).astype(np.int64)
    # one day's cost: 1% a year on yesterday's swap notional, as a share of yesterday's NAV
    want = 0.01 * days[s:] / 365 * paid.ledger.swap[:, s:-1] / paid.nav[:, s:-1]
    got = (free.nav[:, s + 1 :] / free.nav[:, s:-1]) - (paid.nav[:, s + 1 :] / paid.nav[:, s:-1])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


def test_the_counterparty_limit_caps_the_swap(compute) -> None:
    curve, sched = compute
    res = simulate_fund(
        curve, sched,
        FundConfig(**FREE, position_limit=LIMIT, limit_response="swap", swap_counterparty_limit=0.05),
    )  # fmt: skip
    s = res.start
    assert (res.ledger.swap[:, s:] <= 0.05 * res.nav[:, s:] + 1e-6).all()
    full = np.isclose(res.ledger.swap[:, s:], 0.05 * res.nav[:, s:], rtol=1e-12)
    assert full.any() and ((res.status[:, s:] & EXPOSURE_CAPPED) != 0)[full].all()  # the rest is cut off


def test_creations_go_on_through_the_swap(compute) -> None:
    curve, sched = compute
    flows = InvestorDemand(mean=0.01, volatility=0.002, seed=3)
    terms = dict(FREE, creation_unit=10_000, position_limit=LIMIT)
    halted = simulate_fund(curve, sched, FundConfig(**terms), flows=flows)
    swapped = simulate_fund(curve, sched, FundConfig(**terms, limit_response="swap"), flows=flows)
    assert halted.halted.sum() > 100 and swapped.halted.sum() == 0
    assert np.nansum(swapped.ledger.creations) > np.nansum(halted.ledger.creations)


def test_a_negative_counterparty_limit_is_refused() -> None:
    with pytest.raises(ConfigError, match="swap_counterparty_limit must be >= 0"):
        FundConfig(swap_counterparty_limit=-0.1)
