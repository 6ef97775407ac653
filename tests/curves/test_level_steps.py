"""Scheduled level steps: a known repricing enters futures before it happens and the spot on its date.

Sources: a step is a deterministic term of the log spot, ``ln S_T = chi_T + xi_T + s(T)``,
so ``F(t, T) = E*[S_T]`` carries ``exp(s(T))`` exactly (Schwartz & Smith 2000, eq. 9,
with the seasonal term of DESIGN.md); a futures price under the pricing measure
is a martingale (Harrison & Pliska 1981), step or no step.  Monte Carlo checks
use a band of three standard errors computed from the sample.
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
from etfsim.curves.simulate import iter_curve_chunks
from etfsim.exceptions import ConfigError
from etfsim.scenario import load_scenario

BASE = dict(kappa=3.0, sigma_chi=0.5, lambda_chi=0.05, mu_xi=0.0, sigma_xi=0.2, rho=0.3, mu_xi_star=0.02)
STEP_DAY, STEP = np.datetime64("2026-05-18"), -0.15  # a successor launches: the level falls about 14%
STEPPED = Overlays(deflation=0.1, seasonal_amplitude=0.02, steps=((str(STEP_DAY), STEP),))


def _lazy(overlays: Overlays, contract, n: int = 4, **kw) -> ModelCurve:
    args = dict(years=0.7, seed=6, spot=2.35, chi0=0.2, contract=contract, depth=6, chunk_size=n, lazy_prices=True)
    (lazy,) = iter_curve_chunks(SchwartzSmith(**BASE, overlays=overlays), n, "2026-01-02", **{**args, **kw})
    assert isinstance(lazy, ModelCurve)
    return lazy


def test_steps_are_part_of_the_log_adjustment() -> None:
    days = np.array(["2026-05-15", "2026-05-18", "2026-06-01", "2027-02-01"], dtype="datetime64[D]")
    two = replace(STEPPED, seasonal_amplitude=0.0, steps=(("2027-01-04", -0.1), (str(STEP_DAY), STEP)))
    assert two.steps[0] == (str(STEP_DAY), STEP)  # kept in date order
    np.testing.assert_allclose(two.seasonal(days), [0.0, STEP, STEP, STEP - 0.1], atol=0)
    cycle = replace(STEPPED, steps=()).seasonal(days)
    np.testing.assert_allclose(STEPPED.seasonal(days) - cycle, [0.0, STEP, STEP, STEP], atol=1e-15)


def test_spot_drops_by_the_step_on_its_date() -> None:
    with_step, without = _lazy(STEPPED, WTI), _lazy(replace(STEPPED, steps=()), WTI)
    np.testing.assert_array_equal(with_step.chi, without.chi)  # the same paths: the step is no shock
    ratio = with_step.spot / without.spot
    after = with_step.dates.astype("datetime64[D]") >= STEP_DAY
    np.testing.assert_allclose(ratio[:, ~after], 1.0, rtol=1e-14)
    np.testing.assert_allclose(ratio[:, after], math.exp(STEP), rtol=1e-14)


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
def test_futures_price_the_step_before_it_happens(contract) -> None:
    with_step, without = _lazy(STEPPED, contract), _lazy(replace(STEPPED, steps=()), contract)
    ratio = with_step.prices / without.prices
    days = with_step.dates.astype("datetime64[D]")
    before = (days < STEP_DAY)[:, None]
    expiries = with_step.expiries.astype("datetime64[D]")
    if contract is WTI:
        later = expiries >= STEP_DAY  # settles on one fixing on or after the step: the whole step, today
    else:  # averaged: a month delivering wholly after the step carries all of it, one wholly before none
        later = expiries.astype("datetime64[M]") > STEP_DAY.astype("datetime64[M]")
        earlier = expiries.astype("datetime64[M]") < STEP_DAY.astype("datetime64[M]")
        np.testing.assert_allclose(ratio[:, before & earlier], 1.0, rtol=1e-13)
    np.testing.assert_allclose(ratio[:, before & later], math.exp(STEP), rtol=1e-13)
    if contract is WTI:
        np.testing.assert_allclose(ratio[:, before & ~later & (with_step.contracts != "")], 1.0, rtol=1e-13)


def test_a_month_the_step_splits_carries_its_share() -> None:
    # May 2026: the delivery days from the 18th on carry the step, the earlier ones do not
    with_step = _lazy(STEPPED, COMPUTE_H100)
    days = with_step.dates.astype("datetime64[D]")
    i = int(np.nonzero(days == np.datetime64("2026-04-01"))[0][0])
    slot = int(np.nonzero(with_step.contracts[i] == COMPUTE_H100.code(2026, 5))[0][0])
    dd = COMPUTE_H100.delivery_days(2026, 5)
    m = SchwartzSmith(**BASE, overlays=STEPPED)
    tau = act365_year_fractions(np.repeat(days[i], len(dd)), dd)
    cycle = replace(STEPPED, steps=()).seasonal(dd)
    log_fwd = np.exp(-m.kappa * tau)[None] * with_step.chi[:, i, None] + with_step.xi[:, i, None] + m.A(tau)[None]
    expect = np.exp(log_fwd + cycle[None] + np.where(dd >= STEP_DAY, STEP, 0.0)[None]).mean(axis=1)
    assert 0 < (dd >= STEP_DAY).sum() < len(dd)
    np.testing.assert_allclose(with_step.prices[:, i, slot], expect, rtol=1e-12)


@pytest.mark.parametrize("contract", [WTI, COMPUTE_H100], ids=["final", "monthly_average"])
def test_futures_stay_martingales_across_the_step(contract) -> None:
    n = 4000
    ov = replace(STEPPED, regime=Regime(), floor=0.8)
    lazy = _lazy(ov, contract, n=n, measure="risk_neutral", seed=17, regime0="glut")
    code = lazy.contracts[0, 5]  # listed today, expires after the step: the paths cross it during its life
    rows = np.nonzero((lazy.contracts == code).any(axis=1))[0]
    assert rows[0] == 0 and STEP_DAY < lazy.dates[rows[-1]]
    slot = np.where(lazy.contracts == code, np.arange(6)[None, :], -1).max(axis=1)[:, None]
    f = lazy.price_slots(slot)[:, :, 0]
    cross = int(np.searchsorted(lazy.dates.astype("datetime64[D]"), STEP_DAY))
    bands = []
    for row in (cross - 1, cross, rows[-1]):
        bands.append(3 * f[:, row].std(ddof=1) / math.sqrt(n))
        assert abs(f[:, row].mean() - f[0, 0]) < bands[-1]
    # a step left out of the forward (priced on its date instead) would move the mean by 14% of the lognormal part
    lognormal = f[0, 0] - ov.floor_at(lazy.expiries[:1, 5], start=lazy.dates[0])[0]
    assert abs(math.expm1(STEP)) * lognormal > 5 * max(bands)


def test_steps_in_parameters_and_scenarios(tmp_path: Path) -> None:
    params = SchwartzSmith(**BASE, overlays=STEPPED).params()["overlays"]
    assert params["steps"] == [[str(STEP_DAY), STEP]]
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
steps = [["2027-01-04", -0.15], ["2026-09-01", -0.05]]
"""
    path = tmp_path / "stepped.toml"
    path.write_text(text)
    assert load_scenario(path).model.overlays.steps == (("2026-09-01", -0.05), ("2027-01-04", -0.15))
    path.write_text(text.replace('[["2027-01-04", -0.15], ["2026-09-01", -0.05]]', '["2027-01-04", -0.15]'))
    with pytest.raises(ConfigError, match=r"steps must be a list of \[date, log change\] pairs"):
        load_scenario(path)


@pytest.mark.parametrize(
    "steps, words",
    [
        ("2027-01-04", r"steps must be a list of \[date, log change\] pairs"),
        ((("2027-01-04",),), "is not a \\[date, log change\\] pair"),
        ((("2027-13-04", -0.1),), "steps: steps date must be a date"),
        ((("2027-01-04", float("nan")),), "steps log change must be finite"),
    ],
)
def test_bad_steps(steps: object, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        Overlays(steps=steps)  # type: ignore[arg-type]
