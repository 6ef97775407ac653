"""``simulate_fund``: a roll schedule on a curve, run as an ETF with a daily ledger.

The ledger itself is the numba kernel in :mod:`etfsim.fund.ledger`; this
module prepares its inputs (collateral returns, demand, contract terms),
turns its status codes into errors or recorded refusals, and wraps the arrays
in a :class:`~etfsim.fund.result.FundResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etfsim._numba import readonly
from etfsim._random import path_generators
from etfsim.contracts.spec import CONTRACTS, ContractSpec
from etfsim.curves import pcg64
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.fund import ledger as _ledger
from etfsim.fund.config import DemandOnPaths, FundConfig, InvestorDemand
from etfsim.fund.events import event_arrays
from etfsim.fund.limits import LimitInForce, check_launch, limit_arrays, limits_in_force, room_per_notional
from etfsim.fund.liquidity import liquidity_on
from etfsim.fund.records import LEFT_CURVE, NO_PRICE_TO_BUY, Ledger, LedgerArrays, LedgerTerms
from etfsim.fund.result import FundResult, _day
from etfsim.index.collateral import collateral_rates, tbill_returns
from etfsim.index.levels import IndexResult, compute_index
from etfsim.index.leverage import daily_objective
from etfsim.roll.schedule import RollSchedule, next_slot_map

__all__ = [
    "FundResult",
    "LedgerInputs",
    "ledger_inputs",
    "raise_unpriced",
    "resolve_contract",
    "simulate_fund",
]


def resolve_contract(curve: FuturesCurve, contract: ContractSpec | None) -> ContractSpec:
    """The contract terms of a curve: given, or from its metadata (simulated or a built-in root)."""
    if contract is not None:
        return contract
    meta = curve.metadata.get("contract")
    if isinstance(meta, dict):
        return ContractSpec.from_dict(meta)
    if isinstance(meta, str):
        for spec in CONTRACTS.values():
            if spec.root == meta:
                return spec
    raise ConfigError("the curve does not say which contract it lists; pass contract= a ContractSpec (e.g. etfsim.WTI)")


def _demand(flows: object, curve: FuturesCurve, start: int) -> tuple[np.ndarray, np.ndarray, InvestorDemand]:
    """Demand as (fraction of NAV, dollars) arrays ``(paths or 1, dates)`` and the premium dynamics.

    One row when it is the same on every path (no flows, flows by date): the day loop reads it for all.
    """
    p, n = curve.n_paths, curve.n_dates
    frac = np.zeros((1, n))
    dollars = np.zeros((1, n))
    if flows is None:
        return frac, dollars, InvestorDemand(volatility=0.0)
    if isinstance(flows, InvestorDemand):
        frac = np.empty((p, n))  # every element written below
        first = curve.first_path  # path i draws the same demand in any chunk
        ids = flows.paths if isinstance(flows, DemandOnPaths) else range(first, first + p)
        if len(ids) != p:
            raise DataError(f"demand is drawn on {len(ids)} paths but the curve has {p}; give one path id per path")
        if pcg64.available():  # each path's generator as its four words, stepped by numba: numpy's numbers
            pcg64.standard_normals(pcg64.seed_states(flows.seed, ids), frac)
        else:
            for i, g in enumerate(path_generators(flows.seed, ids)):
                g.standard_normal(out=frac[i])
        frac *= flows.volatility  # mean + volatility * z, formed in place
        frac += flows.mean
        return frac, dollars, flows
    if isinstance(flows, pd.Series):
        idx = pd.DatetimeIndex(pd.to_datetime(flows.index)).to_numpy().astype("datetime64[ns]")
        dates = np.asarray(curve.dates).astype("datetime64[ns]")
        pos = np.searchsorted(dates, idx)
        outside = (pos >= n) | (dates[np.minimum(pos, n - 1)] != idx)
        if outside.any():
            bad = str(idx[np.argmax(outside)])[:10]
            raise DataError(
                f"flows has a date {bad} that is not on the curve ({_day(dates, 0)} to {_day(dates, n - 1)}); "
                "give flows only on the curve's dates"
            )
        values = pd.to_numeric(flows, errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise DataError("flows must be finite dollar amounts (positive = investors buying)")
        if (pos <= start).any():
            raise DataError(f"flows start before the fund's first trading day after inception ({_day(dates, start)})")
        dollars[:, pos] = values[None, :]
        return frac, dollars, InvestorDemand(volatility=0.0, persistence=0.0)
    arr = np.asarray(flows, dtype=float)
    if arr.shape not in ((n,), (p, n)):
        raise DataError(f"flows must be a Series by date, an InvestorDemand, or dollars shaped ({n},) or ({p}, {n})")
    if not np.isfinite(arr).all():
        raise DataError("flows must be finite dollar amounts (positive = investors buying)")
    dollars = np.array(arr.reshape((-1, n)), dtype=np.float64, order="C")  # (1, n) by date, else by path
    return frac, dollars, InvestorDemand(volatility=0.0, persistence=0.0)


def _terms(cfg: FundConfig, demand: InvestorDemand, spec: ContractSpec, redenominated: bool) -> LedgerTerms:
    """The fund's terms as the kernels read them (the limits themselves are arrays by date)."""
    return LedgerTerms(
        nav0=float(cfg.nav_per_share) * float(cfg.initial_shares),
        shares0=float(cfg.initial_shares),
        creation_unit=float(cfg.creation_unit),
        creation_fee=float(cfg.creation_fee),
        redemption_fee=float(cfg.redemption_fee),
        commission=float(cfg.commission),
        commission_rate=float(cfg.commission_rate),
        spread_cost=float(cfg.half_spread_ticks) * float(spec.tick) * float(spec.multiplier),
        impact=float(cfg.impact_coefficient),
        multiplier=float(spec.multiplier),
        leverage=float(cfg.leverage),
        redenominated=redenominated,
        limits_by_date=redenominated or any(term.basis != "contracts" for term in cfg.limits),
        position_limit=np.inf if cfg.position_limit is None else float(cfg.position_limit),
        all_months_limit=np.inf if cfg.all_months_limit is None else float(cfg.all_months_limit),
        accountability_priced=cfg.accountability_level_notional is not None,
        position_priced=cfg.position_limit_notional is not None,
        all_months_dollars=cfg.all_months_limit_notional is not None,
        split_below=0.0 if cfg.reverse_split_below is None else float(cfg.reverse_split_below),
        split_ratio=float(cfg.reverse_split_ratio),
        fractional=bool(cfg.fractional_contracts),
        ap_capacity=float(cfg.ap_capacity_units),
        ap_spread=float(cfg.ap_spread),
        persistence=float(demand.persistence),
        swap_limit=np.inf if cfg.swap_counterparty_limit is None else float(cfg.swap_counterparty_limit),
        variable_fee=bool(cfg.variable_creation_fee),
        at_settlement=bool(cfg.trade_at_settlement),
        invest_next_day=cfg.order_cutoff == "after_settlement",
        halted_persistence=float(
            demand.persistence if demand.halted_persistence is None else demand.halted_persistence
        ),
        demand_impact=float(demand.impact),
        chase=float(demand.chase),
        chase_window=int(demand.chase_window),
        margin_per_contract=float(cfg.initial_margin),
        band=float(cfg.rebalance_band),
    )


def _market(
    cfg: FundConfig, spec: ContractSpec, curve: FuturesCurve, slots: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each slot's multiplier and size, volume and open interest by date, and the total open interest.

    Sizes are in contracts of the base multiplier; volume is in each slot's own
    contracts, open interest in contracts of the base multiplier (its month's
    and, ``total_oi``, all listed months').
    """
    rank = (
        np.broadcast_to(np.arange(curve.depth), (curve.n_dates, curve.depth)) if slots is None else np.maximum(slots, 0)
    )
    mult = spec.multipliers(np.asarray(curve.contracts), np.asarray(curve.expiries))
    size = mult / float(spec.multiplier)
    decay = cfg.volume_decay ** rank.astype(np.float64)
    dates = np.asarray(curve.dates)
    # a path is looked up once per date (a number gives the same products as before paths)
    front_volume = liquidity_on(cfg.daily_volume, dates)[:, None]
    # volume is given in contracts of the base multiplier: a re-denominated month trades as many units in fewer
    volume = np.ascontiguousarray(front_volume * decay / size)
    # the front month's open interest, decaying per month out; the total over the listed months
    front_oi = liquidity_on(cfg.open_interest, dates)
    oi = front_oi[:, None] * decay
    months = float(np.sum(cfg.volume_decay ** np.arange(spec.listed_depth, dtype=np.float64)))
    return mult, size, volume, oi, front_oi * months


@dataclass(frozen=True, eq=False)
class LedgerInputs:
    """What the ledger kernels take, prepared once from a curve, a schedule and fund terms.

    ``arrays`` and ``terms`` are the kernels' named inputs; the rest is what the
    caller needs to wrap their output (dates, inception, the index tracked).
    """

    config: FundConfig
    contract: ContractSpec
    dates: np.ndarray
    start: int
    index: IndexResult
    arrays: LedgerArrays
    terms: LedgerTerms
    limits: tuple[LimitInForce, ...]

    def weights_on(self, path: int, t: int) -> np.ndarray:
        """The schedule's quantity weights of ``path`` on date ``t``."""
        w = self.arrays.weights
        return np.asarray(w[0 if w.shape[0] == 1 else path, t])


def _accruals(
    cfg: FundConfig, dates: np.ndarray, start: int, expense_ratio: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The collateral return of each step into a date, and the day's fee as a share of pre-fee NAV.

    The fee is ``x / (1 + x)``, ``x = ratio * days / 365``, at the ratio of each
    date's own accrual (``expense_ratio``: a dated change counts from its date on).
    """
    n = len(dates)
    tbr, fee_share = np.zeros(n), np.zeros(n)
    if n > 1:
        tbr[1:] = np.nan_to_num(tbill_returns(collateral_rates(cfg.collateral_rate, dates, start), dates))
        ratio = expense_ratio[1:] if cfg.events else cfg.expense_ratio
        x = ratio * np.diff(dates.astype("datetime64[D]")).astype(np.int64) / 365.0
        fee_share[1:] = x / (1.0 + x)
    return tbr, fee_share


def _swap_cost(cfg: FundConfig, dates: np.ndarray, used: bool) -> np.ndarray:
    """The swap's financing spread over each step into a date (``spread * days / 365``; 0 without a swap)."""
    cost = np.zeros(len(dates))
    if used and len(dates) > 1:
        cost[1:] = cfg.swap_spread * np.diff(dates.astype("datetime64[D]")).astype(np.int64) / 365.0
    return cost


def ledger_inputs(
    curve: FuturesCurve,
    schedule: RollSchedule,
    config: FundConfig | None,
    flows: object,
    contract: ContractSpec | None,
    slots: np.ndarray | None,
    index: IndexResult | None,
) -> LedgerInputs:
    """Check the terms against the curve and prepare the kernels' inputs (see :func:`simulate_fund`)."""
    cfg = FundConfig() if config is None else config
    if not isinstance(cfg, FundConfig):
        raise ConfigError("config must be an etfsim FundConfig")
    spec = resolve_contract(curve, contract)
    if schedule.weights.shape[1:] != curve.prices.shape[1:]:
        raise DataError("the schedule was built on another curve; build it with etfsim.roll_schedule(curve, rule)")
    invested = np.asarray(schedule.invested)
    if not invested.any():
        raise DataError(f"the schedule of rule {schedule.rule!r} is never invested")
    dates = np.asarray(curve.dates)
    start = int(np.argmax(invested))
    if cfg.inception is not None:
        incept = np.datetime64(cfg.inception, "D")
        days_d = dates.astype("datetime64[D]")
        if incept < days_d[0] or incept > days_d[-1]:
            raise DataError(f"inception {cfg.inception} is outside the curve ({_day(dates, 0)} to {_day(dates, -1)})")
        start = max(start, int(np.searchsorted(days_d, incept)))
    events = event_arrays(cfg.events, dates, cfg.expense_ratio, cfg.limit_response)
    tbr, fee_share = _accruals(cfg, dates, start, events.expense_ratio)
    frac, dollars, demand = _demand(flows, curve, start)
    mult, size, volume, oi, total_oi = _market(cfg, spec, curve, slots)
    month, every = limit_arrays(cfg, size, mult, oi, total_oi)
    ref = np.ones((1, 1))  # volume fixed in contracts
    if cfg.volume_follows_price:
        # the ledger scales volume by launch price / today's price of the spot (or the front contract)
        ref = np.ascontiguousarray(curve.spot if curve.spot is not None else curve.prices[:, :, 0])
    terms = _terms(cfg, demand, spec, bool((size != 1.0).any()))
    weights = np.asarray(schedule.weights)
    if (size != 1.0).any():
        # the schedule weighs units (GPU-hours); a re-denominated month needs 1 / size as many contracts for them
        weights = weights / size[None]
    weights = readonly(np.ascontiguousarray(weights))
    spread_later = readonly(np.asarray(events.spread_later, dtype=np.bool_))
    swap_on = readonly(np.asarray(events.swap_on, dtype=np.bool_))
    room, limit = room_per_notional(weights, month, every, size, spread_later, swap_on, terms)
    if index is None:
        index = compute_index(curve, schedule, collateral_rate=cfg.collateral_rate)
    swap_cost = _swap_cost(cfg, dates, bool(swap_on.any()))
    # every array read-only: numba counts that in a kernel's type, so the ledger compiles once
    arrays = LedgerArrays(
        prices=readonly(np.ascontiguousarray(curve.prices)),
        weights=weights,
        next_slot=readonly(next_slot_map(np.asarray(curve.contracts))),
        tbill_return=readonly(tbr),
        fee_share=readonly(fee_share),
        volume=readonly(volume),
        volume_ref=readonly(ref),
        demand_frac=readonly(frac),
        demand_dollars=readonly(dollars),
        room_per_notional=readonly(room),
        room_limit=readonly(limit),
        multiplier=readonly(mult),
        size=readonly(size),
        month_limits=readonly(month),
        all_months_limit=readonly(every),
        split_ratio=readonly(events.split_ratio),
        creations_open=readonly(events.creations_open),
        spread_later=spread_later,
        swap_on=swap_on,
        swap_cost=readonly(swap_cost),
    )
    check_launch(cfg, arrays, start)
    index = daily_objective(index, float(cfg.leverage))  # what a leveraged fund tracks (the index itself at 1x)
    limits = limits_in_force(cfg, dates, arrays, start)
    return LedgerInputs(cfg, spec, dates, start, index, arrays, terms, limits)


def raise_unpriced(
    curve: FuturesCurve, code: int, path: int, t: int, held: np.ndarray, weights: np.ndarray | None = None
) -> None:
    """Turn the ledger's stop on ``path`` at date ``t`` into a clear error.

    ``held``: contracts at the close of ``t - 1``; ``weights``: the schedule's weights on ``t``.
    """
    dates = np.asarray(curve.dates)
    on = f" on path {path}" if curve.n_paths > 1 else ""
    if code == NO_PRICE_TO_BUY and weights is not None:
        wanted = np.nonzero((weights > 0) & np.isnan(curve.prices[path, t]))[0]
        names = ", ".join(str(curve.contracts[t, s]) for s in wanted)
        raise DataError(
            f"no price on {_day(dates, t)}{on} for {names}, which the roll schedule buys that day; "
            "fill the gap in the curve"
        )
    slots = np.nonzero(np.nan_to_num(held) != 0)[0]
    names = ", ".join(str(curve.contracts[t - 1, s]) for s in slots)
    if code == LEFT_CURVE:
        raise DataError(
            f"the fund holds {names} at the close of {_day(dates, t - 1)}{on}, but not every one is on the curve "
            f"on {_day(dates, t)}; the roll rule must leave a contract by its last trading day"
        )
    raise DataError(
        f"no price on {_day(dates, t)} or the day before{on} for a contract the fund holds ({names}); "
        "fill the gap in the curve"
    )


def simulate_fund(
    curve: FuturesCurve,
    schedule: RollSchedule,
    config: FundConfig | None = None,
    flows: object = None,
    contract: ContractSpec | None = None,
    slots: np.ndarray | None = None,
    index: IndexResult | None = None,
) -> FundResult:
    """Run a futures ETF on ``curve`` following ``schedule``, with costs, flows and limits.

    Parameters
    ----------
    curve : FuturesCurve
        Prices on one or many paths.
    schedule : RollSchedule
        Quantity weights from :func:`etfsim.roll_schedule` on the same curve.
    config : FundConfig
        Fund terms (default: ``FundConfig()``).
    flows : None, InvestorDemand, Series or array
        Investor demand: ``None`` (no flows), an :class:`InvestorDemand`
        process, a Series of net dollar demand by date, or dollars shaped
        ``(dates,)`` or ``(paths, dates)``.
    contract : ContractSpec, optional
        Multiplier and tick, and any re-denomination (each slot's multiplier by
        date, :meth:`~etfsim.contracts.ContractSpec.multipliers`); default from the
        curve's metadata.
    slots : (dates, depth) int array, optional
        For a curve restricted to the contracts a schedule touches
        (:meth:`etfsim.curves.model_curve.ModelCurve.restrict`): each slot's place
        on the full listing, so liquidity still decays with months to expiry.
    index : IndexResult, optional
        The schedule's index at the fund's collateral rate, if already computed.

    Returns
    -------
    FundResult

    Raises
    ------
    ConfigError
        Bad terms (named, with the fix), or limits below one creation unit.
    DataError
        The fund holds a contract off the curve or without a price, or flows
        fall outside the curve's dates.

    Notes
    -----
    With no costs, fees or flows and fractional contracts, NAV follows the
    total-return index exactly: yesterday's notional equals yesterday's NAV,
    so ``NAV(t)/NAV(t-1) = ER(t)/ER(t-1) + TBR(t)``.

    Counts in the fund's terms (daily volume, open interest, limits in
    contracts, initial margin and half-spread per contract) are in contracts of
    the base multiplier; a re-denominated month with ``m`` times the units
    counts as ``m`` of them, so the same dollars meet the same liquidity and
    limits.  The commission is per contract traded, whatever its size.
    """
    inputs = ledger_inputs(curve, schedule, config, flows, contract, slots, index)
    p, n, k = curve.prices.shape
    ledger = Ledger.empty(p, n)  # the kernel blanks each path's row before it runs it
    pos = np.empty((p, n, k))
    status = np.empty((p, n), dtype=np.int64)
    stopped = _ledger.record_paths(inputs.arrays, inputs.terms, inputs.start, ledger, pos, status)
    if stopped >= 0:
        t = int(np.argmax(status[stopped] < 0))
        held = pos[stopped, t - 1] if t > 0 else np.zeros(k)
        raise_unpriced(curve, int(status[stopped, t]), stopped, t, held, inputs.weights_on(stopped, t))
    return FundResult(
        dates=inputs.dates,
        contracts=np.asarray(curve.contracts),
        start=inputs.start,
        config=inputs.config,
        contract=inputs.contract,
        ledger=ledger.readonly(),
        positions=readonly(pos),
        status=readonly(status),
        index=inputs.index,
        rule=schedule.rule,
        multipliers=inputs.arrays.multiplier,
        limits=inputs.limits,
    )
