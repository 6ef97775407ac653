"""vectorbt rebuilds the futures leg of many paths in one call (all paths as columns) to 1e-9.

The one-call form packs contracts into few columns per path (see
etfsim/check/vectorbt_leg.py); these tests check that the packing moves no
value: every path equals the fund's NAV, and the one-path form, to 1e-9.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from etfsim.check.vectorbt_leg import packed_columns, vectorbt_value, vectorbt_values
from etfsim.curves import FuturesCurve
from etfsim.fund import FundConfig, simulate_fund
from etfsim.pipeline import resolve_strategy
from etfsim.roll import roll_schedule
from etfsim.scenario import load_scenario

pytest.importorskip("vectorbt")

LEG = dict(
    expense_ratio=0.0, collateral_rate=0.0, creation_fee=0.0, redemption_fee=0.0, commission=0.25, half_spread_ticks=0.5
)


@pytest.fixture(scope="module")
def curve() -> FuturesCurve:
    return replace(load_scenario(), years=1.5).simulate(paths=5, seed=8)


@pytest.mark.parametrize("rule, fractional", [("gsci", True), ("usl_strip12", True), ("front_month", False)])
def test_all_paths_in_one_call_equal_the_fund_nav(curve: FuturesCurve, rule: str, fractional: bool) -> None:
    sched = roll_schedule(curve, resolve_strategy(rule).rule)
    res = simulate_fund(curve, sched, FundConfig(**LEG, fractional_contracts=fractional))
    assert res.costs[:, res.start :].sum() > 0  # the check covers trading costs
    values = vectorbt_values(res, curve.prices)
    assert values.shape == (5, res.nav.shape[1] - res.start)
    np.testing.assert_allclose(values, res.nav[:, res.start :], rtol=1e-9)
    np.testing.assert_allclose(values[2], vectorbt_value(res, curve.prices, 2), rtol=1e-9)
    # a chosen subset of paths, in its own order
    np.testing.assert_allclose(vectorbt_values(res, curve.prices, np.array([4, 1])), values[[4, 1]], rtol=1e-12)


@pytest.mark.parametrize("rule, most", [("gsci", 2), ("front_month", 2), ("usl_strip12", 13)])
def test_contracts_share_columns(curve: FuturesCurve, rule: str, most: int) -> None:
    sched = roll_schedule(curve, resolve_strategy(rule).rule)
    res = simulate_fund(curve, sched, FundConfig(**LEG))
    price, units, members = packed_columns(res, curve.prices)
    held = sorted(c for m in members for c in m)
    assert len(held) == len(set(held)) > len(members)  # each held contract once, fewer columns than contracts
    assert price.shape == units.shape == (res.nav.shape[1] - res.start, 5, len(members))
    assert len(members) <= most  # at most as many columns as contracts held at once, plus the one rolled into
    assert np.isfinite(price).all()


def test_a_fund_without_costs_differs(curve: FuturesCurve) -> None:
    sched = roll_schedule(curve, resolve_strategy("gsci").rule)
    res = simulate_fund(curve, sched, FundConfig(**LEG))
    free = simulate_fund(curve, sched, FundConfig(**{**LEG, "commission": 0.0, "half_spread_ticks": 0.0}))
    assert np.abs(vectorbt_values(res, curve.prices) / free.nav[:, free.start :] - 1).max() > 1e-6
