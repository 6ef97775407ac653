"""Perpetual futures: one contract that never expires, held to the index by funding.

A perpetual future has no expiry, so a fund holding it never rolls.  What keeps
its price ``P`` near the index ``S`` is **funding**: at each funding cycle a
long pays a short ``funding rate x S`` per unit (a short pays a long when the
rate is negative).  The rate is the perpetual's **premium** to the index,
``X = (P - S) / S``, clamped so one cycle can never pay more than a cap::

    f = clamp(X + clamp(I - X, -d, d), -cap, cap)

Architect's exchange (AX), which announced perpetuals on GPU rental and RAM
prices, settles funding once a day, "excluding holidays and exchange
closures": if the mark is above the underlying longs pay shorts, "proportional
to the price difference", with a published funding rate cap per product
(https://docs.sandbox.x.architect.co/guides/funding-settlement/funding-rate-payments,
.../guides/perpetual-futures/contract-specs).  That is the formula above with no
interest term (``I = d = 0``): ``f = clamp(X, -cap, cap)``.  Crypto venues add
an interest term inside a damper, ``F = P + clamp(I - P, 0.05%, -0.05%)`` with
``I`` = 0.01% per 8-hour cycle (BitMEX and Binance, as gate.io restates it:
https://gate.io/futures/introduction/funding-rate-history); the same function
covers both.  AX's cap values are on its product specification list, which we
could not read: the default cap of 0.5% a cycle is the clamp two other venues
publish (AscendEX, https://ascendex.com/tr/help-center/articles/360043561753;
100x, https://docs.100x.finance/100x-exchange/funding-and-pricing).

**The premium** follows an Ornstein-Uhlenbeck process in calendar time (the
perpetual trades every day; Uhlenbeck and Ornstein 1930), drawn exactly::

    X(t+h) = m + (X(t) - m) e^{-k h} + sigma sqrt((1 - e^{-2 k h}) / (2 k)) Z

with its own random stream per path, apart from the curve's.  No compute
perpetual has traded yet, so the defaults are assumptions: mean 0 (a premium
that pays no funding on average), a half-life of about two days (daily funding
of the whole premium gives arbitrageurs a strong pull) and a stationary
standard deviation of about 0.13%.

**Holding it.** A long of ``n`` contracts (multiplier ``M``) from close ``t-1``
to close ``t`` gains ``n M (P(t) - P(t-1))`` and pays ``n M S(t) f(t)``.  The
curve this module builds holds the **funding-adjusted price** ``A``, with
``A(t) / A(t-1) = (P(t) - S(t) f(t)) / P(t-1)``, so the index and the fund
ledger hold a perpetual unchanged: a position worth ``V`` at one close earns
exactly ``V (A(t) / A(t-1) - 1)``.  Dollars are exact (NAV, P&L, funding,
notional, fees on traded notional); contract counts are not: the ledger holds
``V / (A M)`` "adjusted" contracts where the venue holds ``V / (P M)``, so
anything charged per contract (a commission per contract, a spread in ticks,
limits in contracts, margin per contract) is off by ``A / P``, the cumulative
funding factor.  :meth:`PerpetualCurve.traded_contracts` converts; charge the
venue's fees as a share of notional and margin as a share of notional.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from etfsim._random import check_seed
from etfsim._results import Result
from etfsim._typing import DateArray, PathMatrix
from etfsim._validate import number
from etfsim.contracts.spec import ContractSpec
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError

__all__ = ["AX_MAKER_FEE", "AX_TAKER_FEE", "Perpetual", "PerpetualCurve", "funding_rate", "premium_paths"]

AX_MAKER_FEE = 0.0002
"""AX's maker fee, tier 1 (30-day volume up to $1M): 0.02% of notional (https://architect.co/fee-schedule, version 2025-1)."""
AX_TAKER_FEE = 0.0025
"""AX's taker fee, tier 1: 0.25% of notional (same schedule); a fund trading at the close takes liquidity."""
NEVER = np.datetime64("2199-12-31", "D")
"""The expiry a perpetual's slot map carries (a curve needs one): the last date the business calendars know."""
_PREMIUM_STREAM = 0x50455250  # "PERP": path i's premium draws come from (seed, i, this), not the curve's (seed, i)
_DAYS_A_YEAR = 365.0


def funding_rate(premium: np.ndarray | float, cap: float, interest: float = 0.0, damper: float = 0.0) -> np.ndarray:
    """The funding rate of one cycle: ``clamp(X + clamp(I - X, -damper, damper), -cap, cap)``.

    Parameters
    ----------
    premium : array or float
        The perpetual's premium to the index, ``(P - S) / S``.
    cap : float
        The largest rate one cycle pays either way (> 0).
    interest, damper : float
        The interest term ``I`` and its damper ``d`` of crypto venues (BitMEX,
        Binance: 0.01% and 0.05% per 8-hour cycle); 0 and 0 (AX): the clamped premium.

    Returns
    -------
    ndarray
        Rates as fractions of the index, positive where longs pay shorts.
    """
    x = np.asarray(premium, dtype=np.float64)
    rate = x + np.clip(interest - x, -damper, damper)
    return np.clip(rate, -cap, cap)


def premium_paths(
    dates: DateArray,
    n_paths: int,
    mean: float,
    reversion: float,
    volatility: float,
    initial: float | None,
    seed: int,
    first_path: int = 0,
) -> PathMatrix:
    """Ornstein-Uhlenbeck premium paths ``(paths, dates)`` on calendar time (ACT/365), drawn exactly.

    Path ``i`` (``first_path + i`` of the run) draws from its own stream, so a
    chunk of paths gives the same numbers as the whole run.  ``initial = None``
    starts each path from the stationary law ``N(mean, volatility^2 / (2 reversion))``.
    """
    days = np.asarray(dates).astype("datetime64[D]")
    h = np.diff(days).astype(np.int64) / _DAYS_A_YEAR
    decay = np.exp(-reversion * h)
    step_sd = volatility * np.sqrt(-np.expm1(-2.0 * reversion * h) / (2.0 * reversion))
    z = np.empty((n_paths, len(days)))
    root = check_seed(seed)
    for i in range(n_paths):
        stream = np.random.SeedSequence(root, spawn_key=(first_path + i, _PREMIUM_STREAM))
        np.random.Generator(np.random.PCG64(stream)).standard_normal(out=z[i])
    x = np.empty_like(z)
    if initial is None:
        x[:, 0] = mean + volatility / math.sqrt(2.0 * reversion) * z[:, 0]
    else:
        x[:, 0] = initial
    for t in range(1, len(days)):  # a recursion over dates, vectorised over paths
        x[:, t] = mean + (x[:, t - 1] - mean) * decay[t - 1] + step_sd[t - 1] * z[:, t]
    return x


@dataclass(frozen=True)
class Perpetual:
    """A perpetual future on a curve's index: its premium, funding and fees.

    Parameters
    ----------
    symbol : str
        The contract code on every date (it never changes: there is nothing to roll).
    premium_mean : float
        Long-run premium to the index, a fraction (0.001 = 0.1%).
    premium_reversion : float
        Speed of mean reversion per year (half-life ``ln 2 / reversion`` years), > 0.
    premium_volatility : float
        Volatility of the premium per square root of a year, >= 0.
    premium_initial : float or None
        The premium on the first date; None draws it from the stationary law.
    funding_cap : float
        The largest funding rate one cycle pays either way (AX's "funding rate cap"), > 0.
    funding_interest, funding_damper : float
        The interest term and its damper per cycle (0 and 0 on AX; 0.0001 and
        0.0005 on BitMEX and Binance).
    funding_cycles_per_day : float or None
        None: one funding cycle on each date of the curve (AX: daily, excluding
        holidays and closures).  A number: cycles per calendar day (3 for
        8-hour funding every day), each at the date's premium.
    maker_fee, taker_fee : float
        Fees as a share of traded notional (AX tier 1: 0.02% and 0.25%).
    maker_share : float
        Share of the fund's trading done as maker (0: all taker, as at a close).
    multiplier : float or None
        Units per contract; None: the curve contract's multiplier (AX lists its
        perpetuals with multiplier 1; the dollars do not depend on it).
    seed : int
        Seed of the premium's random streams (one per path).
    """

    symbol: str = "GPUH-PERP"
    premium_mean: float = 0.0
    premium_reversion: float = 120.0
    premium_volatility: float = 0.02
    premium_initial: float | None = None
    funding_cap: float = 0.005
    funding_interest: float = 0.0
    funding_damper: float = 0.0
    funding_cycles_per_day: float | None = None
    maker_fee: float = AX_MAKER_FEE
    taker_fee: float = AX_TAKER_FEE
    maker_share: float = 0.0
    multiplier: float | None = None
    seed: int = 2026

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise ConfigError(f"symbol must be a non-empty contract code, e.g. 'GPUH-PERP', got {self.symbol!r}")
        set_(self, "premium_mean", number("premium_mean", self.premium_mean, -0.5, 0.5, " (a fraction of the index)"))
        k = number("premium_reversion", self.premium_reversion, hint=" (per year)")
        if k <= 0.0:
            raise ConfigError(f"premium_reversion must be > 0 (per year; 120 is a half-life of two days), got {k:g}")
        set_(self, "premium_reversion", k)
        vol = number("premium_volatility", self.premium_volatility, hint=" (per square root of a year)")
        if vol < 0.0:
            raise ConfigError(f"premium_volatility must be >= 0 (per square root of a year), got {vol:g}")
        set_(self, "premium_volatility", vol)
        if self.premium_initial is not None:
            set_(self, "premium_initial", number("premium_initial", self.premium_initial, -0.5, 0.5, " (a fraction)"))
        cap = number("funding_cap", self.funding_cap, hint=" (a fraction of the index per funding cycle)")
        if not 0.0 < cap < 1.0:
            raise ConfigError(
                f"funding_cap must be > 0 and < 1 (the largest funding rate a cycle pays, 0.005 = 0.5%), got {cap:g}"
            )
        set_(self, "funding_cap", cap)
        set_(self, "funding_interest", number("funding_interest", self.funding_interest, -cap, cap, " (per cycle)"))
        set_(self, "funding_damper", number("funding_damper", self.funding_damper, 0.0, hint=" (per cycle)"))
        if self.funding_cycles_per_day is not None:
            c = number("funding_cycles_per_day", self.funding_cycles_per_day, hint=" (3 for 8-hour funding)")
            if c <= 0.0:
                raise ConfigError(f"funding_cycles_per_day must be > 0 or left out (one a date), got {c:g}")
            set_(self, "funding_cycles_per_day", c)
        for name in ("maker_fee", "taker_fee"):
            set_(self, name, number(name, getattr(self, name), 0.0, 0.05, " (a fraction of traded notional)"))
        set_(self, "maker_share", number("maker_share", self.maker_share, 0.0, 1.0, " (a fraction of the trading)"))
        if self.multiplier is not None:
            m = number("multiplier", self.multiplier, hint=" (units per contract)")
            if m <= 0.0:
                raise ConfigError(f"multiplier must be > 0 (units per contract) or left out, got {m:g}")
            set_(self, "multiplier", m)
        set_(self, "seed", check_seed(self.seed))

    @property
    def fee_rate(self) -> float:
        """The fund's blended fee on traded notional: ``maker_share x maker + (1 - maker_share) x taker``."""
        return self.maker_share * self.maker_fee + (1.0 - self.maker_share) * self.taker_fee

    @property
    def premium_sd(self) -> float:
        """The premium's stationary standard deviation, ``volatility / sqrt(2 reversion)``."""
        return self.premium_volatility / math.sqrt(2.0 * self.premium_reversion)

    @property
    def half_life_days(self) -> float:
        """Calendar days for the premium's distance to its mean to halve."""
        return math.log(2.0) / self.premium_reversion * _DAYS_A_YEAR

    def funding_rate(self, premium: np.ndarray | float) -> np.ndarray:
        """The rate of one funding cycle at ``premium`` (:func:`funding_rate` with these terms)."""
        return funding_rate(premium, self.funding_cap, self.funding_interest, self.funding_damper)

    def contract_for(self, contract: ContractSpec) -> ContractSpec:
        """The perpetual's contract terms, from those of the dated contract on the same index."""
        root = "".join(ch for ch in self.symbol if ch.isalnum()) or "PERP"
        m = contract.multiplier if self.multiplier is None else self.multiplier
        return replace(
            contract,
            root=root,
            name=f"{contract.name} perpetual",
            multiplier=float(m),
            listed_depth=1,
            settlement="final",
            multiplier_changes=(),
        )

    def simulate(self, curve: FuturesCurve, contract: ContractSpec | None = None) -> PerpetualCurve:
        """The perpetual on ``curve``'s spot index, on the same paths and dates.

        Parameters
        ----------
        curve : FuturesCurve
            A curve with a spot index (every simulated curve has one).
        contract : ContractSpec, optional
            The dated contract's terms (default: from the curve's metadata); the
            perpetual keeps its unit, tick and calendar.

        Raises
        ------
        DataError
            The curve has no spot index, or one that is not positive everywhere.
        ConfigError
            The curve says no contract and none is given, or the premium falls to -100%.
        """
        if curve.spot is None:
            raise DataError("a perpetual tracks the curve's spot index, and this curve has none (curve.with_spot)")
        spot = np.asarray(curve.spot, dtype=np.float64)
        if not (np.isfinite(spot).all() and (spot > 0).all()):
            raise DataError("a perpetual needs a positive spot index on every date; this curve's has gaps or zeros")
        spec = self.contract_for(_curve_contract(curve, contract))
        x = premium_paths(
            curve.dates,
            curve.n_paths,
            self.premium_mean,
            self.premium_reversion,
            self.premium_volatility,
            self.premium_initial,
            self.seed,
            curve.first_path,
        )
        if (x <= -1.0).any():
            raise ConfigError("the premium fell to -100% or below; lower premium_volatility or raise premium_reversion")
        price = spot * (1.0 + x)
        rate = self._rate_per_date(x, np.asarray(curve.dates))
        adjusted = _funding_adjusted(price, spot, rate)
        n = curve.n_dates
        meta = dict(curve.metadata, contract=spec.to_dict(), perpetual=_plain(self), prices="funding-adjusted")
        perp = FuturesCurve(
            dates=curve.dates,
            prices=adjusted[:, :, None],
            contracts=np.full((n, 1), self.symbol, dtype=object),
            expiries=np.full((n, 1), NEVER),
            spot=spot,
            metadata=meta,
            first_path=curve.first_path,
        )
        return PerpetualCurve(perpetual=self, contract=spec, curve=perp, price=price, premium=x, funding_rate=rate)

    def _rate_per_date(self, premium: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """Funding paid on each date, a fraction of the index: one cycle, or the cycles since the last date."""
        rate = self.funding_rate(premium)
        if self.funding_cycles_per_day is None:
            return rate
        days = np.ones(len(dates))
        days[1:] = np.diff(np.asarray(dates).astype("datetime64[D]")).astype(np.int64)
        return rate * (self.funding_cycles_per_day * days)[None, :]


def _curve_contract(curve: FuturesCurve, contract: ContractSpec | None) -> ContractSpec:
    """The dated contract a curve lists: given, or from its metadata."""
    if contract is not None:
        return contract
    meta = curve.metadata.get("contract")
    if isinstance(meta, dict):
        return ContractSpec.from_dict(meta)
    raise ConfigError("the curve does not say which contract it lists; pass contract= a ContractSpec")


def _plain(perp: Perpetual) -> dict[str, Any]:
    """The perpetual's terms as plain data (curve metadata)."""
    return {name: getattr(perp, name) for name in perp.__dataclass_fields__}


def _funding_adjusted(price: np.ndarray, spot: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """``A(0) = P(0)``, ``A(t) = A(t-1) (P(t) - S(t) f(t)) / P(t-1)``: what a long's dollar earns, funding paid."""
    step = np.ones_like(price)
    step[:, 1:] = (price[:, 1:] - spot[:, 1:] * rate[:, 1:]) / price[:, :-1]
    return price[:, :1] * np.cumprod(step, axis=1)


class PerpetualCurve(Result):
    """A perpetual simulated on a curve's paths: traded price, premium, funding and the curve to hold it.

    ``curve`` is a one-slot :class:`FuturesCurve` of the funding-adjusted price
    (see the module docstring), with the source curve's spot and dates; a roll
    schedule of weight 1 on it gives the perpetual's excess-return index.
    ``price`` is the traded price ``P``, ``premium`` is ``P / S - 1`` and
    ``funding_rate`` is what a long pays on each date, a fraction of the
    index (the first date's is what the market pays; a fund launched that
    day pays from the next one), all ``(paths, dates)``.
    """

    perpetual: Perpetual
    contract: ContractSpec
    curve: FuturesCurve
    price: PathMatrix
    premium: PathMatrix
    funding_rate: PathMatrix

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.price.shape[0])

    @property
    def adjusted(self) -> PathMatrix:
        """The funding-adjusted price ``A`` ``(paths, dates)`` the curve holds."""
        return np.asarray(self.curve.prices[:, :, 0])

    @property
    def spot(self) -> PathMatrix:
        """The index the perpetual tracks ``(paths, dates)``."""
        return np.asarray(self.curve.spot)

    @property
    def funding(self) -> PathMatrix:
        """Dollars a long pays per unit (``S(t) f(t)``) on each date held into; 0 on the first date."""
        out = self.spot * self.funding_rate
        out[:, 0] = 0.0
        return out

    def traded_contracts(self, positions: np.ndarray) -> np.ndarray:
        """Contracts at the venue for the ledger's funding-adjusted contracts ``(paths, dates[, 1])``.

        The ledger holds ``V / (A M)`` where the venue holds ``V / (P M)`` for the
        same dollars ``V``: ``traded = adjusted contracts x A / P``.
        """
        pos = np.asarray(positions, dtype=np.float64)
        ratio = self.adjusted / self.price
        return pos * (ratio[:, :, None] if pos.ndim == 3 else ratio)

    def annual_funding(self, start: int = 0) -> np.ndarray:
        """Per path: the funding rates a long pays from the day after ``start``, summed, per year (ACT/365)."""
        days = np.asarray(self.curve.dates).astype("datetime64[D]")
        years = float((days[-1] - days[start]).astype(np.int64)) / _DAYS_A_YEAR
        paid = self.funding_rate[:, start + 1 :].sum(axis=1)
        return np.asarray(paid / years) if years > 0 else np.full(self.n_paths, np.nan)

    def to_frame(self, path: int = 0) -> pd.DataFrame:
        """One path by date: ``spot, price, premium, funding_rate, funding, adjusted``."""
        if not 0 <= int(path) < self.n_paths:
            raise DataError(f"path {path!r} out of range for a perpetual with {self.n_paths} paths")
        return pd.DataFrame(
            {
                "spot": self.spot[path],
                "price": self.price[path],
                "premium": self.premium[path],
                "funding_rate": self.funding_rate[path],
                "funding": self.funding[path],
                "adjusted": self.adjusted[path],
            },
            index=pd.DatetimeIndex(np.asarray(self.curve.dates), name="date"),
        )

    def _repr_facts(self) -> dict[str, object]:
        return {"symbol": self.perpetual.symbol, "paths": self.n_paths, "dates": self.curve.n_dates}

    def summary(self) -> str:
        """The premium's and funding's statistics across paths, and the fee schedule."""
        p = self.perpetual
        funding = self.annual_funding()
        lines = [
            f"PerpetualCurve: {p.symbol} on {self.n_paths} path(s) x {self.curve.n_dates} dates",
            f"  premium    mean {self.premium.mean():+.4%}, sd {self.premium.std():.4%} "
            f"(model: {p.premium_mean:+.4%}, sd {p.premium_sd:.4%}, half-life {p.half_life_days:.1f} days)",
            f"  funding    cap {p.funding_cap:.3%} a cycle; paid by a long {np.mean(funding):+.2%} a year "
            f"(5-95%: {np.percentile(funding, 5):+.2%} to {np.percentile(funding, 95):+.2%})",
            f"  fees       maker {p.maker_fee:.3%}, taker {p.taker_fee:.3%}; the fund pays {p.fee_rate:.3%} of notional",
        ]
        return "\n".join(lines)
