"""The fund ledger's named inputs, state and record: small named tuples numba compiles as structs.

Each field is declared once here and read by name everywhere else: in the
kernels of :mod:`etfsim.fund.ledger`, in :class:`etfsim.fund.FundResult` and in
the metrics.  numba passes a named tuple by value and reads a field by its
place, so a field costs nothing at run time that a positional array did not.

numba's on-disk cache keys a kernel on its own file and on the types of its
arguments, which name these classes and their fields' types but neither the
fields' order nor the status bits' values: after changing either here, touch
``ledger.py``, ``positions.py`` and ``limits.py`` (or clear their ``__pycache__``) so the kernels
compile again.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from etfsim._numba import readonly

__all__ = [
    "METRICS",
    "STATUS",
    "Book",
    "Ledger",
    "LedgerArrays",
    "LedgerTerms",
    "PathMetrics",
    "Reduction",
    "Running",
    "Trades",
]

# Status bits of a day (business refusals and events, recorded) and the codes that stop a path (negative)
HALT_POSITION_LIMIT = 1
HALT_ACCOUNTABILITY = 2
HALT_ALL_MONTHS = 4
EXPOSURE_CAPPED = 8
SPREAD_LATER = 16
REVERSE_SPLIT = 32
REDEMPTIONS_CAPPED = 64
LIQUIDATED = 128
CREATIONS_SUSPENDED = 256
SWAP_USED = 512
LEFT_CURVE = -1
NO_PRICE = -2
NO_PRICE_TO_BUY = -3

STATUS = {
    HALT_POSITION_LIMIT: "creations halted: position limit in a contract month",
    HALT_ACCOUNTABILITY: "creations halted: accountability level",
    HALT_ALL_MONTHS: "creations halted: all-months position limit",
    EXPOSURE_CAPPED: "exposure capped by a position limit",
    SPREAD_LATER: "exposure spread into later months by a position limit",
    REVERSE_SPLIT: "reverse split",
    REDEMPTIONS_CAPPED: "redemptions capped at the fund's last creation unit",
    LIQUIDATED: "fund wiped out: net assets fell to zero or below; the ledger stops",
    CREATIONS_SUSPENDED: "creations suspended by a dated event (e.g. registered shares exhausted)",
    SWAP_USED: "exposure above a position limit held in a total-return swap",
}
"""Status bits of the ledger and what each means."""
HALTED_BITS = HALT_POSITION_LIMIT | HALT_ACCOUNTABILITY | HALT_ALL_MONTHS | CREATIONS_SUSPENDED
"""The bits of a day on which APs wanted units and got fewer: a limit, or a suspension."""


class LedgerTerms(NamedTuple):
    """The fund's terms as the day loop reads them: numbers, ``inf`` where there is no limit."""

    nav0: float  # dollars at inception
    shares0: float
    creation_unit: float  # shares in a creation unit
    creation_fee: float  # dollars an AP pays the fund per unit created
    redemption_fee: float
    commission: float  # dollars per contract traded
    commission_rate: float  # a fee as a share of traded notional (a perpetual venue's taker fee)
    spread_cost: float  # dollars per contract of the base multiplier traded: half the spread, ticks * tick * multiplier
    impact: float  # impact coefficient: F * multiplier * traded^2 / volume
    multiplier: float  # the spec's base multiplier: every slot's, unless redenominated
    leverage: float  # exposure as a multiple of NAV at each close (2: a 2x fund; -1: inverse)
    redenominated: bool  # months with other multipliers: read LedgerArrays.multiplier and size (else a fast path)
    limits_by_date: bool  # read the limits from LedgerArrays (else the two counts below: a fast path)
    position_limit: float  # contracts in one month, when not limits_by_date (inf: none)
    all_months_limit: float  # contracts in all months together, when not limits_by_date
    accountability_priced: bool  # month_limits[0] is in dollars / multiplier (divide by the price), else contracts
    position_priced: bool  # the same for month_limits[1]
    all_months_dollars: bool  # all_months_limit caps the notional of all months, else their base contracts
    split_below: float  # NAV per share that triggers a reverse split (0: never)
    split_ratio: float
    fractional: bool  # fractional contracts (else whole ones)
    ap_capacity: float  # units the APs create or redeem at most a day
    ap_spread: float  # the APs' spread beyond the fees, a fraction of a unit's value
    persistence: float  # share of yesterday's premium left today
    halted_persistence: float  # ... the day after APs were refused units (a halt): unmet demand carries over
    swap_limit: float  # the swap counterparty's largest notional, a fraction of NAV (inf: none)
    variable_fee: bool  # APs also pay the commission and half-spread of investing (or selling) their units
    at_settlement: bool  # trades for creations and redemptions fill at the settlement price: no half-spread
    invest_next_day: bool  # orders come after the settlement: a unit's cash is invested at the next close
    demand_impact: float  # premium per unit of demand (a fraction of NAV)
    chase: float  # demand per unit of the share's trailing return
    chase_window: int  # business days of that return
    margin_per_contract: float  # initial margin held in cash, dollars per contract of the base multiplier
    band: float  # drifts within this share of all contracts held are not traded


class LedgerArrays(NamedTuple):
    """The ledger's inputs by path and date: the curve, the schedule, collateral, liquidity, demand."""

    prices: np.ndarray  # (paths, dates, depth) futures settlements
    weights: np.ndarray  # (1 or paths, dates, depth) the schedule's quantity weights per contract: weights / size
    next_slot: np.ndarray  # (dates - 1, depth) int: slot on t of the contract in slot s on t - 1 (-1: off the curve)
    tbill_return: np.ndarray  # (dates,) collateral return of the step into t (0 at t = 0)
    fee_share: np.ndarray  # (dates,) the day's fee as a share of pre-fee NAV: x / (1 + x), x = ratio * days / 365
    volume: np.ndarray  # (dates, depth) contracts (of the slot's own multiplier) traded a day by slot
    volume_ref: np.ndarray  # (paths, dates) the price volume follows (launch / today's), or (1, 1): fixed volume
    demand_frac: np.ndarray  # (paths or 1, dates) investor demand as a fraction of NAV
    demand_dollars: np.ndarray  # (paths or 1, dates) investor demand in dollars
    room_per_notional: np.ndarray  # (1 or paths, dates) largest NAV the limits allow per dollar of sum q F mult
    room_limit: np.ndarray  # (1 or paths, dates) int: status bit of the limit that binds first (0: none)
    multiplier: np.ndarray  # (dates, depth) units per contract of each slot's contract
    size: np.ndarray  # (dates, depth) a slot's contract in contracts of the base multiplier (1: not re-denominated)
    month_limits: np.ndarray  # (2, dates, depth) accountability level, position limit: contracts or dollars / mult
    all_months_limit: np.ndarray  # (dates,) contracts of the base multiplier in all months, or dollars of notional
    split_ratio: np.ndarray  # (dates,) a dated reverse split's ratio after the close (1: none)
    creations_open: np.ndarray  # (dates,) 1.0 where APs may create, 0.0 while creations are suspended
    spread_later: np.ndarray  # (dates,) bool: a full month's excess moves to the next month (else it is cut)
    swap_on: np.ndarray  # (dates,) bool: exposure above a limit goes into a total-return swap (else it is cut)
    swap_cost: np.ndarray  # (dates,) the swap's financing spread over the step into t (spread * days / 365)


class Ledger(NamedTuple):
    """The fund's daily record: one ``(rows, dates)`` array a field, NaN before inception.

    The six flow and cost fields (``fees`` to ``redemptions``) are zero from
    inception on once a path has stopped, so they sum; the rest are NaN.
    """

    nav: np.ndarray  # net assets after the close
    shares: np.ndarray  # shares outstanding after creations, redemptions and splits
    cash: np.ndarray  # T-bills and margin (a futures fund holds its NAV in cash)
    fees: np.ndarray  # expense ratio accrued that day
    commission: np.ndarray
    spread_cost: np.ndarray  # half the bid-ask spread on each contract traded
    impact_cost: np.ndarray
    creations: np.ndarray  # units created
    redemptions: np.ndarray  # units redeemed
    premium_arb: np.ndarray  # the premium left after the APs traded (NaN at inception)
    pnl: np.ndarray  # variation margin (NaN at inception)
    interest: np.ndarray  # collateral interest (NaN at inception)
    margin: np.ndarray  # initial margin on the contracts held
    notional: np.ndarray  # sum of contracts * price * multiplier
    split: np.ndarray  # cumulative reverse-split ratio since inception (1 at inception)
    swap: np.ndarray  # total-return swap notional (0 without one), signed as the exposure

    @classmethod
    def empty(cls, rows: int, dates: int) -> Ledger:
        """Uninitialised ``(rows, dates)`` arrays in one block (the kernels write every entry).

        ``cash`` is ``nav`` itself: a futures fund's net assets are its cash (the
        day loop writes the same number to both), and one array fewer is 8 bytes
        a path and date less memory to fill.
        """
        nav, shares, *rest = np.empty((len(cls._fields) - 1, rows, dates))
        return cls(nav, shares, nav, *rest)

    def readonly(self) -> Ledger:
        """The same arrays as read-only views, for a result that must not be changed."""
        return type(self)(*(readonly(a) for a in self))


class Book(NamedTuple):
    """The fund between two steps of a day: its cash (which is its NAV), shares and premium."""

    cash: float
    shares: float
    premium: float  # the market's premium to NAV after the APs' trades


class Trades(NamedTuple):
    """The day's trades to the targets: their costs in dollars, and the contracts then held."""

    commission: float
    spread_cost: float
    impact_cost: float
    held: float  # sum of |contracts| in contracts of the base multiplier, for the initial margin
    notional: float  # sum of contracts * price * multiplier


class Reduction(NamedTuple):
    """What reducing a path to :class:`PathMetrics` needs besides its ledger."""

    index_tr: np.ndarray  # (1 or paths, dates) the total-return index the fund tracks
    keep: np.ndarray  # int: dates whose NAV per share (splits undone) to keep, e.g. month ends
    years: float  # ACT/365 years from inception to the last date
    post_share: float  # share of the next day's futures move in today's market price


class Running(NamedTuple):
    """A path's reduction so far: the sums and counts :class:`PathMetrics` is made of, day by day."""

    prev: float  # yesterday's NAV per share, splits undone
    n_diffs: int  # daily return differences against the index that exist
    total: float  # their sum
    nav_days: int  # days with a NAV
    nav_sum: float
    days_premium: float
    days_discount: float
    max_premium: float
    any_premium: bool
    fees: float
    commission: float
    spread_cost: float
    impact: float
    creations: float
    redemptions: float
    halted: float  # days creations were halted by a limit
    wiped: bool  # the fund's assets were gone on some day


class PathMetrics(NamedTuple):
    """One path's figures, as :func:`etfsim.fund.fund_metrics` publishes them (its columns, in order)."""

    nav_return: float  # per year, NAV per share with reverse splits undone; -1 for a fund wiped out
    index_tr_return: float  # per year
    tracking_difference: float  # nav_return - index_tr_return
    tracking_error: float  # sample std of daily return differences, annualised by their count
    nav_start: float
    nav_end: float
    nav_mean: float  # over the days with a NAV
    navps_start: float
    navps_end: float
    fees: float
    trading_costs: float  # commission and half-spread
    impact_costs: float
    creations: float  # units
    redemptions: float
    days_premium: float  # market price above NAV by more than 1e-12
    days_discount: float
    max_premium: float
    halted_days: float  # days creations were halted by a limit


METRICS = PathMetrics._fields
"""Per-path figure names: the columns of ``fund_metrics`` and ``FundSummary.metrics``."""
