"""The main job: one scenario, the standard roll rules, the fund, its stock twin.

:func:`run_study` is what ``etfsim run`` does, as one library call:

1. simulate the scenario's factor paths (all paths form the Monte Carlo
   range; only the contracts each rule touches are ever priced);
2. back-test every strategy in ``strategies/`` (index levels and statistics);
3. run each strategy as an ETF with the headline strategy's fund terms, so
   the rules are compared net of fees, costs and creation halts; the
   *headline path* the fact sheet reports on is the path nearest the median
   on its worst measure of several (NAV return, spot, tracking, halts,
   drawdown, volatility: :mod:`etfsim.report.headline`), so the sheet shows a
   typical outcome, not a lucky or an unlucky one;
4. run the headline fund against an ordinary stock ETF (on a subset of paths:
   the twin simulates a basket of stocks per path), and, on the same paths,
   the headline fund in each structure a filing may choose
   (:func:`etfsim.fund.structure_compare.compare_structures`: 2x, -1x, swaps at
   the limit, a 1940 Act fund, a perpetual future);
5. gather the tables behind the sheets into a :class:`StudyResults`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import asdict, fields
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.launch_groups import LaunchGroups, held_curve
from etfsim.curves.market import Market, MarketPaths
from etfsim.curves.market_curve import MarketCurve
from etfsim.curves.model_curve import ModelCurve
from etfsim.curves.perpetual import Perpetual
from etfsim.curves.protocol import Curve
from etfsim.exceptions import ConfigError, DataError
from etfsim.fund.comparison import Comparison, compare
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.identity import FundIdentity
from etfsim.fund.metrics import premium_discount_by_quarter
from etfsim.fund.stock_twin import StockBasket, StockFundConfig
from etfsim.fund.structure_compare import compare_structures
from etfsim.fund.summary import FundSummary
from etfsim.index.levels import IndexResult, tbill_returns
from etfsim.metrics import annualised_volatility, max_drawdown
from etfsim.pipeline import BacktestResult, Strategy, StrategyRun, default_strategies, resolve_strategy, run_strategy
from etfsim.pipeline.run import market_liquidity
from etfsim.report.facts import ScenarioFacts, StrategyFacts, StudyFacts
from etfsim.report.headline import headline_path
from etfsim.report.market_facts import holding_facts, limit_facts, market_facts
from etfsim.report.recorded import RecordedScenario
from etfsim.report.results import StudyResults
from etfsim.report.roll_calendar import rule_params, upcoming_rolls
from etfsim.report.stats import percentile_fan
from etfsim.scenario import Scenario, read_scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FAN_PERCENTILES", "GROWTH_BASE", "Progress", "Study", "run_study"]

GROWTH_BASE = 10_000.0
"""The hypothetical investment of the growth chart (dollars at inception)."""

FAN_PERCENTILES = (5, 25, 50, 75, 95)
"""Percentiles across paths of the Monte Carlo fan chart."""

Progress = Callable[[str, int], AbstractContextManager[Callable[[int, int], None]]]
"""``progress(stage, total)``: a context manager yielding ``update(done, total)`` (the CLI's progress bar)."""

HeldCurve = FuturesCurve | ModelCurve | MarketCurve | LaunchGroups
"""A curve a strategy runs on: prices held, or priced on demand (one leg's factors, or a market's)."""


@contextlib.contextmanager
def _quiet(_stage: str, _total: int) -> Iterator[Callable[[int, int], None]]:
    yield lambda _done, _total: None


class Study(Result):
    """The main job's live results and the tables behind its sheets.

    Attributes
    ----------
    scenario : Scenario
    curve : Curve
        The simulated factor paths (a model curve: prices on demand).
    backtest : BacktestResult
        Every strategy as an index and as a fund reduced path by path.
    headline : Strategy
        The strategy the fact sheet describes.
    fund : FundResult
        The headline fund's daily ledger on the headline (typical) path only.
    comparison : Comparison
        The headline fund against the stock-ETF twin.
    results : StudyResults
        The tables the sheets are rendered from (what ``etfsim run`` saves).
    """

    scenario: Scenario | Market | RecordedScenario
    curve: Curve
    backtest: BacktestResult
    headline: Strategy
    fund: FundResult
    comparison: Comparison
    results: StudyResults

    def _repr_facts(self) -> dict[str, object]:
        f = self.results.facts
        return {"scenario": f.scenario.name, "paths": f.paths, "strategies": len(f.strategies),
                "headline": f.headline.name, "headline_path": f.headline_path, "as_of": f.as_of}  # fmt: skip

    def summary(self) -> str:
        """What ran, and each strategy's index and fund figures (means across paths)."""
        f = self.results.facts
        head = (
            f"Study {f.scenario.name}: {self.curve.n_paths:,} paths, {len(self.backtest.results)} strategies, "
            f"headline {self.headline.name!r} (path {f.headline_path}), {f.inception} to {f.as_of}"
        )
        return head + "\n" + self.backtest.summary()

    def to_frame(self) -> pd.DataFrame:
        """Each strategy's index and fund figures, means across paths (the rules sheet's figures)."""
        return self.backtest.table().join(self.backtest.fund_table())

    def plot(self, ax: Axes | None = None) -> Axes:
        """The Monte Carlo fan of the headline fund's growth of 10,000, with the headline path."""
        from etfsim._charts import draw_fan, new_axes, title_above_legend

        ax = new_axes() if ax is None else ax
        fan = self.results.nav_fan.drop(columns="date")
        nav = self.results.fund["nav_per_share_adj"].to_numpy(dtype=float)
        fan["headline"] = GROWTH_BASE * nav / nav[0]
        draw_fan(ax, pd.DatetimeIndex(self.results.nav_fan["date"]).to_numpy(), fan, GROWTH_BASE, money=True)
        title_above_legend(
            ax, f"{self.headline.name}: growth of {GROWTH_BASE:,.0f} across {self.curve.n_paths:,} paths"
        )
        return ax


def _plain(obj: Any) -> Any:
    """Frozen config objects as JSON-able dicts (a Series rate is summarised, not stored)."""
    out = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = "by date" if isinstance(v, pd.Series) else v
    return out


def _day(d: object) -> str:
    return str(np.asarray(d, dtype="datetime64[D]"))


def _headline_ledger(fund: FundResult, path: int = 0) -> pd.DataFrame:
    """The fund's daily record on one path, with reverse splits undone for returns.

    ``exposure`` is futures notional over NAV after the close; ``capped`` marks the days a position
    limit cut the contracts the schedule asked for (so exposure fell short of NAV), and ``status``
    keeps every status bit of the day (:data:`etfsim.fund.records.STATUS`).
    """
    s = fund.start
    f = fund.ledger
    exposure, capped = _exposure(fund, path)
    split = fund.split_factor[path, s:]
    ip = path if fund.index.er.shape[0] > 1 else 0
    dates = np.asarray(fund.dates)[s:]
    tbr = np.zeros(len(dates))
    if len(dates) > 1:
        tbr[1:] = tbill_returns(np.asarray(fund.index.collateral_rate)[s:], dates)
    return pd.DataFrame(
        {
            "date": dates.astype("datetime64[ns]"),
            "nav": f.nav[path, s:],
            "shares": f.shares[path, s:],
            "nav_per_share": fund.nav_per_share[path, s:],
            "nav_per_share_adj": fund.nav_per_share_adjusted[path, s:],
            "market_price": fund.market_price[path, s:],
            "market_price_adj": fund.market_price[path, s:] / split,
            "premium": fund.premium[path, s:],
            "cash": f.cash[path, s:],
            "margin": f.margin[path, s:],
            "notional": f.notional[path, s:],
            "fees": f.fees[path, s:],
            "costs": fund.costs[path, s:],
            "creations": f.creations[path, s:],
            "redemptions": f.redemptions[path, s:],
            "halted": fund.halted[path, s:],
            "exposure": exposure,
            "capped": capped,
            "status": np.asarray(fund.status[path, s:], dtype=np.int64),
            "index_er": fund.index.er[ip, s:],
            "index_tr": fund.index.tr[ip, s:],
            "index_spot": fund.index.spot[ip, s:],
            "tbill_return": np.nan_to_num(tbr),
        }
    )


def _holdings(fund: FundResult, curve: FuturesCurve, spec: ContractSpec, path: int = 0) -> pd.DataFrame:
    """Contracts held after each close from inception, by contract: price, notional and weight of NAV.

    The fact sheet's holdings are the report date's rows; the generation mix sums each day's notional
    by contract ``root`` (a market of several legs lists each leg's contracts under its own root).
    """
    s = fund.start
    pos = np.nan_to_num(np.asarray(fund.positions[path, s:], dtype=float))
    t, slot = np.nonzero(pos != 0)
    day = t + s
    held = pos[t, slot]
    price = np.asarray(curve.prices[path], dtype=float)[day, slot]
    notional = held * price * np.asarray(fund.multipliers, dtype=float)[day, slot]  # legs' contracts may differ in size
    nav = np.asarray(fund.ledger.nav[path], dtype=float)[day]
    codes = np.asarray(curve.contracts, dtype=str)[day, slot]
    expiries = np.asarray(curve.expiries)[day, slot].astype("datetime64[D]")
    roots, delivery = _contract_months(spec, codes, expiries)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(nav > 0, notional / nav, np.nan)
    return pd.DataFrame(
        {
            "date": np.asarray(fund.dates)[day].astype("datetime64[ns]"),
            "contract": codes,
            "root": roots,
            "delivery": delivery,
            "last_trade": expiries.astype("datetime64[ns]"),
            "contracts": held,
            "price": price,
            "notional": notional,
            "weight": weight,
        }
    )


def _fund_paths(fund: FundSummary, index: IndexResult) -> pd.DataFrame:
    """Per path: the library's fund metrics, the index attribution and NAV risk figures."""
    m = fund.metrics.reset_index()
    names = {
        "er": "index_log_er",
        "spot": "index_log_spot",
        "term_structure": "index_log_term_structure",
        "collateral": "index_log_collateral",
        "tr": "index_log_tr",
        "er_return": "index_er_return",
    }
    try:
        ann = index.annualised()[list(names)]
    except DataError:  # an index that lost everything on some path has no log attribution
        ann = pd.DataFrame(np.nan, index=range(index.n_paths), columns=list(names))
    ann = ann.reset_index(drop=True).rename(columns=names)
    if len(ann) == 1 and len(m) > 1:
        ann = pd.concat([ann] * len(m), ignore_index=True)
    navps = _navps_to_end(fund)
    dates = np.asarray(fund.dates)[fund.start :]
    extra = pd.DataFrame(
        {
            "nav_volatility": annualised_volatility(navps, dates),
            "nav_max_drawdown": max_drawdown(navps),
            "growth_end": GROWTH_BASE * navps[:, -1] / navps[:, 0],
        }
    )
    return pd.concat([m, ann, extra], axis=1)


def _navps_to_end(fund: FundSummary) -> np.ndarray:
    """NAV per share (splits undone) from inception; a wiped-out fund is worth 0 from its last day on.

    Without this a wiped-out path would be NaN at the end and every mean, percentile and loss count
    would quietly leave it out.  (The ledger stops a path only when it is wiped out.)
    """
    navps = fund.navps[:, fund.start :].copy()
    dead = np.isnan(navps[:, -1])
    navps[dead] = np.where(np.isnan(navps[dead]), 0.0, navps[dead])
    return navps


def _nav_fan(fund: FundSummary) -> pd.DataFrame:
    navps = _navps_to_end(fund)
    fan = percentile_fan(GROWTH_BASE * navps / navps[:, :1], FAN_PERCENTILES)
    frame = pd.DataFrame({f"p{p}": fan[i] for i, p in enumerate(FAN_PERCENTILES)})
    frame.insert(0, "date", np.asarray(fund.dates)[fund.start :].astype("datetime64[ns]"))
    return frame


def _strategy_facts(strat: Strategy, sc: Scenario | Market | RecordedScenario | None = None) -> StrategyFacts:
    held = holding_facts(strat, sc) if isinstance(sc, Market) else None
    return StrategyFacts(strat.name, strat.describe(), strat.rule.name, MappingProxyType(rule_params(strat.rule)), held)


def _run_all(
    curve_of: Callable[[Strategy], HeldCurve],
    items: list[Strategy],
    head: Strategy,
    terms: FundConfig,
    demand: InvestorDemand | None,
    tick: Callable[[int, int], None],
) -> list[StrategyRun]:
    """Every strategy as an index and a fund reduced path by path; the headline keeps its daily NAV per share."""
    # a curve's contango share, once per curve: worked out on the strategies' threads by the first run to need it
    shares: dict[int, np.ndarray] = {}
    locks = {id(curve_of(s)): threading.Lock() for s in items}

    def contango_of(curve: HeldCurve) -> np.ndarray:
        with locks[id(curve)]:
            if id(curve) not in shares:
                shares[id(curve)] = curve.contango_share()
            return shares[id(curve)]

    def one(strat: Strategy) -> StrategyRun:
        curve = curve_of(strat)
        every_day = np.arange(curve.n_dates) if strat.name == head.name else None  # for the fan chart
        # only the headline's priced curve is kept (its path's ledger and the twin run on it): the others'
        # prices would hold several hundred MB to the end of the study for nothing
        return run_strategy(
            curve, strat, terms, demand, summarise=True, keep=every_day, contango=partial(contango_of, curve),
            keep_curve=strat.name == head.name,
        )  # fmt: skip

    # two strategies at a time: the kernels release the GIL, and each strategy is independent; a rule that
    # reads prices (optimum yield) costs several times the others, so it starts first and the other thread
    # runs the rest meanwhile; results keep the strategies' order
    order = sorted(range(len(items)), key=lambda i: not getattr(items[i].rule, "reads_prices", False))
    runs: dict[int, StrategyRun] = {}
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for i, run in zip(order, pool.map(one, [items[i] for i in order]), strict=True):
            runs[i] = run
            tick(len(runs), len(items))
    return [runs[i] for i in range(len(items))]


def _twin_structures_basis(
    head_run: StrategyRun, head: Strategy, terms: FundConfig, demand: InvestorDemand | None, m: int,
    basis: Callable[[], pd.DataFrame] | None, stage: Progress,
) -> tuple[Comparison, pd.DataFrame, pd.DataFrame | None]:  # fmt: skip
    """The stock-ETF twin and the structures on the headline's first ``m`` paths, and the basis (``basis()``).

    The basis's two funds (numba, on two threads) run on a thread of their own while the twin and the
    structures (mostly Python) run here; an error on either side is raised once the other has stopped.
    """
    with ThreadPoolExecutor(max_workers=1) as side:
        basis_job = None if basis is None else side.submit(basis)
        with stage("stock-ETF twin", 1) as tick:
            sub, schedule = head_run.on_paths(0, m)
            comparison = compare(sub, schedule, terms, flows=demand, slots=head_run.slots)
            tick(1, 1)
        with stage("structures side by side", 1) as tick:  # on the twin's paths: one table, one set of paths
            perpetual = None if sub.spot is None else head.perpetual or Perpetual()  # a perpetual tracks the spot
            structures = compare_structures(
                sub, schedule, terms, flows=demand, slots=head_run.slots, perpetual=perpetual
            )
            tick(1, 1)
        if basis_job is None:
            return comparison, structures, None
        with stage("basis between index families", 2) as tick:
            table = basis_job.result()
            tick(2, 2)
        return comparison, structures, table


def _headline_of(sc: Scenario | Market | RecordedScenario, items: list[Strategy], headline: str) -> Strategy:
    """The headline strategy; its one-path ledger, stock twin and snapshot need one listing on every path."""
    head = next(s for s in items if s.name == headline)
    if not isinstance(sc, Market) or head.holding is None:
        return head
    random = [g for g in sc.legs_of(head.holding) if sc.leg(g).random_launch]  # a generation, or a family member
    if random:
        raise ConfigError(
            f"headline {head.name!r} holds {random[0]!r}, which launches at a random month: its one-path ledger, "
            "stock twin and snapshot need one listing on every path; make another strategy the headline "
            "(--headline), or run the paths with etfsim sweep"
        )
    return head


def _curves_of(sc: Scenario | Market | RecordedScenario, n: int, seed: int | None, tick: Callable[[int, int], None]) -> tuple[
    FuturesCurve | ModelCurve | MarketCurve, Callable[[Strategy], HeldCurve], MarketPaths | None
]:  # fmt: skip
    """The study's curve and, per strategy, the curve it holds (a market: its [holding], else the market's)."""
    if isinstance(sc, Market):
        (market,) = list(sc.iter_markets(paths=n, seed=seed, chunk_size=n, progress=tick))
        default = market.curve()
        held: dict[object, HeldCurve] = {}

        def curve_of(strat: Strategy) -> HeldCurve:
            if strat.holding is None:
                return default
            if strat.holding not in held:
                held[strat.holding] = held_curve(market, strat.holding)  # launch groups for a random successor
            return held[strat.holding]

        return default, curve_of, market
    if isinstance(sc, RecordedScenario):  # a recorded history: its paths, not simulated ones
        recorded = sc.curve.select(paths=list(range(n)))
        return recorded, lambda _strat: recorded, None
    (model,) = list(sc.iter_chunks(paths=n, seed=seed, chunk_size=n, lazy_prices=True, progress=tick))
    return model, lambda _strat: model, None


def _basis(
    market: MarketPaths, pair: tuple[str, ...], head: Strategy, terms: FundConfig, demand: InvestorDemand | None,
    tick: Callable[[int, int], None],
) -> pd.DataFrame:  # fmt: skip
    """The headline strategy's rule and fund terms on two index families, same paths: NAV return / yr per path."""

    def one(name: str) -> np.ndarray:
        curve = held_curve(market, name)  # launch groups over a family with a random member
        run = run_strategy(curve, head, terms, demand, summarise=True, contango=np.full(curve.n_paths, np.nan),
                           keep_curve=False)  # fmt: skip
        return np.asarray(run.stats["nav_return"].to_numpy(dtype=float))

    returns = []
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:  # the kernels release the GIL
        for i, ret in enumerate(pool.map(one, pair)):
            returns.append(ret)
            tick(i + 1, len(pair))
    return pd.DataFrame({"path": np.arange(market.n_paths, dtype=np.int64), "label_a": pair[0], "label_b": pair[1],
                         "return_a": returns[0], "return_b": returns[1]})  # fmt: skip


def _study_facts(
    sc: Scenario | Market | RecordedScenario, curve: FuturesCurve, spec: ContractSpec, head: Strategy, terms: FundConfig,
    demand: InvestorDemand | None, bt: BacktestResult, fund: FundResult, hp: int, n: int, m: int,
) -> StudyFacts:  # fmt: skip
    """What the study ran, as the sheets print it and the result folder stores it."""
    as_of = np.asarray(curve.dates)[-1]
    # the sheets state the fund's collateral rate, which the indices and the ledger both use
    rate = terms.collateral_rate if not isinstance(terms.collateral_rate, pd.Series) else sc.collateral_rate
    seed = curve.metadata.get("seed")
    scenario = ScenarioFacts(
        name=sc.name,
        description=sc.description,
        source=sc.source,
        model=sc.model_name if isinstance(sc, (Scenario, RecordedScenario)) else "market",
        seed=None if seed is None else int(seed),
        measure=sc.measure,
        collateral_rate=float(rate),
        start=_day(curve.dates[0]),
        end=_day(as_of),
    )
    return StudyFacts(
        scenario=scenario,
        contract=MappingProxyType(spec.to_dict()),
        headline=_strategy_facts(head, sc),
        fund=MappingProxyType(_plain(terms)),
        demand=None if demand is None else MappingProxyType(_plain(demand)),
        basket=MappingProxyType(asdict(StockBasket())),
        stock_fund=MappingProxyType(asdict(StockFundConfig())),
        strategies=tuple(_strategy_facts(r.strategy, sc) for r in bt.results),
        inception=_day(fund.dates[fund.start]),
        headline_path=hp,
        as_of=_day(as_of),
        paths=int(n),
        compare_paths=m,
        market=market_facts(sc) if isinstance(sc, Market) else None,
        limits=limit_facts(fund, _day(fund.dates[fund.start]), _day(as_of)),
        perpetual=MappingProxyType(asdict(head.perpetual or Perpetual())),
        identity=MappingProxyType((head.identity or FundIdentity()).to_dict()),
    )


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a whole number >= 1, got {value!r}")
    return int(value)


def run_study(
    scenario: Scenario | Market | RecordedScenario | str | os.PathLike[str] | None = None,
    paths: int | None = None,
    seed: int | None = None,
    strategies: Sequence[Strategy | str | os.PathLike[str]] | None = None,
    headline: str = "compute_default",
    compare_paths: int = 200,
    progress: Progress | None = None,
) -> Study:
    """Simulate a scenario, back-test the strategies, run the funds and the stock twin.

    Parameters
    ----------
    scenario : Scenario, Market, path or None
        ``None`` runs the built-in default compute market; a market runs each
        strategy on its ``[holding]`` (default: the market's holding).
    paths, seed : int, optional
        Monte Carlo paths and seed (default: the scenario's).
    strategies : sequence, optional
        Strategies to compare (default: every built-in strategy, see
        :func:`etfsim.pipeline.default_strategies`).
    headline : str
        The strategy the fact sheet describes; its ``[fund]`` and ``[demand]``
        terms run every strategy's fund (defaults when it has none).
    compare_paths : int
        Paths of the stock-ETF comparison (the first ones; at most ``paths``).
    progress : callable, optional
        ``progress(stage, total)`` context manager for progress bars.

    Returns
    -------
    Study
    """
    stage = progress or _quiet
    sc = scenario if isinstance(scenario, (Scenario, Market, RecordedScenario)) else read_scenario(scenario)
    n = _check_count("paths", sc.paths if paths is None else paths)
    _check_count("compare_paths", compare_paths)
    items = default_strategies() if strategies is None else [resolve_strategy(s) for s in strategies]
    if headline not in [s.name for s in items]:
        items.append(resolve_strategy(headline))
    head = _headline_of(sc, items, headline)
    terms = head.fund if head.fund is not None else FundConfig(collateral_rate=sc.collateral_rate)
    demand = head.demand

    with stage(f"simulating {sc.name}", n) as tick:
        model, curve_of, market = _curves_of(sc, n, seed, tick)
    with stage("back-testing and running the funds", len(items)) as tick:
        runs = _run_all(curve_of, items, head, terms, demand, tick)
    basis = None  # the basis between the market's two index families, run beside the twin
    if market is not None and isinstance(sc, Market) and sc.basis:
        basis = partial(_basis, market, sc.basis, head, terms, demand, lambda _i, _n: None)
    head_run = next(r for r in runs if r.name == head.name)
    assert isinstance(head_fund := head_run.fund, FundSummary)  # run with summarise=True
    src = str(model.metadata.get("scenario") or model.metadata.get("model") or "curve")
    bt = BacktestResult(tuple(runs), n, np.asarray(model.dates), src)
    per_path = _fund_paths(head_fund, head_run.index)
    hp = headline_path(per_path)  # typical on every measure at once (etfsim.report.headline)
    # the headline path's full ledger (positions, premium, costs by day): one path, not all of them
    hp_curve, hp_schedule = head_run.on_paths(hp, hp + 1)
    head_curve = curve_of(head)
    assert not isinstance(head_curve, LaunchGroups)  # refused before the simulation (_headline_of)
    # on a market the fund meets the held legs' open interest and volume, as the summarised run did
    head_terms = market_liquidity(head_curve, terms) if isinstance(head_curve, MarketCurve) else terms
    fund = simulate_fund(hp_curve, hp_schedule, head_terms, flows=demand, slots=head_run.slots)
    m = min(n, int(compare_paths))
    comparison, structures, basis_table = _twin_structures_basis(head_run, head, head_terms, demand, m, basis, stage)
    # the headline path with every listed contract, for the snapshot; of successive chips, the one held at the end
    shown, roll_spec = head_curve, fund.contract
    if isinstance(shown, MarketCurve) and len(shown.blocks) > 1:
        last = int(shown.current_block()[-1])  # the next rolls are that chip's contracts
        shown, roll_spec = shown.block_curve(last, from_launch=False), shown.blocks[last].contract
    full = shown.select_paths([hp]).to_curve()
    curve = FuturesCurve(
        full.dates, full.prices, full.contracts, full.expiries, full.spot, None, dict(full.metadata, headline_path=hp)
    )
    spec = fund.contract
    facts = _study_facts(sc, curve, spec, head, head_terms, demand, bt, fund, hp, n, m)
    table = StudyResults(
        facts=facts,
        curve=curve,
        indices=bt.to_frame(paths=[hp]),
        strategy_stats=bt.stats_frame(),
        fund=_headline_ledger(fund, 0),
        holdings=_holdings(fund, hp_curve, spec, 0),
        roll_calendar=upcoming_rolls(head.rule, roll_spec, np.asarray(curve.dates)[-1], curve.depth),
        premium_discount=premium_discount_by_quarter(fund, 0).reset_index().astype({"quarter": str}),
        fund_paths=per_path,
        nav_fan=_nav_fan(head_fund),
        rule_funds=bt.fund_stats_frame(),
        comparison=comparison.table.rename_axis("measure").reset_index(),
        basis=basis_table,
        structures=structures.reset_index(),
    )
    return Study(sc, model, bt, head, fund, comparison, table)


def _exposure(fund: FundResult, path: int) -> tuple[np.ndarray, np.ndarray]:
    """Futures (and swap) notional / NAV after each close from inception, and the days a limit cut the exposure."""
    from etfsim.fund.records import EXPOSURE_CAPPED

    s = fund.start
    nav = np.asarray(fund.ledger.nav[path, s:], dtype=float)
    # a total-return swap holding what a limit cut off is exposure too (0 without one)
    notional = np.asarray(fund.ledger.notional[path, s:] + np.nan_to_num(fund.ledger.swap[path, s:]), dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        exposure = np.where(nav > 0, notional / nav, np.nan)  # a wiped-out fund has no exposure, not an infinite one
    capped = (np.asarray(fund.status[path, s:]) & EXPOSURE_CAPPED) != 0
    return exposure, capped


def _contract_months(spec: ContractSpec, codes: np.ndarray, expiries: np.ndarray) -> tuple[list[str], list[str]]:
    """Each code's root and delivery month (``YYYY-MM``); codes are root + month letter + two-digit year.

    The fund's contract terms read every leg's codes: only the root differs between legs.
    """
    from dataclasses import replace

    known: dict[str, tuple[str, str]] = {}
    for code, expiry in zip(codes, expiries, strict=True):
        if code not in known:
            root = code[:-3] if len(code) > 3 else spec.root
            terms = spec if root == spec.root else replace(spec, root=root)
            known[code] = (root, terms.delivery_month(code, expiry))
    return [known[c][0] for c in codes], [known[c][1] for c in codes]
