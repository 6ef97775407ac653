"""Backtests: several roll strategies on one curve, side by side.

For each strategy the rule's schedule is applied to the curve, the ER/TR/spot
indices are computed, and per-path statistics are gathered: annualised ER and
TR return, ER volatility, maximum drawdown, the term-structure contribution per
year, the number of trading closes and the share of days in contango.  On a
Monte Carlo curve the table reports the mean and the 5-95% range across paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etfsim._io import atomic_path
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError
from etfsim.index.levels import IndexResult, compute_index
from etfsim.metrics import annualised_volatility, max_drawdown
from etfsim.roll.rules import RollRule, make_rule, roll_schedule
from etfsim.roll.schedule import RollSchedule
from etfsim.roll.strategy import Strategy, load_strategy, strategy_from_rule

__all__ = [
    "FUND_METRICS",
    "METRICS",
    "BacktestResult",
    "StrategyResult",
    "backtest",
    "default_strategies",
    "fund_stats_of",
    "resolve_strategy",
    "strategy_stats",
]

METRICS: tuple[tuple[str, str, str], ...] = (
    ("er_return", "ER return / yr", "pct"),
    ("tr_return", "TR return / yr", "pct"),
    ("volatility", "ER volatility", "share"),
    ("max_drawdown", "max drawdown (ER)", "pct"),
    ("term_structure", "term structure / yr", "pct"),
    ("spot", "spot / yr", "pct"),
    ("roll_trades", "roll trades", "int"),
    ("contango_share", "days in contango", "share"),
)
"""(column, label, format) rows of the backtest table: ``pct`` a signed return, ``share`` an unsigned
percentage, ``int`` a count; ``term_structure`` and ``spot`` are log returns per year."""


FUND_METRICS: tuple[tuple[str, str, str], ...] = (
    ("nav_return", "NAV return / yr", "pct"),
    ("index_tr_return", "index TR / yr", "pct"),
    ("tracking_difference", "tracking diff. / yr", "pct"),
    ("tracking_error", "tracking error", "share"),
    ("premium_days_per_year", "premium days / yr", "num"),
    ("discount_days_per_year", "discount days / yr", "num"),
    ("max_premium", "largest premium", "pct"),
    ("costs_per_year", "costs / yr", "share"),
    ("halted_days", "halted days", "int"),
)
"""(column, label, format) rows of the fund table."""


@dataclass(frozen=True)
class StrategyResult:
    """One strategy's schedule, index and per-path statistics (and its fund, when run with one)."""

    strategy: Strategy
    schedule: RollSchedule
    index: IndexResult
    stats: pd.DataFrame  # one row per path, columns of METRICS
    fund: Any = None  # FundResult
    fund_stats: pd.DataFrame | None = None  # one row per path, columns of FUND_METRICS


@dataclass(frozen=True)
class BacktestResult:
    """Strategies run on one curve."""

    results: tuple[StrategyResult, ...]
    n_paths: int
    dates: np.ndarray
    source: str

    def table(self) -> pd.DataFrame:
        """Rows: strategies; columns: each metric's mean (and its 5% and 95% across paths)."""
        rows = {}
        for r in self.results:
            row: dict[str, float] = {}
            for col, _label, _fmt in METRICS:
                v = r.stats[col].to_numpy(dtype=float)
                finite = v[np.isfinite(v)]
                row[col] = float(finite.mean()) if finite.size else np.nan
                if self.n_paths > 1:
                    lo, hi = np.percentile(finite, [5, 95]) if finite.size else (np.nan, np.nan)
                    row[f"{col}_p5"], row[f"{col}_p95"] = float(lo), float(hi)
            rows[r.strategy.name] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def fund_table(self) -> pd.DataFrame:
        """Rows: strategies run with a fund; columns: FUND_METRICS means across paths."""
        rows = {}
        for r in self.results:
            if r.fund_stats is None:
                continue
            rows[r.strategy.name] = {
                c: float(np.nanmean(r.fund_stats[c].to_numpy(dtype=float))) for c, _l, _f in FUND_METRICS
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_frame(self, paths: Sequence[int] | None = None) -> pd.DataFrame:
        """Long table of index levels: ``strategy, path, date, er, tr, spot`` (all paths or some)."""
        if paths is not None:
            wanted = np.asarray(paths).reshape(-1)
            if wanted.size and (wanted.dtype.kind not in "iu" or ((wanted < 0) | (wanted >= self.n_paths)).any()):
                # a negative index would silently pick a path from the end and label it -1
                raise DataError(f"paths must be path numbers from 0 to {self.n_paths - 1}, got {list(paths)!r}")
        frames = []
        for r in self.results:
            sel = np.arange(r.index.er.shape[0]) if paths is None else np.asarray(paths, dtype=np.int64)
            n = r.index.er.shape[1]
            frames.append(
                pd.DataFrame(
                    {
                        "strategy": r.strategy.name,
                        "path": np.repeat(sel.astype(np.int32), n),
                        "date": np.tile(np.asarray(r.index.dates).astype("datetime64[ns]"), len(sel)),
                        "er": r.index.er[sel].reshape(-1),
                        "tr": r.index.tr[sel].reshape(-1),
                        "spot": r.index.spot[sel].reshape(-1),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def stats_frame(self) -> pd.DataFrame:
        """Per-path statistics of every strategy: ``strategy, path`` and the METRICS columns."""
        frame = pd.concat(
            [r.stats.reset_index().assign(strategy=r.strategy.name) for r in self.results], ignore_index=True
        )
        return frame[["strategy", "path", *[c for c, _l, _f in METRICS]]]

    def _write(self, frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        described = {r.strategy.name: r.strategy.describe() for r in self.results}
        meta = {b"etfsim": pd.Series(described).to_json().encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        return Path(path)

    def to_parquet(self, path: str | os.PathLike[str], paths: Sequence[int] | None = None) -> Path:
        """Write :meth:`to_frame` to Parquet (atomically), with the strategies in the metadata."""
        return self._write(self.to_frame(paths), path)

    def stats_to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`stats_frame` to Parquet (atomically)."""
        return self._write(self.stats_frame(), path)


def _strategies_dir() -> Path | None:
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        d = base / "strategies"
        if d.is_dir() and any(d.glob("*.toml")):
            return d
    return None


def _registry_strategy(name: str) -> Strategy:
    # named by the registry name, not the rule's class name: gsci and bcom are both monthly_window rules
    return replace(strategy_from_rule(make_rule(name)), name=name)


def default_strategies() -> list[Strategy]:
    """The standard strategies: ``strategies/*.toml`` (in the working folder or the source tree)."""
    d = _strategies_dir()
    if d is None:
        return [_registry_strategy(n) for n in ("front_month", "gsci", "bcom", "constant_maturity")]
    return [load_strategy(p) for p in sorted(d.glob("*.toml"))]


def resolve_strategy(item: Strategy | RollRule | str | os.PathLike[str]) -> Strategy:
    """A strategy from an object, a TOML path, a name in ``strategies/`` or a rule name."""
    if isinstance(item, Strategy):
        return item
    if hasattr(item, "schedule") and hasattr(item, "name"):
        return strategy_from_rule(item)  # type: ignore[arg-type]
    text = os.fspath(item)  # type: ignore[arg-type]
    p = Path(text)
    if p.suffix == ".toml" or p.exists():
        return load_strategy(p)
    d = _strategies_dir()
    if d is not None and (d / f"{text}.toml").exists():
        return load_strategy(d / f"{text}.toml")
    return _registry_strategy(text)


def _contango_share(curve: FuturesCurve) -> np.ndarray:
    if curve.depth < 2:
        return np.full(curve.n_paths, np.nan)
    f0, f1 = curve.prices[:, :, 0], curve.prices[:, :, 1]
    ok = np.isfinite(f0) & np.isfinite(f1)
    return np.where(ok.sum(axis=1) > 0, (ok & (f1 > f0)).sum(axis=1) / np.maximum(ok.sum(axis=1), 1), np.nan)


def strategy_stats(
    curve: FuturesCurve, schedule: RollSchedule, index: IndexResult, contango: np.ndarray | None = None
) -> pd.DataFrame:
    p = curve.n_paths
    try:
        ann = index.annualised()
        cols = {c: ann[c].to_numpy() for c in ("er_return", "tr_return", "term_structure", "spot")}
    except DataError:
        cols = {c: np.full(p, np.nan) for c in ("er_return", "tr_return", "term_structure", "spot")}
    trades = schedule.roll_trades_by_path()
    return pd.DataFrame(
        {
            **cols,
            "volatility": annualised_volatility(index.er, index.dates, start=index.start),
            "max_drawdown": max_drawdown(index.er, start=index.start),
            "roll_trades": np.broadcast_to(trades, (p,)).astype(float),
            "contango_share": _contango_share(curve) if contango is None else contango,
        },
        index=pd.RangeIndex(p, name="path"),
    )


def fund_stats_of(res: Any) -> pd.DataFrame:
    """One row per path of a fund's headline figures (the FUND_METRICS columns).

    ``res`` is a :class:`~etfsim.fund.FundResult` or a :class:`~etfsim.fund.summary.FundSummary`.
    """
    from etfsim.fund.metrics import fund_metrics

    m = res.metrics if hasattr(res, "metrics") else fund_metrics(res)
    d = np.asarray(res.dates).astype("datetime64[D]")
    years = float((d[-1] - d[res.start]).astype(np.int64)) / 365.0
    return pd.DataFrame(
        {
            "nav_return": m["nav_return"],
            "index_tr_return": m["index_tr_return"],
            "tracking_difference": m["tracking_difference"],
            "tracking_error": m["tracking_error"],
            "premium_days_per_year": m["days_premium"] / years,
            "discount_days_per_year": m["days_discount"] / years,
            "max_premium": m["max_premium"],
            "costs_per_year": (m["fees"] + m["trading_costs"] + m["impact_costs"]) / m["nav_mean"] / years,
            "halted_days": m["halted_days"],
        }
    )


def backtest(
    curve: FuturesCurve,
    strategies: Sequence[Strategy | RollRule | str | os.PathLike[str]] | None = None,
    collateral_rate: float | pd.Series = 0.0,
    missing: str = "raise",
    progress: Callable[[int, int], None] | None = None,
    fund: Any = None,
    demand: Any = None,
    use_strategy_funds: bool = False,
    contract: Any = None,
) -> BacktestResult:
    """Run each strategy's roll rule on ``curve`` and compute its indices and statistics.

    Parameters
    ----------
    curve : FuturesCurve
        Simulated or real futures prices.
    strategies : sequence, optional
        Strategy objects, rule objects, TOML paths, names of files in
        ``strategies/`` or rule names; default: every file in ``strategies/``.
    collateral_rate : float or Series
        T-bill rate for the total-return index (see :func:`etfsim.index.compute_index`).
    missing : {"raise", "previous"}
        How the index treats a held contract with no print.
    progress : callable, optional
        ``progress(done, total)`` after each strategy.
    fund : FundConfig, optional
        Run every strategy as an ETF with these terms (and ``demand``).
    demand : InvestorDemand, optional
        Investor demand for ``fund``.
    use_strategy_funds : bool
        Run the strategies whose files carry a ``[fund]`` section with their own terms.
    contract : ContractSpec, optional
        Contract terms for the fund when the curve does not carry them.
    """
    items = default_strategies() if strategies is None else [resolve_strategy(s) for s in strategies]
    if not items:
        raise ConfigError("give at least one strategy")
    names = [s.name for s in items]
    if len(set(names)) != len(names):
        raise ConfigError(f"strategy names must be distinct, got {names}")
    results = []
    for i, strat in enumerate(items):
        schedule = roll_schedule(curve, strat.rule)
        index = compute_index(curve, schedule, collateral_rate=collateral_rate, missing=missing)
        fund_result = fund_stats = None
        terms = fund if fund is not None else (strat.fund if use_strategy_funds else None)
        if terms is not None:
            from etfsim.fund.engine import simulate_fund

            flows = demand if fund is not None else strat.demand
            fund_result = simulate_fund(curve, schedule, terms, flows=flows, contract=contract)
            fund_stats = fund_stats_of(fund_result)
        results.append(
            StrategyResult(strat, schedule, index, strategy_stats(curve, schedule, index), fund_result, fund_stats)
        )
        if progress is not None:
            progress(i + 1, len(items))
    src = str(curve.metadata.get("scenario") or curve.metadata.get("model") or curve.metadata.get("source") or "curve")
    return BacktestResult(tuple(results), curve.n_paths, np.asarray(curve.dates), src)
