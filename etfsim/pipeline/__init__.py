"""The pipeline stage: strategies, one call that runs a strategy on a curve, the statistics table, backtests.

``strategy`` reads strategy files (built-in ones ship in the package);
``run`` is rule -> schedule -> index -> fund -> statistics, written once
(:func:`run_strategy`); ``statistics`` is the declarative table of per-path
statistics every table and sheet reads; ``backtest`` loops over strategies;
``chunked`` runs a backtest chunk by chunk of paths in bounded memory.
"""

from etfsim.pipeline.backtest import BacktestResult, backtest
from etfsim.pipeline.chunked import backtest_chunks
from etfsim.pipeline.run import StrategyRun, run_strategy
from etfsim.pipeline.statistics import STATISTICS, Statistic, compute_statistics, statistic, statistics_of
from etfsim.pipeline.strategy import (
    STRATEGIES_ENV,
    Strategy,
    builtin_strategy_folder,
    default_strategies,
    load_strategy,
    resolve_strategy,
    strategy_files,
    strategy_from_rule,
)

__all__ = [
    "STATISTICS",
    "STRATEGIES_ENV",
    "BacktestResult",
    "Statistic",
    "Strategy",
    "StrategyRun",
    "backtest",
    "backtest_chunks",
    "builtin_strategy_folder",
    "compute_statistics",
    "default_strategies",
    "load_strategy",
    "resolve_strategy",
    "run_strategy",
    "statistic",
    "statistics_of",
    "strategy_files",
    "strategy_from_rule",
]
