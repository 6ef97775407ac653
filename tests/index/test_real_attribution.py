"""Attribution on real WTI: EIA's CL1-CL4 settlements with FRED's WTI spot (arch's wti.csv.gz).

Sources: ../shared/data/reference/eia_wti/eia_wti_contracts_1to4_daily.csv.gz (NYMEX settlements via EIA)
and ../shared/data/reference/arch_data/wti.csv.gz (FRED DCOILWTICO, Cushing spot).  2011-2018 was
mostly contango (crude ETFs' "roll drag" years): the term-structure contribution must be negative.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etfsim.curves.realdata import load_eia_wti, load_spot_series
from etfsim.index import compute_index
from etfsim.roll import FrontMonth, roll_schedule


@pytest.fixture(scope="module")
def wti(reference_dir):
    curve = load_eia_wti(reference_dir / "eia_wti" / "eia_wti_contracts_1to4_daily.csv.gz")
    spot = load_spot_series(reference_dir / "arch_data" / "wti.csv.gz")
    return curve.with_spot(spot).select(start="2011-01-01", end="2018-12-31"), spot


def test_uso_style_roll_lost_to_contango_on_real_wti(wti) -> None:
    curve, spot = wti
    sched = roll_schedule(curve, FrontMonth(days_before_expiry=10, window=10))
    ann = compute_index(curve, sched).annualised().iloc[0]
    # spot: the FRED prints themselves, first and last available in the window
    s = spot.loc["2011-01-03":"2018-12-31"].dropna()
    start = curve.dates[compute_index(curve, sched).start]
    years = (np.datetime64("2018-12-31") - np.datetime64(str(start)[:10], "D")).astype(int) / 365
    assert ann["spot"] == pytest.approx(math.log(s.iloc[-1] / s.loc[pd.Timestamp(start)]) / years, abs=1e-12)
    assert ann["er"] == pytest.approx(ann["spot"] + ann["term_structure"], abs=1e-12)
    # the roll through contango cost between 4% and 12% a year over these eight years (measured -7.5%)
    assert -0.12 < ann["term_structure"] < -0.04
    assert (curve.prices[0, :, 1] > curve.prices[0, :, 0]).mean() > 0.7  # contango on most days


def test_with_spot_keeps_gaps_and_refuses_many_paths(wti) -> None:
    curve, spot = wti
    missing = pd.DatetimeIndex(np.asarray(curve.dates)).difference(spot.dropna().index)
    assert len(missing) > 0
    t = int(np.searchsorted(curve.dates, np.datetime64(missing[0], "ns")))
    assert np.isnan(curve.spot[0, t])
