"""The study's results explain themselves: StudyResults, the sheets' data, the stock-ETF comparison.

Each is an ``etfsim._results.Result``: frozen, a one-line ``repr``, a text
``summary()`` that ``str()`` prints, a ``to_frame()`` and an HTML table.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etfsim._results import Result
from etfsim.report.factsheet import FactSheetData, factsheet_data
from etfsim.report.rules import RULE_COLUMNS, RulesSheetData, rules_data
from etfsim.report.study import Study


def _manners(res: Result) -> None:
    assert isinstance(res, Result)
    line = repr(res)
    assert line.startswith(f"<{type(res).__name__} ") and "\n" not in line and len(line) < 200
    assert str(res) == res.summary() and isinstance(res.summary(), str)
    assert isinstance(res.to_frame(), pd.DataFrame)
    assert "<table" in res._repr_html_()
    field = dataclasses.fields(res)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, field, None)


def test_study_results(study: Study, report_dir: Path) -> None:
    res = study.results
    _manners(res)
    # the single-chip scenario (load_scenario, h100.toml), headlined by the default strategy
    assert repr(res).startswith("<StudyResults scenario='compute_h100' headline='compute_default' paths=12")
    manifest = pd.read_parquet(report_dir / "study.parquet")
    pd.testing.assert_frame_equal(res.to_frame(), manifest)  # the frame is the manifest etfsim run writes
    assert "indices" in str(res) and "rule_funds" in str(res)


def test_fact_sheet_data(study: Study) -> None:
    data = factsheet_data(study.results)
    assert isinstance(data, FactSheetData)
    _manners(data)
    frame = data.to_frame()
    assert list(frame.columns) == ["key", "label", "value", "fmt", "text"]
    assert dict(zip(frame["key"], frame["value"], strict=True)) == data.all_cells()
    assert data.fund_name in str(data)


def test_rules_sheet_data(study: Study) -> None:
    data = rules_data(study.results)
    assert isinstance(data, RulesSheetData)
    _manners(data)
    frame = data.to_frame()
    assert list(frame.columns) == [c for c, _h, _f in RULE_COLUMNS]
    assert frame.index.tolist() == list(study.results.facts.names)
    assert frame.loc[frame.index[0], "nav_return"] == data.all_cells()[f"rules.{frame.index[0]}.nav_return"]
    assert all(not a.flags.writeable for a in data.nav_returns.values())
    assert data.headline in str(data)


def test_comparison_and_the_stock_twin(study: Study) -> None:
    cmp = study.comparison
    _manners(cmp)
    assert str(cmp).startswith("Comparison: futures ETF vs stock ETF, 6 path(s) (means across paths)")
    pd.testing.assert_frame_equal(cmp.to_frame(), cmp.table)
    stock = cmp.stock
    _manners(stock)
    assert not stock.nav_per_share.flags.writeable
    one = stock.to_frame(path=1)
    np.testing.assert_array_equal(one["nav_per_share"].to_numpy(), stock.nav_per_share[1])
    assert stock.to_frame().index.names == ["path", "date"] and len(stock.to_frame()) == stock.nav_per_share.size


def test_the_study_strategy_runs_and_backtest(study: Study) -> None:
    from etfsim.pipeline import BacktestResult, StrategyRun, statistic

    _manners(study)
    assert repr(study).startswith("<Study scenario='compute_h100' paths=12 strategies=")
    assert "headline 'compute_default'" in str(study) and "compute_default" in study.to_frame().index
    bt = study.backtest
    _manners(bt)
    assert isinstance(bt, BacktestResult) and bt.summary().count("\n") >= len(bt.results)
    table = bt.table()
    er = statistic("er_return")
    from etfsim._format import format_value

    for name in table.index:  # each strategy's mean ER return, printed as the statistics table formats it
        line = next(x for x in bt.summary().splitlines() if x.strip().startswith(f"{name} "))
        assert format_value(float(table.loc[name, "er_return"]), er.fmt) in line
    run = bt.results[0]
    _manners(run)
    assert isinstance(run, StrategyRun) and run.to_frame() is run.stats
    assert statistic("nav_return").label in str(run) and f"{run.n_paths:,} path(s)" in str(run)


def test_plots_draw_the_data(study: Study) -> None:
    import matplotlib

    matplotlib.use("Agg")
    run = study.backtest.results[0]
    ax = run.plot(path=2)
    s = run.index.start
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), run.index.er[2, s:])
    ax = study.plot()
    nav = study.results.fund["nav_per_share_adj"].to_numpy(dtype=float)
    drawn = {line.get_label(): np.asarray(line.get_ydata()) for line in ax.get_lines()}
    np.testing.assert_allclose(drawn["Headline path"], 10_000 * nav / nav[0], rtol=1e-15)
    np.testing.assert_allclose(drawn["Median"], study.results.nav_fan["p50"].to_numpy(), rtol=1e-15)
