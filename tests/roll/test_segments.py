"""Dated segments (``etfsim.roll.segments``): one rule until a date, another from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError, EtfsimError, ScenarioError
from etfsim.index import compute_index
from etfsim.pipeline import load_strategy
from etfsim.roll import CalendarRule, FrontMonth, MonthlyWindow, Segments, make_rule, roll_schedule


@pytest.fixture(scope="module")
def curve() -> FuturesCurve:
    from etfsim.scenario import load_scenario

    return load_scenario().simulate(paths=3, seed=5)


def _row(curve: FuturesCurve, day: str) -> int:
    return int(np.searchsorted(curve.dates.astype("datetime64[D]"), np.datetime64(day, "D")))


def test_each_segment_holds_what_its_own_rule_holds(curve: FuturesCurve) -> None:
    switch = "2028-03-15"
    seg = Segments(((None, FrontMonth(days_before_expiry=5, window=3)), (switch, MonthlyWindow(5, 9))))
    s = roll_schedule(curve, seg)
    t = _row(curve, switch)
    before = roll_schedule(curve, FrontMonth(days_before_expiry=5, window=3))
    after = roll_schedule(curve.select(start=switch), MonthlyWindow(5, 9))
    np.testing.assert_array_equal(s.weights[:, :t], before.weights[:, :t])
    np.testing.assert_array_equal(s.weights[:, t:], after.weights)
    assert s.rolling[t] and s.invested.all()
    assert s.params["segments"] == [{"start": None, "rule": "front_month"}, {"start": switch, "rule": "monthly_window"}]
    # the index follows the old rule to the switch's close, then the new one: its return into the switch
    # date is the old holdings', into the next date the new ones'
    idx = compute_index(curve, s, collateral_rate=0.0)
    old = compute_index(curve, before, collateral_rate=0.0)
    np.testing.assert_allclose(idx.er[:, : t + 1], old.er[:, : t + 1], rtol=1e-13)
    assert not np.allclose(idx.er[:, t + 30] / idx.er[:, t], old.er[:, t + 30] / old.er[:, t])


def test_a_start_on_a_holiday_begins_at_the_next_close(curve: FuturesCurve) -> None:
    seg = Segments(((None, FrontMonth()), ("2028-07-04", MonthlyWindow(5, 9))))  # Independence Day
    s = roll_schedule(curve, seg)
    t = _row(curve, "2028-07-04")
    assert str(curve.dates[t])[:10] == "2028-07-05" and s.rolling[t]


def test_a_first_segment_that_starts_later_leaves_the_fund_uninvested_before(curve: FuturesCurve) -> None:
    s = roll_schedule(curve, Segments((("2027-01-04", FrontMonth()),)))
    t = _row(curve, "2027-01-04")
    assert not s.invested[:t].any() and s.invested[t:].all() and (s.weights[:, :t] == 0).all()


def test_a_calendar_segment_is_judged_on_its_own_dates(curve: FuturesCurve) -> None:
    # a calendar whose contract expires after its segment ends: on the whole curve it would be held past
    # its expiry (an error); inside its segment it is fine
    t = _row(curve, "2027-02-01")
    code = str(curve.contracts[t, 2])
    cal = CalendarRule(({"date": "2027-02-01", "weights": {code: 1.0}},))
    with pytest.raises(DataError, match=code):
        roll_schedule(curve, cal)
    seg = Segments(((None, FrontMonth()), ("2027-02-01", cal), ("2027-03-01", FrontMonth())))
    s = roll_schedule(curve, seg)
    u = _row(curve, "2027-03-01")
    assert (s.weights[0, t:u, 2] == 1.0).all() and s.weights[0, u:, 0].sum() > 0


def test_bad_segments_are_refused_in_one_line(curve: FuturesCurve) -> None:
    with pytest.raises(ConfigError, match="segment 2 starts 2027-01-01, not after segment 1's start 2027-06-01"):
        Segments((("2027-06-01", FrontMonth()), ("2027-01-01", FrontMonth())))
    with pytest.raises(ConfigError, match="segment 2 needs a start date"):
        Segments(((None, FrontMonth()), (None, FrontMonth())))
    with pytest.raises(DataError, match="segment 2 starts 2040-01-02, outside the curve"):
        roll_schedule(curve, Segments(((None, FrontMonth()), ("2040-01-02", FrontMonth()))))
    with pytest.raises(ConfigError, match="segment 2: unknown parameter"):
        make_rule("segments", segments=[{"rule": "front_month"}, {"rule": "gsci", "start": "2027-01-04", "days": 3}])
    with pytest.raises(EtfsimError, match="segment 1 start must be a date"):
        make_rule("segments", segments=[{"rule": "front_month", "start": "soon"}])


def test_a_strategy_file_with_segments(tmp_path: Path, curve: FuturesCurve) -> None:
    path = tmp_path / "switch.toml"
    path.write_text(
        '[strategy]\nname = "switch"\n[roll]\nrule = "segments"\n'
        '[[roll.segments]]\nrule = "front_month"\ndays_before_expiry = 5\nwindow = 3\n'
        '[[roll.segments]]\nstart = 2028-03-15\nrule = "gsci"\n'
    )
    strat = load_strategy(path)
    assert strat.rule == Segments(((None, FrontMonth(5, 3)), ("2028-03-15", MonthlyWindow(5, 9))))
    s = roll_schedule(curve, strat.rule)
    assert s.rolling[_row(curve, "2028-03-15")]
    bad = tmp_path / "bad.toml"
    bad.write_text('[roll]\nrule = "segments"\n[[roll.segments]]\nrule = "front_month"\nwindow = "four"\n')
    with pytest.raises((ConfigError, ScenarioError), match="bad.toml: segment 1: window must be a whole number"):
        load_strategy(bad)


def test_the_rule_in_force_on_a_date() -> None:
    seg = Segments(((None, FrontMonth()), ("2027-06-01", MonthlyWindow(5, 9))))
    assert seg.in_force("2027-05-31") == FrontMonth() and seg.in_force("2027-06-01") == MonthlyWindow(5, 9)
    from etfsim.contracts import COMPUTE_H100
    from etfsim.report.roll_calendar import upcoming_rolls

    ahead = upcoming_rolls(seg, COMPUTE_H100, "2027-07-01", depth=6)
    assert list(ahead["days"]) == [5, 5, 5, 5]  # the GSCI window of the segment in force, not the front month's
