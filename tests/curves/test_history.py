"""History calibration (etfsim.curves.history): the filter's likelihood, priors, snapshots, scenarios, bad input.

The reference check of the filter is exact: for a Gaussian linear state space
the prediction-error decomposition equals the joint normal log-density of all
observations stacked (Durbin & Koopman 2012, section 7.2), built here directly
from the factors' exact moments and the closed-form futures (Schwartz & Smith
2000, eq. 9), with no filter involved.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from etfsim import SchwartzSmith, calibrate_history, load_scenario
from etfsim.curves import history as hist
from etfsim.curves.history import Prior, Snapshot, log_likelihood
from etfsim.curves.history_kernels import kalman_filter
from etfsim.curves.history_models import parse_prior
from etfsim.exceptions import ConfigError, DataError, EtfsimError, UnknownNameError

TRUE = SchwartzSmith(kappa=2.0, sigma_chi=0.4, lambda_chi=0.1, mu_xi=-0.05, sigma_xi=0.2, rho=0.3, mu_xi_star=0.02)
THETA = np.array([2.0, 0.4, 0.1, -0.05, 0.2, 0.3, 0.02])
MATS = [0.1, 0.5, 1.0, 2.0]


def _synthetic(n_dates: int = 120, seed: int = 3, noise: float = 0.01) -> pd.DataFrame:
    """A weekly constant-maturity panel drawn from the exact law of the factors (drawn here, not by etfsim)."""
    rng = np.random.default_rng(seed)
    dt = 1 / 52
    k, sc, sx, r = TRUE.kappa, TRUE.sigma_chi, TRUE.sigma_xi, TRUE.rho
    cov = np.array(
        [
            [sc**2 * (1 - math.exp(-2 * k * dt)) / (2 * k), r * sc * sx * (1 - math.exp(-k * dt)) / k],
            [r * sc * sx * (1 - math.exp(-k * dt)) / k, sx**2 * dt],
        ]
    )
    chi, xi = 0.1, math.log(3.0)
    rows = []
    for _ in range(n_dates):
        rows.append(TRUE.log_futures(chi, xi, np.array(MATS)) + rng.normal(0, noise, len(MATS)))
        w = rng.multivariate_normal([0, 0], cov)
        chi, xi = chi * math.exp(-k * dt) + w[0], xi + TRUE.mu_xi * dt + w[1]
    dates = pd.date_range("2024-09-06", periods=n_dates, freq="7D")
    return pd.DataFrame(np.exp(rows), index=dates, columns=[f"M{i}" for i in range(len(MATS))])


def _direct_log_density(y: np.ndarray, tau: np.ndarray, errors: np.ndarray, dt: float, a0, p0) -> float:  # type: ignore[no-untyped-def]
    """log N(y; mean, cov) of the stacked non-missing observations, from the factors' joint moments."""
    k, sc, lc, mu, sx, rho, mus = THETA
    t_n, n = y.shape
    g = np.diag([math.exp(-k * dt), 1.0])
    q = np.array(
        [
            [sc**2 * (1 - math.exp(-2 * k * dt)) / (2 * k), rho * sc * sx * (1 - math.exp(-k * dt)) / k],
            [rho * sc * sx * (1 - math.exp(-k * dt)) / k, sx**2 * dt],
        ]
    )
    means, var = [np.array(a0, float)], [np.array(p0, float)]
    for _ in range(1, t_n):
        means.append(g @ means[-1] + np.array([0.0, mu * dt]))
        var.append(g @ var[-1] @ g.T + q)
    # Cov(x_s, x_t) = G^(t-s) Var(x_s) for t >= s
    big = np.zeros((2 * t_n, 2 * t_n))
    for s in range(t_n):
        for t in range(s, t_n):
            c = np.linalg.matrix_power(g, t - s) @ var[s]
            big[2 * t : 2 * t + 2, 2 * s : 2 * s + 2] = c
            big[2 * s : 2 * s + 2, 2 * t : 2 * t + 2] = c.T
    model = dataclasses.replace(TRUE)
    z_rows, d, obs, err = [], [], [], []
    for t in range(t_n):
        for i in range(n):
            if np.isnan(y[t, i]):
                continue
            row = np.zeros(2 * t_n)
            row[2 * t], row[2 * t + 1] = math.exp(-k * tau[t, i]), 1.0
            z_rows.append(row)
            d.append(float(model.A(tau[t, i])) + row[2 * t : 2 * t + 2] @ means[t])
            obs.append(y[t, i])
            err.append(errors[i] ** 2)
    z = np.array(z_rows)
    cov = z @ big @ z.T + np.diag(err)
    return float(multivariate_normal(np.array(d), cov).logpdf(np.array(obs)))


@pytest.mark.parametrize("compiled", [True, False], ids=["numba", "python"])
def test_filter_loglik_equals_the_stacked_gaussian_density(compiled: bool) -> None:
    panel = _synthetic(n_dates=7)
    y = np.log(panel.to_numpy())
    y[1, 2] = y[3, 0] = y[3, 1] = y[4, 3] = np.nan  # missing prices are skipped, not imputed
    y[5, :] = np.nan  # a date with no price at all: the filter only predicts
    tau = np.broadcast_to(np.array(MATS), y.shape).copy()
    errors = np.array([0.02, 0.005, 0.01, 0.003])
    a0, p0 = np.array([0.05, 1.1]), np.array([0.04, 0.01, 0.09])
    direct = _direct_log_density(y, tau, errors, 1 / 52, a0, [[p0[0], p0[1]], [p0[1], p0[2]]])
    dt = np.full(7, 1 / 52)
    states, covs, ll_t = np.empty((7, 2)), np.empty((7, 3)), np.empty(7)
    kernel = kalman_filter if compiled else kalman_filter.py_func
    bucket = np.broadcast_to(np.arange(4), y.shape).copy()
    ll = kernel(THETA, errors, y, tau, bucket, dt, a0, p0, states, covs, ll_t)
    assert ll == pytest.approx(direct, rel=1e-10, abs=1e-9)
    assert ll_t.sum() == pytest.approx(ll)
    assert ll_t[5] == 0.0


def test_log_likelihood_uses_the_documented_start() -> None:
    panel = _synthetic(n_dates=6)
    y = np.log(panel.to_numpy())
    tau = np.broadcast_to(np.array(MATS), y.shape)
    errors = np.array([0.01] * 4)
    a0 = [0.0, y[0, 0]]  # chi 0 and xi at the nearest log price, variance DIFFUSE each
    direct = _direct_log_density(y, tau, errors, 1 / 52, a0, np.eye(2) * hist.DIFFUSE)
    params = {f.name: getattr(TRUE, f.name) for f in dataclasses.fields(TRUE) if f.name != "overlays"}
    assert log_likelihood(panel, MATS, params, errors, dt=1 / 52) == pytest.approx(direct, rel=1e-10)


@pytest.fixture(scope="module")
def fit() -> hist.HistoryCalibrationResult:
    return calibrate_history(_synthetic(), MATS, dt=1 / 52, starts=3)


def test_fit_recovers_a_synthetic_panel(fit: hist.HistoryCalibrationResult) -> None:
    assert fit.success, fit.message
    for name in ("kappa", "sigma_chi", "sigma_xi", "rho", "mu_xi_star"):
        assert abs(fit.params[name] - getattr(TRUE, name)) < 3 * fit.stderr[name], name
    np.testing.assert_allclose(fit.measurement_errors, 0.01, atol=0.003)
    assert fit.covariance.shape == (11, 11)
    assert np.allclose(np.sqrt(np.diag(fit.covariance))[:7], list(fit.stderr.values()))


def test_result_is_frozen(fit: hist.HistoryCalibrationResult) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.loglik = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        fit.states[0, 0] = 1.0
    with pytest.raises(TypeError):
        fit.params["kappa"] = 1.0  # type: ignore[index]
    assert repr(fit).startswith("<HistoryCalibrationResult model='schwartz-smith'")
    assert list(fit.to_frame().columns) == ["estimate", "std_error", "prior"]


def test_same_seed_same_fit() -> None:
    a = calibrate_history(_synthetic(60), MATS, dt=1 / 52, starts=2, seed=5)
    b = calibrate_history(_synthetic(60), MATS, dt=1 / 52, starts=2, seed=5)
    assert a.params == b.params and a.loglik == b.loglik


def test_a_tight_prior_pins_a_parameter_and_is_reported() -> None:
    panel = _synthetic(60)
    free = calibrate_history(panel, MATS, dt=1 / 52, starts=2)
    pinned = calibrate_history(panel, MATS, dt=1 / 52, starts=2, priors={"mu_xi": Prior("normal", 0.3, 0.001)})
    assert pinned.params["mu_xi"] == pytest.approx(0.3, abs=0.005)
    assert pinned.stderr["mu_xi"] < 0.0011
    assert pinned.loglik <= free.loglik + 1e-6
    assert pinned.log_prior != 0.0
    assert pinned.to_frame().loc["mu_xi", "prior"] == "normal(0.3, 0.001)"
    assert "MAP" in pinned.summary()
    lognormal = calibrate_history(panel, MATS, dt=1 / 52, starts=2, priors={"kappa": (2.0, 0.5)})
    assert lognormal.priors["kappa"] == Prior("normal", 2.0, 0.5)


def test_parse_prior() -> None:
    assert parse_prior("kappa=1.5,0.5") == ("kappa", Prior("normal", 1.5, 0.5))
    assert parse_prior("sigma_chi=lognormal:0.3,0.5") == ("sigma_chi", Prior("lognormal", 0.3, 0.5))
    for bad in ("kappa", "kappa=1.5", "kappa=a,b", "kappa=gamma:1,2", "kappa=1,-1"):
        with pytest.raises(ConfigError):
            parse_prior(bad)


def test_snapshot_term_is_the_least_squares_of_the_filtered_curve() -> None:
    panel = _synthetic(60)
    last = panel.index[-1]
    tenors = (0.25, 0.75, 1.5)
    prices = tuple(float(v) for v in panel.iloc[-1, 1:].to_numpy())  # any curve; a residual is the point
    snap = Snapshot(last + pd.Timedelta(days=14), tenors, prices, sd=0.02)
    res = calibrate_history(panel, MATS, dt=1 / 52, starts=2, snapshots=[snap])
    chi, xi = res.states[-1]
    gap = 14 / 365
    m = res.model
    assert isinstance(m, SchwartzSmith)
    lnf = m.log_futures(chi * math.exp(-m.kappa * gap), xi + m.mu_xi * gap, np.array(tenors))
    expected = -float(((lnf - np.log(prices)) ** 2).sum()) / (2 * 0.02**2)
    assert res.snapshot_term == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ConfigError, match="before the panel's first date"):
        calibrate_history(panel, MATS, snapshots=[Snapshot("2000-01-03", tenors, prices)])


def test_to_scenario_loads_and_simulates(fit: hist.HistoryCalibrationResult, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "fitted.toml"
    text = fit.to_scenario(path, name="fitted", contract="wti", years=0.5, paths=3)
    assert path.read_text() == text
    sc = load_scenario(path)
    assert sc.model_name == "schwartz-smith"
    for name, value in fit.params.items():
        assert getattr(sc.model, name) == value
    assert sc.spot == pytest.approx(math.exp(fit.states[-1].sum()))
    assert sc.chi0 == fit.states[-1, 0]
    assert sc.start == (pd.Timestamp(fit.dates[-1]) + pd.Timedelta(days=1)).date().isoformat()
    curve = sc.simulate()
    assert curve.n_paths == 3 and np.isfinite(curve.prices[:, 0, 0]).all()


def test_one_factor_scenario(tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = calibrate_history(_synthetic(60), MATS, model="schwartz-1f", dt=1 / 52, starts=2)
    res.to_scenario(tmp_path / "one.toml")
    sc = load_scenario(tmp_path / "one.toml")
    assert sc.model_name == "schwartz-1f"
    assert sc.spot == pytest.approx(math.exp(res.states[-1, 0] + res.params["alpha"]))


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_bad_input_is_one_line_naming_the_field() -> None:
    panel = _synthetic(30)
    cases = [
        (
            lambda: calibrate_history(panel.iloc[:8], MATS),
            DataError,
            "panel has 8 dates but the schwartz-smith fit has 11",
        ),
        (lambda: calibrate_history(panel, MATS[:3]), DataError, "maturities has 3 values but the panel has 4 columns"),
        (lambda: calibrate_history(panel, None), ConfigError, "maturities is required"),
        (lambda: calibrate_history(panel, [0.1, 0.5, -1.0, 2.0]), DataError, "maturities must be finite and > 0"),
        (
            lambda: calibrate_history(panel, pd.DataFrame(0.5, index=panel.index, columns=["a", "b", "c", "d"])),
            DataError,
            "maturities columns",
        ),
        (lambda: calibrate_history(panel, MATS, model="gbm"), UnknownNameError, "unknown model 'gbm'"),
        (lambda: calibrate_history(panel, MATS, dt=[0.1, 0.2]), ConfigError, "dt has 2 values"),
        (lambda: calibrate_history(panel, MATS, dt=-1.0), ConfigError, "dt must be > 0"),
        (lambda: calibrate_history(panel, MATS, priors={"kappa": (-1.0, 0.5)}), ConfigError, "prior on kappa"),
        (lambda: calibrate_history(panel, MATS, priors={"rho": (1.5, 0.1)}), ConfigError, "between -1 and 1"),
        (lambda: calibrate_history(panel, MATS, priors={"beta": (1.0, 0.1)}), UnknownNameError, "beta"),
        (lambda: calibrate_history(panel, MATS, errors="each"), ConfigError, "errors must be"),
        (lambda: calibrate_history(panel, MATS, starts=0), ConfigError, "starts must be"),
        (lambda: calibrate_history(panel.to_numpy(), MATS), DataError, "panel must be a pandas DataFrame"),  # type: ignore[arg-type]
    ]
    for call, kind, text in cases:
        with pytest.raises(kind) as exc:
            call()
        assert text in _one_line(exc), (text, str(exc.value))


def test_bad_prices_are_named_with_column_and_date() -> None:
    panel = _synthetic(30)
    neg = panel.copy()
    neg.iloc[4, 2] = -3.0
    with pytest.raises(DataError) as exc:
        calibrate_history(neg, MATS)
    assert "panel column 'M2' has price -3 on 2024-10-04; a log model needs prices > 0" in _one_line(exc)
    empty = panel.copy()
    empty["M1"] = np.nan
    with pytest.raises(DataError, match="panel column 'M1' has no price on any date; drop it"):
        calibrate_history(empty, MATS)
    tau = pd.DataFrame(np.broadcast_to(np.array(MATS), panel.shape).copy(), index=panel.index, columns=panel.columns)
    tau.iloc[3, 0] = np.nan
    with pytest.raises(DataError, match="maturities column 'M0' on 2024-09-27 is nan where the panel has a price"):
        calibrate_history(panel, tau)
    with pytest.raises(DataError, match="maturities must have the panel's 30 dates"):
        calibrate_history(panel, tau.iloc[:-1])
    shuffled = panel.iloc[::-1]
    with pytest.raises(DataError, match="increasing order"):
        calibrate_history(shuffled, MATS)


def test_every_error_is_an_etfsim_error() -> None:
    with pytest.raises(EtfsimError):
        Snapshot("2025-01-01", (0.5,), (0.0,))
    with pytest.raises(EtfsimError):
        log_likelihood(_synthetic(10), MATS, {"kappa": 1.0}, [0.01] * 4)


def test_maturity_buckets_of_an_incomplete_panel() -> None:
    panel = _synthetic(40)
    tau = pd.DataFrame(np.broadcast_to(np.array(MATS), panel.shape).copy(), index=panel.index, columns=panel.columns)
    res = calibrate_history(panel, tau, dt=1 / 52, starts=2)
    # default edges 0.25, 0.5, 1, 2 years; the bucket 0.25-0.5 holds no contract and is left out
    assert res.labels == ("tau<0.25", "0.5-1", "1-2", "tau>=2")
    one = calibrate_history(panel, MATS, dt=1 / 52, starts=2, errors="one")
    assert one.labels == ("all",) and one.n_params == 8
