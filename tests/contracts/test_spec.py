"""Contract specifications and the nearby-slot listing (etfsim.contracts.spec)."""

from __future__ import annotations

import numpy as np
import pytest

from etfsim.contracts.calendars import business_days
from etfsim.contracts.expiry import LastBusinessDayOfMonth, VixFinalSettlement
from etfsim.contracts.spec import (
    COMPUTE_H100,
    CONTRACTS,
    HENRY_HUB,
    MONTH_CODES,
    VIX,
    WTI,
    ContractSpec,
    get_contract,
)
from etfsim.exceptions import ConfigError, UnknownNameError

BASE = {"root": "GPU", "name": "test", "unit": "GPU-hour", "multiplier": 1000.0, "tick": 0.001}


def _spec(**changes: object) -> ContractSpec:
    return ContractSpec(**{**BASE, **changes})  # type: ignore[arg-type]


def _day(s: str) -> np.datetime64:
    return np.datetime64(s, "D")


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"multiplier": 0.0}, "multiplier"),
        ({"multiplier": -1000.0}, "multiplier"),
        ({"multiplier": float("nan")}, "multiplier"),
        ({"tick": 0.0}, "tick"),
        ({"tick": float("inf")}, "tick"),
        ({"listed_months": ()}, "listed_months"),
        ({"listed_months": (0, 3)}, "listed_months"),
        ({"listed_months": (3, 13)}, "listed_months"),
        ({"listed_months": (3, 3, 6)}, "listed_months"),
        ({"listed_depth": 0}, "listed_depth"),
        ({"settlement": "physical"}, "settlement"),
        ({"root": ""}, "root"),
        ({"root": "GP-U"}, "root"),
        ({"expiry_rule": "last_business_day"}, "expiry_rule"),
    ],
)
def test_bad_field_is_a_config_error_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        _spec(**changes)


def test_unknown_calendar_is_an_unknown_name_error_listing_the_calendars() -> None:
    with pytest.raises(UnknownNameError) as info:
        _spec(calendar="MOON-EXCHANGE")
    message = str(info.value)
    assert "calendar" in message
    assert "MOON-EXCHANGE" in message
    assert "NYSE" in message and "TARGET" in message


def test_listed_months_are_sorted() -> None:
    assert _spec(listed_months=(12, 3, 9, 6)).listed_months == (3, 6, 9, 12)


def test_unknown_contract_name() -> None:
    with pytest.raises(UnknownNameError, match="compute-h100"):
        get_contract("brent")
    assert get_contract("WTI") is WTI


# -- codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "year", "month", "code"),
    [
        (WTI, 2020, 5, "CLK20"),
        (WTI, 2020, 6, "CLM20"),
        (HENRY_HUB, 2019, 12, "NGZ19"),
        (VIX, 2019, 3, "VXH19"),
        (COMPUTE_H100, 2026, 1, "GPUF26"),
        (COMPUTE_H100, 2105, 12, "GPUZ05"),
    ],
)
def test_code(spec: ContractSpec, year: int, month: int, code: str) -> None:
    assert spec.code(year, month) == code


def test_month_codes_are_the_exchange_letters() -> None:
    assert MONTH_CODES == "FGHJKMNQUVXZ"


# -- listing ------------------------------------------------------------------------------


def test_wti_listing_rolls_the_day_after_the_last_trade() -> None:
    # CLK20 last traded on Tue 21 Apr 2020 (see test_expiry.py)
    dates = business_days("NYSE", "2020-04-17", "2020-04-23")  # Fri 17, Mon 20 .. Thu 23
    listing = WTI.listing(dates, depth=3)
    assert listing.contracts.shape == (5, 3)
    i21 = int(np.flatnonzero(dates == _day("2020-04-21"))[0])
    i22 = i21 + 1
    assert dates[i22] == _day("2020-04-22")
    # through its last trading day, CLK20 is slot 0
    assert list(listing.contracts[i21]) == ["CLK20", "CLM20", "CLN20"]
    assert listing.contracts[0, 0] == "CLK20"
    assert listing.expiries[i21, 0] == _day("2020-04-21")
    # the next business day the old slot 1 is slot 0, and every slot shifts by one
    assert list(listing.contracts[i22]) == ["CLM20", "CLN20", "CLQ20"]
    assert list(listing.contracts[i22, :-1]) == list(listing.contracts[i21, 1:])
    np.testing.assert_array_equal(listing.expiries[i22, :-1], listing.expiries[i21, 1:])
    # CLM20: 25 May 2020 is Memorial Day -> Fri 22; 3 before: 21, 20, 19 -> 19 May 2020
    assert listing.expiries[i22, 0] == _day("2020-05-19")
    assert list(listing.delivery[i22]) == [202006, 202007, 202008]


def test_compute_listing_rolls_after_the_month_end() -> None:
    dates = business_days("NYSE", "2026-03-30", "2026-04-02")  # Mon 30, Tue 31, Wed 1, Thu 2
    listing = COMPUTE_H100.listing(dates)
    assert listing.contracts.shape == (4, COMPUTE_H100.listed_depth)
    assert listing.contracts[1, 0] == "GPUH26"
    assert listing.expiries[1, 0] == _day("2026-03-31")
    assert listing.contracts[2, 0] == "GPUJ26"
    assert listing.expiries[2, 0] == _day("2026-04-30")  # Thu 30 Apr 2026
    assert list(listing.contracts[2, :-1]) == list(listing.contracts[1, 1:])
    # 24 consecutive months from April 2026: the deepest slot is March 2028
    assert listing.contracts[2, -1] == "GPUH28"
    assert listing.delivery[2, -1] == 202803


def test_listing_is_ordered_by_expiry_and_never_expired() -> None:
    dates = business_days("NYSE", "2019-01-01", "2020-12-31")
    for spec in (WTI, HENRY_HUB, VIX, COMPUTE_H100):
        listing = spec.listing(dates)
        assert (listing.contracts != "").all(), spec.root
        assert (np.diff(listing.expiries.astype(np.int64), axis=1) > 0).all(), spec.root
        change = np.flatnonzero(listing.contracts[1:, 0] != listing.contracts[:-1, 0]) + 1
        if spec.on_expiry_day == "expiring":
            assert (listing.expiries[:, 0] >= dates).all(), spec.root
            # the front contract changes exactly on the business day after its expiry
            np.testing.assert_array_equal(dates[change - 1], listing.expiries[change - 1, 0])
        else:  # VX: the next month is the front on the expiry day itself (test_vix_convention.py)
            assert (listing.expiries[:, 0] > dates).all(), spec.root
            np.testing.assert_array_equal(dates[change], listing.expiries[change - 1, 0])


def test_vix_front_changes_on_the_settlement_day() -> None:
    # VXH19 settled Tue 19 Mar 2019 (Good Friday case in test_expiry.py); it stopped trading at
    # 8:00 a.m. CT that day (Cboe VX contract specifications), so April is the front at that close
    dates = business_days("NYSE", "2019-03-18", "2019-03-21")
    listing = VIX.listing(dates, depth=2)
    assert list(listing.contracts[:, 0]) == ["VXH19", "VXJ19", "VXJ19", "VXJ19"]
    # the old convention, kept as an explicit option
    old = VIX.listing(dates, depth=2, on_expiry_day="expiring")
    assert list(old.contracts[:, 0]) == ["VXH19", "VXH19", "VXJ19", "VXJ19"]


def test_quarterly_spec_lists_only_its_months() -> None:
    quarterly = _spec(listed_months=(3, 6, 9, 12), listed_depth=4)
    dates = business_days("NYSE", "2026-01-02", "2026-12-31")
    listing = quarterly.listing(dates)
    assert listing.contracts.shape == (len(dates), 4)
    on_jan = list(listing.contracts[0])
    assert on_jan == ["GPUH26", "GPUM26", "GPUU26", "GPUZ26"]
    letters = {c[3] for c in listing.contracts.ravel()}
    assert letters == {"H", "M", "U", "Z"}
    assert set((listing.delivery % 100).ravel()) == {3, 6, 9, 12}
    # 1 Apr 2026, the day after GPUH26 expires, the front is the June contract
    i = int(np.flatnonzero(dates == _day("2026-04-01"))[0])
    assert list(listing.contracts[i]) == ["GPUM26", "GPUU26", "GPUZ26", "GPUH27"]


def test_listing_bad_input() -> None:
    with pytest.raises(ConfigError, match="depth"):
        WTI.listing(business_days("NYSE", "2020-04-01", "2020-04-30"), depth=0)
    with pytest.raises(ConfigError, match="empty"):
        WTI.listing(np.array([], dtype="datetime64[D]"))


# -- plain data ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_dict_round_trip(name: str) -> None:
    spec = CONTRACTS[name]
    data = spec.to_dict()
    assert data["listed_months"] == list(spec.listed_months)
    assert isinstance(data["expiry_rule"], dict)
    back = ContractSpec.from_dict(data)
    assert back == spec
    assert back.last_trade(2020, 5) == spec.last_trade(2020, 5)


def test_dict_round_trip_of_a_custom_spec() -> None:
    spec = _spec(
        listed_months=(3, 9),
        listed_depth=6,
        settlement="monthly_average",
        calendar="TARGET",
        currency="EUR",
        expiry_rule=VixFinalSettlement(),
    )
    assert ContractSpec.from_dict(spec.to_dict()) == spec


def test_from_dict_unknown_key_lists_the_valid_keys() -> None:
    data = {**WTI.to_dict(), "lot_size": 10}
    with pytest.raises(ConfigError, match="lot_size") as info:
        ContractSpec.from_dict(data)
    message = str(info.value)
    for key in ("root", "multiplier", "tick", "listed_months", "expiry_rule", "settlement", "calendar"):
        assert key in message


def test_from_dict_incomplete_and_bad_rule() -> None:
    with pytest.raises(ConfigError, match="incomplete"):
        ContractSpec.from_dict({"root": "GPU"})
    with pytest.raises(ConfigError, match="expiry_rule"):
        ContractSpec.from_dict({**BASE, "expiry_rule": "last_business_day"})
    with pytest.raises(UnknownNameError):
        ContractSpec.from_dict({**BASE, "expiry_rule": {"rule": "no_such_rule"}})


def test_default_expiry_rule() -> None:
    assert _spec().expiry_rule == LastBusinessDayOfMonth()


# -- delivery days ------------------------------------------------------------------------


def test_delivery_days_january_2025() -> None:
    # January 2025 weekdays: 1-3, 6-10, 13-17, 20-24, 27-31 (23 days); NYSE closed on
    # Wed 1 (New Year), Thu 9 (Carter day of mourning), Mon 20 (Martin Luther King Day).
    expected = np.array(
        [
            "2025-01-02",
            "2025-01-03",
            "2025-01-06",
            "2025-01-07",
            "2025-01-08",
            "2025-01-10",
            "2025-01-13",
            "2025-01-14",
            "2025-01-15",
            "2025-01-16",
            "2025-01-17",
            "2025-01-21",
            "2025-01-22",
            "2025-01-23",
            "2025-01-24",
            "2025-01-27",
            "2025-01-28",
            "2025-01-29",
            "2025-01-30",
            "2025-01-31",
        ],
        dtype="datetime64[D]",
    )
    np.testing.assert_array_equal(COMPUTE_H100.delivery_days(2025, 1), expected)


def test_delivery_days_december_crosses_the_year() -> None:
    # December 2025: 23 weekdays (1-5, 8-12, 15-19, 22-26, 29-31) minus Christmas Thu 25 -> 22
    got = COMPUTE_H100.delivery_days(2025, 12)
    assert len(got) == 22
    assert got[0] == _day("2025-12-01") and got[-1] == _day("2025-12-31")
    assert _day("2025-12-25") not in got
