"""The Kalman filter of the Schwartz-Smith state space, as one numba kernel.

State ``x_t = (chi_t, xi_t)``.  Transition over a step of ``dt`` years is the
exact discrete-time law of the factors (Schwartz & Smith 2000, eq. 12 and
eq. 2)::

    chi_t = exp(-kappa dt) chi_{t-1}             + w_chi
    xi_t  = xi_{t-1}            + mu_xi dt       + w_xi
    Var w_chi = (1 - exp(-2 kappa dt)) sigma_chi^2 / (2 kappa)
    Var w_xi  = sigma_xi^2 dt
    Cov       = (1 - exp(-kappa dt)) rho sigma_chi sigma_xi / kappa

Measurement is the closed-form log futures price plus an independent error::

    y_ti = exp(-kappa tau_ti) chi_t + xi_t + A(tau_ti) + e_ti,   e_ti ~ N(0, s_b^2)

with ``s_b`` the standard deviation of the observation's error bucket.  The
errors are independent, so the update takes one observation at a time (the
sequential, or univariate, filter of Durbin & Koopman 2012, section 6.4):
each step is a scalar division instead of a matrix inverse, and a missing
price (NaN) is simply not processed.  The log-likelihood is the
prediction-error decomposition ``-1/2 sum (log 2 pi f + v^2 / f)``, which for a
Gaussian linear state space equals the joint log-density of all observations.

The one-factor model of Schwartz (1997) is this kernel with
``sigma_xi = rho = mu_xi = mu_xi_star = 0`` and ``xi`` fixed at ``alpha``
(zero starting variance).

References
----------
Schwartz, E. S. and Smith, J. E. (2000). Management Science 46(7), 893-911.
Durbin, J. and Koopman, S. J. (2012). Time Series Analysis by State Space
Methods, 2nd ed. Oxford University Press.
"""

from __future__ import annotations

import math

import numpy as np

from etfsim._numba import jit

__all__ = ["kalman_filter"]

LOG_2PI = math.log(2.0 * math.pi)


@jit
def kalman_filter(
    theta: np.ndarray,
    errors: np.ndarray,
    y: np.ndarray,
    tau: np.ndarray,
    bucket: np.ndarray,
    dt: np.ndarray,
    a0: np.ndarray,
    p0: np.ndarray,
    states: np.ndarray,
    covs: np.ndarray,
    ll_t: np.ndarray,
) -> float:
    """Run the filter; return the log-likelihood and write the filtered states.

    Parameters
    ----------
    theta : (7,) float64
        ``kappa, sigma_chi, lambda_chi, mu_xi, sigma_xi, rho, mu_xi_star``.
    errors : (B,) float64
        Measurement-error standard deviation of each bucket.
    y : (T, N) float64
        Log futures prices, NaN where there is no price.
    tau : (T, N) float64
        Times to maturity in years.
    bucket : (T, N) int64
        Error bucket of each observation (an index into ``errors``).
    dt : (T,) float64
        Year fraction of the step into each date (``dt[0]`` is not used).
    a0 : (2,) float64
        Mean of the state on the first date before its prices are seen.
    p0 : (3,) float64
        Its covariance ``(P_chichi, P_chixi, P_xixi)``.
    states : (T, 2) float64
        Out: the filtered means ``E[chi_t, xi_t | y_1..y_t]``.
    covs : (T, 3) float64
        Out: the filtered covariances, packed like ``p0``.
    ll_t : (T,) float64
        Out: each date's log-likelihood contribution.

    Returns
    -------
    float
        The log-likelihood; ``-inf`` if a prediction variance is not positive.
    """
    k, sc, lc, mu, sx, rho, mus = theta[0], theta[1], theta[2], theta[3], theta[4], theta[5], theta[6]
    n_dates, n_series = y.shape
    a1, a2 = a0[0], a0[1]
    p11, p12, p22 = p0[0], p0[1], p0[2]
    # loadings are cached per column: on a constant-maturity panel they are worked out once, not once a date
    last_m = np.full(n_series, np.nan)
    z_col = np.empty(n_series)
    a_col = np.empty(n_series)
    last_h = np.nan
    phi = q11 = q12 = q22 = 0.0
    total = 0.0
    for t in range(n_dates):
        if t > 0:
            h = dt[t]
            if h != last_h:
                last_h = h
                phi = math.exp(-k * h)
                q11 = sc * sc * (-math.expm1(-2.0 * k * h)) / (2.0 * k)
                q12 = rho * sc * sx * (-math.expm1(-k * h)) / k
                q22 = sx * sx * h
            a1 = phi * a1
            a2 = a2 + mu * h
            p11 = phi * phi * p11 + q11
            p12 = phi * p12 + q12
            p22 = p22 + q22
        quad = 0.0
        logs = 0.0
        prod = 1.0
        count = 0
        for i in range(n_series):
            obs = y[t, i]
            m = tau[t, i]
            if math.isnan(obs) or math.isnan(m):
                continue
            if m != last_m[i]:
                last_m[i] = m
                e1 = -math.expm1(-k * m)
                z = 1.0 - e1
                e2 = e1 * (1.0 + z)  # 1 - exp(-2 k m) = (1 - z)(1 + z)
                z_col[i] = z
                a_col[i] = (
                    mus * m
                    - e1 * lc / k
                    + 0.5 * (e2 * sc * sc / (2.0 * k) + sx * sx * m + 2.0 * e1 * rho * sc * sx / k)
                )
            z = z_col[i]
            s = errors[bucket[t, i]]
            pz1 = p11 * z + p12
            pz2 = p12 * z + p22
            f = z * pz1 + pz2 + s * s
            if not f > 1e-300:
                ll_t[t] = -np.inf
                return -np.inf
            inv = 1.0 / f
            v = obs - (z * a1 + a2 + a_col[i])
            quad += v * v * inv
            # one log for several variances: their product stays far from under- and overflow
            prod *= f
            if prod < 1e-150 or prod > 1e150:
                logs += math.log(prod)
                prod = 1.0
            count += 1
            kv = v * inv
            a1 += pz1 * kv
            a2 += pz2 * kv
            p11 -= pz1 * pz1 * inv
            p12 -= pz1 * pz2 * inv
            p22 -= pz2 * pz2 * inv
            # rounding can leave a variance a hair below zero after an exact (error-free) observation
            if p11 < 0.0:
                p11 = 0.0
            if p22 < 0.0:
                p22 = 0.0
        ll = -0.5 * (count * LOG_2PI + logs + math.log(prod) + quad)
        states[t, 0] = a1
        states[t, 1] = a2
        covs[t, 0] = p11
        covs[t, 1] = p12
        covs[t, 2] = p22
        ll_t[t] = ll
        total += ll
    return total
