"""Silent wrong results from real data tables: refused, naming the rows.

Before: a long table with two ``price`` columns read one of them silently
(pandas renames the second ``price.1``); two rows pricing one contract on one
date differently kept the last; a contract priced 26 years after its expiry
loaded; ratio back-adjustment through WTI's -37.63 print returned -44.22
(it checked only the prices at the rolls).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.curves.curve import FuturesCurve
from etfsim.curves.realdata import read_long_table
from etfsim.exceptions import DataError, FileFormatError
from etfsim.index.back_adjust import back_adjust
from etfsim.roll.schedule import RollSchedule

HEADER = "date,contract,expiry,price\n"
ROWS = "2020-04-17,CLK20,2020-04-21,18.27\n2020-04-17,CLM20,2020-05-19,25.03\n"


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(text)
    return path


def test_a_price_column_twice_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, "date,contract,expiry,price,price\n2020-04-17,CLK20,2020-04-21,18.27,99\n")
    with pytest.raises(FileFormatError, match=r"has column 'price' more than once \(price, price\.1\)"):
        read_long_table(path)


def test_a_frame_with_a_column_twice_is_refused() -> None:
    frame = pd.DataFrame([["2020-04-17", "CLK20", "2020-04-21", 18.27, 99.0]])
    frame.columns = ["date", "contract", "expiry", "price", "price"]
    with pytest.raises(FileFormatError, match="has column 'price' more than once"):
        FuturesCurve.from_long_table(frame)


def test_two_different_prices_for_one_contract_and_date_are_refused_naming_the_rows(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER + ROWS + "2020-04-17,CLK20,2020-04-21,18.30\n")
    with pytest.raises(
        FileFormatError, match=r"prices CLK20 on 2020-04-17 more than once, differently \(row 0: 18\.27, row 2: 18\.3\)"
    ):
        read_long_table(path)


def test_the_same_print_twice_is_one_print(tmp_path: Path) -> None:
    curve = read_long_table(_csv(tmp_path, HEADER + ROWS + "2020-04-17,CLK20,2020-04-21,18.27\n"))
    assert curve.prices[0, 0].tolist() == [18.27, 25.03]


def test_a_contract_priced_years_after_its_expiry_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER + ROWS + "2046-04-17,CLK20,2020-04-21,18.27\n")
    with pytest.raises(
        FileFormatError, match=r"prices contract CLK20 on 2046-04-17, 9,492 days after its expiry 2020-04-21 \(row 2\)"
    ):
        read_long_table(path)


def test_a_few_days_after_expiry_is_real_data_and_loads(tmp_path: Path) -> None:
    # GAS_US in the reference data prints up to nine days after the expiry etfsim derives
    curve = read_long_table(_csv(tmp_path, HEADER + "2020-04-30,CLK20,2020-04-21,12.0\n"))
    assert curve.prices[0, 0, 0] == 12.0


def _through_negative() -> tuple[FuturesCurve, RollSchedule]:
    # WTI in April 2020: the held May contract settles at -37.63 on the 20th, the roll is at the 21st's close
    dates = np.array(["2020-04-17", "2020-04-20", "2020-04-21", "2020-04-22"], dtype="datetime64[ns]")
    contracts = np.array([["CLK20", "CLM20"]] * 3 + [["CLM20", "CLN20"]], dtype=object)
    expiries = np.array([["2020-04-21", "2020-05-19"]] * 3 + [["2020-05-19", "2020-06-22"]], dtype="datetime64[D]")
    prices = np.array([[[18.27, 25.03], [-37.63, 20.43], [10.01, 11.57], [13.78, 16.50]]])
    curve = FuturesCurve(dates, prices, contracts, expiries)
    weights = np.array([[[1, 0], [1, 0], [0, 1], [1, 0]]], dtype=float)
    sched = RollSchedule.for_curve(curve, weights, np.ones(4, bool), np.zeros(4, bool), "hand", {})
    return curve, sched


def test_ratio_back_adjustment_refuses_a_negative_price_between_rolls() -> None:
    curve, sched = _through_negative()
    with pytest.raises(DataError, match="held contract CLK20 is at -37.63 on 2020-04-20; use method='panama'"):
        back_adjust(curve, sched, method="ratio")
    panama = back_adjust(curve, sched, method="panama")  # differences are fine through a negative price
    assert panama.iloc[1] == pytest.approx(-37.63 + (11.57 - 10.01))
