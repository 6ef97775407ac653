"""The APs' step of the fund's day: demand moves the premium, and units are created or redeemed at NAV.

Step 3 of the day loop in :mod:`etfsim.fund.ledger`, compiled inline into it:
:func:`_flows` decides from the premium, the APs' fees and their spread whether
any unit can trade; :func:`_create` and :func:`_redeem` work the units out
(with the room the position limits leave, :func:`etfsim.fund.limits._creation_room`,
and the fund's last unit kept); :func:`_no_whole_unit` spares them on the days no
whole unit can trade, with the same numbers.

numba caches the day loop on ``ledger.py``'s source, not this file's: after
changing a step here, touch ``ledger.py`` so the loop compiles again.
"""

from __future__ import annotations

import math

from etfsim._numba import jit
from etfsim.fund import records
from etfsim.fund.limits import _creation_room
from etfsim.fund.positions import _unit_trade_cost
from etfsim.fund.records import Book, LedgerArrays, LedgerTerms

__all__: list[str] = []  # a step of the ledger's day loop, not an API


@jit(inline=True)
def _no_whole_unit(excess: float, cash: float, unit_value: float, p_star: float, impact: float) -> bool:
    """Whether the premium surely beats the APs' band by under a quarter of a unit: then none trades.

    ``excess`` is ``(|p*| - spread) x unit value - fee`` (> 0: the band is beaten).  The units
    :func:`_create` and :func:`_redeem` round are ``x = (|p*| - band) / absorb``, which is ``excess x
    cash / (impact x unit value^2)``: multiplied out here, the test costs no division, where working
    ``x`` out costs three (``absorb``, ``band`` and ``x``), on every day the premium is outside the band.
    Each side carries a few units in the last place of error, times ``|p*| / absorb`` from the
    subtraction; with that ratio under 1e12 and ``absorb`` and the bound of normal size (a subnormal
    number's error is absolute: 5e-324), ``x`` is surely under a half, so ``floor(x + 1/2)`` is 0, the
    same units the full working gives (the caller keeps their sign and the status bits).
    """
    bound = 0.25 * impact * unit_value * unit_value
    scale = impact * unit_value  # absorb x cash
    return (
        1e-300 < bound < 1e300 and scale > 1e-280 * cash and excess * cash < bound and abs(p_star) * cash < 1e12 * scale
    )


@jit(inline=True)
def _create(
    data: LedgerArrays, terms: LedgerTerms, p: int, wp: int, t: int, cash: float, unit_value: float, p_star: float,
    fee: float,
) -> tuple[float, float, float, int]:  # fmt: skip
    """Units APs create at the premium ``p_star``: the cash, the premium left, the units and the status bits.

    The k-th unit trades while the premium is ``p* - (k - 1/2) * absorb`` on average, so APs trade
    the units that beat their band: round, not round up; then a suspension or the limits' room.
    """
    st = 0
    absorb = terms.demand_impact * unit_value / cash
    band = fee / unit_value + terms.ap_spread
    # capped before the floor: a float beyond 2**63 (flows of 1e300) would wrap the integer negative
    units = float(math.floor(min((p_star - band) / absorb + 0.5, terms.ap_capacity)))
    if data.creations_open[t] == 0.0:  # suspended by a dated event: no unit, whatever the limits
        if units > 0.0:
            st |= records.CREATIONS_SUSPENDED
        units = 0.0
    room, which = _creation_room(data, terms, p, wp, t)
    if units > 0.0 and room < math.inf:
        # capped before the floor, as the units are: beyond 2**63 the compiled floor wraps negative
        fit = math.floor(min((room - cash) / unit_value, units))
        if units > 0.0 and fit < units:  # a halt refuses units APs wanted: none wanted, none refused
            units = max(fit, 0.0)
            st |= which
    return cash + (units * unit_value + units * fee), p_star - units * absorb, units, st


@jit(inline=True)
def _redeem(
    terms: LedgerTerms, shares: float, cash: float, unit_value: float, p_star: float, fee: float
) -> tuple[float, float, float, int]:
    """Units APs redeem at the discount ``p_star`` (as :func:`_create`), keeping the fund its last unit.

    Returns the cash, the premium left, the units (negative) and the status bits.
    """
    st = 0
    absorb = terms.demand_impact * unit_value / cash
    band = fee / unit_value + terms.ap_spread
    want = float(math.floor(min((-band - p_star) / absorb + 0.5, terms.ap_capacity)))
    most = math.floor(shares / terms.creation_unit) - 1.0  # the fund keeps at least one unit
    if want > most:
        want = max(most, 0.0)
        st |= records.REDEMPTIONS_CAPPED
    units = -want
    return cash + (units * unit_value - units * fee), p_star - units * absorb, units, st  # units < 0: keeps the fee


@jit(inline=True)
def _flows(
    data: LedgerArrays, terms: LedgerTerms, p: int, wp: int, t: int, book: Book, demand: float, refused: bool
) -> tuple[Book, float, int]:
    """Demand moves the premium; APs create or redeem units at NAV. Returns the book, units (+/-) and status.

    The day after APs were refused units (``refused``: a limit or a suspension
    halted creations), yesterday's premium carries over at ``halted_persistence``
    instead of ``persistence``: demand no AP could meet stays in the price (at 1,
    all of it), so the premium can run for as long as the halt lasts.

    APs act when the premium beats their fee per unit value plus their spread
    (compared multiplied out: the divisions of :func:`_create` and :func:`_redeem`
    are needed only on the days a whole unit may trade, :func:`_no_whole_unit`).
    """
    phi = terms.halted_persistence if refused else terms.persistence
    p_star = phi * book.premium + terms.demand_impact * demand
    if p_star == 0.0:  # no premium to trade away (no demand, none left): no AP beats its fee and spread (>= 0)
        return Book(book.cash, book.shares, p_star), 0.0, 0
    premium = p_star
    cash = book.cash
    cu = terms.creation_unit
    units = 0.0
    st = 0
    if terms.demand_impact > 0.0 and cash > 0.0:
        unit_value = cu * (cash / book.shares)
        # a variable fee: the AP pays what investing (selling) its unit costs the fund, so holders pay nothing
        extra = _unit_trade_cost(data, terms, p, wp, t, unit_value) if terms.variable_fee else 0.0
        fee_c = terms.creation_fee + extra
        fee_r = terms.redemption_fee + extra
        beat_c = (p_star - terms.ap_spread) * unit_value  # a unit's premium beyond the spread, against the fee
        beat_r = (-p_star - terms.ap_spread) * unit_value
        if beat_c > fee_c:
            if not _no_whole_unit(beat_c - fee_c, cash, unit_value, p_star, terms.demand_impact):
                cash, premium, units, st = _create(data, terms, p, wp, t, cash, unit_value, p_star, fee_c)
        elif beat_r > fee_r:
            # under one unit held, the cap on redemptions sets its bit even on a day no unit is wanted (two, to
            # be safe)
            if book.shares >= 2.0 * cu and _no_whole_unit(
                beat_r - fee_r, cash, unit_value, p_star, terms.demand_impact
            ):
                units = -0.0  # none redeemed, signed as the full working's -floor(x + 1/2) is
            else:
                cash, premium, units, st = _redeem(terms, book.shares, cash, unit_value, p_star, fee_r)
    return Book(cash, book.shares + units * cu, premium), units, st
