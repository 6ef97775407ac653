"""The generic nearby-column loader (``date, <ROOT>1..<ROOT>n``).

Reference: the EIA's daily NYMEX WTI settlements RCLC1..RCLC4
(``shared/data/reference/eia_wti/eia_wti_contracts_1to4_daily.csv.gz``, its
README; the same file ships as ``etfsim.sample_data("eia_wti")``), which is such
a file: loaded generically it must give exactly what ``load_eia_wti`` gives.
Expiry days by hand from the CME (CL, chapter 200) and CFE (VX) rules, as
pinned in tests/contracts/test_expiry.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim import HENRY_HUB, VIX, WTI, EtfsimError, load_eia_wti, load_nearby, load_real, sample_data
from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.exceptions import ConfigError, DataError, FileFormatError, UnknownNameError
from tests.cli.runner import in_process, in_subprocess

EIA = sample_data("eia_wti")  # shipped with etfsim (etfsim/data/), the same bytes as the reference copy


def _write(tmp_path: Path, text: str, name: str = "nearby.csv") -> Path:
    path = tmp_path / name
    path.write_text(text.strip() + "\n")
    return path


def _row(curve: FuturesCurve, day: str) -> int:
    return int(np.nonzero(curve.dates.astype("datetime64[D]") == np.datetime64(day, "D"))[0][0])


# -- reference: the EIA file --------------------------------------------------------------
def test_eia_file_loads_generically_exactly_as_load_eia_wti() -> None:
    eia = load_eia_wti(EIA)
    generic = load_nearby(EIA, drop_repeats=True)  # contract from the columns: CL -> WTI
    np.testing.assert_array_equal(generic.prices, eia.prices)
    np.testing.assert_array_equal(generic.dates, eia.dates)
    np.testing.assert_array_equal(generic.contracts, eia.contracts)
    np.testing.assert_array_equal(generic.expiries, eia.expiries)
    assert generic.metadata["contract"] == WTI.to_dict()
    assert generic.metadata["on_expiry_day"] == "expiring"
    assert generic.metadata["columns"] == "CL1..CL4"
    assert generic.metadata["dropped_repeats"] == eia.metadata["dropped_repeats"] > 0
    # kept, the EIA's holiday repeats are extra rows
    kept = load_real("nearby", EIA)
    assert kept.n_dates == eia.n_dates + eia.metadata["dropped_repeats"]
    # EIA README: 20 April 2020, CL1 (May-20, CLK20) settled at -37.63; 21 April was its last day
    i = _row(generic, "2020-04-20")
    assert (generic.contracts[i, 0], generic.prices[0, i, 0]) == ("CLK20", -37.63)
    assert generic.contracts[_row(generic, "2020-04-21"), 0] == "CLK20"
    assert generic.contracts[_row(generic, "2020-04-22"), 0] == "CLM20"


# -- hand-made files ------------------------------------------------------------------------
def test_wti_columns_follow_the_cme_rule_and_any_column_order(tmp_path: Path) -> None:
    # CLK20 last traded Tue 21 April 2020; CL3 and CL1 given out of order
    path = _write(
        tmp_path,
        """
Date,CL3,CL1,CL2
2020-04-20,20.0,-37.63,1.0
2020-04-21,20.1,10.01,11.57
2020-04-22,20.2,13.78,.
""",
    )
    curve = load_nearby(path, "wti")
    assert curve.contracts.tolist() == [["CLK20", "CLM20", "CLN20"]] * 2 + [["CLM20", "CLN20", "CLQ20"]]
    assert curve.expiries[2, 0] == np.datetime64("2020-05-19")
    np.testing.assert_array_equal(curve.prices[0, :, 0], [-37.63, 10.01, 13.78])
    assert np.isnan(curve.prices[0, 2, 1])  # FRED-style '.' is a day without a print, the contract still listed
    assert curve.prices[0, 1, 2] == 20.1


def test_vix_settlement_day_convention_is_explicit(tmp_path: Path) -> None:
    # VXJ19 settled Wed 17 April 2019: the vendor's VX1 that day is May (VXK19)
    path = _write(tmp_path, "date,VX1,VX2\n2019-04-16,14.4,15.4\n2019-04-17,14.6,15.5\n2019-04-18,14.6,15.6")
    curve = load_nearby(path)  # VX -> VIX, whose convention is "next"
    assert curve.contracts.tolist() == [["VXJ19", "VXK19"], ["VXK19", "VXM19"], ["VXK19", "VXM19"]]
    assert curve.metadata["on_expiry_day"] == "next"
    old = load_nearby(path, VIX, on_expiry_day="expiring")  # a file made the CL way
    assert old.contracts[1].tolist() == ["VXJ19", "VXK19"]
    assert old.metadata["on_expiry_day"] == "expiring"


def test_root_override_and_dataframe_input() -> None:
    frame = pd.DataFrame({"Date": ["2020-03-02", "2020-03-03"], "UX1": [40.1, 35.0], "UX2": [33.0, 30.0]})
    curve = load_nearby(frame, "vix", root="UX")
    assert curve.contracts[0].tolist() == ["VXH20", "VXJ20"]  # VXH20 settles 18 March 2020
    assert "file" not in curve.metadata
    gas = load_nearby(pd.DataFrame({"date": ["2020-03-25", "2020-03-26"], "NG1": [1.6, 1.7]}), HENRY_HUB)
    # NG: third last business day of March 2020 is Fri 27 March, so April (NGJ20) is still the front
    assert gas.contracts[:, 0].tolist() == ["NGJ20", "NGJ20"]


# -- bad input: one line, an EtfsimError naming the field ----------------------------------
@pytest.mark.parametrize(
    ("text", "kw", "error", "message"),
    [
        (
            "date,CL1,CL3\n2020-01-02,61.2,60.9",
            {},
            FileFormatError,
            r"nearby columns skip CL2 \(found \['CL1', 'CL3'\]\)",
        ),
        ("date,VX2,VX3\n2020-01-02,15,16", {}, FileFormatError, "skip VX1"),
        ("date,CL1,CL1x\n2020-01-02,61.2,1", {}, FileFormatError, r"column\(s\) \['CL1x'\] are not nearby columns CL1"),
        ("date,CL0,CL1\n2020-01-02,61.2,1", {}, FileFormatError, "'CL0' repeats or starts below position 1"),
        ("when,CL1\n2020-01-02,61.2", {}, FileFormatError, "one date column named 'date'.*date_column="),
        ("when,CL1\n2020-01-02,61.2", {"date_column": "day"}, FileFormatError, "no column date_column='day'"),
        ("date,XX1\n2020-01-02,61.2", {}, FileFormatError, "root 'XX', which is no built-in.*CL \\(wti\\)"),
        ("date,CL1\n2020-01-03,61.2\n2020-01-02,61.0", {}, DataError, r"2020-01-02 \(row 2\) follows 2020-01-03"),
        ("date,CL1\n2020-01-02,61.2\n,61.0", {}, DataError, "column date must be strictly increasing.*row 2"),
        ("date,CL1\n2020-01-02,abc", {}, FileFormatError, "column CL1 has 'abc' in row 1, which is not a number"),
        ("date,CL1\n2020-01-02,61", {"on_expiry_day": "open"}, ConfigError, "on_expiry_day must be 'expiring'"),
        ("date,CL1\n2020-01-02,61", {"contract": "brent"}, UnknownNameError, "unknown contract 'brent'"),
        (
            "date," + ",".join(f"VX{k}" for k in range(1, 11)) + "\n2020-01-02" + ",15" * 10,
            {},
            FileFormatError,
            "column VX10 is deeper than the 9 months Cboe VIX Futures lists",
        ),
    ],
)
def test_bad_files_are_refused_in_one_line(
    tmp_path: Path, text: str, kw: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        load_nearby(_write(tmp_path, text), **kw)  # type: ignore[arg-type]
    assert isinstance(info.value, EtfsimError)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="nearby-column file .* does not exist"):
        load_nearby(tmp_path / "none.csv")


# -- the command line -------------------------------------------------------------------------
def test_cli_imports_a_nearby_file_and_refuses_a_skipped_column(tmp_path: Path) -> None:
    good = _write(tmp_path, "date,VX1,VX2\n2019-04-16,14.4,15.4\n2019-04-17,14.6,15.5", "vx.csv")
    out = tmp_path / "vx.parquet"
    run = in_process(["curves", "import", good, "--format", "nearby", "--out", out])
    assert run.code == 0, run.stderr
    curve = read_curve(out)
    assert curve.contracts[1].tolist() == ["VXK19", "VXM19"]
    bad = _write(tmp_path, "date,VX1,VX3\n2019-04-16,14.4,15.4", "skip.csv")
    shell = in_subprocess(["curves", "import", bad, "--format", "nearby", "--out", tmp_path / "x.parquet"])
    assert shell.code == 2
    lines = [line for line in shell.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "skip VX2" in lines[0], shell.stderr
