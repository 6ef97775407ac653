"""The sheet's fund details: identity, service providers, structure, and the legends each structure needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etfsim.fund.identity import FundIdentity
from etfsim.report.tables import Fact, facts_from

__all__ = ["DETAILS", "NOT_FDIC", "identity_of", "fund_details", "legends"]

DETAILS = (
    ("listing", "Ticker, exchange, CUSIP", "text"),
    ("structure", "Structure", "text"),
    ("sponsor", "Sponsor", "text"),
    ("providers", "Administrator, custodian, distributor", "text"),
    ("index_provider", "Index provider (index ticker)", "text"),
)
"""(key, label, format) of the fund-details section (``details.<key>`` on the sheet)."""

NOT_FDIC = "Not FDIC insured \u00b7 May lose value \u00b7 No bank guarantee"
"""The banking legend a fund sheet carries when shares may be sold through banks (FINRA and bank regulators' wording)."""

_STRUCTURES = {
    "33_act_pool": "Commodity pool (Securities Act of 1933), Schedule K-1",
    "40_act_subsidiary": "Registered fund (Investment Company Act of 1940) with a Cayman subsidiary, Form 1099",
}


def identity_of(identity: Mapping[str, Any] | None) -> FundIdentity:
    """The study's identity, or the placeholders for a folder written before identities were kept."""
    return FundIdentity() if identity is None else FundIdentity(**dict(identity))


def fund_details(identity: Mapping[str, Any] | None, fund: Mapping[str, Any]) -> tuple[Fact, ...]:
    """The fund-details facts: who the fund is and who serves it."""
    ident = identity_of(identity)
    structure = str(fund.get("structure", "33_act_pool"))
    values = {
        "listing": f"{ident.ticker} \u00b7 {ident.exchange} \u00b7 CUSIP {ident.cusip}",
        "structure": _STRUCTURES.get(structure, structure),
        "sponsor": ident.sponsor,
        "providers": f"{ident.administrator}; {ident.custodian}; {ident.distributor}",
        "index_provider": f"{ident.index_provider} ({ident.index_ticker})",
    }
    return facts_from("details", values, DETAILS)


def legends(identity: Mapping[str, Any] | None, fund: Mapping[str, Any]) -> tuple[str, ...]:
    """The legends the structure needs, the banking legend and where the prospectus is."""
    ident = identity_of(identity)
    out = []
    if str(fund.get("structure", "33_act_pool")) != "40_act_subsidiary":
        out.append(
            "The Fund is not a mutual fund or any other type of investment company as defined in the Investment "
            "Company Act of 1940 and is not subject to regulation under it."
        )
    out.append(
        "Before investing, read the prospectus: it contains the Fund's objective, risks, charges and expenses. "
        f"Prospectus: {ident.prospectus}."
    )
    return (NOT_FDIC, *out)
