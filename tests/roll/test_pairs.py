"""Optimum yield's (slot, weight) pairs: restrict gives the same schedule from them as from the dense weights.

Reference: :func:`etfsim.roll.restrict` on the rule's dense ``RollSchedule``
(every slot of every path and date, gathered with ``take_along_axis``); the
pairs must give the same slots, weights, prices and dates bit for bit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from etfsim.exceptions import DataError
from etfsim.pipeline import run_strategy
from etfsim.roll import OptimumYield, restrict, roll_schedule
from etfsim.roll.pairs import PairWeights
from etfsim.scenario import load_scenario


@pytest.fixture(scope="module")
def lazy():
    """Sixteen paths over three years: enough for paths to choose different contracts."""
    (curve,) = list(replace(load_scenario(), years=3.0).iter_chunks(paths=16, chunk_size=16, lazy_prices=True))
    return curve


def test_restrict_from_pairs_is_restrict_from_the_dense_schedule(lazy) -> None:
    rule = OptimumYield()
    pairs = rule.pair_weights(lazy)
    a, sa, slots_a = restrict(lazy, pairs)
    b, sb, slots_b = restrict(lazy, roll_schedule(lazy, rule))
    assert slots_a.shape[1] > 2, "the paths should choose different contracts, or the test shows little"
    np.testing.assert_array_equal(slots_a, slots_b)
    assert sa.weights.tobytes() == sb.weights.tobytes()
    assert a.prices.tobytes() == b.prices.tobytes()
    np.testing.assert_array_equal(a.contracts, b.contracts)
    np.testing.assert_array_equal(sa.invested, sb.invested)
    np.testing.assert_array_equal(sa.rolling, sb.rolling)
    assert sa.rule == sb.rule == "optimum_yield" and dict(sa.params) == dict(sb.params)


def test_the_roll_moves_the_window_share_of_the_position(lazy) -> None:
    """DBIQ Optimum Yield's roll: on the k-th business day of the window (days 2 to 6 of the month)
    the contract bought holds k/5 of the position and the one sold the rest; once invested, every
    date is (no weight lost to rounding), one contract a path, two while it rolls.
    """
    pairs = OptimumYield().pair_weights(lazy)
    first = int(np.argmax(pairs.invested))
    assert pairs.invested[first:].all()
    months = np.asarray(lazy.dates).astype("datetime64[M]")
    start_of_month = np.r_[True, months[1:] != months[:-1]]
    day_of_month = np.arange(len(months)) - np.maximum.accumulate(np.where(start_of_month, np.arange(len(months)), 0))
    rolling = pairs.slots[1] >= 0  # (dates, paths): two contracts held
    assert rolling.any()
    t, p = np.nonzero(rolling)
    full = months[t] != months[0]  # the grid's first month may start after its first business day
    t, p = t[full], p[full]
    share = (day_of_month[t] + 1 - 2 + 1) / (6 - 2 + 1)  # business day d of the month: (d - first + 1) / window
    np.testing.assert_array_equal(pairs.weights[0][t, p], share)
    np.testing.assert_array_equal(pairs.weights[1][t, p], 1.0 - share)
    assert ((day_of_month[t] >= 1) & (day_of_month[t] <= 4)).all()  # business days 2 to 5: day 6 completes it


def test_pairs_hold_every_weight_of_the_dense_schedule(lazy) -> None:
    pairs = OptimumYield().pair_weights(lazy)
    w = pairs.schedule(lazy).weights  # (paths, dates, depth)
    nonzero = (w > 0).sum(axis=2)
    assert nonzero.max() == 2 and nonzero[:, pairs.invested].min() == 1  # one contract, two while rolling
    for i in range(2):
        s, x = pairs.slots[i].T, pairs.weights[i].T  # (paths, dates)
        p, t = np.nonzero(s >= 0)
        np.testing.assert_array_equal(w[p, t, s[p, t]], x[p, t])
    both = (pairs.slots[1] >= 0).T
    assert (pairs.slots[0].T[both] != pairs.slots[1].T[both]).all()  # a cell's two slots differ
    np.testing.assert_allclose(w.sum(axis=2)[:, pairs.invested], 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(pairs.held(lazy.depth), (w > 0).any(axis=0))


def test_gather_onto_wider_slots_and_padding() -> None:
    """Slots a date does not weight read 0, padding reads 0, the weighted ones their weights."""
    slots, weights = PairWeights.empty(3, 2)  # 3 dates, 2 paths, a depth of 5
    slots[0] = [[0, 1], [1, 1], [2, 4]]
    weights[0] = [[1.0, 1.0], [0.25, 1.0], [1.0, 0.5]]
    slots[1, 1, 0], weights[1, 1, 0] = 2, 0.75
    slots[1, 2, 1], weights[1, 2, 1] = 3, 0.5
    pairs = PairWeights(slots, weights, np.ones(3, bool), np.zeros(3, bool), "test", {})
    sel = np.array([[0, 1, 3], [1, 2, -1], [2, 3, 4]])
    dense = np.zeros((2, 3, 5))
    for i in range(2):
        for t in range(3):
            for p in range(2):
                if slots[i, t, p] >= 0:
                    dense[p, t, slots[i, t, p]] += weights[i, t, p]
    want = np.take_along_axis(dense, np.where(sel >= 0, sel, 0)[None], axis=2)
    want[:, sel < 0] = 0.0
    np.testing.assert_array_equal(pairs.gather(sel), want)
    np.testing.assert_array_equal(pairs.held(5), (dense > 0).any(axis=0))


def test_a_strategy_on_a_model_curve_never_builds_the_dense_schedule(lazy, monkeypatch) -> None:
    def refuse(self, curve):  # type: ignore[no-untyped-def]
        raise AssertionError("the dense optimum-yield schedule was built")

    run = run_strategy(lazy, "optimum_yield", keep_curve=True)  # the reference, before the dense one is refused
    monkeypatch.setattr(OptimumYield, "schedule", refuse)
    again = run_strategy(lazy, "optimum_yield", keep_curve=True)
    assert again.schedule.weights.tobytes() == run.schedule.weights.tobytes()
    with pytest.raises(AssertionError, match="dense"):
        roll_schedule(lazy, OptimumYield())


def test_pairs_that_break_their_layout_are_refused() -> None:
    slots, weights = PairWeights.empty(2, 1)
    weights[0, 0, 0] = 1.0  # a weight without a slot
    with pytest.raises(DataError, match="without a slot"):
        PairWeights(slots, weights, np.ones(2, bool), np.zeros(2, bool), "test", {})
    slots, weights = PairWeights.empty(2, 1)
    slots[:, 0, 0], weights[:, 0, 0] = 3, 0.5  # both pairs on the same slot
    with pytest.raises(DataError, match="second pair"):
        PairWeights(slots, weights, np.ones(2, bool), np.zeros(2, bool), "test", {})
    with pytest.raises(DataError, match="shape"):
        PairWeights(slots[0], weights[0], np.ones(2, bool), np.zeros(2, bool), "test", {})
