"""The fund's positions each close: contracts for the schedule within the limits, swaps, and the trades.

Steps of the ledger's day loop (:mod:`etfsim.fund.ledger`), compiled inline
into it: :func:`_roll` sizes the contracts at a notional of ``leverage x NAV``
within the position limits, :func:`_swap` holds what a limit cut off in a
total-return swap (and :func:`_mark_swap` settles it), :func:`_band` leaves
small drifts alone, :func:`_trade` trades to the targets and pays commission,
half-spread and impact; :func:`_unit_trade_cost` is what one creation unit's
trades cost (a variable creation fee).

numba caches the day loop on ``ledger.py``'s source, not this file's: after
changing a step here, touch ``ledger.py`` so the loop compiles again.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit
from etfsim.fund import records
from etfsim.fund.limits import _all_months_limit, _month_limit, _slot_multiplier, _slot_size
from etfsim.fund.records import LedgerArrays, LedgerTerms, Trades

__all__: list[str] = []  # steps of the ledger's day loop, not an API


@jit(inline=True)
def _unit_trade_cost(data: LedgerArrays, terms: LedgerTerms, p: int, wp: int, t: int, unit_value: float) -> float:
    """Commission and half-spread (not at settlement) of the contracts one unit's value buys at today's weights."""
    value = 0.0
    for s in range(data.prices.shape[2]):
        if data.weights[wp, t, s] > 0.0:
            value += data.weights[wp, t, s] * data.prices[p, t, s] * _slot_multiplier(data, terms, t, s)
    if not value > 0.0:
        return 0.0
    per = abs(terms.leverage) * unit_value / value
    cost = 0.0
    for s in range(data.prices.shape[2]):
        w = data.weights[wp, t, s]
        if w > 0.0:
            spread = 0.0 if terms.at_settlement else terms.spread_cost * _slot_size(data, terms, t, s)
            cost += per * w * (terms.commission + spread)
    return cost


@jit(inline=True)
def _roll(
    data: LedgerArrays, terms: LedgerTerms, p: int, wp: int, t: int, cash: float, target: np.ndarray, cut: np.ndarray
) -> int:
    """Contracts per slot (``target``) for the schedule's weights at a notional equal to NAV, within the limits.

    Returns the status bits, or ``NO_PRICE_TO_BUY`` when a contract weighted today has no price.  On a
    date with a swap response ``cut`` gets the contracts the limits cut off, slot by slot (signed as the
    exposure): the swap holds them (:func:`_swap`); else it is zero.
    """
    depth = target.shape[0]
    value = 0.0
    for s in range(depth):
        # zeroed in the loop that sums: alone, a loop storing zeros becomes a call to memset, which on a
        # few slots costs more than the loop (see _mark in etfsim/fund/ledger.py)
        cut[s] = 0.0
        target[s] = 0.0
        if data.weights[wp, t, s] > 0.0:
            value += data.weights[wp, t, s] * data.prices[p, t, s] * _slot_multiplier(data, terms, t, s)
    if math.isnan(value):
        return records.NO_PRICE_TO_BUY
    st = 0
    if value > 0.0 and cash > 0.0:
        per_unit = terms.leverage * cash / value  # exposure = leverage x NAV (negative: a short, inverse fund)
        carry = 0.0  # contracts pushed out of a full month into the next ones
        for s in range(depth):
            want = per_unit * data.weights[wp, t, s] + carry
            carry = 0.0
            if want == 0.0:
                continue
            k = want if terms.fractional else math.floor(want + 0.5)
            held, carry, bit = _month_limit(data, terms, p, t, s, abs(k))  # limits cap longs and shorts alike
            if k < 0.0:
                held, carry = -held, -carry
            if bit == records.EXPOSURE_CAPPED and data.swap_on[t]:
                cut[s] = k - held
            st |= bit
            target[s] = held
        if data.swap_on[t]:  # what the all-months limit takes off each slot goes to the swap too
            for s in range(depth):
                cut[s] += target[s]
            st |= _all_months_limit(data, terms, p, t, target)
            for s in range(depth):
                cut[s] -= target[s]
        else:
            st |= _all_months_limit(data, terms, p, t, target)
    return st


@jit(inline=True)
def _swap(
    data: LedgerArrays, terms: LedgerTerms, p: int, t: int, cash: float, cut: np.ndarray, st: int
) -> tuple[float, int]:
    """Hold the contracts the limits cut off (``cut``) in a total-return swap: its notional and the status bits.

    The swap references the same contract months the fund would have held, so
    with no spread it returns what those futures return.  Above the
    counterparty's limit (``swap_limit`` x NAV) ``cut`` is scaled down in place
    and the rest of the exposure stays cut (the capped bit stays); within it
    the capped bit gives way to the swap's.
    """
    notional = 0.0
    for s in range(cut.shape[0]):
        if cut[s] != 0.0:
            notional += cut[s] * data.prices[p, t, s] * _slot_multiplier(data, terms, t, s)
    if notional == 0.0 or cash <= 0.0:
        for s in range(cut.shape[0]):
            cut[s] = 0.0
        return 0.0, st
    st |= records.SWAP_USED
    most = terms.swap_limit * cash
    if abs(notional) > most:
        scale = most / abs(notional)
        for s in range(cut.shape[0]):
            cut[s] = cut[s] * scale
        notional = notional * scale
    else:
        st &= ~records.EXPOSURE_CAPPED
    return notional, st


@jit(inline=True)
def _mark_swap(data: LedgerArrays, terms: LedgerTerms, p: int, t: int, held: np.ndarray, notional: float) -> float:
    """The swap's P&L into ``t``: its contracts' moves (each followed into its slot), less the financing spread."""
    pnl = 0.0
    for s in range(held.shape[0]):
        c = held[s]
        if c != 0.0:
            j = data.next_slot[t - 1, s]
            if j >= 0:
                move = data.prices[p, t, j] - data.prices[p, t - 1, s]
                if not math.isnan(move):
                    pnl += c * _slot_multiplier(data, terms, t - 1, s) * move
    cost: float = data.swap_cost[t]
    return pnl - abs(notional) * cost


@jit(inline=True)
def _band(data: LedgerArrays, terms: LedgerTerms, t: int, target: np.ndarray, carried: np.ndarray) -> None:
    """Leave small drifts in a contract still held alone: within ``terms.band`` of all contracts, keep it.

    Contracts are counted in contracts of the base multiplier, so a re-denominated month weighs its units.
    """
    total = 0.0
    for s in range(target.shape[0]):
        total += abs(target[s]) * _slot_size(data, terms, t, s)
    for s in range(target.shape[0]):
        drift = abs(target[s] - carried[s]) * _slot_size(data, terms, t, s)
        if carried[s] != 0.0 and target[s] != 0.0 and drift <= terms.band * total:
            target[s] = carried[s]


@jit(inline=True)
def _trade(
    data: LedgerArrays,
    terms: LedgerTerms,
    positions: np.ndarray,
    p: int,
    r: int,
    t: int,
    start: int,
    carried: np.ndarray,
    target: np.ndarray,
    flow: float,
) -> Trades:
    """Trade from ``carried`` to ``target`` and hold it: commission, half the spread and impact per contract.

    Impact is ``coefficient * F * multiplier * traded^2 / volume``; when volume follows the price,
    dollar liquidity holds, so the contracts traded a day scale with launch / today's price.  ``flow``
    is the day's creations and redemptions as a share of NAV: trades at settlement fill that part of
    each month's trade at the settlement price, with no half-spread.
    """
    comm = sprd = imp = held = notional = 0.0
    vscale = -1.0  # volume's scale today, worked out on the first trade
    for s in range(target.shape[0]):
        f = data.prices[p, t, s]
        m = _slot_multiplier(data, terms, t, s)
        size = _slot_size(data, terms, t, s)  # the spread and the margin are per contract of the base multiplier
        dn = abs(target[s] - carried[s])
        if dn > 1e-12:
            comm += terms.commission * dn
            comm += terms.commission_rate * abs(f) * m * dn  # a share of traded notional; adds 0.0 when unused
            paid = dn
            if terms.at_settlement and flow > 0.0:  # the flows' contracts fill at the settlement price
                paid = max(dn - flow * abs(target[s]), 0.0)
            sprd += terms.spread_cost * size * paid
            if vscale < 0.0:
                vscale = 1.0
                if data.volume_ref.shape[1] > 1:
                    ratio = data.volume_ref[p, start] / data.volume_ref[p, t]
                    if math.isfinite(ratio) and ratio > 0.0:
                        vscale = ratio
            imp += terms.impact * abs(f) * m * dn * dn / (data.volume[t, s] * vscale)
        positions[r, t, s] = target[s]
        held += abs(target[s]) * size
        if target[s] != 0.0:
            notional += target[s] * f * m
    return Trades(comm, sprd, imp, held, notional)
