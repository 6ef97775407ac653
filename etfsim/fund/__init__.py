"""The fund stage: the ETF's daily ledger, its metrics, and the stock-ETF twin.

``compare`` (in :mod:`etfsim.fund.comparison`) runs the futures ETF and its
stock twin side by side; ``compare_chunks`` does it chunk by chunk of paths of a
curve file (``etfsim.curves.chunks.read_curve_chunks``) into a ``ComparisonSummary``.
"""

from etfsim.fund.comparison import Comparison, ComparisonSummary, TaxAssumptions, compare, compare_chunks
from etfsim.fund.config import LIMIT_RESPONSES, FundConfig, InvestorDemand, load_fund
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.ledger import STATUS
from etfsim.fund.metrics import capacity_curve, fund_metrics, premium_discount_by_quarter, tracking
from etfsim.fund.summary import FundSummary, summarise_fund

__all__ = [
    "LIMIT_RESPONSES",
    "STATUS",
    "Comparison",
    "ComparisonSummary",
    "FundConfig",
    "FundResult",
    "FundSummary",
    "InvestorDemand",
    "TaxAssumptions",
    "capacity_curve",
    "compare",
    "compare_chunks",
    "fund_metrics",
    "load_fund",
    "premium_discount_by_quarter",
    "simulate_fund",
    "summarise_fund",
    "tracking",
]
