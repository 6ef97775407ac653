"""Last-trade dates of the real contracts and the compute default (etfsim.contracts.expiry).

Every expected date below is derived by hand from the exchange's published rule
and a wall calendar; the counting is written out next to each case.  Business
days are NYSE days (the built-in specs use the NYSE calendar); the cases avoid
the rare days when NYSE and CME/CFE calendars differ (e.g. 9 January 2025).

Sources
-------
WTI (CL)
    CME Group NYMEX rulebook chapter 200, Light Sweet Crude Oil Futures:
    "Trading terminates 3 business days before the 25th calendar day of the
    month prior to the contract month. If the 25th calendar day is not a
    business day, trading terminates 4 business days before the 25th calendar
    day of the month prior to the contract month."
    EIA, This Week in Petroleum, 22 April 2020: the May 2020 contract "was set
    to expire on April 21, 2020".
Henry Hub (NG)
    CME Group NYMEX rulebook chapter 220, Henry Hub Natural Gas Futures:
    "Trading terminates on the 3rd last business day of the month prior to the
    contract month."
VIX (VX)
    Cboe Futures Exchange, VX contract specifications: final settlement on "the
    Wednesday that is 30 days prior to the third Friday of the calendar month
    immediately following the month in which the contract expires"; "If that
    Wednesday or the Friday that is 30 days following that Wednesday is a Cboe
    Options holiday, the final settlement date for the contract shall be on the
    business day immediately preceding that Wednesday."
Compute (hypothetical)
    DESIGN.md: last trade on the last business day of the delivery month.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from etfsim.contracts.expiry import (
    EXPIRY_RULES,
    BusinessDaysBeforeDayOfPriorMonth,
    ExpiryRule,
    LastBusinessDayOfMonth,
    NthLastBusinessDayOfPriorMonth,
    VixFinalSettlement,
    expiry_rule_from_dict,
)
from etfsim.contracts.spec import COMPUTE_H100, HENRY_HUB, VIX, WTI
from etfsim.exceptions import ConfigError, UnknownNameError

# -- WTI, CME rulebook chapter 200 -----------------------------------------------------------

WTI_CASES = [
    # May 2020 (CLK20), the negative-price contract; EIA confirms 21 April 2020.
    # 25 Apr 2020 is a Saturday -> last business day on or before is Fri 24 Apr;
    # 3 business days before it: Thu 23, Wed 22, Tue 21 -> Tue 21 Apr.
    # (Rule's own wording: 4 business days before the 25th: 24, 23, 22, 21.)
    (2020, 5, "2020-04-21"),
    # May 2021 (CLK21): 25 Apr 2021 is a Sunday -> Fri 23 Apr;
    # 3 business days before: Thu 22, Wed 21, Tue 20 -> Tue 20 Apr 2021.
    (2021, 5, "2021-04-20"),
    # June 2020 (CLM20): 25 May 2020 is Memorial Day (Mon, holiday) ->
    # last business day before is Fri 22 May; 3 before: Thu 21, Wed 20, Tue 19 -> 19 May 2020.
    (2020, 6, "2020-05-19"),
    # January 2020 (CLF20): 25 Dec 2019 is Christmas (Wed, holiday) -> Tue 24 Dec
    # (an early-close session, still a business day); 3 before: Mon 23, Fri 20, Thu 19
    # -> Thu 19 Dec 2019.
    (2020, 1, "2019-12-19"),
    # December 2021 (CLZ21): 25 Nov 2021 is Thanksgiving (Thu, holiday) -> Wed 24 Nov;
    # 3 before: Tue 23, Mon 22, Fri 19 -> Fri 19 Nov 2021.
    (2021, 12, "2021-11-19"),
    # December 2022 (CLZ22): 25 Nov 2022 is a Friday, a business day (day after
    # Thanksgiving). 3 business days before, skipping Thanksgiving Thu 24:
    # Wed 23, Tue 22, Mon 21 -> Mon 21 Nov 2022.
    (2022, 12, "2022-11-21"),
    # May 2011 (CLK11): 25 Apr 2011 is a Monday, a business day. 3 business days
    # before, skipping Good Friday 22 Apr: Thu 21, Wed 20, Tue 19 -> Tue 19 Apr 2011.
    (2011, 5, "2011-04-19"),
    # March 2026 (CLH26): 25 Feb 2026 is a Wednesday, a business day;
    # 3 before: Tue 24, Mon 23, Fri 20 -> Fri 20 Feb 2026.
    (2026, 3, "2026-02-20"),
]


@pytest.mark.parametrize(("year", "month", "expected"), WTI_CASES)
def test_wti_last_trade(year: int, month: int, expected: str) -> None:
    assert WTI.last_trade(year, month) == np.datetime64(expected, "D")


# -- Henry Hub, CME rulebook chapter 220 ------------------------------------------------------

HENRY_HUB_CASES = [
    # May 2020 (NGK20): April 2020 ends Thu 30 -> last business days 30, 29, 28
    # -> 3rd last is Tue 28 Apr 2020.
    (2020, 5, "2020-04-28"),
    # December 2019 (NGZ19): Sat 30 Nov; Fri 29 (day after Thanksgiving, open) is the
    # last; Thu 28 is Thanksgiving; then Wed 27, Tue 26 -> 3rd last is Tue 26 Nov 2019.
    (2019, 12, "2019-11-26"),
    # December 2024 (NGZ24): same layout: Sat 30; Fri 29 (1st), Thu 28 Thanksgiving,
    # Wed 27 (2nd), Tue 26 (3rd) -> Tue 26 Nov 2024.
    (2024, 12, "2024-11-26"),
    # January 2020 (NGF20), Christmas week: Tue 31 Dec (1st), Mon 30 (2nd),
    # Sat 28/Sun 29 skipped, Fri 27 (3rd) -> Fri 27 Dec 2019.
    (2020, 1, "2019-12-27"),
    # April 2024 (NGJ24): Sun 31, Sat 30, Fri 29 Good Friday all closed;
    # Thu 28 (1st), Wed 27 (2nd), Tue 26 (3rd) -> Tue 26 Mar 2024.
    (2024, 4, "2024-03-26"),
    # June 2021 (NGM21): Mon 31 May is Memorial Day; Fri 28 (1st), Thu 27 (2nd),
    # Wed 26 (3rd) -> Wed 26 May 2021.
    (2021, 6, "2021-05-26"),
]


@pytest.mark.parametrize(("year", "month", "expected"), HENRY_HUB_CASES)
def test_henry_hub_last_trade(year: int, month: int, expected: str) -> None:
    assert HENRY_HUB.last_trade(year, month) == np.datetime64(expected, "D")


# -- VIX, CFE contract specifications ---------------------------------------------------------

VIX_CASES = [
    # April 2020 (VXJ20): May 2020 starts on a Friday -> Fridays 1, 8, 15;
    # third Friday 15 May; 30 days before -> Wed 15 Apr 2020.
    (2020, 4, "2020-04-15"),
    # March 2019 (VXH19): April 2019 Fridays 5, 12, 19; 19 Apr is Good Friday (holiday).
    # Wednesday 30 days before it is 20 Mar -> the business day before: Tue 19 Mar 2019
    # (equally: 30 days before Thu 18 Apr).
    (2019, 3, "2019-03-19"),
    # February 2018 (VXG18): March 2018 starts on a Thursday ->
    # Fridays 2, 9, 16; 30 days before Fri 16 Mar -> Wed 14 Feb 2018.
    (2018, 2, "2018-02-14"),
    # June 2024 (VXM24): July 2024 Fridays 5, 12, 19; 30 days before 19 Jul is
    # Wed 19 Jun, Juneteenth (holiday) -> the business day before: Tue 18 Jun 2024.
    (2024, 6, "2024-06-18"),
    # May 2026 (VXK26): June 2026 starts on a Monday -> Fridays 5, 12, 19; 19 Jun is
    # Juneteenth (holiday). The Wednesday 30 days before is 20 May -> business day
    # before it: Tue 19 May 2026.
    (2026, 5, "2026-05-19"),
    # January 2026 (VXF26): February 2026 starts on a Sunday -> Fridays 6, 13, 20;
    # 30 days before Fri 20 Feb -> Wed 21 Jan 2026.
    (2026, 1, "2026-01-21"),
    # December 2025 (VXZ25): January 2026 starts on a Thursday -> Fridays 2, 9, 16;
    # 30 days before Fri 16 Jan -> Wed 17 Dec 2025 (year boundary).
    (2025, 12, "2025-12-17"),
]


@pytest.mark.parametrize(("year", "month", "expected"), VIX_CASES)
def test_vix_final_settlement(year: int, month: int, expected: str) -> None:
    assert VIX.last_trade(year, month) == np.datetime64(expected, "D")


# -- compute default: last business day of the delivery month (NYSE) -------------------------

COMPUTE_CASES = [
    # March 2026: Tue 31 Mar 2026 is a business day.
    (2026, 3, "2026-03-31"),
    # February 2026: Sat 28 Feb -> Fri 27 Feb 2026.
    (2026, 2, "2026-02-27"),
    # May 2021: Mon 31 May is Memorial Day -> Sun 30, Sat 29 -> Fri 28 May 2021.
    (2021, 5, "2021-05-28"),
    # March 2024: Sun 31, Sat 30, Fri 29 Good Friday -> Thu 28 Mar 2024.
    (2024, 3, "2024-03-28"),
    # December 2025: Wed 31 Dec is an NYSE session (New Year's Day is the holiday).
    (2025, 12, "2025-12-31"),
    # November 2024: Sat 30 -> Fri 29 Nov 2024 (day after Thanksgiving, open).
    (2024, 11, "2024-11-29"),
]


@pytest.mark.parametrize(("year", "month", "expected"), COMPUTE_CASES)
def test_compute_last_trade(year: int, month: int, expected: str) -> None:
    assert COMPUTE_H100.last_trade(year, month) == np.datetime64(expected, "D")


# -- the rules as objects --------------------------------------------------------------------


def test_rules_are_parameterised() -> None:
    # 2 business days before the 20th of the prior month: 20 Apr 2020 is a Monday
    # (business day); 2 before: Fri 17, Thu 16 -> 16 Apr 2020.
    rule = BusinessDaysBeforeDayOfPriorMonth(day=20, business_days=2)
    assert rule.last_trade(2020, 5, "NYSE") == np.datetime64("2020-04-16", "D")
    # 1st last business day of April 2020 is Thu 30 Apr.
    assert NthLastBusinessDayOfPriorMonth(n=1).last_trade(2020, 5, "NYSE") == np.datetime64("2020-04-30", "D")


def test_calendar_changes_the_date() -> None:
    # On a weekends-only calendar Good Friday 29 Mar 2024 is a business day.
    assert LastBusinessDayOfMonth().last_trade(2024, 3, "WEEKDAYS") == np.datetime64("2024-03-29", "D")
    assert LastBusinessDayOfMonth().last_trade(2024, 3, "NYSE") == np.datetime64("2024-03-28", "D")


@pytest.mark.parametrize(
    "bad",
    [
        lambda: BusinessDaysBeforeDayOfPriorMonth(day=31),
        lambda: BusinessDaysBeforeDayOfPriorMonth(day=0),
        lambda: BusinessDaysBeforeDayOfPriorMonth(business_days=-1),
        lambda: NthLastBusinessDayOfPriorMonth(n=0),
    ],
)
def test_rule_validation(bad: Callable[[], object]) -> None:
    with pytest.raises(ConfigError):
        bad()


@pytest.mark.parametrize(
    "rule",
    [
        LastBusinessDayOfMonth(),
        BusinessDaysBeforeDayOfPriorMonth(day=25, business_days=3),
        NthLastBusinessDayOfPriorMonth(n=3),
        VixFinalSettlement(),
    ],
)
def test_rule_dict_round_trip(rule: ExpiryRule) -> None:
    data = rule.to_dict()
    assert data["rule"] == rule.name
    assert "name" not in data  # the ClassVar is the "rule" key, not a field
    assert data["rule"] in EXPIRY_RULES
    assert expiry_rule_from_dict(data) == rule


def test_rule_from_dict_errors() -> None:
    with pytest.raises(UnknownNameError, match="last_business_day"):
        expiry_rule_from_dict({"rule": "third_wednesday"})
    with pytest.raises(ConfigError, match="valid fields") as info:
        expiry_rule_from_dict({"rule": "nth_last_business_day_of_prior_month", "nth": 3})
    assert "'n'" in str(info.value)
