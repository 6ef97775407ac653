"""The stock-ETF twin: the basket's moments and dividends, the fund's NAV, the compute link, bad terms.

The basket model (etfsim/fund/stock_twin.py): each stock's cum-dividend level
has log return ``(mu - sigma^2/2) dt + sigma sqrt(dt) (sqrt(rho) M + sqrt(1 - rho) e_i)``
(+ ``beta`` times the compute spot's log return), ``dt`` in ACT/365 years; every
63rd business day a dividend of ``q/4`` of the price is paid and the price
drops by it.  So the total return grows at ``mu``, the price at about
``mu - q - sigma^2/2`` in logs, and any two stocks' daily log returns have
correlation ``rho``.  Sampling errors below are computed from those formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from etfsim.contracts.calendars import business_days
from etfsim.exceptions import ConfigError
from etfsim.fund import InvestorDemand
from etfsim.fund.stock_twin import StockBasket, StockFundConfig, simulate_stock_fund


def _dates(n: int) -> np.ndarray:
    days = business_days("NYSE", "2026-04-01", "2031-12-31")
    assert len(days) >= n
    return np.asarray(days)[:n]


def _years(dates: np.ndarray) -> float:
    d = np.asarray(dates).astype("datetime64[D]")
    return float((d[-1] - d[0]).astype(int)) / 365.0


def _dt(dates: np.ndarray) -> np.ndarray:
    return np.diff(np.asarray(dates).astype("datetime64[D]")).astype(int) / 365.0


# -- moments -------------------------------------------------------------------------------------------
def test_mean_log_price_return_is_mu_minus_q_minus_half_sigma_squared() -> None:
    mu, q, sig, rho, n, paths = 0.10, 0.05, 0.10, 0.30, 40, 200
    dates = _dates(8 * 63 + 1)  # exactly eight quarterly payments, about two years
    t = _years(dates)
    prices, _ = StockBasket(
        n_stocks=n, expected_return=mu, volatility=sig, correlation=rho, dividend_yield=q, seed=12
    ).simulate(dates, paths)
    assert prices.shape == (paths, len(dates), n)
    logret = np.log(prices[:, -1] / prices[:, 0])  # (paths, stocks)
    expected = (mu - q - sig**2 / 2) * t
    # the grand mean shares the market factor across stocks: var = sigma^2 t (rho / paths + (1 - rho) / (paths n))
    se_all = sig * math.sqrt(t * (rho / paths + (1 - rho) / (paths * n)))
    assert abs(logret.mean() - expected) < 4 * se_all
    # each stock's mean over the paths: se = sigma sqrt(t / paths)
    se_one = sig * math.sqrt(t / paths)
    assert np.abs(logret.mean(axis=0) - expected).max() < 5 * se_one
    # the dividend is in the price drops once, not also in the drift: twice would be q t = 0.10 lower
    assert q * t > 15 * se_all
    # and the daily volatility, standardised by each step's calendar length, is sigma
    dt = _dt(dates)
    z = np.diff(np.log(prices), axis=1) / np.sqrt(dt)[None, :, None]
    pay = np.zeros(len(dates) - 1, bool)
    pay[62::63] = True  # the step into a payment day carries the drop
    assert z[:, ~pay].std() == pytest.approx(sig, rel=0.02)


@pytest.mark.parametrize("rho", [0.0, 0.6])
def test_pairwise_correlation_of_daily_log_returns_is_rho(rho: float) -> None:
    n, paths = 10, 20
    dates = _dates(505)
    prices, _ = StockBasket(n_stocks=n, volatility=0.3, correlation=rho, dividend_yield=0.0, seed=3).simulate(
        dates, paths
    )
    z = np.diff(np.log(prices), axis=1) / np.sqrt(_dt(dates))[None, :, None]  # equal variance every day
    off = ~np.eye(n, dtype=bool)
    corr = np.array([np.corrcoef(z[p].T)[off].mean() for p in range(paths)])
    # about (1 - rho^2) / sqrt(days) per pair, averaged over pairs and paths: well under 0.02
    assert corr.mean() == pytest.approx(rho, abs=0.03)


# -- dividends -----------------------------------------------------------------------------------------
def test_dividends_quarterly_of_q_over_4_and_the_price_drops_by_them() -> None:
    mu, q = 0.08, 0.04
    dates = _dates(3 * 252 + 1)
    dt = _dt(dates)
    prices, divs = StockBasket(n_stocks=2, expected_return=mu, volatility=0.0, dividend_yield=q).simulate(dates, 1)
    p, d = prices[0, :, 0], divs[0, :, 0]
    assert p[0] == 100.0
    paid = np.nonzero(d)[0]
    assert list(paid) == list(range(63, len(dates), 63))  # every 63rd business day, none on day 0
    cum = p[1:] + d[1:]  # the price just before the drop
    # with no volatility the cum-dividend price grows at mu every step (the total return is mu)
    np.testing.assert_allclose(cum, p[:-1] * np.exp(mu * dt), rtol=1e-12)
    # on a payment date the dividend is q/4 of the cum-dividend price, and the price falls by exactly that
    np.testing.assert_allclose(d[paid], q / 4 * cum[paid - 1], rtol=1e-12)
    np.testing.assert_allclose(p[paid], cum[paid - 1] - d[paid], rtol=1e-12)
    # q per year: four payments in each block of 252 business days, each q/4 of the price
    for year in range(3):
        block = paid[(paid > 252 * year) & (paid <= 252 * (year + 1))]
        assert len(block) == 4
        assert (d[block] / cum[block - 1]).sum() == pytest.approx(q, rel=1e-12)
        # in dollars, about q of the year's average price
        assert d[block].sum() / p[252 * year + 1 : 252 * (year + 1) + 1].mean() == pytest.approx(q, rel=0.05)
    # the total return over the horizon is exp(mu t) exactly: the dividend is not taken twice
    tr = np.prod(cum / p[:-1])
    assert tr == pytest.approx(math.exp(mu * _years(dates)), rel=1e-12)


def test_random_basket_pays_q_over_4_of_the_cum_dividend_price() -> None:
    dates = _dates(200)
    prices, divs = StockBasket(n_stocks=5, volatility=0.4, dividend_yield=0.02, seed=9).simulate(dates, 3)
    paid = divs[:, 1:] > 0
    assert paid.sum() == 3 * 5 * 3  # days 63, 126, 189 on every path and stock
    ratio = divs[:, 1:] / (prices[:, 1:] + divs[:, 1:])
    np.testing.assert_allclose(ratio[paid], 0.005, rtol=1e-12)


# -- the fund ------------------------------------------------------------------------------------------
def test_nav_follows_basket_tr_less_the_fee_and_in_kind_flows_leave_it_unchanged() -> None:
    basket = StockBasket(n_stocks=8, dividend_yield=0.03, seed=4)
    dates = _dates(400)
    cfg = StockFundConfig(expense_ratio=0.002)
    quiet = simulate_stock_fund(basket, dates, 2, cfg)
    busy = simulate_stock_fund(basket, dates, 2, cfg, flows=InvestorDemand(volatility=0.02, seed=5))

    # the basket's TR recomputed here: equal weights at launch, bought and held, dividends reinvested
    prices, divs = basket.simulate(dates, 2)
    growth = (prices[:, 1:] + divs[:, 1:]) / prices[:, :-1]
    stock_tr = np.concatenate([np.ones((2, 1, 8)), np.cumprod(growth, axis=1)], axis=1)
    tr = 100 * stock_tr.mean(axis=2)
    np.testing.assert_allclose(quiet.index_tr, tr, rtol=1e-12)
    # NAV_t / NAV_0 = (TR_t / TR_0) / prod(1 + x), x = e * calendar days / 365
    x = 0.002 * _dt(dates)
    fee_factor = np.concatenate([[1.0], np.cumprod(1 + x)])
    np.testing.assert_allclose(
        quiet.nav_per_share / quiet.nav_per_share[:, :1], tr / tr[:, :1] / fee_factor, rtol=1e-12
    )
    assert quiet.nav_per_share[0, 0] == 25.0

    # in kind at NAV: the same NAV per share, different shares
    np.testing.assert_allclose(busy.nav_per_share, quiet.nav_per_share, rtol=1e-14)
    assert busy.creations.sum() > 5 and busy.redemptions.sum() > 5
    assert not np.array_equal(busy.shares, quiet.shares)
    assert (quiet.shares == cfg.initial_shares).all() and (quiet.premium == 0).all()
    steps = busy.shares[:, 1:] - busy.shares[:, :-1]
    np.testing.assert_array_equal(steps, (busy.creations[:, 1:] - busy.redemptions[:, 1:]) * cfg.creation_unit)
    # the fee is charged on the day's net assets: NAV per share before the fee times shares times x/(1+x)
    pre = quiet.nav_per_share[:, 1:] * (1 + x)
    np.testing.assert_allclose(quiet.fees[:, 1:], pre * cfg.initial_shares * x / (1 + x), rtol=1e-12)


@pytest.mark.parametrize("nan_spot", [False, True])
def test_the_basket_by_path_is_the_cube_to_the_bit(nan_spot: bool) -> None:
    """The twin works out dividends on payment dates only; it gives what the whole cube gives, bit for bit,
    also where a NaN spot makes a path's levels NaN (its every later dividend share NaN, as the cube's)."""
    from etfsim.fund.stock_twin import _basket_by_path

    basket = StockBasket(n_stocks=6, dividend_yield=0.03, compute_beta=0.4, seed=11)
    dates = _dates(700)
    spot = np.exp(np.cumsum(np.random.default_rng(2).normal(0.0, 0.02, (3, len(dates))), axis=1))
    if nan_spot:
        spot[1, 300] = np.nan
    tr, frac = _basket_by_path(basket, dates, 3, spot, 5)
    prices, divs = basket.simulate(dates, 3, spot, 5)  # the same paths as one cube
    stock_tr = np.ones_like(prices)
    stock_tr[:, 1:] = np.cumprod((prices[:, 1:] + divs[:, 1:]) / prices[:, :-1], axis=1)
    with np.errstate(invalid="ignore"):
        weights = stock_tr[:, :-1] / stock_tr[:, :-1].sum(axis=2, keepdims=True)
    want = np.zeros_like(frac)
    want[:, 1:] = (divs[:, 1:] / prices[:, :-1] * weights).sum(axis=2)
    np.testing.assert_array_equal(tr, 100.0 * stock_tr.mean(axis=2))
    np.testing.assert_array_equal(frac, want)
    paying = len(range(63, len(dates), 63))
    if nan_spot:
        assert np.isnan(frac[1, 301:]).all() and (frac[[0, 2]] > 0).sum() == 2 * paying
    else:
        assert (frac > 0).sum() == 3 * paying  # paid on every 63rd business day


def test_compute_beta_links_the_basket_to_the_spot() -> None:
    dates = _dates(253)
    dt = _dt(dates)
    g = np.random.default_rng(0)
    paths = 10
    spot_ret = 0.6 * np.sqrt(dt) * g.standard_normal((paths, len(dt)))  # a volatile compute spot
    spot = 2.35 * np.exp(np.concatenate([np.zeros((paths, 1)), np.cumsum(spot_ret, axis=1)], axis=1))

    def link(beta: float) -> tuple[float, float]:
        basket = StockBasket(compute_beta=beta, dividend_yield=0.0, seed=2)
        res = simulate_stock_fund(basket, dates, paths, spot=spot)
        r = np.diff(np.log(res.index_tr), axis=1).ravel()
        s = spot_ret.ravel()
        prices, _ = basket.simulate(dates, paths, spot)
        mean_stock = np.diff(np.log(prices), axis=1).mean(axis=2).ravel()
        slope = np.cov(mean_stock, s)[0, 1] / s.var(ddof=1)
        return float(np.corrcoef(r, s)[0, 1]), float(slope)

    corr1, slope1 = link(1.0)
    corr0, slope0 = link(0.0)
    # beta 1: basket vol ~0.18 against the spot's 0.6 -> correlation about 0.6 / sqrt(0.6^2 + 0.18^2) = 0.96
    assert corr1 > 0.8 and slope1 == pytest.approx(1.0, abs=0.05)
    # beta 0: independent of the spot (2,520 daily pairs: standard error about 0.02)
    assert abs(corr0) < 0.08 and abs(slope0) < 0.05


# -- bad terms -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: StockBasket(n_stocks=0), "n_stocks must be a whole number >= 1, got 0"),
        (lambda: StockBasket(n_stocks=2.5), "n_stocks must be a whole number"),
        (lambda: StockBasket(correlation=1.5), "correlation must be <= 1, got 1.5"),
        (lambda: StockBasket(volatility=-0.2), "volatility must be >= 0"),
        (lambda: StockFundConfig(expense_ratio=2), "did you give a percentage"),
        (lambda: StockFundConfig(creation_unit=0), "creation_unit must be a positive whole number"),
    ],
)
def test_bad_basket_and_fund_terms(make, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        make()
