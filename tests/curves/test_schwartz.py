"""Schwartz & Smith (2000) and Schwartz (1997): closed forms, exact simulation, martingales.

Reference values: Schwartz & Smith (2000), Management Science 46(7), Table 1,
crude-oil estimates kappa 1.49, sigma_chi 0.286, lambda_chi 0.157,
mu_xi -0.0125, sigma_xi 0.145, rho 0.3, mu_xi_star 0.0115; the futures formula
is their eq. (9).  Monte Carlo checks allow four standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import etfsim
from etfsim.contracts import WTI
from etfsim.curves.schwartz import SchwartzOneFactor, SchwartzSmith
from etfsim.exceptions import CalendarError, ConfigError

PAPER = dict(kappa=1.49, sigma_chi=0.286, lambda_chi=0.157, mu_xi=-0.0125, sigma_xi=0.145, rho=0.3, mu_xi_star=0.0115)


@pytest.fixture(scope="module")
def paper_model() -> SchwartzSmith:
    return etfsim.SchwartzSmith(**PAPER)


def test_closed_form_against_hand_computation(paper_model: SchwartzSmith) -> None:
    # chi = 0.2, xi = 4.0.  Worked from eq. (9) term by term:
    # tau = 0.5: exp(-1.49*0.5) = 0.4747342999; 1-exp(-0.745) = 0.5252657001; 1-exp(-1.49) = 0.7746273445
    #   mu* tau = 0.00575; -(0.52527)(0.157)/1.49 = -0.0553467885
    #   1/2[0.77463*0.286^2/2.98 + 0.145^2*0.5 + 2*0.52527*0.3*0.286*0.145/1.49] = 0.0202731528
    #   A = -0.0293236358; ln F = 0.47473*0.2 + 4 + A = 4.0656232242 -> F = 58.3012319434
    # tau = 2: exp(-2.98) = 0.0507928339; A = 0.023 - 0.1000171309 + 0.0426393153 = -0.0343778157
    #   ln F = 0.0507928*0.2 + 4 + A = 3.9757807511 -> F = 53.2917082273
    got = paper_model.log_futures(0.2, 4.0, np.array([0.5, 2.0]))
    np.testing.assert_allclose(got, [4.065623224237571, 3.975780751102348], rtol=0, atol=1e-12)
    np.testing.assert_allclose(paper_model.futures(0.2, 4.0, 2.0), 53.291708227332286, rtol=1e-12)
    # at maturity the futures price is the spot
    assert paper_model.log_futures(0.2, 4.0, 0.0) == pytest.approx(4.2, abs=1e-15)


def test_log_futures_broadcasts(paper_model: SchwartzSmith) -> None:
    chi = np.array([[0.1], [-0.2]])
    tau = np.array([0.25, 1.0, 3.0])
    out = paper_model.log_futures(chi, 3.0, tau)
    assert out.shape == (2, 3)
    assert out[1, 0] == pytest.approx(paper_model.log_futures(-0.2, 3.0, 0.25), abs=1e-15)


def test_one_factor_closed_form_matches_its_two_factor_form() -> None:
    # Schwartz (1997) eq. (8): ln F = e^{-k t} X + (1 - e^{-k t}) alpha* + s^2/(4k)(1 - e^{-2 k t})
    m = SchwartzOneFactor(kappa=1.2, alpha=math.log(50), sigma=0.4, lambda_=0.1)
    x, tau = math.log(55), 0.75
    e = math.exp(-1.2 * tau)
    hand = e * x + (1 - e) * (math.log(50) - 0.1 / 1.2) + 0.16 / 4.8 * (1 - math.exp(-2.4 * tau))
    assert m.log_futures(x, tau) == pytest.approx(hand, abs=1e-13)
    two = m.as_two_factor()
    assert two.log_futures(x - m.alpha, m.alpha, tau) == pytest.approx(hand, abs=1e-13)


def test_simulated_log_spot_matches_analytic_moments(paper_model: SchwartzSmith) -> None:
    n = 4000
    curve = paper_model.simulate(n, "2020-01-02", years=2, seed=7, spot=60.0, chi0=0.1, contract=WTI, depth=2)
    t = (curve.dates[-1] - curve.dates[0]).astype("timedelta64[D]").astype(int) / 365.0
    xi0 = math.log(60.0) - 0.1
    mean, var = paper_model.log_spot_moments(0.1, xi0, t, measure="real")
    x = np.log(curve.spot[:, -1])
    se_mean = math.sqrt(var / n)
    se_var = var * math.sqrt(2.0 / (n - 1))
    assert abs(x.mean() - mean) < 4 * se_mean
    assert abs(x.var(ddof=1) - var) < 4 * se_var
    # the test can fail: a wrong drift of 0.05 per year would be caught
    assert abs(x.mean() - (mean + 0.05 * t)) > 4 * se_mean


def test_futures_are_martingales_under_the_risk_neutral_measure(paper_model: SchwartzSmith) -> None:
    n = 4000
    curve = paper_model.simulate(
        n, "2020-01-02", years=1, seed=11, spot=60.0, chi0=0.2, contract=WTI, depth=8, measure="risk_neutral"
    )
    code = curve.contracts[0, 5]  # a contract about six months out
    f0 = curve.prices[0, 0, 5]
    last = np.nonzero((curve.contracts == code).any(axis=1))[0][-1]  # its last trading day
    slot = int(np.nonzero(curve.contracts[last] == code)[0][0])
    assert slot == 0 and curve.expiries[last, 0] == curve.dates[last].astype("datetime64[D]")
    f_T = curve.prices[:, last, slot]
    np.testing.assert_allclose(f_T, curve.spot[:, last], rtol=1e-12)  # converges to spot at expiry
    se = f_T.std(ddof=1) / math.sqrt(n)
    assert abs(f_T.mean() - f0) < 4 * se


def test_same_seed_same_bytes_and_chunking_does_not_change_paths(paper_model: SchwartzSmith) -> None:
    kw = dict(years=0.5, seed=3, spot=60.0, contract=WTI, depth=4)
    a = paper_model.simulate(10, "2021-01-04", chunk_size=3, **kw)
    b = paper_model.simulate(10, "2021-01-04", chunk_size=10, **kw)
    c = paper_model.simulate(10, "2021-01-04", chunk_size=4, **{**kw, "seed": 4})
    assert a.prices.tobytes() == b.prices.tobytes()
    assert a.prices.tobytes() != c.prices.tobytes()
    assert a.metadata["seed"] == 3 and a.metadata["params"]["kappa"] == 1.49


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("kappa", 0.0, "kappa must be > 0"),
        ("kappa", -1.0, "kappa must be > 0"),
        ("rho", 1.5, "rho must be a correlation"),
        ("sigma_chi", -0.1, "sigma_chi must be >= 0"),
        ("sigma_xi", -0.1, "sigma_xi must be >= 0"),
        ("mu_xi", float("nan"), "mu_xi must be finite"),
        ("lambda_chi", float("inf"), "lambda_chi must be finite"),
        ("mu_xi_star", "abc", "mu_xi_star must be a number"),
    ],
)
def test_bad_parameters_name_the_field(field: str, value: object, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        SchwartzSmith(**{**PAPER, field: value})


def test_bad_simulation_inputs(paper_model: SchwartzSmith) -> None:
    with pytest.raises(ConfigError, match="measure must be"):
        paper_model.simulate(2, "2021-01-04", years=1, measure="physical")
    with pytest.raises(CalendarError, match="reversed"):
        paper_model.simulate(2, "2021-01-04", end="2020-01-01")
    with pytest.raises(ConfigError, match="years must be"):
        paper_model.simulate(2, "2021-01-04", years=-1)
    with pytest.raises(ConfigError, match="paths must be"):
        paper_model.simulate(0, "2021-01-04", years=1)
    with pytest.raises(ConfigError, match="spot must be"):
        paper_model.simulate(2, "2021-01-04", years=1, spot=-3)
    with pytest.raises(CalendarError, match="start must be a date"):
        paper_model.simulate(2, "not a date", years=1)
    with pytest.raises(ConfigError, match="seed must be"):
        paper_model.simulate(2, "2021-01-04", years=1, seed=-1)
