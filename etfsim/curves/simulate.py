"""From a factor model to a :class:`FuturesCurve`: grid, exact factor paths, closed-form prices.

The work is done in chunks of paths so that memory stays bounded whatever the
number of paths: :func:`iter_curve_chunks` yields one curve per chunk, and
:func:`simulate_curve` concatenates them for callers that want them all.
Every path draws from its own child of the seed (``etfsim._random``), so path
``i`` is the same whatever the chunk size.

Time runs on the contract's business calendar; year fractions are ACT/365
(calendar days / 365), so a weekend step carries three days of variance.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etfsim._random import check_seed, path_generators
from etfsim._typing import BoolArray, DateArray, Float64Array
from etfsim.contracts.calendars import act365_year_fractions, business_days, to_day
from etfsim.contracts.spec import COMPUTE_H100, ContractSpec, Listing
from etfsim.curves import kernels, pcg64
from etfsim.curves.average_plan import AveragePlanCells, MonthlyAveragePlan, log_regime, monthly_average_plan
from etfsim.curves.curve import FuturesCurve
from etfsim.curves.delivery_months import month_groups
from etfsim.curves.model_curve import ModelCurve
from etfsim.exceptions import CalendarError, ConfigError

if TYPE_CHECKING:
    from etfsim.curves.schwartz import SchwartzSmith

__all__ = [
    "MonthlyAveragePlan",
    "PricingPlan",
    "factor_paths_of",
    "iter_curve_chunks",
    "pricing_plan",
    "simulate_curve",
    "simulation_grid",
]

Progress = Callable[[int, int], None]


def simulation_grid(calendar: str, start: object, years: float | None = None, end: object | None = None) -> DateArray:
    """Business days of ``calendar`` from ``start`` for ``years`` years (or to ``end``)."""
    lo = to_day(start, "start")
    if (years is None) == (end is None):
        raise ConfigError("give exactly one of years or end for the simulation horizon")
    if years is not None:
        try:
            y = float(years)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"years must be a number of years, got {years!r}") from exc
        if not math.isfinite(y) or y <= 0 or y > 100:
            raise ConfigError(f"years must be between 0 and 100 (exclusive of 0), got {years!r}")
        whole = int(y)
        hi_ts = pd.Timestamp(lo) + pd.DateOffset(years=whole) + pd.Timedelta(days=round((y - whole) * 365))
        hi = np.datetime64(hi_ts.date(), "D")
    else:
        hi = to_day(end, "end")
        if hi <= lo:
            raise CalendarError(f"end {hi} must be after start {lo}; the date range is empty or reversed")
    days = business_days(calendar, lo, hi)
    if len(days) < 2:
        raise CalendarError(f"the range {lo} to {hi} has fewer than two business days; lengthen it")
    return days


@dataclass(frozen=True)
class PricingPlan:
    """Deterministic pricing coefficients per (date, slot), shared by all paths.

    With a priced regime (:attr:`Overlays.pricing_regime`), ``c`` (final
    settlement) and the monthly-average weights carry a leading regime axis and
    the kernels read the coefficients of each path's regime at each close;
    without one the plan is as it always was.
    """

    listing: Listing
    settlement: str
    a: Float64Array  # (n, depth) exp(-kappa tau), final settlement
    c: Float64Array  # ([regimes,] n, depth) A(tau) + s(T) + ln W_r(tau), final settlement
    # monthly-average coefficients (None: final settlement), for the whole grid or worked out per cells asked for
    avg: MonthlyAveragePlan | AveragePlanCells | None
    # (n, depth) what the price floor adds: floor(T), or the mean of floor(d) over the days still to fix; None: no floor
    floor: Float64Array | None = None

    @property
    def regimes(self) -> int:
        """Regimes the coefficients are given for (1: no priced regime)."""
        if self.avg is not None:
            return self.avg.regimes
        return int(self.c.shape[0]) if self.c.ndim == 3 else 1


def _contract_ym(listing: Listing) -> np.ndarray:
    return listing.delivery


_PLANS: dict[tuple[object, ...], PricingPlan] = {}
_PLANS_LOCK = threading.Lock()


def pricing_plan(
    model: SchwartzSmith, contract: ContractSpec, dates: DateArray, depth: int, by_cells: bool = False
) -> PricingPlan:
    """Precompute the closed-form coefficients of every listed contract on every date.

    Plans are kept for the process (a few recent ones): every chunk of a Monte
    Carlo run, and every rule of a sweep, shares the same plan.  ``by_cells``:
    work out a monthly-average contract's coefficients only for the cells asked
    for, when first asked (:class:`~etfsim.curves.average_plan.AveragePlanCells`:
    the same numbers; a chunk of a roll that holds two slots needs a twelfth of them).
    """
    key = _plan_key(model, contract, dates, depth) + (by_cells,)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _pricing_plan(model, contract, np.asarray(dates, dtype="datetime64[D]"), depth, by_cells)
        listing = plan.listing
        avg = plan.avg.arrays() if isinstance(plan.avg, MonthlyAveragePlan) else ()
        floor = () if plan.floor is None else (plan.floor,)
        for arr in (plan.a, plan.c, *avg, *floor, listing.contracts, listing.expiries):
            arr.setflags(write=False)  # shared by every curve built from this plan
        with _PLANS_LOCK:  # the legs of a market build their plans on several threads
            if len(_PLANS) >= 8:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[key] = plan
    return plan


def has_pricing_plan(model: SchwartzSmith, contract: ContractSpec, dates: DateArray, depth: int) -> bool:
    """Whether :func:`pricing_plan` has this plan already (so asking for it costs nothing)."""
    return _plan_key(model, contract, dates, depth) + (False,) in _PLANS


def _plan_key(model: SchwartzSmith, contract: ContractSpec, dates: DateArray, depth: int) -> tuple[object, ...]:
    return (model, contract, depth, np.asarray(dates, dtype="datetime64[D]").tobytes())


def _pricing_plan(
    model: SchwartzSmith, contract: ContractSpec, dates: DateArray, depth: int, by_cells: bool
) -> PricingPlan:
    days = np.asarray(dates, dtype="datetime64[D]")
    listing = contract.listing(days, depth)
    listed = listing.contracts != ""
    if contract.settlement == "final":
        a, c = _final_plan(model, days, listing, listed)
        return PricingPlan(listing, "final", a, c, None, _floor_plan(model, days, listing, listed, None))
    avg: MonthlyAveragePlan | AveragePlanCells
    if by_cells:
        avg = AveragePlanCells(model, contract, days, listing, listed)
    else:
        # the days a cell sums one by one only where its series would not converge: worked out if ever needed
        avg = monthly_average_plan(model, contract, days, listing, listed, keep_days=False)
    empty = np.zeros((len(days), depth))
    return PricingPlan(
        listing, "monthly_average", empty, empty, avg, _floor_plan(model, days, listing, listed, contract)
    )


def _floor_plan(
    model: SchwartzSmith, days: DateArray, listing: Listing, listed: BoolArray, averaged: ContractSpec | None
) -> Float64Array | None:
    """The floor part of each (date, slot) price: floor(T), or for ``averaged`` its unfixed days' mean floor."""
    ov = model.overlays
    if ov.floor == 0.0:
        return None
    out = np.zeros(listed.shape)
    if averaged is None:
        out[listed] = ov.floor_at(listing.expiries[listed], start=days[0])
        return out
    for grp in month_groups(averaged, listing, listed):
        unfixed = grp.dd > days[grp.rows][:, None]  # a delivery day fixes at its own close
        floor = ov.floor_at(grp.month_days, start=days[0])[grp.month]
        out[grp.rows, grp.slots] = (unfixed * floor).sum(axis=1) / grp.dd.shape[1]
    return out


def _final_plan(
    model: SchwartzSmith, days: DateArray, listing: Listing, listed: BoolArray
) -> tuple[Float64Array, Float64Array]:
    ov = model.overlays
    tau = act365_year_fractions(days[:, None], listing.expiries)
    tau = np.where(listed, np.maximum(tau, 0.0), 0.0)
    a = np.exp(-model.kappa * tau)
    season = np.zeros_like(tau)
    if ov.log_adjusted:
        season[listed] = ov.seasonal(listing.expiries[listed])
    c = np.where(listed, model.A(tau) + season, np.nan)
    tau_days = np.rint(tau * 365.0).astype(np.int64)  # ACT/365: whole calendar days
    log_w = log_regime(model, int(tau_days.max(initial=0)))
    if log_w is not None:
        c = np.ascontiguousarray(c[None] + log_w[:, tau_days])
    return a, c


@dataclass(frozen=True)
class _Steps:
    decay: Float64Array
    l11: Float64Array
    l21: Float64Array
    l22: Float64Array
    xi_drift: Float64Array
    levels: Float64Array
    trans_cum: Float64Array
    jump_rate: float


def _steps(model: SchwartzSmith, dt: Float64Array, measure: str) -> _Steps:
    """Exact step moments of the factors for each step length ``dt``."""
    k, sc, sx, rho = model.kappa, model.sigma_chi, model.sigma_xi, model.rho
    ov = model.overlays
    decay = np.exp(-k * dt)
    v11 = sc * sc * (-np.expm1(-2 * k * dt)) / (2 * k)
    v22 = sx * sx * dt
    v12 = rho * sc * sx * (-np.expm1(-k * dt)) / k
    l11 = np.sqrt(v11)
    l21 = np.divide(v12, l11, out=np.zeros_like(v12), where=l11 > 0)
    l22 = np.sqrt(np.maximum(v22 - l21 * l21, 0.0))
    if measure == "real":
        xi_drift = (model.mu_xi - ov.deflation) * dt
        shift = 0.0
        jump_rate = ov.jump_intensity
    elif measure == "risk_neutral":
        # the short-term premium lowers every regime's level by lambda_chi / kappa; the chain is the same
        xi_drift = (model.mu_xi_star - ov.deflation) * dt
        shift = -model.lambda_chi / k
        jump_rate = ov.lambda_q
    else:
        raise ConfigError(f"measure must be 'real' or 'risk_neutral', got {measure!r}")
    regime = ov.regime
    if regime is None:
        levels = np.array([shift])
        trans_cum = np.ones((len(dt), 1, 1))
    else:
        levels = np.asarray(regime.levels, dtype=np.float64) + shift
        uniq, inv = np.unique(dt, return_inverse=True)
        cums = np.stack([np.cumsum(regime.transition_matrix(d), axis=1) for d in uniq])
        cums[:, :, -1] = 1.0
        trans_cum = cums[inv]
    return _Steps(decay, l11, l21, l22, xi_drift, levels, np.ascontiguousarray(trans_cum), jump_rate)


def _draws(
    seed: int, path_ids: range, dt: Float64Array, steps: _Steps, model: SchwartzSmith, use_regime: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random inputs of the kernels, path by path from each path's own stream.

    Order within a path: the diffusion normals, then the regime uniforms (if a
    regime is on), then the jump counts and sizes (if jumps are on), so
    switching an overlay off leaves the other draws unchanged.
    """
    m = len(dt)
    p = len(path_ids)
    z = np.empty((p, m, 2))
    u = np.zeros((p, m))
    jumps = np.empty((p, m))
    ov = model.overlays
    lam_dt = steps.jump_rate * dt if steps.jump_rate > 0 else np.zeros(0)
    if pcg64.available() and bool((lam_dt < pcg64.POISSON_LIMIT).all()):
        # every path in one call, each stepping its own generator's state: numpy's numbers, without the GIL
        states = pcg64.seed_states(seed, path_ids)
        kernels.paths_draws(states, lam_dt, use_regime, ov.jump_mean, ov.jump_std, z, u, jumps)
        return z, u, jumps
    for row, g in enumerate(path_generators(seed, path_ids)):  # numba draws from numpy's generators, a path a call
        kernels.path_draws(g, lam_dt, use_regime, ov.jump_mean, ov.jump_std, z[row], u[row], jumps[row])
    return z, u, jumps


def factor_paths_of(
    model: SchwartzSmith,
    steps: _Steps,
    dt: Float64Array,
    seed: int,
    ids: range,
    chi0: float,
    xi0: float,
    regime0: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(chi, xi, regime)``, each ``(len(ids), dates)``, for the paths ``ids`` from their own draws."""
    use_regime = len(steps.levels) > 1
    z, u, jumps = _draws(seed, ids, dt, steps, model, use_regime)
    shape = (len(ids), len(dt) + 1)
    chi, xi, reg = np.empty(shape), np.empty(shape), np.empty(shape, dtype=np.int64)
    kernels.factor_paths(
        chi0,
        xi0,
        regime0,
        steps.decay,
        steps.l11,
        steps.l21,
        steps.l22,
        steps.xi_drift,
        steps.levels,
        steps.trans_cum,
        z,
        u,
        jumps,
        chi,
        xi,
        reg,
    )
    return chi, xi, reg


def iter_curve_chunks(
    model: SchwartzSmith,
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
    progress: Progress | None = None,
    lazy_prices: bool = False,
    first_path: int = 0,
) -> Iterator[FuturesCurve | ModelCurve]:
    """Yield the simulated curve chunk by chunk of paths (same arguments as :func:`simulate_curve`).

    With ``lazy_prices`` each chunk is a :class:`~etfsim.curves.model_curve.ModelCurve`
    that keeps only the factor paths and prices contracts on demand.  ``first_path``
    starts the paths at that index (path ``i`` is the same whichever run draws it).
    """
    spec = COMPUTE_H100 if contract is None else contract
    n_paths = _positive_int("paths", paths)
    chunk = _positive_int("chunk_size", chunk_size)
    seed = check_seed(seed)
    depth = spec.listed_depth if depth is None else _positive_int("depth", depth)
    s0, x0 = _start_state(spot, chi0)
    dates = simulation_grid(spec.calendar, start, years, end)
    dt = act365_year_fractions(dates[:-1], dates[1:])
    steps = _steps(model, dt, measure)
    use_regime = len(steps.levels) > 1
    r0 = model.overlays.regime.index(regime0) if (use_regime and model.overlays.regime) else 0
    season = model.overlays.seasonal(dates)
    floor = model.overlays.floor_at(dates, start=dates[0])
    if s0 <= floor[0]:
        raise ConfigError(
            f"spot {s0:g} must be above the price floor {floor[0]:g} (overlays floor); raise spot or lower floor"
        )
    xi0 = math.log(s0 - floor[0]) - x0 - float(season[0])  # spot = floor + exp(chi + xi + s)
    # the coefficients of the cells the chunks are asked to price, worked out once for all of them
    plan = pricing_plan(model, spec, dates, depth, by_cells=True)
    meta = {
        "model": model.name,
        "params": model.params(),
        "seed": seed,
        "measure": measure,
        "spot0": s0,
        "chi0": x0,
        "regime0": r0,
        "contract": spec.to_dict(),
        "start": str(dates[0]),
        "end": str(dates[-1]),
        "paths": n_paths,
    }
    done = 0
    if isinstance(first_path, bool) or not isinstance(first_path, (int, np.integer)) or first_path < 0:
        raise ConfigError(f"first_path must be a whole number >= 0, got {first_path!r}")
    for lo in range(0, n_paths, chunk):
        ids = range(first_path + lo, first_path + min(lo + chunk, n_paths))
        p = len(ids)
        chi, xi, regimes = factor_paths_of(model, steps, dt, seed, ids, x0, xi0, r0)
        spot_path = np.exp(chi + xi + season[None, :])
        if model.overlays.floor != 0.0:
            spot_path += floor[None, :]
        spot_path.setflags(write=False)  # handed over, not copied: the curve owns it from here
        listing, reg = plan.listing, regimes if use_regime else None
        lazy = ModelCurve(
            dates, listing.contracts, listing.expiries, chi, xi, spot_path, plan, s0, dict(meta),
            first_path=first_path + lo, regime=reg,
        )  # fmt: skip
        yield lazy if lazy_prices else lazy.to_curve()
        done += p
        if progress is not None:
            progress(done, n_paths)


def simulate_curve(model: SchwartzSmith, paths: int, start: object, **kw: object) -> FuturesCurve:
    """Simulate ``paths`` paths of the model and price its listed contracts.

    Parameters
    ----------
    model : SchwartzSmith
        The factor model with its overlays.
    paths : int
        Number of paths.
    start : date-like
        First date; the grid is the contract calendar's business days.
    years, end :
        Horizon: exactly one of a number of years or an end date.
    seed : int
        One seed; path ``i`` uses its own child stream of it.
    spot : float
        Spot index at the start (e.g. 2.35 dollars per GPU-hour).
    chi0 : float
        Short-term factor at the start (log deviation of spot from the long-term level).
    contract : ContractSpec
        What is listed and how it settles (default: the compute contract).
    depth : int
        Number of nearby slots (default: the contract's listed depth).
    measure : {"real", "risk_neutral"}
        Real-world dynamics (backtests, fact sheets) or the pricing measure
        (martingale checks).
    regime0 : int or str
        Starting regime when the overlays include one.
    chunk_size : int
        Paths per chunk.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.

    Returns
    -------
    FuturesCurve
        Prices ``(paths, dates, depth)``, the listing map and the spot index,
        with the model, its parameters and the seed in ``metadata``.
    """
    chunks = list(iter_curve_chunks(model, paths, start, **kw))  # type: ignore[arg-type]
    first = chunks[0]
    meta, at = first.metadata, first.first_path
    if len(chunks) == 1:
        return FuturesCurve(first.dates, first.prices, first.contracts, first.expiries, first.spot, None, meta, at)
    prices = np.concatenate([c.prices for c in chunks])
    spot = np.concatenate([c.spot for c in chunks if c.spot is not None])
    return FuturesCurve(first.dates, prices, first.contracts, first.expiries, spot, None, meta, at)


def _start_state(spot: object, chi0: object) -> tuple[float, float]:
    """The starting spot and short-term factor as finite floats (a positive spot)."""
    try:
        s0 = float(spot)  # type: ignore[arg-type]
        x0 = float(chi0)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"spot and chi0 must be numbers, got {spot!r} and {chi0!r}") from exc
    if not (math.isfinite(s0) and s0 > 0):
        raise ConfigError(f"spot must be a positive price (e.g. 2.35 dollars per GPU-hour), got {spot!r}")
    if not math.isfinite(x0):
        raise ConfigError(f"chi0 must be finite, got {chi0!r}")
    return s0, x0


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ConfigError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)
