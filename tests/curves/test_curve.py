"""The FuturesCurve container (etfsim.curves.curve), on small hand-made curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import CalendarError, DataError, FileFormatError

NAN = np.nan

# Four dates around the CLK20 expiry; CLK20 is listed through 21 Apr, then the slots shift.
DATES = np.array(["2020-04-17", "2020-04-20", "2020-04-21", "2020-04-22"], dtype="datetime64[ns]")
CONTRACTS = np.array(
    [
        ["CLK20", "CLM20", "CLN20"],
        ["CLK20", "CLM20", "CLN20"],
        ["CLK20", "CLM20", "CLN20"],
        ["CLM20", "CLN20", ""],  # a shallow day: slot 2 unlisted
    ],
    dtype=object,
)
EXP = {"CLK20": "2020-04-21", "CLM20": "2020-05-19", "CLN20": "2020-06-22", "": "NaT"}
EXPIRIES = np.array([[EXP[c] for c in row] for row in CONTRACTS], dtype="datetime64[D]")

# path 0: (F0, F1) = (18, 25) contango, (-37.63, 20.43) contango, (10, 10) flat, (12, 11) back
# path 1: (20, 19) back, (NaN, 22) skipped, (21, 22) contango, (23, 23) flat
PRICES = np.array(
    [
        [[18.27, 25.03, 26.0], [-37.63, 20.43, 22.0], [10.0, 10.0, 23.0], [12.0, 11.0, NAN]],
        [[20.0, 19.0, 18.0], [NAN, 22.0, 23.0], [21.0, 22.0, NAN], [23.0, 23.0, NAN]],
    ]
)
SPOT = np.array([[18.0, -30.0, 9.5, 12.5], [19.0, 21.0, 20.0, 22.0]])


def make_curve(**changes: object) -> FuturesCurve:
    kwargs: dict[str, object] = {
        "dates": DATES.copy(),
        "prices": PRICES.copy(),
        "contracts": CONTRACTS.copy(),
        "expiries": EXPIRIES.copy(),
        "spot": SPOT.copy(),
        "metadata": {"model": "hand-made", "seed": 7},
    }
    kwargs.update(changes)
    return FuturesCurve(**kwargs)  # type: ignore[arg-type]


# -- validation ---------------------------------------------------------------------------


def test_shape_properties() -> None:
    curve = make_curve()
    assert (curve.n_paths, curve.n_dates, curve.depth) == (2, 4, 3)
    assert curve.prices.dtype == np.float64
    assert curve.dates.dtype == np.dtype("datetime64[ns]")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"prices": PRICES[0]}, "paths, dates, depth"),
        ({"dates": DATES[:3]}, "dates must be 1-D with 4"),
        ({"contracts": CONTRACTS[:, :2]}, "contracts and expiries"),
        ({"expiries": EXPIRIES[:3]}, "contracts and expiries"),
        ({"spot": SPOT[:1]}, "spot must be shaped"),
        ({"held": np.array(["CLK20"] * 3, dtype=object)}, "held"),
        ({"prices": np.empty((0, 4, 3))}, "at least one path"),
    ],
)
def test_wrong_shapes_are_data_errors(changes: dict[str, object], match: str) -> None:
    with pytest.raises(DataError, match=match):
        make_curve(**changes)


@pytest.mark.parametrize(
    "dates",
    [
        DATES[[0, 2, 1, 3]],  # out of order
        DATES[[0, 1, 1, 3]],  # repeated
        np.array(["2020-04-17", "NaT", "2020-04-21", "2020-04-22"], dtype="datetime64[ns]"),
    ],
)
def test_non_increasing_dates_are_data_errors(dates: np.ndarray) -> None:
    with pytest.raises(DataError, match="strictly increasing"):
        make_curve(dates=dates)


def test_price_in_an_unlisted_slot_is_a_data_error() -> None:
    prices = PRICES.copy()
    prices[1, 3, 2] = 24.0  # date 3, slot 2 has no contract
    with pytest.raises(DataError, match="no listed contract"):
        make_curve(prices=prices)


def test_contract_without_expiry_is_a_data_error() -> None:
    expiries = EXPIRIES.copy()
    expiries[0, 1] = np.datetime64("NaT")
    with pytest.raises(DataError, match="expiry"):
        make_curve(expiries=expiries)


def test_arrays_are_read_only() -> None:
    curve = make_curve(held=np.array(["CLK20", "CLK20", "CLM20", "CLM20"], dtype=object))
    for name in ("dates", "prices", "contracts", "expiries", "spot", "held"):
        array = getattr(curve, name)
        assert not array.flags.writeable, name
    with pytest.raises(ValueError):
        curve.prices[0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        curve.contracts[0, 0] = "CLX20"
    with pytest.raises(TypeError):
        curve.metadata["seed"] = 8  # type: ignore[index]
    with pytest.raises(AttributeError):
        curve.prices = PRICES  # type: ignore[misc]


def test_a_view_of_the_callers_array_is_copied() -> None:
    # a view passed in is copied, so the caller's base array cannot change the curve
    base = PRICES.copy()
    curve = make_curve(prices=base[:, :, :])
    base[0, 0, 0] = 999.0
    assert curve.prices[0, 0, 0] == 18.27


def test_metadata_is_a_deep_copy() -> None:
    params = {"kappa": 1.5}
    curve = make_curve(metadata={"model": "schwartz", "params": params})
    params["kappa"] = 99.0
    assert curve.metadata["params"]["kappa"] == 1.5


# -- selection ----------------------------------------------------------------------------


def test_select_one_path_and_dates() -> None:
    curve = make_curve()
    sub = curve.select(paths=1, start="2020-04-20", end="2020-04-21")
    assert (sub.n_paths, sub.n_dates, sub.depth) == (1, 2, 3)
    np.testing.assert_array_equal(sub.dates, DATES[1:3])
    np.testing.assert_array_equal(sub.prices[0], PRICES[1, 1:3])
    np.testing.assert_array_equal(sub.spot, SPOT[1:2, 1:3])
    np.testing.assert_array_equal(sub.contracts, CONTRACTS[1:3])
    np.testing.assert_array_equal(sub.expiries, EXPIRIES[1:3])
    assert dict(sub.metadata) == dict(curve.metadata)


def test_select_paths_list_and_open_ranges() -> None:
    curve = make_curve()
    swapped = curve.select(paths=[1, 0])
    np.testing.assert_array_equal(swapped.prices, PRICES[[1, 0]])
    tail = curve.select(start="2020-04-21")
    np.testing.assert_array_equal(tail.dates, DATES[2:])
    head = curve.select(end="2020-04-20")  # a bare date includes its whole day
    np.testing.assert_array_equal(head.dates, DATES[:2])


def test_select_reversed_range_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError, match="reversed"):
        make_curve().select(start="2020-04-22", end="2020-04-17")


def test_select_empty_range_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError, match="no date"):
        make_curve().select(start="2020-04-18", end="2020-04-19")  # a weekend
    with pytest.raises(CalendarError):
        make_curve().select(start="2021-01-01")


def test_select_path_out_of_range_is_a_data_error() -> None:
    with pytest.raises(DataError, match="out of range"):
        make_curve().select(paths=5)


# -- views --------------------------------------------------------------------------------


def test_to_frame_columns_and_rows() -> None:
    curve = make_curve()
    frame = curve.to_frame()
    assert list(frame.columns) == ["path", "date", "slot", "contract", "expiry", "price"]
    listed = int((CONTRACTS != "").sum())  # 11 listed slots per path
    assert listed == 11
    # path 1 has two NaN prices on listed slots (date 1 slot 0, date 2 slot 2)
    assert len(frame) == 2 * listed - 2
    assert len(curve.to_frame(dropna=False)) == 2 * listed
    assert np.isfinite(frame["price"]).all()
    row = frame[(frame["path"] == 0) & (frame["date"] == pd.Timestamp("2020-04-20")) & (frame["slot"] == 0)]
    assert row["contract"].item() == "CLK20"
    assert row["price"].item() == -37.63
    assert row["expiry"].item() == pd.Timestamp("2020-04-21")
    row = frame[(frame["path"] == 1) & (frame["date"] == pd.Timestamp("2020-04-22")) & (frame["slot"] == 1)]
    assert row["contract"].item() == "CLN20"
    assert row["price"].item() == 23.0


def test_snapshot() -> None:
    curve = make_curve()
    last = curve.snapshot()
    assert list(last.columns) == ["contract", "expiry", "price"]
    assert list(last["contract"]) == ["CLM20", "CLN20"]
    assert list(last["price"]) == [12.0, 11.0]
    # a weekend date shows the last close before it (Fri 17 Apr)
    weekend = curve.snapshot("2020-04-19", path=1)
    assert list(weekend["contract"]) == ["CLK20", "CLM20", "CLN20"]
    assert list(weekend["price"]) == [20.0, 19.0, 18.0]
    assert weekend["expiry"].iloc[0] == np.datetime64("2020-04-21")
    with pytest.raises(CalendarError, match="before the curve starts"):
        curve.snapshot("2020-01-01")


def test_term_structure_state_counts() -> None:
    # valid (F0, F1) pairs: path 0 -> contango 2, flat 1, back 1; path 1 -> back 1,
    # contango 1, flat 1 (one pair skipped, F0 missing). 7 pairs: 3 contango, 2 back, 2 flat.
    state = make_curve().term_structure_state()
    assert state == pytest.approx({"contango": 3 / 7, "backwardation": 2 / 7, "flat": 2 / 7})


def test_term_structure_state_without_a_second_slot() -> None:
    curve = make_curve(prices=PRICES[:, :, :1], contracts=CONTRACTS[:, :1], expiries=EXPIRIES[:, :1])
    assert all(np.isnan(v) for v in curve.term_structure_state().values())


def test_summary_names_the_source_and_the_split() -> None:
    text = str(make_curve())
    assert "2 path(s) x 4 dates x 3 slots" in text
    assert "hand-made" in text
    assert "42.9%" in text  # 3/7 contango
    assert "seed       7" in text


# -- long tables --------------------------------------------------------------------------


def _long(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "contract", "expiry", "price"])


def test_from_long_table_sorts_contracts_by_expiry_into_slots() -> None:
    table = _long(
        [
            ("2020-04-20", "CLM20", "2020-05-19", 20.43),
            ("2020-04-20", "CLK20", "2020-04-21", -37.63),
            ("2020-04-21", "CLK20", "2020-04-21", 10.01),
            ("2020-04-21", "CLM20", "2020-05-19", 11.57),
            ("2020-04-22", "CLM20", "2020-05-19", 13.78),
        ]
    )
    curve = FuturesCurve.from_long_table(table, metadata={"source": "test"})
    assert (curve.n_paths, curve.n_dates, curve.depth) == (1, 3, 2)
    assert curve.contracts.tolist() == [["CLK20", "CLM20"], ["CLK20", "CLM20"], ["CLM20", ""]]
    np.testing.assert_array_equal(curve.prices[0], [[-37.63, 20.43], [10.01, 11.57], [13.78, NAN]])
    assert curve.expiries[2, 0] == np.datetime64("2020-05-19")
    assert np.isnat(curve.expiries[2, 1])
    assert curve.metadata["source"] == "test"


def test_from_long_table_duplicates_of_one_price_are_one_print() -> None:
    # two different prices for one (date, contract) are refused (tests/reliability/test_long_tables.py)
    table = _long(
        [
            ("2020-04-20", "CLK20", "2020-04-21", 2.0),
            ("2020-04-20", "CLK20", "2020-04-21", 2.0),  # the same print twice
            ("2020-04-20", "CLK20", "2020-04-21", NAN),  # a later NaN does not erase it
            ("2020-04-20", "CLM20", "2020-05-19", NAN),
            ("2020-04-20", "CLM20", "2020-05-19", NAN),  # all NaN -> NaN, still listed
        ]
    )
    curve = FuturesCurve.from_long_table(table)
    assert curve.prices.shape == (1, 1, 2)
    assert curve.prices[0, 0, 0] == 2.0
    assert np.isnan(curve.prices[0, 0, 1])
    assert curve.contracts.tolist() == [["CLK20", "CLM20"]]


def test_from_long_table_keeps_nan_listed_and_non_positive_prices() -> None:
    table = _long(
        [
            ("2020-04-20", "CLK20", "2020-04-21", -37.63),
            ("2020-04-20", "CLM20", "2020-05-19", 0.0),
            ("2020-04-20", "CLN20", "2020-06-22", NAN),
        ]
    )
    curve = FuturesCurve.from_long_table(table)
    assert curve.contracts.tolist() == [["CLK20", "CLM20", "CLN20"]]
    assert curve.prices[0, 0, 0] == -37.63
    assert curve.prices[0, 0, 1] == 0.0
    assert np.isnan(curve.prices[0, 0, 2])


def test_from_long_table_held() -> None:
    table = _long([("2020-04-20", "CLK20", "2020-04-21", 1.0), ("2020-04-21", "CLM20", "2020-05-19", 2.0)])
    held = pd.Series(["CLM20"], index=pd.DatetimeIndex(["2020-04-21"]))
    curve = FuturesCurve.from_long_table(table, held=held)
    assert curve.held is not None
    assert curve.held.tolist() == ["", "CLM20"]


def test_from_long_table_missing_column_names_it() -> None:
    table = _long([("2020-04-20", "CLK20", "2020-04-21", 1.0)]).drop(columns=["expiry"])
    with pytest.raises(FileFormatError, match="expiry"):
        FuturesCurve.from_long_table(table)


def test_from_long_table_contract_with_two_expiries() -> None:
    table = _long(
        [
            ("2020-04-20", "CLK20", "2020-04-21", 1.0),
            ("2020-04-21", "CLK20", "2020-04-22", 2.0),
        ]
    )
    with pytest.raises(FileFormatError, match="CLK20"):
        FuturesCurve.from_long_table(table)


def test_from_long_table_bad_values() -> None:
    with pytest.raises(FileFormatError, match="infinite"):
        FuturesCurve.from_long_table(_long([("2020-04-20", "CLK20", "2020-04-21", np.inf)]))
    with pytest.raises(FileFormatError):
        FuturesCurve.from_long_table(_long([("2020-04-20", "CLK20", "2020-04-21", "abc")]))  # type: ignore[list-item]
    with pytest.raises(FileFormatError, match="no rows"):
        FuturesCurve.from_long_table(_long([]))


@pytest.mark.parametrize("contract", [None, NAN, ""])
def test_from_long_table_row_without_a_contract(contract: object) -> None:
    table = pd.DataFrame(
        {
            "date": ["2020-04-20", "2020-04-20"],
            "contract": ["CLK20", contract],
            "expiry": ["2020-04-21", "2020-05-19"],
            "price": [1.0, 2.0],
        }
    )
    with pytest.raises(FileFormatError, match="without a date, contract or expiry"):
        FuturesCurve.from_long_table(table)


def test_from_long_table_row_without_an_expiry() -> None:
    table = _long([("2020-04-20", "CLK20", None, 1.0)])  # type: ignore[list-item]
    with pytest.raises(FileFormatError, match="without a date, contract or expiry"):
        FuturesCurve.from_long_table(table)
