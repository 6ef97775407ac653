"""The sheet tables' lookups: a bad key is an etfsim error naming the key and the known ones, not a bare KeyError."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from etfsim.exceptions import EtfsimError, UnknownNameError
from etfsim.report.tables import DASH, FORMATS, Table, facts_from, format_value

FRAME = pd.DataFrame({"fund": [0.05, -0.01], "index": [0.06, 0.0]}, index=["nav", "index_tr"])
ROWS = [("nav", "NAV return", "pct"), ("index_tr", "Index total return", "pct")]
COLUMNS = [("fund", "Fund"), ("index", "Index")]


def test_known_formats_still_format() -> None:
    assert format_value(0.0123, "pct") == "+1.23%"
    assert format_value(math.nan, "pct") == DASH
    assert format_value(None, "money") == DASH


@pytest.mark.parametrize("value", [0.5, math.nan, None])
def test_unknown_format_names_it_and_the_known_ones(value: object) -> None:
    # a typo in a format is an error even where the figure is missing (it would otherwise print a dash)
    with pytest.raises(UnknownNameError) as info:
        format_value(value, "percent")
    assert isinstance(info.value, EtfsimError)
    assert info.value.name == "percent"
    assert info.value.known == sorted(FORMATS)
    assert str(info.value) == f"unknown sheet format 'percent'; known sheet formats: {', '.join(sorted(FORMATS))}"


def test_a_formatter_that_fails_is_not_reported_as_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="could not convert") as info:
        format_value("abc", "pct")
    assert not isinstance(info.value, UnknownNameError)


def test_table_cell_of_an_unknown_row() -> None:
    table = Table.from_frame("performance", "Return", FRAME, ROWS, COLUMNS)
    assert table.cell("nav", 1).value == 0.06
    with pytest.raises(UnknownNameError) as info:
        table.cell("nav_1y", 0)
    assert str(info.value) == "unknown performance row 'nav_1y'; known performance rows: index_tr, nav"


def test_table_from_a_frame_without_a_row() -> None:
    with pytest.raises(UnknownNameError) as info:
        Table.from_frame("performance", "Return", FRAME, [*ROWS, ("excess", "Excess", "pct")], COLUMNS)
    assert str(info.value) == "unknown performance row 'excess'; known performance rows: index_tr, nav"


def test_table_from_a_frame_without_a_column() -> None:
    with pytest.raises(UnknownNameError) as info:
        Table.from_frame("performance", "Return", FRAME, ROWS, [*COLUMNS, ("stock", "Stock ETF")])
    assert str(info.value) == "unknown performance column 'stock'; known performance columns: fund, index"


def test_facts_from_values_without_one_attribute() -> None:
    spec = [("aum", "Assets", "money_m"), ("inception", "Inception", "date")]
    facts = facts_from("key_facts", {"aum": 1.0e8, "inception": "2026-04-01"}, spec)
    assert [f.text for f in facts] == ["$100.0m", "Apr 1, 2026"]
    with pytest.raises(UnknownNameError) as info:
        facts_from("key_facts", {"aum": 1.0e8}, spec)
    assert str(info.value) == "unknown key_facts value 'inception'; known key_facts values: aum"
