"""Property (Hypothesis): fund terms, flows and prices anywhere in their documented domains give a ledger
that reconciles to the cent every day and figures that are all finite, or a fund recorded as wiped out.

The domains (``FundConfig``'s docstring and checks): an expense ratio of 0
to 5% a year, fees and costs >= 0, T-bills below 50% a year, whole or
fractional contracts, a rebalancing band of at most half the position,
reverse splits below a NAV per share; flows are finite dollars; prices are
the single-chip compute curve's, scaled by 1/20 to 20x and shaken by up to
30% a day, contract by contract (positive, finite).  Flows reach 10^300
dollars, far beyond any fund: the APs' daily capacity caps what they bring.

Every day after launch, with ``cu`` shares a unit and NAV per share taken
before the day's units (``pre / shares[t-1]``)::

    pre[t]    = nav[t-1] + pnl[t] + interest[t] - fees[t]
    nav[t]    = pre[t] + created[t] (cu navps + fee_c) - redeemed[t] (cu navps - fee_r) - costs[t]
    shares[t] = (shares[t-1] + (created[t] - redeemed[t]) cu) / split ratio of the day
    notional  = sum over slots of contracts x price x multiplier
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etfsim.curves.curve import FuturesCurve
from etfsim.fund import FundConfig, simulate_fund
from etfsim.fund.engine import resolve_contract
from etfsim.fund.metrics import fund_metrics
from etfsim.fund.records import LIQUIDATED
from etfsim.roll import roll_schedule
from etfsim.scenario import load_scenario

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def base() -> FuturesCurve:
    return replace(load_scenario(), years=1.0).simulate(paths=2, seed=17)


def _prices(base: FuturesCurve, scale: float, shake: float, seed: int) -> FuturesCurve:
    rng = np.random.default_rng(seed)
    noise = np.exp(shake * rng.standard_normal(base.prices.shape) - 0.5 * shake**2)
    prices = base.prices * scale * noise
    return FuturesCurve(base.dates, prices, base.contracts, base.expiries, base.spot, None, dict(base.metadata))


terms = st.fixed_dictionaries(
    {
        "expense_ratio": st.floats(0.0, 0.05),
        "collateral_rate": st.floats(0.0, 0.1),
        "creation_fee": st.floats(0.0, 5_000.0),
        "redemption_fee": st.floats(0.0, 5_000.0),
        "commission": st.floats(0.0, 10.0),
        "half_spread_ticks": st.floats(0.0, 5.0),
        "impact_coefficient": st.sampled_from([0.0, 0.001, 0.05]),
        "fractional_contracts": st.booleans(),
        "rebalance_band": st.sampled_from([0.0, 0.01, 0.1]),
        "ap_capacity_units": st.integers(0, 200),
        "reverse_split_below": st.sampled_from([None, 10.0, 24.0]),
        "initial_shares": st.sampled_from([100_000.0, 4_000_000.0]),
    }
)


def flows_on(n_dates: int):  # type: ignore[no-untyped-def]
    """Dollar flows on a few days: ordinary ones and absurd ones up to 10^300 either way."""
    amount = st.one_of(st.floats(-5e8, 5e8), st.sampled_from([1e300, -1e300, 1e18, -1e18]))
    return st.lists(st.tuples(st.integers(1, n_dates - 1), amount), min_size=0, max_size=10, unique_by=lambda x: x[0])


def _reconciles(res, cfg: FundConfig, curve: FuturesCurve, multiplier: float) -> None:  # type: ignore[no-untyped-def]
    f, s, cu = res.ledger, res.start, float(cfg.creation_unit)
    for p in range(res.n_paths):
        alive = np.isfinite(f.nav[p])
        last = int(np.nonzero(alive)[0][-1])  # the last day recorded: the end, or the wipe-out day
        days = np.arange(s + 1, last + 1)
        if days.size == 0:
            continue
        prev = days - 1
        pre = f.nav[p, prev] + f.pnl[p, days] + f.interest[p, days] - f.fees[p, days]
        navps = pre / f.shares[p, prev]
        cr, rd = f.creations[p, days], f.redemptions[p, days]
        cash_in = cr * (cu * navps + cfg.creation_fee) - rd * (cu * navps - cfg.redemption_fee)
        costs = f.commission[p, days] + f.spread_cost[p, days] + f.impact_cost[p, days]
        np.testing.assert_allclose(f.nav[p, days], pre + cash_in - costs, rtol=1e-12, atol=0.01)  # to the cent
        ratio = f.split[p, days] / f.split[p, prev]
        np.testing.assert_allclose(f.shares[p, days], (f.shares[p, prev] + (cr - rd) * cu) / ratio, rtol=1e-12)
        held = np.nan_to_num(res.positions[p, s : last + 1])
        notional = (held * np.nan_to_num(curve.prices[p, s : last + 1]) * multiplier).sum(axis=1)
        np.testing.assert_allclose(f.notional[p, s : last + 1], notional, rtol=1e-12, atol=1e-6)


def _finite(res) -> None:  # type: ignore[no-untyped-def]
    f, s = res.ledger, res.start
    wiped = ((res.status & LIQUIDATED) != 0).any(axis=1)
    for p in range(res.n_paths):
        last = int(np.nonzero(np.isfinite(f.nav[p]))[0][-1])
        for name in ("nav", "shares", "cash", "notional", "margin", "fees", "creations", "redemptions"):
            values = getattr(f, name)[p, s : last + 1]
            assert np.isfinite(values).all(), (name, p)
        for name in ("pnl", "interest", "commission", "spread_cost", "impact_cost"):
            assert np.isfinite(getattr(f, name)[p, s + 1 : last + 1]).all(), (name, p)
        if not wiped[p]:
            assert last == f.nav.shape[1] - 1 and (f.nav[p, s:] > 0).all() and (f.shares[p, s:] > 0).all()
        else:
            assert f.nav[p, last] <= 0 or not np.isfinite(f.nav[p, last + 1 :]).any()
    metrics = fund_metrics(res)
    for p in range(res.n_paths):
        row = metrics.iloc[p]
        if wiped[p]:
            assert row["nav_return"] == -1.0
        else:
            for name in ("nav_return", "nav_end", "costs_per_year", "tracking_difference"):
                if name in row.index:
                    assert np.isfinite(row[name]), (name, p, row[name])


@SETTINGS
@given(
    data=st.data(),
    scale=st.floats(0.05, 20.0),
    shake=st.floats(0.0, 0.3),
    seed=st.integers(0, 10_000),
    rule=st.sampled_from(["front_month", "gsci", "strip"]),
)
def test_any_fund_in_its_domain_reconciles_and_stays_finite(
    base: FuturesCurve, data: st.DataObject, scale: float, shake: float, seed: int, rule: str
) -> None:
    curve = _prices(base, scale, shake, seed)
    cfg = FundConfig(**data.draw(terms))
    picks = data.draw(flows_on(curve.n_dates))
    flows = np.zeros((curve.n_paths, curve.n_dates))
    for day, amount in picks:
        flows[:, day] = amount
    sched = roll_schedule(curve, rule)
    res = simulate_fund(curve, sched, cfg, flows)
    _reconciles(res, cfg, curve, resolve_contract(curve, None).multiplier)
    _finite(res)
