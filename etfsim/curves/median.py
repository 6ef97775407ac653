"""Futures on a median composite: the median of several chips' rental prices, priced by a fixed quadrature.

A composite such as a transacted-price index across chips may publish the
median of its members rather than their mean, so that one chip's shortage
does not move the whole index.  The median is not linear in the legs, so its
futures are not a combination of the legs' futures: under the pricing
measure and given today's factors, every leg's log price at a fixing ``tau``
ahead is Gaussian, and the legs are jointly Gaussian with a covariance
``V(tau)`` that depends on ``tau`` alone (each leg's Ornstein-Uhlenbeck and
Brownian factors over ``tau``, correlated as the market says).  The futures
price is ``E_t[median_j (floor_j + exp(X_j))]``, which has no closed form; it
is computed on one fixed set of quasi-random standard normals (scrambled Sobol
points with a fixed seed, made antithetic and whitened), carried to each
``tau`` by a square root of ``V(tau)``.  The same nodes serve every path,
date and contract, so the price is a deterministic function of today's
factors (same bytes every run) and a martingale up to the quadrature error.

The mean of the legs is known exactly (each leg's own closed form), and the
nodes carry only the median's departure from it (a control variate): with two
legs, or with legs that move as one, the departure is zero and the price is
exact.  A monthly-average contract settles on the mean over the delivery month
of the family's daily median: known fixings plus the expected median of each
fixing still to come.

The priced regime moves every leg's mean by a path of the regime chain, so
given today the legs are a mixture of Gaussians, not one Gaussian: a median
family over legs with regime levels is refused (:func:`check_median_family`),
as are legs with generation jumps (not Gaussian either).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from etfsim._typing import DateArray
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.legs import Family, Leg, factor_correlation
from etfsim.exceptions import ConfigError

if TYPE_CHECKING:
    from etfsim.curves.market import Market

__all__ = ["MEDIAN_NODES", "MEDIAN_SEED", "MedianSetup", "check_median_family", "median_nodes", "median_setup"]

MEDIAN_NODES = {"final": 1024, "monthly_average": 128}
"""Quadrature nodes per fixing, by settlement: scrambled Sobol points and their mirror images.

Each whole number of days ahead has its own block of nodes (consecutive
blocks of one Sobol sequence), so the errors of a month's fixings average
out: a monthly-average contract needs fewer nodes a fixing than one fixing.
"""
MEDIAN_SEED = 20260401
"""Seed of the Sobol scrambling: fixed, so the nodes, and every median price, are the same in every run."""


def check_median_family(market: Market, family: Family) -> None:
    """Refuse a median family whose legs are not jointly Gaussian given today (one line naming the field).

    Parameters
    ----------
    market : Market
        The market the family is part of.
    family : Family
        Any family; only ``method = "median"`` is checked.

    Raises
    ------
    ConfigError
        A leg with regime levels (a priced regime), with generation jumps, or
        a contract settling unlike the family's.
    """
    if family.method != "median":
        return
    where = f"family {family.name!r}"
    for name in family.legs:
        leg = market.leg(name)
        ov = leg.model.overlays
        if ov.pricing_regime is not None:
            raise ConfigError(
                f"{where}: method 'median' cannot price the regime_levels of leg {name!r} (a priced regime makes "
                "the legs a mixture, not one Gaussian law); set its regime_levels to 0 or use method 'mean'"
            )
        if ov.jump_intensity > 0 or ov.lambda_q > 0:
            raise ConfigError(
                f"{where}: method 'median' cannot price the generation jumps of leg {name!r} (jump_intensity); "
                "set jump_intensity to 0 for its legs or use method 'mean'"
            )
        if leg.contract.settlement != family.contract.settlement:
            raise ConfigError(
                f"{where}: its contract settles {family.contract.settlement!r} but leg {name!r}'s settles "
                f"{leg.contract.settlement!r}; give the family's [families.contract] the legs' settlement"
            )


def median_nodes(legs: int, pairs: int, blocks: int = 1, seed: int = MEDIAN_SEED) -> np.ndarray:
    """``(blocks, 2 pairs, legs)`` standard normal nodes: scrambled Sobol points, their mirror images, whitened.

    Block ``b`` holds points ``b pairs`` to ``(b + 1) pairs - 1`` of one
    scrambled Sobol sequence (each such block is itself a net) and their
    mirror images, which make every odd moment 0; whitening each block (by
    the inverse Cholesky factor of its own second moments) makes its second
    moments exactly the identity, so a block integrates every polynomial of
    degree 2 exactly.

    Parameters
    ----------
    legs : int
        Dimension (one normal per leg).
    pairs : int
        Sobol points a block, a power of 2 (the block has twice as many nodes).
    blocks : int
        Blocks (one per whole number of days ahead).
    seed : int
        Seed of the scrambling (:data:`MEDIAN_SEED`).

    Returns
    -------
    ndarray
        ``(blocks, 2 pairs, legs)`` float64.
    """
    from scipy.stats import norm, qmc

    if pairs < 2 or pairs & (pairs - 1):
        raise ConfigError(f"median nodes: pairs must be a power of 2 of at least 2 (Sobol points), got {pairs}")
    total = pairs * (1 << max(blocks - 1, 0).bit_length())  # a power of 2 of points: Sobol's balance
    u = qmc.Sobol(d=legs, scramble=True, seed=seed).random(total)[: pairs * blocks]
    z = norm.ppf(u).reshape(blocks, pairs, legs)
    z = np.concatenate([z, -z], axis=1)
    second = np.einsum("bqi,bqj->bij", z, z) / z.shape[1]
    low = np.linalg.cholesky(second)
    z = np.linalg.solve(low[:, None], z[..., None])[..., 0]
    return np.ascontiguousarray(z, dtype=np.float64)


def log_price_cov(legs: Sequence[Leg], correlation: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``(len(tau), L, L)`` covariance of the legs' ``chi + xi`` over ``tau`` years (the log prices' covariance).

    Parameters
    ----------
    legs : sequence of Leg
    correlation : (L, L) array
        The market's correlation of like factors across these legs.
    tau : array
        Years ahead.

    Notes
    -----
    With ``c`` the factor correlation (:func:`etfsim.curves.legs.factor_correlation`),
    ``Cov(chi_i, chi_j) = c s_i s_j (1 - e^{-(k_i + k_j) tau}) / (k_i + k_j)``,
    ``Cov(chi_i, xi_j) = c s_i s_j (1 - e^{-k_i tau}) / k_i`` and
    ``Cov(xi_i, xi_j) = c s_i s_j tau``, the same integrals as the exact
    simulation step (Schwartz & Smith 2000, eq. 4, across legs).
    """
    n = len(legs)
    corr = factor_correlation(correlation, [x.model.rho for x in legs])
    kappa = np.repeat([x.model.kappa for x in legs], 2)
    sigma = np.array([[x.model.sigma_chi, x.model.sigma_xi] for x in legs]).ravel()
    is_chi = np.tile([True, False], n)
    t = np.asarray(tau, dtype=np.float64)[:, None, None]
    ka, kb = kappa[:, None], kappa[None, :]
    both = -np.expm1(-(ka + kb) * t) / (ka + kb)
    k_one = np.where(is_chi[:, None], ka, kb)
    one = -np.expm1(-k_one * t) / k_one
    integral = np.where(is_chi[:, None] & is_chi[None, :], both, np.where(is_chi[:, None] | is_chi[None, :], one, t))
    cov = corr[None] * (sigma[:, None] * sigma[None, :])[None] * integral
    out: np.ndarray = cov[:, 0::2, 0::2] + cov[:, 0::2, 1::2] + cov[:, 1::2, 0::2] + cov[:, 1::2, 1::2]
    return out


@dataclass(frozen=True, eq=False)
class MedianSetup:
    """What pricing a median family needs besides the factor paths, shared by every chunk of a run.

    Cells are ``(date, slot)`` of the family's listing; a fixing's offset is
    its calendar days from the grid's first date (final settlement: one
    fixing, the expiry).
    """

    contract: ContractSpec
    date_off: np.ndarray  # (n,) int64
    day_off: np.ndarray  # (n, depth, days) int64, -1: none
    n_days: np.ndarray  # (n, depth) float64, 0: no contract
    first_fixed: np.ndarray  # (n, depth) int64
    pre_fixed: np.ndarray  # (n, depth) float64
    member: np.ndarray  # (n, depth, legs) bool
    member_on: np.ndarray  # (legs, n) bool: in the index on each date (its spot)
    kappa: np.ndarray
    a_tab: np.ndarray
    s_tab: np.ndarray
    floor0: np.ndarray
    growth: np.ndarray
    gnodes: np.ndarray  # (taus, nodes, legs)


def _fixings(
    contract: ContractSpec, days: DateArray, delivery: np.ndarray, expiries: np.ndarray, listed: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Per cell: each fixing's day offset, the count, the first fixed grid row and the fixings before the grid."""
    n, depth = listed.shape
    t0 = days[0]
    date_off = (days - t0).astype(np.int64)
    if contract.settlement == "final":
        off = np.where(listed, (expiries.astype("datetime64[D]") - t0).astype(np.int64), -1)
        fixed_today = listed & (off == date_off[:, None])
        first = np.where(fixed_today, np.arange(n)[:, None], -1).astype(np.int64)
        return date_off, off[:, :, None], listed.astype(np.float64), first, np.zeros((n, depth))
    max_days = 23
    day_off = np.full((n, depth, max_days), -1, dtype=np.int64)
    n_days = np.zeros((n, depth))
    first_fixed = np.full((n, depth), -1, dtype=np.int64)
    pre_fixed = np.zeros((n, depth))
    for ym in np.unique(delivery[listed]):
        dd = contract.delivery_days(int(ym) // 100, int(ym) % 100)
        if len(dd) > max_days:
            raise ConfigError(f"delivery month {ym} has {len(dd)} business days; at most {max_days} are supported")
        r, s = np.nonzero(listed & (delivery == ym))
        day_off[r, s, : len(dd)] = (dd - t0).astype(np.int64)[None, :]
        n_days[r, s] = len(dd)
        n_fixed = (dd[None, :] <= days[r][:, None]).sum(axis=1)  # a fixing is known at its own close
        before = dd < t0
        pre_fixed[r, s] = np.minimum(n_fixed, before.sum())
        on_grid = np.searchsorted(days, dd[~before])
        first_on_grid = int(on_grid[0]) if len(on_grid) else -1
        first_fixed[r, s] = np.where(n_fixed > before.sum(), first_on_grid, -1)
    return date_off, day_off, n_days, first_fixed, pre_fixed


def median_setup(
    family: Family,
    legs: Sequence[Leg],
    correlation: np.ndarray,
    days: DateArray,
    listing_delivery: np.ndarray,
    listing_expiries: np.ndarray,
    listed: np.ndarray,
    member: np.ndarray,
    member_on: np.ndarray,
) -> MedianSetup:
    """The :class:`MedianSetup` of a median family on a grid.

    Parameters
    ----------
    family : Family
        A family of method ``median``.
    legs : sequence of Leg
        Its legs as simulated (with the level steps their successors cause).
    correlation : (L, L) array
        The market's correlation of like factors across these legs.
    days : dates
        The simulation grid.
    listing_delivery, listing_expiries, listed : (n, depth) arrays
        The family contract's listing (delivery month ``YYYYMM``, expiry, a contract in the cell).
    member : (n, depth, L) bool
        Legs in the median of each cell's delivery month.
    member_on : (L, n) bool
        Legs in the index on each date.
    """
    days = np.asarray(days, dtype="datetime64[D]")
    date_off, day_off, n_days, first, pre = _fixings(family.contract, days, listing_delivery, listing_expiries, listed)
    ahead = np.where(day_off >= 0, day_off - date_off[:, None, None], 0)
    max_tau = max(int(ahead.max(initial=0)), 0)
    max_off = max(int(day_off.max(initial=0)), int(date_off[-1]))
    taus = np.arange(max_tau + 1)
    years = taus / 365.0
    a_tab = np.stack([np.asarray(leg.model.A(years), dtype=np.float64) for leg in legs])
    cal = days[0] + np.arange(max_off + 1).astype("timedelta64[D]")
    s_tab = np.stack([np.asarray(leg.model.overlays.seasonal(cal), dtype=np.float64) for leg in legs])
    cov = log_price_cov(legs, correlation, years)
    vals, vecs = np.linalg.eigh(cov)  # a square root that a singular V (legs that move as one) also has
    root = vecs * np.sqrt(np.maximum(vals, 0.0))[:, None, :]
    z = median_nodes(len(legs), MEDIAN_NODES[family.contract.settlement] // 2, len(taus))
    var = np.einsum("tjj->tj", cov)
    gnodes = np.exp(np.einsum("tjl,tql->tqj", root, z) - 0.5 * var[:, None, :])
    return MedianSetup(
        family.contract, date_off, np.ascontiguousarray(day_off), n_days, first, pre,
        np.ascontiguousarray(member, dtype=np.bool_), np.ascontiguousarray(member_on, dtype=np.bool_),
        np.array([leg.model.kappa for leg in legs], dtype=np.float64), np.ascontiguousarray(a_tab),
        np.ascontiguousarray(s_tab), np.array([leg.model.overlays.floor for leg in legs], dtype=np.float64),
        np.array([leg.model.overlays.floor_growth if leg.model.overlays.floor else 0.0 for leg in legs]),
        np.ascontiguousarray(gnodes),
    )  # fmt: skip


def median_spot(spots: Sequence[np.ndarray], member_on: np.ndarray) -> np.ndarray:
    """``(paths, dates)`` the median of the member legs' spots on each date (NaN where none is a member).

    Parameters
    ----------
    spots : sequence of (paths, dates) arrays
        Each leg's index.
    member_on : (legs, dates) bool
        The legs in the index on each date (those trading at the start of its month).
    """
    stacked = np.stack([np.asarray(s, dtype=np.float64) for s in spots])
    stacked = np.where(member_on[:, None, :], stacked, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a date with no member: NaN, as wanted
        out: np.ndarray = np.nanmedian(stacked, axis=0)
    return out
