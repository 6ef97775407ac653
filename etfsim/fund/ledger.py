"""The daily fund ledger: a numba kernel over plain arrays, one path at a time.

Each close ``t`` after inception, in this order:

1. **Carry** yesterday's contracts to today's slots (the front may have
   expired and every contract moved one slot nearer; the ledger follows the
   contract, not the slot).
2. **Variation margin**: ``sum n (F(t) - F(t-1)) * multiplier`` settles into cash.
3. **Collateral interest** on yesterday's cash: the S&P GSCI T-bill return.
4. **Expense ratio**, accrued on the day's net assets (ACT/365):
   ``fee = pre-fee NAV * x / (1 + x)`` with ``x = expense_ratio * days / 365``,
   so NAV after the fee is ``pre-fee NAV / (1 + x)``.
5. **Market**: investor demand moves the premium; APs create (redeem) whole
   units at NAV when the premium exceeds (falls below) their all-in cost, as
   many as beat that cost on average (``round((premium - band) / absorbed per
   unit)``), up to their daily capacity and, for creations, to the room the
   position limits leave.  The AP's fee goes to the fund.
6. **Rebalance** to the schedule's quantity weights at a notional equal to NAV
   (whole contracts by default), within the position limits; each contract
   traded pays commission, half the spread and market impact.
7. **Reverse split** if NAV per share has fallen below the threshold.

Business refusals are recorded in ``status`` (bit flags, see ``STATUS``),
never raised; inputs the ledger cannot price stop it with a negative status,
which the caller turns into a clear error.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit

__all__ = ["STATUS", "fund_ledger"]

HALT_POSITION_LIMIT = 1
HALT_ACCOUNTABILITY = 2
HALT_ALL_MONTHS = 4
EXPOSURE_CAPPED = 8
SPREAD_LATER = 16
REVERSE_SPLIT = 32
REDEMPTIONS_CAPPED = 64
LIQUIDATED = 128
LEFT_CURVE = -1
NO_PRICE = -2

STATUS = {
    HALT_POSITION_LIMIT: "creations halted: position limit in a contract month",
    HALT_ACCOUNTABILITY: "creations halted: accountability level",
    HALT_ALL_MONTHS: "creations halted: all-months position limit",
    EXPOSURE_CAPPED: "exposure capped by a position limit",
    SPREAD_LATER: "exposure spread into later months by a position limit",
    REVERSE_SPLIT: "reverse split",
    REDEMPTIONS_CAPPED: "redemptions capped at the fund's last creation unit",
    LIQUIDATED: "fund wiped out: net assets fell to zero or below; the ledger stops",
}
"""Status bits of the ledger and what each means."""
HALTED_BITS = HALT_POSITION_LIMIT | HALT_ACCOUNTABILITY | HALT_ALL_MONTHS


@jit
def _targets(
    nav: float,
    q: np.ndarray,
    f: np.ndarray,
    mult: float,
    fractional: bool,
    limit_month: float,
    limit_all: float,
    spread: bool,
    out: np.ndarray,
) -> int:
    """Contracts per slot for a notional of ``nav`` at weights ``q``; returns limit status bits."""
    depth = q.shape[0]
    value = 0.0
    for s in range(depth):
        if q[s] > 0.0:
            value += q[s] * f[s] * mult
    status = 0
    for s in range(depth):
        out[s] = 0.0
    if value <= 0.0 or nav <= 0.0:
        return status
    units = nav / value
    carry = 0.0  # contracts pushed out of a full month into the next ones
    for s in range(depth):
        want = units * q[s] + carry
        carry = 0.0
        if want <= 0.0:
            continue
        n = want if fractional else math.floor(want + 0.5)
        if n > limit_month:
            excess = n - limit_month
            n = limit_month
            if spread and s + 1 < depth and not math.isnan(f[s + 1]):
                carry = excess * f[s] / f[s + 1]  # same notional in the next month
                status |= SPREAD_LATER
            else:
                status |= EXPOSURE_CAPPED
        out[s] = n
    total = 0.0
    for s in range(depth):
        total += abs(out[s])
    if total > limit_all:
        scale = limit_all / total
        for s in range(depth):
            out[s] = out[s] * scale if fractional else math.floor(out[s] * scale)
        status |= EXPOSURE_CAPPED
    return status


@jit
def _max_nav(
    q: np.ndarray, f: np.ndarray, mult: float, limit_month: float, limit_all: float, account: float, spread: bool
) -> tuple[float, int]:
    """Largest NAV the limits allow at weights ``q`` (and which limit binds first)."""
    depth = q.shape[0]
    value = 0.0
    total_q = 0.0
    for s in range(depth):
        if q[s] > 0.0:
            value += q[s] * f[s] * mult
            total_q += q[s]
    best = math.inf
    which = 0
    if value <= 0.0:
        return best, which
    for s in range(depth):
        if q[s] > 0.0:
            if account < math.inf and account * value / q[s] < best:
                best = account * value / q[s]
                which = HALT_ACCOUNTABILITY
            if not spread and limit_month < math.inf and limit_month * value / q[s] < best:
                best = limit_month * value / q[s]
                which = HALT_POSITION_LIMIT
    if limit_all < math.inf and limit_all * value / total_q < best:
        best = limit_all * value / total_q
        which = HALT_ALL_MONTHS
    return best, which


@jit
def _trade(
    target: np.ndarray,
    carried: np.ndarray,
    f: np.ndarray,
    vol: np.ndarray,
    vscale: float,
    mult: float,
    commission: float,
    spread_cost: float,
    impact_coef: float,
    pos_out: np.ndarray,
) -> tuple[float, float, float, float, float]:
    """Move from ``carried`` to ``target`` contracts at prices ``f``: costs, contracts held and notional.

    Each contract traded pays ``commission`` and ``spread_cost`` (half the
    spread, in dollars); impact is ``impact_coef * F * multiplier * traded^2 /
    volume``.  Writes the new position into ``pos_out``.
    """
    comm = 0.0
    sprd = 0.0
    imp = 0.0
    held = 0.0
    notional = 0.0
    for s in range(target.shape[0]):
        dn = abs(target[s] - carried[s])
        if dn > 1e-12:
            comm += commission * dn
            sprd += spread_cost * dn
            imp += impact_coef * abs(f[s]) * mult * dn * dn / (vol[s] * vscale)
        pos_out[s] = target[s]
        held += abs(target[s])
        if target[s] != 0.0:
            notional += target[s] * f[s] * mult
    return comm, sprd, imp, held, notional


@jit
def fund_ledger(
    prices: np.ndarray,  # (paths, n, depth)
    weights: np.ndarray,  # (1 or paths, n, depth) quantity weights
    nxt: np.ndarray,  # (n - 1, depth) slot on t of the contract in slot s on t - 1
    start: int,
    tbr: np.ndarray,  # (n,) T-bill return of the step into t (tbr[0] unused)
    days: np.ndarray,  # (n,) calendar days of the step into t
    volume: np.ndarray,  # (n, depth) contracts traded a day by date and slot
    volume_scale: np.ndarray,  # (paths, n) multiplies volume (1, or launch price / today's price)
    mult: float,
    tick: float,
    params: np.ndarray,  # scalar terms, see PARAMS in engine.py
    demand_frac: np.ndarray,  # (paths, n) demand as a fraction of NAV
    demand_dollars: np.ndarray,  # (paths, n) demand in dollars
    pos: np.ndarray,  # out (paths, n, depth) contracts held after the close
    out: np.ndarray,  # out (n_fields, paths, n), see FIELDS in engine.py
    status: np.ndarray,  # out (paths, n) int64
) -> None:
    """Run the ledger on every path (see the module docstring for the order of a day)."""
    nav0, shares0, expense, cu, fee_c, fee_r = params[0], params[1], params[2], params[3], params[4], params[5]
    commission, half_spread, impact_coef = params[6], params[7], params[8]
    limit_month, limit_all, account = params[9], params[10], params[11]
    spread = params[12] > 0.0
    rs_below, rs_ratio = params[13], params[14]
    fractional = params[15] > 0.0
    capacity, ap_spread = params[16], params[17]
    persistence, d_impact, chase, chase_window = params[18], params[19], params[20], int(params[21])
    margin_per = params[22]
    band = params[23]

    n_paths, n, depth = prices.shape
    shared = weights.shape[0] == 1
    carried = np.zeros(depth)
    target = np.zeros(depth)
    for p in range(n_paths):
        wp = 0 if shared else p
        # -- inception: buy the first portfolio at the close
        shares = shares0
        split = np.ones(n)  # reverse splits so far (multiplies NAV per share), by date
        cash = nav0
        st = _targets(
            cash, weights[wp, start], prices[p, start], mult, fractional, limit_month, limit_all, spread, target
        )
        for s in range(depth):
            carried[s] = 0.0  # the fund starts with no contracts
        comm, sprd, imp, held, notional = _trade(
            target,
            carried,
            prices[p, start],
            volume[start],
            volume_scale[p, start],
            mult,
            commission,
            half_spread * tick * mult,
            impact_coef,
            pos[p, start],
        )
        cash -= comm + sprd + imp
        out[12, p, start] = held * margin_per
        out[13, p, start] = notional
        out[0, p, start] = cash
        out[1, p, start] = shares
        out[2, p, start] = cash
        out[4, p, start] = comm
        out[5, p, start] = sprd
        out[6, p, start] = imp
        status[p, start] = st
        if cash <= 0.0:  # the launch trades alone cost more than the fund raised
            status[p, start] = st | LIQUIDATED
            for s in range(depth):
                pos[p, start, s] = 0.0
            continue
        premium = 0.0
        for t in range(start + 1, n):
            # 1. carry the contracts to today's slots; 2. variation margin
            for s in range(depth):
                carried[s] = 0.0
            pnl = 0.0
            bad = 0
            for s in range(depth):
                c = pos[p, t - 1, s]
                if c != 0.0:
                    j = nxt[t - 1, s]
                    if j < 0:
                        bad = LEFT_CURVE
                        break
                    f_prev = prices[p, t - 1, s]
                    f_now = prices[p, t, j]
                    if math.isnan(f_prev) or math.isnan(f_now):
                        bad = NO_PRICE
                        break
                    carried[j] += c
                    pnl += c * mult * (f_now - f_prev)
            if bad < 0:
                status[p, t] = bad
                break
            # 3. interest on yesterday's cash; 4. the day's fee on net assets
            interest = cash * tbr[t]
            cash = cash + pnl + interest
            x = expense * days[t] / 365.0
            fee = cash * x / (1.0 + x)
            cash -= fee
            st = 0
            # 5. demand, premium and the APs
            navps = cash / shares
            nav_prev = out[0, p, t - 1]
            trail = 0.0
            if chase != 0.0 and t - chase_window >= start:
                # investors chase the return of a share, so a reverse split is undone (NAV per share / splits)
                w0 = t - chase_window
                base = out[0, p, w0] / out[1, p, w0] / split[w0]
                trail = (out[0, p, t - 1] / out[1, p, t - 1] / split[t - 1]) / base - 1.0
            demand = demand_frac[p, t] + demand_dollars[p, t] / nav_prev + chase * trail
            p_star = persistence * premium + d_impact * demand
            unit_value = cu * navps
            absorb = d_impact * unit_value / cash if cash > 0.0 else 0.0
            units = 0.0
            if absorb > 0.0:
                band_c = fee_c / unit_value + ap_spread
                band_r = fee_r / unit_value + ap_spread
                # the k-th unit is sold while the premium is p* - (k - 1/2) * absorb on average, so APs
                # create the units that beat their band on average: round, not round up
                if p_star > band_c:
                    units = min(math.floor((p_star - band_c) / absorb + 0.5), capacity)
                    room, which = _max_nav(weights[wp, t], prices[p, t], mult, limit_month, limit_all, account, spread)
                    if room < math.inf:
                        fit = math.floor((room - cash) / unit_value)
                        if fit < units:
                            units = max(fit, 0.0)
                            st |= which
                elif p_star < -band_r:
                    want = min(math.floor((-band_r - p_star) / absorb + 0.5), capacity)
                    most = math.floor(shares / cu) - 1.0  # the fund keeps at least one unit
                    if want > most:
                        want = max(most, 0.0)
                        st |= REDEMPTIONS_CAPPED
                    units = -want
            premium = p_star - units * absorb
            if units > 0.0:
                cash += units * unit_value + units * fee_c
                out[7, p, t] = units
            elif units < 0.0:
                cash += units * unit_value - units * fee_r  # units < 0: pays out value, keeps the fee
                out[8, p, t] = -units
            shares += units * cu
            # 6. rebalance to the schedule at a notional equal to NAV
            st |= _targets(cash, weights[wp, t], prices[p, t], mult, fractional, limit_month, limit_all, spread, target)
            if band > 0.0:
                # small drifts in a contract still held are left alone; rolls and flows always trade
                total = 0.0
                for s in range(depth):
                    total += abs(target[s])
                for s in range(depth):
                    if (
                        carried[s] != 0.0
                        and target[s] != 0.0
                        and abs(target[s] - carried[s]) <= band * total
                        and units == 0.0
                    ):
                        target[s] = carried[s]
            comm, sprd, imp, held, notional = _trade(
                target,
                carried,
                prices[p, t],
                volume[t],
                volume_scale[p, t],
                mult,
                commission,
                half_spread * tick * mult,
                impact_coef,
                pos[p, t],
            )
            cash -= comm + sprd + imp
            wiped = cash <= 0.0  # losses (or costs) took all the assets: record the day and stop this path
            if wiped:
                for s in range(depth):
                    pos[p, t, s] = 0.0
                st |= LIQUIDATED
            elif rs_below > 0.0 and cash / shares < rs_below:  # 7. reverse split
                shares = shares / rs_ratio
                st |= REVERSE_SPLIT
            split[t] = split[t - 1] * (rs_ratio if st & REVERSE_SPLIT else 1.0)
            out[0, p, t] = cash
            out[1, p, t] = shares
            out[2, p, t] = cash
            out[3, p, t] = fee
            out[4, p, t] = comm
            out[5, p, t] = sprd
            out[6, p, t] = imp
            out[9, p, t] = premium
            out[10, p, t] = pnl
            out[11, p, t] = interest
            out[12, p, t] = held * margin_per
            out[13, p, t] = notional
            status[p, t] = st
            if wiped:
                break
