"""Fact-sheet statistics on one level series: period returns, calendar years, risk ratios.

An issuer's fact sheet quotes returns over standard periods ending on the
sheet's date: 1 month, 3 months, year to date and 1 year *cumulative*, 3 years
and since inception *annualised* (average annual total return) once the
period is longer than a year.  The level at a period's start is the last level
on or before that date (a month back from 31 March is 28 February, from
30 June it is 31 May, and a start on a weekend uses the Friday before).  A period that starts before inception
has no figure: issuers print a dash, never a shorter period.

Risk ratios use *monthly* returns (month-end levels), the convention of fund
fact sheets and rating agencies; daily returns would make a hit rate of about
50% for almost anything.  The risk-free return is the collateral's T-bill
return over the same month, so the Sharpe ratio of a fund holding only T-bills
is zero.

Sources: Global Investment Performance Standards (GIPS 2020) for annualising
only periods of a year or more; Sharpe (1994), "The Sharpe Ratio"; Sortino and
Price (1994), "Performance Measurement in a Downside Risk Framework" (downside
deviation below the risk-free target).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from etfsim.exceptions import DataError

__all__ = [
    "PERIODS",
    "STANDARD_PERIODS",
    "calendar_year_returns",
    "cost_drag",
    "hit_rate",
    "monthly_returns",
    "payoff_ratio",
    "percentile_fan",
    "performance_table",
    "period_return",
    "period_start",
    "sharpe_ratio",
    "sortino_ratio",
]

PERIODS: tuple[tuple[str, str, int | None], ...] = (
    ("1M", "1 Mo", 1),
    ("3M", "3 Mo", 3),
    ("YTD", "YTD", None),
    ("1Y", "1 Yr", 12),
    ("3Y", "3 Yr", 36),
    ("SI", "Since Incep.", None),
)
"""(key, label, months back) of the standard performance periods; ``None``: YTD and since inception."""

STANDARD_PERIODS: tuple[tuple[str, str, int | None], ...] = (
    ("1Y", "1 Yr", 12),
    ("5Y", "5 Yr", 60),
    ("10Y", "10 Yr", 120),
    ("SI", "Since Incep.", None),
)
"""Average annual total returns an ETF's advertisement and prospectus give (SEC Form N-1A Item 4(b)(2)(iii),
Rule 482(d)(3)): 1, 5 and 10 years, or since inception, as of the most recent calendar quarter end."""


def _months() -> dict[str, int | None]:
    return {k: m for k, _label, m in (*PERIODS, *STANDARD_PERIODS)}


def _series(levels: pd.Series) -> pd.Series:
    if not isinstance(levels, pd.Series) or not isinstance(levels.index, pd.DatetimeIndex):
        raise DataError("levels must be a pandas Series indexed by date")
    s = levels.astype(float).dropna()
    s.index = s.index.as_unit("ns")  # day ends are found to the nanosecond, whatever the input's resolution
    if len(s) < 1:
        raise DataError("levels has no valid value")
    if not s.index.is_monotonic_increasing:
        raise DataError("levels must be sorted by date")
    return s


def period_start(as_of: pd.Timestamp, key: str, inception: pd.Timestamp) -> pd.Timestamp | None:
    """The calendar start of a standard period ending ``as_of`` (``None``: it starts before inception).

    ``YTD`` starts on 31 December of the previous year; ``SI`` on inception;
    the others ``months`` calendar months back, month end to month end when
    ``as_of`` is a month end (30 June less one month is 31 May; 31 March less
    one month is 28 or 29 February).
    """
    as_of, inception = pd.Timestamp(as_of).normalize(), pd.Timestamp(inception).normalize()
    months = _months()
    if key == "SI":
        return inception
    if key == "YTD":
        start = pd.Timestamp(year=as_of.year - 1, month=12, day=31)
    elif key in months and months[key] is not None:
        start = as_of - pd.DateOffset(months=int(months[key]))  # type: ignore[arg-type]
        if as_of.is_month_end:  # month end to month end, as issuers report: 30 June less a month is 31 May
            start = start + pd.offsets.MonthEnd(0)
    else:
        raise DataError(f"unknown period {key!r}; known periods: {', '.join(_months())}")
    return None if start < inception else start


def _level_on_or_before(s: pd.Series, day: pd.Timestamp) -> float:
    pos = int(s.index.searchsorted(day, side="right")) - 1
    return float(s.iloc[pos]) if pos >= 0 else float("nan")


def period_return(levels: pd.Series, key: str, as_of: object | None = None, inception: object | None = None) -> float:
    """Return over a standard period ending ``as_of``: cumulative up to a year, annualised beyond.

    Parameters
    ----------
    levels : Series
        Levels (NAV per share, an index) by date.
    key : {"1M", "3M", "YTD", "1Y", "3Y", "SI"}
        The period.
    as_of : date, optional
        End of the period (default: the last date); the level used is the last on or before it.
    inception : date, optional
        First date of the record (default: the first date).

    Returns
    -------
    float
        NaN when the period starts before inception.

    Notes
    -----
    Cumulative ``L(end) / L(start) - 1`` up to a year; 3 years annualised as
    ``(L(end) / L(start))^(1/3) - 1``; since inception annualised with ACT/365
    years, ``(L(end) / L(start))^(365/days) - 1``, once the record is over a year
    (GIPS: no annualising below a year).
    """
    s = _series(levels)
    end = pd.Timestamp(s.index[-1] if as_of is None else as_of).normalize()
    first = pd.Timestamp(s.index[0] if inception is None else inception).normalize()
    start = period_start(end, key, first)
    if start is None:
        return float("nan")
    day = pd.Timedelta(days=1) - pd.Timedelta(nanoseconds=1)  # a bare date includes its whole day
    l0 = _level_on_or_before(s, start + day)
    l1 = _level_on_or_before(s, end + day)
    if not (np.isfinite(l0) and np.isfinite(l1)) or l0 <= 0:
        return float("nan")
    growth = l1 / l0
    months = _months().get(key)
    if months is not None:
        # 3 years: (1 + R)^(1/3) - 1; a year or less stays cumulative
        return float(growth ** (12.0 / months) - 1.0) if months > 12 and growth > 0 else float(growth - 1.0)
    days = (end - start).days
    if key == "SI" and days > 366:  # a one-year record in a leap year is still a year: not annualised
        return float(growth ** (365.0 / days) - 1.0) if growth > 0 else float("nan")
    return float(growth - 1.0)


def performance_table(
    series: Mapping[str, pd.Series], as_of: object | None = None, inception: object | None = None
) -> pd.DataFrame:
    """Rows: the named level series; columns: the :data:`PERIODS` keys (see :func:`period_return`)."""
    rows = {
        name: {key: period_return(s, key, as_of, inception) for key, _label, _m in PERIODS}
        for name, s in series.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=[k for k, _l, _m in PERIODS])


def calendar_year_returns(levels: pd.Series) -> pd.DataFrame:
    """Return of each calendar year: from the last level of the year before (or the first level) to the year's last.

    Returns
    -------
    DataFrame
        Index: year; columns ``return``, ``start`` and ``end`` (the dates used) and
        ``partial`` (the record starts after 1 January or ends before
        31 December, so issuers would footnote the figure).
    """
    s = _series(levels)
    years = s.index.year
    rows = {}
    prev_level, prev_date = float(s.iloc[0]), s.index[0]
    for year in np.unique(years):
        part = s[years == year]
        end_level, end_date = float(part.iloc[-1]), part.index[-1]
        starts_inside = prev_date.year == year  # the record begins during this year
        # the record stops during this year (the last business day of December is on or after the 28th)
        stops_inside = end_date == s.index[-1] and not (end_date.month == 12 and end_date.day >= 28)
        partial = starts_inside or stops_inside
        rows[int(year)] = {
            "return": end_level / prev_level - 1.0 if prev_level > 0 else float("nan"),
            "start": prev_date,
            "end": end_date,
            "partial": bool(partial),
        }
        prev_level, prev_date = end_level, end_date
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "year"
    return frame


def monthly_returns(levels: pd.Series) -> pd.Series:
    """Simple returns between month-end levels (the first month from the first level)."""
    s = _series(levels)
    month_end = s.groupby(s.index.to_period("M")).last()
    start = pd.Series([float(s.iloc[0])], index=[s.index[0].to_period("M") - 1])
    chain = pd.concat([start, month_end])
    return (chain / chain.shift(1) - 1.0).iloc[1:]


def _aligned(returns: pd.Series, risk_free: pd.Series | float | None) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(returns, dtype=float)
    if risk_free is None:
        rf = np.zeros_like(r)
    elif isinstance(risk_free, pd.Series):
        rf = risk_free.reindex(returns.index).to_numpy(dtype=float)
    else:
        rf = np.full_like(r, float(risk_free))
    ok = np.isfinite(r) & np.isfinite(rf)
    return r[ok], rf[ok]


def sharpe_ratio(returns: pd.Series, risk_free: pd.Series | float | None = None, periods_per_year: int = 12) -> float:
    """Annualised Sharpe ratio: mean excess return over its standard deviation, times sqrt(periods a year).

    Notes
    -----
    ``S = mean(r - rf) / std(r - rf, ddof=1) * sqrt(periods_per_year)`` (Sharpe 1994, ex post).
    """
    r, rf = _aligned(returns, risk_free)
    excess = r - rf
    if len(excess) < 2:
        return float("nan")
    sd = float(np.std(excess, ddof=1))
    return float(np.mean(excess) / sd * np.sqrt(periods_per_year)) if sd > 0 else float("nan")


def sortino_ratio(returns: pd.Series, risk_free: pd.Series | float | None = None, periods_per_year: int = 12) -> float:
    """Annualised Sortino ratio: mean excess return over the downside deviation below the risk-free target.

    Notes
    -----
    ``DD = sqrt(mean(min(r - rf, 0)^2))`` over all periods (Sortino and Price 1994);
    ``Sortino = mean(r - rf) / DD * sqrt(periods_per_year)``.
    """
    r, rf = _aligned(returns, risk_free)
    excess = r - rf
    if len(excess) < 2:
        return float("nan")
    dd = float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)))
    return float(np.mean(excess) / dd * np.sqrt(periods_per_year)) if dd > 0 else float("nan")


def hit_rate(returns: pd.Series | Sequence[float]) -> float:
    """Share of periods with a positive return."""
    r = np.asarray(returns, dtype=float)
    r = r[np.isfinite(r)]
    return float((r > 0).mean()) if len(r) else float("nan")


def payoff_ratio(returns: pd.Series | Sequence[float]) -> float:
    """Average gain in up periods over the average loss in down periods (a positive number)."""
    r = np.asarray(returns, dtype=float)
    r = r[np.isfinite(r)]
    up, down = r[r > 0], r[r < 0]
    if not len(up) or not len(down):
        return float("nan")
    return float(up.mean() / -down.mean())


def cost_drag(costs: pd.Series | np.ndarray, nav_before: pd.Series | np.ndarray, years: float) -> float:
    """A cost's drag on the NAV return per year: the sum of each day's cost over the previous close's NAV, per year.

    The daily fractions add up like the log-return attribution of the index,
    so fees and trading costs sit beside spot, term structure and collateral.
    """
    c = np.asarray(costs, dtype=float)
    n = np.asarray(nav_before, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(n > 0, c / n, np.nan)
    return float(np.nansum(frac) / years) if years > 0 else float("nan")


def percentile_fan(values: np.ndarray, percentiles: Sequence[float] = (5, 25, 50, 75, 95)) -> np.ndarray:
    """``(len(percentiles), dates)`` percentiles across paths of a ``(paths, dates)`` array (NaN ignored)."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 2:
        raise DataError(f"values must be shaped (paths, dates), got {x.shape}")
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a date where every path is NaN stays NaN
            return np.asarray(np.nanpercentile(x, list(percentiles), axis=0))
