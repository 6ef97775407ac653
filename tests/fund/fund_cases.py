"""Fund terms and demand that exercise every branch of the ledger (a helper module, not a test file).

The summary test and the kernel agreement test run the same cases, so a new
case reaches both.
"""

from __future__ import annotations

import pandas as pd

from etfsim.fund import FundConfig, InvestorDemand

FREE = dict(
    expense_ratio=0.0, commission=0.0, half_spread_ticks=0.0, fractional_contracts=True, creation_fee=0.0,
    redemption_fee=0.0, ap_spread=0.0, collateral_rate=0.04,
)  # fmt: skip
"""Frictionless terms: no fees or costs, fractional contracts, 4% T-bills (the invariants' fund)."""

GROWING = pd.to_datetime(["2026-06-01", "2027-09-01"])  # a new market's liquidity grows tenfold in 15 months
DRYING = pd.to_datetime(["2026-04-01", "2026-04-07"])  # one that dries up in the week after launch

FUND_CASES: dict[str, tuple[FundConfig, InvestorDemand | None]] = {
    "default terms, demand": (FundConfig(collateral_rate=0.04), InvestorDemand(volatility=0.01, seed=3)),
    "limits bind, creations halt": (
        FundConfig(collateral_rate=0.04, accountability_level=48_000, position_limit=60_000),
        InvestorDemand(mean=0.002, volatility=0.01, seed=4),
    ),
    "limits spread into later months": (
        FundConfig(position_limit=45_000, limit_response="spread", fractional_contracts=True),
        InvestorDemand(volatility=0.005, seed=5),
    ),
    "reverse splits and return chasing": (
        FundConfig(reverse_split_below=24.99, reverse_split_ratio=4, collateral_rate=0.02, rebalance_band=0.01),
        InvestorDemand(chase=0.05, chase_window=10, volatility=0.003, seed=6),
    ),
    # front-month volume dries up from 20,000 contracts a day at launch to 50 a week later: the first day of
    # the roll (a fifth of 38,000 contracts sold against 50 a day, bought against 40) costs more than the fund
    # has on every path, on the fourth day after launch, so tracking error has returns to measure
    "wiped out by impact": (
        FundConfig(
            impact_coefficient=0.05, daily_volume=pd.Series([20_000.0, 50.0], index=DRYING), open_interest=200_000
        ),
        None,
    ),
    "limits in dollars and shares of open interest, creations halt": (
        FundConfig(
            collateral_rate=0.04,
            accountability_level_notional=1.2e8,
            position_limit_oi_share=0.05,
            all_months_limit_notional=1.3e8,
        ),
        InvestorDemand(mean=0.002, volatility=0.01, seed=8),
    ),
    "a limit in dollars spreads into later months": (
        FundConfig(position_limit_notional=6e7, all_months_limit_oi_share=0.006, limit_response="spread"),
        InvestorDemand(volatility=0.005, seed=9),
    ),
    "a market that grows: open interest and volume by date": (
        FundConfig(
            impact_coefficient=0.002,
            daily_volume=pd.Series([2e4, 2e5], index=GROWING),
            open_interest=pd.Series([1.5e5, 1.5e6], index=GROWING),
            accountability_level_oi_share=0.25,
            position_limit_oi_share=0.3,
        ),
        InvestorDemand(mean=0.001, volatility=0.005, seed=10),
    ),
    # issue 13-14 branches: a 2x fund whose excess over a month limit goes into a capped swap, a dated split, a
    # suspension of creations and a new expense ratio; an inverse fund whose APs pay for their trades at settlement
    # with orders after the settlement, and unmet demand carried over while halted
    "2x, swaps at the limit, dated events": (
        FundConfig(
            leverage=2.0,
            position_limit=45_000,
            limit_response="swap",
            swap_spread=0.005,
            swap_counterparty_limit=0.3,
            fractional_contracts=True,
            events=[
                {"date": "2027-03-01", "creations": "suspended"},
                {"date": "2027-04-01", "creations": "open"},
                {"date": "2027-06-01", "reverse_split": 4},
                {"date": "2028-01-03", "expense_ratio": 0.005},
            ],
        ),
        InvestorDemand(mean=0.002, volatility=0.01, seed=11, halted_persistence=1.0),
    ),
    "inverse, APs pay at settlement, orders after it": (
        FundConfig(
            leverage=-1.0,
            variable_creation_fee=True,
            trade_at_settlement=True,
            order_cutoff="after_settlement",
            commission=1.0,
            creation_unit=20_000,
        ),
        InvestorDemand(volatility=0.01, seed=12),
    ),
}
"""Case name -> (fund terms, investor demand)."""
