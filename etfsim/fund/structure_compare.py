"""The structures a compute-futures filing contains, side by side on the same paths.

Unlevered on dated futures, 2x and -1x with a daily objective, swaps when the
position limits bind, the same fund as a 1940 Act fund with a Cayman
subsidiary, and (when given one) the fund on a perpetual future instead of
dated futures: one fund's terms changed one at a time, run on one curve and
one schedule, so every difference in the table is the structure's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.perpetual import Perpetual
from etfsim.exceptions import ConfigError
from etfsim.fund.comparison import TaxAssumptions, _interest_share, after_tax_futures
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.metrics import fund_metrics
from etfsim.fund.perpetual_compare import simulate_perpetual_fund
from etfsim.fund.structure import quarter_end_margin, subsidiary_breaches
from etfsim.roll.schedule import RollSchedule

__all__ = ["STRUCTURE_COLUMNS", "STRUCTURE_VARIANTS", "compare_structures"]

STRUCTURE_VARIANTS: Mapping[str, Mapping[str, Any]] = {
    "unlevered, dated futures": {},
    "2x daily": {"leverage": 2.0},
    "-1x daily (inverse)": {"leverage": -1.0},
    "swaps at the limit": {"limit_response": "swap"},
    "'40 Act fund, Cayman subsidiary": {"structure": "40_act_subsidiary"},
}
"""Each structure as the fund terms it changes (the rest are the fund's own)."""

PERPETUAL_ROW = "perpetual future"
"""The name of the row of the fund on a perpetual (``compare_structures(..., perpetual=...)``)."""

STRUCTURE_COLUMNS = (
    "NAV return / yr",
    "objective return / yr",
    "tracking difference / yr",
    "tracking error",
    "carry / yr",
    "costs / yr",
    "days halted",
    "margin / NAV, quarter-end max",
    "quarter ends over the subsidiary cap",
    "after-tax return / yr",
)
"""Columns of :func:`compare_structures`, means across paths.

Returns are simple, per year (ACT/365) from the launch; ``objective return`` is
the index the structure sets out to deliver (a leveraged fund's: its daily
objective, leverage x the index's daily excess return plus collateral; the
perpetual's: its own funding-adjusted index), and the tracking figures are
against it.  ``carry`` is what holding the exposure instead of the spot index
earns, log per year: the roll's term-structure contribution on dated futures,
the premium's change plus the funding received on the perpetual (negative:
paid); NaN on a leveraged or inverse row, whose daily objective compounds the
index's whole return.  ``costs`` are commissions, spreads and impact as a share of average net
assets a year.  ``margin / NAV`` is the largest initial margin held at a
calendar quarter end, as a share of NAV (what a subsidiary would have to hold);
the count of quarter ends over the subsidiary cap is only a 1940 Act fund's
(NaN on the others).
"""


def _row(res: FundResult, tax: TaxAssumptions) -> list[float]:
    m = fund_metrics(res)
    # the index the fund holds splits its return into spot and the rest: the roll's term structure on dated
    # futures, the premium's change plus the funding on a perpetual (its index holds the funding-adjusted price)
    # (a daily objective's index compounds leverage x the index's return: its "rest" is not the roll's, so none)
    carry = res.index.annualised()["term_structure"].to_numpy(dtype=float)
    if res.config.leverage != 1.0:
        carry = np.full(res.n_paths, np.nan)
    after = after_tax_futures(
        res.nav_per_share_adjusted, np.asarray(res.dates), res.start, tax, _interest_share(res), res.config.structure
    )
    d = np.asarray(res.dates).astype("datetime64[D]")
    years = float((d[-1] - d[res.start]).astype(int)) / 365
    costs = ((m["trading_costs"] + m["impact_costs"]) / m["nav_mean"]).to_numpy(dtype=float) / years
    _q, margin = quarter_end_margin(res)
    peak = np.nanmax(margin, axis=1, initial=0.0) if margin.size else np.zeros(res.n_paths)
    over = float(np.mean(subsidiary_breaches(res))) if res.config.structure == "40_act_subsidiary" else float("nan")
    return [
        float(np.nanmean(m["nav_return"])),
        float(np.nanmean(m["index_tr_return"])),
        float(np.nanmean(m["tracking_difference"])),
        float(np.nanmean(m["tracking_error"])),
        float(np.mean(carry)),
        float(np.nanmean(costs)),
        float(np.nanmean(m["halted_days"])),
        float(np.nanmean(peak)),
        over,
        float(np.nanmean(after)),
    ]


def compare_structures(
    curve: FuturesCurve,
    schedule: RollSchedule,
    config: FundConfig | None = None,
    flows: InvestorDemand | None = None,
    tax: TaxAssumptions | None = None,
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    slots: np.ndarray | None = None,
    perpetual: Perpetual | None = None,
    contract: ContractSpec | None = None,
) -> pd.DataFrame:
    """One row per structure, means across paths: returns, tracking against its own objective, carry, costs, taxes.

    Parameters
    ----------
    curve, schedule : FuturesCurve, RollSchedule
        The prices and the roll (the same for every structure on dated futures).
    config : FundConfig, optional
        The fund's terms; each variant changes some of them (:data:`STRUCTURE_VARIANTS`).
    flows : InvestorDemand, optional
        Investor demand, the same draws for every structure.
    tax : TaxAssumptions, optional
        The holder's rates for the after-tax column (by each variant's structure).
    variants : mapping, optional
        Row name -> the fund terms it changes (default :data:`STRUCTURE_VARIANTS`).
    slots : ndarray, optional
        For a curve restricted to the contracts the schedule touches, each slot's
        place on the full listing (as :func:`etfsim.fund.simulate_fund` takes it).
    perpetual : Perpetual, optional
        Add a row for the fund's own terms on this perpetual future on the
        curve's spot index (:func:`etfsim.fund.perpetual_compare.simulate_perpetual_fund`),
        launched on the dated fund's launch date.  It is taxed by the fund's
        structure, its futures taken as Section 1256 contracts like the dated ones
        (a regulated futures contract on a designated contract market).
    contract : ContractSpec, optional
        The dated contract, when the curve's metadata does not name one.

    Returns
    -------
    DataFrame
        Index: the row's name (``structure``); columns :data:`STRUCTURE_COLUMNS`.
    """
    base = config or FundConfig()
    tax = tax or TaxAssumptions()
    if perpetual is not None and not isinstance(perpetual, Perpetual):
        raise ConfigError("perpetual must be an etfsim Perpetual (etfsim.curves.perpetual.Perpetual) or None")
    rows: dict[str, list[float]] = {}
    first: FundResult | None = None
    for name, changes in (variants or STRUCTURE_VARIANTS).items():
        cfg = replace(base, **dict(changes))
        res = simulate_fund(curve, schedule, cfg, flows=flows, contract=contract, slots=slots)
        first = first or res
        rows[name] = _row(res, tax)
    if perpetual is not None:
        perp = perpetual.simulate(curve, contract)
        start = first.start if first is not None else int(np.argmax(schedule.invested))
        held = simulate_perpetual_fund(perp, base, flows=flows, start=start)
        rows[PERPETUAL_ROW] = _row(held, tax)
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(STRUCTURE_COLUMNS)).rename_axis("structure")
