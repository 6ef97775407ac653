"""The structures a compute-futures filing contains, side by side on the same paths.

Unlevered on dated futures, 2x and -1x with a daily objective, swaps when the
position limits bind, and the same fund as a 1940 Act fund with a Cayman
subsidiary: one fund's terms changed one at a time, run on one curve and one
schedule, so every difference in the table is the structure's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from etfsim.curves.curve import FuturesCurve
from etfsim.fund.comparison import TaxAssumptions, _interest_share, after_tax_futures
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.fund.engine import simulate_fund
from etfsim.fund.metrics import fund_metrics
from etfsim.roll.schedule import RollSchedule

__all__ = ["STRUCTURE_VARIANTS", "compare_structures"]

STRUCTURE_VARIANTS: Mapping[str, Mapping[str, Any]] = {
    "unlevered, dated futures": {},
    "2x daily": {"leverage": 2.0},
    "-1x daily (inverse)": {"leverage": -1.0},
    "swaps at the limit": {"limit_response": "swap"},
    "'40 Act fund, Cayman subsidiary": {"structure": "40_act_subsidiary"},
}
"""Each structure as the fund terms it changes (the rest are the fund's own)."""

COLUMNS = (
    "NAV return / yr",
    "objective return / yr",
    "tracking difference / yr",
    "tracking error",
    "costs / yr",
    "days halted",
    "after-tax return / yr",
)


def compare_structures(
    curve: FuturesCurve,
    schedule: RollSchedule,
    config: FundConfig | None = None,
    flows: InvestorDemand | None = None,
    tax: TaxAssumptions | None = None,
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    slots: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per structure, means across paths: returns, tracking against its own objective, costs, taxes.

    Parameters
    ----------
    curve, schedule : FuturesCurve, RollSchedule
        The prices and the roll (the same for every structure).
    config : FundConfig, optional
        The fund's terms; each variant changes some of them (:data:`STRUCTURE_VARIANTS`).
    flows : InvestorDemand, optional
        Investor demand, the same draws for every structure.
    tax : TaxAssumptions, optional
        The holder's rates for the after-tax column (by each variant's structure).

    Returns
    -------
    DataFrame
        Index: the variant's name; columns :data:`COLUMNS`.  A leveraged fund's
        objective is its daily objective (leverage x the index's daily excess
        return plus collateral), so its tracking figures are against that.
    """
    base = config or FundConfig()
    tax = tax or TaxAssumptions()
    rows: dict[str, list[float]] = {}
    for name, changes in (variants or STRUCTURE_VARIANTS).items():
        cfg = replace(base, **dict(changes))
        res = simulate_fund(curve, schedule, cfg, flows=flows, slots=slots)
        m = fund_metrics(res)
        s = res.start
        d = np.asarray(curve.dates).astype("datetime64[D]")
        years = float((d[-1] - d[s]).astype(int)) / 365
        costs = ((m["trading_costs"] + m["impact_costs"]) / m["nav_mean"]).to_numpy(dtype=float) / years
        after = after_tax_futures(
            res.nav_per_share_adjusted, np.asarray(curve.dates), s, tax, _interest_share(res), cfg.structure
        )
        rows[name] = [
            float(np.nanmean(m["nav_return"])),
            float(np.nanmean(m["index_tr_return"])),
            float(np.nanmean(m["tracking_difference"])),
            float(np.nanmean(m["tracking_error"])),
            float(np.nanmean(costs)),
            float(np.nanmean(m["halted_days"])),
            float(np.nanmean(after)),
        ]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS)).rename_axis("structure")
