"""Backtests: strategies side by side on one curve.

Two kinds of test.  On a small simulated compute curve every statistic of the
table is recomputed independently: from the index levels, from the curve's own
prices and spot, and from the contracts held (a pandas re-derivation of the ER
that does not use the numba kernels).  On real data (EIA WTI CL1-CL4,
``shared/data/reference/eia_wti/README.md``, "Known prints") a USO-style fund is
checked against the settlements of April 2020 and over 2011-2020.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import etfsim
from etfsim.curves.curve import FuturesCurve
from etfsim.exceptions import ConfigError, DataError, UnknownNameError
from etfsim.pipeline import (
    BacktestResult,
    StrategyRun,
    backtest,
    default_strategies,
    load_strategy,
    resolve_strategy,
    statistics_of,
)
from etfsim.roll import FrontMonth, MonthlyWindow
from etfsim.roll.rules import roll_schedule

REPO = Path(__file__).resolve().parents[2]
STRATEGIES = REPO / "etfsim" / "strategies"
EIA = etfsim.sample_data("eia_wti")  # shipped with etfsim (etfsim/data/), the same bytes as the reference copy
COLUMNS = [s.column for s in statistics_of("backtest")]


# -- fixtures ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def curve() -> FuturesCurve:
    """Two years of the default compute scenario, eight paths."""
    return dataclasses.replace(etfsim.load_scenario(), years=2).simulate(paths=8, seed=20260517)


@pytest.fixture(scope="module")
def result(curve: FuturesCurve) -> BacktestResult:
    return backtest(curve)  # every file in strategies/


def _by_name(result: BacktestResult) -> dict[str, StrategyRun]:
    return {r.strategy.name: r for r in result.results}


# -- independent recomputations ---------------------------------------------------------
def _start(er: np.ndarray) -> int:
    """First invested date: the first finite level (NaN before it)."""
    finite = np.isfinite(er[0])
    assert finite.any()
    return int(np.argmax(finite))


def _years(dates: np.ndarray, start: int) -> float:
    return float((dates[-1] - dates[start]) / np.timedelta64(1, "D")) / 365.0


def _holdings_by_contract(r: StrategyRun, path: int) -> pd.DataFrame:
    """Weights by contract code (columns) and date (rows), zero where not held."""
    h = r.schedule.holdings(path)
    wide = h.pivot_table(index="date", columns="contract", values="weight", aggfunc="sum")
    return wide.reindex(pd.DatetimeIndex(r.schedule.dates)).fillna(0.0)


def _prices_by_contract(curve: FuturesCurve, path: int) -> pd.DataFrame:
    long = curve.select(paths=path).to_frame(dropna=False)
    return long.pivot_table(index="date", columns="contract", values="price", aggfunc="first", dropna=False)


def _er_from_holdings(curve: FuturesCurve, r: StrategyRun, path: int) -> np.ndarray:
    """DESIGN.md: ER(t)/ER(t-1) = sum q(t-1) F(t) / sum q(t-1) F(t-1), keyed by contract code."""
    w = _holdings_by_contract(r, path)
    f = _prices_by_contract(curve, path).reindex(index=w.index, columns=w.columns)
    q = w.shift(1)  # quantities fixed at the previous close
    # contracts not held contribute nothing, even without a print; a held one without a print gives NaN
    num = (q * f).where(q > 0, 0.0).sum(axis=1, skipna=False)
    den = (q * f.shift(1)).where(q > 0, 0.0).sum(axis=1, skipna=False)
    start = int(np.argmax(r.schedule.invested))
    er = np.full(len(w), np.nan)
    er[start] = 100.0
    er[start + 1 :] = 100.0 * np.cumprod((num / den).to_numpy()[start + 1 :])
    return er


def _trading_closes(r: StrategyRun, path: int) -> int:
    """Closes (after the first date) on which the weight of some contract changes."""
    w = _holdings_by_contract(r, path).to_numpy()
    return int((np.abs(np.diff(w, axis=0)) > 1e-12).any(axis=1).sum())


# -- the table --------------------------------------------------------------------------
def test_default_strategies_are_every_file_in_strategies(result: BacktestResult, curve: FuturesCurve) -> None:
    files = sorted(p.stem for p in STRATEGIES.glob("*.toml") if not load_strategy(p).dated)
    assert len(files) == 8  # and uso_2020, a replay tied to its dates, runs only when named
    assert [s.name for s in default_strategies()] == files
    assert [r.strategy.name for r in result.results] == files
    assert list(result.table().index) == files
    for r in result.results:
        assert Path(r.strategy.source) == STRATEGIES / f"{r.strategy.name}.toml"
        assert r.strategy.rule == load_strategy(r.strategy.source).rule
    assert result.n_paths == 8
    np.testing.assert_array_equal(result.dates, curve.dates)
    assert result.source == "compute_h100"  # the scenario named in the curve's metadata


def test_table_is_the_mean_and_5_95_range_of_the_per_path_stats(result: BacktestResult) -> None:
    table = result.table()
    assert list(table.columns) == [f"{c}{s}" for c in COLUMNS for s in ("", "_p5", "_p95")]
    for r in result.results:
        assert r.stats.shape == (8, len(COLUMNS)) and list(r.stats.index) == list(range(8))
        for col in COLUMNS:
            v = r.stats[col].to_numpy()
            assert np.isfinite(v).all(), (r.strategy.name, col)  # a simulated curve is positive: all defined
            lo, hi = np.percentile(v, [5, 95])
            row = table.loc[r.strategy.name]
            assert row[col] == pytest.approx(np.mean(v), rel=1e-12, abs=1e-15)
            assert row[f"{col}_p5"] == pytest.approx(lo, rel=1e-12, abs=1e-15)
            assert row[f"{col}_p95"] == pytest.approx(hi, rel=1e-12, abs=1e-15)
    # the paths really differ, so the range is not a degenerate copy of the mean
    gsci = table.loc["gsci"]
    assert gsci["er_return_p5"] < gsci["er_return"] < gsci["er_return_p95"]


def test_one_path_table_has_no_range_columns(curve: FuturesCurve) -> None:
    one = backtest(curve.select(paths=3), ["gsci"])
    assert one.n_paths == 1
    assert list(one.table().columns) == COLUMNS
    several = backtest(curve, ["gsci"])
    np.testing.assert_allclose(
        one.table().loc["gsci"].to_numpy(dtype=float),
        several.results[0].stats.loc[3, COLUMNS].to_numpy(dtype=float),
        rtol=1e-12,
    )


def test_returns_and_attribution_equal_the_levels_and_the_spot(result: BacktestResult, curve: FuturesCurve) -> None:
    assert curve.spot is not None
    for r in result.results:
        er, tr = r.index.er, r.index.tr
        start = _start(er)
        assert start == r.index.start
        years = _years(curve.dates, start)
        assert years > 1.8
        growth = er[:, -1] / er[:, start]
        spot_growth = curve.spot[:, -1] / curve.spot[:, start]  # the curve's spot, not the index's
        s = r.stats
        np.testing.assert_allclose(s["er_return"], growth ** (1 / years) - 1, rtol=1e-10)
        np.testing.assert_allclose(s["tr_return"], (tr[:, -1] / tr[:, start]) ** (1 / years) - 1, rtol=1e-10)
        np.testing.assert_allclose(s["tr_return"], s["er_return"], rtol=1e-12)  # no collateral rate given
        np.testing.assert_allclose(s["spot"], np.log(spot_growth) / years, rtol=1e-10)
        np.testing.assert_allclose(s["term_structure"], (np.log(growth) - np.log(spot_growth)) / years, rtol=1e-9)
        # volatility: sample standard deviation of daily log returns, times sqrt(returns per year)
        r_log = np.diff(np.log(er[:, start:]), axis=1)
        want_vol = r_log.std(axis=1, ddof=1) * np.sqrt(r_log.shape[1] / years)
        np.testing.assert_allclose(s["volatility"], want_vol, rtol=1e-10)
        peak = np.maximum.accumulate(er[:, start:], axis=1)
        np.testing.assert_allclose(s["max_drawdown"], (er[:, start:] / peak - 1).min(axis=1), rtol=1e-12)
        assert (s["max_drawdown"] < 0).all()


def test_er_equals_a_recomputation_from_the_contracts_held(result: BacktestResult, curve: FuturesCurve) -> None:
    for r in result.results:
        paths = range(curve.n_paths) if not r.schedule.shared else [0, 5]
        for p in paths:
            np.testing.assert_allclose(
                r.index.er[p], _er_from_holdings(curve, r, p), rtol=1e-11, err_msg=f"{r.strategy.name} path {p}"
            )


def test_roll_trades_count_the_closes_where_holdings_change(result: BacktestResult) -> None:
    by = _by_name(result)
    for r in result.results:
        paths = range(result.n_paths) if not r.schedule.shared else [0]
        for p in paths:
            assert r.stats.loc[p, "roll_trades"] == _trading_closes(r, p), (r.strategy.name, p)
        if r.schedule.shared:
            assert r.stats["roll_trades"].nunique() == 1
    # two years of monthly windows: GSCI trades 5 closes a month, USO 4, the front month once
    assert by["gsci"].stats.loc[0, "roll_trades"] == 24 * 5
    assert by["front_month"].stats.loc[0, "roll_trades"] == 24
    assert by["uso"].stats.loc[0, "roll_trades"] >= 23 * 4  # four closes a roll, one may fall past the end
    optimum = by["optimum_yield"]
    assert not optimum.schedule.shared and optimum.stats["roll_trades"].nunique() > 1  # decided path by path


def test_contango_share_is_the_curve_s(result: BacktestResult, curve: FuturesCurve) -> None:
    want = [curve.select(paths=p).term_structure_state()["contango"] for p in range(curve.n_paths)]
    for r in result.results:
        np.testing.assert_allclose(r.stats["contango_share"], want, rtol=1e-12)
    assert 0 < min(want) < max(want) < 1
    # every path-date has both prices here, so the mean of the path shares is the pooled share
    assert result.table().loc["gsci", "contango_share"] == pytest.approx(curve.term_structure_state()["contango"])


def test_collateral_rate_lifts_tr_above_er(curve: FuturesCurve) -> None:
    res = backtest(curve, ["gsci"], collateral_rate=0.04)
    r = res.results[0]
    years = _years(curve.dates, r.index.start)
    want = (r.index.tr[:, -1] / r.index.tr[:, r.index.start]) ** (1 / years) - 1
    np.testing.assert_allclose(r.stats["tr_return"], want, rtol=1e-10)
    gap = np.log1p(r.stats["tr_return"]) - np.log1p(r.stats["er_return"])
    assert ((gap > 0.03) & (gap < 0.05)).all()  # about 4% a year of T-bill interest, in log terms
    with pytest.raises(ConfigError, match="fraction"):
        backtest(curve, ["gsci"], collateral_rate=4.0)


# -- how strategies can be named ------------------------------------------------------------
def test_strategies_as_objects_rules_paths_and_names(curve: FuturesCurve) -> None:
    toml = STRATEGIES / "uso.toml"
    res = backtest(
        curve,
        [
            load_strategy(STRATEGIES / "bcom.toml"),  # a Strategy object
            FrontMonth(days_before_expiry=3, window=2),  # a rule object
            toml,  # a TOML path ...
            "gsci",  # a name in strategies/
            "monthly_window",  # a registry rule name with no file
        ],
    )
    by = _by_name(res)
    assert list(by) == ["bcom", "front_month", "uso", "gsci", "monthly_window"]
    assert by["front_month"].strategy.rule == FrontMonth(days_before_expiry=3, window=2)
    assert by["uso"].strategy.source == str(toml)
    assert by["gsci"].strategy.description == load_strategy(STRATEGIES / "gsci.toml").description
    assert by["monthly_window"].strategy.rule == MonthlyWindow(first_day=5, last_day=9)
    # GSCI's file is monthly_window on days 5-9: the same index as the registry default
    np.testing.assert_array_equal(by["gsci"].index.er, by["monthly_window"].index.er)
    assert not np.array_equal(by["gsci"].index.er, by["bcom"].index.er)  # days 6-10 differ
    # ... and as text: the same strategy as the Path
    again = backtest(curve, [str(toml)])
    np.testing.assert_array_equal(again.results[0].index.er, by["uso"].index.er)


def test_duplicate_names_and_no_strategy_are_config_errors(curve: FuturesCurve) -> None:
    with pytest.raises(ConfigError, match=r"strategy names must be distinct, got \['gsci', 'gsci'\]"):
        backtest(curve, ["gsci", STRATEGIES / "gsci.toml"])
    with pytest.raises(ConfigError, match="distinct"):
        backtest(curve, [MonthlyWindow(5, 9), MonthlyWindow(6, 10)])  # both named after the rule
    with pytest.raises(ConfigError, match="at least one strategy"):
        backtest(curve, [])
    with pytest.raises(
        UnknownNameError,
        match="unknown strategy or rule name 'gcsi'; known .*: as_recorded, bcom, calendar, compute_default",
    ):
        backtest(curve, ["gcsi"])


def test_built_in_strategies_do_not_depend_on_the_working_folder(
    curve: FuturesCurve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An installed etfsim run outside a project used to fall back to four registry rules.  The strategies
    # ship in the package, so a name means the same strategy from any folder.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ETFSIM_STRATEGIES", raising=False)
    names = [s.name for s in default_strategies()]
    assert names == sorted(p.stem for p in STRATEGIES.glob("*.toml") if p.stem != "uso_2020") and "uso" in names
    by = _by_name(backtest(curve, ["gsci", "bcom", "monthly_window"]))
    assert by["gsci"].strategy.description == load_strategy(STRATEGIES / "gsci.toml").description
    assert by["bcom"].strategy.rule == MonthlyWindow(first_day=6, last_day=10)
    # a bare rule name still gives the rule with its defaults (gsci's file is monthly_window on days 5-9)
    np.testing.assert_array_equal(by["gsci"].index.er, by["monthly_window"].index.er)


def test_progress_is_reported_after_each_strategy(curve: FuturesCurve) -> None:
    calls: list[tuple[int, int]] = []
    backtest(curve, ["gsci", "uso", "front_month"], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


# -- frames and files -------------------------------------------------------------------
def test_to_frame_and_stats_frame(result: BacktestResult, curve: FuturesCurve) -> None:
    names = [r.strategy.name for r in result.results]
    n = curve.n_dates
    head = result.to_frame(paths=[0])
    assert list(head.columns) == ["strategy", "path", "date", "er", "tr", "spot"]
    assert len(head) == len(names) * n
    assert set(head["path"]) == {0}
    for r in result.results:
        rows = head[head["strategy"] == r.strategy.name]
        np.testing.assert_array_equal(rows["date"].to_numpy(), curve.dates)
        np.testing.assert_array_equal(rows["er"].to_numpy(), r.index.er[0])
        np.testing.assert_array_equal(rows["tr"].to_numpy(), r.index.tr[0])
        np.testing.assert_array_equal(rows["spot"].to_numpy(), r.index.spot[0])
    full = result.to_frame()
    assert len(full) == len(names) * 8 * n
    gsci_path5 = full[(full["strategy"] == "gsci") & (full["path"] == 5)]
    np.testing.assert_array_equal(gsci_path5["er"].to_numpy(), _by_name(result)["gsci"].index.er[5])
    with pytest.raises(DataError, match="path numbers from 0 to 7"):
        result.to_frame(paths=[8])
    with pytest.raises(DataError, match="path numbers from 0 to 7"):
        result.to_frame(paths=[-1])  # not silently the last path labelled -1

    stats = result.stats_frame()
    assert list(stats.columns) == ["strategy", "path", *COLUMNS]
    assert len(stats) == len(names) * 8
    for r in result.results:
        rows = stats[stats["strategy"] == r.strategy.name].set_index("path")[COLUMNS]
        pd.testing.assert_frame_equal(rows, r.stats[COLUMNS], check_names=False)


def test_parquet_round_trips(result: BacktestResult, tmp_path: Path) -> None:
    levels = result.to_parquet(tmp_path / "levels.parquet", paths=[0, 2])
    assert levels == tmp_path / "levels.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(levels), result.to_frame(paths=[0, 2]))
    stats = result.stats_to_parquet(tmp_path / "stats.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(stats), result.stats_frame())
    # the strategies travel with the numbers
    meta = pq.read_schema(stats).metadata[b"etfsim"].decode()
    described = pd.read_json(io.StringIO(meta), typ="series")
    assert described["gsci"] == load_strategy(STRATEGIES / "gsci.toml").description
    assert sorted(described.index) == sorted(r.strategy.name for r in result.results)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["levels.parquet", "stats.parquet"]  # no temporaries


def test_optimum_yield_decides_when_a_month_starts_inside_its_window(curve: FuturesCurve) -> None:
    # Regression: when the first business day of a month is missing from the data, the decision
    # close falls in the previous month, and the rule compared the held contract's expiry with the
    # window end of the wrong month; it then kept a contract past its expiry.
    days = curve.dates.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    first_of_month = np.r_[True, months[1:] != months[:-1]]
    keep = ~first_of_month
    keep[0] = True  # keep the very first date
    gappy = FuturesCurve(
        curve.dates[keep],
        curve.prices[:, keep],
        curve.contracts[keep],
        curve.expiries[keep],
        spot=None if curve.spot is None else curve.spot[:, keep],
        metadata=curve.metadata,
    )
    res = backtest(gappy, ["optimum_yield"])
    r = res.results[0]
    for p in range(gappy.n_paths):
        h = r.schedule.holdings(p)
        assert (h["date"].to_numpy().astype("datetime64[D]") < h["expiry"].to_numpy()).all()
        np.testing.assert_allclose(r.index.er[p], _er_from_holdings(gappy, r, p), rtol=1e-11)


# -- real data: a USO-style front-month fund on WTI (EIA CL1-CL4) ---------------------------
@pytest.fixture(scope="module")
def wti_full() -> FuturesCurve:
    return etfsim.load_eia_wti(EIA)


@pytest.fixture(scope="module")
def wti(wti_full: FuturesCurve) -> FuturesCurve:
    """2011-2020: README: 2,520 rows with no gaps in the values (2,509 after repeated holiday rows)."""
    return wti_full.select(start="2011-01-01", end="2020-12-31")


def _t(curve: FuturesCurve, day: str) -> int:
    (i,) = np.nonzero(curve.dates.astype("datetime64[D]") == np.datetime64(day))[0]
    return int(i)


def _ratio(r: StrategyRun, curve: FuturesCurve, day: str) -> float:
    t = _t(curve, day)
    return float(r.index.er[0, t] / r.index.er[0, t - 1])


def test_rules_that_roll_early_see_the_june_contract_over_20_april(wti: FuturesCurve) -> None:
    assert not np.isnan(wti.prices).any()
    res = backtest(wti, ["uso", "gsci"])
    for r in res.results:
        held = r.schedule.holdings(0)
        on_17 = held[held["date"] == pd.Timestamp("2020-04-17")]
        assert list(on_17["contract"]) == ["CLM20"] and list(on_17["weight"]) == [1.0]
        # EIA prints: CL2 (June 2020) 25.03 on 17 April, 20.43 on 20 April, 11.57 on 21 April
        assert _ratio(r, wti, "2020-04-20") == pytest.approx(20.43 / 25.03, rel=1e-12)
        assert _ratio(r, wti, "2020-04-21") == pytest.approx(11.57 / 20.43, rel=1e-12)
        assert np.isfinite(r.index.er[0]).all() and (r.index.er[0] > 0).all()


def test_front_month_held_to_expiry_sees_minus_37_63(wti: FuturesCurve) -> None:
    # etfsim.index.levels.compute_index: a negative numerator is arithmetic like any other, so the
    # level may turn negative; only a position worth <= 0 at the previous close is refused.
    to_20 = wti.select(end="2020-04-20")
    res = backtest(to_20, ["front_month"])
    r = res.results[0]
    assert r.strategy.rule == FrontMonth(days_before_expiry=0, window=1)
    held = r.schedule.holdings(0)
    assert list(held.loc[held["date"] == pd.Timestamp("2020-04-17"), "contract"]) == ["CLK20"]
    # EIA prints: CL1 (May 2020) 19.87 on 16 April, 18.27 on 17 April, -37.63 on 20 April
    assert _ratio(r, to_20, "2020-04-17") == pytest.approx(18.27 / 19.87, rel=1e-12)
    assert _ratio(r, to_20, "2020-04-20") == pytest.approx(-37.63 / 18.27, rel=1e-12)
    assert r.index.er[0, -1] < 0 < r.index.er[0, -2]
    # an annual return of a level below zero is undefined: n/a, not a number
    assert np.isnan(r.stats.loc[0, "er_return"]) and np.isnan(res.table().loc["front_month", "er_return"])
    assert r.stats.loc[0, "max_drawdown"] < -1.0  # it lost more than everything

    # the next step, from a position worth -37.63, is refused, naming the date and the contract
    with pytest.raises(DataError) as err:
        backtest(wti, ["uso", "front_month", "gsci"])
    msg = str(err.value)
    for words in ("close of 2020-04-20", "CLK20 at -37.63", "to 2020-04-21"):
        assert words in msg


def test_index_funds_never_hold_a_2020_contract_into_its_last_trading_day(wti: FuturesCurve) -> None:
    curve = wti.select(start="2019-11-01")
    days = curve.dates.astype("datetime64[D]")
    # the schedules only: the front month's index stops at 20 April 2020 (see above)
    schedules = {name: roll_schedule(curve, resolve_strategy(name).rule) for name in ("uso", "gsci", "front_month")}
    margins: dict[str, dict[str, int]] = {}
    for name, schedule in schedules.items():
        h = schedule.holdings(0)
        h = h[h["expiry"].dt.year == 2020]
        margins[name] = {
            code: int(
                np.searchsorted(days, np.datetime64(g["expiry"].iloc[0], "D"))
                - np.searchsorted(days, np.datetime64(g["date"].max(), "D"))
            )
            for code, g in h.groupby("contract")
        }
    for name in ("uso", "gsci", "front_month"):
        assert len(margins[name]) == 12, name  # CLG20 .. CLF21: the twelve expiries of 2020
    # USO: out of each contract at the close 7 weekdays before its last trading day, so the last close still
    # holding some of it is 8 weekdays before (7 trading days when a holiday falls in between)
    assert set(margins["uso"].values()) == {7, 8}
    # GSCI: out by business day 9 of the month; WTI's last trade is later in that month
    assert min(margins["gsci"].values()) >= 4
    # the plain front month still holds each contract at the close before its last trading day
    assert set(margins["front_month"].values()) == {1}
    # GSCI's trading closes in each month of 2020 all come before that month's WTI expiry
    rolls = schedules["gsci"].roll_dates().astype("datetime64[D]")
    for month in np.unique(days.astype("datetime64[M]")):
        if month.astype(object).year != 2020:
            continue
        expiry = curve.expiries[_t(curve, str(days[days.astype("datetime64[M]") == month][0])), 0]
        in_month = rolls[rolls.astype("datetime64[M]") == month]
        assert len(in_month) == 5 and (in_month < expiry).all(), month


def test_uso_style_er_2011_2020_is_deeply_negative(wti: FuturesCurve) -> None:
    res = backtest(wti, ["uso", "gsci"])
    uso = _by_name(res)["uso"]
    er = uso.index.er[0]
    start = _start(uso.index.er)
    years = _years(wti.dates, start)
    assert years == pytest.approx(10.0, abs=0.01)
    er_return = (er[-1] / er[start]) ** (1 / years) - 1
    assert uso.stats.loc[0, "er_return"] == pytest.approx(er_return, rel=1e-12)
    # The front-month WTI roll lost about 15.5% a year (ER, 2011-2020): CL1 fell from 91.55 to
    # 48.52 (-6.2% a year) and the roll through a curve in contango 77% of the days cost about ten
    # points a year more (USO itself, after fees, lost over 90% in the decade).  -10% a year leaves
    # room for small changes of roll timing while still failing if the roll cost were lost.
    assert er_return < -0.10
    assert er_return > -0.25
    front_growth = (wti.prices[0, -1, 0] / wti.prices[0, 0, 0]) ** (1 / years) - 1
    assert er_return < front_growth - 0.05  # the roll, not only the oil price, lost the money
    assert uso.stats.loc[0, "contango_share"] == pytest.approx(0.769, abs=0.001)
    assert res.table().loc["gsci", "er_return"] < -0.10
    # a real history carries no spot series: no spot / term-structure split to report
    assert np.isnan(uso.stats.loc[0, "spot"]) and np.isnan(uso.stats.loc[0, "term_structure"])


def test_optimum_yield_on_wti_1989_when_july_starts_in_the_window(wti_full: FuturesCurve) -> None:
    # EIA has no row for 3 July 1989, so July's first date (5 July) is already business day 2, the
    # first day of the optimum-yield window.  The rule used to keep CLQ89 past its expiry and stop
    # with "the chosen contract is not on the curve on 1989-07-21".
    curve = wti_full.select(start="1989-05-01", end="1989-09-29")
    r = backtest(curve, ["optimum_yield"]).results[0]
    h = r.schedule.holdings(0)
    assert not h[(h["contract"] == "CLQ89") & (h["date"] >= pd.Timestamp("1989-07-12"))].size
    assert (h["date"].to_numpy().astype("datetime64[D]") < h["expiry"].to_numpy()).all()
    np.testing.assert_allclose(r.index.er[0], _er_from_holdings(curve, r, 0), rtol=1e-11)
