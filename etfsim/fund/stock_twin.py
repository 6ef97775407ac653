"""The stock-ETF twin: an ordinary physically replicating equity ETF, for comparison.

The twin holds a basket of stocks directly.  Authorised participants create
and redeem **in kind** (they deliver or take the basket), so flows cost the
fund nothing and realise no gains; the stocks pay dividends; nothing rolls.
The same premium/discount machinery as the futures fund applies, with its
own (usually smaller) arbitrage cost.  The basket can share the compute theme:
each stock's return loads on the compute spot's log return with
``compute_beta``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etfsim._random import path_generators
from etfsim._results import Result
from etfsim._validate import number
from etfsim.curves.curve import check_first_path
from etfsim.exceptions import ConfigError
from etfsim.fund.config import InvestorDemand

__all__ = ["StockBasket", "StockFundConfig", "StockFundResult", "simulate_stock_fund"]


@dataclass(frozen=True)
class StockBasket:
    """A synthetic basket of correlated stocks with quarterly dividends.

    Parameters
    ----------
    n_stocks : int
        Stocks in the basket (held in equal weights at launch, then bought and held).
    expected_return : float
        Expected total return per year of each stock (price drift plus dividends).
    volatility : float
        Each stock's volatility per sqrt(year).
    correlation : float
        Pairwise correlation through one market factor (0 to 1).
    dividend_yield : float
        Dividends per year as a fraction of price, paid quarterly.
    compute_beta : float
        Loading of each stock's log return on the compute spot's log return
        (0: no link to the futures fund's theme).
    seed : int
        Seed of the basket's draws (path ``i`` uses its own child stream).
    """

    n_stocks: int = 25
    expected_return: float = 0.08
    volatility: float = 0.30
    correlation: float = 0.35
    dividend_yield: float = 0.012
    compute_beta: float = 0.0
    seed: int = 1

    def __post_init__(self) -> None:
        n = self.n_stocks
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(f"n_stocks must be a whole number >= 1, got {n!r}")
        object.__setattr__(self, "expected_return", number("expected_return", self.expected_return, -0.5, 1.0))
        object.__setattr__(self, "volatility", number("volatility", self.volatility, 0.0, 3.0))
        object.__setattr__(self, "correlation", number("correlation", self.correlation, 0.0, 1.0))
        object.__setattr__(self, "dividend_yield", number("dividend_yield", self.dividend_yield, 0.0, 0.2))
        object.__setattr__(self, "compute_beta", number("compute_beta", self.compute_beta, -5.0, 5.0))

    def simulate(
        self, dates: np.ndarray, paths: int, spot: np.ndarray | None = None, first_path: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Prices ``(paths, dates, stocks)`` (100 at the start) and dividends paid per share on each date.

        Path ``i`` draws from child ``first_path + i`` of the seed, so a chunk of
        paths starting at ``first_path`` draws what the same paths draw in one run.

        The cum-dividend level's log return over a step of ``dt`` years is ``(mu - sigma^2/2) dt +
        sigma sqrt(dt) (sqrt(rho) M + sqrt(1 - rho) e_i) + beta * (compute spot log return)``, so the
        total return (dividends reinvested) grows at ``mu``; a dividend of ``q / 4`` of the price is paid
        on every 63rd business day and the price drops by it, so the price itself drifts at about
        ``mu - q - sigma^2/2`` in logs.
        """
        d = np.asarray(dates).astype("datetime64[D]")
        n = len(d)
        prices = np.empty((paths, n, self.n_stocks))
        divs = np.zeros((paths, n, self.n_stocks))
        link = self._link(spot, paths, n)
        for i, g in enumerate(path_generators(self.seed, range(first_path, first_path + paths))):
            level, paid, cum_drop = self._path(d, g, link[i])
            prices[i] = level * cum_drop
            before_drop = np.vstack([np.ones((1, 1)), cum_drop[:-1]])
            divs[i] = paid * level * before_drop
        return prices, divs

    def _link(self, spot: np.ndarray | None, paths: int, n: int) -> np.ndarray:
        """``(paths, n - 1)``: each step's ``beta * (compute spot log return)``, zeros without a link."""
        if spot is None or self.compute_beta == 0.0:
            return np.zeros((paths, n - 1))
        s = np.asarray(spot, dtype=float)
        return np.asarray(self.compute_beta * np.diff(np.log(np.broadcast_to(s, (paths, n))), axis=1))

    def _path(self, d: np.ndarray, g: np.random.Generator, link: np.ndarray) -> tuple[np.ndarray, ...]:
        """One path from its generator: the price index without dividends ``(n, stocks)``, the dividend paid
        on each date as a fraction of the price ``(n, 1)`` and the running product of the drops ``(n, 1)``."""
        n = len(d)
        dt = np.diff(d).astype(np.int64) / 365.0
        q = self.dividend_yield
        mu, sig, rho = self.expected_return, self.volatility, self.correlation
        pay = np.zeros(n, dtype=bool)
        pay[63::63] = True
        m = g.standard_normal((n - 1, 1))
        e = g.standard_normal((n - 1, self.n_stocks))
        shock = math.sqrt(rho) * m + math.sqrt(1.0 - rho) * e
        # the dividend comes out of the price through the drops below, not through the drift as well:
        # subtracting q here too would count it twice (total return mu - q, price drift mu - 2q)
        step = (mu - 0.5 * sig * sig) * dt[:, None] + sig * np.sqrt(dt)[:, None] * shock + link[:, None]
        # the price index without dividends; on a payment date the price drops by the dividend
        level = 100.0 * np.exp(np.vstack([np.zeros((1, self.n_stocks)), np.cumsum(step, axis=0)]))
        paid = np.where(pay[:, None], q / 4.0, 0.0)
        return level, paid, np.cumprod(1.0 - paid, axis=0)


@dataclass(frozen=True)
class StockFundConfig:
    """Terms of the stock-ETF twin (in-kind creations and redemptions)."""

    nav_per_share: float = 25.0
    initial_shares: float = 4_000_000.0
    expense_ratio: float = 0.0020
    creation_unit: int = 50_000
    creation_fee: float = 250.0
    redemption_fee: float = 250.0
    ap_spread: float = 0.0002
    ap_capacity_units: int = 200

    def __post_init__(self) -> None:
        er = number("expense_ratio", self.expense_ratio, 0.0)
        if er > 0.05:
            raise ConfigError(
                f"expense_ratio must be between 0 and 0.05 (a fraction per year), got {er}; did you give a percentage?"
            )
        for name in ("nav_per_share", "initial_shares"):
            if number(name, getattr(self, name)) <= 0:
                raise ConfigError(f"{name} must be > 0")
        for name in ("creation_fee", "redemption_fee", "ap_spread"):
            number(name, getattr(self, name), 0.0)
        if (
            isinstance(self.creation_unit, bool)
            or not isinstance(self.creation_unit, (int, np.integer))
            or self.creation_unit <= 0
        ):
            raise ConfigError(f"creation_unit must be a positive whole number of shares, got {self.creation_unit!r}")


class StockFundResult(Result):
    """The stock twin's NAV, market price, flows and its basket index, ``(paths, dates)``."""

    dates: np.ndarray
    nav_per_share: np.ndarray
    shares: np.ndarray
    premium: np.ndarray
    creations: np.ndarray
    redemptions: np.ndarray
    fees: np.ndarray
    index_tr: np.ndarray  # the basket's total return (dividends reinvested), 100 at the start
    dividend_yield_paid: np.ndarray  # dividends of the day as a fraction of NAV

    @property
    def nav(self) -> np.ndarray:
        return np.asarray(self.nav_per_share * self.shares)

    @property
    def market_price(self) -> np.ndarray:
        return self.nav_per_share * (1.0 + self.premium)

    def _repr_facts(self) -> dict[str, object]:
        p, n = self.nav_per_share.shape
        return {"paths": p, "dates": n}

    def summary(self) -> str:
        """NAV and basket returns per year and the premium, means across paths."""
        p, n = self.nav_per_share.shape
        d = np.asarray(self.dates).astype("datetime64[D]")
        years = float((d[-1] - d[0]).astype(np.int64)) / 365.0
        with np.errstate(invalid="ignore", divide="ignore"):
            nav = (self.nav_per_share[:, -1] / self.nav_per_share[:, 0]) ** (1.0 / years) - 1.0
            basket = (self.index_tr[:, -1] / self.index_tr[:, 0]) ** (1.0 / years) - 1.0
        return "\n".join(
            [
                f"StockFundResult: {p} path(s) x {n} dates, {d[0]} to {d[-1]}",
                f"  NAV return / yr          {float(np.mean(nav)):+.2%}",
                f"  basket TR / yr           {float(np.mean(basket)):+.2%}",
                f"  mean absolute premium    {float(np.mean(np.abs(self.premium[:, 1:]))):.3%}",
                f"  creations / redemptions  {float(self.creations.sum(axis=1).mean()):g} / "
                f"{float(self.redemptions.sum(axis=1).mean()):g} units a path",
            ]
        )

    def to_frame(self, path: int | None = None) -> pd.DataFrame:
        """Daily record by ``(path, date)``, or by date for one path."""
        cols = ("nav_per_share", "shares", "premium", "creations", "redemptions", "fees", "index_tr")
        dates = pd.DatetimeIndex(np.asarray(self.dates).astype("datetime64[ns]"), name="date")
        if path is not None:
            return pd.DataFrame({c: getattr(self, c)[path] for c in cols}, index=dates)
        p = self.nav_per_share.shape[0]
        index = pd.MultiIndex.from_product([range(p), dates], names=["path", "date"])
        return pd.DataFrame({c: getattr(self, c).reshape(-1) for c in cols}, index=index)

    def _repr_frame(self) -> pd.DataFrame:
        return self.to_frame(path=0)


def _basket_by_path(
    basket: StockBasket, dates: np.ndarray, paths: int, spot: np.ndarray | None, first_path: int
) -> tuple[np.ndarray, np.ndarray]:
    """The basket's total-return index and its dividends as a fraction of the basket, ``(paths, dates)`` each.

    One path's ``(dates, stocks)`` prices at a time: the whole ``(paths, dates,
    stocks)`` cube (500 MB for 1,000 paths of ten years) and the cubes derived
    from it are never held, and each path's figures are what the cube gives
    (the same operations on the same numbers).
    """
    d = np.asarray(dates).astype("datetime64[D]")
    n = len(d)
    link = basket._link(spot, paths, n)
    basket_tr = np.empty((paths, n))
    div_frac = np.zeros((paths, n))
    every = np.arange(1, n)
    for i, g in enumerate(path_generators(basket.seed, range(first_path, first_path + paths))):
        level, paid, cum_drop = basket._path(d, g, link[i])
        # a dividend is paid on a few dates only (every 63rd): elsewhere it is +0.0, which changes neither the
        # total return's numerator (p + 0.0 is p) nor a day's dividend share (a sum of zeros) while every
        # price is finite, so only the payment dates are worked out, by the same operations as on the cube
        tr, frac = _basket_rows(level, paid, cum_drop, np.flatnonzero(paid[1:, 0]) + 1)
        if not np.isfinite(tr).all():  # a NaN or infinite level (a NaN spot, say): 0/NaN is NaN, so every date
            tr, frac = _basket_rows(level, paid, cum_drop, every)
        basket_tr[i], div_frac[i] = tr, frac
    return basket_tr, div_frac


def _basket_rows(
    level: np.ndarray, paid: np.ndarray, cum_drop: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One path's total-return index and dividend share ``(n,)`` each, the dividends worked out on dates ``t``.

    With ``t`` every date from the second on this is the whole cube's arithmetic (:meth:`StockBasket.simulate`,
    then the formulas below on every date); dates left out of ``t`` get no dividend and a share of 0.
    """
    prices = level * cum_drop
    divs = paid[t] * level[t] * cum_drop[t - 1]
    growth = prices[1:].copy()
    growth[t - 1] += divs
    growth /= prices[:-1]
    # equal weights at launch, bought and held, dividends reinvested in the same stock
    stock_tr = np.ones_like(prices)
    stock_tr[1:] = np.cumprod(growth, axis=0)
    held = stock_tr[t - 1]
    weights = held / held.sum(axis=1, keepdims=True)  # each stock's share of the basket
    frac = np.zeros(len(prices))
    frac[t] = (divs / prices[t - 1] * weights).sum(axis=1)
    return 100.0 * stock_tr.mean(axis=1), frac


def simulate_stock_fund(
    basket: StockBasket,
    dates: np.ndarray,
    paths: int,
    config: StockFundConfig | None = None,
    flows: InvestorDemand | None = None,
    spot: np.ndarray | None = None,
    first_path: int = 0,
) -> StockFundResult:
    """Run the stock-ETF twin on a simulated basket.

    NAV per share grows with the basket's total return (dividends reinvested)
    less the expense ratio accrued on the day's net assets; creations and
    redemptions are in kind at NAV, so they change the shares and not NAV per
    share.  The premium follows the same demand dynamics and AP band as the
    futures fund.  ``first_path`` is the place of the first path in the run:
    path ``i`` draws the basket's and the demand's streams of path
    ``first_path + i``, so a run in chunks of paths draws what one run does.
    """
    cfg = StockFundConfig() if config is None else config
    first_path = check_first_path(first_path)
    basket_tr, div_frac = _basket_by_path(basket, dates, paths, spot, first_path)
    d = np.asarray(dates).astype("datetime64[D]")
    n = len(d)
    ratio = basket_tr[:, 1:] / basket_tr[:, :-1]
    days = np.diff(d).astype(np.int64)
    x = cfg.expense_ratio * days / 365.0
    navps = np.empty((paths, n))
    navps[:, 0] = cfg.nav_per_share
    navps[:, 1:] = cfg.nav_per_share * np.cumprod(ratio / (1.0 + x)[None, :], axis=1)
    fees = np.zeros((paths, n))
    fees_frac = x / (1.0 + x)
    shares = np.empty((paths, n))
    shares[:, 0] = cfg.initial_shares
    premium = np.zeros((paths, n))
    created = np.zeros((paths, n))
    redeemed = np.zeros((paths, n))
    demand = flows or InvestorDemand(volatility=0.0)
    shocks = np.zeros((paths, n))
    if flows is not None:
        for i, g in enumerate(
            path_generators(flows.seed + 7919, range(first_path, first_path + paths))
        ):  # its own stream, apart from the futures fund's
            shocks[i] = flows.mean + flows.volatility * g.standard_normal(n)
    cu = float(cfg.creation_unit)
    for t in range(1, n):
        nav_pre = navps[:, t] * shares[:, t - 1]
        fees[:, t] = navps[:, t - 1] * ratio[:, t - 1] * shares[:, t - 1] * fees_frac[t - 1]
        trail = np.zeros(paths)
        if demand.chase and t - demand.chase_window >= 0:
            trail = navps[:, t - 1] / navps[:, t - demand.chase_window] - 1.0
        p_star = demand.persistence * premium[:, t - 1] + demand.impact * (shocks[:, t] + demand.chase * trail)
        unit_value = cu * navps[:, t]
        absorb = demand.impact * unit_value / nav_pre
        band_c = cfg.creation_fee / unit_value + cfg.ap_spread
        band_r = cfg.redemption_fee / unit_value + cfg.ap_spread
        up = np.where(
            p_star > band_c, np.minimum(np.floor((p_star - band_c) / absorb + 0.5), cfg.ap_capacity_units), 0.0
        )
        most = np.maximum(np.floor(shares[:, t - 1] / cu) - 1.0, 0.0)
        down = np.where(
            p_star < -band_r, np.minimum(np.floor((-band_r - p_star) / absorb + 0.5), cfg.ap_capacity_units), 0.0
        )
        down = np.minimum(down, most)
        premium[:, t] = p_star - (up - down) * absorb
        created[:, t] = up
        redeemed[:, t] = down
        shares[:, t] = shares[:, t - 1] + (up - down) * cu
    return StockFundResult(d, navps, shares, premium, created, redeemed, fees, basket_tr, div_frac)
