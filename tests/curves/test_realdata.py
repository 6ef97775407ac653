"""Real-data loaders against the reference files in ``shared/data/reference``.

Every reference test names the file (and README) its expected values come from.
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim import sample_data
from etfsim.contracts import HENRY_HUB, VIX, WTI, BusinessDaysBeforeDayOfPriorMonth
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.realdata import (
    REAL_LOADERS,
    load_eia_wti,
    load_pysystemtrade,
    load_real,
    read_long_table,
)
from etfsim.exceptions import EtfsimError, FileFormatError, UnknownNameError

CRUDE_W = "pysystemtrade/multiple_prices_csv/CRUDE_W.csv.gz"
VIX_FILE = "pysystemtrade/multiple_prices_csv/VIX.csv.gz"
EIA = sample_data("eia_wti")  # shipped with etfsim (etfsim/data/), the same bytes as the reference copy


@pytest.fixture(scope="module")
def crude_raw(reference_dir: Path) -> pd.DataFrame:
    return pd.read_csv(reference_dir / CRUDE_W, parse_dates=["DATETIME"])


@pytest.fixture(scope="module")
def crude(reference_dir: Path) -> FuturesCurve:
    return load_pysystemtrade(reference_dir / CRUDE_W)


@pytest.fixture(scope="module")
def crude_daily(reference_dir: Path) -> FuturesCurve:
    return load_pysystemtrade(reference_dir / CRUDE_W, daily=True)


@pytest.fixture(scope="module")
def eia() -> FuturesCurve:
    return load_eia_wti(EIA)


def _row(curve: FuturesCurve, when: str) -> int:
    hits = np.nonzero(curve.dates == np.datetime64(pd.Timestamp(when), "ns"))[0]
    assert len(hits) == 1, f"{when} is not a date of the curve"
    return int(hits[0])


def _changes(held: np.ndarray) -> int:
    return int((held[1:] != held[:-1]).sum())


# -- pysystemtrade, CRUDE_W (README: pysystemtrade/README.md) ----------------------------
def test_crude_timestamps_view_keeps_every_row_and_roll(crude: FuturesCurve) -> None:
    # README table: CRUDE_W has 45,122 rows, 1990-10-16 to 2023-08-31, 32 rolls
    assert crude.n_dates == 45_122
    assert crude.n_paths == 1
    assert pd.Timestamp(crude.dates[0]) == pd.Timestamp("1990-10-16 23:00:00")
    assert pd.Timestamp(crude.dates[-1]).date().isoformat() == "2023-08-31"
    assert crude.held is not None
    assert _changes(crude.held) == 32
    assert crude.held[0] == "CLZ91"  # first PRICE_CONTRACT 19911200
    assert crude.depth == 3  # carry, price and forward: never more on one timestamp
    assert dict(crude.metadata) == {
        "source": "pysystemtrade",
        "file": "CRUDE_W.csv.gz",
        "instrument": "CRUDE_W",
        "contract": "CL",
        "view": "timestamps",
    }


def test_crude_sample_row_slots_sorted_by_expiry(crude: FuturesCurve, crude_raw: pd.DataFrame) -> None:
    # CRUDE_W.csv row "2019-09-02 09:00:00,54.63,20191100,54.31,20191200,51.09,20201200":
    # carry Nov-19, price Dec-19, forward Dec-20, which sorted by expiry are slots 0, 1, 2
    i = _row(crude, "2019-09-02 09:00:00")
    assert list(crude.contracts[i]) == ["CLX19", "CLZ19", "CLZ20"]
    np.testing.assert_array_equal(crude.prices[0, i], [54.63, 54.31, 51.09])
    assert crude.held is not None and crude.held[i] == "CLZ19"
    raw = crude_raw.loc[crude_raw["DATETIME"] == pd.Timestamp("2019-09-02 09:00:00")].iloc[0]
    assert (raw["CARRY"], raw["PRICE"], raw["FORWARD"]) == (54.63, 54.31, 51.09)
    # the 09:30 row has no carry or price print: listed, NaN
    j = _row(crude, "2019-09-02 09:30:00")
    assert list(crude.contracts[j]) == ["CLX19", "CLZ19", "CLZ20"]
    assert np.isnan(crude.prices[0, j, :2]).all() and crude.prices[0, j, 2] == 51.16


def test_crude_held_price_is_the_price_column_everywhere(crude: FuturesCurve, crude_raw: pd.DataFrame) -> None:
    # CRUDE_W.csv: the price in the held contract's slot is column PRICE on every row
    assert crude.held is not None
    slot = np.argmax(crude.contracts == crude.held[:, None], axis=1)
    assert (crude.contracts[np.arange(crude.n_dates), slot] == crude.held).all()
    got = crude.prices[0, np.arange(crude.n_dates), slot]
    np.testing.assert_array_equal(got, crude_raw["PRICE"].to_numpy())


def test_crude_expiries_follow_the_wti_rule(crude: FuturesCurve) -> None:
    # CME rulebook ch. 200: 3 business days before the 25th of the prior month.
    # 25 Nov 1991 was a Monday, so Dec-91 (CLZ91) last traded Wednesday 20 Nov 1991.
    i = np.argwhere(crude.contracts == "CLZ91")[0]
    assert crude.expiries[i[0], i[1]] == np.datetime64("1991-11-20")
    assert WTI.last_trade(1991, 12) == np.datetime64("1991-11-20")
    # each listed contract's expiry is the rule's, across the whole file
    listed = crude.contracts != ""
    for code in np.unique(crude.contracts[listed])[::7]:
        year = 2000 + int(code[-2:]) if int(code[-2:]) < 50 else 1900 + int(code[-2:])
        month = "FGHJKMNQUVXZ".index(code[2]) + 1
        assert (crude.expiries[crude.contracts == code] == WTI.last_trade(year, month)).all()


def test_contract_expiries_from_the_specs() -> None:
    # EIA README: 2020-04-21 was the May-20 (CLK20) expiry day.
    assert WTI.code(2020, 5) == "CLK20"
    assert WTI.last_trade(2020, 5) == np.datetime64("2020-04-21")
    # 25 Dec 2020 a holiday: 3 business days before Thu 24 Dec -> Mon 21 Dec (CLF21)
    assert WTI.last_trade(2021, 1) == np.datetime64("2020-12-21")
    # NYMEX NG: 3rd last business day of April 2020 -> Tue 28 Apr (NGK20)
    assert HENRY_HUB.code(2020, 5) == "NGK20"
    assert HENRY_HUB.last_trade(2020, 5) == np.datetime64("2020-04-28")
    # Cboe VX May-20: third Friday of June 2020 is 19 June; 30 days before is Wed 20 May
    assert VIX.code(2020, 5) == "VXK20"
    assert VIX.last_trade(2020, 5) == np.datetime64("2020-05-20")


def test_crude_daily_view_one_row_per_date(crude_daily: FuturesCurve, crude_raw: pd.DataFrame) -> None:
    # CRUDE_W.csv: one row per calendar date, stamped at midnight
    days = crude_raw["DATETIME"].dt.normalize().drop_duplicates()
    assert crude_daily.n_dates == len(days)
    np.testing.assert_array_equal(crude_daily.dates, days.to_numpy().astype("datetime64[ns]"))
    assert (crude_daily.dates == crude_daily.dates.astype("datetime64[D]")).all()
    assert crude_daily.metadata["view"] == "daily"
    assert crude_daily.held is not None
    assert _changes(crude_daily.held) == 32  # no CRUDE_W date holds two rolls


def test_crude_daily_roll_day_takes_last_valid_print(crude_daily: FuturesCurve, crude_raw: pd.DataFrame) -> None:
    # CRUDE_W.csv, 14 Oct 2019: 41 intraday rows; the roll Dec-19 -> Dec-20 is at
    # 19:30, the 36th row, so the day lists Nov-19, Dec-19, Nov-20, Dec-20, Dec-21
    day = crude_raw[crude_raw["DATETIME"].dt.normalize() == pd.Timestamp("2019-10-14")]
    assert len(day) == 41
    pairs = (("CARRY", "CARRY_CONTRACT"), ("PRICE", "PRICE_CONTRACT"), ("FORWARD", "FORWARD_CONTRACT"))
    prints = pd.concat(
        [
            pd.DataFrame(
                {
                    "time": day["DATETIME"],
                    "code": [WTI.code(int(c) // 10000, int(c) // 100 % 100) for c in day[id_col]],
                    "price": day[price_col],
                }
            )
            for price_col, id_col in pairs
        ]
    )
    expected: dict[str, float] = {}
    for code, rows in prints.groupby("code"):
        valid = rows.dropna(subset=["price"]).sort_values("time")
        expected[str(code)] = float(valid["price"].iloc[-1]) if len(valid) else np.nan
    assert sorted(expected) == ["CLX19", "CLX20", "CLZ19", "CLZ20", "CLZ21"]
    i = _row(crude_daily, "2019-10-14")
    got = {c: p for c, p in zip(crude_daily.contracts[i], crude_daily.prices[0, i], strict=True) if c}
    assert got.keys() == expected.keys()
    for code, value in expected.items():
        np.testing.assert_equal(got[code], value, err_msg=code)
    # held is the PRICE_CONTRACT of the day's last row (after the roll)
    assert crude_daily.held is not None and crude_daily.held[i] == "CLZ20"
    assert crude_daily.held[i - 1] == "CLZ19"


def test_vix_double_roll_on_one_day(reference_dir: Path) -> None:
    # VIX.csv, 28 May 2020: PRICE_CONTRACT goes Aug-20 -> Sep-20 at 03:00 and
    # Sep-20 -> Oct-20 at 04:00, so the daily view sees one roll fewer (210 of 211)
    ts = load_pysystemtrade(reference_dir / VIX_FILE)
    daily = load_pysystemtrade(reference_dir / VIX_FILE, daily=True)
    assert ts.held is not None and daily.held is not None
    assert (_changes(ts.held), _changes(daily.held)) == (211, 210)
    i = _row(ts, "2020-05-28 03:00:00")
    assert list(ts.held[i - 1 : i + 2]) == ["VXQ20", "VXU20", "VXV20"]
    j = _row(daily, "2020-05-28")
    assert (daily.held[j - 1], daily.held[j]) == ("VXQ20", "VXV20")


@pytest.mark.parametrize("instrument", ["CRUDE_W", "GAS_US", "VIX"])
def test_panama_over_held_reproduces_adjusted_file(reference_dir: Path, instrument: str) -> None:
    # pysystemtrade README "Panama rule, verified": adjusted_prices_csv/<INST>.csv is
    # PRICE plus, for every later roll, FORWARD - PRICE on the last row before it.
    # Rebuilt from the curve's slots and held series alone, it must match to 1e-12.
    curve = load_pysystemtrade(reference_dir / f"pysystemtrade/multiple_prices_csv/{instrument}.csv.gz")
    assert curve.held is not None
    held = curve.held
    rows = np.arange(curve.n_dates)
    price = curve.prices[0, rows, np.argmax(curve.contracts == held[:, None], axis=1)]
    t = np.nonzero(held[1:] != held[:-1])[0] + 1  # first row of each new contract
    new_slot = np.argmax(curve.contracts[t - 1] == held[t][:, None], axis=1)
    assert (curve.contracts[t - 1, new_slot] == held[t]).all()  # the new contract was listed before the roll
    roll_diff = curve.prices[0, t - 1, new_slot] - price[t - 1]
    later = np.cumsum(roll_diff[::-1])[::-1]  # sum of this and all later roll_diffs
    seg = np.searchsorted(t, rows, side="right")  # index of the next roll after each row
    adjusted = price + np.r_[later, 0.0][seg]
    ref = pd.read_csv(
        reference_dir / f"pysystemtrade/adjusted_prices_csv/{instrument}.csv.gz", parse_dates=["DATETIME"]
    )
    ours = pd.Series(adjusted, index=pd.DatetimeIndex(curve.dates)).reindex(ref["DATETIME"]).to_numpy()
    valid = ref["price"].notna().to_numpy()
    assert valid.sum() > 20_000
    np.testing.assert_allclose(ours[valid], ref["price"].to_numpy()[valid], rtol=0, atol=1e-12)


# -- EIA WTI (README: eia_wti/README.md) ------------------------------------------------
def test_eia_known_prints_and_contracts(eia: FuturesCurve) -> None:
    # README "Known prints"; negative prices are kept
    i = _row(eia, "2020-04-20")
    assert list(eia.contracts[i, :2]) == ["CLK20", "CLM20"]
    np.testing.assert_array_equal(eia.prices[0, i, :2], [-37.63, 20.43])
    i = _row(eia, "2020-04-21")  # CLK20 expiry day: still contract 1
    assert eia.contracts[i, 0] == "CLK20" and eia.expiries[i, 0] == np.datetime64("2020-04-21")
    np.testing.assert_array_equal(eia.prices[0, i, :2], [10.01, 11.57])
    i = _row(eia, "2020-04-22")
    assert list(eia.contracts[i]) == ["CLM20", "CLN20", "CLQ20", "CLU20"]
    i = _row(eia, "2020-04-17")
    np.testing.assert_array_equal(eia.prices[0, i, :2], [18.27, 25.03])
    assert (eia.prices[0, :, 0] < 0).sum() == 1


def test_eia_holiday_repeats_dropped(eia: FuturesCurve) -> None:
    # README: 9,766 rows; holidays such as 2018-01-01, 2018-01-15, 2018-02-19 repeat
    # the previous day's four values (12 such rows in the file)
    with gzip.open(EIA, "rt") as fh:
        n_rows = sum(1 for _ in fh) - 1
    assert n_rows == 9_766
    assert eia.n_dates == n_rows - 12 and eia.metadata["dropped_repeats"] == 12
    for holiday in ("2018-01-01", "2018-01-15", "2018-02-19", "2018-12-25"):
        assert np.datetime64(holiday, "ns") not in eia.dates
    assert np.datetime64("2018-01-02", "ns") in eia.dates
    assert eia.depth == 4 and eia.metadata["source"] == "EIA"


def _roll_fit(curve: FuturesCurve, business_days: int) -> float:
    """Share of roll days on which the curve's shape says "the contracts moved up a slot".

    On a roll day the new slots 0-1-2 are yesterday's slots 1-2-3, so today's
    calendar spreads (F1-F0, F2-F1) should match yesterday's (F2-F1, F3-F2)
    better than yesterday's (F1-F0, F2-F1).  Spreads, not levels: a day's
    price move (about $1) swamps the one-month spread (about $0.3), so levels
    cannot tell a roll from an ordinary day.
    """
    spec = dataclasses.replace(WTI, expiry_rule=BusinessDaysBeforeDayOfPriorMonth(25, business_days))
    front = spec.listing(curve.dates, depth=1).contracts[:, 0]
    t = np.nonzero(front[1:] != front[:-1])[0] + 1
    p = curve.prices[0]
    today, before = np.diff(p[t], axis=1), np.diff(p[t - 1], axis=1)
    moved = np.abs(today[:, :2] - before[:, 1:]).sum(axis=1)
    stayed = np.abs(today[:, :2] - before[:, :2]).sum(axis=1)
    return float((moved < stayed).mean())


def test_wti_expiry_rule_matches_eia_roll_days(eia: FuturesCurve) -> None:
    # EIA CL1..CL4, 2011-2020 (no gaps in values, 120 rolls): the CME rule
    # (3 business days before the 25th) fits 107 of 120 roll days; moving it a
    # business day either way fits about one in five, like an ordinary day.
    window = eia.select(start="2011-01-01", end="2020-12-31")
    assert np.isfinite(window.prices).all()
    assert window.contracts[0, 0] == "CLG11" and window.contracts[-1, 0] == "CLG21"
    assert _roll_fit(window, 3) >= 0.85
    assert _roll_fit(window, 2) <= 0.30
    assert _roll_fit(window, 4) <= 0.30
    # the eia curve's own slot 0 is the CME rule's
    front = WTI.listing(window.dates, depth=1).contracts[:, 0]
    assert (window.contracts[:, 0] == front).all()


# -- long table -------------------------------------------------------------------------
def _small_curve() -> FuturesCurve:
    dates = np.array(["2024-01-02", "2024-01-03", "2024-01-04"], dtype="datetime64[ns]")
    prices = np.array([[[2.0, 2.1, np.nan], [1.9, np.nan, 2.3], [-0.5, 2.2, 2.4]]])
    contracts = np.array([["GPUF24", "GPUG24", ""], ["GPUF24", "GPUG24", "GPUH24"], ["GPUG24", "GPUH24", "GPUJ24"]])
    expiries = np.array(
        [
            ["2024-01-31", "2024-02-29", "NaT"],
            ["2024-01-31", "2024-02-29", "2024-03-28"],
            ["2024-02-29", "2024-03-28", "2024-04-30"],
        ],
        dtype="datetime64[D]",
    )
    return FuturesCurve(dates, prices, contracts, expiries)


def _assert_same_listing(a: FuturesCurve, b: FuturesCurve) -> None:
    np.testing.assert_array_equal(a.dates, b.dates)
    np.testing.assert_array_equal(a.prices, b.prices)  # NaN equals NaN here
    assert (a.contracts == b.contracts).all()
    np.testing.assert_array_equal(a.expiries, b.expiries)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_long_table_round_trip(tmp_path: Path, suffix: str) -> None:
    curve = _small_curve()
    frame = curve.to_frame(dropna=False)  # keep the listed-but-unprinted GPUG24 on 3 Jan
    target = tmp_path / f"curve{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(target)
    else:
        frame.to_csv(target, index=False)
    back = read_long_table(target)
    _assert_same_listing(back, curve)
    assert back.metadata["file"] == target.name
    _assert_same_listing(read_long_table(frame), curve)
    _assert_same_listing(load_real("long-table", target), curve)


def test_long_table_numeric_contract_codes_stay_text(tmp_path: Path) -> None:
    target = tmp_path / "codes.csv"
    target.write_text("date,contract,expiry,price\n2024-01-02,0101,2024-01-31,1.5\n2024-01-02,0202,2024-02-29,1.6\n")
    curve = read_long_table(target)
    assert list(curve.contracts[0]) == ["0101", "0202"]


# -- bad input --------------------------------------------------------------------------
def test_missing_files_raise_file_format_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    for loader in (read_long_table, load_pysystemtrade, load_eia_wti):
        with pytest.raises(FileFormatError, match="does not exist"):
            loader(missing)


def test_long_table_wrong_columns(tmp_path: Path) -> None:
    target = tmp_path / "bad.csv"
    target.write_text("date,contract,maturity,price\n2024-01-02,GPUF24,2024-01-31,1.0\n")
    with pytest.raises(FileFormatError, match=r"missing column\(s\) \['expiry'\]") as info:
        read_long_table(target)
    assert "found ['date', 'contract', 'maturity', 'price']" in str(info.value)
    assert "expected columns ['date', 'contract', 'expiry', 'price']" in str(info.value)


def test_long_table_with_several_paths_is_refused() -> None:
    frame = pd.concat([_small_curve().to_frame()] * 2, keys=[0, 1]).reset_index(level=0)
    frame = frame.drop(columns="path").rename(columns={"level_0": "path"})
    with pytest.raises(FileFormatError, match="'path'"):
        read_long_table(frame)


PST_HEADER = "DATETIME,CARRY,CARRY_CONTRACT,PRICE,PRICE_CONTRACT,FORWARD,FORWARD_CONTRACT\n"
PST_ROWS = "2020-01-02 23:00:00,61.18,20200200,61.06,20200300,55.0,20210300\n"


def test_pysystemtrade_wrong_columns(tmp_path: Path) -> None:
    target = tmp_path / "CRUDE_W.csv"
    target.write_text(PST_HEADER.replace(",FORWARD_CONTRACT", "") + PST_ROWS.rsplit(",", 1)[0] + "\n")
    with pytest.raises(FileFormatError, match="FORWARD_CONTRACT"):
        load_pysystemtrade(target)


def test_pysystemtrade_bad_contract_id(tmp_path: Path) -> None:
    target = tmp_path / "CRUDE_W.csv"
    target.write_text(PST_HEADER + PST_ROWS.replace("20200300", "20201300"))
    with pytest.raises(FileFormatError, match="20201300.*YYYYMM00"):
        load_pysystemtrade(target)


def test_pysystemtrade_unknown_stem_needs_a_contract(tmp_path: Path) -> None:
    target = tmp_path / "BRENT.csv"
    target.write_text(PST_HEADER + PST_ROWS)
    with pytest.raises(UnknownNameError, match="'BRENT'.*CRUDE_W, GAS_US, VIX.*contract=") as info:
        load_pysystemtrade(target)
    assert isinstance(info.value, EtfsimError)
    curve = load_pysystemtrade(target, contract="wti")
    assert list(curve.contracts[0]) == ["CLG20", "CLH20", "CLH21"]
    assert curve.held is not None and curve.held[0] == "CLH20"
    assert curve.metadata["instrument"] == "BRENT" and curve.metadata["contract"] == "CL"
    with pytest.raises(UnknownNameError, match="contract 'brent'"):
        load_pysystemtrade(target, contract="brent")


def test_pysystemtrade_repeated_contract_keeps_the_price_column(tmp_path: Path) -> None:
    # like GAS_US in April-May 2020, where CARRY_CONTRACT == PRICE_CONTRACT
    target = tmp_path / "GAS_US.csv"
    target.write_text(
        PST_HEADER
        + "2020-04-23 00:30:00,,20200600,2.25,20200600,2.4,20200700\n"
        + "2020-04-23 01:00:00,2.20,20200600,2.21,20200600,,20200700\n"
    )
    curve = load_pysystemtrade(target)
    assert curve.depth == 2
    assert list(curve.contracts[0]) == ["NGM20", "NGN20"]
    np.testing.assert_array_equal(curve.prices[0, :, 0], [2.25, 2.21])
    assert np.isnan(curve.prices[0, 1, 1])


def test_load_real_registry(tmp_path: Path) -> None:
    assert set(REAL_LOADERS) == {"pysystemtrade", "eia-wti", "long-table", "nearby"}
    with pytest.raises(
        UnknownNameError, match="unknown real-data format 'bloomberg'.*eia-wti, long-table, nearby, pysystemtrade"
    ):
        load_real("bloomberg", tmp_path / "x.csv")
