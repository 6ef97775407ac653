"""Independent check: vectorbt rebuilds the fund's futures leg (rolls and costs, no flows) to 1e-9.

vectorbt (polakowo/vectorbt) is a portfolio simulator that knows nothing of
futures; see etfsim/check/vectorbt_leg.py for how the futures leg is expressed.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from etfsim.check.vectorbt_leg import vectorbt_value
from etfsim.fund import FundConfig, simulate_fund
from etfsim.roll import roll_schedule
from etfsim.scenario import load_scenario

pytest.importorskip("vectorbt")

LEG = dict(
    expense_ratio=0.0, collateral_rate=0.0, creation_fee=0.0, redemption_fee=0.0, commission=0.25, half_spread_ticks=0.5
)


@pytest.mark.parametrize("rule, fractional", [("gsci", True), ("usl_strip12", True), ("front_month", False)])
def test_vectorbt_value_path_equals_the_fund_nav(rule: str, fractional: bool) -> None:
    curve = replace(load_scenario(), years=1.5).simulate(paths=2, seed=8)
    from etfsim.pipeline import resolve_strategy

    sched = roll_schedule(curve, resolve_strategy(rule).rule)
    res = simulate_fund(curve, sched, FundConfig(**LEG, fractional_contracts=fractional))
    assert res.costs[:, res.start :].sum() > 0  # the check covers trading costs
    for p in range(2):
        value = vectorbt_value(res, curve.prices, p)
        nav = res.nav[p, res.start :]
        np.testing.assert_allclose(value, nav, rtol=1e-9)
    # and it can fail: drop the costs from the fund and the paths part
    free = simulate_fund(
        curve,
        sched,
        FundConfig(**{**LEG, "commission": 0.0, "half_spread_ticks": 0.0}, fractional_contracts=fractional),
    )
    assert np.abs(vectorbt_value(res, curve.prices, 0) / free.nav[0, free.start :] - 1).max() > 1e-6
