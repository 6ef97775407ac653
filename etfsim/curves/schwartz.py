"""Schwartz (1997) one-factor and Schwartz & Smith (2000) two-factor commodity models.

Schwartz & Smith write the log spot as the sum of a short-term deviation
``chi`` that mean-reverts (shortages, gluts) and a long-term equilibrium level
``xi`` that drifts (for compute: the cost of a GPU-hour falling as hardware
improves).  Under the real-world measure::

    d chi = -kappa chi dt + sigma_chi dz_chi
    d xi  =  mu_xi dt     + sigma_xi  dz_xi,       dz_chi dz_xi = rho dt

and under the risk-neutral measure the drifts carry risk premia,
``-kappa chi - lambda_chi`` and ``mu_xi_star = mu_xi - lambda_xi``.  A futures
price is the risk-neutral expectation of the spot at maturity, in closed form
(Schwartz & Smith 2000, eq. 9)::

    ln F(tau) = exp(-kappa tau) chi + xi + A(tau)
    A(tau) = mu_xi_star tau - (1 - exp(-kappa tau)) lambda_chi / kappa
             + 1/2 [ (1 - exp(-2 kappa tau)) sigma_chi^2 / (2 kappa) + sigma_xi^2 tau
                     + 2 (1 - exp(-kappa tau)) rho sigma_chi sigma_xi / kappa ]

The compute overlays of :mod:`etfsim.curves.overlays` add a deflation drift,
generation-launch jumps (with their compensator), a shortage/glut regime that
futures condition on (a factor ``W_r(tau)``), seasonality and scheduled level
steps (a deterministic ``s(T)``) and a price floor (``floor(T) +`` the
lognormal part) on top of this closed form.

References
----------
Schwartz, E. S. (1997). The stochastic behavior of commodity prices: implications
for valuation and hedging. Journal of Finance 52(3), 923-973.
Schwartz, E. S. and Smith, J. E. (2000). Short-term variations and long-term
dynamics in commodity prices. Management Science 46(7), 893-911.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from etfsim._validate import number
from etfsim.curves.overlays import Overlays
from etfsim.exceptions import ConfigError

if TYPE_CHECKING:
    from etfsim.contracts.spec import ContractSpec
    from etfsim.curves.curve import FuturesCurve

__all__ = ["SchwartzOneFactor", "SchwartzSmith"]

ArrayLike = npt.ArrayLike


@dataclass(frozen=True)
class SchwartzSmith:
    """Schwartz & Smith (2000) two-factor model, with optional compute overlays.

    Parameters
    ----------
    kappa : float
        Mean-reversion speed of the short-term factor, per year (> 0).
    sigma_chi : float
        Volatility of the short-term factor, per sqrt(year) (>= 0).
    lambda_chi : float
        Short-term risk premium (risk-neutral drift of chi is ``-kappa chi - lambda_chi``).
    mu_xi : float
        Real-world drift of the long-term factor, per year.
    sigma_xi : float
        Volatility of the long-term factor, per sqrt(year) (>= 0).
    rho : float
        Correlation of the two factors' shocks, in [-1, 1].
    mu_xi_star : float
        Risk-neutral drift of the long-term factor, per year.
    overlays : Overlays
        Compute overlays (deflation, generation jumps, regime, seasonality);
        the default adds none.

    Notes
    -----
    The crude-oil estimates of Schwartz & Smith (2000, Table 1) are
    ``kappa=1.49, sigma_chi=0.286, lambda_chi=0.157, mu_xi=-0.0125,
    sigma_xi=0.145, rho=0.3, mu_xi_star=0.0115``.
    """

    kappa: float
    sigma_chi: float
    lambda_chi: float
    mu_xi: float
    sigma_xi: float
    rho: float
    mu_xi_star: float
    overlays: Overlays = field(default_factory=Overlays)

    name = "schwartz-smith"

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name != "overlays":
                object.__setattr__(self, f.name, number(f.name, getattr(self, f.name)))
        if self.kappa <= 0:
            raise ConfigError(
                f"kappa must be > 0 (mean-reversion speed per year; 1.49 for crude oil), got {self.kappa}"
            )
        for vol in ("sigma_chi", "sigma_xi"):
            if getattr(self, vol) < 0:
                raise ConfigError(f"{vol} must be >= 0 (a volatility per sqrt(year)), got {getattr(self, vol)}")
        if abs(self.rho) > 1:
            raise ConfigError(f"rho must be a correlation between -1 and 1, got {self.rho}")
        if not isinstance(self.overlays, Overlays):
            raise ConfigError("overlays must be an etfsim Overlays instance")

    # -- closed forms ------------------------------------------------------------------
    def A(self, tau: ArrayLike) -> np.ndarray:
        """Deterministic part of the log futures price for time to maturity ``tau`` (years).

        Includes the overlays' deflation drift and jump compensator; seasonality
        and level steps depend on the calendar date of maturity and are added by
        the caller (:meth:`Overlays.seasonal`), as are the regime factor
        (:func:`~etfsim.curves.overlays.regime_log_factor`) and the price floor.
        """
        t = np.asarray(tau, dtype=np.float64)
        k, sc, sx, r = self.kappa, self.sigma_chi, self.sigma_xi, self.rho
        e1 = -np.expm1(-k * t)  # 1 - exp(-k t), accurate for small t
        e2 = -np.expm1(-2.0 * k * t)
        base = (
            self.mu_xi_star * t
            - e1 * self.lambda_chi / k
            + 0.5 * (e2 * sc * sc / (2.0 * k) + sx * sx * t + 2.0 * e1 * r * sc * sx / k)
        )
        a: np.ndarray = base + self.overlays.risk_neutral_log_drift() * t  # a numpy scalar for a scalar tau
        return a

    def log_futures(self, chi: ArrayLike, xi: ArrayLike, tau: ArrayLike) -> np.ndarray:
        """Closed-form log futures price ``ln F = exp(-kappa tau) chi + xi + A(tau)`` (broadcasts).

        Parameters
        ----------
        chi, xi : array_like
            Factor values at the valuation date.
        tau : array_like
            Time to maturity in years (ACT/365), >= 0.
        """
        t = np.asarray(tau, dtype=np.float64)
        log_f: np.ndarray = (
            np.exp(-self.kappa * t) * np.asarray(chi, dtype=np.float64) + np.asarray(xi, dtype=np.float64) + self.A(t)
        )
        return log_f

    def futures(self, chi: ArrayLike, xi: ArrayLike, tau: ArrayLike) -> np.ndarray:
        """Futures price ``exp(log_futures)`` for a contract settling on one fixing."""
        f: np.ndarray = np.exp(self.log_futures(chi, xi, tau))
        return f

    def log_spot_moments(self, chi0: float, xi0: float, t: float, measure: str = "real") -> tuple[float, float]:
        """Mean and variance of ``ln S_t = chi_t + xi_t`` given today's factors (no overlays' jumps/regime).

        Schwartz & Smith (2000), eq. 3: mean ``exp(-kappa t) chi0 + xi0 + mu_xi t`` and
        variance ``(1 - exp(-2 kappa t)) sigma_chi^2 / (2 kappa) + sigma_xi^2 t
        + 2 (1 - exp(-kappa t)) rho sigma_chi sigma_xi / kappa``; under the
        risk-neutral measure the drifts are ``-lambda_chi`` and ``mu_xi_star``.
        Deflation and jumps are added when present.
        """
        k = self.kappa
        e1, e2 = -math.expm1(-k * t), -math.expm1(-2 * k * t)
        ov = self.overlays
        if measure == "real":
            mean = math.exp(-k * t) * chi0 + xi0 + (self.mu_xi - ov.deflation) * t
            lam = ov.jump_intensity
        elif measure == "risk_neutral":
            mean = math.exp(-k * t) * chi0 - e1 * self.lambda_chi / k + xi0 + (self.mu_xi_star - ov.deflation) * t
            lam = ov.lambda_q
        else:
            raise ConfigError(f"measure must be 'real' or 'risk_neutral', got {measure!r}")
        var = (
            e2 * self.sigma_chi**2 / (2 * k)
            + self.sigma_xi**2 * t
            + 2 * e1 * self.rho * self.sigma_chi * self.sigma_xi / k
        )
        mean += lam * t * ov.jump_mean
        var += lam * t * (ov.jump_std**2 + ov.jump_mean**2)
        return mean, var

    # -- simulation --------------------------------------------------------------------
    def simulate(
        self,
        paths: int,
        start: object,
        years: float | None = None,
        end: object | None = None,
        seed: int = 0,
        spot: float = 1.0,
        chi0: float = 0.0,
        contract: ContractSpec | None = None,
        depth: int | None = None,
        measure: str = "real",
        regime0: int | str = 0,
        chunk_size: int = 1000,
        progress: Any = None,
    ) -> FuturesCurve:
        """Simulate factor paths exactly and price the listed contracts in closed form.

        See :func:`etfsim.curves.simulate.simulate_curve` for the parameters.
        """
        from etfsim.curves.simulate import simulate_curve

        return simulate_curve(
            self,
            paths=paths,
            start=start,
            years=years,
            end=end,
            seed=seed,
            spot=spot,
            chi0=chi0,
            contract=contract,
            depth=depth,
            measure=measure,
            regime0=regime0,
            chunk_size=chunk_size,
            progress=progress,
        )

    def params(self) -> dict[str, Any]:
        """Parameters as plain data (for file metadata and TOML)."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "overlays"}
        out["overlays"] = self.overlays.to_dict()
        return out


@dataclass(frozen=True)
class SchwartzOneFactor:
    """Schwartz (1997) model 1: the log spot is one mean-reverting factor.

    Real world ``dX = kappa (alpha - X) dt + sigma dz``; risk-neutral
    ``dX = kappa (alpha_star - X) dt + sigma dz*`` with
    ``alpha_star = alpha - lambda_ / kappa``.  Futures (Schwartz 1997, eq. 8)::

        ln F(tau) = exp(-kappa tau) X + (1 - exp(-kappa tau)) alpha_star
                    + sigma^2 / (4 kappa) (1 - exp(-2 kappa tau))

    It is the two-factor model with ``sigma_xi = 0`` and a constant long-term
    level ``xi = alpha``: :meth:`as_two_factor` gives that model, so both share
    one simulation and pricing engine.
    """

    kappa: float
    alpha: float
    sigma: float
    lambda_: float = 0.0

    name = "schwartz-1f"

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, number(f.name, getattr(self, f.name)))
        if self.kappa <= 0:
            raise ConfigError(f"kappa must be > 0 (mean-reversion speed per year), got {self.kappa}")
        if self.sigma < 0:
            raise ConfigError(f"sigma must be >= 0 (a volatility per sqrt(year)), got {self.sigma}")

    @property
    def alpha_star(self) -> float:
        """Risk-neutral long-run log level ``alpha - lambda / kappa``."""
        return self.alpha - self.lambda_ / self.kappa

    def log_futures(self, x: ArrayLike, tau: ArrayLike) -> np.ndarray:
        """Closed-form log futures price for log spot ``x`` and maturity ``tau`` (broadcasts)."""
        t = np.asarray(tau, dtype=np.float64)
        e = np.exp(-self.kappa * t)
        return (
            e * np.asarray(x, dtype=np.float64)
            + (1 - e) * self.alpha_star
            + self.sigma**2 / (4 * self.kappa) * (1 - np.exp(-2 * self.kappa * t))
        )

    def as_two_factor(self) -> SchwartzSmith:
        """The equivalent :class:`SchwartzSmith` (chi = X - alpha, xi = alpha held constant)."""
        return SchwartzSmith(
            kappa=self.kappa,
            sigma_chi=self.sigma,
            lambda_chi=self.lambda_,
            mu_xi=0.0,
            sigma_xi=0.0,
            rho=0.0,
            mu_xi_star=0.0,
        )

    def simulate(self, paths: int, start: object, seed: int = 0, spot: float | None = None, **kw: Any) -> FuturesCurve:
        """Simulate through :meth:`as_two_factor`, starting at ``spot`` (default ``exp(alpha)``)."""
        s0 = math.exp(self.alpha) if spot is None else float(spot)
        if s0 <= 0:
            raise ConfigError(f"spot must be > 0 for a lognormal model, got {s0}")
        curve = self.as_two_factor().simulate(paths, start, seed=seed, spot=s0, chi0=math.log(s0) - self.alpha, **kw)
        meta = dict(curve.metadata)
        meta.update(model=self.name, params=self.params())
        from etfsim.curves.curve import FuturesCurve

        return FuturesCurve(curve.dates, curve.prices, curve.contracts, curve.expiries, curve.spot, None, meta)

    def params(self) -> dict[str, Any]:
        """Parameters as plain data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
