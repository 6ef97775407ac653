"""``simulate_fund``: a roll schedule on a curve, run as an ETF with a daily ledger.

The ledger itself is the numba kernel in :mod:`etfsim.fund.ledger`; this
module prepares its inputs (collateral returns, demand, contract terms),
turns its status codes into errors or recorded refusals, and wraps the arrays
in a :class:`FundResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etfsim._numba import readonly
from etfsim._random import path_generators
from etfsim.contracts.spec import CONTRACTS, ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.fund import ledger as _ledger
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.index.collateral import collateral_rates, tbill_returns
from etfsim.index.levels import IndexResult, compute_index
from etfsim.roll.schedule import RollSchedule, next_slot_map

__all__ = [
    "FIELDS",
    "FundResult",
    "LedgerInputs",
    "ledger_inputs",
    "raise_unpriced",
    "resolve_contract",
    "simulate_fund",
]

FIELDS = (
    "nav",
    "shares",
    "cash",
    "fees",
    "commission",
    "spread_cost",
    "impact_cost",
    "creations",
    "redemptions",
    "premium_arb",
    "pnl",
    "interest",
    "margin",
    "notional",
)
"""Rows of the kernel's ``out`` array, in order."""


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


def _day(dates: np.ndarray, t: int) -> str:
    return str(dates[t])[:19].replace("T00:00:00", "")


def _demand(flows: object, curve: FuturesCurve, start: int) -> tuple[np.ndarray, np.ndarray, InvestorDemand]:
    """Demand as (fraction of NAV, dollars) arrays ``(paths, dates)`` and the premium dynamics."""
    p, n = curve.n_paths, curve.n_dates
    frac = np.zeros((p, n))
    dollars = np.zeros((p, n))
    if flows is None:
        return frac, dollars, InvestorDemand(volatility=0.0)
    if isinstance(flows, InvestorDemand):
        first = curve.first_path  # path i draws the same demand in any chunk
        for i, g in enumerate(path_generators(flows.seed, range(first, first + p))):
            g.standard_normal(out=frac[i])  # mean + volatility * z, formed in place
            frac[i] *= flows.volatility
            frac[i] += flows.mean
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
    dollars[:] = arr
    return frac, dollars, InvestorDemand(volatility=0.0, persistence=0.0)


@dataclass(frozen=True, eq=False)
class FundResult:
    """The fund's daily ledger on every path.

    Arrays are ``(paths, dates)`` (``positions`` is ``(paths, dates, depth)``),
    NaN before inception.  ``status`` holds the ledger's bit flags
    (:data:`etfsim.fund.ledger.STATUS`).
    """

    dates: np.ndarray
    contracts: np.ndarray
    start: int
    config: FundConfig
    contract: ContractSpec
    fields: dict[str, np.ndarray]
    positions: np.ndarray
    status: np.ndarray
    market_price: np.ndarray
    premium: np.ndarray
    split_factor: np.ndarray
    index: IndexResult
    rule: str

    @property
    def n_paths(self) -> int:
        return int(self.status.shape[0])

    @property
    def nav(self) -> np.ndarray:
        return self.fields["nav"]

    @property
    def nav_per_share(self) -> np.ndarray:
        return self.fields["nav"] / self.fields["shares"]

    @property
    def nav_per_share_adjusted(self) -> np.ndarray:
        """NAV per share in launch shares (reverse splits undone), for returns."""
        return self.nav_per_share / self.split_factor

    @property
    def halted(self) -> np.ndarray:
        return (self.status & _ledger.HALTED_BITS) != 0

    @property
    def costs(self) -> np.ndarray:
        """Trading costs of the day: commission, half-spread and impact."""
        f = self.fields
        return f["commission"] + f["spread_cost"] + f["impact_cost"]

    def daily_frame(self, path: int = 0) -> pd.DataFrame:
        """One path's ledger by date (from inception)."""
        sl = slice(self.start, None)
        f = self.fields
        st = self.status[path, sl]
        frame = pd.DataFrame(
            {
                "nav": f["nav"][path, sl],
                "nav_per_share": self.nav_per_share[path, sl],
                "market_price": self.market_price[path, sl],
                "premium": self.premium[path, sl],
                "shares": f["shares"][path, sl],
                "cash": f["cash"][path, sl],
                "tbills": f["cash"][path, sl] - f["margin"][path, sl],
                "margin": f["margin"][path, sl],
                "notional": f["notional"][path, sl],
                "pnl": f["pnl"][path, sl],
                "interest": f["interest"][path, sl],
                "fees": f["fees"][path, sl],
                "commission": f["commission"][path, sl],
                "spread_cost": f["spread_cost"][path, sl],
                "impact_cost": f["impact_cost"][path, sl],
                "costs": self.costs[path, sl],
                "creations": f["creations"][path, sl],
                "redemptions": f["redemptions"][path, sl],
                "halted": (st & _ledger.HALTED_BITS) != 0,
                "status": [self.describe_status(int(s)) for s in st],
                "index_tr": self.index.tr[path if self.index.tr.shape[0] > 1 else 0, sl],
            },
            index=pd.DatetimeIndex(np.asarray(self.dates)[sl], name="date"),
        )
        return frame

    @property
    def daily(self) -> pd.DataFrame:
        """The ledger as a DataFrame: by date for one path, by (path, date) for several."""
        if self.n_paths == 1:
            return self.daily_frame(0)
        return pd.concat({p: self.daily_frame(p) for p in range(self.n_paths)}, names=["path", "date"])

    def positions_frame(self, path: int = 0) -> pd.DataFrame:
        """Contracts held after each close, by real contract: ``date, contract, contracts``."""
        pos = self.positions[path]
        t, s = np.nonzero(np.nan_to_num(pos) != 0)
        return pd.DataFrame(
            {"date": np.asarray(self.dates)[t], "contract": np.asarray(self.contracts)[t, s], "contracts": pos[t, s]}
        )

    @staticmethod
    def describe_status(code: int) -> str:
        """Words for a status code ('' when the day was ordinary)."""
        return "; ".join(text for bit, text in _ledger.STATUS.items() if code & bit)

    def summary(self, path: int = 0) -> str:
        from etfsim.fund.metrics import fund_metrics

        m = fund_metrics(self).iloc[path]
        lines = [
            f"FundResult: rule {self.rule!r}, {self.n_paths} path(s), inception {_day(self.dates, self.start)}",
            f"  NAV {m['nav_start']:,.0f} -> {m['nav_end']:,.0f}; NAV/share {m['navps_start']:.4f} -> {m['navps_end']:.4f}",
            f"  NAV return / yr        {m['nav_return']:+.2%}   index TR / yr {m['index_tr_return']:+.2%}",
            f"  tracking difference/yr {m['tracking_difference']:+.3%}   tracking error {m['tracking_error']:.3%}",
            f"  fees {m['fees']:,.0f}   trading {m['trading_costs']:,.0f}   impact {m['impact_costs']:,.0f}",
            f"  days at premium {m['days_premium']:,.0f}, at discount {m['days_discount']:,.0f}; "
            f"creation halts on {m['halted_days']:,.0f} days",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


_PARAM_ORDER = (
    "nav0",
    "shares0",
    "expense",
    "cu",
    "fee_c",
    "fee_r",
    "commission",
    "half_spread",
    "impact",
    "limit_month",
    "limit_all",
    "account",
    "spread",
    "rs_below",
    "rs_ratio",
    "fractional",
    "capacity",
    "ap_spread",
    "persistence",
    "d_impact",
    "chase",
    "chase_window",
    "margin",
    "band",
)


def _params(cfg: FundConfig, demand: InvestorDemand) -> np.ndarray:
    inf = np.inf
    values: dict[str, float] = {
        "nav0": cfg.nav_per_share * cfg.initial_shares,
        "shares0": cfg.initial_shares,
        "expense": cfg.expense_ratio,
        "cu": float(cfg.creation_unit),
        "fee_c": cfg.creation_fee,
        "fee_r": cfg.redemption_fee,
        "commission": cfg.commission,
        "half_spread": cfg.half_spread_ticks,
        "impact": cfg.impact_coefficient,
        "limit_month": inf if cfg.position_limit is None else cfg.position_limit,
        "limit_all": inf if cfg.all_months_limit is None else cfg.all_months_limit,
        "account": inf if cfg.accountability_level is None else cfg.accountability_level,
        "spread": 1.0 if cfg.limit_response == "spread" else 0.0,
        "rs_below": 0.0 if cfg.reverse_split_below is None else cfg.reverse_split_below,
        "rs_ratio": float(cfg.reverse_split_ratio),
        "fractional": 1.0 if cfg.fractional_contracts else 0.0,
        "capacity": float(cfg.ap_capacity_units),
        "ap_spread": cfg.ap_spread,
        "persistence": demand.persistence,
        "d_impact": demand.impact,
        "chase": demand.chase,
        "chase_window": float(demand.chase_window),
        "margin": cfg.initial_margin,
        "band": cfg.rebalance_band,
    }
    return np.array([values[k] for k in _PARAM_ORDER], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class LedgerInputs:
    """What the ledger kernels take, prepared once from a curve, a schedule and fund terms."""

    config: FundConfig
    contract: ContractSpec
    dates: np.ndarray
    start: int
    index: IndexResult
    args: tuple  # the kernels' leading arguments, prices to demand in dollars


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
    q0 = schedule.weights[0, start]
    f0 = curve.prices[0, start]
    held = q0 > 0
    if held.any():
        cfg.check_limits(spec.multiplier, float(np.nanmax(np.abs(f0[held]))))
    if index is None:
        index = compute_index(curve, schedule, collateral_rate=cfg.collateral_rate)
    rates = collateral_rates(cfg.collateral_rate, dates, start)
    tbr = np.zeros(curve.n_dates)
    fee_share = np.zeros(curve.n_dates)  # the day's fee as a share of pre-fee net assets: x / (1 + x)
    if curve.n_dates > 1:
        tbr[1:] = np.nan_to_num(tbill_returns(rates, dates))
        x = cfg.expense_ratio * np.diff(dates.astype("datetime64[D]")).astype(np.int64) / 365.0
        fee_share[1:] = x / (1.0 + x)
    frac, dollars, demand = _demand(flows, curve, start)
    rank = (
        np.broadcast_to(np.arange(curve.depth), (curve.n_dates, curve.depth)) if slots is None else np.maximum(slots, 0)
    )
    volume = np.ascontiguousarray(cfg.daily_volume * cfg.volume_decay ** rank.astype(np.float64))
    ref = np.ones((1, 1))  # volume fixed in contracts
    if cfg.volume_follows_price:
        # the ledger scales volume by launch price / today's price of the spot (or the front contract)
        ref = np.ascontiguousarray(curve.spot if curve.spot is not None else curve.prices[:, :, 0])
    nxt = next_slot_map(np.asarray(curve.contracts))
    args = (
        readonly(np.ascontiguousarray(curve.prices)),
        readonly(np.ascontiguousarray(schedule.weights)),
        readonly(nxt),
        start,
        readonly(tbr),
        readonly(fee_share),
        readonly(volume),
        readonly(ref),
        float(spec.multiplier),
        float(spec.tick),
        readonly(_params(cfg, demand)),
        readonly(frac),
        readonly(dollars),
    )
    return LedgerInputs(cfg, spec, dates, start, index, args)


def raise_unpriced(
    curve: FuturesCurve, code: int, path: int, t: int, held: np.ndarray, weights: np.ndarray | None = None
) -> None:
    """Turn the ledger's stop on ``path`` at date ``t`` into a clear error.

    ``held``: contracts at the close of ``t - 1``; ``weights``: the schedule's weights on ``t``.
    """
    dates = np.asarray(curve.dates)
    on = f" on path {path}" if curve.n_paths > 1 else ""
    if code == _ledger.NO_PRICE_TO_BUY and weights is not None:
        wanted = np.nonzero((weights > 0) & np.isnan(curve.prices[path, t]))[0]
        names = ", ".join(str(curve.contracts[t, s]) for s in wanted)
        raise DataError(
            f"no price on {_day(dates, t)}{on} for {names}, which the roll schedule buys that day; "
            "fill the gap in the curve"
        )
    slots = np.nonzero(np.nan_to_num(held) != 0)[0]
    names = ", ".join(str(curve.contracts[t - 1, s]) for s in slots)
    if code == _ledger.LEFT_CURVE:
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
        Multiplier and tick; default from the curve's metadata.
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
    """
    inputs = ledger_inputs(curve, schedule, config, flows, contract, slots, index)
    cfg, spec, dates, start, index = inputs.config, inputs.contract, inputs.dates, inputs.start, inputs.index
    p, n, k = curve.prices.shape
    pos = np.empty((p, n, k))  # the kernel blanks each path's row before it runs it
    out = np.empty((len(FIELDS), p, n))
    status = np.empty((p, n), dtype=np.int64)
    none = np.empty((0, 0))  # no per-path reduction: the index, years and keep are not read
    no_keep = readonly(np.empty(0, dtype=np.int64))
    stopped = _ledger.fund_ledger(*inputs.args, pos, out, status, none, none, no_keep, readonly(none), 1.0, 0.0)
    if stopped >= 0:
        t = int(np.argmax(status[stopped] < 0))
        w = inputs.args[1]
        held = pos[stopped, t - 1] if t > 0 else np.zeros(k)
        raise_unpriced(curve, int(status[stopped, t]), stopped, t, held, w[0 if w.shape[0] == 1 else stopped, t])
    fields = {name: out[i] for i, name in enumerate(FIELDS)}
    splits = (status & _ledger.REVERSE_SPLIT) != 0
    # a running product, not ratio ** count: numpy's power takes a slow path for whole exponents
    split_factor = np.where(splits, float(cfg.reverse_split_ratio), 1.0).cumprod(axis=1)
    split_factor[:, :start] = np.nan
    navps = fields["nav"] / fields["shares"]
    # the market closes after the settlement that strikes NAV: a share of tomorrow's futures move is in today's price
    next_move = np.zeros((p, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        next_move[:, :-1] = np.nan_to_num(fields["pnl"][:, 1:] / fields["nav"][:, :-1])
    market = navps * (1.0 + np.nan_to_num(fields["premium_arb"])) * (1.0 + cfg.post_settlement_share * next_move)
    premium = market / navps - 1.0
    return FundResult(
        dates=dates,
        contracts=np.asarray(curve.contracts),
        start=start,
        config=cfg,
        contract=spec,
        fields=fields,
        positions=pos,
        status=status,
        market_price=market,
        premium=premium,
        split_factor=split_factor,
        index=index,
        rule=schedule.rule,
    )
