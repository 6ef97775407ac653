"""The index stage: ER, TR and spot levels of a roll schedule, their attribution, back-adjusted prices."""

from etfsim.index.attribution import ATTRIBUTION_COLUMNS, annualise, daily_attribution
from etfsim.index.back_adjust import BACK_ADJUST_METHODS, back_adjust
from etfsim.index.levels import MISSING_CHOICES, IndexResult, compute_index, index_levels

__all__ = [
    "ATTRIBUTION_COLUMNS",
    "BACK_ADJUST_METHODS",
    "MISSING_CHOICES",
    "IndexResult",
    "annualise",
    "back_adjust",
    "compute_index",
    "daily_attribution",
    "index_levels",
]
