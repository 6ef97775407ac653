"""Small compute markets the market tests share (a module of builders, not a test file).

Each builder makes a market of a few legs over a short horizon, so a test
simulates it in a second or two; the numbers are of the default market's kind
(H100 near $2.35 a GPU-hour, B200 near $5.48, a successor launching later).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from etfsim.contracts import COMPUTE_H100
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.legs import Family, Leg
from etfsim.curves.market import Market
from etfsim.curves.market_sim import MarketPaths
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.schwartz import SchwartzSmith

START = "2026-04-01"
GPU = dict(kappa=4.0, sigma_chi=0.5, lambda_chi=0.05, mu_xi=0.0, sigma_xi=0.15, rho=0.3, mu_xi_star=0.02)


def contract(root: str, settlement: str = "monthly_average", **kw: Any) -> ContractSpec:
    """The compute contract under its own root (a leg's or family's futures)."""
    return replace(COMPUTE_H100, root=root, settlement=settlement, **kw)  # type: ignore[arg-type]


def model(overlays: Overlays | None = None, **params: float) -> SchwartzSmith:
    """A GPU leg's two-factor model, with ``params`` replacing the defaults above."""
    return SchwartzSmith(**{**GPU, **params}, overlays=Overlays() if overlays is None else overlays)  # type: ignore[arg-type]


def leg(
    name: str,
    spot: float,
    *,
    root: str | None = None,
    launch: str | None = None,
    ratio: float = 1.0,
    steps_down: Mapping[str, float] | None = None,
    overlays: Overlays | None = None,
    settlement: str = "monthly_average",
    chi0: float = 0.0,
    liquidity: tuple[tuple[str, float, float], ...] = (),
    spec: ContractSpec | None = None,
    **params: float,
) -> Leg:
    """One leg on its own contract (root from the name unless given)."""
    spec = contract(root or name.upper()[:4], settlement) if spec is None else spec
    return Leg(
        name, f"{name} index", spec, model(overlays, **params), spot, chi0=chi0, launch=launch,
        performance_ratio=ratio, steps_down=dict(steps_down or {}), sources=("test",), liquidity=liquidity,
    )  # fmt: skip


def market(
    legs: Sequence[Leg],
    families: Sequence[Family] = (),
    correlation: Sequence[Sequence[float]] | None = None,
    *,
    regime: Regime | None = None,
    regime0: int | str = 0,
    years: float = 2.0,
    paths: int = 4,
    seed: int = 20260401,
    measure: str = "real",
    holding: str | None = None,
) -> Market:
    """A market of ``legs`` from :data:`START` (uncorrelated legs unless ``correlation`` is given)."""
    n = len(legs)
    corr = np.eye(n) if correlation is None else np.asarray(correlation, dtype=float)
    return Market(
        name="test market", description="", legs=tuple(legs), families=tuple(families),
        correlation=tuple(tuple(float(x) for x in row) for row in corr), regime=regime, regime0=regime0,
        reference=legs[0].name, holding=holding or legs[0].name, start=START, years=years, end=None,
        paths=paths, seed=seed, measure=measure,
    )  # fmt: skip


def chips(**kw: Any) -> list[Leg]:
    """Three GPU generations: H100 and B200 trading from the start, Rubin launching in January 2027."""
    return [
        leg("h100", 2.35, root="SDH1", chi0=0.25, ratio=1.0, **kw),
        leg("b200", 5.48, root="SDB2", chi0=0.10, ratio=2.5, **kw),
        leg("rubin", 9.00, root="SDVR", launch="2027-01", ratio=5.0, **kw),
    ]


def one_chunk(m: Market, paths: int | None = None, seed: int | None = None) -> MarketPaths:
    """All the market's paths as one chunk."""
    n = m.paths if paths is None else paths
    (chunk,) = m.iter_markets(paths=n, seed=seed, chunk_size=n)
    return chunk
