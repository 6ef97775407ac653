"""Roll-date files and calendar entries by nearby position.

Reference: the EIA's CL1..CL4 file (``shared/data/reference/eia_wti/``) with
the WTI last trading days of the CME rule (chapter 200): CLG20 21 January
2020, CLH20 20 February, CLJ20 20 March, CLK20 21 April.  Contracts held
after each roll day are worked out by hand from those dates.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from etfsim import EtfsimError, compute_index, load_eia_wti, load_roll_dates, make_rule, roll_schedule, sample_data
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError, FileFormatError
from etfsim.roll.rules import CalendarRule

EIA = sample_data("eia_wti")  # shipped with etfsim (etfsim/data/), the same bytes as the reference copy


@pytest.fixture(scope="module")
def wti() -> FuturesCurve:
    return load_eia_wti(EIA).select(start="2019-01-02", end="2020-04-30")


def _write(tmp_path: Path, text: str, name: str = "rolls.csv") -> Path:
    path = tmp_path / name
    path.write_text(text.strip() + "\n")
    return path


def _held(curve: FuturesCurve, rule: object) -> dict[str, str]:
    """Contract held after each close where the holding changes (date -> contract)."""
    schedule = roll_schedule(curve, rule)  # type: ignore[arg-type]
    w = schedule.weights[0]
    out: dict[str, str] = {}
    last = ""
    for t in range(curve.n_dates):
        if not schedule.invested[t]:
            continue
        codes = "+".join(f"{curve.contracts[t, s]}" for s in np.nonzero(w[t] > 0)[0])
        if codes != last:
            out[str(curve.dates[t])[:10]] = codes
            last = codes
    return out


def test_roll_days_move_into_the_second_month(tmp_path: Path, wti: FuturesCurve) -> None:
    path = _write(
        tmp_path,
        """
# USO-like: a few days before each expiry, from the front into the second month
date
2020-01-10
2020-02-11
2020-03-10   # CLJ20 expires 20 March
2020-04-09
""",
    )
    rule = load_roll_dates(path, start="2020-01-02")
    assert isinstance(rule, CalendarRule)
    assert rule.entries[1] == {"date": "2020-01-10", "positions": {"2": 1.0}}
    assert _held(wti, rule) == {
        "2020-01-02": "CLG20",  # held from start, position 1
        "2020-01-10": "CLH20",
        "2020-02-11": "CLJ20",
        "2020-03-10": "CLK20",
        "2020-04-09": "CLM20",  # CLK20 (front until 21 April) left for June before the -37.63 print
    }


def test_one_calendar_outlives_its_contracts(tmp_path: Path, wti: FuturesCurve) -> None:
    # one file of positions, two years: 2019's contracts on a 2019 curve, 2020's on a 2020 curve
    path = _write(tmp_path, "2019-02-11\n2019-03-11\n2020-02-11\n2020-03-10,3")
    rule = load_roll_dates(path)
    year19 = wti.select(start="2019-02-01", end="2019-04-15")
    year20 = wti.select(start="2020-02-11", end="2020-04-15")
    assert _held(year19, rule) == {"2019-02-11": "CLJ19", "2019-03-11": "CLK19"}
    # 10 March 2020, position 3: CLJ20, CLK20, CLM20
    assert _held(year20, rule) == {"2020-02-11": "CLJ20", "2020-03-10": "CLM20"}
    # by codes it is the same schedule: positions are resolved at each roll day's close
    by_code = CalendarRule(entries=({"date": "2020-02-11", "weights": {"CLJ20": 1.0}},
                                    {"date": "2020-03-10", "weights": {"CLM20": 1.0}}))  # fmt: skip
    np.testing.assert_array_equal(roll_schedule(year20, by_code).weights, roll_schedule(year20, rule).weights)


def test_positions_from_toml_split_and_holiday(wti: FuturesCurve) -> None:
    table = tomllib.loads(
        """
entries = [
    { date = 2020-02-17, positions = { 1 = 0.5, 2 = 0.5 } },   # Presidents' Day: the next close, 18 Feb
    { date = 2020-02-20, positions = { "2" = 1.0 } },          # CLH20's last trading day
]
"""
    )
    rule = make_rule("calendar", **table)
    curve = wti.select(start="2020-02-10", end="2020-03-06")
    assert _held(curve, rule) == {"2020-02-18": "CLH20+CLJ20", "2020-02-20": "CLJ20"}
    schedule = roll_schedule(curve, rule)
    t = int(np.nonzero(curve.dates.astype("datetime64[D]") == np.datetime64("2020-02-18"))[0][0])
    assert not schedule.invested[t - 1]
    np.testing.assert_array_equal(schedule.weights[0, t, :2], [0.5, 0.5])
    index = compute_index(curve, schedule)
    # 18 -> 19 Feb by hand: half a contract of each at the 18 Feb close, priced again on the 19th
    f0, f1 = curve.prices[0, t, :2], curve.prices[0, t + 1, :2]
    assert index.er[0, t + 1] / index.er[0, t] == pytest.approx(f1.sum() / f0.sum(), rel=1e-12)


def test_position_beyond_the_curve_and_a_missed_roll(tmp_path: Path, wti: FuturesCurve) -> None:
    deep = CalendarRule(entries=({"date": "2020-01-10", "positions": {"5": 1.0}},))
    with pytest.raises(DataError, match="names nearby position 5, but the curve lists only 4 contract"):
        roll_schedule(wti, deep)
    # one roll day, then nothing: the contract taken by position expires while held
    once = load_roll_dates(_write(tmp_path, "2020-01-10"))
    with pytest.raises(DataError, match=r"CLH20 is not on the curve on 2020-02-21 \(the entry of 2020-01-10 took it"):
        roll_schedule(wti, once)


@pytest.mark.parametrize(
    ("text", "kw", "error", "message"),
    [
        ("2020-01-10\n2020-01-09", {}, DataError, "line 2: roll dates must be strictly increasing; 2020-01-09 follows"),
        ("2020-01-10\n10/02/2020", {}, FileFormatError, "line 2: '10/02/2020' is not a date like 2020-01-10"),
        ("2020-01-10,0", {}, FileFormatError, "position must be a nearby position 1, 2, ... .*got '0'"),
        ("2020-01-10,2,3", {}, FileFormatError, "expected 'date' or 'date,position'"),
        ("date,contract\n2020-01-10,CLH20", {}, FileFormatError, "header must be 'date' or 'date,position'"),
        ("# nothing\n", {}, FileFormatError, "lists no roll date"),
        ("2020-01-10", {"start": "2020-01-10"}, ConfigError, r"start \(2020-01-10\) must be before the first roll"),
        ("2020-01-10", {"into": 0}, ConfigError, "into must be a nearby position"),
    ],
)
def test_bad_roll_date_files(
    tmp_path: Path, text: str, kw: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        load_roll_dates(_write(tmp_path, text), **kw)  # type: ignore[arg-type]
    assert isinstance(info.value, EtfsimError)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("positions", "message"),
    [
        ({"CLH20": 1.0}, "positions keys are nearby positions 1, 2, ... .*name contracts under weights"),
        ({"1": 0.5, "2": 0.4}, "positions must be >= 0 and sum to 1"),
        ({"1": 0.5, 1: 0.5}, "names a nearby position twice"),
    ],
)
def test_bad_position_entries(positions: dict[object, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CalendarRule(entries=({"date": "2020-01-10", "positions": positions},))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="roll-date file .* does not exist"):
        load_roll_dates(tmp_path / "none.csv")
