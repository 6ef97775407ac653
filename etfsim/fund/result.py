"""``FundResult``: the fund's daily ledger on every path, as :func:`etfsim.simulate_fund` records it.

The arrays come from the ledger kernel (:mod:`etfsim.fund.ledger`); this
module reads them: NAV per share, costs, the market price and premium (worked
out on first use), tables by date and the summary.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etfsim._numba import readonly
from etfsim._results import Result
from etfsim.contracts.spec import ContractSpec
from etfsim.fund import ledger as _ledger
from etfsim.fund.config import FundConfig
from etfsim.fund.limits import LimitInForce
from etfsim.fund.records import HALTED_BITS, STATUS, Ledger
from etfsim.index.result import IndexResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FundResult"]


def _day(dates: np.ndarray, t: int) -> str:
    return str(dates[t])[:19].replace("T00:00:00", "")


class FundResult(Result):
    """The fund's daily ledger on every path.

    ``ledger`` holds the day's record by field (:class:`~etfsim.fund.records.Ledger`:
    ``result.ledger.nav``, ``result.ledger.fees``, ...), each ``(paths, dates)``
    and NaN before inception; ``positions`` is ``(paths, dates, depth)``.
    ``status`` holds the ledger's bit flags (:data:`etfsim.fund.records.STATUS`).
    ``multipliers`` is each slot's contract multiplier ``(dates, depth)`` and
    ``limits`` the exchange limits the fund met, each with the way it was given
    (:class:`~etfsim.fund.limits.LimitInForce`).  ``market_price`` and
    ``premium`` are worked out from the ledger on first use.
    Every array is read-only: a result records a run and does not change.
    """

    dates: np.ndarray
    contracts: np.ndarray
    start: int
    config: FundConfig
    contract: ContractSpec
    ledger: Ledger
    positions: np.ndarray
    status: np.ndarray
    index: IndexResult
    rule: str
    multipliers: np.ndarray
    limits: tuple[LimitInForce, ...]

    @property
    def n_paths(self) -> int:
        return int(self.status.shape[0])

    @cached_property
    def _market(self) -> tuple[np.ndarray, np.ndarray]:
        # one pass over the ledger for both, on first use: a run that reads only NAV (a sweep, the vectorbt
        # check) skips it, 7 ms and 40 MB of fresh pages on 1,000 paths x 2,520 dates
        p, n = self.status.shape
        market, premium = np.empty((p, n)), np.empty((p, n))
        _ledger.market_prices(self.ledger, float(self.config.post_settlement_share), market, premium)
        return readonly(market), readonly(premium)

    @property
    def market_price(self) -> np.ndarray:
        """A share's market price at each close ``(paths, dates)``: NAV per share, the premium and tomorrow's move.

        The market closes after the settlement that strikes NAV, so a share of the
        next day's futures move is in today's price (``post_settlement_share`` of
        ``self.config``: a result copied with other terms works its price out again).
        """
        return self._market[0]

    @property
    def premium(self) -> np.ndarray:
        """The market price's premium to NAV per share (negative: a discount), ``(paths, dates)``."""
        return self._market[1]

    def limit_lines(self, date: object = None) -> list[str]:
        """Each limit in words, with its contracts on ``date`` (default: inception) where it is not a count.

        For example ``"position limit: 25% of open interest (about 375,000 contracts on 2026-04-01)"``.
        """
        on = self.inception if date is None else date
        return [limit.describe(on) for limit in self.limits]

    @property
    def nav(self) -> np.ndarray:
        return self.ledger.nav

    @property
    def nav_per_share(self) -> np.ndarray:
        return np.asarray(self.ledger.nav / self.ledger.shares)

    @property
    def split_factor(self) -> np.ndarray:
        """Cumulative reverse-split ratio since inception (NaN before it and after a wipe-out)."""
        return self.ledger.split

    @property
    def nav_per_share_adjusted(self) -> np.ndarray:
        """NAV per share in launch shares (reverse splits undone), for returns."""
        return np.asarray(self.nav_per_share / self.split_factor)

    @property
    def halted(self) -> np.ndarray:
        return np.asarray((self.status & HALTED_BITS) != 0)

    @property
    def costs(self) -> np.ndarray:
        """Trading costs of the day: commission, half-spread and impact."""
        f = self.ledger
        return np.asarray(f.commission + f.spread_cost + f.impact_cost)

    def _repr_facts(self) -> dict[str, object]:
        return {"rule": self.rule, "paths": self.n_paths, "dates": len(self.dates), "inception": self.inception}

    @property
    def inception(self) -> str:
        """The fund's first date (its launch), as text."""
        return _day(self.dates, self.start)

    def to_frame(self) -> pd.DataFrame:
        """The ledger as a DataFrame (see :attr:`daily`)."""
        return self.daily

    def plot(self, ax: Axes | None = None, path: int = 0) -> Axes:
        """Growth of NAV per share (reverse splits undone) and of the TR index it tracks, on one path.

        Both start at the NAV per share at inception; returns the matplotlib Axes.
        """
        from etfsim._charts import COLOURS, draw_growth, new_axes, title_above_legend

        s = self.start
        nav = self.nav_per_share_adjusted[path, s:]
        tr = self.index.tr[path if self.index.tr.shape[0] > 1 else 0, s:]
        lines = [("NAV per share", nav, COLOURS["fund"], 1.1), ("Index TR", nav[0] * tr / tr[0], COLOURS["index"], 0.9)]
        ax = new_axes() if ax is None else ax
        draw_growth(ax, np.asarray(self.dates[s:]), lines, float(nav[0]), money=False)
        on = f", path {path}" if self.n_paths > 1 else ""
        title_above_legend(ax, f"{self.rule}: NAV per share and the index it tracks{on}")
        return ax

    def _repr_frame(self) -> pd.DataFrame:
        return self.daily_frame(0)

    def daily_frame(self, path: int = 0) -> pd.DataFrame:
        """One path's ledger by date (from inception)."""
        sl = slice(self.start, None)
        f = self.ledger
        st = self.status[path, sl]
        frame = pd.DataFrame(
            {
                "nav": f.nav[path, sl],
                "nav_per_share": self.nav_per_share[path, sl],
                "market_price": self.market_price[path, sl],
                "premium": self.premium[path, sl],
                "shares": f.shares[path, sl],
                "cash": f.cash[path, sl],
                "tbills": f.cash[path, sl] - f.margin[path, sl],
                "margin": f.margin[path, sl],
                "notional": f.notional[path, sl],
                "swap_notional": f.swap[path, sl],
                "pnl": f.pnl[path, sl],
                "interest": f.interest[path, sl],
                "fees": f.fees[path, sl],
                "commission": f.commission[path, sl],
                "spread_cost": f.spread_cost[path, sl],
                "impact_cost": f.impact_cost[path, sl],
                "costs": self.costs[path, sl],
                "creations": f.creations[path, sl],
                "redemptions": f.redemptions[path, sl],
                "halted": (st & HALTED_BITS) != 0,
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
        return "; ".join(text for bit, text in STATUS.items() if code & bit)

    def summary(self, path: int = 0) -> str:
        """One path's NAV, returns, tracking, costs and premium days (from :func:`etfsim.fund.fund_metrics`)."""
        from etfsim.fund.metrics import fund_metrics

        m = fund_metrics(self).iloc[path]
        lines = [
            f"FundResult: rule {self.rule!r}, {self.n_paths} path(s), inception {self.inception}",
            f"  NAV {m['nav_start']:,.0f} -> {m['nav_end']:,.0f}; NAV/share {m['navps_start']:.4f} -> {m['navps_end']:.4f}",
            f"  NAV return / yr        {m['nav_return']:+.2%}   index TR / yr {m['index_tr_return']:+.2%}",
            f"  tracking difference/yr {m['tracking_difference']:+.3%}   tracking error {m['tracking_error']:.3%}",
            f"  fees {m['fees']:,.0f}   trading {m['trading_costs']:,.0f}   impact {m['impact_costs']:,.0f}",
            f"  days at premium {m['days_premium']:,.0f}, at discount {m['days_discount']:,.0f}; "
            f"creation halts on {m['halted_days']:,.0f} days",
        ]
        lines += [f"  {line}" for line in self.limit_lines()]
        return "\n".join(lines)
