"""Collateral rates from files: FRED's DTB3 and any ``date, rate`` table.

Reference: ``shared/data/reference/fred_tbill/DTB3.csv.gz`` and its README
(FRED series DTB3, 3-month bill discount rate in percent; 18,844 rows
1954-01-04 .. 2026-03-26, 796 empty on U.S. holidays, to be carried forward).
Values below are read off that file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim import EtfsimError, FundConfig, compute_index, load_eia_wti, load_rate_series, roll_schedule, sample_data
from etfsim.exceptions import ConfigError, DataError, FileFormatError
from etfsim.index.collateral import tbill_returns

# shipped with etfsim (etfsim/data/), the same bytes as the reference copies
DTB3 = sample_data("fred_dtb3")
EIA = sample_data("eia_wti")


def _write(tmp_path: Path, text: str, name: str = "rate.csv") -> Path:
    path = tmp_path / name
    path.write_text(text.strip() + "\n")
    return path


@pytest.fixture(scope="module")
def dtb3() -> pd.Series:
    return load_rate_series(DTB3)


def test_dtb3_reads_as_fractions_with_holidays_carried(dtb3: pd.Series) -> None:
    # README: 18,844 rows from 1954-01-04 to 2026-03-26; percent, so 1.33 -> 0.0133
    assert len(dtb3) == 18_844 and not dtb3.isna().any()
    assert dtb3.index[0] == pd.Timestamp("1954-01-04") and dtb3.index[-1] == pd.Timestamp("2026-03-26")
    assert dtb3.name == "DTB3" and dtb3.attrs["read_as"] == "percent"
    assert dtb3.iloc[0] == pytest.approx(0.0133, abs=1e-15)
    assert dtb3["2026-03-26"] == pytest.approx(0.0363, abs=1e-15)
    # 1954-01-19 is empty in the file: it carries 1954-01-18's 1.20
    assert dtb3["1954-01-19"] == dtb3["1954-01-18"] == pytest.approx(0.0120, abs=1e-15)
    # the largest rate in the file: 17.14% (1981)
    assert dtb3.max() == pytest.approx(0.1714, abs=1e-15)


def test_dtb3_on_a_curve_grid_plugs_into_the_index() -> None:
    curve = load_eia_wti(EIA).select(start="2020-03-30", end="2020-04-15")
    rate = load_rate_series(DTB3, dates=curve.dates)
    assert list(rate.index) == list(pd.DatetimeIndex(curve.dates))
    # DTB3: 0.09 on 1 April 2020, 0.25 on 9 April; Good Friday 10 April has no row in EIA and none here
    assert rate["2020-04-01"] == pytest.approx(0.0009, abs=1e-15)
    assert rate["2020-04-09"] == pytest.approx(0.0025, abs=1e-15)
    index = compute_index(curve, roll_schedule(curve, "front_month"), collateral_rate=rate)
    np.testing.assert_allclose(index.collateral_rate[:-1], rate.to_numpy()[:-1])
    # TR/ER - 1 compounds exactly the S&P GSCI T-bill return of each step
    tbr = tbill_returns(rate.to_numpy(), curve.dates)
    growth = np.cumprod(index.tr[0, 1:] / index.tr[0, :-1] - index.er[0, 1:] / index.er[0, :-1] + 1.0)
    np.testing.assert_allclose(growth, np.cumprod(1.0 + tbr), rtol=1e-12)
    FundConfig(collateral_rate=rate)  # accepted as a fraction per year


def test_grid_carries_holidays_forward_but_not_past_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "observation_date,DTB3\n2024-12-31,4.16\n2025-01-01,.\n2025-01-02,4.24\n2025-01-03,")
    grid = pd.DatetimeIndex(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-06"])
    rate = load_rate_series(path, dates=grid)
    np.testing.assert_allclose(rate.to_numpy(), [0.0416, 0.0424, 0.0424, 0.0424], rtol=0, atol=1e-15)
    # no grid: the file's own days, the missing ones carried
    own = load_rate_series(path)
    np.testing.assert_allclose(own.to_numpy(), [0.0416, 0.0416, 0.0424, 0.0424], rtol=0, atol=1e-15)
    with pytest.raises(
        DataError, match=r"rate for 2025-02-03 would be carried 32 days from 2025-01-02.*max_carry_days"
    ):
        load_rate_series(path, dates=["2025-01-02", "2025-02-03"])
    assert load_rate_series(path, dates=["2025-02-03"], max_carry_days=None).iloc[0] == pytest.approx(0.0424)
    with pytest.raises(DataError, match="first rate is on 2024-12-31 but the dates start on 2024-12-30"):
        load_rate_series(path, dates=["2024-12-30"])


def test_units(tmp_path: Path) -> None:
    fraction = _write(tmp_path, "date,rate\n2020-01-02,0.0152\n2020-01-03,0.0149")
    with pytest.raises(DataError, match=r"cannot tell whether column 'rate' is in percent or a fraction.*units="):
        load_rate_series(fraction)
    assert load_rate_series(fraction, units="fraction").tolist() == [0.0152, 0.0149]
    assert load_rate_series(fraction, units="percent").iloc[0] == pytest.approx(0.000152)
    percent = _write(tmp_path, "date,rate\n2020-01-02,1.52\n2020-01-03,1.49", "p.csv")
    assert load_rate_series(percent).iloc[0] == pytest.approx(0.0152)  # 1.52 as a fraction is 152%: percent
    with pytest.raises(DataError, match=r"has 1.52 on 2020-01-02, 100% a year or more.*units='percent'"):
        load_rate_series(percent, units="fraction")
    # a FRED series id is percent whatever the level (DTB3 in 2014 was below 0.1)
    zirp = _write(tmp_path, "DATE,DTB3\n2014-01-02,0.07\n2014-01-03,0.06", "z.csv")
    assert load_rate_series(zirp).iloc[0] == pytest.approx(0.0007)
    with pytest.raises(ConfigError, match="units must be one of auto, percent, fraction, got 'bp'"):
        load_rate_series(zirp, units="bp")


@pytest.mark.parametrize(
    ("text", "kw", "error", "message"),
    [
        ("date,a,b\n2020-01-02,1,2", {}, FileFormatError, r"2 value columns \['a', 'b'\]; pass column="),
        ("date,a,b\n2020-01-02,1,2", {"column": "c"}, FileFormatError, "no rate column column='c'"),
        ("x,y,z\n2020-01-02,1,2", {}, FileFormatError, "one date column named 'date'"),
        ("date,DTB3\n2020-01-03,1.5\n2020-01-02,1.6", {}, DataError, "column date must be strictly increasing"),
        ("date,DTB3\n2020-01-02,high", {}, FileFormatError, "column DTB3 has 'high' in row 1, which is not a number"),
        ("date,DTB3\n2020-01-02,.\n2020-01-03,", {}, DataError, "column 'DTB3' has no rate"),
        ("date,DTB3\n2020-01-02,150", {}, DataError, "a rate in percent must be below 100"),
        ("date,DTB3\n2020-01-02,1.5", {"dates": 5}, ConfigError, "dates must be a sequence of dates"),
    ],
)
def test_bad_rate_files(tmp_path: Path, text: str, kw: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        load_rate_series(_write(tmp_path, text), **kw)  # type: ignore[arg-type]
    assert isinstance(info.value, EtfsimError)
    assert "\n" not in str(info.value)


def test_dataframe_in_and_missing_file(tmp_path: Path) -> None:
    frame = pd.DataFrame({"date": ["2020-01-02", "2020-01-03"], "tbill": ["1.52", "."]})
    rate = load_rate_series(frame, units="percent")
    assert rate.tolist() == pytest.approx([0.0152, 0.0152]) and "file" not in rate.attrs
    with pytest.raises(FileFormatError, match="rate file .* does not exist"):
        load_rate_series(tmp_path / "none.csv")
