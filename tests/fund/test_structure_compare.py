"""The structures side by side (``etfsim.fund.structure_compare``): each row is that structure's own fund."""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.fund import FundConfig, simulate_fund
from etfsim.fund.comparison import TaxAssumptions, _interest_share, after_tax_futures
from etfsim.fund.metrics import fund_metrics
from etfsim.fund.structure_compare import STRUCTURE_VARIANTS, compare_structures
from etfsim.roll import roll_schedule


def test_every_row_is_the_fund_with_that_structure() -> None:
    from etfsim.scenario import load_scenario

    curve = load_scenario().simulate(paths=3, seed=5)
    sched = roll_schedule(curve, "gsci")
    base = FundConfig(position_limit=3_000.0, fractional_contracts=True)
    table = compare_structures(curve, sched, base)
    assert list(table.index) == list(STRUCTURE_VARIANTS)
    # worked out again for two rows, one structure at a time
    two = simulate_fund(curve, sched, FundConfig(position_limit=3_000.0, fractional_contracts=True, leverage=2.0))
    assert table.loc["2x daily", "NAV return / yr"] == pytest.approx(float(fund_metrics(two)["nav_return"].mean()))
    forty = simulate_fund(curve, sched, FundConfig(position_limit=3_000.0, fractional_contracts=True,
                                                   structure="40_act_subsidiary"))  # fmt: skip
    after = after_tax_futures(forty.nav_per_share_adjusted, curve.dates, forty.start, TaxAssumptions(),
                              _interest_share(forty), "40_act_subsidiary")  # fmt: skip
    assert table.loc["'40 Act fund, Cayman subsidiary", "after-tax return / yr"] == pytest.approx(float(after.mean()))
    # the structure is a tax wrapper: pre-tax the same fund, after tax not
    unl, cay = table.loc["unlevered, dated futures"], table.loc["'40 Act fund, Cayman subsidiary"]
    assert (
        unl["NAV return / yr"] == cay["NAV return / yr"]
        and unl["after-tax return / yr"] != cay["after-tax return / yr"]
    )
    # swaps keep the exposure a 3,000-contract limit cuts off: tracking is far closer than capped
    assert abs(table.loc["swaps at the limit", "tracking difference / yr"]) < abs(unl["tracking difference / yr"])
    assert np.isfinite(table.to_numpy()).all()
