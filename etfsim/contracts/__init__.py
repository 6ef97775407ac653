"""Contracts, expiry rules and business calendars (the inputs every curve is listed on)."""

from etfsim.contracts.calendars import CALENDARS, business_days, get_calendar
from etfsim.contracts.expiry import (
    EXPIRY_RULES,
    BusinessDaysBeforeDayOfPriorMonth,
    ExpiryRule,
    LastBusinessDayOfMonth,
    NthLastBusinessDayOfPriorMonth,
    VixFinalSettlement,
)
from etfsim.contracts.spec import (
    COMPUTE_H100,
    CONTRACTS,
    HENRY_HUB,
    VIX,
    WTI,
    ContractSpec,
    Listing,
    get_contract,
)

__all__ = [
    "CALENDARS",
    "COMPUTE_H100",
    "CONTRACTS",
    "EXPIRY_RULES",
    "HENRY_HUB",
    "VIX",
    "WTI",
    "BusinessDaysBeforeDayOfPriorMonth",
    "ContractSpec",
    "ExpiryRule",
    "LastBusinessDayOfMonth",
    "Listing",
    "NthLastBusinessDayOfPriorMonth",
    "VixFinalSettlement",
    "business_days",
    "get_calendar",
    "get_contract",
]
