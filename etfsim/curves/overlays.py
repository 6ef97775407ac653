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
    A Markov chain moves the level the short-term factor reverts to (a shortage
    pulls rental prices up for months).  The market sees the regime, so futures
    price it: under the pricing measure the chain runs with the same generator
    (no regime risk premium) and a futures price conditions on today's regime
    through a factor ``W_r(tau)`` (:func:`regime_log_factor`).  A contract bought
    in a shortage is dear by as much as the shortage is expected to lift its
    settlement, so the regime creates no predictable excess return.
seasonality
    A deterministic ``amplitude * cos(2 pi (u - peak))`` added to the log spot
    (``u`` the fraction of the calendar year), so a futures price for maturity
    ``T`` carries ``s(T)``.
scheduled level steps
    A known event moves the long-term level on a known date: an older chip's
    rental price steps down when its successor launches.  ``steps`` are
    ``(date, log change)`` pairs added to the deterministic log adjustment
    ``s(t)`` from their date on, so a futures price for maturity ``T`` carries
    every step up to ``T`` before it happens (no predictable return), and the
    spot moves by the step on its date.
price floor
    Nobody rents a GPU out below the cost of running it (power, space, staff),
    so the rental price is ``floor(t) + exp(chi + xi + s(t))``, with the floor
    growing at ``floor_growth`` a year from the start of the simulation.  The
    floor is deterministic, so a futures price is ``floor(T)`` plus the closed
    form of the lognormal part, and stays a martingale.
"""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from etfsim._typing import DateArray, Float64Array
from etfsim._validate import number
from etfsim.contracts.calendars import to_day
from etfsim.exceptions import ConfigError, EtfsimError

__all__ = ["Overlays", "Regime", "regime_log_factor"]


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
        return np.array(_transition_matrix(self, float(dt)))  # a copy: the cached one is shared

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
        Shortage/glut regime of the short-term factor; it runs under both
        measures and futures condition on it.
    seasonal_amplitude : float
        Amplitude of the yearly log-spot cycle (0.03: prices about 3% above the
        trend at the peak).
    seasonal_peak_month : float
        Month of the seasonal peak, 1-12 (mid-month; 12 = December).
    floor : float
        Price floor at the start of the simulation, in price units (e.g. 0.9
        dollars per GPU-hour, the cost of running the hardware); >= 0, 0 for none.
    floor_growth : float
        Continuous growth of the floor per year (0.03: power prices rising about 3% a year).
    steps : tuple of (str, float)
        Scheduled log steps of the long-term level: ``(("2027-01-04", -0.15),)``
        lowers it about 14% from 4 January 2027 on.  Kept sorted by date.
    """

    deflation: float = 0.0
    jump_intensity: float = 0.0
    jump_intensity_q: float | None = None
    jump_mean: float = 0.0
    jump_std: float = 0.0
    regime: Regime | None = None
    seasonal_amplitude: float = 0.0
    seasonal_peak_month: float = 1.0
    floor: float = 0.0
    floor_growth: float = 0.0
    steps: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _level_steps(self.steps))
        for name in (
            "deflation",
            "jump_intensity",
            "jump_mean",
            "jump_std",
            "seasonal_amplitude",
            "seasonal_peak_month",
            "floor_growth",
        ):
            object.__setattr__(self, name, number(name, getattr(self, name)))
        hint = " (price units, e.g. dollars per GPU-hour; 0 for no floor)"
        object.__setattr__(self, "floor", number("floor", self.floor, lo=0.0, hint=hint))
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
    def pricing_regime(self) -> Regime | None:
        """The regime futures condition on: ``None`` without one or when every level is 0 (then ``W = 1``)."""
        if self.regime is None or not any(self.regime.levels):
            return None
        return self.regime

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

    @property
    def log_adjusted(self) -> bool:
        """Whether :meth:`seasonal` is anything but 0 (a seasonal cycle or level steps)."""
        return self.seasonal_amplitude != 0.0 or bool(self.steps)

    def seasonal(self, dates: DateArray) -> Float64Array:
        """The deterministic log adjustment ``s(t)`` on the given dates (0 when switched off).

        The seasonal cycle plus every scheduled level step dated on or before each date.
        """
        shape = np.shape(dates)
        if self.seasonal_amplitude == 0.0:
            s = np.zeros(shape, dtype=np.float64)
        else:
            d = pd.DatetimeIndex(np.asarray(dates).astype("datetime64[ns]").ravel())
            days_in_year = np.where(d.is_leap_year, 366.0, 365.0)
            u = (d.day_of_year.to_numpy() - 1 + 0.5) / days_in_year
            peak = (self.seasonal_peak_month - 0.5) / 12.0
            cycle = self.seasonal_amplitude * np.cos(2.0 * np.pi * (u - peak))
            s = np.asarray(cycle, dtype=np.float64).reshape(shape)
        if self.steps:
            days = np.asarray(dates).astype("datetime64[D]")
            for day, change in self.steps:
                s = s + np.where(days >= np.datetime64(day, "D"), change, 0.0)
        return s

    def floor_at(self, dates: DateArray, start: object | None = None) -> Float64Array:
        """The price floor on ``dates``: ``floor exp(floor_growth (d - start) / 365)`` (0 without a floor).

        ``start`` is the date the floor is quoted on, the simulation's first
        date; by default the first of ``dates``.
        """
        d = np.asarray(dates).astype("datetime64[D]")
        if self.floor == 0.0:
            return np.zeros(d.shape, dtype=np.float64)
        if self.floor_growth == 0.0:
            return np.full(d.shape, self.floor, dtype=np.float64)
        t0 = d.ravel()[0] if start is None else to_day(start, "start")
        years = (d - t0).astype(np.int64) / 365.0  # ACT/365, as every year fraction in the curves
        return np.asarray(self.floor * np.exp(self.floor_growth * years), dtype=np.float64)

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
            "floor": self.floor,
            "floor_growth": self.floor_growth,
            "steps": [[day, change] for day, change in self.steps],
        }


def _level_steps(steps: object) -> tuple[tuple[str, float], ...]:
    """``steps`` as ``(("YYYY-MM-DD", log change), ...)`` sorted by date, or a ConfigError naming it."""
    shape = 'a list of [date, log change] pairs, e.g. [["2027-01-04", -0.15]]'
    if isinstance(steps, (str, bytes)) or not isinstance(steps, (list, tuple)):
        raise ConfigError(f"steps must be {shape}, got {steps!r}")
    out = []
    for item in steps:
        if isinstance(item, (str, bytes)) or not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ConfigError(f"steps must be {shape}; {item!r} is not a [date, log change] pair")
        try:
            day = str(to_day(item[0], "steps date"))
        except EtfsimError as exc:
            raise ConfigError(f"steps: {exc} (each step is [date, log change])") from exc
        out.append((day, number("steps log change", item[1], hint=" (-0.15 lowers the level about 14%)")))
    return tuple(sorted(out, key=lambda x: x[0]))


def regime_log_factor(kappa: float, regime: Regime, max_days: int, substeps: int = 4) -> Float64Array:
    """``ln W_r(tau)`` of the regime's factor in futures prices, by whole calendar days to maturity.

    Parameters
    ----------
    kappa : float
        Mean-reversion speed of the short-term factor, per year (> 0).
    regime : Regime
        The chain; its levels are the ``theta_r`` the short-term factor reverts to.
    max_days : int
        Longest time to maturity needed, in calendar days (>= 0).
    substeps : int
        Steps of the ODE per calendar day.

    Returns
    -------
    ndarray
        ``(regimes, max_days + 1)``: row ``r``, column ``d`` is ``ln W_r(d / 365)``
        (ACT/365 maturities are whole calendar days over 365, so the table is
        exact up to the ODE step).  Read-only; tables are kept for reuse.

    Notes
    -----
    Under the pricing measure ``d chi = [kappa (theta_r - chi) - lambda_chi] dt +
    sigma_chi dz*``, with ``r`` the chain's state.  Solving the linear equation from
    ``t`` to ``T = t + tau``::

        chi_T = e^{-kappa tau} chi_t + int_t^T e^{-kappa (T - s)} (kappa theta_{r(s)} - lambda_chi) ds + noise

    The chain is independent of the Brownian motions, so ``E_t[S_T]`` is the
    closed form without a regime (Schwartz & Smith 2000, eq. 9, whose ``A(tau)``
    already holds the ``lambda_chi`` term) times, with ``w = T - s`` the time left::

        W_r(tau) = E[ exp( int_0^tau kappa e^{-kappa w} theta_{r(T - w)} dw ) | r(t) = r ].

    By the Feynman-Kac formula for a finite chain (Norris 1997, sec. 2.8),
    ``u_r(s) = E[exp(int_s^T g(T - v, r(v)) dv) | r(s) = r]`` solves
    ``du/ds = -(Q + diag g(T - s)) u`` with ``u(T) = 1``; in the time left,
    ``W(w) = u(T - w)`` solves the same equation for every ``T``::

        dW/dw = (Q + diag(kappa e^{-kappa w} theta)) W,   W(0) = 1,

    so one table by time to maturity serves every date and contract.  Each step
    of ``h = 1 / (365 substeps)`` years multiplies ``W`` by ``expm(Omega)``, the
    fourth-order Magnus step from the generator ``M_1, M_2`` at the two Gauss
    points ``w + (1/2 -+ sqrt(3)/6) h``::

        Omega = h (M_1 + M_2) / 2 - sqrt(3) h^2 [M_1, M_2] / 12

    (Blanes, Casas, Oteo & Ros 2009, The Magnus expansion and some of its
    applications, Physics Reports 470).  The error falls as ``h^4``, and every
    factor is a matrix exponential, so ``W`` stays positive.  Checks: with all
    levels equal to ``c``, ``W = exp(c (1 - e^{-kappa tau}))``; with ``Q = 0``,
    ``W_r = exp(theta_r (1 - e^{-kappa tau}))``.
    """
    if not isinstance(regime, Regime):
        raise ConfigError("regime must be an etfsim Regime (the chain whose levels futures condition on)")
    k = number("kappa", kappa)
    if k <= 0:
        raise ConfigError(f"kappa must be > 0 (mean-reversion speed per year), got {kappa}")
    if isinstance(max_days, bool) or not isinstance(max_days, (int, np.integer)) or max_days < 0:
        raise ConfigError(f"max_days must be a whole number of calendar days >= 0, got {max_days!r}")
    if isinstance(substeps, bool) or not isinstance(substeps, (int, np.integer)) or substeps < 1:
        raise ConfigError(f"substeps must be a whole number >= 1 (ODE steps per day), got {substeps!r}")
    return _log_factor_table(k, regime, int(max_days), int(substeps))


_GAUSS = (0.5 - math.sqrt(3.0) / 6.0, 0.5 + math.sqrt(3.0) / 6.0)


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """BLAS held to one thread, where threadpoolctl is installed (else no change).

    The table takes tens of thousands of 3x3 exponentials, each a few BLAS and
    LAPACK calls that OpenBLAS spreads over its threads: waking them costs far
    more than the sums, and on a busy machine each wake-up waits for a core
    (measured: 0.15 s on one thread, 0.6-10 s threaded).  The sums are the same.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[object] = threadpool_limits(1, user_api="blas")
    return limits


_BLAS_LOCK = threading.Lock()  # one table at a time: a limit set in two threads could be restored out of order


@lru_cache(maxsize=256)
def _transition_matrix(regime: Regime, dt: float) -> Float64Array:
    """``expm(Q dt)`` rows renormalised, kept for the process: every chunk of a run asks for the same few steps.

    Computed once and on one BLAS thread (see :func:`_one_blas_thread`): a 3x3
    exponential per chunk otherwise woke OpenBLAS's threads, which then spun
    on the other core through the rest of the chunk's simulation (measured on
    MC-10k's chunks: twice the CPU time of the wall time, and 1.5x instead of
    1.9x on two threads).
    """
    from scipy.linalg import expm

    with _BLAS_LOCK, _one_blas_thread():
        p = expm(regime.generator * dt)
    p = np.clip(p, 0.0, None)
    out = np.asarray(p / p.sum(axis=1, keepdims=True), dtype=np.float64)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=16)
def _log_factor_table(kappa: float, regime: Regime, max_days: int, substeps: int) -> Float64Array:
    with _BLAS_LOCK, _one_blas_thread():
        return _magnus_table(kappa, regime, max_days, substeps)


def _magnus_table(kappa: float, regime: Regime, max_days: int, substeps: int) -> Float64Array:
    from scipy.linalg import expm

    q = regime.generator
    theta = np.asarray(regime.levels, dtype=np.float64)
    n_reg = len(theta)
    h = 1.0 / (365.0 * substeps)
    # the levels move ln W by at most max|theta| e^{-kappa w} after w: below 1e-17, a day's step is expm(Q / 365)
    reach = math.log(max(float(np.abs(theta).max()), 1e-300) * 1e17) / kappa
    active = min(max_days, max(0, math.ceil(reach * 365.0)))
    # fourth-order Magnus step from the two Gauss points of each step
    start = np.arange(active * substeps) * h
    a1 = q[None] + (kappa * np.exp(-kappa * (start + _GAUSS[0] * h)))[:, None, None] * np.diag(theta)[None]
    a2 = q[None] + (kappa * np.exp(-kappa * (start + _GAUSS[1] * h)))[:, None, None] * np.diag(theta)[None]
    omega = 0.5 * h * (a1 + a2) - (math.sqrt(3.0) / 12.0) * h * h * (a1 @ a2 - a2 @ a1)
    steps = expm(omega).reshape(active, substeps, n_reg, n_reg)
    day = steps[:, 0]
    for j in range(1, substeps):  # later substeps act after earlier ones: left products
        day = steps[:, j] @ day
    quiet = expm(q / 365.0)
    w = np.ones(n_reg)
    out = np.empty((n_reg, max_days + 1))
    out[:, 0] = 0.0
    for d in range(max_days):
        w = (day[d] if d < active else quiet) @ w
        out[:, d + 1] = np.log(w)
    out.setflags(write=False)
    return out
