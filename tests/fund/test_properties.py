"""Properties (Hypothesis): the ledger's invariants over random flows, the roll rules' over random terms.

DESIGN.md's invariants: a creation or redemption at NAV leaves NAV per share
unchanged; cash, positions and shares reconcile every day; roll weights are
non-negative and sum to 1 on every invested date.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etfsim.contracts import WTI
from etfsim.fund import FundConfig, simulate_fund
from etfsim.roll import FrontMonth, MonthlyWindow, Strip, roll_schedule
from etfsim.scenario import load_scenario

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def curve():
    return replace(load_scenario(), years=1.0).simulate(paths=2, seed=13)


@pytest.fixture(scope="module")
def gsci(curve):
    return roll_schedule(curve, "gsci")


def flows_strategy(n_dates: int):  # type: ignore[no-untyped-def]
    """A few days with net investor demand between -30% and +30% of the launch size, in dollars."""
    return st.lists(
        st.tuples(st.integers(min_value=1, max_value=n_dates - 1), st.floats(min_value=-3e7, max_value=3e7)),
        min_size=1,
        max_size=12,
        unique_by=lambda x: x[0],
    )


@SETTINGS
@given(data=st.data())
def test_creations_and_redemptions_at_nav_never_move_nav_per_share(curve, gsci, data) -> None:
    picks = data.draw(flows_strategy(curve.n_dates))
    dates = pd.DatetimeIndex(np.asarray(curve.dates))[[d for d, _ in picks]]
    flows = pd.Series([a for _, a in picks], index=dates)
    free = FundConfig(
        expense_ratio=0.0,
        commission=0.0,
        half_spread_ticks=0.0,
        fractional_contracts=True,
        creation_fee=0.0,
        redemption_fee=0.0,
        ap_spread=0.0,
        collateral_rate=0.03,
    )
    quiet = simulate_fund(curve, gsci, free)
    busy = simulate_fund(curve, gsci, free, flows=flows)
    np.testing.assert_allclose(busy.nav_per_share, quiet.nav_per_share, rtol=1e-10)
    traded = busy.ledger.creations.sum() + busy.ledger.redemptions.sum()
    big = any(abs(a) > 2e6 for _, a in picks)  # a unit is about $1.25m: big demand must move shares
    assert traded > 0 or not big


@SETTINGS
@given(data=st.data())
def test_cash_positions_and_shares_reconcile_every_day(curve, gsci, data) -> None:
    picks = data.draw(flows_strategy(curve.n_dates))
    dates = pd.DatetimeIndex(np.asarray(curve.dates))[[d for d, _ in picks]]
    flows = pd.Series([a for _, a in picks], index=dates)
    cfg = FundConfig(
        collateral_rate=0.03,
        impact_coefficient=data.draw(st.sampled_from([0.0, 0.002])),
        fractional_contracts=data.draw(st.booleans()),
    )
    res = simulate_fund(curve, gsci, cfg, flows=flows)
    f, s, cu = res.ledger, res.start, cfg.creation_unit
    for p in range(res.n_paths):
        nav = f.nav[p]
        prev_shares = f.shares[p, s:-1]
        cr, rd = f.creations[p, s + 1 :], f.redemptions[p, s + 1 :]
        np.testing.assert_allclose(f.shares[p, s + 1 :], prev_shares + (cr - rd) * cu, rtol=1e-12)
        pre = nav[s:-1] + f.pnl[p, s + 1 :] + f.interest[p, s + 1 :] - f.fees[p, s + 1 :]
        navps = pre / prev_shares
        cash_in = cr * (cu * navps + cfg.creation_fee) - rd * (cu * navps - cfg.redemption_fee)
        costs = f.commission[p, s + 1 :] + f.spread_cost[p, s + 1 :] + f.impact_cost[p, s + 1 :]
        np.testing.assert_allclose(nav[s + 1 :], pre + cash_in - costs, rtol=1e-11)
        pos = np.nan_to_num(res.positions[p, s:])
        notional = (pos * np.nan_to_num(curve.prices[p, s:]) * WTI.multiplier).sum(axis=1)  # 1,000 units too
        np.testing.assert_allclose(f.notional[p, s:], notional, rtol=1e-12)


@SETTINGS
@given(
    rule=st.one_of(
        st.builds(FrontMonth, days_before_expiry=st.integers(0, 30), window=st.integers(1, 10)),
        st.builds(
            lambda a, b: MonthlyWindow(first_day=min(a, b), last_day=max(a, b)), st.integers(1, 18), st.integers(1, 18)
        ),
        st.builds(Strip, contracts=st.integers(1, 10), days_before_expiry=st.integers(0, 20), window=st.integers(1, 8)),
    )
)
def test_roll_weights_are_non_negative_and_sum_to_one(curve, rule) -> None:
    sched = roll_schedule(curve, rule)
    w = sched.weights
    assert (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=2)[:, sched.invested], 1.0, atol=1e-12)
    assert not (w > 0)[:, (curve.contracts == "")].any()
