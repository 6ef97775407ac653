"""The shortage/glut regime is priced: futures condition on today's regime, so it gives no free return.

Sources: the factor ``W_r(tau) = E[exp(int_0^tau kappa e^{-kappa w} theta_{r(T-w)} dw) | r]``
is checked against its closed forms when the chain cannot move (``Q = 0``) or every
level is the same, against a much finer ODE step, and against an exact Monte Carlo
of the chain (Gillespie 1977: exponential holding times, then a jump by the rates);
a futures price under the pricing measure is a martingale (Harrison & Pliska 1981),
so the mean over paths of ``F(t, T)`` is ``F(0, T)``.  Monte Carlo checks use a
band of three standard errors computed from the sample.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from etfsim.contracts import COMPUTE_H100, WTI
from etfsim.contracts.calendars import act365_year_fractions
from etfsim.curves import simulate as sim
from etfsim.curves.model_curve import ModelCurve
from etfsim.curves.overlays import Overlays, Regime, regime_log_factor
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.curves.simulate import iter_curve_chunks, pricing_plan, simulation_grid
from etfsim.exceptions import ConfigError

BASE = dict(kappa=3.0, sigma_chi=0.5, lambda_chi=0.05, mu_xi=0.0, sigma_xi=0.2, rho=0.3, mu_xi_star=0.02)
# a strong, fast chain: its pull moves six-month futures by tens of percent
STRONG = Regime(levels=(0.0, 0.6, -0.5), rates=((0.0, 1.5, 1.5), (3.0, 0.0, 0.0), (2.5, 0.0, 0.0)))


def _chain_monte_carlo(kappa: float, reg: Regime, r0: int, tau: float, n: int, seed: int) -> np.ndarray:
    """``exp(int kappa e^{-kappa (tau - s)} theta_{r(s)} ds)`` over exact paths of the chain from ``r0``."""
    rng = np.random.default_rng(seed)
    q = np.array(reg.rates)
    out_rate = q.sum(axis=1)
    jump_cum = np.cumsum(q / np.where(out_rate > 0, out_rate, 1.0)[:, None], axis=1)
    theta = np.array(reg.levels)
    state = np.full(n, r0)
    s = np.zeros(n)
    total = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        hold = rng.exponential(1.0 / np.maximum(out_rate[state], 1e-300))
        end = np.minimum(s + np.where(out_rate[state] > 0, hold, np.inf), tau)
        # int_s^end kappa e^{-kappa (tau - v)} dv = e^{-kappa (tau - end)} - e^{-kappa (tau - s)}
        piece = np.exp(-kappa * (tau - end)) - np.exp(-kappa * (tau - s))
        total += np.where(alive, theta[state] * piece, 0.0)
        alive &= end < tau
        u = rng.random(n)
        nxt = (u[:, None] > jump_cum[state]).sum(axis=1)
        state = np.where(alive, np.minimum(nxt, len(theta) - 1), state)
        s = end
    return np.exp(total)


def test_regime_log_factor_closed_forms() -> None:
    tau = np.arange(801) / 365.0
    stuck = Regime(names=("calm", "tight"), levels=(0.1, 0.45), rates=((0.0, 0.0), (0.0, 0.0)))
    np.testing.assert_allclose(
        regime_log_factor(2.5, stuck, 800), np.outer([0.1, 0.45], -np.expm1(-2.5 * tau)), rtol=0, atol=1e-13
    )
    level = Regime(levels=(0.2, 0.2, 0.2))  # switching cannot matter when every level is the same
    np.testing.assert_allclose(
        regime_log_factor(4.0, level, 800), np.tile(0.2 * -np.expm1(-4.0 * tau), (3, 1)), atol=1e-13
    )
    table = regime_log_factor(4.0, STRONG, 800)
    assert table.shape == (3, 801) and not table.flags.writeable and (table[:, 0] == 0.0).all()
    # a much finer step gives the same table: the default step is converged
    np.testing.assert_allclose(table, regime_log_factor(4.0, STRONG, 800, substeps=64), rtol=0, atol=1e-11)
    with pytest.raises(ConfigError, match="max_days must be a whole number"):
        regime_log_factor(4.0, STRONG, -1)
    with pytest.raises(ConfigError, match="kappa must be > 0"):
        regime_log_factor(0.0, STRONG, 10)


@pytest.mark.parametrize("r0", [0, 1, 2])
def test_regime_log_factor_matches_a_monte_carlo_of_the_chain(r0: int) -> None:
    kappa, days, n = 3.0, 146, 40_000
    w = _chain_monte_carlo(kappa, STRONG, r0, days / 365.0, n, seed=10 + r0)
    se = w.std(ddof=1) / math.sqrt(n)
    expect = math.exp(regime_log_factor(kappa, STRONG, days)[r0, -1])
    assert abs(w.mean() - expect) < 3 * se
    # the chain's switching is what the test sees: a regime that stayed put would price well outside the band
    stay = math.exp(STRONG.levels[r0] * -math.expm1(-kappa * days / 365.0))
    if r0 > 0:
        assert abs(stay - expect) > 20 * se


def test_plan_adds_the_regime_factor_by_calendar_days() -> None:
    m = SchwartzSmith(**BASE, overlays=Overlays(regime=STRONG, seasonal_amplitude=0.03))
    dates = simulation_grid("NYSE", "2026-01-02", years=0.5)
    plan = pricing_plan(m, WTI, dates, 6)
    plain = pricing_plan(replace(m, overlays=replace(m.overlays, regime=None)), WTI, dates, 6)
    assert plan.regimes == 3 and plan.c.shape == (3, len(dates), 6) and plain.regimes == 1 and plain.c.ndim == 2
    listed = plan.listing.contracts != ""
    days = (plan.listing.expiries - dates.astype("datetime64[D]")[:, None]).astype("timedelta64[D]").astype(int)
    table = regime_log_factor(m.kappa, STRONG, int(days[listed].max()))
    for r in range(3):
        np.testing.assert_allclose(plan.c[r][listed], plain.c[listed] + table[r, days[listed]], rtol=0, atol=1e-14)
    np.testing.assert_array_equal(plan.a, plain.a)


def _martingale_gap(contract, regime0: int, measure: str = "risk_neutral", model: SchwartzSmith | None = None):
    """Mean over paths of F(t, T) at mid-life and at the last trade minus F(0, T), with 3-sigma bands."""
    m = model or SchwartzSmith(**BASE, overlays=Overlays(regime=STRONG, deflation=0.1))
    n = 4000
    curve = m.simulate(
        n, "2026-01-02", years=0.6, seed=31 + regime0, spot=2.35, chi0=0.1, contract=contract, depth=6,
        measure=measure, regime0=regime0,
    )  # fmt: skip
    code = curve.contracts[0, 3]
    rows = np.nonzero((curve.contracts == code).any(axis=1))[0]
    f0 = curve.prices[0, 0, 3]
    out = []
    for row in (rows[len(rows) // 2], rows[-1]):
        slot = int(np.nonzero(curve.contracts[row] == code)[0][0])
        f = curve.prices[:, row, slot]
        out.append((f.mean() - f0, 3 * f.std(ddof=1) / math.sqrt(n), f0))
    return out


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
@pytest.mark.parametrize("regime0", [0, 1, 2], ids=["normal", "shortage", "glut"])
def test_futures_are_martingales_under_the_pricing_measure_in_every_regime(contract, regime0: int) -> None:
    for gap, band, _ in _martingale_gap(contract, regime0):
        assert abs(gap) < band


def test_without_the_regime_factor_futures_would_drift() -> None:
    # the same curve priced as before (regime dropped from the price) misses the mean by far more than the band
    m = SchwartzSmith(**BASE, overlays=Overlays(regime=STRONG, deflation=0.1))
    dates = simulation_grid(WTI.calendar, "2026-01-02", years=0.6)
    plan, plain = (
        pricing_plan(m, WTI, dates, 6),
        pricing_plan(replace(m, overlays=Overlays(deflation=0.1)), WTI, dates, 6),
    )
    (gap, band, f0), _ = _martingale_gap(WTI, 1)
    old_f0 = f0 * math.exp(plain.c[0, 3] - plan.c[1, 0, 3])  # the same contract without W_shortage
    assert abs(gap + f0 - old_f0) > 5 * band


def test_no_free_lunch_from_a_shortage_under_the_real_measure() -> None:
    # no risk premia: the real-world measure is the pricing measure, so a contract's expected return is 0
    ov = Overlays(deflation=0.15, jump_intensity=0.5, jump_mean=-0.1, jump_std=0.05, regime=Regime())
    m = SchwartzSmith(
        kappa=4.0, sigma_chi=0.6, lambda_chi=0.0, mu_xi=0.0, sigma_xi=0.2, rho=0.3, mu_xi_star=0.0, overlays=ov
    )
    n = 4000
    (lazy,) = iter_curve_chunks(
        m, n, "2026-04-01", years=1.0, seed=3, spot=2.35, chi0=0.25, contract=COMPUTE_H100, depth=8,
        regime0="shortage", chunk_size=n, lazy_prices=True,
    )  # fmt: skip
    assert isinstance(lazy, ModelCurve)
    code = lazy.contracts[0, 6]  # the contract six months out
    rows = np.nonzero((lazy.contracts == code).any(axis=1))[0]
    slot = np.where(lazy.contracts == code, np.arange(lazy.depth)[None, :], -1).max(axis=1)[:, None]
    prices = lazy.price_slots(slot)[:, :, 0]
    ret = prices[:, rows[-1]] / prices[:, 0] - 1.0
    assert abs(ret.mean()) < 3 * ret.std(ddof=1) / math.sqrt(n)
    # priced as before (the regime dropped), the same contract bought in a shortage earned about +18%
    plain = pricing_plan(replace(m, overlays=replace(ov, regime=None)), COMPUTE_H100, lazy.dates, 8)
    old = replace(lazy, plan=plain, regime=None).price_slots(slot)[:, :, 0]
    old_ret = prices[:, rows[-1]] / old[:, 0] - 1.0  # at its last trade both are the month's average
    np.testing.assert_allclose(old[:, rows[-1]], prices[:, rows[-1]], rtol=1e-12)
    assert old_ret.mean() > 0.1


def test_risk_neutral_simulation_runs_the_chain_with_the_premium() -> None:
    # an absorbing shortage: E*[chi_T] = e^{-kT} chi0 + (1 - e^{-kT}) (level - lambda_chi / kappa)
    reg = Regime(names=("normal", "shortage"), levels=(0.0, 0.4), rates=((0.0, 0.0), (0.0, 0.0)))
    m = SchwartzSmith(**{**BASE, "lambda_chi": 0.6}, overlays=Overlays(regime=reg))
    dates = simulation_grid("NYSE", "2026-01-02", years=0.5)
    dt = act365_year_fractions(dates[:-1], dates[1:])
    steps = sim._steps(m, dt, "risk_neutral")
    np.testing.assert_allclose(steps.levels, [-0.2, 0.2], atol=1e-15)
    chi, _, r = sim.factor_paths_of(m, steps, dt, 5, range(3000), -0.1, 0.0, 1)
    assert (r == 1).all()
    t = float(dt.sum())
    expect = math.exp(-3.0 * t) * -0.1 + -math.expm1(-3.0 * t) * 0.2
    sd = 0.5 * math.sqrt(-math.expm1(-6.0 * t) / 6.0)
    assert abs(chi[:, -1].mean() - expect) < 3 * sd / math.sqrt(3000)
    # and a switching chain does switch under the pricing measure
    switching = replace(m, overlays=Overlays(regime=STRONG))
    _, _, r2 = sim.factor_paths_of(switching, sim._steps(switching, dt, "risk_neutral"), dt, 5, range(50), 0.0, 0.0, 0)
    assert len(np.unique(r2)) == 3


def test_model_curve_prices_each_path_in_its_regime() -> None:
    m = SchwartzSmith(**BASE, overlays=Overlays(regime=STRONG))
    for contract in (WTI, COMPUTE_H100):
        (lazy,) = iter_curve_chunks(m, 6, "2026-01-02", years=0.4, seed=2, contract=contract, depth=4, lazy_prices=True)
        assert isinstance(lazy, ModelCurve) and lazy.regime is not None and len(np.unique(lazy.regime)) > 1
        cube = lazy.prices
        rows = np.array([0, 17, 60])
        np.testing.assert_allclose(lazy.price_rows(rows), cube[:, rows], rtol=1e-13)
        some = lazy.select_paths([4, 1])
        np.testing.assert_array_equal(some.regime, lazy.regime[[4, 1]])
        np.testing.assert_allclose(some.prices, cube[[4, 1]], rtol=1e-13)
        # each path read with another path's regime gives another price: the regime index matters
        swapped = replace(lazy, regime=lazy.regime[::-1].copy())
        assert not np.allclose(swapped.prices, cube, equal_nan=True)
        with pytest.raises(ConfigError, match="regime: this curve's pricing plan conditions on the regime"):
            replace(lazy, regime=None)
        with pytest.raises(ConfigError, match="regime must be whole numbers shaped like chi"):
            replace(lazy, regime=lazy.regime[:, :5])
