"""Hot loops of the curve simulation: plain functions over arrays, compiled by numba.

Randomness is drawn outside and passed in, so each kernel is deterministic and
writes into ``out`` arrays (QuantEcon's pattern).  ``kernel.py_func`` is the
same function uncompiled; a test checks the two agree.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit
from etfsim.curves.pcg64 import double_from, normal_from, poisson_from, put_state, state_of

__all__ = [
    "average_moments",
    "factor_paths",
    "price_final",
    "price_monthly_average",
    "running_sums",
    "EXPANSION_LIMIT",
    "EXPANSION_TERMS",
]

EXPANSION_TERMS = 13
"""Most terms of the series used for monthly-average prices (see ``price_monthly_average``)."""
EXPANSION_LIMIT = 0.5
"""The series is used while ``y = |chi| * max|delta| <= 0.5``; beyond, the days are summed one by one."""


def _term_limits(terms: int, tol: float = 1e-16) -> np.ndarray:
    """``limits[K]``: the largest ``y`` for which K+1 terms leave a relative error under ``tol``.

    The series' relative remainder after the term ``j = K`` is at most about
    ``y**(K+1) / (K+1)!``, so ``limits[K] = (tol (K+1)!)**(1/(K+1))``.
    """
    return np.array([(tol * math.factorial(k + 1)) ** (1.0 / (k + 1)) for k in range(terms)])


TERM_LIMITS = _term_limits(EXPANSION_TERMS)
LARGEST = 1.7976931348623157e308
"""The largest float64: where ``numpy.nan_to_num`` puts an infinite price."""


@jit
def path_draws(
    g: np.random.Generator,
    lam_dt: np.ndarray,  # (n-1,) expected jumps per step, or empty: no jumps
    use_regime: bool,
    jump_mean: float,
    jump_std: float,
    z: np.ndarray,  # out (n-1, 2) standard normals
    u: np.ndarray,  # out (n-1,) uniforms, written only with a regime
    jumps: np.ndarray,  # out (n-1,) total log jump of xi over each step
) -> None:
    """One path's random inputs from its own generator.

    The stream's order is fixed: the diffusion normals, then the regime uniforms
    (if a regime is on), then the jump counts and then their sizes (if jumps are
    on), so switching an overlay off leaves the other draws unchanged.  Element
    by element these are the numbers numpy's array calls give (``standard_normal
    ((n-1, 2))``, ``random(n-1)``, ``poisson(lam_dt)``, ``standard_normal(n-1)``).
    """
    m = z.shape[0]
    for i in range(m):
        z[i, 0] = g.standard_normal()
        z[i, 1] = g.standard_normal()
    if use_regime:
        for i in range(m):
            u[i] = g.random()
    if lam_dt.shape[0] == 0:
        for i in range(m):
            jumps[i] = 0.0
        return
    for i in range(m):
        jumps[i] = g.poisson(lam_dt[i])  # the count, until its size is drawn
    for i in range(m):
        size = g.standard_normal()
        c = jumps[i]
        jumps[i] = c * jump_mean + jump_std * math.sqrt(c) * size if c > 0 else 0.0


@jit
def paths_draws(
    states: np.ndarray,  # (paths, 4) uint64: each path's PCG64 generator (etfsim.curves.pcg64.pcg_states), stepped
    lam_dt: np.ndarray,  # (n-1,) expected jumps per step (each below pcg64.POISSON_LIMIT), or empty: no jumps
    use_regime: bool,
    jump_mean: float,
    jump_std: float,
    z: np.ndarray,  # out (paths, n-1, 2) standard normals
    u: np.ndarray,  # out (paths, n-1) uniforms, written only with a regime
    jumps: np.ndarray,  # out (paths, n-1) total log jump of xi over each step
) -> None:
    """:func:`path_draws` of every path in one call, each from its generator's state: the same numbers."""
    m = z.shape[1]
    enlam = np.empty(lam_dt.shape[0])
    for i in range(lam_dt.shape[0]):
        enlam[i] = math.exp(-lam_dt[i])
    for p in range(states.shape[0]):
        g = state_of(states, p)  # the path's generator in registers while it draws (see etfsim.curves.pcg64)
        for i in range(m):
            g, a = normal_from(g)
            g, b = normal_from(g)
            z[p, i, 0], z[p, i, 1] = a, b
        if use_regime:
            for i in range(m):
                g, d = double_from(g)
                u[p, i] = d
        if lam_dt.shape[0] == 0:
            for i in range(m):
                jumps[p, i] = 0.0
            put_state(states, p, g)
            continue
        for i in range(m):
            g, c = poisson_from(g, lam_dt[i], enlam[i])
            jumps[p, i] = c  # the count, until its size is drawn
        for i in range(m):
            g, size = normal_from(g)
            c = jumps[p, i]
            jumps[p, i] = c * jump_mean + jump_std * math.sqrt(c) * size if c > 0 else 0.0
        put_state(states, p, g)


@jit
def factor_paths(
    chi0: float,
    xi0: float,
    regime0: int,
    decay: np.ndarray,  # (n-1,) exp(-kappa dt)
    l11: np.ndarray,  # (n-1,) Cholesky factor of the exact step covariance
    l21: np.ndarray,
    l22: np.ndarray,
    xi_drift: np.ndarray,  # (n-1,) drift of xi over the step
    levels: np.ndarray,  # (regimes,) level chi reverts to in each regime
    trans_cum: np.ndarray,  # (n-1, regimes, regimes) cumulative transition probabilities
    z: np.ndarray,  # (paths, n-1, 2) standard normals
    u: np.ndarray,  # (paths, n-1) uniforms (regime switches)
    jumps: np.ndarray,  # (paths, n-1) total log jump of xi over the step
    chi_out: np.ndarray,  # (paths, n)
    xi_out: np.ndarray,  # (paths, n)
    regime_out: np.ndarray,  # (paths, n) int
) -> None:
    """Exact simulation of (chi, xi) on an uneven grid (Ornstein-Uhlenbeck + Brownian drift).

    Over a step of ``dt`` years with the regime fixed at its start::

        chi' = e chi + (1 - e) level[s] + l11 z1,               e = exp(-kappa dt)
        xi'  = xi + drift + l21 z1 + l22 z2 + jumps

    where ``[[l11, 0], [l21, l22]]`` is the Cholesky factor of the exact
    covariance of the two increments.  The regime then moves by its
    transition matrix over ``dt``.
    """
    n_paths = z.shape[0]
    n_steps = decay.shape[0]
    n_reg = levels.shape[0]
    for p in range(n_paths):
        chi = chi0
        xi = xi0
        s = regime0
        chi_out[p, 0] = chi
        xi_out[p, 0] = xi
        regime_out[p, 0] = s
        for i in range(n_steps):
            z1 = z[p, i, 0]
            z2 = z[p, i, 1]
            e = decay[i]
            chi_new = e * chi + (1.0 - e) * levels[s] + l11[i] * z1
            xi = xi + xi_drift[i] + l21[i] * z1 + l22[i] * z2 + jumps[p, i]
            chi = chi_new
            if n_reg > 1:
                r = u[p, i]
                nxt = n_reg - 1
                for j in range(n_reg):
                    if r < trans_cum[i, s, j]:
                        nxt = j
                        break
                s = nxt
            chi_out[p, i + 1] = chi
            xi_out[p, i + 1] = xi
            regime_out[p, i + 1] = s


@jit
def price_final(
    chi: np.ndarray,  # (paths, n)
    xi: np.ndarray,  # (paths, n)
    a: np.ndarray,  # (n, depth) exp(-kappa tau)
    c: np.ndarray,  # (n, depth), or (regimes, n, depth) with a regime: A(tau) + s(T) + ln W_r(tau); NaN: no contract
    out: np.ndarray,  # (paths, n, depth)
    regime: np.ndarray | None = None,  # (paths, n) int64 regime at each close, with a regime axis in c
    floor: np.ndarray | None = None,  # (n, depth) price floor at each expiry, floor(T)
    keep: bool = False,  # leave the cells without a contract (c NaN) as ``out`` holds them
) -> None:
    """Futures settling on one fixing: ``F = floor(T) + exp(a chi + xi + c[r])``, ``r`` the regime at the close.

    ``c`` must be C-contiguous: both shapes are read as ``(regimes, n, depth)``.  Without ``keep`` a cell
    with no contract gets NaN; with it the cell is not written (a market fills one array block by block).
    """
    n_paths, n_dates = chi.shape
    depth = a.shape[1]
    if n_dates * depth == 0:
        return
    cr = c.reshape((c.size // (n_dates * depth), n_dates, depth))
    for p in range(n_paths):
        for i in range(n_dates):
            x = chi[p, i]
            y = xi[p, i]
            r = 0
            if regime is not None:
                r = regime[p, i]
            for k in range(depth):
                ck = cr[r, i, k]
                if keep and math.isnan(ck):
                    continue
                price = math.exp(a[i, k] * x + y + ck)
                out[p, i, k] = price if floor is None else floor[i, k] + price


@jit
def running_sums(x: np.ndarray, out: np.ndarray) -> None:
    """``out[:, 0] = 0`` and ``out[:, j + 1] = x[:, 0] + ... + x[:, j]``: the numbers of ``numpy.cumsum``.

    Row by row, each row read and written in order.  numpy's cumsum along the
    last axis of a 2-D array steps across every row at each column, which from
    memory (a chunk's spot is just written) took twice as long.
    """
    for p in range(x.shape[0]):
        out[p, 0] = 0.0
        acc = 0.0
        for j in range(x.shape[1]):
            acc = x[p, j] if j == 0 else acc + x[p, j]  # the first sum is the first number itself, as in cumsum
            out[p, j + 1] = acc


@jit
def average_moments(
    w: np.ndarray,  # (regimes, cells, days) w_d, 0 for a fixed day
    delta: np.ndarray,  # (cells, days) a_d - abar, 0 for a fixed day
    factorial: np.ndarray,  # (terms,) j!
    out: np.ndarray,  # out (regimes, cells, terms) sum_d w_d delta_d^j / j!
) -> None:
    """The series moments of :func:`price_monthly_average`, one cell at a time.

    The numbers are those of the array expression ``(w[..., None] * powers).sum(axis=-2) / factorial``
    with ``powers[..., j] = powers[..., j - 1] * delta``: each power is the same
    repeated product, and each sum adds the days in order from 0, as numpy's
    sum along a middle axis does, without the ``(regimes, cells, days, terms)``
    products that the array expression writes and reads back.
    """
    n_reg, n_cells, n_days = w.shape
    terms = out.shape[2]
    for r in range(n_reg):
        for c in range(n_cells):
            for j in range(terms):
                out[r, c, j] = 0.0
            for d in range(n_days):
                x = delta[c, d]
                wd = w[r, c, d]
                p = 1.0
                out[r, c, 0] += wd * p
                for j in range(1, terms):
                    p = p * x
                    out[r, c, j] += wd * p
            for j in range(terms):
                out[r, c, j] = out[r, c, j] / factorial[j]


@jit
def price_monthly_average(
    chi: np.ndarray,  # (paths, n)
    xi: np.ndarray,  # (paths, n)
    spot_cum: np.ndarray,  # (paths, n + 1) running sum of spot, spot_cum[:, j + 1] = sum of spot[:, :j + 1]
    spot0: float,  # index fixing assumed for delivery days before the simulation starts
    listed: np.ndarray,  # (n, depth) bool
    n_days: np.ndarray,  # (n, depth) business days in the delivery month
    first_fixed: np.ndarray,  # (n, depth) grid index of the first delivery day on the grid, -1 if none fixed
    pre_fixed: np.ndarray,  # (n, depth) delivery days fixed before the grid starts
    abar: np.ndarray,  # (n, depth) mean of a_d over the unfixed days
    dmax: np.ndarray,  # (n, depth) max |a_d - abar|
    moments: np.ndarray,  # ([regimes,] n, depth, terms) sum_d w_d (a_d - abar)^j / j!
    day_a: np.ndarray,  # (n, depth, days) a_d = exp(-kappa tau_d), unfixed days
    day_w: np.ndarray,  # ([regimes,] n, depth, days) w_d = exp(A(tau_d) + s(d) + ln W_r(tau_d)) / N, 0 when fixed
    out: np.ndarray,  # (paths, n, depth)
    regime: np.ndarray | None = None,  # (paths, n) int64 regime at each close, with a regime axis in moments, day_w
    floor: np.ndarray | None = None,  # (n, depth) sum of the price floor over the unfixed days / N
    keep: bool = False,  # leave the cells not listed as ``out`` holds them
    weight: np.ndarray | None = None,  # (n, depth): add weight x price into ``out`` instead (a family's leg)
) -> None:
    """Monthly-average settlement: realised fixings plus the forwards of the days to come.

    ``F = (sum of fixed spot) / N + floor part + exp(xi) sum_d w_d exp(a_d chi)``,
    with the weights ``w_d`` of the regime at the close and the floor part the
    mean over the month of the floor on the days still to fix (the fixed spot
    already includes the floor).  The sum over days is evaluated
    as ``exp(abar chi) sum_j moments_j chi^j`` (a Taylor series in
    ``(a_d - abar) chi``), which costs one ``exp`` instead of one per day; when
    ``|chi| dmax`` is too large for the truncated series the days are summed
    directly (with ``day_a`` zero days wide, a plan that kept no days, such a cell
    is NaN).  ``moments`` and ``day_w`` must be C-contiguous: with or without
    the regime axis they are read as ``(regimes, n, depth, ...)``.  A cell not
    listed gets NaN, or with ``keep`` is not written (a market fills one array
    block by block); a date with no cell listed costs no ``exp``.  With
    ``weight`` each listed cell adds ``weight * price`` to ``out`` (a NaN price as
    0 and an infinite one as the largest float, the numbers of
    :func:`etfsim.curves.market_kernels.add_weighted`) and the others are left as
    they are: a family sums its legs without an array of each leg's prices.
    """
    n_paths, n_dates = chi.shape
    depth = listed.shape[1]
    terms = moments.shape[-1]
    n_day_cols = day_a.shape[2]  # 0: the plan kept no days (its caller checked that no cell needs them)
    if n_dates * depth == 0:
        return
    mom = moments.reshape((moments.size // (n_dates * depth * terms), n_dates, depth, terms))
    dw = day_w.reshape((mom.shape[0], n_dates, depth, n_day_cols))
    live = np.zeros(n_dates, dtype=np.bool_)  # dates with a cell to price (a market's block is listed on some)
    for i in range(n_dates):
        for k in range(depth):
            if listed[i, k]:
                live[i] = True
    keep = keep or weight is not None
    for p in range(n_paths):
        for i in range(n_dates):
            if not live[i]:
                if not keep:
                    for k in range(depth):
                        out[p, i, k] = np.nan
                continue
            x = chi[p, i]
            ex = math.exp(xi[p, i])
            r = 0
            if regime is not None:
                r = regime[p, i]
            for k in range(depth):
                if not listed[i, k]:
                    if not keep:
                        out[p, i, k] = np.nan
                    continue
                y = abs(x) * dmax[i, k]
                if y <= EXPANSION_LIMIT:
                    # far contracts barely depend on which day of their month fixes: few terms do
                    top = terms - 1
                    for j in range(terms):
                        if y <= TERM_LIMITS[j]:
                            top = j
                            break
                    acc = mom[r, i, k, top]
                    for j in range(top - 1, -1, -1):
                        acc = acc * x + mom[r, i, k, j]
                    fwd = math.exp(abar[i, k] * x) * acc
                else:
                    fwd = 0.0 if n_day_cols > 0 else math.nan  # days needed and not given: no price, not a wrong one
                    for d in range(n_day_cols):
                        w = dw[r, i, k, d]
                        if w != 0.0:
                            fwd += w * math.exp(day_a[i, k, d] * x)
                fixed = 0.0
                j0 = first_fixed[i, k]
                if j0 >= 0:
                    fixed = spot_cum[p, i + 1] - spot_cum[p, j0]
                fixed += pre_fixed[i, k] * spot0
                price = ex * fwd + fixed / n_days[i, k]
                if floor is not None:
                    price += floor[i, k]
                if weight is None:
                    out[p, i, k] = price
                else:  # nan_to_num, then the product and the sum: two roundings, as add_weighted
                    q = 0.0 if price != price else price  # not x: that is the date's chi, for the next cells
                    q = min(max(q, -LARGEST), LARGEST)
                    out[p, i, k] += q * weight[i, k]
