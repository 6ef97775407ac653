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
    # NaN only where the column says so: no roll carry on a daily objective, no subsidiary outside a '40 Act fund
    lev = table.index.isin(["2x daily", "-1x daily (inverse)"])
    forty = table.index == "'40 Act fund, Cayman subsidiary"
    assert np.isnan(table["carry / yr"]).to_numpy().tolist() == lev.tolist()
    assert np.isnan(table["quarter ends over the subsidiary cap"]).to_numpy().tolist() == (~forty).tolist()
    assert np.isfinite(table.drop(columns=["carry / yr", "quarter ends over the subsidiary cap"]).to_numpy()).all()


def test_the_perpetual_row_is_the_perpetual_fund_and_its_carry_is_funding_plus_premium(compute) -> None:
    """The perpetual row is :func:`compare_perpetual`'s perpetual fund; its carry is the premium's change plus the
    funding (the split of etfsim.fund.perpetual_compare's docstring), and the dated rows' carry is the roll's."""
    from etfsim.curves.perpetual import Perpetual
    from etfsim.fund.perpetual_compare import compare_perpetual
    from etfsim.fund.structure_compare import PERPETUAL_ROW

    curve, sched = compute
    base = FundConfig(position_limit=3_000.0, fractional_contracts=True)
    perp = Perpetual(premium_mean=0.002)  # a premium that pays funding on average
    table = compare_structures(curve, sched, base, perpetual=perp)
    assert list(table.index) == [*STRUCTURE_VARIANTS, PERPETUAL_ROW]
    other = compare_perpetual(curve, sched, base, perpetual=perp).table
    dated, held = other.iloc[0], other.iloc[1]
    assert table.loc[PERPETUAL_ROW, "NAV return / yr"] == pytest.approx(held["nav_return"], rel=1e-12)
    assert table.loc[PERPETUAL_ROW, "carry / yr"] == pytest.approx(held["premium_change"] + held["funding"], abs=1e-12)
    assert held["funding"] < 0.0 or held["funding"] > 0.0  # a premium of 0.2% moves money every day
    assert table.loc["unlevered, dated futures", "carry / yr"] == pytest.approx(dated["term_structure"], abs=1e-12)
    # a leveraged row's index compounds the whole return: no roll carry to show
    assert np.isnan(table.loc["2x daily", "carry / yr"]) and np.isnan(table.loc["-1x daily (inverse)", "carry / yr"])


def test_quarter_end_margin_is_margin_over_nav_on_each_quarters_last_date(compute) -> None:
    """Worked again from the ledger: initial margin / NAV on the last curve date of each calendar quarter after
    launch; a '40 Act fund breaches when that is over its subsidiary share (IRC 851(b)(3): 25%)."""
    import pandas as pd

    from etfsim.fund.structure import quarter_end_margin, subsidiary_breaches

    curve, sched = compute
    fund = simulate_fund(curve, sched, FundConfig(initial_margin=200.0, structure="40_act_subsidiary",
                                                  subsidiary_share=0.10))  # fmt: skip
    dates, share = quarter_end_margin(fund)
    days = pd.DatetimeIndex(np.asarray(curve.dates))
    for q_end in dates[:6]:
        (t,) = np.flatnonzero(days == pd.Timestamp(q_end))
        assert days[t].to_period("Q") != days[t + 1].to_period("Q")  # the quarter's last date on the curve
        assert t >= fund.start
    t0 = int(np.flatnonzero(days == pd.Timestamp(dates[0]))[0])
    want = fund.ledger.margin[:, t0] / fund.ledger.nav[:, t0]
    np.testing.assert_allclose(share[:, 0], want, rtol=1e-15)
    assert len(dates) == sum(  # every quarter end after launch, none for the quarter still running
        1 for t in range(fund.start, len(days) - 1) if days[t].to_period("Q") != days[t + 1].to_period("Q")
    )
    np.testing.assert_array_equal(subsidiary_breaches(fund), (np.nan_to_num(share) > 0.10).sum(axis=1))
    assert subsidiary_breaches(fund).sum() > 0  # margin fixed in dollars on falling prices outgrows 10% of NAV
    free = simulate_fund(curve, sched, FundConfig(structure="40_act_subsidiary"))
    assert subsidiary_breaches(free).sum() == 0  # no initial margin, nothing to hold
