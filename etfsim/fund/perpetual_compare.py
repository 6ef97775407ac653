"""A fund on a perpetual future against the same fund on dated futures, on the same paths.

A dated-futures fund rolls: it sells the contract it holds and buys a later
one, and in contango the later contract drifts down towards the index as it
ages (the **term-structure contribution**, negative in contango).  A fund on
a perpetual never rolls; it **pays funding** instead, each day, whenever the
perpetual trades above the index (and receives it below).  The same index, the
same fund terms, the same investor demand: what differs is what holding the
exposure costs, and the venue's fees on every trade.

The perpetual's excess return splits exactly, in logs, into the index's move,
the change of the premium and the funding::

    log A(t)/A(t-1) = log S(t)/S(t-1) + log (P(t)/S(t)) / (P(t-1)/S(t-1)) + log (P(t) - S(t) f(t)) / P(t)

so its "term structure" (everything but the index) is the premium's change
plus the funding, comparable line by line with the roll's.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim._typing import PathMatrix
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.perpetual import Perpetual, PerpetualCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.fund.config import FundConfig
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.metrics import fund_metrics
from etfsim.roll.rules import RollRule, roll_schedule
from etfsim.roll.schedule import RollSchedule

__all__ = [
    "PERPETUAL_COLUMNS",
    "PerpetualComparison",
    "compare_perpetual",
    "funding_paid",
    "perpetual_config",
    "perpetual_schedule",
    "simulate_perpetual_fund",
]

PERPETUAL_COLUMNS = (
    "nav_return",
    "nav_return_p5",
    "nav_return_p95",
    "er_return",
    "spot",
    "term_structure",
    "premium_change",
    "funding",
    "trading_costs",
    "impact_costs",
    "fees",
    "tracking_difference",
)
"""Columns of :attr:`PerpetualComparison.table`: returns per year (simple for ``nav_return`` and
``er_return``; log, adding up, for ``spot + term_structure`` and ``premium_change + funding =
term_structure``), costs as a share of average net assets per year, means across paths."""


def perpetual_schedule(perp: PerpetualCurve, start: int = 0) -> RollSchedule:
    """Weight 1 on the perpetual from date ``start`` on: the whole of a perpetual's "roll rule"."""
    curve = perp.curve
    if not 0 <= int(start) < curve.n_dates:
        raise DataError(f"start {start!r} is not a date of the perpetual's curve (0 to {curve.n_dates - 1})")
    invested = np.arange(curve.n_dates) >= int(start)
    weights = invested.astype(np.float64)[None, :, None]
    params = {"symbol": perp.perpetual.symbol}
    return RollSchedule.for_curve(curve, weights, invested, np.zeros(curve.n_dates, bool), "perpetual", params)


def perpetual_config(config: FundConfig, perpetual: Perpetual) -> FundConfig:
    """The same fund terms on the perpetual: the venue's fee on traded notional instead of a commission per contract.

    Everything else (half-spread in ticks, impact, liquidity, limits, demand
    terms) carries over; the perpetual is sized like the dated contract by
    default, so terms counted in contracts mean the same dollars.
    """
    if not isinstance(config, FundConfig):
        raise ConfigError("config must be an etfsim FundConfig")
    return replace(config, commission=0.0, commission_rate=perpetual.fee_rate)


def simulate_perpetual_fund(
    perp: PerpetualCurve,
    config: FundConfig | None = None,
    flows: object = None,
    start: int = 0,
) -> FundResult:
    """Run ``config`` (as :func:`perpetual_config` makes it) on the perpetual from date ``start``.

    The ledger holds the funding-adjusted price (:mod:`etfsim.curves.perpetual`):
    NAV, P&L, notional and fees are the venue's dollars, funding paid included;
    ``result.positions`` are funding-adjusted contracts
    (:meth:`~etfsim.curves.perpetual.PerpetualCurve.traded_contracts` converts).
    """
    cfg = perpetual_config(FundConfig() if config is None else config, perp.perpetual)
    schedule = perpetual_schedule(perp, start)
    return simulate_fund(perp.curve, schedule, cfg, flows=flows, contract=perp.contract)


def funding_paid(fund: FundResult, perp: PerpetualCurve) -> PathMatrix:
    """Dollars of funding the fund paid on each date ``(paths, dates)`` (negative: received); 0 where it held none.

    The contracts held into date ``t`` (at the venue) times ``S(t) f(t)`` per unit times the multiplier.
    """
    if fund.positions.shape[:2] != perp.price.shape:
        raise DataError("the fund was not run on this perpetual (paths or dates differ)")
    held = np.nan_to_num(perp.traded_contracts(fund.positions[:, :, 0]))
    out = np.zeros(perp.price.shape)
    out[:, 1:] = held[:, :-1] * perp.contract.multiplier * perp.funding[:, 1:]
    return out


def _carry_split(perp: PerpetualCurve, start: int, years: float) -> tuple[np.ndarray, np.ndarray]:
    """Per path, per year from ``start``: the premium's change and the funding, log contributions to the ER index."""
    p, s = perp.price[:, start:], perp.spot[:, start:]
    premium = np.log((p[:, -1] / s[:, -1]) / (p[:, 0] / s[:, 0]))
    funding = np.log((p[:, 1:] - s[:, 1:] * perp.funding_rate[:, start + 1 :]) / p[:, 1:]).sum(axis=1)
    return premium / years, funding / years


def _row(fund: FundResult, premium: np.ndarray, funding: np.ndarray) -> dict[str, float]:
    """One structure's line of the table: means across paths."""
    m = fund_metrics(fund)
    attr = fund.index.annualised()
    years = fund.index.years
    per_nav = m["nav_mean"].to_numpy() * years
    nav = m["nav_return"].to_numpy()
    return {
        "nav_return": float(np.mean(nav)),
        "nav_return_p5": float(np.percentile(nav, 5)),
        "nav_return_p95": float(np.percentile(nav, 95)),
        "er_return": float(attr["er_return"].mean()),
        "spot": float(attr["spot"].mean()),
        "term_structure": float(attr["term_structure"].mean()),
        "premium_change": float(np.mean(premium)),
        "funding": float(np.mean(funding)),
        "trading_costs": float(np.mean(m["trading_costs"].to_numpy() / per_nav)),
        "impact_costs": float(np.mean(m["impact_costs"].to_numpy() / per_nav)),
        "fees": float(np.mean(m["fees"].to_numpy() / per_nav)),
        "tracking_difference": float(m["tracking_difference"].mean()),
    }


class PerpetualComparison(Result):
    """The same fund on dated futures and on a perpetual, on the same paths (:func:`compare_perpetual`).

    ``table`` has one row per structure and the :data:`PERPETUAL_COLUMNS`;
    ``dated`` and ``perpetual`` are the two funds and ``perp`` the perpetual itself.
    """

    dated: FundResult
    perpetual: FundResult
    perp: PerpetualCurve
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The comparison table (a copy)."""
        return self.table.copy()

    def _repr_facts(self) -> dict[str, object]:
        return {"rule": self.dated.rule, "symbol": self.perp.perpetual.symbol, "paths": self.dated.n_paths}

    def summary(self) -> str:
        """The two structures' returns and what holding the exposure cost each, a year."""
        d, p = self.table.iloc[0], self.table.iloc[1]
        return "\n".join(
            [
                f"PerpetualComparison: {self.table.index[0]} vs {self.table.index[1]} on {self.dated.n_paths} path(s)",
                f"  NAV return / yr          dated {d['nav_return']:+.2%}   perpetual {p['nav_return']:+.2%}",
                f"  index ER / yr            dated {d['er_return']:+.2%}   perpetual {p['er_return']:+.2%}",
                f"  term structure / yr      dated {d['term_structure']:+.2%}   perpetual {p['term_structure']:+.2%}"
                f" (funding {p['funding']:+.2%}, premium {p['premium_change']:+.2%})",
                f"  trading costs / yr       dated {d['trading_costs']:.3%}   perpetual {p['trading_costs']:.3%}",
            ]
        )


def compare_perpetual(
    curve: FuturesCurve,
    rule: RollRule | str | RollSchedule,
    config: FundConfig | None = None,
    perpetual: Perpetual | None = None,
    flows: object = None,
    contract: ContractSpec | None = None,
) -> PerpetualComparison:
    """Run one fund on ``curve``'s dated futures and on a perpetual on its index, on the same paths and dates.

    Parameters
    ----------
    curve : FuturesCurve
        Dated futures with a spot index (a simulated curve).
    rule : roll rule, rule name or RollSchedule
        How the dated fund rolls.
    config : FundConfig, optional
        The fund's terms (default ``FundConfig()``); on the perpetual the
        commission per contract gives way to the venue's fee on notional
        (:func:`perpetual_config`).
    perpetual : Perpetual, optional
        The perpetual's premium, funding and fees (default ``Perpetual()``: AX's fees).
    flows : optional
        Investor demand, the same on both (see :func:`~etfsim.fund.simulate_fund`).
    contract : ContractSpec, optional
        The dated contract (default: from the curve's metadata).

    Returns
    -------
    PerpetualComparison
        Rows ``dated: <rule>`` and ``perpetual: <symbol>``; the perpetual fund
        launches on the dated fund's first date.

    Notes
    -----
    On the dated fund ``premium_change`` and ``funding`` are 0: its whole
    term-structure contribution is the roll's.  On the perpetual
    ``term_structure = premium_change + funding`` (logs, per year).
    """
    cfg = FundConfig() if config is None else config
    perp_spec = Perpetual() if perpetual is None else perpetual
    if not isinstance(perp_spec, Perpetual):
        raise ConfigError("perpetual must be an etfsim Perpetual")
    schedule = rule if isinstance(rule, RollSchedule) else roll_schedule(curve, rule)
    dated = simulate_fund(curve, schedule, cfg, flows=flows, contract=contract)
    perp = perp_spec.simulate(curve, contract)
    held = simulate_perpetual_fund(perp, cfg, flows=flows, start=dated.start)
    years = held.index.years
    zero = np.zeros(dated.n_paths)
    premium, funding = _carry_split(perp, held.start, years) if years > 0 else (zero, zero)
    table = pd.DataFrame(
        [_row(dated, zero, zero), _row(held, premium, funding)],
        index=pd.Index([f"dated: {schedule.rule}", f"perpetual: {perp_spec.symbol}"], name="structure"),
        columns=list(PERPETUAL_COLUMNS),
    )
    return PerpetualComparison(dated=dated, perpetual=held, perp=perp, table=table)
