"""USO's 2012-2019 roll (``strategies/uso.toml``) on the real WTI contracts, day by day.

The rule as USO's filings write it: the benchmark is the near-month contract
"except when the near month contract is within two weeks of expiration", and
the position moves over four days (USO's investment objective, 2013; Reuters,
20 May 2009, on the move from a one-day to a four-day roll).  Two weeks is ten
weekdays, so the four roll closes start on the tenth weekday before the last
trading day, counted on weekdays whether or not NYMEX is open.
"""

from __future__ import annotations

import numpy as np
import pytest

from etfsim import sample_data
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.realdata import load_eia_wti
from etfsim.pipeline import load_strategy
from etfsim.roll import FrontMonth, roll_schedule


@pytest.fixture(scope="module")
def wti() -> FuturesCurve:
    """EIA's daily NYMEX WTI contracts 1-4 (``eia_wti/eia_wti_contracts_1to4_daily.csv.gz``, shipped), 2008-2019."""
    path = sample_data("eia_wti")
    return load_eia_wti(path).select(start="2008-06-01", end="2019-12-31")


def _roll_closes(curve: FuturesCurve, rule: object) -> dict[str, list[str]]:
    """Each expiring contract's roll closes: the dates whose close moves weight out of it."""
    w = roll_schedule(curve, rule).weights[0]  # type: ignore[arg-type]
    codes = np.asarray(curve.contracts)
    out: dict[str, list[str]] = {}
    for t in range(1, curve.n_dates):
        held_before = {codes[t - 1, s]: w[t - 1, s] for s in range(curve.depth) if w[t - 1, s] > 0}
        held_now = {codes[t, s]: w[t, s] for s in range(curve.depth) if w[t, s] > 0}
        for code, q in held_before.items():
            if held_now.get(code, 0.0) < q - 1e-12:
                out.setdefault(code, []).append(str(curve.dates[t])[:10])
    return out


def test_uso_strategy_is_the_documented_four_day_roll() -> None:
    rule = load_strategy("uso").rule
    assert rule == FrontMonth(days_before_expiry=7, window=4, calendar="WEEKDAYS")


def test_april_2009_rolls_on_the_days_uso_rolled(wti: FuturesCurve) -> None:
    # CLK09 last traded on Tuesday 21 April 2009; Good Friday (10 April) NYMEX was closed.  USO's roll out
    # of it ran on 7, 8, 9 and 13 April: weekday counting puts the fourth share on Good Friday, which has
    # no close, so it moves on the next one (Monday the 13th)
    closes = _roll_closes(wti, load_strategy("uso").rule)
    assert closes["CLK09"] == ["2009-04-07", "2009-04-08", "2009-04-09", "2009-04-13"]
    # counting NYMEX business days instead starts a day earlier: the holiday is not counted
    exchange = _roll_closes(wti, FrontMonth(days_before_expiry=7, window=4))
    assert exchange["CLK09"] == ["2009-04-06", "2009-04-07", "2009-04-08", "2009-04-09"]


def test_december_2012_around_christmas(wti: FuturesCurve) -> None:
    # CLF13: the 25th is a holiday, so the last trade is three business days before Monday the 24th,
    # Wednesday 19 December 2012; ten weekdays before it is Wednesday 5 December
    closes = _roll_closes(wti, load_strategy("uso").rule)
    assert closes["CLF13"] == ["2012-12-05", "2012-12-06", "2012-12-07", "2012-12-10"]


def test_every_roll_2012_2019_starts_ten_weekdays_before_expiry(wti: FuturesCurve) -> None:
    # the rule as written, counted independently of etfsim's roll code: a quarter of the position on each of
    # the weekdays 10, 9, 8 and 7 before the contract's last trading day (numpy's weekday offsets), a
    # quarter whose weekday has no close (a holiday) moving on the next close
    curve = wti.select(start="2012-01-01", end="2019-12-31")
    closes = _roll_closes(curve, load_strategy("uso").rule)
    days = np.asarray(curve.dates).astype("datetime64[D]")
    expiry = {
        str(c): np.datetime64(e, "D")
        for c, e in zip(np.asarray(curve.contracts).ravel(), np.asarray(curve.expiries).ravel(), strict=True)
        if c
    }
    checked = holidays = 0
    for code, got in closes.items():
        first = np.busday_offset(expiry[code], -10, roll="backward")
        if first < days[0] or expiry[code] > days[-1]:
            continue  # a roll cut by the ends of the sample
        shares = [days[np.searchsorted(days, np.busday_offset(expiry[code], -k))] for k in (10, 9, 8, 7)]
        want = sorted({str(d) for d in shares})
        assert got == want, code
        holidays += len(want) < 4
        checked += 1
    assert checked >= 90  # eight years of monthly contracts, less the ones cut by the sample's ends
    assert holidays >= 1  # e.g. CLK12: Good Friday 2012 was the first roll weekday; two quarters moved on the 9th
