"""The comparison chunk by chunk of paths (etfsim.fund.comparison.compare_chunks) against the whole curve's.

Every row of the side-by-side table but one is a mean across paths of a figure
computed path by path, so it must equal :func:`compare`'s bit for bit.  The
mean absolute premium is a mean over all path-dates: over several chunks it is
summed in another order, so it is held to 1e-12 relative (exact on one chunk).
The stock twin's draws follow each path's place in the run (``first_path``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from etfsim.curves.chunks import read_curve_chunks
from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.exceptions import DataError
from etfsim.fund.comparison import Comparison, ComparisonSummary, compare, compare_chunks
from etfsim.fund.config import FundConfig, InvestorDemand
from etfsim.fund.stock_twin import StockBasket, simulate_stock_fund
from etfsim.pipeline import resolve_strategy
from etfsim.roll import roll_schedule
from etfsim.scenario import load_scenario

SUMMED_OVER_PATH_DATES = "mean absolute premium"


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    curve = dataclasses.replace(load_scenario(), years=2).simulate(paths=7, seed=23)
    path = tmp_path_factory.mktemp("compare_chunks") / "c7.parquet"
    dataclasses.replace(curve, first_path=11).to_parquet(path)  # a later part of a run
    return path


def _whole(curve_file: Path, beta: float, demand: InvestorDemand | None) -> Comparison:
    strat = resolve_strategy("compute_default")
    curve = read_curve(curve_file)
    cfg = strat.fund or FundConfig()
    return compare(curve, roll_schedule(curve, strat.rule), cfg, basket=StockBasket(compute_beta=beta), flows=demand)


def _chunked(curve_file: Path, size: int, beta: float, demand: InvestorDemand | None) -> ComparisonSummary:
    strat = resolve_strategy("compute_default")
    chunks = read_curve_chunks(curve_file, size)
    basket = StockBasket(compute_beta=beta)
    return compare_chunks(chunks, strat.rule, strat.fund or FundConfig(), basket=basket, flows=demand)


DEMAND = resolve_strategy("compute_default").demand


@pytest.mark.parametrize("demand", [DEMAND, None], ids=["demand", "no-demand"])
@pytest.mark.parametrize("beta", [0.0, 0.5])
@pytest.mark.parametrize("size", [1, 3, 7, 50])
def test_every_row_equals_the_whole_curves(
    curve_file: Path, size: int, beta: float, demand: InvestorDemand | None
) -> None:
    want = _whole(curve_file, beta, demand).table
    got = _chunked(curve_file, size, beta, demand)
    assert got.n_paths == 7 and got.chunks == -(-7 // size)
    assert list(got.table.index) == list(want.index) and list(got.table.columns) == list(want.columns)
    exact = [r for r in want.index if r != SUMMED_OVER_PATH_DATES]
    for row in exact:
        for col in want.columns:
            a, b = float(got.table.loc[row, col]), float(want.loc[row, col])
            assert a == b or (np.isnan(a) and np.isnan(b)), (row, col, a, b)
    for col in want.columns:
        a, b = float(got.table.loc[SUMMED_OVER_PATH_DATES, col]), float(want.loc[SUMMED_OVER_PATH_DATES, col])
        if got.chunks == 1:
            assert a == b
        else:
            assert a == pytest.approx(b, rel=1e-12, abs=0.0)


def test_the_summary_and_frame_show_the_table(curve_file: Path) -> None:
    got = _chunked(curve_file, 3, 0.5, DEMAND)
    assert got.summary().startswith("ComparisonSummary: futures ETF vs stock ETF, 7 path(s) in 3 chunk(s)")
    assert got.to_frame().equals(got.table) and got.to_frame() is not got.table


def test_the_stock_twin_of_a_chunk_draws_its_paths_own_streams() -> None:
    dates = np.arange("2026-04-01", "2027-04-01", dtype="datetime64[D]")[::1]
    dates = dates[np.is_busday(dates)]
    spot = np.exp(np.cumsum(np.full((6, len(dates)), 0.001), axis=1))
    basket = StockBasket(compute_beta=0.5)
    flows = InvestorDemand(volatility=0.01, seed=3)
    whole = simulate_stock_fund(basket, dates, 6, flows=flows, spot=spot)
    part = simulate_stock_fund(basket, dates, 3, flows=flows, spot=spot[2:5], first_path=2)
    for name in ("nav_per_share", "shares", "premium", "creations", "index_tr", "dividend_yield_paid"):
        assert getattr(part, name).tobytes() == getattr(whole, name)[2:5].tobytes(), name


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_a_bad_first_path_is_refused(bad: object) -> None:
    dates = np.arange("2026-04-01", "2026-06-01", dtype="datetime64[D]")
    with pytest.raises(DataError, match="first_path must be a whole number >= 0"):
        simulate_stock_fund(StockBasket(), dates, 2, first_path=bad)  # type: ignore[arg-type]


def test_no_chunks_and_chunks_of_two_curves_are_refused(curve_file: Path) -> None:
    rule = resolve_strategy("compute_default").rule
    with pytest.raises(DataError, match="no chunks of paths"):
        compare_chunks([], rule)
    curve = read_curve(curve_file)
    shorter: FuturesCurve = curve.select(paths=[1], end=str(curve.dates[-30])[:10])
    with pytest.raises(DataError, match="do not share one list of dates"):
        compare_chunks([curve.select(paths=[0]), shorter], rule)
