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

import numpy as np
import pandas as pd

from etfsim.curves.curve import FuturesCurve
from etfsim.curves.launch_groups import LaunchGroups, held_curve
from etfsim.curves.market import Market
from etfsim.curves.market_curve import MarketCurve
from etfsim.curves.model_curve import ModelCurve
from etfsim.exceptions import DataError
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.fund.summary import FundSummary
from etfsim.pipeline import Strategy, run_strategy, statistics_of
from etfsim.scenario import Scenario

__all__ = ["CHUNK_COLUMNS", "ChunkSpec", "month_ends", "run_chunk"]

CHUNK_COLUMNS: tuple[str, ...] = ("path", *(s.column for s in statistics_of("sweep")))
"""Per-path columns a chunk produces: ``path`` and the sweep's statistics (plus ``monthly_nav``, a list of
month-end NAV per share)."""


def month_ends(dates: np.ndarray) -> np.ndarray:
    """Indices of the last date of each calendar month."""
    months = np.asarray(dates).astype("datetime64[M]")
    return np.append(np.nonzero(months[1:] != months[:-1])[0], len(months) - 1)


@dataclass(frozen=True)
class ChunkSpec:
    """One unit of work: a strategy on a scenario for paths ``first .. first + count``."""

    scenario: Scenario | Market
    strategy: Strategy
    fund: FundConfig | None
    demand: InvestorDemand | None
    first: int
    count: int


def run_chunk(spec: ChunkSpec) -> pd.DataFrame:
    """Run one chunk and return one row per path (see ``CHUNK_COLUMNS``).

    Raises
    ------
    DataError
        If the strategy cannot be run on the scenario (the message names why).
    """
    sc = spec.scenario
    curves: list[FuturesCurve | ModelCurve | MarketCurve | LaunchGroups]
    if isinstance(sc, Market):  # each strategy on what it holds ([holding], else the market's)
        legs = sc.legs_of(spec.strategy.holding)  # only the legs it holds: the same numbers, a fraction of the work
        (market,) = list(sc.iter_markets(paths=spec.count, chunk_size=spec.count, first_path=spec.first, legs=legs))
        curves = [held_curve(market, spec.strategy.holding)]  # launch groups when a successor arrives at random
        del market
    else:
        (curve,) = list(
            sc.iter_chunks(paths=spec.count, chunk_size=spec.count, lazy_prices=True, first_path=spec.first)
        )
        curves = [curve]
        del curve
    rate = spec.fund.collateral_rate if spec.fund is not None else spec.scenario.collateral_rate
    ends = month_ends(np.asarray(curves[0].dates))
    n_paths = curves[0].n_paths
    # the ledger reduced path by path: per-path figures and month-end NAV, no (paths, dates) arrays; the
    # contango share is not a sweep column, so it is not computed (NaN stands in).  The curve is handed
    # over, not kept here, so that its factor paths go once the contracts held are priced.
    run = run_strategy(
        curves.pop(), spec.strategy, spec.fund, spec.demand, collateral_rate=rate, summarise=True, keep=ends,
        contango=np.full(n_paths, np.nan),
    )  # fmt: skip
    frame = run.stats.reindex(columns=list(CHUNK_COLUMNS[1:]))  # NaN fund columns without a fund
    frame.insert(0, "path", np.arange(spec.first, spec.first + run.n_paths, dtype=np.int64))
    frame = frame.reset_index(drop=True)
    for col in CHUNK_COLUMNS[1:]:
        frame[col] = frame[col].astype(np.float64)
    monthly = run.fund.navps if isinstance(run.fund, FundSummary) else run.index.tr[:, ends]
    frame["monthly_nav"] = list(np.asarray(monthly, dtype=np.float64))
    if len(frame) != spec.count:
        raise DataError(f"chunk starting at path {spec.first} produced {len(frame)} rows, expected {spec.count}")
    return frame
