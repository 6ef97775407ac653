"""A fund on a perpetual future (etfsim.fund.perpetual_compare): funding paid, fees, notional, the comparison.

Hand-worked: a long of n contracts from close t-1 to t gains n M (P(t) - P(t-1)) and pays n M S(t) f(t),
f the clamped premium (AX, https://docs.sandbox.x.architect.co/guides/funding-settlement/funding-rate-payments);
fees are AX's tier 1, 0.02% maker and 0.25% taker of traded notional (https://architect.co/fee-schedule).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etfsim.contracts.spec import COMPUTE_H100
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.perpetual import Perpetual
from etfsim.exceptions import ConfigError
from etfsim.fund import FundConfig, InvestorDemand
from etfsim.fund.perpetual_compare import (
    PERPETUAL_COLUMNS,
    compare_perpetual,
    funding_paid,
    perpetual_config,
    perpetual_schedule,
    simulate_perpetual_fund,
)
from etfsim.index import compute_index

FREE = dict(
    expense_ratio=0.0, commission=0.0, half_spread_ticks=0.0, fractional_contracts=True, creation_fee=0.0,
    redemption_fee=0.0, ap_spread=0.0, collateral_rate=0.0, initial_shares=400_000,
)  # fmt: skip
SPOT = [2.00, 2.04, 1.98, 2.10, 2.07, 2.15]


def hand_curve(spot: list[float]) -> FuturesCurve:
    """One path of daily spot (calendar days, so each step is one funding cycle and one day of decay)."""
    n = len(spot)
    dates = pd.date_range("2026-04-01", periods=n, freq="D").to_numpy()
    s = np.asarray(spot, dtype=float)[None, :]
    return FuturesCurve(
        dates, s[:, :, None], np.full((n, 1), "GPUZ26", dtype=object), np.full((n, 1), np.datetime64("2026-12-31")),
        spot=s, metadata={"contract": COMPUTE_H100.to_dict()},
    )  # fmt: skip


# a premium that halves towards 0.1% each day from 0.8%: funding 0.5% (capped), 0.45%, 0.275%, ...; no fees
DECAYING = Perpetual(
    premium_mean=0.001,
    premium_reversion=365 * math.log(2),
    premium_volatility=0.0,
    premium_initial=0.008,
    taker_fee=0.0,
)


def test_the_fund_pays_the_clamped_premium_on_its_notional_each_day() -> None:
    perp = DECAYING.simulate(hand_curve(SPOT))
    x, f, p, s = perp.premium[0], perp.funding_rate[0], perp.price[0], perp.spot[0]
    np.testing.assert_allclose(f, np.minimum(x, 0.005), rtol=1e-12)  # the 0.8% day is capped
    fund = simulate_perpetual_fund(perp, FundConfig(**FREE))
    nav, notional = fund.nav[0], fund.ledger.notional[0]
    # notional is the venue's dollars: NAV at 1x, held in contracts of the traded price
    held = notional / (p * 1000.0)
    np.testing.assert_allclose(notional, nav, rtol=1e-12)
    np.testing.assert_allclose(perp.traded_contracts(fund.positions[0, :, 0][None])[0], held, rtol=1e-12)
    # each day: the price move on yesterday's contracts, less funding S(t) f(t) on each of their units
    paid = held[:-1] * 1000.0 * s[1:] * f[1:]
    np.testing.assert_allclose(np.diff(nav), held[:-1] * 1000.0 * np.diff(p) - paid, rtol=1e-10)
    np.testing.assert_allclose(funding_paid(fund, perp)[0], np.r_[0.0, paid], rtol=1e-12)
    # the sum of clamped premiums x notional at the index price
    assert funding_paid(fund, perp).sum() == pytest.approx(float((f[1:] * s[1:] / p[:-1] * notional[:-1]).sum()))


def test_the_funding_adjusted_contracts_differ_from_the_venues() -> None:
    perp = DECAYING.simulate(hand_curve(SPOT))
    fund = simulate_perpetual_fund(perp, FundConfig(**FREE))
    pos = fund.positions[0, :, 0]
    traded = perp.traded_contracts(pos[None])[0]
    assert abs(traded[-1] / pos[-1] - 1) > 0.005  # about 1.2% of funding paid in five days
    np.testing.assert_allclose(traded[0], pos[0], rtol=1e-15)  # A = P on the first date


def test_a_perpetual_with_no_premium_tracks_the_spot_exactly() -> None:
    perp = Perpetual(premium_volatility=0.0, premium_initial=0.0, taker_fee=0.0).simulate(hand_curve(SPOT))
    index = compute_index(perp.curve, perpetual_schedule(perp))
    s = np.asarray(SPOT)
    np.testing.assert_allclose(index.er[0] / index.er[0, 0], s / s[0], rtol=1e-13)
    fund = simulate_perpetual_fund(perp, FundConfig(**FREE))
    np.testing.assert_allclose(fund.nav_per_share[0] / fund.nav_per_share[0, 0], s / s[0], rtol=1e-12)
    assert not funding_paid(fund, perp).any()


@pytest.mark.parametrize(("maker_share", "rate"), [(0.0, 0.0025), (1.0, 0.0002)])
def test_fees_are_a_share_of_traded_notional_at_the_published_rates(maker_share: float, rate: float) -> None:
    perp = Perpetual(maker_share=maker_share).simulate(hand_curve(SPOT))
    cfg = FundConfig(**FREE)
    fund = simulate_perpetual_fund(perp, cfg)
    launch = fund.start
    # the launch trade buys NAV's worth: the fee is rate x that notional, whatever the contract count
    assert fund.ledger.commission[0, launch] == pytest.approx(rate * fund.ledger.notional[0, launch], rel=1e-12)
    held = fund.positions[0, :, 0]
    traded = np.abs(np.diff(held)) * fund.ledger.notional[0, 1:] / held[1:]  # dollars traded each later day
    np.testing.assert_allclose(fund.ledger.commission[0, 1:], rate * traded, rtol=1e-9, atol=1e-9)
    assert perpetual_config(cfg, perp.perpetual).commission_rate == rate


def test_the_perpetual_config_swaps_the_commission_for_the_venues_fee() -> None:
    cfg = FundConfig(commission=0.10, half_spread_ticks=0.5)
    got = perpetual_config(cfg, Perpetual())
    assert (got.commission, got.commission_rate, got.half_spread_ticks) == (0.0, 0.0025, 0.5)
    with pytest.raises(ConfigError, match="config must be"):
        perpetual_config("uso", Perpetual())  # type: ignore[arg-type]


def test_a_negative_commission_rate_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"^commission_rate must be >= 0") as err:
        FundConfig(commission_rate=-0.0025)
    assert "\n" not in str(err.value)


def test_no_costs_nav_follows_the_perpetuals_tr_index() -> None:
    from etfsim.scenario import load_scenario

    curve = load_scenario().simulate(paths=2, seed=8).select(end="2027-04-01")
    perp = Perpetual(seed=1, taker_fee=0.0).simulate(curve)
    fund = simulate_perpetual_fund(perp, FundConfig(**{**FREE, "collateral_rate": 0.04}))
    nav, tr = fund.nav, fund.index.tr
    np.testing.assert_allclose(nav[:, 1:] / nav[:, :-1], tr[:, 1:] / tr[:, :-1], rtol=0, atol=1e-10)


@pytest.fixture(scope="module")
def comparison():
    from etfsim.scenario import load_scenario

    curve = load_scenario().simulate(paths=4, seed=21).select(end="2029-04-01")
    demand = InvestorDemand(volatility=0.002, seed=3)
    return compare_perpetual(curve, "gsci", FundConfig(collateral_rate=0.03), Perpetual(seed=5), flows=demand)


def test_the_comparison_table(comparison) -> None:
    table = comparison.table
    assert list(table.columns) == list(PERPETUAL_COLUMNS)
    assert list(table.index) == ["dated: gsci", "perpetual: GPUH-PERP"]
    dated, perp = table.iloc[0], table.iloc[1]
    assert dated["funding"] == 0.0 and dated["premium_change"] == 0.0
    # the perpetual's term structure is its premium's change plus its funding, exactly (logs)
    assert perp["term_structure"] == pytest.approx(perp["premium_change"] + perp["funding"], abs=1e-12)
    assert dated["spot"] == pytest.approx(perp["spot"], abs=1e-12)  # the same index over the same dates
    assert comparison.perpetual.start == comparison.dated.start
    assert "funding" in comparison.summary() and comparison.to_frame().equals(table)


def test_the_perpetual_fund_rolls_never_and_pays_the_venues_fee(comparison) -> None:
    dated, perp = comparison.dated, comparison.perpetual
    assert perp.config.commission == 0.0 and perp.config.commission_rate == 0.0025
    assert set(np.asarray(perp.contracts)[:, 0]) == {"GPUH-PERP"}
    # rolls trade the whole position each month; the perpetual trades only flows and drift
    assert comparison.table.iloc[1]["trading_costs"] < comparison.table.iloc[0]["trading_costs"]
    # the funding the ledger paid is the table's funding contribution (to first order in the rate)
    years = perp.index.years
    paid = funding_paid(perp, comparison.perp)[:, perp.start + 1 :].sum(axis=1)
    share = paid / np.nanmean(perp.ledger.notional[:, perp.start :], axis=1) / years
    assert np.mean(share) == pytest.approx(-comparison.table.iloc[1]["funding"], abs=2e-3)
    assert dated.n_paths == perp.n_paths == 4
