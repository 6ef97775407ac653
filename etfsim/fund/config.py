"""Fund terms and investor demand: what turns an index into an ETF.

An exchange-traded fund on futures holds the contracts its roll schedule
names, whole contracts by default, with the rest of its assets in T-bills
earning the collateral rate.  Its **NAV** is that cash plus the day's
variation margin, less the expense ratio accrued on net assets (ACT/365).
Shares trade on an exchange at a **market price** that can stray from NAV:
authorised participants (APs) create shares (bringing cash, for which the fund
buys futures) when the price is above NAV by more than their all-in cost, and
redeem when it is below, in whole creation units.  When an exchange position
limit or accountability level binds, creations stop and the premium is free to
run (USO in April 2020, UNG in 2009).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etfsim._io import read_toml
from etfsim._validate import boolean, date_text, number
from etfsim.exceptions import ConfigError, ScenarioError, UnknownNameError, with_context
from etfsim.fund.events import LIMIT_RESPONSES as EVENT_LIMIT_RESPONSES
from etfsim.fund.events import FundEvent, check_events
from etfsim.fund.liquidity import check_liquidity, liquidity_from_table
from etfsim.fund.structure import check_structure

__all__ = [
    "LIMIT_BASES",
    "LIMIT_NAMES",
    "LIMIT_RESPONSES",
    "FundConfig",
    "InvestorDemand",
    "LimitTerm",
    "fund_from_tables",
    "load_fund",
]

LIMIT_RESPONSES = EVENT_LIMIT_RESPONSES  # how a binding month limit is met (the events module names them)
ORDER_CUTOFFS = ("before_settlement", "after_settlement")
"""What the issuer does when a position limit binds: halt creations, or spread into later months."""

LIMIT_NAMES = ("position_limit", "accountability_level", "all_months_limit")
"""The exchange limits a fund meets, each given one of the :data:`LIMIT_BASES` ways."""

LIMIT_BASES = {"contracts": "", "notional": "_notional", "oi_share": "_oi_share"}
"""How a limit can be given, and the suffix of its key: ``position_limit``, ``position_limit_notional`` ..."""


@dataclass(frozen=True)
class LimitTerm:
    """One exchange limit as the fund's terms give it.

    Attributes
    ----------
    name : str
        ``"position_limit"``, ``"accountability_level"`` or ``"all_months_limit"``.
    basis : str
        ``"contracts"``, ``"notional"`` (dollars of futures notional) or ``"oi_share"``
        (a fraction of the month's open interest; all months: of the total).
    value : float
        The limit in that basis, as given.
    """

    name: str
    basis: str
    value: float

    @property
    def key(self) -> str:
        """The [fund] key the limit was given by, e.g. ``position_limit_oi_share``."""
        return self.name + LIMIT_BASES[self.basis]

    @property
    def label(self) -> str:
        """The limit's name in words: ``"position limit"``, ``"all-months limit"``."""
        return self.name.replace("all_months", "all-months").replace("_", " ")

    def describe(self) -> str:
        """The limit as given, in words: ``600,000 contracts``, ``$1,400,000,000 of notional``, ``25% of open interest``."""
        if self.basis == "notional":
            return f"${self.value:,.0f} of futures notional"
        if self.basis == "oi_share":
            whole = "total open interest" if self.name == "all_months_limit" else "open interest"
            return f"{self.value * 100:.4g}% of {whole}"
        return f"{self.value:,.0f} contracts"


@dataclass(frozen=True)
class FundConfig:
    """Terms of a futures ETF.

    Parameters
    ----------
    nav_per_share : float
        NAV per share at launch (dollars).
    initial_shares : float
        Shares outstanding at launch (a whole number of creation units is usual).
    inception : str or None
        Launch date; ``None`` launches on the schedule's first invested date.
    expense_ratio : float
        Management fee and expenses, a fraction per year (0.0075 = 0.75%),
        accrued daily on the day's net assets, ACT/365.
    collateral_rate : float or Series
        91-day T-bill discount rate the cash earns (fraction per year), constant
        or by date; the S&P GSCI T-bill formula (as the TR index).
    initial_margin : float
        Exchange initial margin per contract (dollars), reported; the T-bills
        posted as margin keep earning interest.
    creation_unit : int
        Shares per creation unit.
    creation_fee, redemption_fee : float
        Dollars an AP pays the fund per unit created or redeemed.
    commission : float
        Dollars per contract traded.
    commission_rate : float
        A fee as a share of traded notional (``|F| x multiplier x contracts``), as
        perpetual venues charge it (AX's taker fee: 0.0025); paid with ``commission``.
    half_spread_ticks : float
        Half the bid-ask spread paid on each contract traded, in ticks.
    impact_coefficient : float
        Market impact: each contract costs ``impact_coefficient * F * multiplier
        * (contracts traded / daily volume)``, so the impact cost grows with the
        square of the trade.
    daily_volume : float or Series
        Contracts traded a day in the front month; slot ``k`` trades
        ``daily_volume * volume_decay**k``.  A Series by date is a market that
        grows (or shrinks): log-linear between its dates, flat outside them
        (:mod:`etfsim.fund.liquidity`; in TOML a ``[fund.liquidity]`` table).
    open_interest : float or Series
        Open interest of the front month; slot ``k`` has ``open_interest * volume_decay**k``;
        a Series by date as ``daily_volume``.  Counts are in contracts of the
        contract's base multiplier (before any re-denomination).
    volume_decay : float
        Liquidity kept per month further out (0 < decay <= 1).
    volume_follows_price : bool
        Keep the market's dollar liquidity as the price moves: the contracts
        traded a day scale with (price at launch / today's price), so a
        deflating contract trades more contracts (default: fixed contracts).
    position_limit : float or None
        Most contracts the fund may hold in one contract month.
    all_months_limit : float or None
        Most contracts across all months.
    accountability_level : float or None
        Contracts in one month above which the exchange may ask questions;
        the issuer stops creating rather than cross it.
    position_limit_notional, accountability_level_notional, all_months_limit_notional : float or None
        The same limits in dollars of futures notional (contracts x price x
        multiplier), converted to contracts at each date and slot; the
        all-months limit caps the notional of all months together.
    position_limit_oi_share, accountability_level_oi_share, all_months_limit_oi_share : float or None
        The same limits as a fraction of the month's open interest (0.25 = 25%;
        all months: of the total open interest of the listed months).  Each
        limit is given one way at most.
    limit_response : {"halt", "spread", "swap"}
        When a position limit binds: halt creations, put the excess into the
        next contract months (within their limits), or hold it in a total-return
        swap on the index with a counterparty (``swap_spread``,
        ``swap_counterparty_limit``), as UNG did in 2009 to keep its objective.
    reverse_split_below : float or None
        Reverse-split the shares when NAV per share falls below this (dollars).
    reverse_split_ratio : int
        Old shares per new share in a reverse split.
    fractional_contracts : bool
        Hold fractional contracts (an index-like ledger); default whole
        contracts with the remainder in T-bills.
    ap_capacity_units : int
        Most creation or redemption units APs handle a day.
    ap_spread : float
        APs' own cost of an arbitrage trade, a fraction of the unit's value
        (added to the fee to form the band the premium must exceed).
    rebalance_band : float
        Leave a contract's position alone while the drift from its target is
        at most this fraction of all contracts held (rolls and flows always
        trade); 0 rebalances to the target every day.
    post_settlement_share : float
        Share of each day's futures move that happens after the settlement
        price that strikes NAV and before the ETF's close, so the market price
        sees it a day before NAV does (0 to 1).
    leverage : float
        Exposure as a multiple of NAV, rebalanced at every close (a daily
        objective): 2 for a 2x fund, -1 for an inverse one, 1 (default) unlevered.
        The fund then tracks :func:`etfsim.index.leverage.daily_objective` of its index.
    swap_spread : float
        With ``limit_response = "swap"``: the financing spread a year the
        counterparty charges on the swap's notional (the fund earns the T-bill
        rate on all its cash either way).
    swap_counterparty_limit : float or None
        The counterparty's largest swap notional, a fraction of NAV (None: no limit).
    variable_creation_fee : bool
        APs pay, on top of the fixed fee, the commission and half-spread of
        investing their units (of selling them, for a redemption), so the fund's
        holders do not pay for other investors' flows.
    trade_at_settlement : bool
        The fund's trades for creations and redemptions fill at the settlement
        price that strikes NAV (trade at settlement): no half-spread on them.
    order_cutoff : {"before_settlement", "after_settlement"}
        When creation and redemption orders close: before the settlement (the
        fund invests a unit's cash at that day's settlement) or after it (at the
        next day's, so a day's flows sit in T-bills overnight).
    structure : {"33_act_pool", "40_act_subsidiary"}
        The fund's legal structure and so its holders' taxes and its
        disclosures (:mod:`etfsim.fund.structure`): a commodity pool (K-1,
        Section 1256) or a 1940 Act fund with a Cayman subsidiary (1099).
    subsidiary_share : float
        A 1940 Act fund's share of assets in its subsidiary (at most 0.25).
    events : tuple of FundEvent
        Dated changes (``[[fund.events]]``, :mod:`etfsim.fund.events`): a
        reverse split on a date, creations suspended and resumed, a new expense
        ratio or limit response from a date on.
    """

    nav_per_share: float = 25.0
    initial_shares: float = 4_000_000.0
    inception: str | None = None
    expense_ratio: float = 0.0075
    collateral_rate: Any = 0.0
    initial_margin: float = 0.0
    creation_unit: int = 50_000
    creation_fee: float = 500.0
    redemption_fee: float = 500.0
    commission: float = 1.0
    commission_rate: float = 0.0
    half_spread_ticks: float = 0.5
    impact_coefficient: float = 0.0
    daily_volume: float | pd.Series = 200_000.0
    open_interest: float | pd.Series = 1_500_000.0
    volume_decay: float = 0.8
    volume_follows_price: bool = False
    position_limit: float | None = None
    all_months_limit: float | None = None
    accountability_level: float | None = None
    position_limit_notional: float | None = None
    all_months_limit_notional: float | None = None
    accountability_level_notional: float | None = None
    position_limit_oi_share: float | None = None
    all_months_limit_oi_share: float | None = None
    accountability_level_oi_share: float | None = None
    limit_response: str = "halt"
    reverse_split_below: float | None = None
    reverse_split_ratio: int = 4
    fractional_contracts: bool = False
    ap_capacity_units: int = 50
    ap_spread: float = 0.0005
    post_settlement_share: float = 0.0
    rebalance_band: float = 0.0
    events: tuple[FundEvent, ...] = ()
    leverage: float = 1.0
    structure: str = "33_act_pool"
    subsidiary_share: float = 0.25
    swap_spread: float = 0.0
    swap_counterparty_limit: float | None = None
    variable_creation_fee: bool = False
    trade_at_settlement: bool = False
    order_cutoff: str = "before_settlement"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "nav_per_share",
            number("nav_per_share", self.nav_per_share, 1e-6, hint=" (dollars per share at launch)"),
        )
        set_(self, "initial_shares", number("initial_shares", self.initial_shares, 1.0, hint=" (shares at launch)"))
        er = number("expense_ratio", self.expense_ratio, 0.0, hint=" (a fraction per year)")
        if er > 0.05:
            raise ConfigError(
                f"expense_ratio must be between 0 and 0.05 (a fraction per year), got {self.expense_ratio}; "
                f"did you give a percentage? write {er / 100:g} for {er:g}%"
            )
        set_(self, "expense_ratio", er)
        if isinstance(self.collateral_rate, pd.Series):
            vals = pd.to_numeric(self.collateral_rate, errors="coerce").to_numpy(dtype=float)
            if np.nanmax(np.abs(vals), initial=0.0) >= 1.0:
                raise ConfigError("collateral_rate must be a fraction per year (0.04 for 4%), not a percentage")
        else:
            rate = number("collateral_rate", self.collateral_rate, hint=" (a fraction per year)")
            if abs(rate) >= 0.5:
                raise ConfigError(
                    f"collateral_rate must be a fraction per year (0.04 for 4%), got {rate:g}; did you give a percentage?"
                )
            set_(self, "collateral_rate", rate)
        for name in (
            "initial_margin",
            "creation_fee",
            "redemption_fee",
            "commission",
            "commission_rate",
            "half_spread_ticks",
            "impact_coefficient",
            "ap_spread",
        ):
            set_(self, name, number(name, getattr(self, name), 0.0, hint=" (must not be negative)"))
        cu = self.creation_unit
        if isinstance(cu, bool) or not isinstance(cu, (int, np.integer)) or cu <= 0:
            raise ConfigError(f"creation_unit must be a positive whole number of shares, got {cu!r}")
        for name in ("daily_volume", "open_interest"):
            set_(self, name, check_liquidity(name, getattr(self, name)))
        set_(self, "volume_decay", number("volume_decay", self.volume_decay, hint=" (between 0 and 1)"))
        if not 0 < self.volume_decay <= 1:
            raise ConfigError(f"volume_decay must be in (0, 1], got {self.volume_decay:g}")
        for name in ("reverse_split_below", *(n + "_notional" for n in LIMIT_NAMES)):
            v = getattr(self, name)
            if v is not None:
                v = number(name, v, hint="")
                if v <= 0:
                    raise ConfigError(f"{name} must be > 0 or left out, got {v:g}")
                set_(self, name, v)
        self._check_limits()
        for name in ("volume_follows_price", "fractional_contracts"):
            set_(self, name, boolean(name, getattr(self, name)))
        if self.limit_response not in LIMIT_RESPONSES:
            raise UnknownNameError("limit response", str(self.limit_response), LIMIT_RESPONSES)
        r = self.reverse_split_ratio
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 2:
            raise ConfigError(f"reverse_split_ratio must be a whole number >= 2, got {r!r}")
        cap = self.ap_capacity_units
        if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)) or cap < 0:
            raise ConfigError(f"ap_capacity_units must be a whole number >= 0, got {cap!r}")
        set_(self, "post_settlement_share", number("post_settlement_share", self.post_settlement_share, 0.0, 1.0))
        set_(
            self,
            "rebalance_band",
            number("rebalance_band", self.rebalance_band, 0.0, 0.5, " (a fraction of contracts held)"),
        )
        set_(self, "events", check_events(self.events))
        self._check_structure_terms()
        if self.inception is not None:
            set_(self, "inception", date_text("inception", self.inception))

    def _check_structure_terms(self) -> None:
        """Leverage, the swap response's terms, who pays for a creation, and the legal structure."""
        set_ = object.__setattr__
        lev = number("leverage", self.leverage, hint=" (2 for a 2x fund, -1 for an inverse one)")
        if lev == 0.0 or abs(lev) > 3.0:
            raise ConfigError(
                f"leverage must be between -3 and 3 and not 0 (2 for a 2x fund, -1 for an inverse one), got {lev:g}"
            )
        set_(self, "leverage", lev)
        set_(self, "swap_spread", number("swap_spread", self.swap_spread, 0.0, 0.2, " (a fraction per year)"))
        if self.swap_counterparty_limit is not None:
            c = number("swap_counterparty_limit", self.swap_counterparty_limit, hint=" (a fraction of NAV)")
            if c < 0.0:
                raise ConfigError(
                    f"swap_counterparty_limit must be >= 0 (a fraction of NAV the counterparty takes), got {c:g}"
                )
            set_(self, "swap_counterparty_limit", c)
        for name in ("variable_creation_fee", "trade_at_settlement"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.order_cutoff not in ORDER_CUTOFFS:
            raise ConfigError(f"order_cutoff must be one of {', '.join(ORDER_CUTOFFS)}, got {self.order_cutoff!r}")
        structure, share = check_structure(self.structure, self.subsidiary_share)
        set_(self, "structure", structure)
        set_(self, "subsidiary_share", share)

    def _check_limits(self) -> None:
        """Each limit given one way at most; a count or dollars > 0, a share of open interest in (0, 1]."""
        set_ = object.__setattr__
        for name in LIMIT_NAMES:
            given = [name + suffix for suffix in LIMIT_BASES.values() if getattr(self, name + suffix) is not None]
            if len(given) > 1:
                raise ConfigError(f"give {given[0]} or {given[1]}, not both (each limit is given one way)")
            v = getattr(self, name)
            if v is not None:
                v = number(name, v, hint=" (contracts)")
                if v <= 0:
                    raise ConfigError(f"{name} must be > 0 contracts or left out, got {v:g}")
                set_(self, name, v)
            key = name + "_oi_share"
            share = getattr(self, key)
            if share is not None:
                share = number(key, share, hint=" (a fraction of open interest, 0.25 = 25%)")
                if not 0 < share <= 1:
                    raise ConfigError(
                        f"{key} must be a fraction of open interest in (0, 1] (0.25 = 25%), got {share:g}"
                        + ("; did you give a percentage?" if share > 1 else "")
                    )
                set_(self, key, share)

    def limit(self, name: str) -> LimitTerm | None:
        """The limit ``name`` (one of :data:`LIMIT_NAMES`) as given, or None when there is none."""
        if name not in LIMIT_NAMES:
            raise UnknownNameError("limit", name, LIMIT_NAMES)
        for basis, suffix in LIMIT_BASES.items():
            v = getattr(self, name + suffix)
            if v is not None:
                return LimitTerm(name, basis, float(v))
        return None

    @property
    def limits(self) -> tuple[LimitTerm, ...]:
        """The limits given, in the order of :data:`LIMIT_NAMES`, each with the way it was given."""
        return tuple(t for t in (self.limit(n) for n in LIMIT_NAMES) if t is not None)

    def with_(self, **changes: Any) -> FundConfig:
        """A copy with some terms changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class InvestorDemand:
    """Net investor demand for the shares, which pushes the market price away from NAV.

    Each day's demand, a fraction of net assets (positive = buying), is
    ``mean + chase * (fund return over the last chase_window days) + volatility * z``.
    Before APs act, the premium is ``persistence * premium(t-1) + impact * demand``;
    each unit created (redeemed) absorbs ``impact * unit value / NAV`` of it.

    Parameters
    ----------
    mean : float
        Mean daily demand as a fraction of NAV.
    volatility : float
        Standard deviation of the daily demand shock.
    chase : float
        Sensitivity of demand to the trailing return (return chasing).
    chase_window : int
        Business days of the trailing return.
    persistence : float
        Share of yesterday's premium still there today without arbitrage (0 to 1).
    impact : float
        Premium per unit of unmet demand (1.0: demand of 1% of NAV moves the price 1%).
    seed : int
        Seed of the demand shocks (path ``i`` uses its own child stream).
    halted_persistence : float or None
        Share of yesterday's premium still there today when yesterday APs were
        refused units (creations halted by a limit or suspended by an event):
        no arbitrage works the unmet demand off, so it stays in the price.  1:
        all of it carries over and the premium runs with the cumulative unmet
        demand, as UNG's did during its 2009 halt and USO's in April 2020;
        ``None`` (default): the same as ``persistence`` (the halt changes nothing
        but the arbitrage itself).
    """

    mean: float = 0.0
    volatility: float = 0.002
    chase: float = 0.0
    chase_window: int = 20
    persistence: float = 0.5
    impact: float = 1.0
    seed: int = 0
    halted_persistence: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", number("demand mean", self.mean))
        object.__setattr__(self, "volatility", number("demand volatility", self.volatility, 0.0))
        object.__setattr__(self, "chase", number("demand chase", self.chase))
        object.__setattr__(self, "persistence", number("demand persistence", self.persistence, 0.0, 1.0))
        object.__setattr__(self, "impact", number("demand impact", self.impact, 0.0))
        if self.halted_persistence is not None:
            hp = number("demand halted_persistence", self.halted_persistence, 0.0, 1.0)
            object.__setattr__(self, "halted_persistence", hp)
        w = self.chase_window
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            raise ConfigError(f"demand chase_window must be a whole number of days >= 1, got {w!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ConfigError(f"demand seed must be a non-negative integer, got {self.seed!r}")


@dataclass(frozen=True)
class DemandOnPaths(InvestorDemand):
    """:class:`InvestorDemand` drawn on chosen paths of a run rather than consecutive ones.

    A group of paths picked out of a run (those on which a random-launch chip
    arrives in the same month, :mod:`etfsim.curves.launch_groups`) draws each
    path's demand from that path's own stream, as the whole run does.

    Parameters
    ----------
    paths : tuple of int
        The run's index of each path of the curve, in order.
    """

    paths: tuple[int, ...] = ()

    @classmethod
    def of(cls, demand: InvestorDemand, paths: Sequence[int] | np.ndarray) -> DemandOnPaths:
        """``demand``'s terms, drawn on ``paths``."""
        terms = {f.name: getattr(demand, f.name) for f in fields(InvestorDemand)}
        return cls(**terms, paths=tuple(int(i) for i in paths))


_FUND_KEYS = {f.name for f in fields(FundConfig)}
_DEMAND_KEYS = {f.name for f in fields(InvestorDemand)}


def load_fund(path: str | Path) -> tuple[FundConfig, InvestorDemand | None]:
    """Read fund terms (``[fund]``) and optional investor demand (``[demand]``) from TOML.

    Raises
    ------
    ScenarioError
        Missing file, invalid TOML, unknown section or key (the valid ones are listed).
    ConfigError
        A value out of range (named, with the fix).
    """
    p = Path(path)
    raw = read_toml(p, "fund", "see strategies/compute_default.toml for an example")
    # a strategy file may carry its fund terms, so its [strategy] and [roll] sections are allowed here
    # ... and a [perpetual] table, the terms of the perpetual the structure comparison holds (perpetual_terms.py)
    # ... and an [identity] table, the fund's ticker and service providers (etfsim.fund.identity)
    unknown = sorted(set(raw) - {"fund", "demand", "strategy", "roll", "holding", "perpetual", "identity"})
    if unknown:
        raise ScenarioError(
            f"{p.name}: unknown section [{unknown[0]}]; valid sections: fund, demand, perpetual, identity "
            "(and a strategy's strategy, roll, holding)"
        )
    if "fund" not in raw:
        raise ScenarioError(f"{p.name} has no [fund] section; see strategies/compute_default.toml for an example")
    fund_tab, demand_tab = raw["fund"], raw.get("demand")
    if not isinstance(fund_tab, dict):
        raise ScenarioError(f"{p.name}: [fund] must be a table of keys, got {type(fund_tab).__name__}")
    if demand_tab is not None and not isinstance(demand_tab, dict):
        raise ScenarioError(f"{p.name}: [demand] must be a table of keys, got {type(demand_tab).__name__}")
    return fund_from_tables(p.name, fund_tab, demand_tab)


def fund_from_tables(
    where: str, fund_tab: dict[str, Any], demand_tab: dict[str, Any] | None
) -> tuple[FundConfig, InvestorDemand | None]:
    """Build fund terms and demand from TOML tables; unknown keys are errors listing the valid ones.

    A ``liquidity`` table in ``[fund]`` (``[fund.liquidity]``) gives open interest
    and daily volume by date (see :mod:`etfsim.fund.liquidity`).
    """
    p = Path(where)
    bad = sorted(set(fund_tab) - _FUND_KEYS - {"liquidity"})
    if bad:
        valid = ", ".join(sorted(_FUND_KEYS | {"liquidity"}))
        raise ScenarioError(f"{p.name}: unknown key {bad[0]!r} in [fund]; valid keys: {valid}")
    if demand_tab is not None:
        bad = sorted(set(demand_tab) - _DEMAND_KEYS)
        if bad:
            raise ScenarioError(
                f"{p.name}: unknown key {bad[0]!r} in [demand]; valid keys: {', '.join(sorted(_DEMAND_KEYS))}"
            )
    try:
        terms = dict(fund_tab)
        if "liquidity" in terms:  # [fund.liquidity]: open interest and volume by date
            terms.update(liquidity_from_table(terms.pop("liquidity"), terms))
        config = FundConfig(**terms)
        demand = None if demand_tab is None else InvestorDemand(**demand_tab)
    except ConfigError as exc:
        raise with_context(exc, p.name) from exc
    return config, demand
