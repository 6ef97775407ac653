"""Premium and discount as Rule 6c-11 asks a 1940 Act ETF's website to show them, and the shares' spread.

17 CFR 270.6c-11(c)(1) asks an ETF to publish, among others:

- (iv) a table of the days its shares traded at a premium or a discount to
  NAV during **the most recently completed calendar year and the most
  recently completed calendar quarters since that year** (:func:`premium_periods`;
  a fund younger than that shows the completed periods since its launch);
- (v) the **median bid-ask spread** over the most recent thirty calendar
  days (:func:`median_spread`);
- (vii) when its premium or discount was **greater than 2% for more than
  seven consecutive trading days**, a statement saying so, kept for a year
  (:func:`persistent_premiums`).

A commodity pool is not a registered investment company, so the rule does
not apply to it; the sheet shows the same periods for both, and says which.

**The shares' spread.**  A market maker quotes the shares around NAV and
hedges in the futures, so the quoted spread is at least the futures' own
bid-ask (``2 x half_spread_ticks x tick / price``, weighted by the contracts
held) and at least one cent a share, the smallest quote increment for
shares priced at $1.00 or more (Regulation NMS Rule 612, 17 CFR 242.612).
That is a lower bound: it leaves out the market maker's inventory risk and
margin, which no data on compute ETFs can measure yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from etfsim.fund.config import FundConfig
from etfsim.pipeline.statistics import statistic
from etfsim.report.tables import Cell, Fact, Row, Table, facts_from

__all__ = ["PERSISTENT_DAYS", "PERSISTENT_THRESHOLD", "SHARE_TICK", "median_spread", "persistent_premiums",
           "premium_periods", "premium_section", "share_spread"]  # fmt: skip

PERSISTENT_THRESHOLD = 0.02
"""The premium or discount above which Rule 6c-11(c)(1)(vii) asks for a statement (2%)."""
PERSISTENT_DAYS = 7
"""...when it lasts more than this many consecutive trading days."""
SHARE_TICK = 0.01
"""Smallest quote increment of a share priced at $1.00 or more, dollars (17 CFR 242.612)."""
SPREAD_DAYS = 30
"""Calendar days of the median bid-ask spread (Rule 6c-11(c)(1)(v))."""


def _counts(prem: pd.Series, label: str, tolerance: float) -> dict[str, object]:
    return {
        "period": label,
        "days_premium": int((prem > tolerance).sum()),
        "days_discount": int((prem < -tolerance).sum()),
        "days_at_nav": int((prem.abs() <= tolerance).sum()),
        "max_premium": float(prem.max()) if len(prem) else float("nan"),
        "max_discount": float(prem.min()) if len(prem) else float("nan"),
    }


def premium_periods(premium: pd.Series, as_of: pd.Timestamp, tolerance: float = 1e-12) -> pd.DataFrame:
    """Days at a premium, a discount and at NAV in the most recent completed calendar year and the quarters since.

    Parameters
    ----------
    premium : Series
        The daily premium of the market price to NAV (a fraction), indexed by trading date from the launch.
    as_of : Timestamp
        The report date: a year or quarter is completed when it ended on or before it.

    Returns
    -------
    DataFrame
        One row a period, oldest first: ``period`` (``"2035"``, ``"2036 Q1"``), ``days_premium``,
        ``days_discount``, ``days_at_nav``, ``max_premium``, ``max_discount``.  A period the fund
        was not yet trading for the whole of is shown from its launch and marked ``"(from launch)"``.
    """
    prem = premium.dropna()
    as_of = pd.Timestamp(as_of)
    launch = prem.index[0] if len(prem) else as_of
    year = as_of.year - 1 if not (as_of.month == 12 and as_of.day == 31) else as_of.year
    rows = []
    if pd.Timestamp(year=year, month=12, day=31) >= launch:
        part = prem[prem.index.year == year]
        full = launch <= pd.Timestamp(year=year, month=1, day=1)
        rows.append(_counts(part, f"{year}" + ("" if full else " (from launch)"), tolerance))
    quarter = pd.Period(as_of, "Q")
    last_done = quarter if as_of == quarter.end_time.normalize() else quarter - 1
    q = pd.Period(f"{year + 1}Q1", "Q")
    while q <= last_done:
        if q.end_time >= launch:
            part = prem[(prem.index >= q.start_time) & (prem.index <= q.end_time)]
            full = launch <= q.start_time
            rows.append(_counts(part, f"{q.year} Q{q.quarter}" + ("" if full else " (from launch)"), tolerance))
        q += 1
    return pd.DataFrame(rows, columns=["period", "days_premium", "days_discount", "days_at_nav", "max_premium",
                                       "max_discount"])  # fmt: skip


def persistent_premiums(
    premium: pd.Series, threshold: float = PERSISTENT_THRESHOLD, days: int = PERSISTENT_DAYS
) -> pd.DataFrame:
    """Every run of more than ``days`` consecutive trading days with ``|premium| > threshold``.

    Returns
    -------
    DataFrame
        ``start, end, days, kind`` (``"premium"`` or ``"discount"``), ``largest`` (the extreme of the run).
    """
    prem = premium.dropna()
    sign = np.where(prem > threshold, 1, np.where(prem < -threshold, -1, 0))
    rows = []
    i = 0
    while i < len(sign):
        if sign[i] == 0:
            i += 1
            continue
        j = i
        while j + 1 < len(sign) and sign[j + 1] == sign[i]:
            j += 1
        if j - i + 1 > days:
            part = prem.iloc[i : j + 1]
            rows.append({"start": prem.index[i], "end": prem.index[j], "days": j - i + 1,
                         "kind": "premium" if sign[i] > 0 else "discount",
                         "largest": float(part.max() if sign[i] > 0 else part.min())})  # fmt: skip
        i = j + 1
    return pd.DataFrame(rows, columns=["start", "end", "days", "kind", "largest"])


def share_spread(market_price: pd.Series, holdings: pd.DataFrame, half_spread_ticks: float, tick: float) -> pd.Series:
    """The shares' modelled bid-ask spread each day, a fraction of the price (see the module docstring).

    ``holdings`` is the study's table of contracts held after each close
    (``date, price, weight``: the weight is the contract's notional / NAV).
    """
    h = holdings[holdings["price"] > 0]
    per = (h["weight"].abs() * 2.0 * float(half_spread_ticks) * float(tick) / h["price"]).groupby(h["date"]).sum()
    held = h["weight"].abs().groupby(h["date"]).sum()
    futures = (per / held.where(held > 0)).reindex(market_price.index)  # the basket's spread per dollar held
    floor = SHARE_TICK / market_price
    return pd.Series(np.fmax(futures.to_numpy(dtype=float), floor.to_numpy(dtype=float)), index=market_price.index)


def median_spread(spread: pd.Series, as_of: pd.Timestamp, days: int = SPREAD_DAYS) -> float:
    """The median of the daily spreads over the ``days`` calendar days to ``as_of`` (NaN without one)."""
    as_of = pd.Timestamp(as_of)
    window = spread[(spread.index > as_of - pd.Timedelta(days=days)) & (spread.index <= as_of)].dropna()
    return float(window.median()) if len(window) else float("nan")


PREMIUM_FACTS = (
    ("days_premium", "Days at a premium, since inception", "int"),
    ("days_discount", "Days at a discount, since inception", "int"),
    ("largest_premium", "Largest premium", "pct"),
    ("largest_discount", "Largest discount", "pct"),
    ("mean_abs", "Mean absolute premium", "pct_u"),
    ("median_spread", "Median bid-ask spread, last 30 days (modelled)", "pct_u"),
    ("persistent", "Runs over 2% for more than 7 trading days", "int"),
    ("halted_days", statistic("halted_days").heading, statistic("halted_days").fmt),
)
"""(key, label, format) of the premium section's facts; keys are ``premium.<key>`` on the sheet."""


def _period_table(periods: pd.DataFrame) -> Table:
    rows = []
    for _i, r in periods.iterrows():
        key = str(r["period"]).split(" (")[0].replace(" ", "_")
        cells = (
            Cell(f"premium_quarters.{key}.days_premium", float(r["days_premium"]), "int"),
            Cell(f"premium_quarters.{key}.days_discount", float(r["days_discount"]), "int"),
            Cell(f"premium_quarters.{key}.max_premium", float(r["max_premium"]), "pct"),
            Cell(f"premium_quarters.{key}.max_discount", float(r["max_discount"]), "pct"),
        )
        rows.append(Row(key, str(r["period"]), cells))
    return Table("premium_quarters", "Period", ("Days premium", "Days discount", "Largest premium",
                                                "Largest discount"), tuple(rows))  # fmt: skip


def _statement(runs: pd.DataFrame, as_of: pd.Timestamp, forty_act: bool) -> str:
    """The Rule 6c-11(c)(1)(vii) statement for the runs of the last year (none: say so)."""
    recent = runs[runs["end"] > as_of - pd.DateOffset(years=1)]
    if recent.empty:
        return (f"The premium or discount did not exceed 2% for more than seven consecutive trading days in the year "
                f"to {as_of:%Y-%m-%d} ({len(runs)} such runs since inception).")  # fmt: skip
    r = recent.iloc[-1]
    say = "Rule 6c-11(c)(1)(vii) statement" if forty_act else "Statement"
    return (
        f"{say}: the fund's shares traded at a {r['kind']} of more than 2% to NAV for {int(r['days'])} consecutive "
        f"trading days from {r['start']:%Y-%m-%d} to {r['end']:%Y-%m-%d} (largest {abs(r['largest']):.2%}); "
        f"{len(recent)} such run(s) in the year to {as_of:%Y-%m-%d}, {len(runs)} since inception."
    )


def premium_section(
    fund: pd.DataFrame,
    holdings: pd.DataFrame,
    as_of: str,
    fund_terms: Mapping[str, Any],
    tick: float,
    halted_days: float,
) -> tuple[tuple[Fact, ...], Table, tuple[str, ...]]:
    """The fact sheet's premium/discount section: facts, the table by period, and its notes.

    Parameters
    ----------
    fund : DataFrame
        The headline path's daily fund table (``date``, ``premium``, ``market_price``).
    holdings : DataFrame
        Contracts held after each close (``date``, ``price``, ``weight``), for the shares' spread.
    as_of : str
        The report date.
    fund_terms : mapping
        The fund terms (``structure``, ``half_spread_ticks``).
    tick, halted_days : float
        The contract's price increment, and the headline path's days with creations halted.
    """
    terms = fund_terms
    day = pd.Timestamp(as_of)
    dates = pd.DatetimeIndex(fund["date"])
    premium = pd.Series(fund["premium"].to_numpy(dtype=float), index=dates)
    price = pd.Series(fund["market_price"].to_numpy(dtype=float), index=dates)
    if "date" in holdings.columns:
        spread = share_spread(
            price, holdings, float(terms.get("half_spread_ticks", FundConfig.half_spread_ticks)), tick
        )
    else:  # a folder written before holdings were kept by date: no basket to price the spread on
        spread = pd.Series(np.nan, index=dates)
    runs = persistent_premiums(premium)
    prem = premium.dropna()
    values = {
        "days_premium": float((prem > 1e-12).sum()),
        "days_discount": float((prem < -1e-12).sum()),
        "largest_premium": float(prem.max()) if len(prem) else float("nan"),
        "largest_discount": float(prem.min()) if len(prem) else float("nan"),
        "mean_abs": float(prem.abs().mean()) if len(prem) else float("nan"),
        "median_spread": median_spread(spread, day),
        "persistent": float(len(runs)),
        "halted_days": float(halted_days),
    }
    forty_act = str(terms.get("structure", "33_act_pool")).startswith("40")
    basis = (
        "As Rule 6c-11(c)(1)(iv) asks of a 1940 Act ETF"
        if forty_act
        else "Rule 6c-11 applies to 1940 Act funds, not to a commodity pool; shown in its form"
    )
    notes = (
        f"{basis}: days the close was above or below NAV in the last completed calendar year and the completed "
        "quarters since.",
        "Bid-ask spread modelled: the larger of one cent a share (17 CFR 242.612) and the futures' own bid-ask.",
        _statement(runs, day, forty_act),
    )
    return facts_from("premium", values, PREMIUM_FACTS), _period_table(premium_periods(premium, day)), notes
