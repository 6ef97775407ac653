"""The designer's side-by-side: the futures ETF against an ordinary stock ETF.

Both funds run over the same dates and paths with the same investor-demand
parameters (the stock fund's shocks come from a stream of their own); the
table reports, for each, the mean across paths of: NAV return, index return,
term-structure drag (zero for the stock fund: it never rolls),
tracking difference and error, premium/discount statistics, costs, and the
after-tax return of a taxable US holder.

Taxes (assumptions, stated in :class:`TaxAssumptions`) follow the futures fund's
structure (:mod:`etfsim.fund.structure`): a '33 Act pool passes its gains
through every year, marked to market, 60% at the long-term and 40% at the
short-term rate (Internal Revenue Code section 1256), its T-bill interest as
ordinary income, and carries a net loss back three years or forward, never as
a yearly refund; a '40 Act fund with a Cayman subsidiary distributes the
subsidiary's net gains and its interest as ordinary dividends and cannot use a
year's subsidiary loss.  A stock ETF's holder pays tax on dividends each year
and on price gains only when selling at the end, because in-kind redemptions
let the fund purge gains without distributing them.  Losses left at the sale
are not credited (the holder is not assumed to have other gains) unless
``credit_losses_at_sale`` is True.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etfsim._results import Result
from etfsim._validate import number
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.fund.engine import FundResult, simulate_fund
from etfsim.fund.metrics import fund_metrics
from etfsim.fund.stock_twin import StockBasket, StockFundConfig, StockFundResult, simulate_stock_fund
from etfsim.fund.structure import after_tax_by_structure
from etfsim.roll.rules import RollRule, roll_schedule
from etfsim.roll.schedule import RollSchedule

__all__ = [
    "Comparison",
    "ComparisonSummary",
    "TaxAssumptions",
    "after_tax_futures",
    "after_tax_stock",
    "compare",
    "compare_chunks",
]


@dataclass(frozen=True)
class TaxAssumptions:
    """US federal rates for a top-bracket holder, including the 3.8% net investment income tax.

    Parameters
    ----------
    long_term, short_term : float
        Capital gains rates: 20% + 3.8% and 37% + 3.8% (the top brackets, 2026).
    dividends : float
        Qualified dividends (a stock ETF's): 20% + 3.8%.
    ordinary : float
        Ordinary income: T-bill interest and a 1940 Act fund's distributions of
        its subsidiary's gains (not qualified dividends), 37% + 3.8%.
    credit_losses_at_sale : bool
        A capital loss left when the holder sells is credited at its rates (the
        holder has other gains to offset it); False (default): it is lost, so
        taxes never add to a return, and the after-tax return is at most the pre-tax one.
    """

    long_term: float = 0.238
    short_term: float = 0.408
    dividends: float = 0.238
    ordinary: float = 0.408
    credit_losses_at_sale: bool = False

    def __post_init__(self) -> None:
        for name in ("long_term", "short_term", "dividends", "ordinary"):
            object.__setattr__(
                self, name, number(f"tax {name}", getattr(self, name), 0.0, 1.0, " (a fraction, 0.238 for 23.8%)")
            )
        if not isinstance(self.credit_losses_at_sale, (bool, np.bool_)):
            raise ConfigError(f"tax credit_losses_at_sale must be true or false, got {self.credit_losses_at_sale!r}")

    @property
    def blended_1256(self) -> float:
        """60/40 rate on section 1256 gains."""
        return 0.6 * self.long_term + 0.4 * self.short_term


def _year_ends(dates: np.ndarray, start: int) -> np.ndarray:
    """Indices of the last date of each calendar year from ``start`` (and the last date)."""
    years = np.asarray(dates).astype("datetime64[Y]")[start:]
    ends = np.nonzero(years[1:] != years[:-1])[0] + start
    return np.append(ends, len(dates) - 1)


def after_tax_futures(
    navps: np.ndarray,
    dates: np.ndarray,
    start: int,
    tax: TaxAssumptions,
    interest: np.ndarray | None = None,
    structure: str = "33_act_pool",
) -> np.ndarray:
    """After-tax annualised return per path of holding the futures ETF from ``start`` to the end.

    The holder is taxed by the fund's ``structure``
    (:func:`etfsim.fund.structure.after_tax_by_structure`): a '33 Act pool's
    gain each calendar year, its T-bill interest part (``interest``, the daily
    interest as a fraction of the previous NAV) at the ordinary rate and the
    rest at the 60/40 Section 1256 rate, losses carried back three years or
    forward; a '40 Act fund's distributions of interest and subsidiary gains as
    ordinary dividends, and its shares' gain at the sale.
    """
    ends = _year_ends(dates, start)
    share = np.zeros_like(navps) if interest is None else interest
    d = np.asarray(dates).astype("datetime64[D]")
    years = float((d[-1] - d[start]).astype(int)) / 365
    return after_tax_by_structure(navps, ends, start, share, tax, structure, years)


def after_tax_stock(result: StockFundResult, tax: TaxAssumptions) -> np.ndarray:
    """After-tax annualised return per path of holding the stock ETF to the end.

    Dividends are paid out, taxed that year and the rest reinvested at NAV;
    gains are taxed once, at the long-term rate, when the holder sells (a loss
    is credited at that rate, as for the futures fund).
    """
    navps = result.nav_per_share
    # price return of a share: NAV per share excludes the dividend once it is paid out
    price_ratio = navps[:, 1:] / navps[:, :-1] / (1.0 + result.dividend_yield_paid[:, 1:])
    div = result.dividend_yield_paid[:, 1:]
    shares = np.cumprod((1.0 + div * (1.0 - tax.dividends)), axis=1)  # reinvested after tax
    price = np.cumprod(price_ratio, axis=1)
    value = shares[:, -1] * price[:, -1]
    # cost basis: the first share plus each reinvestment at its price
    basis = 1.0 + np.sum(
        div * (1.0 - tax.dividends) * np.hstack([np.ones((len(value), 1)), shares[:, :-1]]) * price, axis=1
    )
    after = value - tax.long_term * (value - basis)
    d = np.asarray(result.dates).astype("datetime64[D]")
    years = float((d[-1] - d[0]).astype(int)) / 365
    return np.asarray(after ** (1.0 / years) - 1.0)


def _interest_share(fut: FundResult) -> np.ndarray:
    """Daily T-bill interest as a fraction of the previous day's NAV (``(paths, dates)``, 0 before inception)."""
    nav = fut.ledger.nav
    share = np.zeros_like(nav)
    with np.errstate(invalid="ignore", divide="ignore"):
        share[:, 1:] = fut.ledger.interest[:, 1:] / nav[:, :-1]
    return np.asarray(np.nan_to_num(share))


class Comparison(Result):
    """Both funds' results and the side-by-side table."""

    futures: FundResult
    stock: StockFundResult
    table: pd.DataFrame

    def _repr_facts(self) -> dict[str, object]:
        return {"paths": self.stock.nav_per_share.shape[0], "measures": len(self.table)}

    def summary(self) -> str:
        """The side-by-side table, means across paths."""
        n = self.stock.nav_per_share.shape[0]
        head = f"Comparison: futures ETF vs stock ETF, {n} path(s){' (means across paths)' if n > 1 else ''}"
        return head + "\n" + str(self.table.to_string())

    def to_frame(self) -> pd.DataFrame:
        """The side-by-side table: one row per measure, columns ``futures ETF`` and ``stock ETF``."""
        return self.table.copy()


def _stock_tracking(res: StockFundResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(res.dates).astype("datetime64[D]")
    years = float((d[-1] - d[0]).astype(int)) / 365
    nav_ret = (res.nav_per_share[:, -1] / res.nav_per_share[:, 0]) ** (1 / years) - 1
    idx_ret = (res.index_tr[:, -1] / res.index_tr[:, 0]) ** (1 / years) - 1
    diff = (
        np.diff(res.nav_per_share, axis=1) / res.nav_per_share[:, :-1]
        - np.diff(res.index_tr, axis=1) / res.index_tr[:, :-1]
    )
    te = diff.std(axis=1, ddof=1) * np.sqrt(diff.shape[1] / years)
    return nav_ret, idx_ret, nav_ret - idx_ret, te


def _stock_twin(
    curve: FuturesCurve,
    fut: FundResult,
    basket: StockBasket | None,
    stock_config: StockFundConfig | None,
    flows: InvestorDemand | None,
    first_path: int,
) -> StockFundResult:
    """The stock twin on the futures fund's dates from its inception, on the curve's paths."""
    s = fut.start
    dates = np.asarray(curve.dates)[s:]
    spot = None if curve.spot is None else curve.spot[:, s:]
    return simulate_stock_fund(basket or StockBasket(), dates, curve.n_paths, stock_config, flows, spot, first_path)


def _path_figures(
    curve: FuturesCurve, fut: FundResult, stock: StockFundResult, cfg: FundConfig, tax: TaxAssumptions
) -> dict[str, Any]:
    """Each path's figures behind the side-by-side table (the fund's metrics as their own frame).

    Every value is a ``(paths,)`` array (``"metrics"`` a frame with a row a
    path, ``"drag"`` None when the index has no log attribution), so chunks of
    paths join by concatenation into the whole run's figures.
    """
    s = fut.start
    try:
        drag: np.ndarray | None = np.asarray(fut.index.annualised()["term_structure"], dtype=float)
    except Exception:  # noqa: BLE001 - a negative index has no log attribution
        drag = None
    s_nav, s_idx, s_td, s_te = _stock_tracking(stock)
    s_prem = stock.premium[:, 1:]
    f_prem = fut.premium[:, s:]
    interest = _interest_share(fut)
    return {
        "metrics": fund_metrics(fut),
        "drag": drag,
        "f_premium_days": (f_prem > 1e-12).sum(axis=1),
        "f_discount_days": (f_prem < -1e-12).sum(axis=1),
        "f_largest": np.nanmax(f_prem, axis=1),
        "f_after_tax": after_tax_futures(
            fut.nav_per_share_adjusted, np.asarray(curve.dates), s, tax, interest, cfg.structure
        ),
        "s_nav": s_nav,
        "s_index": s_idx,
        "s_difference": s_td,
        "s_error": s_te,
        "s_premium_days": (s_prem > 1e-12).sum(axis=1),
        "s_discount_days": (s_prem < -1e-12).sum(axis=1),
        "s_largest": s_prem.max(axis=1),
        "s_fees": stock.fees[:, 1:].sum(axis=1) / stock.nav.mean(axis=1),
        "s_after_tax": after_tax_stock(stock, tax),
    }


def _side_by_side(fig: dict[str, Any], years: float, abs_premium: tuple[float, float]) -> pd.DataFrame:
    """The table from the paths' figures: means across paths (the mean absolute premium given, over path-dates)."""
    fm = fig["metrics"]
    drag = float("nan") if fig["drag"] is None else float(np.nanmean(fig["drag"]))
    rows = {
        "NAV return / yr": (fm["nav_return"].mean(), fig["s_nav"].mean()),
        "index total return / yr": (fm["index_tr_return"].mean(), fig["s_index"].mean()),
        "term-structure contribution / yr (log)": (drag, 0.0),
        "tracking difference / yr": (fm["tracking_difference"].mean(), fig["s_difference"].mean()),
        "tracking error": (fm["tracking_error"].mean(), fig["s_error"].mean()),
        "days at a premium / yr": (fig["f_premium_days"].mean() / years, fig["s_premium_days"].mean() / years),
        "days at a discount / yr": (fig["f_discount_days"].mean() / years, fig["s_discount_days"].mean() / years),
        "mean absolute premium": abs_premium,
        "largest premium": (fig["f_largest"].mean(), fig["s_largest"].mean()),
        "fees / yr (of average NAV)": ((fm["fees"] / fm["nav_mean"]).mean() / years, fig["s_fees"].mean() / years),
        "trading and impact costs / yr": (
            ((fm["trading_costs"] + fm["impact_costs"]) / fm["nav_mean"]).mean() / years,
            0.0,
        ),
        "creation halts (days)": (fm["halted_days"].mean(), 0.0),
        "after-tax return / yr": (float(np.nanmean(fig["f_after_tax"])), float(np.nanmean(fig["s_after_tax"]))),
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["futures ETF", "stock ETF"])


def _years(dates: np.ndarray, start: int) -> float:
    d = np.asarray(dates).astype("datetime64[D]")[start:]
    return float((d[-1] - d[0]).astype(int)) / 365


def compare(
    curve: FuturesCurve,
    schedule: RollSchedule,
    config: FundConfig | None = None,
    basket: StockBasket | None = None,
    stock_config: StockFundConfig | None = None,
    flows: InvestorDemand | None = None,
    tax: TaxAssumptions | None = None,
    slots: np.ndarray | None = None,
) -> Comparison:
    """Run the futures ETF and its stock twin on the same horizon and compare them.

    Returns
    -------
    Comparison
        ``table``: rows are measures, columns ``futures ETF`` and ``stock ETF``
        (means across paths; returns per year).

    ``slots`` passes a restricted curve's original slots to the fund ledger
    (see :func:`etfsim.fund.simulate_fund`).  :func:`compare_chunks` gives the
    same table chunk by chunk of paths, in bounded memory.
    """
    cfg = config or FundConfig()
    tax = tax or TaxAssumptions()
    fut = simulate_fund(curve, schedule, cfg, flows=flows, slots=slots)
    stock = _stock_twin(curve, fut, basket, stock_config, flows, 0)
    fig = _path_figures(curve, fut, stock, cfg, tax)
    abs_premium = (float(np.nanmean(np.abs(fut.premium[:, fut.start :]))), float(np.abs(stock.premium[:, 1:]).mean()))
    table = _side_by_side(fig, _years(curve.dates, fut.start), abs_premium)
    return Comparison(fut, stock, table)


class ComparisonSummary(Result):
    """The side-by-side table of a comparison run chunk by chunk of paths (no daily records kept).

    Attributes
    ----------
    table : DataFrame
        As :attr:`Comparison.table`: rows are measures, columns ``futures ETF`` and ``stock ETF``.
    n_paths : int
        Paths compared.
    chunks : int
        Chunks of paths they ran in.
    """

    table: pd.DataFrame
    n_paths: int
    chunks: int

    def _repr_facts(self) -> dict[str, object]:
        return {"paths": self.n_paths, "chunks": self.chunks, "measures": len(self.table)}

    def summary(self) -> str:
        """The side-by-side table, means across paths."""
        n = self.n_paths
        head = f"ComparisonSummary: futures ETF vs stock ETF, {n} path(s) in {self.chunks} chunk(s)"
        return head + ("  (means across paths)" if n > 1 else "") + "\n" + str(self.table.to_string())

    def to_frame(self) -> pd.DataFrame:
        """The side-by-side table: one row per measure, columns ``futures ETF`` and ``stock ETF``."""
        return self.table.copy()


def _joined(figures: list[dict[str, Any]]) -> dict[str, Any]:
    """The chunks' per-path figures as one run's, in path order."""
    out: dict[str, Any] = {"metrics": pd.concat([f["metrics"] for f in figures], ignore_index=True)}
    drags = [f["drag"] for f in figures]
    out["drag"] = None if any(d is None for d in drags) else np.concatenate(drags)
    for key in figures[0]:
        if key not in out:
            out[key] = np.concatenate([f[key] for f in figures])
    return out


def _abs_premium_parts(fut: FundResult, stock: StockFundResult) -> np.ndarray:
    """Per chunk: the sums and counts of the absolute premium over path-dates, futures then stock."""
    f = np.abs(fut.premium[:, fut.start :])
    s = np.abs(stock.premium[:, 1:])
    return np.array([np.nansum(f), float(np.count_nonzero(~np.isnan(f))), s.sum(), float(s.size)])


def compare_chunks(
    chunks: Iterable[FuturesCurve],
    rule: RollRule,
    config: FundConfig | None = None,
    basket: StockBasket | None = None,
    stock_config: StockFundConfig | None = None,
    flows: InvestorDemand | None = None,
    tax: TaxAssumptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    total_chunks: int | None = None,
) -> ComparisonSummary:
    """:func:`compare` chunk by chunk of paths: the same table, with one chunk's records in memory at a time.

    Parameters
    ----------
    chunks : iterable of FuturesCurve
        Consecutive chunks of paths of one curve, in path order (e.g.
        :func:`etfsim.curves.chunks.read_curve_chunks`); each chunk's
        ``first_path`` keeps the fund's investor demand on its paths' streams.
    rule : RollRule
        The futures fund's roll rule (its schedule is built on each chunk).
    config, basket, stock_config, flows, tax
        As for :func:`compare`.  The stock twin's path ``i`` is the ``i``-th path
        given, as in :func:`compare` on the whole curve.
    progress : callable, optional
        ``progress(done, total)`` after each chunk (``total`` is ``total_chunks``
        or the chunks done so far).

    Returns
    -------
    ComparisonSummary

    Notes
    -----
    Every row but one is a mean across paths of a figure computed path by
    path; the chunks' figures are joined in path order, so those rows equal
    :func:`compare`'s bit for bit.  The mean absolute premium is a mean over
    all path-dates: over several chunks it is the sum of the chunks' sums over
    the sum of their counts, equal to :func:`compare`'s to about 1e-15
    (summation order); on one chunk it is :func:`compare`'s exactly.
    """
    cfg = config or FundConfig()
    tax = tax or TaxAssumptions()
    figures: list[dict[str, Any]] = []
    sums = np.zeros(4)
    start, dates, single = -1, np.empty(0), (float("nan"), float("nan"))
    n_paths = 0
    for done, chunk in enumerate(chunks, start=1):
        fut = simulate_fund(chunk, roll_schedule(chunk, rule), cfg, flows=flows)
        if start < 0:
            start, dates = fut.start, np.asarray(chunk.dates)
        elif fut.start != start or not np.array_equal(np.asarray(chunk.dates), dates):
            raise DataError("the chunks do not share one list of dates and inception; give chunks of one curve")
        stock = _stock_twin(chunk, fut, basket, stock_config, flows, n_paths)
        figures.append(_path_figures(chunk, fut, stock, cfg, tax))
        sums += _abs_premium_parts(fut, stock)
        if done == 1:  # one chunk: the mean over path-dates exactly as compare takes it
            single = (float(np.nanmean(np.abs(fut.premium[:, start:]))), float(np.abs(stock.premium[:, 1:]).mean()))
        n_paths += chunk.n_paths
        del fut, stock, chunk  # one chunk's ledgers at a time
        if progress is not None:
            progress(done, total_chunks or done)
    if not figures:
        raise DataError("no chunks of paths to compare; give at least one chunk")
    abs_premium = single if len(figures) == 1 else (float(sums[0] / sums[1]), float(sums[2] / sums[3]))
    table = _side_by_side(_joined(figures), _years(dates, start), abs_premium)
    return ComparisonSummary(table, n_paths, len(figures))
