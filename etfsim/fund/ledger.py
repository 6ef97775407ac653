"""The daily fund ledger: numba kernels over named tuples of arrays, one path at a time.

:func:`record_paths` records every path's day loop (``_ledger_path``);
:func:`summarise_paths` reduces each path as it goes, with the reduction
:func:`ledger_metrics` applies to a recorded ledger (one formula for both).

Each close ``t`` after inception, in this order (the step that does it):

1. **Carry** yesterday's contracts to today's slots (the ledger follows the
   contract, not the slot) and settle the **variation margin**
   ``sum n (F(t) - F(t-1)) * multiplier`` (``_mark``).
2. **Collateral interest** on yesterday's cash (the S&P GSCI T-bill return),
   then the **expense ratio** on the day's net assets (ACT/365):
   ``fee = pre-fee NAV * x / (1 + x)``, ``x = expense_ratio * days / 365`` (``_accrue``).
3. **Market**: investor demand moves the premium (``_demand``); APs create
   (redeem) whole units at NAV when the premium beats their all-in cost, as
   many as beat it on average, up to their capacity and the room the position
   limits leave (:mod:`etfsim.fund.flows`: ``_flows``, with ``limits._creation_room``).  The AP's fee goes to the fund.
4. **Rebalance** to the schedule's quantity weights at a notional of
   ``leverage x NAV`` within the position limits (:mod:`etfsim.fund.positions`:
   ``_roll``, with ``limits._month_limit`` and ``limits._all_months_limit``;
   ``_swap`` holds what a limit cuts off in a swap under a swap response;
   ``_band`` leaves small drifts alone), paying commission, half the spread and
   market impact (``_trade``).
5. **Reverse split** if NAV per share is below the threshold, or the path
   stops if the fund's assets are gone (``_close``); ``_record`` writes the day.

Business refusals are recorded in ``status`` (bit flags, ``STATUS``), never
raised; inputs the ledger cannot price stop it with a negative status.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit
from etfsim.fund import records
from etfsim.fund.flows import _flows
from etfsim.fund.limits import _slot_multiplier
from etfsim.fund.positions import _band, _mark_swap, _roll, _swap, _trade
from etfsim.fund.records import Book, Ledger, LedgerArrays, LedgerTerms, PathMetrics, Reduction, Running, Trades

__all__ = ["STATUS", "ledger_metrics", "market_prices", "record_paths", "summarise_paths"]

STATUS = records.STATUS  # the status bits and their words, named in etfsim.fund.records
DayFlows = tuple[float, float, float, float]  # units created (+) or redeemed (-), fee, margin P&L, interest

# The day loop's steps are jit(inline=True), copied into _ledger_path, which is jit(refcount=False):
# otherwise each array a step is handed (a named tuple hands over all of its arrays) costs two atomic
# reference-count updates a day, which took three quarters of the time.  The steps allocate nothing.


@jit
def _blank(ledger: Ledger, positions: np.ndarray, status: np.ndarray, r: int, lo: int, hi: int, start: int) -> None:
    """Blank dates ``lo .. hi - 1`` of row ``r``: NaN, but zero flows and costs from inception on.

    Called for the dates before inception and after a path stops, so a row
    reused for the next path (or an array from ``np.empty``) holds nothing stale.
    """
    for field in ledger:
        for t in range(lo, hi):
            field[r, t] = math.nan
    flows = ledger.fees, ledger.commission, ledger.spread_cost, ledger.impact_cost, ledger.creations, ledger.redemptions
    for field in flows:
        for t in range(max(lo, start), hi):
            field[r, t] = 0.0
    for t in range(lo, hi):
        status[r, t] = 0
        for s in range(positions.shape[2]):
            positions[r, t, s] = math.nan


@jit(inline=True)
def _mark(
    data: LedgerArrays, terms: LedgerTerms, pos: np.ndarray, p: int, r: int, t: int, start: int, carried: np.ndarray
) -> tuple[float, int]:
    """Carry yesterday's contracts into today's slots (``carried``) and settle their variation margin.

    Returns the margin and 0, or a negative code: a contract held left the curve
    (``LEFT_CURVE``) or lacks a price on one of the two days (``NO_PRICE``).
    """
    pnl = 0.0
    for s in range(carried.shape[0]):
        # -0.0: plus a nonzero count it is that count, and it compares equal to 0.0 (nothing else reads
        # it); LLVM turns a loop that stores 0.0 into a call to memset, which on a few slots costs more
        # than the loop (the registers saved and restored around it)
        carried[s] = -0.0
    if t == start:
        return pnl, 0
    bad = 0
    for s in range(carried.shape[0]):
        c = pos[r, t - 1, s]  # contracts held at yesterday's close
        if c != 0.0:
            j = data.next_slot[t - 1, s]
            if j < 0:
                bad = records.LEFT_CURVE
                break
            f_prev = data.prices[p, t - 1, s]
            f_now = data.prices[p, t, j]
            if math.isnan(f_prev) or math.isnan(f_now):
                bad = records.NO_PRICE
                break
            carried[j] += c
            pnl += c * _slot_multiplier(data, terms, t - 1, s) * (f_now - f_prev)  # a contract keeps its multiplier
    return pnl, bad


@jit(inline=True)
def _accrue(book: Book, pnl: float, tbill_return: float, fee_share: float) -> tuple[Book, float, float]:
    """Interest on yesterday's cash and the margin into cash, then the fee: the book, interest and fee."""
    interest = book.cash * tbill_return
    cash = book.cash + pnl + interest
    fee = cash * fee_share
    return Book(cash - fee, book.shares, book.premium), interest, fee


@jit(inline=True)
def _demand(data: LedgerArrays, terms: LedgerTerms, ledger: Ledger, p: int, r: int, t: int, start: int) -> float:
    """Investor demand on ``t`` as a fraction of yesterday's NAV: drawn, in dollars, and chasing returns.

    The return chased is a share's over ``chase_window`` days with reverse splits undone.
    """
    nav_prev = ledger.nav[r, t - 1]
    trail = 0.0
    if terms.chase != 0.0 and t - terms.chase_window >= start:
        w0 = t - terms.chase_window
        base = ledger.nav[r, w0] / ledger.shares[r, w0] / ledger.split[r, w0]
        trail = (ledger.nav[r, t - 1] / ledger.shares[r, t - 1] / ledger.split[r, t - 1]) / base - 1.0
    # each demand array is one row for every path or a row per path
    dollars = data.demand_dollars[0 if data.demand_dollars.shape[0] == 1 else p, t]
    frac = data.demand_frac[0 if data.demand_frac.shape[0] == 1 else p, t]
    demand: float = frac + (dollars / nav_prev if dollars != 0.0 else 0.0) + terms.chase * trail
    return demand


@jit(inline=True)
def _close(
    data: LedgerArrays, t: int, book: Book, trades: Trades, terms: LedgerTerms, launch: bool
) -> tuple[Book, int, float]:
    """Pay the trading costs; stop a path whose assets are gone (even by the launch trades), or split the shares.

    Returns the book, the status bits and the split ratio of the day (1: none): a
    dated split (``data.split_ratio``) on its date, else the fund's own below its threshold.
    """
    cash = book.cash - (trades.commission + trades.spread_cost + trades.impact_cost)
    if not cash > 0.0:  # zero, below, or NaN (a sum that overflowed): the assets are gone
        return Book(cash, book.shares, book.premium), records.LIQUIDATED, 1.0
    dated = data.split_ratio[t]
    if not launch and dated > 1.0:
        return Book(cash, book.shares / dated, book.premium), records.REVERSE_SPLIT, dated
    if not launch and terms.split_below > 0.0 and cash < terms.split_below * book.shares:
        return Book(cash, book.shares / terms.split_ratio, book.premium), records.REVERSE_SPLIT, terms.split_ratio
    return Book(cash, book.shares, book.premium), 0, 1.0


@jit(inline=True)
def _record(
    ledger: Ledger,
    r: int,
    t: int,
    launch: bool,
    book: Book,
    day: DayFlows,
    trades: Trades,
    terms: LedgerTerms,
    ratio: float,
) -> None:
    """Write day ``t`` into row ``r``; ``day`` holds the units (+ created, - redeemed), fee, margin P&L and interest.

    The launch has no market, margin or interest yet (NaN); the split ratio starts at 1 (``ratio``: the day's split).
    """
    units, fee, pnl, interest = day
    # unsigned indices: numba then leaves out its check for a negative index, which it cannot share
    # between fifteen arrays of unknown shapes (a tenth of the day loop's instructions)
    i, j = np.uint64(r), np.uint64(t)
    ledger.fees[i, j] = fee
    ledger.creations[i, j] = units if units > 0.0 else 0.0
    ledger.redemptions[i, j] = -units if units < 0.0 else 0.0
    if launch:
        ledger.split[i, j] = 1.0
        ledger.premium_arb[i, j] = math.nan
        ledger.pnl[i, j] = math.nan
        ledger.interest[i, j] = math.nan
    else:
        ledger.split[i, j] = ledger.split[i, j - np.uint64(1)] * ratio
        ledger.premium_arb[i, j] = book.premium
        ledger.pnl[i, j] = pnl
        ledger.interest[i, j] = interest
    ledger.nav[i, j] = book.cash
    ledger.shares[i, j] = book.shares
    ledger.cash[i, j] = book.cash
    ledger.commission[i, j] = trades.commission
    ledger.spread_cost[i, j] = trades.spread_cost
    ledger.impact_cost[i, j] = trades.impact_cost
    ledger.margin[i, j] = trades.held * terms.margin_per_contract
    ledger.notional[i, j] = trades.notional


@jit(refcount=False)
def _ledger_path(
    p: int,
    r: int,
    data: LedgerArrays,
    terms: LedgerTerms,
    start: int,
    scratch: np.ndarray,
    ledger: Ledger,
    positions: np.ndarray,
    status: np.ndarray,
) -> int:
    """Path ``p`` from inception, written into row ``r`` of ``ledger``, ``positions`` and ``status``.

    The launch is day ``start`` of the same loop: nothing is carried, and there is no margin,
    interest, fee or market yet.  ``scratch``: ``(4, depth)``, each row one number a slot: the
    contracts carried, the target, the contracts cut off by the limits and those the swap holds.
    Returns 0, or the negative code the path stopped on.
    """
    carried, target, cut, swapped = scratch[0], scratch[1], scratch[2], scratch[3]
    for s in range(swapped.shape[0]):
        swapped[s] = 0.0
    n = data.prices.shape[1]
    wp = 0 if data.weights.shape[0] == 1 else p
    _blank(ledger, positions, status, r, 0, start, start)
    book = Book(terms.nav0, terms.shares0, 0.0)
    stop = n  # the first date the path does not reach
    code = 0
    swap = 0.0  # the total-return swap's notional since yesterday's close
    refused = False  # APs were refused units yesterday (a halt): the premium carries over at halted_persistence
    for t in range(start, n):
        launch = t == start
        pnl, code = _mark(data, terms, positions, p, r, t, start, carried)
        if code < 0:
            stop = t
            break
        interest = fee = units = 0.0
        st = 0
        if swap != 0.0:  # the swap pays what its contracts did, less its financing spread
            pnl += _mark_swap(data, terms, p, t, swapped, swap)
        flowed = 0.0  # the cash creations brought in (redemptions took out) today
        if not launch:
            book, interest, fee = _accrue(book, pnl, data.tbill_return[t], data.fee_share[t])
            demand = _demand(data, terms, ledger, p, r, t, start)
            before = book.cash
            book, units, st = _flows(data, terms, p, wp, t, book, demand, refused)
            flowed = book.cash - before
            refused = (st & records.HALTED_BITS) != 0
        # orders after the settlement: today's creations are invested (redemptions sold) at the next close
        invest = book.cash - flowed if terms.invest_next_day else book.cash
        code = _roll(data, terms, p, wp, t, invest, target, cut)
        if code < 0:
            stop = t
            break
        st |= code
        swap = 0.0
        if data.swap_on[t]:
            swap, st = _swap(data, terms, p, t, book.cash, cut, st)
        for s in range(swapped.shape[0]):
            swapped[s] = cut[s]
        if terms.band > 0.0 and not launch and units == 0.0:  # rolls and flows always trade
            _band(data, terms, t, target, carried)
        flow = 0.0  # read only by trades at the settlement price: no division a day otherwise
        if terms.at_settlement and book.cash > 0.0 and not terms.invest_next_day:
            flow = abs(flowed) / book.cash
        trades = _trade(data, terms, positions, p, r, t, start, carried, target, flow)
        book, code, ratio = _close(data, t, book, trades, terms, launch)
        st |= code
        if code == records.LIQUIDATED:  # a fund wiped out holds nothing
            for s in range(target.shape[0]):
                positions[r, t, s] = 0.0
        _record(ledger, r, t, launch, book, (units, fee, pnl, interest), trades, terms, ratio)
        ledger.swap[np.uint64(r), np.uint64(t)] = swap
        if code == records.LIQUIDATED:  # what it holds after the close: nothing, so no notional or margin
            ledger.notional[np.uint64(r), np.uint64(t)] = 0.0
            ledger.margin[np.uint64(r), np.uint64(t)] = 0.0
        status[r, t] = st
        if code == records.LIQUIDATED:
            stop = t + 1
            break
    # one call after the loop, not one per way out of it: each passes every array of the ledger
    _blank(ledger, positions, status, r, stop, n, start)
    if code < 0:
        status[r, stop] = code
        return code
    return 0


@jit(inline=True)
def _finite(x: float) -> float:
    """``numpy.nan_to_num`` of one number: NaN to 0, infinities to the largest finite floats."""
    if math.isnan(x):
        return 0.0
    if math.isinf(x):
        return 1.7976931348623157e308 if x > 0 else -1.7976931348623157e308
    return x


@jit(inline=True)
def _or_zero(x: float) -> float:
    """0 for NaN, so sums run over the days that exist (adding 0.0 leaves a sum as it was)."""
    return 0.0 if math.isnan(x) else x


@jit(inline=True)
def _market_price(navps: float, nav: float, premium_arb: float, next_pnl: float, post_share: float) -> float:
    """A share's market price at a close: NAV per share with the arbitrage premium and tomorrow's move.

    The market closes after the settlement that strikes NAV, so the share
    ``post_share`` of the next day's futures move (``next_pnl / nav``) is in the price.
    """
    move = _finite(next_pnl / nav)
    return navps * (1.0 + _finite(premium_arb)) * (1.0 + post_share * move)


@jit(refcount=False)
def market_prices(ledger: Ledger, post_share: float, market: np.ndarray, premium: np.ndarray) -> None:
    """Fill ``market`` and ``premium`` ``(rows, dates)`` from a recorded ledger (see ``_market_price``)."""
    n = market.shape[1]
    for r in range(market.shape[0]):
        for t in range(n):
            nav = ledger.nav[r, t]
            navps = nav / ledger.shares[r, t]
            next_pnl = ledger.pnl[r, t + 1] if t + 1 < n else 0.0
            m = _market_price(navps, nav, ledger.premium_arb[r, t], next_pnl, post_share)
            market[r, t] = m
            premium[r, t] = m / navps - 1.0


@jit(inline=True)
def _reduce_day(
    run: Running, ledger: Ledger, status: np.ndarray, r: int, t: int, start: int, red: Reduction, ip: int,
    scratch: np.ndarray,
) -> Running:  # fmt: skip
    """Day ``t`` of row ``r`` added to the running sums ``run``: one step of :func:`_path_metrics`.

    The sums go from day to day as one tuple of numbers, each new one a choice between two values
    rather than an update inside a branch: with the same additions in the same order, the
    reduction took 12% less of the ledger's time (112 against 128 ms on 500 paths).
    """
    n = ledger.nav.shape[1]  # as _finish reads it: the ledger sets the dates
    diffs, navps_days = scratch[0], scratch[1]
    index_tr = red.index_tr
    prev, count, total = run.prev, run.n_diffs, run.total
    i, j = np.uint64(r), np.uint64(t)  # unsigned: no negative-index check on each of the arrays (see _record)
    code = status[r, t]
    nav = ledger.nav[i, j]
    navps = nav / ledger.shares[i, j]
    if t > start:
        # NAV per share with reverse splits undone, against the total-return index
        cur = navps / ledger.split[i, j]
        navps_days[t] = cur
        d = (cur - prev) / prev - (index_tr[ip, t] - index_tr[ip, t - 1]) / index_tr[ip, t - 1]
        prev = cur
        if math.isfinite(d):
            diffs[count] = d
            count += 1
            total += d
    next_pnl = ledger.pnl[i, j + np.uint64(1)] if t + 1 < n else 0.0
    prem = _market_price(navps, nav, ledger.premium_arb[i, j], next_pnl, red.post_share) / navps - 1.0
    up = not math.isnan(prem)
    return Running(
        prev,
        count,
        total,
        run.nav_days + (0 if math.isnan(nav) else 1),
        run.nav_sum if math.isnan(nav) else run.nav_sum + nav,
        run.days_premium + 1.0 if prem > 1e-12 else run.days_premium,
        run.days_discount + 1.0 if prem < -1e-12 else run.days_discount,
        max(run.max_premium, prem) if up else run.max_premium,
        run.any_premium or up,
        run.fees + _or_zero(ledger.fees[i, j]),
        run.commission + _or_zero(ledger.commission[i, j]),
        run.spread_cost + _or_zero(ledger.spread_cost[i, j]),
        run.impact + _or_zero(ledger.impact_cost[i, j]),
        run.creations + _or_zero(ledger.creations[i, j]),
        run.redemptions + _or_zero(ledger.redemptions[i, j]),
        run.halted + 1.0 if code & records.HALTED_BITS else run.halted,
        run.wiped or (code & records.LIQUIDATED) != 0,
    )


@jit(inline=True)
def _running(ledger: Ledger, r: int, start: int, scratch: np.ndarray) -> Running:
    """Nothing reduced yet: the sums at zero, and the NAV per share at inception (``scratch[1, start]``)."""
    nav0 = ledger.nav[r, start] / ledger.shares[r, start] / ledger.split[r, start]
    scratch[1, start] = nav0
    return Running(nav0, 0, 0.0, 0, 0.0, 0.0, 0.0, -math.inf, False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False)


@jit(inline=True)
def _finish(
    run: Running, ledger: Ledger, r: int, start: int, red: Reduction, ip: int, diffs: np.ndarray
) -> PathMetrics:
    """The :class:`PathMetrics` of row ``r`` once every date is in ``run``."""
    n = ledger.nav.shape[1]
    index_tr = red.index_tr
    inv_years = 1.0 / red.years if red.years > 0.0 else math.inf
    nav0 = ledger.nav[r, start] / ledger.shares[r, start] / ledger.split[r, start]
    nav_t = ledger.nav[r, n - 1] / ledger.shares[r, n - 1] / ledger.split[r, n - 1]
    nav_ret = -1.0 if run.wiped else (nav_t / nav0) ** inv_years - 1.0
    tr_ret = (index_tr[ip, n - 1] / index_tr[ip, start]) ** inv_years - 1.0
    # tracking error: the sample standard deviation of the differences, annualised by their count
    te = math.nan
    count = run.n_diffs
    if count > 1:
        mean = run.total / count
        ss = 0.0
        for k in range(count):
            ss += (diffs[k] - mean) * (diffs[k] - mean)
        per_year = count / max(red.years, 1e-12) if red.years > 0 else math.nan
        te = math.sqrt(ss / (count - 1)) * math.sqrt(per_year)
    return PathMetrics(
        nav_ret,
        tr_ret,
        nav_ret - tr_ret,
        te,
        ledger.nav[r, start],
        ledger.nav[r, n - 1],
        run.nav_sum / run.nav_days if run.nav_days > 0 else math.nan,
        ledger.nav[r, start] / ledger.shares[r, start],
        ledger.nav[r, n - 1] / ledger.shares[r, n - 1],
        run.fees,
        run.commission + run.spread_cost,
        run.impact,
        run.creations,
        run.redemptions,
        run.days_premium,
        run.days_discount,
        run.max_premium if run.any_premium else math.nan,
        run.halted,
    )


@jit(refcount=False)
def _path_metrics(
    ledger: Ledger, status: np.ndarray, r: int, start: int, red: Reduction, ip: int, scratch: np.ndarray
) -> PathMetrics:
    """Row ``r`` of a ledger reduced to its :class:`PathMetrics`; ``ip``: the index's row.

    ``scratch`` ``(2, dates)``: the daily return differences, and the NAV per share with splits
    undone from inception on, which the caller may read for the dates it keeps.

    Returns use NAV per share, splits undone; a fund wiped out lost everything (-100% a year).
    """
    run = _running(ledger, r, start, scratch)
    for t in range(start, status.shape[1]):
        run = _reduce_day(run, ledger, status, r, t, start, red, ip, scratch)
    return _finish(run, ledger, r, start, red, ip, scratch[0])


@jit
def ledger_metrics(ledger: Ledger, status: np.ndarray, start: int, red: Reduction, metrics: np.ndarray) -> None:
    """Every row of a recorded ledger reduced into ``metrics`` ``(rows, len(METRICS))``."""
    diffs = np.empty((2, status.shape[1]))
    for p in range(status.shape[0]):
        m = _path_metrics(ledger, status, p, start, red, 0 if red.index_tr.shape[0] == 1 else p, diffs)
        for j in range(len(m)):
            metrics[p, j] = m[j]


@jit
def record_paths(
    data: LedgerArrays, terms: LedgerTerms, start: int, ledger: Ledger, positions: np.ndarray, status: np.ndarray
) -> int:
    """Run the ledger on every path, path ``p`` recorded in row ``p`` of ``ledger``, ``positions`` and ``status``.

    Returns -1, or the first path whose ledger stopped on an input it cannot price
    (its row then holds that path's ledger, so the caller can say which contract and day).
    """
    n_paths, depth = data.prices.shape[0], data.prices.shape[2]
    # scratch, each entry written before it is read (np.empty also compiles fastest)
    scratch = np.empty((4, depth))
    for p in range(n_paths):
        if _ledger_path(p, p, data, terms, start, scratch, ledger, positions, status) < 0:
            return p
    return -1


@jit
def summarise_paths(
    data: LedgerArrays,
    terms: LedgerTerms,
    start: int,
    red: Reduction,
    ledger: Ledger,
    positions: np.ndarray,
    status: np.ndarray,
    metrics: np.ndarray,
    kept: np.ndarray,
) -> int:
    """Run every path through row 0 of ``ledger``, ``positions`` and ``status`` and reduce it before the next.

    Path ``p``'s :class:`PathMetrics` go to ``metrics[p]`` and its NAV per share
    (splits undone) on the dates ``red.keep`` to ``kept[p]``.  Returns -1, or the
    first path that stopped (as :func:`record_paths`); row 0 then holds its ledger.
    """
    n_paths, n, depth = data.prices.shape
    scratch = np.empty((4, depth))
    per_day = np.empty((2, n))
    for p in range(n_paths):
        if _ledger_path(p, 0, data, terms, start, scratch, ledger, positions, status) < 0:
            return p
        m = _path_metrics(ledger, status, 0, start, red, 0 if red.index_tr.shape[0] == 1 else p, per_day)
        for j in range(len(m)):
            metrics[p, j] = m[j]
        for j in range(red.keep.shape[0]):
            t = red.keep[j]  # the reduction's own NAV per share: nav / shares / split, divided once
            kept[p, j] = per_day[1, t] if t >= start else math.nan
    return -1
