"""The pipeline, written once: a strategy on a curve, with a fund if asked, to one frozen result.

:func:`run_strategy` is rule -> schedule -> index -> fund -> statistics.  The
backtest, the main job (:func:`etfsim.report.run_study`) and the Monte Carlo
chunk (:func:`etfsim.sweep.run_chunk`) are loops over it.

On a :class:`~etfsim.curves.model_curve.ModelCurve` (factor paths, prices on
demand) the rule's schedule is computed first and only the contracts it
touches are priced (two or three a day for a GSCI roll instead of 24); a rule
that reads prices prices the rest once, inside.  The index and the ledger
then run on that shallow curve unchanged.

The fund runs in one of two modes: ``summarise=False`` records its daily
ledger on every path (:class:`~etfsim.fund.FundResult`);
``summarise=True`` reduces each path to its figures before the next
(:class:`~etfsim.fund.summary.FundSummary`), so ten thousand paths keep ten
thousand rows and no ``(paths, dates)`` arrays.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from etfsim._format import format_value
from etfsim._results import Result
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.launch_groups import LaunchGroups
from etfsim.curves.market_curve import MarketCurve
from etfsim.curves.model_curve import ModelCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.fund.config import DemandOnPaths, FundConfig, InvestorDemand
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.metrics import fund_metrics
from etfsim.fund.summary import FundSummary, summarise_fund
from etfsim.index.levels import IndexResult, compute_index
from etfsim.pipeline.statistics import STATISTICS, Sources, compute_statistics, statistics_of
from etfsim.pipeline.strategy import Strategy, resolve_strategy
from etfsim.roll.generations import Generations
from etfsim.roll.optimum_yield import OptimumYield
from etfsim.roll.restrict import restrict
from etfsim.roll.rules import RollRule, roll_schedule
from etfsim.roll.schedule import RollSchedule

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["StrategyRun", "check_study_size", "run_strategy", "study_memory"]

# Measured on the default compute market (8 strategies, 7 legs, 2,512 dates): 1.07 GB of memory at 50
# paths and 1.88 GB at 400, so about 62 bytes a path, date and strategy or leg above a gigabyte for the
# program itself; rounded up, so the estimate errs on the safe side.
_BASE_BYTES = 1.2e9
_BYTES_PER_PATH_DATE_STRATEGY = 70.0


class StrategyRun(Result):
    """One strategy run on one curve: its schedule, index, fund and per-path statistics.

    Attributes
    ----------
    strategy : Strategy
        What ran.
    curve : FuturesCurve or None
        The prices it ran on: the curve given, or, for a model curve, only the
        contracts the schedule touches; None when the run was asked not to
        keep them (``keep_curve=False``: a loop over many strategies on one
        model curve keeps only the one it reports on).
    schedule : RollSchedule
        The rule's quantity weights on ``curve``.
    slots : ndarray or None
        For a restricted curve, each slot's place on the full listing ``(dates, m)``.
    index : IndexResult
        ER, TR and spot index (at the run's collateral rate).
    fund : FundResult, FundSummary or None
        The fund's daily ledger, or its per-path reduction, when fund terms were given.
    stats : DataFrame
        One row per path: the index statistics of :data:`~etfsim.pipeline.STATISTICS`,
        then the fund's when a fund ran.
    """

    strategy: Strategy
    curve: FuturesCurve | None
    schedule: RollSchedule
    slots: np.ndarray | None
    index: IndexResult
    fund: FundResult | FundSummary | None
    stats: pd.DataFrame

    @property
    def name(self) -> str:
        return self.strategy.name

    @property
    def n_paths(self) -> int:
        return len(self.stats)

    @property
    def index_stats(self) -> pd.DataFrame:
        """The backtest table's statistics, one row per path."""
        return self.stats[[s.column for s in statistics_of("backtest")]]

    @property
    def fund_stats(self) -> pd.DataFrame | None:
        """The fund table's statistics, one row per path (None without a fund)."""
        if self.fund is None:
            return None
        return self.stats[[s.column for s in statistics_of("fund")]]

    def on_paths(self, first: int, stop: int) -> tuple[FuturesCurve, RollSchedule]:
        """The run's curve and schedule on paths ``first .. stop - 1`` (e.g. to record one path's ledger).

        The curve keeps the paths' own random streams, so investor demand on a
        path is the same as in the whole run.
        """
        if self.curve is None:
            raise DataError(f"the run of {self.name!r} did not keep its curve; run it with keep_curve=True")
        if not 0 <= first < stop <= self.n_paths:
            raise DataError(f"paths {first} to {stop - 1} are not all on the run's {self.n_paths} paths")
        # the selection's first_path is the run's index of path `first`: InvestorDemand draws path i from its own stream
        part = self.curve.select(paths=list(range(first, stop)))
        schedule = self.schedule
        if not schedule.shared:  # a rule that decides path by path: keep these paths' weights
            schedule = replace(schedule, weights=schedule.weights[first:stop])
        return part, schedule

    def _repr_facts(self) -> dict[str, object]:
        return {
            "strategy": self.name,
            "paths": self.n_paths,
            "dates": len(self.index.dates),
            "slots": "not kept" if self.curve is None else self.curve.depth,
            "fund": "none" if self.fund is None else type(self.fund).__name__,
        }

    def summary(self) -> str:
        """The strategy, its curve and the mean (and 5-95% range) of each statistic across paths."""
        d0, d1 = str(self.index.dates[0])[:10], str(self.index.dates[-1])[:10]
        lines = [
            f"StrategyRun {self.name!r}: {self.strategy.describe()}",
            f"  {self.n_paths:,} path(s), {d0} to {d1}, rule {self.schedule.rule}"
            + ("" if self.fund is None else f", fund ({type(self.fund).__name__})"),
        ]
        for stat in STATISTICS:
            if stat.column not in self.stats:
                continue
            v = self.stats[stat.column].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            if not v.size:
                continue
            text = format_value(float(v.mean()), stat.fmt)
            if self.n_paths > 1:
                lo, hi = np.percentile(v, [5, 95])
                text += f"  (5-95%: {format_value(float(lo), stat.fmt)} to {format_value(float(hi), stat.fmt)})"
            lines.append(f"  {stat.label:<24} {text}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The per-path statistics (one row per path)."""
        return self.stats

    def plot(self, ax: Axes | None = None, path: int = 0) -> Axes:
        """The ER, TR and spot index of one path (see :meth:`etfsim.index.IndexResult.plot`)."""
        from etfsim._charts import title_above_legend

        ax = self.index.plot(ax=ax, path=path)
        on = f", path {path}" if self.n_paths > 1 else ""
        title_above_legend(ax, f"{self.name}: index levels (base {self.index.base:g}){on}")
        return ax


def study_memory(scenario: object, paths: int, strategies: int) -> float:
    """Bytes of memory the main job (:func:`etfsim.report.run_study`) needs, about, for ``paths`` paths.

    Every path is in memory at once there (factor paths, each strategy's
    schedule, index and fund figures), so memory grows with paths x dates x
    strategies; the constants are measured on the default run.
    """
    from etfsim.curves.simulate import simulation_grid

    legs = getattr(scenario, "legs", None)
    contract = legs[0].contract if legs else getattr(scenario, "contract")  # noqa: B009
    n_dates = len(simulation_grid(contract.calendar, scenario.start, scenario.years, scenario.end))  # type: ignore[attr-defined]
    width = max(strategies, 1) + (len(legs) if legs else 1)  # the legs' factor paths weigh about a strategy each
    return _BASE_BYTES + float(paths) * n_dates * width * _BYTES_PER_PATH_DATE_STRATEGY


def check_study_size(scenario: object, paths: int, strategies: int) -> None:
    """Refuse (ConfigError) a main job whose paths would not fit in the memory available, with the estimate and the fix."""
    from etfsim._io import available_memory, human_bytes
    from etfsim.exceptions import ConfigError

    need, free = study_memory(scenario, paths, strategies), available_memory()
    if need <= free:
        return
    per_path = (study_memory(scenario, 1000, strategies) - study_memory(scenario, 0, strategies)) / 1000
    most = max(int((free - _BASE_BYTES) // per_path), 0)
    raise ConfigError(
        f"{paths:,} paths need about {human_bytes(need)} of memory (the main job holds every path at once), "
        f"but {human_bytes(free)} is available: use --paths {most:,} or fewer, or run the paths in chunks "
        "with etfsim sweep, which keeps each path's figures only"
    )


def _same_rate(a: float | pd.Series, b: float | pd.Series) -> bool:
    if isinstance(a, pd.Series) or isinstance(b, pd.Series):
        return a is b
    return float(a) == float(b)


def market_liquidity(curve: MarketCurve, fund: FundConfig) -> FundConfig:
    """The fund terms with the open interest and volume of what the market curve holds, when its legs give them.

    A market's legs carry their own liquidity (a new contract's open interest
    grows from small), so on a market the fund's scalar ``open_interest`` and
    ``daily_volume`` give way to the legs' paths, in contracts (so
    ``volume_follows_price`` is off).
    """
    paths = curve.liquidity_series()
    if paths is None:
        return fund
    oi, volume = paths
    return replace(fund, open_interest=oi, daily_volume=volume, volume_follows_price=False)


def _contango(given: np.ndarray | Callable[[], np.ndarray]) -> np.ndarray:
    """The per-path contango share: as given, or from the function given (a curve's ``contango_share``)."""
    return np.asarray(given() if callable(given) else given)


def run_strategy(
    curve: FuturesCurve | ModelCurve | MarketCurve | LaunchGroups,
    strategy: Strategy | RollRule | str | os.PathLike[str],
    fund: FundConfig | None = None,
    demand: InvestorDemand | pd.Series | np.ndarray | None = None,
    *,
    collateral_rate: float | pd.Series | None = None,
    contract: ContractSpec | None = None,
    summarise: bool = False,
    keep: np.ndarray | None = None,
    contango: np.ndarray | Callable[[], np.ndarray] | None = None,
    missing: str = "raise",
    keep_curve: bool = True,
) -> StrategyRun:
    """Run one strategy on a curve: schedule, index, fund (optional) and per-path statistics.

    Parameters
    ----------
    curve : FuturesCurve, ModelCurve, MarketCurve or LaunchGroups
        Prices (simulated, or real with ``paths = 1``), or factor paths priced on
        demand; launch groups (a successor chip arriving at a random month) run
        group by group and join in path order, summarised only.
    strategy : Strategy, RollRule, str or path
        A strategy, a rule, a strategy name or TOML file (:func:`~etfsim.pipeline.resolve_strategy`).
    fund : FundConfig, optional
        Fund terms: run the strategy as an ETF.
    demand : InvestorDemand, Series or array, optional
        Investor flows for the fund (see :func:`etfsim.fund.simulate_fund`).
    collateral_rate : float or Series, optional
        T-bill rate of the TR index; default: the fund's, or 0 without a fund.
    contract : ContractSpec, optional
        Contract terms when the curve does not carry them.
    summarise : bool
        Reduce the fund path by path (:func:`etfsim.fund.summary.summarise_fund`)
        instead of recording its daily ledger.
    keep : ndarray, optional
        With ``summarise``: indices of the dates whose NAV per share to keep.
    contango : ndarray or callable, optional
        Per-path contango share if already computed, or a function giving it,
        called when the statistics need it (a loop over strategies on one model
        curve computes it once, on whichever thread first gets there).
    missing : {"raise", "previous"}
        How the index treats a held contract with no print.
    keep_curve : bool
        Keep the priced curve in the result (needed for :meth:`StrategyRun.on_paths`);
        a loop over strategies on a model curve keeps memory down without it.

    Returns
    -------
    StrategyRun
    """
    strat = resolve_strategy(strategy)
    if isinstance(curve, LaunchGroups):
        return _run_launch_groups(
            curve, strat, fund, demand, collateral_rate=collateral_rate, contract=contract, summarise=summarise,
            keep=keep, contango=contango, missing=missing,
        )  # fmt: skip
    if fund is not None and isinstance(curve, MarketCurve):
        fund = market_liquidity(curve, fund)
    rule = strat.rule
    if isinstance(curve, MarketCurve) and curve.generation is not None and not isinstance(rule, Generations):
        # the strategy's rule inside each chip, the curve's moves between chips (its name is the inner rule's)
        rule = cast(RollRule, Generations(rule))
    slots: np.ndarray | None = None
    if isinstance(curve, (ModelCurve, MarketCurve)):
        # a rule that decides path by path hands restrict its (slot, weight) pairs, not a dense weight cube
        pairs = rule.pair_weights(curve) if isinstance(rule, OptimumYield) else None
        priced, schedule, slots = restrict(curve, roll_schedule(curve, rule) if pairs is None else pairs)
        if isinstance(curve, MarketCurve):  # liquidity goes by months to expiry within each chip's contracts
            slots = np.where(slots >= 0, slots % curve.block_depth, -1)
    else:
        priced, schedule = curve, roll_schedule(curve, rule)
    share = curve.contango_share if contango is None else contango  # a bound method keeps the curve it needs
    # a model curve's factor paths are priced out: a caller that handed it over lets them go before the
    # ledger runs (chi, xi, the regime and the spot's running sum: 40 MB of a 500-path chunk)
    del curve
    rate = collateral_rate if collateral_rate is not None else (fund.collateral_rate if fund is not None else 0.0)
    index = compute_index(priced, schedule, collateral_rate=rate, missing=missing)
    result: FundResult | FundSummary | None = None
    metrics: pd.DataFrame | None = None
    years = float("nan")
    if fund is not None:
        # the ledger tracks the index at the fund's own collateral rate: reuse this one only if it is that index
        own = index if missing == "raise" and _same_rate(rate, fund.collateral_rate) else None
        if summarise:
            result = summarise_fund(priced, schedule, fund, demand, contract, slots=slots, index=own, keep=keep)
            metrics = result.metrics
        else:
            result = simulate_fund(priced, schedule, fund, demand, contract, slots=slots, index=own)
            metrics = fund_metrics(result)
        d = np.asarray(result.dates).astype("datetime64[D]")
        years = float((d[-1] - d[result.start]).astype(np.int64)) / 365.0
    stats = compute_statistics(Sources(index, schedule, _contango(share), metrics, years))
    return StrategyRun(strat, priced if keep_curve else None, schedule, slots, index, result, stats)


def _run_launch_groups(
    curve: LaunchGroups,
    strat: Strategy,
    fund: FundConfig | None,
    demand: InvestorDemand | pd.Series | np.ndarray | None,
    *,
    collateral_rate: float | pd.Series | None,
    contract: ContractSpec | None,
    summarise: bool,
    keep: np.ndarray | None,
    contango: np.ndarray | Callable[[], np.ndarray] | None,
    missing: str,
) -> StrategyRun:
    """Each launch group as its own run, the per-path results joined in path order (see
    :mod:`etfsim.curves.launch_groups`).

    The joined run keeps no curve and no slots (each group lists its own); its schedule, and its fund's
    limits in words, are those of the group of path 0.
    """
    if fund is not None and not summarise:
        raise ConfigError(
            "a fund across a random-launch generation is summarised path by path (summarise=True); to record "
            "one path's ledger, run the strategy on that path's launch group (curve.groups[g][1])"
        )
    if demand is not None and not isinstance(demand, InvestorDemand):
        raise ConfigError("demand across a random-launch generation must be an InvestorDemand (drawn path by path)")
    share = _contango(curve.contango_share if contango is None else contango)
    runs = []
    for g, (idx, part) in enumerate(curve.groups):
        d = None if demand is None else DemandOnPaths.of(demand, curve.path_ids(g))
        runs.append(
            run_strategy(
                part,
                strat,
                fund,
                d,
                collateral_rate=collateral_rate,
                contract=contract,
                summarise=summarise,
                keep=keep,
                contango=share[idx],
                missing=missing,
                keep_curve=False,
            )  # fmt: skip
        )
    head = runs[curve.group_of(0)]
    join = curve.in_order
    index = replace(
        head.index, er=join([r.index.er for r in runs]), tr=join([r.index.tr for r in runs]),
        spot=join([r.index.spot for r in runs]),
    )  # fmt: skip
    stats = _frames_in_order(curve, [r.stats for r in runs])
    result: FundSummary | None = None
    if isinstance(head.fund, FundSummary):
        funds = [cast(FundSummary, r.fund) for r in runs]
        metrics = _frames_in_order(curve, [f.metrics for f in funds])
        result = replace(head.fund, metrics=metrics, navps=join([f.navps for f in funds]))
    return StrategyRun(strat, None, head.schedule, None, index, result, stats)


def _frames_in_order(curve: LaunchGroups, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-group frames (one row per path) joined in the chunk's path order, indexed like the first."""
    out = pd.concat(frames, ignore_index=True).iloc[curve.inverse].reset_index(drop=True)
    out.index = pd.RangeIndex(len(out), name=frames[0].index.name)
    return out
