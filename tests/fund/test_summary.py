"""The per-path summary ledger against the full ledger and ``fund_metrics``.

``summarise_fund`` runs the same day loop as ``simulate_fund`` through one
scratch row and reduces each path as it goes; every figure must equal what
``fund_metrics`` computes from the full ``(paths, dates)`` ledger, including
paths that hit a position limit, split their shares or were wiped out.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from etfsim.exceptions import DataError
from etfsim.fund import FundConfig, fund_metrics, simulate_fund
from etfsim.fund import ledger as _ledger
from etfsim.fund.records import METRICS, REVERSE_SPLIT
from etfsim.fund.summary import FundSummary, summarise_fund
from etfsim.roll import roll_schedule
from etfsim.sweep.montecarlo import month_ends
from tests.fund.fund_cases import FUND_CASES


@pytest.fixture(scope="module")
def compute():
    from etfsim.scenario import load_scenario

    sc = replace(load_scenario(), years=3)
    curve = sc.simulate(paths=6, seed=11)
    return curve, roll_schedule(curve, "gsci")


CASES = {
    **FUND_CASES,
    "no flows, no costs": (
        FundConfig(expense_ratio=0.0, commission=0.0, half_spread_ticks=0.0, fractional_contracts=True),
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.filterwarnings("ignore:Degrees of freedom")
def test_summary_equals_the_full_ledgers_metrics(compute, case) -> None:
    curve, sched = compute
    cfg, demand = CASES[case]
    full = simulate_fund(curve, sched, cfg, flows=demand)
    ends = month_ends(np.asarray(curve.dates))
    short = summarise_fund(curve, sched, cfg, flows=demand, index=full.index, keep=ends)
    expected = fund_metrics(full)
    assert list(short.metrics.columns) == list(METRICS)
    # one reduction kernel for both, over the same numbers: equal bit for bit
    pd.testing.assert_frame_equal(short.metrics, expected, check_exact=True)
    np.testing.assert_array_equal(short.navps, full.nav_per_share_adjusted[:, ends])
    if case == "limits bind, creations halt":
        assert (expected["halted_days"] > 0).any()
    if case == "reverse splits and return chasing":
        assert ((full.status & REVERSE_SPLIT) != 0).any()
    if case == "wiped out by impact":
        assert (short.metrics["nav_return"] == -1.0).all()  # every path: the first roll into a dried-up market
        assert np.isfinite(short.metrics["tracking_error"]).all()  # days traded before it: a figure to compare


def test_summary_of_a_chunk_does_not_depend_on_its_neighbours(compute) -> None:
    # the scratch row is reused: a path's figures must not carry anything from the path before it
    curve, sched = compute
    cfg, demand = CASES["wiped out by impact"]
    both = summarise_fund(curve, sched, cfg, flows=demand).metrics
    alone = summarise_fund(curve.select(paths=[3]), sched, cfg, flows=demand).metrics
    np.testing.assert_array_equal(both.iloc[[3]].to_numpy(), alone.to_numpy())


def test_summary_raises_the_full_ledgers_error(compute) -> None:
    curve, sched = compute
    prices = curve.prices.copy()
    held = np.nonzero(sched.weights[0, 40] > 0)[0][0]
    prices[2, 40, held] = np.nan
    broken = replace(curve, prices=prices)
    with pytest.raises(DataError) as full:
        simulate_fund(broken, sched, FundConfig())
    with pytest.raises(DataError) as short:
        summarise_fund(broken, sched, FundConfig())
    assert str(short.value) == str(full.value) and "on path 2" in str(full.value)


def test_compiled_summary_equals_python(compute) -> None:
    curve, sched = compute
    cfg, demand = CASES["reverse splits and return chasing"]
    sub = curve.select(paths=[0, 1])
    fast = summarise_fund(sub, sched, cfg, flows=demand, keep=np.array([5, 100]))
    kernels = [name for name, obj in vars(_ledger).items() if hasattr(obj, "py_func")]  # the day loop and its steps
    compiled = {name: getattr(_ledger, name) for name in kernels}
    try:
        for name in kernels:
            setattr(_ledger, name, compiled[name].py_func)
        slow = summarise_fund(sub, sched, cfg, flows=demand, keep=np.array([5, 100]))
    finally:
        for name in kernels:
            setattr(_ledger, name, compiled[name])
    np.testing.assert_allclose(fast.metrics.to_numpy(), slow.metrics.to_numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(fast.navps, slow.navps, rtol=1e-12, equal_nan=True)


def test_a_contract_to_buy_without_a_price_stops_both_ledgers_with_its_name(compute) -> None:
    # the schedule (and an index passed in) come from a clean curve; the fund's own curve lacks the price of
    # the contract the roll buys that day: both ledgers must stop and name it, not sell everything
    curve, sched = compute
    w, codes = sched.weights[0], np.asarray(curve.contracts)

    def new_today(t: int) -> list[int]:  # slots weighted on t whose contract had no weight on t - 1
        before = set(codes[t - 1][w[t - 1] > 0])
        return [s for s in range(curve.depth) if w[t, s] > 0 and codes[t, s] not in before]

    t = next(t for t in range(10, curve.n_dates) if new_today(t))
    s = new_today(t)[0]
    index = simulate_fund(curve, sched, FundConfig()).index
    prices = curve.prices.copy()
    prices[1, t, s] = np.nan
    broken = replace(curve, prices=prices)
    name = str(curve.contracts[t, s])
    for run in (simulate_fund, summarise_fund):
        with pytest.raises(DataError, match=f"on path 1 for {name}, which the roll schedule buys that day"):
            run(broken, sched, FundConfig(), index=index)


def test_keep_outside_the_curve_is_refused_by_name(compute) -> None:
    curve, sched = compute
    with pytest.raises(DataError, match=r"keep holds a date index outside the curve \(0 to "):
        summarise_fund(curve, sched, FundConfig(), keep=np.array([0, curve.n_dates]))


def test_fund_results_explain_themselves() -> None:
    import dataclasses

    import matplotlib

    from etfsim._results import Result
    from etfsim.pipeline import load_strategy, run_strategy
    from etfsim.scenario import load_scenario

    matplotlib.use("Agg")
    curve = dataclasses.replace(load_scenario(), years=1.0).simulate(paths=3)
    strat = load_strategy("compute_default")
    recorded = run_strategy(curve, strat, strat.fund, strat.demand).fund
    reduced = run_strategy(curve, strat, strat.fund, strat.demand, summarise=True).fund
    for res in (recorded, reduced):
        assert isinstance(res, Result) and "\n" not in repr(res) and "<table" in res._repr_html_()
    assert isinstance(reduced, FundSummary) and reduced.to_frame() is reduced.metrics
    assert "NAV return / yr" in str(reduced) and "3 path(s)" in str(reduced)
    assert not reduced.navps.flags.writeable
    ax = recorded.plot(path=1)
    s = recorded.start
    navps = recorded.nav_per_share_adjusted[1, s:]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), navps)
    tr = recorded.index.tr[1, s:]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), navps[0] * tr / tr[0], rtol=1e-15)
