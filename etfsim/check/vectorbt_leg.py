"""The futures leg of a fund as a vectorbt portfolio: an independent check of the ledger.

vectorbt knows nothing of futures, rolls or slots.  Each real contract becomes
a column of prices (in units of the underlying), the fund's positions become
target amounts, and etfsim's per-contract costs become vectorbt's proportional
fee on each order (cost per contract / (price x multiplier)).  A futures
position settles its P&L into cash every day while vectorbt buys the units
outright, so the portfolio starts with an extra cash buffer (so no order is cut
short) that is subtracted from its value: what remains is the fund's NAV.

:func:`vectorbt_value` rebuilds one path with one vectorbt call;
:func:`vectorbt_values` rebuilds many paths in one call, each path a group of
columns with its own cash.  There a column holds one contract after another:
a contract is held for a few months of a ten-year path, so a column per
contract would be mostly empty, and vectorbt's work grows with the table.
Two contracts share a column when the second is first bought after the first
is sold down to nothing, so the price jump where the column changes contract
meets no units and moves no value.  vectorbt is imported here only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etfsim.fund.engine import FundResult

__all__ = ["contract_columns", "packed_columns", "vectorbt_value", "vectorbt_values"]

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


def _per_contract_fee(result: FundResult) -> float:
    cfg = result.config
    return float(cfg.commission + cfg.half_spread_ticks * result.contract.tick * result.contract.multiplier)


def vectorbt_value(result: FundResult, prices: np.ndarray, path: int = 0) -> np.ndarray:
    """The fund's value path rebuilt by vectorbt from its positions and costs (from inception)."""
    import vectorbt as vbt

    cfg = result.config
    price, units = contract_columns(result, prices, path)
    s = result.start
    price, units = price.iloc[s:], units.iloc[s:]
    with np.errstate(divide="ignore", invalid="ignore"):
        fees = (_per_contract_fee(result) / (result.contract.multiplier * price)).fillna(0.0)
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


def packed_columns(
    result: FundResult, prices: np.ndarray, paths: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """Prices and target units of many paths from inception, contracts packed into few columns.

    Returns ``price`` and ``units``, both ``(dates from inception, paths, columns)``,
    and for each column the contracts it holds one after another.  A contract
    occupies its column from the first date any path holds it to the first
    date after that on which no path does (the sale to nothing); a later
    contract takes the first column free before its own first purchase.
    ``units`` is NaN (no order) outside a contract's stretch; ``price`` there
    carries the column's last price forward (the first one backward).
    """
    sel = np.arange(result.n_paths) if paths is None else np.asarray(paths, dtype=np.int64)
    s = result.start
    codes = np.asarray(result.contracts)[s:]
    pos = np.nan_to_num(np.asarray(result.positions)[sel, s:, :]) * result.contract.multiplier
    px = np.asarray(prices)[sel, s:, :]
    n = codes.shape[0]
    stretches = []  # (first, last, code, [(date, slot), ...]) per contract held at some point
    for code in sorted({str(c) for c in np.unique(codes) if c}):
        at_d, at_s = np.nonzero(codes == code)
        held = np.nonzero((pos[:, at_d, at_s] != 0).any(axis=0))[0]
        if not held.size:
            continue  # never held by any path: every order would be a no-op
        first, last_held = held[0], held[-1]
        sold = last_held + 1 < at_d.size  # the sale to nothing is on a listed date; else held to the end
        after = last_held + 1 if sold else last_held
        free = int(at_d[after]) if sold else n  # a contract held to its last date keeps its column
        stretches.append((int(at_d[first]), free, code, at_d[first : after + 1], at_s[first : after + 1]))
    stretches.sort(key=lambda x: (x[0], x[2]))
    ends: list[int] = []
    members: list[list[str]] = []
    where: list[int] = []
    for first, last, code, _, _ in stretches:
        j = next((j for j, e in enumerate(ends) if e < first), len(ends))
        if j == len(ends):
            ends.append(last)
            members.append([])
        else:
            ends[j] = last
        members[j].append(code)
        where.append(j)
    price = np.full((n, sel.size, len(ends)), np.nan)
    units = np.full((n, sel.size, len(ends)), np.nan)
    for (_, _, _, days, slots), j in zip(stretches, where, strict=True):
        series = pd.DataFrame(px[:, days, slots].T).ffill().bfill().to_numpy()  # a contract's own gaps
        price[days, :, j] = series
        units[days, :, j] = pos[:, days, slots].T
    flat = pd.DataFrame(price.reshape(n, -1)).ffill().bfill().to_numpy()
    return flat.reshape(price.shape), units, members


def vectorbt_values(result: FundResult, prices: np.ndarray, paths: np.ndarray | None = None) -> np.ndarray:
    """The fund's value paths ``(paths, dates from inception)`` rebuilt by vectorbt in one call.

    Every path is a group of columns (see :func:`packed_columns`) sharing its
    own cash; one ``Portfolio.from_orders`` call simulates them all.
    """
    import vectorbt as vbt

    cfg = result.config
    price, units, _ = packed_columns(result, prices, paths)
    n, p, m = price.shape
    mult = result.contract.multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        fees = np.nan_to_num(_per_contract_fee(result) / (mult * price), nan=0.0, posinf=0.0)
    index = pd.DatetimeIndex(np.asarray(result.dates)[result.start :], name="date")
    columns = pd.MultiIndex.from_product([range(p), range(m)], names=["path", "column"])
    pf = vbt.Portfolio.from_orders(
        close=pd.DataFrame(price.reshape(n, p * m), index=index, columns=columns),
        size=units.reshape(n, p * m),
        size_type="targetamount",
        fees=fees.reshape(n, p * m),
        init_cash=_BUFFER + cfg.nav_per_share * cfg.initial_shares,
        cash_sharing=True,
        group_by=np.repeat(np.arange(p), m),
        call_seq="auto",
        freq="1D",
    )
    return np.asarray(pf.value().to_numpy().T - _BUFFER, dtype=np.float64)
