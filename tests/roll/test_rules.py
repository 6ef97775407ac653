"""Roll rules: roll dates and weights worked out by hand, invariants, no look-ahead, bad input.

Sources: S&P GSCI Methodology (roll period: 5th-9th S&P GSCI business days,
20% a day); Bloomberg Commodity Index Methodology (6th-10th); S&P VIX Futures
Indices Methodology (first-month weight dr/dt over the roll period between two
VIX settlement dates); DBIQ Optimum Yield index rules (highest implied roll
yield among contracts within 13 months).  Holidays are the NYSE's (QuantLib).
"""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.contracts import COMPUTE_H100, VIX, WTI, ContractSpec
from etfsim.contracts.calendars import business_days
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError, UnknownNameError
from etfsim.roll import (
    RULES,
    AsRecorded,
    CalendarRule,
    ConstantMaturity,
    FrontMonth,
    MonthlyWindow,
    OptimumYield,
    Strip,
    make_rule,
    next_slot_map,
    roll_schedule,
)


def flat_curve(spec: ContractSpec, start: str, end: str, depth: int, paths: int = 1, seed: int = 0) -> FuturesCurve:
    """A curve on the spec's listing with arbitrary positive prices (rules that read only the calendar)."""
    days = business_days(spec.calendar, start, end)
    listing = spec.listing(days, depth)
    rng = np.random.default_rng(seed)
    prices = np.where(listing.contracts != "", 1.0, np.nan)[None] * rng.uniform(50, 60, (paths, len(days), depth))
    return FuturesCurve(days, prices, listing.contracts, listing.expiries, metadata={"contract": spec.to_dict()})


def roll_days(schedule, curve) -> list[str]:
    """Closes on which the weight moves (the window days)."""
    return [str(d)[:10] for d, r in zip(curve.dates, schedule.rolling, strict=True) if r]


@pytest.mark.parametrize(
    "month, expected",
    [
        # January 2025: Jan 1 holiday; Thu 2 = BD1, Fri 3 = 2, Mon 6 = 3, Tue 7 = 4, Wed 8 = 5,
        # Thu 9 closed (national day of mourning, unscheduled), Fri 10 = 6, Mon 13 = 7, Tue 14 = 8, Wed 15 = 9
        ("2025-01", ["2025-01-08", "2025-01-10", "2025-01-13", "2025-01-14", "2025-01-15"]),
        # April 2020: Wed 1 = 1, Thu 2 = 2, Fri 3 = 3, Mon 6 = 4, Tue 7 = 5, Wed 8 = 6, Thu 9 = 7,
        # Fri 10 Good Friday closed, Mon 13 = 8, Tue 14 = 9
        ("2020-04", ["2020-04-07", "2020-04-08", "2020-04-09", "2020-04-13", "2020-04-14"]),
        # July 2026: Wed 1 = 1, Thu 2 = 2, Fri 3 closed (4 July is a Saturday), Mon 6 = 3, Tue 7 = 4,
        # Wed 8 = 5, Thu 9 = 6, Fri 10 = 7, Mon 13 = 8, Tue 14 = 9
        ("2026-07", ["2026-07-08", "2026-07-09", "2026-07-10", "2026-07-13", "2026-07-14"]),
        # November 2022: Tue 1 = 1, Wed 2 = 2, Thu 3 = 3, Fri 4 = 4, Mon 7 = 5 ... Fri 11 = 9
        # (Veterans Day: the NYSE is open)
        ("2022-11", ["2022-11-07", "2022-11-08", "2022-11-09", "2022-11-10", "2022-11-11"]),
    ],
)
def test_gsci_roll_dates_on_the_nyse_calendar(month: str, expected: list[str]) -> None:
    y, m = map(int, month.split("-"))
    curve = flat_curve(WTI, f"{y}-{m:02d}-01", f"{y + (m == 12)}-{m % 12 + 1:02d}-28", depth=4)
    sched = roll_schedule(curve, "gsci")
    days = [str(d)[:10] for d in curve.dates]
    w = sched.path_weights()
    # the quantity moved by the close of each window day is 20%, 40%, ..., 100%
    held_new = []
    for d in expected:
        t = days.index(d)
        new_slot = np.nonzero(w[t] > 0)[0][-1]
        held_new.append(round(float(w[t, new_slot]), 12))
    assert held_new == [0.2, 0.4, 0.6, 0.8, 1.0]
    this_month = [d for d in roll_days(sched, curve) if d.startswith(month)]
    assert this_month == expected
    # the day before the window nothing has moved
    t0 = days.index(expected[0]) - 1
    assert np.count_nonzero(w[t0]) == 1


def test_gsci_rolls_wti_out_of_the_front_before_it_expires() -> None:
    # April 2020: the front is CLK20 (May), expiring 21 Apr, after the 7-14 Apr window; the index holds it
    # and rolls into CLM20 (June), which expires 19 May, after May's window (BD9 = 13 May)
    curve = flat_curve(WTI, "2020-04-01", "2020-04-30", depth=4)
    h = roll_schedule(curve, "gsci").holdings()
    first = h[h["date"] == np.datetime64("2020-04-01")]
    last = h[h["date"] == np.datetime64("2020-04-14")]
    assert list(first["contract"]) == ["CLK20"] and list(last["contract"]) == ["CLM20"]


def test_bcom_window_is_days_6_to_10() -> None:
    curve = flat_curve(WTI, "2020-04-01", "2020-04-30", depth=4)
    # BD6 = Wed 8 Apr, BD10 = Wed 15 Apr (Good Friday 10 Apr closed)
    assert roll_days(roll_schedule(curve, "bcom"), curve)[:5] == [
        "2020-04-08",
        "2020-04-09",
        "2020-04-13",
        "2020-04-14",
        "2020-04-15",
    ]


def test_vix_constant_maturity_weights_by_hand() -> None:
    # Roll period from the March 2019 settlement (Tue 19 Mar, Good Friday case) to the April one
    # (Wed 17 Apr 2019: 30 days before Fri 17 May).  dt = business days in [19 Mar, 17 Apr):
    # 19,20,21,22,25,26,27,28,29 Mar (9) + 1-5, 8-12, 15, 16 Apr (12) = 21.
    curve = flat_curve(VIX, "2019-03-01", "2019-05-10", depth=4)
    w = roll_schedule(curve, ConstantMaturity(target_months=1)).path_weights()
    days = [str(d)[:10] for d in curve.dates]
    codes = curve.contracts

    def weights_on(d: str) -> dict[str, float]:
        t = days.index(d)
        return {codes[t, s]: round(float(w[t, s]), 12) for s in np.nonzero(w[t])[0]}

    # 19 Mar: dr = business days in (19 Mar, 17 Apr) = 20 -> April (VXJ19) 20/21, May (VXK19) 1/21
    assert weights_on("2019-03-19") == {"VXJ19": round(20 / 21, 12), "VXK19": round(1 / 21, 12)}
    # 1 Apr: dr = 2-5, 8-12, 15, 16 Apr = 11 -> 11/21 and 10/21
    assert weights_on("2019-04-01") == {"VXJ19": round(11 / 21, 12), "VXK19": round(10 / 21, 12)}
    # 16 Apr: dr = 0 -> all in May
    assert weights_on("2019-04-16") == {"VXK19": 1.0}
    # 17 Apr starts the next period: May is the first month now, June the second.
    # dt = [17 Apr, 22 May) -- May settles 30 days before Fri 21 Jun, Wed 22 May:
    # 17, 18, 22-26, 29, 30 Apr (9; Good Friday 19 Apr closed) + 1-3, 6-10, 13-17, 20, 21 May (15) = 24; dr = 23
    assert weights_on("2019-04-17") == {"VXK19": round(23 / 24, 12), "VXM19": round(1 / 24, 12)}
    # before the first settlement the curve shows, the index is not invested
    assert w[days.index("2019-03-18")].sum() == 0.0


def test_front_month_holds_through_expiry_and_rolls_at_that_close() -> None:
    curve = flat_curve(WTI, "2020-04-15", "2020-04-24", depth=3)
    h = roll_schedule(curve, FrontMonth()).holdings()
    by_day = {str(d)[:10]: c for d, c in zip(h["date"], h["contract"], strict=True)}
    assert by_day["2020-04-20"] == "CLK20"  # the -37.63 day: still the May contract
    assert by_day["2020-04-21"] == "CLM20"  # the May expiry close: rolled into June
    assert by_day["2020-04-22"] == "CLM20"


def test_uso_style_window_finishes_ten_days_before_expiry() -> None:
    # compute contract GPUK26 expires Fri 29 May 2026 (last business day; Memorial Day is 25 May)
    curve = flat_curve(COMPUTE_H100, "2026-04-20", "2026-06-05", depth=3)
    sched = roll_schedule(curve, FrontMonth(days_before_expiry=10, window=10))
    window = roll_days(sched, curve)
    in_may = [d for d in window if "2026-04-28" <= d <= "2026-05-29"]
    # 10 business days before 29 May: 28,27,26,22,21,20,19,18,15,14 -> 14 May is b = 10, the last roll day;
    # the window is the 10 business days ending there: 30 Apr, 1, 4-8, 11-14 May
    assert (
        in_may
        == [
            "2026-04-30",
            "2026-05-01",
            "2026-05-04",
            "2026-05-05",
            "2026-05-06",
            "2026-05-07",
            "2026-05-08",
            "2026-05-11",
            "2026-05-12",
            "2026-05-13",
            "2026-05-14",
        ][1:]
    )
    w = sched.path_weights()
    days = [str(d)[:10] for d in curve.dates]
    assert w[days.index("2026-05-14"), 1] == pytest.approx(1.0)
    assert w[days.index("2026-05-01"), 1] == pytest.approx(0.1)


def test_strip_holds_equal_quantities_and_rolls_the_near_month() -> None:
    # CLH21 expires Mon 22 Feb and CLJ21 Mon 22 Mar: each 4-day window ends 10 business days before
    # those, both inside 11 Jan - 25 Mar; January's window (before 20 Jan) ended before the start
    curve = flat_curve(WTI, "2021-01-11", "2021-03-25", depth=14)
    sched = roll_schedule(curve, Strip(contracts=12, days_before_expiry=10, window=4))
    w = sched.path_weights()
    quiet = ~sched.rolling
    n_held = (w[quiet] > 0).sum(axis=1)
    assert set(n_held) == {12}
    np.testing.assert_allclose(w[quiet][w[quiet] > 0], 1 / 12)
    rolling = np.nonzero(sched.rolling)[0]
    assert len(rolling) == 4 * 2  # a 4-day window in February and in March
    t = rolling[0]
    np.testing.assert_allclose(w[t, [0, 12]], [0.75 / 12, 0.25 / 12])


@pytest.fixture(scope="module")
def compute_curve() -> FuturesCurve:
    from etfsim.scenario import load_scenario

    return load_scenario().simulate(paths=6, seed=1)


@pytest.mark.parametrize("name", [n for n in RULES if n not in ("calendar", "as_recorded", "segments")])
def test_invariants_on_a_simulated_compute_curve(name: str, compute_curve: FuturesCurve) -> None:
    sched = roll_schedule(compute_curve, name)
    w = sched.weights
    assert (w >= 0).all()
    sums = w.sum(axis=2)
    np.testing.assert_allclose(sums[:, sched.invested], 1.0, atol=1e-12)
    assert sched.invested.mean() > 0.95
    held = w > 0
    assert not (held & (compute_curve.contracts == "")[None]).any()
    prices = compute_curve.prices if not sched.shared else compute_curve.prices[:1]
    assert np.isfinite(prices[held]).all()
    # never held into a contract's expiry and beyond: what is held at a close is on the curve the next day
    nxt = next_slot_map(compute_curve.contracts)
    assert not ((nxt < 0)[None] & held[:, :-1]).any()


def test_optimum_yield_reads_only_the_decision_close(compute_curve: FuturesCurve) -> None:
    base = roll_schedule(compute_curve, "optimum_yield")
    cut = 700
    rng = np.random.default_rng(3)
    changed = compute_curve.prices.copy()
    changed[:, cut + 1 :] *= rng.uniform(0.5, 1.5, changed[:, cut + 1 :].shape)
    other = FuturesCurve(
        compute_curve.dates,
        changed,
        compute_curve.contracts,
        compute_curve.expiries,
        compute_curve.spot,
        None,
        compute_curve.metadata,
    )
    alt = roll_schedule(other, "optimum_yield")
    np.testing.assert_array_equal(base.weights[:, : cut + 1], alt.weights[:, : cut + 1])
    assert not np.array_equal(base.weights, alt.weights)  # later prices do change later choices


def test_optimum_yield_picks_the_highest_implied_roll_yield() -> None:
    curve = flat_curve(WTI, "2021-03-01", "2021-04-30", depth=10)
    prices = np.full(curve.prices.shape, 60.0)
    # steep backwardation between the front and slot 6 only: (ln 60 - ln 50) / (E6 - E0) is the best
    prices[:, :, 6] = 50.0
    prices[:, :, 7:] = 59.0
    c = FuturesCurve(curve.dates, prices, curve.contracts, curve.expiries, metadata=curve.metadata)
    h = roll_schedule(c, OptimumYield(max_months=13)).holdings()
    decision = 0  # March 2021: BD1 = 1 Mar is the decision close, the window is BD2-6
    chosen = h[h["date"] == c.dates[5]]["contract"].tolist()
    assert chosen == [c.contracts[decision, 6]]


def _without(curve: FuturesCurve, *cells: tuple[str, str]) -> FuturesCurve:
    """``curve`` with each (date, contract) cell taken off the listing."""
    contracts, expiries, prices = curve.contracts.copy(), curve.expiries.copy(), curve.prices.copy()
    days = curve.dates.astype("datetime64[D]")
    for day, name in cells:
        t = int(np.searchsorted(days, np.datetime64(day)))
        s = int(np.nonzero(contracts[t] == name)[0][0])
        contracts[t, s], expiries[t, s], prices[:, t, s] = "", np.datetime64("NaT"), np.nan
    return FuturesCurve(curve.dates, prices, contracts, expiries, metadata=curve.metadata)


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        # April's roll (5-8 April 2021) from CLK21 into CLM21, chosen at the close of 1 April
        ([("2021-04-07", "CLM21")], "the chosen contract is not on the curve on 2021-04-07"),
        ([("2021-04-06", "CLK21")], "a held contract left the curve during the roll on 2021-04-06"),
        ([("2021-04-07", "CLK21"), ("2021-04-06", "CLM21")], "the chosen contract is not on the curve on 2021-04-06"),
        ([("2021-04-01", "CLK21")], "a held contract is not on the curve on 2021-04-01"),  # the decision close
    ],
)
def test_optimum_yield_names_the_first_date_a_contract_is_missing(cells: list[tuple[str, str]], words: str) -> None:
    curve = flat_curve(WTI, "2021-03-01", "2021-05-28", depth=10)
    held = roll_schedule(curve, OptimumYield()).holdings()
    assert held[held["date"] == np.datetime64("2021-04-06")]["contract"].tolist() == ["CLK21", "CLM21"]
    with pytest.raises(DataError, match=words):
        roll_schedule(_without(curve, *cells), OptimumYield())


def test_calendar_rule_and_its_errors() -> None:
    curve = flat_curve(COMPUTE_H100, "2026-05-01", "2026-06-30", depth=3)
    rule = make_rule(
        "calendar",
        entries=[
            {"date": "2026-05-04", "weights": {"GPUM26": 1.0}},
            {"date": "2026-05-20", "weights": {"GPUM26": 0.5, "GPUN26": 0.5}},
            {"date": "2026-06-01", "weights": {"GPUN26": 1.0}},
        ],
    )
    sched = roll_schedule(curve, rule)
    h = sched.holdings()
    assert not sched.invested[0]  # 1 May precedes the first entry
    assert h[h["date"] == np.datetime64("2026-05-20")]["weight"].tolist() == [0.5, 0.5]
    bad = make_rule("calendar", entries=[{"date": "2026-05-04", "weights": {"GPUZ30": 1.0}}])
    with pytest.raises(DataError, match="GPUZ30 is not on the curve on 2026-05-04"):
        roll_schedule(curve, bad)
    with pytest.raises(ConfigError, match="sum to 1"):
        CalendarRule(entries=({"date": "2026-05-04", "weights": {"GPUM26": 0.7}},))


def test_as_recorded_follows_the_next_rows_contract() -> None:
    curve = flat_curve(WTI, "2020-03-02", "2020-03-10", depth=3)
    held = np.array(["CLK20"] * 3 + ["CLM20"] * (curve.n_dates - 3), dtype=object)
    c = FuturesCurve(curve.dates, curve.prices, curve.contracts, curve.expiries, held=held)
    w = roll_schedule(c, AsRecorded()).path_weights()
    codes = [c.contracts[t, np.argmax(w[t])] for t in range(c.n_dates)]
    assert codes[:2] == ["CLK20", "CLK20"] and codes[2] == "CLM20"  # roll at the last row of CLK20
    with pytest.raises(DataError, match="held contract"):
        roll_schedule(curve, "as_recorded")


def test_bad_rules_and_curves() -> None:
    with pytest.raises(UnknownNameError, match="known roll rules: as_recorded, bcom"):
        make_rule("gcsi")
    with pytest.raises(ConfigError, match="unknown parameter"):
        make_rule("gsci", first_dya=5)
    curve = flat_curve(WTI, "2021-01-04", "2021-03-31", depth=4)
    with pytest.raises(ConfigError, match=r"business day 22 falls outside 2021-01 \(19 business days\)"):
        roll_schedule(curve, MonthlyWindow(first_day=18, last_day=22))
    with pytest.raises(ConfigError, match="needs a curve at least 13 slots deep"):
        roll_schedule(curve, Strip(contracts=12))
    with pytest.raises(ConfigError, match="target of 4 month"):
        roll_schedule(curve, ConstantMaturity(target_months=4))
    with pytest.raises(ConfigError, match="last_day .* must not be before first_day"):
        MonthlyWindow(first_day=9, last_day=5)
    # a missing print on a roll date names the date and the contract
    prices = curve.prices.copy()
    days = [str(d)[:10] for d in curve.dates]
    # BD5 of January 2021 (Jan 1 closed: 4, 5, 6, 7, 8): GSCI buys CLH21 (slot 1), which expires
    # 22 Feb, after February's window
    prices[0, days.index("2021-01-08"), 1] = np.nan
    holed = FuturesCurve(curve.dates, prices, curve.contracts, curve.expiries, metadata=curve.metadata)
    with pytest.raises(DataError, match=r"trades CLH21 on 2021-01-08, but the curve has no price"):
        roll_schedule(holed, "gsci")


def test_roll_trades_counts_trading_closes() -> None:
    curve = flat_curve(WTI, "2021-01-04", "2021-12-31", depth=4)
    assert roll_schedule(curve, "front_month").roll_trades() == 12
    assert roll_schedule(curve, "gsci").roll_trades() == 60


def test_a_window_longer_than_the_gap_between_expiries_still_spreads_the_roll() -> None:
    # compute default: roll out of each contract over 5 business days ending 23 business days before its expiry,
    # i.e. before its delivery month starts.  GPUM26 (June) expires Tue 30 Jun 2026.  June has 21 business days
    # (1-5, 8-12, 15-18, 22-26, 29, 30; Juneteenth 19 Jun closed), so b = business days after t up to 30 Jun is
    # 21 on Fri 29 May, 22 on Thu 28, 23 on Wed 27, 24 on Tue 26, 25 on Fri 22 (Memorial Day 25 May closed),
    # 26 on Thu 21, 27 on Wed 20.  f = (23 + 5 - b) / 5: 20% a day on 20, 21, 22, 26, 27 May.
    curve = flat_curve(COMPUTE_H100, "2026-04-01", "2026-07-31", depth=4)
    sched = roll_schedule(curve, FrontMonth(days_before_expiry=23, window=5))
    w = sched.path_weights()
    days = [str(d)[:10] for d in curve.dates]

    def june(d: str) -> float:
        t = days.index(d)
        return round(float(w[t][curve.contracts[t] == "GPUM26"].sum()), 12)

    assert [
        june(d)
        for d in ("2026-05-19", "2026-05-20", "2026-05-21", "2026-05-22", "2026-05-26", "2026-05-27", "2026-05-28")
    ] == [1.0, 0.8, 0.6, 0.4, 0.2, 0.0, 0.0]
    assert (np.abs(w.sum(axis=1) - 1.0) < 1e-12).all()
