"""The daily fund ledger: numba kernels over plain arrays, one path at a time.

:func:`fund_ledger` runs the day loop (``_ledger_path``) on every path and
either records each path's ledger by date or runs each path through one
scratch row and reduces it to the figures of ``fund_metrics`` before the next
path, for Monte Carlo runs that need no daily record.

Each close ``t`` after inception, in this order:

1. **Carry** yesterday's contracts to today's slots (the front may have
   expired and every contract moved one slot nearer; the ledger follows the
   contract, not the slot).
2. **Variation margin**: ``sum n (F(t) - F(t-1)) * multiplier`` settles into cash.
3. **Collateral interest** on yesterday's cash: the S&P GSCI T-bill return.
4. **Expense ratio**, accrued on the day's net assets (ACT/365):
   ``fee = pre-fee NAV * x / (1 + x)`` with ``x = expense_ratio * days / 365``,
   so NAV after the fee is ``pre-fee NAV / (1 + x)`` (``x / (1 + x)`` comes in by date).
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

__all__ = ["STATUS", "SUMMARY", "fund_ledger"]

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
}
"""Status bits of the ledger and what each means."""
HALTED_BITS = HALT_POSITION_LIMIT | HALT_ACCOUNTABILITY | HALT_ALL_MONTHS


# Each helper below takes whole arrays and indices, never row views, and the day loop
# calls none: in numba every array handed to another function costs two atomic
# reference-count updates, and with three calls a day those took most of the time.


@jit
def _blank(pos: np.ndarray, out: np.ndarray, status: np.ndarray, r: int, lo: int, hi: int, start: int) -> None:
    """Blank dates ``lo .. hi - 1`` of row ``r``: NaN, but zero flows and costs from inception on.

    Called for the dates before inception and after a path stops, so a row
    reused for the next path (or an array from ``np.empty``) holds nothing stale.
    """
    for t in range(lo, hi):
        for f in range(out.shape[0]):
            out[f, r, t] = 0.0 if 3 <= f <= 8 and t >= start else math.nan
        status[r, t] = 0
        for s in range(pos.shape[2]):
            pos[r, t, s] = math.nan


@jit
def _room_per_notional(weights: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """By weight row and date: the largest NAV the limits allow per dollar of ``sum q F multiplier``.

    A month's contracts are ``NAV * q / sum(q F multiplier)``, so each limit caps NAV at
    ``limit / q`` (accountability level, position limit) or ``limit / sum q`` (all
    months) dollars per dollar of that notional: a property of the weights alone,
    computed once for every path.  ``which`` names the limit that binds first.
    """
    limit_month, limit_all, account = params[9], params[10], params[11]
    spread = params[12] > 0.0
    rows, n, depth = weights.shape
    room = np.empty((rows, n))  # every entry is set below (np.empty also compiles fastest)
    which = np.empty((rows, n), dtype=np.int64)
    for w in range(rows):
        for t in range(n):
            best = math.inf
            why = 0
            total_q = 0.0
            for s in range(depth):
                q = weights[w, t, s]
                if q > 0.0:
                    total_q += q
                    if account < math.inf and account / q < best:
                        best = account / q
                        why = HALT_ACCOUNTABILITY
                    if not spread and limit_month < math.inf and limit_month / q < best:
                        best = limit_month / q
                        why = HALT_POSITION_LIMIT
            if total_q > 0.0 and limit_all < math.inf and limit_all / total_q < best:
                best = limit_all / total_q
                why = HALT_ALL_MONTHS
            room[w, t] = best
            which[w, t] = why
    return room, which


@jit
def _ledger_path(
    p: int,
    r: int,
    prices: np.ndarray,
    weights: np.ndarray,
    nxt: np.ndarray,
    start: int,
    tbr: np.ndarray,
    fee_share: np.ndarray,
    volume: np.ndarray,
    volume_ref: np.ndarray,
    mult: float,
    tick: float,
    params: np.ndarray,
    demand_frac: np.ndarray,
    demand_dollars: np.ndarray,
    room_per: np.ndarray,
    room_why: np.ndarray,
    carried: np.ndarray,
    target: np.ndarray,
    split: np.ndarray,
    pos: np.ndarray,
    out: np.ndarray,
    status: np.ndarray,
) -> None:
    """Path ``p`` from inception, written into row ``r`` of ``pos``, ``out`` and ``status``.

    The launch is day ``start`` of the same loop: nothing is carried, and there
    is no margin, interest, fee or market yet.  ``room_per`` and ``room_why``
    come from :func:`_room_per_notional`.  ``split`` receives the path's
    cumulative reverse-split ratio by date.
    """
    nav0, shares0, cu, fee_c, fee_r = params[0], params[1], params[3], params[4], params[5]  # [2]: in fee_share
    commission, half_spread, impact_coef = params[6], params[7], params[8]
    limit_month, limit_all = params[9], params[10]  # [11], the accountability level: in room_per
    spread = params[12] > 0.0
    rs_below, rs_ratio = params[13], params[14]
    fractional = params[15] > 0.0
    capacity, ap_spread = params[16], params[17]
    persistence, d_impact, chase, chase_window = params[18], params[19], params[20], int(params[21])
    margin_per = params[22]
    band = params[23]
    spread_cost = half_spread * tick * mult  # dollars per contract traded

    n, depth = prices.shape[1], prices.shape[2]
    wp = 0 if weights.shape[0] == 1 else p
    _blank(pos, out, status, r, 0, start, start)
    shares = shares0
    cash = nav0
    premium = 0.0
    split[start] = 1.0
    for t in range(start, n):
        launch = t == start
        # 1. carry the contracts to today's slots (the fund starts with none); 2. variation margin
        for s in range(depth):
            carried[s] = 0.0
        pnl = 0.0
        interest = 0.0
        fee = 0.0
        st = 0
        units = 0.0
        if not launch:
            bad = 0
            for s in range(depth):
                c = pos[r, t - 1, s]
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
                _blank(pos, out, status, r, t, n, start)
                status[r, t] = bad
                return
            # 3. interest on yesterday's cash; 4. the day's fee on net assets
            interest = cash * tbr[t]
            cash = cash + pnl + interest
            fee = cash * fee_share[t]
            cash -= fee
            # 5. demand, premium and the APs
            nav_prev = out[0, r, t - 1]
            trail = 0.0
            if chase != 0.0 and t - chase_window >= start:
                # investors chase the return of a share, so a reverse split is undone (NAV per share / splits)
                w0 = t - chase_window
                base = out[0, r, w0] / out[1, r, w0] / split[w0]
                trail = (out[0, r, t - 1] / out[1, r, t - 1] / split[t - 1]) / base - 1.0
            dollars = demand_dollars[p, t]
            demand = demand_frac[p, t] + (dollars / nav_prev if dollars != 0.0 else 0.0) + chase * trail
            p_star = persistence * premium + d_impact * demand
            premium = p_star
            if d_impact > 0.0 and cash > 0.0:
                unit_value = cu * (cash / shares)
                # APs act when the premium beats fee / unit value + their spread: compared with the unit
                # value multiplied out, as the divisions are needed only on the rare days they trade
                if (p_star - ap_spread) * unit_value > fee_c:
                    absorb = d_impact * unit_value / cash
                    band_c = fee_c / unit_value + ap_spread
                    # the k-th unit is sold while the premium is p* - (k - 1/2) * absorb on average, so APs
                    # create the units that beat their band on average: round, not round up
                    units = min(math.floor((p_star - band_c) / absorb + 0.5), capacity)
                    # the largest NAV the limits allow: today's notional per unit of weight times the room per
                    # dollar of it, which depends on the weights alone (see _room_per_notional)
                    value = 0.0
                    for s in range(depth):
                        q = weights[wp, t, s]
                        if q > 0.0:
                            value += q * prices[p, t, s] * mult
                    room = value * room_per[wp, t] if value > 0.0 else math.inf
                    which = room_why[wp, t]
                    if room < math.inf:
                        fit = math.floor((room - cash) / unit_value)
                        if fit < units:
                            units = max(fit, 0.0)
                            st |= which
                    premium = p_star - units * absorb
                    cash += units * unit_value + units * fee_c
                elif (-p_star - ap_spread) * unit_value > fee_r:
                    absorb = d_impact * unit_value / cash
                    band_r = fee_r / unit_value + ap_spread
                    want = min(math.floor((-band_r - p_star) / absorb + 0.5), capacity)
                    most = math.floor(shares / cu) - 1.0  # the fund keeps at least one unit
                    if want > most:
                        want = max(most, 0.0)
                        st |= REDEMPTIONS_CAPPED
                    units = -want
                    premium = p_star - units * absorb
                    cash += units * unit_value - units * fee_r  # units < 0: pays out value, keeps the fee
            shares += units * cu
        # 6. rebalance to the schedule at a notional equal to NAV: contracts per slot within the limits
        value = 0.0
        for s in range(depth):
            if weights[wp, t, s] > 0.0:
                value += weights[wp, t, s] * prices[p, t, s] * mult
        if math.isnan(value):  # a contract the schedule weights today has no price: it cannot be bought
            _blank(pos, out, status, r, t, n, start)
            status[r, t] = NO_PRICE_TO_BUY
            return
        for s in range(depth):
            target[s] = 0.0
        if value > 0.0 and cash > 0.0:
            per_unit = cash / value
            carry = 0.0  # contracts pushed out of a full month into the next ones
            for s in range(depth):
                want = per_unit * weights[wp, t, s] + carry
                carry = 0.0
                if want <= 0.0:
                    continue
                k = want if fractional else math.floor(want + 0.5)
                if k > limit_month:
                    excess = k - limit_month
                    k = limit_month
                    if spread and s + 1 < depth and not math.isnan(prices[p, t, s + 1]):
                        carry = excess * prices[p, t, s] / prices[p, t, s + 1]  # same notional in the next month
                        st |= SPREAD_LATER
                    else:
                        st |= EXPOSURE_CAPPED
                target[s] = k
            total = 0.0
            for s in range(depth):
                total += abs(target[s])
            if total > limit_all:
                scale = limit_all / total
                for s in range(depth):
                    target[s] = target[s] * scale if fractional else math.floor(target[s] * scale)
                st |= EXPOSURE_CAPPED
        if band > 0.0 and not launch and units == 0.0:
            # small drifts in a contract still held are left alone; rolls and flows always trade
            total = 0.0
            for s in range(depth):
                total += abs(target[s])
            for s in range(depth):
                if carried[s] != 0.0 and target[s] != 0.0 and abs(target[s] - carried[s]) <= band * total:
                    target[s] = carried[s]
        # each contract traded pays commission, half the spread and impact (F * multiplier * traded^2 / volume)
        comm = 0.0
        sprd = 0.0
        imp = 0.0
        held = 0.0
        notional = 0.0
        vscale = -1.0  # volume's scale today, worked out on the first trade
        for s in range(depth):
            f = prices[p, t, s]
            dn = abs(target[s] - carried[s])
            if dn > 1e-12:
                comm += commission * dn
                sprd += spread_cost * dn
                if vscale < 0.0:
                    vscale = 1.0
                    if volume_ref.shape[1] > 1:
                        # dollar liquidity holds as the price moves: contracts traded scale with launch / today
                        ratio = volume_ref[p, start] / volume_ref[p, t]
                        if math.isfinite(ratio) and ratio > 0.0:
                            vscale = ratio
                imp += impact_coef * abs(f) * mult * dn * dn / (volume[t, s] * vscale)
            pos[r, t, s] = target[s]
            held += abs(target[s])
            if target[s] != 0.0:
                notional += target[s] * f * mult
        cash -= comm + sprd + imp
        wiped = cash <= 0.0  # losses (or costs, even the launch trades) took all the assets: stop this path
        if wiped:
            for s in range(depth):
                pos[r, t, s] = 0.0
            st |= LIQUIDATED
        elif not launch and rs_below > 0.0 and cash < rs_below * shares:  # 7. reverse split (NAV/share below)
            shares = shares / rs_ratio
            st |= REVERSE_SPLIT
        out[3, r, t] = fee
        out[7, r, t] = units if units > 0.0 else 0.0
        out[8, r, t] = -units if units < 0.0 else 0.0
        if launch:
            out[9, r, t] = math.nan  # no market, margin or interest before the first close
            out[10, r, t] = math.nan
            out[11, r, t] = math.nan
        else:
            split[t] = split[t - 1] * (rs_ratio if st & REVERSE_SPLIT else 1.0)
            out[9, r, t] = premium
            out[10, r, t] = pnl
            out[11, r, t] = interest
        out[0, r, t] = cash
        out[1, r, t] = shares
        out[2, r, t] = cash
        out[4, r, t] = comm
        out[5, r, t] = sprd
        out[6, r, t] = imp
        out[12, r, t] = held * margin_per
        out[13, r, t] = notional
        status[r, t] = st
        if wiped:
            _blank(pos, out, status, r, t + 1, n, start)
            return


SUMMARY = (
    "nav_return",
    "index_tr_return",
    "tracking_difference",
    "tracking_error",
    "nav_start",
    "nav_end",
    "nav_mean",
    "navps_start",
    "navps_end",
    "fees",
    "trading_costs",
    "impact_costs",
    "creations",
    "redemptions",
    "days_premium",
    "days_discount",
    "max_premium",
    "halted_days",
)
"""Per-path figures of :func:`fund_ledger` when it reduces, in order: the columns of ``fund_metrics``."""


@jit
def _finite(x: float) -> float:
    """``numpy.nan_to_num`` of one number: NaN to 0, infinities to the largest finite floats."""
    if math.isnan(x):
        return 0.0
    if math.isinf(x):
        return 1.7976931348623157e308 if x > 0 else -1.7976931348623157e308
    return x


@jit
def _summarise(
    p: int,
    r: int,
    out: np.ndarray,
    status: np.ndarray,
    split: np.ndarray,
    start: int,
    index_tr: np.ndarray,
    inv_years: float,
    years: float,
    post_share: float,
    keep: np.ndarray,
    summary: np.ndarray,
    kept: np.ndarray,
    diffs: np.ndarray,
) -> None:
    """Reduce row ``r`` of a path's ledger to the figures of ``fund_metrics`` (``SUMMARY``).

    The same formulas as :func:`etfsim.fund.metrics.fund_metrics` on a
    :class:`FundResult`, one path at a time, so that a Monte Carlo keeps no
    ``(paths, dates)`` arrays; a test holds the two to each other.  ``diffs``
    is scratch space, one number a date.
    """
    n = status.shape[1]
    ip = 0 if index_tr.shape[0] == 1 else p
    wiped = False
    halted = 0.0
    nav0 = out[0, r, start] / out[1, r, start] / split[start]
    prev = nav0
    count = 0  # daily return differences against the index that exist
    total = 0.0
    nav_sum = 0.0
    nav_days = 0
    fees = commission = spread_cost = impact = creations = redemptions = 0.0
    days_premium = 0.0
    days_discount = 0.0
    max_premium = -math.inf
    any_premium = False
    # one pass over the path's days: everything below reads each day's row once
    for t in range(start, n):
        code = status[r, t]
        if code & LIQUIDATED:
            wiped = True
        if code & HALTED_BITS:
            halted += 1.0
        nav = out[0, r, t]
        navps = nav / out[1, r, t]
        if t > start:
            # NAV per share with reverse splits undone, against the total-return index
            cur = navps / split[t]
            d = (cur - prev) / prev - (index_tr[ip, t] - index_tr[ip, t - 1]) / index_tr[ip, t - 1]
            prev = cur
            if math.isfinite(d):
                diffs[count] = d
                count += 1
                total += d
        if not math.isnan(nav):  # sums over the days that exist (NaN after a wipe-out)
            nav_sum += nav
            nav_days += 1
        if not math.isnan(out[3, r, t]):
            fees += out[3, r, t]
        if not math.isnan(out[4, r, t]):
            commission += out[4, r, t]
        if not math.isnan(out[5, r, t]):
            spread_cost += out[5, r, t]
        if not math.isnan(out[6, r, t]):
            impact += out[6, r, t]
        if not math.isnan(out[7, r, t]):
            creations += out[7, r, t]
        if not math.isnan(out[8, r, t]):
            redemptions += out[8, r, t]
        # the market price: NAV per share, the arbitrage premium, and the share of tomorrow's
        # futures move that trades after the settlement
        move = _finite(out[10, r, t + 1] / nav) if t + 1 < n else 0.0
        market = navps * (1.0 + _finite(out[9, r, t])) * (1.0 + post_share * move)
        prem = market / navps - 1.0
        if prem > 1e-12:
            days_premium += 1.0
        elif prem < -1e-12:
            days_discount += 1.0
        if not math.isnan(prem):
            any_premium = True
            max_premium = max(max_premium, prem)
    nav_t = out[0, r, n - 1] / out[1, r, n - 1] / split[n - 1]
    nav_ret = -1.0 if wiped else (nav_t / nav0) ** inv_years - 1.0
    tr_ret = (index_tr[ip, n - 1] / index_tr[ip, start]) ** inv_years - 1.0
    # tracking error: the sample standard deviation of the differences, annualised by their count
    te = math.nan
    if count > 1:
        mean = total / count
        ss = 0.0
        for i in range(count):
            ss += (diffs[i] - mean) * (diffs[i] - mean)
        per_year = count / max(years, 1e-12) if years > 0 else math.nan
        te = math.sqrt(ss / (count - 1)) * math.sqrt(per_year)
    row = summary[p]
    row[0] = nav_ret
    row[1] = tr_ret
    row[2] = nav_ret - tr_ret
    row[3] = te
    row[4] = out[0, r, start]
    row[5] = out[0, r, n - 1]
    row[6] = nav_sum / nav_days if nav_days > 0 else math.nan
    row[7] = out[0, r, start] / out[1, r, start]
    row[8] = out[0, r, n - 1] / out[1, r, n - 1]
    row[9] = fees
    row[10] = commission + spread_cost
    row[11] = impact
    row[12] = creations
    row[13] = redemptions
    row[14] = days_premium
    row[15] = days_discount
    row[16] = max_premium if any_premium else math.nan
    row[17] = halted
    for j in range(keep.shape[0]):
        t = keep[j]
        kept[p, j] = out[0, r, t] / out[1, r, t] / split[t] if t >= start else math.nan


@jit
def fund_ledger(
    prices: np.ndarray,  # (paths, n, depth)
    weights: np.ndarray,  # (1 or paths, n, depth) quantity weights
    nxt: np.ndarray,  # (n - 1, depth) slot on t of the contract in slot s on t - 1
    start: int,
    tbr: np.ndarray,  # (n,) T-bill return of the step into t (tbr[0] unused)
    fee_share: np.ndarray,  # (n,) x / (1 + x), x = expense ratio * calendar days of the step into t / 365
    volume: np.ndarray,  # (n, depth) contracts traded a day by date and slot
    volume_ref: np.ndarray,  # (paths, n) price that volume follows (launch / today's), or (1, 1): volume fixed
    mult: float,
    tick: float,
    params: np.ndarray,  # scalar terms, see PARAMS in engine.py
    demand_frac: np.ndarray,  # (paths, n) demand as a fraction of NAV
    demand_dollars: np.ndarray,  # (paths, n) demand in dollars
    pos: np.ndarray,  # out (paths or 1, n, depth) contracts held after the close
    out: np.ndarray,  # out (n_fields, paths or 1, n), see FIELDS in engine.py
    status: np.ndarray,  # out (paths or 1, n) int64
    summary: np.ndarray,  # out (paths, len(SUMMARY)), or (0, 0): keep the daily ledger
    kept: np.ndarray,  # out (paths, len(keep))
    keep: np.ndarray,  # dates whose NAV per share (splits undone) to keep, e.g. month ends
    index_tr: np.ndarray,  # (1 or paths, n) the index the fund tracks
    years: float,  # ACT/365 years from inception to the last date
    post_share: float,  # share of the next day's futures move in today's market price
) -> int:
    """Run the ledger on every path (see the module docstring for the order of a day).

    With an empty ``summary``, path ``p`` is recorded in row ``p`` of ``pos``,
    ``out`` and ``status``.  Otherwise those hold one scratch row: each path
    runs through it and is reduced to ``summary[p]`` and ``kept[p]`` before
    the next (the last four arguments serve only this mode).

    Returns -1, or the first path whose ledger stopped on an input it cannot
    price; its row then holds that path's ledger so the caller can say which
    contract and day.
    """
    n_paths, n, depth = prices.shape
    reduce = summary.shape[0] > 0
    # scratch, each entry written before it is read (np.empty also compiles fastest)
    carried = np.empty(depth)
    target = np.empty(depth)
    split = np.empty(n)
    room_per, room_why = _room_per_notional(weights, params)
    diffs = np.empty(n)
    inv_years = 1.0 / years
    for p in range(n_paths):
        r = 0 if reduce else p
        _ledger_path(
            p, r, prices, weights, nxt, start, tbr, fee_share, volume, volume_ref, mult, tick, params,
            demand_frac, demand_dollars, room_per, room_why, carried, target, split, pos, out, status,
        )  # fmt: skip
        for t in range(start, n):
            if status[r, t] < 0:
                return p
        if reduce:
            _summarise(
                p, r, out, status, split, start, index_tr, inv_years, years, post_share, keep, summary, kept, diffs
            )
    return -1
