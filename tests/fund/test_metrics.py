"""Fund metrics: tracking, premium/discount by quarter, cost columns, capacity, split-adjusted NAV.

``tracking`` is recomputed here with plain numpy from the ledger's raw fields
(NAV, shares, the reverse-split status bit) and the TR index, following the
definitions in DESIGN.md ("tracking difference (fund minus index return over a
period), tracking error (annualised standard deviation of daily return
differences)").  The premium/discount case is built so the premium is known
on every day: explicit dollar flows with no AP capacity give a premium of
``flow / yesterday's NAV`` on the flow day and zero otherwise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import etfsim
from etfsim.fund import (
    FundConfig,
    InvestorDemand,
    capacity_curve,
    fund_metrics,
    premium_discount_by_quarter,
    simulate_fund,
    tracking,
)
from etfsim.fund.records import REVERSE_SPLIT
from etfsim.roll import roll_schedule

# no costs, no fees, fractional contracts: NAV follows the TR index (DESIGN.md invariant)
FREE = dict(
    expense_ratio=0.0,
    commission=0.0,
    half_spread_ticks=0.0,
    fractional_contracts=True,
    creation_fee=0.0,
    redemption_fee=0.0,
    ap_spread=0.0,
    collateral_rate=0.04,
)


@pytest.fixture(scope="module")
def compute():
    curve = dataclasses.replace(etfsim.load_scenario(), years=2).simulate(paths=3, seed=8)
    return curve, roll_schedule(curve, "gsci")


def _years(res) -> float:
    d = np.asarray(res.dates).astype("datetime64[D]")
    return float((d[-1] - d[res.start]).astype(np.int64)) / 365.0


@pytest.fixture(scope="module")
def busy(compute):
    """Costs, impact, random flows and 4:1 reverse splits (the first on day one: NAV/share 25 is under 30)."""
    curve, sched = compute
    cfg = FundConfig(
        collateral_rate=0.04,
        impact_coefficient=0.002,
        daily_volume=200_000,
        open_interest=1_500_000,
        reverse_split_below=30.0,
    )
    return simulate_fund(curve, sched, cfg, flows=InvestorDemand(volatility=0.01, chase=0.2, seed=3))


# -- tracking --------------------------------------------------------------------------------------
def test_tracking_equals_a_numpy_recomputation_from_the_raw_ledger(busy) -> None:
    res = busy
    s = res.start
    ratio = res.config.reverse_split_ratio
    split = (res.status[:, s:] & REVERSE_SPLIT) != 0
    assert split.any(axis=1).all()  # every path splits: the adjustment is exercised
    nav = res.ledger.nav[:, s:]
    # shares restated in launch shares: a 4:1 reverse split divides the count by 4, so multiply back
    launch_shares = res.ledger.shares[:, s:] * ratio ** np.cumsum(split, axis=1)
    navps = nav / launch_shares
    tr = res.index.tr[:, s:]
    d = np.asarray(res.dates).astype("datetime64[D]")
    years = (d[-1] - d[s]).astype(int) / 365.0
    nav_ret = (navps[:, -1] / navps[:, 0]) ** (1 / years) - 1
    tr_ret = (tr[:, -1] / tr[:, 0]) ** (1 / years) - 1
    diff = (navps[:, 1:] / navps[:, :-1] - 1) - (tr[:, 1:] / tr[:, :-1] - 1)
    te = diff.std(axis=1, ddof=1) * np.sqrt(diff.shape[1] / years)

    got = tracking(res)
    assert list(got.columns) == ["nav_return", "index_tr_return", "tracking_difference", "tracking_error"]
    np.testing.assert_allclose(got["nav_return"], nav_ret, rtol=1e-12)
    np.testing.assert_allclose(got["index_tr_return"], tr_ret, rtol=1e-12)
    np.testing.assert_allclose(got["tracking_difference"], nav_ret - tr_ret, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(got["tracking_error"], te, rtol=1e-10)
    # without undoing the split the return would be wildly different: the adjustment matters
    raw = res.nav_per_share[:, -1] / res.nav_per_share[:, s]
    assert (np.abs(raw ** (1 / years) - 1 - nav_ret) > 0.5).all()
    # costs and flows: the fund lags its index and does not track it perfectly
    assert (got["tracking_difference"] < 0).all() and (got["tracking_error"] > 1e-4).all()


def test_frictionless_fund_tracks_exactly_and_the_expense_ratio_is_the_whole_gap(compute) -> None:
    curve, sched = compute
    free = tracking(simulate_fund(curve, sched, FundConfig(**FREE)))
    np.testing.assert_allclose(free["tracking_difference"], 0.0, atol=1e-10)
    np.testing.assert_allclose(free["tracking_error"], 0.0, atol=1e-10)

    e = 0.0095
    res = simulate_fund(curve, sched, FundConfig(**{**FREE, "expense_ratio": e}))
    got = tracking(res)
    # NAV(t) = NAV(t-1) * TR(t)/TR(t-1) / (1 + x_t), x_t = e * calendar days / 365 (ACT/365 on net assets), so
    # 1 + nav_return = (1 + tr_return) * prod(1 + x_t) ** (-1 / years)
    d = np.asarray(res.dates).astype("datetime64[D]")[res.start :]
    x = e * np.diff(d).astype(int) / 365.0
    years = _years(res)
    expected = (1 + got["index_tr_return"]) * np.prod(1 + x) ** (-1 / years) - 1
    np.testing.assert_allclose(got["nav_return"], expected, rtol=1e-10)
    # the fee is the whole gap: per dollar of gross return it is prod(1 + x_t) ** (-1 / years) - 1, which lies
    # between exp(-e) - 1 and -e (1 - e) here; a path's own return (-13% a year on one) only scales it
    per_dollar = got["tracking_difference"] / (1 + got["index_tr_return"])
    assert ((per_dollar > -e) & (per_dollar < -e * (1 - e))).all()


# -- premium/discount by quarter -------------------------------------------------------------------
# dollars of net investor demand on chosen business days (positive = buying: a premium)
FLOWS = {
    "2026-04-15": 1_000_000.0,  # 2026Q2: three premium days, one discount day
    "2026-05-12": 2_000_000.0,
    "2026-06-10": 500_000.0,
    "2026-06-30": -1_000_000.0,
    "2026-07-15": -2_000_000.0,  # 2026Q3: two discount days
    "2026-09-30": -500_000.0,
    "2027-01-14": 3_000_000.0,  # 2027Q1: one premium day
}
# (premium days, discount days) per quarter, counted by hand from FLOWS; every other quarter: (0, 0)
BY_HAND = {"2026Q2": (3, 1), "2026Q3": (0, 2), "2027Q1": (1, 0)}


def test_premium_discount_days_per_quarter_counted_by_hand(compute) -> None:
    curve, sched = compute
    # no AP capacity, no post-settlement move: the premium is exactly the day's demand / yesterday's NAV
    cfg = FundConfig(**{**FREE, "ap_capacity_units": 0, "post_settlement_share": 0.0})
    flows = pd.Series(FLOWS)
    flows.index = pd.to_datetime(flows.index)
    res = simulate_fund(curve, sched, cfg, flows=flows)
    table = premium_discount_by_quarter(res, path=1)

    dates = pd.DatetimeIndex(np.asarray(curve.dates))
    assert all(pd.Timestamp(day) in dates for day in FLOWS)
    quarters = [str(q) for q in table.index]
    assert quarters == ["2026Q2", "2026Q3", "2026Q4", "2027Q1", "2027Q2", "2027Q3", "2027Q4", "2028Q1"]
    # business days per quarter, counted from the dates themselves (2026Q2: April 21 with Good Friday
    # 3 April closed, May 20 with Memorial Day, June 21 with Juneteenth = 62)
    q_of = np.array([f"{t.year}Q{(t.month - 1) // 3 + 1}" for t in dates])
    assert (q_of == "2026Q2").sum() == 62
    nav = res.ledger.nav[1]
    for q, row in table.iterrows():
        prem, disc = BY_HAND.get(str(q), (0, 0))
        assert (row["days_premium"], row["days_discount"]) == (prem, disc), q
        assert row["days_at_nav"] == (q_of == str(q)).sum() - prem - disc
        # the level on each flow day: demand over the previous close's NAV
        levels = [
            amount / nav[dates.get_loc(pd.Timestamp(day)) - 1]
            for day, amount in FLOWS.items()
            if f"{pd.Timestamp(day).year}Q{(pd.Timestamp(day).month - 1) // 3 + 1}" == str(q)
        ]
        assert row["mean_premium"] == pytest.approx(sum(levels) / (q_of == str(q)).sum(), rel=1e-12, abs=1e-15)
        assert row["max_premium"] == pytest.approx(max(levels + [0.0]), rel=1e-12, abs=1e-15)
        assert row["max_discount"] == pytest.approx(min(levels + [0.0]), rel=1e-12, abs=1e-15)
    q2 = table.loc[pd.Period("2026Q2")]
    assert q2["max_premium"] == pytest.approx(2e6 / nav[dates.get_loc(pd.Timestamp("2026-05-11"))], rel=1e-12)
    assert 0.015 < q2["max_premium"] < 0.025  # $2m of demand on a ~$100m fund: about 2%


# -- fund_metrics: cost columns are the sums of the daily ledger -------------------------------------
def test_fund_metrics_cost_columns_are_sums_of_the_daily_columns(busy) -> None:
    m = fund_metrics(busy)
    assert len(m) == busy.n_paths
    for p in range(busy.n_paths):
        d = busy.daily_frame(p)
        assert m.loc[p, "fees"] == pytest.approx(d["fees"].sum(), rel=1e-12)
        assert m.loc[p, "trading_costs"] == pytest.approx((d["commission"] + d["spread_cost"]).sum(), rel=1e-12)
        assert m.loc[p, "impact_costs"] == pytest.approx(d["impact_cost"].sum(), rel=1e-12)
        assert m.loc[p, "creations"] == d["creations"].sum() and m.loc[p, "redemptions"] == d["redemptions"].sum()
        assert m.loc[p, "days_premium"] == (d["premium"] > 1e-12).sum()
        assert m.loc[p, "days_discount"] == (d["premium"] < -1e-12).sum()
        assert m.loc[p, "nav_start"] == d["nav"].iloc[0] and m.loc[p, "nav_end"] == d["nav"].iloc[-1]
        assert m.loc[p, "nav_mean"] == pytest.approx(d["nav"].mean(), rel=1e-12)
        # the fee accrues on each day's net assets, so a year's fees are about the expense ratio of the average
        assert m.loc[p, "fees"] / m.loc[p, "nav_mean"] / _years(busy) == pytest.approx(0.0075, rel=0.03)
        # each kind of cost really happened, so a column summing the wrong field would show
        assert min(m.loc[p, "fees"], m.loc[p, "trading_costs"], m.loc[p, "impact_costs"]) > 0
        assert m.loc[p, "trading_costs"] != pytest.approx(d["costs"].sum(), rel=1e-6)


# -- capacity ----------------------------------------------------------------------------------------
def test_capacity_bigger_funds_pay_more_and_hold_proportionally_more_open_interest(compute) -> None:
    curve, sched = compute
    cfg = FundConfig(
        collateral_rate=0.04, impact_coefficient=0.002, daily_volume=200_000, open_interest=1_500_000, commission=0.25
    )
    sizes = [25e6, 100e6, 400e6]
    cap = capacity_curve(curve, sched, cfg, sizes)
    assert list(cap["fund_size"]) == sizes
    costs = cap["costs_per_year"].to_numpy()
    assert costs[0] < costs[1] < costs[2]  # impact grows with the trade's share of volume
    share = cap["peak_share_of_open_interest"].to_numpy()
    # positions are NAV / (price * multiplier): 4x the dollars, about 4x the contracts
    np.testing.assert_allclose(share[1:] / share[:-1], 4.0, rtol=0.05)
    assert cap["nav_return"].iloc[0] > cap["nav_return"].iloc[2]

    # the peak share, recomputed for the middle size: contracts over each month's open interest
    res = simulate_fund(curve, sched, dataclasses.replace(cfg, initial_shares=100e6 / cfg.nav_per_share))
    oi = 1_500_000 * 0.8 ** np.arange(curve.depth)
    held = np.nan_to_num(res.positions[:, res.start :])
    assert share[1] == pytest.approx((np.abs(held) / oi).max(), rel=1e-12)

    # without impact, the cost per dollar hardly depends on size: the growth above is the impact
    flat = capacity_curve(curve, sched, dataclasses.replace(cfg, impact_coefficient=0.0), sizes)
    np.testing.assert_allclose(flat["costs_per_year"], flat["costs_per_year"].iloc[1], rtol=0.02)
    assert costs[2] > 1.5 * flat["costs_per_year"].iloc[2]


# -- reverse split ------------------------------------------------------------------------------------
def test_split_adjusted_nav_per_share_is_continuous_across_a_split(compute) -> None:
    curve, sched = compute
    cfg = FundConfig(collateral_rate=0.04, reverse_split_below=24.9)  # no flows: shares change only by splits
    res = simulate_fund(curve, sched, cfg)
    s = res.start
    split = (res.status[:, s:] & REVERSE_SPLIT) != 0
    assert split.any()
    nav = res.ledger.nav[:, s:]
    raw = res.nav_per_share[:, s:]
    adj = res.nav_per_share_adjusted[:, s:]
    nav_step = nav[:, 1:] / nav[:, :-1]
    # on every day, splits included, the adjusted NAV per share moves exactly as the fund's net assets
    np.testing.assert_allclose(adj[:, 1:] / adj[:, :-1], nav_step, rtol=1e-12)
    # while the raw NAV per share jumps by the split ratio on the split days only
    on = split[:, 1:]
    np.testing.assert_allclose((raw[:, 1:] / raw[:, :-1])[on], 4.0 * nav_step[on], rtol=1e-12)
    np.testing.assert_allclose((raw[:, 1:] / raw[:, :-1])[~on], nav_step[~on], rtol=1e-12)
    assert (raw[:, 1:][on] > 4 * 24.9 * 0.9).all()  # the new shares trade near 4 x the old threshold
