"""USO in 2020 (``strategies/uso_2020.toml``) replayed on EIA's WTI contracts 1-4 (``eia_wti/``).

The filings the strategy cites: 20% of the position in July from 17 April, the 22 April spread of about
20/50/20/10% over June-September, creations suspended from 21 April, a 1-for-8 reverse split after the
close of 28 April.  The EIA file lists four contracts, which carries the replay to mid-May 2020.
"""

from __future__ import annotations

import numpy as np
import pytest

from etfsim import sample_data
from etfsim.contracts import WTI
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.realdata import load_eia_wti
from etfsim.fund import InvestorDemand, simulate_fund
from etfsim.fund.records import CREATIONS_SUSPENDED, REVERSE_SPLIT
from etfsim.index import compute_index
from etfsim.pipeline import load_strategy
from etfsim.roll import roll_schedule


@pytest.fixture(scope="module")
def wti_2020() -> FuturesCurve:
    path = sample_data("eia_wti")  # shipped with etfsim (etfsim/data/), the same bytes as the reference copy
    return load_eia_wti(path).select(start="2020-01-02", end="2020-05-15")


def _t(curve: FuturesCurve, day: str) -> int:
    return int(np.searchsorted(curve.dates.astype("datetime64[D]"), np.datetime64(day, "D")))


def _values(curve: FuturesCurve, w: np.ndarray, t: int) -> dict[str, float]:
    v = w[0, t] * curve.prices[0, t]
    held = w[0, t] > 0
    return {str(c): round(float(x), 12) for c, x in zip(curve.contracts[t][held], v[held] / v[held].sum(), strict=True)}


def test_uso_2020_holds_what_its_filings_say(wti_2020: FuturesCurve) -> None:
    strat = load_strategy("uso_2020")
    s = roll_schedule(wti_2020, strat.rule)
    w = s.weights
    assert _values(wti_2020, w, _t(wti_2020, "2020-04-16")) == {"CLM20": 1.0}  # rolled out of May by the 13th
    assert _values(wti_2020, w, _t(wti_2020, "2020-04-17")) == {"CLM20": 0.8, "CLN20": 0.2}
    assert _values(wti_2020, w, _t(wti_2020, "2020-04-22")) == {"CLM20": 0.2, "CLN20": 0.5, "CLQ20": 0.2, "CLU20": 0.1}
    may = wti_2020.contracts == "CLK20"
    t20 = _t(wti_2020, "2020-04-20")
    assert not (w[0, _t(wti_2020, "2020-04-14") : t20 + 1] * may[_t(wti_2020, "2020-04-14") : t20 + 1]).any()
    # no May 2020 contract into its -37.63 settlement on 20 April, so the index and NAV stay positive
    idx = compute_index(wti_2020, s, collateral_rate=0.0)
    assert (idx.er[0] > 0).all()


def test_uso_2020_fund_events(wti_2020: FuturesCurve) -> None:
    strat = load_strategy("uso_2020")
    s = roll_schedule(wti_2020, strat.rule)
    buying = InvestorDemand(mean=0.02, volatility=0.01, seed=1)  # investors pouring in, as in April 2020
    run = simulate_fund(wti_2020, s, strat.fund, flows=buying, contract=WTI)
    t21, t28 = _t(wti_2020, "2020-04-21"), _t(wti_2020, "2020-04-28")
    st = run.status[0]
    assert run.ledger.creations[0, t21:].sum() == 0 and run.ledger.creations[0, :t21].sum() > 0
    assert (st[t21:] & CREATIONS_SUSPENDED).any() and not (st[:t21] & CREATIONS_SUSPENDED).any()
    assert st[t28] & REVERSE_SPLIT and run.split_factor[0, -1] == 8.0
    assert run.nav_per_share[0, t28] / run.nav_per_share[0, t28 - 1] > 4.0  # 8x, less a day's move
    assert (run.nav[0, run.start :] > 0).all()
