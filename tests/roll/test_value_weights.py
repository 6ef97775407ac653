"""Calendar entries in value weights: shares of the fund's value, made quantities at the entry's close.

USO's 8-K of 22 April 2020 gave its spread as shares of its portfolio ("about 20% ... June, 50% July, 20%
August, 10% September"), not as numbers of contracts.
"""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.roll import CalendarRule, roll_schedule


@pytest.fixture(scope="module")
def curve() -> FuturesCurve:
    from etfsim.scenario import load_scenario

    return load_scenario().simulate(paths=4, seed=2).select(end="2027-05-28")  # before the held months expire


def _t(curve: FuturesCurve, day: str) -> int:
    return int(np.searchsorted(curve.dates.astype("datetime64[D]"), np.datetime64(day, "D")))


def test_value_shares_at_the_decision_close_then_fixed_quantities(curve: FuturesCurve) -> None:
    t0 = _t(curve, "2027-03-10")
    codes = [str(c) for c in curve.contracts[t0, 1:4]]
    shares = dict(zip(codes, (0.2, 0.5, 0.3), strict=True))
    rule = CalendarRule(
        ({"date": "2027-03-10", "value_weights": shares}, {"date": "2027-04-12", "weights": {codes[2]: 1.0}})
    )
    assert rule.reads_prices
    s = roll_schedule(curve, rule)
    assert s.weights.shape[0] == curve.n_paths  # each path's own prices
    t1 = _t(curve, "2027-04-12")
    slots = [int(np.nonzero(curve.contracts[t0] == c)[0][0]) for c in codes]
    f = curve.prices[:, t0, slots]
    q = s.weights[:, t0, slots]
    np.testing.assert_allclose(q.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(
        q * f / (q * f).sum(axis=1, keepdims=True), [[0.2, 0.5, 0.3]] * curve.n_paths, rtol=1e-12
    )
    assert not np.allclose(q[0], q[1])  # different prices, different quantities
    for t in range(t0, t1):  # held by contract, whatever slot it sits in
        held = [s.weights[:, t, int(np.nonzero(curve.contracts[t] == c)[0][0])] for c in codes]
        np.testing.assert_array_equal(np.stack(held, axis=1), q)
    assert s.invested[t0:].all() and not s.invested[:t0].any()


def test_value_weights_need_a_positive_price() -> None:
    days = np.array(["2020-04-17", "2020-04-20", "2020-04-21"], dtype="datetime64[D]")
    prices = np.array([[[18.27, 25.03], [-37.63, 20.43], [10.01, 11.57]]])  # CLK20 on 20 April 2020
    codes = np.array([["CLK20", "CLM20"]] * 3, dtype=object)
    exp = np.array([["2020-04-21", "2020-05-19"]] * 3, dtype="datetime64[D]")
    real = FuturesCurve(days, prices, codes, exp)
    rule = CalendarRule(({"date": "2020-04-20", "value_weights": {"CLK20": 0.5, "CLM20": 0.5}},))
    with pytest.raises(DataError, match="value weights need a positive price; CLK20 is -37.63 on 2020-04-20"):
        roll_schedule(real, rule)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"date": "2020-04-22", "value_weights": {"CLM20": 0.2, "CLN20": 0.5}},
            "value_weights must be >= 0 and sum to 1",
        ),
        (
            {"date": "2020-04-22", "weights": {"CLM20": 1.0}, "value_weights": {"CLM20": 1.0}},
            "weights \\(or value_weights\\)",
        ),
    ],
)
def test_bad_value_weights(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CalendarRule((entry,))
