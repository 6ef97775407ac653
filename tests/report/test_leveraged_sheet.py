"""A leveraged fund's fact sheet states its daily objective and its volatility drag, from the ledger."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from etfsim import read_scenario
from etfsim.curves.market import Market
from etfsim.pipeline import load_strategy
from etfsim.report.factsheet import factsheet_data
from etfsim.report.study import Study, run_study
from etfsim.report.tracking_facts import volatility_drag


@pytest.fixture(scope="module")
def two_x() -> Study:
    market = read_scenario()
    assert isinstance(market, Market)
    base = load_strategy("compute_default")
    assert base.fund is not None
    head = dataclasses.replace(base, fund=dataclasses.replace(base.fund, leverage=2.0))
    return run_study(dataclasses.replace(market, years=2.0), paths=4, compare_paths=2, strategies=[head])


def test_the_objective_is_daily_and_says_what_longer_periods_do(two_x: Study) -> None:
    data = factsheet_data(two_x.results)
    assert data.objective.startswith("The Fund seeks daily investment results")
    assert "two times the daily performance of the " + data.index_name in data.objective
    assert "over any period longer than one day" in data.objective and "volatility drag" in data.objective
    assert any(note.startswith("A 2x fund with a daily objective") for note in data.notes)


def test_the_volatility_drag_is_the_objective_less_twice_the_index(two_x: Study) -> None:
    res = two_x.results
    data = factsheet_data(res)
    facts = {f.key: f.value for f in data.tracking}
    # worked out here: the fund's tracked index is its daily objective; the index is the strategy's own TR
    obj = res.fund["index_tr"].to_numpy(dtype=float)
    ind = res.indices[res.indices["strategy"] == "compute_default"]["tr"].to_numpy(dtype=float)
    want = (obj[-1] / obj[0] - 1.0) - 2.0 * (ind[-1] / ind[0] - 1.0)
    assert facts["tracking.volatility_drag"] == pytest.approx(want, rel=1e-12) == volatility_drag(res)
    assert abs(want) > 1e-4
    # the daily objective compounds twice the index's daily excess return (and the T-bill return)
    er = res.indices[res.indices["strategy"] == "compute_default"]["er"].to_numpy(dtype=float)
    tr = ind
    step = er[1:] / er[:-1]
    np.testing.assert_allclose(obj[1:] / obj[:-1], 1 + 2 * (step - 1) + (tr[1:] / tr[:-1] - step), rtol=1e-12)
