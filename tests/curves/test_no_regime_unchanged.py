"""Without a priced regime, a floor or level steps, curves are bit for bit what they were.

Source of the saved figures: ``tests/curves/data/no_regime_prices.npz`` was written by
:func:`no_regime_run` (this file) at commit f5b271f, the last commit before futures
conditioned on the regime and before the floor and the level steps; it holds prices,
spot and lazily priced slots and rows of small simulations with every other overlay on
(deflation, launches, seasonality), both settlements and both measures.  The saved
figures are matched to 8 units in the last place: numba compiles for the host CPU
(fused multiply-adds, its vector maths), so the same code on another machine can differ
in the last bit or two (seen: 4 of 1,212 prices, 1 ulp, on one machine).  A new term
that added anything would be off by far more.  A regime of zero levels is compared
with no regime in the same run, exactly.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from etfsim.contracts import COMPUTE_H100, WTI
from etfsim.curves.overlays import Overlays, Regime
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.curves.simulate import iter_curve_chunks, pricing_plan, simulation_grid

DATES = simulation_grid("NYSE", "2026-04-15", years=0.4)
SAVED = Path(__file__).parent / "data" / "no_regime_prices.npz"
SAVED_ULP = 8  # figures saved on another machine: the last bits may differ (module docstring)
BASE = dict(kappa=3.0, sigma_chi=0.5, lambda_chi=0.05, mu_xi=0.0, sigma_xi=0.2, rho=0.3, mu_xi_star=0.02)
OVERLAYS = Overlays(
    deflation=0.15, jump_intensity=0.5, jump_mean=-0.1, jump_std=0.05, seasonal_amplitude=0.03, seasonal_peak_month=12
)


def no_regime_run(model: SchwartzSmith, regime0: int | str = 0) -> dict[str, np.ndarray]:
    """Prices, spot, two lazily priced slots and three priced rows of each settlement and measure."""
    out: dict[str, np.ndarray] = {}
    for contract in (WTI, COMPUTE_H100):
        for measure in ("real", "risk_neutral"):
            kw = dict(years=0.4, seed=7, spot=2.35, chi0=0.3, contract=contract, depth=4, measure=measure)
            (lazy,) = iter_curve_chunks(model, 3, "2026-04-15", regime0=regime0, lazy_prices=True, **kw)
            curve = lazy.to_curve()
            key = f"{contract.root}_{measure}"
            out[f"{key}_prices"] = curve.prices
            assert curve.spot is not None
            out[f"{key}_spot"] = curve.spot
            sel = np.tile(np.array([1, 3]), (curve.n_dates, 1))
            sel[::7, 1] = -1  # a slot no schedule asked for
            out[f"{key}_slots"] = lazy.price_slots(sel)  # type: ignore[union-attr]
            out[f"{key}_rows"] = lazy.price_rows([0, 12, 40])  # type: ignore[union-attr]
    return out


@pytest.fixture(scope="module")
def saved() -> dict[str, np.ndarray]:
    with np.load(SAVED) as f:
        return {k: f[k] for k in f.files}


def _assert_same(now: dict[str, np.ndarray], saved: dict[str, np.ndarray], maxulp: int = 0) -> None:
    assert sorted(now) == sorted(saved)
    for key, value in now.items():
        np.testing.assert_array_equal(np.isnan(value), np.isnan(saved[key]), err_msg=key)
        if maxulp:
            ok = ~np.isnan(saved[key])
            np.testing.assert_array_max_ulp(value[ok], saved[key][ok], maxulp=maxulp)
        else:
            np.testing.assert_array_equal(value, saved[key], err_msg=key)


def test_no_regime_is_bit_for_bit_as_before(saved: dict[str, np.ndarray]) -> None:
    _assert_same(no_regime_run(SchwartzSmith(**BASE, overlays=OVERLAYS)), saved, maxulp=SAVED_ULP)


def test_a_zero_floor_is_bit_for_bit_as_before(saved: dict[str, np.ndarray]) -> None:
    # floor_growth alone changes nothing: there is no floor to grow
    _assert_same(
        no_regime_run(SchwartzSmith(**BASE, overlays=replace(OVERLAYS, floor=0.0, floor_growth=0.05))),
        saved,
        maxulp=SAVED_ULP,
    )


def test_a_regime_whose_levels_are_all_zero_prices_as_none() -> None:
    # without launches the draws are the same with a regime (its uniforms come after the normals): so are the prices
    quiet = replace(OVERLAYS, jump_intensity=0.0)
    flat = Regime(levels=(0.0, 0.0, 0.0))
    none = no_regime_run(SchwartzSmith(**BASE, overlays=quiet))
    zero = no_regime_run(SchwartzSmith(**BASE, overlays=replace(quiet, regime=flat)), regime0=1)
    _assert_same(zero, none)
    plan = pricing_plan(SchwartzSmith(**BASE, overlays=replace(quiet, regime=flat)), COMPUTE_H100, DATES, 4)
    assert plan.regimes == 1 and plan.avg is not None and plan.avg.moments.ndim == 3 and plan.floor is None
