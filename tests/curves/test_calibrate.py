"""Calibration to one futures-curve snapshot (etfsim.curves.calibrate).

Reference values: prices generated from the Schwartz & Smith (2000) closed
form, eq. (9), which the fit must recover; and the committed sample snapshot
``data/compute/sample_term_structure.csv`` (generated from the default compute
scenario, kappa 4, and rounded to the cent).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.calibrate import FITTED, CalibrationResult, calibrate, read_term_structure
from etfsim.curves.schwartz import SchwartzSmith
from etfsim.exceptions import ConfigError, DataError, EtfsimError, FileFormatError
from etfsim.scenario import load_scenario

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "compute" / "sample_term_structure.csv"

TRUE = SchwartzSmith(kappa=3.0, sigma_chi=0.5, lambda_chi=0.08, mu_xi=-0.05, sigma_xi=0.2, rho=0.3, mu_xi_star=0.03)
SPOT, CHI0 = 2.35, 0.2
TENORS = np.arange(1, 37) / 12.0


def _true_prices(model: SchwartzSmith = TRUE) -> np.ndarray:
    return np.exp(model.log_futures(CHI0, np.log(SPOT) - CHI0, TENORS))


@pytest.fixture(scope="module")
def exact_fit() -> CalibrationResult:
    # a distant prior: slow reversion, premia of the wrong sign; volatilities as the truth (not fitted)
    prior = replace(TRUE, kappa=0.3, lambda_chi=-0.5, mu_xi_star=-0.2)
    return calibrate(TENORS, _true_prices(), SPOT, prior=prior, chi0=CHI0)


# -- recovery ---------------------------------------------------------------------------
def test_recovers_the_generating_parameters(exact_fit: CalibrationResult) -> None:
    assert exact_fit.success, exact_fit.message
    m = exact_fit.model
    assert m.kappa == pytest.approx(3.0, abs=1e-6)
    assert m.lambda_chi == pytest.approx(0.08, abs=1e-6)
    assert m.mu_xi_star == pytest.approx(0.03, abs=1e-6)
    # the parameters a snapshot cannot identify come from the prior untouched
    assert (m.sigma_chi, m.sigma_xi, m.rho, m.mu_xi) == (0.5, 0.2, 0.3, -0.05)


def test_exact_prices_leave_no_residual(exact_fit: CalibrationResult) -> None:
    assert np.abs(exact_fit.residuals).max() < 1e-10
    assert exact_fit.rmse_log < 1e-10
    np.testing.assert_allclose(exact_fit.fitted, _true_prices(), rtol=1e-10)
    assert exact_fit.spot == SPOT and exact_fit.chi0 == CHI0


def test_summary_and_frame(exact_fit: CalibrationResult) -> None:
    text = exact_fit.summary()
    assert str(exact_fit) == text
    assert "36 tenors, spot 2.35, chi0 0.2 (converged)" in text
    assert "kappa      3.000000" in text
    assert "lambda_chi 0.080000" in text
    assert "mu_xi_star 0.030000" in text
    frame = exact_fit.to_frame()
    assert list(frame.columns) == ["tenor_years", "observed", "fitted", "residual"]
    assert len(frame) == 36
    np.testing.assert_array_equal(frame["residual"], frame["fitted"] - frame["observed"])


def test_overlays_of_the_prior_are_part_of_the_fit() -> None:
    # deflation and launch jumps shift A(tau) linearly in tau, like mu_xi_star: the fit
    # must recover the truth when the same overlays generate and fit the prices
    truth = replace(TRUE, overlays=load_scenario().model.overlays)
    prior = replace(truth, kappa=8.0, lambda_chi=0.0, mu_xi_star=0.0)
    fit = calibrate(TENORS, _true_prices(truth), SPOT, prior=prior, chi0=CHI0)
    assert (fit.model.kappa, fit.model.lambda_chi, fit.model.mu_xi_star) == pytest.approx((3.0, 0.08, 0.03), abs=1e-6)
    assert fit.model.overlays == truth.overlays


def test_prior_kappa_outside_the_search_bounds_still_fits() -> None:
    # kappa = 60 is a legal model (half-life of 4 days) but outside [1e-3, 50]: the fit starts at the bound
    prior = replace(TRUE, kappa=60.0)
    fit = calibrate(TENORS, _true_prices(), SPOT, prior=prior, chi0=CHI0)
    assert fit.model.kappa == pytest.approx(3.0, abs=1e-6)


def test_default_prior_when_none_given() -> None:
    # without a prior the volatilities are the module's placeholders; the fit still converges
    fit = calibrate(TENORS, _true_prices(), SPOT, chi0=CHI0)
    assert fit.success
    assert (fit.model.sigma_chi, fit.model.sigma_xi, fit.model.rho) == (0.3, 0.15, 0.0)
    assert fit.rmse_log < 1e-3  # only the small convexity terms differ from the truth


# -- the committed sample snapshot ------------------------------------------------------
def test_sample_csv_reads_36_monthly_tenors() -> None:
    tenors, prices = read_term_structure(SAMPLE)
    np.testing.assert_allclose(tenors, np.arange(1, 37) / 12.0, rtol=0, atol=1e-15)
    assert prices[0] == 2.18 and prices[-1] == 1.16  # first and last rows of the file
    assert (np.diff(prices) <= 0).all()  # a backwardated curve below the 2.35 spot


def test_sample_csv_fits_within_rounding() -> None:
    tenors, prices = read_term_structure(SAMPLE)
    fit = calibrate(tenors, prices, spot=2.35, prior=load_scenario().model, chi0=0.25)
    assert fit.success, fit.message
    assert fit.rmse_log < 0.01
    assert len(fit.to_frame()) == 36
    # generated with kappa 4; the file is rounded to cents and priced on the monthly average
    assert fit.model.kappa == pytest.approx(4.0, abs=0.1)
    assert np.abs(fit.residuals).max() < 0.01


# -- noise ------------------------------------------------------------------------------
def test_noisy_snapshot_residuals_match_the_noise() -> None:
    sigma = 0.01  # 1% log-price noise
    eps = np.random.default_rng(7).normal(0.0, sigma, TENORS.size)
    noisy = _true_prices() * np.exp(eps)
    fit = calibrate(TENORS, noisy, SPOT, prior=TRUE, chi0=CHI0)
    assert fit.success
    log_resid = np.log(fit.fitted / fit.observed)
    assert np.all(log_resid != 0.0)
    # least squares with 3 parameters: E[RMSE^2] = sigma^2 (n - 3) / n
    expected = sigma * np.sqrt((TENORS.size - len(FITTED)) / TENORS.size)
    assert 0.7 * expected < fit.rmse_log < 1.3 * expected
    # the optimum fits the noisy data at least as well as the true parameters do
    assert fit.rmse_log <= float(np.sqrt(np.mean(eps**2)))
    # and the residuals are mostly the noise, with the opposite sign
    assert np.corrcoef(log_resid, -eps)[0, 1] > 0.9


# -- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tenors", "prices", "error", "words"),
    [
        ([0.5, 1.0], [2.0, 1.9], DataError, "at least 3 .* got 2"),
        ([0.5, 1.0, 1.5], [2.0, 0.0, 1.8], DataError, "prices must be finite and > 0"),
        ([0.5, 1.0, 1.5], [2.0, -1.0, 1.8], DataError, "prices must be finite and > 0"),
        ([0.5, 1.0, 1.5], [2.0, np.nan, 1.8], DataError, "prices must be finite and > 0"),
        ([0.0, 1.0, 1.5], [2.0, 1.9, 1.8], DataError, "tenors must be finite and > 0"),
        ([-0.5, 1.0, 1.5], [2.0, 1.9, 1.8], DataError, "tenors must be finite and > 0"),
        ([0.5, 1.0, 1.5, 2.0], [2.0, 1.9, 1.8], DataError, "same length, got 4 and 3"),
    ],
)
def test_bad_snapshot(tenors: list[float], prices: list[float], error: type[EtfsimError], words: str) -> None:
    with pytest.raises(error, match=words):
        calibrate(tenors, prices, spot=2.35)


@pytest.mark.parametrize("spot", [0.0, -2.35, float("nan")])
def test_bad_spot(spot: float) -> None:
    with pytest.raises(ConfigError, match="spot must be (a positive price|finite)"):
        calibrate(TENORS, _true_prices(), spot=spot)


def test_csv_missing_a_column(tmp_path: Path) -> None:
    p = tmp_path / "ts.csv"
    p.write_text("tenor_months,settle\n1,2.18\n2,2.06\n3,1.96\n")
    with pytest.raises(
        FileFormatError, match=r"must have columns \['tenor_months', 'price'\], got \['tenor_months', 'settle'\]"
    ):
        read_term_structure(p)


def test_csv_with_text_in_a_number_column(tmp_path: Path) -> None:
    p = tmp_path / "ts.csv"
    p.write_text("tenor_months,price\n1,2.18\n2,n/a?\n3,1.96\n")
    with pytest.raises(FileFormatError, match="tenor_months and price must be numbers"):
        read_term_structure(p)


def test_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="term-structure file .*nope.csv does not exist"):
        read_term_structure(tmp_path / "nope.csv")
