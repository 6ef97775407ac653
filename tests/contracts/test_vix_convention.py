"""Cboe VX on its final settlement date: the next month is already slot 0.

Source: Cboe, VX futures contract specifications, "Trading Hours": trading hours
for expiring VX futures contracts end at 8:00 a.m. Chicago time on the final
settlement date (also CFE rule certification CFE-2020-028); before December
2011 the last trading day was the business day before the final settlement
date (CFE Information Circular IC11-73).  Either way the expiring contract has
no regular-session close that day, so a daily VX1..VXn history shows the next
month as VX1.  Settlement dates from the CFE rule, as pinned in test_expiry.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etfsim import VIX, WTI, ContractSpec, compute_index, load_nearby, roll_schedule
from etfsim.contracts.calendars import business_days
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError
from etfsim.roll.rules import ConstantMaturity


def _front(spec: ContractSpec, *days: str, **kw: str) -> list[str]:
    listing = spec.listing(np.array(days, dtype="datetime64[D]"), depth=1, **kw)
    return [str(c) for c in listing.contracts[:, 0]]


def test_issue_13_example_settlement_day_shows_the_next_month() -> None:
    # issue 13: VIX.listing(['2009-02-18'], depth=1) gave VXG09, which settled that morning
    assert VIX.last_trade(2009, 2) == np.datetime64("2009-02-18")
    assert _front(VIX, "2009-02-17", "2009-02-18", "2009-02-19") == ["VXG09", "VXH09", "VXH09"]
    # the old convention is still there when asked for (a file made that way)
    assert _front(VIX, "2009-02-17", "2009-02-18", on_expiry_day="expiring") == ["VXG09", "VXG09"]


@pytest.mark.parametrize(
    ("settles", "expiring", "following"),
    [
        ("2019-03-19", "VXH19", "VXJ19"),  # Tuesday: Good Friday 19 Apr 2019 (test_expiry.py)
        ("2020-04-15", "VXJ20", "VXK20"),
        ("2020-05-20", "VXK20", "VXM20"),
        ("2024-06-18", "VXM24", "VXN24"),  # Tuesday: 19 June 2024 (Juneteenth) a holiday
    ],
)
def test_front_changes_on_the_settlement_day(settles: str, expiring: str, following: str) -> None:
    day = np.datetime64(settles, "D")
    before = business_days("NYSE", day - np.timedelta64(7, "D"), day - np.timedelta64(1, "D"))[-1]
    after = business_days("NYSE", day + np.timedelta64(1, "D"), day + np.timedelta64(7, "D"))[0]
    assert _front(VIX, str(before), settles, str(after)) == [expiring, following, following]
    listing = VIX.listing(np.array([day]), depth=1)
    assert listing.expiries[0, 0] > day  # no expired (or expiring) contract is ever slot 0


def test_wti_keeps_its_expiring_contract_through_the_last_trading_day() -> None:
    # CME ch. 200: CLK20 traded through the close of 21 April 2020 (EIA RCLC1 that day is May)
    assert WTI.on_expiry_day == "expiring"
    assert _front(WTI, "2020-04-21", "2020-04-22") == ["CLK20", "CLM20"]
    assert _front(WTI, "2020-04-21", on_expiry_day="next") == ["CLM20"]


def test_convention_is_checked_and_travels_with_the_spec() -> None:
    assert VIX.on_expiry_day == "next"
    assert VIX.to_dict()["on_expiry_day"] == "next"
    assert ContractSpec.from_dict(VIX.to_dict()) == VIX
    assert "on_expiry_day" not in WTI.to_dict()  # the default writes the same metadata as before
    with pytest.raises(ConfigError, match="on_expiry_day must be 'expiring'.*or 'next'.*got 'later'"):
        ContractSpec(root="XX", name="x", unit="u", multiplier=1.0, tick=0.01, on_expiry_day="later")  # type: ignore
    with pytest.raises(ConfigError, match="on_expiry_day"):
        VIX.listing(np.array(["2020-01-02"], dtype="datetime64[D]"), on_expiry_day="open")


# -- what the convention does to a replay -----------------------------------------------


def _truth(days: np.ndarray, depth: int) -> pd.DataFrame:
    """Each contract's own price path (date, contract, expiry, price): a random walk per contract."""
    listing = VIX.listing(days, depth=depth + 1, on_expiry_day="expiring")  # every contract alive that day
    rng = np.random.default_rng(13)
    level: dict[str, float] = {}
    rows = []
    for t, day in enumerate(days):
        for s in range(depth + 1):
            code = str(listing.contracts[t, s])
            level[code] = level.get(code, 18.0 + s) * float(np.exp(0.03 * rng.standard_normal()))
            rows.append((day, code, listing.expiries[t, s], level[code]))
    return pd.DataFrame(rows, columns=["date", "contract", "expiry", "price"])


def _vendor_file(truth: pd.DataFrame, depth: int) -> pd.DataFrame:
    """VX1..VXn as a vendor publishes them: contracts with a close that day, nearest first."""
    alive = truth[truth["expiry"] > truth["date"]]  # the expiring contract has no close on its settlement day
    out = {}
    for day, grp in alive.groupby("date"):
        out[day] = list(grp.sort_values("expiry")["price"].iloc[:depth])
    frame = pd.DataFrame.from_dict(out, orient="index", columns=[f"VX{k}" for k in range(1, depth + 1)])
    return frame.rename_axis("date").reset_index()


def test_vix_replay_prices_each_contract_with_its_own_prints() -> None:
    days = business_days("NYSE", "2019-01-02", "2019-12-31")
    truth = _truth(days, 4)
    vendor = _vendor_file(truth, 4)
    right = load_nearby(vendor, "vix")
    wrong = load_nearby(vendor, "vix", on_expiry_day="expiring")
    exact = truth.set_index(["date", "contract"])["price"]

    def mislabelled(curve: FuturesCurve) -> int:
        frame = curve.to_frame().dropna(subset=["price"])
        keys = pd.MultiIndex.from_arrays([frame["date"].to_numpy(), frame["contract"].to_numpy()])
        return int((np.abs(exact.reindex(keys).to_numpy() - frame["price"].to_numpy()) > 0).sum())

    assert mislabelled(right) == 0
    # the old convention shifts all four columns by one contract on each of 2019's 12 settlement days
    assert mislabelled(wrong) == 12 * 4

    # a constant-maturity (VXX-like) index: exact on the right labels; the wrong ones add false jumps
    reference = FuturesCurve.from_long_table(truth[truth["expiry"] > truth["date"]], metadata={"contract": "VX"})
    ideal = compute_index(reference, roll_schedule(reference, ConstantMaturity()))
    got = compute_index(right, roll_schedule(right, ConstantMaturity()))
    np.testing.assert_allclose(got.er, ideal.er, rtol=1e-12)
    bad = compute_index(wrong, roll_schedule(wrong, ConstantMaturity()))
    diff = np.diff(np.log(bad.er[0])) - np.diff(np.log(ideal.er[0]))
    assert np.nanmax(np.abs(diff)) > 0.01  # a spurious move on settlement days
