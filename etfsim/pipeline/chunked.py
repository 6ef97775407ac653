"""Backtests chunk by chunk of paths: the figures of a whole-curve backtest in bounded memory.

A 1,000-path curve file holds 482 MB of prices; the schedules, indices and
fund ledgers built on it take several times that.  :func:`backtest_chunks` runs
:func:`~etfsim.pipeline.backtest` on one chunk of paths at a time (from
:func:`etfsim.curves.chunks.read_curve_chunks`, say) and keeps only each
path's statistics, so memory depends on the chunk, not on the file.

Every statistic is computed path by path (each path draws its demand from its
own stream, by its place in the run), and the chunks' rows are joined in path
order, so the tables' means and 5-95% ranges are the whole-curve backtest's,
bit for bit.  The fund is reduced as it runs (:func:`etfsim.fund.summarise_fund`,
which agrees exactly with the recorded ledger's :func:`etfsim.fund.fund_metrics`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import DataError
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.fund.summary import FundSummary
from etfsim.pipeline.backtest import BacktestResult, backtest
from etfsim.pipeline.run import StrategyRun
from etfsim.pipeline.strategy import Strategy
from etfsim.roll.rules import RollRule

__all__ = ["backtest_chunks"]


class _Pieces:
    """What one strategy keeps of each chunk: per-path statistics, fund figures and (if asked) index levels.

    The first chunk's run is kept without its curve, as the template of the
    joined run (strategy, schedule, index dates and terms, fund limits); the
    chunks' curves, ledgers and schedules go as soon as the chunk is done.
    """

    def __init__(self, first: StrategyRun, keep_levels: bool) -> None:
        self.keep_levels = keep_levels
        self.first = replace(first, curve=None)
        self.stats: list[pd.DataFrame] = []
        self.metrics: list[pd.DataFrame] = []
        self.levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, run: StrategyRun) -> None:
        self.stats.append(run.stats)
        if isinstance(run.fund, FundSummary):
            self.metrics.append(run.fund.metrics)
        if self.keep_levels:
            self.levels.append((run.index.er, run.index.tr, run.index.spot))

    def joined(self) -> StrategyRun:
        """One run over every path, in path order.

        It keeps no curve; its schedule is the first chunk's (every path's for a
        rule that reads only the listing calendar); its index levels cover every
        path when levels were kept, and no path otherwise; its fund is a
        :class:`~etfsim.fund.summary.FundSummary` with no daily NAV.
        """
        first = self.first
        stats = pd.concat(self.stats, ignore_index=True)
        stats.index = pd.RangeIndex(len(stats), name="path")
        if self.keep_levels:
            er, tr, spot = (np.concatenate(parts) for parts in zip(*self.levels, strict=True))
        else:
            er = tr = spot = np.empty((0, len(first.index.dates)))
        index = replace(first.index, er=er, tr=tr, spot=spot)
        fund = None
        if isinstance(first.fund, FundSummary):
            metrics = pd.concat(self.metrics, ignore_index=True)
            fund = replace(
                first.fund, metrics=metrics, navps=np.empty((len(metrics), 0)), keep=np.zeros(0, dtype=np.int64)
            )
        return StrategyRun(first.strategy, None, first.schedule, None, index, fund, stats)


def backtest_chunks(
    chunks: Iterable[FuturesCurve],
    strategies: Sequence[Strategy | RollRule | str | os.PathLike[str]] | None = None,
    collateral_rate: float | pd.Series = 0.0,
    missing: str = "raise",
    progress: Callable[[int, int], None] | None = None,
    fund: FundConfig | None = None,
    demand: InvestorDemand | pd.Series | None = None,
    use_strategy_funds: bool = False,
    contract: ContractSpec | None = None,
    *,
    keep_levels: bool = False,
    total_chunks: int | None = None,
) -> BacktestResult:
    """Run :func:`~etfsim.pipeline.backtest` on each chunk of paths and join the per-path statistics.

    Parameters
    ----------
    chunks : iterable of FuturesCurve
        Consecutive chunks of paths of one curve (same dates and listing), in
        path order, e.g. :func:`etfsim.curves.chunks.read_curve_chunks`.
    strategies, collateral_rate, missing, fund, demand, use_strategy_funds, contract
        As for :func:`~etfsim.pipeline.backtest`.
    progress : callable, optional
        ``progress(done, total)`` after each chunk (``total`` is ``total_chunks``,
        or the chunks done so far when it is not given).
    keep_levels : bool
        Keep every path's ER, TR and spot levels (for :meth:`BacktestResult.to_frame`
        and ``to_parquet``: 24 bytes a path, date and strategy); by default only
        the statistics are kept.
    total_chunks : int, optional
        How many chunks ``chunks`` yields, for ``progress``.

    Returns
    -------
    BacktestResult
        Its tables equal the whole curve's backtest's (``table()``,
        ``fund_table()``, ``stats_frame()``, ``fund_stats_frame()``).

    Raises
    ------
    DataError
        If ``chunks`` is empty, or the chunks do not share one list of dates.
    """
    pieces: list[_Pieces] = []
    dates: np.ndarray | None = None
    source, n_paths = "", 0
    for done, chunk in enumerate(chunks, start=1):
        part = backtest(
            chunk, strategies, collateral_rate=collateral_rate, missing=missing, fund=fund, demand=demand,
            use_strategy_funds=use_strategy_funds, contract=contract, summarise=True,
        )  # fmt: skip
        if dates is None:
            dates, source = part.dates, part.source
            pieces = [_Pieces(run, keep_levels) for run in part.results]
        elif not np.array_equal(part.dates, dates):
            raise DataError("the chunks do not share one list of dates; give chunks of paths of one curve")
        for kept, run in zip(pieces, part.results, strict=True):
            kept.add(run)
        n_paths += part.n_paths
        del part, chunk  # the chunk's curve, schedules and indices go before the next chunk is read
        if progress is not None:
            progress(done, total_chunks or done)
    if dates is None:
        raise DataError("no chunks of paths to backtest; give at least one chunk")
    return BacktestResult(tuple(p.joined() for p in pieces), n_paths, dates, source)
