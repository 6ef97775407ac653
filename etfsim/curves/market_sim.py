"""Simulating a :class:`~etfsim.curves.market.Market`: every leg's factors on one grid, chunk by chunk.

Every path draws from its own child of the seed, as a single-leg simulation
does (``etfsim._random``); the order of a path's numbers is that of
:mod:`etfsim.curves.market_kernels`, so a market of one leg gives the
single-leg curve.  Each chunk is a :class:`MarketPaths`: the latent factor
paths of every leg (a leg not launched yet has factors and closed-form
prices, it only has no listed contracts and no published index), from which
:meth:`MarketPaths.curve` builds the curve of any leg, family or succession
of generations, priced on demand.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from etfsim._random import check_seed, path_generators
from etfsim._typing import DateArray, Float64Array
from etfsim.contracts.calendars import act365_year_fractions
from etfsim.curves import market_kernels, pcg64
from etfsim.curves.arrivals import (
    NEVER_YM,
    ArrivalHazard,
    family_before_launch,
    hazard_log_multiplier,
    launch_months,
    launch_rows,
    random_hold_error,
)
from etfsim.curves.curve import selected_paths
from etfsim.curves.families import family_weights, generation_weights, month_of
from etfsim.curves.holding import Holding
from etfsim.curves.legs import Leg, factor_correlation, log_step
from etfsim.curves.market_curve import Block, MarketCurve, chained_spot
from etfsim.curves.median import median_setup
from etfsim.curves.model_curve import ModelCurve
from etfsim.curves.overlays import regime_log_factor
from etfsim.curves.simulate import PricingPlan, has_pricing_plan, pricing_plan, simulation_grid
from etfsim.exceptions import ConfigError

if TYPE_CHECKING:
    from etfsim.curves.market import Market

__all__ = ["Holding", "MarketPaths", "simulate_market"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class _Setup:
    """What every chunk shares: the grid, the legs as simulated and the step moments (pricing plans are
    :func:`~etfsim.curves.simulate.pricing_plan`'s, kept for the process)."""

    dates: DateArray
    legs: tuple[Leg, ...]
    launch_rows: tuple[int, ...]
    xi0: Float64Array
    decay: Float64Array
    chol: Float64Array  # (kinds, 2L, 2L): one factor per distinct step length
    step_kind: np.ndarray  # (steps,) int64: each step's row of chol
    xi_drift: Float64Array
    levels: Float64Array
    trans_cum: Float64Array
    lam_dt: Float64Array
    regime0: int
    measure: str
    cache: dict[Any, Any] = field(default_factory=dict)  # listings and weights every chunk shares (read-only)


def _launch_rows(market: Market, dates: DateArray) -> tuple[int, ...]:
    lo, hi = str(dates[0])[:7], str(dates[-1])[:7]
    rows = []
    for leg in market.legs:
        if leg.launch is None:
            rows.append(0)
            continue
        if not lo < leg.launch <= hi:
            raise ConfigError(
                f"leg {leg.name!r}: launch {leg.launch} is outside the horizon (after {lo}, up to {hi}); "
                "move it inside, or omit launch for a leg trading at the start"
            )
        rows.append(int(np.searchsorted(dates, np.datetime64(leg.launch + "-01", "D"))))
    return tuple(rows)


def _with_steps(market: Market, dates: DateArray, rows: tuple[int, ...]) -> tuple[Leg, ...]:
    """Each leg with the price steps its successors' launches cause, as scheduled level steps."""
    extra: dict[str, list[tuple[str, float]]] = {leg.name: [] for leg in market.legs}
    for leg, row in zip(market.legs, rows, strict=True):
        if leg.random_launch:  # a random month: stepped path by path (etfsim.curves.arrivals)
            continue
        for other, frac in leg.steps_down.items():
            extra[other].append((str(dates[row]), log_step(frac)))
    out = []
    for leg in market.legs:
        if not extra[leg.name]:
            out.append(leg)
            continue
        ov = leg.model.overlays
        steps = tuple(sorted(tuple(ov.steps) + tuple(extra[leg.name])))
        out.append(replace(leg, model=replace(leg.model, overlays=replace(ov, steps=steps))))
    return tuple(out)


def _floor(leg: Leg, dates: DateArray, start: np.datetime64) -> Float64Array:
    """The leg's price floor on ``dates``, quoted at the simulation's ``start`` (0 without one)."""
    return np.asarray(leg.model.overlays.floor_at(dates, start=start), dtype=np.float64)


def _step_cov(market: Market, legs: tuple[Leg, ...], dt: float) -> Float64Array:
    """Exact covariance of the ``2L`` factor increments over a step of ``dt`` years."""
    corr = factor_correlation(np.array(market.correlation, dtype=np.float64), [x.model.rho for x in legs])
    n = len(legs)
    kappa = np.repeat([x.model.kappa for x in legs], 2)
    sigma = np.array([[x.model.sigma_chi, x.model.sigma_xi] for x in legs]).ravel()
    is_chi = np.tile([True, False], n)
    cov = np.empty((2 * n, 2 * n))
    for a in range(2 * n):
        for b in range(2 * n):
            if is_chi[a] and is_chi[b]:
                k = kappa[a] + kappa[b]
                integral = -math.expm1(-k * dt) / k
            elif is_chi[a] or is_chi[b]:
                k = kappa[a] if is_chi[a] else kappa[b]
                integral = -math.expm1(-k * dt) / k
            else:
                integral = dt
            cov[a, b] = corr[a, b] * sigma[a] * sigma[b] * integral
    return cov


def _lower_factor(cov: Float64Array) -> Float64Array:
    """Lower-triangular ``L`` with ``L L' = cov`` (a perfectly correlated pair: a tiny ridge first)."""
    try:
        return np.asarray(np.linalg.cholesky(cov), dtype=np.float64)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(cov)
        ridge = 1e-14 * max(float(vals.max()), 1e-300)
        fixed = (vecs * np.maximum(vals, ridge)) @ vecs.T
        return np.asarray(np.linalg.cholesky((fixed + fixed.T) / 2), dtype=np.float64)


def _setup(market: Market) -> _Setup:
    cal = {leg.contract.calendar for leg in market.legs}
    if len(cal) != 1:
        raise ConfigError(f"the legs' contracts must share one business calendar, got {sorted(cal)}")
    dates = simulation_grid(cal.pop(), market.start, market.years, market.end)
    rows = _launch_rows(market, dates)
    legs = _with_steps(market, dates, rows)
    dt = act365_year_fractions(dates[:-1], dates[1:])
    m, n_legs = len(dt), len(legs)
    real = market.measure == "real"
    if market.measure not in ("real", "risk_neutral"):
        raise ConfigError(f"measure must be 'real' or 'risk_neutral', got {market.measure!r}")
    decay = np.exp(-np.outer(dt, [x.model.kappa for x in legs]))
    drift = np.array([(x.model.mu_xi if real else x.model.mu_xi_star) - x.model.overlays.deflation for x in legs])
    xi_drift = np.outer(dt, drift)
    uniq, inv = np.unique(dt, return_inverse=True)
    chol = np.stack([_lower_factor(_step_cov(market, legs, float(d))) for d in uniq])
    step_kind = np.asarray(inv, dtype=np.int64).ravel()
    regime = market.regime
    k = 1 if regime is None else len(regime.names)
    levels = np.zeros((n_legs, k))
    for i, leg in enumerate(legs):
        own = leg.model.overlays.regime
        if own is not None:
            levels[i] = own.levels
        if not real:  # the short-term premium: risk-neutral chi reverts lambda_chi / kappa lower
            levels[i] -= leg.model.lambda_chi / leg.model.kappa
    if regime is None:
        trans_cum = np.ones((m, 1, 1))
        r0 = 0
    else:
        cums = np.stack([np.cumsum(regime.transition_matrix(float(d)), axis=1) for d in uniq])
        cums[:, :, -1] = 1.0
        trans_cum = np.ascontiguousarray(cums[inv])
        r0 = regime.index(market.regime0)
    lam = np.array([x.model.overlays.jump_intensity if real else x.model.overlays.lambda_q for x in legs])
    lam_dt = np.outer(lam, dt)
    xi0 = np.array([_xi0(leg, dates, row, r0) for leg, row in zip(legs, rows, strict=True)])
    return _Setup(
        dates, legs, rows, xi0, decay, chol, step_kind, xi_drift, levels, trans_cum, lam_dt, r0, market.measure
    )


def _xi0(leg: Leg, dates: DateArray, row: int, regime0: int) -> float:
    """Starting long-term factor: from the start spot, or for a later launch so that the forward for the launch
    date (the closed form of the leg's own model, regime included) equals ``spot``."""
    ov = leg.model.overlays
    floor = _floor(leg, dates[[0, row]], dates[0])
    season = ov.seasonal(dates[[0, row]])
    if row == 0:
        if leg.spot <= floor[0]:
            raise ConfigError(f"leg {leg.name!r}: spot {leg.spot:g} must be above its floor {floor[0]:g}")
        return math.log(leg.spot - floor[0]) - leg.chi0 - float(season[0])
    if leg.spot <= floor[1]:
        raise ConfigError(f"leg {leg.name!r}: launch price {leg.spot:g} must be above its floor {floor[1]:g}")
    days = int((dates[row] - dates[0]).astype(np.int64))
    tau = days / 365.0
    a = math.exp(-leg.model.kappa * tau)
    regime = ov.pricing_regime
    log_w = 0.0 if regime is None else float(regime_log_factor(leg.model.kappa, regime, days)[regime0, days])
    return math.log(leg.spot - floor[1]) - a * leg.chi0 - float(leg.model.A(tau)) - float(season[1]) - log_w


@dataclass(frozen=True, eq=False)
class MarketPaths:
    """One chunk of a market simulation: every leg's latent curve, priced on demand.

    Use :meth:`curve` for the curve of what a fund holds.
    """

    market: Market
    dates: DateArray
    legs: tuple[Leg, ...]
    parts: tuple[ModelCurve | None, ...]  # None: a leg this chunk did not simulate
    launch_rows: tuple[int, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    first_path: int = 0
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    # each random-launch leg's launch row on each path of the chunk (len(dates): after the horizon)
    arrival_rows: Mapping[str, np.ndarray] = field(default_factory=dict)
    # a launch group's random-launch legs as drawn (their launch is scheduled in ``legs``): name -> leg
    arrived: Mapping[str, Leg] = field(default_factory=dict)

    @property
    def n_paths(self) -> int:
        return next(p for p in self.parts if p is not None).n_paths

    def _part(self, i: int) -> ModelCurve:
        part = self.parts[i]
        if part is None:
            raise ConfigError(f"leg {self.legs[i].name!r} was not simulated in this run; simulate it (legs=None)")
        return part

    @cached_property
    def _months(self) -> np.ndarray:
        return month_of(self.dates)

    def _launch_ym(self, i: int) -> int:
        row = self.launch_rows[i]
        return 0 if row == 0 else int(self._months[row]) if row < len(self._months) else NEVER_YM

    def block(self, name: str) -> Block:
        """The block of one leg or family (its listing and weights are shared by every chunk of the run)."""
        if name not in self.market.names:
            raise ConfigError(
                f"holding: {name!r} is not a leg or family of the market; give one of {', '.join(self.market.names)}"
            )
        names = [x.name for x in self.legs]
        key = ("block", name)
        if name in names:
            i = names.index(name)
            if self.legs[i].random_launch:
                raise ConfigError(random_hold_error(name))
            part = self._part(i)
            if key not in self.cache:
                listed = np.arange(len(self.dates))[:, None] >= self.launch_rows[i]
                contracts = np.where(listed, part.contracts, "").astype(object)
                expiries = np.where(listed, part.expiries, np.datetime64("NaT"))
                coef = np.where(contracts != "", 1.0, 0.0)[None]
                self.cache[key] = _frozen(contracts, expiries, coef, np.ones((1, len(self.dates))))
            contracts, expiries, coef, spot_coef = self.cache[key]
            return Block(
                name, self.legs[i].contract, contracts, expiries, (part,), coef, spot_coef, self.launch_rows[i]
            )
        fam = self.market.family(name)
        if any(x in self.arrival_rows for x in fam.legs):
            raise ConfigError(_needs_groups(f"family {name!r} has a member that launches at a random month"))
        idx = [names.index(x) for x in fam.legs]
        parts = tuple(self._part(j) for j in idx)
        if key not in self.cache:
            self.cache[key] = self._family_listing(name, idx)
        contracts, expiries, coef, spot_coef, median, offset = self.cache[key]
        return Block(name, fam.contract, contracts, expiries, parts, coef, spot_coef, 0, median, offset)

    def _family_listing(self, name: str, idx: list[int]) -> tuple[Any, ...]:
        """The family's listing, leg weights and spot weights (read-only), and a median's setup."""
        fam = self.market.family(name)
        delivery = self._part(idx[0]).plan.listing.delivery
        for j in idx[1:]:
            if not np.array_equal(self._part(j).plan.listing.delivery, delivery):
                raise ConfigError(f"family {name!r}: its legs' contracts must list the same delivery months")
        ratios = [self.legs[j].performance_ratio for j in idx]
        launch = [self._launch_ym(j) for j in idx]
        coef = family_weights(fam, launch, ratios, delivery)
        spot_coef = family_weights(fam, launch, ratios, self._months)
        listing = fam.contract.listing(self.dates, self._part(idx[0]).depth)
        if not np.array_equal(listing.delivery, delivery):
            raise ConfigError(f"family {name!r}: its contract must list the same months as its legs'")
        offset = None
        random = [k for k, j in enumerate(idx) if self.legs[j].name in self.arrived]
        if random:  # a launch group's family: before its member arrives, the futures mix both outcomes
            k = random[0]
            floors = [self._part(j).plan.floor for j in idx]
            coef, offset = family_before_launch(
                fam, launch, ratios, delivery, self._months, k, self.arrived[fam.legs[k]], floors, self.launch_rows[idx[k]]
            )  # fmt: skip
        shared = _frozen(listing.contracts, listing.expiries, coef, spot_coef)
        if fam.method != "median":
            return (*shared, None, None if offset is None else _frozen(offset)[0])
        corr = np.asarray(self.market.correlation, dtype=np.float64)[np.ix_(idx, idx)]
        listed = listing.contracts != ""
        setup = median_setup(
            fam, [self.legs[j] for j in idx], corr, self.dates, listing.delivery, listing.expiries, listed,
            np.moveaxis(coef > 0, 0, -1), spot_coef > 0,
        )  # fmt: skip
        return (*shared, setup, None)

    def curve(
        self, holding: Holding | str | None = None, open_interest: dict[str, np.ndarray] | None = None
    ) -> MarketCurve:
        """The curve of what a fund holds (default: the market's ``holding``).

        ``open_interest`` gives each leg's front-month open interest by date,
        for a switch of generations by open interest.
        """
        h = Holding(index=self.market.holding) if holding is None else holding
        h = Holding(index=h) if isinstance(h, str) else h
        legs_meta = {x.contract.root: x.name for x in self.legs}
        legs_meta.update({f.contract.root: f.name for f in self.market.families})
        meta = dict(self.metadata, holding=h.label, legs=legs_meta)
        names = [x.name for x in self.legs]
        if h.index is not None:
            blk = self.block(h.index)
            meta["contract"] = blk.contract.to_dict()
            liq = self._liquidity([h.index], np.ones((1, len(self.dates)))) if h.index in names else None
            return MarketCurve(self.dates, (blk,), blk.spot(), meta, None, 0, self.first_path, liquidity=liq)
        if any(g in self.arrival_rows for g in h.generations):
            raise ConfigError(_needs_groups(f"generations {h.label}: a chip launches at a random month"))
        blocks = tuple(self.block(g) for g in h.generations)
        families = [g for g in h.generations if g not in names]
        if families:  # a move is paced by each chip's own launch and open interest: a family has neither
            raise ConfigError(f"generations must name legs (chips), oldest first; {families[0]!r} is a family")
        specs = {(b.contract.multiplier, b.contract.tick, b.contract.settlement) for b in blocks}
        if len(specs) != 1:
            terms = "; ".join(f"{b.name} {b.contract.multiplier:g}, {b.contract.tick:g}, {b.contract.settlement}"
                              for b in blocks)  # fmt: skip
            raise ConfigError(
                f"generations {h.label}: the chips' contracts must share one multiplier, tick and settlement "
                f"to be held as one fund (got {terms}); give those legs the same [legs.contract] terms"
            )
        own = {x.name: x.open_interest_on(self.dates) for x in self.legs}
        oi: Mapping[str, np.ndarray | None] = open_interest or own
        gen = generation_weights(
            self.dates, [b.first_row for b in blocks], [oi.get(g) for g in h.generations],
            h.switch_open_interest, h.switch_age_months, h.switch_window,
        )  # fmt: skip
        spot = chained_spot([b.spot() for b in blocks], gen)
        meta["contract"] = blocks[0].contract.to_dict()
        liq = self._liquidity(list(h.generations), gen)
        key = ("listing", h.generations)
        if key not in self.cache:
            codes = np.concatenate([b.contracts for b in blocks], axis=1)
            self.cache[key] = _frozen(codes, np.concatenate([b.expiries for b in blocks], axis=1))
        return MarketCurve(
            self.dates, blocks, spot, meta, gen, 0, self.first_path, liquidity=liq, shared_listing=self.cache[key]
        )

    def _liquidity(self, legs: list[str], weights: np.ndarray) -> np.ndarray | None:
        """``(2, dates)`` open interest and volume of ``legs`` weighted by ``weights``; None if any leg has none."""
        out = np.zeros((2, len(self.dates)))
        for name, w in zip(legs, weights, strict=True):
            leg = next(x for x in self.legs if x.name == name)
            oi, vol = leg.open_interest_on(self.dates), leg.daily_volume_on(self.dates)
            if oi is None or vol is None:
                return None
            out += w * np.stack([oi, vol])
        out.setflags(write=False)
        return out

    def select_paths(self, paths: list[int]) -> MarketPaths:
        """The same chunk on some paths only."""
        parts = tuple(None if p is None else p.select_paths(paths) for p in self.parts)
        first = next(p for p in parts if p is not None).first_path
        idx = selected_paths(self.n_paths, list(paths))
        arrived = {k: v[idx] for k, v in self.arrival_rows.items()}
        return replace(self, parts=parts, first_path=first, arrival_rows=arrived)


_SETUPS: OrderedDict[int, tuple[Market, _Setup]] = OrderedDict()
_SETUPS_LOCK = threading.Lock()


def _shared_setup(market: Market) -> _Setup:
    """The market's setup, kept for the process: every chunk of a sweep shares its plans and listings."""
    with _SETUPS_LOCK:
        hit = _SETUPS.get(id(market))
        if hit is not None and hit[0] is market:
            return hit[1]
    st = _setup(market)
    with _SETUPS_LOCK:
        _SETUPS[id(market)] = (market, st)  # holding the market keeps its id from being reused
        while len(_SETUPS) > 4:
            _SETUPS.popitem(last=False)
    return st


def _frozen(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Read-only copies: listings shared by every chunk (a read-only listing's slot map is computed once)."""
    out = tuple(np.array(a) for a in arrays)
    for a in out:
        a.setflags(write=False)
    return out


def simulate_market(
    market: Market,
    paths: int | None = None,
    seed: int | None = None,
    chunk_size: int = 1000,
    first_path: int = 0,
    progress: Progress | None = None,
    legs: Sequence[str] | None = None,
) -> Iterator[MarketPaths]:
    """Yield the market's paths chunk by chunk (paths and seed default to the market's).

    ``legs`` simulates only those legs (their numbers are the same as in a
    run of every leg): a fund that holds three chips of a seven-leg market
    needs three.  Default: every leg.
    """
    n_paths = market.paths if paths is None else paths
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise ConfigError(f"paths must be a positive whole number, got {n_paths!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ConfigError(f"chunk_size must be a positive whole number, got {chunk_size!r}")
    if isinstance(first_path, bool) or not isinstance(first_path, (int, np.integer)) or first_path < 0:
        raise ConfigError(f"first_path must be a whole number >= 0, got {first_path!r}")
    s = check_seed(market.seed if seed is None else seed)
    st = _shared_setup(market)
    names = [leg.name for leg in market.legs]
    unknown = [x for x in (legs or ()) if x not in names]
    if unknown:
        raise ConfigError(f"legs: {unknown[0]!r} is not a leg of {market.name}; the legs are {', '.join(names)}")
    needed = np.array([legs is None or x in legs for x in names])
    meta = {"model": "market", "market": market.to_dict(), "seed": s, "measure": market.measure,
            "regime0": st.regime0, "start": str(st.dates[0]), "end": str(st.dates[-1]), "paths": int(n_paths)}  # fmt: skip
    for lo in range(0, int(n_paths), int(chunk_size)):
        ids = range(first_path + lo, first_path + min(lo + int(chunk_size), int(n_paths)))
        yield _chunk(market, st, s, ids, meta, needed)
        if progress is not None:
            progress(min(lo + int(chunk_size), int(n_paths)), int(n_paths))


def _chunk(market: Market, st: _Setup, seed: int, ids: range, meta: dict[str, Any], needed: np.ndarray) -> MarketPaths:
    m, n_legs = st.decay.shape
    p = len(ids)
    # one path's draws at a time, moved into factor paths at once: the same numbers as drawing the whole chunk
    # first, without a (paths, steps, 2 legs) array of normals that is written once and read once
    z = np.empty((1, m, 2 * n_legs))
    u = np.zeros((1, m))
    jumps = np.empty((1, m, n_legs))
    jumping = st.lam_dt.sum(axis=1) > 0
    jm = np.array([x.model.overlays.jump_mean for x in st.legs])
    js = np.array([x.model.overlays.jump_std for x in st.legs])
    use_regime = st.levels.shape[1] > 1
    n = m + 1
    chi, xi = np.empty((n_legs, p, n)), np.empty((n_legs, p, n))
    reg = np.empty((p, n), dtype=np.int64)
    chi0 = np.array([x.chi0 for x in st.legs])
    random = [j for j, x in enumerate(st.legs) if x.random_launch]
    arrive_u = np.empty((p, len(random)))
    plans = _plans_meanwhile(st, needed)
    fast = pcg64.available() and bool((st.lam_dt < pcg64.POISSON_LIMIT).all())
    states = pcg64.seed_states(seed, ids) if fast else None  # each path's generator as its four words
    gens = [] if fast else path_generators(seed, ids)
    # the launch uniforms come after the factor draws: a market without random launches keeps its numbers
    if states is not None:  # every path in one call, numba stepping each generator's state: numpy's numbers
        market_kernels.market_state_paths(
            states, st.lam_dt, jumping, use_regime, jm, js, chi0, st.xi0, st.regime0, st.decay, st.chol,
            st.step_kind, st.xi_drift, st.levels, st.trans_cum, needed, z, u, jumps, chi, xi, reg, arrive_u,
        )  # fmt: skip
    for row, g in enumerate(gens):  # numba draws from numpy's own generators, one path a call
        market_kernels.market_path_draws(g, st.lam_dt, jumping, use_regime, jm, js, z[0], u[0], jumps[0])
        if random:
            arrive_u[row] = 1.0 - g.random(len(random))  # in (0, 1]
        market_kernels.market_factor_paths(
            chi0, st.xi0, st.regime0, st.decay, st.chol, st.step_kind, st.xi_drift, st.levels, st.trans_cum, z, u, jumps, needed,
            chi[:, row : row + 1], xi[:, row : row + 1], reg[row : row + 1],
        )  # fmt: skip
    del z, u, jumps
    arrived = _arrival_rows(st, random, arrive_u)
    parts: list[ModelCurve | None] = []
    for i, leg in enumerate(st.legs):
        if not needed[i]:
            parts.append(None)
            continue
        plan = (
            plans[i].result()
            if i in plans
            else pricing_plan(leg.model, leg.contract, st.dates, leg.contract.listed_depth)
        )
        hazard = _step_by_arrivals(st, i, plan, arrived, xi[i])
        season = leg.model.overlays.seasonal(st.dates)
        spot = chi[i] + xi[i]  # floor + exp(chi + xi + season), in place: (paths, dates) temporaries cost here
        spot += season[None, :]
        np.exp(spot, out=spot)
        spot += _floor(leg, st.dates, st.dates[0])[None, :]
        spot.setflags(write=False)
        leg_meta = dict(meta, leg=leg.name, contract=leg.contract.to_dict(), params=leg.model.params())
        listing = plan.listing
        parts.append(
            ModelCurve(
                st.dates,
                listing.contracts,
                listing.expiries,
                chi[i],
                xi[i],
                spot,
                plan,
                float(spot[0, 0]),
                leg_meta,
                first_path=ids[0],
                regime=reg,
                arrivals=hazard,
            )  # fmt: skip
        )
    return MarketPaths(market, st.dates, st.legs, tuple(parts), st.launch_rows, dict(meta), ids[0], st.cache, arrived)


def _needs_groups(what: str) -> str:
    """The refusal of one listing for a holding over a random-launch chip, naming the function that splits it."""
    return f"{what}; use etfsim.curves.launch_groups.held_curve, which splits the paths by launch month"


def _plans_meanwhile(st: _Setup, needed: np.ndarray) -> dict[int, Future[PricingPlan]]:
    """The closed-form coefficients of the legs that have none yet (tens of MB each, a few tenths of a second),
    built on two threads while the calling thread draws the paths; a later chunk finds them built."""
    todo = [i for i, x in enumerate(st.legs) if needed[i] and not has_pricing_plan(
        x.model, x.contract, st.dates, x.contract.listed_depth)]  # fmt: skip
    if not todo:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(2, len(todo)))
    out = {
        i: pool.submit(pricing_plan, st.legs[i].model, st.legs[i].contract, st.dates, st.legs[i].contract.listed_depth)
        for i in todo
    }
    pool.shutdown(wait=False)  # the threads end when their plans are built
    return out


def _first_ym(leg: Leg) -> int:
    """A random-launch leg's first possible launch month as ``YYYYMM``."""
    return int(str(leg.launch).replace("-", ""))


def _arrival_rows(st: _Setup, random: list[int], u: np.ndarray) -> dict[str, np.ndarray]:
    """Each random-launch leg's launch row on each path (``len(dates)``: after the horizon), read-only."""
    months = month_of(st.dates)
    out: dict[str, np.ndarray] = {}
    for col, j in enumerate(random):
        leg = st.legs[j]
        rows = launch_rows(launch_months(u[:, col], leg.arrival_rate, _first_ym(leg)), months)
        rows.setflags(write=False)
        out[leg.name] = rows
    return out


def _step_by_arrivals(
    st: _Setup, i: int, plan: PricingPlan, arrived: Mapping[str, np.ndarray], xi: np.ndarray
) -> ArrivalHazard | None:
    """Lower leg ``i``'s long-term level ``xi`` (in place) from each random successor's launch on, path by path,
    and return the hazard its prices carry before each launch (None: no random successor steps it)."""
    name = st.legs[i].name
    hits = [x for x in st.legs if x.random_launch and name in x.steps_down]
    if not hits:
        return None
    key = ("hazard", name)
    if key not in st.cache:
        listing = plan.listing
        if plan.avg is not None:
            settles = np.asarray(listing.delivery, dtype=np.int64)
        else:
            listed = listing.contracts != ""
            settles = np.where(listed, month_of(np.where(listed, listing.expiries, st.dates[0])), 0)
        months = month_of(st.dates)
        tables = [
            hazard_log_multiplier(log_step(x.steps_down[name]), x.arrival_rate, _first_ym(x), months, settles)
            for x in hits
        ]
        (stack,) = _frozen(np.stack(tables))
        st.cache[key] = stack
    cols = np.arange(xi.shape[1])[None, :]
    for x in hits:
        xi += np.where(cols >= arrived[x.name][:, None], log_step(x.steps_down[name]), 0.0)
    rows = np.stack([arrived[x.name] for x in hits])
    return ArrivalHazard(st.cache[key], rows)
