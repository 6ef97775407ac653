"""The result of a history fit: estimates, standard errors, fit statistics, filtered factors.

:meth:`HistoryCalibrationResult.to_scenario` writes the fitted model as a
scenario TOML that ``etfsim run`` and ``etfsim curves simulate`` read: the
factors start where the filter left them on the panel's last date.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim._typing import Float64Array
from etfsim.curves.history_models import Prior
from etfsim.curves.schwartz import SchwartzOneFactor, SchwartzSmith
from etfsim.exceptions import ConfigError

__all__ = ["HistoryCalibrationResult"]


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class HistoryCalibrationResult(Result):
    """A factor model fitted to a price history by Kalman-filter maximum likelihood.

    Attributes
    ----------
    model_name : str
        ``"schwartz-smith"`` or ``"schwartz-1f"``.
    params, stderr : mapping
        Estimates and their standard errors, in the model's own parameter names.
    measurement_errors, measurement_error_se : ndarray
        One measurement-error standard deviation (log price) per series or bucket, in ``labels`` order.
    loglik : float
        Log-likelihood of the panel at the estimates (without prior or snapshot terms).
    log_prior, snapshot_term : float
        The other terms of the objective (zero when none were given).
    states, state_covs : ndarray
        Filtered ``(chi, xi)`` on each date and their covariances ``(P_chichi, P_chixi, P_xixi)``.
    covariance : ndarray
        Covariance of all estimates (model parameters, then errors), from the inverse Hessian.
    """

    model_name: str
    params: Mapping[str, float]
    stderr: Mapping[str, float]
    measurement_errors: Float64Array
    measurement_error_se: Float64Array
    labels: tuple[str, ...]
    loglik: float
    log_prior: float
    snapshot_term: float
    n_obs: int
    dates: np.ndarray
    states: Float64Array
    state_covs: Float64Array
    covariance: Float64Array
    priors: Mapping[str, Prior]
    start_values: Float64Array
    success: bool
    message: str
    dt: float

    # -- statistics ----------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        """Parameters estimated: the model's and the measurement errors."""
        return len(self.params) + len(self.measurement_errors)

    @property
    def n_dates(self) -> int:
        """Dates in the panel."""
        return len(self.dates)

    @property
    def aic(self) -> float:
        """Akaike's criterion ``2 k - 2 loglik``."""
        return 2.0 * self.n_params - 2.0 * self.loglik

    @property
    def bic(self) -> float:
        """Schwarz's criterion ``k ln(dates) - 2 loglik`` (a date's prices are one observation vector)."""
        return self.n_params * math.log(self.n_dates) - 2.0 * self.loglik

    @property
    def filtered_states(self) -> pd.DataFrame:
        """Filtered factors by date: ``chi``, ``xi`` and the log spot ``chi + xi``."""
        chi, xi = self.states[:, 0], self.states[:, 1]
        return pd.DataFrame(
            {"chi": chi, "xi": xi, "log_spot": chi + xi}, index=pd.DatetimeIndex(self.dates, name="date")
        )

    @property
    def model(self) -> SchwartzSmith | SchwartzOneFactor:
        """The fitted model as the object the rest of etfsim simulates."""
        if self.model_name == "schwartz-1f":
            return SchwartzOneFactor(**dict(self.params))
        p = dict(self.params)
        return SchwartzSmith(
            kappa=p["kappa"], sigma_chi=p["sigma_chi"], lambda_chi=p["lambda_chi"], mu_xi=p["mu_xi"],
            sigma_xi=p["sigma_xi"], rho=p["rho"], mu_xi_star=p["mu_xi_star"],
        )  # fmt: skip

    # -- what the result says ------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per estimate: ``estimate``, ``std_error`` and the ``prior`` (empty where none)."""
        names = [*self.params, *(f"error[{lab}]" for lab in self.labels)]
        est = [*self.params.values(), *self.measurement_errors.tolist()]
        se = [*self.stderr.values(), *self.measurement_error_se.tolist()]
        prior = [self.priors[n].describe() if n in self.priors else "" for n in self.params] + [""] * len(self.labels)
        return pd.DataFrame({"estimate": est, "std_error": se, "prior": prior}, index=pd.Index(names, name="parameter"))

    def _repr_facts(self) -> Mapping[str, object]:
        return {
            "model": self.model_name,
            "dates": self.n_dates,
            "observations": self.n_obs,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "success": self.success,
        }

    def summary(self) -> str:
        """The estimates with standard errors (and priors), the log-likelihood and the information criteria."""
        first, last = (pd.Timestamp(d).date() for d in (self.dates[0], self.dates[-1]))
        fit = "MAP (priors)" if self.priors else "maximum likelihood"
        lines = [
            f"{self.model_name} fitted to {self.n_dates} dates ({first} to {last}), {self.n_obs} prices; {fit}, "
            f"{'converged' if self.success else 'NOT converged: ' + self.message}",
            f"  {'parameter':<22}{'estimate':>12}{'std error':>12}  prior",
        ]
        for name, row in self.to_frame().iterrows():
            se = "-" if not np.isfinite(row["std_error"]) else f"{row['std_error']:.4f}"
            lines.append(f"  {str(name):<22}{row['estimate']:>12.4f}{se:>12}  {row['prior']}".rstrip())
        lines.append(f"  log-likelihood {self.loglik:.3f}; AIC {self.aic:.2f}; BIC {self.bic:.2f}; k = {self.n_params}")
        if self.priors or self.snapshot_term:
            lines.append(f"  log prior {self.log_prior:.3f}; snapshot term {self.snapshot_term:.3f}")
        spot = math.exp(float(self.states[-1].sum()))
        lines.append(f"  last date: chi {self.states[-1, 0]:.4f}, xi {self.states[-1, 1]:.4f}, spot {spot:.4g}")
        return "\n".join(lines)

    # -- a scenario the rest of etfsim simulates -----------------------------------------
    def to_scenario(
        self,
        path: str | Path | None = None,
        *,
        name: str = "fitted",
        contract: str = "compute-h100",
        start: str | None = None,
        years: float = 1.0,
        paths: int = 1000,
        seed: int = 0,
    ) -> str:
        """The fitted model as scenario TOML (written to ``path`` when given), starting from the last filtered state.

        Parameters
        ----------
        path : path, optional
            Where to write the TOML.
        name : str
            The scenario's name.
        contract : str
            A built-in contract name (``compute-h100``, ``wti``, ...).
        start : str, optional
            First simulated date (default: the day after the panel's last date).
        years, paths, seed :
            Horizon, Monte Carlo paths and seed of the simulation.

        Returns
        -------
        str
            The TOML text.  The spot is ``exp(chi + xi)`` on the last date; a
            two-factor scenario starts at the filtered ``chi``.
        """
        if not (isinstance(paths, int) and paths >= 1):
            raise ConfigError(f"paths must be a whole number >= 1, got {paths!r}")
        if not (math.isfinite(years) and years > 0):
            raise ConfigError(f"years must be > 0 (the simulated horizon), got {years}")
        last = pd.Timestamp(self.dates[-1])
        begin = start or (last + pd.Timedelta(days=1)).date().isoformat()
        chi, xi = float(self.states[-1, 0]), float(self.states[-1, 1])
        model_lines = [f'name = "{self.model_name}"', f"spot = {math.exp(chi + xi)!r}"]
        if self.model_name == "schwartz-smith":
            model_lines.append(f"chi0 = {chi!r}")
        model_lines += [f"{k} = {float(v)!r}" for k, v in self.params.items()]
        errors = ", ".join(f"{lab} {v:.4g}" for lab, v in zip(self.labels, self.measurement_errors, strict=True))
        text = "\n".join(
            [
                f"# Fitted by etfsim.calibrate_history to {self.n_dates} dates ({self.dates[0]!s:.10} to {last.date()}),",
                f"# log-likelihood {self.loglik:.3f}; measurement errors (log price): {errors}.",
                "# The factors start where the Kalman filter left them on the last date.",
                "",
                "[scenario]",
                f"name = {_toml_str(name)}",
                f"description = {_toml_str(f'{self.model_name} fitted to a price history ending {last.date()}')}",
                "",
                "[simulation]",
                f'start = "{begin}"',
                f"years = {float(years)!r}",
                f"paths = {paths}",
                f"seed = {int(seed)}",
                'measure = "real"',
                "",
                "[contract]",
                f"base = {_toml_str(contract)}",
                "",
                "[model]",
                *model_lines,
                "",
            ]
        )
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text
