"""Who pays for a creation: a variable fee, trades at settlement, and the order cut-off."""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError
from etfsim.fund import FundConfig, InvestorDemand, simulate_fund
from etfsim.roll import RollSchedule, roll_schedule

# costs on, fees off: what a creation costs the fund is its trading, and the AP's fixed fee does not cover it
COSTS = dict(
    expense_ratio=0.0, commission=2.0, half_spread_ticks=1.0, fractional_contracts=True, creation_fee=0.0,
    redemption_fee=0.0, ap_spread=0.0, collateral_rate=0.04, creation_unit=20_000,
)  # fmt: skip
BUSY = InvestorDemand(mean=0.0, volatility=0.02, seed=7)  # creations and redemptions most weeks


@pytest.fixture(scope="module")
def compute() -> tuple[FuturesCurve, RollSchedule]:
    from etfsim.scenario import load_scenario

    curve = load_scenario().simulate(paths=3, seed=5)
    return curve, roll_schedule(curve, "gsci")


def _navps_end(res) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(res.nav_per_share_adjusted[:, -1])


def test_a_variable_fee_makes_the_ap_pay_for_investing_its_units(compute) -> None:
    curve, sched = compute
    quiet = simulate_fund(curve, sched, FundConfig(**COSTS))
    busy = simulate_fund(curve, sched, FundConfig(**COSTS), flows=BUSY)
    paid = simulate_fund(curve, sched, FundConfig(**COSTS, variable_creation_fee=True), flows=BUSY)
    assert np.nansum(busy.ledger.creations) > 50 and np.nansum(busy.ledger.redemptions) > 50
    forced = quiet.nav_per_share_adjusted[:, -1] - busy.nav_per_share_adjusted[:, -1]  # holders pay for flows
    left = np.abs(quiet.nav_per_share_adjusted[:, -1] - paid.nav_per_share_adjusted[:, -1])
    # the AP pays the commission and half-spread of its unit at the day's weights; what is left comes from days
    # a flow nets against a roll (the fund trades the net, the AP pays for the gross) and from compounding
    assert (forced > 0).all() and (left < forced / 3).all()


def test_trades_at_settlement_pay_no_half_spread_on_the_flows(compute) -> None:
    curve, sched = compute
    plain = simulate_fund(curve, sched, FundConfig(**COSTS), flows=BUSY)
    tas = simulate_fund(curve, sched, FundConfig(**COSTS, trade_at_settlement=True), flows=BUSY)
    flow_days = (plain.ledger.creations + plain.ledger.redemptions) > 0
    quiet_days = ~flow_days & np.isfinite(plain.ledger.nav)
    quiet_days[:, plain.start] = False
    assert (tas.ledger.spread_cost[flow_days] < plain.ledger.spread_cost[flow_days]).mean() > 0.9
    # a day without flows trades as before (rolls pay the spread)
    sel = quiet_days & (np.cumsum(flow_days, axis=1) == 0)  # before the first flow: the same fund
    np.testing.assert_allclose(tas.ledger.spread_cost[sel], plain.ledger.spread_cost[sel], rtol=1e-12)


def test_orders_after_the_settlement_are_invested_the_next_day(compute) -> None:
    curve, sched = compute
    same = simulate_fund(curve, sched, FundConfig(**COSTS), flows=BUSY)
    late = simulate_fund(curve, sched, FundConfig(**COSTS, order_cutoff="after_settlement"), flows=BUSY)
    created = late.ledger.creations[0] > 0
    t = int(np.argmax(created))
    exposure = late.ledger.notional[0] / late.nav[0]
    # (the same-day fund is invested at NAV before the day's trading costs, so within their share of NAV)
    assert exposure[t] < 1.0 - 1e-2 and abs(same.ledger.notional[0, t] / same.nav[0, t] - 1.0) < 1e-3
    # the late fund's exposure lags its NAV on flow days, so it tracks its index less closely
    s = late.start

    def te(res):  # type: ignore[no-untyped-def]
        d = np.diff(res.nav_per_share_adjusted[:, s:], axis=1) / res.nav_per_share_adjusted[:, s:-1]
        i = np.diff(res.index.tr[:, s:], axis=1) / res.index.tr[:, s:-1]
        return float(np.nanstd(d - i))

    assert te(late) > te(same)


def test_a_bad_cutoff_is_refused() -> None:
    with pytest.raises(ConfigError, match="order_cutoff must be one of before_settlement, after_settlement"):
        FundConfig(order_cutoff="noon")
