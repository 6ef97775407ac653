"""The fund stage: the ETF's daily ledger, its metrics, and the stock-ETF twin."""

from etfsim.fund.config import LIMIT_RESPONSES, FundConfig, InvestorDemand, load_fund
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.ledger import STATUS
from etfsim.fund.metrics import capacity_curve, fund_metrics, premium_discount_by_quarter, tracking
from etfsim.fund.summary import FundSummary, summarise_fund

__all__ = [
    "LIMIT_RESPONSES",
    "STATUS",
    "FundConfig",
    "FundResult",
    "FundSummary",
    "InvestorDemand",
    "capacity_curve",
    "fund_metrics",
    "load_fund",
    "premium_discount_by_quarter",
    "simulate_fund",
    "summarise_fund",
    "tracking",
]
