"""A price floor: spot = floor(t) + exp(chi + xi + s(t)); futures = floor(T) + the lognormal closed form.

Sources: the floor is deterministic, so E*[floor(T) + X_T] = floor(T) + E*[X_T] with
X the lognormal part of Schwartz & Smith (2000, eq. 9), and a futures price under
the pricing measure is a martingale (Harrison & Pliska 1981); monthly-average
settlement is the mean of the daily index over the delivery month (DESIGN.md).
Monte Carlo checks use a band of three standard errors computed from the sample.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from etfsim.contracts import COMPUTE_H100, WTI
from etfsim.contracts.calendars import act365_year_fractions
from etfsim.curves.model_curve import ModelCurve
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.curves.simulate import iter_curve_chunks, pricing_plan
from etfsim.exceptions import ConfigError
from etfsim.scenario import load_scenario

BASE = dict(kappa=3.0, sigma_chi=0.6, lambda_chi=0.05, mu_xi=0.0, sigma_xi=0.4, rho=0.3, mu_xi_star=0.02)
FLOOR = Overlays(floor=1.2, floor_growth=0.1, deflation=0.3, seasonal_amplitude=0.03)


def _lazy(model: SchwartzSmith, contract, n: int = 5, **kw) -> ModelCurve:
    args = dict(years=0.6, seed=8, spot=2.35, chi0=0.2, contract=contract, depth=6, chunk_size=n, lazy_prices=True)
    (lazy,) = iter_curve_chunks(model, n, "2026-01-02", **{**args, **kw})
    assert isinstance(lazy, ModelCurve)
    return lazy


def test_floor_grows_at_its_rate_from_the_start() -> None:
    days = np.array(["2026-01-02", "2026-07-03", "2027-01-02"], dtype="datetime64[D]")
    by_hand = 1.2 * np.exp(0.1 * np.array([0.0, 182.0, 365.0]) / 365.0)
    np.testing.assert_allclose(FLOOR.floor_at(days), by_hand, rtol=1e-15)
    np.testing.assert_allclose(FLOOR.floor_at(days[1:], start=days[0]), by_hand[1:], rtol=1e-15)
    assert (Overlays().floor_at(days) == 0.0).all() and (Overlays(floor=0.9).floor_at(days) == 0.9).all()


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
def test_spot_and_futures_are_the_floor_plus_the_lognormal_part(contract) -> None:
    m = SchwartzSmith(**BASE, overlays=FLOOR)
    lazy = _lazy(m, contract)
    days = lazy.dates.astype("datetime64[D]")
    floor = FLOOR.floor_at(days)
    np.testing.assert_allclose(
        lazy.spot, floor[None] + np.exp(lazy.chi + lazy.xi + FLOOR.seasonal(days)[None]), rtol=1e-14
    )
    assert lazy.spot[:, 0] == pytest.approx(2.35, rel=1e-14)  # xi0 leaves the floor out of the lognormal part
    plain = replace(m, overlays=replace(FLOOR, floor=0.0))
    bare = replace(lazy, plan=pricing_plan(plain, contract, lazy.dates, 6), spot=lazy.spot - floor[None])
    cube, lognormal = lazy.prices, bare.prices
    listed = lazy.contracts != ""
    if contract is WTI:  # floor(T) on top of the closed form
        expiry_floor = np.where(listed, FLOOR.floor_at(np.where(listed, lazy.expiries, days[0]), start=days[0]), np.nan)
        np.testing.assert_allclose(cube, lognormal + expiry_floor[None], rtol=1e-13)
        return
    # monthly average, three slots out on date 30: the mean over its delivery days of floor(d) + forward(d)
    i = 30
    ym = lazy.expiries[i, 3].astype(object)
    dd = COMPUTE_H100.delivery_days(ym.year, ym.month)
    tau = act365_year_fractions(np.repeat(days[i], len(dd)), dd)
    fwd = np.exp(
        np.exp(-m.kappa * tau)[None] * lazy.chi[:, i, None]
        + lazy.xi[:, i, None]
        + m.A(tau)[None]
        + FLOOR.seasonal(dd)[None]
    )
    expect = (FLOOR.floor_at(dd, start=days[0])[None] + fwd).mean(axis=1)
    np.testing.assert_allclose(cube[:, i, 3], expect, rtol=1e-12)
    # at its last trade the contract settles on the month's average of the spot, floor included
    last = int(np.nonzero(days == dd[-1])[0][0])
    np.testing.assert_allclose(cube[:, last, 0], lazy.spot[:, np.isin(days, dd)].mean(axis=1), rtol=1e-13)


def test_spot_never_falls_below_the_floor() -> None:
    m = SchwartzSmith(**{**BASE, "sigma_xi": 0.8}, overlays=FLOOR)
    lazy = _lazy(m, WTI, n=500, years=3.0)
    above = lazy.spot - FLOOR.floor_at(lazy.dates)[None]
    assert above.min() > 0.0
    assert above.min() < 0.1 * above[:, 0].min()  # paths come close: the floor is what holds them up


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
def test_futures_with_a_floor_are_martingales(contract) -> None:
    m = SchwartzSmith(**BASE, overlays=replace(FLOOR, regime=Regime()))
    n = 4000
    lazy = _lazy(m, contract, n=n, measure="risk_neutral", regime0="shortage", seed=12)
    code = lazy.contracts[0, 3]
    rows = np.nonzero((lazy.contracts == code).any(axis=1))[0]
    slot = np.where(lazy.contracts == code, np.arange(6)[None, :], -1).max(axis=1)[:, None]
    f = lazy.price_slots(slot)[:, :, 0]
    f0 = f[0, 0]
    for row in (rows[len(rows) // 2], rows[-1]):
        assert abs(f[:, row].mean() - f0) < 3 * f[:, row].std(ddof=1) / math.sqrt(n)
    # the floor is a large share of the price: a floor left out of the forward would miss by far more than the band
    assert FLOOR.floor_at(lazy.expiries[:1, 3], start=lazy.dates[0])[0] > 30 * f[:, rows[-1]].std(ddof=1) / math.sqrt(n)


def test_floor_is_in_the_parameters_and_the_scenario(tmp_path: Path) -> None:
    m = SchwartzSmith(**BASE, overlays=FLOOR)
    assert m.params()["overlays"]["floor"] == 1.2 and m.params()["overlays"]["floor_growth"] == 0.1
    assert _lazy(m, WTI, n=1).metadata["params"]["overlays"]["floor"] == 1.2
    text = """
[simulation]
start = "2026-04-01"
years = 1
[model]
spot = 2.35
kappa = 4.0
sigma_chi = 0.6
lambda_chi = 0.05
mu_xi = 0.0
sigma_xi = 0.2
rho = 0.3
mu_xi_star = 0.02
[overlays]
floor = 0.9
floor_growth = 0.02
"""
    path = tmp_path / "floored.toml"
    path.write_text(text)
    ov = load_scenario(path).model.overlays
    assert (ov.floor, ov.floor_growth) == (0.9, 0.02)


def test_bad_floors_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"floor must be >= 0 \(price units"):
        Overlays(floor=-0.5)
    with pytest.raises(ConfigError, match="floor_growth must be finite"):
        Overlays(floor=1.0, floor_growth=float("inf"))
    m = SchwartzSmith(**BASE, overlays=FLOOR)
    with pytest.raises(ConfigError, match="spot 1.1 must be above the price floor 1.2 .*raise spot or lower floor"):
        m.simulate(2, "2026-01-02", years=0.2, spot=1.1, contract=WTI)


def test_factor_paths_are_the_same_with_a_floor() -> None:
    # the floor changes where xi starts, not the draws: chi is the same path for path
    with_floor = _lazy(SchwartzSmith(**BASE, overlays=FLOOR), WTI, n=3, years=0.3)
    without = _lazy(SchwartzSmith(**BASE, overlays=replace(FLOOR, floor=0.0)), WTI, n=3, years=0.3)
    np.testing.assert_array_equal(with_floor.chi, without.chi)
    np.testing.assert_allclose(with_floor.xi - without.xi, math.log(2.35 - 1.2) - math.log(2.35), rtol=1e-12)


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
def test_prices_written_into_a_used_array_are_those_of_a_new_one(contract) -> None:
    """``out=``: a family prices each leg into one array in turn, so every cell must be written, listed or not."""
    lazy = _lazy(SchwartzSmith(**BASE, overlays=FLOOR), contract)
    n, depth = lazy.n_dates, lazy.depth
    sel = np.tile(np.arange(3), (n, 1))
    sel[::4, 1] = -1  # cells with no slot: NaN, written over whatever the array held
    stale = np.full((lazy.n_paths, n, 3), 12345.0)
    np.testing.assert_array_equal(lazy.price_slots(sel, out=stale), lazy.price_slots(sel))
    rows = np.arange(0, n, 7)
    stale_rows = np.full((lazy.n_paths, len(rows), depth), -1.0)
    np.testing.assert_array_equal(lazy.price_rows(rows, out=stale_rows), lazy.price_rows(rows))
    with pytest.raises(ConfigError, match="out must be a writable C-contiguous float64 array shaped"):
        lazy.price_slots(sel, out=np.empty((lazy.n_paths, n, 2)))


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
def test_only_selected_cells_are_written_when_asked(contract) -> None:
    """``only_selected``: a market block writes its own cells of one array and leaves the others' as they are."""
    lazy = _lazy(SchwartzSmith(**BASE, overlays=FLOOR), contract)
    n = lazy.n_dates
    sel = np.tile(np.arange(3), (n, 1))
    sel[::4, 1] = -1  # another block's cells
    sel[5] = -1  # a date with no cell of this block
    other = np.full((lazy.n_paths, n, 3), 12345.0)
    got = lazy.price_slots(sel, out=other, only_selected=True)
    assert got is other
    mine = np.broadcast_to(sel >= 0, got.shape)
    assert (got[~mine] == 12345.0).all()
    np.testing.assert_array_equal(got[mine], lazy.price_slots(sel)[mine])
    with pytest.raises(ConfigError, match="only_selected: give the array to write into as out="):
        lazy.price_slots(sel, only_selected=True)


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
def test_a_family_leg_added_in_the_kernel_is_priced_then_added(contract) -> None:
    """``add_prices``: ``out += weight * prices`` as the kernel works them out, the numbers of ``add_weighted``."""
    from etfsim.curves.market_kernels import add_weighted

    lazy = _lazy(SchwartzSmith(**BASE, overlays=FLOOR), contract)
    n = lazy.n_dates
    sel = np.tile(np.arange(3), (n, 1))
    sel[::4, 1] = -1  # cells this leg does not count in
    weight = np.where(sel >= 0, 0.4, 0.0)
    before = np.full((lazy.n_paths, n, 3), 1.5)
    if not lazy.adds_prices:  # final settlement: the family prices the leg and adds it
        assert contract is WTI
        with pytest.raises(ConfigError, match="add_prices: this curve's prices cannot be added in the kernel"):
            lazy.add_prices(sel, weight, before)
        return
    got = before.copy()
    lazy.add_prices(sel, weight, got)
    want = before.copy()
    add_weighted(want, lazy.price_slots(sel), weight)
    np.testing.assert_array_equal(got, want)
