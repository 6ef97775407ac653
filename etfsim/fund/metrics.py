"""Fund metrics as issuers publish them.

Tracking difference
    The fund's NAV total return minus the index's total return over a period
    (a year, or since inception), per year here.
Tracking error
    The annualised standard deviation of the daily differences between the
    fund's and the index's returns.
Premium/discount
    Days the market price closed above or below NAV, per calendar quarter (as
    US issuers publish on their websites).
Costs
    Expense ratio fees, trading costs (commission and half-spread) and market
    impact, in dollars; per year they are quoted as a fraction of the average
    NAV over the period (a fund that grows through creations pays more dollars).
Capacity
    Net return against fund size as a share of open interest: a bigger fund
    pays more impact and meets the position limits sooner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from etfsim._numba import readonly
from etfsim.curves.curve import FuturesCurve
from etfsim.fund.config import FundConfig
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.ledger import ledger_metrics
from etfsim.fund.liquidity import liquidity_on
from etfsim.fund.records import LIQUIDATED, METRICS, Reduction
from etfsim.roll.schedule import RollSchedule

__all__ = ["capacity_curve", "fund_metrics", "premium_discount_by_quarter", "tracking", "wiped_out"]


def _years(result: FundResult) -> float:
    d = np.asarray(result.dates).astype("datetime64[D]")
    return float((d[-1] - d[result.start]).astype(np.int64)) / 365.0


def wiped_out(result: FundResult) -> np.ndarray:
    """Per path: did losses or costs take all the fund's assets (the ledger stopped)?"""
    return np.asarray(((result.status & LIQUIDATED) != 0).any(axis=1))


def tracking(result: FundResult) -> pd.DataFrame:
    """Per path: annualised NAV and index TR returns, tracking difference and tracking error.

    Returns use NAV per share with reverse splits undone.  Tracking difference is
    ``(NAV_T/NAV_0)^(1/years) - (TR_T/TR_0)^(1/years)``; tracking error is the
    sample standard deviation of daily return differences times the square root
    of the number of daily returns per year.  A fund wiped out on the way returns
    -100% a year.  These are the first columns of :func:`fund_metrics`.
    """
    return fund_metrics(result)[["nav_return", "index_tr_return", "tracking_difference", "tracking_error"]]


def premium_discount_by_quarter(result: FundResult, path: int = 0, tolerance: float = 1e-12) -> pd.DataFrame:
    """Days at a premium, at a discount and at NAV per calendar quarter, with the mean and extremes."""
    s = result.start
    prem = pd.Series(result.premium[path, s:], index=pd.DatetimeIndex(np.asarray(result.dates)[s:]))
    quarter = prem.index.to_period("Q")
    frame = pd.DataFrame(
        {
            "days_premium": (prem > tolerance).groupby(quarter).sum(),
            "days_discount": (prem < -tolerance).groupby(quarter).sum(),
            "days_at_nav": (prem.abs() <= tolerance).groupby(quarter).sum(),
            "mean_premium": prem.groupby(quarter).mean(),
            "max_premium": prem.groupby(quarter).max(),
            "max_discount": prem.groupby(quarter).min(),
        }
    )
    frame.index.name = "quarter"
    return frame


def fund_metrics(result: FundResult) -> pd.DataFrame:
    """One row per path: NAV, returns, tracking, premium days, costs and halts.

    The columns are :data:`etfsim.fund.records.METRICS`.  The recorded ledger is
    reduced path by path by the same kernel that reduces a Monte Carlo run as it
    goes (:func:`etfsim.fund.summarise_fund`), so the two agree exactly.
    """
    red = Reduction(
        readonly(np.ascontiguousarray(result.index.tr, dtype=np.float64)),
        readonly(np.empty(0, dtype=np.int64)),
        _years(result),
        float(result.config.post_settlement_share),
    )
    figures = np.empty((result.n_paths, len(METRICS)))
    ledger_metrics(result.ledger, result.status, result.start, red, figures)
    return pd.DataFrame(figures, columns=list(METRICS), index=pd.RangeIndex(result.n_paths, name="path"))


def capacity_curve(
    curve: FuturesCurve,
    schedule: RollSchedule,
    config: FundConfig,
    sizes: Sequence[float],
    flows: object = None,
    slots: np.ndarray | None = None,
) -> pd.DataFrame:
    """Net return against fund size: run the fund at each starting size (dollars).

    Returns, per size, the mean across paths of the NAV return per year, the
    tracking difference, the costs per year as a fraction of the average NAV,
    and the peak share of a contract month's open interest the fund held
    (slot ``k``'s open interest is ``open_interest * volume_decay**k``, on each
    date for open interest given as a path).
    """
    rows = []
    for size in sizes:
        cfg = replace(config, initial_shares=float(size) / config.nav_per_share)
        res = simulate_fund(curve, schedule, cfg, flows=flows, slots=slots)
        m = fund_metrics(res)
        rank = np.arange(curve.depth)[None, :] if slots is None else np.maximum(slots, 0)
        decay = config.volume_decay ** np.broadcast_to(rank, (curve.n_dates, curve.depth))
        oi = liquidity_on(config.open_interest, np.asarray(curve.dates))[:, None] * decay
        # open interest counts contracts of the base multiplier; a re-denominated contract is several of them
        base = res.multipliers / float(res.contract.multiplier)
        held = np.abs(np.nan_to_num(res.positions[:, res.start :])) * base[None, res.start :]
        share = np.nanmax(held / oi[None, res.start :, :])
        years = _years(res)
        cost = (m["fees"] + m["trading_costs"] + m["impact_costs"]) / m["nav_mean"] / years
        rows.append(
            {
                "fund_size": float(size),
                "peak_share_of_open_interest": float(share),
                "nav_return": float(m["nav_return"].mean()),
                "tracking_difference": float(m["tracking_difference"].mean()),
                "costs_per_year": float(cost.mean()),
                "halted_days": float(m["halted_days"].mean()),
            }
        )
    return pd.DataFrame(rows)
