"""The parameters a history fit searches over, their priors, and forward-curve snapshots.

Each model's parameters are searched in an unconstrained space: a speed or a
volatility as its logarithm, a correlation as ``atanh``, a drift or a premium
as itself.  The optimiser then never proposes a negative volatility, and the
standard errors of the natural parameters follow from the transformed ones by
the delta method (at an interior optimum this equals inverting the Hessian in
the natural parameters).

A prior turns the maximum-likelihood fit into a maximum a posteriori one:
with two years of daily data (a compute index) the long-run drift and the
premia are barely identified, and a designer's view of them is information.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from etfsim._validate import number
from etfsim.exceptions import ConfigError, UnknownNameError

__all__ = ["MODELS", "ParamSpec", "Prior", "Snapshot", "parse_prior"]


@dataclass(frozen=True)
class ParamSpec:
    """One searched parameter: its name, how it is transformed, and where starts are drawn.

    ``kind`` is ``"log"`` (positive), ``"tanh"`` (a correlation) or ``"free"``;
    ``start`` is the range, in natural units, that starting points come from.
    """

    name: str
    kind: str
    start: tuple[float, float]
    domain: str

    @property
    def bounds(self) -> tuple[float, float]:
        """Search bounds in the transformed space (keep the filter away from degenerate models)."""
        if self.kind == "log":
            return (math.log(1e-6), math.log(100.0))
        if self.kind == "tanh":
            return (-4.0, 4.0)  # |rho| <= 0.9993
        return (-20.0, 20.0)

    def to_u(self, x: float) -> float:
        """Natural value -> search coordinate."""
        if self.kind == "log":
            return math.log(max(x, 1e-6))
        if self.kind == "tanh":
            return math.atanh(min(max(x, -0.9993), 0.9993))
        return x

    def from_u(self, u: float) -> float:
        """Search coordinate -> natural value."""
        if self.kind == "log":
            return math.exp(u)
        if self.kind == "tanh":
            return math.tanh(u)
        return u

    def slope(self, u: float) -> float:
        """``d natural / d u`` (for the delta method)."""
        if self.kind == "log":
            return math.exp(u)
        if self.kind == "tanh":
            return 1.0 - math.tanh(u) ** 2
        return 1.0

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the parameter's domain."""
        if self.kind == "log":
            return x > 0
        if self.kind == "tanh":
            return -1 < x < 1
        return math.isfinite(x)


_POS, _CORR, _REAL = "> 0", "between -1 and 1", "any real number"

MODELS: dict[str, tuple[ParamSpec, ...]] = {
    "schwartz-smith": (
        ParamSpec("kappa", "log", (0.2, 6.0), _POS),
        ParamSpec("sigma_chi", "log", (0.05, 1.2), _POS),
        ParamSpec("lambda_chi", "free", (-0.5, 0.5), _REAL),
        ParamSpec("mu_xi", "free", (-0.2, 0.2), _REAL),
        ParamSpec("sigma_xi", "log", (0.03, 0.6), _POS),
        ParamSpec("rho", "tanh", (-0.7, 0.7), _CORR),
        ParamSpec("mu_xi_star", "free", (-0.2, 0.2), _REAL),
    ),
    # alpha's start range is centred on the panel's mean log price by the caller
    "schwartz-1f": (
        ParamSpec("kappa", "log", (0.2, 6.0), _POS),
        ParamSpec("alpha", "free", (-0.5, 0.5), _REAL),
        ParamSpec("sigma", "log", (0.05, 1.2), _POS),
        ParamSpec("lambda_", "free", (-0.5, 0.5), _REAL),
    ),
}
"""Model name -> the model's own parameters, in the order the fit reports them."""

ERROR_SPEC = ParamSpec("error", "log", (0.003, 0.05), _POS)
"""A measurement-error standard deviation (one per series or maturity bucket)."""


def model_specs(model: str) -> tuple[ParamSpec, ...]:
    """The parameters of ``model``; an unknown name lists the known ones."""
    if model not in MODELS:
        raise UnknownNameError("model", str(model), MODELS)
    return MODELS[model]


def theta_of(model: str, values: Sequence[float]) -> np.ndarray:
    """The filter's seven two-factor parameters for the model's own parameter values."""
    if model == "schwartz-smith":
        return np.asarray(values, dtype=np.float64)
    kappa, _alpha, sigma, lam = values
    # Schwartz (1997) model 1 is the two-factor model with xi held at alpha (SchwartzOneFactor.as_two_factor)
    return np.array([kappa, sigma, lam, 0.0, 0.0, 0.0, 0.0])


@dataclass(frozen=True)
class Prior:
    """A prior on one parameter: ``normal`` (mean, sd) or ``lognormal`` (median, sd of the log).

    Parameters
    ----------
    kind : {"normal", "lognormal"}
        The distribution.
    center : float
        Mean (normal) or median (lognormal).
    scale : float
        Standard deviation (normal) or standard deviation of the logarithm (lognormal), > 0.
    """

    kind: str
    center: float
    scale: float

    def __post_init__(self) -> None:
        if self.kind not in ("normal", "lognormal"):
            raise ConfigError(f"prior kind must be 'normal' or 'lognormal', got {self.kind!r}")
        object.__setattr__(self, "center", number("prior center", self.center))
        object.__setattr__(self, "scale", number("prior scale", self.scale))
        if not self.scale > 0:
            raise ConfigError(f"prior scale must be > 0 (a standard deviation), got {self.scale}")
        if self.kind == "lognormal" and not self.center > 0:
            raise ConfigError(f"a lognormal prior's median must be > 0, got {self.center}")

    def logpdf(self, x: float) -> float:
        """Log density at ``x`` (``-inf`` outside a lognormal's support)."""
        if self.kind == "normal":
            z = (x - self.center) / self.scale
            return -0.5 * z * z - math.log(self.scale * math.sqrt(2.0 * math.pi))
        if x <= 0:
            return -math.inf
        z = (math.log(x) - math.log(self.center)) / self.scale
        return -0.5 * z * z - math.log(x * self.scale * math.sqrt(2.0 * math.pi))

    def describe(self) -> str:
        """``normal(1.5, 0.5)``: how the CLI and ``summary()`` show it."""
        return f"{self.kind}({self.center:g}, {self.scale:g})"


def parse_prior(text: str) -> tuple[str, Prior]:
    """``"kappa=1.5,0.5"`` (normal) or ``"sigma_chi=lognormal:0.3,0.5"`` -> (name, Prior)."""
    name, sep, rest = str(text).partition("=")
    kind, colon, numbers = rest.partition(":")
    if not colon:
        kind, numbers = "normal", rest
    parts = numbers.split(",")
    if not sep or not name.strip() or len(parts) != 2:
        raise ConfigError(f"--prior takes name=mean,sd or name=lognormal:median,sd (e.g. kappa=1.5,0.5); got {text!r}")
    try:
        center, scale = float(parts[0]), float(parts[1])
    except ValueError as exc:
        raise ConfigError(f"--prior {name.strip()}: the two values must be numbers, got {numbers!r}") from exc
    return name.strip(), Prior(kind.strip().lower(), center, scale)


def check_priors(model: str, priors: object) -> dict[str, Prior]:
    """Priors keyed by parameter name, each inside its parameter's domain."""
    if priors is None:
        return {}
    if not isinstance(priors, dict):
        raise ConfigError("priors must be a dict of parameter name -> Prior (or (mean, sd) for a normal prior)")
    specs = {s.name: s for s in model_specs(model)}
    out: dict[str, Prior] = {}
    for name, prior in priors.items():
        if name not in specs:
            raise UnknownNameError(f"{model} parameter", str(name), specs)
        if not isinstance(prior, Prior):
            try:
                center, scale = prior
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"prior on {name} must be a Prior or a (mean, sd) pair, got {prior!r}") from exc
            prior = Prior("normal", center, scale)
        spec = specs[name]
        if not spec.contains(prior.center):
            raise ConfigError(
                f"prior on {name}: its {'median' if prior.kind == 'lognormal' else 'mean'} {prior.center:g} is "
                f"outside the parameter's domain ({name} {spec.domain}); give a value {spec.domain}"
            )
        if prior.kind == "lognormal" and spec.kind == "tanh":
            raise ConfigError(f"prior on {name}: a lognormal prior does not fit a correlation; use normal:mean,sd")
        out[name] = prior
    return out


@dataclass(frozen=True)
class Snapshot:
    """A forward-curve snapshot fitted together with a price history.

    Parameters
    ----------
    date : date-like
        The snapshot's date.  The factors on that date are the filter's
        (the last filtered state on or before it, carried forward by the
        real-world mean when the date is after the panel's last one).
    tenors : sequence of float
        Times to maturity in years (> 0).
    prices : sequence of float
        Futures prices at those tenors (> 0).
    sd : float
        Standard deviation of a log-price residual: the term added to the
        log-likelihood is ``-sum(residual^2) / (2 sd^2)``, the least squares of
        :func:`etfsim.calibrate` weighted against the history.
    """

    date: object
    tenors: tuple[float, ...]
    prices: tuple[float, ...]
    sd: float = 0.01

    def __post_init__(self) -> None:
        tau = np.asarray(self.tenors, dtype=np.float64).ravel()
        px = np.asarray(self.prices, dtype=np.float64).ravel()
        if tau.size == 0 or tau.shape != px.shape:
            raise ConfigError(
                f"snapshot tenors and prices must be non-empty and equal in length ({tau.size}, {px.size})"
            )
        if not (np.isfinite(tau).all() and (tau > 0).all()):
            raise ConfigError("snapshot tenors must be finite and > 0 (years to maturity)")
        if not (np.isfinite(px).all() and (px > 0).all()):
            raise ConfigError("snapshot prices must be finite and > 0 (a log model)")
        if not (math.isfinite(self.sd) and self.sd > 0):
            raise ConfigError(f"snapshot sd must be > 0 (a log-price standard deviation), got {self.sd}")
        object.__setattr__(self, "tenors", tuple(float(t) for t in tau))
        object.__setattr__(self, "prices", tuple(float(p) for p in px))
