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

from etfsim.curves.curve import FuturesCurve
from etfsim.fund.config import FundConfig
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.roll.schedule import RollSchedule

__all__ = ["capacity_curve", "fund_metrics", "premium_discount_by_quarter", "tracking", "wiped_out"]


def _years(result: FundResult) -> float:
    d = np.asarray(result.dates).astype("datetime64[D]")
    return float((d[-1] - d[result.start]).astype(np.int64)) / 365.0


def wiped_out(result: FundResult) -> np.ndarray:
    """Per path: did losses or costs take all the fund's assets (the ledger stopped)?"""
    from etfsim.fund.ledger import LIQUIDATED

    return np.asarray(((result.status & LIQUIDATED) != 0).any(axis=1))


def tracking(result: FundResult) -> pd.DataFrame:
    """Per path: annualised NAV and index TR returns, tracking difference and tracking error.

    Returns use NAV per share with reverse splits undone.  Tracking difference is
    ``(NAV_T/NAV_0)^(1/years) - (TR_T/TR_0)^(1/years)``; tracking error is the
    standard deviation of daily return differences times the square root of the
    number of daily returns per year.
    """
    s = result.start
    nav = result.nav_per_share_adjusted[:, s:]
    tr = result.index.tr[:, s:]
    if tr.shape[0] == 1 and nav.shape[0] > 1:
        tr = np.broadcast_to(tr, nav.shape)
    years = _years(result)
    with np.errstate(invalid="ignore", divide="ignore"):
        nav_ret = (nav[:, -1] / nav[:, 0]) ** (1.0 / years) - 1.0
        tr_ret = (tr[:, -1] / tr[:, 0]) ** (1.0 / years) - 1.0
        diff = np.diff(nav, axis=1) / nav[:, :-1] - np.diff(tr, axis=1) / tr[:, :-1]
    # a fund wiped out on the way lost everything: -100% a year, not a missing figure a mean would skip
    nav_ret = np.where(wiped_out(result), -1.0, nav_ret)
    finite = np.isfinite(diff).sum(axis=1)  # a wiped-out path has returns only until it stopped
    per_year = np.where(years > 0, finite / max(years, 1e-12), np.nan)
    with np.errstate(invalid="ignore"):
        te = np.nanstd(np.where(np.isfinite(diff), diff, np.nan), axis=1, ddof=1) * np.sqrt(per_year)
    return pd.DataFrame(
        {
            "nav_return": nav_ret,
            "index_tr_return": tr_ret,
            "tracking_difference": nav_ret - tr_ret,
            "tracking_error": te,
        },
        index=pd.RangeIndex(nav.shape[0], name="path"),
    )


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
    """One row per path: NAV, returns, tracking, premium days, costs and halts."""
    s = result.start
    f = result.fields
    track = tracking(result)
    prem = result.premium[:, s:]
    navps = result.nav_per_share
    frame = track.assign(
        nav_start=f["nav"][:, s],
        nav_end=f["nav"][:, -1],
        nav_mean=np.nanmean(f["nav"][:, s:], axis=1),
        navps_start=navps[:, s],
        navps_end=navps[:, -1],
        fees=np.nansum(f["fees"][:, s:], axis=1),
        trading_costs=np.nansum(f["commission"][:, s:] + f["spread_cost"][:, s:], axis=1),
        impact_costs=np.nansum(f["impact_cost"][:, s:], axis=1),
        creations=np.nansum(f["creations"][:, s:], axis=1),
        redemptions=np.nansum(f["redemptions"][:, s:], axis=1),
        days_premium=(prem > 1e-12).sum(axis=1),
        days_discount=(prem < -1e-12).sum(axis=1),
        max_premium=np.nanmax(prem, axis=1),
        halted_days=result.halted[:, s:].sum(axis=1),
    )
    return frame


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
    (slot ``k``'s open interest is ``open_interest * volume_decay**k``).
    """
    rows = []
    for size in sizes:
        cfg = replace(config, initial_shares=float(size) / config.nav_per_share)
        res = simulate_fund(curve, schedule, cfg, flows=flows, slots=slots)
        m = fund_metrics(res)
        rank = np.arange(curve.depth)[None, :] if slots is None else np.maximum(slots, 0)
        oi = config.open_interest * config.volume_decay ** np.broadcast_to(rank, (curve.n_dates, curve.depth))
        share = np.nanmax(np.abs(np.nan_to_num(res.positions[:, res.start :])) / oi[None, res.start :, :])
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
