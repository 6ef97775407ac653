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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from etfsim.curves.arrivals import random_hold_error
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.legs import Family, Leg, factor_correlation
from etfsim.curves.market_curve import MarketCurve
from etfsim.curves.market_sim import Holding, MarketPaths, _launch_rows, simulate_market
from etfsim.curves.median import check_median_family
from etfsim.curves.overlays import Regime
from etfsim.curves.simulate import simulation_grid
from etfsim.exceptions import ConfigError

__all__ = ["Family", "Holding", "Leg", "Market", "MarketPaths"]


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
    basis : tuple of two str
        Two index families the study compares the headline fund on (the
        rules sheet's basis table), e.g. a per-chip index and a composite.
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
    basis: tuple[str, ...] = ()

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
            check_median_family(self, f)
        for leg in self.legs:
            for other in leg.steps_down:
                if other not in names or other == leg.name:
                    raise ConfigError(f"leg {leg.name!r}: steps_down names {other!r}, which is not another leg")
        self._check_random_launches()
        if self.reference not in names:
            raise ConfigError(f"reference {self.reference!r} is not a leg; the legs are {', '.join(names)}")
        if self.holding not in names + fam:
            raise ConfigError(f"holding {self.holding!r} is not a leg or family; give one of {', '.join(names + fam)}")
        object.__setattr__(self, "basis", tuple(str(x) for x in self.basis))
        if self.basis and (len(self.basis) != 2 or any(x not in names + fam for x in self.basis)):
            raise ConfigError(f"basis must name two legs or families (e.g. ['b200', 'ocpi']), got {list(self.basis)}")
        self._check_correlation()
        self._check_regime()
        self._check_launches()

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

    def _check_launches(self) -> None:
        # on the simulation's own grid, so a launch outside the horizon is refused when a file is read,
        # not minutes later when the paths are drawn
        calendars = {leg.contract.calendar for leg in self.legs}
        if len(calendars) == 1 and any(leg.launch is not None for leg in self.legs):
            _launch_rows(self, simulation_grid(calendars.pop(), self.start, self.years, self.end))

    def _check_random_launches(self) -> None:
        random = {leg.name for leg in self.legs if leg.random_launch}
        if not random:
            return
        for name in [self.holding, *self.basis]:
            if name in random:
                raise ConfigError(random_hold_error(name))
        for f in self.families:
            hit = [x for x in f.legs if x in random]
            if f.name == self.holding and hit:  # the market's holding is the headline's unless a strategy says
                raise ConfigError(
                    f"holding: family {f.name!r} includes {hit[0]!r}, which launches at a random month; the "
                    "market's default holding is the fact sheet's headline, which needs one listing on every path: "
                    "hold the family in a strategy's [holding] instead"
                )
            # the mixture of outcomes (etfsim.curves.arrivals) takes every leg's step and membership by delivery
            # month: a final-settled leg's step goes by its expiry's month instead
            final = [x for x in f.legs if self.leg(x).contract.settlement != "monthly_average"]
            if len(hit) > 1 or (hit and (f.method == "median" or f.contract.settlement != "monthly_average" or final)):
                raise ConfigError(
                    f"family {f.name!r}: a member launching at a random month ({hit[0]!r}) needs method 'mean', "
                    "'usage' or 'normalised', monthly-average settlement of the family and of every leg in it, "
                    "and no second such member"
                )
        stepped = {x for leg in self.legs if leg.random_launch for x in leg.steps_down}
        for f in self.families:
            hit = [x for x in f.legs if x in stepped]
            if f.method == "median" and hit:
                raise ConfigError(
                    f"family {f.name!r}: method 'median' cannot price the random-launch step of leg {hit[0]!r} "
                    "(the legs would be a mixture, not one Gaussian law); use method 'mean' or a scheduled launch"
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

    # -- simulation ------------------------------------------------------------------
    def iter_markets(
        self,
        paths: int | None = None,
        seed: int | None = None,
        chunk_size: int = 1000,
        progress: Callable[[int, int], None] | None = None,
        first_path: int = 0,
        legs: Sequence[str] | None = None,
    ) -> Iterator[MarketPaths]:
        """Every leg's paths (or only ``legs``'), chunk by chunk (:func:`etfsim.curves.market_sim.simulate_market`)."""
        for chunk in simulate_market(self, paths, seed, chunk_size, first_path, progress, legs):
            yield replace(chunk, metadata=dict(chunk.metadata, scenario=self.name))

    def legs_of(self, holding: Holding | str | None = None) -> tuple[str, ...]:
        """The legs whose prices make what ``holding`` holds (default: the market's holding)."""
        h = Holding(index=self.holding) if holding is None else holding
        h = Holding(index=h) if isinstance(h, str) else h
        wanted = h.generations if h.index is None else (h.index,)
        out: list[str] = []
        for name in wanted:
            out += list(self.family(name).legs) if name in [f.name for f in self.families] else [name]
        return tuple(dict.fromkeys(out))

    def iter_chunks(
        self,
        paths: int | None = None,
        seed: int | None = None,
        chunk_size: int = 1000,
        progress: Callable[[int, int], None] | None = None,
        lazy_prices: bool = False,
        first_path: int = 0,
    ) -> Iterator[FuturesCurve | MarketCurve]:
        """The curve of the market's ``holding``, chunk by chunk, as :meth:`etfsim.scenario.Scenario.iter_chunks`."""
        for chunk in self.iter_markets(paths, seed, chunk_size, progress, first_path):
            curve = chunk.curve()
            yield curve if lazy_prices else curve.to_curve()

    def simulate(
        self,
        paths: int | None = None,
        seed: int | None = None,
        chunk_size: int = 1000,
        progress: Callable[[int, int], None] | None = None,
    ) -> FuturesCurve:
        """The curve of the market's ``holding`` with every price, all paths in memory."""
        chunks = list(self.iter_chunks(paths, seed, chunk_size, progress))
        if len(chunks) == 1:
            return chunks[0]  # type: ignore[return-value]
        first = chunks[0]
        prices = np.concatenate([c.prices for c in chunks])
        spot = np.concatenate([np.asarray(c.spot) for c in chunks])
        return FuturesCurve(first.dates, prices, first.contracts, first.expiries, spot, None, first.metadata, 0)

    def to_dict(self) -> dict[str, Any]:
        """The market as plain data (file metadata)."""
        return {
            "name": self.name, "legs": [leg.to_dict() for leg in self.legs],
            "families": [f.to_dict() for f in self.families], "correlation": [list(r) for r in self.correlation],
            "regime": None if self.regime is None else self.regime.to_dict(), "regime0": self.regime0,
            "reference": self.reference, "holding": self.holding,
        }  # fmt: skip
