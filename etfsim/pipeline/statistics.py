"""Per-path statistics of a strategy run: one declarative table.

Each :class:`Statistic` is one row (column, label, format, definition, what it
is computed from, the tables that show it) plus the function that computes
it, in the spirit of ffn's ``(attribute, label, format)`` rows.  The CLI's
tables, the fact sheet, the rules sheet and the Parquet columns read names,
labels and formats from :data:`STATISTICS`, so a new statistic is one row
here and its computation.

Formats are the sheets' format names (:data:`etfsim.report.tables.FORMATS`):
``pct`` a signed return, ``pct_u`` an unsigned percentage, ``int`` a count,
``num1`` a number with one decimal.  Returns per year are compound annual
growth rates unless the definition says log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from etfsim.exceptions import DataError, UnknownNameError
from etfsim.index.levels import IndexResult
from etfsim.metrics import annualised_volatility, max_drawdown
from etfsim.roll.schedule import RollSchedule

__all__ = ["STATISTICS", "Sources", "Statistic", "compute_statistics", "statistic", "statistics_of"]

Table = Literal["backtest", "fund", "sweep"]


@dataclass(frozen=True, eq=False)
class Sources:
    """What the statistics of one run are computed from (per path).

    Attributes
    ----------
    index : IndexResult
        The strategy's ER/TR/spot index.
    schedule : RollSchedule
        Its roll schedule.
    contango : ndarray
        Per path, the share of days with ``F1 > F0``.
    fund : DataFrame or None
        Per path, the fund's metrics (:func:`etfsim.fund.fund_metrics` columns), when a fund ran.
    years : float
        ACT/365 years from the fund's inception to the last date (NaN without a fund).
    """

    index: IndexResult
    schedule: RollSchedule
    contango: np.ndarray
    fund: pd.DataFrame | None = None
    years: float = float("nan")

    @property
    def n_paths(self) -> int:
        return int(len(self.contango))

    @cached_property
    def annualised(self) -> pd.DataFrame:
        """The index's annualised returns and log attribution (NaN where an index lost everything)."""
        cols = ("er_return", "tr_return", "term_structure", "spot")
        try:
            ann = self.index.annualised()
            return pd.DataFrame({c: ann[c].to_numpy() for c in cols})
        except DataError:  # a position worth nothing on some path has no log attribution
            return pd.DataFrame({c: np.full(self.n_paths, np.nan) for c in cols})

    def metric(self, column: str) -> np.ndarray:
        """One column of the fund's metrics (the caller checks that a fund ran)."""
        assert self.fund is not None  # statistics of a fund are computed only when one ran
        return np.asarray(self.fund[column].to_numpy(dtype=np.float64))


@dataclass(frozen=True)
class Statistic:
    """One per-path statistic: how it is named, printed and defined, and how it is computed.

    ``label`` heads the command line's columns; ``heading`` (``sheet_label``,
    else the label capitalised) names it on the fact sheet and the rules sheet.
    """

    column: str
    label: str
    fmt: str
    definition: str
    of: Literal["index", "fund"]
    tables: frozenset[str]
    compute: Callable[[Sources], np.ndarray]
    sheet_label: str = ""

    @property
    def heading(self) -> str:
        """How the sheets name it."""
        return self.sheet_label or self.label[:1].upper() + self.label[1:]


def _index(column: str) -> Callable[[Sources], np.ndarray]:
    return lambda s: np.asarray(s.annualised[column].to_numpy(), dtype=np.float64)


def _fund(column: str) -> Callable[[Sources], np.ndarray]:
    return lambda s: s.metric(column)


def _per_year(column: str) -> Callable[[Sources], np.ndarray]:
    return lambda s: s.metric(column) / s.years


def _costs_per_year(s: Sources) -> np.ndarray:
    # the sum first, then per dollar of average NAV, then per year: the order the figures were always formed in
    costs: np.ndarray = (s.metric("fees") + s.metric("trading_costs") + s.metric("impact_costs")) / s.metric("nav_mean")
    return costs / s.years


def _roll_trades(s: Sources) -> np.ndarray:
    return np.broadcast_to(s.schedule.roll_trades_by_path(), (s.n_paths,)).astype(float)


_ALL = frozenset({"backtest", "sweep"})
_FUND = frozenset({"fund", "sweep"})
_SWEEP = frozenset({"sweep"})

STATISTICS: tuple[Statistic, ...] = (
    # column, CLI label, format, definition, computed from, tables, computation[, sheet heading]
    Statistic("er_return", "ER return / yr", "pct", "compound annual growth of the excess-return index",
              "index", _ALL, _index("er_return"), "Index ER / yr"),
    Statistic("tr_return", "TR return / yr", "pct",
              "compound annual growth of the total-return index (ER plus T-bill collateral)",
              "index", _ALL, _index("tr_return"), "Index TR / yr"),
    Statistic("volatility", "ER volatility", "pct_u",
              "standard deviation of daily log ER returns times the square root of returns per year",
              "index", _ALL, lambda s: annualised_volatility(s.index.er, s.index.dates, start=s.index.start)),
    Statistic("max_drawdown", "max drawdown (ER)", "pct", "largest fall of the ER index from a running peak",
              "index", _ALL, lambda s: max_drawdown(s.index.er, start=s.index.start)),
    Statistic("term_structure", "term structure / yr", "pct",
              "term-structure contribution, log return per year (ER = spot + term structure)",
              "index", _ALL, _index("term_structure"), "Term structure / yr (log)"),
    Statistic("spot", "spot / yr", "pct", "change of the spot index, log return per year",
              "index", _ALL, _index("spot"), "Spot / yr (log)"),
    Statistic("roll_trades", "roll trades", "int", "closes at which the schedule changes its contracts",
              "index", _ALL, _roll_trades),
    Statistic("contango_share", "days in contango", "pct_u",
              "share of dates with the second contract above the front (F1 > F0)",
              "index", frozenset({"backtest"}), lambda s: np.asarray(s.contango, dtype=float)),
    Statistic("nav_return", "NAV return / yr", "pct",
              "compound annual growth of NAV per share (reverse splits undone); -100% for a fund wiped out",
              "fund", _FUND, _fund("nav_return"), "Fund NAV / yr"),
    Statistic("index_tr_return", "index TR / yr", "pct", "compound annual growth of the TR index over the fund's life",
              "fund", _FUND, _fund("index_tr_return"), "Index TR / yr"),
    Statistic("tracking_difference", "tracking diff. / yr", "pct",
              "NAV return per year minus the index TR return per year",
              "fund", _FUND, _fund("tracking_difference"), "Tracking difference / yr"),
    Statistic("tracking_error", "tracking error", "pct_u",
              "standard deviation of daily NAV-minus-index return differences, annualised",
              "fund", _FUND, _fund("tracking_error"), "Tracking error (annualised)"),
    Statistic("premium_days_per_year", "premium days / yr", "num1", "closes with the market price above NAV, per year",
              "fund", frozenset({"fund"}), _per_year("days_premium")),
    Statistic("discount_days_per_year", "discount days / yr", "num1", "closes with the market price below NAV, per year",
              "fund", frozenset({"fund"}), _per_year("days_discount")),
    Statistic("max_premium", "largest premium", "pct", "largest premium of the market price over NAV",
              "fund", frozenset({"fund"}), _fund("max_premium")),
    Statistic("costs_per_year", "costs / yr", "pct_u",
              "expense-ratio fees, trading costs and market impact per year, as a share of the average NAV",
              "fund", _FUND, _costs_per_year),
    Statistic("fees", "fees", "money", "expense-ratio fees, dollars", "fund", _SWEEP, _fund("fees")),
    Statistic("trading_costs", "trading costs", "money", "commission and half-spread, dollars",
              "fund", _SWEEP, _fund("trading_costs")),
    Statistic("impact_costs", "impact costs", "money", "market impact, dollars", "fund", _SWEEP, _fund("impact_costs")),
    Statistic("days_premium", "premium days", "int", "closes with the market price above NAV",
              "fund", _SWEEP, _fund("days_premium"), "Days at a premium"),
    Statistic("days_discount", "discount days", "int", "closes with the market price below NAV",
              "fund", _SWEEP, _fund("days_discount"), "Days at a discount"),
    Statistic("halted_days", "halted days", "int",
              "days creations were halted by a position limit or an accountability level",
              "fund", _FUND, _fund("halted_days"), "Days creations halted"),
    Statistic("creations", "creation units", "int", "creation units issued", "fund", _SWEEP, _fund("creations")),
    Statistic("redemptions", "redemption units", "int", "creation units redeemed",
              "fund", _SWEEP, _fund("redemptions")),
)  # fmt: skip
"""Every per-path statistic, in the order tables print them."""

_BY_COLUMN = {s.column: s for s in STATISTICS}


def statistic(column: str) -> Statistic:
    """The row of :data:`STATISTICS` for ``column``.

    Raises
    ------
    UnknownNameError
        If no statistic has that column (the message lists them).
    """
    try:
        return _BY_COLUMN[column]
    except KeyError:
        raise UnknownNameError("statistic", column, _BY_COLUMN) from None


def statistics_of(table: Table | None = None, of: Literal["index", "fund"] | None = None) -> tuple[Statistic, ...]:
    """The rows a table shows (``backtest``, ``fund``, ``sweep``), or those computed from the index or the fund."""
    return tuple(s for s in STATISTICS if (table is None or table in s.tables) and (of is None or s.of == of))


def compute_statistics(sources: Sources, rows: tuple[Statistic, ...] | None = None) -> pd.DataFrame:
    """One row per path, one column per statistic (all those the sources allow, or ``rows``).

    Fund statistics are computed only when ``sources.fund`` is given.
    """
    wanted = rows if rows is not None else tuple(s for s in STATISTICS if s.of == "index" or sources.fund is not None)
    return pd.DataFrame(
        {s.column: s.compute(sources) for s in wanted}, index=pd.RangeIndex(sources.n_paths, name="path")
    )
