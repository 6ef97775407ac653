"""Contracts re-denominated as prices fall: ``ContractSpec.multiplier_changes`` and each slot's multiplier.

The listing rule (``ContractSpec.listing``) puts the next ``listed_depth`` contracts not yet expired in the
slots, so a contract first trades the business day after the contract ``listed_depth`` listed months
before it last trades; ``first_listed`` must agree with the first date each code appears in a listing.
"""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pytest

from etfsim.contracts.calendars import business_days
from etfsim.contracts.spec import COMPUTE_H100, WTI, ContractSpec
from etfsim.exceptions import ConfigError

GPU = dataclasses.replace(COMPUTE_H100, multiplier_changes=(("2027-01-01", 10_000.0),))


@pytest.mark.parametrize("spec", [COMPUTE_H100, WTI, dataclasses.replace(COMPUTE_H100, listed_months=(3, 6, 9, 12))])
def test_first_listed_is_the_first_day_a_contract_is_in_the_listing(spec: ContractSpec) -> None:
    days = business_days(spec.calendar, "2024-01-01", "2029-12-31")
    listing = spec.listing(days)
    codes = np.asarray(listing.contracts)
    first_seen: dict[str, np.datetime64] = {}
    for t, row in enumerate(codes):
        for code in row:
            first_seen.setdefault(str(code), days[t])
    checked = 0
    for code, day in first_seen.items():
        if day == days[0]:
            continue  # listed before the dates start
        y, m = spec.delivery_month(code, listing.expiries[codes == code][0]).split("-")
        assert spec.first_listed(int(y), int(m)) == day, code
        checked += 1
    assert checked > 20


def test_months_first_listed_on_or_after_the_date_have_the_new_multiplier() -> None:
    # 24 months list at once: GPUX28 lists the day after GPUX26 last trades (Mon 30 Nov 2026), 1 Dec 2026;
    # GPUZ28 the business day after 31 Dec 2026: Mon 4 Jan 2027 (New Year's Day is a Friday), on or after
    # 2027-01-01
    assert GPU.first_listed(2028, 11) == np.datetime64("2026-12-01")
    assert GPU.first_listed(2028, 12) == np.datetime64("2027-01-04")
    assert [GPU.multiplier_of(2028, m) for m in (10, 11, 12)] == [1_000.0, 1_000.0, 10_000.0]
    assert GPU.multiplier_of(2035, 6) == 10_000.0 and COMPUTE_H100.multiplier_of(2035, 6) == 1_000.0
    days = business_days("NYSE", "2026-12-30", "2027-01-05")  # Wed 30, Thu 31 Dec, Mon 4, Tue 5 Jan
    listing = GPU.listing(days)
    mult = GPU.multipliers(listing.contracts, listing.expiries)
    assert mult.shape == (4, 24)
    assert (mult[:2] == 1_000.0).all()  # GPUZ28 is not listed yet
    assert listing.contracts[2, -1] == "GPUZ28" and mult[2].tolist() == [1_000.0] * 23 + [10_000.0]


def test_a_slot_without_a_contract_has_the_base_multiplier_and_specs_without_changes_skip_the_codes() -> None:
    codes = np.array([["GPUZ28", ""]], dtype=object)
    exp = np.array([["2028-12-29", "NaT"]], dtype="datetime64[D]")
    assert GPU.multipliers(codes, exp).tolist() == [[10_000.0, 1_000.0]]
    odd = np.array([["not a code"]], dtype=object)
    assert COMPUTE_H100.multipliers(odd, exp[:, :1]).tolist() == [[1_000.0]]  # no changes: no code is read


def test_several_changes_apply_in_order() -> None:
    spec = dataclasses.replace(COMPUTE_H100, multiplier_changes=(("2027-01-01", 5_000), ("2028-01-01", 25_000)))
    assert spec.multiplier_changes == (("2027-01-01", 5_000.0), ("2028-01-01", 25_000.0))
    # listed 24 months ahead: a 2028 delivery lists in 2026, 2029 in 2027, 2030 in 2028
    assert [spec.multiplier_of(y, 6) for y in (2028, 2029, 2030)] == [1_000.0, 5_000.0, 25_000.0]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ((("2029-01-01", 10_000), ("2028-01-01", 20_000)), "multiplier_changes dates must be increasing: "
         "2028-01-01 follows 2029-01-01"),
        ((("2029-01-01", 10_000), ("2029-01-01", 20_000)), "dates must be increasing"),
        ((("2029-01-01", 0),), "multiplier_changes multipliers must be > 0 units per contract, got 0 for 2029-01-01"),
        ((("2029-01-01", -5.0),), "must be > 0 units per contract"),
        ((("2029-01-01", float("nan")),), "must be > 0 units per contract"),
        ((("soon", 10_000),), "multiplier_changes dates must be like 2029-01-01, got 'soon'"),
        ((("2029-01-01",),), r"multiplier_changes must hold \[listing date, multiplier\] pairs"),
        ((("2029-01-01", True),), r"multiplier_changes must hold \[listing date, multiplier\] pairs"),
        ("2029-01-01", r"multiplier_changes must be a list of \[listing date, multiplier\] pairs"),
    ],
)  # fmt: skip
def test_bad_changes_name_the_field_and_the_fix(changes: object, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        dataclasses.replace(COMPUTE_H100, multiplier_changes=changes)


def test_the_contract_toml_key_and_plain_data_round_trip() -> None:
    table = tomllib.loads('[contract]\nmultiplier_changes = [["2029-01-01", 10000]]\n')["contract"]
    spec = ContractSpec.from_dict({**COMPUTE_H100.to_dict(), **table})
    assert spec.multiplier_changes == (("2029-01-01", 10_000.0),)
    assert spec.to_dict()["multiplier_changes"] == [["2029-01-01", 10_000.0]]
    assert ContractSpec.from_dict(spec.to_dict()) == spec
    assert "multiplier_changes" not in COMPUTE_H100.to_dict()  # a spec without changes writes what it wrote before
