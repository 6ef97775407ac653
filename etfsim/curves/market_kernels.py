"""Hot loops of the multi-leg market simulation: correlated factor paths of several legs at once.

The single-leg kernels of :mod:`etfsim.curves.kernels` draw two normals a step
and move one ``(chi, xi)`` pair.  A market of ``L`` legs draws ``2 L`` normals a
step, correlates them through the lower-triangular factor of the exact step
covariance of all ``2 L`` factors, and moves every leg under one shared regime
chain.  The order of a path's stream is the single-leg order widened: the
normals of every step, then the regime uniforms (if a regime is on), then each
leg's jump counts and sizes (leg by leg, if that leg jumps), so a market of one
leg draws the same numbers as the single-leg simulation.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit
from etfsim.curves.pcg64 import double_from, normal_from, poisson_from, put_state, state_of

__all__ = [
    "add_weighted",
    "chain_spot",
    "market_factor_paths",
    "market_path_draws",
    "market_state_draws",
    "market_state_paths",
    "price_median",
]


@jit
def market_path_draws(
    g: np.random.Generator,
    lam_dt: np.ndarray,  # (legs, n-1) expected jumps per step; a leg's row of zeros draws nothing
    jumping: np.ndarray,  # (legs,) bool: the leg has generation jumps
    use_regime: bool,
    jump_mean: np.ndarray,  # (legs,)
    jump_std: np.ndarray,  # (legs,)
    z: np.ndarray,  # out (n-1, 2 legs) standard normals
    u: np.ndarray,  # out (n-1,) uniforms, written only with a regime
    jumps: np.ndarray,  # out (n-1, legs) total log jump of each leg's xi over each step
) -> None:
    """One path's random inputs from its own generator (see the module docstring for the order)."""
    m, width = z.shape
    legs = jumps.shape[1]
    for i in range(m):
        for j in range(width):
            z[i, j] = g.standard_normal()
    if use_regime:
        for i in range(m):
            u[i] = g.random()
    for leg in range(legs):
        if not jumping[leg]:
            for i in range(m):
                jumps[i, leg] = 0.0
            continue
        for i in range(m):
            jumps[i, leg] = g.poisson(lam_dt[leg, i])
        for i in range(m):
            size = g.standard_normal()
            c = jumps[i, leg]
            jumps[i, leg] = c * jump_mean[leg] + jump_std[leg] * math.sqrt(c) * size if c > 0 else 0.0


@jit
def market_state_draws(
    states: np.ndarray,  # (paths, 4) uint64: each path's PCG64 generator (etfsim.curves.pcg64.pcg_states), stepped
    row: int,  # the path whose generator draws
    lam_dt: np.ndarray,  # (legs, n-1) expected jumps per step, each below pcg64.POISSON_LIMIT
    jumping: np.ndarray,  # (legs,) bool: the leg has generation jumps
    use_regime: bool,
    jump_mean: np.ndarray,  # (legs,)
    jump_std: np.ndarray,  # (legs,)
    z: np.ndarray,  # out (n-1, 2 legs) standard normals
    u: np.ndarray,  # out (n-1,) uniforms, written only with a regime
    jumps: np.ndarray,  # out (n-1, legs) total log jump of each leg's xi over each step
    arrive: np.ndarray,  # out (k,) uniforms in (0, 1] for the random launches, drawn after the rest
) -> None:
    """:func:`market_path_draws` from the generator's state, then the launch uniforms: the same numbers."""
    m, width = z.shape
    legs = jumps.shape[1]
    g = state_of(states, row)  # the path's generator in registers while it draws (see etfsim.curves.pcg64)
    for i in range(m):
        for j in range(width):
            g, x = normal_from(g)
            z[i, j] = x
    if use_regime:
        for i in range(m):
            g, d = double_from(g)
            u[i] = d
    for leg in range(legs):
        if not jumping[leg]:
            for i in range(m):
                jumps[i, leg] = 0.0
            continue
        for i in range(m):
            lam = lam_dt[leg, i]
            g, c = poisson_from(g, lam, math.exp(-lam))
            jumps[i, leg] = c
        for i in range(m):
            g, size = normal_from(g)
            c = jumps[i, leg]
            jumps[i, leg] = c * jump_mean[leg] + jump_std[leg] * math.sqrt(c) * size if c > 0 else 0.0
    for k in range(arrive.shape[0]):
        g, d = double_from(g)
        arrive[k] = 1.0 - d
    put_state(states, row, g)


@jit
def market_state_paths(
    states: np.ndarray,  # (paths, 4) uint64: each path's PCG64 generator, stepped
    lam_dt: np.ndarray,
    jumping: np.ndarray,
    use_regime: bool,
    jump_mean: np.ndarray,
    jump_std: np.ndarray,
    chi0: np.ndarray,
    xi0: np.ndarray,
    regime0: int,
    decay: np.ndarray,
    chol: np.ndarray,
    step_kind: np.ndarray,
    xi_drift: np.ndarray,
    levels: np.ndarray,
    trans_cum: np.ndarray,
    needed: np.ndarray,
    z: np.ndarray,  # scratch (1, n-1, 2 legs)
    u: np.ndarray,  # scratch (1, n-1), zero where there is no regime
    jumps: np.ndarray,  # scratch (1, n-1, legs)
    chi_out: np.ndarray,  # (legs, paths, n)
    xi_out: np.ndarray,  # (legs, paths, n)
    regime_out: np.ndarray,  # (paths, n) int
    arrive: np.ndarray,  # out (paths, k) the launch uniforms
) -> None:
    """Every path of a chunk: :func:`market_state_draws` into the scratch, then :func:`market_factor_paths`.

    One call for the chunk, not two a path: each call from Python unboxes some twenty arrays,
    about 0.25 ms a path, as long as a path's draws take.
    """
    for row in range(states.shape[0]):
        market_state_draws(
            states, row, lam_dt, jumping, use_regime, jump_mean, jump_std, z[0], u[0], jumps[0], arrive[row]
        )
        market_factor_paths(
            chi0, xi0, regime0, decay, chol, step_kind, xi_drift, levels, trans_cum, z, u, jumps, needed,
            chi_out[:, row : row + 1], xi_out[:, row : row + 1], regime_out[row : row + 1],
        )  # fmt: skip


@jit
def market_factor_paths(
    chi0: np.ndarray,  # (legs,)
    xi0: np.ndarray,  # (legs,)
    regime0: int,
    decay: np.ndarray,  # (n-1, legs) exp(-kappa dt)
    chol: np.ndarray,  # (kinds, 2 legs, 2 legs) lower factor of each kind of step's covariance, [chi_0, xi_0, ...]
    step_kind: np.ndarray,  # (n-1,) int: which of ``chol`` step i has (steps differ by dt alone: a few kinds)
    xi_drift: np.ndarray,  # (n-1, legs)
    levels: np.ndarray,  # (legs, regimes) level each leg's chi reverts to in each regime
    trans_cum: np.ndarray,  # (n-1, regimes, regimes) cumulative transition probabilities
    z: np.ndarray,  # (paths, n-1, 2 legs)
    u: np.ndarray,  # (paths, n-1)
    jumps: np.ndarray,  # (paths, n-1, legs)
    needed: np.ndarray,  # (legs,) bool: legs whose paths are written (the others' rows are left as they are)
    chi_out: np.ndarray,  # (legs, paths, n)
    xi_out: np.ndarray,  # (legs, paths, n)
    regime_out: np.ndarray,  # (paths, n) int
) -> None:
    """Exact simulation of every needed leg's ``(chi, xi)`` with correlated shocks and one regime chain.

    Over a step with the regime ``s`` fixed at its start, leg ``l``::

        chi_l' = e_l chi_l + (1 - e_l) level[l, s] + eps[2 l]
        xi_l'  = xi_l + drift_l + eps[2 l + 1] + jump_l

    where ``eps = chol[step_kind[i]] @ z`` has the exact covariance of the ``2 L`` increments (a grid's steps
    have a few lengths, so a few factors stay in cache where one per step would stream megabytes a path).
    ``chol`` is lower-triangular, so a leg's shocks need only the normals up to
    its own: a leg that is not needed is skipped, and the others are the same
    numbers whichever legs are needed.
    """
    n_paths = z.shape[0]
    n_steps, legs = decay.shape
    width = 2 * legs
    n_reg = levels.shape[1]
    chi = np.empty(legs)
    xi = np.empty(legs)
    eps = np.empty(width)
    for p in range(n_paths):
        s = regime0
        for leg in range(legs):
            chi[leg] = chi0[leg]
            xi[leg] = xi0[leg]
            if needed[leg]:
                chi_out[leg, p, 0] = chi0[leg]
                xi_out[leg, p, 0] = xi0[leg]
        regime_out[p, 0] = s
        for i in range(n_steps):
            f = chol[step_kind[i]]
            # eps[a] = sum_{b <= a} chol[i, a, b] z[b] in increasing b; a leg's chi and xi rows side by side, two
            # running sums at once (one alone waits on each add)
            for leg in range(legs):
                if not needed[leg]:
                    continue
                c, x = 2 * leg, 2 * leg + 1
                acc_c = 0.0
                acc_x = 0.0
                for b in range(c + 1):
                    zb = z[p, i, b]
                    acc_c += f[c, b] * zb
                    acc_x += f[x, b] * zb
                eps[c] = acc_c
                eps[x] = acc_x + f[x, x] * z[p, i, x]
            for leg in range(legs):
                if not needed[leg]:
                    continue
                e = decay[i, leg]
                chi[leg] = e * chi[leg] + (1.0 - e) * levels[leg, s] + eps[2 * leg]
                xi[leg] = xi[leg] + xi_drift[i, leg] + eps[2 * leg + 1] + jumps[p, i, leg]
                chi_out[leg, p, i + 1] = chi[leg]
                xi_out[leg, p, i + 1] = xi[leg]
            if n_reg > 1:
                r = u[p, i]
                nxt = n_reg - 1
                for j in range(n_reg):
                    if r < trans_cum[i, s, j]:
                        nxt = j
                        break
                s = nxt
            regime_out[p, i + 1] = s


@jit
def chain_spot(
    spots: tuple[np.ndarray, ...],  # each block's (paths, n) index level, NaN where it has none (counts as 0)
    weights: np.ndarray,  # (blocks, n) each block's generation weight
    start: np.ndarray,  # (paths,) the chain's first level
    out: np.ndarray,  # out (paths, n)
) -> None:
    """The chained spot of the generations held (:func:`etfsim.curves.market_curve.chained_spot`), in one pass.

    ``out[:, 0] = start`` and ``out[:, t + 1] = start * prod_{s <= t} num(s) / den(s)`` with
    ``num(s) = sum_b g_b(s) S_b(s + 1)`` and ``den(s) = sum_b g_b(s) S_b(s)``, blocks added in
    order; NaN from the first step whose denominator is not > 0.  A zero weight adds nothing
    (the sums are of non-negative prices, so adding ``+0.0`` would leave them as they are) and
    a missing level counts as 0.  The sums stay in registers: one read of each block's levels,
    not a ``(paths, n)`` pair of sums written and read again for each block.
    """
    paths, n = out.shape
    for p in range(paths):
        out[p, 0] = start[p]
        c = 1.0
        for t in range(n - 1):
            num = 0.0
            den = 0.0
            for b in range(len(spots)):
                w = weights[b, t]
                if w == 0.0:
                    continue
                a = spots[b][p, t + 1]
                x = spots[b][p, t]
                num += w * (a if a == a else 0.0)
                den += w * (x if x == x else 0.0)
            r = num / den if den > 0.0 else np.nan
            c = c * r
            out[p, t + 1] = start[p] * c


@jit
def add_weighted(out: np.ndarray, prices: np.ndarray, coef: np.ndarray) -> None:
    """``out += nan_to_num(prices) * coef`` in one pass: a family's leg added into its prices.

    ``out`` and ``prices`` are ``(paths, n, m)``, ``coef`` ``(n, m)``; a missing price
    counts as 0 and an infinite one as the largest finite float, as
    ``numpy.nan_to_num`` has it, and each cell takes the same two roundings as
    the three array operations did (a product, then a sum).
    """
    big = 1.7976931348623157e308
    paths, n, m = prices.shape
    for p in range(paths):
        for t in range(n):
            for k in range(m):
                x = prices[p, t, k]
                x = 0.0 if x != x else x  # selects, not branches: the loop vectorises (5x on NaN-strewn cells)
                x = min(max(x, -big), big)
                out[p, t, k] += x * coef[t, k]


@jit
def price_median(
    chi: np.ndarray,  # (legs, paths, n) the family's legs' short-term factors on the full grid
    xi: np.ndarray,  # (legs, paths, n) their long-term factors
    fam_cum: np.ndarray,  # (paths, n + 1) running sum of the family's spot (the median of its legs' spots)
    spot0: float,  # fixing assumed for delivery days before the grid starts
    rows: np.ndarray,  # (r,) grid row of each output row
    date_off: np.ndarray,  # (n,) calendar days from the grid's first date to each grid date
    day_off: np.ndarray,  # (r, m, days) calendar days from the grid's first date to each fixing, -1: none
    n_days: np.ndarray,  # (r, m) fixings of the contract in the cell (0: no contract)
    first_fixed: np.ndarray,  # (r, m) grid row of the first fixing already known on the grid, -1: none
    pre_fixed: np.ndarray,  # (r, m) fixings before the grid starts
    member: np.ndarray,  # (r, m, legs) bool: the leg is in the median of the cell's delivery month
    kappa: np.ndarray,  # (legs,)
    a_tab: np.ndarray,  # (legs, taus) A(tau) by whole calendar days to the fixing
    s_tab: np.ndarray,  # (legs, offsets) seasonal and level steps by calendar day of the fixing
    floor0: np.ndarray,  # (legs,) price floor on the grid's first date
    growth: np.ndarray,  # (legs,) floor growth per year
    gnodes: np.ndarray,  # (taus, nodes, legs) exp((B(tau) z_q)_j - V_jj(tau) / 2), B B' = V(tau)
    out: np.ndarray,  # (paths, r, m)
) -> None:
    """Futures on the median of legs: known fixings plus ``E_t[median_j S_j(d)]`` of each fixing to come.

    For a fixing ``d`` days ahead, leg ``j``'s price is ``f_j + F_j G_j`` with
    ``f_j`` its floor on ``d``, ``F_j = exp(a_j chi_j + xi_j + A_j(tau) + s_j(d))``
    the forward of its lognormal part and ``G_j`` the lognormal factor of mean 1
    that the joint Gaussian law of the legs gives; over the fixed nodes ``q``::

        E[median] = mean_j (f_j + F_j) + (1 / Q) sum_q [median_j(y_qj) - mean_j(y_qj)],  y_qj = f_j + F_j G_qj

    The mean of the legs is exact (their own closed forms), so the nodes only
    carry the median's departure from the mean: zero for two legs or for legs
    that move as one.
    """
    n_paths = chi.shape[1]
    n_rows, n_slots, n_fix = day_off.shape
    legs = chi.shape[0]
    nodes = gnodes.shape[1]
    base = np.empty(legs)
    fl = np.empty(legs)
    vals = np.empty(legs)
    idx = np.empty(legs, dtype=np.int64)
    for p in range(n_paths):
        for ri in range(n_rows):
            i = rows[ri]
            for k in range(n_slots):
                nd = n_days[ri, k]
                if nd <= 0:
                    out[p, ri, k] = np.nan
                    continue
                c = 0
                for j in range(legs):
                    if member[ri, k, j]:
                        idx[c] = j
                        c += 1
                total = 0.0
                for d in range(n_fix):
                    off = day_off[ri, k, d]
                    if off < 0:
                        continue
                    tau = off - date_off[i]
                    if tau <= 0:
                        continue  # fixed: in the running sum below
                    exact = 0.0
                    for jj in range(c):
                        j = idx[jj]
                        lognormal = a_tab[j, tau] + s_tab[j, off] + xi[j, p, i]
                        lognormal += math.exp(-kappa[j] * tau / 365.0) * chi[j, p, i]
                        base[jj] = math.exp(lognormal)
                        fl[jj] = floor0[j] * math.exp(growth[j] * off / 365.0) if floor0[j] != 0.0 else 0.0
                        exact += fl[jj] + base[jj]
                    exact /= c
                    corr = 0.0
                    if c > 2:  # the median of one or two values is their mean
                        for q in range(nodes):
                            mean = 0.0
                            for jj in range(c):
                                v = fl[jj] + base[jj] * gnodes[tau, q, idx[jj]]
                                mean += v
                                # insertion sort: a few legs
                                h = jj
                                while h > 0 and vals[h - 1] > v:
                                    vals[h] = vals[h - 1]
                                    h -= 1
                                vals[h] = v
                            mid = c // 2
                            med = vals[mid] if c % 2 == 1 else 0.5 * (vals[mid - 1] + vals[mid])
                            corr += med - mean / c
                        corr /= nodes
                    total += exact + corr
                j0 = first_fixed[ri, k]
                if j0 >= 0:
                    total += fam_cum[p, i + 1] - fam_cum[p, j0]
                total += pre_fixed[ri, k] * spot0
                out[p, ri, k] = total / nd
