"""Backtests chunk by chunk of paths (etfsim.pipeline.chunked): the whole curve's figures, bit for bit.

Every statistic of the backtest and fund tables is computed path by path and
the chunks' rows are joined in path order, so the tables (means and 5-95%
ranges), the per-path frames and the summary text must equal the whole-curve
backtest's exactly, whatever the chunk size: no tolerance here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim.curves.chunks import read_curve_chunks
from etfsim.curves.curve import FuturesCurve, read_curve
from etfsim.exceptions import DataError
from etfsim.fund.config import load_fund
from etfsim.fund.summary import FundSummary
from etfsim.pipeline import BacktestResult, backtest, backtest_chunks
from etfsim.scenario import load_scenario
from tests.cli.runner import REPO

STRATEGIES = ["gsci", "usl_strip12", "front_month", "optimum_yield"]  # optimum_yield: a schedule path by path


@pytest.fixture(scope="module")
def curve_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # first_path 3: the file is a later part of a run, so each chunk's demand draws follow the file's place
    curve = dataclasses.replace(load_scenario(), years=2).simulate(paths=9, seed=17)
    path = tmp_path_factory.mktemp("chunked") / "c9.parquet"
    dataclasses.replace(curve, first_path=3).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def whole(curve_file: Path) -> BacktestResult:
    terms, demand = load_fund(REPO / "strategies" / "compute_default.toml")
    return backtest(read_curve(curve_file), STRATEGIES, fund=terms, demand=demand, collateral_rate=0.03)


def _chunked(curve_file: Path, size: int, **kw: object) -> BacktestResult:
    terms, demand = load_fund(REPO / "strategies" / "compute_default.toml")
    chunks = read_curve_chunks(curve_file, size)
    return backtest_chunks(chunks, STRATEGIES, fund=terms, demand=demand, collateral_rate=0.03, **kw)  # type: ignore[arg-type]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("size", [1, 2, 4, 9, 100])
def test_every_table_equals_the_whole_curves_bit_for_bit(curve_file: Path, whole: BacktestResult, size: int) -> None:
    part = _chunked(curve_file, size)
    assert part.n_paths == whole.n_paths == 9
    assert part.source == whole.source
    np.testing.assert_array_equal(part.dates, whole.dates)
    _same(part.table(), whole.table())
    _same(part.fund_table(), whole.fund_table())
    _same(part.stats_frame(), whole.stats_frame())
    _same(part.fund_stats_frame(), whole.fund_stats_frame())
    assert part.summary() == whole.summary()
    for a, b in zip(part.results, whole.results, strict=True):
        _same(a.stats, b.stats)
        assert isinstance(a.fund, FundSummary) and a.fund.n_paths == 9


def test_without_a_fund_the_index_tables_still_agree(curve_file: Path) -> None:
    plain = backtest(read_curve(curve_file), STRATEGIES)
    part = backtest_chunks(read_curve_chunks(curve_file, 4), STRATEGIES)
    _same(part.table(), plain.table())
    assert part.fund_table().empty and all(r.fund is None for r in part.results)


def test_kept_levels_write_the_same_index_series(curve_file: Path, whole: BacktestResult) -> None:
    part = _chunked(curve_file, 4, keep_levels=True)
    _same(part.to_frame(), whole.to_frame())
    _same(part.to_frame(paths=[0, 8]), whole.to_frame(paths=[0, 8]))


def test_levels_not_kept_are_refused_by_name(curve_file: Path, tmp_path: Path) -> None:
    part = _chunked(curve_file, 4)
    with pytest.raises(DataError, match="keep_levels=True"):
        part.to_frame()
    with pytest.raises(DataError, match="keep_levels=True"):
        part.to_parquet(tmp_path / "levels.parquet")
    assert not (tmp_path / "levels.parquet").exists()


def test_progress_counts_chunks(curve_file: Path) -> None:
    seen: list[tuple[int, int]] = []
    backtest_chunks(
        read_curve_chunks(curve_file, 4), ["gsci"], progress=lambda d, t: seen.append((d, t)), total_chunks=3
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_no_chunks_and_chunks_of_two_curves_are_refused(curve_file: Path) -> None:
    with pytest.raises(DataError, match="no chunks of paths"):
        backtest_chunks([], ["gsci"])
    curve = read_curve(curve_file)
    shorter: FuturesCurve = curve.select(paths=[1], end=str(curve.dates[-30])[:10])
    with pytest.raises(DataError, match="do not share one list of dates"):
        backtest_chunks([curve.select(paths=[0]), shorter], ["gsci"])
