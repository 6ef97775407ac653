"""Backtests: several roll strategies on one curve, side by side.

:func:`backtest` is a loop over :func:`~etfsim.pipeline.run_strategy`: for each
strategy the rule's schedule is applied to the curve, the ER/TR/spot indices
are computed (and the fund run, when terms are given), and the per-path
statistics of :data:`~etfsim.pipeline.STATISTICS` are gathered.  On a Monte
Carlo curve the table reports the mean and the 5-95% range across paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etfsim._format import format_value
from etfsim._io import atomic_path
from etfsim._results import Result
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.pipeline.run import StrategyRun, run_strategy
from etfsim.pipeline.statistics import statistics_of
from etfsim.pipeline.strategy import Strategy, default_strategies, resolve_strategy
from etfsim.roll.rules import RollRule

__all__ = ["BacktestResult", "backtest"]


class BacktestResult(Result):
    """Strategies run on one curve: one :class:`~etfsim.pipeline.StrategyRun` each."""

    results: tuple[StrategyRun, ...]
    n_paths: int
    dates: np.ndarray
    source: str

    def _repr_facts(self) -> dict[str, object]:
        return {
            "source": self.source,
            "strategies": len(self.results),
            "paths": self.n_paths,
            "dates": len(self.dates),
        }

    def summary(self) -> str:
        """The backtest table as text: each statistic's mean across paths, by strategy."""
        d0, d1 = str(self.dates[0])[:10], str(self.dates[-1])[:10]
        lines = [f"BacktestResult: {self.source}, {self.n_paths:,} path(s), {d0} to {d1}"]
        for rows, frame in ((statistics_of("backtest"), self.table()), (statistics_of("fund"), self.fund_table())):
            if frame.empty:
                continue
            width = max(len(str(n)) for n in frame.index)
            lines.append("  " + " " * width + "".join(f" {s.label:>20}" for s in rows))
            for name, row in frame.iterrows():
                cells = "".join(f" {format_value(float(row[s.column]), s.fmt):>20}" for s in rows)
                lines.append(f"  {str(name):<{width}}{cells}")
        return "\n".join(lines)

    def _repr_frame(self) -> pd.DataFrame:
        return self.table()

    def table(self) -> pd.DataFrame:
        """Rows: strategies; columns: each backtest statistic's mean (and its 5% and 95% across paths)."""
        rows = {}
        for r in self.results:
            row: dict[str, float] = {}
            for stat in statistics_of("backtest"):
                col = stat.column
                v = r.stats[col].to_numpy(dtype=float)
                finite = v[np.isfinite(v)]
                row[col] = float(finite.mean()) if finite.size else np.nan
                if self.n_paths > 1:
                    lo, hi = np.percentile(finite, [5, 95]) if finite.size else (np.nan, np.nan)
                    row[f"{col}_p5"], row[f"{col}_p95"] = float(lo), float(hi)
            rows[r.strategy.name] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def fund_table(self) -> pd.DataFrame:
        """Rows: strategies run with a fund; columns: the fund statistics' means across paths."""
        rows = {}
        for r in self.results:
            if r.fund_stats is None:
                continue
            rows[r.strategy.name] = {
                s.column: float(np.nanmean(r.stats[s.column].to_numpy(dtype=float))) for s in statistics_of("fund")
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_frame(self, paths: Sequence[int] | None = None) -> pd.DataFrame:
        """Long table of index levels: ``strategy, path, date, er, tr, spot`` (all paths or some)."""
        if any(r.index.n_paths != self.n_paths for r in self.results):
            raise DataError(
                "this backtest ran in chunks of paths and kept no index levels; "
                "run backtest_chunks with keep_levels=True to write them"
            )
        if paths is not None:
            wanted = np.asarray(paths).reshape(-1)
            if wanted.size and (wanted.dtype.kind not in "iu" or ((wanted < 0) | (wanted >= self.n_paths)).any()):
                # a negative index would silently pick a path from the end and label it -1
                raise DataError(f"paths must be path numbers from 0 to {self.n_paths - 1}, got {list(paths)!r}")
        frames = []
        for r in self.results:
            sel = np.arange(r.index.er.shape[0]) if paths is None else np.asarray(paths, dtype=np.int64)
            n = r.index.er.shape[1]
            frames.append(
                pd.DataFrame(
                    {
                        "strategy": r.strategy.name,
                        "path": np.repeat(sel.astype(np.int32), n),
                        "date": np.tile(np.asarray(r.index.dates).astype("datetime64[ns]"), len(sel)),
                        "er": r.index.er[sel].reshape(-1),
                        "tr": r.index.tr[sel].reshape(-1),
                        "spot": r.index.spot[sel].reshape(-1),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def stats_frame(self) -> pd.DataFrame:
        """Per-path statistics of every strategy: ``strategy, path`` and the backtest statistics."""
        frame = pd.concat(
            [r.index_stats.reset_index().assign(strategy=r.strategy.name) for r in self.results], ignore_index=True
        )
        return frame[["strategy", "path", *[s.column for s in statistics_of("backtest")]]]

    def fund_stats_frame(self) -> pd.DataFrame:
        """Per-path fund statistics of every strategy run with a fund: ``strategy, path`` and the fund statistics."""
        frames = [
            r.fund_stats.reset_index().assign(strategy=r.strategy.name)
            for r in self.results
            if r.fund_stats is not None
        ]
        if not frames:
            return pd.DataFrame(columns=["strategy", "path", *[s.column for s in statistics_of("fund")]])
        frame = pd.concat(frames, ignore_index=True)
        return frame[["strategy", "path", *[s.column for s in statistics_of("fund")]]]

    def _write(self, frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        described = {r.strategy.name: r.strategy.describe() for r in self.results}
        meta = {b"etfsim": pd.Series(described).to_json().encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        return Path(path)

    def to_parquet(self, path: str | os.PathLike[str], paths: Sequence[int] | None = None) -> Path:
        """Write :meth:`to_frame` to Parquet (atomically), with the strategies in the metadata."""
        return self._write(self.to_frame(paths), path)

    def stats_to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`stats_frame` to Parquet (atomically)."""
        return self._write(self.stats_frame(), path)


def backtest(
    curve: FuturesCurve,
    strategies: Sequence[Strategy | RollRule | str | os.PathLike[str]] | None = None,
    collateral_rate: float | pd.Series = 0.0,
    missing: str = "raise",
    progress: Callable[[int, int], None] | None = None,
    fund: FundConfig | None = None,
    demand: InvestorDemand | pd.Series | None = None,
    use_strategy_funds: bool = False,
    contract: ContractSpec | None = None,
    summarise: bool = False,
) -> BacktestResult:
    """Run each strategy's roll rule on ``curve`` and compute its indices and statistics.

    Parameters
    ----------
    curve : FuturesCurve
        Simulated or real futures prices.
    strategies : sequence, optional
        Strategy objects, rule objects, TOML paths, strategy names or rule
        names; default: every built-in strategy (and ``$ETFSIM_STRATEGIES``'s).
    collateral_rate : float or Series
        T-bill rate for the total-return index (see :func:`etfsim.index.compute_index`).
    missing : {"raise", "previous"}
        How the index treats a held contract with no print.
    progress : callable, optional
        ``progress(done, total)`` after each strategy.
    fund : FundConfig, optional
        Run every strategy as an ETF with these terms (and ``demand``).
    demand : InvestorDemand or Series, optional
        Investor demand for ``fund``.
    use_strategy_funds : bool
        Run the strategies whose files carry a ``[fund]`` section with their own terms.
    contract : ContractSpec, optional
        Contract terms for the fund when the curve does not carry them.
    summarise : bool
        Reduce each fund path by path instead of recording its daily ledger
        (:func:`etfsim.fund.summary.summarise_fund`: the same statistics in a
        fraction of the memory; the runs' ``fund`` is then a ``FundSummary``).
    """
    items = default_strategies() if strategies is None else [resolve_strategy(s) for s in strategies]
    if not items:
        raise ConfigError("give at least one strategy")
    names = [s.name for s in items]
    if len(set(names)) != len(names):
        raise ConfigError(f"strategy names must be distinct, got {names}")
    contango = None
    results = []
    for i, strat in enumerate(items):
        terms = fund if fund is not None else (strat.fund if use_strategy_funds else None)
        flows = demand if fund is not None else strat.demand
        run = run_strategy(
            curve, strat, terms, flows, collateral_rate=collateral_rate, contract=contract, contango=contango,
            missing=missing, summarise=summarise,
        )  # fmt: skip
        contango = run.stats["contango_share"].to_numpy()  # a property of the curve: computed once
        results.append(run)
        if progress is not None:
            progress(i + 1, len(items))
    src = str(curve.metadata.get("scenario") or curve.metadata.get("model") or curve.metadata.get("source") or "curve")
    return BacktestResult(tuple(results), curve.n_paths, np.asarray(curve.dates), src)
