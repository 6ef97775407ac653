"""Charts draw at most MAX_POINTS points a series, and thinning the premium keeps every spike."""

from __future__ import annotations

import numpy as np

from etfsim.report.charts import MAX_POINTS, _envelope, _thin


def test_thin_keeps_the_ends_and_caps_the_points() -> None:
    keep = _thin(2520)
    assert keep[0] == 0 and keep[-1] == 2519 and len(keep) <= MAX_POINTS
    assert (np.diff(keep) > 0).all()
    np.testing.assert_array_equal(_thin(100), np.arange(100))


def test_envelope_keeps_the_largest_premium_and_discount() -> None:
    x = np.arange(2520)
    y = np.zeros(2520)
    y[1234], y[1235], y[77] = 3.0, -2.0, np.nan  # one-day spikes inside a bucket
    bx, hi, lo = _envelope(x, y)
    assert len(bx) < MAX_POINTS
    assert hi.max() == 3.0 and lo.min() == -2.0
    assert np.isfinite(hi).all() and np.isfinite(lo).all()  # a NaN day does not blank its bucket
