"""Monte Carlo at scale: one chunk of paths through the whole pipeline, reduced to per-path figures.

A chunk of paths is simulated as factor paths only (a
:class:`~etfsim.curves.model_curve.ModelCurve`); a roll rule that reads only the
calendar gives one schedule, and only the contracts it touches are priced, so
the index and the fund ledger run on two or three columns instead of the full
listing.  Each chunk is reduced to one row per path (index and fund figures)
and the path's month-end NAV per share, so no cube is ever kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etfsim.exceptions import DataError
from etfsim.index.levels import compute_index
from etfsim.metrics import annualised_volatility, max_drawdown
from etfsim.roll.rules import roll_schedule
from etfsim.scenario import Scenario

__all__ = ["CHUNK_COLUMNS", "month_ends", "run_chunk"]

CHUNK_COLUMNS = (
    "path",
    "er_return",
    "tr_return",
    "term_structure",
    "spot",
    "volatility",
    "max_drawdown",
    "roll_trades",
    "nav_return",
    "index_tr_return",
    "tracking_difference",
    "tracking_error",
    "costs_per_year",
    "fees",
    "trading_costs",
    "impact_costs",
    "days_premium",
    "days_discount",
    "halted_days",
    "creations",
    "redemptions",
)
"""Per-path columns a chunk produces (plus ``monthly_nav``, a list of month-end NAV per share)."""


def month_ends(dates: np.ndarray) -> np.ndarray:
    """Indices of the last date of each calendar month."""
    months = np.asarray(dates).astype("datetime64[M]")
    return np.append(np.nonzero(months[1:] != months[:-1])[0], len(months) - 1)


@dataclass(frozen=True)
class ChunkSpec:
    """One unit of work: a strategy on a scenario for paths ``first .. first + count``."""

    scenario: Scenario
    strategy: Any  # etfsim.roll.strategy.Strategy
    fund: Any  # FundConfig or None
    demand: Any  # InvestorDemand or None
    first: int
    count: int


def run_chunk(spec: ChunkSpec) -> pd.DataFrame:
    """Run one chunk and return one row per path (see ``CHUNK_COLUMNS``).

    Raises
    ------
    DataError
        If the strategy cannot be run on the scenario (the message names why).
    """
    (mc,) = list(
        spec.scenario.iter_chunks(paths=spec.count, chunk_size=spec.count, lazy_prices=True, first_path=spec.first)
    )
    # only the contracts the rule touches are priced (a rule that reads prices prices the rest once, inside)
    curve, schedule, slots = mc.restrict(roll_schedule(mc, spec.strategy.rule))
    rate = spec.fund.collateral_rate if spec.fund is not None else spec.scenario.collateral_rate
    index = compute_index(curve, schedule, collateral_rate=rate)
    p = curve.n_paths
    ann = index.annualised()
    dates = np.asarray(curve.dates)
    row: dict[str, Any] = {
        "path": np.arange(spec.first, spec.first + p, dtype=np.int64),
        "er_return": ann["er_return"].to_numpy(),
        "tr_return": ann["tr_return"].to_numpy(),
        "term_structure": ann["term_structure"].to_numpy(),
        "spot": ann["spot"].to_numpy(),
        "volatility": annualised_volatility(index.er, dates, start=index.start),
        "max_drawdown": max_drawdown(index.er, start=index.start),
        "roll_trades": np.broadcast_to(schedule.roll_trades_by_path(), (p,)).astype(np.float64),
    }
    ends = month_ends(dates)
    if spec.fund is not None:
        from etfsim.backtest import fund_stats_of
        from etfsim.fund.summary import summarise_fund

        # the ledger reduced path by path: per-path figures and month-end NAV, no (paths, dates) arrays
        fund = summarise_fund(curve, schedule, spec.fund, flows=spec.demand, slots=slots, index=index, keep=ends)
        stats = fund_stats_of(fund)
        m = fund.metrics
        for col in ("nav_return", "index_tr_return", "tracking_difference", "tracking_error", "costs_per_year"):
            row[col] = stats[col].to_numpy()
        for col in ("fees", "trading_costs", "impact_costs", "halted_days", "creations", "redemptions"):
            row[col] = m[col].to_numpy(dtype=np.float64)
        row["days_premium"] = m["days_premium"].to_numpy(dtype=np.float64)
        row["days_discount"] = m["days_discount"].to_numpy(dtype=np.float64)
        monthly = fund.navps
    else:
        for col in CHUNK_COLUMNS[8:]:
            row[col] = np.full(p, np.nan)
        monthly = index.tr[:, ends]
    frame = pd.DataFrame(row, columns=list(CHUNK_COLUMNS))
    frame["monthly_nav"] = list(np.asarray(monthly, dtype=np.float64))
    if len(frame) != spec.count:
        raise DataError(f"chunk starting at path {spec.first} produced {len(frame)} rows, expected {spec.count}")
    return frame
