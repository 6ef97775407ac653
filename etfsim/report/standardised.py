"""Standardised performance: average annual total returns as of the last calendar quarter end.

An ETF's prospectus and any advertisement with performance give the fund's
average annual total return over 1, 5 and 10 years (or since inception when
younger), at NAV and at market price, as of the most recent calendar quarter
end (SEC Form N-1A Item 4(b)(2)(iii); Rule 482(d)(3)), with the gross and net
expense ratios beside them.  The sheet's other performance table is as of
the report date; this one is fixed to the quarter end, as the rule asks.

Since inception is measured from the launch price (``nav_per_share`` of the
fund terms, the price the first shares were created at), so the costs of
buying the first futures on the launch day are in the figure, not hidden by
starting from the first close.
"""

from __future__ import annotations

import pandas as pd

from etfsim.report.stats import STANDARD_PERIODS, period_return
from etfsim.report.tables import Cell, Fact, Row, Table, facts_from

__all__ = ["EXPENSE_FACTS", "quarter_end", "since_launch", "standardised_performance"]

EXPENSE_FACTS = (
    ("gross", "Gross expense ratio", "pct_u"),
    ("net", "Net expense ratio (no fee waiver modelled)", "pct_u"),
)
"""(key, label, format) of the expense ratios printed with the standardised returns (``expense.<key>``)."""


def quarter_end(as_of: object) -> pd.Timestamp:
    """The last calendar quarter end on or before ``as_of`` (31 March, 30 June, 30 September, 31 December)."""
    day = pd.Timestamp(as_of).normalize()
    period = pd.Period(day, "Q")
    end = period.end_time.normalize()
    return end if day >= end else (period - 1).end_time.normalize()


def since_launch(levels: pd.Series, as_of: pd.Timestamp, inception: pd.Timestamp, launch: float) -> float:
    """Return from the launch price to the last level on or before ``as_of``, annualised beyond a year (ACT/365).

    NaN when ``as_of`` is before inception or the level is missing.
    """
    s = levels.dropna()
    s = s[s.index <= as_of + pd.Timedelta(days=1) - pd.Timedelta(nanoseconds=1)]
    if s.empty or as_of < inception or not launch > 0:
        return float("nan")
    growth = float(s.iloc[-1]) / float(launch)
    days = (as_of - inception).days
    if days > 366:  # GIPS: no annualising below a year
        return float(growth ** (365.0 / days) - 1.0) if growth > 0 else float("nan")
    return growth - 1.0


def standardised_performance(
    series: dict[str, pd.Series], as_of: object, inception: object, launch_price: float, expense_ratio: float
) -> tuple[Table, str, tuple[Fact, ...]]:
    """The standardised table (NAV and market price x 1, 5, 10 years and since inception), its date, the ratios.

    Parameters
    ----------
    series : dict
        ``nav`` and ``market``: NAV per share and market price by date, reverse splits undone.
    as_of, inception : date
        The report date (the table is as of the last quarter end on or before it) and the fund's first day.
    launch_price : float
        The price per share the fund launched at; since inception starts there.
    expense_ratio : float
        The fund's expense ratio, a fraction a year.

    Returns
    -------
    (Table, str, tuple of Fact)
        The table (a dash where a period starts before inception, or the quarter end is before it), the quarter
        end (``YYYY-MM-DD``) and the gross and net expense ratios.
    """
    q_end = quarter_end(as_of)
    first = pd.Timestamp(inception).normalize()
    rows = []
    for name, label in (("nav", "Fund NAV"), ("market", "Market price")):
        s = series[name]
        cells = []
        for key, _label, _months in STANDARD_PERIODS:
            if key == "SI":
                value = since_launch(s, q_end, first, launch_price)
            else:
                value = period_return(s, key, q_end, first) if q_end >= first else float("nan")
            cells.append(Cell(f"standardised.{name}.{key}", value, "pct"))
        rows.append(Row(name, label, tuple(cells), name == "nav"))
    table = Table("standardised", "", tuple(lbl for _k, lbl, _m in STANDARD_PERIODS), tuple(rows))
    ratios = facts_from("expense", {"gross": float(expense_ratio), "net": float(expense_ratio)}, EXPENSE_FACTS)
    return table, f"{q_end:%Y-%m-%d}", ratios
