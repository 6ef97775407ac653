"""The futures leg of a fund as a vectorbt portfolio: an independent check of the ledger.

vectorbt knows nothing of futures, rolls or slots.  Each real contract becomes
a column of prices (in units of the underlying), the fund's positions become
target amounts, and etfsim's per-contract costs become vectorbt's proportional
fee on each order (cost per contract / (price x multiplier)).  A futures
position settles its P&L into cash every day while vectorbt buys the units
outright, so the portfolio starts with an extra cash buffer (so no order is cut
short) that is subtracted from its value: what remains is the fund's NAV.
vectorbt is imported here only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etfsim.fund.engine import FundResult

__all__ = ["contract_columns", "vectorbt_value"]

_BUFFER = 1e9  # dollars of extra cash; large against any order, small enough to keep float precision


def contract_columns(result: FundResult, prices: np.ndarray, path: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-contract price and target-unit tables (dates x contracts) of one path, NaN where not listed."""
    codes = sorted({str(c) for c in np.unique(result.contracts) if c})
    col = {c: i for i, c in enumerate(codes)}
    n, k = result.contracts.shape
    price = np.full((n, len(codes)), np.nan)
    units = np.full((n, len(codes)), np.nan)
    mult = result.contract.multiplier
    for s in range(k):
        listed = np.nonzero(result.contracts[:, s] != "")[0]
        cols = np.array([col[str(c)] for c in result.contracts[listed, s]], dtype=np.int64)
        price[listed, cols] = prices[path, listed, s]
        units[listed, cols] = np.nan_to_num(result.positions[path, listed, s]) * mult
    index = pd.DatetimeIndex(np.asarray(result.dates), name="date")
    return pd.DataFrame(price, index=index, columns=codes), pd.DataFrame(units, index=index, columns=codes)


def vectorbt_value(result: FundResult, prices: np.ndarray, path: int = 0) -> np.ndarray:
    """The fund's value path rebuilt by vectorbt from its positions and costs (from inception)."""
    import vectorbt as vbt

    cfg = result.config
    price, units = contract_columns(result, prices, path)
    s = result.start
    price, units = price.iloc[s:], units.iloc[s:]
    per_contract = cfg.commission + cfg.half_spread_ticks * result.contract.tick * result.contract.multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        fees = (per_contract / (result.contract.multiplier * price)).fillna(0.0)
    nav0 = cfg.nav_per_share * cfg.initial_shares
    pf = vbt.Portfolio.from_orders(
        close=price.ffill().bfill(),
        size=units,
        size_type="targetamount",
        fees=fees,
        init_cash=_BUFFER + nav0,
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        freq="1D",
    )
    return np.asarray(pf.value().to_numpy() - _BUFFER, dtype=np.float64)
