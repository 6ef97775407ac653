"""Calibrate the risk-neutral parameters to one forward-curve snapshot.

Given a spot and (tenor, futures price) pairs, least squares on log prices
fits the parameters that shape the curve under the pricing measure:
``kappa`` (how fast the short end reverts), ``lambda_chi`` (the short-term
premium) and ``mu_xi_star`` (the long-end slope).  Volatilities cannot be
identified from one snapshot (they enter only through small convexity terms),
so they come from the prior model.

Identification: with ``xi0 = ln S0 - chi0``, the closed form is
``ln F(tau) = ln S0 - (1 - e^{-kappa tau}) (chi0 + lambda_chi / kappa) + mu_xi_star tau + convexity``,
so one snapshot fixes ``chi0 + lambda_chi / kappa``, not both: ``chi0`` is an
input (where spot sits relative to its long-term level) and ``lambda_chi`` is fitted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim._typing import Float64Array
from etfsim._validate import float_array, number
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.exceptions import ConfigError, DataError, FileFormatError

__all__ = ["CalibrationResult", "calibrate", "read_term_structure"]

FITTED = ("kappa", "lambda_chi", "mu_xi_star")


class CalibrationResult(Result):
    """A fitted model and how well it reproduces the snapshot."""

    model: SchwartzSmith
    spot: float
    chi0: float
    tenors: Float64Array
    observed: Float64Array
    fitted: Float64Array
    success: bool
    message: str

    @property
    def residuals(self) -> Float64Array:
        """Fitted minus observed price at each tenor."""
        return self.fitted - self.observed

    @property
    def rmse_log(self) -> float:
        """Root mean square of the log-price residuals."""
        return float(np.sqrt(np.mean(np.log(self.fitted / self.observed) ** 2)))

    def to_frame(self) -> pd.DataFrame:
        """One row per tenor: observed, fitted, residual."""
        return pd.DataFrame(
            {"tenor_years": self.tenors, "observed": self.observed, "fitted": self.fitted, "residual": self.residuals}
        )

    def _repr_facts(self) -> Mapping[str, object]:
        return {"tenors": len(self.tenors), "success": self.success, "rmse_log": self.rmse_log}

    def summary(self) -> str:
        """The fitted parameters and the size of the residuals."""
        m = self.model
        lines = [
            f"Calibration to {len(self.tenors)} tenors, spot {self.spot:g}, chi0 {self.chi0:g} "
            f"({'converged' if self.success else 'NOT converged: ' + self.message})",
            f"  kappa      {m.kappa:.6f}",
            f"  lambda_chi {m.lambda_chi:.6f}",
            f"  mu_xi_star {m.mu_xi_star:.6f}",
            f"  RMSE of log residuals {self.rmse_log:.2e}; largest price residual {np.abs(self.residuals).max():.4g}",
        ]
        return "\n".join(lines)


def calibrate(
    tenors: object,
    prices: object,
    spot: float,
    prior: SchwartzSmith | None = None,
    chi0: float = 0.0,
) -> CalibrationResult:
    """Fit ``kappa``, ``lambda_chi`` and ``mu_xi_star`` to futures prices by least squares.

    Parameters
    ----------
    tenors : array_like
        Times to maturity in years (> 0).
    prices : array_like
        Futures prices at those tenors (> 0).
    spot : float
        Spot index today (> 0).
    prior : SchwartzSmith, optional
        Supplies the volatilities, correlation, real-world drift and overlays,
        and the starting point of the fit.
    chi0 : float
        Today's short-term factor (see the module docstring).

    Notes
    -----
    The residuals are ``ln F_model(tau_i) - ln F_i``; the fit uses
    :func:`scipy.optimize.least_squares` with ``kappa`` bounded in [1e-3, 50].
    """
    from scipy.optimize import least_squares

    tau = float_array("tenors", tenors, " (years to maturity)", error=DataError)
    obs = float_array("prices", prices, " (futures prices)", error=DataError)
    spot = number("spot", spot, hint=" (the spot index today, > 0)")
    chi0 = number("chi0", chi0, hint=" (log spot minus the long-term level)")
    if tau.shape != obs.shape:
        raise DataError(f"tenors and prices must have the same length, got {tau.size} and {obs.size}")
    if tau.size < len(FITTED):
        raise DataError(
            f"need at least {len(FITTED)} (tenor, price) pairs to fit {len(FITTED)} parameters, got {tau.size}"
        )
    if not np.isfinite(tau).all() or (tau <= 0).any():
        raise DataError("tenors must be finite and > 0 (years to maturity)")
    if not np.isfinite(obs).all() or (obs <= 0).any():
        raise DataError("prices must be finite and > 0 to calibrate a lognormal model")
    if spot <= 0:
        raise ConfigError(f"spot must be a positive price, got {spot:g}")
    base = prior or SchwartzSmith(
        kappa=1.0, sigma_chi=0.3, lambda_chi=0.0, mu_xi=0.0, sigma_xi=0.15, rho=0.0, mu_xi_star=0.0
    )
    xi0 = math.log(spot) - chi0
    log_obs = np.log(obs)

    def resid(x: np.ndarray) -> np.ndarray:
        m = replace(base, kappa=float(x[0]), lambda_chi=float(x[1]), mu_xi_star=float(x[2]))
        return m.log_futures(chi0, xi0, tau) - log_obs

    # a prior may legally have kappa outside the search bounds; scipy refuses an infeasible start
    x0 = np.array([min(max(base.kappa, 1e-3), 50.0), base.lambda_chi, base.mu_xi_star])
    fit = least_squares(
        resid, x0, bounds=([1e-3, -np.inf, -np.inf], [50.0, np.inf, np.inf]), xtol=1e-14, ftol=1e-14, gtol=1e-14
    )
    model = replace(base, kappa=float(fit.x[0]), lambda_chi=float(fit.x[1]), mu_xi_star=float(fit.x[2]))
    fitted = np.exp(model.log_futures(chi0, xi0, tau))
    return CalibrationResult(model, float(spot), float(chi0), tau, obs, fitted, bool(fit.success), str(fit.message))


def read_term_structure(path: str | Path) -> tuple[Float64Array, Float64Array]:
    """Read a CSV of ``tenor_months, price`` (lines starting with ``#`` are comments); tenors in years."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"term-structure file {p} does not exist")
    try:
        df = pd.read_csv(p, comment="#")
    except (ValueError, pd.errors.ParserError) as exc:
        raise FileFormatError(f"{p} is not a readable CSV: {exc}") from exc
    need = ["tenor_months", "price"]
    if any(c not in df.columns for c in need):
        raise FileFormatError(f"{p} must have columns {need}, got {list(df.columns)}")
    try:
        tenors = df["tenor_months"].astype(float).to_numpy() / 12.0
        prices = df["price"].astype(float).to_numpy()
    except ValueError as exc:
        raise FileFormatError(f"{p}: tenor_months and price must be numbers ({exc})") from exc
    return tenors, prices
