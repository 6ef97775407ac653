"""Back-adjusted prices: Panama against pysystemtrade's adjusted files, ratio by hand.

Reference source: ``shared/data/reference/pysystemtrade`` (README "Panama rule,
verified"): ``adjusted_prices_csv/<INST>.csv.gz`` is Rob Carver's Panama stitch
of ``multiple_prices_csv/<INST>.csv.gz`` (pysystemtrade
``sysobjects/adjusted_prices.py::_panama_stitch``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.typing import ArrayLike

from etfsim.curves.curve import FuturesCurve
from etfsim.curves.realdata import load_pysystemtrade
from etfsim.exceptions import DataError, UnknownNameError
from etfsim.index import back_adjust, compute_index
from etfsim.roll.schedule import RollSchedule

MULTIPLE = "pysystemtrade/multiple_prices_csv/{}.csv.gz"
ADJUSTED = "pysystemtrade/adjusted_prices_csv/{}.csv.gz"


def _as_recorded(curve: FuturesCurve) -> RollSchedule:
    """Weight 1 at row t on ``held[t+1]`` (``held[-1]`` on the last row).

    pysystemtrade rolls at the last row of the old contract, so the return into
    row ``t+1`` is already the new contract's.  Built by hand here and, where
    :class:`etfsim.roll.rules.AsRecorded` exists, checked against it and the
    rule's schedule used.
    """
    assert curve.held is not None
    target = np.append(curve.held[1:], curve.held[-1:])
    hit = curve.contracts == target[:, None]
    assert hit.any(axis=1).all(), "every recorded contract is listed the row before it is held"
    rolling = np.r_[target[1:] != target[:-1], False]
    by_hand = RollSchedule.for_curve(
        curve, hit.astype(float)[None], np.ones(curve.n_dates, bool), rolling, "as_recorded (test)", {}
    )
    try:
        from etfsim.roll.rules import AsRecorded
    except ImportError:
        return by_hand
    rule = AsRecorded().schedule(curve)
    np.testing.assert_array_equal(rule.weights, by_hand.weights)
    return rule


def _reference(reference_dir: Path, instrument: str) -> pd.Series:
    ref = pd.read_csv(reference_dir / ADJUSTED.format(instrument), parse_dates=["DATETIME"])
    return pd.Series(ref["price"].to_numpy(), index=pd.DatetimeIndex(ref["DATETIME"]))


# -- real data ----------------------------------------------------------------------------------
@pytest.mark.parametrize("instrument", ["CRUDE_W", "GAS_US", "VIX"])
def test_panama_reproduces_pysystemtrade_adjusted_prices(reference_dir: Path, instrument: str) -> None:
    # Source: pysystemtrade adjusted_prices_csv/<INST>.csv.gz, every non-NaN row, to 1e-9.
    curve = load_pysystemtrade(reference_dir / MULTIPLE.format(instrument), daily=False)
    adjusted = back_adjust(curve, _as_recorded(curve), method="panama")
    assert adjusted.name == "adjusted"
    np.testing.assert_array_equal(adjusted.index.to_numpy(), curve.dates)
    ref = _reference(reference_dir, instrument)
    if instrument == "CRUDE_W":  # README: the peer file is shorter than the multiple prices
        assert len(ref) == 45_070 and ref.index[-1].date().isoformat() == "2023-08-30"
    ours = adjusted.reindex(ref.index).to_numpy()
    valid = ref.notna().to_numpy()
    assert valid.sum() > 20_000
    assert not np.isnan(ours[valid]).any()
    np.testing.assert_allclose(ours[valid], ref.to_numpy()[valid], rtol=0, atol=1e-9)
    # where the held contract has no print the adjusted value stays NaN, as in the peer file
    np.testing.assert_array_equal(np.isnan(ours), ~valid)


def test_daily_view_rolls_between_daily_closes_and_differs(reference_dir: Path) -> None:
    # CRUDE_W.csv rolls Dec-19 -> Dec-20 intraday: the last CLZ19 row is
    # "2019-10-14 19:00:00, CARRY 53.48, PRICE 53.54 (CLZ19), FORWARD 51.77 (CLZ20)",
    # so Carver's roll_diff is 51.77 - 53.54 = -1.77.  The daily view's last date
    # before the roll day is Sunday 13 Oct (its 23:00 row: PRICE 54.85, FORWARD
    # 52.48), and the as-recorded schedule rolls at that daily close with
    # diff 52.48 - 54.85 = -2.37.  Every value before the roll therefore sits
    # 0.60 lower than Carver's, on top of what later rolls contribute.
    curve = load_pysystemtrade(reference_dir / MULTIPLE.format("CRUDE_W"), daily=True)
    daily = back_adjust(curve, _as_recorded(curve), method="panama")
    ref = _reference(reference_dir, "CRUDE_W").dropna()
    ref_daily = ref.groupby(ref.index.normalize()).last()  # the day's last valid value
    offset = (daily - ref_daily.reindex(daily.index)).dropna()
    d = pd.Timestamp
    step = offset[d("2019-10-11")] - offset[d("2019-10-15")]  # across the 2019 roll only
    assert step == pytest.approx((52.48 - 54.85) - (51.77 - 53.54), abs=1e-9)
    # on the roll day itself (the daily roll close) the two series differ too
    assert abs(offset[d("2019-10-13")]) > 1e-6
    assert (offset.abs() > 1e-6).any()
    # after the last roll (Dec-22 -> Dec-23 in October 2022) both are the traded price
    np.testing.assert_allclose(offset[d("2023-01-03") :], 0.0, atol=1e-9)


def test_ratio_series_moves_like_the_excess_return_index(reference_dir: Path) -> None:
    # A one-contract ER index and the ratio-adjusted series have the same returns:
    # at a roll, adjusted(r-1)/adjusted(r) = F_old(r-1)/F_old(r), the held contract's.
    # Checked on every row of CRUDE_W where the held contract printed.
    curve = load_pysystemtrade(reference_dir / MULTIPLE.format("CRUDE_W"))
    schedule = _as_recorded(curve)
    ratio = back_adjust(curve, schedule, method="ratio").to_numpy()
    er = compute_index(curve, schedule, missing="previous").er[0]
    valid = np.isfinite(ratio)
    first = int(np.argmax(valid))
    np.testing.assert_allclose(er[valid] / er[first], ratio[valid] / ratio[first], rtol=1e-9)
    panama = back_adjust(curve, schedule).to_numpy()
    assert np.abs(panama[valid] - ratio[valid]).max() > 1.0  # the two methods really differ


# -- hand examples ------------------------------------------------------------------------------
DATES = ["2024-01-24", "2024-01-25", "2024-01-26", "2024-01-29", "2024-01-30"]
CONTRACTS = [
    ["GPUF24", "GPUG24", "GPUH24"],
    ["GPUF24", "GPUG24", "GPUH24"],
    ["GPUF24", "GPUG24", "GPUH24"],
    ["GPUG24", "GPUH24", "GPUJ24"],
    ["GPUG24", "GPUH24", "GPUJ24"],
]
EXPIRY = {"GPUF24": "2024-01-26", "GPUG24": "2024-02-28", "GPUH24": "2024-03-27", "GPUJ24": "2024-04-26"}
PRICES = [
    [10.0, 11.0, 12.0],
    [10.2, 11.1, 12.3],
    [10.4, 11.5, 12.2],
    [11.3, 12.6, 13.0],
    [11.6, 12.9, 13.2],
]
# F, F, G (roll at Friday's close), H (roll at Monday's close), H
WEIGHTS = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]]


def _curve(prices: list[list[float]] = PRICES) -> FuturesCurve:
    expiries = np.array([[EXPIRY[c] for c in row] for row in CONTRACTS], dtype="datetime64[D]")
    return FuturesCurve(
        np.array(DATES, dtype="datetime64[ns]"), np.array([prices], float), np.array(CONTRACTS, object), expiries
    )


def _schedule(curve: FuturesCurve, weights: ArrayLike = WEIGHTS) -> RollSchedule:
    return RollSchedule.for_curve(
        curve, np.array([weights], float), np.ones(curve.n_dates, bool), np.zeros(curve.n_dates, bool), "hand", {}
    )


def test_panama_by_hand() -> None:
    # rolls: Fri close F -> G, diff 11.5 - 10.4 = 1.1; Mon close G -> H, diff 12.6 - 11.3 = 1.3
    # Wed 10.0 + 1.1 + 1.3 = 12.4; Thu 10.2 + 2.4 = 12.6; Fri G 11.5 + 1.3 = 12.8; Mon H 12.6; Tue H 12.9
    curve = _curve()
    got = back_adjust(curve, _schedule(curve), method="panama")
    np.testing.assert_allclose(got.to_numpy(), [12.4, 12.6, 12.8, 12.6, 12.9], rtol=0, atol=1e-12)


def test_ratio_by_hand() -> None:
    # factors: Fri 11.5 / 10.4, Mon 12.6 / 11.3
    # Wed 10.0 * 11.5/10.4 * 12.6/11.3 = 12.329816201497618, Thu 10.2 * (same) = 12.57641252552757,
    # Fri 11.5 * 12.6/11.3 = 12.823008849557523, Mon 12.6, Tue 12.9
    curve = _curve()
    got = back_adjust(curve, _schedule(curve), method="ratio")
    both = 11.5 / 10.4 * 12.6 / 11.3
    expected = [10.0 * both, 10.2 * both, 11.5 * 12.6 / 11.3, 12.6, 12.9]
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        got.to_numpy()[:3], [12.329816201497618, 12.57641252552757, 12.823008849557523], rtol=0, atol=1e-12
    )
    # the ratio series keeps percentage moves: Thu/Wed is F's own 10.2/10.0
    assert got.iloc[1] / got.iloc[0] == pytest.approx(1.02, abs=1e-14)


def test_nan_prices_stay_nan_but_a_roll_needs_both_prices() -> None:
    prices = [row[:] for row in PRICES]
    prices[1][0] = np.nan  # F has no print on Thursday: not a roll date
    curve = _curve(prices)
    got = back_adjust(curve, _schedule(curve))
    assert np.isnan(got.iloc[1])
    np.testing.assert_allclose(got.to_numpy()[[0, 2, 3, 4]], [12.4, 12.8, 12.6, 12.9], rtol=0, atol=1e-12)
    prices[2][0] = np.nan  # F has no print at the Friday roll
    curve = _curve(prices)
    with pytest.raises(DataError, match="no price for the old contract GPUF24 at the roll on 2024-01-26"):
        back_adjust(curve, _schedule(curve))


def test_ratio_refuses_non_positive_price_at_a_roll() -> None:
    prices = [row[:] for row in PRICES]
    prices[2][0] = -0.5  # F trades negative at the Friday roll
    curve = _curve(prices)
    with pytest.raises(DataError, match=r"old contract GPUF24 is at -0\.5 at the roll on 2024-01-26.*panama"):
        back_adjust(curve, _schedule(curve), method="ratio")
    # Panama is fine with it: diff 11.5 - (-0.5) = 12.0
    got = back_adjust(curve, _schedule(curve), method="panama")
    assert got.iloc[0] == pytest.approx(10.0 + 12.0 + 1.3, abs=1e-12)


def test_fractional_weights_are_refused() -> None:
    curve = _curve()
    weights: list[list[float]] = [[1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]]
    with pytest.raises(DataError, match=r"one contract per date .* GPUF24 0\.5, GPUG24 0\.5 on 2024-01-25"):
        back_adjust(curve, _schedule(curve, weights))


def test_unknown_method_lists_the_known_ones() -> None:
    curve = _curve()
    with pytest.raises(UnknownNameError, match="unknown back-adjustment method 'geometric'.*panama, ratio"):
        back_adjust(curve, _schedule(curve), method="geometric")
