"""The fund ledger: a hand-worked walk-through to the cent, the invariants of DESIGN.md, refusals.

The walk-through follows the order of a day stated in etfsim/fund/ledger.py:
carry, variation margin, interest, fee on the day's net assets (ACT/365),
creations/redemptions at NAV with the AP's fee, rebalance (whole contracts,
commission plus half the spread), reverse split.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etfsim.contracts import ContractSpec, LastBusinessDayOfMonth
from etfsim.contracts.calendars import business_days
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError, UnknownNameError
from etfsim.fund import FundConfig, InvestorDemand, simulate_fund
from etfsim.fund.records import HALT_POSITION_LIMIT, REVERSE_SPLIT, SPREAD_LATER
from etfsim.roll import FrontMonth, roll_schedule
from tests.fund.fund_cases import FREE

TEST = ContractSpec(
    root="TST",
    name="test",
    unit="unit",
    multiplier=100.0,
    tick=0.01,
    listed_depth=3,
    expiry_rule=LastBusinessDayOfMonth(),
    settlement="final",
    calendar="NYSE",
)


def tiny_curve() -> FuturesCurve:
    days = business_days("NYSE", "2026-03-26", "2026-04-01")  # Thu 26, Fri 27, Mon 30, Tue 31 Mar, Wed 1 Apr
    listing = TEST.listing(days, 2)
    prices = np.array([[[50.00, 51.00], [51.00, 51.50], [50.50, 51.20], [50.80, 51.60], [52.00, 52.50]]])
    return FuturesCurve(days, prices, listing.contracts, listing.expiries, metadata={"contract": TEST.to_dict()})


def test_ledger_walk_through_to_the_cent() -> None:
    curve = tiny_curve()
    assert list(curve.contracts[:, 0]) == ["TSTH26"] * 4 + ["TSTJ26"]
    sched = roll_schedule(curve, FrontMonth())  # hold March through its last day (31 Mar), then April
    cfg = FundConfig(
        nav_per_share=20.0,
        initial_shares=10_000,
        expense_ratio=0.01,
        creation_unit=1_000,
        creation_fee=100.0,
        redemption_fee=100.0,
        commission=2.0,
        half_spread_ticks=1.0,
        ap_spread=0.0,
    )
    flows = pd.Series([15_000.0, -15_000.0], index=pd.to_datetime(["2026-03-30", "2026-04-01"]))
    res = simulate_fund(curve, sched, cfg, flows=flows)
    d = res.daily_frame(0)

    per_contract = 2.0 + 1.0 * 0.01 * 100  # commission + one tick of 0.01 on 100 units = 3.00

    # Thu 26 Mar: 200,000 buys 200,000 / (50.00 * 100) = 40 March contracts for 40 * 3.00 = 120.00
    nav = 200_000.0 - 40 * per_contract
    assert d["nav"].iloc[0] == pytest.approx(199_880.00, abs=0.005) and nav == 199_880.0
    assert d["costs"].iloc[0] == pytest.approx(120.00, abs=0.005)

    def fee_on(pre: float, days: int) -> float:  # accrued on the day's net assets: pre * x / (1 + x)
        x = 0.01 * days / 365
        return pre * x / (1 + x)

    # Fri 27 Mar: margin 40 * 100 * (51.00 - 50.00) = 4,000.00; fee for 1 day; 203,874.41 / 5,100 = 39.98 -> 40, no trade
    pre = nav + 4_000.0
    nav = pre - fee_on(pre, 1)
    assert d["pnl"].iloc[1] == pytest.approx(4_000.00, abs=0.005)
    assert d["fees"].iloc[1] == pytest.approx(fee_on(203_880.0, 1), abs=0.005)
    assert d["nav"].iloc[1] == pytest.approx(nav, abs=0.005)
    assert round(nav, 2) == 203_874.41
    assert d["costs"].iloc[1] == 0.0
    nav_fri = nav

    # Mon 30 Mar (3 days): margin 40 * 100 * (50.50 - 51.00) = -2,000.00; fee for 3 days;
    # demand 15,000 / Friday's NAV = 7.36% > band 100 / unit value (0.5%); each unit absorbs ~9.99%, so
    # round((7.36% - 0.5%) / 9.99%) = round(0.69) = 1 unit
    pre = nav - 2_000.0
    nav = pre - fee_on(pre, 3)
    navps = nav / 10_000
    unit = 1_000 * navps
    assert 15_000.0 / nav_fri > 100.0 / unit
    assert math.floor((15_000.0 / nav_fri - 100.0 / unit) / (unit / nav) + 0.5) == 1
    nav += unit + 100.0  # the AP pays NAV for the unit plus the creation fee
    contracts = math.floor(nav / (50.50 * 100) + 0.5)
    assert contracts == 44  # 222,039.35 / 5,050 = 43.97
    nav -= (contracts - 40) * per_contract
    assert d["creations"].iloc[2] == 1 and d["shares"].iloc[2] == 11_000
    assert d["nav"].iloc[2] == pytest.approx(nav, abs=0.005)
    assert d["nav_per_share"].iloc[2] == pytest.approx(nav / 11_000, abs=1e-9)

    # Tue 31 Mar: margin 44 * 100 * (50.80 - 50.50) = 1,320.00; the March contract's last day:
    # sell 44 March, buy round(NAV / 5,160) = 43 April, 87 contracts traded
    pre = nav + 1_320.0
    nav = pre - fee_on(pre, 1)
    april = math.floor(nav / (51.60 * 100) + 0.5)
    assert april == 43
    nav -= (44 + april) * per_contract
    assert d["nav"].iloc[3] == pytest.approx(nav, abs=0.005)
    assert d["costs"].iloc[3] == pytest.approx(87 * 3.00, abs=0.005)

    # Wed 1 Apr: margin 43 * 100 * (52.00 - 51.60) = 1,720.00 on the April contract (now the front);
    # demand -15,000: one unit redeemed at NAV, the fund keeps the 100 fee
    pre = nav + 1_720.0
    nav = pre - fee_on(pre, 1)
    navps = nav / 11_000
    nav -= 1_000 * navps - 100.0
    left = math.floor(nav / (52.00 * 100) + 0.5)
    nav -= (april - left) * per_contract
    assert d["pnl"].iloc[4] == pytest.approx(1_720.00, abs=0.005)
    assert d["redemptions"].iloc[4] == 1 and d["shares"].iloc[4] == 10_000
    assert d["nav"].iloc[4] == pytest.approx(nav, abs=0.005)
    pos = res.positions_frame(0)
    assert pos[pos["date"] == np.datetime64("2026-04-01")][["contract", "contracts"]].values.tolist() == [
        ["TSTJ26", left]
    ]


def test_nav_equals_total_return_index_without_frictions(compute) -> None:
    curve, sched = compute
    res = simulate_fund(curve, sched, FundConfig(**FREE))
    s = res.start
    nav = res.nav[:, s:]
    tr = res.index.tr[:, s:]
    np.testing.assert_allclose(nav[:, 1:] / nav[:, :-1], tr[:, 1:] / tr[:, :-1], rtol=0, atol=1e-10)


def test_nav_equals_tr_on_real_wti_with_a_uso_style_roll() -> None:
    from etfsim import sample_data
    from etfsim.contracts import WTI
    from etfsim.curves.realdata import load_eia_wti

    curve = load_eia_wti(sample_data("eia_wti")).select(start="2011-01-01", end="2019-12-31")
    sched = roll_schedule(curve, FrontMonth(days_before_expiry=10, window=4))
    res = simulate_fund(curve, sched, FundConfig(**FREE), contract=WTI)
    nav, tr = res.nav[0, res.start :], res.index.tr[0, res.start :]
    np.testing.assert_allclose(nav[1:] / nav[:-1], tr[1:] / tr[:-1], rtol=0, atol=1e-10)
    # 2011-2019 front-month WTI (oil from ~90 to ~60, mostly contango): even with a flat 4% collateral
    # assumption the total-return index ends at 0.51 of its start (it was computed, then pinned here)
    assert 0.45 < tr[-1] / tr[0] < 0.58


def test_expense_ratio_is_the_only_lag(compute) -> None:
    curve, sched = compute
    e = 0.0075
    res = simulate_fund(curve, sched, FundConfig(**{**FREE, "expense_ratio": e}))
    s = res.start
    years = (curve.dates[-1] - curve.dates[s]).astype("timedelta64[D]").astype(int) / 365
    lag = (np.log(res.index.tr[:, -1] / res.index.tr[:, s]) - np.log(res.nav[:, -1] / res.nav[:, s])) / years
    np.testing.assert_allclose(lag, e, atol=1e-6)


def test_creations_and_redemptions_at_nav_leave_nav_per_share_unchanged(compute) -> None:
    curve, sched = compute
    cfg = FundConfig(**FREE)
    quiet = simulate_fund(curve, sched, cfg)
    busy = simulate_fund(curve, sched, cfg, flows=InvestorDemand(volatility=0.03, seed=4))
    f = busy.ledger
    assert f.creations[:, busy.start :].sum() > 10 and f.redemptions[:, busy.start :].sum() > 10
    np.testing.assert_allclose(busy.nav_per_share[:, busy.start :], quiet.nav_per_share[:, quiet.start :], rtol=1e-10)


def reconcile(res) -> None:
    """Cash, positions and shares reconcile every day."""
    f, s, cu, cfg = res.ledger, res.start, res.config.creation_unit, res.config
    nav = f.nav[:, s:]
    navps_before = None
    for p in range(res.n_paths):
        for t in range(s + 1, len(res.dates)):
            if np.isnan(f.nav[p, t]):
                break
            i = t - s
            cr, rd = f.creations[p, t], f.redemptions[p, t]
            shares_prev = f.shares[p, t - 1]
            split = bool(res.status[p, t] & REVERSE_SPLIT)
            expect_shares = shares_prev + (cr - rd) * cu
            if split:
                expect_shares /= cfg.reverse_split_ratio
            assert f.shares[p, t] == pytest.approx(expect_shares, rel=1e-12)
            pre_flow = nav[p, i - 1] + f.pnl[p, t] + f.interest[p, t] - f.fees[p, t]
            navps = pre_flow / shares_prev
            flows = cr * (cu * navps + cfg.creation_fee) - rd * (cu * navps - cfg.redemption_fee)
            costs = f.commission[p, t] + f.spread_cost[p, t] + f.impact_cost[p, t]
            assert nav[p, i] == pytest.approx(pre_flow + flows - costs, rel=1e-12, abs=1e-6)
        pos = np.nan_to_num(res.positions[p, s:])
        notional = (pos * np.nan_to_num(res_prices(res)[p, s:]) * res.contract.multiplier).sum(axis=1)
        np.testing.assert_allclose(f.notional[p, s:], notional, rtol=1e-12)
    del navps_before


def res_prices(res):
    return res._prices  # set by the fixture below


def test_ledger_reconciles_with_costs_and_random_flows(compute) -> None:
    curve, sched = compute
    cfg = FundConfig(collateral_rate=0.04, impact_coefficient=0.001, daily_volume=200_000, reverse_split_below=15.0)
    res = simulate_fund(curve, sched, cfg, flows=InvestorDemand(volatility=0.02, chase=0.5, seed=9))
    object.__setattr__(res, "_prices", curve.prices)
    reconcile(res)
    assert (res.status & REVERSE_SPLIT).any()  # the compute default falls far: splits happen
    adj = res.nav_per_share_adjusted[:, res.start :]
    jumps = np.abs(np.diff(np.log(adj), axis=1))
    assert jumps.max() < 0.5  # a split is not a return


def test_position_limit_halts_creations_and_the_premium_runs(compute) -> None:
    curve, sched = compute
    contracts0 = 100e6 / (curve.prices[0, 0, 0] * 1000)
    cfg = FundConfig(collateral_rate=0.04, position_limit=contracts0 * 1.05)
    res = simulate_fund(curve, sched, cfg, flows=InvestorDemand(mean=0.01, volatility=0.005, seed=1))
    halted = res.halted[0]
    assert halted.any()
    first = int(np.argmax(halted))
    assert res.status[0, first] & HALT_POSITION_LIMIT
    assert "position limit" in res.daily_frame(0)["status"].iloc[first - res.start]
    # no creation on a halted day, and the premium then exceeds the AP's band
    assert res.ledger.creations[0, halted].max() < 5  # only what fits under the limit
    unit_value = cfg.creation_unit * res.nav_per_share[0]
    band = cfg.creation_fee / unit_value + cfg.ap_spread
    after = np.nonzero(halted)[0]
    assert (res.premium[0, after[-5:]] > band[after[-5:]]).all()
    held = np.nan_to_num(res.positions[0, res.start :])
    assert held.max() <= cfg.position_limit + 1e-9


def test_spread_into_later_months(compute) -> None:
    curve, sched = compute
    contracts0 = 100e6 / (curve.prices[0, 0, 0] * 1000)
    cfg = FundConfig(position_limit=contracts0 * 0.6, limit_response="spread")
    res = simulate_fund(curve, sched, cfg)
    assert (res.status[0] & SPREAD_LATER).any()
    held = np.nan_to_num(res.positions[0, res.start])
    assert (held > 0).sum() >= 2 and held.max() <= contracts0 * 0.6 + 1e-9


def test_post_settlement_moves_show_in_the_premium(compute) -> None:
    curve, sched = compute
    res = simulate_fund(curve, sched, FundConfig(**FREE, post_settlement_share=0.1))
    s = res.start
    r_next = res.ledger.pnl[0, s + 1 :] / res.ledger.nav[0, s:-1]
    np.testing.assert_allclose(res.premium[0, s:-1], 0.1 * r_next, atol=1e-12)


def test_market_price_is_worked_out_once_on_first_use(compute, monkeypatch) -> None:
    """simulate_fund leaves the market price to the first read; it is then the same read-only arrays."""
    from etfsim.fund import ledger as kernels

    curve, sched = compute
    calls = []
    real = kernels.market_prices
    monkeypatch.setattr(kernels, "market_prices", lambda *a: calls.append(1) or real(*a))
    res = simulate_fund(curve, sched, FundConfig(**FREE, post_settlement_share=0.1))
    assert calls == []
    price, premium = res.market_price, res.premium
    assert len(calls) == 1 and res.market_price is price and res.premium is premium
    assert not price.flags.writeable and not premium.flags.writeable
    navps = res.nav_per_share
    np.testing.assert_array_equal(premium, price / navps - 1.0, strict=True)  # the premium is the price's, to the bit


@pytest.mark.parametrize(
    "kw, words",
    [
        (dict(expense_ratio=0.75), "did you give a percentage"),
        (dict(expense_ratio=-0.01), "expense_ratio must be >= 0"),
        (dict(initial_shares=-5), "initial_shares must be >= 1"),
        (dict(creation_fee=-1), "creation_fee must be >= 0"),
        (dict(commission=-1), "commission must be >= 0"),
        (dict(creation_unit=0), "creation_unit must be a positive whole number"),
        (dict(creation_unit=2.5), "creation_unit must be a positive whole number"),
        (dict(collateral_rate=4.0), "fraction per year"),
        (dict(limit_response="panic"), "unknown limit response 'panic'"),
    ],
)
def test_bad_terms(kw: dict, words: str) -> None:
    with pytest.raises((ConfigError, UnknownNameError), match=words):
        FundConfig(**kw)


def test_limits_below_one_unit_and_flows_off_the_curve(compute) -> None:
    curve, sched = compute
    with pytest.raises(ConfigError, match="position_limit .* is below one creation unit's futures"):
        simulate_fund(curve, sched, FundConfig(position_limit=10))
    flows = pd.Series([1e6], index=pd.to_datetime(["2040-01-02"]))
    with pytest.raises(DataError, match="2040-01-02 that is not on the curve"):
        simulate_fund(curve, sched, FundConfig(), flows=flows)


def test_a_fund_too_big_for_its_market_is_wiped_out_and_says_so(compute) -> None:
    curve, sched = compute
    # about 42,300 contracts bought against 20,000 a day of volume (impact 0.05 x 42,300 / 20,000 = 11% of NAV),
    # then the volume dries up to 50 a day within a week: the roll's first day, a fifth of the position sold
    # against 50 a day and bought against 40, costs 0.05 x $2,365 x 7,600^2 x (1/50 + 1/40), more than the fund
    volume = pd.Series([20_000.0, 50.0], index=pd.to_datetime(["2026-04-01", "2026-04-07"]))
    res = simulate_fund(curve, sched, FundConfig(impact_coefficient=0.05, daily_volume=volume, open_interest=200_000))
    from etfsim.fund.records import LIQUIDATED

    wiped = (res.status & LIQUIDATED) != 0
    assert wiped.any(axis=1).all()
    p, t = np.argwhere(wiped)[0]
    assert t > res.start and res.ledger.nav[p, t] <= 0 and np.isnan(res.ledger.nav[p, t + 1 :]).all()
    assert "wiped out" in res.daily_frame(int(p))["status"].iloc[t - res.start]
    # the figures count it as a total loss, not as a missing path
    from etfsim.fund.metrics import tracking, wiped_out

    track = tracking(res)
    assert wiped_out(res).all() and (track["nav_return"] == -1.0).all()
    assert np.isfinite(track["tracking_error"]).all()


@pytest.mark.parametrize("follows", [False, True])
def test_impact_cost_by_hand_with_fixed_or_price_following_volume(follows: bool) -> None:
    # the walk-through's fund: 40 contracts bought at 50.00 on day 0; on Mon 30 Mar one unit is created and
    # 4 more contracts bought at 50.50.  Impact per trade = k * F * multiplier * contracts^2 / volume, where the
    # volume of slot 0 is 1,000 contracts a day, or, when volume follows the price, 1,000 * 50.00 / 50.50
    # (launch front price / today's front price: the same dollar volume buys fewer contracts at a higher price).
    curve = tiny_curve()
    cfg = FundConfig(
        nav_per_share=20.0,
        initial_shares=10_000,
        expense_ratio=0.01,
        creation_unit=1_000,
        creation_fee=100.0,
        redemption_fee=100.0,
        commission=2.0,
        half_spread_ticks=1.0,
        ap_spread=0.0,
        impact_coefficient=0.01,
        daily_volume=1_000,
        volume_follows_price=follows,
    )
    flows = pd.Series([15_000.0], index=pd.to_datetime(["2026-03-30"]))
    d = simulate_fund(curve, roll_schedule(curve, FrontMonth()), cfg, flows=flows).daily_frame(0)
    assert d["impact_cost"].iloc[0] == pytest.approx(0.01 * 50.00 * 100 * 40**2 / 1_000, abs=1e-9)  # 80.00
    assert d["creations"].iloc[2] == 1
    volume = 1_000 * (50.00 / 50.50 if follows else 1.0)
    traded = 44 - 40
    assert d["impact_cost"].iloc[2] == pytest.approx(0.01 * 50.50 * 100 * traded**2 / volume, abs=1e-9)


def test_return_chasing_demand_sees_through_a_reverse_split(compute) -> None:
    # a 1:4 reverse split multiplies NAV per share by 4; investors chasing the trailing return must not read
    # that as a 300% gain (before the fix, creations ran for exactly chase_window days after each split)
    curve, sched = compute
    cfg = FundConfig(reverse_split_below=24.99, reverse_split_ratio=4, collateral_rate=0.04)
    demand = InvestorDemand(chase=0.05, chase_window=20, volatility=0.0)
    res = simulate_fund(curve, sched, cfg, flows=demand)
    splits = np.argwhere((res.status & REVERSE_SPLIT) != 0)
    assert len(splits) > 0
    same = simulate_fund(curve, sched, replace_cfg(cfg, reverse_split_below=None), flows=demand)
    for p, t in splits:
        after = slice(t + 1, t + 21)
        # the same demand, in units of the same dollar size: creations after the split follow the unsplit fund
        units_split = res.ledger.creations[p, after] * res.ledger.shares[p, t]
        units_plain = same.ledger.creations[p, after] * same.ledger.shares[p, t]
        assert units_split.sum() <= units_plain.sum() * 1.5 + 4 * res.ledger.shares[p, t]


def replace_cfg(cfg: FundConfig, **kw: object) -> FundConfig:
    from dataclasses import replace

    return replace(cfg, **kw)


def test_demand_the_same_on_every_path_is_one_row_and_the_same_ledger(compute) -> None:
    """Flows by date are kept as one row the day loop reads for every path: the ledger of a row per path."""
    from etfsim.fund.engine import ledger_inputs

    curve, sched = compute
    cfg = FundConfig()
    when = np.asarray(curve.dates)[[40, 90]]
    by_date = pd.Series([3e6, -2e6], index=pd.to_datetime(when))
    per_path = np.zeros((curve.n_paths, curve.n_dates))
    per_path[:, [40, 90]] = [3e6, -2e6]
    one = ledger_inputs(curve, sched, cfg, by_date, None, None, None).arrays
    assert one.demand_dollars.shape == (1, curve.n_dates) and one.demand_frac.shape == (1, curve.n_dates)
    many = ledger_inputs(curve, sched, cfg, per_path, None, None, None).arrays
    assert many.demand_dollars.shape == (curve.n_paths, curve.n_dates)
    a = simulate_fund(curve, sched, cfg, flows=by_date)
    b = simulate_fund(curve, sched, cfg, flows=per_path)
    assert (a.ledger.creations[:, 40] > 0).all()  # the flows trade on every path
    for field in a.ledger._fields:
        np.testing.assert_array_equal(getattr(a.ledger, field), getattr(b.ledger, field), err_msg=field)
