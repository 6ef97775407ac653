"""The parts of a compute market: price legs and the family indices built from them.

See :mod:`etfsim.curves.market` for the market that holds them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from etfsim._typing import DateArray, Float64Array
from etfsim._validate import number
from etfsim.contracts.calendars import to_day
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.exceptions import ConfigError, EtfsimError

__all__ = ["FAMILY_METHODS", "Family", "Leg", "factor_correlation", "log_step"]

FAMILY_METHODS = ("mean", "usage", "median", "normalised")
"""How a family index combines its legs (see :class:`Family`)."""

LEG_KINDS = ("gpu", "memory")


def _month(value: object, what: str) -> str:
    """``"YYYY-MM"`` checked (a launch is monthly: rentals and contracts start on the month's first business day)."""
    s = str(value)
    ok = len(s) == 7 and s[4] == "-" and s[:4].isdigit() and s[5:].isdigit() and 1 <= int(s[5:]) <= 12
    if not ok:
        raise ConfigError(f"{what} must be a month 'YYYY-MM' (e.g. '2027-01'), got {value!r}")
    return s


@dataclass(frozen=True)
class Leg:
    """One price index of the market and the futures listed on it.

    Parameters
    ----------
    name : str
        Short name the rules and families use (``"h100"``).
    index : str
        The index the leg stands for, e.g. ``"SDH100RT"`` (Silicon Data H100 rental).
    contract : ContractSpec
        The futures contract on the index (its root names its contracts).
    model : SchwartzSmith
        The leg's factor model with its overlays (floor, deflation, steps, regime levels).
    spot : float
        Index at the start; for a leg that launches later, its expected price
        at launch (the forward of the leg's own model for the launch date).
    chi0 : float
        Short-term factor at the start.
    launch : str or None
        Launch month ``"YYYY-MM"`` inside the horizon; ``None``: trading at the start.
        With ``arrival_rate``, the first month the leg can launch.
    arrival_rate : float
        0 (default): the leg launches in ``launch``.  Above 0: it launches at
        a random month, ``arrival_rate`` launches a year at the most (a Poisson
        arrival): from ``launch`` on, each month's first business day has the
        chance ``1 - exp(-arrival_rate / 12)`` of being the launch, drawn path by
        path (:mod:`etfsim.curves.arrivals`).  The legs it steps down are
        priced with that hazard before it arrives, so their futures stay
        martingales.  Such a leg cannot be held, nor be part of a family, yet.
    performance_ratio : float
        Work per GPU-hour against the market's reference chip (> 0; the
        reference is 1).
    steps_down : mapping
        Legs whose price steps down when this one launches: ``{leg: fraction}``,
        e.g. ``{"h100": 0.10}`` lowers H100 rental 10% from the launch date on.
    chip, tier, kind, description : str
        Labels (``kind`` is ``"gpu"`` or ``"memory"``).
    sources : tuple of str
        Where the leg's numbers come from.
    """

    name: str
    index: str
    contract: ContractSpec
    model: SchwartzSmith
    spot: float
    chi0: float = 0.0
    launch: str | None = None
    arrival_rate: float = 0.0
    performance_ratio: float = 1.0
    steps_down: Mapping[str, float] = field(default_factory=dict)
    chip: str = ""
    tier: str = ""
    kind: str = "gpu"
    description: str = ""
    sources: tuple[str, ...] = ()
    liquidity: tuple[tuple[str, float, float], ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not str(self.name).replace("_", "").isalnum():
            raise ConfigError(f"leg name must be letters, digits and underscores, got {self.name!r}")
        where = f"leg {self.name!r}"
        if not isinstance(self.contract, ContractSpec):
            raise ConfigError(f"{where}: contract must be a ContractSpec")
        if not isinstance(self.model, SchwartzSmith):
            raise ConfigError(f"{where}: model must be a SchwartzSmith model")
        object.__setattr__(self, "spot", number(f"{where} spot", self.spot, hint=" (a price)"))
        if self.spot <= 0:
            raise ConfigError(f"{where}: spot must be a positive price, got {self.spot:g}")
        object.__setattr__(self, "chi0", number(f"{where} chi0", self.chi0))
        ratio = number(
            f"{where} performance_ratio", self.performance_ratio, hint=" (work per GPU-hour vs the reference)"
        )
        if ratio <= 0:
            raise ConfigError(f"{where}: performance_ratio must be > 0 (1 for the reference chip), got {ratio:g}")
        object.__setattr__(self, "performance_ratio", ratio)
        if self.launch is not None:
            object.__setattr__(self, "launch", _month(self.launch, f"{where} launch"))
        rate = number(f"{where} arrival_rate", self.arrival_rate, lo=0.0, hint=" (launches a year; 0: at launch)")
        if rate > 0 and self.launch is None:
            raise ConfigError(
                f"{where}: arrival_rate needs a launch month (the first month it can launch), e.g. launch = '2028-01'"
            )
        object.__setattr__(self, "arrival_rate", rate)
        steps = {}
        for other, frac in dict(self.steps_down).items():
            f = number(f"{where} steps_down.{other}", frac, hint=" (a fraction the price falls)")
            if not 0.0 <= f < 1.0:
                raise ConfigError(f"{where}: steps_down.{other} must be a fraction in [0, 1), got {f:g}")
            steps[str(other)] = f
        if steps and self.launch is None:
            raise ConfigError(f"{where}: steps_down needs a launch month (the steps happen at the launch)")
        object.__setattr__(self, "steps_down", steps)
        if self.kind not in LEG_KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(LEG_KINDS)}, got {self.kind!r}")
        object.__setattr__(self, "sources", tuple(str(s) for s in self.sources))
        object.__setattr__(self, "liquidity", _liquidity(where, self.liquidity))

    @property
    def random_launch(self) -> bool:
        """Whether the leg launches at a random month (``arrival_rate > 0``)."""
        return self.arrival_rate > 0

    def open_interest_on(self, dates: DateArray) -> Float64Array | None:
        """Front-month open interest on ``dates`` from ``liquidity`` (log-linear between points), or None."""
        return _path_on(self.liquidity, 1, dates)

    def daily_volume_on(self, dates: DateArray) -> Float64Array | None:
        """Front-month daily volume on ``dates`` from ``liquidity``, or None."""
        return _path_on(self.liquidity, 2, dates)

    def to_dict(self) -> dict[str, Any]:
        """The leg as plain data (file metadata)."""
        out = {
            "name": self.name, "index": self.index, "contract": self.contract.to_dict(), "params": self.model.params(),
            "spot": self.spot, "chi0": self.chi0, "launch": self.launch, "performance_ratio": self.performance_ratio,
            "steps_down": dict(self.steps_down), "chip": self.chip, "tier": self.tier, "kind": self.kind,
        }  # fmt: skip
        if self.random_launch:  # only then: files of scheduled markets keep their bytes
            out["arrival_rate"] = self.arrival_rate
        return out


@dataclass(frozen=True)
class Family:
    """An index computed from legs, with futures listed on it.

    Parameters
    ----------
    name, index : str
        Short name, and the index it stands for (e.g. ``"OCPI"``).
    method : {"mean", "usage", "median", "normalised"}
        ``mean``: the equal-weighted mean of the legs trading at the start of
        each month; ``usage``: weighted by ``weights`` (e.g. rental hours by
        chip), renormalised over the legs trading; ``median``: the median of
        the legs trading (the mean of the middle two for an even count), priced
        by a fixed quadrature (:mod:`etfsim.curves.median`); ``normalised``: the price of
        one reference-chip-equivalent hour, i.e. the newest generation in the
        index divided by its performance ratio, a generation joining
        ``splice_lag_months`` after its launch month (a chained index whose
        splice factor is the performance ratio).
    legs : tuple of str
        The legs, in generation order for ``normalised``.
    contract : ContractSpec
        The futures contract on the family (same listing rule as its legs).
    weights : tuple of float
        Usage weights, one per leg (``usage`` only).
    splice_lag_months : int
        Months from a generation's launch to its splice (``normalised`` only).

    Notes
    -----
    Membership and weights change only on the first business day of a month,
    so within every delivery month a mean, usage or normalised family is a
    fixed linear combination of its legs and its futures price is that
    combination of the legs' futures: exact, in closed form, for both final and
    monthly-average settlement.  A median is not linear: its futures price is
    ``E_t[median_i S_i(T)]`` under the legs' joint Gaussian law, computed by
    :class:`etfsim.curves.median.MedianSetup`.
    """

    name: str
    index: str
    method: str
    legs: tuple[str, ...]
    contract: ContractSpec
    weights: tuple[float, ...] = ()
    splice_lag_months: int = 0
    description: str = ""
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"family {self.name!r}"
        if self.method not in FAMILY_METHODS:
            raise ConfigError(f"{where}: method must be one of {', '.join(FAMILY_METHODS)}, got {self.method!r}")
        legs = tuple(str(x) for x in self.legs)
        if not legs or len(set(legs)) != len(legs):
            raise ConfigError(f"{where}: legs must be a non-empty list of distinct leg names, got {list(self.legs)}")
        object.__setattr__(self, "legs", legs)
        if self.method == "median" and len(legs) < 2:
            raise ConfigError(
                f"{where}: method 'median' needs at least two legs, got {list(legs)}; add legs or hold the leg itself"
            )
        w = tuple(number(f"{where} weights", v, lo=0.0) for v in self.weights)
        if self.method == "usage":
            if len(w) != len(legs) or sum(w) <= 0:
                raise ConfigError(
                    f"{where}: usage weights need one non-negative number per leg ({len(legs)}), not all 0"
                )
        elif w:
            raise ConfigError(f"{where}: weights apply to method 'usage' only; remove them")
        object.__setattr__(self, "weights", w)
        lag = self.splice_lag_months
        if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or not 0 <= lag <= 60:
            raise ConfigError(f"{where}: splice_lag_months must be a whole number of months 0-60, got {lag!r}")
        object.__setattr__(self, "sources", tuple(str(s) for s in self.sources))

    def to_dict(self) -> dict[str, Any]:
        """The family as plain data (file metadata)."""
        return {"name": self.name, "index": self.index, "method": self.method, "legs": list(self.legs),
                "weights": list(self.weights), "splice_lag_months": int(self.splice_lag_months),
                "contract": self.contract.to_dict()}  # fmt: skip


def _liquidity(where: str, points: object) -> tuple[tuple[str, float, float], ...]:
    """``(date, open interest, daily volume)`` points, dates strictly increasing, values > 0."""
    if not isinstance(points, (list, tuple)):
        raise ConfigError(f"{where}: liquidity must be a list of (date, open interest, daily volume) points")
    out: list[tuple[str, float, float]] = []
    for row in points:
        if not isinstance(row, (list, tuple)) or len(row) != 3:
            raise ConfigError(f"{where}: liquidity points are (date, open interest, daily volume), got {row!r}")
        try:
            day = str(to_day(str(row[0]), "liquidity date"))
        except EtfsimError as exc:
            raise ConfigError(f"{where}: {exc} (each liquidity point is [date, open interest, daily volume])") from exc
        oi = number(f"{where} liquidity open_interest", row[1], hint=" (contracts)")
        vol = number(f"{where} liquidity daily_volume", row[2], hint=" (contracts a day)")
        if oi <= 0 or vol <= 0:
            raise ConfigError(f"{where}: liquidity open_interest and daily_volume must be > 0 contracts, got {row!r}")
        if out and day <= out[-1][0]:
            raise ConfigError(f"{where}: liquidity dates must be strictly increasing ({day} after {out[-1][0]})")
        out.append((day, oi, vol))
    return tuple(out)


def _path_on(points: tuple[tuple[str, float, float], ...], col: int, dates: DateArray) -> Float64Array | None:
    if not points:
        return None
    x = np.array([np.datetime64(p[0], "D") for p in points]).astype(np.int64).astype(np.float64)
    y = np.log([p[col] for p in points])
    t = np.asarray(dates).astype("datetime64[D]").astype(np.int64).astype(np.float64)
    return np.asarray(np.exp(np.interp(t, x, y)), dtype=np.float64)


def factor_correlation(correlation: np.ndarray, rho: Sequence[float]) -> np.ndarray:
    """The ``2L x 2L`` correlation of the factors ``[chi_0, xi_0, chi_1, xi_1, ...]``.

    ``correlation[i, j]`` correlates leg ``i``'s factors with the same factor of
    leg ``j``; within a leg ``chi`` and ``xi`` correlate by the leg's ``rho``, and
    across legs ``chi_i`` and ``xi_j`` by ``correlation[i, j] (rho_i + rho_j) / 2``.
    With one ``rho`` for all legs this is the Kronecker product of the two
    correlation matrices, positive semi-definite whenever both are.
    """
    c = np.asarray(correlation, dtype=np.float64)
    r = np.asarray(rho, dtype=np.float64)
    n = len(r)
    full = np.empty((2 * n, 2 * n))
    cross = c * (r[:, None] + r[None, :]) / 2.0
    full[0::2, 0::2] = c
    full[1::2, 1::2] = c
    full[0::2, 1::2] = cross
    full[1::2, 0::2] = cross.T
    return full


def log_step(fraction: float) -> float:
    """A fractional fall of a price as a log step (0.10 -> ln 0.9)."""
    return math.log1p(-fraction)
