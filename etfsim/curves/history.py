"""Calibrate a factor model to a history of futures prices: Kalman-filter maximum likelihood.

One forward curve says how the market prices the term structure today; a
history says how the curve *moves*: how fast a shortage clears (``kappa``),
how volatile the short and the long end are, how their shocks are
correlated.  :func:`calibrate_history` fits Schwartz & Smith (2000) or
Schwartz (1997) to a panel of futures prices by maximising the exact Gaussian
log-likelihood of the panel, computed by the Kalman filter of the models'
state-space form (:mod:`etfsim.curves.history_kernels`).

Two panel shapes:

- *complete*: each column a constant-maturity series (the paper's stitched
  1st, 5th, 9th, 13th and 17th nearby contracts, read as 1/12, 5/12 ... years);
- *incomplete*: each column a contract, with a matching frame of its time to
  maturity on each date and NaN where it has no price (the filter skips it).

Short histories (a compute index has about two years of daily data) leave the
drifts and premia weakly identified: priors on parameters turn the fit into a
maximum a posteriori one, and forward-curve snapshots add the least-squares
term of :func:`etfsim.calibrate` to the same objective.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from etfsim._typing import Float64Array
from etfsim.curves.history_data import Panel, panel_from_curve, prepare_panel
from etfsim.curves.history_kernels import kalman_filter
from etfsim.curves.history_models import ERROR_SPEC, ParamSpec, Prior, Snapshot, check_priors, model_specs, theta_of
from etfsim.curves.history_result import HistoryCalibrationResult
from etfsim.exceptions import ConfigError, DataError

__all__ = ["HistoryCalibrationResult", "Prior", "Snapshot", "calibrate_history", "log_likelihood", "panel_from_curve"]

GLOBAL_DRAWS = 200
"""Random points evaluated before the local searches (the global step)."""
GRADIENT_TOL = 1e-2
"""Largest gradient of the objective (log-likelihood units per search unit) at a converged fit."""
DIFFUSE = 1.0
"""Starting variance of a factor before the first prices (log-price units: nearly diffuse)."""


class _Objective:
    """The negative log-posterior in the search coordinates, with the filter's buffers kept between calls."""

    def __init__(self, panel: Panel, model: str, priors: Mapping[str, Prior], snapshots: Sequence[Snapshot]) -> None:
        self.panel, self.model = panel, model
        self.specs: tuple[ParamSpec, ...] = (*model_specs(model), *([ERROR_SPEC] * len(panel.labels)))
        self.n_model = len(model_specs(model))
        kinds = np.array([s.kind for s in self.specs])
        self.is_log, self.is_tanh = kinds == "log", kinds == "tanh"
        self.lo = np.array([s.bounds[0] for s in self.specs])
        self.hi = np.array([s.bounds[1] for s in self.specs])
        names = [s.name for s in model_specs(model)]
        self.priors = [(names.index(k), p) for k, p in priors.items()]
        self.snapshots = [_snapshot_at(panel, s) for s in snapshots]
        t, n = panel.y.shape
        self.states, self.covs, self.ll_t = np.empty((t, 2)), np.empty((t, 3)), np.empty(t)
        self.a0, self.p0 = np.zeros(2), np.zeros(3)
        self.y0 = panel.first_log_price

    def natural(self, u: np.ndarray) -> Float64Array:
        """Search coordinates -> parameter values (model's, then the error standard deviations)."""
        # the search is unbounded; clipping keeps it off degenerate models (a zero speed, a unit correlation)
        x = np.clip(np.asarray(u, dtype=np.float64), self.lo, self.hi)
        x[self.is_log] = np.exp(x[self.is_log])
        x[self.is_tanh] = np.tanh(x[self.is_tanh])
        return x

    def loglik(self, x: np.ndarray) -> float:
        """The filter's log-likelihood at natural values ``x`` (writes the filtered states)."""
        m = x[: self.n_model]
        theta = theta_of(self.model, m.tolist())
        if self.model == "schwartz-1f":
            alpha = m[1]
            self.a0[0], self.a0[1] = self.y0 - alpha, alpha
            self.p0[0], self.p0[1], self.p0[2] = DIFFUSE, 0.0, 0.0  # xi is the constant alpha
        else:
            self.a0[0], self.a0[1] = 0.0, self.y0
            self.p0[0], self.p0[1], self.p0[2] = DIFFUSE, 0.0, DIFFUSE
        p = self.panel
        errors = np.ascontiguousarray(x[self.n_model :])
        return float(
            kalman_filter(
                theta, errors, p.y, p.tau, p.bucket, p.dt, self.a0, self.p0, self.states, self.covs, self.ll_t
            )
        )

    def extra(self, x: np.ndarray) -> tuple[float, float]:
        """Log prior and snapshot term at ``x`` (after :meth:`loglik`, whose states the snapshots use)."""
        lp = sum(prior.logpdf(float(x[i])) for i, prior in self.priors)
        snap = 0.0
        if self.snapshots:
            theta = theta_of(self.model, x[: self.n_model].tolist())
            for idx, gap, tau, log_px, sd in self.snapshots:
                k, mu = theta[0], theta[3]
                chi = self.states[idx, 0] * np.exp(-k * gap)
                xi = self.states[idx, 1] + mu * gap
                resid = _log_futures(theta, chi, xi, tau) - log_px
                snap -= float(resid @ resid) / (2.0 * sd * sd)
        return float(lp), snap

    def __call__(self, u: np.ndarray) -> float:
        x = self.natural(u)
        ll = self.loglik(x)
        if not np.isfinite(ll):
            return 1e300
        if self.priors or self.snapshots:
            lp, snap = self.extra(x)
            ll += lp + snap
        return -ll if np.isfinite(ll) else 1e300


def _log_futures(theta: np.ndarray, chi: float, xi: float, tau: np.ndarray) -> np.ndarray:
    """Schwartz & Smith (2000) eq. 9 for the filter's seven parameters (as :meth:`SchwartzSmith.log_futures`)."""
    k, sc, lc, _mu, sx, rho, mus = (float(v) for v in theta)
    e1, e2 = -np.expm1(-k * tau), -np.expm1(-2.0 * k * tau)
    a = mus * tau - e1 * lc / k + 0.5 * (e2 * sc * sc / (2.0 * k) + sx * sx * tau + 2.0 * e1 * rho * sc * sx / k)
    out: np.ndarray = np.exp(-k * tau) * chi + xi + a
    return out


def _snapshot_at(panel: Panel, snap: Snapshot) -> tuple[int, float, np.ndarray, np.ndarray, float]:
    """Where a snapshot sits on the panel: the last date on or before it and the gap in years."""
    if not isinstance(snap, Snapshot):
        raise ConfigError(f"snapshots must be etfsim Snapshot objects, got {type(snap).__name__}")
    try:
        when = pd.Timestamp(snap.date)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"snapshot date must be a date, got {snap.date!r}") from exc
    idx = int(panel.dates.searchsorted(when, side="right")) - 1
    if idx < 0:
        raise ConfigError(f"snapshot date {when.date()} is before the panel's first date {panel.dates[0].date()}")
    gap = (when - panel.dates[idx]).days / 365.0
    return idx, gap, np.array(snap.tenors), np.log(np.array(snap.prices)), float(snap.sd)


def _central_gradient(f: _Objective, u: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences: the objective is a sum of thousands of terms, so one-sided steps lose digits."""
    g = np.empty_like(u)
    for i in range(u.size):
        up, dn = u.copy(), u.copy()
        up[i] += h
        dn[i] -= h
        g[i] = (f(up) - f(dn)) / (2.0 * h)
    return g


def _hessian(f: _Objective, u: np.ndarray, free: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` over the free coordinates (the rest stay zero)."""
    n = u.size
    hess = np.zeros((n, n))
    f0 = f(u)
    idx = np.flatnonzero(free)
    for a, i in enumerate(idx):
        ei = np.zeros(n)
        ei[i] = h
        hess[i, i] = (f(u + ei) - 2.0 * f0 + f(u - ei)) / (h * h)
        for j in idx[a + 1 :]:
            ej = np.zeros(n)
            ej[j] = h
            val = (f(u + ei + ej) - f(u + ei - ej) - f(u - ei + ej) + f(u - ei - ej)) / (4.0 * h * h)
            hess[i, j] = hess[j, i] = val
    return hess


def _starts(obj: _Objective, n_starts: int, seed: int) -> list[np.ndarray]:
    """A default start and the best of :data:`GLOBAL_DRAWS` random points (the global step)."""
    specs = obj.specs
    center = obj.y0 if obj.model == "schwartz-1f" else 0.0
    default = {"kappa": 1.0, "sigma_chi": 0.3, "sigma_xi": 0.15, "sigma": 0.3, "alpha": center, "error": 0.01}
    first = np.array([s.to_u(default.get(s.name, 0.0)) for s in specs])
    lo = np.array([s.to_u(s.start[0] + (center if s.name == "alpha" else 0.0)) for s in specs])
    hi = np.array([s.to_u(s.start[1] + (center if s.name == "alpha" else 0.0)) for s in specs])
    rng = np.random.default_rng(seed)
    draws = lo + (hi - lo) * rng.random((GLOBAL_DRAWS, len(specs)))
    # all errors of one draw share one value: a start with one tiny and one huge error is rarely useful
    err = slice(obj.n_model, None)
    draws[:, err] = draws[:, err][:, :1]
    values = np.array([obj(d) for d in draws])
    order = np.argsort(values)
    return [first] + [draws[i] for i in order[: max(n_starts - 1, 0)] if values[i] < 1e299]


def _local(obj: _Objective, u0: np.ndarray, tight: bool) -> Any:
    from scipy.optimize import minimize

    # BFGS, not L-BFGS-B: with a dozen parameters its numpy updates cost microseconds, while L-BFGS-B's
    # compiled step calls a threaded BLAS that costs most of a millisecond per iteration on a busy machine
    opts = {"maxiter": 3000 if tight else 400, "gtol": 1e-6 if tight else 1e-4, "xrtol": 1e-12}
    return minimize(obj, u0, jac=lambda v: _central_gradient(obj, v), method="BFGS", options=opts)


def calibrate_history(
    panel: pd.DataFrame,
    maturities: Sequence[float] | pd.DataFrame | None = None,
    model: str = "schwartz-smith",
    dt: float | Sequence[float] | None = None,
    *,
    errors: str | Sequence[float] | None = None,
    priors: Mapping[str, Prior | tuple[float, float]] | None = None,
    snapshots: Sequence[Snapshot] = (),
    starts: int = 6,
    seed: int = 0,
) -> HistoryCalibrationResult:
    """Fit a factor model to a history of futures prices by Kalman-filter maximum likelihood.

    Parameters
    ----------
    panel : DataFrame
        Futures prices (> 0) indexed by date, one column per series; NaN where there is no price.
    maturities : sequence of float or DataFrame
        A complete panel: one constant maturity in years per column.  An
        incomplete panel: a frame of the panel's shape with each contract's
        time to maturity (years) on each date, NaN where it has no price.
    model : {"schwartz-smith", "schwartz-1f"}
        Schwartz & Smith (2000) two-factor or Schwartz (1997) one-factor.
    dt : float or sequence of float, optional
        Year fraction of each step: one number for every step, or one per
        step (``len(panel) - 1``).  Default: ACT/365 between the dates.
    errors : {"series", "one"} or sequence of float, optional
        Measurement-error standard deviations: one per series, one for all,
        or one per maturity bucket with these edges in years.  Default: one
        per series on a complete panel, buckets at 0.25, 0.5, 1 and 2 years
        on an incomplete one.
    priors : dict, optional
        Parameter name -> :class:`~etfsim.curves.history_models.Prior` (or a
        ``(mean, sd)`` pair for a normal prior): a maximum a posteriori fit.
    snapshots : sequence of Snapshot
        Forward curves whose least-squares term joins the objective.
    starts : int
        Local searches: the default start and the best points of a random global step.
    seed : int
        Seed of the global step's points (same seed, same fit).

    Returns
    -------
    HistoryCalibrationResult
        Estimates, standard errors, log-likelihood, AIC/BIC and filtered states.

    Notes
    -----
    The filter starts each factor at a nearly diffuse variance (:data:`DIFFUSE`
    in log-price units) around ``chi = 0`` and ``xi`` = the first date's
    nearest log price.  Standard errors come from the inverse Hessian of the
    objective (the negative log-likelihood, plus the negative log prior and
    snapshot terms when given) by the delta method; a parameter that ends at
    its search bound (a measurement error of about zero) has none.
    """
    specs = model_specs(model)
    if not (isinstance(starts, int) and starts >= 1):
        raise ConfigError(f"starts must be a whole number >= 1 (local searches), got {starts!r}")
    data = prepare_panel(panel, maturities, dt, errors)
    n_params = len(specs) + len(data.labels)
    if data.n_dates < n_params:
        raise DataError(
            f"panel has {data.n_dates} dates but the {model} fit has {n_params} parameters "
            f"({len(specs)} of the model, {len(data.labels)} measurement errors); give at least {n_params} dates"
        )
    obj = _Objective(data, model, check_priors(model, dict(priors) if priors is not None else None), snapshots)
    fits = [_local(obj, u0, tight=False) for u0 in _starts(obj, starts, seed)]
    best = min(fits, key=lambda r: float(r.fun))
    best = _local(obj, best.x, tight=True)
    return _result(obj, np.clip(best.x, obj.lo, obj.hi), best, [float(r.fun) for r in fits])


def _result(obj: _Objective, u: np.ndarray, fit: object, start_values: list[float]) -> HistoryCalibrationResult:
    free = (u - obj.lo > 1e-3) & (obj.hi - u > 1e-3)
    hess = _hessian(obj, u, free)
    # BFGS often stops on "precision loss" at a maximum it cannot improve in the last digits: judge by the gradient
    grad = float(np.max(np.abs(_central_gradient(obj, u)[free]), initial=0.0))
    success = bool(getattr(fit, "success", False)) or grad < GRADIENT_TOL
    message = f"{getattr(fit, 'message', '')} (largest gradient {grad:.2g})"
    cov_u = np.full((u.size, u.size), np.nan)
    sub = hess[np.ix_(free, free)]
    try:
        inv = np.linalg.inv(sub)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(sub)
    cov_u[np.ix_(free, free)] = inv
    jac = np.array([s.slope(float(v)) for s, v in zip(obj.specs, u, strict=True)])
    cov = cov_u * jac[:, None] * jac[None, :]
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.nan))
    x = obj.natural(u)
    ll = obj.loglik(x)  # leaves the optimum's filtered states in the buffers
    lp, snap = obj.extra(x)
    names = [s.name for s in model_specs(obj.model)]
    k = obj.n_model
    p = obj.panel
    return HistoryCalibrationResult(
        model_name=obj.model,
        params=MappingProxyType(dict(zip(names, (float(v) for v in x[:k]), strict=True))),
        stderr=MappingProxyType(dict(zip(names, (float(v) for v in se[:k]), strict=True))),
        measurement_errors=x[k:].copy(),
        measurement_error_se=se[k:].copy(),
        labels=p.labels,
        loglik=ll,
        log_prior=lp,
        snapshot_term=snap,
        n_obs=int(np.isfinite(p.y).sum()),
        dates=p.dates.to_numpy(),
        states=obj.states.copy(),
        state_covs=obj.covs.copy(),
        covariance=cov,
        priors=MappingProxyType({names[i]: pr for i, pr in obj.priors}),
        start_values=np.array(start_values),
        success=success,
        message=message,
        dt=float(np.mean(p.dt[1:])) if p.n_dates > 1 else 0.0,
    )


def log_likelihood(
    panel: pd.DataFrame,
    maturities: Sequence[float] | pd.DataFrame | None,
    params: Mapping[str, float],
    measurement_errors: Sequence[float],
    model: str = "schwartz-smith",
    dt: float | Sequence[float] | None = None,
    *,
    errors: str | Sequence[float] | None = None,
) -> float:
    """The filter's log-likelihood of a panel at given parameters (e.g. a paper's published estimates).

    Takes the same panel arguments as :func:`calibrate_history`; ``params``
    holds every parameter of ``model`` and ``measurement_errors`` one standard
    deviation per series or bucket (a zero is allowed where the others keep
    each prediction variance positive).
    """
    specs = model_specs(model)
    missing = [s.name for s in specs if s.name not in params]
    if missing:
        raise ConfigError(f"params is missing {', '.join(missing)} for {model}")
    data = prepare_panel(panel, maturities, dt, errors)
    me = np.asarray(measurement_errors, dtype=np.float64).ravel()
    if me.size != len(data.labels):
        raise ConfigError(
            f"measurement_errors needs {len(data.labels)} values ({', '.join(data.labels)}), got {me.size}"
        )
    if not (np.isfinite(me).all() and (me >= 0).all()):
        raise ConfigError("measurement_errors must be finite and >= 0 (standard deviations of log prices)")
    obj = _Objective(data, model, {}, ())
    return obj.loglik(np.concatenate([[float(params[s.name]) for s in specs], me]))
