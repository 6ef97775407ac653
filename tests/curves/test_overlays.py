"""Compute overlays: each one's closed form or moments, and the monthly-average settlement.

Sources: the jump compensator follows Merton (1976) applied to the long-term
factor (E[e^J] = exp(m + s^2/2) for normal log jumps); the regime chain's
transition matrix is expm(Q dt) and its stationary law solves pi Q = 0
(Norris, Markov Chains, 1997, ch. 3); monthly-average settlement is the mean
of the daily index over the delivery month's business days (DESIGN.md).
Monte Carlo checks allow four standard errors.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.linalg import expm

from etfsim.contracts import COMPUTE_H100, WTI
from etfsim.contracts.calendars import act365_year_fractions
from etfsim.curves import kernels
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.curves.simulate import pricing_plan, simulation_grid
from etfsim.exceptions import ConfigError

BASE = dict(kappa=3.0, sigma_chi=0.5, lambda_chi=0.05, mu_xi=0.0, sigma_xi=0.2, rho=0.3, mu_xi_star=0.02)


def test_deflation_and_jumps_in_log_spot_moments() -> None:
    ov = Overlays(deflation=0.15, jump_intensity=1.5, jump_mean=-0.12, jump_std=0.05)
    m = SchwartzSmith(**BASE, overlays=ov)
    n = 6000
    curve = m.simulate(n, "2026-04-01", years=2, seed=5, spot=2.35, chi0=0.25, contract=WTI, depth=2)
    t = (curve.dates[-1] - curve.dates[0]).astype("timedelta64[D]").astype(int) / 365.0
    mean, var = m.log_spot_moments(0.25, math.log(2.35) - 0.25, t)
    # by hand: the mean carries -0.15 t of deflation and 1.5 t (-0.12) of jumps
    plain_mean, plain_var = SchwartzSmith(**BASE).log_spot_moments(0.25, math.log(2.35) - 0.25, t)
    assert mean == pytest.approx(plain_mean - 0.15 * t - 1.5 * t * 0.12, abs=1e-12)
    assert var == pytest.approx(plain_var + 1.5 * t * (0.05**2 + 0.12**2), abs=1e-12)
    x = np.log(curve.spot[:, -1])
    assert abs(x.mean() - mean) < 4 * math.sqrt(var / n)
    assert abs(x.var(ddof=1) - var) < 4 * var * math.sqrt(2 / (n - 1))


def test_jump_compensator_keeps_futures_martingales() -> None:
    ov = Overlays(deflation=0.1, jump_intensity=2.0, jump_mean=-0.2, jump_std=0.1)
    m = SchwartzSmith(**BASE, overlays=ov)
    # closed form: A(tau) gains lambda (exp(m + s^2/2) - 1) tau - deflation tau
    comp = 2.0 * (math.exp(-0.2 + 0.005) - 1.0)
    assert ov.jump_compensator() == pytest.approx(comp, abs=1e-15)
    plain = SchwartzSmith(**BASE)
    assert m.A(0.7) - plain.A(0.7) == pytest.approx((comp - 0.1) * 0.7, abs=1e-14)
    n = 6000
    curve = m.simulate(n, "2026-01-02", years=1, seed=9, spot=2.0, contract=WTI, depth=8, measure="risk_neutral")
    code = curve.contracts[0, 6]
    last = np.nonzero((curve.contracts == code).any(axis=1))[0][-1]
    f_T = curve.prices[:, last, 0]
    f0 = curve.prices[0, 0, 6]
    se = f_T.std(ddof=1) / math.sqrt(n)
    assert abs(f_T.mean() - f0) < 4 * se
    # without the compensator the forward would be off by far more than the noise
    tau0 = act365_year_fractions(curve.dates[:1], curve.expiries[:1, 6])[0]
    f0_wrong = f0 * math.exp(-comp * tau0)
    assert abs(f_T.mean() - f0_wrong) > 8 * se


def test_regime_transition_matrix_and_stationary_law() -> None:
    reg = Regime()
    q = reg.generator
    np.testing.assert_allclose(q.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(reg.transition_matrix(0.25), expm(q * 0.25), atol=1e-14)
    pi = reg.stationary()
    # by hand for rates normal->(0.3, 0.3), shortage->normal 2.0, glut->normal 1.5:
    # pi_s = 0.3/2.0 pi_n, pi_g = 0.3/1.5 pi_n -> pi_n = 1/(1 + 0.15 + 0.2)
    pn = 1 / 1.35
    np.testing.assert_allclose(pi, [pn, 0.15 * pn, 0.2 * pn], atol=1e-12)


def test_regime_share_of_time_matches_stationary_law() -> None:
    reg = Regime(rates=((0.0, 2.0, 2.0), (6.0, 0.0, 0.0), (4.0, 0.0, 0.0)))
    m = SchwartzSmith(**BASE, overlays=Overlays(regime=reg))
    from etfsim.curves import simulate as sim

    dates = simulation_grid("NYSE", "2020-01-02", years=20)
    dt = act365_year_fractions(dates[:-1], dates[1:])
    steps = sim._steps(m, dt, "real")
    chi, xi, r = sim.factor_paths_of(m, steps, dt, 1, range(40), 0.0, 0.0, 0)
    # weight each close by the days until the next one, as the chain runs in calendar time
    w = np.append(dt, dt[-1])
    share = np.array([(w * (r == s)).sum() / (w.sum() * 40) for s in range(3)])
    np.testing.assert_allclose(share, reg.stationary(), atol=0.02)


def test_fixed_regime_pulls_chi_to_its_level() -> None:
    # an absorbing shortage (no exit): E[chi_T] = e^{-kT} chi0 + (1 - e^{-kT}) level
    reg = Regime(names=("normal", "shortage"), levels=(0.0, 0.4), rates=((0.0, 0.0), (0.0, 0.0)))
    m = SchwartzSmith(**BASE, overlays=Overlays(regime=reg))
    n = 4000
    curve = m.simulate(
        n, "2026-01-02", years=0.5, seed=2, spot=2.0, chi0=-0.1, contract=WTI, depth=2, regime0="shortage"
    )
    t = (curve.dates[-1] - curve.dates[0]).astype("timedelta64[D]").astype(int) / 365.0
    k = BASE["kappa"]
    expect_chi = math.exp(-k * t) * -0.1 + (1 - math.exp(-k * t)) * 0.4
    xi0 = math.log(2.0) + 0.1
    mean_log_spot = expect_chi + xi0  # mu_xi = 0, no deflation
    x = np.log(curve.spot[:, -1])
    _, var = SchwartzSmith(**BASE).log_spot_moments(-0.1, xi0, t)
    assert abs(x.mean() - mean_log_spot) < 4 * math.sqrt(var / n)
    with pytest.raises(ConfigError, match="unknown regime"):
        m.simulate(2, "2026-01-02", years=0.2, regime0="boom")


def test_seasonality_closed_form() -> None:
    ov = Overlays(seasonal_amplitude=0.05, seasonal_peak_month=12)
    m = SchwartzSmith(**BASE, overlays=ov)
    dates = simulation_grid("NYSE", "2026-01-02", years=0.3)
    plan_s = pricing_plan(m, WTI, dates, 6)
    plan_0 = pricing_plan(SchwartzSmith(**BASE), WTI, dates, 6)
    np.testing.assert_allclose(plan_s.c - plan_0.c, ov.seasonal(plan_s.listing.expiries), atol=1e-14)
    days = np.arange(np.datetime64("2026-01-01"), np.datetime64("2027-01-01"))
    s = ov.seasonal(days)
    assert abs(s.mean()) < 1e-4  # a cycle, not a level shift
    assert days[np.argmax(s)].astype(object).month == 12
    assert s.max() == pytest.approx(0.05, abs=1e-4)


@pytest.fixture(scope="module")
def compute_curve():
    ov = Overlays(deflation=0.15, jump_intensity=0.5, jump_mean=-0.1, jump_std=0.05, seasonal_amplitude=0.03)
    m = SchwartzSmith(**BASE, overlays=ov)
    # start mid-month so the first front contract has fixings before the grid
    curve = m.simulate(6, "2026-04-15", years=1, seed=4, spot=2.35, chi0=0.3, contract=COMPUTE_H100, depth=6)
    return m, curve


def test_monthly_average_equals_mean_of_fixings_at_expiry(compute_curve) -> None:
    m, curve = compute_curve
    days = curve.dates.astype("datetime64[D]")
    may = COMPUTE_H100.delivery_days(2026, 5)
    on_grid = np.isin(days, may)
    last = np.nonzero(days == may[-1])[0][0]
    assert curve.contracts[last, 0] == "GPUK26"
    np.testing.assert_allclose(curve.prices[:, last, 0], curve.spot[:, on_grid].mean(axis=1), rtol=1e-13)
    # April started before the grid: its first fixings are taken as the starting spot
    april = COMPUTE_H100.delivery_days(2026, 4)
    pre = int((april < days[0]).sum())
    last_apr = np.nonzero(days == april[-1])[0][0]
    fixed = curve.spot[:, : last_apr + 1].sum(axis=1) + pre * 2.35
    np.testing.assert_allclose(curve.prices[:, last_apr, 0], fixed / len(april), rtol=1e-13)


def test_monthly_average_before_and_during_delivery(compute_curve) -> None:
    m, curve = compute_curve
    days = curve.dates.astype("datetime64[D]")
    i = 30
    # rebuild each path's factors from the same draws the simulation used
    from etfsim.curves import simulate as sim

    dt = act365_year_fractions(days[:-1], days[1:])
    xi0 = math.log(2.35) - 0.3 - m.overlays.seasonal(days[:1])[0]
    chi, xi, _ = sim.factor_paths_of(m, sim._steps(m, dt, "real"), dt, 4, range(6), 0.3, xi0, 0)
    np.testing.assert_allclose(np.exp(chi + xi + m.overlays.seasonal(days)), curve.spot, rtol=1e-13)
    # a contract three slots out: the plain mean of the closed-form forwards of its delivery days
    code = curve.contracts[i, 3]
    ym = int(curve.expiries[i, 3].astype(object).year), int(curve.expiries[i, 3].astype(object).month)
    dd = COMPUTE_H100.delivery_days(*ym)
    tau = act365_year_fractions(np.repeat(days[i], len(dd)), dd)
    fwd = np.exp(
        np.exp(-m.kappa * tau)[None, :] * chi[:, i, None]
        + xi[:, i, None]
        + m.A(tau)[None, :]
        + m.overlays.seasonal(dd)[None, :]
    )
    np.testing.assert_allclose(curve.prices[:, i, 3], fwd.mean(axis=1), rtol=1e-12)
    assert code == COMPUTE_H100.code(*ym)
    # mid-delivery: fixings so far plus forwards of the days left
    j = int(np.nonzero(days == COMPUTE_H100.delivery_days(2026, 6)[9])[0][0])
    dd = COMPUTE_H100.delivery_days(2026, 6)
    done = dd <= days[j]
    grid_idx = np.searchsorted(days, dd[done])
    tau = act365_year_fractions(np.repeat(days[j], (~done).sum()), dd[~done])
    fwd = np.exp(
        np.exp(-m.kappa * tau)[None, :] * chi[:, j, None]
        + xi[:, j, None]
        + m.A(tau)[None, :]
        + m.overlays.seasonal(dd[~done])[None, :]
    )
    expect = (curve.spot[:, grid_idx].sum(axis=1) + fwd.sum(axis=1)) / len(dd)
    np.testing.assert_allclose(curve.prices[:, j, 0], expect, rtol=1e-12)


def test_monthly_average_futures_are_martingales() -> None:
    ov = Overlays(deflation=0.2, jump_intensity=1.0, jump_mean=-0.15, jump_std=0.05)
    m = SchwartzSmith(**BASE, overlays=ov)
    n = 5000
    curve = m.simulate(
        n, "2026-01-02", years=0.6, seed=21, spot=2.35, chi0=0.3, contract=COMPUTE_H100, depth=6, measure="risk_neutral"
    )
    code = curve.contracts[0, 4]
    last = np.nonzero((curve.contracts == code).any(axis=1))[0][-1]
    f_T = curve.prices[:, last, 0]
    se = f_T.std(ddof=1) / math.sqrt(n)
    assert abs(f_T.mean() - curve.prices[0, 0, 4]) < 4 * se


def test_series_expansion_equals_direct_sum_and_compiled_equals_python(compute_curve) -> None:
    m, _ = compute_curve
    dates = simulation_grid("NYSE", "2026-04-15", years=0.5)
    plan = pricing_plan(m, COMPUTE_H100, dates, 6)
    rng = np.random.default_rng(0)
    chi = rng.normal(0, 0.8, (3, len(dates)))  # wide enough to exercise both branches
    xi = rng.normal(0.5, 0.1, (3, len(dates)))
    spot = np.exp(chi + xi)
    cum = np.zeros((3, len(dates) + 1))
    np.cumsum(spot, axis=1, out=cum[:, 1:])
    fast = np.empty((3, len(dates), 6))
    assert plan.avg is not None  # the compute contract settles on the month's average
    avg = plan.avg.with_days()  # the kernel called directly: with every cell's days
    kernels.price_monthly_average(chi, xi, cum, 2.35, *avg.arrays(), out=fast)
    forced = replace(avg, dmax=np.full_like(avg.dmax, np.inf))  # every element summed day by day
    direct = np.empty_like(fast)
    kernels.price_monthly_average(chi, xi, cum, 2.35, *forced.arrays(), out=direct)
    np.testing.assert_allclose(fast, direct, rtol=1e-13)
    slow = np.empty_like(fast)
    kernels.price_monthly_average.py_func(chi, xi, cum, 2.35, *avg.arrays(), out=slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-14)
    out_c = np.empty_like(fast)
    out_p = np.empty_like(fast)
    plan_f = pricing_plan(m, WTI, dates, 6)
    kernels.price_final(chi, xi, plan_f.a, plan_f.c, out_c)
    kernels.price_final.py_func(chi, xi, plan_f.a, plan_f.c, out_p)
    np.testing.assert_allclose(out_c, out_p, rtol=1e-14)


def test_factor_kernel_compiled_equals_python() -> None:
    m = SchwartzSmith(**BASE, overlays=Overlays(regime=Regime(), jump_intensity=1.0, jump_mean=-0.1))
    from etfsim.curves import simulate as sim

    dates = simulation_grid("NYSE", "2026-01-02", years=1)
    dt = act365_year_fractions(dates[:-1], dates[1:])
    steps = sim._steps(m, dt, "real")
    z, u, jumps = sim._draws(8, range(5), dt, steps, m, True)
    outs = []
    for f in (kernels.factor_paths, kernels.factor_paths.py_func):
        chi = np.empty((5, len(dates)))
        xi = np.empty_like(chi)
        r = np.empty(chi.shape, dtype=np.int64)
        f(
            0.2,
            1.0,
            1,
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
            r,
        )
        outs.append((chi, xi, r))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-14)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-14)
    assert (outs[0][2] == outs[1][2]).all() and len(np.unique(outs[0][2])) > 1


@pytest.mark.parametrize(
    "kw, words",
    [
        (dict(jump_intensity=-1.0), "jump_intensity must be >= 0"),
        (dict(jump_std=-0.1), "jump_std must be >= 0"),
        (dict(deflation=float("nan")), "deflation must be finite"),
        (dict(seasonal_peak_month=13.5), "seasonal_peak_month must be between 1 and 12"),
    ],
)
def test_bad_overlays(kw: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        Overlays(**kw)


def test_bad_regime() -> None:
    with pytest.raises(ConfigError, match="diagonal"):
        Regime(rates=((1.0, 0.3, 0.3), (2.0, 0.0, 0.0), (1.5, 0.0, 0.0)))
    with pytest.raises(ConfigError, match=">= 0"):
        Regime(rates=((0.0, -0.3, 0.3), (2.0, 0.0, 0.0), (1.5, 0.0, 0.0)))
    with pytest.raises(ConfigError, match="one value per regime"):
        Regime(levels=(0.0, 0.1))


def test_path_draws_are_numpys_own_numbers_compiled_or_not() -> None:
    # the kernel draws element by element from each path's numpy generator; the stream must be the one
    # numpy's array calls give, in the documented order, with and without the regime and the jumps
    from etfsim._random import path_generators

    dates = simulation_grid("NYSE", "2026-01-02", years=1)
    dt = act365_year_fractions(dates[:-1], dates[1:])
    m = len(dt)
    lam_dt = 40.0 * dt  # many jump days, so counts above 1 occur too
    for regime, lam in ((True, lam_dt), (False, np.zeros(0))):
        (g_ref,) = path_generators(3, [7])
        z_ref = g_ref.standard_normal((m, 2))
        u_ref = g_ref.random(m) if regime else np.zeros(m)
        if len(lam):
            counts = g_ref.poisson(lam)
            sizes = g_ref.standard_normal(m)
            jumps_ref = np.where(counts > 0, counts * -0.1 + 0.2 * np.sqrt(counts) * sizes, 0.0)
            assert (counts > 1).any()
        else:
            jumps_ref = np.zeros(m)
        for f in (kernels.path_draws, kernels.path_draws.py_func):
            (g,) = path_generators(3, [7])
            z, u, jumps = np.empty((m, 2)), np.zeros(m), np.empty(m)
            f(g, lam, regime, -0.1, 0.2, z, u, jumps)
            np.testing.assert_array_equal(z, z_ref)
            np.testing.assert_array_equal(u, u_ref)
            np.testing.assert_array_equal(jumps, jumps_ref)
