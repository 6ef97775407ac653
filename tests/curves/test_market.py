"""A compute market of several legs: its one-leg case, its correlations, its launches and step-downs.

Sources: the exact step of an Ornstein-Uhlenbeck factor and a Brownian one, and
the covariance of their increments over a step, ``cov = rho_ab sigma_a sigma_b
int_0^dt f_a(s) f_b(s) ds`` with ``f = e^{-kappa (dt - s)}`` for a short-term
factor and ``f = 1`` for a long-term one (Schwartz & Smith 2000, Management
Science 46(7), sec. 3); the sampling error of a correlation estimate through
Fisher's z, ``atanh(r)`` with standard error ``1 / sqrt(N - 3)`` (Fisher 1921);
a futures price under the pricing measure is the expected spot (Harrison &
Pliska 1981), so the launch price of a leg is the mean of its spot at launch
under that measure, within a band of the sample's standard error.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate

from etfsim.curves.legs import factor_correlation
from etfsim.curves.market_sim import _step_cov
from etfsim.curves.model_curve import ModelCurve
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.simulate import iter_curve_chunks
from etfsim.exceptions import ConfigError
from tests.curves.market_cases import START, chips, leg, market, one_chunk

RICH = dict(
    deflation=0.15, jump_intensity=0.6, jump_mean=-0.1, jump_std=0.05, seasonal_amplitude=0.02,
    seasonal_peak_month=12, floor=0.5, floor_growth=0.02, steps=(("2027-01-04", -0.08),),
)  # fmt: skip


def _close(a: np.ndarray, b: np.ndarray, what: str) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, what
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: NaN in different places")
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=what)


# -- 1. a market of one leg is the single-leg simulation ------------------------------------------------------
@pytest.mark.parametrize("settlement", ["final", "monthly_average"])
@pytest.mark.parametrize("with_regime", [False, True], ids=["no regime", "regime"])
@pytest.mark.parametrize("measure", ["real", "risk_neutral"])
def test_one_leg_market_is_the_single_leg_simulation(settlement: str, with_regime: bool, measure: str) -> None:
    regime = Regime(levels=(0.0, 0.35, -0.25)) if with_regime else None
    h100 = leg("h100", 2.35, root="SDH1", chi0=0.25, settlement=settlement, overlays=Overlays(regime=regime, **RICH))
    market_regime = None if regime is None else replace(regime, levels=(0.0, 0.0, 0.0))  # names and rates only
    r0 = "shortage" if with_regime else 0
    m = market([h100], regime=market_regime, regime0=r0, years=1.5, paths=5, seed=77, measure=measure)
    chunk = one_chunk(m)
    (single,) = iter_curve_chunks(
        h100.model, 5, START, years=1.5, seed=77, spot=2.35, chi0=0.25, contract=h100.contract,
        measure=measure, regime0=r0, lazy_prices=True, chunk_size=5,
    )  # fmt: skip
    assert isinstance(single, ModelCurve)
    part = chunk.parts[0]
    np.testing.assert_array_equal(chunk.dates, single.dates)
    _close(part.chi, single.chi, "chi")
    _close(part.xi, single.xi, "xi")
    _close(part.spot, single.spot, "spot")
    if with_regime:
        assert part.regime is not None and single.regime is not None
        np.testing.assert_array_equal(part.regime, single.regime)
        assert len(np.unique(single.regime)) > 1  # the chain moved: the regime's draws are compared too
    curve = chunk.curve("h100")
    np.testing.assert_array_equal(curve.contracts, single.contracts)
    _close(curve.spot, single.spot, "curve spot")
    _close(curve.prices, single.prices, f"{settlement} prices")
    rows = np.array([0, 40, 41, 200, len(single.dates) - 1])
    _close(curve.price_rows(rows), single.price_rows(rows), f"{settlement} prices on some dates")


# -- 2. correlated factors ------------------------------------------------------------------------------------
THREE = dict(kappa=(1.5, 4.0, 9.0), sigma_chi=(0.5, 0.3, 0.8), sigma_xi=(0.15, 0.25, 0.1), rho=(0.5, -0.1, 0.2))
CORR = ((1.0, 0.6, 0.3), (0.6, 1.0, -0.2), (0.3, -0.2, 1.0))  # with these rho: PSD, smallest eigenvalue 0.13


def _three_legs(paths: int = 1):  # type: ignore[no-untyped-def]
    legs = [
        leg(name, spot, **{k: v[i] for k, v in THREE.items()})  # type: ignore[arg-type]
        for i, (name, spot) in enumerate([("h100", 2.35), ("b200", 5.48), ("memory", 100.0)])
    ]
    return market(legs, correlation=CORR, years=2.0, paths=paths, seed=11)


def test_factor_correlation_layout() -> None:
    full = factor_correlation(np.array(CORR), THREE["rho"])
    rho = THREE["rho"]
    for i in range(3):
        assert full[2 * i, 2 * i + 1] == full[2 * i + 1, 2 * i] == rho[i]
        for j in range(3):
            assert full[2 * i, 2 * j] == full[2 * i + 1, 2 * j + 1] == CORR[i][j]
            if i != j:
                assert full[2 * i, 2 * j + 1] == pytest.approx(CORR[i][j] * (rho[i] + rho[j]) / 2, abs=1e-15)


def test_factor_increments_have_the_correlation_given() -> None:
    m = _three_legs(paths=120)
    chunk = one_chunk(m)
    days = chunk.dates.astype("datetime64[D]").astype(np.int64)
    dt = np.diff(days) / 365.0
    shocks = []
    for i, part in enumerate(chunk.parts):
        k, sc, sx = THREE["kappa"][i], THREE["sigma_chi"][i], THREE["sigma_xi"][i]
        e = np.exp(-k * dt)
        # no regime, real measure: chi reverts to 0 and xi drifts by mu_xi = 0; what is left is the shock
        eps_chi = part.chi[:, 1:] - e * part.chi[:, :-1]
        eps_xi = part.xi[:, 1:] - part.xi[:, :-1]
        shocks += [eps_chi / (sc * np.sqrt(-np.expm1(-2 * k * dt) / (2 * k))), eps_xi / (sx * np.sqrt(dt))]
    flat = np.stack([s.ravel() for s in shocks])
    n = flat.shape[1]
    sample = np.corrcoef(flat)
    want = factor_correlation(np.array(CORR), THREE["rho"])
    band = 4.5 / math.sqrt(n - 3)  # Fisher z: 4.5 standard errors over 15 pairs
    z_gap = np.abs(np.arctanh(np.clip(sample, -0.999999, 0.999999)) - np.arctanh(np.clip(want, -0.999999, 0.999999)))
    off = ~np.eye(6, dtype=bool)
    assert (z_gap[off] < band).all(), f"band {band:.4f}:\n{np.round(sample - want, 4)}"
    np.testing.assert_allclose(flat.std(axis=1), 1.0, atol=4.5 / math.sqrt(2 * n))  # and each its variance


def _brute_force_cov(kappa: tuple[float, float], sigma: tuple[float, float], corr: float, chi: tuple[bool, bool],
                     dt: float) -> float:  # fmt: skip
    def f(s: float, which: int) -> float:
        return math.exp(-kappa[which] * (dt - s)) if chi[which] else 1.0

    value, _ = integrate.quad(lambda s: f(s, 0) * f(s, 1), 0.0, dt, epsabs=1e-15, epsrel=1e-13)
    return corr * sigma[0] * sigma[1] * value


@pytest.mark.parametrize("dt", [1 / 365, 3 / 365, 0.5])
def test_step_covariance_is_the_integral_of_the_factor_covariance(dt: float) -> None:
    legs = [leg("a", 2.35, kappa=1.2, sigma_chi=0.4, sigma_xi=0.2, rho=0.5),
            leg("b", 5.48, kappa=6.0, sigma_chi=0.9, sigma_xi=0.1, rho=-0.3)]  # fmt: skip
    m = market(legs, correlation=((1.0, 0.6), (0.6, 1.0)))
    cov = _step_cov(m, m.legs, dt)
    full = factor_correlation(np.array(m.correlation), [x.model.rho for x in legs])
    kappa = [x.model.kappa for x in legs]
    sigma = [(x.model.sigma_chi, x.model.sigma_xi) for x in legs]
    for a in range(4):
        for b in range(4):
            la, lb = a // 2, b // 2
            want = _brute_force_cov(
                (kappa[la], kappa[lb]), (sigma[la][a % 2], sigma[lb][b % 2]), full[a, b], (a % 2 == 0, b % 2 == 0), dt
            )
            assert cov[a, b] == pytest.approx(want, rel=1e-10, abs=1e-18), (a, b)


# -- 3. launches ----------------------------------------------------------------------------------------------
def test_before_its_launch_a_leg_lists_nothing_and_has_no_spot() -> None:
    m = market(chips(), years=1.5, paths=3)
    chunk = one_chunk(m)
    curve = chunk.curve("rubin")
    days = chunk.dates.astype("datetime64[D]")
    first = int(np.argmax(days >= np.datetime64("2027-01-01")))
    assert str(days[first]) == "2027-01-04"  # 1 January is a holiday, the 2nd and 3rd a weekend
    assert (curve.contracts[:first] == "").all()
    assert np.isnan(curve.spot[:, :first]).all()
    assert (curve.contracts[first:] != "").all()  # the full depth from the launch month's first business day
    assert curve.contracts[first, 0] == "SDVRF27"
    assert np.isfinite(curve.spot[:, first:]).all()
    prices = curve.prices
    assert np.isnan(prices[:, :first]).all() and np.isfinite(prices[:, first:]).all()
    rows = curve.price_rows(np.array([0, first - 1, first]))  # a rule that reads prices on a few dates
    assert np.isnan(rows[:, :2]).all() and np.isfinite(rows[:, 2]).all()
    assert np.isfinite(chunk.curve("h100").spot).all()  # a leg trading from the start is untouched


def test_launch_price_is_the_forward_at_launch_regime_included() -> None:
    # the launch spot of a later leg is its expected price at launch under the pricing measure,
    # given today's regime (a shortage now raises what Rubin is expected to rent for in October)
    regime = Regime(levels=(0.0, 0.35, -0.25))
    ov = Overlays(regime=regime, deflation=0.15, floor=1.0, floor_growth=0.02)
    legs = [leg("h100", 2.35, root="SDH1", overlays=ov), leg("rubin", 9.0, root="SDVR", launch="2026-10", overlays=ov)]
    m = market(legs, regime=replace(regime, levels=(0.0, 0.0, 0.0)), regime0="shortage", years=0.8,
               paths=4000, measure="risk_neutral")  # fmt: skip
    chunk = one_chunk(m)
    row = chunk.launch_rows[1]
    at_launch = chunk.parts[1].spot[:, row]
    se = at_launch.std(ddof=1) / math.sqrt(len(at_launch))
    assert abs(at_launch.mean() - 9.0) < 4 * se, (at_launch.mean(), se)
    assert se < 0.01 * 9.0  # tight enough to see the shortage: it moves the mean by about 20%


def _stepped(steps: dict[str, float] | None, floor: float = 0.0):  # type: ignore[no-untyped-def]
    ov = Overlays(deflation=0.15, seasonal_amplitude=0.02, floor=floor)
    legs = chips(overlays=ov)
    legs[2] = replace(legs[2], steps_down=steps or {})
    return one_chunk(market(legs, years=1.5, paths=3))


def test_a_successor_steps_older_legs_down_on_its_launch_date() -> None:
    fall = {"h100": 0.08, "b200": 0.15}
    with_steps, without = _stepped(fall), _stepped(None)
    launch = with_steps.dates[with_steps.launch_rows[2]]
    after = with_steps.dates >= launch
    for i, name in enumerate(["h100", "b200"]):
        np.testing.assert_array_equal(with_steps.parts[i].chi, without.parts[i].chi)  # the same paths
        ratio = with_steps.curve(name).spot / without.curve(name).spot
        np.testing.assert_allclose(ratio[:, ~after], 1.0, rtol=1e-14)
        np.testing.assert_allclose(ratio[:, after], 1.0 - fall[name], rtol=1e-13)
        # futures price the step before it happens: a contract delivering after the launch is lower all along
        fut = with_steps.curve(name).prices / without.curve(name).prices
        later = with_steps.parts[i].plan.listing.delivery >= 202702
        np.testing.assert_allclose(fut[:, later], 1.0 - fall[name], rtol=1e-12)
    _close(with_steps.curve("rubin").spot, without.curve("rubin").spot, "the successor itself")


def test_a_step_down_lowers_the_part_above_the_floor() -> None:
    fall, floor = {"h100": 0.10}, 0.5
    with_steps, without = _stepped(fall, floor), _stepped(None, floor)
    after = with_steps.dates >= with_steps.dates[with_steps.launch_rows[2]]
    a, b = with_steps.curve("h100").spot, without.curve("h100").spot
    np.testing.assert_allclose((a - floor)[:, after] / (b - floor)[:, after], 0.9, rtol=1e-12)
    assert (a[:, after] > floor).all()


# -- a chunk of some legs only ---------------------------------------------------------------------------------
def test_a_chunk_of_some_legs_draws_the_same_numbers() -> None:
    m = market(chips(), correlation=((1.0, 0.7, 0.6), (0.7, 1.0, 0.75), (0.6, 0.75, 1.0)), years=1.5, paths=4)
    full = one_chunk(m)
    (some,) = m.iter_markets(paths=4, chunk_size=4, legs=("b200",))
    assert some.parts[0] is None and some.parts[2] is None
    b200 = some.parts[1]
    assert b200 is not None and full.parts[1] is not None
    np.testing.assert_array_equal(b200.chi, full.parts[1].chi)  # correlated with h100 through the same normals
    np.testing.assert_array_equal(b200.xi, full.parts[1].xi)
    np.testing.assert_array_equal(some.curve("b200").prices, full.curve("b200").prices)
    with pytest.raises(ConfigError, match=r"leg 'h100' was not simulated"):
        some.curve("h100")
    picked = some.select_paths([1, 3])  # the legs not simulated stay absent
    assert picked.parts[0] is None and picked.first_path == 1 and picked.n_paths == 2
    np.testing.assert_array_equal(picked.curve("b200").spot, full.curve("b200").spot[[1, 3]])
