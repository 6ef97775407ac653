"""A fund across a re-denomination: months first listed from 1 Sep 2026 carry 10,000 GPU-hours, not 1,000.

The contract lists 6 months at once, so GPUG27 (February 2027) is the first with the new multiplier and the
fund (S&P GSCI roll) holds it from January 2027.  The checks:

- the same notional buys a tenth of the contracts in the new months;
- the ledger reconciles to the cent every day, recomputed here from positions, prices and each contract's
  own multiplier: variation margin, fee, flows, commission, half-spread, impact, notional, margin, shares;
- with fractional contracts and no commission (the one cost charged per contract whatever its size), NAV is
  the same as a run in which every month keeps 1,000 GPU-hours: counts in the fund's terms (volume, open
  interest, limits, margin and spread per contract) are in contracts of the base multiplier.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from etfsim.contracts.spec import COMPUTE_H100
from etfsim.fund import FundConfig, InvestorDemand, fund_metrics, simulate_fund
from etfsim.fund.summary import summarise_fund
from etfsim.roll import roll_schedule
from etfsim.roll.schedule import next_slot_map
from etfsim.scenario import load_scenario

SPEC = dataclasses.replace(COMPUTE_H100, listed_depth=6, multiplier_changes=(("2026-09-01", 10_000.0),))
OLD = dataclasses.replace(SPEC, multiplier_changes=())
DEMAND = InvestorDemand(volatility=0.01, seed=5)
TERMS = FundConfig(
    collateral_rate=0.04, expense_ratio=0.0095, commission=0.10, half_spread_ticks=0.5, impact_coefficient=0.002,
    initial_margin=120.0, creation_unit=50_000, daily_volume=200_000,
)  # fmt: skip


@pytest.fixture(scope="module")
def market():
    curve = dataclasses.replace(load_scenario(), contract=SPEC, years=1.5).simulate(paths=3, seed=7)
    return curve, roll_schedule(curve, "gsci")


def _new_months_only(res) -> np.ndarray:
    """Dates on which every contract held has the new multiplier."""
    pos = np.nan_to_num(res.positions[0])
    held = pos != 0
    new = res.multipliers > 1_000.0
    return held.any(axis=1) & ~(held & ~new).any(axis=1)


def test_the_listing_puts_the_new_multiplier_on_the_months_first_listed_from_the_date(market) -> None:
    curve, _ = market
    mult = SPEC.multipliers(curve.contracts, curve.expiries)
    codes = np.asarray(curve.contracts)
    assert set(codes[mult == 10_000.0]) >= {"GPUG27", "GPUH27"} and "GPUF27" in set(codes[mult == 1_000.0])
    # a contract keeps its multiplier all its life, whichever slot it sits in
    for code in np.unique(codes[codes != ""]):
        assert len(np.unique(mult[codes == code])) == 1


def test_the_same_notional_buys_a_tenth_of_the_contracts_in_the_new_months(market) -> None:
    curve, sched = market
    new = simulate_fund(curve, sched, TERMS, flows=DEMAND)
    old = simulate_fund(curve, sched, TERMS, flows=DEMAND, contract=OLD)
    after = _new_months_only(new)
    assert after.sum() > 60  # about four months of the run
    ratio = np.nan_to_num(new.positions[0, after]).sum(axis=1) / np.nan_to_num(old.positions[0, after]).sum(axis=1)
    np.testing.assert_allclose(ratio, 0.1, rtol=2e-3)  # whole contracts: ~4,000 new against ~40,000 old
    before = np.arange(len(curve.dates)) < np.argmax(new.multipliers[:, 0] > 1_000.0) - 25  # before the roll
    before[: new.start + 1] = False
    np.testing.assert_array_equal(new.positions[0, before], old.positions[0, before])


def test_the_ledger_reconciles_to_the_cent_every_day_across_the_change(market) -> None:
    curve, sched = market
    res = simulate_fund(curve, sched, TERMS, flows=DEMAND)
    f, s0, cfg = res.ledger, res.start, TERMS
    mult = res.multipliers
    size = mult / 1_000.0
    nxt = next_slot_map(np.asarray(curve.contracts))
    days = np.diff(np.asarray(curve.dates).astype("datetime64[D]")).astype(np.int64)
    volume = 200_000.0 * 0.8 ** np.arange(curve.depth)[None, :] / size
    cent = dict(rel=0, abs=0.005)
    assert (res.ledger.creations[:, s0:].sum() > 0) and (res.ledger.redemptions[:, s0:].sum() > 0)
    for p in range(res.n_paths):
        pos = np.nan_to_num(res.positions[p])
        price = curve.prices[p]
        assert (pos == np.round(pos)).all()  # whole contracts
        for t in range(s0, len(curve.dates)):
            held = pos[t] != 0
            assert f.notional[p, t] == pytest.approx((pos[t, held] * price[t, held] * mult[t, held]).sum(), **cent)
            assert f.margin[p, t] == pytest.approx(120.0 * (np.abs(pos[t]) * size[t]).sum(), **cent)
            if t == s0:
                continue
            carried = np.zeros(curve.depth)
            pnl = 0.0
            for s in np.nonzero(pos[t - 1])[0]:
                j = nxt[t - 1, s]
                assert mult[t - 1, s] == mult[t, j]  # the contract keeps its multiplier into its new slot
                carried[j] += pos[t - 1, s]
                pnl += pos[t - 1, s] * mult[t - 1, s] * (price[t, j] - price[t - 1, s])
            assert f.pnl[p, t] == pytest.approx(pnl, **cent)
            pre_fee = f.nav[p, t - 1] + pnl + f.interest[p, t]
            x = cfg.expense_ratio * days[t - 1] / 365
            assert f.fees[p, t] == pytest.approx(pre_fee * x / (1 + x), **cent)
            navps = (pre_fee - f.fees[p, t]) / f.shares[p, t - 1]
            cr, rd = f.creations[p, t], f.redemptions[p, t]
            flows = cr * (cfg.creation_unit * navps + cfg.creation_fee) - rd * (cfg.creation_unit * navps - 500.0)
            assert f.shares[p, t] == f.shares[p, t - 1] + (cr - rd) * cfg.creation_unit
            dn = np.abs(pos[t] - carried)
            traded = dn > 1e-12
            assert f.commission[p, t] == pytest.approx(0.10 * dn.sum(), **cent)
            assert f.spread_cost[p, t] == pytest.approx((0.5 * 0.001 * mult[t] * dn)[traded].sum(), **cent)
            imp = 0.002 * np.abs(price[t]) * mult[t] * dn**2 / volume[t]
            assert f.impact_cost[p, t] == pytest.approx(imp[traded].sum(), **cent)
            costs = f.commission[p, t] + f.spread_cost[p, t] + f.impact_cost[p, t]
            assert f.nav[p, t] == pytest.approx(pre_fee - f.fees[p, t] + flows - costs, **cent)
            assert f.cash[p, t] == f.nav[p, t]


def test_with_fractional_contracts_nav_is_the_run_with_the_old_multiplier(market) -> None:
    curve, sched = market
    cfg = dataclasses.replace(
        TERMS, fractional_contracts=True, commission=0.0, position_limit=41_000, accountability_level_oi_share=0.026
    )
    new = simulate_fund(curve, sched, cfg, flows=DEMAND)
    old = simulate_fund(curve, sched, cfg, flows=DEMAND, contract=OLD)
    s = new.start
    assert (new.status[:, s:] != 0).any()  # the limits bind: counted in base contracts in both runs
    np.testing.assert_allclose(new.nav[:, s:], old.nav[:, s:], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(new.ledger.creations, old.ledger.creations)
    np.testing.assert_array_equal(new.status, old.status)
    base = np.nan_to_num(new.positions) * (new.multipliers / 1_000.0)[None]
    np.testing.assert_allclose(base, np.nan_to_num(old.positions), rtol=1e-11, atol=1e-6)
    for a, b in ((new.ledger.spread_cost, old.ledger.spread_cost), (new.ledger.impact_cost, old.ledger.impact_cost),
                 (new.ledger.margin, old.ledger.margin), (new.ledger.notional, old.ledger.notional)):  # fmt: skip
        np.testing.assert_allclose(a[:, s:], b[:, s:], rtol=1e-9, atol=1e-6)


def test_the_summary_reduces_a_re_denominated_fund_as_the_full_ledger(market) -> None:
    curve, sched = market
    full = simulate_fund(curve, sched, TERMS, flows=DEMAND)
    short = summarise_fund(curve, sched, TERMS, flows=DEMAND, index=full.index)
    pd.testing.assert_frame_equal(short.metrics, fund_metrics(full), check_exact=True)


def test_limits_in_contracts_count_base_contracts(market) -> None:
    # 41,000 contracts of 1,000 GPU-hours a month are 4,100 of the new 10,000 GPU-hour contracts
    curve, sched = market
    res = simulate_fund(curve, sched, dataclasses.replace(TERMS, position_limit=41_000), flows=DEMAND)
    pos = np.nan_to_num(res.positions[:, res.start :])
    limit = 41_000 / (res.multipliers[res.start :] / 1_000.0)
    assert (pos <= limit[None]).all() and (pos == limit[None]).any()
    (term,) = res.limits
    assert term.describe("2026-06-01") == "position limit: 41,000 contracts"
    assert term.describe("2027-03-01") == "position limit: 41,000 contracts (about 4,100 contracts on 2027-03-01)"
    assert term.contracts_on("2027-03-01") == 4_100.0  # in the new month the fund holds
