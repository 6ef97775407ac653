"""Path statistics in etfsim.metrics: hand-worked values and the array formulas they replace."""

from __future__ import annotations

import math

import numpy as np
import pytest

from etfsim.metrics import annualised_volatility, max_drawdown

DATES = np.array(["2026-01-02", "2026-01-05", "2026-01-06", "2026-01-07", "2027-01-02"], dtype="datetime64[D]")


def test_max_drawdown_by_hand() -> None:
    levels = np.array(
        [
            [100.0, 120.0, 90.0, 110.0, 60.0],  # peak 120, trough 60: -50%
            [100.0, np.nan, 80.0, np.inf, 100.0],  # gaps skipped: peak 100, trough 80
            [np.nan] * 5,  # nothing to measure
            [-5.0, -2.0, 10.0, 5.0, 8.0],  # no positive peak until 10: then -50%
        ]
    )
    out = max_drawdown(levels)
    assert out[0] == pytest.approx(-0.5) and out[1] == pytest.approx(-0.2)
    assert np.isnan(out[2]) and out[3] == pytest.approx(-0.5)


def test_volatility_by_hand_and_against_numpy() -> None:
    levels = np.array([[100.0, 101.0, 99.0, 100.0, 102.0], [100.0, np.nan, 99.0, 100.0, 102.0]])
    out = annualised_volatility(levels, DATES)
    r = np.diff(np.log(levels[0]))
    years = 365 / 365.0
    assert out[0] == pytest.approx(np.std(r, ddof=1) * math.sqrt(4 / years), rel=1e-13)
    r1 = np.diff(np.log(levels[1]))
    r1 = r1[np.isfinite(r1)]  # two returns survive the gap
    assert out[1] == pytest.approx(np.std(r1, ddof=1) * math.sqrt(2 / years), rel=1e-13)
    rng = np.random.default_rng(1)
    many = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (20, 300)), axis=1))
    many[3, 40:60] = np.nan
    days = np.datetime64("2026-01-01") + np.arange(300)
    with np.errstate(invalid="ignore"):
        lr = np.diff(np.log(many), axis=1)
    n = np.isfinite(lr).sum(axis=1)
    expected = np.nanstd(lr, axis=1, ddof=1) * np.sqrt(n / (299 / 365.0))
    np.testing.assert_allclose(annualised_volatility(many, days), expected, rtol=1e-12)
    running = np.maximum.accumulate(np.where(np.isfinite(many), many, -np.inf), axis=1)
    np.testing.assert_allclose(max_drawdown(many), np.nanmin(many / running - 1, axis=1), rtol=1e-14)


def test_start_reads_the_columns_from_start_like_a_slice() -> None:
    rng = np.random.default_rng(2)
    levels = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (5, 200)), axis=1))
    levels[:, :30] = np.nan  # an index before its first invested date
    days = np.datetime64("2026-01-01") + np.arange(200)
    np.testing.assert_array_equal(
        annualised_volatility(levels, days, start=30), annualised_volatility(levels[:, 30:], days[30:])
    )
    np.testing.assert_array_equal(max_drawdown(levels, start=30), max_drawdown(levels[:, 30:]))


@pytest.mark.filterwarnings("ignore:divide by zero", "ignore:invalid value")
def test_levels_at_or_below_zero_give_nan_compiled_or_not() -> None:
    # a wiped-out fund's NAV is 0 from its last day; an index can go negative: no exception either way
    from etfsim.metrics import _log_return_moments

    x = np.array([[100.0, 90.0, 0.0, 0.0, 10.0], [100.0, 90.0, -5.0, 20.0, 30.0]])
    for kernel in (_log_return_moments, _log_return_moments.py_func):  # type: ignore[attr-defined]
        count, sd = np.empty(2, dtype=np.int64), np.empty(2)
        kernel(x, 0, count, sd)
        assert list(count) == [1, 2] and np.isnan(sd[0]) and np.isfinite(sd[1])
