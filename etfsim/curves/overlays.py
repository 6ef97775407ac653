"""Compute-market overlays on the Schwartz & Smith model.

GPU rental is not crude oil.  Four features matter to a compute fund, each a
small, testable addition to the two-factor closed form:

deflation
    Hardware improves, so the long-term cost of a GPU-hour falls: the
    long-term factor drifts down by ``deflation`` per year under both measures.
generation launches
    A new GPU generation (H100 -> B200 -> ...) lowers the long-term level at
    Poisson times: ``xi`` jumps by ``J ~ Normal(jump_mean, jump_std^2)`` at rate
    ``jump_intensity`` (real world) or ``jump_intensity_q`` (risk neutral).  The
    futures closed form carries the compensator ``lambda_q tau (E[e^J] - 1)``, so
    futures stay martingales under the risk-neutral measure.
shortage/glut regime
    A Markov chain moves the level the short-term factor reverts to under the
    real-world measure (a shortage pulls rental prices up for months).  Under the
    pricing measure the regime's pull is absorbed into the short-term risk
    premium, so the futures closed form is unchanged and exact; the curve still
    backwardates in a shortage because ``chi`` is high.
seasonality
    A deterministic ``amplitude * cos(2 pi (u - peak))`` added to the log spot
    (``u`` the fraction of the calendar year), so a futures price for maturity
    ``T`` carries ``s(T)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etfsim._typing import DateArray, Float64Array
from etfsim._validate import number
from etfsim.exceptions import ConfigError

__all__ = ["Overlays", "Regime"]


@dataclass(frozen=True)
class Regime:
    """A continuous-time Markov chain of market regimes for the short-term factor.

    Parameters
    ----------
    names : tuple of str
        Regime names, e.g. ``("normal", "shortage", "glut")``.
    levels : tuple of float
        Level the short-term factor ``chi`` reverts to in each regime (log units:
        0.35 means rental prices pulled about 42% above the long-term level).
    rates : tuple of tuples
        Off-diagonal switching rates per year, ``rates[i][j]`` from regime i to j.
        The diagonal must be 0 (it is implied: each row of the generator sums to 0).
        The mean stay in regime i is ``1 / sum_j rates[i][j]`` years.
    """

    names: tuple[str, ...] = ("normal", "shortage", "glut")
    levels: tuple[float, ...] = (0.0, 0.35, -0.25)
    rates: tuple[tuple[float, ...], ...] = ((0.0, 0.3, 0.3), (2.0, 0.0, 0.0), (1.5, 0.0, 0.0))

    def __post_init__(self) -> None:
        k = len(self.names)
        if k < 1 or len(set(self.names)) != k:
            raise ConfigError(f"regime names must be distinct and non-empty, got {self.names}")
        levels = tuple(number("regime levels", v) for v in self.levels)
        if len(levels) != k:
            raise ConfigError(f"regime levels needs one value per regime ({k}), got {len(levels)}")
        rates = tuple(tuple(number("regime rates", v) for v in row) for row in self.rates)
        if len(rates) != k or any(len(r) != k for r in rates):
            raise ConfigError(f"regime rates must be a {k}x{k} table of switching rates per year")
        for i, row in enumerate(rates):
            if row[i] != 0.0:
                raise ConfigError(
                    f"regime rates[{i}][{i}] must be 0 (the diagonal is implied by the off-diagonal rates), got {row[i]}"
                )
            if any(v < 0 for v in row):
                raise ConfigError(f"regime rates must be >= 0 (switches per year), got row {i}: {row}")
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "rates", rates)

    @property
    def generator(self) -> Float64Array:
        """The chain's generator matrix Q (rows sum to 0)."""
        q = np.array(self.rates, dtype=np.float64)
        np.fill_diagonal(q, -q.sum(axis=1))
        return q

    def transition_matrix(self, dt: float) -> Float64Array:
        """Probabilities of moving from regime i to j over ``dt`` years: ``expm(Q dt)``."""
        from scipy.linalg import expm

        p = expm(self.generator * float(dt))
        p = np.clip(p, 0.0, None)
        return np.asarray(p / p.sum(axis=1, keepdims=True), dtype=np.float64)

    def stationary(self) -> Float64Array:
        """Long-run share of time in each regime (``pi Q = 0``, ``sum pi = 1``)."""
        q = self.generator
        k = q.shape[0]
        a = np.vstack([q.T, np.ones(k)])
        b = np.zeros(k + 1)
        b[-1] = 1.0
        return np.asarray(np.linalg.lstsq(a, b, rcond=None)[0], dtype=np.float64)

    def index(self, name: int | str) -> int:
        """Position of a regime given by name or index."""
        if isinstance(name, str):
            if name not in self.names:
                raise ConfigError(f"unknown regime {name!r}; regimes are {list(self.names)}")
            return self.names.index(name)
        i = int(name)
        if not 0 <= i < len(self.names):
            raise ConfigError(f"regime index must be between 0 and {len(self.names) - 1}, got {i}")
        return i

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names), "levels": list(self.levels), "rates": [list(r) for r in self.rates]}


@dataclass(frozen=True)
class Overlays:
    """Compute overlays; the defaults switch every one off.

    Parameters
    ----------
    deflation : float
        Yearly fall of the long-term log level from hardware deflation (0.15: about 14% a year).
    jump_intensity : float
        Generation launches per year, real-world measure (>= 0).
    jump_intensity_q : float or None
        Launch rate under the pricing measure; ``None`` means the same as ``jump_intensity``.
    jump_mean, jump_std : float
        Normal distribution of the log jump of the long-term level at a launch
        (``jump_mean < 0`` lowers it).
    regime : Regime or None
        Shortage/glut regime of the short-term factor (real world only).
    seasonal_amplitude : float
        Amplitude of the yearly log-spot cycle (0.03: prices about 3% above the
        trend at the peak).
    seasonal_peak_month : float
        Month of the seasonal peak, 1-12 (mid-month; 12 = December).
    """

    deflation: float = 0.0
    jump_intensity: float = 0.0
    jump_intensity_q: float | None = None
    jump_mean: float = 0.0
    jump_std: float = 0.0
    regime: Regime | None = None
    seasonal_amplitude: float = 0.0
    seasonal_peak_month: float = 1.0

    def __post_init__(self) -> None:
        for name in (
            "deflation",
            "jump_intensity",
            "jump_mean",
            "jump_std",
            "seasonal_amplitude",
            "seasonal_peak_month",
        ):
            object.__setattr__(self, name, number(name, getattr(self, name)))
        if self.jump_intensity < 0:
            raise ConfigError(f"jump_intensity must be >= 0 (launches per year), got {self.jump_intensity}")
        if self.jump_std < 0:
            raise ConfigError(f"jump_std must be >= 0, got {self.jump_std}")
        if self.jump_intensity_q is not None:
            object.__setattr__(self, "jump_intensity_q", number("jump_intensity_q", self.jump_intensity_q))
            if self.jump_intensity_q < 0:
                raise ConfigError(f"jump_intensity_q must be >= 0, got {self.jump_intensity_q}")
        if not 1.0 <= self.seasonal_peak_month <= 12.999:
            raise ConfigError(f"seasonal_peak_month must be between 1 and 12, got {self.seasonal_peak_month}")
        if self.regime is not None and not isinstance(self.regime, Regime):
            raise ConfigError("regime must be an etfsim Regime or omitted")

    @property
    def lambda_q(self) -> float:
        """Generation-launch rate under the pricing measure."""
        return self.jump_intensity if self.jump_intensity_q is None else float(self.jump_intensity_q)

    def jump_compensator(self) -> float:
        """``lambda_q (E[e^J] - 1)`` per year: what jumps do to the expected spot growth."""
        lam = self.lambda_q
        return 0.0 if lam == 0.0 else lam * math.expm1(self.jump_mean + 0.5 * self.jump_std**2)

    def risk_neutral_log_drift(self) -> float:
        """Per-year term the overlays add to ``A(tau)``: ``-deflation + lambda_q (E[e^J] - 1)``."""
        return -self.deflation + self.jump_compensator()

    def seasonal(self, dates: DateArray) -> Float64Array:
        """Seasonal log adjustment ``s(t)`` on the given dates (0 when switched off)."""
        d = pd.DatetimeIndex(np.asarray(dates).astype("datetime64[ns]").ravel())
        if self.seasonal_amplitude == 0.0:
            return np.zeros(np.shape(dates), dtype=np.float64)
        days_in_year = np.where(d.is_leap_year, 366.0, 365.0)
        u = (d.day_of_year.to_numpy() - 1 + 0.5) / days_in_year
        peak = (self.seasonal_peak_month - 0.5) / 12.0
        s = self.seasonal_amplitude * np.cos(2.0 * np.pi * (u - peak))
        return np.asarray(s, dtype=np.float64).reshape(np.shape(dates))

    def to_dict(self) -> dict[str, Any]:
        return {
            "deflation": self.deflation,
            "jump_intensity": self.jump_intensity,
            "jump_intensity_q": self.jump_intensity_q,
            "jump_mean": self.jump_mean,
            "jump_std": self.jump_std,
            "regime": None if self.regime is None else self.regime.to_dict(),
            "seasonal_amplitude": self.seasonal_amplitude,
            "seasonal_peak_month": self.seasonal_peak_month,
        }
