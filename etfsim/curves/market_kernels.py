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

__all__ = ["chain_add_block", "chain_levels", "market_factor_paths", "market_path_draws"]


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
def chain_add_block(
    spot: np.ndarray,  # (paths, n) one block's index level, NaN where it has none (counts as 0)
    weight: np.ndarray,  # (n,) the block's generation weight
    num: np.ndarray,  # in/out (paths, n-1): sum_b g_b(t-1) S_b(t)
    den: np.ndarray,  # in/out (paths, n-1): sum_b g_b(t-1) S_b(t-1)
) -> None:
    """Add one block's weighted levels to the chained spot's sums (see :func:`etfsim.curves.market_curve.chained_spot`).

    A zero weight adds nothing (the sums are of non-negative prices, so adding
    ``+0.0`` would leave them as they are), and a missing level counts as 0.
    """
    paths, n = spot.shape
    for p in range(paths):
        for t in range(n - 1):
            w = weight[t]
            if w == 0.0:
                continue
            a = spot[p, t + 1]
            b = spot[p, t]
            num[p, t] += w * (a if a == a else 0.0)
            den[p, t] += w * (b if b == b else 0.0)


@jit
def chain_levels(start: np.ndarray, num: np.ndarray, den: np.ndarray, out: np.ndarray) -> None:
    """``out[:, t] = start * prod_{s <= t} num / den`` (NaN once a denominator is not > 0), ``out[:, 0] = start``."""
    paths, steps = num.shape
    for p in range(paths):
        out[p, 0] = start[p]
        c = 1.0
        for t in range(steps):
            r = num[p, t] / den[p, t] if den[p, t] > 0.0 else np.nan
            c = c * r
            out[p, t + 1] = start[p] * c
