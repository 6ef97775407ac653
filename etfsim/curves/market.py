"""A compute market as the venues list it: several correlated price legs on one date grid.

The venues announced in May-June 2026 list futures per chip (Silicon Data's
H100, A100 and B200 rental indices at CME), on a transacted-price composite
(Ornn's compute price index at ICE) and on memory.  A :class:`Market` holds
one :class:`Leg` per price index (a chip, a tier of a chip such as hyperscaler
against neocloud H100, a memory basket) and :class:`Family` indices built from
legs (a composite across chips, a performance-normalised "reference-chip
equivalent hour" that splices each new generation in at its performance ratio).

Each leg is a Schwartz-Smith model with its own overlays (deflation, floor,
seasonality, scheduled steps) and its own contract; the legs' factors are
jointly Gaussian with the correlation the user gives, and one regime chain
(shortage, normal, glut) moves them all, each leg with its own regime levels.
A leg may launch during the horizon: before its launch month it has no prices
and no listed contracts, and the legs it names step down when it arrives.

The simulation itself is :func:`etfsim.curves.market_sim.simulate_market`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from etfsim._validate import number
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.overlays import Regime
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.exceptions import ConfigError

__all__ = ["FAMILY_METHODS", "Family", "Leg", "Market", "factor_correlation"]

FAMILY_METHODS = ("mean", "usage", "normalised")
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
    performance_ratio: float = 1.0
    steps_down: Mapping[str, float] = field(default_factory=dict)
    chip: str = ""
    tier: str = ""
    kind: str = "gpu"
    description: str = ""
    sources: tuple[str, ...] = ()

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

    def to_dict(self) -> dict[str, Any]:
        """The leg as plain data (file metadata)."""
        return {
            "name": self.name, "index": self.index, "contract": self.contract.to_dict(), "params": self.model.params(),
            "spot": self.spot, "chi0": self.chi0, "launch": self.launch, "performance_ratio": self.performance_ratio,
            "steps_down": dict(self.steps_down), "chip": self.chip, "tier": self.tier, "kind": self.kind,
        }  # fmt: skip


@dataclass(frozen=True)
class Family:
    """An index computed from legs, with futures listed on it.

    Parameters
    ----------
    name, index : str
        Short name, and the index it stands for (e.g. ``"OCPI"``).
    method : {"mean", "usage", "normalised"}
        ``mean``: the equal-weighted mean of the legs trading at the start of
        each month; ``usage``: weighted by ``weights`` (e.g. rental hours by
        chip), renormalised over the legs trading; ``normalised``: the price of
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
    so within every delivery month a family is a fixed linear combination of
    its legs and its futures price is that combination of the legs' futures:
    exact, in closed form, for both final and monthly-average settlement.
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


@dataclass(frozen=True)
class Market:
    """Legs, families, their correlation and the horizon of one market scenario.

    Parameters
    ----------
    name, description : str
    legs : tuple of Leg
    families : tuple of Family
    correlation : (legs, legs) nested tuple
        Correlation of like factors across legs (1 on the diagonal); the full
        factor correlation (:func:`factor_correlation`) must be positive
        semi-definite.
    regime : Regime or None
        The market's shortage/glut chain (names and switching rates; each leg's
        levels are in its model's overlays).
    regime0 : str or int
        Regime at the start.
    reference : str
        The leg whose GPU-hour is the unit of performance ratios.
    holding : str
        What a strategy that names no holding holds (a leg or family name).
    start, years, end, paths, seed, measure, collateral_rate :
        As in :class:`etfsim.scenario.Scenario`.
    """

    name: str
    description: str
    legs: tuple[Leg, ...]
    families: tuple[Family, ...]
    correlation: tuple[tuple[float, ...], ...]
    regime: Regime | None
    regime0: int | str
    reference: str
    holding: str
    start: str
    years: float | None
    end: str | None
    paths: int = 1000
    seed: int = 0
    measure: str = "real"
    collateral_rate: float = 0.0
    source: str = "built-in"

    def __post_init__(self) -> None:
        names = [leg.name for leg in self.legs]
        if not names:
            raise ConfigError("a market needs at least one leg")
        if len(set(names)) != len(names):
            raise ConfigError(f"leg names must be distinct, got {names}")
        fam = [f.name for f in self.families]
        both = sorted(set(fam) & set(names)) or sorted({x for x in fam if fam.count(x) > 1})
        if both:
            raise ConfigError(f"names must be distinct across legs and families; {both[0]!r} is used twice")
        for f in self.families:
            unknown = [x for x in f.legs if x not in names]
            if unknown:
                raise ConfigError(f"family {f.name!r}: unknown leg {unknown[0]!r}; the legs are {', '.join(names)}")
        for leg in self.legs:
            for other in leg.steps_down:
                if other not in names or other == leg.name:
                    raise ConfigError(f"leg {leg.name!r}: steps_down names {other!r}, which is not another leg")
        if self.reference not in names:
            raise ConfigError(f"reference {self.reference!r} is not a leg; the legs are {', '.join(names)}")
        if self.holding not in names + fam:
            raise ConfigError(f"holding {self.holding!r} is not a leg or family; give one of {', '.join(names + fam)}")
        self._check_correlation()
        self._check_regime()

    def _check_correlation(self) -> None:
        n = len(self.legs)
        try:
            c = np.array(self.correlation, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"correlation must be a {n}x{n} table of numbers (one row per leg)") from exc
        if c.shape != (n, n):
            raise ConfigError(f"correlation must be {n}x{n} (one row and column per leg in order), got {c.shape}")
        if not np.isfinite(c).all() or (np.abs(c) > 1).any():
            raise ConfigError("correlation entries must be finite numbers between -1 and 1")
        if not np.allclose(c, c.T, atol=1e-12):
            i, j = np.argwhere(~np.isclose(c, c.T, atol=1e-12))[0]
            raise ConfigError(f"correlation must be symmetric: [{i}][{j}] = {c[i, j]:g} but [{j}][{i}] = {c[j, i]:g}")
        if not np.allclose(np.diag(c), 1.0):
            raise ConfigError("correlation must have 1 on its diagonal (each leg with itself)")
        full = factor_correlation(c, [leg.model.rho for leg in self.legs])
        low = float(np.linalg.eigvalsh(full).min())
        if low < -1e-10:
            raise ConfigError(
                f"correlation is not positive semi-definite: the factor correlation's smallest eigenvalue is "
                f"{low:.4g}; lower the largest cross-leg correlations (or the legs' rho) until it is >= 0"
            )

    def _check_regime(self) -> None:
        if self.regime is None:
            for leg in self.legs:
                if leg.model.overlays.regime is not None:
                    raise ConfigError(f"leg {leg.name!r} has regime levels but the market has no [regime]")
            return
        self.regime.index(self.regime0)  # an unknown start regime names the regimes
        for leg in self.legs:
            own = leg.model.overlays.regime
            if own is not None and (own.names != self.regime.names or own.rates != self.regime.rates):
                raise ConfigError(f"leg {leg.name!r}: its regime must be the market's (names and rates)")

    # -- lookups -------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Leg names, then family names."""
        return tuple(leg.name for leg in self.legs) + tuple(f.name for f in self.families)

    def leg(self, name: str) -> Leg:
        """The leg called ``name``."""
        for leg in self.legs:
            if leg.name == name:
                return leg
        raise ConfigError(f"unknown leg {name!r}; the legs are {', '.join(x.name for x in self.legs)}")

    def family(self, name: str) -> Family:
        """The family called ``name``."""
        for f in self.families:
            if f.name == name:
                return f
        raise ConfigError(f"unknown family {name!r}; the families are {', '.join(x.name for x in self.families)}")

    def horizon_months(self) -> tuple[str, str]:
        """First and last month of the horizon as ``YYYY-MM`` (launches must fall strictly inside)."""
        from etfsim.curves.simulate import simulation_grid

        days = simulation_grid(self.legs[0].contract.calendar, self.start, self.years, self.end)
        return str(days[0])[:7], str(days[-1])[:7]

    def to_dict(self) -> dict[str, Any]:
        """The market as plain data (file metadata)."""
        return {
            "name": self.name, "legs": [leg.to_dict() for leg in self.legs],
            "families": [f.to_dict() for f in self.families], "correlation": [list(r) for r in self.correlation],
            "regime": None if self.regime is None else self.regime.to_dict(), "regime0": self.regime0,
            "reference": self.reference, "holding": self.holding,
        }  # fmt: skip


def log_step(fraction: float) -> float:
    """A fractional fall of a price as a log step (0.10 -> ln 0.9)."""
    return math.log1p(-fraction)
